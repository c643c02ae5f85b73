"""MSN / Windows Live Messenger XML history: the sample, local times, damage, declarations."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from whoa_analysis import readers
from whoa_analysis.errors import DateOrderRequired, InputError, TimezoneRequired
from whoa_analysis.readers import msn
from whoa_analysis.readers._common import open_head

SAMPLE = "formats/msn/Rob1234567890.xml"


def _message(date: str, time: str, text: str, extra: str = "", who: str = "Rob") -> str:
    return (f'<Message Date="{date}" Time="{time}"{extra} SessionID="1"><From><User '
            f'FriendlyName="{who}"/></From><To><User FriendlyName="Dana"/></To><Text '
            f'Style="color:#000000; ">{text}</Text></Message>')


def _log(tmp_path: Path, *records: str) -> Path:
    path = tmp_path / "Rob1.xml"
    path.write_text('<?xml version="1.0"?>\n<Log FirstSessionID="1" LastSessionID="1">'
                    + "".join(records) + "</Log>", encoding="utf-8")
    return path


def test_sample(sample: Path) -> None:
    path = sample / SAMPLE
    assert readers.detect(path) == "msn"
    df = msn.read(path, owner=("Dana",))
    assert df["kind"].tolist() == ["text", "text", "media", "system", "text"]
    assert df["body"].iloc[0] == "why did you block me & my friends? <3"   # references decoded once
    assert df["body"].iloc[-1] == "  still there?\nI know you read this  "  # nothing stripped
    assert df["attachments"].iloc[2] == "C:\\Users\\rob\\Pictures\\dana_house.jpg"
    assert set(df["time_basis"]) == {"utc"}                                  # DateTime: no tz asked
    assert df["sent_at"].iloc[1] == pd.Timestamp("2024-03-11 19:05:40", tz="UTC")
    assert df["sender"].iloc[0] == "im:rob ~ you'll answer"
    assert df["from_owner"].tolist() == [False, True, False, True, False]
    assert df["locator"].tolist() == ["xml:/Log/Message[1]", "xml:/Log/Message[2]",
                                      "xml:/Log/Invitation[1]", "xml:/Log/InvitationResponse[1]",
                                      "xml:/Log/Message[3]"]
    assert df["text_style"].iloc[0].startswith("font-family:Segoe UI")


def test_local_date_and_time_need_the_declared_zone(tmp_path: Path) -> None:
    path = _log(tmp_path, _message("13/03/2024", "19:05:00", "a"),
                _message("14/03/2024", "7:05:00 PM", "b"))
    with pytest.raises(TimezoneRequired):
        msn.read(path)
    df = msn.read(path, tz="Europe/Berlin")
    assert df["sent_at"].tolist() == [pd.Timestamp("2024-03-13 18:05", tz="UTC"),
                                      pd.Timestamp("2024-03-14 18:05", tz="UTC")]
    assert set(df["time_basis"]) == {"local_declared"}
    assert df["sent_at_raw"].iloc[0] == "13/03/2024 19:05:00"
    assert any("dmy" in a for a in df.attrs["assumptions"])


def test_day_month_order_is_never_guessed(tmp_path: Path) -> None:
    path = _log(tmp_path, _message("03/04/2024", "19:05:00", "a"))
    with pytest.raises(DateOrderRequired):
        msn.read(path, tz="Europe/London")
    df = msn.read(path, tz="Europe/London", date_order="mdy")
    assert df["sent_at"].iloc[0] == pd.Timestamp("2024-03-04 19:05", tz="UTC")


def test_a_damaged_record_is_unparsed_and_the_rest_read(tmp_path: Path) -> None:
    broken = '<Message Date="11/03/2024" Time="19:05:00" SessionID="1"><From><User '
    path = _log(tmp_path, _message("13/03/2024", "10:00:00", "first"), broken,
                _message("13/03/2024", "10:01:00", "after"),
                '<Message Date="x"><Text>unclosed<Text></Message>')
    df = msn.read(path, tz="UTC")
    assert df["kind"].tolist() == ["text", "unparsed", "text", "unparsed"]
    assert df["body"].iloc[1] == broken.rstrip()
    assert df["body"].iloc[2] == "after"


def test_join_and_leave_are_system_rows_of_a_group(tmp_path: Path) -> None:
    join = ('<Join Date="13/03/2024" Time="10:00:00" DateTime="2024-03-13T10:00:00.000Z" '
            'SessionID="1"><User FriendlyName="Sam"/><Text>Sam has joined the conversation.'
            '</Text></Join>')
    df = msn.read(_log(tmp_path, join, _message("13/03/2024", "10:01:00", "x",
                                                ' DateTime="2024-03-13T10:01:00.000Z"')))
    assert df["kind"].tolist() == ["system", "text"]
    assert df["body"].iloc[0] == "Sam has joined the conversation."
    assert set(df["conversation_kind"]) == {"group"}


def test_entity_declarations_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.xml"
    path.write_text('<?xml version="1.0"?><!DOCTYPE Log [<!ENTITY a "aaaa">]><Log '
                    'FirstSessionID="1">' + _message("1/1/2024", "1:00:00", "&a;") + "</Log>")
    with pytest.raises(InputError, match="DOCTYPE"):
        msn.read(path, tz="UTC")


def test_sniff_is_specific(tmp_path: Path, sample: Path) -> None:
    assert msn.sniff(open_head(_log(tmp_path, _message("1/1/2024", "1:00:00", "x"))))
    assert not msn.sniff(open_head(sample / "formats/trillian/ICQ/Query/rob%5Foffender.xml"))
