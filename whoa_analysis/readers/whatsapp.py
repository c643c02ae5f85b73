"""WhatsApp "Export chat": the .txt the app writes, alone or inside the .zip "with media".

Android writes ``date, time - Name: text``, iOS ``[date, time] Name: text``; the date and time
follow the phone's locale (day/month/year order, 2- or 4-digit years, ``.`` ``/`` ``-``, 12 or 24
hour clock with AM/PM, ``a. m.``, ``p.\\u00a0m.``, Finnish ``klo``, Hungarian ``2018. 06. 13.``)
and may carry U+200E, U+202F or NBSP around the time. A message runs until the next header line::

    06/03/2024, 18:02 - Messages and calls are end-to-end encrypted. No one outside of this ...
    06/03/2024, 18:05 - Rob: Are you there?
    06/03/2024, 18:06 - Rob: <Media omitted>
    ‎[8/15/23, 9:12:48 AM] Dr. Feather: ‎image omitted
    [17.9.2019, 16:37:47] Peter Doe: first line
    second line of the same message

WhatsApp's own lines are data per language (``languages/whatsapp.toml``): a line that fits a
template is a system row (deleted messages, missed calls and media left out their own kinds),
even where a ': ' inside its quotes made the part before it look like a sender's name::

    14/03/2024, 10:00 - Rob hat den Betreff von „Reise“ zu „Reise: Lissabon“ geändert
    [14/03/2024, 10:00:00] Trip: ‎Rob changed the subject to “Trip: Lisbon”

What no template covers falls to the quoted-name rule (``_common.QUOTED_NAME``): a name part
that starts with a participant's name, then more words, and holds quotation marks is a system
line with a warning.

Header layouts are data (``LAYOUTS``). The file's dominant layout (the shape that most header-like
lines share, counted over the whole file) decides what a header is: a header-like line in another
shape stays text of the message before it, so a sender cannot forge a line "from" someone else
inside a message. A line in the dominant shape that goes back in time stays its own row with a
warning that it may be forged. Times are local wall-clock times in the declared zone.

Arabic and Persian phones write the header in their own digits, with the Arabic comma and a
right-to-left mark after each date field (``\u0662\u0664\u200f/\u0664\u200f/\u0662\u0660\u0662\u0662\u060c \u0662:\u0660\u0667 \u0645 - Name: text``).
Those header lines are read through a copy with Western digits (``_western``); everything a
row keeps (``sent_at_raw``, the record hash, the text) is of the file's own bytes.
"""

from __future__ import annotations

import binascii
import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import accounts, languages, schema
from ..errors import InputError
from ..evidence import sha256_path
from . import _parallel
from ._common import (
    QUOTED_NAME,
    Head,
    Source,
    infer_date_order,
    is_zip,
    localize,
    participant_prefix,
    quoted_name_suspect,
    read_member,
    require_tz,
    zip_members,
)

FORMAT = "whatsapp"
PLATFORM = "whatsapp"
PATTERNS = ("*.txt (WhatsApp 'Export chat')", "*.zip with _chat.txt or 'WhatsApp Chat with X.txt'")
DESCRIPTION = "WhatsApp 'Export chat' text or zip (Android and iOS layouts, every locale)"
#: A large file is read with every core (readers/_parallel.py).
PROCESSES = True

# ---------------------------------------------------------------------------------------------
# Header layouts (bytes patterns: the file is matched undecoded, so memory stays ~1x the file).

SP = rb"(?: |\xc2\xa0|\xe2\x80\xaf)"                      # space, NBSP, NARROW NBSP
MARKS = rb"(?:\xe2\x80[\x8e\x8f\xaa-\xae]|\xe2\x81[\xa6-\xa9])*"  # LRM, RLM, bidi embeds/isolates
DASH = rb"(?:-|\xe2\x80\x93)"                            # hyphen or EN DASH
#: Loose date and time: every variant; a file's own shape is fixed from these (see Shape).
DATE = (rb"(?P<d1>\d{1,4})(?P<ds>[./-])(?P<dsp>" + SP + rb"?)(?P<d2>\d{1,4})(?P=ds)(?P=dsp)"
        rb"(?P<d3>\d{1,4})(?P<dend>\.?)")
#: 12-hour markers per locale, written after the time (AM/PM, Spanish 'a. m.', German
#: 'vorm.'/'nachm.', Arabic ص/م) or before it (Japanese 午前/午後, Chinese 上午/下午, Korean
#: 오전/오후). Each maps to 0 (morning) or 1 (afternoon) in ``_fields``.
AP_AFTER = ((b"nachm.", 1), (b"vorm.", 0), ("\u0635".encode(), 0), ("\u0645".encode(), 1))
AP_BEFORE = (("\u5348\u524d".encode(), 0), ("\u5348\u5f8c".encode(), 1),
             ("\u4e0a\u5348".encode(), 0), ("\u4e0b\u5348".encode(), 1),
             ("\uc624\uc804".encode(), 0), ("\uc624\ud6c4".encode(), 1))
_AP = rb"[AaPp]\.?" + SP + rb"?[Mm]\.?|" + b"|".join(re.escape(m) for m, _ in AP_AFTER)
_APB = b"|".join(re.escape(m) for m, _ in AP_BEFORE)
TIME = (MARKS + rb"(?:(?P<apb>" + _APB + rb")" + SP + rb"?)?"
        rb"(?P<H>\d{1,2})(?P<ts>[:.])(?P<M>\d\d)(?:(?P=ts)(?P<S>\d\d))?"
        rb"(?:" + SP + rb"?" + MARKS + rb"(?P<ap>" + _AP + rb"))?" + MARKS)


@dataclass(frozen=True)
class Layout:
    name: str
    pattern: bytes      # {date} and {time} stand for DATE and TIME
    example: str


#: Where WhatsApp puts date and time on a message's first line. Order matters: the first layout
#: that matches a line wins, so the bare one (Hungarian, no separator at all) comes last.
LAYOUTS = (
    Layout("android", rb"{date}," + SP + rb"{time}" + SP + DASH + SP,
           "13/06/2018, 21:25 - Name: text"),
    Layout("android_nocomma", rb"{date}" + SP + rb"{time}" + SP + DASH + SP,
           "3/6/2018 1:55 p. m. - Name: text"),
    Layout("android_a", rb"{date}" + SP + b"\xc3\xa0" + SP + rb"{time}" + SP + DASH + SP,
           "13/06/2018 \u00e0 21:25 - Name: text"),          # French: 'à' before the time
    Layout("android_klo", rb"{date}" + SP + rb"klo" + SP + rb"{time}" + SP + DASH + SP,
           "13.6.2018 klo 21.25.15 - Name: text"),
    Layout("ios", rb"\[{date}," + SP + rb"{time}\]" + SP, "[13/06/2018, 21:25:15] Name: text"),
    Layout("ios_nocomma", rb"\[{date}" + SP + rb"{time}\]" + SP, "[06.13.18 21:25:15] Name: text"),
    Layout("colon", rb"{date}" + SP + rb"{time}:" + SP, "13.06.18 21.25.15: Name: text"),
    Layout("bare", rb"{date}" + SP + rb"{time}" + SP, "13. 6. 2018. 21:25:15 Name: text"),
)


def _suffixed(pattern: bytes, i: int) -> bytes:
    """Rename named groups so several layouts can share one alternation."""
    pattern = re.sub(rb"\(\?P<(\w+)>", rb"(?P<\1_%d>" % i, pattern)
    return re.sub(rb"\(\?P=(\w+)\)", rb"(?P=\1_%d)" % i, pattern)


def _fill(layout: Layout, date: bytes, time: bytes) -> bytes:
    return layout.pattern.replace(b"{date}", date).replace(b"{time}", time)


#: Any layout at a line start (after a newline): used to find the shapes a file contains.
_ANY = MARKS + rb"(?:" + b"|".join(rb"(?P<L%d>" % i + _suffixed(_fill(lay, DATE, TIME), i) + rb")"
                                   for i, lay in enumerate(LAYOUTS)) + rb")"
LOOSE = re.compile(rb"\n" + _ANY)
#: Any layout at the start of a line's bytes.
_ANY_HEADER = re.compile(_ANY)
BOM = b"\xef\xbb\xbf"
#: The head of the file that proposes the header layout (the whole file then confirms it).
SAMPLE_BYTES = 64 * 1024


