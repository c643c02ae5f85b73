"""WhatsApp 'Export chat': the sample case, every corpus file, forged headers, DST, date order."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from whoa_analysis import readers
from whoa_analysis.errors import DateOrderRequired, InputError, TimezoneRequired
from whoa_analysis.readers import _parallel, whatsapp
from whoa_analysis.readers._common import open_head

LONDON = "Europe/London"
NOTICE = pd.Timestamp("2024-03-10 09:00", tz="UTC")
MEANINGFUL = ["sent_at", "sender", "body", "kind"]


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def read(path: Path, **kw) -> pd.DataFrame:
    return whatsapp.read(path, tz=kw.pop("tz", "UTC"), **kw)


# ------------------------------------------------------------------------------ the sample case


#: The owner's identifiers as ingest passes them: the case's accounts without their prefix.
DANA = ("dana@example.org", "+44 7700 900123", "Dana Example", "dana_e", "Dana Example")


@pytest.fixture
def rob(sample: Path) -> pd.DataFrame:
    return whatsapp.read(sample / "exports" / "WhatsApp Chat with Rob.txt", tz=LONDON,
                         owner=DANA, region="GB")


def test_sample_rob_rows(rob: pd.DataFrame) -> None:
    assert len(rob) == 16
    assert list(rob["kind"]) == [
        "system", "text", "text", "text", "text", "text", "media", "text", "text",
        "text", "call", "deleted", "text", "media", "text", "system"]
    assert set(rob["conversation"]) == {"Rob"}              # from 'WhatsApp Chat with Rob.txt'
    assert set(rob["conversation_kind"]) == {"direct"}
    assert set(rob["platform"]) == {"whatsapp"}
    assert set(rob["time_basis"]) == {"local_declared"}
    senders = set(rob["sender"]) - {""}
    assert senders == {"whatsapp:rob", "whatsapp:dana example"}
    assert rob["sender"].iloc[0] == "" and rob["sender"].iloc[-1] == ""   # system lines


def test_sample_rob_times_are_gmt_in_march(rob: pd.DataFrame) -> None:
    # London is on GMT until 2024-03-31: local wall-clock time equals UTC
    assert rob["sent_at"].iloc[1] == ts("2024-02-20 18:05")
    assert rob["sent_at_raw"].iloc[1] == "20/02/2024, 18:05"
    assert (rob["sent_at"] == rob["sent_at_latest"]).all()
    assert rob.attrs["assumptions"][1].startswith("date order dmy")


def test_sample_rob_after_the_request(rob: pd.DataFrame) -> None:
    after = rob[rob["sent_at"] > NOTICE]
    from_rob = after[after["sender"] == "whatsapp:rob"]
    assert list(from_rob["kind"]) == ["text", "call", "deleted", "text", "media"]
    dana = after[after["from_owner"].fillna(False) & (after["kind"] != "system")]
    assert list(dana["body"]) == ["Please stop."]
    last = rob.iloc[-1]
    assert (last["kind"], last["body"], bool(last["from_owner"])) == (
        "system", "You blocked this contact", True)      # "You ..." lines are the owner's


def test_sample_rob_multiline_exact_with_provenance(sample: Path, rob: pd.DataFrame) -> None:
    path = sample / "exports" / "WhatsApp Chat with Rob.txt"
    lines = path.read_bytes().splitlines(keepends=True)
    row = rob.iloc[5]
    assert row["body"] == "You think you can just walk away?\nI know where you work.\nThink about that."
    assert row["locator"] == "line:6"
    assert row["record_sha256"] == hashlib.sha256(b"".join(lines[5:8])).hexdigest()
    assert rob["locator"].iloc[6] == "line:9"
    assert rob["message_id"].iloc[0].endswith(":line:1")
    assert rob["warnings"].eq("").all()
    assert readers.detect(path) == "whatsapp"


def test_sample_book_club_is_a_group(sample: Path) -> None:
    df = whatsapp.read(sample / "exports" / "WhatsApp Chat with Book Club.txt", tz=LONDON,
                       owner=DANA, region="GB")
    assert set(df["conversation"]) == {"Book Club"}
    assert set(df["conversation_kind"]) == {"group"}
    rob_after = df[(df["sender"] == "whatsapp:rob") & (df["sent_at"] > NOTICE)]
    assert len(rob_after) == 2
    assert set(df["sender"]) - {""} == {"whatsapp:priya", "whatsapp:sam", "whatsapp:rob",
                                        "whatsapp:dana example"}
    system = df[df["kind"] == "system"]
    assert list(system["body"].iloc[1:]) == ['Priya created group "Book Club"', "Priya added you",
                                             "Priya added Rob", "Priya added Sam",
                                             "Priya removed Rob"]
    assert not system["from_owner"].any()


def test_zone_is_required(sample: Path) -> None:
    with pytest.raises(TimezoneRequired):
        whatsapp.read(sample / "exports" / "WhatsApp Chat with Rob.txt")


def test_without_owner_own_messages_are_unknown(sample: Path) -> None:
    df = whatsapp.read(sample / "exports" / "WhatsApp Chat with Rob.txt", tz=LONDON)
    texts = df[df["kind"] != "system"]
    assert texts["from_owner"].isna().all()
    assert df["from_owner"].iloc[-1]                  # 'You blocked this contact' still says so


def test_zip_with_media_reads_like_the_txt(sample: Path, tmp_path: Path, rob) -> None:
    text = (sample / "exports" / "WhatsApp Chat with Rob.txt").read_bytes()
    path = tmp_path / "WhatsApp Chat - Rob.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("WhatsApp Chat with Rob.txt", text)
        zf.writestr("IMG-20240302-WA0001.jpg", b"\xff\xd8\xff")   # metadata only: never read
    df = whatsapp.read(path, tz=LONDON, owner=("Dana Example",))
    pd.testing.assert_frame_equal(df[MEANINGFUL], rob[MEANINGFUL])
    assert df["locator"].iloc[5] == "zip:WhatsApp Chat with Rob.txt:line:6"
    assert df["record_sha256"].iloc[5] == rob["record_sha256"].iloc[5]
    assert set(df["conversation"]) == {"Rob"}
    assert readers.detect(path) == "whatsapp"


def test_crlf_and_bom_keep_text_exact(sample: Path, tmp_path: Path, rob) -> None:
    text = (sample / "exports" / "WhatsApp Chat with Rob.txt").read_bytes()
    path = write(tmp_path, "WhatsApp Chat with Rob.txt",
                 b"\xef\xbb\xbf" + text.replace(b"\n", b"\r\n"))
    df = whatsapp.read(path, tz=LONDON, owner=("Dana Example",))
    assert list(df["sent_at"]) == list(rob["sent_at"])
    # the message's own line breaks are text (kept as exported); its final one is not
    assert df["body"].iloc[5] == rob["body"].iloc[5].replace("\n", "\r\n")
    assert df["body"].iloc[1] == rob["body"].iloc[1]
    lines = path.read_bytes().splitlines(keepends=True)
    assert df["record_sha256"].iloc[0] == hashlib.sha256(lines[0]).hexdigest()   # BOM included


def test_cp1252_file_is_decoded_with_a_note(tmp_path: Path) -> None:
    path = write(tmp_path, "old.txt", "13/06/2018, 21:25 - Zoë: Grüße\n".encode("cp1252"))
    df = read(path)
    assert df["body"].iloc[0] == "Grüße" and df["sender_display"].iloc[0] == "Zoë"
    assert any("decoded as cp1252" in a for a in df.attrs["assumptions"])


# ------------------------------------------------------------------------------ forged headers


def test_header_in_another_layout_stays_text_of_the_message(tmp_path: Path) -> None:
    path = write(tmp_path, "chat.txt", (
        "13/03/2024, 21:00 - Rob: look what you said\n"
        "[14/03/2024, 08:00:00] Dana Example: I love you\n"
        "13/03/2024, 21:05 - Rob: answer\n"))
    df = read(path, owner=("Dana Example",))
    assert len(df) == 2
    assert df["body"].iloc[0] == "look what you said\n[14/03/2024, 08:00:00] Dana Example: I love you"
    assert df["sender"].iloc[0] == "whatsapp:rob"
    assert not df["from_owner"].any()
    assert "another layout" in df["warnings"].iloc[0]
    assert "may be forged" not in df["warnings"].iloc[0]    # the row itself is genuinely Rob's


def test_header_in_the_layout_going_back_in_time_is_flagged(tmp_path: Path) -> None:
    path = write(tmp_path, "chat.txt", (
        "13/03/2024, 21:00 - Rob: look what you said\n"
        "01/03/2024, 08:00 - Dana Example: I love you\n"
        "13/03/2024, 21:05 - Rob: answer\n"))
    df = read(path, owner=("Dana Example",))
    assert len(df) == 3                                      # real exports do reorder: kept
    assert "may be forged" in df["warnings"].iloc[1]
    assert df["warnings"].iloc[0] == "" and df["warnings"].iloc[2] == ""
    assert df["from_owner"].iloc[1]


def test_dominant_layout_is_counted_over_the_whole_file(tmp_path: Path) -> None:
    # More than the head sample of iOS-style lines, then more Android lines than those: the
    # whole file decides, so the Android lines are the messages and the rest is kept unparsed.
    ios = "".join(f"[{1 + i % 28:02d}/02/2024, 10:{i % 60:02d}:00] Sam: padding line {i:05d} "
                  f"{'x' * 30}\n" for i in range(4700))
    android = "".join(f"{1 + i % 28:02d}/03/2024, 11:{i % 60:02d} - Rob: message {i}\n"
                      for i in range(6000))
    assert len(ios.encode()) > whatsapp.SAMPLE_BYTES
    df = read(write(tmp_path, "chat.txt", ios + android))
    assert len(df) == 6001
    assert df["kind"].iloc[0] == "unparsed" and df["body"].iloc[0] == ios[:-1]
    assert set(df["sender"].iloc[1:]) == {"whatsapp:rob"}


# ------------------------------------------------------------------------------ time and order


def test_dst_ambiguous_time_keeps_both_instants(tmp_path: Path) -> None:
    path = write(tmp_path, "chat.txt", (
        "27/10/2024, 01:50 - Rob: before the clocks go back\n"
        "27/10/2024, 01:30 - Rob: the hour again\n"
        "31/03/2024, 01:30 - Rob: a time that never happened\n"))
    df = whatsapp.read(path, tz=LONDON)
    assert df["sent_at"].iloc[1] == ts("2024-10-27 00:30")          # 01:30 BST
    assert df["sent_at_latest"].iloc[1] == ts("2024-10-27 01:30")   # 01:30 GMT
    assert "ambiguous" in df["warnings"].iloc[1]
    # the repeated hour is not mistaken for a forged line: it may be later than 01:50 BST
    assert "may be forged" not in df["warnings"].iloc[1]
    assert "non-existent" in df["warnings"].iloc[2]
    assert df["sent_at"].iloc[2] != df["sent_at_latest"].iloc[2]


def test_date_order_nothing_decides_is_refused(corpora: Path) -> None:
    # Chatistics reads '_chat 3.txt' as m/d/yy; nothing in the file decides (no field over 12,
    # and 10/11/19 reads either way), so we refuse until told, then agree with upstream.
    path = corpora / "whatsapp" / "Chatistics" / "_chat 3.txt"
    with pytest.raises(DateOrderRequired, match="date_order"):
        whatsapp.read(path, tz="UTC")
    df = whatsapp.read(path, tz="UTC", date_order="mdy")
    msgs = df[df["kind"] != "system"]          # upstream drops the two notices; we keep them
    assert [str(t)[:16] for t in msgs["sent_at"]] == [
        "2019-02-11 14:18", "2019-02-11 14:21", "2019-02-11 14:21", "2019-02-11 14:21",
        "2019-02-11 14:22", "2019-10-11 14:25", "2019-02-11 14:33", "2019-02-11 14:48",
        "2019-02-11 14:51"]
    assert (df["kind"] == "system").sum() == 2
    assert msgs["body"].iloc[3] == "Does it work with colons?: Hallelujah!"
    assert msgs["sender_display"].iloc[3] == "The final test"
    assert msgs["body"].iloc[-1].endswith("\n\n\n2/11/19: Arrival\n12/12/19: Departure")


def test_date_order_given_against_the_file_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "chat.txt", "20/01/2024, 10:00 - Rob: hi\n")
    with pytest.raises(InputError):
        read(path, date_order="mdy")
    with pytest.raises(InputError):
        read(path, date_order="ymd")
    with pytest.raises(InputError):
        read(path, date_order="yesterday")


def test_no_header_at_all_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="WhatsApp"):
        read(write(tmp_path, "notes.txt", "shopping list\nmilk\n"))


@pytest.mark.parametrize(("line", "want"), [
    ("2018. 06. 13. 21:25 - Ági: szia", "2018-06-13 21:25"),                  # Hungarian
    ("[2018-06-13 21:25:15] Ann: hej", "2018-06-13 21:25:15"),                # Swedish iOS
    ("13.06.18, 21:25 - Jörg: hallo", "2018-06-13 21:25"),                    # German
    ("13/06/2018 9:25 p.\u00a0m. - Ana: hola", "2018-06-13 21:25"),           # Spanish
    ("\u200e[13/06/2018, 9:25:15\u202fPM] Ann: hi", "2018-06-13 21:25:15"),    # iOS 17
    ("13.6.2018 klo 21.25 - Aino: moi", "2018-06-13 21:25"),                  # Finnish
])
def test_locale_layouts(tmp_path: Path, line: str, want: str) -> None:
    df = read(write(tmp_path, "chat.txt", line + "\n" + line.replace("13", "14", 1) + "\n"))
    assert len(df) == 2
    assert df["sent_at"].iloc[0] == ts(want)
    assert df["body"].iloc[0] == line.rsplit(": ", 1)[1]


def test_sender_keys(tmp_path: Path) -> None:
    path = write(tmp_path, "chat.txt", (
        "[13/06/2018, 21:25:15] \u202a+44 7700 900456\u202c: hi\n"
        "[13/06/2018, 21:26:15] ~\u202fRob O: hello\n"
        "[13/06/2018, 21:27:15] ~ Rob O: again\n"))
    df = read(path, region="GB")
    assert list(df["sender"]) == ["phone:+447700900456", "whatsapp:rob o", "whatsapp:rob o"]
    assert df["sender_display"].iloc[1] == "~\u202fRob O"       # shown as exported


# ------------------------------------------------------------------------------ corpora


def test_chatistics_eu_dates_and_bogus_header(corpora: Path) -> None:
    df = read(corpora / "whatsapp" / "Chatistics" / "_chat 2.txt", owner=("John Doe",))
    assert [str(t)[:19] for t in df["sent_at"]] == [
        "2019-09-17 16:37:47", "2019-09-17 16:38:06", "2019-09-17 16:38:59",
        "2019-09-17 16:39:52"]
    assert df["body"].iloc[0] == ("This is a message from Peter Doe\n[1.9.19, 00:00:00] Peter "
                                  "Doe: this is the second line of the first message")
    assert list(df["from_owner"]) == [False, False, True, True]


def test_chatistics_us_12h_en_dash(corpora: Path) -> None:
    df = read(corpora / "whatsapp" / "Chatistics" / "_chat 4.txt")
    assert [str(t)[:19] for t in df["sent_at"]] == [
        "2019-09-17 08:30:52", "2019-09-17 16:30:10", "2019-09-18 16:50:32"]
    assert set(df["sender"]) == {"whatsapp:john doe"}
    assert set(df["body"]) == {"US datetime format"}


def test_chatistics_ios_torture(corpora: Path) -> None:
    df = read(corpora / "whatsapp" / "Chatistics" / "_chat.txt", owner=("John Doe",))
    # upstream drops the info line '[04.01.18, 11:54:23] This is an info entry'; we keep it
    assert df["kind"].iloc[2] == "system" and df["body"].iloc[2] == "This is an info entry"
    msgs = df[df["kind"] != "system"].reset_index(drop=True)
    assert len(msgs) == 20
    assert (msgs["sender_display"].iloc[0], msgs["body"].iloc[0]) == (
        "Alice Placeholder", "This is a test message")
    assert list(msgs["from_owner"]) == [d == "John Doe" for d in msgs["sender_display"]]
    assert msgs["sender_display"].iloc[2] == "John Doe"           # the line with U+200E first
    c1 = msgs["body"].iloc[16]      # C1 control characters are text (only '\n' ends a line)
    assert c1.startswith("\x80\x81\x82\x83\x84\x86")
    assert c1.endswith("\n[1.2.2019, 00:00:00] John Doe: this line is not a message on its own")
    assert msgs["body"].iloc[18] == ("What is that?\n2/11/19, 14:48 Alice Placeholder: this is a "
                                     "message from another chat!")
    assert msgs["body"].iloc[19] == "This is the last message of this test file."


def test_chat_analytics_2a_5m(corpora: Path) -> None:
    path = corpora / "whatsapp" / "chat-analytics" / "2A_5M.txt"
    with pytest.raises(DateOrderRequired):       # 1/1/21 ... decides nothing: upstream assumes m/d
        read(path)
    df = read(path, date_order="mdy")
    assert list(df["sender_display"]) == ["A", "B", "A", "B", "A"]
    assert list(df["body"].iloc[[0, 1, 2, 4]]) == ["Hi", "Whats up?", "All good",
                                                   "This message should be reordered"]
    assert df["kind"].iloc[3] == "media" and df["body"].iloc[3] == "<media omitted>"
    # upstream reorders the last line; we keep file order and flag it
    assert df["sent_at"].iloc[4] == ts("2021-01-01 12:02")
    assert "may be forged" in df["warnings"].iloc[4]
    assert set(df["conversation_kind"]) == {"direct"}


@pytest.mark.parametrize("name", ["4A_11M.txt", "4A_11M.zip"])
def test_chat_analytics_4a_11m(corpora: Path, name: str) -> None:
    path = corpora / "whatsapp" / "chat-analytics" / name
    with pytest.raises(DateOrderRequired):       # 12/9/20: 12 is not over 12: nothing decides
        read(path)
    df = read(path, date_order="dmy")            # upstream: day first, 12 September 2020
    msgs = df[df["kind"] != "system"]
    assert len(msgs) == 11
    assert list(df["body"][df["kind"] == "system"].str[:20]) == [
        "Messages and calls a", 'Alice created group ', "Alice added you"]
    assert set(msgs["sender_display"]) == {"Alice", "Bob", "Eve", "Mallory", "Trent"}
    assert set(df["conversation_kind"]) == {"group"}
    boiii = msgs[msgs["body"] == "boiii"]
    assert list(boiii["sender_display"]) == ["Alice"]
    assert boiii["sent_at"].iloc[0] == ts("2020-09-12 23:55")
    trent = msgs[msgs["body"] == "👩🏻‍⚖️"]
    assert list(trent["sender_display"]) == ["Trent"]
    if name.endswith(".zip"):
        assert df["locator"].iloc[0] == "zip:_chat.txt:line:1"
        assert set(df["conversation"]) == {"4A_11M"}


def test_chat_miner_five_layouts_one_table(corpora: Path) -> None:
    folder = corpora / "whatsapp" / "chat-miner"
    names = ["test_[mmddyy]_24hrs.txt", "test_ddmmyy_24hrs.txt", "test_mmddyy_24hrs.txt",
             "test_mmddyyyy_12hrs.txt", "test_yyyymmdd_24hrs.txt"]
    tables = [read(folder / n)[MEANINGFUL] for n in names]
    for table in tables[1:]:
        pd.testing.assert_frame_equal(table, tables[0])
    target = json.loads((folder / "target.json").read_text(encoding="utf-8"))
    ours = tables[0]
    texts = ours[ours["kind"] == "text"]
    got = {(str(t)[:16].replace(" ", "T"), s, b.replace("\n", " "))      # upstream joins lines
           for t, s, b in zip(texts["sent_at"], texts["sender"], texts["body"], strict=True)}
    want = {(m["timestamp"][:16], "whatsapp:" + m["author"].casefold(), m["message"])
            for m in target}
    assert got == want
    # upstream drops these three; we keep them as system lines ('John Doe:.' has no 'Name: ')
    assert list(ours["body"][ours["kind"] == "system"]) == [
        "John Doe:.", '+12 345 578 created group "Groupname"', "You were added"]


def test_langchain_ios_loader(corpora: Path) -> None:
    df = read(corpora / "whatsapp" / "langchain-community" / "whatsapp_chat_loader.txt")
    assert df["kind"].iloc[0] == "system"        # the notice, written as if Dr. Feather sent it
    assert df["sender"].iloc[0] == "" and df["sender_display"].iloc[0] == "Dr. Feather"
    first = df[df["kind"] == "text"].iloc[0]
    assert first["sender"] == "whatsapp:dr. feather"
    assert "I spotted a rare Hyacinth Macaw yesterday in the Amazon Rainforest. Such a " \
           "magnificent creature!" in first["body"]
    assert (df["kind"] == "media").sum() == 3
    assert df["sent_at"].iloc[-1] == ts("2023-08-15 21:25:16")


def test_langchain_mixed_formats(corpora: Path) -> None:
    # upstream reads 8 messages in 8 layouts from one file; a real export has one layout, so
    # ours reads the dominant one (m/d/yy 12h Android, 5 lines) and keeps the rest as text
    path = corpora / "whatsapp" / "langchain-community" / "whatsapp_chat_mixed_formats.txt"
    df = read(path)
    assert list(df["kind"]) == ["unparsed", "text", "text", "text", "media", "deleted"]
    assert df["body"].iloc[0] == ("[05.05.23, 15:48:11] James: Hi here\n"
                                  "[11/8/21, 9:41:32 AM] User name: Message 123")
    assert df["body"].iloc[1].startswith("Bye!\n1/23/23, 3:22_AM - User 1:")
    assert "[2023/5/4, 16:13:23] ~ User 2: See you!" in df["body"].iloc[1]
    assert list(df["sent_at_raw"].iloc[2:4]) == ["7/19/22, 11:32\u202fPM", "7/20/22, 11:32\u202fam"]
    assert df["sent_at"].iloc[3] == ts("2022-07-20 11:32")
    text = path.read_text(encoding="utf-8")
    assert all(b in text for b in df["body"])                # nothing lost, nothing altered


def test_whatsapp_chat_parser_attachments(corpora: Path) -> None:
    df = read(corpora / "whatsapp" / "whatsapp-chat-parser" / "attachment_lines.txt",
              date_order="dmy")
    assert list(df["attachments"]) == [
        "00000042-PHOTO-2020-06-07-15-13-20.jpg", "IMG-20210428-WA0001.jpg",
        "2015-08-04-PHOTO-00004762.jpg", "4f2680f1db95a8454775cc2eefc95bfc.jpg"]
    assert set(df["kind"]) == {"media"}
    assert df["body"].iloc[3].endswith("(Datei angehängt)\nDir auch frohe Ostern.")


def test_whatsapp_chat_parser_date_formats(corpora: Path, tmp_path: Path) -> None:
    # upstream parses each line on its own; so do we (each line is its own file here)
    path = corpora / "whatsapp" / "whatsapp-chat-parser" / "date_formats_lines.txt"
    lines = [x for x in path.read_bytes().split(b"\n") if x]
    assert len(lines) == 12
    for n, line in enumerate(lines, start=1):
        one = write(tmp_path, f"line{n}.txt", line + b"\n")
        if n in (1, 2, 7, 8, 11, 12):       # 3/6/18: nothing decides; upstream reads day first
            with pytest.raises(DateOrderRequired):
                read(one)
            df, want = read(one, date_order="dmy"), ts("2018-06-03 13:55")
        else:
            df, want = read(one), ts("2018-06-13 21:25:15")
        assert len(df) == 1, n
        assert df["sent_at"].iloc[0] == want, n
        assert (df["sender_display"].iloc[0], df["body"].iloc[0]) == ("a", "m"), n


def test_whatsapp_chat_parser_index_example(corpora: Path) -> None:
    df = read(corpora / "whatsapp" / "whatsapp-chat-parser" / "index_chatExample.txt",
              date_order="dmy")
    assert len(df) == 5
    assert list(df["kind"]) == ["system", "system", "text", "text", "text"]
    assert df["from_owner"].iloc[1]                          # 'You created group ...'
    assert set(df["conversation_kind"]) == {"group"}
    assert df["sender"].iloc[4] == "phone:+41123456789"        # E.164 drops the trunk 0
    assert df["sender_display"].iloc[4] == "+410123456789"
    # upstream expects 'How are you?\n\nIs everything alright?\n': the last line's own line
    # break ends the line; it is not part of the message text (it is in the record's hash)
    assert df["body"].iloc[4] == "How are you?\n\nIs everything alright?"


def test_whatstk_lorem(corpora: Path) -> None:
    df = read(corpora / "whatsapp" / "whatstk" / "lorem.txt")
    assert df["sent_at"].min() == ts("2020-01-15 02:22:56")
    assert df["sent_at"].max() == ts("2020-05-11 22:32:48")
    assert sorted(set(df["sender_display"])) == ["+1 123 456 789", "Giuseppe", "John", "Mary"]
    assert "phone:+1123456789" in set(df["sender"])
    # whatstk strips the trailing space; we keep text as exported
    assert df["body"].iloc[0] == "Nostrud exercitation magna id. "
    assert df["body"].iloc[1] == "Non elit irure irure pariatur exercitation. 🇩🇰"
    assert df["kind"].eq("text").all()


def test_whatstk_pokemon_system_lines(corpora: Path) -> None:
    df = read(corpora / "whatsapp" / "whatstk" / "pokemon.txt")
    shown_as_chat = df[df["sender_display"] == "Pokemon Chat"]
    assert len(shown_as_chat) == 1 and set(shown_as_chat["kind"]) == {"system"}
    assert list(df["kind"].iloc[:2]) == ["system", "system"]
    assert (df["kind"] == "text").sum() == 18
    assert set(df["conversation_kind"]) == {"group"}


def test_every_corpus_file_is_recognised_and_nothing_else(corpora: Path) -> None:
    for path in sorted((corpora / "whatsapp").rglob("*")):
        if path.suffix in (".txt", ".zip"):
            assert readers.detect(path) == "whatsapp", path
    signal = corpora / "signal_txt" / "chat-miner" / "test_export.txt"
    assert not whatsapp.sniff(open_head(signal))          # Signal's own '[yyyy-mm-dd, HH:MM]'


@pytest.mark.parametrize("name", [
    "Chatistics/_chat.txt", "Chatistics/_chat 3.txt", "whatstk/lorem.txt",
    "langchain-community/whatsapp_chat_mixed_formats.txt", "chat-analytics/2A_5M.txt"])
def test_every_record_hash_is_of_its_own_lines(corpora: Path, name: str, monkeypatch) -> None:
    monkeypatch.setattr(whatsapp, "_HASHED_AT_ONCE", 7)     # records hashed 7 at a time
    path = corpora / "whatsapp" / name
    df = read(path, date_order="mdy" if "_chat 3" in name or "2A_5M" in name else None)
    lines = path.read_bytes().split(b"\n")
    starts = [int(loc.rsplit(":", 1)[1]) for loc in df["locator"]] + [len(lines) + 1]
    for row, (a, b) in enumerate(zip(starts[:-1], starts[1:], strict=True)):
        raw = b"\n".join(lines[a - 1:b - 1]) + (b"\n" if b - 1 < len(lines) else b"")
        if b == len(lines) + 1:                     # the last record: up to the end of file
            raw = b"\n".join(lines[a - 1:])
        assert df["record_sha256"].iloc[row] == hashlib.sha256(raw).hexdigest(), (name, row)


# ------------------------------------------------------------------------------ several processes


def _both(path: Path, monkeypatch: pytest.MonkeyPatch, **kw) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The file read in one process, then in two (ranges as small as the file allows)."""
    monkeypatch.setattr(_parallel, "MIN_BYTES", 64)
    monkeypatch.setenv("WHOA_PROCESSES", "1")
    one = read(path, **kw)
    monkeypatch.setenv("WHOA_PROCESSES", "2")
    return one, read(path, **kw)


