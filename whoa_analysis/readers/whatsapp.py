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

Header layouts are data (``LAYOUTS``). The file's dominant layout (the shape that most header-like
lines share, counted over the whole file) decides what a header is: a header-like line in another
shape stays text of the message before it, so a sender cannot forge a line "from" someone else
inside a message. A line in the dominant shape that goes back in time stays its own row with a
warning that it may be forged. Times are local wall-clock times in the declared zone.
"""

from __future__ import annotations

import binascii
import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import accounts, schema
from ..errors import InputError
from ._common import (
    Head,
    Source,
    infer_date_order,
    is_zip,
    localize,
    read_member,
    require_tz,
    zip_members,
)

FORMAT = "whatsapp"
PLATFORM = "whatsapp"
PATTERNS = ("*.txt (WhatsApp 'Export chat')", "*.zip with _chat.txt or 'WhatsApp Chat with X.txt'")
DESCRIPTION = "WhatsApp 'Export chat' text or zip (Android and iOS layouts, every locale)"

# ---------------------------------------------------------------------------------------------
# Header layouts (bytes patterns: the file is matched undecoded, so memory stays ~1x the file).

SP = rb"(?: |\xc2\xa0|\xe2\x80\xaf)"                      # space, NBSP, NARROW NBSP
MARKS = rb"(?:\xe2\x80[\x8e\x8f\xaa-\xae]|\xe2\x81[\xa6-\xa9])*"  # LRM, RLM, bidi embeds/isolates
DASH = rb"(?:-|\xe2\x80\x93)"                            # hyphen or EN DASH
#: Loose date and time: every variant; a file's own shape is fixed from these (see Shape).
DATE = (rb"(?P<d1>\d{1,4})(?P<ds>[./-])(?P<dsp>" + SP + rb"?)(?P<d2>\d{1,4})(?P=ds)(?P=dsp)"
        rb"(?P<d3>\d{1,4})(?P<dend>\.?)")
TIME = (MARKS + rb"(?P<H>\d{1,2})(?P<ts>[:.])(?P<M>\d\d)(?:(?P=ts)(?P<S>\d\d))?"
        rb"(?:" + SP + rb"?" + MARKS + rb"(?P<ap>[AaPp])\.?" + SP + rb"?[Mm]\.?)?" + MARKS)


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
LOOSE = re.compile(rb"\n" + MARKS + rb"(?:" + b"|".join(
    rb"(?P<L%d>" % i + _suffixed(_fill(lay, DATE, TIME), i) + rb")"
    for i, lay in enumerate(LAYOUTS)) + rb")")
BOM = b"\xef\xbb\xbf"
SAMPLE_BYTES = 256 * 1024


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

    def describe(self) -> str:
        return f"{LAYOUTS[self.layout].name} ({LAYOUTS[self.layout].example})"


def _shape(m: re.Match) -> Shape | None:
    i = int(m.lastgroup[1:])
    g = lambda name: m.group(f"{name}_{i}")  # noqa: E731
    widths = [len(g(f"d{k}")) for k in (1, 2, 3)]
    if 3 in widths or widths.count(4) > 1:
        return None
    year = widths.index(4) if 4 in widths else -1
    return Shape(i, g("ds"), g("dsp"), g("dend"), year, g("ts"), g("S") is not None,
                 g("ap") is not None)


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
    time = MARKS + grp(b"H", rb"\d{1,2}") + ts + grp(b"M", rb"\d\d")
    if shape.seconds:
        time += ts + grp(b"S", rb"\d\d")
    if shape.clock12:
        time += SP + b"?" + MARKS + grp(b"ap", rb"[AaPp]") + rb"\." + b"?" + SP + rb"?[Mm]\.?"
    return MARKS + _fill(LAYOUTS[shape.layout], date, time + MARKS)


# ---------------------------------------------------------------------------------------------
# What a message's text means (RE2 patterns, applied to all rows at once by pyarrow).

_M = r"[\x{200E}\x{200F}\x{202A}-\x{202E}\x{2066}-\x{2069}]*"
#: Media the export left out, as WhatsApp writes it in several languages.
MEDIA_OMITTED = (
    "<Media omitted>", "<media omitted>", "<Medien ausgeschlossen>", "<Multimedia omitido>",
    "<Médias omis>", "<Media weggelaten>", "<Mídia oculta>", "<Media omessi>",
    "image omitted", "video omitted", "audio omitted", "sticker omitted", "GIF omitted",
    "document omitted", "Contact card omitted", "Bild weggelassen", "imagen omitida",
)
#: Attachments named in the text (zip "with media"); group ``f<i>`` is the file name.
ATTACHED = (
    r"<\s*" + _M + r"attached:\s*(?P<fa>[^>\n]+?)\s*>",                    # iOS
    r"(?P<fb>[^\n]+?)\s*<" + _M + r"attached>",                            # older iOS
    r"(?P<fc>[^\n]+?) \((?:file attached|Datei angehängt|archivo adjunto|fichier joint|"
    r"file allegato|arquivo anexado|bestand bijgevoegd)\)",                 # Android
)
DELETED = ("This message was deleted", "You deleted this message", "Diese Nachricht wurde "
           "gelöscht.", "Du hast diese Nachricht gelöscht.", "Se eliminó este mensaje.",
           "Eliminaste este mensaje.", "Ce message a été supprimé", "Vous avez supprimé ce message")
CALLS = ("Missed voice call", "Missed video call", "Missed group voice call",
         "Missed group video call")


def _alts(words: Sequence[str]) -> str:
    return "|".join(re.escape(w) for w in words)


KIND_RE = (r"\A" + _M + r"(?:(?P<deleted>" + _alts(DELETED) + r")|(?P<call>" + _alts(CALLS)
           + r")|(?P<omitted>" + _alts(MEDIA_OMITTED) + r")|" + "|".join(ATTACHED) + r")"
           + _M + r"\r?(?:\n|\z)")
#: "Name: " after the header: the name stops at the first ': ' (or ':' ending the line). Lines
#: without one are system lines. Part of the split pattern, so names cost no extra pass.
NAME = rb"([^\n]+?:(?: |(?=\r?\n)|(?=\r?\Z)))?"
#: Lines that only group chats have (Python re, run on system lines only).
GROUP_EVENTS = re.compile(
    r"created group|\badded\b|\bleft$|\bremoved\b|joined using this group's invite link|"
    r"changed the subject|changed this group's icon|changed the group description|"
    r"You were added|now an admin|hat die Gruppe|creó el grupo|a créé le groupe")
#: "You ..." system lines are the export owner's own actions, except the passive ones.
OWNER_ACTION = re.compile(r"^\W*You (?!were |are |'re |joined from )")
E2E_NOTICE = re.compile(r"^\W*(?:Messages and calls are end-to-end encrypted|Messages to this "
                        r"(?:group|chat) (?:and calls )?are now secured)")
CHAT_NAME = re.compile(r"^(?:WhatsApp Chat (?:with|mit|-|avec|con)|Chat de WhatsApp con|"
                       r"Conversa do WhatsApp com|Discussion WhatsApp avec)\s+(?P<name>.+)$")
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


# ---------------------------------------------------------------------------------------------


def sniff(head: Head) -> bool:
    if head.is_zip:
        return any(_chat_member_rank(m) < 2 for m in head.members)
    if not head.name.endswith(".txt"):
        return False
    data = b"\n" + head.data[len(BOM):] if head.data.startswith(BOM) else b"\n" + head.data
    shapes = [s for s in map(_shape, LOOSE.finditer(data[:16384])) if s]
    # Signal's own text export writes '[2019-12-24, 12:23] Name: text': year first, dashes and
    # no seconds, a shape WhatsApp does not use; leave it to the Signal reader.
    return bool(shapes) and not all(_is_signal_shape(s) for s in shapes)


def _is_signal_shape(s: Shape) -> bool:
    return LAYOUTS[s.layout].name == "ios" and s.year == 0 and s.ds == b"-" and not s.seconds


def read(path: Path, *, tz: str | None = None, owner: Sequence[str] = (),
         date_order: str | None = None, region: str | None = None) -> pd.DataFrame:
    src = Source(Path(path), FORMAT)
    zone = require_tz(tz, FORMAT)
    if date_order not in (None, "dmy", "mdy", "ymd"):
        raise InputError(f"{FORMAT}: date_order must be dmy, mdy or ymd; got {date_order!r}")
    recs = _parse(src, date_order)
    owner = (owner,) if isinstance(owner, str) else tuple(owner)
    cols = _columns(recs, zone, owner, region)
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
    return 1 if base.endswith(".txt") and CHAT_NAME.match(base[:-4]) else 2


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
        m = CHAT_NAME.match(stem)
        if m:
            return m.group("name")
    return path.name.rsplit(".", 1)[0]


# ---------------------------------------------------------------------------------------------
# Splitting the file into records


@dataclass
class Records:
    """The file cut at the header lines of its dominant shape, as columns."""

    shape: Shape
    pre: bytes                  # text before the first header ('' when the file starts with one)
    n: int
    sha: pa.Array               # SHA-256 of each record's bytes (header to line break, included)
    lines: np.ndarray           # line number of each header
    stamp: pa.Array             # header bytes up to the name: date, time and frame
    name: pa.Array              # "Name: " as written (b"" on system lines)
    rest: pa.Array              # the message text (bytes); the file's final line break removed
    naive: np.ndarray           # datetime64[s] local wall-clock, NaT where the date is impossible
    other_layout: set[int]      # records holding a header-like line of another shape
    member: str | None = None   # the zip member read, None for a plain .txt
    crlf: bool = False          # lines end with CR LF
    encoding: str = "utf-8"


@dataclass
class _Pieces:
    """What one split of the file gives: lists of bytes, and where each record starts."""

    pre: bytes
    stamps: list[bytes]
    names: list[bytes]          # b'' where the line names no sender (system lines)
    rests: list[bytes]
    starts: np.ndarray          # byte offset of each record in the file
    sizes: tuple[np.ndarray, np.ndarray]    # lengths of the stamps and of the names
    rest: pa.Array              # the rests as one Arrow array, the file's last line break cut
    breaks: np.ndarray          # line breaks inside each rest


def _parse(src: Source, date_order: str | None) -> Records:
    """Cut the file into records and read their times; the file's bytes are let go early."""
    data, member = _load(src.path)
    yy_first = date_order == "ymd"
    shape = _sample_shape(data)
    got = _split(data, shape, yy_first)
    others, rows = _other_shapes(got, shape)
    best, best_n = max(others.items(), key=lambda kv: kv[1], default=(None, 0))
    if best is not None and best_n > len(got.stamps):
        # The head of the file was not representative: the whole file decides.
        shape = best
        got = _split(data, shape, yy_first)
        others, rows = _other_shapes(got, shape)
    if not got.stamps:
        raise InputError(f"{FORMAT}: no complete message line in the file's layout "
                         f"({shape.describe()}); if the years are written first with 2 digits, "
                         "pass date_order = \"ymd\"")
    src.assume(f"header layout: {shape.describe()}, {len(got.stamps)} message lines"
               + (f"; {sum(others.values())} header-like lines of other layouts kept as text"
                  if others else ""))
    _order, naive = _dates(_fields(got.stamps, shape), shape, yy_first, date_order, src)
    # Lists of a million small bytes objects cost more than the file: into Arrow, one by one.
    stamp, got.stamps = _binary(got.stamps, got.sizes[0]), None
    name, got.names = _binary(got.names, got.sizes[1]), None
    rest, got.rests = got.rest, None
    sha, crlf = _digests(data, got.starts), b"\r" in data
    del data
    first = got.pre.count(b"\n") + 2 if got.starts[0] > 0 else 1
    lines = first + np.concatenate(([0], np.cumsum(got.breaks + 1)[:-1]))
    return Records(shape, got.pre, len(stamp), sha, lines, stamp, name, rest, naive, rows,
                   member=member, crlf=crlf)


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


