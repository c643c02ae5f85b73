"""Slack workspace export (zip or folder)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from whoa_analysis import readers
from whoa_analysis.errors import InputError
from whoa_analysis.readers import slack

DANA, ROB, SAM = "slack:u01dana00", "slack:u02rob000", "slack:u03sam000"


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text).tz_convert("UTC")


@pytest.fixture
def folder(sample: Path) -> Path:
    return sample / "formats/slack"


def test_sample_folder(folder):
    assert readers.detect(folder) == "slack"
    df = slack.read(folder, owner=["slack:dana.e"])
    assert len(df) == 10
    assert set(df["platform"]) == {"slack"} and set(df["time_basis"]) == {"epoch"}
    dm = df[df["conversation"] == "D01DMROB0"]
    assert set(dm["conversation_kind"]) == {"direct"}
    assert set(df.loc[df["conversation"] == "general", "conversation_kind"]) == {"group"}
    assert dm["kind"].tolist() == ["text", "text", "deleted"]
    rob = dm[dm["sender"] == ROB].iloc[0]
    assert rob["recipients"] == DANA and rob["sender_alt"] == "slack:rob.o"
    assert rob["sender_display"] == "Rob"
    assert rob["edited_at"] == utc("2024-03-11T18:00:45Z")
    # ts is kept as text and read exactly (no float rounding of the microseconds).
    assert rob["sent_at_raw"] == "1710180000.000100"
    assert rob["sent_at"] == utc("2024-03-11T18:00:00.000100Z")
    tomb = dm[dm["kind"] == "deleted"].iloc[0]
    assert tomb["sender"] == "" and "author is not in the export" in tomb["warnings"]
    assert df.loc[df["sender"] == DANA, "from_owner"].all()
    assert not df.loc[df["sender"].isin([ROB, SAM]), "from_owner"].any()


def test_sample_subtypes_threads_files_and_bots(folder):
    df = slack.read(folder)
    general = df[df["conversation"] == "general"].reset_index(drop=True)
    assert general["kind"].tolist() == ["system", "text", "text", "text", "media", "text",
                                        "system"]
    assert general["subtype"].tolist() == ["channel_join", "", "", "bot_message", "", "",
                                           "channel_leave"]
    reply = general[general["body"] == "Thanks, see you there"].iloc[0]
    assert reply["in_reply_to"] == "1707138325.000200"
    parent = general[general["platform_message_id"] == "1707138325.000200"].iloc[0]
    assert parent["in_reply_to"] == ""               # a thread's parent replies to nothing
    bot = general[general["subtype"] == "bot_message"].iloc[0]
    assert bot["sender"] == "slack:b01remind" and bot["sender_display"] == "Reminders"
    assert "bot" in bot["warnings"]
    upload = general[general["kind"] == "media"].iloc[0]
    assert upload["attachments"] == "route_map.pdf" and upload["sender"] == SAM
    assert general["locator"].iloc[0] == "general/2024-02-05.json:json:$[0]"


def test_zip_reads_like_the_folder(folder, tmp_path):
    packed = tmp_path / "Club Slack export.zip"
    with zipfile.ZipFile(packed, "w") as zf:
        for file in sorted(folder.rglob("*.json")):
            # Exports are often zipped with a top folder: the reader finds users.json below it.
            zf.write(file, "export/" + file.relative_to(folder).as_posix())
    assert readers.detect(packed) == "slack"
    z, f = slack.read(packed), slack.read(folder)
    assert z["record_sha256"].tolist() == f["record_sha256"].tolist()
    assert z["sender_display"].tolist() == f["sender_display"].tolist()
    assert z["locator"].iloc[0] == "zip:export/D01DMROB0/2024-03-01.json:json:$[0]"


def test_one_day_file(folder):
    path = folder / "general/2024-03-11.json"
    assert readers.detect(path) == "slack"
    df = slack.read(path)
    assert len(df) == 2 and df["locator"].tolist() == ["json:$[0]", "json:$[1]"]
    assert df["sender"].iloc[0] == ROB and df["sender_display"].iloc[0] == "U02ROB000"
    assert any("no users.json" in a for a in df.attrs["assumptions"])


# --- corpora -------------------------------------------------------------------------------------

def test_corpus_langchain_export(corpora):
    path = corpora / "slack_export_json/langchain-community/slack_export.zip"
    assert readers.detect(path) == "slack"
    df = slack.read(path)
    # SlackDirectoryLoader yields 5 documents; we also give 5 rows, one of them the
    # channel_join notice, kept as a system row.
    assert len(df) == 5
    assert df["kind"].value_counts()[["text", "system"]].tolist() == [4, 1]
    assert set(df["sender"]) == {"slack:u0500003428"}
    example = df[df["conversation"] == "example-channel"]
    assert example[example["kind"] == "text"]["body"].iloc[0] == "Example message"
    # The user is not in users.json: the name comes from the message's own profile.
    assert example["sender_display"].iloc[1] == "Example User"
    assert example["sender_alt"].iloc[1] == "slack:someuser"


def test_corpus_slack_export_viewer_archive(corpora):
    path = corpora / "slack_export_json/slack-export-viewer/testarchive.zip"
    df = slack.read(path)
    assert len(df) == 158
    assert df["conversation"].value_counts().to_dict() == {"enrique": 102,
                                                           "traveling-sailor": 56}
    assert df["subtype"].value_counts().to_dict() == {
        "bot_message": 94, "": 49, "channel_join": 8, "bot_add": 3, "file_share": 3,
        "file_comment": 1}
    assert df["sent_at"].min().floor("s") == utc("2016-01-15T05:55:18Z")
    assert df["sent_at"].max().floor("s") == utc("2016-03-29T12:33:06Z")
    # Every bot_message here is a GitHub card with empty text: system, card kept in card_text.
    bots = df[df["subtype"] == "bot_message"]
    assert (bots["kind"] == "system").all() and bots["card_text"].ne("").all()
    assert (df["kind"] == "media").sum() == 3
    people = df.loc[df["sender_alt"] != "", "sender_alt"]
    assert set(people) == {"slack:hamza", "slack:abilinski", "slack:doubledeez",
                           "slack:heroeshannibal"}
    assert df["edited_at"].notna().sum() == 1


# --- odd cases -----------------------------------------------------------------------------------

def export(tmp_path: Path, day_text: str) -> Path:
    root = tmp_path / "ws"
    (root / "general").mkdir(parents=True)
    (root / "users.json").write_text(json.dumps([{"id": "U1", "name": "rob.o"}]))
    (root / "channels.json").write_text(json.dumps([{"id": "C1", "name": "general"}]))
    (root / "general/2024-03-11.json").write_text(day_text, encoding="utf-8")
    return root


GOOD = '{"type": "message", "user": "U1", "text": "one", "ts": "1710183600.000100"}'


def test_truncated_day_file_keeps_what_came_before(tmp_path):
    root = export(tmp_path, f'[{GOOD},\n {{"type": "message", "user": "U1", "text": "tw')
    df = slack.read(root)
    assert df["kind"].tolist() == ["text", "unparsed"]
    assert df["body"].iloc[1].startswith('{"type": "message"')
    assert "breaks off" in df["warnings"].iloc[1]


def test_damaged_records_become_unparsed(tmp_path):
    day = f'[{GOOD}, {{"type": "message" "user": "U1"}}, "text", {{"type": "message"}}, {GOOD}]'
    df = slack.read(export(tmp_path, day))
    assert df["kind"].tolist() == ["text", "unparsed", "unparsed", "unparsed", "text"]
    assert df["locator"].iloc[1] == "general/2024-03-11.json:json:$[1]"
    assert "not valid JSON" in df["warnings"].iloc[1]
    assert "not an epoch time" in df["warnings"].iloc[3]


def test_a_folder_without_day_files_is_an_error(tmp_path):
    (tmp_path / "users.json").write_text("[]")
    with pytest.raises(InputError, match="Slack export"):
        slack.read(tmp_path)
