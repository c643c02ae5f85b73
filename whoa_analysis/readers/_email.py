"""Shared parsing for the email family (mbox, eml, maildir, msg): one message's bytes -> one row.

An RFC 5322 message as the readers hand it over (an mbox envelope line first is allowed)::

    From rob@example.net Mon Mar 11 10:00:00 2024
    Received: from mail.example.net (mail.example.net [198.51.100.7])
            by mx1.example.org with ESMTPS id 4Tq1; Mon, 11 Mar 2024 10:00:02 +0000
    From: Rob Offender <rob@example.net>
    To: Dana Example <dana@example.org>
    Subject: =?utf-8?q?Re=3A_hello?=
    Date: Mon, 11 Mar 2024 10:00:00 +0000
    Message-ID: <abc123@example.net>
    Content-Type: text/plain; charset="utf-8"

    Hello Dana ...

How it is read, and why so:

- The raw bytes are hashed before anything else (``record_sha256``).
- Header fields are split from the bytes here; every header whose value is more than plain
  ASCII text (encoded words, RFC 2231 parameters, comments, groups, odd addresses) is parsed
  by ``email.policy.default``'s header classes. The plain forms take a fast path that gives
  the same result (tests compare both on the corpora): the stdlib parser costs ~150 us per
  address header, too slow for mailboxes of 100,000 messages.
- The MIME tree is walked iteratively by our own boundary splitter, with a cap on parts and
  depth (a warning says when it cut): the stdlib's feed parser needs ~27 s for a 100,000-part
  message. Part headers again go through ``email.policy.default``.
- Charsets that are unknown, not text codecs, or that do not fit the bytes fall back to UTF-8,
  then cp1252, then latin-1, with a warning; nothing raises.
- Addresses are read strictly: where a header can be read two ways (CVE-2023-27043,
  CVE-2019-16056 forms: an ``@`` in an unquoted display name, unbalanced brackets, two ``@``
  in an address, our reading differing from the stdlib's) the address is left unattributed
  with a warning. Never a guess.
- Attachments are metadata only (name as text, type, size, SHA-256 of the decoded bytes).
"""

from __future__ import annotations

import binascii
import codecs
import datetime as dt
import email.policy
import hashlib
import html.parser
import json
import quopri
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .. import accounts
from ..evidence import source_files
from ._common import decode_text, unparsed

PLATFORM = "email"
MAX_PARTS = 1000          # MIME parts read per message; beyond, a warning (raw bytes still hashed)
MAX_DEPTH = 50            # nested multiparts; real mail rarely goes past 10
MAX_HEADERS = 10_000      # header fields per part
_POLICY = email.policy.default


@lru_cache(maxsize=64)
def _header_class(name: str) -> type:
    """policy.default's header class for a name (the registry builds a new class per call)."""
    return _POLICY.header_factory[name]


def std_header(name: str, value: str) -> object:
    """A header parsed by ``email.policy.default`` (what ``msg[name]`` would give)."""
    return _header_class(name)(name, value)

# --------------------------------------------------------------------------- header block

#: One header field: name, colon, value with its folded continuation lines.
#: A field starts a line: anchored there, a long line with no colon is tried once, not once
#: per byte (which made a 64 KB binary line take half a minute).
_FIELD = re.compile(rb"(?m)^([!-9;-~]+)[ \t]*:[ \t]*([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)(?:\r?\n|\Z)")
#: The same, also capturing the whole field (to check that fields follow one another).
_FIELD_WHOLE = re.compile(b"(?m)^(" + _FIELD.pattern.removeprefix(b"(?m)^") + b")")
#: A run of header fields: the header block up to the first line that is no field.
_FIELDS = re.compile(rb"(?:[!-9;-~]+[ \t]*:[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*(?:\r?\n|\Z))*")
_BLANK = re.compile(rb"\r?\n")
_UNFOLD = re.compile(r"\r?\n(?=[ \t])")


@dataclass
class Part:
    """Header fields of one message or MIME part, and its undecoded body bytes."""

    fields: list[tuple[str, str]]
    body: bytes
    raw_head: bytes = b""
    warnings: list[str] = field(default_factory=list)
    #: ``raw_head`` as text when it is plain UTF-8 (decoded once, by ``split_part``).
    head_text: str | None = field(default=None, repr=False)
    _names: list[str] | None = field(default=None, repr=False)      # lower-cased, in order
    _first: dict[str, str] | None = field(default=None, repr=False)  # name -> first value

    def all(self, name: str) -> list[str]:
        name = name.lower()
        first = self._first if self._first is not None else self._index()
        if name not in first:
            return []
        if self._names.count(name) == 1:   # most names occur once: no scan of the values
            return [first[name]]
        return [v for n, (_, v) in zip(self._names, self.fields, strict=True) if n == name]

    def get(self, name: str) -> str | None:
        first = self._first if self._first is not None else self._index()
        return first.get(name.lower())

    def _index(self) -> dict[str, str]:
        if self._names is None:
            self._names = [n.lower() for n, _ in self.fields]
        # Built from the end, so the first value of a repeated name is the one kept.
        self._first = dict(zip(reversed(self._names), [v for _, v in reversed(self.fields)],
                               strict=True))
        return self._first


