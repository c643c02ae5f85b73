"""Unix mailboxes (mboxo, mboxrd): Thunderbird, Apple Mail, Google Takeout, mutt, Python.

Messages follow one another, each after an envelope line that starts with ``From ``::

    From rob@example.net Mon Mar 11 10:00:00 2024
    From: Rob Offender <rob@example.net>
    To: dana@example.org
    Subject: hello
    Date: Mon, 11 Mar 2024 10:00:00 +0000

    Body text.
    >From here on (mboxrd escapes body lines that start with "From ")

    From MAILER-DAEMON Tue Mar 12 08:00:00 2024
    ...

A ``From `` line only starts a message when it carries an asctime date (``Mon Mar 11 10:00:00
2024``) and the next line is a header field, so a body line like "From time to time" does not
split a message. The file is streamed by byte offset (constant memory, any size); CRLF files
and a missing final newline are read as they are. A message's raw bytes are those after its
envelope line up to the next one, without the blank separator line (Python's ``mailbox``
convention, so a message saved as .eml hashes the same). ``>From`` lines are kept exactly as in
the file (mboxo and mboxrd cannot be told apart from the file). Locator ``mbox:<index>@<byte
offset of the envelope line>``; inside a zip (Takeout) ``zip:<member>:mbox:<index>@<offset>``.

Large files are read by several processes (``_parallel``): the file is cut into byte ranges at
envelope lines found by the same rule, each worker reads its range from the file and returns a
conformed frame with its own message numbers, and the parent renumbers them, so locators,
message ids and copies are those of one pass (``WHOA_PROCESSES=1`` gives that one pass).
``batches`` yields the frame in bounded pieces (for Parquet row groups): memory stays a few
ranges' worth whatever the file's size.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa

from .. import schema
from ..errors import InputError
from . import _email, _parallel
from ._common import Head, Source, id_prefix, is_zip, open_member, unparsed, zip_members

FORMAT = "mbox"
PLATFORM = "email"
PATTERNS = ("*.mbox", "mbox files starting 'From '", "*.zip with *.mbox (Google Takeout)")
DESCRIPTION = "Unix mailbox (mboxo/mboxrd): Thunderbird, Apple Mail, Google Takeout, mutt"
#: A large file is read with every core (readers/_parallel.py).
PROCESSES = True

CHUNK = 8 << 20
MAX_PREAMBLE = 8 << 20     # bytes read before giving up on finding a 'From ' line
#: Bytes of mbox in one worker's range, and of messages in one batch read in this process: it
#: bounds what a worker holds and what the parent holds (a few ranges) whatever the file's size.
RANGE_BYTES = 8 << 20
#: ``read``'s ranges: as small, since workers hold ~7 times their range while parsing it.
READ_RANGE_BYTES = 8 << 20
#: Reads of a worker that starts at an envelope (the first range reads as one pass does).
_RANGE_CHUNK = 1 << 20
#: The envelope line: 'From <anything> <weekday> <month> <day> <hh:mm[:ss]> [zone] <year>'.
_ENVELOPE = re.compile(
    rb"From \S*[^\r\n]*?(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\s+"
    rb"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+\d{1,2}\s+\d{1,2}:\d{2}"
    rb"(?::\d{2})?\s+(?:\S+\s+)?\d{4}")
_FIELD_START = re.compile(rb"[!-9;-~]+[ \t]*:")
#: The text dtype pandas infers for the email columns beyond the schema (NaN where missing).
_TEXT = pd.StringDtype(na_value=np.nan)
_TEXT_EXTRAS = frozenset({*_email.ROW_EXTRAS, "copy_of"})


def sniff(head: Head) -> bool:
    if head.is_dir:
        return False
    if head.is_zip:
        return any(m.lower().endswith(".mbox") for m in head.members)
    if head.name.endswith((".eml", ".msg")):
        return False
    return head.data.startswith(b"From ") or (head.name.endswith((".mbox", ".mbx"))
                                              and not head.data.startswith(b"\xd0\xcf\x11\xe0"))


def read(path: Path, *, tz: str | None = None, owner: Sequence[str] = (),
         date_order: str | None = None, region: str | None = None) -> pd.DataFrame:
    frames = list(_pieces(Path(path), owner, rows=1 << 62, range_bytes=READ_RANGE_BYTES))
    df = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    if df["email_message_id"].isna().all():
        # No message could be parsed at all: the frame has no email columns (as a frame of
        # only unparsed rows never had); ``batches`` keeps them so every piece looks alike.
        df = df.drop(columns=list(_email.ROW_EXTRAS))
    df.attrs["assumptions"] = list(frames[0].attrs.get("assumptions", []))
    return df


def batches(path: Path, *, tz: str | None = None, owner: Sequence[str] = (),
            date_order: str | None = None, region: str | None = None,
            rows: int = 20_000) -> Iterator[pd.DataFrame]:
    """The frame ``read`` returns, as conformed pieces of consecutive messages.

    Every piece has the same columns and dtypes, at most ``rows`` rows and about
    ``RANGE_BYTES`` of mbox or fewer; their concatenation is ``read``'s frame (copies marked
    across pieces). Memory holds a few pieces (and ~60 bytes per message for the copy check),
    whatever the file's size. (A file where not one message could be parsed keeps the email
    columns here, empty; ``read`` drops them.)
    """
    yield from _pieces(Path(path), owner, rows=max(1, rows), range_bytes=RANGE_BYTES)


def _pieces(path: Path, owner: Sequence[str], *, rows: int, range_bytes: int,
            ) -> Iterator[pd.DataFrame]:
    src = Source(path, FORMAT)
    keys = _email.owner_keys(owner)
    if src.path.suffix.lower() == ".zip" or is_zip(src.path):
        parts = _local_parts(src, _zip_rows(src.path, keys), range_bytes)
    else:
        size = src.path.stat().st_size
        workers = _parallel.processes(size)
        parts = _range_parts(src, keys, size, workers, range_bytes) if workers > 1 else \
            _file_parts(src, keys, range_bytes)
    yield from _finish(parts, src, rows)


# --------------------------------------------------------------------------- parts of the file

#: A part: a conformed frame, and for a worker's range the envelope offsets of its messages
#: (its locators are numbered from 0 and need renumbering); None when locators are final.
_Part = tuple[pd.DataFrame, "np.ndarray | None"]


def _file_parts(src: Source, keys: frozenset[str], range_bytes: int) -> Iterator[_Part]:
    with open(src.path, "rb") as fh:
        yield from _local_parts(src, _rows(fh, "", keys, src.path.name), range_bytes)


def _local_parts(src: Source, rows: Iterable[tuple[dict, int]], range_bytes: int,
                 ) -> Iterator[_Part]:
    """Frames of consecutive rows, cut every ``range_bytes`` of messages (one process)."""
    batch: list[dict] = []
    size = 0
    for row, nbytes in rows:
        batch.append(row)
        size += nbytes
        if size >= range_bytes:
            yield _frame(src, batch), None
            batch, size = [], 0
    if batch:
        yield _frame(src, batch), None


def _range_parts(src: Source, keys: frozenset[str], size: int, workers: int,
                 range_bytes: int) -> Iterator[_Part]:
    """Frames of byte ranges read by ``workers`` processes, in file order."""
    count = max(workers, -(-size // range_bytes))
    edges = _parallel.cut(size, count, partial(_next_envelope, src.path, size))
    jobs = [(str(src.path), src.sha256, start, stop, keys) for start, stop in edges]
    messages_seen = 0
    for frame, offsets in _parallel.stream(_range_frame, jobs, workers):
        messages_seen += len(offsets)
        yield frame, offsets
    if not messages_seen:
        raise InputError(_no_message(src.path.name))


def _range_frame(path: str, sha: str, start: int, stop: int, keys: frozenset[str],
                 ) -> tuple[pd.DataFrame, np.ndarray]:
    """One worker's range: its rows, numbered from 0, and its messages' envelope offsets."""
    src = Source(Path(path), FORMAT, sha256=sha)
    rows, offsets = [], []
    with open(path, "rb") as fh:
        fh.seek(start)
        chunk = CHUNK if start == 0 else _RANGE_CHUNK     # the first: exactly one pass's reads
        for row, offset, _ in _records(fh, "", keys, origin=start, stop=stop, chunk=chunk):
            rows.append(row)
            if offset >= 0:
                offsets.append(offset)
    return _frame(src, rows), np.array(offsets, dtype=np.int64)


def _frame(src: Source, rows: list[dict]) -> pd.DataFrame:
    """``src.frame(rows)``, built a column at a time: text goes to Arrow once, not through
    an object frame, pandas' ``str`` and then the schema's string (less memory and time)."""
    if not rows:
        return src.frame(rows)
    names = dict.fromkeys(name for row in rows for name in row)
    try:
        columns = {name: _column(name, [row.get(name) for row in rows]) for name in names}
    except UnicodeEncodeError:      # lone surrogates: conform shows them escaped
        return src.frame(rows)
    return src.frame(columns)


def _column(name: str, values: list) -> object:
    if schema.COLUMNS.get(name) == schema.STRING:
        return pd.array(values, dtype=schema.STRING)
    if name in _TEXT_EXTRAS:
        return pd.array(values, dtype=_TEXT)
    return pd.Series(values)     # times, flags, closed lists: conform decides


def _next_envelope(path: Path, size: int, pos: int) -> int:
    """Where the first envelope line at or after ``pos`` starts (``size`` when none): the same
    rule as ``messages``, on the same bytes (the line and the next one), so a range edge is a
    message start of the one-pass reading."""
    with open(path, "rb") as fh:
        fh.seek(pos - 1)
        buf, base, scan, eof = b"", pos - 1, 1, False
        while not eof:
            data = fh.read(1 << 20)
            eof = not data
            buf += data
            for line_start, _ in _envelopes(buf, scan, eof):
                return base + line_start
            scan = _resume_at(buf, scan, eof)
            buf, base, scan = buf[scan - 1:], base + scan - 1, 1
    return size


# --------------------------------------------------------------------------- the whole frame

def _finish(parts: Iterable[_Part], src: Source, rows: int) -> Iterator[pd.DataFrame]:
    """Renumber range parts, give every piece the file's columns, mark copies, cut to ``rows``.

    A part with no message (only the bytes before the first envelope) waits for the first
    message, so a file without any yields nothing before its error.
    """
    seen, order, held, base = _Seen(), None, [], 0
    for frame, offsets in parts:
        if offsets is not None:
            if base:
                _renumber(frame, offsets, base, src.sha256)
            base += len(offsets)
        if frame.empty:
            continue
        order = order or _column_order(frame)
        frame = _with_columns(frame, order)
        _mark_copies(frame, seen)
        if offsets is not None and not base:
            held.append(frame)
            continue
        for piece in (*held, frame):
            for at in range(0, len(piece), rows):
                yield piece if len(piece) <= rows else \
                    piece.iloc[at:at + rows].reset_index(drop=True)
        held = []
    for piece in held:          # a file without messages raised before this
        yield piece


def _column_order(first: pd.DataFrame) -> list[str]:
    """The columns a one-pass frame has: the schema's, then the email ones in the order the
    first row brought them (an unparsed first row brings ``copy_of`` before the others)."""
    full = "email_message_id" in first and pd.notna(first["email_message_id"].iloc[0])
    extras = [*_email.ROW_EXTRAS, "copy_of"] if full else ["copy_of", *_email.ROW_EXTRAS]
    return [*schema.COLUMNS, *extras]


def _with_columns(frame: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    missing = [c for c in order if c not in frame]
    if missing:         # only unparsed rows here: their email columns are missing values
        frame = frame.assign(**{c: pd.Series(np.nan, index=frame.index, dtype=_TEXT)
                                for c in missing})
    return frame if list(frame.columns) == order else frame[order]


def _renumber(frame: pd.DataFrame, offsets: np.ndarray, base: int, sha: str) -> None:
    """Locators (and the message ids made of them) of a range numbered from ``base``."""
    index = pa.array(np.arange(base, base + len(frame), dtype=np.int64))
    locator = schema.joined("mbox:", index, "@", pa.array(offsets))
    message_id = schema.joined(id_prefix(sha), locator)
    frame["locator"] = pd.Series(pd.arrays.ArrowStringArray(locator), index=frame.index)
    frame["message_id"] = pd.Series(pd.arrays.ArrowStringArray(message_id), index=frame.index)


class _Seen:
    """Messages met so far, for ``copy_of``: the SHA-256 of their bytes (32 bytes, in sorted
    runs) and the first one's locator (Arrow text): ~60 bytes a message, not a dict of str."""

    def __init__(self) -> None:
        self.runs: list[tuple[np.ndarray, pa.Array]] = []     # (sorted digests, locators)

    def find(self, digests: np.ndarray) -> list[str | None]:
        """Per digest: the first locator, or None."""
        out: list[str | None] = [None] * len(digests)
        for keys, locators in self.runs:
            at = np.minimum(np.searchsorted(keys, digests), len(keys) - 1)
            for i in np.flatnonzero(keys[at] == digests):
                out[i] = locators[int(at[i])].as_py()
        return out

    def add(self, digests: np.ndarray, locators: pa.Array) -> None:
        if not len(digests):
            return
        self.runs.append((digests, locators))
        # Merge runs like a binary counter: O(log n) runs, each message merged O(log n) times.
        while len(self.runs) > 1 and len(self.runs[-1][0]) >= len(self.runs[-2][0]):
            (k1, l1), (k2, l2) = self.runs.pop(), self.runs.pop()
            keys = np.concatenate([k2, k1])
            order = np.argsort(keys, kind="stable")
            self.runs.append((keys[order], pa.concat_arrays([l2, l1]).take(pa.array(order))))


