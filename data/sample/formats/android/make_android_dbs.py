"""Write the sample Android databases beside this file, deterministically:

- ``mmssms.db`` (com.android.providers.telephony): SMS, an MMS with a photo, a group MMS;
- ``calllog.db`` (com.android.providers.contacts): incoming, missed, outgoing, withheld calls;
- ``whatsapp/msgstore.db`` and ``whatsapp/wa.db`` (com.whatsapp, decrypted): the 2021+
  ``message``/``jid``/``chat`` layout, a group, media, a deleted message, a call.

Run ``python data/sample/formats/android/make_android_dbs.py``; the committed files are what
the tests read, and the tests call the ``build_*`` functions to make variants (the pre-2021
WhatsApp ``messages`` layout among them). Tables and columns follow the public descriptions of
these databases (AOSP's telephony and contacts providers, forensic write-ups of WhatsApp), a
subset of the columns in their order. Every number is fictional (STORY.md).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROB, NEW, SAM, DANA = "+447700900456", "+447700900789", "+447700900321", "+447700900123"
NOTICE_MS = 1_710_061_200_000        # 2024-03-10 09:00:00 UTC
MIN = 60_000

MMSSMS = """
CREATE TABLE sms (_id INTEGER PRIMARY KEY,thread_id INTEGER,address TEXT,person INTEGER,
  date INTEGER,date_sent INTEGER DEFAULT 0,protocol INTEGER,read INTEGER DEFAULT 0,
  status INTEGER DEFAULT -1,type INTEGER,reply_path_present INTEGER,subject TEXT,body TEXT,
  service_center TEXT,locked INTEGER DEFAULT 0,sub_id INTEGER DEFAULT -1,
  error_code INTEGER DEFAULT 0,creator TEXT,seen INTEGER DEFAULT 0);
CREATE TABLE pdu (_id INTEGER PRIMARY KEY AUTOINCREMENT,thread_id INTEGER,date INTEGER,
  date_sent INTEGER DEFAULT 0,msg_box INTEGER,read INTEGER DEFAULT 0,m_id TEXT,sub TEXT,
  sub_cs INTEGER,ct_t TEXT,ct_l TEXT,exp INTEGER,m_cls TEXT,m_type INTEGER,v INTEGER,
  m_size INTEGER,pri INTEGER,rr INTEGER,rpt_a INTEGER,resp_st INTEGER,st INTEGER,tr_id TEXT,
  retr_st INTEGER,retr_txt TEXT,retr_txt_cs INTEGER,read_status INTEGER,ct_cls INTEGER,
  resp_txt TEXT,d_tm INTEGER,d_rpt INTEGER,locked INTEGER DEFAULT 0,
  sub_id INTEGER DEFAULT -1,seen INTEGER DEFAULT 0,creator TEXT,text_only INTEGER DEFAULT 0);
CREATE TABLE part (_id INTEGER PRIMARY KEY AUTOINCREMENT,mid INTEGER,seq INTEGER DEFAULT 0,
  ct TEXT,name TEXT,chset INTEGER,cd TEXT,fn TEXT,cid TEXT,cl TEXT,ctt_s INTEGER,ctt_t TEXT,
  _data TEXT,text TEXT);
CREATE TABLE addr (_id INTEGER PRIMARY KEY,msg_id INTEGER,contact_id INTEGER,address TEXT,
  type INTEGER,charset INTEGER);
CREATE TABLE threads (_id INTEGER PRIMARY KEY AUTOINCREMENT,date INTEGER DEFAULT 0,
  message_count INTEGER DEFAULT 0,recipient_ids TEXT,snippet TEXT,snippet_cs INTEGER DEFAULT 0,
  read INTEGER DEFAULT 1,archived INTEGER DEFAULT 0,type INTEGER DEFAULT 0,
  error INTEGER DEFAULT 0,has_attachment INTEGER DEFAULT 0);