def split_part(raw: bytes, *, envelope: bool = False) -> Part:
    """Header fields and body of ``raw``; a line that is no header ends the header block."""
    pos, warnings = 0, []
    if envelope and raw.startswith(b"From "):
        end = raw.find(b"\n")
        pos = len(raw) if end < 0 else end + 1
    start = pos
    head_end, found = _field_bytes(raw, start)
    block = raw[start:head_end]
    fields, head_text, names = _fields(block, found, warnings)
    pos = head_end
    blank = _BLANK.match(raw, pos)
    if blank:
        pos = blank.end()
    elif pos < len(raw):
        warnings.append("a line in the header block is not a header field: the body starts "
                        "there" if fields else "no header block: the whole record is the body")
    return Part(fields, raw[pos:], block, warnings, head_text=head_text, _names=names)


def _field_bytes(raw: bytes, start: int) -> tuple[int, list[tuple[bytes, bytes]]]:
    """(end of the header block, (name, value) per field) from ``start``: the fields that
    follow one another, at most MAX_HEADERS of them.

    Usually the block is everything up to the first blank line: one ``findall`` there, whose
    matches must cover it without a gap. Otherwise (a line that is no field, a block without
    a blank line after it, too many fields) the block is matched field by field's pattern.
    """
    ends = [at + 1 for at in (raw.find(b"\n\n", start), raw.find(b"\n\r\n", start)) if at >= 0]
    region = min(ends) if ends else len(raw)
    found = _FIELD_WHOLE.findall(raw, start, region)
    if found and len(found) <= MAX_HEADERS:
        wholes, names, values = zip(*found, strict=True)
        if sum(map(len, wholes)) == region - start:
            return region, list(zip(names, values, strict=True))
    head_end = _FIELDS.match(raw, start).end()
    fields = _FIELD.findall(raw, start, head_end)
    if len(fields) > MAX_HEADERS:
        fields = fields[:MAX_HEADERS]
        for n, m in enumerate(_FIELD.finditer(raw, start, head_end), 1):
            if n == MAX_HEADERS:
                head_end = m.end()
                break
    return head_end, fields


def _fields(block: bytes, found: list[tuple[bytes, bytes]], warnings: list[str],
            ) -> tuple[list[tuple[str, str]], str | None, list[str] | None]:
    """(name, unfolded value) per field, the block as text when it is plain UTF-8, and the
    lower-cased names when they came cheaply.

    A UTF-8 block (nearly all) is decoded in one go: the values joined by LF, unfolded, split.
    That is exact: a value holds no CR or LF except the ones before a folded line's space or
    tab (the field pattern allows no other), and none starts with a space or tab.
    """
    if not found:
        return [], None, []
    try:
        text = block.decode("utf-8")
    except UnicodeDecodeError:
        text = "\ufeff"
    if "\ufeff" in text:     # not UTF-8, or a BOM ('utf-8-sig' per value would drop it)
        return [(n.decode("ascii"), _header_text(v, warnings)) for n, v in found], None, None
    names_b, values_b = zip(*found, strict=True)
    names = b"\n".join(names_b).decode("ascii")
    values = b"\n".join(values_b).decode("utf-8")
    if "\n " in values or "\n\t" in values:
        values = _unfold_joined(values)
    return (list(zip(names.split("\n"), values.split("\n"), strict=True)), text,
            names.lower().split("\n"))


def _unfold_joined(joined: str) -> str:
    """``_UNFOLD.sub('', joined)`` without a regex scan: every CR is before an LF, and an LF
    followed by a space or tab is a fold, so folds are CRLF -> LF, then LF+space -> space and
    LF+tab -> tab (the first replace never puts an LF before a tab: exact)."""
    if "\r" in joined:
        joined = joined.replace("\r\n ", "\n ").replace("\r\n\t", "\n\t")
    return joined.replace("\n ", " ").replace("\n\t", "\t")


def _header_text(value: bytes, warnings: list[str]) -> str:
    """Unfolded header value; raw 8-bit bytes read as UTF-8, else cp1252 (with a warning)."""
    try:
        text = value.decode("ascii")
    except UnicodeDecodeError:
        text, problem = decode_text(value)
        if problem and "header not valid UTF-8" not in " ".join(warnings):
            warnings.append("header not valid UTF-8: " + problem.split(": ", 1)[-1])
    return _UNFOLD.sub("", text).rstrip("\r\n")


def header_block_text(raw_head: bytes) -> str:
    return decode_text(raw_head)[0]


# --------------------------------------------------------------------------- dates

_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
#: RFC 5322 4.3 obsolete zone names with the offsets the RFC gives them (minutes).
_ZONES = {"ut": 0, "utc": 0, "gmt": 0, "z": 0, "est": -300, "edt": -240, "cst": -360,
          "cdt": -300, "mst": -420, "mdt": -360, "pst": -480, "pdt": -420}
