"""SMS Backup & Restore XML: SMS, MMS and call logs; the sample case and every corpus file."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from whoa_analysis import readers
from whoa_analysis.errors import InputError
from whoa_analysis.readers import sms_backup

#: The owner's identifiers as ingest passes them: the case's accounts without their prefix.
DANA = ("dana@example.org", "+44 7700 900123", "Dana Example", "dana_e", "Dana Example")
NOTICE = pd.Timestamp("2024-03-10 09:00", tz="UTC")
ROB, NEW, SAM, OWN = ("phone:+447700900456", "phone:+447700900789", "phone:+447700900321",
                      "phone:+447700900123")


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def element(path: Path, tag: bytes, n: int) -> bytes:
    """The n-th (1-based) ``<tag ... />`` or ``<tag>...</tag>`` element's bytes in the file."""
    data = path.read_bytes()
    start = -1
    for _ in range(n):
        start = data.index(b"<" + tag + b" ", start + 1)
    empty, close = data.find(b"/>", start), data.find(b"</" + tag + b">", start)
    nested = data.find(b">", start) < empty if empty >= 0 else True
    end = close + len(tag) + 3 if nested and close >= 0 else empty + 2
    return data[start:end]


def xml(tmp_path: Path, body: str, root: str = "smses") -> Path:
    path = tmp_path / "sms-test.xml"
    path.write_text(f"<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n"
                    f'<{root} count="9">\n{body}</{root}>\n', encoding="utf-8")
    return path


def sms(body: str, address: str = "+15551234567", typ: str = "1",
        date: str = "1609459200000") -> str:
    return f'  <sms protocol="0" address="{address}" date="{date}" type="{typ}" body="{body}" />\n'


# ------------------------------------------------------------------------------ the sample case


@pytest.fixture
def texts(sample: Path) -> pd.DataFrame:
    return sms_backup.read(sample / "exports" / "sms-20240401000000.xml", owner=DANA,
                           region="GB")


@pytest.fixture
def calls(sample: Path) -> pd.DataFrame:
    return sms_backup.read(sample / "exports" / "calls-20240401000000.xml", owner=DANA,
                           region="GB")


def test_sample_sms_rows(texts: pd.DataFrame) -> None:
    assert len(texts) == 11
    assert set(texts["platform"]) == {"sms"}
    assert set(texts["time_basis"]) == {"epoch"}
    assert set(texts["conversation_kind"]) == {"direct"}
    assert list(texts["sender"]) == [ROB, OWN, ROB, OWN, ROB, ROB, ROB, ROB, SAM, NEW, NEW]
    assert list(texts["from_owner"]) == [False, True, False, True] + [False] * 7
    assert list(texts["recipients"][texts["from_owner"]]) == [ROB, ROB]
    assert list(texts["conversation"]) == [ROB] * 8 + [SAM, NEW, NEW]
    assert list(texts["message_box"].iloc[:2]) == ["received", "sent"]
    assert texts["warnings"].eq("").all()
    assert readers.detect(Path(texts["source_path"].iloc[0])) == "sms_backup"


def test_sample_sms_after_the_request(texts: pd.DataFrame) -> None:
    after = texts[texts["sent_at"] > NOTICE]
    assert list(after["sender"]) == [ROB, ROB, ROB, SAM, NEW, NEW]
    assert not after["from_owner"].any()                  # Dana sends no SMS after it
    assert after["sent_at"].iloc[0] == ts("2024-03-10 10:15")


def test_sample_sms_text_and_provenance(sample: Path, texts: pd.DataFrame) -> None:
    path = sample / "exports" / "sms-20240401000000.xml"
    assert texts["body"].iloc[4] == "I'm not going anywhere 😠"   # a surrogate-pair reference
    assert texts["body"].iloc[10] == "Answer me Dana\nI mean it"
    assert texts["sent_at_raw"].iloc[0] == "1708018200000"
    assert texts["sent_at"].iloc[0] == ts("2024-02-15 17:30")
    assert texts["readable_date"].iloc[0] == "15 Feb 2024 17:30:00"
    assert texts["locator"].iloc[6] == "xml:/smses/sms[7]"
    assert texts["record_sha256"].iloc[6] == hashlib.sha256(element(path, b"sms", 7)).hexdigest()


