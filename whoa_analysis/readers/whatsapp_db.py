"""WhatsApp's Android database: a decrypted ``msgstore.db`` (with ``wa.db`` beside it for
names), as ALEAPP reads it from /data/data/com.whatsapp/databases.

Two layouts. Before 2021 one flat table::

    messages(_id, key_remote_jid, key_from_me, key_id, status, needs_push, data, timestamp,
             media_url, media_mime_type, media_wa_type, media_size, media_name, media_caption,
             media_duration, remote_resource, received_timestamp, read_device_timestamp, ...)
      41 | '447700900456@s.whatsapp.net' | 0 | '3EB0C4...' | 0 | 0 | 'Answer me' |
      1710061200000 | ...

and since then ``message`` with the people and chats in ``jid`` and ``chat``::

    message(_id, chat_row_id, from_me, key_id, sender_jid_row_id, status, broadcast,
            recipient_count, timestamp, received_timestamp, message_type, text_data, ...)
    chat(_id, jid_row_id, subject, ...)      jid(_id, user, server, agent, device, type,
                                                  raw_string)
    message_media(message_row_id, file_path, mime_type, media_name, media_caption, ...)
    call_log(_id, jid_row_id, from_me, timestamp, video_call, duration, call_result, ...)

and in ``wa.db``: ``wa_contacts(jid, display_name, wa_name, number, ...)``. Times are epoch
milliseconds (UTC). A number's jid (``447700900456@s.whatsapp.net``) is ``phone:+447700900456``;
a group is ``...@g.us``; other jids (``...@lid``) stay ``whatsapp:<jid>``. ``message_type`` /
``media_wa_type``: 0 text, 1 image, 2 audio, 3 video, 4 contact, 5 location, 7 system, 9
document, 13 GIF, 15 deleted for everyone, 16 live location, 20 sticker.

Backups on the phone (``msgstore.db.crypt12``, ``.crypt14``, ``.crypt15``) are encrypted: they
are recognised and refused with what key is needed; nothing here guesses a key.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from .. import accounts
from ..errors import InputError
from ..evidence import sha256_path
from ._common import Head, Source, owner_phone
from ._sqlite import (
    Database,
    Row,
    database,
    epoch,
    frame,
    is_sqlite,
    join,
    noted_rows,
    read_rows,
    schema_text,
    table_rows,
)

FORMAT = "whatsapp_db"
PLATFORM = "whatsapp"
PATTERNS = ("msgstore.db (decrypted, Android)", "wa.db beside it (names)",
            "msgstore.db.crypt12/14/15 (refused: encrypted)")
DESCRIPTION = "WhatsApp Android msgstore.db (old messages and new message/jid layouts)"

TYPES = {0: "text", 1: "image", 2: "audio", 3: "video", 4: "contact", 5: "location",
         7: "system", 8: "call", 9: "document", 10: "missed call", 13: "gif",
         15: "deleted", 16: "live location", 20: "sticker", 42: "view-once image",
         43: "view-once video", 64: "call", 90: "call"}
KIND_OF = {"text": "text", "system": "system", "deleted": "deleted", "call": "call",
           "missed call": "call"}
CRYPT = re.compile(r"\.db\.crypt(\d{1,2})$")
_OLD = re.compile(rb"CREATE TABLE messages \(_id INTEGER PRIMARY KEY AUTOINCREMENT,\s*"
                  rb"key_remote_jid TEXT NOT NULL")
_NEW = re.compile(rb"CREATE TABLE message \(_id INTEGER PRIMARY KEY AUTOINCREMENT,\s*"
                  rb"chat_row_id INTEGER")
NUMBER_SERVERS = ("s.whatsapp.net", "c.us")


def sniff(head: Head) -> bool:
    if head.is_dir:
        return False
    if CRYPT.search(head.name):
        return not is_sqlite(head)
    if not is_sqlite(head):
        return False
    data = schema_text(head)
    return head.name == "msgstore.db" or bool(_OLD.search(data) or _NEW.search(data))


def read(path: Path, *, tz: str | None = None, owner: Sequence[str] = (),
         date_order: str | None = None, region: str | None = None) -> pd.DataFrame:
    path = Path(path)
    if (crypt := CRYPT.search(path.name)) and not _starts_sqlite(path):
        raise InputError(_crypt_message(path.name, crypt[1]))
    src = Source(path, FORMAT)
    owner = (owner,) if isinstance(owner, str) else tuple(owner)
    names = _names(src)
    own = owner_phone(owner, region)

    def rows_of(db: Database) -> list[dict]:
        if db.has("message", "chat_row_id", "from_me", "timestamp") and "jid" in db.tables:
            return _New(db, src, region, own, names).rows()
        if db.has("messages", "key_remote_jid", "key_from_me", "timestamp"):
            return _Old(db, src, region, own, names).rows()
        db.require("message", "chat_row_id", "from_me", "timestamp")
        return []
    rows = read_rows(src, src.path, "a decrypted WhatsApp msgstore.db", rows_of)
    src.assume("times are epoch milliseconds (UTC)")
    return frame(src, rows, "received_at")


def _starts_sqlite(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(16) == b"SQLite format 3\x00"


def _crypt_message(name: str, version: str) -> str:
    key = ("the 64-digit end-to-end backup key (or the 'key' file from "
           "/data/data/com.whatsapp/files)" if version == "15" else
           "the 'key' file from /data/data/com.whatsapp/files on the phone (or, for an "
           "end-to-end encrypted backup, its 64-digit key)")
    return (f"{name}: WhatsApp backup encrypted with crypt{version}; expected a decrypted "
            f"msgstore.db: decrypt it first with {key}, using a WhatsApp decryption tool, "
            "then read the msgstore.db it gives. Nothing is read from the encrypted file; a key is "
            "never guessed")


def _names(src: Source) -> dict[str, str]:
    """jid -> name from wa.db beside msgstore.db (none when absent or unreadable)."""
    wa = src.path.with_name("wa.db")
    if not wa.is_file():
        src.assume("no wa.db beside msgstore.db: people are shown by their jid")
        return {}
    try:
        with database(wa, "WhatsApp's wa.db") as db:
            rows, _ = db.rows("wa_contacts")
    except InputError as exc:
        src.assume(f"wa.db beside msgstore.db cannot be read ({exc}): people shown by jid")
        return {}
    src.assume(f"names from wa.db beside msgstore.db (sha256 {sha256_path(wa)})")
    names = {}
    for r in rows:
        jid = r.text("jid") or ""
        name = r.text("display_name") or r.text("wa_name") or ""
        if jid and name:
            names[jid] = name
    return names


def jid_key(jid: str, region: str | None) -> str:
    """A number's jid as ``phone:+E164``; any other jid as ``whatsapp:<jid>``."""
    user, _, server = jid.partition("@")
    user = user.split(":", 1)[0].split(".", 1)[0]        # device suffixes (user.0:12@...)
    if server in NUMBER_SERVERS and user.isdigit():
        return accounts.key_for("phone", "+" + user, region)
    return accounts.key_for("whatsapp", jid, region) if jid else ""