_DATE = re.compile(
    r"\s*(?:[A-Za-z]{3,9}\s*,?\s*)?(\d{1,2})[\s-]+([A-Za-z]{3})[A-Za-z]*[\s-]+(\d{2,4})\s+"
    r"(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*([+-]\d{4}|[A-Za-z]{1,5}(?![A-Za-z]))?"
    r"\s*(?:\(.*\))?\s*$", re.S)


@dataclass(frozen=True)
class Stamp:
    """A time read from a header: the instant (UTC) or why there is none."""

    utc: dt.datetime | None
    offset: str = ""           # "+0100" as written; "" when none
    basis: str = "missing"     # offset | utc | missing
    problem: str = ""


def parse_date(text: str | None) -> Stamp:
    """RFC 5322 date-time (and its obsolete forms) -> instant; no zone -> no instant."""
    if not text or not text.strip():
        return Stamp(None, problem="empty")
    m = _DATE.match(text)
    if not m:
        return _iso_date(text)
    day, mon, year, hh, mm, ss, zone = m.groups()
    month = _MONTHS.get(mon.lower())
    year_n = int(year)
    year_n += 2000 if len(year) == 2 and year_n < 50 else 1900 if len(year) <= 3 else 0
    minutes = _zone_minutes(zone)
    if month is None:
        return Stamp(None, problem=f"unknown month {mon!r}")
    if minutes is None:
        what = f"zone {zone!r} not understood" if zone else "no time zone"
        return Stamp(None, problem=what)
    try:
        local = dt.datetime(year_n, month, int(day), int(hh), int(mm), int(ss or 0),
                            tzinfo=_fixed_zone(minutes))
    except ValueError as exc:
        return Stamp(None, problem=str(exc))
    basis = "utc" if zone == "-0000" else "offset"
    return Stamp(local.astimezone(dt.UTC), zone if zone[0] in "+-" else zone.upper(), basis)


@lru_cache(maxsize=256)
def _fixed_zone(minutes: int) -> dt.timezone:
    return dt.timezone(dt.timedelta(minutes=minutes))


def _zone_minutes(zone: str | None) -> int | None:
    if not zone:
        return None
    if zone[0] in "+-":
        hours, mins = int(zone[1:3]), int(zone[3:5])
        if mins > 59 or hours > 23:
            return None
        return (hours * 60 + mins) * (-1 if zone[0] == "-" else 1)
    return _ZONES.get(zone.lower())


def _iso_date(text: str) -> Stamp:
    """Some tools write ISO 8601 with an offset; accept that, nothing looser."""
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return Stamp(None, problem="not an RFC 5322 date")
    if when.tzinfo is None:
        return Stamp(None, problem="no time zone")
    return Stamp(when.astimezone(dt.UTC), when.strftime("%z"), "offset")


def received_stamp(value: str) -> str:
    """The date part of a Received field: the text after its last ';'."""
    head, sep, stamp = value.rpartition(";")
    return stamp.strip() if sep else ""


# --------------------------------------------------------------------------- addresses

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_ADDR = rf"{_ATEXT}+(?:\.{_ATEXT}+)*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?" \
        r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
#: The plain forms (no comments, encoded words, groups, quotes with escapes): fast path.
_SIMPLE_MAILBOX = re.compile(
    rf'\s*(?:(?:"(?P<q>[^"\\\r\n]*)"|(?P<p>[A-Za-z0-9 ._\'-]*?))\s*<(?P<a>{_ADDR})>'
    rf'|(?P<b>{_ADDR}))\s*(?:,|$)')


@dataclass(frozen=True)
class Mailbox:
    display: str
    address: str


@dataclass(frozen=True)
class Addresses:
    mailboxes: tuple[Mailbox, ...]
    problem: str = ""          # non-empty: the header could be read two ways (unattributed)


@lru_cache(maxsize=1 << 16)
def parse_addresses(value: str) -> Addresses:
    """Mailboxes of an address header, strictly: ambiguous headers give none and a problem.

    A mailbox without a domain (``To: localuser``) is kept with its bare text; callers leave
    it unattributed. Where the stdlib cannot parse what the strict reading reads, the strict
    reading is used (the display names then stay as written).
    """
    fast = _fast_addresses(value)
    if fast is not None:
        return fast
    readings = _strict_reading(value)
    if isinstance(readings, str):
        return Addresses((), readings)
    try:
        parsed = std_header("to", value)
        stdlib = tuple(Mailbox(a.display_name, a.addr_spec) for a in parsed.addresses)
    except Exception:  # noqa: BLE001 - a hostile header must not stop the reader
        return Addresses(tuple(Mailbox(d, a) for d, a in readings))
    if [_addr_cmp(a) for _, a in readings] != [_addr_cmp(m.address) for m in stdlib]:
        return Addresses((), "address header can be read two ways ("
                         + ", ".join(a for _, a in readings) + " or "
                         + ", ".join(m.address for m in stdlib) + ")")
    return Addresses(stdlib)