def _split(data: bytes, shape: Shape, yy_first: bool) -> _Pieces:
    """Header, name and text of every record, cut at header lines of ``shape`` only.

    One C-level ``re.split`` does the whole file: a header is a line start ('\\n') followed by
    the shape's exact pattern, so text that merely looks like a header stays text.
    """
    strict = _strict(shape, yy_first, named=False)
    parts = re.compile(rb"\n(" + strict + rb")" + NAME).split(data)
    pre, stamps, names, rests = parts[0], parts[1::3], parts[2::3], parts[3::3]
    del parts
    names = [x or b"" for x in names]      # b'' on system lines: a name piece is never empty
    at_start = re.compile(rb"((?:" + BOM + rb")?" + strict + rb")" + NAME).match(pre)
    if at_start:
        stamps.insert(0, at_start.group(1))
        names.insert(0, at_start.group(2) or b"")
        rests.insert(0, pre[at_start.end():])
        pre = b""
    lead = len(pre) + 1 if not at_start else 0        # the pre-text and its line break
    stamp_len, name_len, rest_len = _lengths(stamps), _lengths(names), _lengths(rests)
    starts = lead + np.concatenate(([0], np.cumsum(stamp_len + name_len + rest_len + 1)[:-1]))
    last = rests[-1] if rests else b""
    if last.endswith(b"\n"):                 # the file's final line break ends the last line
        rests[-1], rest_len[-1] = last[:-1], rest_len[-1] - 1
    rest = _binary(rests, rest_len)
    breaks = pc.count_substring(rest, b"\n").to_numpy().astype(np.int64)
    return _Pieces(pre, stamps, names, rests, starts, (stamp_len, name_len), rest, breaks)


