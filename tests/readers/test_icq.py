"""ICQ 10 history: the sample profile, one _db2 on its own, calls counted once, damage kept."""

from __future__ import annotations

import os
import shutil
import struct
from pathlib import Path

import pandas as pd
import pytest

from tests.helpers import sample_generator
from whoa_analysis import case as case_mod
from whoa_analysis import casefile, pipeline, readers
from whoa_analysis.errors import InputError
from whoa_analysis.evidence import sha256_bytes
from whoa_analysis.readers import icq

PROFILE = "formats/icq/ICQ/0001"
ROB_DB2 = f"{PROFILE}/archive/700900456/_db2"


GEN = sample_generator("icq/make_icq.py")


def _db2(tmp_path: Path, data: bytes, peer: str = "700900456") -> Path:
    path = tmp_path / "archive" / peer / "_db2"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_the_sample_profile_is_read_whole(sample: Path) -> None:
    folder = sample / PROFILE
    assert readers.detect(folder) == "icq"
    assert readers.detect(sample / ROB_DB2) == "icq"
    df = icq.read(folder)
    rob = df[df["conversation"] == "700900456"]
    assert rob["kind"].tolist() == ["text", "text", "text", "call", "system", "call", "media",
                                    "system", "text"]
    assert rob["call_type"].tolist()[3:6] == ["started", "ended", "not answered"]
    assert rob["body"].iloc[2] == "Do not contact me in any way in the future."
    assert rob["body"].iloc[8] == "answer me, Dana 😠 "         # exact, trailing space kept
    # the owner's number comes from info/cache, the peer's from the archive folder
    assert rob["sender"].iloc[2] == "im:700900123" and rob["from_owner"].iloc[2]
    assert rob["recipients"].iloc[2] == "im:700900456"
    assert rob["sender"].iloc[0] == "im:700900456" and rob["from_owner"].iloc[0] == False  # noqa: E712
    assert set(rob["sender_display"][rob["from_owner"] == False]) == {"Rob"}  # noqa: E712
    assert rob["attachments"].iloc[6] == GEN.FILE_URL
    assert rob["event_account"].iloc[7] == "im:700900456"
    assert rob["sent_at"].iloc[2] == pd.Timestamp(GEN.NOTICE - 600, unit="s", tz="UTC")
    assert rob["client_time"].iloc[2] == pd.Timestamp(GEN.NOTICE - 602, unit="s", tz="UTC")
    assert rob["warnings"].iloc[2] == ""                     # two seconds apart is no skew
    assert set(df["conversation_kind"]) == {"direct"} and set(df["protocol"]) == {"ICQ"}
    assert df[df["conversation"] == "700900321"]["sender_display"].iloc[0] == "Sam"
    # the record hash is over the block with its framing, located by its offset
    data = (sample / ROB_DB2).read_bytes()
    first = GEN.rob_chat()[:len(GEN.message(1, GEN.NOTICE - 86_400,
                                            "you think you can ignore me?", name="Rob"))]
    assert data.startswith(first)
    assert rob["record_sha256"].iloc[0] == sha256_bytes(first)
    assert rob["locator"].iloc[1] == f"icq:archive/700900456/_db2@{len(first)}"


def test_one_db2_is_its_folder_s_conversation_and_the_owner_comes_from_the_case(
        tmp_path: Path) -> None:
    path = _db2(tmp_path, GEN.sam_chat(), peer="700900321")
    df = icq.read(path, owner=("im:700900123",))
    assert df["conversation"].tolist() == ["700900321", "700900321"]
    assert df["sender"].tolist() == ["im:700900321", "im:700900123"]
    # as a case passes the owner's accounts: the platform cut off, a phone number beside
    as_case = icq.read(path, owner=("Dana Example", "07700 900123", "700900123"))
    assert as_case["sender"].tolist() == ["im:700900321", "im:700900123"]
    no_owner = icq.read(path)
    assert no_owner["sender"].iloc[1] == "" and no_owner["from_owner"].iloc[1]
    assert any("named after the folder" in a for a in no_owner.attrs["assumptions"])


def test_a_cut_off_file_and_bytes_between_blocks_are_kept_unparsed(tmp_path: Path) -> None:
    one, two = GEN.message(1, GEN.NOTICE, "one"), GEN.message(2, GEN.NOTICE + 60, "two")
    garbage = b"\x00junk written by a crash\xff"
    df = icq.read(_db2(tmp_path, one + garbage + two + two[:30]))
    assert df["kind"].tolist() == ["text", "unparsed", "text", "unparsed"]
    assert df["body"].tolist()[0:3:2] == ["one", "two"]
    assert df["record_sha256"].iloc[1] == sha256_bytes(garbage)
    assert df["record_sha256"].iloc[3] == sha256_bytes(two[:30])
    assert "cut off" in df["warnings"].iloc[3]
    # a block whose last field claims more than the block holds: read up to it, and said
    damaged = GEN.block(GEN.message(3, GEN.NOTICE, "three")[8:-8] + b"\x05\0\0\0\xff\0\0\0ab")
    row = icq.read(_db2(tmp_path, damaged)).iloc[0]
    assert row["body"] == "three" and "last 10 bytes of the block" in row["warnings"]


