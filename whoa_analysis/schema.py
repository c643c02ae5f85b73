"""The message frame (DESIGN 4.2): its columns, their dtypes, and the one ``conform``.

Every reader ends with :func:`conform` and so does every concat, so dtypes are enforced in one
place only. Columns beyond the schema (platform specific) are kept, after the schema's columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .errors import InputError

PLATFORMS = (
    "email", "whatsapp", "telegram", "signal", "discord", "slack", "messenger", "instagram",
    "twitter", "sms", "phone", "imessage", "irc", "im", "googlechat", "skype", "snapchat", "web",
    "letter", "in_person", "other",
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
    src = df.reset_index(drop=True)
    try:
        cols = {name: _column(src, name, dtype) for name, dtype in COLUMNS.items()}
    except UnicodeEncodeError:          # lone surrogates: rare, so checked only on failure
        src = _escape_surrogates(src)
        cols = {name: _column(src, name, dtype) for name, dtype in COLUMNS.items()}
    if "sent_at_latest" not in src:
        cols["sent_at_latest"] = cols["sent_at"]
    _check_required(cols)
    for extra in (c for c in src.columns if c not in COLUMNS):
        cols[extra] = src[extra]
    return pd.DataFrame(cols, index=pd.RangeIndex(len(src)))


SURROGATE_NOTE = "text held lone UTF-16 surrogates (not storable as UTF-8): shown as \\uXXXX"


def _escape_surrogates(src: pd.DataFrame) -> pd.DataFrame:
    """Show lone surrogates (JSON can carry ``\\udc80``) as the escape text, and say so.

    UTF-8 and Arrow cannot hold them; the escape keeps what the export said, readably.
    """
    src = src.copy()
    hit = pd.Series(False, index=src.index)
    for name in src.columns:
        col = src[name]
        if col.dtype != object and not isinstance(col.dtype, pd.StringDtype):
            continue
        bad = col.map(lambda v: isinstance(v, str) and _has_surrogate(v))
        if bad.any():
            src.loc[bad, name] = col[bad].map(_escape)
            hit |= bad
    if "warnings" in src:
        old = src.loc[hit, "warnings"].fillna("").astype(str)
        src.loc[hit, "warnings"] = old.where(old == "", old + "; ") + SURROGATE_NOTE
    else:
        src["warnings"] = hit.map({True: SURROGATE_NOTE, False: ""})
    return src


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _escape(text: str) -> str:
    return "".join(f"\\u{ord(c):04x}" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)


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
    if dtype == STRING:
        return _string(values, name in _EMPTY_STRING_DEFAULTS)
    return values.astype(dtype)


def _string(values: pd.Series, fill_empty: bool) -> pd.Series:
    """Text in the schema's string dtype; ``fill_empty`` turns missing values into ''.

    Columns that already hold text (the string dtypes, or str objects) go straight to Arrow, so
    a million-row frame is not copied through Python objects twice; anything else (numbers in
    a text column) is converted value by value as ``astype`` does.
    """
    if values.dtype == STRING:
        return values.fillna("") if fill_empty and values.hasnans else values
    if isinstance(values.dtype, pd.StringDtype):           # pandas' default 'str' dtype
        converted = values.astype(STRING)
    else:
        try:
            arr = pa.array(values.to_numpy(dtype=object), type=pa.large_string(),
                           from_pandas=True)
            converted = pd.Series(pd.arrays.ArrowStringArray(arr), index=values.index)
        except (pa.ArrowInvalid, pa.ArrowTypeError):        # not all str: convert each value
            if fill_empty:
                values = values.astype(object).where(values.notna(), "")
            return values.astype(STRING)
    return converted.fillna("") if fill_empty and converted.hasnans else converted


def _categorical(values: pd.Series, name: str, dtype: pd.CategoricalDtype) -> pd.Series:
    if values.dtype == dtype:
        return values
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    # Factorise once (a few distinct values in a million rows), then place each in the list.
    codes, uniques = pd.factorize(values)
    uniques = pd.Index(uniques, dtype=object)
    where = dtype.categories.get_indexer(uniques)
    unknown = {str(u) for u in uniques[where < 0]} - set(dtype.categories)
    if unknown:
        raise InputError(
            f"column {name!r}: expected one of {', '.join(dtype.categories)}; "
            f"got {', '.join(sorted(unknown))} (a reader bug: fix the reader's mapping)")
    mapped = np.where(codes >= 0, where[codes] if len(where) else -1, -1)
    return pd.Series(pd.Categorical.from_codes(mapped, dtype=dtype), index=values.index)


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


def _check_required(cols: Mapping[str, pd.Series]) -> None:
    for name in REQUIRED:
        col = cols[name]
        if isinstance(col.dtype, pd.CategoricalDtype):
            bad = col.isna()         # '' is never a category: _categorical refused it already
        else:
            bad = (col == "").fillna(True).astype(bool)
        if bad.any():
            raise InputError(f"column {name!r}: expected a value on every row; "
                             f"{int(bad.sum())} rows have none (a reader bug)")


def take(df: pd.DataFrame, positions: np.ndarray) -> pd.DataFrame:
    """``df.take(positions)``, the columns taken two at a time: Arrow and numpy copy them
    without the interpreter lock, and a table picked from a million-row frame copies every
    column."""
    if df.columns.has_duplicates or len(df.columns) < 2:
        return df.take(positions)
    series = [df[name] for name in df.columns]      # read here; only the copies in threads
    with ThreadPoolExecutor(2) as pool:
        columns = list(pool.map(lambda col: col.take(positions), series))
    index = df.index.take(positions)
    out = pd.DataFrame({name: col.set_axis(index) for name, col in zip(df.columns, columns)},
                       index=index, columns=df.columns, copy=False)
    return out.__finalize__(df)


def joined(*pieces: pa.Array | pa.ChunkedArray | str) -> pa.Array | pa.ChunkedArray:
    """The pieces joined row by row: arrays of text (or numbers, written in decimal), and text
    that is the same on every row. Built in Arrow: a locator or message id for each of a
    million rows. One column in several chunks (a file read in ranges) is joined a chunk per
    thread, two at a time (Arrow works without the GIL)."""
    columns = [p for p in pieces if not isinstance(p, str)]
    if len(columns) == 1 and isinstance(columns[0], pa.ChunkedArray) and columns[0].num_chunks > 1:
        column = columns[0]
        with ThreadPoolExecutor(2) as pool:
            chunks = list(pool.map(lambda chunk: _joined([chunk if p is column else p
                                                          for p in pieces]), column.chunks))
        return pa.chunked_array(chunks, pa.large_string())
    return _joined(pieces)


def _joined(pieces: Iterable[pa.Array | pa.ChunkedArray | str]) -> pa.Array | pa.ChunkedArray:
    text = pa.large_string()
    return pc.binary_join_element_wise(
        *(pa.scalar(p, text) if isinstance(p, str) else p.cast(text) for p in pieces),
        pa.scalar("", text))


def values_bytes(arr: pa.Array) -> bytes:
    """The bytes of a (large) text or binary array's values, back to back, copied once."""
    data = arr.buffers()[2]
    if data is None:
        return b""
    offsets = np.frombuffer(arr.buffers()[1], np.int64, len(arr) + 1, 8 * arr.offset)
    return bytes(memoryview(data)[offsets[0]:offsets[-1]])