def _lengths(items: list[bytes]) -> np.ndarray:
    return np.fromiter(map(len, items), dtype=np.int64, count=len(items))


def _binary(items: list[bytes], lengths: np.ndarray) -> pa.Array:
    """A binary array over one joined buffer (no per-item objects on the arrow side)."""
    offsets = np.concatenate(([0], np.cumsum(lengths)))
    return pa.LargeBinaryArray.from_buffers(pa.large_binary(), len(items),
                                            [None, pa.py_buffer(offsets),
                                             pa.py_buffer(b"".join(items))])


def _other_shapes(got: _Pieces, shape: Shape) -> tuple[Counter, set[int]]:
    """Header-like lines of other shapes: they can only sit inside messages (or before them)."""
    counts: Counter = Counter(s for s in map(_shape, LOOSE.finditer(b"\n" + got.pre))
                              if s and s != shape)
    multi = np.flatnonzero(got.breaks).tolist()      # few: most messages are one line
    blob = b"\0".join([got.rests[i] for i in multi])  # one scan; NUL never starts a header line
    ends = np.cumsum([len(got.rests[i]) + 1 for i in multi])
    rows: set[int] = set()
    for m in LOOSE.finditer(blob):
        found = _shape(m)
        if found and found != shape:
            counts[found] += 1
            rows.add(multi[int(np.searchsorted(ends, m.start(), side="right"))])
    return counts, rows


