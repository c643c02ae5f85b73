"""The same message in two exports (two mailboxes, two exports of one chat) counts once.

A copy is recognised by what both exports preserve. For mail: the Message-ID together with the
sender, the instant and the exact subject and text; the raw bytes are not compared, because
every mailbox adds its own transport headers (Received, X-Gmail-Labels, Status), and the
Message-ID alone is not enough, because a forged or reused one must not merge two different
mails. For everything else: the platform, the sender, the instant, the kind and the exact text.
The sender is the account key, except on platforms whose keys are names as each phone shows
them (WhatsApp: two exports may name one sender "Rob" and "Robert O"), where it is the person
when the case file knows the account.

Only rows of different sources are copies of each other: two identical lines in one export
(three "?" in one WhatsApp minute) are separate messages. When several rows of one source share
a key, the n-th of one source pairs with the n-th of the other.

The first copy in frame order survives; its ``copies`` lists every copy's provenance
(``source_path#locator``, its own first) and ``copy_ids`` their message_ids; the others point to
it in ``duplicate_of``. No row is removed from the frame.
"""

from __future__ import annotations

import pandas as pd

SEP = "\x1f"
#: Platforms whose account keys are display names, which differ between two people's exports.
NAME_KEYED_PLATFORMS = ("whatsapp",)


def _text(df: pd.DataFrame, column: str) -> pd.Series:
    if column not in df:
        return pd.Series("", index=df.index, dtype=object)
    return df[column].astype(object).where(df[column].notna(), "").astype(str)


def _who(df: pd.DataFrame) -> pd.Series:
    person = _text(df, "sender_person")
    by_name = df["platform"].astype(str).isin(NAME_KEYED_PLATFORMS) & (person != "")
    return ("person:" + person).where(by_name, "account:" + _text(df, "sender"))


def keys(messages: pd.DataFrame) -> pd.Series:
    """The copy key of every row; <NA> for rows that are never merged."""
    df = messages
    mail_id = _text(df, "email_message_id").str.strip()
    is_mail = (df["platform"].astype(str) == "email") & (mail_id != "")
    common = (df["platform"].astype(str) + SEP + _who(df) + SEP + df["sent_at"].astype(str)
              + SEP + df["kind"].astype(str) + SEP + _text(df, "subject") + SEP
              + _text(df, "body"))
    key = common.where(~is_mail, "mail" + SEP + mail_id + SEP + common)
    # Rows without a time or unreadable rows are never merged: nothing proves they are one.
    mergeable = df["sent_at"].notna() & (df["kind"].astype(str) != "unparsed")
    key = key.where(mergeable)
    # Per source *name*: one file given twice under two names is two sources.
    occurrence = key.groupby([key, _text(df, "source_path")], dropna=True).cumcount()
    return (key + SEP + occurrence.astype(str)).where(mergeable)


def mark(messages: pd.DataFrame) -> pd.DataFrame:
    """Add ``duplicate_of`` (message_id of the surviving copy, or ''), ``copies``, ``copy_ids``.

    Rows are matched by position, not by message_id: one file given under two names yields
    the same message_ids twice, and the second set is still a copy.
    """
    df = messages.copy()
    key = keys(df).reset_index(drop=True)
    ids = _text(df, "message_id").reset_index(drop=True)
    pos = pd.Series(range(len(df)), dtype="int64")
    first = pos.groupby(key, sort=False, dropna=True).transform("first").reindex(pos.index)
    survivor = first.fillna(pos).astype("int64")
    is_copy = survivor != pos
    df["duplicate_of"] = pd.Series(
        [ids[s] if c else "" for s, c in zip(survivor, is_copy)], index=df.index,
        dtype="string")
    provenance = (_text(df, "source_path") + "#" + _text(df, "locator")).reset_index(drop=True)
    size = survivor.map(survivor.value_counts())
    joined = pd.DataFrame({"survivor": survivor, "prov": provenance, "id": ids})[size > 1]
    copies = joined.groupby("survivor", sort=False)["prov"].agg(";".join)
    copy_ids = joined.groupby("survivor", sort=False)["id"].agg(";".join)
    df["copies"] = _lookup(pos, copies, ~is_copy, df.index)
    df["copy_ids"] = _lookup(pos, copy_ids, ~is_copy, df.index)
    return df


def _lookup(pos: pd.Series, table: pd.Series, keep: pd.Series, index: pd.Index) -> pd.Series:
    values = [table.get(p, "") if k else "" for p, k in zip(pos, keep)]
    return pd.Series(values, index=index, dtype="string")


def unique(messages: pd.DataFrame) -> pd.DataFrame:
    """The rows that count: every row that is not a copy of an earlier one."""
    return messages[messages["duplicate_of"] == ""]