@dataclass(frozen=True)
class Shape:
    """One exact header shape: a layout plus the separators, widths and clock it uses."""

    layout: int          # index into LAYOUTS
    ds: bytes            # date separator
    dsp: bytes           # space after the date separator (Hungarian '2018. 06. 13.')
    dend: bytes          # '.' after the date (Hungarian)
    year: int            # field holding a 4-digit year, or -1 when years have 2 digits
    ts: bytes            # time separator
    seconds: bool
    clock12: bool
    ap_first: bool = False   # the 12-hour marker comes before the time (午後3:04)

    def describe(self) -> str:
        return f"{LAYOUTS[self.layout].name} ({LAYOUTS[self.layout].example})"


def _shape(m: re.Match) -> Shape | None:
    i = int(m.lastgroup[1:])
    g = lambda name: m.group(f"{name}_{i}")  # noqa: E731
    widths = [len(g(f"d{k}")) for k in (1, 2, 3)]
    if 3 in widths or widths.count(4) > 1:
        return None
    year = widths.index(4) if 4 in widths else -1
    if g("ap") is not None and g("apb") is not None:
        return None          # one marker or none
    return Shape(i, g("ds"), g("dsp"), g("dend"), year, g("ts"), g("S") is not None,
                 g("ap") is not None or g("apb") is not None, g("apb") is not None)


def _strict(shape: Shape, yy_first: bool, named: bool) -> bytes:
    """The exact pattern of one shape (named groups only when ``named``, for the fields pass)."""
    grp = (lambda n, p: rb"(?P<%s>%s)" % (n, p)) if named else (lambda n, p: p)
    yy = 0 if yy_first else 2

    def field(k: int) -> bytes:
        if k == shape.year:
            return rb"\d{4}"
        return rb"\d{2}" if shape.year == -1 and k == yy else rb"\d{1,2}"

    ds, dsp = re.escape(shape.ds), re.escape(shape.dsp)
    date = (grp(b"d1", field(0)) + ds + dsp + grp(b"d2", field(1)) + ds + dsp
            + grp(b"d3", field(2)) + re.escape(shape.dend))
    ts = re.escape(shape.ts)
    time = MARKS
    if shape.clock12 and shape.ap_first:
        time += grp(b"ap", b"(?:" + _APB + b")") + SP + b"?"
    time += grp(b"H", rb"\d{1,2}") + ts + grp(b"M", rb"\d\d")
    if shape.seconds:
        time += ts + grp(b"S", rb"\d\d")
    if shape.clock12 and not shape.ap_first:
        time += SP + b"?" + MARKS + grp(b"ap", b"(?:" + _AP + b")")
    return MARKS + _fill(LAYOUTS[shape.layout], date, time + MARKS)


# ---------------------------------------------------------------------------------------------
# What a message's text means (RE2 patterns, applied to all rows at once by pyarrow).

_M = r"[\x{200E}\x{200F}\x{202A}-\x{202E}\x{2066}-\x{2069}]*"
#: Attachments named in the text (zip "with media"); group ``f<i>`` is the file name.
ATTACHED = (
    r"<\s*" + _M + r"attached:\s*(?P<fa>[^>\n]+?)\s*>",                    # iOS
    r"(?P<fb>[^\n]+?)\s*<" + _M + r"attached>",                            # older iOS
    r"(?P<fc>[^\n]+?) \((?:file attached|Datei angehängt|archivo adjunto|fichier joint|"
    r"file allegato|arquivo anexado|bestand bijgevoegd)\)",                 # Android
)
# WhatsApp's own lines per language (deleted, missed calls, media left out, system lines) are
# data: languages/whatsapp.toml, read on first use through ``_lines``.
SYSTEM_KINDS = languages.LINE_KINDS


def _alts(words: Sequence[str]) -> str:
    return "|".join(re.escape(w) for w in words)


@cache
def _lines() -> languages.WhatsAppLines:
    return languages.whatsapp_lines()


@cache
def _kind_re() -> str:
    """A message's whole text that is a deleted message, a missed call or media left out."""
    w = _lines()
    return (r"(?i)\A" + _M + r"(?:(?P<deleted>(?:" + _alts(w.deleted) + r")\.?)|(?P<call>"
            + _alts(w.call) + r")|(?P<omitted>" + _alts(w.media) + r")|" + "|".join(ATTACHED)
            + r")" + _M + r"\r?(?:\n|\z)")


@cache
def _chat_name_re() -> re.Pattern:
    """The chat's name from the export's file name, in every catalogue language."""
    alts = "|".join(languages.template_pattern(t).replace(".+?", "(?P<name>.+)", 1)
                    .replace("(?P<name>", f"(?P<n{i}>", 1)
                    for i, t in enumerate(_lines().chat_file))
    return re.compile(f"^(?:{alts})$")


PHONE_NAME = re.compile(r"^\+[\d \u00a0\u202f\-()]{6,}$")
#: Direction marks an export puts around names, dropped from account keys. The overrides
#: (U+202D, U+202E) are kept: they change what a name shows, so "Dana Example\u202e" or a
#: reversed name under RLO is never the same account as "Dana Example".
BIDI = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u2066\u2067\u2068"
                         "\u2069\ufeff"))
FORGED = ("out of order: earlier than the message before it; may be forged (a header typed "
          "inside a message) or reordered by the export")
OTHER_LAYOUT = ("a line of this message looks like a message header in another layout: "
                "kept as text of this message")

#: A header line written in Arabic-Indic or Eastern Arabic-Indic digits: the span from the
#: line's start to the header's end (before '] ', ' - ' or ': ').
_NATIVE_HEAD = re.compile(rb"(?m)^(?:\xef\xbb\xbf)?" + MARKS + rb"\[?" + MARKS
                          + rb"(?:\xd9[\xa0-\xa9]|\xdb[\xb0-\xb9])[^\n\]]{0,96}?(?=\]" + SP
                          + rb"|" + SP + DASH + SP + rb"|:" + SP + rb")")
_NATIVE_BYTES = re.compile(rb"\xd9[\xa0-\xa9]|\xdb[\xb0-\xb9]|\xd8\x8c|\xe2\x80[\x8e\x8f]")
#: Arabic-Indic and Eastern Arabic-Indic digits, the Arabic comma and direction marks, as the
#: header patterns read them.
_WESTERN = {**{bytes([0xd9, 0xa0 + k]): b"%d" % k for k in range(10)},
            **{bytes([0xdb, 0xb0 + k]): b"%d" % k for k in range(10)},
            b"\xd8\x8c": b",", b"\xe2\x80\x8e": b"", b"\xe2\x80\x8f": b""}


@dataclass(frozen=True)
class _Native:
    """What ``_western`` rewrote: {line number: the header as written}, and the lines that
    look like a header of another layout (left as they are: text of a message)."""

    headers: dict[int, bytes]
    others: tuple[int, ...] = ()


def _western(data: bytes, header: re.Pattern) -> tuple[bytes, _Native]:
    """``data`` with the header lines written in native digits rewritten in Western ones. Only
    a line whose rewritten start matches ``header`` (a header line, never a line of message
    text) is rewritten."""
    if b"\xd9" not in data and b"\xdb" not in data:
        return data, _Native({})
    out, kept, others, at, line, counted = [], {}, [], 0, 1, 0
    for m in _NATIVE_HEAD.finditer(data):
        western = _NATIVE_BYTES.sub(lambda b: _WESTERN[b.group()], m.group()).removeprefix(BOM)
        line += data.count(b"\n", counted, m.start())
        counted = m.start()
        if not header.match(western + data[m.end():m.end() + 8]):
            if _ANY_HEADER.match(western + data[m.end():m.end() + 8]):
                others.append(line)
            continue
        out += [data[at:m.start()], western]
        kept[line] = m.group()
        at = m.end()
    out.append(data[at:])
    return (b"".join(out) if kept else data), _Native(kept, tuple(others))


# ---------------------------------------------------------------------------------------------


def sniff(head: Head) -> bool:
    if head.is_zip:
        return any(_chat_member_rank(m) < 2 for m in head.members)
    if not head.name.endswith(".txt"):
        return False
    data = b"\n" + head.data[len(BOM):] if head.data.startswith(BOM) else b"\n" + head.data
    data = b"\n" + _western(data[1:], _ANY_HEADER)[0]
    shapes = [s for s in map(_shape, LOOSE.finditer(data[:16384])) if s]
    # Signal's own text export writes '[2019-12-24, 12:23] Name: text': year first, dashes and
    # no seconds, a shape WhatsApp does not use; leave it to the Signal reader.
    return bool(shapes) and not all(_is_signal_shape(s) for s in shapes)


