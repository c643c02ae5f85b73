"""Apple Messages databases: macOS ``chat.db``, iOS ``sms.db``, and an unencrypted iTunes/Finder
backup folder holding one.

The database itself, as iLEAPP reads it (a few of the ~90 columns of ``message``)::

    message(ROWID, guid, text, attributedBody BLOB, handle_id, service ('iMessage' | 'SMS'),
            account ('e:me@icloud.com'), destination_caller_id, subject, date, date_read,
            date_delivered, is_from_me, item_type, group_title, associated_message_guid,
            associated_message_type, reply_to_guid, thread_originator_guid, date_retracted,
            date_edited, ...)
    handle(ROWID, id ('+447700900456' | 'rob@example.net'), service, ...)
    chat(ROWID, guid, style (43 group, 45 direct), chat_identifier, display_name, ...)
    chat_message_join(chat_id, message_id)     chat_handle_join(chat_id, handle_id)
    attachment(ROWID, filename, transfer_name, mime_type, total_bytes, ...)
    message_attachment_join(message_id, attachment_id)

    241480 | 'Yeh' | x'040B73747265616D7479706564...' | 67 | 'iMessage' | ... |
           720845450393148160 | 0 | ... | 0

Times count from 2001-01-01 UTC: nanoseconds since macOS 10.13 / iOS 11, seconds before; a
value above 10^11 is nanoseconds (in seconds it would be after the year 5000), 0 means none.
``date_read`` is the read receipt (``read_at``): for the owner's messages when the other side
read it, for received ones when the owner did. Since macOS 13 the text is often only in
``attributedBody``, an ``NSAttributedString`` archived in Apple's typedstream format
(``\\x04\\x0bstreamtyped...``); it is decoded with pytypedstream, never by searching the bytes.
When both are stored and differ, ``text`` is the body and the decoded text is kept in
``attributed_text`` with a warning. ``is_from_me`` rows are the owner's; handles become
``phone:+E164`` or ``email:...``. Tapbacks (``associated_message_type`` 2000-2007, removals
3000-3007) are rows with their ``reaction``; unsent messages (``date_retracted``) are
``deleted``; group events (``item_type`` not 0) are ``system``. Attachments are listed by their
names (text only: nothing is opened). An edited message keeps its earlier versions, from
``message_summary_info``, in ``edit_history`` (JSON).

A backup folder is found by its ``Manifest.db``: ``sms.db`` is the file whose ``relativePath``
is ``Library/SMS/sms.db`` (domain ``HomeDomain``), stored under its SHA-1 ``fileID``
(``3d/3d0d7e5f...``). An encrypted backup is refused with what to do.
"""

from __future__ import annotations

import functools
import json
import plistlib
import re
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ._common import Head, Source, owner_phone, unparsed
from ._sqlite import (
    Database,
    Gap,
    Row,
    database,
    frame,
    gap_row,
    handle_key,
    is_sqlite,
    join,
    read_rows,
    schema_text,
)

FORMAT = "imessage_db"
PLATFORM = "imessage"
PATTERNS = ("chat.db (macOS Messages)", "sms.db (iOS)",
            "iTunes/Finder backup folder (Manifest.db)")
DESCRIPTION = ("Apple Messages database (macOS chat.db, iOS sms.db, unencrypted iPhone "
               "backup): iMessage and SMS, attributedBody decoded")

APPLE_EPOCH = pd.Timestamp("2001-01-01", tz="UTC")
NS_ABOVE = 10 ** 11
GROUP_STYLE, DIRECT_STYLE = 43, 45
SMS_SERVICES = frozenset({"sms", "mms", "rcs"})
#: associated_message_type: the tapback word; 3000 + n removes tapback 2000 + n.
TAPBACKS = {2000: "loved", 2001: "liked", 2002: "disliked", 2003: "laughed",
            2004: "emphasized", 2005: "questioned", 2006: "emoji", 2007: "sticker"}
#: item_type of a group event (message rows that are not messages).
ITEM_TYPES = {1: "participant added or removed", 2: "conversation renamed",
              3: "group event (left, photo changed)", 4: "location sharing",
              5: "message kept (audio)", 6: "FaceTime call"}
