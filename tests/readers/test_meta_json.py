"""Messenger / Instagram 'Download your information' JSON: sample, odd cases, shared corpora."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from whoa_analysis.errors import InputError
from whoa_analysis.readers import meta_json
from whoa_analysis.readers._common import open_head

MSGVAULT = "facebook_messenger_json/msgvault"
INBOX = "your_activity_across_facebook/messages/inbox"


def _utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def _write(folder: Path, name: str, doc: object) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


# --- the sample ----------------------------------------------------------------------------------

def test_sample_instagram_thread(sample: Path) -> None:
    df = meta_json.read(sample / "formats/instagram")
    assert len(df) == 5
    assert set(df["platform"]) == {"instagram"}
    assert set(df["conversation_kind"]) == {"direct"}
    rob = df[df["sender"] == "instagram:rob offender"]
    after = rob[rob["sent_at"] > _utc("2024-03-10 09:00")]
    assert sorted(after["kind"]) == ["deleted", "text", "text"]
    assert (rob["recipients"] == "instagram:dana example").all()
    angry = df[df["sent_at"] == _utc("2024-03-12 20:15")].iloc[0]
    assert angry["body"] == "You can't ignore me forever \U0001F621"
    assert angry["body_as_exported"] == "You can't ignore me forever \u00f0\u009f\u0098\u00a1"


def test_sample_messenger_thread_two_files(sample: Path) -> None:
    df = meta_json.read(sample / "formats/messenger")
    assert len(df) == 4
    assert set(df["platform"]) == {"messenger"}
    call = df[df["kind"] == "call"].iloc[0]
    assert call["duration_s"] == 0 and bool(call["call_missed"])
    assert call["sent_at"] == _utc("2024-03-11 07:40")
    share = df[df["share_link"] != ""].iloc[0]
    assert share["body"] == "You owe me an answer, Dana."
    assert share["locator"].endswith("message_2.json:json:$.messages[1]")


# --- odd cases -----------------------------------------------------------------------------------

def test_mojibake_repaired_only_when_round_trip_is_exact(tmp_path: Path) -> None:
    doc = {"participants": [{"name": "A"}, {"name": "B"}], "messages": [
        {"sender_name": "A", "timestamp_ms": 1700000000000, "content": "caf\u00c3\u00a9"},
        # "Ã " is not UTF-8 read as latin-1: kept exactly as exported
        {"sender_name": "A", "timestamp_ms": 1700000001000, "content": "\u00c3 la carte"},
        # real non-latin-1 text cannot be mojibake
        {"sender_name": "B", "timestamp_ms": 1700000002000, "content": "\u0161\u00e9"}]}
    df = meta_json.read(_write(tmp_path, "message_1.json", doc))
    assert df["body"].tolist() == ["café", "\u00c3 la carte", "\u0161\u00e9"]
    assert df["body_as_exported"].tolist() == ["caf\u00c3\u00a9", "", ""]
    assert any("mojibake" in a for a in df.attrs["assumptions"])


def test_message_10_read_after_message_2(tmp_path: Path) -> None:
    for n in (1, 2, 10):
        _write(tmp_path, f"t/message_{n}.json", {"participants": [{"name": "A"}, {"name": "B"}],
               "messages": [{"sender_name": "A", "timestamp_ms": 1700000000000 - n,
                             "content": f"file {n}"}]})
    df = meta_json.read(tmp_path / "t")
    assert df["body"].tolist() == ["file 1", "file 2", "file 10"]
    assert df["locator"].tolist()[-1] == "file:message_10.json:json:$.messages[0]"


def test_damaged_records_become_unparsed_rows(tmp_path: Path) -> None:
    doc = {"participants": ["A", "B"], "messages": [
        "not an object", {"sender_name": "A", "timestamp_ms": "yesterday", "content": "hi"}]}
    df = meta_json.read(_write(tmp_path, "message_1.json", doc))
    assert df["kind"].tolist() == ["unparsed", "text"]
    assert df["time_basis"].tolist() == ["missing", "missing"]
    assert "epoch milliseconds" in df["warnings"].iloc[1]
    assert pd.isna(df["sent_at"].iloc[1])


def test_record_hash_is_of_the_bytes_in_the_file(tmp_path: Path) -> None:
    text = '{"messages": [ {"sender_name": "A",  "timestamp_ms": 1700000000000, "content": "x"} ]}'
    path = tmp_path / "message_1.json"
    path.write_text(text, encoding="utf-8")
    df = meta_json.read(path)
    expected = hashlib.sha256(text[15:-3].encode()).hexdigest()
    assert df["record_sha256"].iloc[0] == expected


def test_sniff_is_specific(tmp_path: Path) -> None:
    thread = _write(tmp_path, "message_1.json", {"participants": [], "messages": [
        {"sender_name": "A", "timestamp_ms": 1}]})
    other = _write(tmp_path, "other.json", {"messages": [{"from": "A", "date": "2024"}]})
    assert meta_json.sniff(open_head(thread))
    assert not meta_json.sniff(open_head(other))
    assert meta_json.sniff(open_head(tmp_path))


# --- shared corpora ------------------------------------------------------------------------------

def test_corpus_chat_analytics_bom_newest_first(corpora: Path) -> None:
    df = meta_json.read(corpora / "facebook_messenger_json/chat-analytics/2A_7M.json")
    assert len(df) == 7
    assert set(df["sender_display"]) == {"Alice", "Bob"}
    chrono = df.sort_values("sent_at")
    assert chrono["sent_at"].iloc[0] == pd.Timestamp(1415147240411, unit="ms", tz="UTC")
    assert chrono["sent_at"].iloc[-1] == pd.Timestamp(1415147732056, unit="ms", tz="UTC")
    assert chrono["kind"].tolist() == ["media"] * 4 + ["text"] * 3
    assert chrono["body"].tolist()[4:] == ["you what", "Whats up!", "Hello"]
    assert set(df["conversation_kind"]) == {"direct"}


def test_corpus_langchain(corpora: Path) -> None:
    df = meta_json.read(corpora / "facebook_messenger_json/langchain-community/facebook_chat.json")
    # upstream skips the photo-only message (10 texts); we keep it as a media row: 11
    assert len(df) == 11
    assert (df["kind"] == "text").sum() == 10
    assert df["body"].iloc[0] == "Bye!"
    # upstream prints 13:46:11 (its host's zone); the epoch ms 1675597571851 is 11:46:11 UTC
    assert df["sent_at"].iloc[0] == _utc("2023-02-05 11:46:11.851")
    last = df.iloc[-1]
    assert last["body"].startswith("Hi! Im interested in your bag")
    assert last["sent_at"].floor("s") == _utc("2023-02-04 22:17:02")


def test_corpus_msgvault_simple_mojibake(corpora: Path) -> None:
    df = meta_json.read(corpora / MSGVAULT / "json_simple" / INBOX / "alice_ABC123/message_1.json")
    assert len(df) == 3 and set(df["conversation_kind"]) == {"direct"}
    middle = df.sort_values("sent_at").iloc[1]
    assert "café" in middle["body"]
    assert len(json.loads(middle["reactions"])) == 2
    assert {r["reaction"] for r in json.loads(middle["reactions"])} == {"❤", "👍"}


def test_corpus_msgvault_group_and_multifile(corpora: Path) -> None:
    group = meta_json.read(corpora / MSGVAULT / "json_group" / INBOX / "crew_GRP123")
    assert set(group["conversation_kind"]) == {"group"} and len(group) == 3
    multi = meta_json.read(corpora / MSGVAULT / "json_multifile" / INBOX / "dave_MULTI")
    assert multi.sort_values("sent_at")["body"].str[:9].tolist() == [
        "Message A", "Message B", "Message C", "Message D"]


def test_corpus_msgvault_nontext(corpora: Path) -> None:
    df = meta_json.read(corpora / MSGVAULT / "json_nontext" / INBOX / "sam_NONTXT")
    chrono = df.sort_values("sent_at")
    # upstream renders bodies like '[call: 3m 12s]'; we keep kinds and columns instead
    assert chrono["kind"].tolist() == ["system", "media", "call", "call", "media", "media"]
    assert chrono["body"].iloc[0] == "Sam left the chat"
    assert chrono["share_link"].iloc[1] == "https://example.com/article"
    assert chrono["share_text"].iloc[1] == "Example share text"
    assert chrono["duration_s"].tolist()[2:4] == [0.0, 192.0]


def test_corpus_msgvault_media(corpora: Path) -> None:
    for name in ("json_with_media/" + INBOX + "/bob_XYZ789",
                 "json_with_media_alt/your_facebook_activity/messages/inbox/carol_ALT456"):
        df = meta_json.read(corpora / MSGVAULT / name)
        assert len(df) == 1 and df["kind"].iloc[0] == "media"
        assert df["attachments"].iloc[0].endswith("/photos/tiny.png")


def test_corpus_msgvault_corrupt_sibling_still_reads(corpora: Path) -> None:
    bad = corpora / MSGVAULT / "corrupt" / INBOX / "broken_BAD/message_1.json"
    with pytest.raises(InputError, match="invalid JSON"):
        meta_json.read(bad)
    df = meta_json.read(corpora / MSGVAULT / "corrupt")
    assert df["kind"].tolist() == ["unparsed", "text"]
    assert df["body"].iloc[1] == "Still valid"


def test_corpus_msgvault_e2ee(corpora: Path) -> None:
    base = corpora / MSGVAULT / "e2ee_simple/your_activity_across_facebook/messages"
    alice = meta_json.read(base / "alice_1.json")
    # upstream drops the unsent 'oops'; we keep it as a deleted row (3 + 1)
    assert alice["kind"].tolist() == ["text", "text", "text", "deleted"]
    assert set(alice["conversation_kind"]) == {"direct"}
    assert "café" in alice["body"].iloc[1]
    assert len(json.loads(alice["reactions"].iloc[1])) == 1
    group = meta_json.read(base / "group_2.json")
    assert set(group["conversation_kind"]) == {"group"}
    assert group["recipients"].iloc[0].count(";") == 1       # 3 participants
    assert group["attachments"].iloc[1].endswith("photo.jpg")


def test_corpus_other_msgvault_threads(corpora: Path) -> None:
    archived = meta_json.read(corpora / MSGVAULT / "json_simple")
    assert len(archived) == 4                                # inbox 3 + archived_threads 1
    mixed = meta_json.read(corpora / MSGVAULT / "mixed" / INBOX / "eve_MIX/message_1.json")
    assert mixed["body"].tolist() == ["Mixed reply", "Mixed hello"]


def test_corpus_instagram(corpora: Path) -> None:
    df = meta_json.read(corpora / "instagram_json/chat-miner/test_export.json")
    assert set(df["platform"]) == {"instagram"}
    assert df["sender_display"].tolist() == ["John Doe", "Jane Doe"]
    assert df["body"].tolist() == ["Hello Jane!", "Hello John!"]
    assert df["sent_at"].tolist() == [_utc("2020-01-17 20:49"), _utc("2019-12-24 11:23")]
    # no participants: direct or group is not guessed
    assert df["conversation_kind"].isna().all()
    # target.json is chat-miner's expected output, not an export
    with pytest.raises(InputError):
        meta_json.read(corpora / "instagram_json/chat-miner/target.json")