def _is_signal_shape(s: Shape) -> bool:
    return LAYOUTS[s.layout].name == "ios" and s.year == 0 and s.ds == b"-" and not s.seconds


def read(path: Path, *, tz: str | None = None, owner: Sequence[str] = (),
         date_order: str | None = None, region: str | None = None) -> pd.DataFrame:
    path = Path(path)
    zone = require_tz(tz, FORMAT)
    if date_order not in (None, "dmy", "mdy", "ymd"):
        raise InputError(f"{FORMAT}: date_order must be dmy, mdy or ymd; got {date_order!r}")
    owner = (owner,) if isinstance(owner, str) else tuple(owner)
    src, recs = _parse(path, date_order, zone, frozenset(_owner_keys(owner, region)), region)
    cols = _columns(recs)
    if recs.encoding != "utf-8":
        src.assume(f"not valid UTF-8: decoded as {recs.encoding} (record hashes are of the "
                   "bytes as found)")
    src.assume(f"local times read in {zone}")
    return _frame(src, recs, cols, _chat_name(src.path, recs.member), recs.member)


# ---------------------------------------------------------------------------------------------
# Loading


def _chat_member_rank(name: str) -> int:
    """0 for '_chat.txt', 1 for 'WhatsApp Chat with X.txt', 2 for anything else."""
    base = name.rsplit("/", 1)[-1]
    if base == "_chat.txt":
        return 0
    return 1 if base.endswith(".txt") and _chat_name_re().match(base[:-4]) else 2


def _load(path: Path) -> tuple[bytes, str | None]:
    """The chat text's bytes, and its zip member name (None for a plain .txt)."""
    if not is_zip(path):
        return path.read_bytes(), None
    best: tuple[int, bytes, str] | None = None
    for info, zf in zip_members(path):
        rank = _chat_member_rank(info.filename)
        if rank < 2 and (best is None or rank < best[0]):
            best = (rank, read_member(zf, info), info.filename)
    if best is None:
        raise InputError(f"{path.name}: expected a WhatsApp export zip with _chat.txt or "
                         "'WhatsApp Chat with X.txt' inside; got none: pass the .txt instead")
    return best[1], best[2]


def _chat_name(path: Path, member: str | None) -> str:
    for name in ((member or "").rsplit("/", 1)[-1], path.name):
        stem = name.rsplit(".", 1)[0]
        m = _chat_name_re().match(stem)
        if m:
            return next(v for v in m.groupdict().values() if v)
    return path.name.rsplit(".", 1)[0]


# ---------------------------------------------------------------------------------------------
# Splitting the file into records
#
# A header is a line that starts with the shape's exact pattern (a line start is the file's
# start or a '\n'; a BOM is allowed before the file's first line). The file is cut into lines
# with numpy and every line is tested by RE2 at C speed. Since no header spans lines, a byte
# range that starts at a header line reads exactly as it would inside a pass over the whole
# file: large files are read in ranges by several processes (``_parallel``) and joined. What
# needs the whole file (the dominant shape, the day/month order, line numbers, order across
# ranges, group or direct) is decided when the parts are joined.


@dataclass(frozen=True)
class _Task:
    """How to read every range of one file (sent to each worker)."""

    shape: Shape
    yy_first: bool
    date_order: str | None
    zone: str
    crlf: bool                  # the file has CR LF line ends ('\r' anywhere in it)
    own: frozenset[str]         # the owner's account keys
    region: str | None
    encodings: tuple[str, ...]  # what to try; a part none of them decodes is refused
    locator: str = "line:"      # what a record's line number follows in its locator


@dataclass
class _Part:
    """What one byte range gives: per-record columns in file order, and what the whole file
    decides from (shapes seen, field maxima, senders) for the parent to join."""

    newlines: int               # '\n' in the range: numbers the lines of the ranges after it
    pre: bytes                  # text before the file's first header (first range only)
    line: np.ndarray            # 0-based line of each header within the range
    others: Counter             # header-like lines of other shapes
    other_rows: np.ndarray      # records holding one of them
    encoding: str | None = None     # None: not decodable with the encodings asked for
    high: tuple[int, int] = (0, 0)  # maxima of the two date fields that are not the year
    order: str | None = None    # the date order the times were read with (None: not decided)
    fields: np.ndarray | None = None    # the header fields, kept while the order is open
    earliest: np.ndarray | None = None  # datetime64[us] UTC, NaT where no time
    latest: np.ndarray | None = None
    dst: dict[int, str] = field(default_factory=dict)      # DST warnings by row
    bad: dict[int, bytes] = field(default_factory=dict)    # header bytes of impossible dates
    cols: dict = field(default_factory=dict)
    senders: frozenset = frozenset()
    group_events: bool = False
    names: frozenset = frozenset()      # every name shown in a header of this range
    suspects: dict = field(default_factory=dict)   # quoted-name rule: name -> [(row, text)]
    suspect_keys: dict = field(default_factory=dict)   # their sender keys, by name

    @property
    def n(self) -> int:
        return len(self.line)


@dataclass
class Records:
    """The file cut at the header lines of its dominant shape, as columns."""

    shape: Shape
    pre: bytes                  # text before the first header ('' when the file starts with one)
    n: int
    earliest: pd.Series         # UTC instants (both readings of a DST-ambiguous local time)
    latest: pd.Series
    dst: dict[int, str]         # rows whose local time is ambiguous or skipped by DST
    bad: dict[int, bytes]       # header bytes of the records whose date is impossible
    other_layout: set[int]      # records holding a header-like line of another shape
    cols: dict                  # per-record columns read in the parts (see _read_range)
    group: bool                 # more than two senders, or group events
    member: str | None = None   # the zip member read, None for a plain .txt
    encoding: str = "utf-8"
    notes: dict[int, str] = field(default_factory=dict)   # rule warnings by row


#: The file being read, for ``_read_range`` (inherited by forked workers, never pickled).
_DATA = b""
_ENCODINGS = ("utf-8", "cp1252", "latin-1")


def _parse(path: Path, date_order: str | None, zone: str, own: frozenset[str],
           region: str | None) -> tuple[Source, Records]:
    """The file's provenance, and its records: the file is cut into records and read (in
    parallel when large); its bytes are let go once the parts are read."""
    global _DATA
    # Hashed on the other core while it is loaded here (hashlib lets go of the GIL on large
    # blocks); parsing starts once the hash is known.
    with ThreadPoolExecutor(1) as pool:
        digest = pool.submit(sha256_path, path)
        data, member = _load(path)
        src = Source(path, FORMAT, sha256=digest.result())
    yy_first = date_order == "ymd"
    original = data
    task = _Task(_sample_shape(_western(original, _ANY_HEADER)[0]), yy_first, date_order, zone,
                 b"\r" in data, own, region, _ENCODINGS,
                 f"zip:{member}:line:" if member else "line:")
    try:
        data, native = _western(original, re.compile(_strict(task.shape, yy_first, False)))
        _DATA = data
        parts = _read_parts(data, task)
        others = _others(parts)
        best, best_n = max(others.items(), key=lambda kv: kv[1], default=(None, 0))
        n = sum(p.n for p in parts)
        if best is not None and best_n > n:
            # The head of the file was not representative: the whole file decides.
            task = replace(task, shape=best)
            data, native = _western(original, re.compile(_strict(best, yy_first, False)))
            _DATA = data
            parts = _read_parts(data, task)
            others, n = _others(parts), sum(p.n for p in parts)
    finally:
        _DATA = b""
    del data
    shape = task.shape
    if not n:
        raise InputError(f"{FORMAT}: no complete message line in the file's layout "
                         f"({shape.describe()}); if the years are written first with 2 "
                         "digits, pass date_order = \"ymd\"")
    src.assume(f"header layout: {shape.describe()}, {n} message lines" + _others_note(others))
    pre, parts = parts[0].pre, [p for p in parts if p.n]     # only the first may be empty
    order = _order(shape, yy_first, date_order, max(p.high[0] for p in parts),
                   max(p.high[1] for p in parts), src)
    for p in parts:
        if p.order != order:
            # a range with no day or month over 12 in it could not tell the order itself;
            # one that could agrees with the whole file (or _order has refused the file)
            _times(p, _naive_of(p.fields, shape, yy_first, order), zone)
    recs = _join(parts, pre, shape, member)
    _gregorian(recs, shape)
    if native.headers or native.others:
        _as_written(recs, original, native)
        src.assume(f"{len(native.headers)} header(s) written in Arabic-Indic or Eastern "
                   "Arabic-Indic digits, read as Western digits (kept as written in "
                   "sent_at_raw)" + (f"; {len(native.others)} header-like line(s) in such "
                                     "digits and another layout kept as text" if native.others
                                     else ""))
    return src, recs