def _mark_copies(frame: pd.DataFrame, seen: _Seen) -> None:
    """``_email.mark_copies`` over the whole file, a piece at a time: a row with a Message-ID
    whose bytes (so also its Message-ID) an earlier row had is a copy of the first such row."""
    mid = frame["email_message_id"]
    rows = np.flatnonzero((mid.notna() & (mid != "")).to_numpy(dtype=bool))
    if not len(rows):
        return
    hexes = frame["record_sha256"].to_numpy(dtype=object)[rows]
    digests = np.frombuffer(bytes.fromhex("".join(hexes)), dtype="S32")
    unique, first, inverse = np.unique(digests, return_index=True, return_inverse=True)
    earlier = seen.find(unique)
    new = np.array([e is None for e in earlier], dtype=bool)
    locators = pa.array(frame["locator"].array)
    if isinstance(locators, pa.ChunkedArray):
        locators = locators.combine_chunks()
    seen.add(unique[new], locators.take(pa.array(rows[first[new]])))
    copy = ~new[inverse] | (first[inverse] != np.arange(len(rows)))
    if not copy.any():
        return
    copy_of = frame["copy_of"].to_numpy(dtype=object).copy()
    warnings = frame["warnings"].to_numpy(dtype=object).copy()
    for i in np.flatnonzero(copy):
        u = inverse[i]
        original = earlier[u] if earlier[u] is not None else \
            locators[int(rows[first[u]])].as_py()
        row = rows[i]
        note = f"copy of {original} (same Message-ID and bytes)"
        warnings[row] = "; ".join(x for x in (warnings[row], note) if x)
        copy_of[row] = original
    frame["copy_of"] = pd.Series(pd.array(copy_of, dtype=frame["copy_of"].dtype),
                                 index=frame.index)
    frame["warnings"] = pd.Series(pd.array(warnings, dtype=frame["warnings"].dtype),
                                  index=frame.index)