CREATE TABLE canonical_addresses (_id INTEGER PRIMARY KEY AUTOINCREMENT,address TEXT);
"""

CALLLOG = """
CREATE TABLE calls (_id INTEGER PRIMARY KEY AUTOINCREMENT,number TEXT,presentation INTEGER
  NOT NULL DEFAULT 1,post_dial_digits TEXT NOT NULL DEFAULT '',via_number TEXT NOT NULL
  DEFAULT '',date INTEGER,duration INTEGER,data_usage INTEGER,type INTEGER,features INTEGER
  NOT NULL DEFAULT 0,subscription_component_name TEXT,subscription_id TEXT,
  phone_account_address TEXT,new INTEGER,name TEXT,numbertype INTEGER,numberlabel TEXT,
  countryiso TEXT,voicemail_uri TEXT,is_read INTEGER,geocoded_location TEXT,lookup_uri TEXT,
  matched_number TEXT,normalized_number TEXT,photo_id INTEGER NOT NULL DEFAULT 0,
  photo_uri TEXT,formatted_number TEXT,last_modified INTEGER DEFAULT 0);
"""

MSGSTORE = """
CREATE TABLE jid (_id INTEGER PRIMARY KEY AUTOINCREMENT, user TEXT NOT NULL, server TEXT NOT
  NULL, agent INTEGER, device INTEGER, type INTEGER, raw_string TEXT);
CREATE TABLE chat (_id INTEGER PRIMARY KEY AUTOINCREMENT, jid_row_id INTEGER UNIQUE,
  hidden INTEGER, subject TEXT, created_timestamp INTEGER, display_message_row_id INTEGER,
  last_message_row_id INTEGER, archived INTEGER, sort_timestamp INTEGER);
CREATE TABLE message (_id INTEGER PRIMARY KEY AUTOINCREMENT, chat_row_id INTEGER NOT NULL,
  from_me INTEGER NOT NULL, key_id TEXT NOT NULL, sender_jid_row_id INTEGER, status INTEGER,
  broadcast INTEGER, recipient_count INTEGER, participant_hash TEXT, origination_flags
  INTEGER, origin INTEGER, timestamp INTEGER, received_timestamp INTEGER,
  receipt_server_timestamp INTEGER, message_type INTEGER, text_data TEXT, starred INTEGER,
  lookup_tables INTEGER, sort_id INTEGER NOT NULL DEFAULT 0, message_add_on_flags INTEGER);
CREATE TABLE message_media (message_row_id INTEGER PRIMARY KEY, chat_row_id INTEGER,
  autotransfer_retry_enabled INTEGER, multicast_id TEXT, media_job_uuid TEXT, transferred
  INTEGER, transcoded INTEGER, file_path TEXT, file_size INTEGER, suspicious_content INTEGER,
  trim_from INTEGER, trim_to INTEGER, face_x INTEGER, face_y INTEGER, media_key BLOB,
  media_key_timestamp INTEGER, width INTEGER, height INTEGER, has_streaming_sidecar INTEGER,
  gif_attribution INTEGER, thumbnail_height_width_ratio REAL, direct_path TEXT,
  first_scan_sidecar BLOB, first_scan_length INTEGER, message_url TEXT, mime_type TEXT,
  file_length INTEGER, media_name TEXT, file_hash TEXT, media_duration INTEGER,
  page_count INTEGER, enc_file_hash TEXT, partial_media_hash TEXT,
  partial_media_enc_hash TEXT, is_animated_sticker INTEGER, original_file_hash TEXT,
  mute_video INTEGER DEFAULT 0, media_caption TEXT);
CREATE TABLE call_log (_id INTEGER PRIMARY KEY AUTOINCREMENT, jid_row_id INTEGER,
  from_me INTEGER, call_id TEXT, transaction_id INTEGER, timestamp INTEGER, video_call
  INTEGER, duration INTEGER, call_result INTEGER, bytes_transferred INTEGER,
  group_jid_row_id INTEGER NOT NULL DEFAULT 0, is_joinable_group_call INTEGER,
  call_creator_device_jid_row_id INTEGER NOT NULL DEFAULT 0, call_random_id TEXT);
