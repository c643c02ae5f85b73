"""Write the sample Apple Messages database (``chat.db`` beside this file), deterministically.

Run ``python data/sample/formats/imessage_db/make_chat_db.py``; the committed file is what the
tests read, and the tests call :func:`build` to make variants (an iPhone backup folder, damaged
copies). The tables and columns are those of macOS 14's ``~/Library/Messages/chat.db`` as
public forensic descriptions list them (a subset of the ~90 message columns, in their order);
iOS ``sms.db`` has the same tables. Every number and address is fictional (STORY.md).

``attributedBody`` is written in Apple's typedstream format exactly as Messages archives an
``NSAttributedString``: the header, the object with its class chain, the ``NSString`` (UTF-8
bytes), one attribute run (attribute number, length in UTF-16 units) and the attribute
dictionary ``{__kIMMessagePartAttributeName: NSNumber(0)}``.
"""

from __future__ import annotations

import plistlib
import sqlite3
from pathlib import Path

OUT = Path(__file__).resolve().parent / "chat.db"

SCHEMA = """
CREATE TABLE _SqliteDatabaseProperties (key TEXT, value TEXT, UNIQUE(key));
CREATE TABLE handle (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, id TEXT NOT NULL,
  country TEXT, service TEXT NOT NULL, uncanonicalized_id TEXT, person_centric_id TEXT,
  UNIQUE (id, service) );
CREATE TABLE chat (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL,
  style INTEGER, state INTEGER, account_id TEXT, properties BLOB, chat_identifier TEXT,
  service_name TEXT, room_name TEXT, account_login TEXT, is_archived INTEGER DEFAULT 0,
  last_addressed_handle TEXT, display_name TEXT, group_id TEXT, is_filtered INTEGER DEFAULT 0,
  successful_query INTEGER);
CREATE TABLE message (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL,
  text TEXT, replace INTEGER DEFAULT 0, service_center TEXT, handle_id INTEGER DEFAULT 0,
  subject TEXT, country TEXT, attributedBody BLOB, version INTEGER DEFAULT 0,
  type INTEGER DEFAULT 0, service TEXT, account TEXT, account_guid TEXT, error INTEGER DEFAULT 0,
  date INTEGER, date_read INTEGER, date_delivered INTEGER, is_delivered INTEGER DEFAULT 0,
  is_finished INTEGER DEFAULT 0, is_emote INTEGER DEFAULT 0, is_from_me INTEGER DEFAULT 0,
  is_empty INTEGER DEFAULT 0, is_delayed INTEGER DEFAULT 0, is_auto_reply INTEGER DEFAULT 0,
  is_prepared INTEGER DEFAULT 0, is_read INTEGER DEFAULT 0, is_system_message INTEGER DEFAULT 0,
  is_sent INTEGER DEFAULT 0, has_dd_results INTEGER DEFAULT 0, cache_has_attachments INTEGER
  DEFAULT 0, cache_roomnames TEXT, item_type INTEGER DEFAULT 0, other_handle INTEGER DEFAULT 0,
  group_title TEXT, group_action_type INTEGER DEFAULT 0, associated_message_guid TEXT,
  associated_message_type INTEGER DEFAULT 0, balloon_bundle_id TEXT, payload_data BLOB,
  expressive_send_style_id TEXT, message_summary_info BLOB, destination_caller_id TEXT,
  reply_to_guid TEXT, thread_originator_guid TEXT, date_retracted INTEGER DEFAULT 0,
  date_edited INTEGER DEFAULT 0, part_count INTEGER);
CREATE TABLE attachment (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL,
  created_date INTEGER DEFAULT 0, start_date INTEGER DEFAULT 0, filename TEXT, uti TEXT,
  mime_type TEXT, transfer_state INTEGER DEFAULT 0, is_outgoing INTEGER DEFAULT 0,
  user_info BLOB, transfer_name TEXT, total_bytes INTEGER DEFAULT 0);
CREATE TABLE chat_handle_join (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE,
  handle_id INTEGER REFERENCES handle (ROWID) ON DELETE CASCADE, UNIQUE(chat_id, handle_id));
CREATE TABLE chat_message_join (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE,
  message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE, message_date INTEGER
  DEFAULT 0, PRIMARY KEY (chat_id, message_id));
CREATE TABLE message_attachment_join (message_id INTEGER REFERENCES message (ROWID) ON DELETE
  CASCADE, attachment_id INTEGER REFERENCES attachment (ROWID) ON DELETE CASCADE,
  UNIQUE(message_id, attachment_id));
"""