def _digests(data: bytes, starts: np.ndarray) -> pa.Array:
    """SHA-256 hex of each record's bytes as in the file (its final line break included)."""
    view = memoryview(data)
    bounds = np.append(starts, len(data)).tolist()
    chunks = []
    for k in range(0, len(starts), 65536):      # joined per chunk: no million-object list
        chunks.append(b"".join([hashlib.sha256(view[a:b]).digest()
                                for a, b in zip(bounds[k:k + 65536], bounds[k + 1:k + 65537])]))
    hexed = binascii.hexlify(b"".join(chunks))
    offsets = np.arange(0, len(hexed) + 1, 64, dtype=np.int64)
    return pa.LargeStringArray.from_buffers(len(starts), pa.py_buffer(offsets),
                                            pa.py_buffer(hexed))


# ---------------------------------------------------------------------------------------------
# Times


_DIGITS_ONLY = bytes(b if 0x30 <= b <= 0x39 else 0x20 for b in range(256))


def _fields(headers: list[bytes], shape: Shape) -> np.ndarray:
    """(7, n) integers d1 d2 d3 H M S ap (0 none, 1 am, 2 pm) from the headers, in one pass.

    A header holds no digits but its fields, so every other byte becomes a separator (AM/PM
    first become a 0/1 field of their own) and numpy reads the numbers at C speed.
    """
    blob = b"\n".join(headers)
    if shape.clock12:
        for letter, digit in ((b"A", b" 0 "), (b"a", b" 0 "), (b"P", b" 1 "), (b"p", b" 1 ")):
            blob = blob.replace(letter, digit)
    values = np.fromstring(blob.translate(_DIGITS_ONLY), dtype=np.int32, sep=" ")
    del blob
    k = 5 + shape.seconds + shape.clock12
    if values.size != len(headers) * k:   # cannot happen: every header matched one pattern
        raise InputError(f"{FORMAT}: internal error reading header times (got {values.size} "
                         f"numbers for {len(headers)} headers)")
    values = values.reshape(-1, k).T            # one contiguous row per field below
    out = np.zeros((7, len(headers)), dtype=np.int32)
    out[:5] = values[:5]
    if shape.seconds:
        out[5] = values[5]
    if shape.clock12:
        out[6] = values[-1] + 1
    return out