#: WhatsApp's first year: a file whose every year lies outside 2009 .. next year was written
#: in another calendar (phones can be set to the Hijri, Persian or Buddhist calendar).
FIRST_YEAR = 2009


def _gregorian(recs: Records, shape: Shape) -> None:
    """Refuse a file dated in another calendar rather than read 1445 or 2567 as such years."""
    years = recs.earliest.dt.year.dropna()
    last = datetime.now().year + 1
    if shape.year == -1 or years.empty or years.between(FIRST_YEAR, last).any():
        return
    lo, hi = int(years.min()), int(years.max())
    hint = ("the Islamic (Hijri) or Persian (Solar Hijri) calendar" if hi < FIRST_YEAR
            else "the Buddhist calendar (Thai phones write 2567 for 2024)")
    raise InputError(f"{FORMAT}: expected years {FIRST_YEAR} to {last}; every header has a year "
                     f"from {lo} to {hi}, so the phone wrote its dates in {hint}: set the "
                     "phone's calendar to Gregorian and export the chat again (this file stays "
                     "as evidence; its dates are not converted)")


def _as_written(recs: Records, original: bytes, native: _Native) -> None:
    """The records read through ``_western`` get back what the file holds: the header as
    written, and the hash of the record's own bytes; a record holding a native header-like
    line of another layout is marked as one holding such a line in Western digits is."""
    lines = np.array([int(v.rsplit(":", 1)[1]) for v in recs.cols["locator"].to_pylist()],
                     np.int64)
    rows = np.searchsorted(lines, np.array(native.others, np.int64), side="right") - 1
    recs.other_layout.update(rows[rows >= 0].tolist())
    if not native.headers:
        return
    a = np.frombuffer(original, np.uint8)
    starts = np.concatenate(([0], _positions(a, 10) + 1)).astype(np.int64)
    bounds = np.append(starts[lines - 1], len(original))
    stamps = recs.cols["stamp"].to_pylist()
    written = [native.headers.get(int(line)) for line in lines.tolist()]
    encoding = recs.encoding
    for i, header in enumerate(written):
        if header is not None:
            stamps[i] = header.removeprefix(BOM).decode(encoding)
    stamp = _stamps(pa.array(stamps, pa.large_string()))
    rows = np.flatnonzero([h is not None for h in written])
    hashes = recs.cols["record_sha256"].to_pylist()
    view = memoryview(original)
    for i in rows.tolist():
        hashes[i] = hashlib.sha256(view[bounds[i]:bounds[i + 1]]).hexdigest()
    recs.cols["stamp"], recs.cols["record_sha256"] = stamp, pa.array(hashes, pa.large_string())


def _others_note(others: Counter) -> str:
    """What the import report says of header-like lines in other layouts. They are never read
    as messages: a header typed inside a message would otherwise forge one."""
    if not others:
        return ""
    shapes = ", ".join(f"{n} like {s.describe()}" for s, n in others.most_common())
    return (f"; header-like lines of other layouts kept as text of the message they are in "
            f"({shapes}): if this file is two exports joined, give each its own [[sources]] "
            "entry")


def _read_parts(data: bytes, task: _Task) -> list[_Part]:
    """The file's records, read by range in several processes when it is large."""
    size = len(data)
    count = _parallel.processes(size)
    if count > 1:
        strict = _strict(task.shape, task.yy_first, named=False)
        header = re.compile(rb"\n" + strict)

        def next_start(pos: int) -> int:
            m = header.search(data, max(pos - 1, 0))
            return m.start() + 1 if m else size

        ranges = _parallel.cut(size, count, next_start, lead=_LEAD)
        if len(ranges) > 1:
            # the range holding the file's first record checks it for the notice (see below)
            at_start = re.compile(b"(?:" + BOM + b")?" + strict).match(data)
            first = 0 if at_start else next_start(0)
            utf8 = replace(task, encodings=_ENCODINGS[:1])
            line0 = np.cumsum([1] + [data.count(b"\n", lo, hi) for lo, hi in ranges[:-1]])
            parts = _parallel.run(_read_range, [(lo, hi, utf8, lo <= first < hi, int(n))
                                                for (lo, hi), n in zip(ranges, line0)],
                                  room=_ROOM * max(hi - lo for lo, hi in ranges) + (64 << 20))
            if all(p.encoding for p in parts):
                return parts
            # not UTF-8 somewhere: the fallback decodes the whole file one way, in one pass
    return [_read_range(0, size, task, True, 1)]


#: The first range's share against a worker's: a worker also copies its columns back (about
#: 0.1 s of 1.5 s), so the process that reads the first range here takes a little more.
_LEAD = 1.1
#: Shared memory per worker for its columns, in bytes per byte of its range (address space:
#: used only as written). About 3 is typical; a chat of very short messages may need more, and
#: what does not fit is sent pickled.
_ROOM = 6


def _others(parts: list[_Part]) -> Counter:
    """Other shapes over the whole file, first seen first (so ties break as in one pass)."""
    total: Counter = Counter()
    for p in parts:
        total.update(p.others)
    return total


def _join(parts: list[_Part], pre: bytes, shape: Shape, member: str | None) -> Records:
    """One Records from the parts in file order: rows continue across them, and the text
    columns are the parts' arrays chained (not copied)."""
    rows, dst, bad, row0 = set(), {}, {}, 0
    for p in parts:
        rows.update((row0 + p.other_rows).tolist())
        dst.update({row0 + i: w for i, w in p.dst.items()})
        bad.update({row0 + i: b for i, b in p.bad.items()})
        row0 += p.n
    senders = frozenset().union(*(p.senders for p in parts)) - {""}
    converted = _quoted_name_hits(parts)
    # a header the rule reads as a system line is no sender
    senders -= {p.suspect_keys[u] for p in parts for u in p.suspects if u in converted}
    group = len(senders) > 2 or any(p.group_events for p in parts)
    cols = {}
    for key in list(parts[0].cols):
        chunks = [p.cols.pop(key) for p in parts]   # each part's copy goes once joined
        if isinstance(chunks[0], pa.Array):
            cols[key] = pa.chunked_array(chunks)
        else:
            cols[key] = np.concatenate(chunks)
    times = [_utc(np.concatenate([getattr(p, k) for p in parts])) for k in ("earliest", "latest")]
    notes = _quoted_name_rule(parts, cols, converted)
    return Records(shape, pre, row0, *times, dst, bad, rows, cols, group, member=member,
                   encoding=parts[0].encoding, notes=notes)


def _quoted_name_hits(parts: list[_Part]) -> dict[str, str]:
    """Suspect names (see ``_quoted_names``) that start with a participant's name, over the
    whole file: {name: participant}."""
    suspects = {u for p in parts for u in p.suspects}
    if not suspects:
        return {}
    participants = frozenset().union(*(p.names for p in parts)) - suspects
    found = {u: participant_prefix(u, participants) for u in suspects}
    return {u: who for u, who in found.items() if who is not None}


def _quoted_name_rule(parts: list[_Part], cols: dict, converted: dict[str, str],
                      ) -> dict[int, str]:
    """The structural rule for what no template covers (QUOTED_NAME): the rows of the
    ``converted`` names become system lines with their whole text back and a warning."""
    if not converted:
        return {}
    suspects: dict[str, list] = {}
    row0 = 0
    for p in parts:
        for name, found in p.suspects.items():
            suspects.setdefault(name, []).extend((row0 + i, text) for i, text in found)
        row0 += p.n
    notes: dict[int, str] = {}
    texts: dict[int, str] = {}
    for name, who in converted.items():
        for i, text in suspects[name]:
            notes[i], texts[i] = QUOTED_NAME.format(who=who), text
    _as_system_rows(cols, texts)
    return notes


