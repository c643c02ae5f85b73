"""Apple Mail's .emlx store: the sample Mail folder, one file alone, damaged length lines and
property lists, links, and a case whose request and contacts are in it."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from tests.helpers import sample_generator
from whoa_analysis import case as case_mod
from whoa_analysis import casefile, pipeline, readers
from whoa_analysis.errors import InputError
from whoa_analysis.readers import apple_mail
from whoa_analysis.reports import _originals

HERE = Path(__file__).resolve().parents[2] / "data" / "sample" / "formats" / "apple_mail"


GEN = sample_generator("apple_mail/make_apple_mail.py")
STOP = GEN.M.outbound(1, GEN.M.ROB, "Stop", GEN.M.t("2024-03-10 09:00:00"),
                      "Do not contact me in any way in the future.\n").encode()


def _one(tmp_path: Path, data: bytes, name: str = "7.emlx") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_the_sample_store_is_read_with_mailboxes_flags_and_times() -> None:
    folder = HERE / "Mail"
    assert readers.detect(folder) == "apple_mail"
    assert readers.detect(folder / "V10") == "apple_mail"
    df = readers.read(folder, owner=["email:dana@example.org"]).set_index("subject")
    assert len(df) == 5 and (df["kind"] == "text").all()
    assert df["mailbox"].to_dict() == {"you can't hide": "INBOX", "are you ok?": "INBOX",
                                       "look": "INBOX", "answer me": "Junk",
                                       "Stop contacting me": "Sent Messages"}
    assert bool(df.loc["Stop contacting me", "from_owner"])
    assert df.loc["Stop contacting me", "body"] == "Do not contact me in any way in the future.\n"
    assert df.loc["answer me", "received_at"] == pd.Timestamp("2024-03-12 22:10:02", tz="UTC")
    assert "marked junk in Apple Mail" in df.loc["answer me", "warnings"]
    assert df.loc["look", "attachments"] == "photo.jpg"
    assert "partial .emlx" in df.loc["look", "warnings"]
    # the record is the message alone, as the length line gives it
    file = next(folder.rglob("101.emlx"))
    message = apple_mail.split(file.read_bytes())[0]
    assert message.startswith(b"From: Dana Example")
    assert df.loc["Stop contacting me", "record_sha256"] == hashlib.sha256(message).hexdigest()
    assert df.loc["Stop contacting me", "locator"] == "emlx:" + file.relative_to(
        folder).as_posix()


def test_one_file_alone_and_its_original_bytes(tmp_path: Path) -> None:
    path = _one(tmp_path, GEN.emlx(STOP, 1_710_061_201))
    assert readers.detect(path) == "apple_mail"
    df = readers.read(path)
    assert df["locator"].tolist() == ["emlx:7.emlx"]
    assert df["sent_at"].iloc[0] == pd.Timestamp("2024-03-10 09:00", tz="UTC")
    kind, data = _originals._bytes(path, "emlx:7.emlx", "apple_mail")
    assert (kind, data) == ("rfc822", STOP)


def test_a_wrong_length_line_keeps_every_byte_and_says_so(tmp_path: Path) -> None:
    longer = b"%d\n" % (len(STOP) + 500) + STOP
    df = readers.read(_one(tmp_path, longer))
    assert df["body"].iloc[0].startswith("Do not contact me")
    assert "says 2" in df["warnings"].iloc[0] or "cut off" in df["warnings"].iloc[0]
    shorter = b"%d\n" % (len(STOP) - 10) + STOP + b"<plist>"
    df = readers.read(_one(tmp_path, shorter, "8.emlx"))
    assert "property list after the message cannot be read" in df["warnings"].iloc[0]


def test_a_file_that_is_no_emlx_is_a_clear_error_alone_and_a_row_in_a_folder(
        tmp_path: Path) -> None:
    with pytest.raises(InputError, match="expected an Apple Mail .emlx"):
        apple_mail.read(_one(tmp_path, b"\n\n"))
    box = tmp_path / "INBOX.mbox" / "Messages"
    box.mkdir(parents=True)
    (box / "1.emlx").write_bytes(b"not an emlx")
    (box / "2.emlx").write_bytes(GEN.emlx(STOP, 1))
    df = readers.read(tmp_path / "INBOX.mbox")
    assert df["kind"].tolist() == ["unparsed", "text"]
    assert df["body"].iloc[0] == "not an emlx"


def test_the_property_list_is_data_never_entities(tmp_path: Path) -> None:
    bomb = (b'<?xml version="1.0"?><!DOCTYPE plist [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><plist version="1.0"><dict>'
            b"<key>flags</key><integer>1</integer><key>x</key><string>&b;</string></dict>"
            b"</plist>")
    df = readers.read(_one(tmp_path, b"%d\n" % len(STOP) + STOP + bomb))
    assert df["body"].iloc[0].startswith("Do not contact me")
    assert "property list after the message cannot be read" in df["warnings"].iloc[0]
    assert pd.isna(df["apple_flags"].iloc[0])


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_a_link_in_the_store_is_not_followed(tmp_path: Path) -> None:
    box = tmp_path / "Mail" / "INBOX.mbox"
    box.mkdir(parents=True)
    (box / "1.emlx").write_bytes(GEN.emlx(STOP, 1))
    outside = _one(tmp_path, GEN.emlx(STOP.replace(b"Stop", b"Secret"), 1), "x.emlx")
    os.symlink(outside, box / "2.emlx")
    df = readers.read(tmp_path / "Mail")
    assert df["kind"].tolist() == ["text", "unparsed"]
    assert "Secret" not in "".join(df["subject"].fillna(""))


def test_a_mac_mail_folder_in_a_case_counts_and_attaches_byte_exact(tmp_path: Path) -> None:
    shutil.copytree(HERE / "Mail", tmp_path / "Mail")
    casefile.init(tmp_path, timezone="Europe/London")
    text = (tmp_path / "case.toml").read_text(encoding="utf-8")
    assert 'path = "Mail"' in text and 'format = "apple_mail"' in text
    casefile.add_person(tmp_path / "case.toml", "rob", "respondent")
    for account in ("email:rob@example.net", "email:rob.offender@mailbox.example"):
        casefile.assign(tmp_path / "case.toml", account, "rob")
    assert 'accounts = ["email:dana@example.org"]' in text     # the owner, from Delivered-To
    case = case_mod.load(tmp_path / "case.toml")
    pipeline.ensure_evidence(case, say=lambda _: None)
    prepared = pipeline.prepare(case)
    assert prepared.analysis.notice.row["subject"] == "Stop contacting me"
    after = prepared.analysis.tables["respondent_after"]
    assert sorted(after["subject"]) == ["answer me", "look", "you can't hide"]
    pipeline.write_pack(prepared, tmp_path / "pack", say=lambda _: None,
                        generated_at="2024-04-01T12:00:00Z")
    drafts = list((tmp_path / "pack" / "complaints").glob("mail-abuse-*.eml"))
    assert drafts
    attached = b"".join(p.read_bytes() for p in drafts)
    for file in (tmp_path / "Mail").rglob("10[25].emlx"):
        assert apple_mail.split(file.read_bytes())[0] in attached, file.name
