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

A million messages have a handful of distinct senders, recipient lists and owners: every column
is worked out once per distinct combination of the values it depends on (:class:`Coded`), and
laid out over the rows with numpy, never with a Python call per row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .accounts import key_for
from .case import Case

SENDER_ALT = "sender_alt"
PERSON_PREFIX = "person:"
#: conversation_kind values whose rows reached the export's owner.
_REACHES_OWNER = ("direct", "email", "group")


@dataclass(frozen=True)
class Coded:
    """A column as ``values[codes]``: its distinct values once, and one code per row."""

    codes: np.ndarray            # intp, one per row
    values: np.ndarray           # object: the distinct values

    @classmethod
    def text(cls, df: pd.DataFrame, column: str) -> Coded:
        """A text column with missing values (or a missing column) as ''."""
        if column not in df:
            return cls(np.zeros(len(df), dtype=np.intp), np.array([""], dtype=object))
        codes, uniques = pd.factorize(df[column])
        values = [str(u) for u in uniques.tolist()]
        # A missing value reads as '': the same code as a written '' (one chat, one key).
        if "" not in values:
            values.append("")
        empty = values.index("")
        return cls(np.where(codes < 0, empty, codes).astype(np.intp),
                   np.array(values, dtype=object))

    @classmethod
    def flags(cls, mask: np.ndarray) -> Coded:
        return cls(mask.astype(np.intp), np.array([False, True], dtype=object))

    @classmethod
    def numbers(cls, column: np.ndarray) -> Coded:
        codes, uniques = pd.factorize(column)
        return cls(codes.astype(np.intp), uniques.astype(object))

    def rows(self) -> np.ndarray:
        return self.values[self.codes]

    def string(self, index: pd.Index) -> pd.Series:
        """The column in the schema's ``string`` dtype (Arrow take: no Python string per row)."""
        return pd.Series(pd.array(list(self.values), dtype="string").take(self.codes),
                         index=index)


def per_distinct(func: Callable[..., object], *columns: Coded) -> Coded:
    """``func`` of each row's values, called once per distinct combination of them."""
    combo = combine([c.codes for c in columns])
    values = [func(*(c.values[c.codes[i]] for c in columns)) for i in first_rows(combo)]
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return Coded(combo, out)


def combine(codes: list[np.ndarray]) -> np.ndarray:
    """One code per distinct combination of the per-row integer ``codes`` (any may be
    negative), numbered 0..k-1 in order of first appearance."""
    combined, bound = np.zeros(len(codes[0]), dtype=np.int64), 1
    for column in codes:
        column = np.asarray(column, dtype=np.int64)
        low = int(column.min()) if len(column) else 0
        width = int(column.max()) - low + 1 if len(column) else 1
        if bound * width >= 2**62:        # would overflow: number the combinations so far
            combined, _ = pd.factorize(combined)
            bound = int(combined.max()) + 1 if len(combined) else 1
        combined = combined * width + (column - low)
        bound *= width
    return pd.factorize(combined)[0].astype(np.intp)


def first_rows(codes: np.ndarray) -> np.ndarray:
    """The first row of each code, for codes numbered in order of first appearance (as
    :func:`combine` and ``pd.factorize`` number them; -1 rows are never first)."""
    # A row is the first of its code exactly when its code is above every code before it.
    seen = np.concatenate(([-1], np.maximum.accumulate(codes)[:-1])) if len(codes) else codes
    return np.flatnonzero(codes > seen)


def resolve(messages: pd.DataFrame, case: Case) -> pd.DataFrame:
    """Return ``messages`` with person and role columns added (a new frame, same index)."""
    df = messages.copy()
    sender, alt = Coded.text(df, "sender"), Coded.text(df, SENDER_ALT)
    recipients = Coded.text(df, "recipients")
    owners = _account_owners(case)
    owners.update(_respelled([sender, alt, recipients], owners, case.region))
    roles = {p.id: p.role for p in case.people}
    owner = Coded.text(df, "source_owner")
    person = _senders(df, sender, alt, owner, owners)
    df["sender_person"] = person.string(df.index)
    df["sender_account"] = _matched_accounts(sender, alt, owners, case.region).string(df.index)
    got = _with_implicit(df, owner, person, recipients, owners)
    df["recipient_persons"] = got.string(df.index)
    df["sender_role"] = per_distinct(lambda p: roles.get(p, ""), person).string(df.index)
    df["recipient_roles"] = per_distinct(
        lambda ps: ";".join(sorted({roles[p] for p in ps.split(";") if p in roles})),
        got).string(df.index)
    people = per_distinct(lambda r: [_person_of(k, owners) for k in r.split(";") if k.strip()],
                          recipients)
    df["recipient_account_persons"] = per_distinct(";".join, people).string(df.index)
    df["recipient_account_roles"] = per_distinct(
        lambda ps: ";".join(roles.get(p, "") for p in ps), people).string(df.index)
    return df


