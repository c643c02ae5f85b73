"""Snapchat My Data: chat and snap history, old and new layouts."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from whoa_analysis import readers
from whoa_analysis.errors import InputError
from whoa_analysis.readers import snapchat
from whoa_analysis.readers._common import open_head


def _write(tmp_path: Path, doc: object, name: str = "chat_history.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def test_sample_chats_by_conversation(sample: Path) -> None:
    path = sample / "formats/snapchat/chat_history.json"
    assert readers.detect(path) == "snapchat"
    df = snapchat.read(path)
    assert df["kind"].tolist() == ["text", "text", "media", "text", "text"]
    assert df["body"].iloc[3] == " i see you\u200d online  "                     # exact
    assert df["sender"].tolist()[:2] == ["snapchat:rob_o", "snapchat:dana_example"]
    # the owner's name is learnt from their own (IsSender) records
    assert df["recipients"].iloc[0] == "snapchat:dana_example"
    assert df["recipients"].iloc[1] == "snapchat:rob_o"
    assert df["from_owner"].tolist() == [False, True, False, False, False]
    assert df["attachments"].iloc[2] == "b~EiQSFUZ0bG9rX2V4YW1wbGU"
    assert df["conversation"].iloc[4] == "Craft club"
    assert df["conversation_kind"].iloc[4] == "group"
    assert df["sent_at"].iloc[0] == pd.Timestamp("2024-03-11 19:05", tz="UTC")
    assert set(df["time_basis"]) == {"utc"}
    assert df["locator"].iloc[1] == 'json:$["rob_o"][1]'
    assert df["created_us_raw"].iloc[0] == "1710183900000"


def test_sample_snaps_by_direction(sample: Path) -> None:
    path = sample / "formats/snapchat/snap_history.json"
    df = snapchat.read(path, owner=("snapchat:dana_example",))
    assert df["kind"].tolist() == ["media", "media", "media"]
    assert set(df["record_type"]) == {"snap"}
    assert df["media_type"].tolist() == ["IMAGE", "VIDEO", "IMAGE"]
    assert df["sender"].tolist() == ["snapchat:rob_o", "snapchat:rob_o", "snapchat:dana_example"]
    assert df["recipients"].tolist() == ["snapchat:dana_example", "snapchat:dana_example",
                                         "snapchat:sam_k"]
    assert df["from_owner"].tolist() == [False, False, True]


def test_old_chat_layout_with_saved_sections(tmp_path: Path) -> None:
    doc = {"Received Saved Chat History": [{"From": "rob_o", "Media Type": "TEXT",
                                            "Created": "2024-03-11 19:05:00 UTC",
                                            "Text": "answer me"}],
           "Sent Saved Chat History": [{"To": "rob_o", "Media Type": "TEXT",
                                        "Created": "2024-03-11 19:06:00 UTC", "Text": "Stop."}]}
    df = snapchat.read(_write(tmp_path, doc))
    assert df["body"].tolist() == ["answer me", "Stop."]
    assert df["kind"].tolist() == ["text", "text"]
    assert df["from_owner"].tolist() == [False, True]
    assert df["recipients"].iloc[1] == "snapchat:rob_o"
    assert df["section"].iloc[0] == "Received Saved Chat History"


def test_damage_and_odd_values_are_kept(tmp_path: Path) -> None:
    doc = {"rob_o": [{"From": "rob_o", "Media Type": "TEXT", "Created": "yesterday",
                      "Content": "x", "IsSender": False}, "not a record"],
           "Other": {"note": 1}}
    df = snapchat.read(_write(tmp_path, doc))
    assert df["kind"].tolist() == ["text", "unparsed", "unparsed"]
    assert df["time_basis"].iloc[0] == "missing" and "Created" in df["warnings"].iloc[0]


def test_an_empty_object_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="Snapchat"):
        snapchat.read(_write(tmp_path, {}))


def test_sniff_is_specific(tmp_path: Path, sample: Path) -> None:
    assert snapchat.sniff(open_head(_write(tmp_path, {"Received Snap History": []},
                                           "snap_history.json")))
    for other in ("formats/skype/messages.json", "formats/google_chat/Hangouts.json"):
        assert not snapchat.sniff(open_head(sample / other)), other
