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

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..identities import combine, first_rows

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
    common = (df["platform"].astype(str) + SEP + _part(_who(df)) + SEP
              + df["sent_at"].astype(str) + SEP + df["kind"].astype(str) + SEP
              + _part(_text(df, "subject")) + SEP + _part(_text(df, "body")))
    key = common.where(~is_mail, "mail" + SEP + _part(mail_id) + SEP + common)
    mergeable = pd.Series(_mergeable(df), index=df.index)
    key = key.where(mergeable)
    # Per source *name*: one file given twice under two names is two sources.
    occurrence = key.groupby([key, _text(df, "source_path")], dropna=True).cumcount()
    return (key + SEP + occurrence.astype(str)).where(mergeable)


def _part(text: pd.Series) -> pd.Series:
    """A key part prefixed with its length: hostile text holding the separator cannot shift
    characters from one part to the next ("x|y" + "z" is not "x" + "y|z")."""
    return text.str.len().astype(str) + ":" + text


def _mergeable(df: pd.DataFrame) -> np.ndarray:
    """Rows without a time or unreadable rows are never merged: nothing proves they are one."""
    kind, kinds = pd.factorize(df["kind"].astype("category"))
    return df["sent_at"].notna().to_numpy() & ~_where_value(kind, kinds, "unparsed")


def key_codes(messages: pd.DataFrame) -> np.ndarray:
    """One integer per row, equal exactly when :func:`keys` are equal; -1 for never merged.

    The key's parts are compared as codes of their distinct values instead of joining a
    million strings, and the texts only where everything else is equal (a handful of rows).
    Where a Message-ID or sender holds the separator, the joined key is used.
    """
    df = messages
    mail_id, no_id, mail_ids = _stripped_codes(_string(df, "email_message_id"))
    person, person_values = pd.factorize(_string(df, "sender_person"))
    sender, sender_values = pd.factorize(_string(df, "sender"))
    if any(SEP in v for v in [*mail_ids, *person_values, *sender_values]):
        return pd.factorize(keys(df))[0].astype(np.intp)
    platform, platforms = pd.factorize(df["platform"].astype("category"))
    is_mail = _where_value(platform, platforms, "email") & (mail_id != no_id)
    by_name = (np.isin(platform, _value_codes(platforms, NAME_KEYED_PLATFORMS))
               & (person != _value_code(person_values, "")))
    who = np.where(by_name, person, sender)
    head = combine([is_mail, np.where(is_mail, mail_id, -1), platform, by_name, who,
                    pd.factorize(df["sent_at"])[0], pd.factorize(df["kind"])[0]])
    mergeable = _mergeable(df)
    head = np.where(mergeable, head, -1)
    key = combine([head, _text_codes(df, head)])
    key = np.where(mergeable, key, -1)
    # Per source *name*: one file given twice under two names is two sources.
    source = combine([key, pd.factorize(_string(df, "source_path"))[0]])
    occurrence = pd.Series(source).groupby(source).cumcount().to_numpy()
    out = np.full(len(df), -1, dtype=np.intp)
    out[mergeable] = combine([key[mergeable], occurrence[mergeable]])
    return out


def _text_codes(df: pd.DataFrame, head: np.ndarray) -> np.ndarray:
    """Codes of (subject, body) where another mergeable row has the same head, else -1."""
    counts = np.bincount(head[head >= 0])
    shared = (np.flatnonzero((head >= 0) & (counts[np.maximum(head, 0)] > 1)) if len(counts)
              else np.array([], dtype=np.intp))
    out = np.full(len(head), -1, dtype=np.int64)
    if len(shared):
        out[shared] = combine([pd.factorize(pd.array(_arrow(df, name).take(shared),
                                                     dtype="string"))[0]
                               for name in ("subject", "body")])
    return out