def _as_system_rows(cols: dict, texts: dict[int, str]) -> None:
    """Rows made system lines after the parts were read (few): text whole, no sender."""
    n = len(cols["kind"])
    rows = np.array(sorted(texts), np.int64)
    mask = np.zeros(n, bool)
    mask[rows] = True
    marks = pa.array(mask)
    for key, values in (("body", [texts[i] for i in rows.tolist()]), ("display", None),
                        ("sender", None)):
        col = cols[key].combine_chunks() if isinstance(cols[key], pa.ChunkedArray) else cols[key]
        new = pa.array(values if values is not None else [""] * rows.size, col.type)
        cols[key] = pc.replace_with_mask(col, marks, new)
    cols["kind"][rows] = schema.KINDS.index("system")
    cols["from_owner"][rows] = False
    cols["owner_known"][rows] = True


def _utc(values: np.ndarray) -> pd.Series:
    """A UTC time column from datetime64[us] values."""
    return pd.Series(values).dt.tz_localize("UTC")


def _sample_shape(data: bytes) -> Shape:
    """The most common shape in the head of the file (a candidate; the whole file confirms)."""
    head = b"\n" + (data[len(BOM):SAMPLE_BYTES] if data.startswith(BOM) else data[:SAMPLE_BYTES])
    counts = Counter(s for s in map(_shape, LOOSE.finditer(head)) if s)
    if not counts:
        counts = Counter(s for s in map(_shape, LOOSE.finditer(b"\n" + data)) if s)
    if not counts:
        raise InputError(f"{FORMAT}: expected message lines such as '13/06/2018, 21:25 - Name: "
                         "text' or '[13/06/2018, 21:25:15] Name: text'; found none: is this a "
                         "WhatsApp 'Export chat' file?")
    return counts.most_common(1)[0][0]


def _re2(pattern: bytes) -> str:
    """A bytes pattern as RE2 text for binary input (Arrow matches bytes as Latin-1, so
    ``\\xHH`` is the byte HH)."""
    return "".join(chr(b) if b < 0x80 else f"\\x{b:02x}" for b in pattern)


def _read_range(lo: int, hi: int, task: _Task, first: bool, line0: int) -> _Part:
    """Records whose header lies in ``_DATA[lo:hi]`` (``lo`` is 0 or a header line's start),
    with every per-record column that does not depend on the rest of the file. ``first``: the
    file's first record is in this range; ``line0``: the number of the range's first line.

    Each step lets go of what it no longer needs: the columns of a range are three times its
    size, and two processes build theirs at once.
    """
    data, size = _DATA, hi - lo
    a = np.frombuffer(data, np.uint8, count=size, offset=lo)
    buf = pa.py_buffer(memoryview(data)[lo:hi])
    part, start, stamp_end, name_end, rest_end = _records(a, buf, lo, hi, task)
    if not part.n:
        return part
    _parallel.release_memory()
    part.cols["record_sha256"] = _digests(data, np.append(start, size) + lo)
    stamp, name, rest = _pieces(buf, size, start, stamp_end, name_end, rest_end)
    del name_end, rest_end
    _parallel.release_memory()
    bad = _read_times(part, _fields(schema.values_bytes(stamp), part.n, task.shape), task)
    part.bad = {i: data[lo + start[i]:lo + stamp_end[i]] for i in bad.tolist()}
    del start, stamp_end
    _parallel.release_memory()
    decoded = _decode((stamp, name, rest), task.encodings)
    del stamp, name, rest
    if decoded is None:
        return part
    part.encoding, *columns = decoded
    del decoded
    _columns_of(part, columns, task=task, first=first)
    part.cols["locator"] = schema.joined(task.locator, pa.array(line0 + part.line))
    return part


def _records(a: np.ndarray, buf: pa.Buffer, lo: int, hi: int, task: _Task,
             ) -> tuple[_Part, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The range's records: (part, and where each one's stamp, name and text start and its
    text ends)."""
    data, size, shape = _DATA, hi - lo, task.shape
    newline = _positions(a, 10)
    bounds = np.concatenate(([0], newline + 1, [size])).astype(np.int64)
    if bounds[-2] == size:               # the file's final line break starts no line
        bounds = bounds[:-1]
    lines = pa.LargeBinaryArray.from_buffers(pa.large_binary(), len(bounds) - 1,
                                             [None, pa.py_buffer(bounds), buf])
    strict = _strict(shape, task.yy_first, named=False)
    spans = pc.extract_regex_span(lines, "^(?P<h>" + _re2(strict) + ")")
    del lines
    hit = spans.is_valid().to_numpy(zero_copy_only=False)
    length = np.asarray(spans.field(0).values).reshape(-1, 2)[:, 1]
    if lo == 0:          # the file's first line may carry a BOM before its header
        length = length.copy()
        m = re.compile(b"(?:" + BOM + b")?" + strict).match(data, 0, bounds[1])
        hit[0], length[0] = m is not None, m.end() if m else 0
    line = np.flatnonzero(hit)
    start = bounds[line]
    stamp_end = start + length[line]
    del spans, hit, length
    name_end = _name_ends(a, stamp_end, bounds[line + 1])
    ends = np.append(start[1:], size)[:line.size]
    rest_end = ends - (a[ends - 1] == 10)
    pre = b""
    if lo == 0 and line.size:
        pre = data[:start[0] - 1] if start[0] else b""
    elif lo == 0:                        # no header here: all of it comes before the first
        pre = data[:size - 1] if hi < len(data) else data
    others, other_rows = _other_shapes(a, lo, pre, newline, name_end, rest_end, shape)
    return (_Part(len(newline), pre, line, others, other_rows), start, stamp_end, name_end,
            rest_end)


def _pieces(buf: pa.Buffer, size: int, start: np.ndarray, stamp_end: np.ndarray,
            name_end: np.ndarray, rest_end: np.ndarray) -> list[pa.Array]:
    """[stamp, name, rest] of each record: pieces of the range cut at these offsets, taken
    out (numpy would be slow)."""
    lead = 1 if start[0] > 0 else 0      # the text before the first header is a piece too
    cuts = np.zeros(4 * start.size + lead + 1, np.int64)
    for k, edge in enumerate((start, stamp_end, name_end, rest_end)):
        cuts[lead + k:-1:4] = edge
    cuts[-1] = size
    pieces = pa.LargeBinaryArray.from_buffers(pa.large_binary(), len(cuts) - 1,
                                              [None, pa.py_buffer(cuts), buf])
    at = np.arange(lead, 4 * start.size + lead, 4)
    return [pieces.take(pa.array(at + k)) for k in range(3)]


#: Bytes compared at a time by ``_positions``.
_SLICE = 4 << 20


def _positions(a: np.ndarray, byte: int) -> np.ndarray:
    """Where ``byte`` is in ``a`` (int64), found a slice at a time: comparing the whole range
    at once makes a temporary array as large as the range, fresh memory on every call, where a
    slice's is reused."""
    found = [np.flatnonzero(a[k:k + _SLICE] == byte) + k for k in range(0, len(a), _SLICE)]
    return np.concatenate(found) if found else np.zeros(0, np.int64)


def _name_ends(a: np.ndarray, stamp_end: np.ndarray, next_line: np.ndarray) -> np.ndarray:
    """Where the "Name: " after each header ends (the header's end on system lines).

    The name runs to the first ':' (at least one byte after the header) that is followed by a
    space (taken with the name), or ends the line ('\\r' allowed before the line break).
    """
    size = len(a)
    colon = _positions(a, 58)
    after = np.full(colon.size, 10, np.uint8)            # the end of the range ends the line
    inside = colon + 1 < size
    after[inside] = a[colon[inside] + 1]
    ok = (after == 32) | (after == 10)
    cr = np.flatnonzero(after == 13)
    if cr.size:
        beyond = colon[cr] + 2
        ok[cr] = (beyond >= size) | (a[np.minimum(beyond, size - 1)] == 10)
    colon, spaced = colon[ok], after[ok] == 32
    k = np.searchsorted(colon, stamp_end + 1)
    k_ok = k < colon.size
    q = np.where(k_ok, colon[np.minimum(k, colon.size - 1)] if colon.size else 0, size)
    eol = next_line - (a[next_line - 1] == 10)           # the header line's end, '\n' excluded
    named = k_ok & (q < eol)
    space = spaced[np.minimum(k, colon.size - 1)] if colon.size else named
    return np.where(named, q + 1 + (named & space), stamp_end)