"""

MESSAGES_OLD = """
CREATE TABLE messages (_id INTEGER PRIMARY KEY AUTOINCREMENT, key_remote_jid TEXT NOT NULL,
  key_from_me INTEGER, key_id TEXT NOT NULL, status INTEGER, needs_push INTEGER, data TEXT,
  timestamp INTEGER, media_url TEXT, media_mime_type TEXT, media_wa_type TEXT, media_size
  INTEGER, media_name TEXT, media_caption TEXT, media_hash TEXT, media_duration INTEGER,
  origin INTEGER, latitude REAL, longitude REAL, thumb_image TEXT, remote_resource TEXT,
  received_timestamp INTEGER, send_timestamp INTEGER, receipt_server_timestamp INTEGER,
  receipt_device_timestamp INTEGER, read_device_timestamp INTEGER,
  played_device_timestamp INTEGER, raw_data BLOB, recipient_count INTEGER,
  participant_hash TEXT, starred INTEGER, quoted_row_id INTEGER, mentioned_jids TEXT,
  multicast_id TEXT, edit_version INTEGER, media_enc_hash TEXT, payment_transaction_id TEXT,
  forwarded INTEGER, preview_type INTEGER, send_count INTEGER);
CREATE TABLE chat_list (_id INTEGER PRIMARY KEY AUTOINCREMENT, key_remote_jid TEXT UNIQUE,
  message_table_id INTEGER, subject TEXT, creation INTEGER, last_read_message_table_id
  INTEGER, archived INTEGER, sort_timestamp INTEGER);
"""

WA = """
CREATE TABLE wa_contacts (_id INTEGER PRIMARY KEY AUTOINCREMENT, jid TEXT NOT NULL,
  is_whatsapp_user BOOLEAN NOT NULL, status TEXT, status_timestamp INTEGER, number TEXT,
  raw_contact_id INTEGER, display_name TEXT, phone_type INTEGER, phone_label TEXT,
  unseen_msg_count INTEGER, photo_ts INTEGER, thumb_ts INTEGER, photo_id_timestamp INTEGER,
  given_name TEXT, family_name TEXT, wa_name TEXT, sort_name TEXT, nickname TEXT,
  company TEXT, title TEXT);
