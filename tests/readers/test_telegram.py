"""Telegram Desktop readers: result.json (single chat, full export) and messages.html."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from whoa_analysis import readers
from whoa_analysis.errors import InputError, TimezoneRequired
from whoa_analysis.readers import telegram_html, telegram_json
from whoa_analysis.readers._common import open_head

UTC = "UTC"


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=UTC)


@pytest.fixture
def sample_chat(sample: Path) -> pd.DataFrame:
    return telegram_json.read(sample / "exports" / "telegram" / "result.json")


def write(tmp_path: Path, text: str, name: str = "result.json") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def single_chat(messages: list, **chat) -> str:
    doc = {"name": "X", "type": "personal_chat", "id": 2, **chat, "messages": messages}
    return json.dumps(doc, ensure_ascii=False, indent=1)


def message(i: int, text: object = "hi", **extra) -> dict:
    return {"id": i, "type": "message", "date_unixtime": str(1700000000 + i),
            "from": "A", "from_id": "user1", "text": text, **extra}


# --- the sample case's export --------------------------------------------------------------

def test_sample_rows_kinds_and_people(sample_chat: pd.DataFrame) -> None:
    df = sample_chat
    assert len(df) == 10
    assert df["kind"].value_counts().to_dict() == {"text": 7, "media": 2, "call": 1,
                                                   "deleted": 0, "system": 0, "unparsed": 0}
    assert set(df["platform"]) == {"telegram"}
    assert set(df["conversation"]) == {"Rob O"} and set(df["conversation_kind"]) == {"direct"}
    assert set(df["sender"]) == {"telegram:user1001", "telegram:user2002"}
    # The case file names people by display name: the alternative key carries it.
    assert set(df["sender_alt"]) == {"telegram:dana example", "telegram:rob o"}
    dana = df["sender"] == "telegram:user1001"
    assert dana.sum() == 1 and df.loc[dana, "from_owner"].all()
    assert not df.loc[~dana, "from_owner"].any()
    assert set(df.loc[~dana, "recipients"]) == {"telegram:user1001"}
    assert (df["warnings"] == "").all()


def test_sample_times_are_epoch_instants(sample_chat: pd.DataFrame) -> None:
    df = sample_chat
    assert set(df["time_basis"]) == {"epoch"}
    notice = ts("2024-03-10 09:00:00")
    assert (df["sent_at"] < notice).sum() == 5 and (df["sent_at"] > notice).sum() == 5
    assert df["sent_at"].iloc[0] == ts("2024-02-20 18:02:11")
    assert df["sent_at_raw"].iloc[0] == "1708452131"
    assert (df["sent_at"] == df["sent_at_latest"]).all()


def test_sample_call_edit_reply_entities_media(sample_chat: pd.DataFrame) -> None:
    df = sample_chat.set_index("telegram_id")
    call = df.loc["107"]
    assert (call["kind"], call["action"], call["discard_reason"]) == ("call", "phone_call",
                                                                      "missed")
    assert call["sender"] == "telegram:user2002" and call["sender_display"] == "Rob O"
    assert df.loc["105", "edited_at"] == ts("2024-03-09 21:04:12")
    assert df.loc["102", "in_reply_to"] == "101"
    # text as a list of strings and entities: the parts' texts concatenated, nothing added
    assert df.loc["103", "body"] == "Why are you ignoring me? Answer me."
    assert df.loc["104", "attachments"] == "photos/photo_1@02-03-2024_23-15-30.jpg"
    assert df.loc["104", "body"] == "Remember this?"
    assert df.loc["110", "kind"] == "media" and df.loc["110", "duration_s"] == 14


def test_sample_rows_hash_their_exact_bytes(sample: Path, sample_chat: pd.DataFrame) -> None:
    data = (sample / "exports" / "telegram" / "result.json").read_bytes()
    start = data.index(b'{\n   "id": 101')
    end = data.index(b"\n  }", start) + 4
    assert sample_chat["record_sha256"].iloc[0] == hashlib.sha256(data[start:end]).hexdigest()
    assert sample_chat["locator"].iloc[0] == "json:$.messages[0]"
    assert sample_chat["message_id"].is_unique


def test_sample_is_detected(sample: Path) -> None:
    assert readers.detect(sample / "exports" / "telegram" / "result.json") == "telegram_json"


# --- corpora (facts from MANIFEST.md) --------------------------------------------------------

def test_chat_analytics_dm(corpora: Path) -> None:
    path = corpora / "telegram_json" / "chat-analytics" / "DM_2A_7M.json"
    with pytest.raises(TimezoneRequired):
        telegram_json.read(path)        # some messages have only a local 'date'
    df = telegram_json.read(path, tz="Europe/London").set_index("telegram_id")
    # Upstream: 6 messages + 1 call; we also keep the 'joined_telegram' service line.
    assert len(df) == 8
    assert df.loc["2675", "kind"] == "system" and df.loc["2675", "action"] == "joined_telegram"
    messages = df[df["kind"].isin(["text", "media"])]
    assert list(messages.index) == ["3644", "3645", "3662", "3663", "3672", "3673"]
    assert set(messages["sender"]) == {"telegram:user300000000", "telegram:user700000000"}
    assert df.loc["3644", "sender"] == "telegram:user700000000"
    # Upstream textContent is ' https://google.com  👀' (its own spacing); ours is exact.
    assert df.loc["3644", "body"] == "https://google.com 👀"
    assert df.loc["3644", "time_basis"] == "local_declared"
    assert df.loc["3644", "sent_at_raw"] == "2019-07-12T16:55:32"
    assert df.loc["3644", "sent_at"] == ts("2019-07-12 15:55:32")     # BST in London
    assert df.loc["3662", "sent_at"] == pd.Timestamp(1652135033, unit="s", tz=UTC)
    assert (df.loc[["3672", "3673"], "kind"] == "media").all()
    call = df.loc["3674"]
    assert call["kind"] == "call" and call["duration_s"] == 56
    assert call["sent_at"] == pd.Timestamp(1691719862, unit="s", tz=UTC)
    assert call["sender"] == "telegram:user300000000"
    # A personal chat's id is the other person's: Bob (user700000000) is not the owner.
    assert not df.loc["3644", "from_owner"] and df.loc["3645", "from_owner"]


@pytest.mark.parametrize("name", ["test_single_export.json", "test_batch_export.json"])
def test_chat_miner_exports(corpora: Path, name: str) -> None:
    df = telegram_json.read(corpora / "telegram_json" / "chat-miner" / name)
    target = json.loads((corpora / "telegram_json" / "chat-miner" / "target.json").read_text())
    assert len(df) == len(target) == 2
    for (_, row), want in zip(df.iterrows(), target, strict=True):
        # date_unixtime is an instant; target.json writes it as UTC wall time
        assert row["sent_at"] == ts(want["timestamp"])
        assert row["sender_display"] == want["author"]
        assert row["time_basis"] == "epoch"
    assert df["body"].iloc[0] == target[0]["message"]
    # chat-miner joins entity texts with a space ('Link: https://...'); we keep them exact.
    assert target[1]["message"] == "Link: https://telegram.org/"
    assert df["body"].iloc[1] == "Link:https://telegram.org/"
    if name == "test_batch_export.json":
        assert set(df["conversation"]) == {"Chatname"}
        assert df["locator"].iloc[1] == "json:$.chats.list[0].messages[1]"


def test_langchain_result_json(corpora: Path) -> None:
    df = telegram_json.read(corpora / "telegram_json" / "langchain-community" / "result.json")
    # Upstream merges consecutive runs into 3 messages; every message stays a row here.
    assert len(df) == 4
    assert df["body"].iloc[0] == "i refuse to converse with you"
    assert list(df["sender_display"]) == ["Jimmeny Marvelton", "Batman & Robin",
                                          "Jimmeny Marvelton", "Jimmeny Marvelton"]
    assert df["sent_at"].iloc[0] == pd.Timestamp(1692821483, unit="s", tz=UTC)


def test_mojibake_names_kept_as_exported(corpora: Path) -> None:
    path = corpora / "telegram_json" / "langchain-community" / "telegram_mojibake_names.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    df = telegram_json.read(path, tz="UTC")
    assert list(df["sender_display"]) == [m["from"] for m in doc["messages"]]
    assert "\x8d" in df["sender_display"].iloc[2]
    assert set(df["conversation"]) == {doc["name"]}
    assert list(df["body"]) == ["It's 2020...", "Fireworks!", "You're a minute late!"]
    assert df["sender"].iloc[0] == "telegram:4325636679"     # numeric from_id of old exports


def test_html_corpus(corpora: Path) -> None:
    df = telegram_html.read(corpora / "telegram_html" / "langchain-community" / "messages.html")
    # Upstream drops the date divider; we keep it as a system row.
    assert len(df) == 5
    assert df["kind"].iloc[0] == "system" and df["body"].iloc[0] == "23 August 2023"
    msgs = df[df["kind"] == "text"]
    assert list(msgs["sender_display"]) == ["Jimmeny Marvelton", "Batman & Robin",
                                            "Jimmeny Marvelton", "Jimmeny Marvelton"]
    assert list(msgs["body"]) == ["i refuse to converse with you", "Hi nemesis",
                                  "we meet again", "you will not trick me this time"]
    assert set(msgs["time_basis"]) == {"offset"}
    assert msgs["sent_at"].iloc[0] == ts("2023-08-23 21:11:23")     # 13:11:23 UTC-08:00
    assert msgs["sent_at_raw"].iloc[0] == "23.08.2023 13:11:23 UTC-08:00"
    assert msgs["sender"].iloc[3] == "telegram:jimmeny marvelton"   # the 'joined' message
    assert set(msgs["conversation"]) == {"Jimmeny Marvelton"}
    assert readers.detect(corpora / "telegram_html" / "langchain-community" /
                          "messages.html") == "telegram_html"


@pytest.mark.parametrize("folder", ["discord_dce_json", "slack_export_json",
                                    "facebook_messenger_json", "instagram_json",
                                    "twitter_dm_js", "signal_txt", "imessage_html"])
def test_other_json_and_html_are_not_telegram(corpora: Path, folder: str) -> None:
    files = [p for p in (corpora / folder).rglob("*") if p.is_file()]
    assert files
    for path in files:
        head = open_head(path)
        assert not telegram_json.sniff(head), path
        assert not telegram_html.sniff(head), path


def test_every_corpus_file_detects(corpora: Path) -> None:
    for path in (corpora / "telegram_json").rglob("*.json"):
        expected = "telegram_json" if path.name != "target.json" else None
        assert telegram_json.sniff(open_head(path)) == (expected is not None), path


# --- odd cases ------------------------------------------------------------------------------

def test_text_entities_used_only_without_text(tmp_path: Path) -> None:
    msgs = [message(1, "kept", text_entities=[{"type": "plain", "text": "ignored"}]),
            {**{k: v for k, v in message(2).items() if k != "text"},
             "text_entities": [{"type": "bold", "text": "from "}, {"type": "plain",
                                                                  "text": "entities"}]}]
    df = telegram_json.read(write(tmp_path, single_chat(msgs)))
    assert list(df["body"]) == ["kept", "from entities"]


def test_damaged_message_object_is_unparsed(tmp_path: Path) -> None:
    msgs = [message(1), message(2, text=5), "not an object", message(4, text=[{"x": 1}]),
            message(5)]
    df = telegram_json.read(write(tmp_path, single_chat(msgs)))
    assert len(df) == 5
    assert list(df["kind"]) == ["text", "unparsed", "unparsed", "unparsed", "text"]
    assert all("unreadable message" in w for w in df["warnings"].iloc[1:4])
    assert df["body"].iloc[2] == '"not an object"'
    assert df["time_basis"].iloc[1] == "missing"


def test_broken_json_inside_the_array_resumes(tmp_path: Path) -> None:
    good = single_chat([message(1), message(2, "BROKEN"), message(3)])
    text = good.replace('"BROKEN"', '"BROKEN', 1).replace('"text": "BROKEN', '"text": BRO')
    df = telegram_json.read(write(tmp_path, text))
    assert list(df["kind"]) == ["text", "unparsed", "text"]
    assert "BRO" in df["body"].iloc[1] and "damaged JSON" in df["warnings"].iloc[1]
    assert df["telegram_id"].iloc[2] == "3"


def test_truncated_file_keeps_what_was_read(tmp_path: Path) -> None:
    text = single_chat([message(1), message(2), message(3, "cut here")])
    cut = text[:text.index("cut here") + 3]
    df = telegram_json.read(write(tmp_path, cut))
    assert list(df["kind"]) == ["text", "text", "unparsed"]
    assert df["body"].iloc[2].endswith('"cut')
    assert "cut off" in df["warnings"].iloc[2]
    assert df["record_sha256"].iloc[2] == hashlib.sha256(
        cut[cut.rindex("{"):].encode()).hexdigest()


def test_not_telegram_json_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        telegram_json.read(write(tmp_path, "[1, 2]"))
    with pytest.raises(InputError):
        telegram_json.read(write(tmp_path, '{"guild": {}, "channel": {}}'))


def test_local_date_dst_in_london(tmp_path: Path) -> None:
    # 2024-10-27 01:30 happened twice in London: both instants are kept.
    msgs = [{"id": 1, "type": "message", "date": "2024-10-27T01:30:00", "from": "A",
             "from_id": "user1", "text": "twice"}]
    df = telegram_json.read(write(tmp_path, single_chat(msgs)), tz="Europe/London")
    assert df["sent_at"].iloc[0] == ts("2024-10-27 00:30")
    assert df["sent_at_latest"].iloc[0] == ts("2024-10-27 01:30")
    assert "ambiguous" in df["warnings"].iloc[0]


def test_full_export_with_left_chats_and_owner(tmp_path: Path) -> None:
    doc = {"about": "x", "personal_information": {"user_id": 1, "first_name": "A"},
           "contacts": {"list": [{"first_name": "B"}]},
           "chats": {"about": "y", "list": [
               {"name": "B", "type": "personal_chat", "id": 2,
                "messages": [message(1), {**message(2), "from": "B", "from_id": "user2"}]},
               {"name": "G", "type": "private_supergroup", "id": 9, "messages": [
                   {"id": 3, "type": "service", "date_unixtime": "1700000003", "actor": "B",
                    "actor_id": "user2", "action": "invite_members", "members": ["C"],
                    "text": ""}]}]},
           "left_chats": {"about": "z", "list": [
               {"name": "Old", "type": "public_channel", "id": 7, "messages": [message(4)]}]}}
    df = telegram_json.read(write(tmp_path, json.dumps(doc)))
    assert list(df["conversation"]) == ["B", "B", "G", "Old"]
    assert list(df["conversation_kind"]) == ["direct", "direct", "group", "group"]
    assert list(df["kind"]) == ["text", "text", "system", "text"]
    assert df["action"].iloc[2] == "invite_members"
    assert list(df["from_owner"]) == [True, False, False, True]
    assert df["locator"].iloc[3] == "json:$.left_chats.list[0].messages[0]"


def test_small_chunks_give_the_same_rows(tmp_path: Path, monkeypatch) -> None:
    """Records that straddle the reading window are read whole."""
    path = write(tmp_path, single_chat([message(i, "é" * (i * 7)) for i in range(40)]))
    whole = telegram_json.read(path)
    real = telegram_json.tg.JsonStream.__init__

    def tiny(self, fh, chunk=1 << 23, max_record=1 << 26):
        real(self, fh, chunk=17, max_record=max_record)
    monkeypatch.setattr(telegram_json.tg.JsonStream, "__init__", tiny)
    chunked = telegram_json.read(path)
    pd.testing.assert_frame_equal(whole, chunked)


def test_html_without_offset_needs_zone(tmp_path: Path) -> None:
    page = ('<div class="page_wrap"><div class="page_header"><div class="content">'
            '<div class="text bold">Rob O</div></div></div><div class="history">'
            '<div class="message default clearfix" id="message5"><div class="body">'
            '<div class="pull_right date details" title="31.03.2024 01:30:00">01:30</div>'
            '<div class="from_name">Rob O</div><div class="text">line one<br>line &lt;2&gt;'
            '</div></div></div>'
            '<div class="message default clearfix joined" id="message6"><div class="body">'
            '<div class="pull_right date details" title="31.03.2024 03:10:00">03:10</div>'
            '<div class="media_wrap clearfix"><a class="photo_wrap clearfix pull_left" '
            'href="photos/photo_1.jpg"><img class="photo" src="photos/photo_1_thumb.jpg">'
            '</a></div></div></div></div></div>')
    path = write(tmp_path, page, "messages.html")
    assert readers.detect(path) == "telegram_html"
    with pytest.raises(TimezoneRequired):
        telegram_html.read(path)
    df = telegram_html.read(path, tz="Europe/London")
    assert df["body"].iloc[0] == "line one\nline <2>"
    assert set(df["sender"]) == {"telegram:rob o"}
    assert df["time_basis"].iloc[0] == "local_declared"
    # 01:30 on 31 March 2024 never happened in London: both readings kept, with a warning
    assert "non-existent" in df["warnings"].iloc[0]
    assert df["kind"].iloc[1] == "media" and df["attachments"].iloc[1] == "photos/photo_1.jpg"
    assert df["sent_at"].iloc[1] == ts("2024-03-31 02:10")


# --- the plain layout read by byte ranges (msgspec, two processes) ---------------------------
# A single-chat export as Telegram Desktop indents it is cut at message starts and read by
# several processes; anything else (or any doubt) is read by the walker. Both must give the
# walker's frame exactly.

def varied(i: int) -> dict:
    """A message of one of the shapes a real export has (text, entities, media, calls, ...)."""
    shape = i % 7
    if shape == 0:
        return message(i, ["see ", {"type": "link", "text": f"https://example.net/{i}"}, " ok"],
                       text_entities=[{"type": "plain", "text": "see "}])
    if shape == 1:
        return message(i, f"caf\u00e9 {i} \U0001F600", reply_to_message_id=i - 1,
                       edited_unixtime=str(1700000100 + i))
    if shape == 2:
        return message(i, "photo", photo=f"photos/photo_{i}.jpg", width=10, height=10)
    if shape == 3:
        return {"id": i, "type": "service", "date_unixtime": str(1700000000 + i),
                "actor": "B", "actor_id": "user2", "action": "phone_call",
                "discard_reason": "missed", "duration_seconds": i % 60, "text": ""}
    if shape == 4:
        return {**message(i, "from B"), "from": "B", "from_id": "user2",
                "forwarded_from": "C", "file": "f.pdf", "file_name": "f.pdf"}
    if shape == 5:
        return message(i, "x" * (i % 300))
    return message(i, [{"type": "bold", "text": "b"}, " tail"])


def walker_only(monkeypatch) -> None:
    """Make read() use the reference walker for every file."""
    monkeypatch.setattr(telegram_json, "_layout", lambda path: None)


def read_with(path: Path, monkeypatch, processes: str, **kw) -> pd.DataFrame:
    with monkeypatch.context() as m:
        m.setenv("WHOA_PROCESSES", processes)
        return telegram_json.read(path, **kw)


@pytest.fixture
def small_ranges(monkeypatch):
    """Several processes even for a small file (the real threshold is a few MB)."""
    monkeypatch.setattr(telegram_json._parallel, "MIN_BYTES", 64 << 10)


def test_two_processes_give_the_one_process_frame(tmp_path: Path, monkeypatch,
                                                  small_ranges) -> None:
    path = write(tmp_path, single_chat([varied(i) for i in range(6000)]))
    assert path.stat().st_size > 1 << 20
    layout = telegram_json._layout(path)
    assert layout is not None                                   # the plain layout is seen
    assert telegram_json._parallel.processes(layout.end - layout.start) >= 2
    two = read_with(path, monkeypatch, "2", owner=["A"])
    one = read_with(path, monkeypatch, "1", owner=["A"])
    pd.testing.assert_frame_equal(two, one, check_exact=True)
    walker_only(monkeypatch)
    pd.testing.assert_frame_equal(two, telegram_json.read(path, owner=["A"]), check_exact=True)
    assert list(two["locator"].iloc[[0, 5999]]) == ["json:$.messages[0]",
                                                    "json:$.messages[5999]"]
    data = path.read_bytes()
    start = data.index(b'{\n   "id": 3000,')
    end = data.index(b"\n  }", start) + 4
    assert two["record_sha256"].iloc[3000] == hashlib.sha256(data[start:end]).hexdigest()


def test_minified_export_is_read_by_the_walker(tmp_path: Path, monkeypatch,
                                               small_ranges) -> None:
    doc = {"name": "X", "type": "personal_chat", "id": 2,
           "messages": [varied(i) for i in range(3000)]}
    path = write(tmp_path, json.dumps(doc, ensure_ascii=False))
    assert telegram_json._layout(path) is None
    df = read_with(path, monkeypatch, "2")
    assert len(df) == 3000 and df["locator"].iloc[-1] == "json:$.messages[2999]"
    walker_only(monkeypatch)
    pd.testing.assert_frame_equal(df, telegram_json.read(path), check_exact=True)


def test_damage_in_one_range_falls_back_to_the_walker(tmp_path: Path, monkeypatch,
                                                      small_ranges) -> None:
    text = single_chat([varied(i) for i in range(3000)])
    text = text.replace('"text": "x', '"text": x', 1)           # one message's JSON broken
    path = write(tmp_path, text)
    assert telegram_json._layout(path) is not None              # the layout looks plain...
    df = read_with(path, monkeypatch, "2")
    assert (df["kind"] == "unparsed").sum() == 1 and len(df) == 3000
    assert "damaged JSON" in df.loc[df["kind"] == "unparsed", "warnings"].iloc[0]
    walker_only(monkeypatch)                                    # ...the walker's result
    pd.testing.assert_frame_equal(df, telegram_json.read(path), check_exact=True)


@pytest.mark.parametrize("odd", ["lone_surrogate", "invalid_utf8", "nan", "deep",
                                 "sender_order"])
def test_messages_msgspec_refuses_read_as_the_walker_does(tmp_path: Path, monkeypatch,
                                                          small_ranges, odd: str) -> None:
    msgs = [varied(i) for i in range(2000)]
    if odd == "lone_surrogate":
        msgs[1500] = message(1500, "a\udc80b")          # JSON can escape it; UTF-8 cannot
    elif odd == "nan":
        msgs[1500] = message(1500, "n", duration_seconds=float("nan"))
    elif odd == "deep":
        msgs[1500] = message(1500, "d", extra=json.loads("[" * 300 + "]" * 300))
    elif odd == "sender_order":   # null and the text "None": the walker keeps the first key
        msgs[10] = {**message(10), "from": "Z", "from_id": None}
        msgs[1500] = {**message(1500), "from": "Z", "from_id": "None"}
    data = single_chat(msgs).encode("utf-8", "surrogatepass")
    if odd == "invalid_utf8":
        data = data.replace(b'"x', b'"\xff\xe9x', 1)
    path = tmp_path / "result.json"
    path.write_bytes(data)
    df = read_with(path, monkeypatch, "2", tz="UTC")
    assert len(df) == 2000
    walker_only(monkeypatch)
    pd.testing.assert_frame_equal(df, telegram_json.read(path, tz="UTC"), check_exact=True)


# --- blocks read as columns; columns handed back through shared memory -----------------------

def test_plain_blocks_are_read_as_columns(tmp_path: Path, monkeypatch, small_ranges) -> None:
    """Messages of the common shapes never go row by row, and give the walker's frame."""
    path = write(tmp_path, single_chat([varied(i) for i in range(3000)]))

    def row_by_row(*args):
        raise AssertionError("a plain block was read row by row")
    monkeypatch.setattr(telegram_json, "_messages", row_by_row)
    for processes in ("1", "2"):
        df = read_with(path, monkeypatch, processes, owner=["B"])
        assert len(df) == 3000
        with monkeypatch.context() as m:
            walker_only(m)
            pd.testing.assert_frame_equal(df, telegram_json.read(path, owner=["B"]),
                                          check_exact=True)