#: Rows in each chunk of a ``repeated`` column.
REPEAT_CHUNK = 1 << 16


def repeated(value: str, n: int) -> pa.ChunkedArray:
    """``value`` on each of ``n`` rows, as chunks that are one array referenced again: the
    column costs one chunk's memory whatever ``n`` is (a 64-character hash written out on a
    million rows would hold 72 MB)."""
    chunk = pa.repeat(pa.scalar(value, pa.large_string()), min(n, REPEAT_CHUNK))
    full, rest = divmod(n, REPEAT_CHUNK)
    chunks = [chunk] * full + ([chunk.slice(0, rest)] if rest else [])
    return pa.chunked_array(chunks, pa.large_string())


def concat(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate message frames and conform the result (empty input gives :func:`empty`)."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty()
    return conform(_one_chunk(pd.concat(frames, ignore_index=True, sort=False)))


def _one_chunk(df: pd.DataFrame) -> pd.DataFrame:
    """Every Arrow text column as a single array. Concatenated frames hold a column as the
    chunks of each source (a reader may chain more), and Arrow joins the chunks again for every
    row selection made later: ten times the cost of selecting from one array. Arrow joins
    them without the interpreter lock, so columns are joined two at a time."""
    chunked = {}
    for name in df.columns:
        values = df[name].array
        if isinstance(values, pd.arrays.ArrowStringArray):
            arrow = pa.array(values)
            if isinstance(arrow, pa.ChunkedArray) and arrow.num_chunks > 1:
                chunked[name] = arrow
    with ThreadPoolExecutor(2) as pool:
        joined = dict(zip(chunked, pool.map(pa.ChunkedArray.combine_chunks, chunked.values())))
    for name, values in joined.items():
        df[name] = pd.Series(pd.arrays.ArrowStringArray(values), index=df.index,
                             dtype=df[name].dtype)
    return df


def join(values: Iterable[str], sep: str = ";") -> str:
    """Join non-empty values with ``sep``, the list form of the frame's text columns."""
    return sep.join(v for v in values if v)


def from_records(records: Iterable[Mapping[str, object]]) -> pd.DataFrame:
    """Build a conformed frame from row dicts."""
    rows = list(records)
    return conform(pd.DataFrame(rows)) if rows else empty()