SMS_DB_ID = "3d0d7e5fb2ce288813306e4d4636395e047a3d28"   # sha1('HomeDomain-Library/SMS/sms.db')
_FILE_ID = re.compile(r"^[0-9a-f]{40}$")
_MESSAGE_TABLE = re.compile(rb"CREATE TABLE message \(ROWID INTEGER PRIMARY KEY AUTOINCREMENT,"
                            rb" guid TEXT UNIQUE NOT NULL")
_ACCOUNT = re.compile(r"^[epEP]:(.+)$")


def sniff(head: Head) -> bool:
    if head.is_dir:
        return "Manifest.db" in head.members or (head.path / "Manifest.db").is_file()
    if not is_sqlite(head):
        return False
    return head.name in ("chat.db", "sms.db") or bool(_MESSAGE_TABLE.search(schema_text(head)))


def read(path: Path, *, tz: str | None = None, owner: Sequence[str] = (),
         date_order: str | None = None, region: str | None = None) -> pd.DataFrame:
    src = Source(Path(path), FORMAT)
    owner = (owner,) if isinstance(owner, str) else tuple(owner)
    db_path, prefix = _locate(src)
    own = owner_phone(owner, region)

    def rows_of(db: Database) -> list[dict]:
        db.require("message", "text", "date")
        return _Reader(db, prefix, region, own, src).rows()
    rows = read_rows(src, db_path, "an Apple Messages database (chat.db / sms.db)", rows_of)
    src.assume("times are Apple epoch (2001-01-01 UTC) nanoseconds, or seconds in older "
               "databases")
    return frame(src, rows, "read_at", "delivered_at", "edited_at")


# --------------------------------------------------------------------------------- backups


def _locate(src: Source) -> tuple[Path, str]:
    """(the database file, the locator prefix): the file itself, or sms.db in a backup."""
    if not src.path.is_dir():
        return src.path, ""
    manifest = src.path / "Manifest.db"
    if not manifest.is_file():
        raise InputError(f"{src.path.name}: expected an iPhone backup folder with Manifest.db; "
                         "got a folder without one: pass the backup's own folder")
    _refuse_encrypted(src.path)
    with database(manifest, "an iPhone backup manifest (Manifest.db)") as db:
        db.require("Files", "fileID", "domain", "relativePath")
        ids = [r.text("fileID") or "" for r in db.rows("Files")[0]
               if r.text("relativePath") == "Library/SMS/sms.db"
               and r.text("domain") == "HomeDomain"]
    if not ids:
        raise InputError(f"{src.path.name}: the backup's Manifest.db lists no "
                         "Library/SMS/sms.db; expected a backup that includes Messages")
    file_id = ids[0].lower()
    if not _FILE_ID.match(file_id):        # a name from the file never becomes a path unchecked
        raise InputError(f"{src.path.name}: Manifest.db gives {file_id!r} as the fileID of "
                         "sms.db; expected 40 hex digits: the manifest is damaged")
    for rel in (f"{file_id[:2]}/{file_id}", file_id):
        if (src.path / rel).is_file():
            src.assume(f"sms.db read from the backup as {rel} (Manifest.db: HomeDomain, "
                       "Library/SMS/sms.db)")
            return src.path / rel, f"{rel}:"
    raise InputError(f"{src.path.name}: Manifest.db names {file_id[:2]}/{file_id} for sms.db "
                     "but the backup does not hold it; copy the whole backup folder again")


def _refuse_encrypted(folder: Path) -> None:
    plist = folder / "Manifest.plist"
    encrypted = False
    if plist.is_file():
        try:
            encrypted = bool(plistlib.loads(plist.read_bytes()).get("IsEncrypted"))
        except (plistlib.InvalidFileException, ValueError, TypeError, AttributeError, OSError):
            encrypted = False
    if encrypted:
        raise InputError(f"{folder.name}: this iPhone backup is encrypted; expected an "
                         "unencrypted one: make the backup again in Finder/iTunes with "
                         "'Encrypt local backup' off, or decrypt it with its password first "
                         "(nothing here guesses a password)")


