"""Who is who: map every sender and recipient to a person and role from the case file.

Adds ``sender_person``, ``sender_role``, ``recipient_persons`` (``;``-joined ids) and
``recipient_roles``. An account nobody claimed stays unattributed (empty person). The export
owner's own messages resolve to the owner; in a direct chat of an owner's export, the owner is a
recipient of everything the other side sent, and the other side of what the owner sent; mail found
in the owner's mailbox and not sent by the owner reached the owner (Bcc included).
"""

from __future__ import annotations

import pandas as pd

from .case import Case

SENDER_ALT = "sender_alt"


def resolve(messages: pd.DataFrame, case: Case) -> pd.DataFrame:
    """Return ``messages`` with person and role columns added (a new frame)."""
    df = messages.copy()
    owners = {key: p.id for key, p in case.account_owner().items()}
    roles = {p.id: p.role for p in case.people}
    df["sender_person"] = _senders(df, owners, set(roles))
    df["sender_role"] = df["sender_person"].map(roles).fillna("")
    explicit = df["recipients"].map(lambda r: _persons(r, owners, set(roles)))
    df["recipient_persons"] = _with_implicit(df, explicit)
    df["recipient_roles"] = df["recipient_persons"].map(
        lambda ps: ";".join(sorted({roles[p] for p in ps.split(";") if p in roles})))
    for col in ("sender_person", "sender_role", "recipient_persons", "recipient_roles"):
        df[col] = df[col].astype("string")
    return df


def _person_of(key: str, owners: dict[str, str], people: set[str]) -> str:
    key = key.strip().casefold()
    if key.startswith("person:"):
        pid = key[7:]
        return pid if pid in people else ""
    return owners.get(key, "")


def _persons(keys: str, owners: dict[str, str], people: set[str]) -> list[str]:
    return [p for p in (_person_of(k, owners, people) for k in str(keys).split(";") if k) if p]


def _senders(df: pd.DataFrame, owners: dict[str, str], people: set[str]) -> pd.Series:
    by_key = df["sender"].map(lambda k: _person_of(str(k), owners, people))
    if SENDER_ALT in df:
        alt = df[SENDER_ALT].fillna("").map(lambda k: _person_of(str(k), owners, people))
        by_key = by_key.where(by_key != "", alt)
    owner_sent = df["from_owner"].fillna(False).astype(bool) & (df["source_owner"] != "")
    return by_key.where(~(owner_sent & (by_key == "")), df["source_owner"])


def _with_implicit(df: pd.DataFrame, explicit: pd.Series) -> pd.Series:
    """Add the recipients an export implies but does not write down."""
    others = _direct_participants(df)
    out = []
    for i, persons in explicit.items():
        found = list(persons)
        owner, sender = df.at[i, "source_owner"], df.at[i, "sender_person"]
        kind = df.at[i, "conversation_kind"]
        if owner and sender != owner and kind in ("direct", "email"):
            found.append(owner)           # it reached the owner's export: the owner got it
        if owner and sender == owner and kind == "direct" and not persons:
            found += others.get((df.at[i, "source_path"], df.at[i, "conversation"]), [])
        out.append(";".join(sorted({p for p in found if p and p != sender})))
    return pd.Series(out, index=df.index, dtype=object)


def _direct_participants(df: pd.DataFrame) -> dict[tuple[str, str], list[str]]:
    """(source, conversation) -> people other than the owner who wrote in a direct chat."""
    direct = df[(df["conversation_kind"] == "direct") & (df["sender_person"] != "")
                & (df["sender_person"] != df["source_owner"])]
    return {key: sorted(set(g["sender_person"]))
            for key, g in direct.groupby(["source_path", "conversation"], observed=True)}
