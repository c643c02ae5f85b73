"""Skype messages.json: the sample, exact content, kinds, owner, damage."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from whoa_analysis import readers
from whoa_analysis.errors import InputError
from whoa_analysis.evidence import sha256_bytes
from whoa_analysis.readers import skype
from whoa_analysis.readers._common import open_head

SAMPLE = "formats/skype/messages.json"


def _export(tmp_path: Path, messages: list, cid: str = "8:live:rob") -> Path:
    path = tmp_path / "messages.json"
    path.write_text(json.dumps({"userId": "8:live:dana", "exportDate": "2024-04-01T10:00",
                                "conversations": [{"id": cid, "displayName": "Rob",
                                                   "MessageList": messages}]}),
                    encoding="utf-8")
    return path


def _msg(content: str, **extra: object) -> dict:
    return {"id": "1", "displayName": "Rob", "originalarrivaltime": "2024-03-11T19:05:00.123Z",
            "messagetype": "RichText", "content": content, "from": "8:live:rob",
            "properties": None, **extra}


def test_sample(sample: Path) -> None:
    path = sample / SAMPLE
    assert readers.detect(path) == "skype"
    df = skype.read(path)
    assert df["kind"].tolist() == ["text", "text", "call", "media", "deleted", "text", "system",
                                   "text"]
    assert df["body"].iloc[0] == 'answer me &lt;3 <ss type="angry">(angry)</ss>'   # exact
    assert df["body_text"].iloc[0] == "answer me <3 (angry)"                       # searchable
    assert df["body"].iloc[5] == '  =HYPERLINK("http://evil.example")  \nstill here'
    assert df["sender"].iloc[0] == "skype:live:rob_offender"
    assert df["recipients"].iloc[0] == "skype:live:dana_example"
    assert df["recipients"].iloc[1] == "skype:live:rob_offender"
    assert df["from_owner"].tolist() == [False, True, False, False, False, False, False, False]
    assert df["duration_s"].iloc[2] == 62 and df["call_type"].iloc[2] == "ended"
    assert df["attachments"].iloc[3] == "dana_house.jpg"
    assert df["sent_at"].iloc[0] == pd.Timestamp("2024-03-11 19:05:00.123", tz="UTC")
    assert set(df["time_basis"]) == {"utc"}
    assert df["conversation"].tolist()[-2:] == ["Craft club", "Craft club"]
    assert df["conversation_kind"].tolist()[-1] == "group"
    assert df["edited_at_raw"].iloc[5] == "1710270060000"
    assert df["locator"].iloc[7] == "json:$.conversations[1].MessageList[1]"


def test_record_hash_is_over_the_message_text_in_the_file(tmp_path: Path) -> None:
    path = _export(tmp_path, [_msg("hi")])
    text = path.read_text(encoding="utf-8")
    start = text.index('{"id": "1"')
    raw = text[start:text.index("}", start) + 1]
    assert skype.read(path)["record_sha256"].iloc[0] == sha256_bytes(raw.encode("utf-8"))


def test_a_damaged_message_is_unparsed_and_the_rest_read(tmp_path: Path) -> None:
    path = _export(tmp_path, [_msg("one"), _msg("two")])
    data = path.read_text(encoding="utf-8").replace('"content": "one"', '"content": one')
    path.write_text(data, encoding="utf-8")
    df = skype.read(path)
    assert df["kind"].tolist() == ["unparsed", "text"]
    assert '"content": one' in df["body"].iloc[0]
    assert df["body"].iloc[1] == "two"


def test_a_time_without_zone_is_not_guessed(tmp_path: Path) -> None:
    df = skype.read(_export(tmp_path, [_msg("x", originalarrivaltime="2024-03-11T19:05:00")]))
    assert df["time_basis"].iloc[0] == "missing" and pd.isna(df["sent_at"].iloc[0])
    assert "originalarrivaltime" in df["warnings"].iloc[0]


def test_unknown_types_are_said(tmp_path: Path) -> None:
    df = skype.read(_export(tmp_path, [_msg("x", messagetype="Future/Thing")]))
    assert df["kind"].iloc[0] == "text" and "unknown messagetype" in df["warnings"].iloc[0]


def test_not_an_export_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "messages.json"
    path.write_text('{"userId": "8:live:dana"}', encoding="utf-8")
    with pytest.raises(InputError, match="conversations"):
        skype.read(path)


def test_sniff_is_specific(tmp_path: Path, sample: Path) -> None:
    assert skype.sniff(open_head(_export(tmp_path, [])))
    for other in ("formats/google_chat/Hangouts.json", "formats/snapchat/chat_history.json"):
        assert not skype.sniff(open_head(sample / other)), other