def test_sample_mms(sample: Path, texts: pd.DataFrame) -> None:
    mms = texts.iloc[7]
    assert mms["locator"] == "xml:/smses/mms[1]"
    assert (mms["kind"], mms["attachments"], mms["body"]) == (
        "media", "IMG_2041.jpg", "Remember this? 👈")          # the SMIL layout part is no file
    assert (mms["sender"], mms["recipients"]) == (ROB, OWN)
    path = sample / "exports" / "sms-20240401000000.xml"
    assert mms["record_sha256"] == hashlib.sha256(element(path, b"mms", 1)).hexdigest()


def test_sample_calls(calls: pd.DataFrame) -> None:
    assert len(calls) == 10
    assert set(calls["platform"]) == {"phone"} and set(calls["kind"]) == {"call"}
    assert list(calls["call_type"]) == [
        "incoming", "incoming", "missed", "outgoing", "missed", "missed", "missed",
        "voicemail", "rejected", "blocked"]
    assert list(calls["duration_s"]) == [245, 180, 0, 62, 0, 0, 0, 21, 0, 0]
    assert list(calls["from_owner"]) == [False] * 3 + [True] + [False] * 6
    outgoing = calls.iloc[3]
    assert (outgoing["sender"], outgoing["recipients"]) == (OWN, SAM)
    after = calls[calls["sent_at"] > NOTICE]
    assert list(after["sender"]) == [ROB, ROB, ROB, ROB, NEW, NEW]
    assert calls["locator"].iloc[9] == "xml:/calls/call[10]"


def test_owner_number_with_prefix(sample: Path, texts: pd.DataFrame) -> None:
    df = sms_backup.read(sample / "exports" / "sms-20240401000000.xml",
                         owner=("whatsapp:Dana Example", "phone:07700 900123"), region="GB")
    assert list(df["sender"]) == list(texts["sender"])


def test_without_owner_number_sent_rows_have_no_sender(sample: Path) -> None:
    df = sms_backup.read(sample / "exports" / "sms-20240401000000.xml", region="GB")
    sent = df[df["from_owner"]]
    assert list(sent["sender"]) == ["", ""] and list(sent["recipients"]) == [ROB, ROB]


# ------------------------------------------------------------------------------ odd cases


def test_surrogate_pairs_and_lone_surrogates(tmp_path: Path) -> None:
    path = xml(tmp_path, sms("a &#55357;&#56832; b") + sms("&#xD83D;&#xDE00;")
               + sms("lone &#55357; x") + sms("&#10;&#55357;&#56832;&#10;"))
    df = sms_backup.read(path)
    assert list(df["body"]) == ["a 😀 b", "😀", "lone \ufffd x", "\n😀\n"]
    assert "U+FFFD" in df["warnings"].iloc[2]
    assert df["warnings"].iloc[0] == ""
    # hashes are of the bytes as written, references and all
    assert df["record_sha256"].iloc[0] == hashlib.sha256(element(path, b"sms", 1)).hexdigest()


def test_refused_control_character_keeps_offsets_right(tmp_path: Path) -> None:
    # '&#1;' is shorter than its U+FFFD replacement: later records must still hash their own bytes
    path = xml(tmp_path, sms("ctrl &#1; &#x1; x") + sms("next &#55357;&#56832;") + sms("last"))
    df = sms_backup.read(path)
    assert df["body"].iloc[0] == "ctrl \ufffd \ufffd x"
    assert "U+FFFD" in df["warnings"].iloc[0] and df["warnings"].iloc[1] == ""
    for n in (1, 2, 3):
        assert df["record_sha256"].iloc[n - 1] == hashlib.sha256(
            element(path, b"sms", n)).hexdigest()


