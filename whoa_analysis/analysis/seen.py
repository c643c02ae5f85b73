"""Every account seen in the sources, with counts, and suggestions for the volunteer.

An account is seen when it sends a message or is named among a message's recipients; copies of
one message in two exports count once. Suggestions are never applied: the volunteer adds an
account to the case file to accept one, and until then the account stays unattributed.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ..accounts import key_for

ACCOUNT_COLUMNS = ["account", "shown_as", "also_as", "person", "role", "messages", "received",
                   "first_seen", "last_seen", "platforms"]
SUGGESTION_COLUMNS = ["account", "suggested_person", "reason"]
#: Why an account is suggested: English templates, filled from their fields (the report says
#: them in its language through the message catalogue: ``translate`` below).
SAME_NAME = "same display name as {accounts}"
SAME_NUMBER = "same phone number as {account}"
NEW_AFTER = ("first seen after the stop request and wrote to the victim {count} time(s): a new "
             "account after a block?")
#: Fewer digits than this is a short code or a handle with a number, not a phone number.
MIN_PHONE_DIGITS = 7


def _counted(messages: pd.DataFrame) -> pd.DataFrame:
    if "duplicate_of" not in messages:
        return messages
    kept = (messages["duplicate_of"].fillna("") == "").to_numpy(dtype=bool)
    # Messages already counted (the report passes them so) are not copied again.
    return messages if kept.all() else messages[kept]


def _text(rows: pd.DataFrame, column: str) -> pd.Series:
    if column not in rows:
        return pd.Series("", index=rows.index, dtype=object)
    values = rows[column]
    if isinstance(values.dtype, pd.StringDtype):
        # Already text in Arrow: the same 'str' column, without a Python string per row.
        return values.astype(str).fillna("")
    return values.astype(object).where(values.notna(), "").astype(str)


def appearances(messages: pd.DataFrame) -> pd.DataFrame:
    """One row per (message, account) appearance: as ``sender`` or as a ``recipient``."""
    # Only the columns read here: a wide million-row frame is not copied to count accounts.
    rows = _counted(messages[[c for c in _APPEARANCE_COLUMNS if c in messages]])
    common = {"sent_at": rows["sent_at"], "platform": rows["platform"].astype(str)}
    sender, named = _text(rows, "sender"), _named(rows)
    # The account's other key: the export's id where the case names it otherwise, else the
    # name an export gives beside the id (discord:robz beside discord:2000...), so the
    # volunteer can assign it by either.
    other = sender.where(named != sender, _text(rows, "sender_alt"))
    sent = pd.DataFrame({"account": named, "as": "sender",
                         "shown_as": _text(rows, "sender_display"),
                         "also_as": other.where(other.str.strip().str.casefold() != named, ""),
                         "person": _text(rows, "sender_person"),
                         "role": _text(rows, "sender_role"), **common})
    got = _recipient_rows(rows, common)
    # A recipient written by its id (discord:2000...) is the account the case file names
    # (discord:robz) when the same id, as a sender, was attributed through that name.
    renamed = pd.DataFrame({"id": sender, "named": named})
    renamed = renamed[(renamed["id"] != renamed["named"]) & (sent["person"] != "")]
    renamed = dict(renamed.drop_duplicates("id").itertuples(index=False, name=None))
    if renamed:
        got["account"] = got["account"].map(lambda k: renamed.get(k.strip(), k))
    both = pd.concat([sent, got], ignore_index=True)
    for col in ("account", "person", "role"):
        both[col] = both[col].fillna("").astype(str).str.strip()
    return both[both["account"] != ""]


def _named(rows: pd.DataFrame) -> pd.Series:
    """The sender as the case file names the account (``identities``' ``sender_account``) where
    a person holds it; otherwise as the export gives it."""
    sender = _text(rows, "sender")
    if "sender_account" not in rows:
        return sender
    named = _text(rows, "sender_account")
    held = (_text(rows, "sender_person") != "") & (named != "")
    return named.where(held, sender)


_RECIPIENT_COLUMNS = ("recipients", "recipient_account_persons", "recipient_account_roles")
_APPEARANCE_COLUMNS = ("duplicate_of", "sent_at", "platform", "sender", "sender_account",
                       "sender_alt", "sender_display",
                       "sender_person", "sender_role", *_RECIPIENT_COLUMNS)
#: The columns accounts_table and suggestions read (callers may pass only these).
READS = (*_APPEARANCE_COLUMNS, "direction")


def _recipient_rows(rows: pd.DataFrame, common: dict[str, pd.Series]) -> pd.DataFrame:
    """One row per listed recipient of each message (a message with none gives one empty row).

    A million messages share a handful of distinct recipient lists: each distinct list is split
    once, and the rows are laid out with numpy instead of a Python loop per message.
    """
    if not len(rows):
        none = pd.Series([], index=rows.index, dtype=object)
        return pd.DataFrame({"account": none, "as": "recipient", "shown_as": "", "also_as": "",
                             "person": none, "role": none, **common})
    keys = pd.DataFrame({c: _text(rows, c).to_numpy() for c in _RECIPIENT_COLUMNS})
    codes = keys.groupby(list(_RECIPIENT_COLUMNS), sort=False).ngroup().to_numpy()
    uniques = keys.drop_duplicates().itertuples(index=False, name=None)
    entries = [_entries(*u) for u in uniques]
    sizes = np.array([len(e) for e in entries], dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    flat = np.array([x for e in entries for x in e] or [("", "", "")], dtype=object)
    counts = sizes[codes]
    row = np.repeat(np.arange(len(rows)), counts)
    within = np.arange(len(row)) - np.repeat(np.cumsum(counts) - counts, counts)
    pick = starts[codes][row] + within
    return pd.DataFrame({
        "account": flat[pick, 0], "as": "recipient", "shown_as": "", "also_as": "",
        "person": flat[pick, 1], "role": flat[pick, 2],
        **{k: v.iloc[row].reset_index(drop=True) for k, v in common.items()},
    })


def _entries(recipients: str, persons: str, roles: str) -> list[tuple[str, str, str]]:
    """(account, person, role) per recipient, persons and roles padded or cut to the list."""
    accounts = [k for k in recipients.split(";") if k.strip()]
    n = len(accounts)
    if not n:
        return [("", "", "")]
    people = (persons.split(";") if persons else []) + [""] * n
    parts = (roles.split(";") if roles else []) + [""] * n
    return list(zip(accounts, people[:n], parts[:n]))


def accounts_table(messages: pd.DataFrame) -> pd.DataFrame:
    """One row per account: shown as, person and role, messages sent and received, first and
    last seen, platforms."""
    seen = appearances(messages)
    if seen.empty:
        return pd.DataFrame(columns=ACCOUNT_COLUMNS)
    grouped = seen.groupby("account", sort=True)
    is_sender = seen["as"] == "sender"
    sender = seen[is_sender].groupby("account")
    # The text columns are joined per account from their distinct values only (a million
    # appearances, a few distinct names).
    table = pd.DataFrame({
        "shown_as": _distinct(seen[is_sender], "shown_as"),
        "also_as": _distinct(seen[is_sender], "also_as"),
        "person": _distinct(seen, "person"),
        "role": _distinct(seen, "role"),
        "messages": sender.size(),
        "received": seen[~is_sender].groupby("account").size(),
        "first_seen": grouped["sent_at"].min(),
        "last_seen": grouped["sent_at"].max(),
        "platforms": _distinct(seen, "platform", sep=", ", keep_empty=True),
    }, index=pd.Index(sorted(grouped.groups), name="account"))
    for col in ("messages", "received"):
        table[col] = table[col].fillna(0).astype(int)
    for col in ("shown_as", "also_as", "person", "role"):
        table[col] = table[col].fillna("").astype(str)
    return table.reset_index()[ACCOUNT_COLUMNS]


def _distinct(seen: pd.DataFrame, column: str, sep: str = "; ",
              keep_empty: bool = False) -> pd.Series:
    """Per account, its distinct values of ``column`` sorted and joined ('' left out)."""
    pairs = seen[["account", column]].drop_duplicates()
    return pairs.groupby("account")[column].agg(
        lambda s: sep.join(sorted(set(s) if keep_empty else set(s) - {""})))


def _one(values: pd.Series) -> str:
    """The person (or role) an account resolved to; every distinct one when rows disagree."""
    return "; ".join(sorted(set(values) - {""}))


def suggestions(messages: pd.DataFrame, notice_latest: pd.Timestamp | None,
                region: str | None = None, *, table: pd.DataFrame | None = None,
                translate: Callable[[str], str] = str) -> pd.DataFrame:
    """Unclaimed accounts that look like someone's: the same display name or phone number as a
    claimed account, or first seen after the request and writing to the victim.

    ``table`` is ``accounts_table(messages)`` when the caller has it already; ``translate``
    gives the reasons' templates in the report's language (English as they are)."""
    table = accounts_table(messages) if table is None else table
    claimed = table[table["person"] != ""]
    out: list[dict] = []
    for _, acc in table[table["person"] == ""].iterrows():
        out += _same_name(acc, claimed) + _same_number(acc, claimed, region)
        out += _new_after(acc, messages, notice_latest)
    for row in out:
        template, fields = row["reason"]
        row["reason"] = translate(template).format(**fields)
    return pd.DataFrame(out, columns=SUGGESTION_COLUMNS)


def _names(shown_as: str) -> set[str]:
    return {n.strip().casefold() for n in shown_as.split(";") if n.strip()}


def _same_name(acc: pd.Series, claimed: pd.DataFrame) -> list[dict]:
    names = _names(acc["shown_as"])
    hits: dict[str, list[str]] = {}
    for _, other in claimed.iterrows():
        if names & _names(other["shown_as"]):
            hits.setdefault(other["person"], []).append(other["account"])
    return [{"account": acc["account"], "suggested_person": person,
             "reason": (SAME_NAME, {"accounts": ", ".join(accounts)})}
            for person, accounts in sorted(hits.items())]


def _same_number(acc: pd.Series, claimed: pd.DataFrame, region: str | None) -> list[dict]:
    platform, _, ident = str(acc["account"]).partition(":")
    shown = [ident, *acc["shown_as"].split(";")]
    numbers = {key_for("phone", s, region) for s in shown
               if sum(c.isdigit() for c in s) >= MIN_PHONE_DIGITS}
    numbers.discard(str(acc["account"]))
    hits = claimed[claimed["account"].isin(numbers)]
    return [{"account": acc["account"], "suggested_person": h["person"],
             "reason": (SAME_NUMBER, {"account": h["account"]})} for _, h in hits.iterrows()]


def _new_after(acc: pd.Series, messages: pd.DataFrame,
               notice_latest: pd.Timestamp | None) -> list[dict]:
    if notice_latest is None or pd.isna(acc["first_seen"]) or acc["first_seen"] <= notice_latest:
        return []
    if "direction" not in messages:
        return []
    rows = _counted(messages)
    wrote = rows[(rows["sender"] == acc["account"])
                 & (rows["direction"] == "unattributed_to_victim")]
    if wrote.empty:
        return []
    return [{"account": acc["account"], "suggested_person": "",
             "reason": (NEW_AFTER, {"count": len(wrote)})}]
