"""Outlook .pst and .ost mail stores (Personal / Offline Folders, ANSI and Unicode).

What Outlook on Windows writes for "Export to a file > Outlook Data File", for archives and for
the offline cache of an Exchange or Outlook.com account. A binary B-tree store ([MS-PST]); the
first bytes say which kind::

    00000000: 2142 444e ba85 c778 534d 1700 1300 0101   !BDN...xSM......
              dwMagic   CRC       "SM" wVer=23 (Unicode; 14/15 ANSI; "SO" = .ost)

Each mail is a set of MAPI properties, kept as Outlook stored them::

    0x001A PR_MESSAGE_CLASS         IPM.Note
    0x0037 PR_SUBJECT               Re: hello
    0x007D PR_TRANSPORT_MESSAGE_HEADERS
                                    Received: from mail.example.net ... (the RFC 5322 header)
    0x0039 PR_CLIENT_SUBMIT_TIME    FILETIME (100 ns since 1601, UTC)
    0x0C1F PR_SENDER_EMAIL_ADDRESS  rob@example.net
    0x1000 PR_BODY                  the text;   0x1013 PR_HTML: the HTML
    recipient table (To/Cc/Bcc), attachment table (name, size, bytes)

Read through libpff (``libpff-python``, LGPL-3.0+, wheels for Linux, macOS and Windows), the
library forensic tools use; it decodes the store's B-trees, blocks and encodings. Every mail
of every folder becomes a row; items that are no mail (appointments, contacts, tasks) are kept
as ``system`` rows saying so; items libpff cannot read are ``unparsed`` rows with a warning.
``locator`` is ``pst:<folder path>#<index>@<node id>`` (``/`` in a folder name shown as
``%2F``); ``folder`` holds the path as Outlook shows it. ``headers_raw`` is the transport header
text, so the header trace and abuse-desk drafts work as for mbox. Time: the headers' Date with
its offset, else PR_CLIENT_SUBMIT_TIME, else the delivery time (with a warning); FILETIME
values are kept as their integer in ``sent_at_raw``; the creation time is never taken for
the sending time. ANSI text is read in the message's code page (PR_MESSAGE_CODEPAGE), else the
store's, and the import report says so. ``record_sha256`` is the SHA-256 of the item's
properties as stored (tag, type, length, value bytes, in order; recipients' and attachments'
too, attachment bytes included): a PST has no contiguous bytes per message to hash. Attachments
are metadata only (name as text, type, size, SHA-256), read in 1 MiB pieces.

Nothing is dropped: besides what each folder's contents table lists, message nodes the store
files under a folder without listing them (possibly deleted) and orphan items (in no folder)
are rows with a warning saying so; a mail that is in a store twice (a draft and its sent copy
with one Message-ID, sender, time and text) is kept twice, the second naming the first in
``copy_of``. Bounded: folders are walked without recursion, each once, at most 100 deep; the
value bytes read may not pass 4 times the store's size (a hostile store can point thousands of
block references at one block, and libpff then reads gigabytes from kilobytes: the rest become
``unparsed`` rows saying why); libpff itself refuses any one value over its allocation limit
(that item is ``unparsed``). The frame streams out in pieces of 2,000 items (``batches``).
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import json
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import schema
from ..errors import InputError
from . import _email
from ._common import Head, Source, unparsed

FORMAT = "pst"
PLATFORM = "email"
PATTERNS = ("*.pst (Outlook personal folders, ANSI and Unicode)", "*.ost (Outlook offline "
            "folders)")
DESCRIPTION = "Outlook .pst/.ost mail store: every mail of every folder (libpff)"

MAGIC = b"!BDN"
_CLIENTS = (b"SM", b"SO")             # PST, OST ("AB" is a personal address book: no mail)
BATCH_ROWS = 2000
BATCH_BYTES = 64 << 20                # text held before a piece is handed on
MAX_DEPTH = 100                       # folder nesting; Outlook's own limit is far lower
CHUNK = 1 << 20                       # attachment bytes read at a time
#: Value bytes read from a store may not pass this many times its size (nor 64 MiB for a
#: small one): a hostile store can point thousands of block references at one block, and
#: libpff then reads gigabytes (a minute per 3 GB value) from a file of kilobytes.
AMPLIFY, MIN_BUDGET = 4, 64 << 20
_MAIL_CLASSES = ("ipm.note", "ipm.schedule.meeting", "ipm.post", "ipm.sharing")
_FILETIME_EPOCH = dt.datetime(1601, 1, 1, tzinfo=dt.UTC)
EXTRAS = (*_email.ROW_EXTRAS, "folder", "message_class", "body_rtf", "copy_of")

# property ids
_SUBJECT, _CLASS, _HEADERS, _BODY, _HTML, _RTF = 0x0037, 0x001A, 0x007D, 0x1000, 0x1013, 0x1009
_SUBMIT, _DELIVERY, _MSGID, _INREPLY = 0x0039, 0x0E06, 0x1035, 0x1042
_CODEPAGE, _CPID = 0x3FFD, 0x3FDE
_ATTACH_DATA = 0x3701
_UNICODE, _STRING8, _BINARY, _TIME, _LONG = 0x001F, 0x001E, 0x0102, 0x0040, 0x0003
_RECIPIENT_KINDS = {1: "To", 2: "Cc", 3: "Bcc"}


def sniff(head: Head) -> bool:
    return not head.is_dir and head.data[:4] == MAGIC and head.data[8:10] in _CLIENTS


def read(path: Path, *, tz: str | None = None, owner: Sequence[str] = (),
         date_order: str | None = None, region: str | None = None) -> pd.DataFrame:
    frames = list(batches(path, owner=owner))
    df = frames[0] if len(frames) == 1 else schema.concat(frames)
    df.attrs["assumptions"] = list(frames[-1].attrs.get("assumptions", []))
    return df


def batches(path: Path, *, tz: str | None = None, owner: Sequence[str] = (),
            date_order: str | None = None, region: str | None = None,
            rows: int = BATCH_ROWS) -> Iterator[pd.DataFrame]:
    """The frame ``read`` returns, as conformed pieces of at most ``rows`` items.

    libpff holds the store's index (tens of bytes per item) and the one item being read;
    this side holds one piece and ~40 bytes per mail for the copy check, whatever the size.
    """
    pypff = _library()
    src = Source(Path(path), FORMAT)
    _check_magic(src.path)
    store = pypff.file()
    try:
        store.open(str(src.path))
    except (OSError, MemoryError) as exc:
        row = _lost_row("pst:store", _head(src.path),
                        f"Outlook store not readable by libpff ({_why(exc)})")
        row["body"] = _head(src.path).hex()         # the header, as text: it is binary
        yield src.frame([row])
        return
    try:
        reader = _Reader(src, store, _email.owner_keys(owner),
                         limit=max(AMPLIFY * src.path.stat().st_size, MIN_BUDGET))
        piece: list[dict] = []
        size = 0
        for row in reader.rows():
            piece.append(row)
            size += len(row.get("body") or "") + len(row.get("body_html") or "")
            if len(piece) >= max(1, rows) or size >= BATCH_BYTES:
                yield src.frame(piece)
                piece, size = [], 0
        if piece or not reader.count:
            yield src.frame(piece) if piece else _empty(src)
    finally:
        store.close()


def _library():
    try:
        import pypff
    except ImportError:
        raise InputError("pst: reading Outlook .pst/.ost needs the libpff-python package; "
                         "got none installed: pip install libpff-python") from None
    return pypff


def _check_magic(path: Path) -> None:
    head = _head(path)
    if head[:4] != MAGIC or head[8:10] not in _CLIENTS:
        raise InputError(f"{path.name}: expected an Outlook .pst/.ost (starting '!BDN', then "
                         f"'SM' or 'SO'); got {head[:10]!r}: check the file, or choose its "
                         "format in 'whoa formats'")


def _head(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(564)


def _why(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:300]}"


def _empty(src: Source) -> pd.DataFrame:
    out = schema.empty()
    for name in EXTRAS:
        out[name] = pd.Series([], dtype=schema.STRING)
    out.attrs["assumptions"] = list(src.assumptions)
    return out


def _pad(row: dict) -> dict:
    """Every row has every extra column, so all pieces look alike."""
    for name in EXTRAS:
        row.setdefault(name, "")
    return row


# --------------------------------------------------------------------------- walking the store

@dataclass
class _Reader:
    src: Source
    store: object
    owner: frozenset[str]
    count: int = 0
    failed: int = 0
    bytes_read: int = 0
    limit: int = 0                    # value bytes the store may give (see AMPLIFY)
    seen: dict[bytes, str] = field(default_factory=dict)      # copy key -> first locator
    visited: set[int] = field(default_factory=set)

    def rows(self) -> Iterator[dict]:
        try:
            root = self.store.get_root_folder()
        except (OSError, MemoryError) as exc:
            yield self._lost("pst:root", f"root folder not readable ({_why(exc)})")
            return
        if root is None:
            yield self._lost("pst:root", "the store has no root folder (a damaged store): "
                             "only orphan items can be read")
            yield from self._orphans()
            return
        stack: list[tuple[object, list[str], int]] = [(root, [], 0)]
        while stack:
            folder, names, depth = stack.pop()
            listed: set[int] = set()
            lost = [self.count]
            yield from self._folder(folder, names, listed)
            subs: list[tuple[object, list[str], int]] = []
            yield from self._sub_folders(folder, names, depth, subs)
            listed.update(_nid_int(sub) for sub, _, _ in subs)
            yield from self._unlisted(folder, names, listed, self._lost_here(lost))
            stack.extend(reversed(subs))
        yield from self._orphans()

    @property
    def over_budget(self) -> bool:
        return self.bytes_read > self.limit

    def _over(self, locator: str) -> dict:
        return self._lost(locator, f"not read: the values read from this store already add "
                          f"up to {self.bytes_read} bytes, more than {AMPLIFY} times its size "
                          "(blocks referenced over and over: a damaged or hostile store)")

    def _lost_here(self, mark: list[int]) -> int:
        return self.failed - mark[0]

    def _folder(self, folder: object, names: list[str], listed: set[int]) -> Iterator[dict]:
        """The folder's mails as its contents table lists them."""
        where, shown = _path(names), "/".join(names) or "(root)"
        try:
            n = folder.get_number_of_sub_messages()
        except (OSError, MemoryError) as exc:
            yield self._lost(f"pst:{where}#", f"folder {shown!r}: its contents table not "
                             f"readable ({_why(exc)}); its message nodes read instead")
            n = 0
        for i in range(n):
            locator = f"pst:{where}#{i}"
            if self.over_budget:
                yield self._over(locator)
                continue
            try:
                item = folder.get_sub_message(i)
            except (OSError, MemoryError) as exc:
                yield self._lost(locator, f"item {i} of folder {shown!r} not readable "
                                 f"({_why(exc)})")
                continue
            if item is None:
                yield self._lost(locator, f"item {i} of folder {shown!r} missing from the "
                                 "store (a damaged store)")
                continue
            listed.add(_nid_int(item))
            yield self._item(item, f"{locator}@{_nid(item)}", shown)

    def _unlisted(self, folder: object, names: list[str], listed: set[int],
                  known_lost: int) -> Iterator[dict]:
        """Message nodes the store files under the folder that its tables do not list
        (Outlook no longer shows them: possibly deleted). Nodes that cannot be read are most
        often the ones the tables' rows already failed on: only more of them than the rows
        that failed become rows of their own."""
        where, shown = _path(names), "/".join(names) or "(root)"
        if self.over_budget:
            return                  # each row of its tables already says it was not read
        try:
            n = folder.get_number_of_sub_items()
        except (OSError, MemoryError):
            return
        if n <= len(listed) and not known_lost:
            return      # every node under the folder is a listed mail or folder: none left
        bad: list[dict] = []
        for i in range(n):
            try:
                item = folder.get_sub_item(i)
            except (OSError, MemoryError) as exc:
                bad.append(_lost_row(f"pst:{where}#node{i}", f"pst:{where}#node{i}".encode(
                    "utf-8", "surrogateescape"), f"node {i} of folder {shown!r} not "
                    f"readable ({_why(exc)})"))
                continue
            nid = _nid_int(item) if item is not None else -1
            if nid in listed or nid & 0x1F != 0x04 or not hasattr(item, "get_subject"):
                continue                          # listed already, or a folder
            row = self._item(item, f"pst:{where}#node{i}@{nid}", shown, count=False)
            if row["kind"] == "unparsed":
                bad.append(row)
                continue
            self.count += 1
            row["warnings"] = _join(row["warnings"], "message filed under the folder but not "
                                    "in its contents table (possibly deleted)")
            yield row
        for row in bad[known_lost:]:
            self.count += 1
            self.failed += 1
            yield row

    def _sub_folders(self, folder: object, names: list[str], depth: int,
                     out: list[tuple[object, list[str], int]]) -> Iterator[dict]:
        """Unparsed rows for sub folders that cannot be opened; the others into ``out``."""
        where, shown = _path(names), "/".join(names) or "(root)"
        try:
            n = folder.get_number_of_sub_folders()
        except (OSError, MemoryError) as exc:
            yield self._lost(f"pst:{where}/", f"folder {shown!r}: its sub folders not "
                             f"readable ({_why(exc)}): their items are not read")
            return
        for i in range(n):
            try:
                sub = folder.get_sub_folder(i)
                if sub is None:
                    raise OSError("missing from the store")
                name = sub.get_name() or ""
                nid = sub.get_identifier()
            except (OSError, MemoryError) as exc:
                yield self._lost(f"pst:{where}/{i}", f"sub folder {i} of {shown!r} not "
                                 f"readable ({_why(exc)}): its items are not read")
                continue
            if nid in self.visited or depth >= MAX_DEPTH:
                yield self._lost(f"pst:{where}/{i}@{nid}", f"folder {name!r} under {shown!r} "
                                 f"seen twice or nested deeper than {MAX_DEPTH}: not read "
                                 "again (a damaged store)")
                continue
            self.visited.add(nid)
            out.append((sub, [*names, name], depth + 1))

    def _orphans(self) -> Iterator[dict]:
        try:
            n = self.store.get_number_of_orphan_items()
        except (OSError, MemoryError):
            return
        for i in range(n):
            if self.over_budget:
                yield self._over(f"pst:orphan#{i}")
                continue
            try:
                item = self.store.get_orphan_item(i)
            except (OSError, MemoryError) as exc:
                yield self._lost(f"pst:orphan#{i}", f"orphan item {i} not readable "
                                 f"({_why(exc)})")
                continue
            if item is None or not hasattr(item, "get_number_of_attachments"):
                continue                        # a folder or table left behind: no message
            row = self._item(item, f"pst:orphan#{i}@{_nid(item)}", "")
            row["warnings"] = _join(row["warnings"], "orphan item: in no folder (possibly "
                                    "deleted, or an older copy)")
            yield row

    def _lost(self, locator: str, warning: str) -> dict:
        self.count += 1
        self.failed += 1
        return _lost_row(locator, locator.encode("utf-8", "surrogateescape"), warning)

    def _item(self, item: object, locator: str, folder: str, count: bool = True) -> dict:
        try:
            message = _Message(item, self.src, self.store, self.limit)
            row = message.row(self.owner)
            self.bytes_read += message.size
            self.count += count
        except Exception as exc:  # noqa: BLE001 - an item must never be lost to a reader bug
            row = _lost_row(locator, locator.encode("utf-8", "surrogateescape"),
                            f"item not readable ({_why(exc)})")
            if count:
                self.count += 1
                self.failed += 1
        row.update(locator=locator, folder=folder)
        self._mark_copy(row)
        return _pad(row)

    def _mark_copy(self, row: dict) -> None:
        """A mail repeated in one store (the draft and the sent copy): said, never dropped."""
        if not row.get("email_message_id") or row.get("kind") == "unparsed":
            return
        key = hashlib.sha256("\x1f".join(str(row.get(c) or "") for c in (
            "email_message_id", "sender", "sent_at", "subject", "body")).encode(
                "utf-8", "surrogatepass")).digest()[:16]
        first = self.seen.setdefault(key, row["locator"])
        if first != row["locator"]:
            row["copy_of"] = first
            row["warnings"] = _join(row.get("warnings", ""), f"copy of {first} (same "
                                    "Message-ID, sender, time, subject and text)")