# --------------------------------------------------------------------------------- rows


class _Reader:
    def __init__(self, db: Database, prefix: str, region: str | None, owner: str,
                 src: Source) -> None:
        self.db, self.prefix, self.region, self.owner, self.src = db, prefix, region, owner, src
        self.handles = {r.rowid: (r.text("id") or "") for r in self._table("handle")}
        self.chats = {r.rowid: r for r in self._table("chat")}
        self.chat_of = {m: c for m, c in self._pairs("chat_message_join", "message_id",
                                                      "chat_id")}
        self.members: dict[int, list[int]] = defaultdict(list)
        for c, h in self._pairs("chat_handle_join", "chat_id", "handle_id"):
            self.members[c].append(h)
        files = {r.rowid: r for r in self._table("attachment")}
        self.files: dict[int, list[str]] = defaultdict(list)
        for m, a in self._pairs("message_attachment_join", "message_id", "attachment_id"):
            self.files[m].append(_file_name(files.get(a)))
        self.gaps: list[Gap] = []

    def _table(self, name: str) -> list[Row]:
        rows, gaps = self.db.rows(name)
        for gap in gaps:
            self.src.assume(gap.warning)
        return rows

    def _pairs(self, table: str, a: str, b: str) -> list[tuple[int, int]]:
        return [(x, y) for r in self._table(table)
                if (x := r.int(a)) is not None and (y := r.int(b)) is not None]

    def rows(self) -> list[dict]:
        out, seen = [], []
        for item in self.db.scan("message"):
            if isinstance(item, Gap):
                out.append(gap_row(item, PLATFORM, self.prefix))
                continue
            seen.append(item)
        senders = self._senders_per_chat(seen)
        for row in seen:
            try:
                out.append(self._row(row, senders))
            except (ValueError, TypeError, OverflowError) as exc:
                out.append(unparsed(self._locator(row), row.raw(), f"row cannot be read "
                                    f"({type(exc).__name__}: {exc}): kept unparsed",
                                    platform=PLATFORM))
        return out

    def _locator(self, row: Row) -> str:
        return f"{self.prefix}sqlite:message[{row.rowid}]"

    def _senders_per_chat(self, rows: list[Row]) -> dict[int, set[int]]:
        """Handles seen per chat: what tells group from direct where the chat table is gone."""
        seen: dict[int, set[int]] = defaultdict(set)
        for row in rows:
            handle = row.int("handle_id") or 0
            if handle:
                seen[self.chat_of.get(row.rowid, -1)].add(handle)
        return seen

    def _row(self, row: Row, senders: dict[int, set[int]]) -> dict:
        warnings = [f"invalid UTF-8 in {c}: shown with U+FFFD" for c in row.bad_text()]
        mine = bool(row.int("is_from_me"))
        chat_id = self.chat_of.get(row.rowid)
        handle = self.handles.get(row.int("handle_id") or 0, "")
        people = self._people(chat_id, senders)
        kind_, conversation = self._conversation(chat_id, handle, people)
        own = self._own_key(row)
        other = handle_key(handle, self.region)
        others = [handle_key(self.handles.get(h, ""), self.region) for h in people]
        if mine:
            sender, recipients = own, (others if kind_ == "group" or not other else [other])
        else:
            sender = other
            recipients = [own] + ([k for k in others if k != other] if kind_ == "group" else [])
        body, extra = self._body(row, warnings)
        sent_at, raw, basis = self._time(row, "date", warnings, required=True)
        service = row.text("service") or ""
        files = [n for n in self.files.get(row.rowid, []) if n]
        kind = self._kind(row, files, extra, warnings)
        return {"locator": self._locator(row), "raw": row.raw(),
                "platform": "sms" if service.lower() in SMS_SERVICES else "imessage",
                "conversation": conversation, "conversation_kind": kind_,
                "sent_at": sent_at, "sent_at_raw": raw, "time_basis": basis,
                "sender": sender, "sender_display": "" if mine else handle,
                "recipients": ";".join(dict.fromkeys(k for k in recipients if k)),
                "subject": row.text("subject") or "", "body": body, "kind": kind,
                "attachments": ";".join(files), "in_reply_to": _reply_to(row),
                "warnings": join(warnings), "from_owner": mine,
                "read_at": self._time(row, "date_read", warnings)[0],
                "delivered_at": self._time(row, "date_delivered", warnings)[0],
                "edited_at": self._time(row, "date_edited", warnings)[0],
                "service": service, "message_guid": row.text("guid") or "", **extra}

    def _people(self, chat_id: int | None, senders: dict[int, set[int]]) -> list[int]:
        if chat_id is not None and self.members.get(chat_id):
            return self.members[chat_id]
        return sorted(senders.get(chat_id if chat_id is not None else -1, set()))

    def _conversation(self, chat_id: int | None, handle: str, people: list[int],
                      ) -> tuple[str, str]:
        chat = self.chats.get(chat_id) if chat_id is not None else None
        if chat is not None:
            style = chat.int("style")
            name = chat.text("chat_identifier") or chat.text("guid") or f"chat {chat_id}"
            if style in (GROUP_STYLE, DIRECT_STYLE):
                return ("group" if style == GROUP_STYLE else "direct"), name
            return ("group" if len(people) > 1 else "direct"), name
        self.src.assume("no chat table row for some messages: direct or group told by the "
                        "handles seen in the conversation")
        name = f"chat {chat_id}" if chat_id is not None else (handle or "(no conversation)")
        return ("group" if len(people) > 1 else "direct"), name

    def _own_key(self, row: Row) -> str:
        """The owner's account on this message: the caller id used, else the account."""
        caller = (row.text("destination_caller_id") or "").strip()
        if caller:
            return handle_key(caller, self.region)
        match = _ACCOUNT.match((row.text("account") or "").strip())
        if match:
            return handle_key(match[1], self.region)
        return self.owner

    def _body(self, row: Row, warnings: list[str]) -> tuple[str, dict]:
        text = row.text("text")
        blob = row.blob("attributedBody")
        if blob is None:
            return text or "", {"attributed_text": ""}
        decoded, error = attributed_text(blob)
        if error:
            warnings.append(f"attributedBody could not be decoded ({error})")
            return text or "", {"attributed_text": "", "_undecoded": text is None}
        if text is None:
            return decoded, {"attributed_text": decoded}
        if decoded != text:
            warnings.append("text and attributedBody differ: text is the body, the decoded "
                            "attributedBody is in attributed_text")
        return text, {"attributed_text": decoded}

    def _kind(self, row: Row, files: list[str], extra: dict, warnings: list[str]) -> str:
        if extra.pop("_undecoded", False):
            warnings.append("the text is only in attributedBody, which could not be decoded: "
                            "kept unparsed (the raw row is hashed)")
            return "unparsed"
        item = row.int("item_type") or 0
        assoc = row.int("associated_message_type") or 0
        extra["reaction"] = _reaction(assoc)
        if item:
            extra["system_event"] = ITEM_TYPES.get(item, f"item_type {item}")
            if item == 2 and row.text("group_title"):
                extra["system_event"] += f": {row.text('group_title')}"
            return "system"
        extra["system_event"] = ""
        if row.int("date_retracted"):
            warnings.append("unsent by the sender (date_retracted set): the text is gone")
            return "deleted"
        history, problem = edit_history(row.blob("message_summary_info"))
        extra["edit_history"] = json.dumps(history, ensure_ascii=False) if history else ""
        if problem:
            warnings.append(problem)
        if row.int("date_edited"):
            warnings.append("edited: the versions before are in edit_history" if history else
                            "edited: no earlier version is stored")
        return "media" if files else "text"

    def _time(self, row: Row, column: str, warnings: list[str], *, required: bool = False,
              ) -> tuple:
        value = row.int(column)
        raw = "" if row.values.get(column) is None else str(row.int(column)
                                                             if value is not None
                                                             else row.text(column))
        when, problem = apple_time(value)
        if problem:
            warnings.append(f"{column}: {problem}")
        if required:
            if when is None and not problem:
                warnings.append("no date stored")
            return when, raw, "epoch" if when is not None else "missing"
        return when, raw, ""