"""


def _fresh(path: Path, schema: str) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    conn.executescript(schema)
    return conn


def _done(conn: sqlite3.Connection, path: Path) -> Path:
    conn.commit()
    conn.execute("VACUUM")
    conn.close()
    return path


def build_mmssms(path: Path, sms: list[tuple] | None = None) -> Path:
    conn = _fresh(path, MMSSMS)
    conn.executemany("INSERT INTO canonical_addresses VALUES (?, ?)",
                     [(1, ROB), (2, NEW), (3, SAM)])
    conn.executemany("INSERT INTO threads (_id, recipient_ids, message_count) VALUES (?, ?, ?)",
                     [(1, "1", 3), (2, "2", 1), (3, "1 3", 1)])
    rows = sms if sms is not None else [   # _id, thread, address, date offset, type, body
        (1, 1, ROB, -2 * 1440 * MIN, 1, "See you at craft club?"),
        (2, 1, ROB, -2 * 1440 * MIN + 5 * MIN, 2, "Not this week."),
        (3, 1, ROB, 30 * MIN, 1, "You can't ignore me forever"),
        (4, 2, NEW, 1440 * MIN, 1, "New number. Answer me."),
        (5, 1, ROB, 1441 * MIN, 3, "draft never sent"),
    ]
    for rowid, thread, address, offset, kind, body in rows:
        when = NOTICE_MS + offset
        conn.execute("INSERT INTO sms (_id, thread_id, address, date, date_sent, protocol, "
                     "read, type, body, service_center, seen) VALUES (?, ?, ?, ?, ?, 0, 1, ?, "
                     "?, '+447700900000', 1)",
                     (rowid, thread, address, when, when - 1000 if kind == 1 else 0, kind, body))
    # MMS: pdu.date is in seconds
    conn.execute("INSERT INTO pdu (_id, thread_id, date, date_sent, msg_box, read, sub, "
                 "ct_t, m_type) VALUES (1, 1, ?, ?, 1, 1, 'Look', "
                 "'application/vnd.wap.multipart.related', 132)",
                 ((NOTICE_MS + 60 * MIN) // 1000, (NOTICE_MS + 60 * MIN) // 1000 - 2))
    conn.execute("INSERT INTO pdu (_id, thread_id, date, msg_box, read, ct_t, m_type) VALUES "
                 "(2, 3, ?, 1, 1, 'application/vnd.wap.multipart.related', 132)",
                 ((NOTICE_MS + 90 * MIN) // 1000,))
    conn.executemany("INSERT INTO part (mid, seq, ct, name, cl, _data, text) VALUES "
                     "(?, ?, ?, ?, ?, ?, ?)", [
                         (1, -1, "application/smil", None, "smil.xml", None, "<smil/>"),
                         (1, 0, "image/jpeg", "IMG_2024.jpg", "IMG_2024.jpg",
                          "/data/user_de/0/com.android.providers.telephony/app_parts/PART_1",
                          None),
                         (1, 1, "text/plain", None, "text_0.txt", None, "I know where you are"),
                         (2, 0, "text/plain", None, "text_0.txt", None,
                          "Sam, tell Dana to pick up"),
                     ])
    conn.executemany("INSERT INTO addr (msg_id, address, type, charset) VALUES (?, ?, ?, 106)",
                     [(1, ROB, 137), (1, "insert-address-token", 151),
                      (2, ROB, 137), (2, "insert-address-token", 151), (2, SAM, 151)])
    return _done(conn, path)


def build_calllog(path: Path) -> Path:
    conn = _fresh(path, CALLLOG)
    rows = [  # number, presentation, offset, duration, type, features, name
        (ROB, 1, -1440 * MIN, 125, 1, 0, "Rob"),
        (ROB, 1, 15 * MIN, 0, 3, 0, "Rob"),
        (ROB, 1, 16 * MIN, 0, 5, 0, "Rob"),
        ("", 2, 20 * MIN, 0, 3, 0, None),
        (NEW, 1, 1440 * MIN + 2 * MIN, 0, 6, 1, None),
        (SAM, 1, 2 * 1440 * MIN, 340, 2, 0, "Sam"),
    ]
    for number, shown, offset, duration, kind, features, name in rows:
        conn.execute("INSERT INTO calls (number, presentation, date, duration, type, features, "
                     "phone_account_address, new, name, countryiso, is_read, "
                     "geocoded_location) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, 'GB', 1, "
                     "'United Kingdom')",
                     (number, shown, NOTICE_MS + offset, duration, kind, features, DANA, name))
    return _done(conn, path)


def _jid(number: str) -> str:
    return number.lstrip("+") + "@s.whatsapp.net"


GROUP = "447700900123-1709000000@g.us"


def build_msgstore(folder: Path, *, old: bool = False) -> Path:
    """``folder/msgstore.db`` (new layout, or the pre-2021 ``messages`` table) and wa.db."""
    wa = _fresh(folder / "wa.db", WA)
    wa.executemany("INSERT INTO wa_contacts (jid, is_whatsapp_user, number, display_name, "
                   "wa_name) VALUES (?, ?, ?, ?, ?)",
                   [(_jid(ROB), 1, ROB, "Rob", "Rob O"), (_jid(SAM), 1, SAM, "Sam", "Sam F"),
                    (GROUP, 0, None, None, None)])
    _done(wa, folder / "wa.db")
    messages = [  # chat jid, sender jid (groups), from me, offset, type, text, media name
        (_jid(ROB), "", 0, -1440 * MIN, 0, "Coffee tomorrow?", None),
        (_jid(ROB), "", 1, -1440 * MIN + MIN, 0, "Sorry, can't.", None),
        (_jid(ROB), "", 0, 5 * MIN, 0, "Why did you block my email?", None),
        (_jid(ROB), "", 0, 6 * MIN, 1, "look at this", "IMG-20240310-WA0001.jpg"),
        (_jid(ROB), "", 0, 7 * MIN, 15, None, None),
        (GROUP, _jid(ROB), 0, 60 * MIN, 0, "Dana is a liar, everyone", None),
        (GROUP, _jid(SAM), 0, 61 * MIN, 0, "Rob, stop it.", None),
        (_jid(ROB), "", 1, 120 * MIN, 0, "Please stop.", None),
    ]
    path = folder / "msgstore.db"
    if old:
        conn = _fresh(path, MESSAGES_OLD)
        conn.execute("INSERT INTO messages (_id, key_remote_jid, key_from_me, key_id, status, "
                     "timestamp) VALUES (1, '-1', 0, '-1', -1, 0)")
        conn.executemany("INSERT INTO chat_list (key_remote_jid, subject) VALUES (?, ?)",
                         [(_jid(ROB), None), (GROUP, "Book Club")])
        for i, (chat, sender, mine, offset, kind, text, media) in enumerate(messages, 2):
            conn.execute("INSERT INTO messages (_id, key_remote_jid, key_from_me, key_id, "
                         "status, data, timestamp, media_wa_type, media_name, "
                         "remote_resource, received_timestamp) VALUES "
                         "(?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)",
                         (i, chat, mine, f"K{i}", text, NOTICE_MS + offset, str(kind), media,
                          sender or None, NOTICE_MS + offset + 1500))
        return _done(conn, path)
    conn = _fresh(path, MSGSTORE)
    jids = {j: n for n, j in enumerate([_jid(ROB), _jid(SAM), GROUP], 1)}
    for jid, n in jids.items():
        user, server = jid.split("@")
        conn.execute("INSERT INTO jid VALUES (?, ?, ?, 0, 0, ?, ?)",
                     (n, user, server, 1 if server == "g.us" else 0, jid))
    conn.execute("INSERT INTO chat (_id, jid_row_id, subject) VALUES (1, 1, NULL)")
    conn.execute("INSERT INTO chat (_id, jid_row_id, subject) VALUES (2, 3, 'Book Club')")
    chat_of = {_jid(ROB): 1, GROUP: 2}
    for i, (chat, sender, mine, offset, kind, text, media) in enumerate(messages, 1):
        conn.execute("INSERT INTO message (_id, chat_row_id, from_me, key_id, "
                     "sender_jid_row_id, status, broadcast, recipient_count, timestamp, "
                     "received_timestamp, message_type, text_data, sort_id) VALUES "
                     "(?, ?, ?, ?, ?, 13, 0, ?, ?, ?, ?, ?, ?)",
                     (i, chat_of[chat], mine, f"K{i}", jids.get(sender, 0),
                      3 if chat == GROUP else 0, NOTICE_MS + offset,
                      NOTICE_MS + offset + 1500, kind, text, i))
        if media:
            conn.execute("INSERT INTO message_media (message_row_id, chat_row_id, file_path, "
                         "mime_type, media_name) VALUES (?, ?, ?, 'image/jpeg', ?)",
                         (i, chat_of[chat], f"Media/WhatsApp Images/{media}", media))
    conn.execute("INSERT INTO call_log (jid_row_id, from_me, call_id, timestamp, video_call, "
                 "duration, call_result) VALUES (1, 0, 'C1', ?, 0, 0, 2)",
                 (NOTICE_MS + 30 * MIN,))
    return _done(conn, path)


if __name__ == "__main__":
    for made in (build_mmssms(HERE / "mmssms.db"), build_calllog(HERE / "calllog.db"),
                 build_msgstore(HERE / "whatsapp")):
        print(f"wrote {made}")
