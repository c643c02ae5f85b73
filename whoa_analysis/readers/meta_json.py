"""Facebook Messenger and Instagram "Download your information" JSON (one schema, two platforms).

Meta writes one thread per folder (``messages/inbox/<name>_<id>/message_1.json``, then
``message_2.json`` ... ``message_10.json`` for long threads), each file newest-first::

    {"participants": [{"name": "Rob Offender"}, {"name": "Dana Example"}],
     "messages": [
       {"sender_name": "Rob Offender", "timestamp_ms": 1710151200000,
        "content": "caf\\u00c3\\u00a9 later?", "reactions": [{"reaction": "\\u00e2\\u009d\\u00a4",
        "actor": "Dana Example"}]},
       {"sender_name": "Dana Example", "timestamp_ms": 1710064800000, "is_unsent": true},
       {"sender_name": "Rob Offender", "timestamp_ms": 1710000000000, "type": "Call",
        "call_duration": 0}],
     "title": "Rob Offender", "thread_type": "Regular", "thread_path": "inbox/roboffender_123"}

The end-to-end-encrypted export (2024+) has plain-string participants and camelCase keys::

    {"participants": ["Dana Example", "Rob Offender"], "threadName": "Rob Offender",
     "messages": [{"senderName": "Rob Offender", "text": "hi", "timestamp": 1710151200000,
                   "type": "Generic", "isUnsent": false, "media": [], "reactions": []}]}

Times are epoch milliseconds (instants, ``time_basis`` epoch). Meta encodes every string as
UTF-8 bytes written out as latin-1 code points ("caf\\u00c3\\u00a9" for "café"); a string is
repaired only when that round trip is exact, and the exported text is kept in
``body_as_exported``. Unsent messages are ``deleted`` rows, calls ``call`` rows (``duration_s``),
joins/leaves (``Subscribe``/``Unsubscribe``) ``system`` rows. ``read`` takes one JSON file, a
thread folder or a whole export (folder or zip): every ``message_N.json`` is read in numeric
order, and a file that is not valid JSON inside a folder becomes one ``unparsed`` row (given
alone, it is an error). Rows come from Instagram (platform ``instagram``) when the path says so
(``your_instagram_activity``, ``instagram``); nothing in the JSON itself tells the two apart.
The HTML flavour of the export is not read by this module.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd

from .. import accounts
from ..errors import InputError
from ..evidence import source_files
from . import _meta
from ._common import Head, Source, read_member, unparsed, zip_members

FORMAT = "meta_json"
PLATFORM = "messenger"
PATTERNS = ("message_N.json (Messenger/Instagram 'Download your information')",
            "thread folder or export folder/zip with messages/inbox/*/message_N.json",
            "e2ee Messenger export *.json with threadName/senderName")
DESCRIPTION = "Facebook Messenger and Instagram 'Download your information' JSON"

_THREAD_FILE = re.compile(r"(?:^|/)message_(\d+)\.json$", re.IGNORECASE)
#: media keys of the classic schema -> nothing (their items carry a "uri").
_MEDIA_KEYS = ("photos", "videos", "audio_files", "files", "gifs", "media")
_SYSTEM_TYPES = frozenset({"Subscribe", "Unsubscribe"})
_KNOWN_TYPES = frozenset({"Generic", "Share", "Call", "Subscribe", "Unsubscribe"})
_MAX_SNIFF_MEMBERS_CHECK = 2000


# --- sniff ---------------------------------------------------------------------------------------

def _looks_like_thread(text: str) -> bool:
    """The keys a Meta thread file carries near its start (classic or e2ee schema)."""
    classic = '"sender_name"' in text and '"timestamp_ms"' in text and '"messages"' in text
    e2ee = '"senderName"' in text and '"timestamp"' in text and (
        '"threadName"' in text or '"isUnsent"' in text)
    return classic or e2ee


def sniff(head: Head) -> bool:
    if head.is_dir or head.is_zip:
        return any(_THREAD_FILE.search(m) for m in head.members[:_MAX_SNIFF_MEMBERS_CHECK])
    # a damaged message_N.json still belongs here, so that the reader can say what is wrong
    return head.name.endswith(".json") and (_looks_like_thread(head.text)
                                            or bool(_THREAD_FILE.search(head.name)))


# --- documents: one file, a folder, or a zip -----------------------------------------------------

def _order(name: str) -> tuple:
    return _meta.thread_order(name, _THREAD_FILE)


def _documents(path: Path) -> Iterator[tuple[str, str, bytes]]:
    """(name relative to ``path``, locator prefix, bytes) of every thread file to read."""
    if path.is_dir():
        names = sorted((p.relative_to(path).as_posix() for p in source_files(path)
                        if p.name.lower().endswith(".json") and not p.is_symlink()),
                       key=_order)
        for name in names:
            data = (path / name).read_bytes()
            if _THREAD_FILE.search(name) or _looks_like_thread(_head_text(data)):
                yield name, f"file:{name}:", data
        return
    if path.suffix.lower() == ".zip":
        # Read every member while the zip is open (zip_members closes it when exhausted).
        found = [(info.filename, read_member(zf, info)) for info, zf in zip_members(path)
                 if info.filename.lower().endswith(".json")]
        for name, data in sorted(found, key=lambda m: _order(m[0])):
            if _THREAD_FILE.search(name) or _looks_like_thread(_head_text(data)):
                yield name, f"zip:{name}:", data
        return
    yield path.name, "", path.read_bytes()


def _head_text(data: bytes) -> str:
    return data[:65536].decode("utf-8-sig", errors="replace")


# --- the latin-1 mojibake ------------------------------------------------------------------------

def repair(text: str) -> str:
    """Undo Meta's mojibake only where the round trip is exact; otherwise ``text`` unchanged."""
    if not any("\x80" <= ch <= "\xff" for ch in text):
        return text
    try:
        raw = text.encode("latin-1")
        fixed = raw.decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text
    return fixed if fixed.encode("utf-8") == raw else text