def _dates(f: np.ndarray, shape: Shape, yy_first: bool, date_order: str | None,
           src: Source) -> tuple[str, np.ndarray]:
    """Naive local datetimes from the fields; the day/month order is read from the whole file."""
    year_at = shape.year if shape.year >= 0 else (0 if yy_first else 2)
    a, b = [k for k in range(3) if k != year_at]
    if year_at == 0:
        if date_order in ("dmy", "mdy"):
            raise InputError(f"{FORMAT}: date_order={date_order!r} was given but the dates "
                             "start with the year; use date_order = \"ymd\" or leave it out")
        order, month, day = "ymd", f[a], f[b]
    else:
        if date_order == "ymd":
            raise InputError(f"{FORMAT}: date_order='ymd' was given but the dates end with a "
                             "4-digit year; use dmy or mdy, or leave it out")
        # Only "is any value over 12" matters, so the maxima stand for the whole columns.
        order = infer_date_order(f[a].max(initial=0, keepdims=True).tolist(),
                                 f[b].max(initial=0, keepdims=True).tolist(), FORMAT,
                                 date_order)
        day, month = (f[a], f[b]) if order == "dmy" else (f[b], f[a])
    src.assume(f"date order {order}" + (" (given)" if date_order else " (from the file)"))
    year = f[year_at] + (2000 if shape.year == -1 else 0)
    if shape.year == -1:
        src.assume("2-digit years read as 20yy")
    hour = f[3]
    if shape.clock12:
        hour = np.where(f[6] == 2, hour % 12 + 12, hour % 12)
        hour = np.where(f[3] > 12, 99, hour)     # '13:00 PM' is not a time
    return order, _naive(year, month, day, hour, f[4], f[5])


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


def _decode(r: Records) -> tuple[pa.Array, pa.Array, pa.Array]:
    """(stamp, name, text) as text: UTF-8 checked at C speed; else cp1252, else latin-1.

    A file that is not UTF-8 (old Windows exports) is decoded whole in the fallback, so no row
    is lost; ``read`` records which encoding was used.
    """
    cols = (r.stamp, r.name, r.rest)
    try:
        return tuple(c.cast(pa.large_string()) for c in cols)
    except pa.ArrowInvalid:
        pass
    for encoding in ("cp1252", "latin-1"):
        try:
            out = tuple(pa.array([b.decode(encoding) for b in c.to_pylist()], pa.large_string())
                        for c in cols)
        except UnicodeDecodeError:
            continue
        r.encoding = encoding
        return out
    raise InputError(f"{FORMAT}: cannot decode the file")    # latin-1 decodes every byte


def _columns(r: Records, zone: str, owner: Sequence[str], region: str | None) -> dict:
    stamp, name, body = _decode(r)
    if r.crlf:
        body = pc.replace_substring_regex(body, r"\r\z", "")   # the last line's CR ends it
    system = (pc.binary_length(name).to_numpy() == 0)
    # the name piece ends with ':' and the space after it, when there is one
    names = pc.utf8_slice_codeunits(pc.utf8_rtrim(name, characters=" "), 0, -1)
    if r.n and not system[0] and E2E_NOTICE.match(body[0].as_py()):
        system[0] = True       # the notice written as if the chat partner sent it (first line)
    kind, attachments = _kinds(body, system)
    sender, from_owner, senders = _senders(names, system, body, owner, region)
    earliest, latest, dst = localize(pd.Series(r.naive), zone)
    return {"body": body, "display": names, "sender": sender, "kind": kind,
            "attachments": attachments, "from_owner": from_owner, "system": system,
            "group": _is_group(senders, system, body),
            "earliest": earliest, "latest": latest, "stamp": _stamps(stamp),
            "warnings": _warnings(r, dst, earliest, latest)}


def _kinds(body: pa.Array, system: np.ndarray) -> tuple[pd.Categorical, pa.Array]:
    """Kind codes and attachment names; the costly extraction runs on matching rows only."""
    codes = np.full(len(system), schema.KINDS.index("text"), dtype=np.int8)
    files = np.full(len(system), "", dtype=object)
    hits = np.flatnonzero(pc.match_substring_regex(body, KIND_RE).to_numpy(zero_copy_only=False))
    if hits.size:
        found = pc.extract_regex(body.take(pa.array(hits)), KIND_RE)
        for kind in ("omitted", "fa", "fb", "fc", "call", "deleted"):
            col = pc.fill_null(found.field(kind), "").to_numpy(zero_copy_only=False)
            nonempty = col.astype(bool)
            codes[hits[nonempty]] = schema.KINDS.index(_KIND_OF.get(kind, "media"))
            if kind.startswith("f"):
                files[hits[nonempty]] = col[nonempty]
    codes[system] = schema.KINDS.index("system")
    files[system] = ""
    return (pd.Categorical.from_codes(codes, dtype=schema.COLUMNS["kind"]),
            pa.array(files, pa.large_string()))


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