def _string(df: pd.DataFrame, column: str) -> pd.Series:
    """A text column in the ``string`` dtype, missing values (or column) as ''."""
    if column not in df:
        return pd.Series("", index=df.index, dtype="string")
    return df[column].astype("string").fillna("")


def _stripped_codes(text: pd.Series) -> tuple[np.ndarray, int, list[str]]:
    """Codes of the values stripped as Python strips them (once per distinct value), the
    code of '', and the stripped values."""
    codes, uniques = pd.factorize(text)
    stripped = [u.strip() for u in uniques.tolist()] + [""]
    numbered, _ = pd.factorize(np.array(stripped, dtype=object))
    return numbered[codes], int(numbered[-1]), stripped


def _value_codes(values: pd.Index, wanted: tuple[str, ...]) -> np.ndarray:
    return np.flatnonzero(np.isin(np.asarray(values.astype(str)), wanted))


def _value_code(values: pd.Index, wanted: str) -> int:
    """The code of ``wanted`` among factorized ``values``, or -2 (no row has it)."""
    found = _value_codes(values, (wanted,))
    return int(found[0]) if len(found) else -2


def _where_value(codes: np.ndarray, values: pd.Index, wanted: str) -> np.ndarray:
    return np.isin(codes, _value_codes(values, (wanted,)))


def mark(messages: pd.DataFrame) -> pd.DataFrame:
    """Add ``duplicate_of`` (message_id of the surviving copy, or ''), ``copies``, ``copy_ids``.

    Rows are matched by position, not by message_id: one file given under two names yields
    the same message_ids twice, and the second set is still a copy.
    """
    df = messages.copy()
    key = key_codes(df)
    pos = np.arange(len(df))
    survivor = _survivors(key, pos)
    is_copy = survivor != pos
    ids = _arrow(df, "message_id")
    df["duplicate_of"] = _series(pc.if_else(pa.array(is_copy), ids.take(survivor), ""),
                                 df.index)
    # Copies of one message are grouped, in frame order, under their survivor.
    size = np.bincount(survivor, minlength=len(df))
    rows = np.flatnonzero(size[survivor] > 1)
    rows = rows[np.argsort(survivor[rows], kind="stable")]
    groups = np.flatnonzero(size > 1)
    offsets = np.concatenate(([0], np.cumsum(size[groups]))).astype(np.int32)
    provenance = pc.binary_join_element_wise(_arrow(df, "source_path"), _arrow(df, "locator"),
                                             pa.scalar("#", pa.large_string()))
    df["copies"] = _joined(provenance.take(rows), offsets, groups, df.index)
    df["copy_ids"] = _joined(ids.take(rows), offsets, groups, df.index)
    return df


def _survivors(key: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """The position of the first row of each row's key (its own for rows never merged)."""
    first = first_rows(key)
    return np.where(key >= 0, first[np.maximum(key, 0)] if len(first) else pos, pos)


def _joined(values: pa.Array, offsets: np.ndarray, groups: np.ndarray,
            index: pd.Index) -> pd.Series:
    """``;``-joined values per group, at each group's survivor row; '' elsewhere."""
    lists = pa.ListArray.from_arrays(pa.array(offsets), values)
    table = pa.concat_arrays([pa.array([""], type=values.type),
                              pc.binary_join(lists, pa.scalar(";", values.type))])
    where = np.zeros(len(index), dtype=np.int64)
    where[groups] = np.arange(1, len(groups) + 1)
    return _series(table.take(pa.array(where)), index)


def _arrow(df: pd.DataFrame, column: str) -> pa.Array:
    values = pa.array(_string(df, column).array, type=pa.large_string())
    # A frame made by concat holds its text in several chunks: one array for take/list.
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _series(values: pa.Array, index: pd.Index) -> pd.Series:
    return pd.Series(pd.array(values, dtype="string"), index=index)


def unique(messages: pd.DataFrame) -> pd.DataFrame:
    """The rows that count: every row that is not a copy of an earlier one."""
    return messages[messages["duplicate_of"] == ""]