def _other_shapes(a: np.ndarray, lo: int, pre: bytes, newline: np.ndarray,
                  name_end: np.ndarray, rest_end: np.ndarray,
                  shape: Shape) -> tuple[Counter, np.ndarray]:
    """Header-like lines of other shapes: they can only sit inside messages (or before them)."""
    counts: Counter = Counter(s for s in map(_shape, LOOSE.finditer(b"\n" + pre))
                              if s and s != shape)
    breaks = np.searchsorted(newline, rest_end) - np.searchsorted(newline, name_end)
    multi = np.flatnonzero(breaks)                     # few: most messages are one line
    data = _DATA
    bounds = zip((name_end[multi] + lo).tolist(), (rest_end[multi] + lo).tolist())
    blob = b"\0".join([data[s:e] for s, e in bounds])  # NUL never starts a header line
    ends = np.cumsum(rest_end[multi] - name_end[multi] + 1)
    rows: set[int] = set()
    for m in LOOSE.finditer(blob):
        found = _shape(m)
        if found and found != shape:
            counts[found] += 1
            rows.add(int(multi[np.searchsorted(ends, m.start(), side="right")]))
    return counts, np.array(sorted(rows), dtype=np.int64)


def _digests(data: bytes, bounds: np.ndarray) -> pa.Array:
    """SHA-256 of each record's bytes as in the file (its final line break included), in hex.

    The hex is written into one numpy buffer (large numpy buffers get huge pages: far fewer
    page faults than a bytearray), a chunk of records at a time.
    """
    view, sha = memoryview(data), hashlib.sha256
    n = len(bounds) - 1
    hexed = np.empty(64 * n, np.uint8)
    out = memoryview(hexed)
    for k in range(0, n, _HASHED_AT_ONCE):
        edges = bounds[k:k + _HASHED_AT_ONCE + 1].tolist()
        digests = b"".join([sha(view[a:b]).digest() for a, b in zip(edges, edges[1:])])
        out[64 * k:64 * k + 2 * len(digests)] = binascii.hexlify(digests)
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(np.arange(0, 64 * n + 1, 64)),
                                            pa.py_buffer(hexed))


#: Records hashed per chunk: one chunk's digests are a short-lived list, never a million.
_HASHED_AT_ONCE = 16384


# ---------------------------------------------------------------------------------------------
# Times


_DIGITS_ONLY = bytes(b if 0x30 <= b <= 0x39 else 0x20 for b in range(256))


def _fields(blob: bytes, n: int, shape: Shape) -> np.ndarray:
    """(7, n) integers d1 d2 d3 H M S ap (0 none, 1 am, 2 pm) from the n headers back to back.

    A header holds no digits but its fields and ends with a space, so every other byte becomes
    a separator (AM/PM first become a 0/1 field of their own) and numpy reads the numbers at C
    speed.
    """
    if shape.clock12:
        # the locale markers first ('nachm.' holds an 'a'), then the letters of AM/PM
        for marker, half in AP_AFTER + AP_BEFORE:
            blob = blob.replace(marker, b" %d " % half)
        for letter, digit in ((b"A", b" 0 "), (b"a", b" 0 "), (b"P", b" 1 "), (b"p", b" 1 ")):
            blob = blob.replace(letter, digit)
    values = np.fromstring(blob.translate(_DIGITS_ONLY), dtype=np.int32, sep=" ")
    del blob
    k = 5 + shape.seconds + shape.clock12
    if values.size != n * k:      # cannot happen: every header matched one pattern
        raise InputError(f"{FORMAT}: internal error reading header times (got {values.size} "
                         f"numbers for {n} headers)")
    values = values.reshape(-1, k).T            # one contiguous row per field below
    if shape.clock12 and shape.ap_first:        # d1 d2 d3 ap H M [S] -> ... H M [S] ap
        values = np.concatenate([values[:3], values[4:], values[3:4]])
    out = np.zeros((7, n), dtype=np.int32)
    out[:5] = values[:5]
    if shape.seconds:
        out[5] = values[5]
    if shape.clock12:
        out[6] = values[-1] + 1
    return out


def _year_at(shape: Shape, yy_first: bool) -> int:
    return shape.year if shape.year >= 0 else (0 if yy_first else 2)


def _order(shape: Shape, yy_first: bool, date_order: str | None, high_a: int, high_b: int,
           src: Source) -> str:
    """The day/month order of the whole file from the maxima of its two non-year fields."""
    if _year_at(shape, yy_first) == 0:
        if date_order in ("dmy", "mdy"):
            raise InputError(f"{FORMAT}: date_order={date_order!r} was given but the dates "
                             "start with the year; use date_order = \"ymd\" or leave it out")
        order = "ymd"
    else:
        if date_order == "ymd":
            raise InputError(f"{FORMAT}: date_order='ymd' was given but the dates end with a "
                             "4-digit year; use dmy or mdy, or leave it out")
        layout = _single_order_layout(shape)
        if date_order is None and layout and max(high_a, high_b) <= 12:
            # nothing in the dates decides, but WhatsApp writes this layout in one order only
            src.assume(f"date order dmy (inferred from the layout: {layout})")
            return _two_digit_years(shape, "dmy", src)
        # Only "is any value over 12" matters, so the maxima stand for the whole columns.
        order = infer_date_order([high_a], [high_b], FORMAT, date_order)
    src.assume(f"date order {order}" + (" (given)" if date_order else " (from the file)"))
    return _two_digit_years(shape, order, src)


#: Layouts WhatsApp writes in one day/month order alone: dates with dots and a comma before
#: the time ('13.06.18, 21:25 - ', '[13.06.18, 21:25:15] ') are day first in every locale
#: that uses them (German, Russian, Turkish, Polish ...). The dotted layout without the comma
#: is not: some exports write it month first ('[06.13.18 21:25:15]').
_ONE_ORDER = {"android": "dd.mm.{y}, HH:MM - ", "ios": "[dd.mm.{y}, HH:MM:SS] "}


def _single_order_layout(shape: Shape) -> str | None:
    """The layout's name when it fixes the order (see _ONE_ORDER), else None."""
    name = _ONE_ORDER.get(LAYOUTS[shape.layout].name)
    if shape.ds != b"." or shape.dsp or shape.dend or shape.year == 0 or name is None:
        return None
    return name.format(y="yyyy" if shape.year == 2 else "yy").split(",")[0].lstrip("[")


def _two_digit_years(shape: Shape, order: str, src: Source) -> str:
    if shape.year == -1:
        src.assume("2-digit years read as 20yy")
    return order


def _local_order(task: _Task, high: tuple[int, int]) -> str | None:
    """The order one range can already tell: given, year first, or a day or month over 12 in
    it (the whole file then agrees, or ``_order`` refuses it). None: the range cannot tell."""
    if _year_at(task.shape, task.yy_first) == 0:
        return "ymd"
    if task.date_order in ("dmy", "mdy"):
        return task.date_order
    day_first, month_first = high[0] > 12, high[1] > 12
    if day_first != month_first:
        return "dmy" if day_first else "mdy"
    return None


def _naive_of(f: np.ndarray, shape: Shape, yy_first: bool, order: str) -> np.ndarray:
    """Naive local datetimes from the fields read in ``order``."""
    year_at = _year_at(shape, yy_first)
    a, b = [k for k in range(3) if k != year_at]
    if order == "ymd":
        month, day = f[a], f[b]
    else:
        day, month = (f[a], f[b]) if order == "dmy" else (f[b], f[a])
    year = f[year_at] + (2000 if shape.year == -1 else 0)
    hour = f[3]
    if shape.clock12:
        hour = np.where(f[6] == 2, hour % 12 + 12, hour % 12)
        hour = np.where(f[3] > 12, 99, hour)     # '13:00 PM' is not a time
    return _naive(year, month, day, hour, f[4], f[5])


