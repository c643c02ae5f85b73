"""Android mmssms.db: SMS, MMS with parts and addresses, group threads, boxes, read-only."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3

import pandas as pd
import pytest

from whoa_analysis import readers
from whoa_analysis.errors import InputError

from ._android import GEN, HERE

SAMPLE = HERE / "mmssms.db"
DANA_OWNER = ("dana@example.org", "+44 7700 900123")
ROB, NEW, SAM, DANA = ("phone:+447700900456", "phone:+447700900789", "phone:+447700900321",
                       "phone:+447700900123")


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return readers.read(SAMPLE, region="GB", owner=DANA_OWNER).set_index("locator")


def test_sample_is_recognised_and_every_sms_and_mms_is_a_row(df):
    assert readers.detect(SAMPLE) == "android_sms_db"
    assert list(df.index) == [f"sqlite:sms[{i}]" for i in range(1, 6)] + [
        "sqlite:pdu[1]", "sqlite:pdu[2]"]
    assert (df["time_basis"] == "epoch").all()


def test_sms_direction_owner_and_epoch_milliseconds(df):
    got = df.loc["sqlite:sms[3]"]
    assert got["sender"] == ROB and got["recipients"] == DANA and not got["from_owner"]
    assert got["sent_at"] == pd.Timestamp("2024-03-10 09:30", tz="UTC")
    assert got["sent_at_raw"] == str(GEN.NOTICE_MS + 30 * GEN.MIN)
    mine = df.loc["sqlite:sms[2]"]
    assert mine["from_owner"] and mine["sender"] == DANA and mine["recipients"] == ROB
    draft = df.loc["sqlite:sms[5]"]
    assert draft["message_box"] == "draft" and "never sent" in draft["warnings"]


def test_mms_text_attachments_and_seconds(df):
    mms = df.loc["sqlite:pdu[1]"]
    assert mms["body"] == "I know where you are" and mms["kind"] == "media"
    assert mms["attachments"] == "IMG_2024.jpg"          # the name, never the phone's path
    assert mms["subject"] == "Look" and mms["sender"] == ROB
    assert mms["sent_at"] == pd.Timestamp("2024-03-10 10:00", tz="UTC")


def test_group_mms_names_every_party(df):
    group = df.loc["sqlite:pdu[2]"]
    assert group["conversation_kind"] == "group"
    assert set(group["recipients"].split(";")) == {DANA, SAM}


def test_mms_hash_covers_its_parts(tmp_path, df):
    path = GEN.build_mmssms(tmp_path / "mmssms.db")
    conn = sqlite3.connect(path)
    conn.execute("UPDATE part SET text = 'changed' WHERE mid = 1 AND ct = 'text/plain'")
    conn.commit()
    conn.close()
    other = readers.read(path, region="GB").set_index("locator")
    assert other.loc["sqlite:pdu[1]", "record_sha256"] != df.loc["sqlite:pdu[1]",
                                                                  "record_sha256"]
    assert other.loc["sqlite:sms[1]", "record_sha256"] == df.loc["sqlite:sms[1]",
                                                                 "record_sha256"]


def test_reading_leaves_the_file_and_its_folder_unchanged(tmp_path):
    db = shutil.copyfile(SAMPLE, tmp_path / "mmssms.db")
    before = hashlib.sha256(db.read_bytes()).hexdigest(), sorted(tmp_path.iterdir())
    readers.read(db)
    assert (hashlib.sha256(db.read_bytes()).hexdigest(), sorted(tmp_path.iterdir())) == before


def test_invalid_utf8_is_shown_and_said_not_fatal(tmp_path):
    path = GEN.build_mmssms(tmp_path / "mmssms.db")
    conn = sqlite3.connect(path)
    conn.execute("UPDATE sms SET body = CAST(x'6361fe' AS TEXT) WHERE _id = 1")
    conn.commit()
    conn.close()
    row = readers.read(path).set_index("locator").loc["sqlite:sms[1]"]
    assert row["body"] == "ca\ufffd" and "invalid UTF-8 in body" in row["warnings"]


def test_a_database_without_the_tables_is_a_clear_error(tmp_path):
    path = tmp_path / "mmssms.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE other (x)")
    conn.close()
    with pytest.raises(InputError, match="expected an Android mmssms.db with a table 'sms'"):
        readers.read(path, "android_sms_db")
