"""The same message in two exports (two mailboxes, two exports of one chat) counts once.

A copy is recognised by what both exports preserve. For mail: the Message-ID together with the
sender, the instant and the exact subject and text; the raw bytes are not compared, because
every mailbox adds its own transport headers (Received, X-Gmail-Labels, Status), and the
Message-ID alone is not enough, because a forged or reused one must not merge two different
mails. For everything else: the platform, the sender (the person when the case file knows the
account, since two exports may name one sender differently), the instant, the kind and the
exact text.

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


def _text(df: pd.DataFrame, column: str) -> pd.Series:
    if column not in df:
        return pd.Series("", index=df.index, dtype=object)
    return df[column].astype(object).where(df[column].notna(), "").astype(str)


def _who(df: pd.DataFrame) -> pd.Series:
    person = _text(df, "sender_person")
    return ("person:" + person).where(person != "", "account:" + _text(df, "sender"))


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
    occurrence = key.groupby([key, _text(df, "source_sha256")], dropna=True).cumcount()
    return (key + SEP + occurrence.astype(str)).where(mergeable)


def mark(messages: pd.DataFrame) -> pd.DataFrame:
    """Add ``duplicate_of`` (message_id of the surviving copy, or ''), ``copies``, ``copy_ids``."""
    df = messages.copy()
    key = keys(df)
    ids = _text(df, "message_id")
    first = ids.groupby(key, sort=False, dropna=True).transform("first").reindex(df.index)
    is_copy = first.notna() & (first != ids)
    df["duplicate_of"] = first.where(is_copy, "").fillna("").astype("string")
    survivor = first.fillna(ids)
    provenance = _text(df, "source_path") + "#" + _text(df, "locator")
    groups = pd.DataFrame({"survivor": survivor, "prov": provenance, "id": ids})
    many = groups[groups.groupby("survivor")["id"].transform("size") > 1]
    copies = many.groupby("survivor", sort=False)["prov"].agg(";".join)
    copy_ids = many.groupby("survivor", sort=False)["id"].agg(";".join)
    df["copies"] = _lookup(ids, copies, ~is_copy)
    df["copy_ids"] = _lookup(ids, copy_ids, ~is_copy)
    return df


def _lookup(ids: pd.Series, table: pd.Series, keep: pd.Series) -> pd.Series:
    values = [table.get(i, "") if k else "" for i, k in zip(ids, keep)]
    return pd.Series(values, index=ids.index, dtype="string")


def unique(messages: pd.DataFrame) -> pd.DataFrame:
    """The rows that count: every row that is not a copy of an earlier one."""
    return messages[messages["duplicate_of"] == ""]