def _fast_addresses(value: str) -> Addresses | None:
    if "=?" in value:
        return None
    pos, out = 0, []
    while pos < len(value):
        m = _SIMPLE_MAILBOX.match(value, pos)
        if not m or m.end() == pos:
            return None
        if m.group("a"):
            display = m.group("q") if m.group("q") is not None else (m.group("p") or "").strip()
            out.append(Mailbox(display, m.group("a")))
        else:
            out.append(Mailbox("", m.group("b")))
        pos = m.end()
    return Addresses(tuple(out)) if out else None


def _addr_cmp(address: str) -> str:
    address = re.sub(r"\s+", "", address).lower()
    return "" if address == "<>" else address


def _strict_reading(value: str) -> list[tuple[str, str]] | str:
    """Addr-specs as a strict reading sees them, or why the header is ambiguous."""
    boxes, cur = [], _Box()
    state = _Scan()
    for ch in value:
        problem = state.feed(ch, cur)
        if problem:
            return problem
        if state.ended_box:
            boxes.append(cur)
            cur, state.ended_box = _Box(), False
    if state.quote or state.comment or state.angle:
        return "unbalanced quote, bracket or parenthesis in an address header"
    boxes.append(cur)
    out = []
    for box in boxes:
        reading = box.reading()
        if reading.startswith("!"):
            return reading[1:]
        if reading or box.angles:
            out.append((box.display(), reading))
    return out


@dataclass
class _Box:
    """One mailbox being scanned: text outside angle brackets, inside them, after them."""

    outside: str = ""          # quoted strings kept (with quotes), comments dropped
    bare_ats: int = 0          # '@' outside quotes, comments and angle brackets
    inside: str = ""
    angles: int = 0
    after: str = ""

    def display(self) -> str:
        if not self.angles:
            return ""
        text = self.outside.strip()
        if len(text) > 1 and text[0] == text[-1] == '"':
            text = re.sub(r"\\(.)", r"\1", text[1:-1])
        return decode_words(text)

    def reading(self) -> str:
        if self.angles > 1:
            return "!two <addresses> in one mailbox of an address header"
        if self.after.strip():
            return "!text after the <address> in an address header"
        if self.angles == 1:
            if self.bare_ats:
                return "!an unquoted '@' before the <address> (display name or address?)"
            addr = self.inside.strip()
            addr = addr.rsplit(":", 1)[-1] if addr.startswith("@") else addr   # obs-route
            return _one_at(addr)
        text = self.outside.strip()
        return _one_at(text) if text else ""


def _one_at(addr: str) -> str:
    """The address; several unquoted '@' can be read two ways (CVE-2019-16056)."""
    unquoted = re.sub(r'"(?:[^"\\]|\\.)*"', "", addr)
    if unquoted.count("@") > 1:
        return "!an address with several '@' (" + addr + ")"
    return addr


@dataclass
class _Scan:
    quote: bool = False
    escape: bool = False
    comment: int = 0
    angle: bool = False
    ended_box: bool = False

    def feed(self, ch: str, box: _Box) -> str:
        if self.escape:
            self.escape = False
            return self._keep(ch, box)
        if ch == "\\" and (self.quote or self.comment):
            self.escape = True
            return self._keep(ch, box)
        if self.comment:
            self.comment += (ch == "(") - (ch == ")")
            return ""
        if ch == '"':
            self.quote = not self.quote
            return self._keep(ch, box)
        if self.quote:
            return self._keep(ch, box)
        return self._structural(ch, box)

    def _structural(self, ch: str, box: _Box) -> str:
        if ch == "(":
            self.comment = 1
        elif ch == ")":
            return "unbalanced ')' in an address header"
        elif ch == "<":
            if self.angle:
                return "'<' inside <...> in an address header"
            self.angle, box.angles = True, box.angles + 1
        elif ch == ">":
            if not self.angle:
                return "'>' without '<' in an address header"
            self.angle = False
        elif ch == "," and not self.angle:
            self.ended_box = True
        elif ch == ":" and not self.angle:
            box.outside, box.bare_ats = "", 0      # a group name ends here
        elif ch == ";" and not self.angle:
            self.ended_box = True
        else:
            return self._keep(ch, box)
        return ""

    def _keep(self, ch: str, box: _Box) -> str:
        if self.angle:
            box.inside += ch
        elif box.angles:
            box.after += ch
        else:
            box.outside += ch
            box.bare_ats += ch == "@" and not self.quote
        return ""


@lru_cache(maxsize=1 << 16)
def address_key(address: str) -> str:
    return accounts.key_for("email", address)


# --------------------------------------------------------------------------- unstructured text

@lru_cache(maxsize=1 << 14)
def decode_words(value: str) -> str:
    """RFC 2047 encoded words decoded by policy.default; plain text returned as it is."""
    if "=?" not in value:
        return value
    plain = _plain_words(value)
    if plain is not None:
        return plain
    try:
        return str(std_header("subject", value))
    except Exception:  # noqa: BLE001 - undecodable words stay as written
        return value


