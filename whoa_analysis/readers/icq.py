"""ICQ 10 (Windows) and ICQ 3 (macOS) history: a profile folder or one conversation's ``_db2``.

The profile folder (``%AppData%\\ICQ\\0001``) as DigiFors describe it ("ICQ 10 file format")::

    0001/info/cache                 the owner: ICQ number, name, phone number
    0001/contacts/cache.cl          the contact list (JSON): aimId -> friendly name
    0001/archive/700900456/_db2     the conversation with 700900456

Each file is a run of blocks framed by their length, written twice before and after (u32,
little-endian); a block is a run of fields ``u32 tag, u32 length, value``. A message block::

    tag 1     8 bytes: u32 unknown, u32 the server's UNIX time      -> sent_at
    tag 0x0d  the previous message's tag 1
    tag 2     u32 flags: 0 incoming, 4 outgoing                     -> from_owner
    tag 3     u64 the client's UNIX time                            -> client_time
    tag 4     GUID (incoming; empty when outgoing), tag 0x0e GUIDs, tag 0x15 sender name
    tag 5     the text (UTF-8)                                      -> body
    tag 0x10  an event (nested fields): code 2 contact added or removed (the text says
              "added you to contacts" either way), 4 call started, 3 call ended (with extra
              fields when the call was answered); a file is a text that is its
              https://files.icq.net/get/ URL, repeated in tag 0x12

Kinds: text; a file's URL is ``media`` (the URL in ``attachments``, never fetched); a call
start, or an end no start precedes (unanswered, or its start is missing), is ``call``; the end
of a started call is ``system`` so one call counts once; a contact event or an unknown code is
``system``. The server's time is the instant (a sender's clock may be wrong), the client's is
kept beside it, a difference over five minutes is a warning. The conversation is the
``archive`` folder's name, the peer's ICQ number (``im:<number>``); a name ending in
``@chat.agent`` is a group chat, whose records name no sender's number. Bytes that are not a
block (a damaged or cut-off file) are one ``unparsed`` row each run, and reading resumes at the
next block; a record hash covers the block with its framing.
"""

from __future__ import annotations

import json
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import accounts
from ..errors import InputError
from ..evidence import source_files
from ._common import Head, Source, unparsed

FORMAT = "icq"
PLATFORM = "im"
PATTERNS = ("ICQ/0001/ (ICQ 10 profile folder: archive/<number>/_db2, info/cache)",
            "archive/<number>/_db2 (one ICQ 10 conversation)")
DESCRIPTION = "ICQ 10 (Windows) / ICQ 3 (macOS) history: a profile folder or one _db2 file"
READS_FOLDERS = True

#: A block's start: its length twice, then tag 1 with length 8 (a message's id and time).
_BLOCK = re.compile(rb"(....)\1\x01\x00\x00\x00\x08\x00\x00\x00", re.DOTALL)
_DB2 = re.compile(r"^archive/[^/]+/_db2$")
FILE_PREFIX = "https://files.icq.net/get/"
EVENTS = {2: "contact added or removed", 4: "call started", 3: "call ended"}
CONTACT, CALL_START, CALL_END = 2, 4, 3
OUTGOING = 0x04
CLOCK_SKEW_S = 300
MAX_CONTACTS = 64 << 20


def sniff(head: Head) -> bool:
    if head.is_dir:
        return any(_DB2.match(m) for m in head.members)
    if head.is_zip:
        return False
    # A renamed _db2 still shows its first block: tag 1, then the previous message (tag 0x0d).
    return _BLOCK.match(head.data) is not None and (
        head.name == "_db2" or head.data[24:32] == b"\x0d\0\0\0\x08\0\0\0")


def read(path: Path, *, tz: str | None = None, owner: Sequence[str] = (),
         date_order: str | None = None, region: str | None = None) -> pd.DataFrame:
    src = Source(Path(path), FORMAT)
    owner = (owner,) if isinstance(owner, str) else tuple(owner)
    if src.path.is_dir():
        files = [f for f in source_files(src.path)
                 if _DB2.match(f.relative_to(src.path).as_posix())]
        if not files:
            raise InputError(f"{src.path.name}: expected an ICQ profile folder holding "
                             "archive/<number>/_db2; found none: pass the folder named 0001 "
                             "(or the _db2 file itself)")
        profile = _profile(src.path, src)
    else:
        files, profile = [src.path], _Profile()
        src.assume("the conversation is named after the folder holding _db2 (the peer's ICQ "
                   "number); the owner's own number is not in a _db2 file")
    own = profile.own or _own_number(owner)
    rows: list[dict] = []
    for file in files:
        rel = file.relative_to(src.path).as_posix() if file != src.path else ""
        rows += _conversation(file, rel, own, profile.names)
    if not any(r["kind"] != "unparsed" for r in rows) and any(r["kind"] == "unparsed"
                                                               for r in rows):
        raise InputError(f"{src.path.name}: expected ICQ 10 _db2 blocks (length twice, then "
                         "fields); found none: is this an ICQ 10 history?")
    src.assume("ICQ times are the server's UNIX time (UTC); the client's time is kept in "
               "client_time")
    return src.frame(rows)


