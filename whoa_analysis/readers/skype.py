"""Skype: ``messages.json`` from Skype's "Export files and chat history" (inside the export's
``.tar``; take the file out and add it as the source)::

    {"userId": "8:live:dana_example", "exportDate": "2024-04-01T10:00",
     "conversations": [{"id": "8:live:rob_offender", "displayName": "Rob O", "version": 1,
       "properties": {"conversationblocked": false}, "threadProperties": null,
       "MessageList": [
         {"id": "1710183900123", "displayName": "Rob O", "originalarrivaltime": "2024-03-11T19:05:00.123Z",
          "messagetype": "RichText", "version": 1710183900123, "conversationid": "8:live:rob_offender",
          "from": "8:live:rob_offender", "content": "answer me &lt;3 <ss type=\\"angry\\">(angry)</ss>",
          "properties": null, "amsreferences": null},
         {"messagetype": "Event/Call", "content": "<partlist type=\\"ended\\" alt=\\"\\"><part identity=\\"live:rob_offender\\"><name>Rob O</name><duration>62</duration></part></partlist>", ...},
         {"messagetype": "RichText/Media_GenericFile", "content": "<URIObject type=\\"File.1\\" ...><OriginalName v=\\"photo.jpg\\"/></URIObject>", ...},
         {"messagetype": "ThreadActivity/AddMember", "content": "<addmember>...</addmember>", ...}]}]}

``content`` is kept exactly in ``body`` (Skype's markup and entities included); ``body_text``
holds a text message's visible text (tags dropped, entities decoded once) for searching. ``messagetype``:
``RichText``/``Text`` are ``text``; ``RichText/Media_*``, ``RichText/UriObject``, contacts and
locations are ``media`` (file names from ``OriginalName``/``originalName``, text only);
``Event/Call`` is a ``call`` (``duration_s`` the longest part's duration, ``call_type`` the
partlist type); ``ThreadActivity/*``, ``Notice``, ``PopCard`` and ``Event/*`` are ``system``; a
message with ``properties.deletetime`` and no content is ``deleted``. ``originalarrivaltime`` is
UTC. Account keys are ``skype:<id>`` without Skype's numeric type prefix (``8:live:rob`` ->
``skype:live:rob``); the export's ``userId`` is the owner. Conversations ``19:...`` are groups.
The file is walked with a bounded JSON reader that hands each message over with its exact text
(the record hash covers it); a damaged message becomes an ``unparsed`` row and reading goes on.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

from .. import accounts
from ..errors import InputError
from . import _telegram as walker
from ._common import Head, Source, unparsed

FORMAT = "skype"
PLATFORM = "skype"
PATTERNS = ("messages.json (Skype 'Export files and chat history')",)
DESCRIPTION = "Skype chat history export (messages.json)"

_PREFIX = re.compile(r"^\d+:")
_FILE_NAMES = re.compile(r"<OriginalName\s+v=\"([^\"]*)\"|\boriginalName=\"([^\"]*)\"")
_DURATION = re.compile(r"<duration>\s*([\d.]+)\s*</duration>")
_CALL_TYPE = re.compile(r"<partlist\b[^>]*\btype=\"([^\"]*)\"")
_MEDIA = ("RichText/Media_", "RichText/UriObject", "RichText/Contacts", "RichText/Location",
          "RichText/Files")
_SYSTEM = ("ThreadActivity/", "Event/", "Notice", "PopCard", "EndToEndEncryption/")


def sniff(head: Head) -> bool:
    if head.is_dir or head.is_zip:
        return False
    text = head.text.lstrip()
    return text.startswith("{") and '"conversations"' in text and (
        '"MessageList"' in text or ('"userId"' in text and '"exportDate"' in text))


def read(path: Path, *, tz: str | None = None, owner: Sequence[str] = (),
         date_order: str | None = None, region: str | None = None) -> pd.DataFrame:
    src = Source(Path(path), FORMAT)
    walk = _Walk()
    try:
        with open(src.path, encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
            walk.run(walker.JsonStream(fh))
    except UnicodeDecodeError:
        raise InputError(f"{src.path.name}: expected UTF-8 JSON from Skype's export; got "
                         "undecodable bytes: check that this is messages.json") from None
    if not walk.found:
        raise InputError(f"{src.path.name}: expected Skype's messages.json (an object with "
                         "\"conversations\"); got none: pass the right file")
    src.assume("originalarrivaltime read as UTC")
    return src.frame(_finish(walk, {o.casefold() for o in owner}))


class _Walk:
    """The export's structure, walked once: conversations' facts and one row per message."""

    def __init__(self) -> None:
        self.rows: list[dict] = []
        self.user = ""
        self.found = False
        self.conversations: list[dict] = []

    def run(self, s: walker.JsonStream) -> None:
        if s.peek() != "{":
            raise InputError(f"expected a JSON object (Skype messages.json); got "
                             f"{s.peek()[:1]!r} first: pass the right file")
        try:
            self._top(s)
        except walker.Truncated:
            pass                # the cut-off record is already a row
        except walker.Damaged as exc:
            at = s.offset
            self.rows.append(unparsed(f"json:char:{at}", s.rest().encode("utf-8",
                                      "surrogateescape"), f"cannot read the JSON structure "
                                      f"here ({exc}); the rest of the file is kept as this row",
                                      platform=PLATFORM, _conv=-1))

    def _top(self, s: walker.JsonStream) -> None:
        for key in s.members():
            if key == "userId":
                value = s.value()[0]
                self.user = value if isinstance(value, str) else ""
            elif key == "conversations" and s.peek() == "[":
                self.found = True
                for index in s.elements():
                    self._conversation(s, index)
            else:
                s.value()

    def _conversation(self, s: walker.JsonStream, index: int) -> None:
        conv: dict = {}
        self.conversations.append(conv)
        if s.peek() != "{":
            s.value()
            return
        for key in s.members():
            if key == "MessageList" and s.peek() == "[":
                for i, obj, text, problem in s.records():
                    self._message(index, i, obj, text, problem)
            else:
                conv[key] = s.value()[0]

    def _message(self, conv: int, index: int, obj: object, text: str, problem: str) -> None:
        locator = f"json:$.conversations[{conv}].MessageList[{index}]"
        raw = text.encode("utf-8", "surrogateescape")
        if problem or not isinstance(obj, dict):
            self.rows.append(unparsed(locator, raw, problem or "message is not a JSON object",
                                      platform=PLATFORM, _conv=conv))
            return
        self.rows.append({**_row(obj), "locator": locator, "raw": raw, "_conv": conv})


def key(ident: object) -> str:
    """``skype:<id>`` without the numeric type prefix Skype puts on every id."""
    return accounts.key_for(PLATFORM, _PREFIX.sub("", ident)) if isinstance(ident, str) else ""


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _row(m: dict) -> dict:
    content, mtype = _text(m.get("content")), _text(m.get("messagetype"))
    props = m.get("properties") if isinstance(m.get("properties"), dict) else {}
    kind, warnings = _kind(mtype, content, props)
    # the visible text only where it is a message's words (a call's partlist is no text)
    shown = visible(content) if kind == "text" else ""
    row = {"platform": PLATFORM, "skype_id": _text(m.get("id")), "skype_from": _text(m.get("from")),
           "sender": key(m.get("from")), "sender_display": _text(m.get("displayName")),
           "body": content, "body_text": shown, "kind": kind,
           "message_type": mtype, "attachments": ";".join(_files(content)),
           "sent_at_raw": _text(m.get("originalarrivaltime")),
           "edited_at_raw": _text(props.get("edittime")), "warnings": warnings}
    if kind == "call":
        durations = [float(d) for d in _DURATION.findall(content)]
        row["duration_s"] = int(max(durations)) if durations else pd.NA
        call_type = _CALL_TYPE.search(content)
        row["call_type"] = call_type.group(1) if call_type else ""
    _time(row)
    return row


def _kind(mtype: str, content: str, props: dict) -> tuple[str, list[str]]:
    if props.get("deletetime") and not content:
        return "deleted", []
    if mtype in ("RichText", "Text", "RichText/Html", "Poll", ""):
        return "text", [] if mtype else ["no messagetype: read as text"]
    if mtype == "Event/Call":
        return "call", []
    if mtype.startswith(_MEDIA):
        return "media", []
    if mtype.startswith(_SYSTEM):
        return "system", []
    return "text", [f"unknown messagetype {mtype!r}: read as text"]


def _files(content: str) -> list[str]:
    return [html.unescape(a or b) for a, b in _FILE_NAMES.findall(content)]


def _time(row: dict) -> None:
    stamp = row["sent_at_raw"]
    try:
        when = pd.Timestamp(stamp)
        if when.tzinfo is None:
            raise ValueError("no zone")
        row.update(sent_at=when.tz_convert("UTC"), time_basis="utc")
    except (ValueError, OverflowError):
        row["time_basis"] = "missing"
        row["warnings"].append(f"cannot read originalarrivaltime {stamp!r}: expected ISO 8601 "
                               "UTC; no time kept")


class _Visible(HTMLParser):
    """Visible text of Skype's markup: tags dropped, entities decoded once."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def visible(content: str) -> str:
    if "<" not in content and "&" not in content:
        return content
    parser = _Visible()
    parser.feed(content)
    parser.close()
    return "".join(parser.parts)


def _finish(walk: _Walk, owners: set[str]) -> list[dict]:
    me = key(walk.user)
    owned = {me} | {key(re.sub(r"(?i)^skype:", "", o)) for o in owners} - {""}
    for r in walk.rows:
        conv = walk.conversations[r["_conv"]] if 0 <= r.get("_conv", -1) < len(
            walk.conversations) else {}
        r.pop("_conv", None)
        cid = _text(conv.get("id"))
        r["conversation"] = _text(conv.get("displayName")) or _PREFIX.sub("", cid)
        r["conversation_kind"] = "group" if cid.startswith("19:") else "direct"
        if r["kind"] == "unparsed":
            continue
        r["from_owner"] = (r["sender"] in owned or r["sender_display"].casefold() in owners
                           ) if owned or owners else pd.NA
        if r["conversation_kind"] == "direct" and r["sender"]:
            other = key(cid)
            r["recipients"] = me if r["sender"] == other else other
        if isinstance(r.get("warnings"), list):
            r["warnings"] = "; ".join(r["warnings"])
    return walk.rows
