"""The message frame (DESIGN 4.2): its columns, their dtypes, and the one ``conform``.

Every reader ends with :func:`conform` and so does every concat, so dtypes are enforced in one
place only. Columns beyond the schema (platform specific) are kept, after the schema's columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from .errors import InputError

PLATFORMS = (
    "email", "whatsapp", "telegram", "signal", "discord", "slack", "messenger", "instagram",
    "twitter", "sms", "phone", "imessage", "irc", "im", "googlechat", "web", "letter",
    "in_person", "other",
)
CONVERSATION_KINDS = ("direct", "group", "email")
TIME_BASES = ("utc", "offset", "epoch", "local_declared", "missing")
KINDS = ("text", "media", "call", "deleted", "system", "unparsed")
CONTACT_KINDS = frozenset({"text", "media", "call", "deleted"})

UTC_US = pd.DatetimeTZDtype(unit="us", tz="UTC")
STRING = pd.StringDtype()

#: name -> dtype, in the order the frame shows them.
COLUMNS: dict[str, object] = {
    "message_id": STRING,
    "source_path": STRING,
    "source_sha256": STRING,
    "source_format": STRING,
    "locator": STRING,
    "record_sha256": STRING,
    "platform": pd.CategoricalDtype(PLATFORMS),
    "conversation": STRING,
    "conversation_kind": pd.CategoricalDtype(CONVERSATION_KINDS),
    "sent_at": UTC_US,
    "sent_at_latest": UTC_US,
    "sent_at_raw": STRING,
    "time_basis": pd.CategoricalDtype(TIME_BASES),
    "sender": STRING,
    "sender_display": STRING,
    "recipients": STRING,
    "subject": STRING,
    "body": STRING,
    "kind": pd.CategoricalDtype(KINDS),
    "attachments": STRING,
    "in_reply_to": STRING,
    "warnings": STRING,
    # True when the export marks the row as written by the export's owner ("You", type=2 SMS,
    # outgoing call), False when by someone else, <NA> when the format does not say.
    "from_owner": pd.BooleanDtype(),
}

#: Columns that may never be empty: provenance and the closed lists.
REQUIRED = ("message_id", "source_path", "source_sha256", "source_format", "locator",
            "record_sha256", "platform", "kind", "time_basis")
_EMPTY_STRING_DEFAULTS = ("sender", "sender_display", "recipients", "subject", "body",
                          "attachments", "in_reply_to", "warnings", "sent_at_raw",
                          "conversation")


def empty() -> pd.DataFrame:
    """A frame with every schema column and no rows."""
    return conform(pd.DataFrame({name: [] for name in COLUMNS}))


def conform(df: pd.DataFrame) -> pd.DataFrame:
    """Return ``df`` with the schema's columns first, each in its dtype; extras kept after.

    Missing optional columns are added (empty text, no time, ``<NA>``); ``sent_at_latest``
    defaults to ``sent_at``. A value outside a closed list, or an empty required column, is a
    reader bug and raises :class:`InputError` naming the column and the values.
    """
    out = pd.DataFrame(index=pd.RangeIndex(len(df)))
    src = df.reset_index(drop=True)
    for name, dtype in COLUMNS.items():
        out[name] = _column(src, name, dtype)
    if "sent_at_latest" not in src:
        out["sent_at_latest"] = out["sent_at"]
    _check_required(out)
    for extra in (c for c in src.columns if c not in COLUMNS):
        out[extra] = src[extra]
    return out


def _column(src: pd.DataFrame, name: str, dtype: object) -> pd.Series:
    if name not in src:
        fill = "" if name in _EMPTY_STRING_DEFAULTS else None
        values = pd.Series([fill] * len(src), dtype=object)
    else:
        values = src[name]
    if isinstance(dtype, pd.CategoricalDtype):
        return _categorical(values, name, dtype)
    if isinstance(dtype, pd.DatetimeTZDtype):
        return _utc(values, name)
    if name in _EMPTY_STRING_DEFAULTS:
        values = values.astype(object).where(values.notna(), "")
    return values.astype(dtype)


def _categorical(values: pd.Series, name: str, dtype: pd.CategoricalDtype) -> pd.Series:
    unknown = set(map(str, values.dropna().unique())) - set(dtype.categories)
    if unknown:
        raise InputError(
            f"column {name!r}: expected one of {', '.join(dtype.categories)}; "
            f"got {', '.join(sorted(unknown))} (a reader bug: fix the reader's mapping)")
    return values.astype(object).astype(dtype)


def _utc(values: pd.Series, name: str) -> pd.Series:
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").astype(UTC_US)
    if pd.api.types.is_datetime64_dtype(values.dtype) and values.notna().any():
        raise InputError(f"column {name!r}: expected zone-aware times; got naive ones "
                         "(a reader bug: localise with the declared zone first)")
    if values.dropna().empty:
        return pd.Series(pd.NaT, index=values.index, dtype=UTC_US)
    converted = pd.to_datetime(values, utc=True)
    return converted.astype(UTC_US)


def _check_required(out: pd.DataFrame) -> None:
    for name in REQUIRED:
        col = out[name]
        bad = col.isna() | (col.astype(str) == "") if len(col) else col.isna()
        if bad.any():
            raise InputError(f"column {name!r}: expected a value on every row; "
                             f"{int(bad.sum())} rows have none (a reader bug)")


def concat(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate message frames and conform the result (empty input gives :func:`empty`)."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty()
    return conform(pd.concat(frames, ignore_index=True, sort=False))


def join(values: Iterable[str], sep: str = ";") -> str:
    """Join non-empty values with ``sep``, the list form of the frame's text columns."""
    return sep.join(v for v in values if v)


def from_records(records: Iterable[Mapping[str, object]]) -> pd.DataFrame:
    """Build a conformed frame from row dicts."""
    rows = list(records)
    return conform(pd.DataFrame(rows)) if rows else empty()