def _senders(names: pa.Array, system: np.ndarray, body: pa.Array, owner: Sequence[str],
             region: str | None) -> tuple[pa.Array, pd.arrays.BooleanArray, set[str]]:
    """Sender keys (worked out once per distinct name), from_owner, the distinct senders."""
    coded = pc.dictionary_encode(names)
    distinct = [sender_key(u, region) for u in coded.dictionary.to_pylist()]
    keys = pa.array(distinct, pa.large_string()).take(coded.indices)
    keys = pc.if_else(pa.array(system), "", keys)
    used = pc.unique(coded.indices.filter(pa.array(~system))).to_pylist()
    senders = {distinct[i] for i in used} - {""}
    own = _owner_keys(owner, region)
    if own:
        mine = pc.is_in(keys, value_set=pa.array(sorted(own), pa.large_string()))
        from_owner = pd.array(mine.to_numpy(zero_copy_only=False), dtype="boolean")
    else:
        from_owner = pd.array(np.full(len(system), pd.NA), dtype="boolean")
    for i in np.flatnonzero(system).tolist():
        from_owner[i] = bool(OWNER_ACTION.match(body[i].as_py()))
    return keys, from_owner, senders


def _stamps(header: pa.Array) -> pa.Array:
    """The date and time as written: the header without its frame ('[', '] ', ' - ')."""
    text = pc.utf8_ltrim(header, characters="[\ufeff\u200e\u200f\u202a\u202b\u202c")
    return pc.utf8_rtrim(text, characters=" -\u2013]:\u00a0\u202f\u200e\u200f\u202c")


def _warnings(r: Records, dst: pd.Series, earliest: pd.Series, latest: pd.Series) -> pa.Array:
    warn = dst.to_numpy(dtype=object, na_value="", copy=True)
    bad = np.isnat(r.naive)
    previous = earliest.shift(1).ffill()
    back = (latest < previous).to_numpy(dtype=bool, na_value=False)
    for i in sorted(set(np.flatnonzero(bad | back | (warn != "")).tolist()) | r.other_layout):
        parts = [warn[i]] if warn[i] else []
        if bad[i]:
            parts.append(f"impossible date or time in header {r.stamp[i].as_py()!r}: "
                         "no time kept")
        if back[i]:
            parts.append(FORGED)
        if i in r.other_layout:
            parts.append(OTHER_LAYOUT)
        warn[i] = "; ".join(parts)
    return pa.array(warn, pa.large_string())


def _is_group(senders: set[str], system: np.ndarray, body: pa.Array) -> bool:
    """More than two people write, or the chat has group events (created, added, left)."""
    if len(senders) > 2:
        return True
    return any(GROUP_EVENTS.search(body[i].as_py()) for i in np.flatnonzero(system).tolist())


# ---------------------------------------------------------------------------------------------
# The frame


def _frame(src: Source, r: Records, c: dict, chat: str, member: str | None) -> pd.DataFrame:
    prefix = f"zip:{member}:line:" if member else "line:"
    locator = pc.binary_join_element_wise(
        pa.scalar(prefix, pa.large_string()), pc.cast(pa.array(r.lines), pa.large_string()),
        pa.scalar("", pa.large_string()))
    group = c["group"]
    basis = np.where(c["earliest"].isna(), schema.TIME_BASES.index("missing"),
                     schema.TIME_BASES.index("local_declared"))
    cols = {
        "locator": _s(locator), "record_sha256": _s(r.sha),
        "platform": _category("platform", PLATFORM, r.n),
        "conversation": _s(pa.repeat(pa.scalar(chat, pa.large_string()), r.n)),
        "conversation_kind": _category("conversation_kind", "group" if group else "direct",
                                       r.n),
        "sent_at": c["earliest"], "sent_at_latest": c["latest"], "sent_at_raw": _s(c["stamp"]),
        "time_basis": pd.Categorical.from_codes(basis, dtype=schema.COLUMNS["time_basis"]),
        "sender": _s(c["sender"]), "sender_display": _s(c["display"]), "body": _s(c["body"]),
        "kind": c["kind"], "attachments": _s(c["attachments"]), "warnings": _s(c["warnings"]),
        "from_owner": c["from_owner"],
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