class _Base:
    table = ""

    def __init__(self, db: Database, src: Source, region: str | None, owner: str,
                 names: dict[str, str]) -> None:
        self.db, self.src, self.region, self.owner, self.names = db, src, region, owner, names
        self.setup()

    def setup(self) -> None:
        pass

    def _table(self, name: str) -> list[Row]:
        return noted_rows(self.db, name, self.src)

    def rows(self) -> list[dict]:
        out = []
        for table, build in self.tables():
            if table in self.db.tables:
                out += table_rows(self.db, table, build, PLATFORM)
        return out

    def tables(self):
        return []

    def message(self, row: Row, *, chat: str, sender_jid: str, mine: bool, type_: int | None,
                text: str, files: list[str], subject: str, time_col: str = "timestamp",
                received: int | None = None) -> dict:
        warnings = [f"invalid UTF-8 in {c}: shown with U+FFFD" for c in row.bad_text()]
        word = TYPES.get(type_ if type_ is not None else 0, f"type {type_}")
        group = chat.endswith("@g.us") or chat.endswith("@broadcast")
        if group and not mine and (not sender_jid or sender_jid == chat):
            warnings.append("a group message whose sender is not recorded")
            sender_jid = ""
        sender = self.owner if mine else jid_key(sender_jid, self.region)
        others = [] if group else [jid_key(chat, self.region)]
        when, problem = epoch(row.int(time_col), "ms")
        if problem or when is None:
            warnings.append(problem or "no time stored")
        kind = KIND_OF.get(word, "media" if word in TYPES.values() else "text")
        if type_ is not None and type_ not in TYPES:
            warnings.append(f"message type {type_} is not one this reader knows: read as text")
        if chat in ("", "-1"):
            kind, word = "system", "placeholder"
            warnings.append("the app's placeholder row (no chat): kept as system")
        if word == "deleted":
            warnings.append("deleted for everyone by the sender: the text is gone")
        return {"locator": f"sqlite:{row.table}[{row.rowid}]", "raw": row.raw(),
                "platform": "whatsapp", "conversation": subject or self.names.get(chat, chat),
                "conversation_kind": "group" if group else "direct", "sent_at": when,
                "sent_at_raw": row.text(time_col) or "",
                "time_basis": "epoch" if when is not None else "missing", "sender": sender,
                "sender_display": "" if mine else self.names.get(sender_jid, sender_jid),
                "recipients": ";".join(k for k in (others if mine else [self.owner]) if k),
                "body": text, "kind": kind, "attachments": ";".join(f for f in files if f),
                "warnings": join(warnings), "from_owner": mine, "message_type": word,
                "sender_jid": "" if mine else sender_jid, "chat_jid": chat,
                "received_at": epoch(received, "ms")[0] if received else None}


