"""Android's own SMS/MMS store: ``mmssms.db`` of com.android.providers.telephony, as ALEAPP
reads it from a phone extraction.

One row per SMS in ``sms``; an MMS is a row of ``pdu`` with its ``part`` rows (text and
attachments) and its ``addr`` rows (who sent it, to whom); ``threads`` and
``canonical_addresses`` tell a group thread (several recipient ids) from a direct one::

    sms(_id, thread_id, address, person, date, date_sent, protocol, read, status, type,
        reply_path_present, subject, body, service_center, locked, sub_id, error_code, seen)
      12 | 3 | '+447700900456' | NULL | 1710061200000 | 1710061199000 | 0 | 1 | -1 | 1 | 0 |
      NULL | 'Answer me' | '+447700900000' | 0 | 1 | 0 | 1
    pdu(_id, thread_id, date, date_sent, msg_box, read, m_id, sub, sub_cs, ct_t, m_type, ...)
    part(_id, mid, seq, ct, name, chset, cd, fn, cid, cl, ctt_s, ctt_t, _data, text)
    addr(_id, msg_id, contact_id, address, type, charset)       -- 137 from, 151 to, 130 cc,
                                                                   129 bcc
    threads(_id, date, message_count, recipient_ids, snippet, ...)
    canonical_addresses(_id, address)

``sms.date`` is epoch milliseconds, ``pdu.date`` epoch seconds (both UTC). SMS ``type`` and MMS
``msg_box``: 1 received, 2 sent, 3 draft, 4 outbox, 5 failed, 6 queued. An MMS's record (its
hash) is its ``pdu`` row with its ``part`` and ``addr`` rows. Attachment data (``_data``, a
path on the phone) is never opened: parts are listed by name.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ._common import Head, Source, owner_phone
from ._sqlite import (
    Database,
    Row,
    epoch,
    frame,
    handle_key,
    is_sqlite,
    join,
    noted_rows,
    read_rows,
    record_bytes,
    schema_text,
    table_rows,
)

FORMAT = "android_sms_db"
PLATFORM = "sms"
PATTERNS = ("mmssms.db (Android telephony provider)",)
DESCRIPTION = "Android mmssms.db: SMS and MMS (parts, addresses, group threads)"

BOXES = {1: ("received", False), 2: ("sent", True), 3: ("draft", True), 4: ("outbox", True),
         5: ("failed", True), 6: ("queued", True)}
BOX_NOTES = {"draft": "draft: written but never sent",
             "outbox": "in the outbox: sending was not confirmed",
             "failed": "sending failed: not delivered",
             "queued": "queued: sending was not confirmed"}
ADDR_FROM, ADDR_TO = 137, (151, 130, 129)
INSERT_ADDRESS = "insert-address-token"      # the phone's placeholder for "me" in addr rows
_SMS_TABLE = re.compile(rb"CREATE TABLE sms \(_id INTEGER PRIMARY KEY")


def sniff(head: Head) -> bool:
    if not is_sqlite(head):
        return False
    data = schema_text(head)
    return head.name == "mmssms.db" or bool(_SMS_TABLE.search(data) and b"CREATE TABLE pdu"
                                            in data)


def read(path: Path, *, tz: str | None = None, owner: Sequence[str] = (),
         date_order: str | None = None, region: str | None = None) -> pd.DataFrame:
    src = Source(Path(path), FORMAT)
    owner = (owner,) if isinstance(owner, str) else tuple(owner)
    own = owner_phone(owner, region)

    def rows_of(db: Database) -> list[dict]:
        if not db.has("sms", "address", "date", "body") and not db.has("pdu", "date"):
            db.require("sms", "address", "date", "body")
        return _Reader(db, src, region, own).rows()
    rows = read_rows(src, src.path, "an Android mmssms.db", rows_of)
    src.assume("times are epoch milliseconds (sms) and seconds (pdu), UTC")
    return frame(src, rows, "date_sent")


class _Reader:
    def __init__(self, db: Database, src: Source, region: str | None, owner: str) -> None:
        self.db, self.src, self.region, self.owner = db, src, region, owner
        self.addresses = {r.rowid: r.text("address") or "" for r in self._table(
            "canonical_addresses")}
        self.threads = {r.rowid: (r.text("recipient_ids") or "").split()
                        for r in self._table("threads")}
        self.parts: dict[int, list[Row]] = defaultdict(list)
        for r in self._table("part"):
            self.parts[r.int("mid") or 0].append(r)
        self.addrs: dict[int, list[Row]] = defaultdict(list)
        for r in self._table("addr"):
            self.addrs[r.int("msg_id") or 0].append(r)

    def _table(self, name: str) -> list[Row]:
        return noted_rows(self.db, name, self.src)

    def rows(self) -> list[dict]:
        out = []
        for table, build in (("sms", self._sms), ("pdu", self._mms)):
            if table in self.db.tables:
                out += table_rows(self.db, table, build, PLATFORM)
        return out

    def _group(self, thread: int | None) -> tuple[str, list[str]]:
        """(conversation kind, the thread's other parties as account keys)."""
        ids = self.threads.get(thread or 0, [])
        keys = [handle_key(self.addresses.get(int(i), ""), self.region) for i in ids
                if i.isdigit()]
        return ("group" if len(ids) > 1 else "direct"), [k for k in keys if k]

    def _sms(self, row: Row) -> dict:
        kind_box = row.int("type")
        box, mine = BOXES.get(kind_box or 0, (f"type {kind_box}", False))
        warnings = [BOX_NOTES.get(box, "")] + [f"invalid UTF-8 in {c}: shown with U+FFFD"
                                                 for c in row.bad_text()]
        if kind_box not in BOXES:
            warnings.append(f"unknown SMS type {kind_box!r}: direction not known")
        address = row.text("address") or ""
        other = handle_key(address, self.region)
        sender, recipients = (self.owner, other) if mine else (other, self.owner)
        sent_at, raw, basis = _when(row, "date", "ms", warnings)
        return {"locator": f"sqlite:sms[{row.rowid}]", "raw": row.raw(), "platform": "sms",
                "conversation": other or f"thread {row.int('thread_id')}",
                "conversation_kind": "direct", "sent_at": sent_at, "sent_at_raw": raw,
                "time_basis": basis, "sender": sender,
                "sender_display": "" if mine else address, "recipients": recipients,
                "subject": row.text("subject") or "", "body": row.text("body") or "",
                "kind": "text", "warnings": join(warnings),
                "from_owner": mine if kind_box in BOXES else pd.NA, "message_box": box,
                "date_sent": epoch(row.int("date_sent"), "ms")[0],
                "read": bool(row.int("read")), "thread_id": row.int("thread_id")}

    def _mms(self, row: Row) -> dict:
        number = row.int("msg_box")
        box, mine = BOXES.get(number or 0, (f"msg_box {number}", False))
        warnings = [BOX_NOTES.get(box, "")]
        parts = sorted(self.parts.get(row.rowid, []), key=lambda p: (p.int("seq") or 0,
                                                                      p.rowid))
        addrs = sorted(self.addrs.get(row.rowid, []), key=lambda a: a.rowid)
        for r in (row, *parts, *addrs):
            warnings += [f"invalid UTF-8 in {r.table}.{c}: shown with U+FFFD"
                         for c in r.bad_text()]
        texts = [p.text("text") or "" for p in parts
                 if (p.text("ct") or "").lower() == "text/plain" and p.values.get("text")
                 is not None]
        files = [_part_name(p) for p in parts
                 if (p.text("ct") or "").lower() not in ("text/plain", "application/smil")]
        kind_, parties = self._group(row.int("thread_id"))
        sender, recipients = self._people(addrs, parties, mine, warnings)
        sent_at, raw, basis = _when(row, "date", "s", warnings)
        return {"locator": f"sqlite:pdu[{row.rowid}]", "raw": _mms_raw(row, parts, addrs),
                "platform": "sms", "conversation": ";".join(parties)
                or f"thread {row.int('thread_id')}", "conversation_kind": kind_,
                "sent_at": sent_at, "sent_at_raw": raw, "time_basis": basis,
                "sender": sender, "sender_display": "" if mine else _from_address(addrs),
                "recipients": ";".join(recipients), "subject": row.text("sub") or "",
                "body": "\n".join(texts), "kind": "media" if files else "text",
                "attachments": ";".join(files), "warnings": join(warnings),
                "from_owner": mine if number in BOXES else pd.NA, "message_box": box,
                "date_sent": epoch(row.int("date_sent"), "s")[0],
                "read": bool(row.int("read")), "thread_id": row.int("thread_id")}

    def _people(self, addrs: list[Row], parties: list[str], mine: bool, warnings: list[str],
                ) -> tuple[str, list[str]]:
        """(sender key, recipient keys) from the addr rows (137 from; 151/130/129 to)."""
        def key(a: Row) -> str:
            text = a.text("address") or ""
            return "" if text == INSERT_ADDRESS else handle_key(text, self.region)

        froms = [key(a) for a in addrs if a.int("type") == ADDR_FROM]
        to = [key(a) for a in addrs if a.int("type") in ADDR_TO]
        sender = self.owner if mine else next((f for f in froms if f), "")
        if not mine and not sender and len(parties) == 1:
            sender = parties[0]
            warnings.append("no 'from' address: the sender is taken from the thread")
        if not mine:
            to.append(self.owner)
        else:
            to += parties
        return sender, [k for k in dict.fromkeys(to) if k and k != sender]


def _when(row: Row, column: str, unit: str, warnings: list[str]) -> tuple:
    value = row.int(column)
    raw = row.text(column) or ""
    when, problem = epoch(value, unit)
    if problem:
        warnings.append(problem)
    elif when is None:
        warnings.append(f"no {column} stored")
    return when, raw, "epoch" if when is not None else "missing"


def _part_name(part: Row) -> str:
    for column in ("name", "cl", "fn"):
        text = part.text(column)
        if text:
            return text
    return part.text("ct") or "attachment"


def _from_address(addrs: list[Row]) -> str:
    return next((a.text("address") or "" for a in addrs if a.int("type") == ADDR_FROM), "")


def _mms_raw(row: Row, parts: list[Row], addrs: list[Row]) -> bytes:
    return b"".join(record_bytes(r.table, r.rowid, r.values) for r in (row, *parts, *addrs))