#: An ICQ number as the case file may write an owner's account (``im:700900123``): 5 to 10
#: digits, no leading 0 (a phone number written without +CC has one, or spaces).
_UIN = re.compile(r"(?:im:)?([1-9]\d{4,9})")


def _own_number(owner: Sequence[str]) -> str:
    """The owner's ICQ number among the case's identifiers for them (the platform may be cut
    off, as the case passes them), else ''."""
    return next((accounts.key_for("im", m[1]) for o in owner
                 if (m := _UIN.fullmatch(o.strip().casefold()))), "")


@dataclass
class _Profile:
    own: str = ""
    names: dict[str, str] = field(default_factory=dict)


def _profile(folder: Path, src: Source) -> _Profile:
    """The owner's number (info/cache) and the contact list's names (contacts/cache.cl)."""
    found = _Profile()
    info = folder / "info" / "cache"
    if info.is_file() and not info.is_symlink():
        data = info.read_bytes()
        values = dict(_fields(_framed(data, 0)[0] or b""))
        number = values.get(1, b"").decode("ascii", "replace").strip()
        if number:
            found.own = accounts.key_for("im", number)
        else:
            src.assume("info/cache holds no ICQ number: the owner's account is the case's")
    cl = folder / "contacts" / "cache.cl"
    if cl.is_file() and not cl.is_symlink() and cl.stat().st_size <= MAX_CONTACTS:
        try:
            groups = json.loads(cl.read_bytes()).get("groups", [])
            found.names = {str(b["aimId"]): str(b.get("friendly") or "")
                           for g in groups for b in g.get("buddies", [])
                           if isinstance(b, dict) and "aimId" in b}
        except (ValueError, AttributeError, TypeError):
            src.assume("contacts/cache.cl is not the expected JSON contact list: names come "
                       "from the records only")
    return found


def _framed(data: bytes, at: int) -> tuple[bytes | None, int]:
    """The block at ``at`` and where the next begins; ``None`` when no valid block is there."""
    if at + 8 > len(data):
        return None, at
    n, again = struct.unpack_from("<II", data, at)
    end = at + 8 + n
    if n != again or end + 8 > len(data) or data[end:end + 8] != data[at:at + 8]:
        return None, at
    return data[at + 8:end], end + 8


def _fields(body: bytes) -> list[tuple[int, bytes]]:
    """The (tag, value) fields of a block, up to one running past its end (see _rest)."""
    out, at = [], 0
    while at + 8 <= len(body):
        tag, n = struct.unpack_from("<II", body, at)
        if at + 8 + n > len(body):
            break
        out.append((tag, body[at + 8:at + 8 + n]))
        at += 8 + n
    return out


def _rest(body: bytes, values: list[tuple[int, bytes]]) -> int:
    """How many bytes of a block its fields do not account for (a damaged field)."""
    return len(body) - sum(8 + len(v) for _, v in values)


def _conversation(file: Path, rel: str, own: str, names: dict[str, str]) -> list[dict]:
    where = f"icq:{rel}" if rel else "icq:"
    peer = file.parent.name
    chat = _Chat(peer, own, names.get(peer, ""), peer.endswith("@chat.agent"))
    if file.is_symlink():
        rows = [unparsed(where, rel.encode("utf-8", "surrogateescape"), "symbolic link: not "
                         "followed (it could point outside the source)", platform=PLATFORM)]
    else:
        rows = _blocks(file.read_bytes(), where, chat)
    for r in rows:
        r.update(conversation=peer, conversation_kind="group" if chat.group else "direct",
                 protocol="ICQ")
    return rows


def _blocks(data: bytes, where: str, chat: _Chat) -> list[dict]:
    """A row per block; bytes that are no block up to the next one are one unparsed row."""
    rows: list[dict] = []
    at = 0
    while at < len(data):
        body, end = _framed(data, at)
        if body is None:
            nxt = _BLOCK.search(data, at + 1)
            end = nxt.start() if nxt else len(data)
            rows.append(unparsed(f"{where}@{at}", data[at:end], "not an ICQ block (damaged or "
                                 "cut off): raw bytes kept", platform=PLATFORM))
        else:
            rows.append(chat.row(body, data[at:end], f"{where}@{at}"))
        at = end
    return rows


