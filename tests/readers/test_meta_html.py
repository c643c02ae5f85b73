"""Messenger / Instagram 'Download your information' HTML: sample, odd cases, shared corpora."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pytest

from whoa_analysis import readers
from whoa_analysis.errors import InputError, TimezoneRequired
from whoa_analysis.readers import meta_html
from whoa_analysis.readers._common import AMBIGUOUS, open_head

MSGVAULT = "facebook_messenger_json/msgvault"
INBOX = "your_activity_across_facebook/messages/inbox"
SAMPLE = "formats/messenger_html/message_1.html"


def _utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def _page(blocks: str, title: str = "Rob Offender",
          participants: str = "Rob Offender and Dana Example") -> str:
    return (f"<html><head><title>{title}</title></head><body><div class=\"_a706\">"
            f"<div class=\"_3b0d\">Participants: {participants}</div>{blocks}</div></body></html>")


def _block(sender: str, body: str, when: str) -> str:
    return (f'<div class="pam _3-95 _2ph- _a6-g"><div class="_a6-h">{sender}</div>'
            f'<div class="_a6-p"><div><div>{body}</div></div></div>'
            f'<div class="_a6-o"><div class="_a72d">{when}</div></div></div>')


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- the sample ----------------------------------------------------------------------------------

def test_sample_rob_writes_to_dana(sample: Path) -> None:
    df = meta_html.read(sample / SAMPLE, tz="Europe/London")
    assert len(df) == 6
    assert set(df["platform"]) == {"messenger"}
    assert set(df["conversation"]) == {"Rob Offender"}
    assert set(df["conversation_kind"]) == {"direct"}
    assert set(df["time_basis"]) == {"local_declared"}
    rob = df[df["sender"] == "messenger:rob offender"]
    assert len(rob) == 5 and (rob["recipients"] == "messenger:dana example").all()
    after = rob[rob["sent_at"] > _utc("2024-03-10 09:00")]
    assert sorted(after["kind"]) == ["call", "deleted", "media", "text"]
    # London is on GMT in March before the 31st: local times are UTC times
    assert list(after["sent_at"]) == [_utc("2024-03-14 21:15"), _utc("2024-03-12 08:02"),
                                      _utc("2024-03-11 07:50"), _utc("2024-03-11 07:45")]
    assert df["sent_at_raw"].iloc[0] == "Mar 14, 2024 9:15:00 pm"


def test_sample_text_is_unescaped_once(sample: Path) -> None:
    df = meta_html.read(sample / SAMPLE, tz="Europe/London")
    assert df["body"].iloc[0] == "Why did you block me everywhere? I'm not going away."
    dana = df[df["sender"] == "messenger:dana example"].iloc[0]
    assert dana["body"] == "Rob, you & I are done."
    assert dana["reactions"] == '["\U0001F621Rob Offender"]'
    first = df.iloc[5]
    assert first["body"].startswith("Coffee & talk? <3 See ")
    assert first["share_link"] == "https://example.com/dana-example-page"
    photo = df[df["kind"] == "media"].iloc[0]
    assert photo["body"] == ""
    assert photo["attachments"] == ("messages/inbox/roboffender_10160000000000001/photos/"
                                    "outside_your_door_1234.jpg")


def test_sample_record_hash_is_the_block_as_written(sample: Path) -> None:
    path = sample / SAMPLE
    df = meta_html.read(path, tz="Europe/London")
    # each message block of the sample is one line of the file
    lines = [ln for ln in path.read_text(encoding="utf-8").split("\n") if ln.startswith(
        '<div class="pam')]
    assert list(df["record_sha256"]) == [hashlib.sha256(ln.encode()).hexdigest() for ln in lines]
    assert df["locator"].str.fullmatch(r"html:message_1\.html:div\[\d+\]").all()
    assert df["message_id"].is_unique


def test_sample_needs_the_declared_zone(sample: Path) -> None:
    with pytest.raises(TimezoneRequired):
        meta_html.read(sample / SAMPLE)


def test_owner_marks_own_messages(sample: Path) -> None:
    df = meta_html.read(sample / SAMPLE, tz="Europe/London", owner=("Dana Example",))
    assert list(df["from_owner"]) == [False, False, False, False, True, False]


def test_instagram_path(sample: Path, tmp_path: Path) -> None:
    target = tmp_path / "your_instagram_activity/messages/inbox/rob_1/message_1.html"
    target.parent.mkdir(parents=True)
    shutil.copyfile(sample / SAMPLE, target)
    df = meta_html.read(target, tz="Europe/London")
    assert set(df["platform"]) == {"instagram"}
    assert set(df["sender"]) == {"instagram:rob offender", "instagram:dana example"}


# --- odd cases -----------------------------------------------------------------------------------

def test_thread_folder_in_numeric_order(tmp_path: Path) -> None:
    thread = tmp_path / "inbox/rob_1"
    for n, when in ((10, "Mar 3, 2024, 9:00 AM"), (2, "Mar 2, 2024, 9:00 AM"),
                    (1, "Mar 1, 2024, 9:00 AM")):
        _write(thread / f"message_{n}.html", _page(_block("Rob Offender", f"file {n}", when)))
    assert readers.detect(tmp_path) == "meta_html"
    df = readers.read(tmp_path, tz="UTC")
    assert list(df["body"]) == ["file 1", "file 2", "file 10"]
    assert df["locator"].iloc[2].startswith("html:inbox/rob_1/message_10.html:div[")


def test_dst_ambiguous_time_keeps_both_instants(tmp_path: Path) -> None:
    path = _write(tmp_path / "message_1.html",
                  _page(_block("Rob Offender", "late", "Oct 27, 2024 1:30:00 am")))
    row = meta_html.read(path, tz="Europe/London").iloc[0]
    assert row["sent_at"] == _utc("2024-10-27 00:30")
    assert row["sent_at_latest"] == _utc("2024-10-27 01:30")
    assert AMBIGUOUS in row["warnings"]


def test_unknown_time_layout_is_kept_unparsed(tmp_path: Path) -> None:
    blocks = (_block("Rob Offender", "known", "Mar 1, 2024, 9:00 AM")
              + _block("Rob Offender", "unknown", "2024-03-01T09:05"))
    df = meta_html.read(_write(tmp_path / "message_1.html", _page(blocks)), tz="UTC")
    assert list(df["kind"]) == ["text", "unparsed"]
    assert "unknown" in df["body"].iloc[1] and df["warnings"].iloc[1] != ""


def test_impossible_date_has_no_time(tmp_path: Path) -> None:
    path = _write(tmp_path / "message_1.html",
                  _page(_block("Rob Offender", "x", "Feb 30, 2024, 1:00 PM")))
    row = meta_html.read(path, tz="UTC").iloc[0]
    assert pd.isna(row["sent_at"]) and row["time_basis"] == "missing"
    assert "not a real date" in row["warnings"]


def test_group_thread_and_hostile_names(tmp_path: Path) -> None:
    body = ('<a href="../../etc/passwd">x</a><img src="https://tracker.example/p.gif">'
            "&lt;script&gt;alert(1)&lt;/script&gt;")
    path = _write(tmp_path / "message_1.html",
                  _page(_block("Rob Offender", body, "Mar 1, 2024, 9:00 AM"), title="Crew",
                        participants="Rob Offender, Sam and Dana Example"))
    row = meta_html.read(path, tz="UTC").iloc[0]
    assert row["conversation_kind"] == "group"
    assert row["recipients"] == "messenger:sam;messenger:dana example"
    assert row["attachments"] == "../../etc/passwd;https://tracker.example/p.gif"
    assert row["body"] == "x<script>alert(1)</script>"
    assert row["kind"] == "media"


def test_pretty_printed_page_and_line_breaks(tmp_path: Path) -> None:
    block = ('<div class="pam _3-95">\n  <div>Rob Offender</div>\n  <div>\n    <div>line one<br>'
             'line two</div>\n  </div>\n  <div>19 Oct 2019, 14:37</div>\n</div>')
    df = meta_html.read(_write(tmp_path / "message_1.html", _page(block)), tz="UTC")
    assert df["body"].iloc[0] == "line one\nline two"
    assert df["sent_at"].iloc[0] == _utc("2019-10-19 14:37")


def test_page_without_messages_is_an_input_error(tmp_path: Path) -> None:
    path = _write(tmp_path / "message_1.html", _page(""))
    with pytest.raises(InputError):
        meta_html.read(path, tz="UTC")


# --- shared corpora (kenn-io/msgvault testdata) --------------------------------------------------

def test_corpus_html_simple(corpora: Path) -> None:
    path = corpora / MSGVAULT / "html_simple" / INBOX / "alice_ABC123/message_1.html"
    df = meta_html.read(path, tz="UTC")
    assert len(df) == 3
    assert set(df["conversation"]) == {"Alice Example"}
    assert set(df["conversation_kind"]) == {"direct"}
    assert list(df["sender_display"]) == ["Test User", "Alice Example", "Test User"]
    assert list(df["body"]) == ["Hello", "café time?", "See you soon"]
    assert list(df["sent_at"]) == [_utc("2020-09-13 12:26"), _utc("2020-09-13 12:27"),
                                   _utc("2020-09-13 12:28")]
    assert df["recipients"].iloc[1] == "messenger:test user"


@pytest.mark.parametrize("n,raw", [(1, "Oct 19, 2019, 2:37 PM"), (2, "Oct 19, 2019 at 2:37 PM"),
                                   (3, "19 Oct 2019, 14:37")])
def test_corpus_timestamp_layouts(corpora: Path, n: int, raw: str) -> None:
    path = corpora / MSGVAULT / f"html_timestamps/layout{n}.html"
    # upstream reads these as UTC; we read them in the zone passed (UTC here, then London)
    row = meta_html.read(path, tz="UTC").iloc[0]
    assert (row["sent_at_raw"], row["body"], row["sender_display"]) == (raw, "ping", "Test User")
    assert row["sent_at"] == _utc("2019-10-19 14:37")
    assert meta_html.read(path, tz="Europe/London").iloc[0]["sent_at"] == _utc("2019-10-19 13:37")


def test_corpus_with_media(corpora: Path) -> None:
    df = meta_html.read(corpora / MSGVAULT / "html_with_media" / INBOX / "bob_XYZ789/message_1.html",
                        tz="UTC")
    assert len(df) == 1
    row = df.iloc[0]
    assert (row["kind"], row["attachments"], row["body"]) == ("media", "photos/tiny.png",
                                                              "Here's a photo")


def test_corpus_multi_media_folder(corpora: Path) -> None:
    df = readers.read(corpora / MSGVAULT / "html_multi_media", tz="UTC")
    assert list(df["body"]) == ["Hello Carol", "Check out this photo", "Nice picture"]
    assert list(df["kind"]) == ["text", "media", "text"]
    assert df["attachments"].iloc[1] == "photos/photo1.png"
    assert set(df["source_format"]) == {"meta_html"}


def test_corpus_mixed_thread(corpora: Path) -> None:
    thread = corpora / MSGVAULT / "mixed" / INBOX / "eve_MIX"
    # the folder holds the JSON flavour too: that one carries exact instants, so it wins
    assert readers.detect(thread) == "meta_json"
    df = meta_html.read(thread / "message_1.html", tz="UTC")
    assert list(df["body"]) == ["Mixed hello", "Mixed reply"]
    assert list(df["sender"]) == ["messenger:test user", "messenger:eve mixer"]


def test_exactly_one_reader_per_html_file(corpora: Path, sample: Path) -> None:
    files = sorted(p for root in (corpora, sample) for p in root.rglob("*.htm*") if p.is_file())
    assert files
    for path in files:
        head = open_head(path)
        hits = [name for name, mod in readers.READERS.items() if mod.sniff(head)]
        meta = MSGVAULT in path.as_posix() or "messenger_html" in path.as_posix()
        assert len(hits) == 1, (path, hits)
        assert (hits == ["meta_html"]) == meta, (path, hits)


def test_hostile_nesting_is_an_input_error_alone_and_a_row_in_a_folder(tmp_path: Path) -> None:
    deep = _page("<div>" * 50000 + _block("Rob Offender", "x", "Mar 1, 2024, 9:00 AM"))
    path = _write(tmp_path / "inbox/rob_1/message_1.html", deep)
    with pytest.raises(InputError):
        meta_html.read(path, tz="UTC")
    df = meta_html.read(tmp_path, tz="UTC")
    assert list(df["kind"]) == ["unparsed"]