NS = 1_000_000_000
#: 2024-03-10 09:00:00 UTC (the stop request) in seconds since 2001-01-01 UTC.
NOTICE_S = 731_754_000

HANDLES = [(1, "+447700900456", "iMessage"), (2, "rob@example.net", "iMessage"),
           (3, "+447700900456", "SMS"), (4, "+447700900321", "iMessage")]
CHATS = [  # rowid, guid, style, identifier, service, display name
    (1, "iMessage;-;+447700900456", 45, "+447700900456", "iMessage", ""),
    (2, "iMessage;-;rob@example.net", 45, "rob@example.net", "iMessage", ""),
    (3, "SMS;-;+447700900456", 45, "+447700900456", "SMS", ""),
    (4, "iMessage;+;chat246813579", 43, "chat246813579", "iMessage", "Craft club"),
]
MEMBERS = [(1, 1), (2, 2), (3, 3), (4, 1), (4, 4)]
ATTACHMENTS = [(1, "AT-1", "~/Library/Messages/Attachments/ab/11/AT-1/IMG_0042.HEIC",
                "public.heic", "image/heic", "IMG_0042.HEIC", 51234)]

#: (rowid, chat, handle, from me, seconds after the notice, text column, attributedBody text,
#:  extra columns)
MESSAGES = [
    (1, 1, 1, 0, -86_400 * 3, "Why are you ignoring me?", "Why are you ignoring me?", {}),
    (2, 1, 1, 1, -86_400 * 3 + 60, "I am busy.", "I am busy.", {}),
    # since macOS 13 the text is often only in attributedBody
    (3, 2, 2, 0, 600, None, "You can't block me everywhere \U0001F608", {}),
    (4, 1, 1, 1, 900, None, "Please stop.", {"date_read": 960}),
    (5, 3, 3, 0, 1_800, "Answer your phone", None, {"service": "SMS"}),
    (6, 1, 1, 0, 2_400, "\ufffc", None, {"cache_has_attachments": 1}),
    (7, 1, 1, 0, 3_000, "Loved \u201cPlease stop.\u201d", "Loved \u201cPlease stop.\u201d",
     {"associated_message_guid": "p:0/M-4", "associated_message_type": 2000}),
    (8, 1, 1, 0, 3_600, "", None, {"date_retracted": 3_700}),
    (9, 4, 1, 0, 4_000, "Dana won't talk to me, tell her", "Dana won't talk to me, tell her",
     {}),
    (10, 4, 0, 1, 4_100, None, None, {"item_type": 2, "group_title": "Craft club (no Rob)"}),
    (11, 4, 4, 0, 4_200, "Are you OK?", "Are you OK?", {}),
    # an edited message: what it said first is kept in message_summary_info
    (12, 1, 1, 0, 4_300, "Sorry.", "Sorry.", {"date_edited": 4_360,
                                              "edits": ["You will regret this", "Sorry."]}),
]


def _int(value: int) -> bytes:
    """typedstream integer: one byte up to 127, else 0x81 + 16-bit or 0x82 + 32-bit LE."""
    if 0 <= value <= 0x7F:
        return bytes([value])
    if value < 0x8000:
        return b"\x81" + value.to_bytes(2, "little")
    return b"\x82" + value.to_bytes(4, "little")


def _new(text: bytes) -> bytes:
    """A string seen for the first time (0x84, length, bytes); later uses refer to it."""
    return b"\x84" + _int(len(text)) + text