@pytest.mark.parametrize(("odd", "by_rows"), [
    ({"from_id": 12}, True),                          # a number as the sender id
    ({"date_unixtime": "\u0661\u0667"}, True),        # digits, but not ASCII ones
    ({"edited_unixtime": " 1700001600"}, True),
    ({"id": 10 ** 20}, True),                         # beyond 64 bits
    ({"text": None, "text_entities": [{"type": "plain", "text": "from entities"}]}, True),
    ({"type": "other"}, True),
    ({"date_unixtime": "0" + str(1700001500)}, False),    # read alike: the text is kept
    ({"from": None, "from_id": None}, False),
])
def test_one_odd_message_sends_its_block_row_by_row(tmp_path: Path, monkeypatch, small_ranges,
                                                    odd: dict, by_rows: bool) -> None:
    msgs = [varied(i) for i in range(3000)]
    msgs[1500] = {**msgs[1500], **odd}
    path = write(tmp_path, single_chat(msgs))
    read_rows = telegram_json._messages
    blocks: list[int] = []

    def spy(block, *args):
        blocks.append(len(block))
        return read_rows(block, *args)
    monkeypatch.setattr(telegram_json, "_messages", spy)
    df = read_with(path, monkeypatch, "1", tz="UTC")
    if by_rows:
        assert len(blocks) == 1 and blocks[0] < path.stat().st_size     # that block only
    else:
        assert not blocks
    walker_only(monkeypatch)
    pd.testing.assert_frame_equal(df, telegram_json.read(path, tz="UTC"), check_exact=True)


