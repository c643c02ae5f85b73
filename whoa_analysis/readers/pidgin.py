"""Pidgin (and Gaim) conversation logs, text and HTML, and Adium ``.chatlog`` XML.

Pidgin writes one file per conversation, named ``<date>.<time><offset><zone>.txt|html``::

    Conversation with rob@example.net at 2024-03-12 21:04:10 on dana.example (jabber)
    (21:04:12) Rob O: you can't block me everywhere
    (21:05:40) Rob O has signed off.
    (03/13/2024 00:02:09) Rob O: still awake?

The HTML flavour has the same header in ``<title>``/``<h3>`` and one message per line::

    <font color="#A82F2F"><font size="2">(21:04:12)</font> <b>Rob O:</b></font> hi<br/>

Adium keeps XML (``<chat account= service=><message sender= time="2014-03-16T23:55:48-0400"
alias=>``, ``<event>``, ``<status>``), whose times carry an offset (instants).

Lines with only a time take the header's date; a time earlier than the header's is the next
day (Pidgin adds the date to lines more than a day after the start). A line's own date is kept
as written, with a warning when it differs from the header's. Numeric dates follow the order the
file shows (a field over 12 decides, else ``date_order``). The zone: a numeric offset in the
header, or in Pidgin's file name when its date and time are the header's, gives instants; a zone
abbreviation ("PST", "GMT") is not trusted, so otherwise the declared ``tz`` is required. Lines
without ``nick:`` ("Rob O has signed off.", "Gabe entered the room.") are ``system`` rows;
``***nick text`` is an action. Senders are ``im:<name as shown>`` (Adium: ``im:<screen name>``);
HTML bodies are the visible text, the line's markup kept in ``body_html``. Conversations are
``direct`` unless the log is a chat room (``.chat`` folder, "entered the room" lines).
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

from .. import accounts
from ..errors import InputError
from ._common import Head, Source, decode_text, infer_date_order, localize_rows, unparsed

FORMAT = "pidgin"
PLATFORM = "im"
PATTERNS = ("Pidgin/Gaim *.txt, *.html logs ('Conversation with X at DATE on Y (protocol)')",
            "Adium *.chatlog / *.xml")
DESCRIPTION = "Pidgin/Gaim conversation logs (text, HTML) and Adium .chatlog XML"

_HEADER = re.compile(r"Conversation with (?P<buddy>.+?)(?: at (?P<when>.+?) on (?P<account>.*?)"
                     r" \((?P<proto>[^()]*)\))?\s*$")
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_HMS = r"(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?(?:\s?(?P<ampm>[AaPp]\.?[Mm]\.?))?"
_ZONE = r"(?:\s+(?P<zone>[+-]\d{2}:?\d{2}|[A-Za-z]{1,5}))?"
#: Date-time layouts of headers and lines: (regex, day/month fields). Full match only.
STAMPS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rx + _ZONE + r"$"), how) for rx, how in (
        (r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})[ T]" + _HMS, "ymd"),
        (r"(?P<a>\d{1,2})[/.](?P<b>\d{1,2})[/.](?P<y>\d{4}),? " + _HMS, "numeric"),
        (r"(?:[A-Za-z]+,? )?(?P<d>\d{1,2}) (?P<mon>[A-Za-z]{3})[a-z]*\.? (?P<y>\d{4}),? " + _HMS,
         "named"),
        (r"(?:[A-Za-z]+,? )?(?P<mon>[A-Za-z]{3})[a-z]*\.? (?P<d>\d{1,2}),? " + _HMS
         + r" (?P<y>\d{4})", "named"),
        (r"(?:[A-Za-z]+,? )?(?P<mon>[A-Za-z]{3})[a-z]*\.? (?P<d>\d{1,2}),? (?P<y>\d{4}),? " + _HMS,
         "named"),
        (_HMS, "time"),
    ))
_LINE = re.compile(r"^\((?P<stamp>[^()]{4,40})\) (?P<rest>.*)$", re.DOTALL)
#: What follows a line's time: (regex, kind). First match wins.
LINE_FORMS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rx, re.DOTALL), kind) for rx, kind in (
        (r"^\*\*\*(?P<nick>\S+) (?P<text>.*)$", "action"),
        (r"^(?P<nick>[^:\n]{1,80}?): ?(?P<text>.*)$", "text"),
        (r"^(?P<text>.*)$", "system"),
    ))
_FILE_NAME = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2})\.(?P<time>\d{6})(?P<off>[+-]\d{4})"
                        r"(?P<abbr>[A-Za-z]*)\.(?:txt|html?)$", re.IGNORECASE)
_ROOM_EVENT = re.compile(r"\b(?:entered|left) the room\b")
_ADIUM_RECORD = re.compile(rb"<(message|event|status)\b[^>]*?(?:/>|>.*?</\1\s*>)", re.DOTALL)


# --- sniff ---------------------------------------------------------------------------------------

def sniff(head: Head) -> bool:
    if head.is_zip:
        return False
    if head.is_dir:
        return head.name.endswith(".chatlog") and any(m.endswith(".xml") for m in head.members)
    text = head.text.lstrip()
    if text.startswith("Conversation with ") and re.search(r"\n\(\d", text[:4096]):
        return True
    lowered = text[:2048].lower()
    if re.search(r"<(?:title|h1|h3)>conversation with ", lowered):
        return True
    return ("purl.org/net/ulf/ns/0.4" in lowered or text.startswith("<message sender=")) and \
        "<message" in lowered


# --- reading -------------------------------------------------------------------------------------

def read(path: Path, *, tz: str | None = None, owner: Sequence[str] = (),
         date_order: str | None = None, region: str | None = None) -> pd.DataFrame:
    path = Path(path)
    if path.is_dir():
        xmls = sorted(p for p in path.glob("*.xml") if p.is_file())
        if len(xmls) != 1:
            raise InputError(f"{path.name}: expected an Adium .chatlog folder holding one .xml; "
                             f"got {len(xmls)} (add the .xml file itself as the source)")
        path = xmls[0]
    src = Source(path, FORMAT)
    data = src.path.read_bytes()
    owners = {o.casefold() for o in owner}
    head = data[:4096].decode("utf-8", errors="replace").lower()
    if "<message" in head and ("purl.org/net/ulf" in head or head.lstrip().startswith(
            ("<?xml", "<message", "<chat"))) and "conversation with" not in head:
        rows = _adium(data, src, owners)
    else:
        rows = _pidgin(data, src, tz, date_order, owners)
    return src.frame(rows)


# --- Pidgin text and HTML ------------------------------------------------------------------------

@dataclass
class _Log:
    """The header's facts, shared by every line of one log."""

    buddy: str = ""
    account: str = ""
    protocol: str = ""
    start: dt.datetime | None = None
    offset: dt.timedelta | None = None
    html: bool = False
    group: bool = False
    notes: list[str] = field(default_factory=list)