def apple_time(value: int | None) -> tuple[pd.Timestamp | None, str]:
    """An Apple epoch value (ns or s since 2001-01-01 UTC) as an instant; 0/None -> none."""
    if value is None or value == 0:
        return None, ""
    try:
        delta = pd.Timedelta(value, unit="ns" if abs(value) > NS_ABOVE else "s")
        return APPLE_EPOCH + delta, ""
    except (OverflowError, ValueError, pd.errors.OutOfBoundsDatetime,
            pd.errors.OutOfBoundsTimedelta):
        return None, f"time value {value} is out of range: no time kept"


def edit_history(blob: bytes | None) -> tuple[list[dict], str]:
    """Earlier versions of an edited message from ``message_summary_info`` (a binary plist
    whose ``ec`` maps each message part to its versions, ``{"d": date, "t": attributedBody}``):
    ([{"part", "edited_at_raw", "text"}, ...], problem or '')."""
    if not blob:
        return [], ""
    try:
        info = plistlib.loads(blob)
    except Exception as exc:  # noqa: BLE001 - plistlib raises many kinds on damaged input
        return [], f"message_summary_info is not a readable plist ({type(exc).__name__})"
    edits = info.get("ec") if isinstance(info, dict) else None
    if not isinstance(edits, dict):
        return [], ""
    out = []
    for part, versions in sorted(edits.items(), key=lambda kv: str(kv[0])):
        for version in versions if isinstance(versions, list) else []:
            if not isinstance(version, dict) or not isinstance(version.get("t"), bytes):
                return out, "message_summary_info holds an edit this reader cannot read"
            text, error = attributed_text(version["t"])
            if error:
                return out, f"an earlier version could not be decoded ({error})"
            out.append({"part": str(part), "edited_at_raw": str(version.get("d", "")),
                        "text": text})
    return out, ""