def _account_owners(case: Case) -> dict[str, str]:
    """Account key (and ``person:<id>``) -> person id, all case-folded as keys are compared."""
    owners = {key.casefold(): p.id for key, p in case.account_owner().items()}
    owners.update({(PERSON_PREFIX + p.id).casefold(): p.id for p in case.people})
    return owners


def _respelled(columns: list[Coded], owners: dict[str, str], region: str | None,
               ) -> dict[str, str]:
    """Keys an export wrote unnormalised (``phone:07700 900456``) -> their person, when the
    normalised spelling is claimed; so a reader's lapse does not leave a known account unclaimed."""
    found = {}
    written = {k for column in columns for value in column.values for k in value.split(";")}
    for key in written:
        platform, sep, ident = key.strip().partition(":")
        if not sep or key.strip().casefold() in owners:
            continue
        person = owners.get(key_for(platform.lower(), ident, region).casefold(), "")
        if person:
            found[key.strip().casefold()] = person
    return found


def _person_of(key: str, owners: dict[str, str]) -> str:
    return owners.get(key.strip().casefold(), "")


def _persons(keys: str, owners: dict[str, str]) -> list[str]:
    return [p for p in (_person_of(k, owners) for k in keys.split(";") if k.strip()) if p]


def _senders(df: pd.DataFrame, sender: Coded, alt: Coded, owner: Coded,
             owners: dict[str, str]) -> Coded:
    """The sender's person: by the sender key, else by ``sender_alt``."""
    own = (df["from_owner"].fillna(False).astype(bool).to_numpy() if "from_owner" in df
           else np.zeros(len(df), dtype=bool))

    def person(key: str, alt_key: str, owner_id: str, from_owner: bool) -> str:
        found = _person_of(key, owners) or _person_of(alt_key, owners)
        # The export says "You"/outgoing but names no account: the export's owner wrote it.
        return owner_id if from_owner and not found and owner_id else found
    return per_distinct(person, sender, alt, owner, Coded.flags(own))


def _matched_accounts(sender: Coded, alt: Coded, owners: dict[str, str], region: str | None,
                      ) -> Coded:
    """The account each row was attributed through, spelled as the case file's keys are:
    the sender key, or ``sender_alt`` when only that one is claimed (a Discord name where the
    export gives the numeric id)."""
    def account(key: str, alt_key: str) -> str:
        use_alt = _person_of(key, owners) == "" and _person_of(alt_key, owners) != ""
        return _canonical(alt_key if use_alt else key, region)
    return per_distinct(account, sender, alt)


def _canonical(key: str, region: str | None) -> str:
    platform, sep, ident = key.strip().partition(":")
    if not sep or platform.lower() == "person":
        return key.strip().casefold()
    return key_for(platform.lower(), ident, region)


def _with_implicit(df: pd.DataFrame, owner: Coded, sender: Coded, recipients: Coded,
                   owners: dict[str, str]) -> Coded:
    """The recipients' persons, with those an export implies but does not write down."""
    kind = Coded.text(df, "conversation_kind")
    explicit = per_distinct(lambda r: _persons(r, owners), recipients)
    others, chat = _direct_participants(df, owner, sender, kind)
    # The chat only matters for the owner's own direct messages naming no recipient: elsewhere
    # it is left out (-1), so the distinct combinations stay a handful.
    needs_chat = per_distinct(lambda ps, own, s, k: bool(own and s == own and k == "direct"
                                                         and not ps),
                              explicit, owner, sender, kind).rows().astype(bool)
    chats = Coded.numbers(np.where(needs_chat, chat, -1))

    def persons(named: list[str], own: str, sent_by: str, k: str, key: int) -> str:
        found = list(named)
        if own and sent_by != own and k in _REACHES_OWNER:
            found.append(own)             # it reached the owner's export: the owner got it
        if own and sent_by == own and k == "direct" and not named:
            found += others.get(key, [])
        return ";".join(sorted({p for p in found if p and p != sent_by}))
    return per_distinct(persons, explicit, owner, sender, kind, chats)


def _direct_participants(df: pd.DataFrame, owner: Coded, sender: Coded, kind: Coded,
                         ) -> tuple[dict[int, list[str]], np.ndarray]:
    """(source, conversation) code -> people other than the owner who wrote in a direct chat;
    and each row's (source, conversation) code."""
    chat = combine([Coded.text(df, "source_path").codes, Coded.text(df, "conversation").codes])
    mask = per_distinct(lambda k, s, own: k == "direct" and s != "" and s != own,
                        kind, sender, owner).rows().astype(bool)
    pairs = pd.DataFrame({"chat": chat[mask], "person": sender.rows()[mask]}).drop_duplicates()
    return {int(key): sorted(set(g["person"])) for key, g in pairs.groupby("chat")}, chat