# --------------------------------------------------------------------------- rows

def _zip_rows(path: Path, keys: frozenset[str]) -> Iterator[tuple[dict, int]]:
    found = False
    for info, zf in zip_members(path):
        if not info.filename.lower().endswith(".mbox"):
            continue
        found = True
        with open_member(zf, info) as fh:
            yield from _rows(fh, f"zip:{info.filename}:", keys, info.filename)
    if not found:
        raise InputError(f"{path.name}: expected a zip with .mbox files (as Google Takeout "
                         "writes it); got none: pass the .mbox itself")


def _rows(fh: BinaryIO, prefix: str, keys: frozenset[str], name: str,
          ) -> Iterator[tuple[dict, int]]:
    """(row, bytes) per record of a whole mbox; an mbox without a message is an error."""
    any_message = False
    for row, offset, nbytes in _records(fh, prefix, keys):
        any_message = any_message or offset >= 0
        yield row, nbytes
    if not any_message:
        raise InputError(_no_message(name))


def _no_message(name: str) -> str:
    return (f"{name}: expected an mbox (messages after 'From <sender> <date>' lines); got "
            "none: if it is one message, read it as format 'eml'")


def _records(fh: BinaryIO, prefix: str, keys: frozenset[str], *, origin: int = 0,
             stop: int | None = None, chunk: int = CHUNK) -> Iterator[tuple[dict, int, int]]:
    """(row, envelope offset or -1 before the first message, bytes) per record."""
    for index, offset, raw in messages(fh, chunk, origin=origin, stop=stop):
        locator = f"{prefix}mbox:{index}@{offset}"
        if index < 0:
            if raw.strip():
                row = unparsed(locator.replace("mbox:-1", "mbox:preamble"), raw,
                               "bytes before the first 'From ' line: not a message",
                               platform="email", conversation_kind="email")
                # Hashed here: beside message rows (which carry their hash) ``Source.frame``
                # would not hash it, and the row would have none.
                row["record_sha256"] = hashlib.sha256(row.pop("raw")).hexdigest()
                row["copy_of"] = ""      # filled across the file by _mark_copies
                yield row, -1, len(raw)
            continue
        row = _email.message_row(raw, locator, owner=keys)
        row["copy_of"] = ""
        yield row, offset, len(raw)


