"""iMessage: imessage-exporter TXT and HTML."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from whoa_analysis import readers
from whoa_analysis.errors import TimezoneRequired
from whoa_analysis.readers import imessage


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


SAMPLE = Path("formats") / "imessage" / "+447700900456.txt"


@pytest.fixture
def chat(sample: Path) -> pd.DataFrame:
    return imessage.read(sample / SAMPLE, tz="Europe/London", region="GB")


def test_sample_rows(chat: pd.DataFrame) -> None:
    assert list(chat["kind"]) == ["text", "text", "text", "deleted", "text"]
    rob = "phone:+447700900456"
    assert list(chat["sender"]) == [rob, "", rob, rob, rob]
    assert list(chat["from_owner"]) == [False, True, False, False, False]
    assert list(chat["recipients"]) == ["", rob, "", "", ""]
    assert set(chat["conversation"]) == {"+447700900456"}
    assert set(chat["conversation_kind"]) == {"direct"}
    assert chat["sent_at"].iloc[0] == ts("2024-03-09 21:15:02")
    assert chat["sent_at_raw"].iloc[0] == "Mar  9, 2024  9:15:02 PM"
    assert chat["read_receipt"].iloc[1] == "Read by them after 2 minutes, 3 seconds"
    assert chat["body"].iloc[3] == "Answer me"            # the exporter's marker line removed
    assert chat["body"].iloc[4] == "I'm not going anywhere.\nNot until you talk to me."
    assert readers.detect(Path(chat["source_path"].iloc[0])) == "imessage"


def test_zone_required(sample: Path) -> None:
    with pytest.raises(TimezoneRequired):
        imessage.read(sample / SAMPLE)


def test_txt_corpus(corpora: Path) -> None:
    path = corpora / "imessage_txt" / "imessage-exporter" / "txt_expected_blocks.txt"
    df = imessage.read(path, tz="US/Pacific")
    assert len(df) == 9
    # every block renders message.date 674526582885055488 ns after 2001-01-01 UTC
    instant = pd.Timestamp("2001-01-01", tz="UTC") + pd.Timedelta(674526582885055488, "ns")
    assert (df["sent_at"] == instant.floor("s")).all()
    assert list(df["sender_display"]) == ["Me", "Me", "Me", "Sample Contact", "Sample Contact",
                                          "Sample Contact", "Me", "Me", ""]
    assert list(df["kind"]) == ["text", "deleted", "text", "text", "text", "text", "call",
                                "system", "system"]
    assert (df.loc[df["kind"].isin(["text", "deleted"]), "body"] == "Hello world").all()
    assert df["read_receipt"].iloc[2] == "Read by them after 1 hour, 49 seconds"
    assert df["body"].iloc[7] == "You renamed the conversation to Hello world"
    assert df["body"].iloc[8] == "Name renamed the conversation to Hello world"
    assert df["sender"].iloc[3] == "imessage:sample contact"
    assert readers.detect(path) == "imessage"


def test_html_corpus(corpora: Path) -> None:
    path = corpora / "imessage_html" / "imessage-exporter" / "example.html"
    df = imessage.read(path, tz="US/Pacific", region="US")
    # 6 top-level messages, 4 threaded replies, 1 announcement
    assert len(df) == 11
    assert df["kind"].value_counts()["system"] == 1
    assert df["subject"].iloc[0] == "iMessage Data Exporter"
    assert df["sent_at"].iloc[0] == ts("2022-07-18 00:04:04")      # 5:04:04 PM PDT
    assert set(df["sender"]) - {""} == {"email:steve@icloud.com", "phone:+15558675309"}
    # six messages by Me, and 'You renamed the conversation ...'
    assert df["from_owner"].sum() == 7
    replies = df[df["in_reply_to"] != ""]
    assert len(replies) == 4
    parent = df.loc[df["sender"] == "email:steve@icloud.com", "message_id"].iloc[0]
    assert (replies["in_reply_to"].iloc[:3] == parent).all()
    bella = df[df["attachments"] == "attachments/bella.jpeg"]
    assert len(bella) == 1 and bella["body"].iloc[0].startswith("Yes, even those!")
    # the remote preview image is not an attachment, and nothing was fetched
    assert not df["attachments"].str.contains("opengraph").any()
    edited = df[df["edit_history"] != ""].iloc[0]
    assert (edited["body"], edited["edit_history"]) == ("That's amazing!", "That's amazin")
    assert df["service"].iloc[-1] == "SMS"
    assert readers.detect(path) == "imessage"


def test_header_inside_a_message_going_back_is_flagged(tmp_path: Path) -> None:
    path = tmp_path / "Rob.txt"
    path.write_text("Mar 10, 2024 10:00:00 AM\nRob\nhello\n\nMar  1, 2024  9:00:00 AM\nMe\n"
                    "I consent\n\n", encoding="utf-8")
    df = imessage.read(path, tz="Europe/London")
    assert len(df) == 2
    assert list(df["sent_at"]) == [ts("2024-03-10 10:00"), ts("2024-03-01 09:00")]
    assert df["warnings"].iloc[0] == ""
    assert "may be a line typed" in df["warnings"].iloc[1]


def test_dst_in_london(tmp_path: Path) -> None:
    path = tmp_path / "Rob.txt"
    path.write_text("Oct 27, 2024  1:30:00 AM\nRob\ntwice\n\n", encoding="utf-8")
    df = imessage.read(path, tz="Europe/London")
    assert df["sent_at"].iloc[0] == ts("2024-10-27 00:30")
    assert df["sent_at_latest"].iloc[0] == ts("2024-10-27 01:30")
