"""X/Twitter archive direct messages (direct-messages.js, direct-messages-group.js)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest

from whoa_analysis import readers
from whoa_analysis.errors import InputError
from whoa_analysis.readers import twitter_dm

DANA, ROB = "twitter:1000000001", "twitter:2000000002"


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text).tz_convert("UTC")


def test_corpus_doctest_file(corpora):
    path = corpora / "twitter_dm_js/twitter-archive/direct-messages.doctest.js"
    assert readers.detect(path) == "twitter_dm"
    df = twitter_dm.read(path)
    assert len(df) == 1
    row = df.iloc[0]
    assert row["platform"] == "twitter" and row["conversation"] == "111111111-222222222"
    assert row["conversation_kind"] == "direct"
    assert row["sender"] == "twitter:111111111" and row["recipients"] == "twitter:222222222"
    assert row["platform_message_id"] == "3333333333333333333"
    assert row["sent_at"] == utc("2020-01-20T21:42:09.068Z") and row["time_basis"] == "utc"
    assert row["body"] == "Salutations!" and row["kind"] == "text"
    assert row["attachments"] == "" and row["urls"] == "" and row["reactions"] == ""
    assert row["locator"] == "json:$[0].dmConversation.messages[0]"


@pytest.fixture
def folder(sample: Path) -> Path:
    return sample / "formats/twitter"


def test_sample_direct_messages(folder):
    df = twitter_dm.read(folder / "direct-messages.js", owner=["twitter:1000000001"])
    assert len(df) == 3 and set(df["conversation_kind"]) == {"direct"}
    assert df["sender"].tolist() == [ROB, ROB, DANA]
    assert df["recipients"].tolist() == [DANA, DANA, ROB]
    assert df["from_owner"].tolist() == [False, False, True]
    media = df.iloc[1]
    # Media URLs are text: listed, never fetched.
    assert media["kind"] == "media" and media["body"] == ""
    assert media["attachments"].startswith("https://ton.twitter.com/dm/")
    assert df["reactions"].iloc[2] == "like by twitter:2000000002"
    # The archive lists a conversation newest first; rows keep the file's order.
    assert df["sent_at"].is_monotonic_decreasing


def test_sample_group_conversation_events_are_system_rows(folder):
    path = folder / "direct-messages-group.js"
    assert readers.detect(path) == "twitter_dm"
    df = twitter_dm.read(path)
    assert len(df) == 3 and set(df["conversation_kind"]) == {"group"}
    assert df["kind"].tolist() == ["system", "text", "system"]
    assert df["event"].iloc[0] == "participantsLeave userIds=1000000001"
    assert df["event"].iloc[2].startswith("joinConversation initiatingUserId=3000000003")
    assert df["sender"].iloc[2] == "twitter:3000000003"
    assert df["sender"].iloc[1] == ROB and df["recipients"].iloc[1] == ""


def test_archive_zip_reads_both_files_and_knows_the_owner(folder, tmp_path):
    packed = tmp_path / "twitter-2024-03-20.zip"
    with zipfile.ZipFile(packed, "w") as zf:
        for file in sorted(folder.glob("*.js")):
            zf.write(file, "data/" + file.name)
        zf.writestr("data/account.js", 'window.YTD.account.part0 = [{"account": '
                                       '{"accountId": "1000000001", "username": "dana_e"}}]')
    assert readers.detect(packed) == "twitter_dm"
    df = twitter_dm.read(packed)
    assert len(df) == 6
    assert df["locator"].iloc[0].startswith("zip:data/direct-messages-group.js:json:$[0]")
    assert df.loc[df["sender"] == DANA, "from_owner"].all()
    assert not df.loc[df["sender"] == ROB, "from_owner"].any()


# --- odd cases -----------------------------------------------------------------------------------

def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "direct-messages.js"
    path.write_text(text, encoding="utf-8")
    return path


def test_truncated_file_keeps_the_messages_before_the_break(folder, tmp_path):
    text = (folder / "direct-messages.js").read_text(encoding="utf-8")
    cut = text.index("Climbing on Thursday")
    df = twitter_dm.read(write(tmp_path, text[:cut]))
    assert df["kind"].tolist() == ["text", "media", "unparsed"]
    assert "breaks off" in df["warnings"].iloc[2]
    assert df["body"].iloc[2].endswith('"text": "')


def test_damaged_message_and_foreign_items(tmp_path):
    text = ('window.YTD.direct_messages.part0 = [\n'
            ' {"dmConversation": {"conversationId": "1-2", "messages": [\n'
            '  {"messageCreate": {"senderId": "1", "text": "a" "createdAt": "x"}},\n'
            '  {"messageCreate": {"senderId": "1", "recipientId": "2", "text": "b",'
            ' "createdAt": "not a time"}},\n'
            '  {"messageCreate": {"senderId": "1", "recipientId": "2", "text": "c",'
            ' "id": "9", "createdAt": "2024-03-11T20:00:00.000Z"}}]}},\n'
            ' {"somethingElse": {}}]\n')
    df = twitter_dm.read(write(tmp_path, text))
    assert df["kind"].tolist() == ["unparsed", "unparsed", "text", "unparsed"]
    assert "not valid JSON" in df["warnings"].iloc[0]
    assert "not an ISO time" in df["warnings"].iloc[1]
    assert df["locator"].iloc[3] == "json:$[1]"
    assert df["body"].iloc[2] == "c"


def test_not_an_archive_file(tmp_path):
    with pytest.raises(InputError, match="window.YTD"):
        twitter_dm.read(write(tmp_path, '[{"dmConversation": {}}]'))


def test_any_truncation_point_gives_rows_or_one_clear_error(folder, tmp_path):
    text = (folder / "direct-messages.js").read_text(encoding="utf-8")
    whole = twitter_dm.read(folder / "direct-messages.js")
    for cut in range(0, len(text), 37):
        try:
            df = twitter_dm.read(write(tmp_path, text[:cut]))
        except InputError:
            continue
        read = df[df["kind"] != "unparsed"]
        assert read["record_sha256"].tolist() == whole["record_sha256"].tolist()[:len(read)]
        assert (df["kind"] == "unparsed").sum() <= 1
