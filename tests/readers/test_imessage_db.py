"""Apple Messages databases (chat.db, sms.db, iPhone backups): the sample, langchain's corpus
database, backups, old second-based dates, undecodable bodies, and the original never written."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from tests.helpers import sample_generator
from whoa_analysis import readers
from whoa_analysis.errors import InputError
from whoa_analysis.readers import imessage_db

HERE = Path(__file__).resolve().parents[2] / "data" / "sample" / "formats" / "imessage_db"
SAMPLE = HERE / "chat.db"
LANGCHAIN = Path("imessage_chatdb") / "langchain-community" / "imessage_chat.db"
NOTICE = pd.Timestamp("2024-03-10 09:00", tz="UTC")
ROB, ROB_MAIL, SAM, DANA = ("phone:+447700900456", "email:rob@example.net",
                            "phone:+447700900321", "email:dana@example.org")


GEN = sample_generator("imessage_db/make_chat_db.py")


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return readers.read(SAMPLE, region="GB")


def test_the_sample_is_recognised_and_every_row_is_kept(sample):
    assert readers.detect(SAMPLE) == "imessage_db"
    assert len(sample) == len(GEN.MESSAGES)
    assert sample["locator"].tolist() == [f"sqlite:message[{m[0]}]" for m in GEN.MESSAGES]
    assert (sample["time_basis"] == "epoch").all()


def test_text_only_in_attributed_body_is_decoded(sample):
    row = sample.set_index("locator").loc["sqlite:message[3]"]
    assert row["body"] == "You can't block me everywhere \U0001F608"
    assert row["sender"] == ROB_MAIL and row["recipients"] == DANA
    assert row["warnings"] == ""


def test_owner_read_receipts_and_times(sample):
    mine = sample.set_index("locator").loc["sqlite:message[4]"]
    assert bool(mine["from_owner"]) and mine["sender"] == DANA and mine["recipients"] == ROB
    assert mine["sent_at"] == NOTICE + pd.Timedelta(minutes=15)
    assert mine["sent_at_raw"] == str((GEN.NOTICE_S + 900) * GEN.NS)
    assert mine["read_at"] == NOTICE + pd.Timedelta(minutes=16)
    assert mine["body"] == "Please stop."


def test_sms_attachments_reactions_unsent_and_group_events(sample):
    rows = sample.set_index("locator")
    assert rows.loc["sqlite:message[5]", "platform"] == "sms"
    media = rows.loc["sqlite:message[6]"]
    assert media["kind"] == "media" and media["attachments"] == "IMG_0042.HEIC"
    assert media["body"] == "\ufffc"                     # exactly as stored
    tapback = rows.loc["sqlite:message[7]"]
    assert tapback["reaction"] == "loved" and tapback["in_reply_to"] == "p:0/M-4"
    unsent = rows.loc["sqlite:message[8]"]
    assert unsent["kind"] == "deleted" and "unsent" in unsent["warnings"]
    event = rows.loc["sqlite:message[10]"]
    assert event["kind"] == "system" and "Craft club (no Rob)" in event["system_event"]


def test_group_and_direct_conversations(sample):
    rows = sample.set_index("locator")
    assert rows.loc["sqlite:message[1]", "conversation_kind"] == "direct"
    group = rows.loc["sqlite:message[9]"]
    assert group["conversation_kind"] == "group" and group["conversation"] == "chat246813579"
    assert group["sender"] == ROB and set(group["recipients"].split(";")) == {DANA, SAM}
    assert rows.loc["sqlite:message[11]", "sender"] == SAM


def test_record_hash_is_of_the_row_and_changes_with_it(tmp_path, sample):
    again = readers.read(GEN.build(tmp_path / "chat.db"), region="GB")
    assert again["record_sha256"].tolist() == sample["record_sha256"].tolist()
    changed = [list(m) for m in GEN.MESSAGES]
    changed[0][5] = "Why are you ignoring me??"
    other = readers.read(GEN.build(tmp_path / "c2.db", [tuple(m) for m in changed]))
    assert other["record_sha256"].iloc[0] != sample["record_sha256"].iloc[0]
    assert other["record_sha256"].iloc[1:].tolist() == sample["record_sha256"].iloc[1:].tolist()


def test_dates_in_seconds_give_the_same_instants(tmp_path, sample):
    old = readers.read(GEN.build(tmp_path / "sms.db", seconds=True), region="GB")
    assert old["sent_at"].tolist() == sample["sent_at"].tolist()
    assert old["sent_at_raw"].iloc[0] == str(GEN.NOTICE_S - 3 * 86_400)


def test_apple_time_units_and_zero():
    assert imessage_db.apple_time(0) == (None, "")
    assert imessage_db.apple_time(1)[0] == pd.Timestamp("2001-01-01 00:00:01", tz="UTC")
    assert imessage_db.apple_time(720845450393148160)[0] == pd.Timestamp(
        "2023-11-05 02:50:50.393148160", tz="UTC")
    when, why = imessage_db.apple_time(2 ** 63 - 1)
    assert when is None and "out of range" in why


def test_undecodable_attributed_body_without_text_is_unparsed_not_dropped(tmp_path):
    path = GEN.build(tmp_path / "chat.db")
    conn = sqlite3.connect(path)
    conn.execute("UPDATE message SET attributedBody = x'040B73747265616D747970656481E80384'"
                 " WHERE ROWID = 3")
    conn.commit()
    conn.close()
    df = readers.read(path)
    row = df.set_index("locator").loc["sqlite:message[3]"]
    assert row["kind"] == "unparsed" and "could not be decoded" in row["warnings"]
    assert len(df) == len(GEN.MESSAGES)


def test_reading_never_writes_the_database_or_beside_it(tmp_path):
    folder = tmp_path / "Messages"
    folder.mkdir()
    db = shutil.copyfile(SAMPLE, folder / "chat.db")
    before = (hashlib.sha256(db.read_bytes()).hexdigest(), sorted(p.name for p in
                                                                    folder.iterdir()))
    stat = db.stat()
    readers.read(db)
    after = (hashlib.sha256(db.read_bytes()).hexdigest(), sorted(p.name for p in
                                                                   folder.iterdir()))
    assert after == before and db.stat().st_mtime_ns == stat.st_mtime_ns


def _backup(tmp_path: Path, *, encrypted: bool = False, with_db: bool = True) -> Path:
    """An iPhone backup folder: Manifest.db (Files table) and sms.db under its fileID."""
    folder = tmp_path / "00008030-001A2B3C4D5E6F70"
    folder.mkdir()
    file_id = GEN_FILE_ID
    if with_db:
        (folder / file_id[:2]).mkdir()
        GEN.build(folder / file_id[:2] / file_id)
    conn = sqlite3.connect(folder / "Manifest.db")
    conn.execute("CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath "
                 "TEXT, flags INTEGER, file BLOB)")
    conn.execute("CREATE TABLE Properties (key TEXT PRIMARY KEY, value BLOB)")
    conn.executemany("INSERT INTO Files VALUES (?, ?, ?, 1, NULL)", [
        (hashlib.sha1(b"HomeDomain-Library/SMS/sms.db").hexdigest(), "HomeDomain",
         "Library/SMS/sms.db"),
        (hashlib.sha1(b"HomeDomain-Library/Notes/notes.sqlite").hexdigest(), "HomeDomain",
         "Library/Notes/notes.sqlite")])
    conn.commit()
    conn.close()
    import plistlib

    (folder / "Manifest.plist").write_bytes(plistlib.dumps({"IsEncrypted": encrypted}))
    return folder


GEN_FILE_ID = hashlib.sha1(b"HomeDomain-Library/SMS/sms.db").hexdigest()


def test_sms_db_is_found_in_an_unencrypted_backup_by_its_manifest(tmp_path, sample):
    assert GEN_FILE_ID == imessage_db.SMS_DB_ID
    folder = _backup(tmp_path)
    assert readers.detect(folder) == "imessage_db"
    df = readers.read(folder, region="GB")
    assert df["body"].tolist() == sample["body"].tolist()
    assert df["locator"].iloc[0] == f"{GEN_FILE_ID[:2]}/{GEN_FILE_ID}:sqlite:message[1]"
    assert any("Library/SMS/sms.db" in a for a in df.attrs["assumptions"])


def test_an_encrypted_backup_is_refused_with_what_to_do(tmp_path):
    with pytest.raises(InputError, match="encrypted.*Encrypt local backup"):
        readers.read(_backup(tmp_path, encrypted=True))


def test_a_backup_without_its_sms_db_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="does not hold it"):
        readers.read(_backup(tmp_path, with_db=False))


def test_a_file_that_is_not_sqlite_is_a_clear_error(tmp_path):
    bad = tmp_path / "chat.db"
    bad.write_bytes(b"not a database at all" * 10)
    with pytest.raises(InputError, match="SQLite format 3"):
        imessage_db.read(bad)


def test_langchain_chat_db_gives_the_messages_its_tests_assert(corpora):
    df = readers.read(corpora / LANGCHAIN)
    assert readers.detect(corpora / LANGCHAIN) == "imessage_db"
    # langchain orders a chat's messages by date; so does the rowid order here
    assert df["sent_at"].is_monotonic_increasing
    first = df.iloc[0]
    assert "Yeh" in first["body"]
    assert first["sent_at_raw"] == "720845450393148160"
    assert first["sent_at"] == pd.Timestamp("2023-11-05 02:50:50.393148", tz="UTC")
    assert not first["from_owner"]
    assert "John is the almighty" in df.iloc[16]["body"]
    long_msg = "aaaaabbbbbaaaaabbbbbaaaaabbbbbaaaaabbbbbaaaaabbbbbaaaaabbbbbaaaaabbbbba"
    assert long_msg in df.iloc[18]["body"]
    # that one is stored only in attributedBody (text is NULL): decoded, nothing warned
    assert df.iloc[18]["attributed_text"] == df.iloc[18]["body"]
    assert df.iloc[18]["warnings"] == ""
    assert len(df) == 23 and (df["kind"] != "unparsed").all()


def test_langchain_rows_whose_text_and_attributed_body_differ_keep_both(corpora):
    """The test database was edited by hand: text and attributedBody disagree on 4 rows. We
    keep the text column as the body and the decoded attributedBody beside it, and say so."""
    df = readers.read(corpora / LANGCHAIN)
    differ = df[df["warnings"].str.contains("differ")]
    assert len(differ) == 4
    row = df.set_index("locator").loc["sqlite:message[252038]"]
    assert row["body"] == "Leila was the tester" and row["attributed_text"] == "Dx *"


def test_a_write_ahead_log_that_is_no_log_changes_nothing_and_is_left_alone(tmp_path):
    db = shutil.copyfile(SAMPLE, tmp_path / "chat.db")
    wal = tmp_path / "chat.db-wal"
    wal.write_bytes(b"\x37\x7f\x06\x82" + b"\x00" * 60)
    df = readers.read(db)
    assert any("chat.db-wal" in a and "changes no row" in a for a in df.attrs["assumptions"])
    assert len(df) == len(readers.read(SAMPLE))
    assert wal.read_bytes() == b"\x37\x7f\x06\x82" + b"\x00" * 60
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chat.db", "chat.db-wal"]


def test_the_newest_messages_only_in_the_wal_are_read_and_the_files_state_kept(tmp_path):
    """A Mac's live chat.db keeps its newest writes in chat.db-wal: a message only there is
    read, one the log changes or deletes keeps the file's version too, each marked."""
    from tests.helpers import with_unflushed_log

    def change(conn: sqlite3.Connection) -> None:
        cols = [r[1] for r in conn.execute("PRAGMA table_info(message)")]
        first, last = conn.execute("SELECT min(ROWID), max(ROWID) FROM message").fetchone()
        row = dict(zip(cols, conn.execute("SELECT * FROM message WHERE ROWID = ?",
                                          (first,)).fetchone()))
        row.update(ROWID=900, guid="LOG-ONLY", text="only in the log", attributedBody=None)
        conn.execute(f"INSERT INTO message ({', '.join(row)}) VALUES "
                     f"({', '.join('?' * len(row))})", list(row.values()))
        conn.execute("UPDATE message SET text = 'edited in the log', attributedBody = NULL "
                     "WHERE ROWID = ?", (first,))
        conn.execute("DELETE FROM message WHERE ROWID = ?", (last,))

    live = with_unflushed_log(SAMPLE, tmp_path / "Messages", change)
    before = {p.name: p.read_bytes() for p in live.parent.iterdir()}
    plain, df = readers.read(SAMPLE, region="GB"), readers.read(live, region="GB")
    rows = df.set_index("locator")
    first, last = plain["locator"].iloc[0], plain["locator"].iloc[-1]
    assert rows.loc["sqlite:message[900]", "body"] == "only in the log"
    assert "only in chat.db-wal" in rows.loc["sqlite:message[900]", "warnings"]
    assert rows.loc[first, "body"] == "edited in the log"
    assert rows.loc[first + "@without-wal", "body"] == plain["body"].iloc[0]
    assert "chat.db-wal changes it" in rows.loc[first + "@without-wal", "warnings"]
    assert last not in rows.index
    assert "gone once chat.db-wal is applied" in rows.loc[last + "@without-wal", "warnings"]
    assert len(df) == len(plain) + 2
    wal_hash = hashlib.sha256(before["chat.db-wal"]).hexdigest()
    assert any(f"chat.db-wal (sha256 {wal_hash}) applied" in a
               and "adds: 1, changes: 1, removes: 1" in a for a in df.attrs["assumptions"])
    # the originals are as they were, and nothing was made beside them
    assert {p.name: p.read_bytes() for p in live.parent.iterdir()} == before


def test_whoa_read_writes_a_backup_to_csv(tmp_path, capsys):
    from whoa_analysis.cli import main

    folder = _backup(tmp_path)
    out = tmp_path / "t.csv"
    assert main(["read", str(folder), "--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert len(table) == len(GEN.MESSAGES) and "Please stop." in table["body"].tolist()


def test_an_edited_message_keeps_what_it_said_before(sample):
    import json

    row = sample.set_index("locator").loc["sqlite:message[12]"]
    assert row["body"] == "Sorry."
    assert [v["text"] for v in json.loads(row["edit_history"])] == ["You will regret this",
                                                                     "Sorry."]
    assert row["edited_at"] == NOTICE + pd.Timedelta(seconds=4_360)
    assert "edit_history" in row["warnings"]


def test_a_damaged_edit_history_is_said_not_fatal():
    history, problem = imessage_db.edit_history(b"bplist00\xff\xff")
    assert history == [] and "not a readable plist" in problem