def test_times_the_server_s_clock_first_and_a_skewed_client_said(tmp_path: Path) -> None:
    skewed = GEN.message(1, GEN.NOTICE, "a", client=GEN.NOTICE - 3_600)
    no_server = GEN.message(2, 0, "b", client=GEN.NOTICE + 60)
    df = icq.read(_db2(tmp_path, skewed + no_server))
    assert df["sent_at"].iloc[0] == pd.Timestamp(GEN.NOTICE, unit="s", tz="UTC")
    assert "differs from the server's by -3600 s" in df["warnings"].iloc[0]
    assert df["sent_at"].iloc[1] == pd.Timestamp(GEN.NOTICE + 60, unit="s", tz="UTC")
    assert "client's clock is used" in df["warnings"].iloc[1]
    assert df["sent_at_raw"].iloc[1] == f"server=0 client={GEN.NOTICE + 60}"


def test_calls_count_once_and_an_orphan_end_is_a_call(tmp_path: Path) -> None:
    t = GEN.NOTICE
    data = (GEN.message(1, t, "", tail=GEN.event(GEN.CALL_END, "700900456", extra=2))
            + GEN.message(2, t + 60, "", tail=GEN.event(GEN.CALL_START, "700900456"))
            + GEN.message(3, t + 120, "", tail=GEN.event(GEN.CALL_END, "700900456", extra=2))
            + GEN.message(4, t + 180, "", tail=GEN.event(9, "700900456")))
    df = icq.read(_db2(tmp_path, data))
    assert df["kind"].tolist() == ["call", "call", "system", "system"]
    assert df["call_type"].tolist() == ["answered", "started", "ended", ""]
    assert "start is not in the file" in df["warnings"].iloc[0]
    assert "unknown ICQ event code 9" in df["warnings"].iloc[3]


def test_names_group_chats_and_bad_text(tmp_path: Path) -> None:
    named = GEN.message(1, GEN.NOTICE, "hi", name="Robert")
    bad = GEN.message(2, GEN.NOTICE + 1, "x").replace(b"x", b"\xff")
    mine = GEN.message(3, GEN.NOTICE + 2, "me", outgoing=True)
    # a record with one GUID names no sender: what tag 0x15 holds then is not a name
    slot = GEN.block(GEN.message(4, GEN.NOTICE + 3, "no name")[8:-8].replace(
        GEN.field(0x15, b""), GEN.field(0x15, b"0000abcd-1111-4000-8000-000000000000")))
    df = icq.read(_db2(tmp_path, named + mine + slot), owner=("im:700900123",))
    assert df["sender_display"].tolist() == ["Robert", "", "700900456"]
    assert df["body"].iloc[2] == "no name"
    group = icq.read(_db2(tmp_path, named + bad, peer="123456@chat.agent"))
    assert set(group["conversation_kind"]) == {"group"}
    assert group["sender"].tolist() == ["", ""] and group["sender_display"].iloc[0] == "Robert"
    assert "names no sender's number" in group["warnings"].iloc[0]
    assert group["body"].iloc[1] == "\ufffd" and "not UTF-8" in group["warnings"].iloc[1]


def test_not_an_icq_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="expected ICQ 10 _db2 blocks"):
        icq.read(_db2(tmp_path, b"\x07" * 64))
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="archive/<number>/_db2"):
        icq.read(tmp_path / "empty")


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_a_link_in_the_archive_is_not_followed(tmp_path: Path, sample: Path) -> None:
    profile = tmp_path / "0001"
    shutil.copytree(sample / PROFILE, profile)
    secret = tmp_path / "secret"
    secret.write_bytes(GEN.message(1, GEN.NOTICE, "outside the source"))
    (profile / "archive" / "999").mkdir()
    os.symlink(secret, profile / "archive" / "999" / "_db2")
    df = icq.read(profile)
    linked = df[df["conversation"] == "999"]
    assert linked["kind"].tolist() == ["unparsed"]
    assert "outside the source" not in set(df["body"])


def test_init_names_the_profile_and_its_request_counts_in_a_case(tmp_path: Path,
                                                                  sample: Path) -> None:
    shutil.copytree(sample / "formats" / "icq" / "ICQ", tmp_path / "ICQ")
    casefile.init(tmp_path, timezone="Europe/London")
    text = (tmp_path / "case.toml").read_text(encoding="utf-8")
    assert 'path = "ICQ/0001"' in text and 'format = "icq"' in text
    assert 'accounts = ["im:700900123"]' in text          # the owner, from info/cache
    casefile.add_person(tmp_path / "case.toml", "rob", "respondent")
    casefile.assign(tmp_path / "case.toml", "im:700900456", "rob")
    case = case_mod.load(tmp_path / "case.toml")
    pipeline.ensure_evidence(case, say=lambda _: None)
    prepared = pipeline.prepare(case)
    found = prepared.analysis.notice
    assert found.row["body"] == "Do not contact me in any way in the future."
    after = prepared.analysis.tables["respondent_after"]
    # the call (started), the unanswered call, the file, the text; the call's end and the
    # contact-list event are not contacts
    assert after["kind"].astype(str).tolist() == ["call", "call", "media", "text"]
    assert len(prepared.analysis.tables["victim_after"]) == 0


def test_records_cannot_claim_more_bytes_than_the_file_holds(tmp_path: Path) -> None:
    huge = struct.pack("<II", 1 << 31, 1 << 31) + b"\x01\0\0\0\x08\0\0\0" + b"\0" * 16
    df = icq.read(_db2(tmp_path, GEN.message(1, GEN.NOTICE, "ok") + huge))
    assert df["kind"].tolist() == ["text", "unparsed"]