def test_damaged_record_is_kept_and_reading_resumes(tmp_path: Path) -> None:
    broken = '  <sms protocol="0" address="+15551234567" date="1" type="1" body="x" <oops\n'
    path = xml(tmp_path, sms("first") + broken + sms("third", date="1609459300000"))
    df = sms_backup.read(path)
    assert list(df["kind"]) == ["text", "unparsed", "text"]
    assert list(df["locator"]) == ["xml:/smses/sms[1]", "xml:/smses/sms[2]", "xml:/smses/sms[3]"]
    assert df["body"].iloc[1] == broken.strip()
    assert "damaged XML" in df["warnings"].iloc[1]
    assert df["body"].iloc[2] == "third"


def test_bad_date_keeps_the_row_without_a_time(tmp_path: Path) -> None:
    df = sms_backup.read(xml(tmp_path, sms("hello", date="bad")))
    assert pd.isna(df["sent_at"].iloc[0]) and df["time_basis"].iloc[0] == "missing"
    assert df["sent_at_raw"].iloc[0] == "bad"
    assert "cannot read date" in df["warnings"].iloc[0]


def test_drafts_and_failed_are_flagged(tmp_path: Path) -> None:
    df = sms_backup.read(xml(tmp_path, sms("d", typ="3") + sms("f", typ="5") + sms("q", typ="6")))
    assert list(df["message_box"]) == ["draft", "failed", "queued"]
    assert df["from_owner"].all()
    assert "never sent" in df["warnings"].iloc[0] and "not delivered" in df["warnings"].iloc[1]


def test_withheld_number_call(tmp_path: Path) -> None:
    call = ('  <call number="-2" duration="0" date="1609632000000" type="3" presentation="2" '
            'contact_name="(Unknown)" />\n')
    df = sms_backup.read(xml(tmp_path, call, root="calls"))
    assert (df["sender"].iloc[0], df["call_type"].iloc[0]) == ("", "missed")
    assert "withheld" in df["warnings"].iloc[0]


def test_entity_declarations_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "sms-evil.xml"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE smses [<!ENTITY x SYSTEM '
                    '"http://192.0.2.1/x">]>\n<smses count="1">\n' + sms("&x;") + "</smses>\n")
    with pytest.raises(InputError, match="entity"):
        sms_backup.read(path)


def test_not_a_backup_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "other.xml"
    path.write_text("<rss><channel/></rss>\n")
    with pytest.raises(InputError):
        sms_backup.read(path)
    path.write_text("not xml at all")
    with pytest.raises(InputError):
        sms_backup.read(path)


# ------------------------------------------------------------------------------ corpora


def corpus(corpora: Path, name: str) -> pd.DataFrame:
    hits = list((corpora / "sms_backup_restore_xml").rglob(name))
    assert len(hits) == 1, name
    return sms_backup.read(hits[0], region="US")


def test_minimal_sms(corpora: Path) -> None:
    df = corpus(corpora, "minimal_sms.xml")
    assert len(df) == 1
    assert df["sender"].iloc[0] == "phone:+15551234567"
    assert df["sent_at"].iloc[0] == ts("2021-01-01 00:00:00")
    assert df["body"].iloc[0] == "Happy New Year! This is a test message."


def test_minimal_calls(corpora: Path) -> None:
    df = corpus(corpora, "minimal_calls.xml")
    assert len(df) == 1
    assert (df["sender"].iloc[0], df["duration_s"].iloc[0]) == ("phone:+15551234567", 125)
    assert (df["platform"].iloc[0], df["call_type"].iloc[0]) == ("phone", "incoming")


