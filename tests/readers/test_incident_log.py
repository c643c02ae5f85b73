"""The volunteer's incident log round-trips into the message frame, and keeps every row."""

from __future__ import annotations

import pandas as pd
import pytest

from whoa_analysis import readers, schema
from whoa_analysis.readers import incident_log

HEADER = "when,timezone,platform,from,to,kind,description,evidence\n"


def _read(tmp_path, body, **opts):
    path = tmp_path / "log.csv"
    path.write_bytes((HEADER + body).encode("utf-8"))
    return readers.read(path, "auto", **opts)


def test_sample_log_round_trips(sample):
    df = readers.read(sample / "exports" / "incident_log.csv", tz="Europe/London", region="GB")
    assert list(df.columns[:len(schema.COLUMNS)]) == list(schema.COLUMNS)
    assert len(df) == 3
    call, letter, visit = (df.iloc[i] for i in range(3))
    assert call["platform"] == "phone" and call["kind"] == "call"
    assert call["sender"] == "phone:+447700900456"
    assert call["sender_display"] == "phone:07700 900456"
    assert call["recipients"] == "person:dana"
    assert call["sent_at"] == pd.Timestamp("2024-03-11 19:05", tz="UTC")   # GMT in March
    assert call["time_basis"] == "local_declared" and call["sent_at_raw"] == "2024-03-11 19:05"
    assert letter["time_basis"] == "offset" and letter["platform"] == "letter"
    assert letter["body"] == 'Handwritten letter pushed through the door: "You can\'t ignore me forever."'
    assert visit["platform"] == "in_person"
    assert visit["attachments"] == "notes written the same evening; colleague Sam witnessed"
    assert df["message_id"].str.match(r"^[0-9a-f]{12}:line:\d+$").all()
    assert df["record_sha256"].str.len().eq(64).all()


def test_template_is_recognised(sample):
    assert readers.detect(sample / "incident_log_template.csv") == "incident_log"


def test_text_is_kept_exactly(tmp_path):
    body = '2024-05-01 10:00,,letter,person:rob,person:dana,letter,"  two spaces, e\u0301 and\nnew line  ",\n'
    df = _read(tmp_path, body, tz="Europe/London")
    assert df.loc[0, "body"] == "  two spaces, e\u0301 and\nnew line  "
    assert df.loc[0, "locator"] == "line:2"


def test_bst_local_time_uses_the_zone(tmp_path):
    df = _read(tmp_path, "2024-07-01 12:00,Europe/London,phone,phone:07700 900456,person:dana,call,x,\n",
               region="GB")
    assert df.loc[0, "sent_at"] == pd.Timestamp("2024-07-01 11:00", tz="UTC")


def test_dst_ambiguous_time_keeps_both_instants(tmp_path):
    df = _read(tmp_path, "2024-10-27 01:30,Europe/London,phone,person:rob,person:dana,call,x,\n")
    row = df.iloc[0]
    assert row["sent_at"] == pd.Timestamp("2024-10-27 00:30", tz="UTC")
    assert row["sent_at_latest"] == pd.Timestamp("2024-10-27 01:30", tz="UTC")
    assert "ambiguous" in row["warnings"]


def test_dst_gap_time_warns(tmp_path):
    df = _read(tmp_path, "2024-03-31 01:30,Europe/London,phone,person:rob,person:dana,call,x,\n")
    assert "non-existent" in df.loc[0, "warnings"]
    assert df.loc[0, "sent_at"] < df.loc[0, "sent_at_latest"]


def test_local_time_without_any_zone_is_kept_without_time(tmp_path):
    df = _read(tmp_path, "2024-05-01 10:00,,letter,person:rob,person:dana,letter,x,\n")
    assert pd.isna(df.loc[0, "sent_at"]) and df.loc[0, "time_basis"] == "missing"
    assert "without a zone" in df.loc[0, "warnings"]


def test_bad_rows_are_kept_with_warnings(tmp_path):
    body = ("yesterday,Europe/London,phone,person:rob,person:dana,call,x,\n"
            "2024-05-01 10:00,Europe/London,pigeon,person:rob,person:dana,poke,x,\n"
            "just one cell\n")
    df = _read(tmp_path, body)
    assert len(df) == 3
    assert "cannot read time 'yesterday'" in df.loc[0, "warnings"]
    assert df.loc[1, "platform"] == "other" and "unknown platform" in df.loc[1, "warnings"]
    assert "unknown kind" in df.loc[1, "warnings"]
    assert df.loc[2, "kind"] == "unparsed" and df.loc[2, "body"] == "just one cell\n"


def test_a_log_in_another_encoding_gets_a_clear_error(tmp_path):
    path = tmp_path / "log.csv"
    path.write_bytes((HEADER + "2024-05-01 10:00,,letter,person:rob,person:dana,letter,caf\xe9,\n")
                     .encode("cp1252"))
    with pytest.raises(readers.InputError, match="not UTF-8"):
        incident_log.read(path)
