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
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from ..errors import InputError
from . import _email
from ._common import Head, Source, is_zip, open_member, unparsed, zip_members

FORMAT = "mbox"
PLATFORM = "email"
PATTERNS = ("*.mbox", "mbox files starting 'From '", "*.zip with *.mbox (Google Takeout)")
DESCRIPTION = "Unix mailbox (mboxo/mboxrd): Thunderbird, Apple Mail, Google Takeout, mutt"

CHUNK = 8 << 20
MAX_PREAMBLE = 8 << 20     # bytes read before giving up on finding a 'From ' line
#: The envelope line: 'From <anything> <weekday> <month> <day> <hh:mm[:ss]> [zone] <year>'.
_ENVELOPE = re.compile(
    rb"From \S*[^\r\n]*?(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\s+"
    rb"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+\d{1,2}\s+\d{1,2}:\d{2}"
    rb"(?::\d{2})?\s+(?:\S+\s+)?\d{4}")
_FIELD_START = re.compile(rb"[!-9;-~]+[ \t]*:")


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
    src = Source(Path(path), FORMAT)
    keys = _email.owner_keys(owner)
    if src.path.suffix.lower() == ".zip" or is_zip(src.path):
        rows = list(_zip_rows(src.path, keys))
    else:
        with open(src.path, "rb") as fh:
            rows = list(_rows(fh, "", keys, src.path.name))
    _email.mark_copies(rows)
    return src.frame(rows)


def _zip_rows(path: Path, keys: frozenset[str]) -> Iterator[dict]:
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


def _rows(fh: BinaryIO, prefix: str, keys: frozenset[str], name: str) -> Iterator[dict]:
    any_message = False
    for index, offset, raw in messages(fh):
        locator = f"{prefix}mbox:{index}@{offset}"
        if index < 0:
            if raw.strip():
                yield unparsed(locator.replace("mbox:-1", "mbox:preamble"), raw,
                               "bytes before the first 'From ' line: not a message",
                               platform="email", conversation_kind="email")
            continue
        any_message = True
        yield _email.message_row(raw, locator, owner=keys)
    if not any_message:
        raise InputError(f"{name}: expected an mbox (messages after 'From <sender> <date>' "
                         "lines); got none: if it is one message, read it as format 'eml'")


def messages(fh: BinaryIO, chunk: int = CHUNK) -> Iterator[tuple[int, int, bytes]]:
    """(index, offset of the envelope line, message bytes) per message, streaming.

    Bytes before the first envelope line come out once with index -1. Memory holds one chunk
    plus the message being cut, whatever the file's size.
    """
    buf, base, cur, scan, index = b"", 0, None, 0, 0
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
