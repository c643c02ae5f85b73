"""Who is who: map every sender and recipient to a person and role from the case file.

Adds ``sender_person``, ``sender_account`` (the account it was attributed through),
``sender_role``, ``recipient_persons`` (``;``-joined ids, implied
recipients included) and ``recipient_roles``; and, aligned one to one with the written
``recipients`` keys, ``recipient_account_persons`` and ``recipient_account_roles`` ('' where
nobody claimed the account), so an account seen only as a recipient still shows its person.

An account nobody claimed stays unattributed (empty person): a suggestion (``analysis.seen``)
is never applied here. The export owner's own messages resolve to the owner;
in a direct chat of an owner's export, the owner is a recipient of everything the other side
sent, and the other side of what the owner sent; in a group chat of an owner's export the owner,
a member, received every post; mail found in the owner's mailbox and not sent
by the owner reached the owner (Bcc included).

``source_owner`` (the case file's ``owner`` of the row's source, set by ``ingest``) is read when
present; a frame without it resolves by account keys only.
"""

from __future__ import annotations

import pandas as pd

from .accounts import key_for
from .case import Case

SENDER_ALT = "sender_alt"
PERSON_PREFIX = "person:"


def resolve(messages: pd.DataFrame, case: Case) -> pd.DataFrame:
    """Return ``messages`` with person and role columns added (a new frame, same index)."""
    df = messages.copy()
    owners = _account_owners(case)
    owners.update(_respelled(df, owners, case.region))
    roles = {p.id: p.role for p in case.people}
    owner = _text(df, "source_owner")
    df["sender_person"] = _senders(df, owner, owners).to_numpy()
    df["sender_account"] = _matched_accounts(df, owners, case.region).to_numpy()
    explicit = _text(df, "recipients").map(lambda r: _persons(r, owners))
    df["recipient_persons"] = _with_implicit(df, owner, explicit).to_numpy()
    df["sender_role"] = df["sender_person"].map(lambda p: roles.get(p, ""))
    df["recipient_roles"] = df["recipient_persons"].map(
        lambda ps: ";".join(sorted({roles[p] for p in ps.split(";") if p in roles})))
    keys = _text(df, "recipients").map(lambda r: [k for k in r.split(";") if k.strip()])
    people = keys.map(lambda ks: [_person_of(k, owners) for k in ks])
    df["recipient_account_persons"] = people.map(";".join)
    df["recipient_account_roles"] = people.map(lambda ps: ";".join(roles.get(p, "") for p in ps))
    for col in ("sender_person", "sender_account", "sender_role", "recipient_persons",
                "recipient_roles",
                "recipient_account_persons", "recipient_account_roles"):
        df[col] = df[col].astype("string")
    return df


def _account_owners(case: Case) -> dict[str, str]:
    """Account key (and ``person:<id>``) -> person id, all case-folded as keys are compared."""
    owners = {key.casefold(): p.id for key, p in case.account_owner().items()}
    owners.update({(PERSON_PREFIX + p.id).casefold(): p.id for p in case.people})
    return owners


def _respelled(df: pd.DataFrame, owners: dict[str, str], region: str | None) -> dict[str, str]:
    """Keys an export wrote unnormalised (``phone:07700 900456``) -> their person, when the
    normalised spelling is claimed; so a reader's lapse does not leave a known account unclaimed."""
    found = {}
    written = set(_text(df, "sender")) | set(_text(df, SENDER_ALT))
    written |= {k for r in _text(df, "recipients") for k in r.split(";")}
    for key in written:
        platform, sep, ident = key.strip().partition(":")
        if not sep or key.strip().casefold() in owners:
            continue
        person = owners.get(key_for(platform.lower(), ident, region).casefold(), "")
        if person:
            found[key.strip().casefold()] = person
    return found


def _text(df: pd.DataFrame, column: str) -> pd.Series:
    """A text column with missing values (or a missing column) as ''."""
    if column not in df:
        return pd.Series("", index=df.index, dtype=object)
    return df[column].astype(object).where(df[column].notna(), "").astype(str)


def _person_of(key: str, owners: dict[str, str]) -> str:
    return owners.get(key.strip().casefold(), "")


def _persons(keys: str, owners: dict[str, str]) -> list[str]:
    return [p for p in (_person_of(k, owners) for k in keys.split(";") if k.strip()) if p]


def _senders(df: pd.DataFrame, owner: pd.Series, owners: dict[str, str]) -> pd.Series:
    by_key = _text(df, "sender").map(lambda k: _person_of(k, owners))
    alt = _text(df, SENDER_ALT).map(lambda k: _person_of(k, owners))
    by_key = by_key.where(by_key != "", alt)
    # The export says "You"/outgoing but names no account: the export's owner wrote it.
    own = df["from_owner"].fillna(False).astype(bool) if "from_owner" in df else False
    return by_key.where(~(own & (by_key == "") & (owner != "")), owner)


def _matched_accounts(df: pd.DataFrame, owners: dict[str, str], region: str | None,
                      ) -> pd.Series:
    """The account each row was attributed through, spelled as the case file's keys are:
    the sender key, or ``sender_alt`` when only that one is claimed (a Discord name where the
    export gives the numeric id)."""
    sender, alt = _text(df, "sender"), _text(df, SENDER_ALT)
    use_alt = sender.map(lambda k: _person_of(k, owners) == "") & alt.map(
        lambda k: _person_of(k, owners) != "")
    chosen = sender.where(~use_alt, alt)
    return chosen.map(lambda k: _canonical(k, region))


def _canonical(key: str, region: str | None) -> str:
    platform, sep, ident = key.strip().partition(":")
    if not sep or platform.lower() == "person":
        return key.strip().casefold()
    return key_for(platform.lower(), ident, region)


def _with_implicit(df: pd.DataFrame, owner: pd.Series, explicit: pd.Series) -> pd.Series:
    """Add the recipients an export implies but does not write down."""
    others = _direct_participants(df, owner)
    keys = zip(_text(df, "source_path"), _text(df, "conversation"))
    kinds = df["conversation_kind"].astype(object).where(df["conversation_kind"].notna(), "")
    out = []
    for persons, own, sender, kind, key in zip(explicit, owner, df["sender_person"], kinds,
                                               keys):
        found = list(persons)
        if own and sender != own and kind in ("direct", "email", "group"):
            found.append(own)             # it reached the owner's export: the owner got it
        if own and sender == own and kind == "direct" and not persons:
            found += others.get(key, [])
        out.append(";".join(sorted({p for p in found if p and p != sender})))
    return pd.Series(out, index=df.index, dtype=object)


def _direct_participants(df: pd.DataFrame, owner: pd.Series) -> dict[tuple[str, str], list[str]]:
    """(source, conversation) -> people other than the owner who wrote in a direct chat."""
    mask = ((df["conversation_kind"] == "direct").fillna(False).to_numpy()
            & (df["sender_person"] != "").to_numpy() & (df["sender_person"] != owner).to_numpy())
    rows = pd.DataFrame({"source": _text(df, "source_path")[mask],
                         "conversation": _text(df, "conversation")[mask],
                         "person": df["sender_person"][mask]})
    return {key: sorted(set(g["person"])) for key, g in rows.groupby(["source", "conversation"])}