def _reaction(assoc: int) -> str:
    if assoc in TAPBACKS:
        return TAPBACKS[assoc]
    if assoc - 1000 in TAPBACKS:
        return f"removed {TAPBACKS[assoc - 1000]}"
    return ""


def _reply_to(row: Row) -> str:
    return (row.text("associated_message_guid") or row.text("reply_to_guid")
            or row.text("thread_originator_guid") or "")


def _file_name(att: Row | None) -> str:
    """An attachment's name as text: its transfer name, else the last part of its path."""
    if att is None:
        return "(attachment row missing)"
    name = att.text("transfer_name") or ""
    if name:
        return name
    return (att.text("filename") or "").replace("\\", "/").rsplit("/", 1)[-1]


# --------------------------------------------------------------------------------- typedstream


@functools.lru_cache(maxsize=1)
def _typedstream():
    import typedstream  # imported on first use (optional for every other reader)

    return typedstream


def attributed_text(blob: bytes) -> tuple[str, str]:
    """The string of an archived NSAttributedString: (text, '') or ('', why not)."""
    ts = _typedstream()
    try:
        root = ts.unarchive_from_data(blob)
    except Exception as exc:  # noqa: BLE001 - any failure of the decoder means "not decodable"
        return "", f"{type(exc).__name__}: {str(exc)[:120]}"
    text = _string_of(root, ts)
    if text is None:
        return "", f"expected an NSAttributedString archive; got {_class_name(root)}"
    return text, ""


def _string_of(root: object, ts) -> str | None:
    from typedstream.types.foundation import NSString

    if isinstance(root, NSString):
        return root.value
    if not isinstance(root, ts.archiving.GenericArchivedObject):
        return None
    if not any(n in (b"NSAttributedString", b"NSMutableAttributedString")
               for n in _class_chain(root.clazz)):
        return None
    first = root.contents[0] if root.contents else None
    value = getattr(first, "value", None)
    return value.value if isinstance(value, NSString) else None


def _class_chain(clazz) -> list[bytes]:
    names = []
    while clazz is not None and len(names) < 64:
        names.append(clazz.name)
        clazz = clazz.superclass
    return names


def _class_name(obj: object) -> str:
    clazz = getattr(obj, "clazz", None)
    return clazz.name.decode("ascii", "replace") if clazz is not None else type(obj).__name__