def test_worker_columns_come_back_through_shared_memory(tmp_path: Path, monkeypatch,
                                                        small_ranges) -> None:
    path = write(tmp_path, single_chat([varied(i) for i in range(6000)]))
    unpack = telegram_json._unpack
    shipped: list[int] = []

    def spy(columns, box, sent):
        shipped.append(sent[0])
        unpack(columns, box, sent)
    monkeypatch.setattr(telegram_json, "_unpack", spy)
    two = read_with(path, monkeypatch, "2")
    assert shipped[0] == 0 and all(shipped[1:]) and len(shipped) >= 2
    one = read_with(path, monkeypatch, "1")
    pd.testing.assert_frame_equal(two, one, check_exact=True)


def test_columns_that_do_not_fit_come_back_pickled(tmp_path: Path, monkeypatch,
                                                   small_ranges) -> None:
    path = write(tmp_path, single_chat([varied(i) for i in range(6000)]))
    one = read_with(path, monkeypatch, "1")
    monkeypatch.setattr(telegram_json, "_capacity", lambda size: 4096)    # no room at all
    pd.testing.assert_frame_equal(read_with(path, monkeypatch, "2"), one, check_exact=True)


def test_undecodable_sender_id_in_a_direct_chat_is_shown_escaped(tmp_path: Path) -> None:
    # Bytes that are not UTF-8 in a sender id: the key keeps them (as lone surrogates), and
    # the frame shows them escaped with a warning, also as the other person's recipient.
    msgs = [message(1), {**message(2), "from": "B", "from_id": "user2"}]
    data = single_chat(msgs).encode("utf-8").replace(b'"user2"', b'"user\xff"')
    path = tmp_path / "result.json"
    path.write_bytes(data)
    df = telegram_json.read(path)
    assert df["sender"].iloc[1] == "telegram:user\\udcff"
    assert df["recipients"].iloc[0] == "telegram:user\\udcff"
    assert "surrogates" in df["warnings"].iloc[0] and "surrogates" in df["warnings"].iloc[1]