def _path(names: list[str]) -> str:
    return "/".join(n.replace("%", "%25").replace("/", "%2F").replace("#", "%23")
                    for n in names)


def _lost_row(locator: str, raw: bytes, warning: str) -> dict:
    """An unparsed row, hashed here (other rows of its piece carry their own hash)."""
    row = unparsed(locator, raw, warning, platform="email", conversation_kind="email")
    row["record_sha256"] = hashlib.sha256(row.pop("raw")).hexdigest()
    return _pad(row)


def _nid_int(item: object) -> int:
    try:
        return int(item.get_identifier())
    except (OSError, MemoryError):
        return -1


def _nid(item: object) -> str:
    try:
        return str(item.get_identifier())
    except (OSError, MemoryError):
        return "?"


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


# --------------------------------------------------------------------------- one item

Props = dict[int, tuple[int, bytes | None]]


class _Message:
    """One item's properties, read once and hashed as read."""

    def __init__(self, item: object, src: Source, store: object, limit: int) -> None:
        self.item, self.src, self.store, self.limit = item, src, store, limit
        self.hash = hashlib.sha256(b"pst-item\0")
        self.size = 0                        # value bytes read, attachments' included
        self.notes: list[str] = []
        self.props = self._record_sets(item)
        self.codec = self._codec()

    # -- properties ------------------------------------------------------------------
    def _record_sets(self, obj: object, skip: frozenset[int] = frozenset()) -> Props:
        props: Props = {}
        for s in range(obj.get_number_of_record_sets()):
            record = obj.get_record_set(s)
            for e in range(record.get_number_of_entries()):
                entry = record.get_entry(e)
                pid, ptype = entry.get_entry_type(), entry.get_value_type()
                data = None if pid in skip else entry.get_data()
                self.size += len(data or b"")
                self.hash.update(struct.pack("<HHQ", pid, ptype, len(data or b"")))
                self.hash.update(data or b"")
                props.setdefault(pid, (ptype, data))
        return props

    def _codec(self) -> str:
        for pid in (_CODEPAGE, _CPID):
            page = self.integer(pid)
            name = _codepage(page) if page else None
            if name:
                return name
        page = self.store.get_ascii_codepage() if hasattr(self.store, "get_ascii_codepage") \
            else "cp1252"
        name = page.decode("ascii", "replace") if isinstance(page, bytes) else str(page)
        return name if _codepage_name(name) else "cp1252"

    def text(self, pid: int, props: Props | None = None) -> str:
        ptype, data = (props if props is not None else self.props).get(pid, (0, None))
        if data is None:
            return ""
        if ptype == _UNICODE:
            if len(data) % 2:
                self.notes.append(f"property {pid:#06x}: odd byte count, last byte dropped")
            return data[:len(data) // 2 * 2].decode("utf-16-le", "surrogatepass")
        if ptype == _STRING8:
            self.src.assume(f"ANSI text read in code page {self.codec} (the message's, else "
                            "the store's)")
            return data.decode(self.codec, "replace")
        return ""

    def integer(self, pid: int, props: Props | None = None) -> int | None:
        ptype, data = (props if props is not None else self.props).get(pid, (0, None))
        if ptype == _LONG and data and len(data) >= 4:
            return struct.unpack("<i", data[:4])[0]
        return None

    def filetime(self, pid: int) -> int | None:
        ptype, data = self.props.get(pid, (0, None))
        if ptype == _TIME and data and len(data) >= 8:
            return struct.unpack("<Q", data[:8])[0] or None
        return None

    # -- the row ---------------------------------------------------------------------
    def row(self, owner: frozenset[str]) -> dict:
        headers_text = self.text(_HEADERS)
        headers = _email.split_part(headers_text.encode("utf-8", "surrogatepass")) \
            if headers_text.strip() else None
        klass = self.text(_CLASS)
        sender, display = self._sender(headers)
        recipients = self._recipients(headers)
        stamp, raw_time, basis = self._time(headers)
        body, html, rtf = self._bodies()
        meta = self._attachments()
        subject = self.text(_SUBJECT)
        if subject[:1] == "\x01":           # [MS-OXCMSG] prefix marker: not part of the text
            subject = subject[2:]
        if _SUBJECT not in self.props and headers is not None and headers.get("subject"):
            subject = _email.clean(_email.decode_words(headers.get("subject")))
        refs = _email.msg_ids(headers.get("references") if headers else "")
        in_reply = _email.msg_ids(headers.get("in-reply-to") if headers else "") or \
            _email.msg_ids(self.text(_INREPLY))
        message_id = (headers.get("message-id") if headers else None) or self.text(_MSGID)
        mail = not klass or klass.lower().startswith(_MAIL_CLASSES)
        if not klass:
            self.notes.append("no message class: read as a mail")
        elif not mail:
            self.notes.append(f"not a mail: an Outlook item of class {klass!r} (kept, not "
                              "counted as a contact)")
        kind = "system" if not mail else \
            "media" if not body.strip() and meta else "text"
        return {
            "record_sha256": self.hash.hexdigest(), "platform": "email",
            "conversation_kind": "email",
            "conversation": (refs or in_reply or [""])[0] or _email.thread_subject(subject),
            "sent_at": stamp, "sent_at_raw": raw_time, "time_basis": basis,
            "sender": sender, "sender_display": display, "recipients": ";".join(recipients),
            "subject": subject, "body": body, "kind": kind,
            "attachments": ";".join(a["name"] for a in meta if a["name"]),
            "in_reply_to": in_reply[0] if in_reply else "",
            "warnings": "; ".join(dict.fromkeys(self.notes)),
            "from_owner": (sender in owner) if owner and sender else None,
            "body_html": html,
            "attachment_meta": json.dumps(meta, ensure_ascii=False) if meta else "",
            "email_message_id": (message_id or "").strip(), "headers_raw": headers_text,
            "message_class": klass, "body_rtf": rtf, "copy_of": "",
        }

    def _sender(self, headers: _email.Part | None) -> tuple[str, str]:
        if headers is not None and headers.get("from"):
            found = _email.parse_addresses(headers.get("from"))
            if found.problem or len(found.mailboxes) != 1 or "@" not in \
                    found.mailboxes[0].address:
                self.notes.append(f"From: {found.problem or 'not one address'}: sender left "
                                  "unattributed")
                return "", _email.clean(headers.get("from"))
            box = found.mailboxes[0]
            return _email.address_key(box.address), _email.clean(box.display) or box.address
        name = self.text(0x0C1A) or self.text(0x0042)
        address = self.text(0x5D01) or self._smtp(0x0C1F, 0x0C1E) or self._smtp(0x0065, 0x0064)
        if not address:
            self.notes.append("no SMTP sender address in the store")
            return "", name
        return _email.address_key(address), name or address

    def _smtp(self, address_pid: int, type_pid: int, props: Props | None = None) -> str:
        """An address property, only when its type is SMTP (Exchange X.500 names are none)."""
        kind = self.text(type_pid, props).upper()
        address = self.text(address_pid, props)
        return address if address and kind in ("", "SMTP") and "@" in address else ""

    def _recipients(self, headers: _email.Part | None) -> list[str]:
        keys: list[str] = []
        for name in ("to", "cc", "bcc") if headers is not None else ():
            for value in headers.all(name):
                found = _email.parse_addresses(value)
                if found.problem:
                    self.notes.append(f"{name.title()}: {found.problem}: left out of "
                                      "recipients")
                    continue
                keys.extend(_email.address_key(b.address) for b in found.mailboxes
                            if "@" in b.address)
        for props in self._recipient_table():
            address = self.text(0x39FE, props) or self._smtp(0x3003, 0x3002, props)
            if address:
                keys.append(_email.address_key(address))
            elif self.text(0x3001, props) or self.text(0x3003, props):
                self.notes.append(f"recipient {self.text(0x3001, props)!r} has no SMTP "
                                  "address: left out of recipients")
        return list(dict.fromkeys(keys))

    def _recipient_table(self) -> list[Props]:
        try:
            table = self.item.recipients
        except (OSError, MemoryError) as exc:
            self.notes.append(f"recipient table not readable ({_why(exc)})")
            return []
        if table is None:
            return []
        out = []
        for s in range(table.get_number_of_record_sets()):
            holder = _One(table.get_record_set(s))
            out.append(self._record_sets(holder))
        return out

    def _time(self, headers: _email.Part | None) -> tuple[dt.datetime | None, str, str]:
        date = headers.get("date") if headers is not None else None
        if date:
            stamp = _email.parse_date(date)
            if stamp.utc is not None:
                return stamp.utc, date, stamp.basis
            self.notes.append(f"Date header not usable ({stamp.problem})")
        for pid, what in ((_SUBMIT, ""), (_DELIVERY, "delivery time (PR_MESSAGE_DELIVERY_TIME)")):
            value = self.filetime(pid)
            if value is not None:
                if what:
                    self.notes.append(f"no sending time: time is the {what}")
                try:
                    when = _FILETIME_EPOCH + dt.timedelta(microseconds=value // 10)
                except OverflowError:
                    self.notes.append(f"FILETIME {value} out of range")
                    continue
                return when, str(value), "epoch"
        self.notes.append("no time: neither a Date header nor a submit or delivery time")
        return None, "", "missing"

    def _bodies(self) -> tuple[str, str, str]:
        body = self.text(_BODY)
        html = ""
        ptype, data = self.props.get(_HTML, (0, None))
        if data:
            if ptype == _BINARY:
                cp = self.integer(_CPID)
                html, problem = _email.decode_charset(data.rstrip(b"\0"),
                                                      _codepage(cp) if cp else "utf-8")
                if problem:
                    self.notes.append("HTML body: " + problem)
            else:
                html = self.text(_HTML)
        rtf = ""
        if not body and not html and _RTF in self.props:
            try:
                raw = self.item.get_rtf_body()
            except (OSError, MemoryError) as exc:
                raw = None
                self.notes.append(f"RTF body not readable ({_why(exc)})")
            if raw:
                rtf = raw.rstrip(b"\0").decode("cp1252", "replace")
                self.notes.append("body only in RTF: kept in body_rtf, no text taken from it")
        if not body and html:
            body, problem = _email.html_text(html)
            if problem:
                self.notes.append(problem)
        return body, html, rtf

    def _attachments(self) -> list[dict]:
        meta = []
        try:
            n = self.item.get_number_of_attachments()
        except (OSError, MemoryError) as exc:
            self.notes.append(f"attachments not readable ({_why(exc)})")
            return meta
        for i in range(n):
            try:
                att = self.item.get_attachment(i)
                props = self._record_sets(att, skip=frozenset({_ATTACH_DATA}))
            except (OSError, MemoryError) as exc:
                self.notes.append(f"attachment {i} not readable ({_why(exc)})")
                meta.append({"name": "", "type": "", "size": None, "sha256": ""})
                continue
            name = self.text(0x3707, props) or self.text(0x3704, props) or \
                self.text(0x3001, props)
            kind = self.text(0x370E, props) or "application/octet-stream"
            size, digest = self._attachment_bytes(att, i)
            meta.append({"name": _email.clean(name), "type": kind, "size": size,
                         "sha256": digest})
        return meta

    def _attachment_bytes(self, att: object, i: int) -> tuple[int | None, str]:
        try:
            size = att.get_size()
            if size > self.limit:
                self.notes.append(f"attachment {i} claims {size} bytes, more than {AMPLIFY} "
                                  "times the store's size: not read (a damaged or hostile "
                                  "store)")
                return size, ""
            digest = hashlib.sha256()
            done = 0
            while done < size:
                data = att.read_buffer(min(CHUNK, size - done))
                if not data:
                    break
                digest.update(data)
                done += len(data)
        except (OSError, MemoryError) as exc:
            self.notes.append(f"attachment {i}: bytes not readable ({_why(exc)}); an "
                              "embedded message has none")
            return None, ""
        self.size += done
        self.hash.update(digest.digest())
        return done, digest.hexdigest()


class _One:
    """One record set shown as an object with record sets (a recipient row)."""

    def __init__(self, record: object) -> None:
        self.record = record

    def get_number_of_record_sets(self) -> int:
        return 1

    def get_record_set(self, _: int) -> object:
        return self.record


def _codepage(page: int | None) -> str | None:
    known = {65001: "utf-8", 20127: "ascii", 28591: "latin-1", 1200: "utf-16-le",
             65000: "utf-7"}
    if page is None or page <= 0:
        return None
    name = known.get(page, f"cp{page}")
    return name if _codepage_name(name) else None


def _codepage_name(name: str) -> bool:
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True
