"""Google Chat and (old) Hangouts, from Google Takeout JSON.

Google Chat writes one folder per conversation, ``Google Chat/Groups/<DM id|Space id>/``, with
``group_info.json`` (``{"name": ..., "members": [{"name", "email"}]}``, read when the source is
the folder: it gives the recipients) and ``messages.json``::

    {"messages": [{"creator": {"name": "Rob Offender", "email": "rob@example.net",
                               "user_type": "Human"},
                   "created_date": "Tuesday, March 12, 2024 at 10:00:00\\u202fAM UTC",
                   "text": "answer me", "attached_files": [{"export_name": "File-x.png"}],
                   "topic_id": "AbC", "message_id": "DM/abc/def"}]}

Hangouts (before 2022) wrote one ``Hangouts.json``: ``{"conversations": [{"conversation":
{"conversation": {"type": "STICKY_ONE_TO_ONE", "participant_data": [...]}}, "events":
[{"sender_id": {"gaia_id": "1"}, "timestamp": "1710237600000000", "event_type":
"REGULAR_CHAT_MESSAGE", "chat_message": {"message_content": {"segment": [{"type": "TEXT",
"text": "hi"}]}}}]}]}`` with times in epoch microseconds.

Google Chat times end with the zone the account showed: ``UTC``/``GMT`` or a numeric offset
(``GMT+01:00``) are instants; any other abbreviation is not trusted and needs the declared
``tz``. Senders are ``googlechat:<email>`` (Chat) or ``googlechat:<gaia id>`` (Hangouts, the
name shown in ``sender_display``). ``read`` takes a ``messages.json``, a conversation folder,
the ``Google Chat`` folder, or ``Hangouts.json``. ``DM`` folders and Hangouts one-to-one
conversations are ``direct``; spaces and group conversations ``group``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd

from .. import accounts
from ..errors import InputError
from ..evidence import source_files
from ._common import Head, Source, localize_rows, unparsed

FORMAT = "google_chat"
PLATFORM = "googlechat"
PATTERNS = ("Google Chat/Groups/*/messages.json (Takeout)", "Hangouts.json (Takeout)")
DESCRIPTION = "Google Chat and Hangouts Takeout JSON"

_MONTHS = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"), 1)}
_CREATED = re.compile(
    r"^(?:\w+, )?(?P<mon>[A-Za-z]+) (?P<d>\d{1,2}), (?P<y>\d{4})(?: at|,) (?P<H>\d{1,2}):(?P<M>\d{2})"
    r"(?::(?P<S>\d{2}))?[\s\u202f]*(?P<ampm>[AaPp][Mm])?[\s\u202f]*(?P<zone>\S+)?$")
_OFFSET = re.compile(r"^(?:UTC|GMT)?(?P<sign>[+-])(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?$")
_SYSTEM_EVENTS = frozenset({"RENAME_CONVERSATION", "ADD_USER", "REMOVE_USER",
                            "GROUP_LINK_SHARING_MODIFICATION", "OTR_MODIFICATION"})


def sniff(head: Head) -> bool:
    if head.is_zip:
        return False
    if head.is_dir:
        return any(m.endswith("messages.json") and ("Groups/" in m or "/" not in m)
                   for m in head.members) and any(m.endswith("group_info.json")
                                                  for m in head.members)
    text = head.text
    chat = '"created_date"' in text and '"creator"' in text and '"messages"' in text
    hangouts = '"conversations"' in text and ('"chat_message"' in text or '"event_type"' in text
                                              or '"participant_data"' in text)
    return chat or hangouts


def read(path: Path, *, tz: str | None = None, owner: Sequence[str] = (),
         date_order: str | None = None, region: str | None = None) -> pd.DataFrame:
    path = Path(path)
    src = Source(path, FORMAT)
    owners = {o.casefold() for o in owner}
    rows: list[dict] = []
    for rel, data in _files(path):
        doc = _load(rel, data, path.is_file())
        if doc is None:
            rows.append(unparsed(f"file:{rel}:json:$", data, "not valid JSON: file kept as one "
                                 "unparsed row", platform=PLATFORM))
        elif isinstance(doc, dict) and "conversations" in doc:
            rows.extend(_hangouts(doc, _prefix(rel, path), data))
        else:
            rows.extend(_chat(doc, rel, path, data))
    if not rows and path.is_dir():
        raise InputError(f"{path.name}: expected Google Chat messages.json files or "
                         "Hangouts.json; found none")
    _place(rows, tz, src)
    for r in rows:
        r.setdefault("from_owner", (r.get("_email", "").casefold() in owners
                                    or r["sender_display"].casefold() in owners)
                     if owners and r.get("sender") else None)
        r.pop("_email", None)
    return src.frame(rows)


def _files(path: Path) -> Iterator[tuple[str, bytes]]:
    if path.is_file():
        yield path.name, path.read_bytes()
        return
    for p in source_files(path):
        if p.name in ("messages.json", "Hangouts.json") and not p.is_symlink():
            yield p.relative_to(path).as_posix(), p.read_bytes()


def _prefix(rel: str, path: Path) -> str:
    return "" if path.is_file() else f"file:{rel}:"


def _load(rel: str, data: bytes, single: bool) -> object:
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        if single:
            raise InputError(f"{rel}: expected Google Takeout JSON; got unreadable JSON "
                             f"({exc}); re-export it") from None
        return None


# --- Google Chat ---------------------------------------------------------------------------------

def _chat(doc: object, rel: str, root: Path, data: bytes) -> list[dict]:
    messages = doc.get("messages") if isinstance(doc, dict) else None
    if not isinstance(messages, list):
        raise InputError(f"{rel}: expected a Google Chat messages.json with a \"messages\" "
                         "list; got something else")
    folder = (root if root.is_dir() else root.parent) / rel
    group_dir = folder.parent
    # group_info.json is read only as part of a folder source, where intake hashed it too
    info = _group_info(group_dir / "group_info.json") if root.is_dir() else {}
    name = info.get("name") if isinstance(info.get("name"), str) else ""
    conversation = name or group_dir.name
    kind = "direct" if group_dir.name.startswith("DM ") else (
        "group" if group_dir.name.startswith("Space ") or name else None)
    members = [m for m in info.get("members", []) if isinstance(m, dict)]
    prefix = _prefix(rel, root)
    return [_chat_row(f"{prefix}json:$.messages[{i}]", m, conversation, kind, members)
            for i, m in enumerate(messages)]


def _group_info(path: Path) -> dict:
    try:
        doc = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return {}
    return doc if isinstance(doc, dict) else {}


def _key(person: dict) -> str:
    ident = person.get("email") or person.get("name") or ""
    return accounts.key_for(PLATFORM, ident) if isinstance(ident, str) else ""


def _chat_row(locator: str, msg: object, conversation: str, kind: str | None,
              members: list[dict]) -> dict:
    raw = json.dumps(msg, ensure_ascii=False, sort_keys=True).encode("utf-8")
    if not isinstance(msg, dict):
        return unparsed(locator, raw, "message is not a JSON object", platform=PLATFORM)
    creator = msg.get("creator") if isinstance(msg.get("creator"), dict) else {}
    sender = _key(creator)
    files = [f.get("export_name") or f.get("original_name") or "(unnamed)"
             for f in msg.get("attached_files") or [] if isinstance(f, dict)]
    deleted = str(msg.get("message_state", "")).upper() == "DELETED" or "deletion_metadata" in msg
    stamp = msg.get("created_date") if isinstance(msg.get("created_date"), str) else ""
    row = {"locator": locator, "raw": raw, "platform": PLATFORM, "conversation": conversation,
           "conversation_kind": kind, "sender": sender,
           "sender_display": creator.get("name") or creator.get("email") or "",
           "_email": creator.get("email") or "",
           "recipients": ";".join(k for k in (_key(m) for m in members) if k and k != sender),
           "body": msg.get("text") if isinstance(msg.get("text"), str) else "",
           "kind": "deleted" if deleted else ("media" if files else "text"),
           "attachments": ";".join(files), "sent_at_raw": stamp,
           "topic_id": str(msg.get("topic_id", "")), "warnings": []}
    _chat_time(stamp, row)
    return row


def _chat_time(stamp: str, row: dict) -> None:
    m = _CREATED.match(stamp.strip())
    month = _MONTHS.get(m["mon"].lower()) if m else None
    if not m or not month:
        row["warnings"].append(f"cannot read the time {stamp!r}")
        return
    hour = int(m["H"])
    if m["ampm"]:
        hour = hour % 12 + (12 if m["ampm"].lower() == "pm" else 0)
    try:
        naive = dt.datetime(int(m["y"]), month, int(m["d"]), hour, int(m["M"]), int(m["S"] or 0))
    except ValueError:
        row["warnings"].append(f"cannot read the time {stamp!r}")
        return
    zone = m["zone"] or ""
    offset = _OFFSET.match(zone)
    if zone in ("UTC", "GMT", "Z"):
        row.update(sent_at=pd.Timestamp(naive, tz="UTC"), time_basis="utc")
    elif offset:
        delta = dt.timedelta(hours=int(offset["h"]), minutes=int(offset["m"] or 0))
        delta = -delta if offset["sign"] == "-" else delta
        row.update(sent_at=pd.Timestamp(naive - delta, tz="UTC"), time_basis="offset")
    else:
        row["_naive"] = naive
        if zone:
            row["warnings"].append(f"zone abbreviation {zone!r} not trusted: read in the "
                                   "declared zone")


# --- Hangouts ------------------------------------------------------------------------------------

def _hangouts(doc: dict, prefix: str, data: bytes) -> list[dict]:
    rows: list[dict] = []
    for c, conv in enumerate(doc.get("conversations") or []):
        meta = (conv.get("conversation") or {}).get("conversation") or {} \
            if isinstance(conv, dict) else {}
        people = {str((p.get("id") or {}).get("gaia_id", "")): p.get("fallback_name", "")
                  for p in meta.get("participant_data") or [] if isinstance(p, dict)}
        kind = "direct" if meta.get("type") == "STICKY_ONE_TO_ONE" else (
            "group" if meta.get("type") == "GROUP" else None)
        cid = ((conv.get("conversation") or {}).get("conversation_id") or {}).get("id", "") \
            if isinstance(conv, dict) else ""
        name = meta.get("name") or ", ".join(n for n in people.values() if n) or cid
        events = conv.get("events") if isinstance(conv, dict) else None
        for e, event in enumerate(events or []):
            locator = f"{prefix}json:$.conversations[{c}].events[{e}]"
            rows.append(_hangouts_row(locator, event, name, kind, people))
    return rows


def _hangouts_row(locator: str, event: object, conversation: str, kind: str | None,
                  people: dict[str, str]) -> dict:
    raw = json.dumps(event, ensure_ascii=False, sort_keys=True).encode("utf-8")
    if not isinstance(event, dict):
        return unparsed(locator, raw, "event is not a JSON object", platform=PLATFORM)
    gaia = str((event.get("sender_id") or {}).get("gaia_id", ""))
    content = (event.get("chat_message") or {}).get("message_content") or {}
    text = "".join("\n" if s.get("type") == "LINE_BREAK" else s.get("text", "")
                   for s in content.get("segment") or [] if isinstance(s, dict))
    attachments = [str((a.get("embed_item") or {}).get("id", "attachment"))
                   for a in content.get("attachment") or [] if isinstance(a, dict)]
    etype = str(event.get("event_type", ""))
    kind_ = ("call" if etype == "HANGOUT_EVENT" else "system" if etype in _SYSTEM_EVENTS
             else "media" if attachments else "text")
    row = {"locator": locator, "raw": raw, "platform": PLATFORM, "conversation": conversation,
           "conversation_kind": kind, "sender": accounts.key_for(PLATFORM, gaia),
           "sender_display": people.get(gaia, ""), "body": text, "kind": kind_,
           "recipients": ";".join(accounts.key_for(PLATFORM, g) for g in people if g != gaia),
           "attachments": ";".join(attachments), "sent_at_raw": str(event.get("timestamp", "")),
           "event_type": etype, "warnings": []}
    try:
        micros = int(event["timestamp"])
        if micros <= 0:
            raise ValueError
        row.update(sent_at=pd.Timestamp(micros, unit="us", tz="UTC"), time_basis="epoch")
    except (KeyError, TypeError, ValueError):
        row["warnings"].append("no usable time: expected epoch microseconds")
    return row


# --- times ---------------------------------------------------------------------------------------

def _place(rows: list[dict], tz: str | None, src: Source) -> None:
    localize_rows(rows, tz, FORMAT, src, "times with a zone abbreviation read in {zone}")
    for r in rows:
        r.pop("_naive", None)
        if "time_basis" not in r or (r["kind"] != "unparsed" and "sent_at" not in r):
            r["time_basis"] = "missing"
        if isinstance(r.get("warnings"), list):
            r["warnings"] = "; ".join(r["warnings"])