#: One well-formed encoded word: charset, then base64 text or quoted-printable text.
_WORD = r"=\?([A-Za-z0-9-]+)\?(?:[bB]\?([A-Za-z0-9+/]+={0,2})|[qQ]\?((?:[!-<>@-~]|=[0-9A-Fa-f]{2})+))\?="
_ONE_WORD = re.compile(_WORD)
_WORDS_ONLY = re.compile(rf"{_WORD}(?:[ \t]+{_WORD})*")
_Q_ESCAPE = re.compile(rb"=([0-9A-Fa-f]{2})")
#: Charsets the fast path decodes itself (strictly); any other goes to the stdlib.
_WORD_CHARSETS = frozenset({"utf-8", "us-ascii", "iso-8859-1", "iso-8859-15", "windows-1252"})


def _plain_words(value: str) -> str | None:
    """What policy.default makes of a value that is only well-formed encoded words separated
    by spaces or tabs, in a common charset: their decoded texts joined (the space between two
    encoded words is dropped, RFC 2047 6.2). None for anything else (the stdlib decides):
    bad padding, bytes that do not fit the charset, text around the words.
    The stdlib parser takes ~300 us for one subject, longer than the rest of the message.
    """
    if not _WORDS_ONLY.fullmatch(value):
        return None
    out = []
    for m in _ONE_WORD.finditer(value):
        charset, b_text, q_text = m.groups()
        charset = charset.lower()
        if charset not in _WORD_CHARSETS:
            return None
        if b_text is not None:
            if len(b_text) % 4:
                return None
            try:
                data = binascii.a2b_base64(b_text, strict_mode=True)
            except binascii.Error:
                return None
        else:
            data = _Q_ESCAPE.sub(lambda e: bytes.fromhex(e.group(1).decode()),
                                 q_text.replace("_", " ").encode("ascii"))
        try:
            out.append(data.decode(charset))
        except UnicodeDecodeError:
            return None
    return "".join(out)