def test_minimal_mms(corpora: Path) -> None:
    df = corpus(corpora, "minimal_mms.xml")
    assert len(df) == 1
    assert df["body"].iloc[0] == "Hello from MMS!"
    assert df["sender"].iloc[0] == "phone:+15559876543"             # addr type 137
    assert df["recipients"].iloc[0] == "phone:+15551234567"         # addr type 151
    assert df["attachments"].iloc[0] == "image.jpg"
    assert df["subject"].iloc[0] == "Test MMS Subject"


def test_mixed(corpora: Path) -> None:
    df = corpus(corpora, "mixed.xml")
    assert (df["locator"].str.contains("/sms\\[")).sum() == 3
    assert (df["locator"].str.contains("/mms\\[")).sum() == 1
    assert df["message_box"].iloc[3] == "draft"


def test_edge_cases(corpora: Path) -> None:
    df = corpus(corpora, "edge_cases.xml")
    assert len(df) == 4                        # the empty body and the part-less MMS are kept
    assert df["body"].iloc[1] == 'Hello 🌍 — this has «special» chars & symbols < > " \''
    assert df["body"].iloc[2] == ""
    assert (df["kind"].iloc[3], df["body"].iloc[3]) == ("text", "")


def test_malformed(corpora: Path) -> None:
    # upstream expects a ParseError for the whole file; we keep the damaged record's bytes
    df = corpus(corpora, "malformed.xml")
    assert list(df["kind"]) == ["unparsed"]
    assert df["body"].iloc[0].startswith('<sms protocol="0" address="+15551234567"')
    assert "damaged XML" in df["warnings"].iloc[0]
    assert "count=1; 0 records read" in df.attrs["assumptions"][0]


def test_reader2_sample_small(corpora: Path) -> None:
    df = corpus(corpora, "sample_small.xml")
    assert len(df) == 7
    thread_a = df[df["conversation"] == "phone:+15550000001"]
    assert list(thread_a["body"]) == ["SMS 1 in Thread 1", "SMS 2 in Thread 1",
                                      "SMS 3 in Thread 1", "MMS 1 text in Thread 1"]
    assert set(df["conversation"]) == {"phone:+15550000001", "phone:+15550000002"}


def test_reader2_mms_files(corpora: Path) -> None:
    mms = corpus(corpora, "sample_mms.xml")
    assert list(mms["attachments"]) == ["image.png", "video.mp4", "audio.mp3", "document.pdf"]
    corrupt = corpus(corpora, "corrupt_attachments.xml")
    assert len(corrupt) == 2 and set(corrupt["contact_name"]) == {"Contact D"}
    assert corrupt["attachments"].iloc[1] == "corrupt.file"        # data never decoded
    assert len(corpus(corpora, "empty.xml")) == 0


def test_reader2_sms_small(corpora: Path) -> None:
    df = corpus(corpora, "sms_small.xml")
    assert len(df) == 12
    assert df["body"].iloc[9] == "Body text 10\nBody text 11\nBody text 12"
    assert df["contact_name"].nunique() == 3


def test_reader2_truncated_file(corpora: Path) -> None:
    df = corpus(corpora, "sms_and_mms.xml")
    assert (df["locator"].str.contains("/sms\\[")).sum() == 41
    ok = df[df["kind"] != "unparsed"]
    assert len(ok) == 49
    last = df.iloc[-1]
    assert (last["kind"], last["locator"]) == ("unparsed", "xml:/smses/mms[9]")
    assert "truncated" in last["warnings"]
    assert last["body"].startswith("<mms ")
    group = df[df["conversation"] == "group_8@rcs.google.com"]
    assert len(group) == 3 and set(group["conversation_kind"]) == {"group"}
    assert group["sender"].iloc[0] == "phone:+15550000009"


def test_every_corpus_file_is_recognised(corpora: Path) -> None:
    for path in sorted((corpora / "sms_backup_restore_xml").rglob("*.xml")):
        assert readers.detect(path) == "sms_backup", path