def _read_times(part: _Part, f: np.ndarray, task: _Task) -> np.ndarray:
    """Instants of one range when it can tell the date order (else its fields are kept for
    the parent); returns the rows whose date may be impossible."""
    year_at = _year_at(task.shape, task.yy_first)
    a, b = [k for k in range(3) if k != year_at]
    part.high = (int(f[a].max(initial=0)), int(f[b].max(initial=0)))
    part.order = _local_order(task, part.high)
    if part.order:
        naive = _naive_of(f, task.shape, task.yy_first, part.order)
        _times(part, naive, task.zone)
        return np.flatnonzero(np.isnat(naive))
    part.fields = f
    either = [np.isnat(_naive_of(f, task.shape, task.yy_first, o)) for o in ("dmy", "mdy")]
    return np.flatnonzero(either[0] | either[1])


def _times(part: _Part, naive: np.ndarray, zone: str) -> None:
    """The instants of naive local times in the zone (both where DST makes them ambiguous)."""
    earliest, latest, warn = localize(pd.Series(naive), zone)
    part.earliest = earliest.dt.tz_localize(None).to_numpy()
    part.latest = latest.dt.tz_localize(None).to_numpy()
    warn = warn.to_numpy()
    part.dst = {i: warn[i] for i in np.flatnonzero(warn != "").tolist()}


_DAYS_IN_MONTH = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _naive(y, m, d, hh, mm, ss) -> np.ndarray:
    """datetime64[s] from civil fields, vectorised; impossible dates become NaT."""
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    mc = np.clip(m, 0, 12)
    dim = _DAYS_IN_MONTH[mc] - ((mc == 2) & ~leap)
    ok = (m >= 1) & (m <= 12) & (d >= 1) & (d <= dim) & (hh < 24) & (mm < 60) & (ss < 60)
    yy = y - (m <= 2)
    era = np.floor_divide(yy, 400)
    yoe = yy - era * 400
    doy = (153 * ((m + 9) % 12) + 2) // 5 + d - 1
    days = era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
    secs = days.astype(np.int64) * 86400 + (hh * 3600 + mm * 60 + ss)  # int32 until here
    secs[~ok] = np.iinfo(np.int64).min
    return secs.view("datetime64[s]")


# ---------------------------------------------------------------------------------------------
# Columns


def _decode(cols: tuple[pa.Array, ...], encodings: tuple[str, ...],
            ) -> tuple[str, pa.Array, pa.Array, pa.Array] | None:
    """(encoding, stamp, name, text): UTF-8 checked at C speed; else cp1252, else latin-1,
    each tried on the whole file (None when none of ``encodings`` decodes these bytes).

    A file that is not UTF-8 (old Windows exports) is decoded whole in the fallback, so no row
    is lost; ``read`` records which encoding was used.
    """
    try:
        return ("utf-8", *(c.cast(pa.large_string()) for c in cols))
    except pa.ArrowInvalid:
        pass
    for encoding in encodings[1:]:
        try:
            out = tuple(pa.array([b.decode(encoding) for b in c.to_pylist()], pa.large_string())
                        for c in cols)
        except UnicodeDecodeError:
            continue
        return (encoding, *out)
    return None


def _columns_of(part: _Part, decoded: list[pa.Array], *, task: _Task, first: bool) -> None:
    """The per-record columns of one part (they depend on the record alone), from its
    [stamp, name, text]; the list is emptied as they are used."""
    stamp, name, body = decoded
    decoded.clear()
    part.cols["stamp"] = _stamps(stamp)
    del stamp
    if task.crlf:
        body = pc.replace_substring_regex(body, r"\r\z", "")   # the last line's CR ends it
    system = (pc.binary_length(name).to_numpy() == 0)
    # the name piece ends with ':' and the space after it, when there is one
    names = pc.utf8_slice_codeunits(pc.utf8_rtrim(name, characters=" "), 0, -1)
    coded = pc.dictionary_encode(names)
    # A header whose "name" is the start of a catalogue system line (cut at a ': ' inside a
    # quoted subject or a name) is that system line, its text whole again.
    hits, whole = _cut_system_lines(coded, name, body)
    if hits.size:
        system[hits] = True
        mask = np.zeros(len(system), bool)
        mask[hits] = True
        names = pc.replace_with_mask(names, pa.array(mask), pa.array([""] * hits.size,
                                                                    names.type))
        body = pc.replace_with_mask(body, pa.array(mask), pa.array(whole, body.type))
        coded = pc.dictionary_encode(names)
    del name, names
    if first and not system[0] and _lines().match(_first_line(body[0].as_py()),
                                                  frozenset({"encryption"})):
        system[0] = True       # the notice written as if the chat partner sent it (first line)
    kind, attachments = _kinds(body, system)
    # iOS writes a group's own lines as if the group sent them ('Trip: \u200eRob added Sam'),
    # marked by a left-to-right mark: a catalogue line so marked is no message from "Trip".
    marked = _marked_system_lines(body, kind == schema.KINDS.index("text"))
    system[marked] = True
    kind[marked] = schema.KINDS.index("system")
    coded, keys, mine, known, senders = _senders(coded, system, body, task.own, task.region)
    part.suspects = _quoted_names(coded, system, body)
    part.suspect_keys = {u: sender_key(u, task.region) for u in part.suspects}
    part.senders = frozenset(senders)
    shown = pc.unique(coded.indices.filter(pa.array(~system)))
    part.names = frozenset(coded.dictionary.take(shown).to_pylist())
    # looked for whatever the senders say: the whole file may count fewer senders than this
    # range (a header the quoted-name rule reads as a system line is none)
    part.group_events = _group_events(system, body)
    part.cols.update({
        "body": body, "display": coded.dictionary.take(coded.indices),
        "sender": pc.if_else(pa.array(system), "",
                             pa.array(keys, pa.large_string()).take(coded.indices)),
        "kind": kind, "attachments": _sparse(part.n, *attachments), "from_owner": mine,
        "owner_known": known})


def _sparse(n: int, rows: np.ndarray, values: pa.Array) -> pa.Array:
    """n texts, empty but at ``rows``."""
    if not len(rows):
        return _empty(n)
    at = np.zeros(n, np.int64)
    at[rows] = np.arange(1, len(rows) + 1)
    return pa.concat_arrays([pa.array([""], pa.large_string()), values]).take(pa.array(at))


def _columns(r: Records) -> dict:
    """What needs the whole file: out-of-order rows across the ranges."""
    return {**r.cols, "earliest": r.earliest, "latest": r.latest,
            "warnings": _warnings(r, r.earliest, r.latest)}


def _kinds(body: pa.Array, system: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, pa.Array]]:
    """Kind codes and (rows, names) of attachments; the costly extraction runs on matching rows
    only."""
    codes = np.full(len(system), schema.KINDS.index("text"), dtype=np.int8)
    hits = np.flatnonzero(pc.match_substring_regex(body, _kind_re()).to_numpy(zero_copy_only=False))
    files = np.full(hits.size, "", dtype=object)
    if hits.size:
        found = pc.extract_regex(body.take(pa.array(hits)), _kind_re())
        for kind in ("omitted", "fa", "fb", "fc", "call", "deleted"):
            col = pc.fill_null(found.field(kind), "").to_numpy(zero_copy_only=False)
            nonempty = col.astype(bool)
            codes[hits[nonempty]] = schema.KINDS.index(_KIND_OF.get(kind, "media"))
            if kind.startswith("f"):
                files[nonempty] = col[nonempty]
    codes[system] = schema.KINDS.index("system")
    named = (files != "") & ~system[hits]
    return codes, (hits[named], pa.array(files[named].tolist(), pa.large_string()))


_KIND_OF = {"call": "call", "deleted": "deleted"}


def _owner_keys(owner: Sequence[str], region: str | None) -> set[str]:
    keys = set()
    for ident in owner:
        platform, sep, rest = ident.partition(":")
        if sep and platform.strip().lower() in accounts.ACCOUNT_PLATFORMS | {"sms", "tel"}:
            keys.add(accounts.key_for(platform.strip().lower(), rest, region))
        else:
            keys.add(accounts.key_for(PLATFORM, ident, region))
            if PHONE_NAME.match(ident.strip()):
                keys.add(accounts.key_for("phone", ident, region))
    return keys - {""}


def sender_key(name: str, region: str | None) -> str:
    """``whatsapp:<name>``, or ``phone:+E164`` for a sender shown as a number."""
    clean = name.translate(BIDI)
    if clean.startswith("~"):
        clean = clean[1:].lstrip(" \u00a0\u202f")     # iOS marks non-contacts with '~ '
    if PHONE_NAME.match(clean.strip()):
        return accounts.key_for("phone", clean, region)
    return accounts.key_for(PLATFORM, clean, region)