def clean(text: str) -> str:
    """Text safe to store: bytes smuggled in as surrogates are decoded (UTF-8, else cp1252)."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        return decode_text(text.encode("utf-8", "surrogateescape"))[0]
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


_PREFIX = re.compile(r"^\s*(?:(?:re|fwd?|aw|wg|sv|vs|antw|tr)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*)+",
                     re.I)


def thread_subject(subject: str) -> str:
    """The subject without reply/forward prefixes (Re:, Fwd:, AW:, WG:, ...)."""
    return _PREFIX.sub("", subject)


_MSGID = re.compile(r"<[^<>\s]+>")


def msg_ids(value: str | None) -> list[str]:
    return _MSGID.findall(value or "")


# --------------------------------------------------------------------------- MIME parameters

_TCHARS = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_CTYPE = re.compile(rf"\s*({_TCHARS})(?:\s*/\s*({_TCHARS}))?\s*((?:;.*)?)$", re.S)
#: A parameter; unquoted values may hold spaces (``name=This is a test.txt``, seen in the wild).
_PARAM = re.compile(rf'\s*;\s*({_TCHARS})\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;"]*?))\s*(?=;|$)')


@dataclass(frozen=True)
class Params:
    value: str                 # "text/plain", "attachment", ...
    params: dict[str, str]
    problem: str = ""


_QUOTED_PAIR = re.compile(r"\\(.)")


@lru_cache(maxsize=1 << 12)
def parse_params(value: str | None, header: str) -> Params:
    """A Content-Type/-Disposition value: main value and parameters (RFC 2231 via stdlib).

    Cached (the same few values recur in every mailbox): callers only read the result.
    """
    if value is None:
        return Params("", {})
    m = _CTYPE.match(value)
    if m and "*" not in m.group(3):
        params, pos, rest = {}, 0, m.group(3)
        while pos < len(rest):
            p = _PARAM.match(rest, pos)
            if not p:
                break
            raw = p.group(2) if p.group(2) is not None else p.group(3)
            if "\\" in raw:
                raw = _QUOTED_PAIR.sub(r"\1", raw)
            params.setdefault(p.group(1).lower(), decode_words(raw))
            pos = p.end()
        if pos >= len(rest.rstrip("; \t")):
            main = m.group(1) + ("/" + m.group(2) if m.group(2) else "")
            return Params(main.lower(), params)
    return _stdlib_params(value, header)


def _stdlib_params(value: str, header: str) -> Params:
    try:
        h = std_header(header, value)
        main = h.content_type if header == "content-type" else h.content_disposition
        params = {k.lower(): decode_words(clean(str(v))) for k, v in h.params.items()}
        return Params((main or "").lower(), params)
    except Exception as exc:  # noqa: BLE001 - a hostile parameter must not stop the reader
        return Params("", {}, f"{header} not readable ({type(exc).__name__})")


# --------------------------------------------------------------------------- body decoding

_NOT_CHARSETS = frozenset({"unknown-8bit", "x-unknown", "x-user-defined", "unknown", "default"})


_BASE64 = re.compile(rb"[A-Za-z0-9+/\s]*=?=?\s*")


def decode_payload(data: bytes, cte: str | None) -> tuple[bytes, str]:
    """Undo the transfer encoding; damaged encodings keep the bytes as they are, with a note."""
    cte = (cte or "").strip().lower()
    if cte == "base64":
        # a2b_base64 skips characters outside the alphabet without a word: say so.
        note = "" if _BASE64.fullmatch(data) else \
            "damaged base64: characters outside the alphabet skipped"
        try:
            return binascii.a2b_base64(data), note
        except binascii.Error:
            cleaned = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
            cleaned = cleaned[: len(cleaned) // 4 * 4]
            try:
                return binascii.a2b_base64(cleaned), "damaged base64: undecodable bytes skipped"
            except binascii.Error:
                return data, "damaged base64: kept as written"
    if cte == "quoted-printable":
        return quopri.decodestring(data), ""
    if cte in ("", "7bit", "8bit", "binary"):
        return data, ""
    return data, f"unknown transfer encoding {cte!r}: kept as written"


def decode_charset(data: bytes, charset: str | None) -> tuple[str, str]:
    """Bytes -> text in the declared charset; a charset that is unknown or lies falls back."""
    cs = (charset or "").strip().strip('"').lower()
    if cs in ("", "us-ascii", "ascii"):
        try:
            return data.decode("ascii"), ""
        except UnicodeDecodeError:
            text, how = _fallback(data)
            declared = f"declared {cs}" if cs else "no charset declared"
            return text, f"{declared} but 8-bit bytes: read as {how}"
    codec = _codec(cs)
    if codec is None:
        text, how = _fallback(data)
        return text, f"unknown charset {charset!r}: read as {how}"
    try:
        return data.decode(codec), ""
    except UnicodeDecodeError:
        text, how = _fallback(data)
        return text, f"declared charset {charset!r} does not fit the bytes: read as {how}"


@lru_cache(maxsize=256)
def _codec(charset: str) -> str | None:
    if charset in _NOT_CHARSETS:
        return None
    try:
        info = codecs.lookup(charset)
    except LookupError:
        return None
    return info.name if getattr(info, "_is_text_encoding", True) else None


def _fallback(data: bytes) -> tuple[str, str]:
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


class _HtmlText(html.parser.HTMLParser):
    """Visible text of an HTML part: nothing is fetched, scripts and styles are skipped."""

    BLOCK = frozenset({"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6",
                       "table", "blockquote", "pre", "hr", "ul", "ol", "dl", "dt", "dd"})
    SKIP = frozenset({"script", "style", "head", "title", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.SKIP:
            self.skip += 1
        elif tag in self.BLOCK:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in self.BLOCK:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(re.sub(r"\s+", " ", data))


def html_text(markup: str) -> tuple[str, str]:
    """Text of an HTML document (derived; the HTML itself is kept in ``body_html``)."""
    parser = _HtmlText()
    try:
        parser.feed(markup)
        parser.close()
    except Exception as exc:  # noqa: BLE001 - html.parser can assert on hostile markup
        return "", f"HTML not readable as text ({type(exc).__name__}); kept in body_html"
    lines = (line.strip() for line in "".join(parser.out).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n"), ""


# --------------------------------------------------------------------------- the MIME walk

@dataclass
class Content:
    """What the walk found: body text, HTML, attachment metadata, and notes."""

    body: str | None = None
    html: str | None = None
    attachments: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def walk(top: Part) -> Content:
    """Visit the MIME tree depth-first without recursion; caps parts and depth."""
    out = Content()
    stack: list[tuple[Part, int, str]] = [(top, 0, "")]
    seen = 0
    while stack:
        part, depth, parent = stack.pop()
        seen += 1
        if seen > MAX_PARTS:
            out.warnings.append(f"more than {MAX_PARTS} MIME parts: the rest not read "
                                "(the raw message is hashed whole)")
            break
        ctype = parse_params(part.get("content-type"), "content-type")
        if ctype.problem:
            out.warnings.append(ctype.problem)
        main = ctype.value if "/" in ctype.value else _default_type(parent)
        if main.startswith("multipart/"):
            children = _split_multipart(part, ctype, depth, out.warnings)
            if children is not None:
                stack.extend((c, depth + 1, main) for c in reversed(children))
                continue
            main = "text/plain"
        _leaf(part, main, ctype.params, out)
    return out


def _default_type(parent: str) -> str:
    return "message/rfc822" if parent == "multipart/digest" else "text/plain"


def _split_multipart(part: Part, ctype: Params, depth: int,
                     warnings: list[str]) -> list[Part] | None:
    boundary = ctype.params.get("boundary")
    if not boundary:
        warnings.append("multipart without a boundary: read as text")
        return None
    if depth >= MAX_DEPTH:
        warnings.append(f"MIME nested deeper than {MAX_DEPTH}: inner parts not read")
        return []
    marks = _delimiters(part.body, b"--" + boundary.encode("utf-8", "replace"))
    if not marks or marks[0][2]:
        warnings.append("multipart start boundary not found: body read as text")
        return None
    if len(marks) > MAX_PARTS:
        warnings.append(f"more than {MAX_PARTS} MIME parts: the rest not read "
                        "(the raw message is hashed whole)")
        marks = marks[:MAX_PARTS + 1]
    elif not marks[-1][2]:
        warnings.append("multipart close boundary not found: last part runs to the end")
        marks.append((len(part.body), len(part.body), True))
    return [split_part(part.body[a[1]:b[0]]) for a, b in zip(marks, marks[1:], strict=False)]


_PADDING = re.compile(rb"[ \t]*(?:\r?\n|\Z)")


def _delimiters(body: bytes, dash: bytes) -> list[tuple[int, int, bool]]:
    """(start incl. the line break before it, end after its line, is-close) per delimiter line.

    A plain ``bytes.find`` loop: a regex anchored on line starts scans base64 bodies slowly.
    """
    marks: list[tuple[int, int, bool]] = []
    at = body.find(dash)
    while at >= 0 and len(marks) <= MAX_PARTS:
        if at == 0 or body[at - 1:at] == b"\n":
            start = at - 1 if at else 0
            start -= 1 if start and body[start - 1:start] == b"\r" else 0
            end = at + len(dash)
            close = body[end:end + 2] == b"--"
            pad = _PADDING.match(body, end + 2 if close else end)
            if pad:
                marks.append((start, pad.end(), close))
                if close:
                    break
        at = body.find(dash, at + 1)
    return marks


def _leaf(part: Part, main: str, params: dict[str, str], out: Content) -> None:
    out.warnings.extend(part.warnings)
    disp = parse_params(part.get("content-disposition"), "content-disposition")
    name = disp.params.get("filename") or params.get("name") or ""
    name = clean(decode_words(name))
    data, problem = decode_payload(part.body, part.get("content-transfer-encoding"))
    if problem:
        out.warnings.append(problem)
    is_text = main in ("text/plain", "text/html")
    if is_text and disp.value != "attachment" and not name:
        text, problem = decode_charset(data, params.get("charset"))
        if problem:
            out.warnings.append(problem)
        if main == "text/plain" and out.body is None:
            out.body = text
            return
        if main == "text/html" and out.html is None:
            out.html = text
            return
    out.attachments.append({"name": name, "type": main, "size": len(data),
                            "sha256": hashlib.sha256(data).hexdigest()})


# --------------------------------------------------------------------------- the row

@dataclass
class _Notes:
    items: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        if text and text not in self.items:
            self.items.append(text)


def owner_keys(owner: Iterable[str]) -> frozenset[str]:
    """Email keys of the export's owner, from identifiers as the case file writes them."""
    keys = set()
    for ident in owner:
        platform, sep, rest = ident.partition(":")
        value = rest if sep and platform.strip().lower() in ("email", "mail") else ident
        if "@" in value:
            keys.add(address_key(value.strip()))
    return frozenset(keys)


