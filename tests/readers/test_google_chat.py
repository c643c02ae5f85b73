"""Google Chat / Hangouts Takeout JSON (the corpora have none: our own samples and odd cases)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from whoa_analysis.errors import InputError, TimezoneRequired
from whoa_analysis.readers import google_chat
from whoa_analysis.readers._common import open_head

DM = "formats/google_chat/Google Chat/Groups/DM 8fKq2AAAAE"


def _utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def _messages(tmp_path: Path, *msgs: dict, folder: str = "Space AAA") -> Path:
    path = tmp_path / "Groups" / folder / "messages.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"messages": list(msgs)}), encoding="utf-8")
    return path


def _msg(when: str, text: str = "hi", **extra: object) -> dict:
    return {"creator": {"name": "Rob", "email": "Rob@Example.net"}, "created_date": when,
            "text": text, **extra}


def test_sample_google_chat_folder(sample: Path) -> None:
    df = google_chat.read(sample / DM)
    assert len(df) == 3
    assert set(df["conversation_kind"]) == {"direct"}
    assert set(df["sender"]) == {"googlechat:rob@example.net"}
    assert set(df["recipients"]) == {"googlechat:dana@example.org"}   # from group_info.json
    assert df["sent_at"].tolist() == [_utc("2024-03-08 18:12:40"), _utc("2024-03-11 08:15:02"),
                                      _utc("2024-03-11 08:16:30")]
    assert set(df["time_basis"]) == {"utc"}
    assert df["kind"].tolist() == ["text", "text", "media"]
    assert df["attachments"].iloc[2] == "File-dana_house.jpg"


def test_sample_single_messages_file_has_no_recipients(sample: Path) -> None:
    df = google_chat.read(sample / DM / "messages.json")
    assert len(df) == 3 and set(df["recipients"]) == {""}


def test_sample_hangouts(sample: Path) -> None:
    df = google_chat.read(sample / "formats/google_chat/Hangouts.json")
    assert df["kind"].tolist() == ["text", "call"]
    assert df["body"].iloc[0] == "Happy Valentine's eve\nx"
    assert df["sent_at"].iloc[0] == _utc("2024-02-13 19:00")
    assert df["sender_display"].iloc[0] == "Rob Offender"
    assert set(df["conversation_kind"]) == {"direct"} and set(df["time_basis"]) == {"epoch"}


def test_offsets_abbreviations_and_bad_times(tmp_path: Path) -> None:
    path = _messages(tmp_path,
                     _msg("Tuesday, March 12, 2024 at 10:00:00 AM GMT+01:00"),
                     _msg("Tuesday, March 12, 2024 at 10:00:00 PM PST"),
                     _msg("sometime"))
    with pytest.raises(TimezoneRequired):
        google_chat.read(path)
    df = google_chat.read(path, tz="America/Los_Angeles")
    assert df["sent_at"].iloc[0] == _utc("2024-03-12 09:00")
    assert df["time_basis"].tolist() == ["offset", "local_declared", "missing"]
    assert df["sent_at"].iloc[1] == _utc("2024-03-13 05:00")         # PDT, from the tz
    assert "not trusted" in df["warnings"].iloc[1]
    assert "cannot read the time" in df["warnings"].iloc[2]
    assert set(df["conversation_kind"]) == {"group"}                  # a Space


def test_deleted_message_kept(tmp_path: Path) -> None:
    path = _messages(tmp_path, _msg("Tuesday, March 12, 2024 at 10:00:00 AM UTC", "",
                                    message_state="DELETED"), folder="DM x")
    df = google_chat.read(path)
    assert df["kind"].tolist() == ["deleted"]


def test_damaged_input(tmp_path: Path) -> None:
    bad = tmp_path / "messages.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError):
        google_chat.read(bad)
    folder = tmp_path / "Groups" / "DM y"
    folder.mkdir(parents=True)
    (folder / "messages.json").write_text("{not json", encoding="utf-8")
    df = google_chat.read(tmp_path / "Groups")
    assert df["kind"].tolist() == ["unparsed"]


def test_sniff(sample: Path, tmp_path: Path) -> None:
    assert google_chat.sniff(open_head(sample / DM / "messages.json"))
    assert google_chat.sniff(open_head(sample / "formats/google_chat/Hangouts.json"))
    other = tmp_path / "x.json"
    other.write_text('{"messages": [{"sender_name": "A", "timestamp_ms": 1}]}', encoding="utf-8")
    assert not google_chat.sniff(open_head(other))
