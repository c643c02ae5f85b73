"""Android calllog.db: call types, withheld numbers, durations, the owner's own number."""

from __future__ import annotations

import hashlib
import shutil

import pandas as pd

from whoa_analysis import readers

from ._android import GEN, HERE

SAMPLE = HERE / "calllog.db"


def test_every_call_is_a_call_row_with_its_type_and_duration():
    assert readers.detect(SAMPLE) == "android_calllog"
    df = readers.read(SAMPLE, region="GB")
    assert (df["kind"] == "call").all() and (df["platform"] == "phone").all()
    assert df["call_type"].tolist() == ["incoming", "missed", "rejected", "missed", "blocked",
                                        "outgoing"]
    assert df["duration_s"].tolist() == [125, 0, 0, 0, 0, 340]
    assert df["sent_at"].iloc[1] == pd.Timestamp("2024-03-10 09:15", tz="UTC")
    assert df["sent_at_raw"].iloc[1] == str(GEN.NOTICE_MS + 15 * GEN.MIN)
    assert bool(df["video"].iloc[4])


def test_direction_uses_the_owners_own_number_from_the_database():
    df = readers.read(SAMPLE, region="GB")
    assert df["sender"].iloc[0] == "phone:+447700900456"
    assert df["recipients"].iloc[0] == "phone:+447700900123"
    assert df["sender"].iloc[5] == "phone:+447700900123" and bool(df["from_owner"].iloc[5])


def test_a_withheld_number_is_kept_and_said():
    row = readers.read(SAMPLE, region="GB").iloc[3]
    assert row["sender"] == "" and "withheld by the caller" in row["warnings"]


def test_reading_leaves_the_file_and_its_folder_unchanged(tmp_path):
    db = shutil.copyfile(SAMPLE, tmp_path / "calllog.db")
    before = hashlib.sha256(db.read_bytes()).hexdigest(), sorted(tmp_path.iterdir())
    readers.read(db)
    assert (hashlib.sha256(db.read_bytes()).hexdigest(), sorted(tmp_path.iterdir())) == before


def test_a_call_only_in_the_wal_is_counted(tmp_path):
    from tests.helpers import with_unflushed_log

    def change(conn):
        conn.execute("INSERT INTO calls (number, date, duration, type, presentation) VALUES "
                     "('+447700900456', ?, 0, 3, 1)", (GEN.NOTICE_MS + 60 * GEN.MIN,))

    df = readers.read(with_unflushed_log(SAMPLE, tmp_path, change), region="GB")
    assert len(df) == 7
    logged = df[df["warnings"].str.contains("only in calllog.db-wal")]
    assert logged["call_type"].tolist() == ["missed"]
    assert logged["sender"].tolist() == ["phone:+447700900456"]
