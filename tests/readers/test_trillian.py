"""Trillian XML logs: the sample, percent-decoding, damage and refused declarations."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from whoa_analysis import readers
from whoa_analysis.errors import InputError
from whoa_analysis.evidence import sha256_bytes
from whoa_analysis.readers import trillian
from whoa_analysis.readers._common import open_head

SAMPLE = "formats/trillian/ICQ/Query/rob%5Foffender.xml"
MSG = ('<message type="incoming_privateMessage" time="1710183905" medium="ICQ" to="1" '
       'from="2" from_display="Rob" text="{text}"/>\n')


def _log(tmp_path: Path, text: str, name: str = "2.xml") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def test_sample(sample: Path) -> None:
    path = sample / SAMPLE
    assert readers.detect(path) == "trillian"
    df = trillian.read(path)
    assert df["kind"].tolist() == ["system", "text", "text", "system", "text", "system",
                                   "system"]
    texts = df[df["kind"] == "text"]
    assert texts["body"].tolist() == ["you can't hide from me <b>forever</b>",
                                      "Stop. Do not contact me.", "café tonight? 😠"]
    assert texts["text_raw"].iloc[1] == "Stop%2E%20Do%20not%20contact%20me%2E"
    assert texts["sender"].tolist() == ["im:rob_offender", "im:dana.example", "im:rob_offender"]
    assert texts["from_owner"].tolist() == [False, True, False]
    assert texts["sent_at"].iloc[1] == pd.Timestamp("2024-03-11 19:06:00.250", tz="UTC")
    assert set(df["time_basis"]) == {"epoch"}
    assert set(df["conversation"]) == {"rob_offender"}
    assert set(df["conversation_kind"]) == {"direct"}
    assert df["protocol"].iloc[0] == "AIM"
    # the record hash is over the element's own bytes in the file
    line = path.read_bytes().splitlines()[1]
    assert df["record_sha256"].iloc[1] == sha256_bytes(line)


def test_latin1_percent_bytes_are_read_and_said(tmp_path: Path) -> None:
    df = trillian.read(_log(tmp_path, MSG.format(text="caf%E9")))
    assert df["body"].iloc[0] == "café"
    assert "Latin-1" in df["warnings"].iloc[0]


def test_milliseconds_in_time_and_a_bad_time(tmp_path: Path) -> None:
    text = MSG.format(text="a").replace('"1710183905"', '"1710183905123"') \
        + MSG.format(text="b").replace('"1710183905"', '"soon"')
    df = trillian.read(_log(tmp_path, text))
    assert df["sent_at"].iloc[0] == pd.Timestamp("2024-03-11 19:05:05.123", tz="UTC")
    assert df["time_basis"].iloc[1] == "missing" and "cannot read the time" in df["warnings"].iloc[1]


def test_damaged_lines_are_unparsed_and_nothing_is_lost(tmp_path: Path) -> None:
    text = MSG.format(text="one") + '<message type="incoming_privateMessage" time="17' + "\n" \
        + MSG.format(text="two")
    df = trillian.read(_log(tmp_path, text))
    assert df["kind"].tolist() == ["text", "unparsed", "text"]
    assert df["body"].iloc[1].startswith('<message type="incoming_privateMessage" time="17')
    assert df["body"].iloc[2] == "two"


def test_group_messages_make_a_group(tmp_path: Path) -> None:
    text = MSG.format(text="hi").replace("incoming_privateMessage", "incoming_groupMessage")
    assert trillian.read(_log(tmp_path, text))["conversation_kind"].iloc[0] == "group"


def test_entity_declarations_are_refused(tmp_path: Path) -> None:
    text = '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n' + MSG.format(text="&e;")
    with pytest.raises(InputError, match="DOCTYPE"):
        trillian.read(_log(tmp_path, text))


def test_not_a_trillian_log_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="Trillian"):
        trillian.read(_log(tmp_path, "just some text\n"))


def test_sniff_is_specific(tmp_path: Path) -> None:
    assert trillian.sniff(open_head(_log(tmp_path, MSG.format(text="x"))))
    adium = '<?xml version="1.0"?><chat xmlns="http://purl.org/net/ulf/ns/0.4-02"><message sender="a" time="2014-03-16T23:55:48-0400">x</message></chat>'
    assert not trillian.sniff(open_head(_log(tmp_path, adium, "a.xml")))
