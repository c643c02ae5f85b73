"""Signal chat text: signal-export chat.md and the '[date, time] Name: text' txt layout."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from whoa_analysis import readers
from whoa_analysis.errors import TimezoneRequired
from whoa_analysis.readers import signal
from whoa_analysis.readers._common import open_head


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


@pytest.fixture
def chat(sample: Path) -> pd.DataFrame:
    return signal.read(sample / "formats" / "signal" / "chat.md", tz="Europe/London")


def test_sample_rows(chat: pd.DataFrame) -> None:
    assert list(chat["kind"]) == ["text", "text", "call", "text", "media", "deleted"]
    assert list(chat["sender"]) == ["signal:sam", "", "signal:sam", "", "", "signal:sam"]
    assert list(chat["from_owner"]) == [False, True, False, True, True, False]
    assert set(chat["conversation"]) == {"signal"}          # the folder holding chat.md
    assert set(chat["conversation_kind"]) == {"direct"}
    assert list(chat["recipients"]) == ["", "signal:sam", "", "signal:sam", "signal:sam", ""]
    assert chat["attachments"].iloc[4] == "screenshot.png"
    assert set(chat["time_basis"]) == {"local_declared"}
    assert chat["sent_at"].iloc[0] == ts("2024-03-09 18:30:12")      # GMT in March
    assert chat["sent_at_raw"].iloc[0] == "2024-03-09 18:30:12"


def test_sample_text_exact_with_continuation(sample: Path, chat: pd.DataFrame) -> None:
    # signal-export's two trailing spaces are part of the exported text: kept
    assert chat["body"].iloc[0] == "Are you OK? Rob was shouting outside the pub.  "
    assert chat["body"].iloc[3] == "Sorry, was asleep.\nHe called again from a new number.  "
    lines = (sample / "formats" / "signal" / "chat.md").read_bytes().splitlines(keepends=True)
    assert chat["locator"].iloc[3] == "line:4"
    assert chat["record_sha256"].iloc[3] == hashlib.sha256(lines[3] + lines[4]).hexdigest()
    assert readers.detect(sample / "formats" / "signal" / "chat.md") == "signal"


def test_zone_required(sample: Path) -> None:
    with pytest.raises(TimezoneRequired):
        signal.read(sample / "formats" / "signal" / "chat.md")


def test_signal_export_readme_example(corpora: Path) -> None:
    path = corpora / "signal_md" / "signal-export" / "README_example_chat.md"
    df = signal.read(path, tz="Europe/London")
    assert len(df) == 3
    assert list(df["sender_display"]) == ["Me", "Aya", "Jim"]
    assert list(df["body"]) == ["How is everyone?", "We're great!", "I'm not."]
    assert list(df["from_owner"]) == [True, False, False]       # 'Me' = account owner
    assert set(df["conversation_kind"]) == {"group"}            # two people besides Me
    assert df["sent_at"].iloc[0] == ts("2019-05-29 14:04")       # 15:04 BST
    assert readers.detect(path) == "signal"


def test_chat_miner_txt(corpora: Path) -> None:
    path = corpora / "signal_txt" / "chat-miner" / "test_export.txt"
    df = signal.read(path, tz="UTC")
    assert len(df) == 2
    assert list(df["sender_display"]) == ["Jane Doe", "John Doe"]
    assert list(df["sent_at"]) == [ts("2019-12-24 12:23"), ts("2020-01-17 21:49")]
    assert df["body"].iloc[0] == "Hello John!"
    # chat-miner joins the continuation line with a space ('Hello Jane!'); we keep the text.
    assert df["body"].iloc[1] == "Hello\nJane!"
    assert set(df["conversation_kind"]) == {"direct"}
    assert df["from_owner"].isna().all()          # no 'Me' line: the owner is not known
    assert readers.detect(path) == "signal"


def test_dst_in_london(tmp_path: Path) -> None:
    path = tmp_path / "chat.md"
    path.write_text("[2024-10-27 01:30:00] Rob: twice\n[2024-03-31 01:30:00] Rob: never\n",
                    encoding="utf-8")
    df = signal.read(path, tz="Europe/London")
    assert df["sent_at"].iloc[0] == ts("2024-10-27 00:30")
    assert df["sent_at_latest"].iloc[0] == ts("2024-10-27 01:30")
    assert "ambiguous" in df["warnings"].iloc[0]
    assert "non-existent" in df["warnings"].iloc[1]
    assert "may be forged" in df["warnings"].iloc[1]        # it also goes back in time


def test_text_before_first_header_is_unparsed(tmp_path: Path) -> None:
    path = tmp_path / "chat.md"
    path.write_text("stray\n[2024-01-02, 10:00] Rob: hi\n", encoding="utf-8")
    df = signal.read(path, tz="UTC")
    assert list(df["kind"]) == ["unparsed", "text"]
    assert df["body"].iloc[0] == "stray\n"


def test_whatsapp_files_are_not_signal(corpora: Path) -> None:
    for path in (corpora / "whatsapp").rglob("*.txt"):
        assert not signal.sniff(open_head(path)), path


def test_group_update_with_a_colon_in_its_quotes_is_a_system_line(tmp_path: Path) -> None:
    path = tmp_path / "chat.md"
    path.write_text('[2019-05-29, 15:04] Me: hi\n[2019-05-29, 15:05] Aya: yo\n'
                    '[2019-05-29, 15:06] Aya changed the group name to "Trip: May"\n',
                    encoding="utf-8")
    df = signal.read(path, tz="UTC")
    row = df.iloc[2]
    assert (row["kind"], row["sender"], row["sender_display"]) == ("system", "", "")
    assert row["body"] == 'Aya changed the group name to "Trip: May"'
    assert "rule quoted-name" in row["warnings"]
    assert set(df["sender"]) - {""} == {"signal:aya"}