#: The columns a parsed message's row has beyond the schema's, in the row's order (readers
#: that build a frame in pieces give every piece these, missing values where a row has none).
ROW_EXTRAS = ("body_html", "attachment_meta", "email_message_id", "headers_raw")


def message_row(raw: bytes, locator: str, *, owner: frozenset[str] = frozenset(),
                envelope: bool = True) -> dict:
    """One message -> one row dict (schema columns plus the email extras)."""
    record_sha = hashlib.sha256(raw).hexdigest()
    try:
        row = _row(raw, envelope, owner)
    except Exception as exc:  # noqa: BLE001 - a record must never be lost to a parser bug
        text = raw.decode("utf-8", errors="replace")
        row = {"kind": "unparsed", "time_basis": "missing", "body": text,
               "warnings": f"message not readable ({type(exc).__name__}: {exc}): kept raw"}
    row.update(locator=locator, record_sha256=record_sha, platform=PLATFORM,
               conversation_kind="email")
    return row


def _row(raw: bytes, envelope: bool, owner: frozenset[str]) -> dict:
    top = split_part(raw, envelope=envelope)
    notes = _Notes()
    for w in top.warnings:
        notes.add(w)
    top.warnings = []
    sender, display = _sender(top, notes)
    recipients = _recipients(top, notes)
    subject = _single(top, "subject", notes)
    subject = clean(decode_words(subject or ""))
    stamp, raw_time = _time(top, notes)
    content = walk(top)
    for w in content.warnings:
        notes.add(w)
    body, html_body = content.body, content.html
    if body is None and html_body is not None:
        body, problem = html_text(html_body)
        notes.add(problem)
    names = [a["name"] for a in content.attachments if a["name"]]
    in_reply = msg_ids(top.get("in-reply-to"))
    return {
        "conversation": _conversation(top, subject, in_reply),
        "sent_at": stamp.utc, "sent_at_raw": raw_time, "time_basis": stamp.basis,
        "sender": sender, "sender_display": display, "recipients": ";".join(recipients),
        "subject": subject, "body": clean(body or ""),
        "kind": "media" if not (body or "").strip() and content.attachments else "text",
        "attachments": ";".join(names), "in_reply_to": in_reply[0] if in_reply else "",
        "warnings": "; ".join(notes.items),
        "from_owner": (sender in owner) if owner else None,
        "body_html": clean(html_body) if html_body is not None else "",
        "attachment_meta": json.dumps(content.attachments, ensure_ascii=False)
        if content.attachments else "",
        "email_message_id": _message_id(top),
        "headers_raw": top.head_text if top.head_text is not None
        else clean(header_block_text(top.raw_head)),
    }


