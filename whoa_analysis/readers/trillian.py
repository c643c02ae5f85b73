"""Trillian (Cerulean Studios) XML logs: ``<medium>/Query/<buddy>.xml``, one element per line.

Trillian writes the elements without a root element, each attribute value percent-encoded
(UTF-8 bytes; older versions wrote Latin-1 bytes), ``time`` in epoch seconds (an ``ms``
attribute may add milliseconds, and later versions write milliseconds in ``time`` itself)::

    <session type="start" time="1710183900" medium="AIM" to="rob%5Foffender" from="dana%2Ee"/>
    <message type="incoming_privateMessage" time="1710183905" medium="AIM" to="dana%2Ee" from="rob%5Foffender" from_display="Rob" text="answer%20me%21"/>
    <message type="outgoing_privateMessage" time="1710183960" ms="250" medium="AIM" to="rob%5Foffender" from="dana%2Ee" from_display="Dana" text="stop%20writing%20to%20me"/>
    <status type="away" time="1710183970" medium="AIM" from="rob%5Foffender"/>
    <message type="information_standard" time="1710183980" medium="AIM" text="Rob%20is%20now%20offline%2E"/>
    <session type="stop" time="1710184000" medium="AIM" to="rob%5Foffender" from="dana%2Ee"/>

Message ``type``: ``incoming_/outgoing_privateMessage`` and ``incoming_/outgoing_groupMessage``
are messages (``outgoing`` written by the log's owner); ``information_*`` lines, sessions,
status changes and buddy icons are ``system`` rows. The text is kept twice: ``body`` is the
decoded text (what was written), ``text_raw`` the attribute exactly as exported, and the record
hash covers the element's bytes in the file. Each element is parsed on its own with expat, which
never loads external entities; a file declaring a DOCTYPE or entity is refused. Anything between
elements that is not one (a damaged or cut-off line) is an ``unparsed`` row. Senders are
``im:<screen name>`` (the protocol is in ``protocol``); the conversation is the buddy the file
is named after, ``group`` when it holds group messages.
"""

from __future__ import annotations

import re
import xml.parsers.expat
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote_to_bytes

import pandas as pd

from .. import accounts
from ..errors import InputError
from ._common import Head, Source, unparsed

FORMAT = "trillian"
PLATFORM = "im"
PATTERNS = ("<medium>/Query/<buddy>.xml (Trillian XML log)",)
DESCRIPTION = "Trillian XML logs (AIM, ICQ, MSN, Yahoo, Jabber ... through Trillian)"

#: One element: a name, quoted attributes, self-closing (Trillian's only shape).
_ELEMENT = re.compile(rb'<(?P<tag>[A-Za-z_][\w.-]*)(?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|\'[^\']*\'))*'
                      rb"\s*/>")
_FIRST = re.compile(rb'^\s*(?:<\?xml[^>]*\?>\s*)?<(?:session|message|status)\s[^>]*\bmedium="',
                    re.IGNORECASE)
_MESSAGE = re.compile(r"^(incoming|outgoing)_(private|group)Message$")
MAX_MS = 10 ** 13


def sniff(head: Head) -> bool:
    if head.is_dir or head.is_zip:
        return False
    return bool(_FIRST.match(head.data.removeprefix(b"\xef\xbb\xbf")[:4096]))


def read(path: Path, *, tz: str | None = None, owner: Sequence[str] = (),
         date_order: str | None = None, region: str | None = None) -> pd.DataFrame:
    src = Source(Path(path), FORMAT)
    data = src.path.read_bytes()
    if re.search(rb"<!(?:DOCTYPE|ENTITY)", data, re.IGNORECASE):
        raise InputError(f"{src.path.name}: expected a Trillian XML log, which never declares a "
                         "DOCTYPE or entities; refusing them (possible XML bomb)")
    rows = _rows(data)
    if not any(r["kind"] != "unparsed" for r in rows):
        raise InputError(f"{src.path.name}: expected Trillian log elements (<session>, "
                         "<message> with medium=...); found none: is this the right file?")
    src.assume("times are epoch seconds (UTC)")
    group = any(r.get("_group") for r in rows)
    for r in rows:
        r.pop("_group", None)
        r["conversation"] = _decoded(src.path.stem)[0]
        r["conversation_kind"] = "group" if group else "direct"
    return src.frame(rows)