def _senders(coded: pa.DictionaryArray, system: np.ndarray, body: pa.Array,
             own: frozenset[str], region: str | None,
             ) -> tuple[pa.DictionaryArray, list[str], np.ndarray, np.ndarray, set[str]]:
    """The names coded, the sender key of each distinct name (worked out once per name),
    from_owner as (value, known), the distinct senders."""
    distinct = [sender_key(u, region) for u in coded.dictionary.to_pylist()]
    used = pc.unique(coded.indices.filter(pa.array(~system))).to_pylist()
    senders = {distinct[i] for i in used} - {""}
    if own:
        keys = pa.array(distinct, pa.large_string()).take(coded.indices)
        mine = pc.is_in(keys, value_set=pa.array(sorted(own), pa.large_string()))
        mine = mine.to_numpy(zero_copy_only=False).copy()
    else:
        mine = np.zeros(len(system), dtype=bool)
    known = np.full(len(system), bool(own))
    for i in np.flatnonzero(system).tolist():
        mine[i], known[i] = _owner_action(body[i].as_py()), True
    return coded, distinct, mine, known, senders


def _owner_action(text: str) -> bool:
    """A system line that is the export owner's own action ("You blocked this contact")."""
    line = _first_line(text)
    return (_lines().match(line, _OWNER) is not None
            and _lines().match(line, _NOT_OWNER) is None)


_OWNER, _NOT_OWNER = frozenset({"owner"}), frozenset({"not_owner"})


def _first_line(text: str) -> str:
    return text.split("\n", 1)[0].rstrip("\r")


def _marked_system_lines(body: pa.Array, text: np.ndarray) -> np.ndarray:
    """Text rows whose message starts with U+200E and is a catalogue system line."""
    lrm = pc.starts_with(body, "\u200e").to_numpy(zero_copy_only=False) & text
    rows = [i for i in np.flatnonzero(lrm).tolist()
            if _lines().match(_first_line(body[i].as_py()), SYSTEM_KINDS)]
    return np.array(rows, np.int64)


def _cut_system_lines(coded: pa.DictionaryArray, name: pa.Array, body: pa.Array,
                      ) -> tuple[np.ndarray, list[str]]:
    """Rows whose header "name" starts a catalogue system line and whose whole first line is
    one, with their whole text (name piece and message). Only names that can start one are
    looked at, so a chat of ordinary messages costs a check per distinct name."""
    dist = coded.dictionary.to_pylist()
    starts = [i for i, u in enumerate(dist) if u and _lines().starts_line(u)]
    if not starts:
        return np.zeros(0, np.int64), []
    rows = np.flatnonzero(np.isin(coded.indices.to_numpy(zero_copy_only=False), starts))
    hits, whole = [], []
    for i in rows.tolist():
        text = name[i].as_py() + body[i].as_py()
        if _lines().match(_first_line(text), SYSTEM_KINDS):
            hits.append(i)
            whole.append(text)
    return np.array(hits, np.int64), whole


def _quoted_names(coded: pa.DictionaryArray, system: np.ndarray, body: pa.Array) -> dict:
    """Names of more than one word holding quotation marks: {name: [(row, whole text)]}. The
    whole file decides (in ``_join``) whether each starts with a participant's name."""
    dist = coded.dictionary.to_pylist()
    odd = [i for i, u in enumerate(dist) if quoted_name_suspect(u)]
    if not odd:
        return {}
    idx = coded.indices.to_numpy(zero_copy_only=False)
    out: dict[str, list] = {}
    for i in np.flatnonzero(np.isin(idx, odd) & ~system).tolist():
        shown = dist[idx[i]]
        out.setdefault(shown, []).append((i, shown + ": " + body[i].as_py()))
    return out


def _stamps(header: pa.Array) -> pa.Array:
    """The date and time as written: the header without its frame ('[', '] ', ' - ')."""
    text = pc.utf8_ltrim(header, characters="[\ufeff\u200e\u200f\u202a\u202b\u202c")
    return pc.utf8_rtrim(text, characters=" -\u2013]:\u00a0\u202f\u200e\u200f\u202c")


def _warnings(r: Records, earliest: pd.Series, latest: pd.Series) -> pa.Array:
    bad = earliest.isna().to_numpy()
    previous = earliest.shift(1).ffill()
    back = (latest < previous).to_numpy(dtype=bool, na_value=False)
    rows = sorted(set(np.flatnonzero(bad | back).tolist()) | r.other_layout | set(r.dst)
                  | set(r.notes))
    texts = []
    for i in rows:
        parts = [r.dst[i]] if i in r.dst else []
        if i in r.notes:
            parts.append(r.notes[i])
        if bad[i]:
            parts.append(f"impossible date or time in header {r.bad[i]!r}: no time kept")
        if back[i]:
            parts.append(FORGED)
        if i in r.other_layout:
            parts.append(OTHER_LAYOUT)
        texts.append("; ".join(parts))
    return _sparse(r.n, np.array(rows, dtype=np.int64), pa.array(texts, pa.large_string()))


def _group_events(system: np.ndarray, body: pa.Array) -> bool:
    """System lines only group chats have (created, added, left), in any catalogue language."""
    group = frozenset({"group"})
    return any(_lines().match(_first_line(body[i].as_py()), group)
               for i in np.flatnonzero(system).tolist())


# ---------------------------------------------------------------------------------------------
# The frame


def _frame(src: Source, r: Records, c: dict, chat: str, member: str | None) -> pd.DataFrame:
    group = r.group
    basis = np.where(c["earliest"].isna(), schema.TIME_BASES.index("missing"),
                     schema.TIME_BASES.index("local_declared"))
    cols = {
        "locator": _s(c["locator"]), "record_sha256": _s(c["record_sha256"]),
        "platform": _category("platform", PLATFORM, r.n),
        "conversation": _s(schema.repeated(chat, r.n)),
        "conversation_kind": _category("conversation_kind", "group" if group else "direct",
                                       r.n),
        "sent_at": c["earliest"], "sent_at_latest": c["latest"], "sent_at_raw": _s(c["stamp"]),
        "time_basis": pd.Categorical.from_codes(basis, dtype=schema.COLUMNS["time_basis"]),
        "sender": _s(c["sender"]), "sender_display": _s(c["display"]), "body": _s(c["body"]),
        "kind": pd.Categorical.from_codes(c["kind"], dtype=schema.COLUMNS["kind"]),
        "attachments": _s(c["attachments"]), "warnings": _s(c["warnings"]),
        "from_owner": pd.arrays.BooleanArray(c["from_owner"], ~c["owner_known"]),
        # a chat export names no recipients, subjects or replies
        "recipients": _s(_empty(r.n)), "subject": _s(_empty(r.n)),
        "in_reply_to": _s(_empty(r.n)),
    }
    df = pd.DataFrame(cols)
    if r.pre.strip():
        df = pd.concat([_preamble_row(r, chat, group, member), df], ignore_index=True)
    return src.frame(df)


def _category(column: str, value: str, n: int) -> pd.Categorical:
    dtype = schema.COLUMNS[column]
    return pd.Categorical.from_codes(np.full(n, list(dtype.categories).index(value), np.int8),
                                     dtype=dtype)


def _empty(n: int) -> pa.Array:
    """n empty strings; the zeroed offsets are not even touched until read."""
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(np.zeros(n + 1, np.int64)),
                                            pa.py_buffer(b""))


def _s(values: pa.Array) -> pd.Series:
    return pd.Series(values, dtype=schema.STRING)


def _preamble_row(r: Records, chat: str, group: bool, member: str | None) -> pd.DataFrame:
    raw = r.pre + b"\n"
    return pd.DataFrame([{
        "locator": f"zip:{member}:line:1" if member else "line:1",
        "record_sha256": hashlib.sha256(raw).hexdigest(),
        "platform": PLATFORM, "conversation": chat,
        "conversation_kind": "group" if group else "direct", "kind": "unparsed",
        "time_basis": "missing", "body": r.pre.decode(r.encoding, errors="replace"),
        "warnings": "text before the first message header (another layout, or not a "
                    "WhatsApp line): kept unparsed",
    }])