def _single(part: Part, name: str, notes: _Notes) -> str | None:
    values = part.all(name)
    if len(values) > 1:
        notes.add(f"{len(values)} {name.title()} headers: the first is used")
    return values[0] if values else None


def _sender(part: Part, notes: _Notes) -> tuple[str, str]:
    values = part.all("from")
    if not values:
        notes.add("no From header")
        return "", ""
    raw = clean(values[0])
    if len(values) > 1:
        notes.add(f"{len(values)} From headers: sender left unattributed (may be forged)")
        return "", raw
    found = parse_addresses(values[0])
    if found.problem:
        notes.add(f"From: {found.problem}: sender left unattributed")
        return "", raw
    if len(found.mailboxes) != 1:
        notes.add(f"From names {len(found.mailboxes)} addresses: sender left unattributed")
        return "", raw
    box = found.mailboxes[0]
    if "@" not in box.address:
        notes.add(f"From address {box.address!r} has no domain: sender left unattributed")
        return "", raw
    _display_spoof(box, notes)
    return address_key(box.address), clean(box.display) or box.address


_SHOWN_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _display_spoof(box: Mailbox, notes: _Notes) -> None:
    if "@" not in box.display:
        return
    shown = _SHOWN_ADDRESS.findall(box.display)
    if any(s.lower() != box.address.lower() for s in shown):
        notes.add(f"From display name shows another address ({box.display!r}) than the "
                  f"one it was sent from ({box.address})")


def _recipients(part: Part, notes: _Notes) -> list[str]:
    keys: list[str] = []
    for name in ("to", "cc", "bcc"):
        for value in part.all(name):
            found = parse_addresses(value)
            if found.problem:
                notes.add(f"{name.title()}: {found.problem}: those recipients left "
                          "unattributed")
                continue
            for m in found.mailboxes:
                if "@" in m.address:
                    keys.append(address_key(m.address))
                else:
                    notes.add(f"{name.title()} address {m.address!r} has no domain: left out "
                              "of recipients")
    return list(dict.fromkeys(k for k in keys if k))


def _time(part: Part, notes: _Notes) -> tuple[Stamp, str]:
    date = _single(part, "date", notes)
    if date is not None:
        stamp = parse_date(date)
        if stamp.utc is not None:
            return stamp, date
        notes.add(f"Date header not usable ({stamp.problem})")
    else:
        notes.add("no Date header")
    received = part.all("received")
    stamp_text = received_stamp(received[0]) if received else ""
    stamp = parse_date(stamp_text) if stamp_text else Stamp(None)
    if stamp.utc is not None:
        notes.add("time from the topmost Received header (when the receiving server got "
                  "it), not from the sender's Date")
        return Stamp(stamp.utc, stamp.offset, "offset"), stamp_text
    notes.add("no time: neither a usable Date nor a dated Received header")
    return Stamp(None), date or ""


def _conversation(part: Part, subject: str, in_reply: list[str]) -> str:
    refs = msg_ids(part.get("references"))
    root = refs[0] if refs else in_reply[0] if in_reply else ""
    return root or thread_subject(subject)


def _message_id(part: Part) -> str:
    values = part.all("message-id")
    for value in values:
        if _MSGID.fullmatch(value.strip()) and "@" in value:
            return value.strip()
    return clean(values[0].strip()) if values else ""


# --------------------------------------------------------------------------- files and folders

def mark_copies(rows: list[dict]) -> None:
    """Say which rows repeat an earlier message of the same source (same Message-ID, bytes)."""
    seen: dict[tuple[str, str], str] = {}
    for row in rows:
        row.setdefault("copy_of", "")
        mid = row.get("email_message_id") or ""
        key = (mid, row.get("record_sha256", ""))
        if not mid:
            continue
        if key in seen:
            note = f"copy of {seen[key]} (same Message-ID and bytes)"
            row["warnings"] = "; ".join(x for x in (row.get("warnings", ""), note) if x)
            row["copy_of"] = seen[key]
        else:
            seen[key] = row["locator"]


def folder_files(folder: Path, keep: Callable[[str], bool]) -> list[tuple[Path, str]]:
    """(file, its path relative to ``folder``) for every file below it that ``keep`` takes."""
    return [(f, rel) for f in source_files(folder)
            if keep(rel := f.relative_to(folder).as_posix())]


def file_rows(files: list[tuple[Path, str]], keys: frozenset[str], scheme: str,
              ) -> Iterator[tuple[str, dict]]:
    """(relative name, row) for one message per file (a folder of .eml, a Maildir).

    A symbolic link is never followed: it could point outside the source.
    """
    for file, rel in files:
        locator = f"{scheme}:{rel}"
        if file.is_symlink():
            yield rel, unparsed(locator, rel.encode("utf-8", "surrogateescape"),
                                "symbolic link: not followed (it could point outside the "
                                "source)", platform="email", conversation_kind="email")
            continue
        yield rel, message_row(file.read_bytes(), locator, owner=keys)