def _chat(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


def test_two_processes_read_exactly_as_one(tmp_path: Path, monkeypatch, sample: Path) -> None:
    calls = []
    real = _parallel.run
    monkeypatch.setattr(_parallel, "run",
                        lambda f, jobs, **kw: calls.append(len(jobs)) or real(f, jobs, **kw))
    text = (sample / "exports" / "WhatsApp Chat with Book Club.txt").read_bytes()
    path = write(tmp_path, "WhatsApp Chat with Book Club.txt", b"\xef\xbb\xbf" + text)
    one, two = _both(path, monkeypatch, owner=DANA, region="GB")
    assert calls == [2]                                      # really read in two ranges
    pd.testing.assert_frame_equal(one, two)
    assert one.attrs == two.attrs
    assert set(two["conversation_kind"]) == {"group"}


def test_line_breaks_and_colons_found_slice_by_slice_read_the_same(tmp_path: Path, monkeypatch,
                                                                  sample: Path) -> None:
    # Line breaks and name colons are found a few MB at a time; with slices of a few bytes
    # they fall on every kind of slice edge, and the frame must not change.
    text = (sample / "exports" / "WhatsApp Chat with Book Club.txt").read_bytes()
    path = write(tmp_path, "WhatsApp Chat with Book Club.txt", b"\xef\xbb\xbf" + text)
    whole = read(path, owner=DANA, region="GB")
    for size in (1, 7, 64):
        monkeypatch.setattr(whatsapp, "_SLICE", size)
        pd.testing.assert_frame_equal(read(path, owner=DANA, region="GB"), whole)


def test_forged_line_right_at_a_range_edge(tmp_path: Path, monkeypatch) -> None:
    # The second range starts exactly at the line that goes back in time: it must still be
    # compared with the last time of the first range.
    first = [f"13/03/2024, 21:{i:02d} - Rob: message {i} {'x' * 40}" for i in range(20)]
    forged = "01/03/2024, 08:00 - Dana Example: I love you"
    path = write(tmp_path, "chat.txt", _chat(first + [forged, "13/03/2024, 22:00 - Rob: ok"]))
    monkeypatch.setattr(_parallel, "cut", lambda size, parts, next_start, **_: [
        (0, next_start(len(_chat(first)))), (next_start(len(_chat(first))), size)])
    one, two = _both(path, monkeypatch, owner=("Dana Example",))
    pd.testing.assert_frame_equal(one, two)
    assert "may be forged" in two["warnings"].iloc[20]
    assert two["locator"].iloc[20] == "line:21"
    assert two["warnings"].iloc[21] == ""


def test_dominant_layout_only_seen_across_ranges(tmp_path: Path, monkeypatch) -> None:
    # The head is iOS, but more Android lines follow (in the second range): the whole file
    # decides, in two processes as in one; the iOS lines are kept as text before the first.
    ios = _chat([f"[{1 + i % 28:02d}/02/2024, 10:{i % 60:02d}:00] Sam: padding {i:05d}"
                 for i in range(40)])
    android = _chat([f"{1 + i % 28:02d}/03/2024, 11:{i % 60:02d} - Rob: message {i}"
                     for i in range(60)])
    monkeypatch.setattr(whatsapp, "SAMPLE_BYTES", len(ios) // 2)
    path = write(tmp_path, "chat.txt", ios + android)
    one, two = _both(path, monkeypatch)
    pd.testing.assert_frame_equal(one, two)
    assert len(two) == 61 and two["body"].iloc[0] == ios[:-1]
    assert set(two["sender"].iloc[1:]) == {"whatsapp:rob"}


def test_date_order_told_by_one_range_only(tmp_path: Path, monkeypatch) -> None:
    # The first range has no day over 12 (it cannot tell the order itself); the second does.
    early = [f"0{1 + i % 9}/0{1 + i % 9}/2024, 10:{i:02d} - Rob: early {i}" for i in range(30)]
    late = [f"{13 + i % 15}/05/2024, 11:{i:02d} - Rob: late {i}" for i in range(30)]
    path = write(tmp_path, "chat.txt", _chat(early + late))
    one, two = _both(path, monkeypatch)
    pd.testing.assert_frame_equal(one, two)
    assert two["sent_at"].iloc[30] == ts("2024-05-13 11:00")     # 13 May, not 5 Jan 2025
    assert any(a.startswith("date order dmy") for a in two.attrs["assumptions"])


def test_not_utf8_in_one_range_decodes_the_whole_file_one_way(tmp_path: Path,
                                                              monkeypatch) -> None:
    lines = [f"13/06/2018, 21:{i:02d} - Zoë: Grüße {i}" for i in range(40)]
    path = write(tmp_path, "old.txt", _chat(lines).encode("cp1252"))
    one, two = _both(path, monkeypatch)
    pd.testing.assert_frame_equal(one, two)
    assert two["body"].iloc[39] == "Grüße 39"
    assert any("decoded as cp1252" in a for a in two.attrs["assumptions"])


def test_the_import_report_names_each_other_layout_and_the_fix(tmp_path: Path) -> None:
    path = write(tmp_path, "chat.txt", (
        "13/03/2024, 21:00 - Rob: look what you said\n"
        "[14/03/2024, 08:00:00] Dana Example: I love you\n"
        "[14/03/2024, 08:01:00] Dana Example: really\n"
        "13/03/2024, 21:05 - Rob: answer\n"))
    df = read(path, owner=("Dana Example",))
    assert len(df) == 2 and not df["from_owner"].any()
    note = next(a for a in df.attrs["assumptions"] if a.startswith("header layout"))
    assert "2 like ios ([13/06/2018, 21:25:15] Name: text)" in note
    assert "own [[sources]] entry" in note