class _Visible(HTMLParser):
    """Visible text of an HTML fragment: tags dropped, ``<br>`` as a newline, entities decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag in ("script", "style", "title"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "title") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible(fragment: str) -> str:
    parser = _Visible()
    parser.feed(fragment)
    parser.close()
    return "".join(parser.parts)


def _pidgin(data: bytes, src: Source, tz: str | None, date_order: str | None,
            owners: set[str]) -> list[dict]:
    text, warn = decode_text(data)
    if warn:
        src.assume(f"log {warn}")
    raw_lines = text.splitlines(keepends=True)
    log = _header(raw_lines, src)
    records = _records(raw_lines, log)
    order = _date_order(log, records, date_order)
    _header_time(log, order, src)
    rows = [_row(rec, log, order, owners) for rec in records]
    _place(rows, log, tz, src)
    return rows


def _header(lines: list[str], src: Source) -> _Log:
    log = _Log(html=bool(lines) and lines[0].lstrip().startswith("<"))
    first = visible(lines[0]) if log.html and lines else (lines[0] if lines else "")
    if log.html and lines:
        title = re.search(r"<(?:title|h1|h3)>(.*?)</", lines[0], re.IGNORECASE | re.DOTALL)
        first = visible(title.group(1)) if title else first
    m = _HEADER.search(first.strip())
    if not m:
        raise InputError(f"{src.path.name}: expected a Pidgin log starting 'Conversation with "
                         f"X at DATE on Y (protocol)'; got {first[:60]!r}")
    log.buddy, log.account = m["buddy"], m["account"] or ""
    log.protocol = m["proto"] or ""
    log.notes.append(m["when"] or "")
    log.group = src.path.parent.name.endswith(".chat") or log.buddy.startswith("#")
    name = _FILE_NAME.match(src.path.name)
    log.notes.append(name.group(0) if name else "")
    return log


def _records(lines: list[str], log: _Log) -> list[dict]:
    """One record per timestamped line; later lines without a time continue it (text logs)."""
    records: list[dict] = []
    for n, line in enumerate(lines[1:], start=2):
        shown = visible(line) if log.html else line
        body_line = shown.rstrip("\r\n")
        m = _LINE.match(body_line)
        if m:
            records.append({"n": n, "raw": line, "stamp": m["stamp"], "rest": m["rest"]})
        elif records and not log.html and line.strip():
            records[-1]["raw"] += line
            records[-1]["rest"] += "\n" + body_line
        elif body_line.strip():
            records.append({"n": n, "raw": line, "stamp": "", "rest": body_line})
        elif records:
            records[-1]["raw"] += line if not log.html else ""
    return records


def _stamp(text: str) -> tuple[re.Match | None, str]:
    for rx, how in STAMPS:
        m = rx.match(text.strip())
        if m:
            return m, how
    return None, ""


def _date_order(log: _Log, records: list[dict], date_order: str | None) -> str | None:
    numeric = [m for m, how in (_stamp(t) for t in [log.notes[0]] + [r["stamp"] for r in records])
               if how == "numeric" and m]
    if not numeric:
        return date_order
    return infer_date_order((int(m["a"]) for m in numeric), (int(m["b"]) for m in numeric),
                            FORMAT, date_order)


def _naive(m: re.Match, how: str, order: str | None) -> dt.datetime | None:
    """The local date-time a stamp states (``None`` when it has no date)."""
    if how == "time":
        return None
    if how == "numeric":
        day, month = (m["a"], m["b"]) if order == "dmy" else (m["b"], m["a"])
    elif how == "named":
        day, month = m["d"], _MONTHS.get(m["mon"].lower()[:3], 0)
    else:
        day, month = m["d"], m["m"]
    return dt.datetime.combine(dt.date(int(m["y"]), int(month), int(day)), _clock(m))


def _clock(m: re.Match) -> dt.time:
    hour = int(m["H"])
    ampm = (m["ampm"] or "").lower().replace(".", "")
    if ampm:
        if not 1 <= hour <= 12:
            raise ValueError(f"hour {hour} with {ampm}")
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    return dt.time(hour, int(m["M"]), int(m["S"] or 0))


def _offset(zone: str | None) -> dt.timedelta | None:
    if not zone or zone[0] not in "+-":
        return None
    digits = zone[1:].replace(":", "")
    delta = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return -delta if zone[0] == "-" else delta


def _header_time(log: _Log, order: str | None, src: Source) -> None:
    when, name = log.notes[0], log.notes[1]
    m, how = _stamp(when) if when else (None, "")
    try:
        log.start = _naive(m, how, order) if m else None
    except ValueError:
        log.start = None
    if log.start is None:
        src.assume("the log header gives no date: lines keep no time")
        return
    log.offset = _offset(m["zone"])
    if m["zone"] and log.offset is None:
        src.assume(f"zone abbreviation {m['zone']!r} in the header not trusted for the instant")
    file_name = _FILE_NAME.match(name) if name else None
    if log.offset is None and file_name:
        stated = dt.datetime.strptime(file_name["date"] + file_name["time"], "%Y-%m-%d%H%M%S")
        if stated == log.start:
            log.offset = _offset(file_name["off"])
            src.assume(f"offset {file_name['off']} taken from the file name (its date and time "
                       "are the header's)")
    if log.offset is not None:
        src.assume("the log's offset applied to every line (a DST change within one "
                   "conversation would not be seen)")


def _row(rec: dict, log: _Log, order: str | None, owners: set[str]) -> dict:
    raw = rec["raw"].encode("utf-8")
    locator = f"line:{rec['n']}"
    base = {"platform": PLATFORM, "protocol": log.protocol, "account": log.account}
    if not rec["stamp"]:
        return unparsed(locator, raw, "line without a (time): not a Pidgin message line",
                        **base, body_html=rec["raw"] if log.html else "")
    warnings: list[str] = []
    naive = _line_time(rec["stamp"], log, order, warnings)
    kind, nick, text = _classify(rec["rest"])
    if _ROOM_EVENT.search(rec["rest"]) and kind == "system":
        log.group = True
    return {"locator": locator, "raw": raw, **base, "_naive": naive,
            "sent_at_raw": rec["stamp"], "kind": "system" if kind == "system" else "text",
            "is_action": kind == "action", "sender_display": nick,
            "sender": accounts.key_for("im", nick) if nick else "", "body": text,
            "body_html": rec["raw"].rstrip("\r\n") if log.html else "",
            "warnings": warnings, "from_owner": (nick.casefold() in owners)
            if owners and nick else None}


def _line_time(stamp: str, log: _Log, order: str | None,
               warnings: list[str]) -> dt.datetime | None:
    m, how = _stamp(stamp)
    try:
        if not m:
            raise ValueError(stamp)
        own = _naive(m, how, order)
        clock = _clock(m)
    except ValueError:
        warnings.append(f"cannot read the time {stamp!r}: kept without a time (may be forged)")
        return None
    if own is not None:
        if log.start and own.date() != log.start.date():
            warnings.append(f"date in the line differs from the conversation's "
                            f"({log.start.date()}): kept as written")
        return own
    if log.start is None:
        warnings.append("time without a date: the log header gives none")
        return None
    day = log.start.date() + dt.timedelta(days=1 if clock < log.start.time() else 0)
    return dt.datetime.combine(day, clock)


def _classify(rest: str) -> tuple[str, str, str]:
    for rx, kind in LINE_FORMS:
        m = rx.match(rest)
        if m:
            return kind, (m.groupdict().get("nick") or ""), m["text"]
    return "system", "", rest


def _place(rows: list[dict], log: _Log, tz: str | None, src: Source) -> None:
    local = [r for r in rows if r.get("_naive") is not None]
    if local and log.offset is not None:
        for r in local:
            r["sent_at"] = pd.Timestamp(r["_naive"] - log.offset, tz="UTC")
            r["time_basis"] = "offset"
    elif local:
        localize_rows(rows, tz, FORMAT, src)
    if any(r.get("_naive") is not None and r["sent_at_raw"] and _stamp(r["sent_at_raw"])[1]
           == "time" for r in rows):
        src.assume("time-only lines dated from the header (a time before the header's is the "
                   "next day)")
    for r in rows:
        if r.pop("_naive", None) is None and r["kind"] != "unparsed":
            r["time_basis"] = "missing"
        if isinstance(r.get("warnings"), list):
            r["warnings"] = "; ".join(r["warnings"])
        r["conversation"], r["conversation_kind"] = log.buddy, "group" if log.group else "direct"


# --- Adium XML -----------------------------------------------------------------------------------

def _adium(data: bytes, src: Source, owners: set[str]) -> list[dict]:
    if b"<!DOCTYPE" in data[:4096].upper() or b"<!ENTITY" in data.upper():
        raise InputError(f"{src.path.name}: expected Adium chat XML without a DOCTYPE; "
                         "refusing entity declarations (possible XML bomb)")
    chat = re.search(rb"<chat\b[^>]*>", data)
    attrs = dict(re.findall(r'(\w+)="([^"]*)"', chat.group(0).decode("utf-8", "replace"))) \
        if chat else {}
    account, service = attrs.get("account", ""), attrs.get("service", "")
    rows = [_adium_row(i, m.group(0), account, service, owners)
            for i, m in enumerate(_ADIUM_RECORD.finditer(data), start=1)]
    senders = {r["sender"] for r in rows if r.get("sender")}
    others = senders - {accounts.key_for("im", account)} if account else senders
    direct = len(others) <= (1 if account else 2)
    stem = src.path.stem.split(" (")[0]
    for r in rows:
        r["conversation"] = stem
        r["conversation_kind"] = "direct" if direct else "group"
    return rows


def _adium_row(i: int, raw: bytes, account: str, service: str, owners: set[str]) -> dict:
    locator = f"xml:/chat/*[{i}]"
    try:
        # safe without defusedxml: files declaring a DOCTYPE/ENTITY were refused in _adium,
        # so no entity can expand and nothing external is loaded
        elem = ET.fromstring(raw)  # noqa: S314
    except ET.ParseError as exc:
        return unparsed(locator, raw, f"not well-formed XML ({exc})", platform=PLATFORM)
    tag = elem.tag.rpartition("}")[2]
    sender = elem.get("sender", "")
    stamp = elem.get("time", "")
    row = {"locator": locator, "raw": raw, "platform": PLATFORM, "protocol": service,
           "account": account, "sender_display": elem.get("alias") or sender,
           "sender": accounts.key_for("im", sender) if sender else "",
           "body": "".join(elem.itertext()), "sent_at_raw": stamp,
           "kind": "text" if tag == "message" else "system", "is_action": False,
           "body_html": raw.decode("utf-8", "replace"), "warnings": "",
           "from_owner": sender.casefold() in owners if owners and sender else None}
    try:
        when = pd.Timestamp(stamp)
        if when.tzinfo is None:
            raise ValueError("no offset")
        row.update(sent_at=when.tz_convert("UTC"), time_basis="offset")
    except ValueError:
        row.update(time_basis="missing", warnings=f"cannot read the time {stamp!r}: expected "
                   "ISO 8601 with an offset")
    return row
