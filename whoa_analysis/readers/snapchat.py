"""Snapchat "My Data": ``json/chat_history.json`` and ``json/snap_history.json`` (add each file).

Older downloads group the records by direction::

    {"Received Saved Chat History": [{"From": "rob_o", "Media Type": "TEXT",
                                      "Created": "2024-03-11 19:05:00 UTC", "Text": "answer me"}],
     "Sent Saved Chat History": [{"To": "rob_o", "Media Type": "TEXT",
                                  "Created": "2024-03-11 19:06:00 UTC", "Text": "Stop."}]}

    {"Received Snap History": [{"From": "rob_o", "Media Type": "IMAGE", "Created": "2024-03-11 19:07:00 UTC"}],
     "Sent Snap History": [{"To": "rob_o", "Media Type": "VIDEO", "Created": "2024-03-11 19:08:00 UTC"}]}

Newer ones group them by conversation (the other user's name, or a group's id)::

    {"rob_o": [{"From": "rob_o", "Media Type": "TEXT", "Created": "2024-03-11 19:05:00 UTC",
                "Content": "answer me", "Conversation Title": null, "IsSender": false,
                "Created(microseconds)": 1710183900000, "IsSaved": true, "Media IDs": ""}]}

``Created`` is UTC (it says so). Chats of ``Media Type`` ``TEXT`` are ``text``; other types (
``MEDIA``, ``NOTE``, ``STICKER``, ``SHARE``, ``LOCATION``, every snap) are ``media``, with the
media ids as attachment names (text only); ``STATUS*`` types are ``system``. The owner's own
records: the ``Sent`` sections, or ``IsSender``; the owner's user name is learnt from those
(else from ``owner``). Accounts are ``snapchat:<user name>``. A conversation with a
``Conversation Title`` is a group. ``Text``/``Content`` are kept exactly (``null`` is empty);
``Created(microseconds)`` is kept as written in ``created_us_raw``. The file is walked with a
bounded JSON reader that gives each record with its exact text (the record hash covers it); a
damaged record is an ``unparsed`` row and reading goes on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from .. import accounts
from ..errors import InputError
from . import _telegram as walker
from ._common import Head, Source, unparsed

FORMAT = "snapchat"
PLATFORM = "snapchat"
PATTERNS = ("chat_history.json (Snapchat My Data)", "snap_history.json (Snapchat My Data)")
DESCRIPTION = "Snapchat 'My Data' chat and snap history JSON"

_SECTION = re.compile(r"^(?P<dir>Received|Sent) (?:(?:Saved|Unsaved) )?(?P<what>Chat|Snap) History$")
_SECTION_TEXT = re.compile(r'"(?:Received|Sent) (?:(?:Saved|Unsaved) )?(?:Chat|Snap) History"\s*:')
_CREATED = re.compile(r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?) UTC$")


def sniff(head: Head) -> bool:
    if head.is_dir or head.is_zip:
        return False
    text = head.text.lstrip()
    if not text.startswith("{"):
        return False
    if _SECTION_TEXT.search(text):
        return True
    return '"Media Type"' in text and '"Created"' in text and '"From"' in text and (
        '"IsSender"' in text or '"Conversation Title"' in text)


def read(path: Path, *, tz: str | None = None, owner: Sequence[str] = (),
         date_order: str | None = None, region: str | None = None) -> pd.DataFrame:
    src = Source(Path(path), FORMAT)
    snaps = "snap" in src.path.name.lower()
    rows: list[dict] = []
    try:
        with open(src.path, encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
            _walk(walker.JsonStream(fh), rows, snaps)
    except UnicodeDecodeError:
        raise InputError(f"{src.path.name}: expected UTF-8 JSON from Snapchat's My Data; got "
                         "undecodable bytes: check that this is chat_history.json") from None
    if not rows:
        raise InputError(f"{src.path.name}: expected Snapchat chat_history.json or "
                         "snap_history.json (an object of record lists); found no records")
    _people(rows, owner)
    return src.frame(rows)


def _walk(s: walker.JsonStream, rows: list[dict], snaps: bool) -> None:
    if s.peek() != "{":
        raise InputError(f"expected a JSON object (Snapchat My Data); got {s.peek()[:1]!r} "
                         "first: pass chat_history.json or snap_history.json")
    try:
        for name in s.members():
            where = f"json:$[{json.dumps(name, ensure_ascii=False)}]"
            if s.peek() != "[":
                value, text = s.value()
                rows.append(unparsed(where, text.encode("utf-8", "surrogateescape"),
                                     "not a list of records: kept unparsed", platform=PLATFORM))
                continue
            section = _SECTION.match(name)
            for i, obj, text, problem in s.records():
                raw = text.encode("utf-8", "surrogateescape")
                if problem or not isinstance(obj, dict):
                    rows.append(unparsed(f"{where}[{i}]", raw, problem or "record is not a JSON "
                                         "object", platform=PLATFORM))
                else:
                    rows.append({"locator": f"{where}[{i}]", "raw": raw,
                                 **_row(obj, name, section, snaps)})
    except walker.Truncated:
        pass                        # the cut-off record is already a row
    except walker.Damaged as exc:
        rows.append(unparsed(f"json:char:{s.offset}", s.rest().encode("utf-8", "surrogateescape"),
                             f"cannot read the JSON structure here ({exc}); the rest of the "
                             "file is kept as this row", platform=PLATFORM))


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _row(r: dict, name: str, section: re.Match | None, snaps: bool) -> dict:
    media = _text(r.get("Media Type"))
    is_snap = section["what"] == "Snap" if section else snaps
    kind = ("system" if media.upper().startswith("STATUS") else
            "text" if media.upper() == "TEXT" and not is_snap else "media")
    body = r.get("Content") if "Content" in r else r.get("Text")
    title = _text(r.get("Conversation Title"))
    if section:
        mine = section["dir"] == "Sent"
        other = _text(r.get("To") if mine else r.get("From"))
        conversation, group = other, False
    else:
        mine = r.get("IsSender") is True if isinstance(r.get("IsSender"), bool) else None
        conversation, group = title or name, bool(title)
    row = {"platform": PLATFORM, "media_type": media, "record_type": "snap" if is_snap else "chat",
           "section": name if section else "", "body": _text(body), "kind": kind,
           "attachments": ";".join(p for p in re.split(r"\s*[|;,]\s*", _text(r.get("Media IDs")))
                                   if p),
           "conversation": conversation, "conversation_kind": "group" if group else "direct",
           "_from": _text(r.get("From")), "_to": _text(r.get("To")), "_conv": name,
           "from_owner": mine if mine is not None else pd.NA,
           "is_saved": r.get("IsSaved") if isinstance(r.get("IsSaved"), bool) else pd.NA,
           "created_us_raw": str(r.get("Created(microseconds)", "") or ""), "warnings": []}
    if body is not None and not isinstance(body, str):
        row["warnings"].append(f"text is not a string ({type(body).__name__}): not kept as text")
    row.update(_time(_text(r.get("Created")), row["warnings"]))
    return row


def _time(stamp: str, warnings: list[str]) -> dict:
    m = _CREATED.match(stamp.strip())
    if m:
        try:
            return {"sent_at_raw": stamp, "sent_at": pd.Timestamp(m.group(1), tz="UTC"),
                    "time_basis": "utc"}
        except ValueError:
            pass
    warnings.append(f"cannot read Created {stamp!r}: expected 'YYYY-MM-DD HH:MM:SS UTC'; no "
                    "time kept")
    return {"sent_at_raw": stamp, "time_basis": "missing"}


def _owner_name(rows: list[dict], owner: Sequence[str]) -> str:
    """The owner's user name: the sender of their own records, else the case's identifier."""
    for r in rows:
        if r.get("from_owner") is True and r.get("_from"):
            return r["_from"]
    for ident in owner:
        platform, sep, rest = str(ident).partition(":")
        if sep and platform.strip().lower() == PLATFORM:
            return rest.strip()
    return ""


def _people(rows: list[dict], owner: Sequence[str]) -> None:
    me = _owner_name(rows, owner)
    me_key = accounts.key_for(PLATFORM, me) if me else ""
    names = {o.casefold() for o in owner}
    for r in rows:
        if r["kind"] == "unparsed":
            continue
        sender = r.pop("_from") or (me if r["from_owner"] is True else "")
        to, conv = r.pop("_to"), r.pop("_conv")
        r["sender"] = accounts.key_for(PLATFORM, sender) if sender else ""
        r["sender_display"] = sender
        if r["from_owner"] is pd.NA and names and sender:
            r["from_owner"] = sender.casefold() in names
        if to:
            r["recipients"] = accounts.key_for(PLATFORM, to)
        elif r["conversation_kind"] == "direct":
            other = r["conversation"] if r["section"] else conv
            r["recipients"] = me_key if sender.casefold() == other.casefold() else (
                accounts.key_for(PLATFORM, other) if other else "")
        r["warnings"] = "; ".join(r["warnings"])
