"""Google Voice (Takeout Voice/Calls): texts, groups, calls, voicemails; file, folder and zip."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest

from whoa_analysis import readers
from whoa_analysis.errors import InputError
from whoa_analysis.evidence import sha256_bytes
from whoa_analysis.readers import google_voice
from whoa_analysis.readers._common import open_head

TAKEOUT = "formats/google_voice/Takeout"
CALLS = TAKEOUT + "/Voice/Calls"
TEXT = "Rob Offender - Text - 2024-03-11T19_05_00Z.html"
COLUMNS = ["platform", "kind", "sent_at", "sender", "recipients", "body", "attachments",
           "from_owner", "record_sha256"]


def test_a_text_conversation(sample: Path) -> None:
    path = sample / CALLS / TEXT
    assert readers.detect(path) == "google_voice"
    df = google_voice.read(path, region="GB")
    assert df["kind"].tolist() == ["text", "text", "media"]
    assert df["body"].iloc[0] == ("you can't ignore me\nI know where you are "
                                  "<script>alert(1)</script>")     # entities decoded once
    assert df["sender"].tolist() == ["phone:+447700900456", "phone:+447700900123",
                                     "phone:+447700900456"]
    assert df["recipients"].tolist() == ["phone:+447700900123", "phone:+447700900456",
                                         "phone:+447700900123"]
    assert df["from_owner"].tolist() == [False, True, False]
    assert df["attachments"].iloc[2] == "Rob Offender - Text - 2024-03-11T19_05_00Z-3-1"
    assert df["sent_at"].iloc[1] == pd.Timestamp("2024-03-11 19:06", tz="UTC")
    assert set(df["time_basis"]) == {"offset"}
    assert df["sent_at_raw"].iloc[0] == "2024-03-11T19:05:00.000-00:00"
    assert df["shown_time"].iloc[0] == "Mar 11, 2024, 7:05:00\u202fPM\nGMT"   # as written
    assert set(df["platform"]) == {"sms"} and set(df["conversation"]) == {"Rob Offender"}
    assert df["locator"].tolist() == [f"html:div.message[{i}]" for i in (1, 2, 3)]
    data = path.read_text(encoding="utf-8")
    start = data.index('<div class="message">')
    end = data.index("</div>", start) + len("</div>")
    assert df["record_sha256"].iloc[0] == sha256_bytes(data[start:end].encode("utf-8"))


def test_calls_and_a_voicemail(sample: Path) -> None:
    calls = sample / CALLS
    missed = google_voice.read(calls / "Rob Offender - Missed - 2024-03-11T19_15_00Z.html")
    assert missed[["kind", "call_type", "sender", "body"]].iloc[0].tolist() == [
        "call", "missed", "phone:+447700900456", ""]
    vm = google_voice.read(calls / "Rob Offender - Voicemail - 2024-03-11T19_20_00Z.html",
                           owner=("phone:+44 7700 900123",), region="GB")
    row = vm.iloc[0]
    assert (row["call_type"], row["body"], row["duration_s"]) == (
        "voicemail", "Pick up. I know you're there.", 62)
    assert row["recipients"] == "phone:+447700900123" and row["platform"] == "phone"
    assert row["attachments"] == "Rob Offender - Voicemail - 2024-03-11T19_20_00Z.mp3"
    placed = google_voice.read(calls / "Sam - Placed - 2024-03-09T12_00_00Z.html",
                               owner=("phone:+447700900123",))
    assert placed[["sender", "recipients", "from_owner", "duration_s"]].iloc[0].tolist() == [
        "phone:+447700900123", "phone:+447700900321", True, 250]
    # the name on a placed call is the one called: never shown as the caller's name
    assert placed[["sender_display", "called_display"]].iloc[0].tolist() == ["", "Sam"]


def test_the_takeout_folder_the_calls_folder_and_the_zip_agree(sample: Path,
                                                               tmp_path: Path) -> None:
    takeout = sample / TAKEOUT
    assert readers.detect(takeout) == "google_voice"
    assert readers.detect(sample / CALLS) == "google_voice"
    folder = google_voice.read(takeout, region="GB")
    assert len(folder) == 7
    group = folder[folder["conversation_kind"] == "group"].iloc[0]
    assert group["body"] == "  Sam, ask Dana why she lies  "
    # the owner's number is learnt from their own texts, so the group's recipients include it
    assert group["recipients"] == "phone:+447700900321;phone:+447700900123"
    assert folder["locator"].str.startswith("file:Voice/Calls/").all()
    archive = tmp_path / "takeout-20240401.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in sorted(takeout.rglob("*.html")):
            zf.write(p, "Takeout/" + p.relative_to(takeout).as_posix())
    assert readers.detect(archive) == "google_voice"
    zipped = google_voice.read(archive, region="GB")
    assert zipped["locator"].str.startswith("zip:Takeout/Voice/Calls/").all()
    pd.testing.assert_frame_equal(zipped[COLUMNS], folder[COLUMNS])
    calls = google_voice.read(sample / CALLS, region="GB")
    pd.testing.assert_frame_equal(calls[COLUMNS], folder[COLUMNS])


def test_a_file_that_is_neither_is_one_unparsed_row(tmp_path: Path) -> None:
    folder = tmp_path / "Takeout" / "Voice" / "Calls"
    folder.mkdir(parents=True)
    (folder / "Bills.html").write_text("<html><body>nothing here</body></html>")
    df = google_voice.read(tmp_path / "Takeout")
    assert df["kind"].tolist() == ["unparsed"] and "neither" in df["warnings"].iloc[0]


def test_a_time_without_offset_is_not_guessed(tmp_path: Path, sample: Path) -> None:
    text = (sample / CALLS / TEXT).read_text(encoding="utf-8").replace(
        "2024-03-11T19:05:00.000-00:00", "2024-03-11T19:05:00")
    path = tmp_path / TEXT
    path.write_text(text, encoding="utf-8")
    df = google_voice.read(path)
    assert df["time_basis"].iloc[0] == "missing" and pd.isna(df["sent_at"].iloc[0])
    assert "offset" in df["warnings"].iloc[0]


def test_deep_nesting_and_stray_end_tags_are_bounded(tmp_path: Path) -> None:
    path = tmp_path / "x.html"
    path.write_text('<div class="hChatLog hfeed">' + "<div>" * 20000 + "</p>" * 20000
                    + '<div class="message"><q>deep</q></div>', encoding="utf-8")
    df = google_voice.read(path)
    assert df["body"].tolist() == ["deep"]


def test_no_voice_files_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "Takeout").mkdir()
    with pytest.raises(InputError, match="Voice"):
        google_voice.read(tmp_path / "Takeout")


def test_sniff_is_specific(sample: Path) -> None:
    assert not google_voice.sniff(open_head(sample / "formats/messenger_html/message_1.html"))
    assert not google_voice.sniff(open_head(sample / "formats/google_chat/Google Chat"))


def test_bytes_neither_utf8_nor_cp1252_keep_their_record_bytes(tmp_path: Path, sample: Path) -> None:
    """Found by the mutation fuzzer (a stray 0x81 byte): read as Latin-1, hashed as written."""
    data = (sample / CALLS / TEXT).read_bytes().replace(b'<div class="message">',
                                                        b'<div class="message"\x81>', 1)
    path = tmp_path / TEXT
    path.write_bytes(data)
    df = google_voice.read(path)
    start = data.index(b'<div class="message"\x81>')
    end = data.index(b"</div>", start) + len(b"</div>")
    assert df["record_sha256"].iloc[0] == sha256_bytes(data[start:end])
    assert any("latin-1" in a for a in df.attrs["assumptions"])
