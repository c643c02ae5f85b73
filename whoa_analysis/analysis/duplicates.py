"""The same message in two exports (two mailboxes, two exports of one chat) counts once.

A copy is found by what both exports preserve: for mail the Message-ID together with the raw
bytes' hash (a forged Message-ID alone must not merge two different mails); for everything else
the platform, sender, instant and exact text. The first copy in source order survives and lists
every copy's provenance in ``copies``; the others point to it in ``duplicate_of``. No row is
removed from the frame.
"""

from __future__ import annotations

import pandas as pd


def _keys(df: pd.DataFrame) -> pd.Series:
    mail_id = df["email_message_id"].fillna("") if "email_message_id" in df else \
        pd.Series("", index=df.index)
    is_mail = (df["platform"] == "email") & (mail_id != "")
    chat_key = (df["platform"].astype(str) + "\x1f" + df["sender"].fillna("") + "\x1f"
                + df["sent_at"].astype(str) + "\x1f" + df["kind"].astype(str) + "\x1f"
                + df["body"].fillna(""))
    mail_key = "mail\x1f" + mail_id.astype(str) + "\x1f" + df["record_sha256"]
    keys = chat_key.where(~is_mail, mail_key)
    # Rows without a time or unreadable rows are never merged: nothing proves they are one.
    return keys.where(df["sent_at"].notna() & (df["kind"] != "unparsed"), pd.NA)


def mark(messages: pd.DataFrame) -> pd.DataFrame:
    """Add ``duplicate_of`` (message_id of the surviving copy, or '') and ``copies``."""
    df = messages.copy()
    keys = _keys(df)
    first = df.groupby(keys, sort=False, dropna=True)["message_id"].transform("first")
    dup = first.notna() & (first != df["message_id"])
    df["duplicate_of"] = first.where(dup, "").fillna("").astype("string")
    provenance = df["source_path"] + "#" + df["locator"]
    copies = provenance[dup].groupby(first[dup]).agg(";".join).to_dict()
    df["copies"] = pd.Series([copies.get(m, "") for m in df["message_id"]], index=df.index,
                             dtype="string")
    return df


def unique(messages: pd.DataFrame) -> pd.DataFrame:
    """The rows that count: every row that is not a copy of an earlier one."""
    return messages[messages["duplicate_of"] == ""]