def messages(fh: BinaryIO, chunk: int = CHUNK, *, origin: int = 0, stop: int | None = None,
             ) -> Iterator[tuple[int, int, bytes]]:
    """(index, offset of the envelope line, message bytes) per message, streaming.

    Bytes before the first envelope line come out once with index -1. Memory holds one chunk
    plus the message being cut, whatever the file's size. ``origin`` is the file offset ``fh``
    is at (offsets are the file's); with ``stop`` (an envelope line's offset) the last message
    is the one ending there.
    """
    buf, base, cur, scan, index = b"", origin, None, 0, 0
    eof = head_done = False
    while not eof:
        data = fh.read(chunk)
        eof = not data
        buf += data
        if not head_done:
            if not _decided(buf, 0, eof):
                continue
            head_done, scan = True, 1
            if buf.startswith(b"From ") and _is_envelope(buf, 0):
                cur = 0
        for line_start, next_scan in _envelopes(buf, scan, eof):
            if cur is None:
                if line_start:
                    yield -1, base, buf[:line_start]
            else:
                yield index, base + cur, _cut(buf, cur, line_start)
                index += 1
            if stop is not None and base + line_start >= stop:
                return
            cur, scan = line_start, next_scan
        scan = _resume_at(buf, scan, eof)
        if cur is None and len(buf) > MAX_PREAMBLE:
            raise InputError(f"expected an mbox ('From <sender> <date>' line first); got no "
                             f"such line in the first {len(buf)} bytes")
        if cur:                      # drop what has been handed out
            buf, base, scan, cur = buf[cur:], base + cur, scan - cur, 0
    if cur is not None:
        yield index, base + cur, _cut(buf, cur, len(buf))
    elif buf:
        yield -1, base, buf