def attributed_body(text: str) -> bytes:
    """``text`` as Messages archives it: an NSAttributedString in a typedstream."""
    raw = text.encode("utf-8")
    units = len(text.encode("utf-16-le")) // 2
    return b"".join([
        b"\x04\x0bstreamtyped\x81\xe8\x03",          # stream version 4, system version 1000
        _new(b"@"), b"\x84",                          # one value of type '@': a new object,
        b"\x84", _new(b"NSAttributedString"), b"\x00",  # of a new class, version 0,
        b"\x84", _new(b"NSObject"), b"\x00", b"\x85",   # whose superclass is NSObject (then nil)
        b"\x92\x84\x84", _new(b"NSString"), b"\x01\x94",  # '@': new object, class NSString v1
        _new(b"+"), _int(len(raw)), raw, b"\x86",      # its UTF-8 bytes; end of the string
        _new(b"iI"), b"\x01", _int(units),             # attribute run: number 1, length
        b"\x92\x84\x84", _new(b"NSDictionary"), b"\x00\x94", _new(b"i"), b"\x01",
        b"\x92\x84\x96\x96", _int(29), b"__kIMMessagePartAttributeName", b"\x86",
        b"\x92\x84\x84", _new(b"NSNumber"), b"\x00\x84", _new(b"NSValue"), b"\x00\x94",
        _new(b"*"), b"\x84\x99\x99\x00\x86",           # NSNumber of type 'i', value 0
        b"\x86\x86",                                   # end of dictionary, of the string
    ])


def build(path: Path, messages: list[tuple] = MESSAGES, *, seconds: bool = False) -> Path:
    """Write a chat.db at ``path``; ``seconds`` stores dates as older databases did."""
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA)
    conn.execute("INSERT INTO _SqliteDatabaseProperties VALUES ('_ClientVersion', '17100')")
    conn.executemany("INSERT INTO handle (ROWID, id, country, service) VALUES (?, ?, 'gb', ?)",
                     HANDLES)
    conn.executemany("INSERT INTO chat (ROWID, guid, style, chat_identifier, service_name, "
                     "display_name, account_login) VALUES (?, ?, ?, ?, ?, ?, "
                     "'E:dana@example.org')", CHATS)
    conn.executemany("INSERT INTO chat_handle_join VALUES (?, ?)", MEMBERS)
    conn.executemany("INSERT INTO attachment (ROWID, guid, filename, uti, mime_type, "
                     "transfer_name, total_bytes) VALUES (?, ?, ?, ?, ?, ?, ?)", ATTACHMENTS)
    unit = 1 if seconds else NS
    for rowid, chat, handle, mine, offset, text, body, extra in messages:
        when = (NOTICE_S + offset) * unit
        cols = {"ROWID": rowid, "guid": f"M-{rowid}", "text": text, "handle_id": handle,
                "attributedBody": attributed_body(body) if body is not None else None,
                "service": extra.get("service", "iMessage"), "account": "e:dana@example.org",
                "date": when, "date_delivered": when + unit if mine else 0,
                "is_from_me": mine, "is_delivered": 1, "is_finished": 1, "is_sent": mine,
                "destination_caller_id": "dana@example.org",
                **{k: v for k, v in extra.items() if k not in ("service", "edits")}}
        if "edits" in extra:           # the versions, as Messages keeps them ('ec' per part)
            cols["message_summary_info"] = plistlib.dumps(
                {"ec": {"0": [{"d": (NOTICE_S + offset + 30 * n) * unit,
                               "t": attributed_body(t)} for n, t in enumerate(extra["edits"])]},
                 "ep": [0]}, fmt=plistlib.FMT_BINARY)
        for key in ("date_read", "date_retracted", "date_edited"):
            if cols.get(key):
                cols[key] = (NOTICE_S + cols[key]) * unit
        names, marks = ", ".join(cols), ", ".join("?" * len(cols))   # our own column names
        conn.execute(f"INSERT INTO message ({names}) VALUES ({marks})",  # noqa: S608
                     list(cols.values()))
        conn.execute("INSERT INTO chat_message_join VALUES (?, ?, ?)", (chat, rowid, when))
    conn.execute("INSERT INTO message_attachment_join VALUES (6, 1)")
    conn.commit()
    conn.execute("VACUUM")
    conn.close()
    return path


if __name__ == "__main__":
    build(OUT)
    print(f"wrote {OUT}")