class _Old(_Base):
    """The flat ``messages`` table (before 2021); group names in ``chat_list``."""

    def setup(self) -> None:
        self.subjects = {r.text("key_remote_jid") or "": r.text("subject") or ""
                         for r in self._table("chat_list")}

    def tables(self):
        return [("messages", self._row)]

    def _row(self, row: Row) -> dict:
        chat = row.text("key_remote_jid") or ""
        mine = bool(row.int("key_from_me"))
        group = chat.endswith("@g.us")
        sender = (row.text("remote_resource") or "") if group else chat
        type_ = row.int("media_wa_type")
        text = row.text("data")
        if text is None:
            text = row.text("media_caption") or ""
        files = [row.text("media_name") or ""] if type_ not in (None, 0, 7, 15) else []
        out = self.message(row, chat=chat, sender_jid=sender, mine=mine, type_=type_,
                           text=text, files=files, subject=self.subjects.get(chat, ""),
                           received=row.int("received_timestamp"))
        if group and row.int("status") == 6:
            out["kind"] = "system"
        return out


class _New(_Base):
    """``message`` with ``jid``/``chat`` (2021 on), and ``call_log`` where present."""

    def setup(self) -> None:
        self.jids = {r.rowid: r.text("raw_string") or _jid_of(r) for r in self._table("jid")}
        self.chats = {r.rowid: r for r in self._table("chat")}
        self.media = {r.int("message_row_id"): r for r in self._table("message_media")}

    def tables(self):
        return [("message", self._row), ("call_log", self._call)]

    def _chat(self, chat_id: int | None) -> tuple[str, str]:
        chat = self.chats.get(chat_id or 0)
        if chat is None:
            return "", ""
        return self.jids.get(chat.int("jid_row_id") or 0, ""), chat.text("subject") or ""

    def _row(self, row: Row) -> dict:
        chat, subject = self._chat(row.int("chat_row_id"))
        mine = bool(row.int("from_me"))
        sender = self.jids.get(row.int("sender_jid_row_id") or 0, "")
        if not sender and not chat.endswith("@g.us"):
            sender = chat                       # a direct chat's other side is the chat
        media = self.media.get(row.rowid)
        files = []
        if media is not None:
            files = [media.text("media_name") or (media.text("file_path") or "")
                     .replace("\\", "/").rsplit("/", 1)[-1]]
        text = row.text("text_data") or ""
        if not chat:
            chat = f"chat {row.int('chat_row_id')}"
        return self.message(row, chat=chat, sender_jid=sender, mine=mine,
                            type_=row.int("message_type"), text=text, files=files,
                            subject=subject, received=row.int("received_timestamp"))

    def _call(self, row: Row) -> dict:
        jid = self.jids.get(row.int("jid_row_id") or 0, "")
        mine = bool(row.int("from_me"))
        out = self.message(row, chat=jid, sender_jid=jid, mine=mine, type_=8, text="",
                           files=[], subject="")
        out.update(kind="call", message_type="video call" if row.int("video_call") else "call",
                   duration_s=row.int("duration"), call_result=row.int("call_result"))
        return out


def _jid_of(row: Row) -> str:
    user, server = row.text("user") or "", row.text("server") or ""
    return f"{user}@{server}" if server else user