def _envelopes(buf: bytes, scan: int, eof: bool) -> Iterator[tuple[int, int]]:
    """(start of an envelope line, where to search next) for each one found from ``scan``."""
    while True:
        at = buf.find(b"\nFrom ", max(scan - 1, 0))
        if at < 0 or not _decided(buf, at + 1, eof):
            return
        if _is_envelope(buf, at + 1):
            yield at + 1, at + 2
        scan = at + 2


def _resume_at(buf: bytes, scan: int, eof: bool) -> int:
    """Where the next search starts: at the first undecided candidate, or near the end."""
    at = buf.find(b"\nFrom ", max(scan - 1, 0))
    return at + 1 if at >= 0 else max(scan, len(buf) - 5)


def _decided(buf: bytes, start: int, eof: bool) -> bool:
    """True when the line at ``start`` and the one after it are complete (or the file ended)."""
    end = buf.find(b"\n", start)
    return eof or (end >= 0 and buf.find(b"\n", end + 1) >= 0)


def _is_envelope(buf: bytes, start: int) -> bool:
    """An asctime-dated 'From ' line followed by a header field line."""
    end = buf.find(b"\n", start)
    if end < 0 or not _ENVELOPE.match(buf[start:end]):
        return False
    return bool(_FIELD_START.match(buf, end + 1))


def _cut(buf: bytes, start: int, end: int) -> bytes:
    """Message bytes after the envelope line, without the blank separator line before ``end``."""
    first = buf.find(b"\n", start, end)
    body_start = end if first < 0 else first + 1
    msg = buf[body_start:end]
    if msg.endswith(b"\r\n\r\n"):
        return msg[:-2]
    if msg.endswith(b"\n\n"):
        return msg[:-1]
    return msg