# --- raw spans of the "messages" elements --------------------------------------------------------

def _skip_string(text: str, i: int) -> int:
    """Index just past the JSON string starting at ``text[i] == '"'``."""
    j, n = i + 1, len(text)
    while j < n:
        if text[j] == "\\":
            j += 2
            continue
        if text[j] == '"':
            return j + 1
        j += 1
    return n


def message_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each element of the top-level ``"messages"`` array, as written.

    Lets each row hash the record's own bytes rather than a re-serialisation.
    """
    spans: list[tuple[int, int]] = []
    depth, last_key, inside, start, last_end, i = 0, "", False, -1, 0, 0
    while i < len(text):
        c = text[i]
        if c == '"':
            end = _skip_string(text, i)
            if depth == 1:
                last_key = text[i:end]
            start = i if inside and depth == 2 and start < 0 else start
            i, last_end = end, end
            continue
        if c in "{[":
            if inside and depth == 2 and start < 0:
                start = i
            if depth == 1 and c == "[" and last_key == '"messages"' and not spans:
                inside = True
            depth += 1
        elif c in "}]":
            depth -= 1
            if inside and depth == 1:
                if start >= 0:
                    spans.append((start, last_end))
                return spans
        elif c == "," and inside and depth == 2:
            spans.append((start, last_end))
            start = -1
        elif not c.isspace() and c != ":" and inside and depth == 2 and start < 0:
            start = i
        if not c.isspace():
            last_end = i + 1
        i += 1
    return spans


# --- reading -------------------------------------------------------------------------------------

def read(path: Path, *, tz: str | None = None, owner: Sequence[str] = (),
         date_order: str | None = None, region: str | None = None) -> pd.DataFrame:
    src = Source(Path(path), FORMAT)
    platform = _meta.platform(src, "JSON")
    owners = {o.casefold() for o in owner}
    rows: list[dict] = []
    single = src.path.is_file() and src.path.suffix.lower() != ".zip"
    for name, prefix, data in _documents(src.path):
        rows.extend(_read_document(name, prefix, data, platform, owners, src, single))
    if any(row.pop("_repaired", False) for row in rows):
        src.assume("latin-1 mojibake repaired where the round trip is exact "
                   "(the exported text is in body_as_exported)")
    if not rows and not single:
        raise InputError(f"{src.path.name}: expected Messenger/Instagram message_N.json files; "
                         "found none (pass the thread folder or the export's zip)")
    return src.frame(rows)


def _read_document(name: str, prefix: str, data: bytes, platform: str, owners: set[str],
                   src: Source, single: bool) -> list[dict]:
    text = data.decode("utf-8-sig", errors="replace")
    try:
        doc = json.loads(text)
    except RecursionError:          # nested deeper than the parser goes: hostile, not a thread
        if single:
            raise InputError(f"{name}: expected a Messenger/Instagram JSON thread; got JSON "
                             "nested too deep to read") from None
        return [unparsed(f"{prefix}json:$", data, "JSON nested too deep to read: file kept as "
                         "one unparsed row", platform=platform)]
    except json.JSONDecodeError as exc:
        if single:
            raise InputError(f"{name}: expected a Messenger/Instagram JSON thread; got invalid "
                             f"JSON ({exc.msg} at line {exc.lineno}): the file is damaged or "
                             "truncated; re-export it") from None
        return [unparsed(f"{prefix}json:$", data, f"not valid JSON ({exc.msg} at line "
                         f"{exc.lineno}): file kept as one unparsed row", platform=platform)]
    messages = doc.get("messages") if isinstance(doc, dict) else None
    if not isinstance(messages, list):
        if single:
            raise InputError(f"{name}: expected a JSON object with a \"messages\" list (a "
                             "Messenger/Instagram thread); got something else")
        return [unparsed(f"{prefix}json:$", data, "no \"messages\" list: file kept as one "
                         "unparsed row", platform=platform)]
    thread = _thread(doc, name, platform, src)
    raws = _raw_records(text, messages, src)
    return [_row(f"{prefix}json:$.messages[{i}]", raws[i], msg, thread, owners)
            for i, msg in enumerate(messages)]


def _raw_records(text: str, messages: list, src: Source) -> list[bytes]:
    spans = message_spans(text)
    if len(spans) == len(messages):
        return [text[a:b].encode("utf-8") for a, b in spans]
    src.assume("record hashes taken from re-serialised JSON (the message spans could not be "
               "located in the file)")
    return [json.dumps(m, ensure_ascii=False, sort_keys=True).encode("utf-8") for m in messages]


def _thread(doc: dict, name: str, platform: str, src: Source) -> dict:
    """What every row of one thread file shares: names, conversation, kind, participants."""
    people = [_participant(p) for p in doc.get("participants") or [] if _participant(p)]
    title = _text(doc.get("title")) or _text(doc.get("threadName"))
    path_hint = _text(doc.get("thread_path"))
    folder = name.rpartition("/")[0].rpartition("/")[2]
    conversation = repair(title) or path_hint or folder or Path(name).stem
    kind = _conversation_kind(_text(doc.get("thread_type")), len(people))
    if kind is None:
        src.assume(f"{conversation}: direct or group unknown (no participants listed)")
    return {"platform": platform, "conversation": conversation, "conversation_kind": kind,
            "participants": people, "thread_path": path_hint}


def _participant(p: object) -> str:
    name = p.get("name") if isinstance(p, dict) else p
    return repair(name) if isinstance(name, str) else ""


def _conversation_kind(thread_type: str, n_people: int) -> str | None:
    if thread_type == "RegularGroup" or n_people > 2:
        return "group"
    if thread_type == "Regular" or n_people == 2:
        return "direct"
    return None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _row(locator: str, raw: bytes, msg: object, thread: dict, owners: set[str]) -> dict:
    platform = thread["platform"]
    if not isinstance(msg, dict):
        return unparsed(locator, raw, "message is not a JSON object", platform=platform)
    sender_raw = _text(msg.get("sender_name")) or _text(msg.get("senderName"))
    sender = repair(sender_raw)
    body_exported = _text(msg.get("content")) if "content" in msg else _text(msg.get("text"))
    body = repair(body_exported)
    stamp, warnings = _time(msg)
    attachments = _attachments(msg)
    kind = _kind(msg, body, attachments, warnings)
    others = [p for p in thread["participants"] if p.casefold() != sender.casefold()]
    share = msg.get("share") if isinstance(msg.get("share"), dict) else {}
    return {
        "locator": locator, "raw": raw, "platform": platform,
        "conversation": thread["conversation"], "conversation_kind": thread["conversation_kind"],
        "sent_at": stamp, "sent_at_raw": _stamp_raw(msg),
        "time_basis": "epoch" if stamp is not None else "missing",
        "sender": accounts.key_for(platform, sender) if sender else "",
        "sender_display": sender,
        "recipients": ";".join(accounts.key_for(platform, p) for p in others),
        "body": body, "kind": kind, "attachments": ";".join(attachments),
        "warnings": "; ".join(warnings),
        "from_owner": (sender.casefold() in owners) if owners and sender else None,
        "body_as_exported": body_exported if body != body_exported else "",
        "reactions": _reactions(msg.get("reactions")),
        "share_link": repair(_text(share.get("link"))),
        "share_text": repair(_text(share.get("share_text"))),
        "duration_s": _duration(msg), "call_missed": msg.get("missed") is True,
        "message_type": _text(msg.get("type")), "thread_path": thread["thread_path"],
        "ip": _text(msg.get("ip")),
        "_repaired": body != body_exported or sender != sender_raw,
    }


def _stamp_raw(msg: dict) -> str:
    value = msg.get("timestamp_ms", msg.get("timestamp"))
    return "" if value is None else str(value)


def _time(msg: dict) -> tuple[pd.Timestamp | None, list[str]]:
    value = msg.get("timestamp_ms", msg.get("timestamp"))
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None, [f"no usable time ({value!r}): expected epoch milliseconds"]
    try:
        return pd.Timestamp(value, unit="ms", tz="UTC"), []
    except (OverflowError, ValueError):
        return None, [f"time {value!r} is out of range: expected epoch milliseconds"]


def _attachments(msg: dict) -> list[str]:
    """The uris of photos/videos/audio/files/gifs/media and the sticker (as text, never paths)."""
    items: list[object] = []
    for key in _MEDIA_KEYS:
        value = msg.get(key)
        if isinstance(value, list):
            items.extend(value)
    if isinstance(msg.get("sticker"), dict):
        items.append(msg["sticker"])
    return [repair(_text(i.get("uri"))) or "(unnamed)" for i in items if isinstance(i, dict)]


def _kind(msg: dict, body: str, attachments: list[str], warnings: list[str]) -> str:
    mtype = _text(msg.get("type"))
    if mtype and mtype not in _KNOWN_TYPES:
        warnings.append(f"unknown message type {mtype!r}: kept by its content")
    if msg.get("is_unsent") is True or msg.get("isUnsent") is True:
        return "deleted"
    if mtype == "Call" or "call_duration" in msg:
        return "call"
    if mtype in _SYSTEM_TYPES:
        return "system"
    if attachments or (isinstance(msg.get("share"), dict) and not body):
        return "media"
    return "text"


def _duration(msg: dict) -> float | None:
    value = msg.get("call_duration")
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _reactions(value: object) -> str:
    """Reactions as JSON text ``[{"reaction": "❤", "actor": "Dana"}]`` (mojibake repaired)."""
    if not isinstance(value, list) or not value:
        return ""
    out = [{"reaction": repair(_text(r.get("reaction"))), "actor": repair(_text(r.get("actor")))}
           for r in value if isinstance(r, dict)]
    return json.dumps(out, ensure_ascii=False)