@dataclass
class _Chat:
    peer: str
    own: str
    peer_name: str
    group: bool
    open_call: bool = False

    def row(self, body: bytes, raw: bytes, locator: str) -> dict:
        values = _fields(body)
        tags = dict(values)
        warnings: list[str] = []
        if rest := _rest(body, values):
            warnings.append(f"the last {rest} bytes of the block are no whole field (damaged):"
                            " not read, kept in the record hash")
        flags = _u32(tags.get(2))
        mine = None if flags is None else bool(flags & OUTGOING)
        if flags is None:
            warnings.append("no direction flags (tag 2): sender not known")
        text, bad = _text(tags.get(5, b""))
        if bad:
            warnings.append("text not UTF-8: shown with U+FFFD")
        name = _name(values)
        event = _event(tags.get(0x10))
        kind, call_type = self._kind(text, event, warnings)
        peer_key = "" if self.group else accounts.key_for("im", self.peer)
        if self.group and not mine:
            warnings.append("group chat: the record names no sender's number")
        sender, recipients = (self.own, peer_key) if mine else (peer_key, self.own)
        row = {"locator": locator, "raw": raw, "platform": PLATFORM, "sender": sender,
               "sender_display": "" if mine else (name or self.peer_name or self.peer),
               "recipients": recipients, "body": text, "kind": kind,
               "from_owner": pd.NA if mine is None else mine,
               "attachments": text if kind == "media" else "",
               "event": EVENTS.get(event.code, "") if event else "",
               "call_type": call_type, "event_account": accounts.key_for("im", event.uin)
               if event and event.uin else ""}
        row.update(_times(tags, warnings))
        row["warnings"] = "; ".join(dict.fromkeys(warnings))
        return row

    def _kind(self, text: str, event: _Event | None, warnings: list[str]) -> tuple[str, str]:
        if event is None or event.code is None:
            if text.startswith(FILE_PREFIX):
                return "media", ""
            if event is not None:
                warnings.append("an event field with no code: kept as a message")
            return "text", ""
        if event.code == CALL_START:
            self.open_call = True
            return "call", "started"
        if event.code == CALL_END:
            started, self.open_call = self.open_call, False
            if started and event.extra:
                return "system", "ended"
            if event.extra:
                warnings.append("the end of an answered call whose start is not in the file")
                return "call", "answered"
            return "call", "not answered"
        if event.code != CONTACT:
            warnings.append(f"unknown ICQ event code {event.code}: kept as a system row")
        return "system", ""


@dataclass
class _Event:
    code: int | None
    uin: str
    extra: bool


def _event(value: bytes | None) -> _Event | None:
    """Tag 0x10's nested fields: the first 4-byte one is the code, the next two texts the
    peer's number and name; anything after them is extra (an answered call's end)."""
    if value is None:
        return None
    inner = _fields(value)
    code = next((i for i, (_, v) in enumerate(inner) if len(v) == 4), None)
    if code is None:
        return _Event(None, "", False)
    texts = inner[code + 1:code + 3]
    uin = texts[0][1].decode("utf-8", "replace").strip() if texts else ""
    return _Event(struct.unpack("<I", inner[code][1])[0], uin, len(inner) > code + 3)


def _name(values: list[tuple[int, bytes]]) -> str:
    """Tag 0x15 is the sender's name where a second GUID precedes it (a record without a
    name has one GUID: tag 4 incoming, tag 0x0e outgoing)."""
    guids = sum(1 for tag, v in values if (tag == 4 and v) or tag == 0x0E)
    name = next((v for tag, v in values if tag == 0x15), b"")
    return _text(name)[0].strip() if guids >= 2 else ""


def _text(value: bytes) -> tuple[str, bool]:
    try:
        return value.decode("utf-8"), False
    except UnicodeDecodeError:
        return value.decode("utf-8", "replace"), True


def _u32(value: bytes | None) -> int | None:
    return struct.unpack("<I", value)[0] if value is not None and len(value) == 4 else None


def _times(tags: dict[int, bytes], warnings: list[str]) -> dict:
    server = struct.unpack("<I", tags[1][4:8])[0] if len(tags.get(1, b"")) == 8 else 0
    client = struct.unpack("<Q", tags[3])[0] if len(tags.get(3, b"")) == 8 else 0
    client = client if 0 < client < 1 << 32 else 0
    raw = f"server={server} client={client}"
    when = server or client
    if not when:
        warnings.append("no time in the record (tags 1 and 3)")
        return {"sent_at_raw": raw, "time_basis": "missing", "client_time": pd.NaT}
    if not server:
        warnings.append("no server time: the client's clock is used")
    elif client and abs(server - client) > CLOCK_SKEW_S:
        warnings.append(f"the client's clock differs from the server's by {client - server} s")
    return {"sent_at_raw": raw, "sent_at": pd.Timestamp(when, unit="s", tz="UTC"),
            "time_basis": "epoch",
            "client_time": pd.Timestamp(client, unit="s", tz="UTC") if client else pd.NaT}