def _rows(data: bytes) -> list[dict]:
    rows: list[dict] = []
    done = 0
    for n, m in enumerate(_ELEMENT.finditer(data), start=1):
        _gap(data, done, m.start(), rows)
        rows.append(_element(m.group(0), f"xml:/*[{n}]"))
        done = m.end()
    _gap(data, done, len(data), rows)
    return rows


def _gap(data: bytes, start: int, end: int, rows: list[dict]) -> None:
    """Bytes between elements that are not layout: kept as one unparsed row (the line breaks
    around it are layout, not part of it)."""
    raw = data[start:end]
    text = raw.strip()
    if not text or (start == 0 and re.fullmatch(rb"(?:\xef\xbb\xbf)?\s*<\?xml[^>]*\?>\s*", raw)):
        return
    at = start + raw.index(text[:1])
    rows.append(unparsed(f"xml:@{at}", text, "not a Trillian log element (damaged or cut "
                         "off): raw bytes kept", platform=PLATFORM))


def _attributes(raw: bytes) -> dict[str, str]:
    parser = xml.parsers.expat.ParserCreate()
    found: dict[str, str] = {}

    def start(name: str, attrs: dict[str, str]) -> None:
        found.update(attrs, _tag=name)

    parser.StartElementHandler = start
    parser.Parse(raw, True)
    return found


def _decoded(value: str) -> tuple[str, str]:
    """Percent-decoded text: UTF-8 bytes, else Latin-1 (with a warning)."""
    data = unquote_to_bytes(value)
    try:
        return data.decode("utf-8"), ""
    except UnicodeDecodeError:
        return data.decode("latin-1"), "percent-encoded bytes not UTF-8: decoded as Latin-1"


def _element(raw: bytes, locator: str) -> dict:
    try:
        a = _attributes(raw)
    except xml.parsers.expat.ExpatError as exc:
        return unparsed(locator, raw, f"not well-formed XML ({exc})", platform=PLATFORM)
    warnings: list[str] = []
    field = {k: _note(_decoded(v), warnings) for k, v in a.items() if k != "_tag"}
    tag, kind_attr = a["_tag"], field.get("type", "")
    m = _MESSAGE.match(kind_attr) if tag == "message" else None
    sender = field.get("from", "")
    row = {"locator": locator, "raw": raw, "platform": PLATFORM,
           "protocol": field.get("medium", ""), "event": f"{tag}:{kind_attr}".rstrip(":"),
           "sender": accounts.key_for("im", sender) if sender else "",
           "sender_display": field.get("from_display") or sender,
           "recipients": accounts.key_for("im", field["to"]) if field.get("to") else "",
           "body": field.get("text", "") if tag == "message" else _system_text(tag, field),
           "text_raw": a.get("text", ""), "kind": "text" if m else "system",
           "from_owner": (m.group(1) == "outgoing") if m else pd.NA,
           "_group": bool(m) and m.group(2) == "group"}
    row.update(_time(a.get("time", ""), a.get("ms", ""), warnings))
    row["warnings"] = "; ".join(dict.fromkeys(warnings))
    return row


def _note(decoded: tuple[str, str], warnings: list[str]) -> str:
    if decoded[1]:
        warnings.append(decoded[1])
    return decoded[0]


def _system_text(tag: str, field: dict[str, str]) -> str:
    """What a non-message element says, in the log's own words (its type and link)."""
    what = field.get("type", "")
    return " ".join(p for p in (tag, what, field.get("link", "")) if p)


def _time(stamp: str, ms: str, warnings: list[str]) -> dict:
    raw = stamp + (f"+{ms}ms" if ms else "")
    try:
        value = int(stamp)
        extra = int(ms) if ms else 0
        if not 0 < value < MAX_MS or not 0 <= extra < 1000:
            raise ValueError(stamp)
    except ValueError:
        warnings.append(f"cannot read the time {raw!r}: expected epoch seconds; no time kept")
        return {"sent_at_raw": raw, "time_basis": "missing"}
    when = (pd.Timestamp(value, unit="ms", tz="UTC") if value >= 10 ** 11
            else pd.Timestamp(value, unit="s", tz="UTC") + pd.Timedelta(milliseconds=extra))
    return {"sent_at_raw": raw, "sent_at": when, "time_basis": "epoch"}
