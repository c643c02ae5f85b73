"""IRC client and bouncer logs: irssi, WeeChat, ZNC, XChat/HexChat, mIRC, Textual, colabti/Ubuntu.

Every client writes its own line layout; all are recognised by the tables below (a timestamp
prefix from ``LAYOUTS``, then the rest of the line from ``MESSAGE_FORMS``)::

    --- Log opened Tue Mar 12 10:00:00 2024                      (irssi; header gives the date)
    10:02 <robz> you can't hide on IRC
    10:03 -!- dana_e [~dana@192.0.2.7] has quit [Quit: bye]
    [2021-04-22T10:01:04+0200] <MasterDuke> any objections?       (Textual: offset = instant)
    2024-03-12 10:04:11\trobz\tanswer me                           (WeeChat)
    **** BEGIN LOGGING AT Mon Dec 31 21:11:55 2011                 (XChat/HexChat: year)
    dec 31 21:11:58 <fpi> ola plas-ing guys!
    [08:01] * sena_kun still awaits the release blocker            (colabti, ZNC, mIRC)
    === lizmmat_ is now known as lizmat                            (irclogs.ubuntu.com: no time)
    T 1232074579 \\x0319*\\x0f\\tSpeaking now on ##plaso##          (XChat scrollback: epoch)

Lines carrying only a time take their date from the log's own headers ("Log opened", "Day
changed", "Session Start", "BEGIN LOGGING") or, failing those, from a ``YYYY-MM-DD`` (or
``YYYYMMDD``, or ``YYYY/MM/DD`` folders) in the file's name, recorded as an assumption. Times
without an offset are local times in the declared zone (``tz``; colabti and Ubuntu logs are
UTC: declare ``UTC``). Each line is decoded on its own: UTF-8, else cp1252 with a warning on
that row. IRC formatting codes (bold, colours, ...) stay in ``body``; ``body_display`` has them
stripped. Joins, parts, quits, nick and mode changes, topics and log headers are ``system`` rows;
``* nick waves`` is a text row with ``is_action``. The conversation is the channel (from a
header, the file name, or the first join line): ``group`` for ``#channel``, ``direct`` for a
query log named after one of its speakers, unknown otherwise.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import accounts
from ..errors import InputError
from ._common import Head, Source, decode_text, localize, require_tz

FORMAT = "irc"
PLATFORM = "irc"
PATTERNS = ("*.log / *.txt IRC logs (irssi, WeeChat, ZNC, XChat/HexChat, mIRC, Textual, "
            "colabti, irclogs.ubuntu.com)",)
DESCRIPTION = "IRC client and bouncer logs, one channel or query per file"

MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}

_TIME = r"(?P<time>\d{1,2}:\d{2}(?::\d{2})?)"
#: Timestamp prefixes: (name, regex on the display text, how the time is read).
LAYOUTS: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (name, re.compile(rx), how) for name, rx, how in (
        ("textual", r"^\[(?P<iso>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:[+-]\d{2}:?\d{2}|Z))\] "
                    r"(?P<rest>.*)$", "offset"),
        ("iso", r"^\[?(?P<date>\d{4}-\d{2}-\d{2})[T ]" + _TIME + r"\]?[ \t]+(?P<rest>.*)$",
         "date_time"),
        ("xchat", r"^ ?(?P<mon>[A-Za-z]{3}) (?P<day>\d{1,2}) " + _TIME + r" (?P<rest>.*)$",
         "month_day"),
        ("dircproxy", r"^\[(?P<day>\d{1,2}) (?P<mon>[A-Za-z]{3}) " + _TIME + r"\] (?P<rest>.*)$",
         "month_day"),
        ("scrollback", r"^T (?P<epoch>\d+) (?P<rest>.*)$", "epoch"),
        ("bracket_time", r"^\[" + _TIME + r"\] ?(?P<rest>.*)$", "time"),
        ("bare_time", r"^" + _TIME + r" (?P<rest>.*)$", "time"),
    ))

_CLOCK = r"(?:[A-Za-z]+ )?(?P<mon>[A-Za-z]{3}) +(?P<day>\d{1,2})(?: (?P<time>\d{2}:\d{2}:\d{2}))? (?P<year>\d{4})"
#: Log headers: (regex, what they set). They are rows too (system).
HEADERS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rx), what) for rx, what in (
        (r"^--- Log (?:opened|closed) " + _CLOCK + r"\s*$", "date"),
        (r"^--- Day changed " + _CLOCK + r"\s*$", "date"),
        (r"^\*{4} .*? " + _CLOCK + r"\s*$", "date"),              # XChat, any locale's words
        (r"^Session (?:Start|Close): " + _CLOCK + r"\s*$", "date"),   # mIRC
        (r"^Session Ident: (?P<channel>\S+)\s*$", "channel"),
        (r"^Session Time: .*$", "none"),
    ))

#: The rest of a line after its timestamp: (regex, kind). First match wins.
MESSAGE_FORMS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rx), kind) for rx, kind in (
        (r"^\s*(?P<marker>-->|<--|--|-!-|=!=|===|\*\*\*)\t(?P<text>.*)$", "system"),  # WeeChat
        (r"^\s*\*\t(?P<nick>\S+) (?P<text>.*)$", "action"),                       # HexChat
        (r"^\s*\*\t(?P<text>.*)$", "system"),
        (r"^\s*<(?P<nick>[^>\t]+)>[ \t]?(?P<text>.*)$", "text"),
        (r"^\s*\*\s+(?P<nick>\S+) (?P<text>.*)$", "action"),
        (r"^\s*\u2022\s?(?P<nick>[^:\s]+):? (?P<text>.*)$", "action"),               # Textual
        (r"^\s*(?P<marker>\*\*\*|-!-|-->|<--|---|===|-\|-|\*{1,4})\s?(?P<text>.*)$", "system"),
        (r"^(?P<nick>[^\t<>*\s][^\t]*)\t(?P<text>.*)$", "text"),                   # WeeChat
        (r"^(?P<text>.*)$", "system"),                                           # events
    ))

#: Actions that are really events (mIRC and XChat write both as "* ...").
SYSTEM_PHRASES = re.compile(
    r"(?i)^(?:joins|parts|quits|kicks|mode|topic|notice)\b:?|\b(?:has joined|has left|has quit|"
    r"joined the channel|left the channel|left irc|is now known as|sets mode|gives voice|"
    r"gives channel operator|removes voice|removes channel operator|was kicked|has kicked|"
    r"changes topic|changed the topic|topic for|topic of|set by|now talking on|talking on|"
    r"speaking now on|you are now talking|disconnected|connected)\b")

_CHANNEL_IN_TEXT = re.compile(r"(?:talking on|Talking on|has joined|joined|Session Ident:) "
                              r"(?P<channel>[#&][^\s,]+)")
_CHANNEL_IN_NAME = re.compile(r"(?P<channel>[#&][^/\\]+?)(?:[._-]?\d{4}-?\d{2}-?\d{2})?"
                              r"(?:\.(?:log|txt))?$", re.IGNORECASE)
_DATE_IN_NAME = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})-?(?P<m>\d{2})-?(?P<d>\d{2})(?!\d)")
_DATE_IN_DIRS = re.compile(r"(?P<y>(?:19|20)\d{2})/(?P<m>\d{2})/(?P<d>\d{2})(?:/|$)")
_CODES = re.compile(r"\x03(?:\d{1,2}(?:,\d{1,2})?)?|\x04(?:[0-9a-fA-F]{6}(?:,[0-9a-fA-F]{6})?)?"
                    r"|[\x02\x08\x0f\x11\x16\x1d\x1e\x1f]")
_NICK_MODES = "@+%&~!"
_SNIFF_LINES = 30


# --- formatting codes ----------------------------------------------------------------------------

def strip_codes(text: str) -> tuple[str, list[int]]:
    """Text without IRC formatting codes, and for each kept character its index in ``text``."""
    shown: list[str] = []
    where: list[int] = []
    pos = 0
    for m in _CODES.finditer(text):
        shown.append(text[pos:m.start()])
        where.extend(range(pos, m.start()))
        pos = m.end()
    shown.append(text[pos:])
    where.extend(range(pos, len(text)))
    return "".join(shown), where


def _raw_from(raw: str, where: list[int], i: int) -> str:
    """The raw text from display index ``i`` on, codes just before it included."""
    if i <= 0:
        return raw
    return raw[where[i - 1] + 1:]


# --- sniff ---------------------------------------------------------------------------------------

def _classify_for_sniff(line: str) -> int:
    """2 for an unmistakable IRC line, 1 for a line an IRC layout reads, 0 otherwise."""
    if any(rx.match(line) for rx, _ in HEADERS):
        return 2
    for _, rx, _ in LAYOUTS:
        m = rx.match(line)
        if m:
            rest = strip_codes(m["rest"])[0]
            strong = re.match(r"^\s*(?:<[^>\s]+>|\*\t|-!-|\*\*\*|-->|<--|===|\u2022|\* \S)", rest)
            return 2 if strong else 1
    return 2 if line.startswith("=== ") else 0


def sniff(head: Head) -> bool:
    if head.is_dir or head.is_zip or head.data.lstrip()[:1] in (b"{", b"<"):
        return False
    lines = [ln for ln in head.text.splitlines() if ln.strip()][:_SNIFF_LINES]
    if not lines:
        return False
    scores = [_classify_for_sniff(ln.rstrip("\r")) for ln in lines]
    return scores.count(2) >= max(1, len(lines) // 4) and scores.count(0) <= len(lines) // 4


# --- reading -------------------------------------------------------------------------------------

@dataclass
class _Context:
    """What earlier lines and the file name tell later ones."""

    name_date: dt.date | None
    date: dt.date | None = None          # from the latest header
    year: int | None = None
    header_day: tuple[int, int] | None = None
    channel: str = ""
    last_naive: dt.datetime | None = None
    used: set[str] = field(default_factory=set)


def read(path: Path, *, tz: str | None = None, owner: Sequence[str] = (),
         date_order: str | None = None, region: str | None = None) -> pd.DataFrame:
    src = Source(Path(path), FORMAT)
    if src.path.is_dir():
        raise InputError(f"{src.path.name}: expected one IRC log file; got a folder "
                         "(add each log as its own source)")
    data = src.path.read_bytes()
    ctx = _Context(name_date=_date_from_path(src.path))
    rows = [_line_row(n, raw, ctx) for n, raw in _lines(data)]
    if rows and not any(r["_layout"] for r in rows):
        raise InputError(f"{src.path.name}: expected an IRC log (lines such as "
                         "'[10:02] <nick> text'); no line has a known IRC layout")
    _conversation(rows, ctx, src.path, owner)
    _record_assumptions(ctx, src)
    _place_times(rows, tz, src)
    owners = {o.casefold() for o in owner}
    for row in rows:
        nick = row["sender_display"].lstrip(_NICK_MODES)
        row["from_owner"] = (nick.casefold() in owners) if owners and nick else None
        del row["_layout"]
    return src.frame(rows)


def _lines(data: bytes):
    """(line number, raw bytes without the line ending) for every non-blank line."""
    for n, raw in enumerate(data.split(b"\n"), start=1):
        raw = raw.removesuffix(b"\r")
        if raw.strip():
            yield n, raw


def _date_from_path(path: Path) -> dt.date | None:
    for rx, text in ((_DATE_IN_NAME, path.name), (_DATE_IN_DIRS, path.as_posix())):
        m = rx.search(text)
        if m:
            try:
                return dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
            except ValueError:
                continue
    return None


def _line_row(n: int, raw_bytes: bytes, ctx: _Context) -> dict:
    text, warn = decode_text(raw_bytes)
    if n == 1:
        text = text.removeprefix("\ufeff")
    display, where = strip_codes(text)
    row = {"locator": f"line:{n}", "raw": raw_bytes, "platform": PLATFORM, "sender": "",
           "sender_display": "", "kind": "system", "is_action": False, "_naive": None,
           "_instant": None, "sent_at_raw": "", "_layout": "", "warnings": [warn] if warn else []}
    if _header(display, ctx, row):
        row["body"], row["body_display"] = text, display
        return row
    for name, rx, how in LAYOUTS:
        m = rx.match(display)
        if m:
            row["_layout"] = name
            row["sent_at_raw"] = display[:m.start("rest")].strip()
            _time(m, how, ctx, row)
            _message(display[m.start("rest"):], text, where, m.start("rest"), row)
            return row
    if display.startswith("=== "):
        row["_layout"] = "no_time"
        row["warnings"].append("line carries no time")
        _message(display, text, where, 0, row)
        return row
    row["body"], row["body_display"], row["kind"] = text, display, "unparsed"
    row["warnings"].append("line has no known IRC layout: kept as unparsed (may be forged or "
                           "a wrapped line)")
    return row


def _header(display: str, ctx: _Context, row: dict) -> bool:
    for rx, what in HEADERS:
        m = rx.match(display)
        if not m:
            continue
        row["_layout"] = "header"
        if what == "channel":
            ctx.channel = ctx.channel or m["channel"]
        if what == "date":
            when = _clock(m, int(m["year"]))
            if when is None:
                row["warnings"].append(f"cannot read the header's date {display!r}")
                return True
            ctx.date, ctx.year = when.date(), when.year
            ctx.header_day = (when.month, when.day)
            ctx.used.add("header")
            row["sent_at_raw"] = display.strip()
            if m["time"]:
                row["_naive"] = when
        return True
    return False


def _clock(m: re.Match, year: int) -> dt.datetime | None:
    month = MONTHS.get(m["mon"].lower())
    try:
        hms = [int(x) for x in (m["time"] or "0:0:0").split(":")] + [0]
        return dt.datetime(year, month or 0, int(m["day"]), hms[0], hms[1], hms[2])
    except (ValueError, TypeError):
        return None


def _time(m: re.Match, how: str, ctx: _Context, row: dict) -> None:
    try:
        if how == "offset":
            row["_instant"] = pd.Timestamp(m["iso"]).tz_convert("UTC")
        elif how == "epoch":
            _epoch(int(m["epoch"]), row)
        else:
            naive = _naive(m, how, ctx, row)
            if naive is not None:
                _check_order(naive, how, ctx, row)
                row["_naive"] = naive
    except ValueError:
        row["warnings"].append(f"invalid time {row['sent_at_raw']!r}: kept without a time "
                               "(may be forged)")


def _epoch(seconds: int, row: dict) -> None:
    if seconds <= 0:
        row["warnings"].append(f"epoch time {seconds}: treated as no time")
        return
    row["_instant"] = pd.Timestamp(seconds, unit="s", tz="UTC")


def _naive(m: re.Match, how: str, ctx: _Context, row: dict) -> dt.datetime | None:
    hms = [int(x) for x in m["time"].split(":")] + [0]
    clock = dt.time(hms[0], hms[1], hms[2])
    if how == "date_time":
        return dt.datetime.combine(dt.date.fromisoformat(m["date"]), clock)
    if how == "month_day":
        year = ctx.year or (ctx.name_date.year if ctx.name_date else None)
        month = MONTHS.get(m["mon"].lower())
        if year is None or month is None:
            row["warnings"].append("no year in the log or its file name: kept without a time"
                                   if year is None else f"unknown month {m['mon']!r}")
            return None
        if ctx.header_day and (month, int(m["day"])) < ctx.header_day:
            year += 1          # logs run forward: a day before the header's is in the next year
        ctx.used.add("header" if ctx.year else "name_year")
        return dt.datetime.combine(dt.date(year, month, int(m["day"])), clock)
    day = ctx.date or ctx.name_date
    if day is None:
        row["warnings"].append("time without a date: no header or file name gives the date")
        return None
    ctx.used.add("header" if ctx.date else "name")
    return dt.datetime.combine(day, clock)


def _check_order(naive: dt.datetime, how: str, ctx: _Context, row: dict) -> None:
    if how == "time" and ctx.last_naive and naive < ctx.last_naive:
        row["warnings"].append("time earlier than the line before and no day change logged: "
                               "the date may be a day early")
    ctx.last_naive = naive


def _message(rest: str, raw_text: str, where: list[int], offset: int, row: dict) -> None:
    for rx, kind in MESSAGE_FORMS:
        m = rx.match(rest)
        if not m:
            continue
        text_at = offset + m.start("text")
        row["body"] = _raw_from(raw_text, where, text_at)
        row["body_display"] = m["text"]
        nick = (m.groupdict().get("nick") or "").strip()
        if kind == "action" and SYSTEM_PHRASES.search(rest):
            kind, nick = "system", ""
            row["body"] = _raw_from(raw_text, where, offset + len(rest) - len(rest.lstrip()))
            row["body_display"] = rest.lstrip()
        row["is_action"] = kind == "action"
        row["kind"] = "system" if kind == "system" else "text"
        if nick:
            shown = nick.split("!", 1)[0]
            row["sender_display"] = shown
            row["sender"] = accounts.key_for("irc", shown.lstrip(_NICK_MODES))
        return


def _conversation(rows: list[dict], ctx: _Context, path: Path, owner: Sequence[str]) -> None:
    name = _CHANNEL_IN_NAME.search(path.name)
    channel = ctx.channel or (name["channel"] if name else "")
    if not channel:
        found = (_CHANNEL_IN_TEXT.search(r["body_display"]) for r in rows)
        channel = next((m["channel"] for m in found if m), "")
    if channel:
        kind: str | None = "group"
    else:
        channel = _DATE_IN_NAME.sub("", path.stem).strip("_-. ") or path.stem
        speakers = {r["sender"] for r in rows if r["sender"]}
        kind = "direct" if accounts.key_for("irc", channel) in speakers else None
    for row in rows:
        row["conversation"], row["conversation_kind"] = channel, kind


def _record_assumptions(ctx: _Context, src: Source) -> None:
    if "name" in ctx.used:
        src.assume(f"dates of time-only lines taken from the file name ({ctx.name_date})")
    if "name_year" in ctx.used:
        src.assume(f"year of month-day lines taken from the file name ({ctx.name_date.year})")
    if "header" in ctx.used:
        src.assume("dates of time-only lines taken from the log's headers")


def _place_times(rows: list[dict], tz: str | None, src: Source) -> None:
    """Instants as they are; local times in the declared zone (required only if present)."""
    local = [i for i, r in enumerate(rows) if r["_naive"] is not None]
    if local:
        zone = require_tz(tz, FORMAT)
        src.assume(f"local times read in {zone}")
        naive = pd.Series([rows[i]["_naive"] for i in local])
        first, last, warn = localize(naive, zone)
        for j, i in enumerate(local):
            rows[i].update(sent_at=first.iloc[j], sent_at_latest=last.iloc[j],
                           time_basis="local_declared")
            if warn.iloc[j]:
                rows[i]["warnings"].append(warn.iloc[j])
    for row in rows:
        instant, naive = row.pop("_instant"), row.pop("_naive")
        if instant is not None:
            row.update(sent_at=instant, sent_at_latest=instant,
                       time_basis="epoch" if row["_layout"] == "scrollback" else "offset")
        elif naive is None:
            row.update(sent_at=pd.NaT, sent_at_latest=pd.NaT, time_basis="missing")
        row["warnings"] = "; ".join(row["warnings"])
