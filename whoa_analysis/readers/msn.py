"""MSN Messenger / Windows Live Messenger message history: ``My Received Files/<name><id>/
History/<contact><passport id>.xml``, one file per contact::

    <?xml version="1.0"?>
    <?xml-stylesheet type='text/xsl' href='MessageLog.xsl'?>
    <Log FirstSessionID="1" LastSessionID="2">
      <Message Date="11/03/2024" Time="19:05:00" DateTime="2024-03-11T19:05:00.000Z" SessionID="1">
        <From><User FriendlyName="Rob"/></From><To><User FriendlyName="Dana"/></To>
        <Text Style="font-family:Segoe UI; color:#000000; ">answer me</Text></Message>
      <Invitation Date="11/03/2024" Time="19:06:10" DateTime="2024-03-11T19:06:10.000Z" SessionID="1">
        <From><User FriendlyName="Rob"/></From><File>C:\\pics\\you.jpg</File>
        <Text Style="color:#545454; ">Rob sends you.jpg</Text></Invitation>
      <InvitationResponse ...><From>...</From><File>...</File><Text>...</Text></InvitationResponse>
      <Join Date= Time= DateTime= SessionID="2"><User FriendlyName="Sam"/><Text>Sam has joined the conversation.</Text></Join>
      <Leave ...><User FriendlyName="Sam"/><Text>Sam has left the conversation.</Text></Leave>
    </Log>

``DateTime`` (Messenger 7.5 and later) is UTC and gives the instant. ``Date`` and ``Time`` are the
computer's local time in its regional layout: a file without ``DateTime`` needs the source's
declared ``tz``, and the day/month order is taken from the whole file (a field over 12 decides,
else ``date_order``). ``Message`` rows are ``text``; invitations (file transfers: ``media``, the
file name as the attachment, never a path) and joins/leaves keep their text as ``system``
rows. Text is the element's text as written (XML character references decoded once), its
``Style`` in ``text_style``. Senders are ``im:<friendly name>`` (the history names no address).
The file is cut into records at the ``Log``'s children and each is parsed on its own with
expat (no external entity or DTD is ever loaded; a DOCTYPE or entity declaration is refused),
so a damaged record becomes one ``unparsed`` row and the rest are still read.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from .. import accounts
from ..errors import InputError
from ._common import Head, Source, infer_date_order, localize_rows, unparsed

FORMAT = "msn"
PLATFORM = "im"
PATTERNS = ("<contact><id>.xml (MSN / Windows Live Messenger history, <Log FirstSessionID=...>)",)
DESCRIPTION = "MSN Messenger / Windows Live Messenger XML message history"

RECORDS = ("Message", "Invitation", "InvitationResponse", "Join", "Leave")
_OPEN = re.compile(rb"<(" + b"|".join(t.encode() for t in RECORDS) + rb")[\s/>]")
_CLOSE = re.compile(rb"</(" + b"|".join(t.encode() for t in RECORDS) + rb")\s*>")
#: A record's start tag up to its '>' (quoted values may hold '>'); group 1 is '/' if empty.
_HEAD_END = re.compile(rb'<[\w]+(?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|\'[^\']*\'))*\s*(/?)>')
_ROOT = re.compile(rb"<Log(?:\s[^>]*)?>")
_DATE = re.compile(r"^(?P<a>\d{1,4})[/.\-](?P<b>\d{1,2})[/.\-](?P<c>\d{1,4})\.?$")
_TIME = re.compile(r"^(?P<H>\d{1,2})[:.](?P<M>\d{2})(?:[:.](?P<S>\d{2}))?"
                   r"(?:\s*(?P<ap>[AaPp]\.?[Mm]\.?))?$")


def sniff(head: Head) -> bool:
    if head.is_dir or head.is_zip:
        return False
    top = head.data[:4096]
    return bool(re.search(rb"<Log\s+FirstSessionID=", top)) or (
        bool(_ROOT.search(top)) and b"SessionID=" in top and b"<Message " in top)


def read(path: Path, *, tz: str | None = None, owner: Sequence[str] = (),
         date_order: str | None = None, region: str | None = None) -> pd.DataFrame:
    src = Source(Path(path), FORMAT)
    data = src.path.read_bytes()
    if re.search(rb"<!(?:DOCTYPE|ENTITY)", data, re.IGNORECASE):
        raise InputError(f"{src.path.name}: expected a Messenger history, which never declares "
                         "a DOCTYPE or entities; refusing them (possible XML bomb)")
    root = _ROOT.search(data)
    if root is None:
        raise InputError(f"{src.path.name}: expected a Messenger history (<Log "
                         "FirstSessionID=...>); got no <Log> element: is this the right file?")
    owners = {o.casefold() for o in owner}
    rows = [_row(raw, loc, owners) if ok else unparsed(loc, raw, why, platform=PLATFORM)
            for raw, loc, ok, why in _records(data, root.end())]
    _dates(rows, tz, date_order, src)
    conversation = src.path.stem
    names = {r["sender_display"] for r in rows if r.get("kind") == "text"}
    # more than two people writing, or someone joining, makes it a conversation of several
    kind = "group" if len(names) > 2 or any(r.get("event") == "Join" for r in rows) \
        else "direct"
    for r in rows:
        r["conversation"], r["conversation_kind"] = conversation, kind
        if isinstance(r.get("warnings"), list):
            r["warnings"] = "; ".join(r["warnings"])
    return src.frame(rows)


# --- records -------------------------------------------------------------------------------------

def _records(data: bytes, start: int) -> list[tuple[bytes, str, bool, str]]:
    """(raw, locator, readable, why not) per child of <Log>; opening and closing tags are each
    found in one pass, so a damaged file costs no more than a sound one."""
    opens = [(m.start(), m.group(1)) for m in _OPEN.finditer(data, start)]
    closes: dict[bytes, tuple[list[int], list[int]]] = {}
    for m in _CLOSE.finditer(data, start):
        starts, ends = closes.setdefault(m.group(1), ([], []))
        starts.append(m.start())
        ends.append(m.end())
    out: list[tuple[bytes, str, bool, str]] = []
    seen: dict[bytes, int] = {}
    done = start
    for i, (at, tag) in enumerate(opens):
        if at < done:
            continue
        _gap(data, done, at, out)
        nxt = opens[i + 1][0] if i + 1 < len(opens) else len(data)
        end = _end(data, at, closes.get(tag, ([], [])), nxt)
        seen[tag] = seen.get(tag, 0) + 1
        loc = f"xml:/Log/{tag.decode()}[{seen[tag]}]"
        if end is None:
            end = _trim(data, at, nxt)
            out.append((data[at:end], loc, False, f"<{tag.decode()}> without its end (damaged "
                        "or cut off): raw bytes kept"))
        else:
            out.append((data[at:end], loc, True, ""))
        done = end
    rest = data[done:]
    if rest.strip() and not re.fullmatch(rb"\s*</Log\s*>\s*", rest):
        _gap(data, done, len(data), out)
    return out


def _end(data: bytes, at: int, closes: tuple[list[int], list[int]], nxt: int) -> int | None:
    """Where the record opened at ``at`` ends: self-closed, or at its own closing tag before
    the next record opens (records never nest); None when it has no end."""
    head = _HEAD_END.match(data, at)
    if head and head.group(1) == b"/":
        return head.end()
    starts, ends = closes
    k = bisect.bisect_right(starts, at)
    if k < len(starts) and starts[k] < nxt:
        return ends[k]
    return None


def _trim(data: bytes, start: int, end: int) -> int:
    while end > start and data[end - 1:end].isspace():
        end -= 1
    return end


def _gap(data: bytes, start: int, end: int, out: list) -> None:
    raw = data[start:end]
    if raw.strip():
        out.append((raw.strip(), f"xml:@{start}", False, "text between records that is no "
                    "record (damaged?): raw bytes kept"))


# --- rows ----------------------------------------------------------------------------------------

def _row(raw: bytes, locator: str, owners: set[str]) -> dict:
    try:
        # safe without defusedxml: DOCTYPE/ENTITY declarations were refused in read(), so no
        # entity can expand, and expat never fetches anything
        elem = ET.fromstring(raw)  # noqa: S314
    except ET.ParseError as exc:
        return unparsed(locator, raw, f"not well-formed XML ({exc})", platform=PLATFORM)
    tag = elem.tag
    sender = _names(elem.find("From"))
    if tag in ("Join", "Leave"):
        sender = [u.get("FriendlyName", "") for u in elem.findall("User")]
    name = sender[0] if sender else ""
    text = elem.find("Text")
    files = [f.text or "" for f in elem.findall("File")]
    kind = "text" if tag == "Message" else "media" if tag == "Invitation" and files else "system"
    return {"locator": locator, "raw": raw, "platform": PLATFORM, "protocol": "MSN",
            "event": tag, "sender_display": name,
            "sender": accounts.key_for("im", name) if name else "",
            "recipients": ";".join(accounts.key_for("im", n) for n in _names(elem.find("To"))
                                   if n),
            "body": "".join(text.itertext()) if text is not None else "",
            "text_style": text.get("Style", "") if text is not None else "",
            "attachments": ";".join(files), "kind": kind,
            "session_id": elem.get("SessionID", ""),
            "from_owner": name.casefold() in owners if owners and name else pd.NA,
            "_date": elem.get("Date", ""), "_time": elem.get("Time", ""),
            "_utc": elem.get("DateTime", ""), "warnings": []}


def _names(node: ET.Element | None) -> list[str]:
    return [] if node is None else [u.get("FriendlyName", "") for u in node.findall("User")]


# --- times ---------------------------------------------------------------------------------------

def _dates(rows: list[dict], tz: str | None, date_order: str | None, src: Source) -> None:
    local = []
    for r in rows:
        if r["kind"] == "unparsed":
            continue
        utc, date, clock = r.pop("_utc"), r.pop("_date"), r.pop("_time")
        r["sent_at_raw"] = utc or f"{date} {clock}".strip()
        r["date_raw"], r["time_raw"] = date, clock
        if utc:
            _utc(r, utc)
        elif date or clock:
            local.append(r)
        else:
            r["time_basis"] = "missing"
            r["warnings"].append("no Date, Time or DateTime: no time kept")
    if local:
        _local(local, tz, date_order, src)
        localize_rows(rows, tz, FORMAT, src, "Date/Time (no DateTime) read as local time in "
                      "{zone}")
    for r in rows:
        r.pop("_naive", None)
        if r["kind"] != "unparsed" and "sent_at" not in r:
            r["time_basis"] = "missing"


def _utc(r: dict, stamp: str) -> None:
    try:
        when = pd.Timestamp(stamp)
        if when.tzinfo is None:
            raise ValueError("no zone")
        r.update(sent_at=when.tz_convert("UTC"), time_basis="utc")
    except ValueError:
        r["warnings"].append(f"cannot read DateTime {stamp!r}: expected ISO 8601 UTC; no time "
                             "kept")


def _local(rows: list[dict], tz: str | None, date_order: str | None, src: Source) -> None:
    parsed = [(r, _DATE.match(r["date_raw"].strip()), _TIME.match(r["time_raw"].strip()))
              for r in rows]
    numeric = [d for _, d, _ in parsed if d and len(d["a"]) <= 2]
    order = "ymd"
    if numeric:
        order = infer_date_order((int(d["a"]) for d in numeric), (int(d["b"]) for d in numeric),
                                 FORMAT, date_order)
        src.assume(f"Date read as {order}")
    for r, d, t in parsed:
        try:
            if not d or not t:
                raise ValueError("layout")
            r["_naive"] = dt.datetime.combine(_day(d, order), _clock(t))
        except ValueError:
            r["warnings"].append(f"cannot read Date/Time {r['sent_at_raw']!r}: no time kept")


def _day(d: re.Match, order: str) -> dt.date:
    a, b, c = int(d["a"]), int(d["b"]), int(d["c"])
    if len(d["a"]) == 4:
        return dt.date(a, b, c)
    year = c if c >= 100 else 2000 + c
    return dt.date(year, b, a) if order == "dmy" else dt.date(year, a, b)


def _clock(t: re.Match) -> dt.time:
    hour = int(t["H"])
    ap = (t["ap"] or "").lower().replace(".", "")
    if ap:
        if not 1 <= hour <= 12:
            raise ValueError("hour")
        hour = hour % 12 + (12 if ap == "pm" else 0)
    return dt.time(hour, int(t["M"]), int(t["S"] or 0))
