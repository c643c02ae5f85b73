"""Discord: DiscordChatExporter JSON/CSV (discord_dce) and Discord's data package (discord_package)."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from whoa_analysis import readers
from whoa_analysis.errors import DateOrderRequired, InputError, TimezoneRequired
from whoa_analysis.readers import discord_dce, discord_package

NOTICE = pd.Timestamp("2024-03-10T09:00:00Z")
DANA, ROB, BACK = ("discord:100000000000000001", "discord:200000000000000002",
                   "discord:300000000000000003")


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text).tz_convert("UTC")


def dce(corpora: Path, part: str) -> pd.DataFrame:
    """Read the one corpus file whose name contains ``part`` (names hold '[', no globbing)."""
    [path] = [p for p in (corpora / "discord_dce_json").glob("*/*.json") if part in p.name]
    assert readers.detect(path) == "discord_dce"
    return discord_dce.read(path)


# --- the sample case -----------------------------------------------------------------------------

@pytest.fixture
def dm_robz(sample: Path) -> pd.DataFrame:
    return readers.read(sample / "exports/discord/dm_robz.json", owner=["discord:dana_e"])


def test_sample_dm_is_read_whole_with_ids_names_and_kinds(dm_robz):
    df = dm_robz
    assert len(df) == 10
    assert set(df["platform"]) == {"discord"} and set(df["conversation_kind"]) == {"direct"}
    assert set(df["conversation"]) == {"robz"}
    assert df["kind"].tolist() == ["text", "text", "media", "call", "text", "text", "text",
                                   "system", "text", "text"]
    assert df["sender"].tolist() == [DANA, ROB, ROB, ROB, ROB, ROB, DANA, DANA, ROB, ROB]
    # The case file names usernames (discord:robz); the id-based sender keeps the name beside it.
    assert set(df.loc[df["sender"] == ROB, "sender_alt"]) == {"discord:robz"}
    assert set(df.loc[df["sender"] == DANA, "sender_alt"]) == {"discord:dana_e"}
    assert df.loc[df["sender"] == ROB, "recipients"].eq(DANA).all()
    assert df["from_owner"].tolist() == [s == DANA for s in df["sender"]]
    assert (df["time_basis"] == "offset").all() and (df["sent_at"] < NOTICE).all()
    assert df["warnings"].eq("").all()


def test_sample_dm_call_edit_reply_and_attachment(dm_robz):
    df = dm_robz
    call = df[df["kind"] == "call"].iloc[0]
    assert call["duration_s"] == pytest.approx(755.284)
    media = df[df["kind"] == "media"].iloc[0]
    assert media["body"] == "" and media["attachments"] == "IMG_2041.jpg"
    edited = df[df["edited_at"].notna()]
    assert edited["body"].tolist() == ["Why are you ignoring me?"]
    assert edited["edited_at"].iloc[0] == utc("2024-02-27T22:48:30.004Z")
    threat = df[df["body"] == "You'll regret this."].iloc[0]
    reply = df[df["body"] == "That's not fair, Rob. I was at work."].iloc[0]
    assert reply["in_reply_to"] == threat["platform_message_id"]
    assert bool(threat["pinned"]) is True
    # The last two messages came just before the stop request (09:00 UTC).
    assert df["sent_at"].iloc[-2:].tolist() == [utc("2024-03-10T08:41:27.906Z"),
                                                utc("2024-03-10T08:52:03.020Z")]


def test_sample_new_account_after_the_request(sample):
    df = readers.read(sample / "exports/discord/dm_robz_back.json")
    assert len(df) == 4 and (df["sent_at"] > NOTICE).all()
    assert set(df["sender"]) == {BACK}
    assert set(df["sender_alt"]) == {"discord:robz_back"}
    assert set(df["sender_display"]) == {"Rob"}
    assert df["kind"].tolist() == ["text", "text", "media", "text"]
    assert df["from_owner"].isna().all()          # no owner given: not known
    assert df["recipients"].eq("").all()          # only one side wrote: the export does not say


def test_record_hash_is_of_the_exact_bytes(sample):
    path = sample / "exports/discord/dm_robz.json"
    df = discord_dce.read(path)
    text = path.read_text(encoding="utf-8")
    first = text[text.index("{", text.index('"messages"')):]
    first = first[:first.index("\n    }") + 6]
    assert df["record_sha256"].iloc[0] == hashlib.sha256(first.encode()).hexdigest()


# --- corpora: DiscordChatExporter JSON -----------------------------------------------------------

def test_corpus_dm(corpora):
    df = dce(corpora, "DM_2A_2M.json")
    assert len(df) == 3 and set(df["conversation_kind"]) == {"direct"}
    first, second, call = (df.iloc[i] for i in range(3))
    assert first["platform_message_id"] == "530805779645595660"
    assert first["sender"] == "discord:111111111111111111" and first["body"] == "blah"
    assert first["sent_at"] == utc("2019-01-04T17:52:39.762Z")
    assert first["reactions"] == "👆 x42"       # the emoji was written as JSON surrogate escapes
    assert second["sender"] == "discord:444444444444444444"
    assert second["sender_display"] == "Someones nickname"
    assert second["body"] == "something something text"
    assert second["sent_at"] == utc("2019-01-25T00:11:04.083Z")
    assert "bot" in second["warnings"]
    assert call["kind"] == "call" and call["sender"] == "discord:444444444444444444"
    assert call["sent_at"] == utc("2020-07-17T17:03:14.366Z")
    assert call["duration_s"] == pytest.approx(
        (utc("2020-07-17T21:14:52.787Z") - utc("2020-07-17T17:03:14.366Z")).total_seconds())


def test_corpus_group_dm(corpora):
    df = dce(corpora, "GC_3A_5M.json")
    # Upstream counts 3 messages and 1 call; we also keep the 2 rename/icon notices as system.
    assert len(df) == 6
    assert df["kind"].value_counts().to_dict() == {"text": 3, "system": 2, "call": 1,
                                                   "media": 0, "deleted": 0, "unparsed": 0}
    assert set(df["conversation"]) == {"a group chat"} and set(df["conversation_kind"]) == {"group"}
    reply = df[df["body"] == "woah nice :custom_emoji:"].iloc[0]
    assert reply["in_reply_to"] == "1064990824305274930"
    assert df.loc[df["sender"] == "discord:333333333333333333", "sender_display"].iloc[0] == \
        "theplant"
    call = df[df["kind"] == "call"].iloc[0]
    assert call["sent_at"] == utc("2023-03-03T14:47:59.187Z")
    # Upstream rounds the call up to 6781 s; we keep the exact difference.
    assert call["duration_s"] == pytest.approx(6780.126)
    texts = df[df["kind"] == "text"]
    assert texts["sent_at"].min().date().isoformat() == "2023-01-17"
    assert texts["sent_at"].max().date().isoformat() == "2023-01-18"


def test_corpus_server_channel_deleted_user_edit_attachments(corpora):
    df = dce(corpora, "SV_5A_5M.json")
    # Upstream lists 4 messages: the file holds the deleted user's message twice (same id).
    # We keep both records (count in = count out) and flag them.
    assert len(df) == 5 and set(df["conversation_kind"]) == {"group"}
    assert set(df["conversation"]) == {"DefleMask #general-chiptune"}
    deleted = df[df["sender"] == "discord:555555555555555555"]
    assert len(deleted) == 2
    assert set(deleted["sender_display"]) == {"Deleted User"}
    assert set(deleted["sender_alt"]) == {""}     # every deleted account has that name
    assert deleted["warnings"].str.contains("more than once").all()
    assert (deleted["edited_at"] == utc("2018-05-20T16:09:56.439Z")).all()
    no_nick = df[df["platform_message_id"] == "447793085255123004"].iloc[0]
    assert no_nick["sender_display"] == "mlomb"
    att = df[df["platform_message_id"] == "447793085255123005"].iloc[0]
    assert att["attachments"] == "unknown.png;sticker:Laugh" and att["kind"] == "text"
    react = df[df["platform_message_id"] == "447793085255123006"].iloc[0]
    assert set(react["reactions"].split(";")) == {"paul x3", "❤ x2"}
    assert (df["sent_at"].dt.date.astype(str) == "2018-05-20").all()


def test_corpus_frontend_general_channel(corpora):
    df = dce(corpora, "general [1012224565567721552].json")
    # 35 records: 31 Default + 3 GuildMemberJoin + 1 ThreadCreated (system rows kept).
    assert len(df) == 35
    assert (df["kind"] == "system").sum() == 4
    assert set(df.loc[df["kind"] == "system", "body"]) == {"Joined the server.",
                                                          "Started a thread."}
    assert (df["kind"] == "media").sum() == 3       # attachment- or sticker-only messages
    authors = set(df["sender_alt"])
    assert authors == {"discord:adam", "discord:patrick", "discord:thomas",
                       "discord:alittlespammybot"}
    assert df["sent_at"].min() == utc("2023-01-06T14:03:03.853Z")
    assert df["sent_at"].max() == utc("2023-01-06T16:05:35.86Z")   # 2-digit fraction


def test_corpus_thread_and_re_export(corpora):
    thread = dce(corpora, "Thomas is Thomas")
    assert len(thread) == 5 and (thread["in_reply_to"] != "").sum() == 2
    assert set(thread["conversation"]) == {"Example guild #general / Thomas is Thomas"}
    assert thread["sent_at"].min() == utc("2023-01-06T14:26:58.031Z")
    assert thread["sent_at"].max() == utc("2023-01-06T14:27:26.98Z")
    full = dce(corpora, "chill talk [1012224565567125544].json")
    less = dce(corpora, "without deleted message.json")
    # messageCount says 35 in both: not trusted.
    assert len(full) == 6 and len(less) == 5
    assert set(less["platform_message_id"]) < set(full["platform_message_id"])
    gone = full[~full["platform_message_id"].isin(less["platform_message_id"])]
    assert gone["sender_alt"].tolist() == ["discord:alittlespammybot"]


# --- odd cases -----------------------------------------------------------------------------------

@pytest.fixture
def sample_text(sample: Path) -> str:
    return (sample / "exports/discord/dm_robz.json").read_text(encoding="utf-8")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_truncated_json_keeps_intact_messages(tmp_path, sample_text):
    cut = sample_text.index("Fine. I'll find")
    df = discord_dce.read(write(tmp_path, "cut.json", sample_text[:cut]))
    assert len(df) == 10 and (df["kind"] != "unparsed").sum() == 9
    last = df.iloc[-1]
    assert last["kind"] == "unparsed" and "breaks off" in last["warnings"]
    assert last["body"].lstrip().startswith("{") and last["body"].endswith('"content": "')
    assert last["locator"] == "json:$.messages[9:]"


def test_missing_closing_brackets_is_an_assumption_not_a_row(tmp_path, sample_text):
    df = discord_dce.read(write(tmp_path, "cut.json", sample_text[:sample_text.rindex("]")]))
    assert len(df) == 10 and not (df["kind"] == "unparsed").any()
    assert any("breaks off" in a for a in df.attrs["assumptions"])


def test_damaged_and_foreign_records_become_unparsed_rows(tmp_path, sample_text):
    damaged = sample_text.replace('"content": "You\'ll regret this.",',
                                  '"content": "You\'ll regret this."', 1)
    damaged = damaged.replace('"messages": [', '"messages": [\n    "garbage",', 1)
    df = discord_dce.read(write(tmp_path, "bad.json", damaged))
    assert len(df) == 11
    bad = df[df["kind"] == "unparsed"]
    assert bad["locator"].tolist() == ["json:$.messages[0]", "json:$.messages[6]"]
    assert bad["body"].iloc[0] == '"garbage"'
    assert "You'll regret this." in bad["body"].iloc[1]
    assert bad["warnings"].str.len().gt(0).all()


def test_unreadable_header_is_an_input_error(tmp_path, sample_text):
    with pytest.raises(InputError, match="guild"):
        discord_dce.read(write(tmp_path, "head.json", sample_text[:150]))
    with pytest.raises(InputError):
        discord_dce.read(write(tmp_path, "list.json", "[]"))


def test_empty_channel_gives_no_rows(tmp_path):
    doc = {"guild": {"id": "0", "name": "Direct Messages"},
           "channel": {"id": "1", "type": "DirectTextChat", "name": "x"}, "messages": []}
    df = discord_dce.read(write(tmp_path, "empty.json", json.dumps(doc)))
    assert len(df) == 0 and "sender" in df


# --- DiscordChatExporter CSV ---------------------------------------------------------------------

CSV_GB = ('AuthorID,Author,Date,Content,Attachments,Reactions\n'
          '"200000000000000002","robz","27/02/2024 22:47","Why are you ignoring me?","",""\n'
          '"200000000000000002","robz","31/03/2024 01:30","two\nlines","",""\n'
          '"200000000000000002","robz","01/03/2024 08:00","",'
          '"https://cdn.discordapp.com/attachments/1/2/IMG_1.jpg",""\n')


def test_csv_needs_the_zone_and_reads_local_times(tmp_path):
    path = write(tmp_path, "Direct Messages - Private - robz [1170443058806784000].csv", CSV_GB)
    assert readers.detect(path) == "discord_dce"
    with pytest.raises(TimezoneRequired):
        discord_dce.read(path)
    df = discord_dce.read(path, tz="Europe/London")
    assert len(df) == 3 and set(df["conversation_kind"]) == {"direct"}
    assert set(df["time_basis"]) == {"local_declared"}
    assert df["sent_at"].iloc[0] == utc("2024-02-27T22:47:00Z")       # GMT, day-first inferred
    assert df["body"].iloc[1] == "two\nlines"
    # 01:30 on 31 March 2024 never happened in London: both readings kept, and said so.
    assert df["sent_at"].iloc[1] != df["sent_at_latest"].iloc[1]
    assert "non-existent" in df["warnings"].iloc[1]
    assert df["kind"].iloc[2] == "media" and df["attachments"].iloc[2] == "IMG_1.jpg"
    assert df["sender"].iloc[0] == ROB and df["sender_alt"].iloc[0] == "discord:robz"
    assert df["locator"].tolist() == ["line:2", "line:3", "line:5"]


def test_csv_day_month_order_is_never_guessed(tmp_path):
    text = ('AuthorID,Author,Date,Content,Attachments,Reactions\n'
            '"1","a#0001","03/04/2024 10:00","hi","",""\n')
    path = write(tmp_path, "chat.csv", text)
    with pytest.raises(DateOrderRequired):
        discord_dce.read(path, tz="UTC")
    df = discord_dce.read(path, tz="UTC", date_order="mdy")
    assert df["sent_at"].iloc[0] == utc("2024-03-04T10:00:00Z")
    assert df["sender_alt"].iloc[0] == "discord:a"


def test_csv_iso_offsets_and_month_names(tmp_path):
    text = ('AuthorID,Author,Date,Content,Attachments,Reactions\n'
            '"1","a","2024-02-27T22:47:09.5120000+01:00","iso","",""\n'
            '"1","a","27-Feb-24 10:47 PM","named month","",""\n'
            '"1","a","not a date","kept","",""\n'
            '"1","a"\n')
    df = discord_dce.read(write(tmp_path, "chat.csv", text), tz="Europe/London")
    assert df["time_basis"].tolist() == ["offset", "local_declared", "missing", "missing"]
    assert df["sent_at"].iloc[0] == utc("2024-02-27T21:47:09.512Z")
    assert df["sent_at"].iloc[1] == utc("2024-02-27T22:47:00Z")
    assert "cannot read the date" in df["warnings"].iloc[2] and df["body"].iloc[2] == "kept"
    assert df["kind"].iloc[3] == "unparsed"


# --- Discord data package ------------------------------------------------------------------------

def test_corpus_package_csv_with_mangled_ids(corpora):
    path = corpora / "discord_package_csv/langchain/messages.csv"
    assert readers.detect(path) == "discord_package"
    df = discord_package.read(path)
    assert len(df) == 25
    assert (df["sent_at"] == utc("2023-04-19T15:14:45.904819Z")).all()
    assert (df["time_basis"] == "offset").all()
    assert df["warnings"].eq(discord_package.MANGLED).all()
    assert df["platform_message_id"].iloc[0] == "7.73264E+18"
    assert df["from_owner"].all() and df["sender"].eq("").all()
    assert any("no owner was given" in a for a in df.attrs["assumptions"])
    # Contents kept exactly, leading and trailing spaces included.
    assert df["body"].iloc[6] == "  wwtgiqwnjgoaxfmzsmiuaxffpdtrluizcrd vborgbakllp "
    owned = discord_package.read(path, owner=["email:dana@example.org", "discord:dana_e"])
    assert owned["sender"].eq("discord:dana_e").all()
    # As the pipeline passes them: a person's identifiers without prefixes.
    bare = discord_package.read(path, owner=["dana@example.org", "+44 7700 900123",
                                             "Dana Example", "dana_e"])
    assert bare["sender"].eq("discord:dana_e").all()


def test_sample_package_folder_and_zip(sample, tmp_path):
    folder = sample / "formats/discord_package"
    assert readers.detect(folder) == "discord_package"
    df = discord_package.read(folder, owner=["discord:dana_e"])
    assert len(df) == 4 and set(df["conversation_kind"]) == {"direct"}
    assert df["kind"].tolist() == ["text", "text", "media", "text"]
    assert df["attachments"].iloc[2] == "screenshot_call_log.png"
    assert df["warnings"].tolist() == ["", "", discord_package.MANGLED, ""]
    assert df["body"].iloc[3] == "Keeping a copy of this.\nJust in case."
    assert df["locator"].iloc[3] == "messages/c123/messages.csv:line:5"
    assert df["sent_at"].iloc[0] == utc("2024-02-12T18:04:11.25Z")
    assert set(df["channel_recipients"]) == {"100000000000000001;200000000000000002"}
    packed = tmp_path / "package.zip"
    with zipfile.ZipFile(packed, "w") as zf:
        for file in sorted(folder.rglob("*")):
            zf.write(file, file.relative_to(folder).as_posix())
    assert readers.detect(packed) == "discord_package"
    z = discord_package.read(packed, owner=["discord:dana_e"])
    assert z["locator"].iloc[0] == "zip:messages/c123/messages.csv:line:2"
    assert z["record_sha256"].tolist() == df["record_sha256"].tolist()


def test_package_with_user_json_knows_the_owner_and_recipients(tmp_path):
    root = tmp_path / "package"
    (root / "account").mkdir(parents=True)
    (root / "messages/c9").mkdir(parents=True)
    (root / "account/user.json").write_text('{"id": "100000000000000001", "username": "dana_e"}')
    (root / "messages/c9/channel.json").write_text(
        '{"id": "9", "type": 1, "recipients": ["100000000000000001", "200000000000000002"]}')
    (root / "messages/c9/messages.csv").write_text(
        "ID,Timestamp,Contents,Attachments\n1,2024-03-01 08:30:12.345000+00:00,hi,\n")
    df = discord_package.read(root)
    assert df["sender"].tolist() == [DANA] and df["sender_alt"].tolist() == ["discord:dana_e"]
    assert df["recipients"].tolist() == [ROB]


def test_package_json_variant_needs_the_zone(tmp_path):
    folder = tmp_path / "messages" / "c5"
    folder.mkdir(parents=True)
    path = folder / "messages.json"
    path.write_text(json.dumps([{"ID": 11, "Timestamp": "2024-03-11 19:00:00",
                                 "Contents": "hello", "Attachments": ""}, "junk"]))
    assert readers.detect(path) == "discord_package"
    with pytest.raises(TimezoneRequired):
        discord_package.read(path)
    df = discord_package.read(path, tz="Europe/London", owner=["dana_e"])
    assert df["time_basis"].tolist() == ["local_declared", "missing"]
    assert df["sent_at"].iloc[0] == utc("2024-03-11T19:00:00Z")
    assert df["kind"].tolist() == ["text", "unparsed"]
    assert df["conversation"].iloc[0] == "c5"


def test_package_bad_rows_are_kept(tmp_path):
    path = write(tmp_path, "messages.csv", "ID,Timestamp,Contents,Attachments\n"
                                           "1,yesterday,hello,\n2,only three,cells\n")
    df = discord_package.read(path)
    assert df["kind"].tolist() == ["text", "unparsed"]
    assert "cannot read the time" in df["warnings"].iloc[0]
    assert df["time_basis"].iloc[0] == "missing"


def test_odd_shapes_inside_a_record_never_raise(tmp_path):
    doc = {"guild": {"id": "0", "name": "Direct Messages"},
           "channel": {"id": "1", "type": "DirectTextChat", "name": "x"},
           "messages": [{"id": 5, "type": "Default", "timestamp": "2024-03-11T19:00:00+00:00",
                         "content": None, "author": {"id": 200000000000000002, "name": None},
                         "attachments": 5, "stickers": "x", "reactions": {"a": 1},
                         "reference": "1", "timestampEdited": {"x": 1}}]}
    df = discord_dce.read(write(tmp_path, "odd.json", json.dumps(doc)))
    row = df.iloc[0]
    assert row["kind"] == "text" and row["sender"] == ROB and row["body"] == ""
    assert row["attachments"] == "" and row["in_reply_to"] == "" and pd.isna(row["edited_at"])


def test_any_truncation_point_gives_rows_or_one_clear_error(tmp_path, sample_text):
    """Cut the export anywhere: intact messages come back as they are, never a traceback."""
    whole = discord_dce.read(write(tmp_path, "whole.json", sample_text))
    for cut in range(0, len(sample_text), 89):
        path = write(tmp_path, "cut.json", sample_text[:cut])
        try:
            df = discord_dce.read(path)
        except InputError:
            continue
        read = df[df["kind"] != "unparsed"]
        assert read["record_sha256"].tolist() == whole["record_sha256"].tolist()[:len(read)]
        assert (df["kind"] == "unparsed").sum() <= 1
