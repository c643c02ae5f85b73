"""Outlook .pst/.ost: the sample store, odd and damaged stores, and the corpora's real ones."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from tests.pstfile import Attachment, Folder, Mail, write_pst
from whoa_analysis import readers
from whoa_analysis.analysis import trace
from whoa_analysis.errors import InputError
from whoa_analysis.readers import pst

UTC = dt.UTC
ROB = ("Rob Offender", "rob@example.net")
DANA = ("Dana Example", "dana@example.org")


@pytest.fixture
def store(sample: Path) -> Path:
    return sample / "formats" / "pst" / "dana.pst"


def _mail(n: int, **kw) -> Mail:
    base = dict(subject=f"subject {n}", body=f"body {n}\r\n", sender_name=ROB[0],
                sender_email=ROB[1], to=[DANA], submitted=dt.datetime(2024, 3, 1, 12, n,
                                                                      tzinfo=UTC))
    return Mail(**{**base, **kw})


# --- the sample store -------------------------------------------------------------------------

def test_sample_every_item_of_every_folder(store: Path) -> None:
    df = readers.read(store, owner=["email:dana@example.org"])
    assert readers.detect(store) == "pst"
    assert df["folder"].tolist() == [
        "Top of Personal Folders/Inbox"] * 3 + [
        "Top of Personal Folders/Inbox/Kept / evidence", "Top of Personal Folders/Sent Items",
        "Top of Personal Folders/Drafts", "Top of Personal Folders/Calendar"]
    assert df["locator"].str.startswith("pst:Top of Personal Folders/").all()
    assert df["locator"].iloc[3].startswith("pst:Top of Personal Folders/Inbox/Kept %2F "
                                            "evidence#0@")
    assert df["locator"].is_unique and df["record_sha256"].is_unique
    assert df["kind"].astype(str).tolist() == ["text"] * 3 + ["media", "text", "text", "system"]
    assert "not a mail" in df["warnings"].iloc[6]


def test_sample_stop_request_and_times(store: Path) -> None:
    df = readers.read(store, owner=["email:dana@example.org"])
    stop = df[df["subject"] == "Stop contacting me"].iloc[0]
    assert stop["body"] == "Rob,\r\n\r\nDo not contact me in any way in the future.\r\n\r\nDana\r\n"
    assert stop["sender"] == "email:dana@example.org" and bool(stop["from_owner"])
    assert stop["recipients"] == "email:rob@example.net"
    assert stop["sent_at"] == pd.Timestamp("2024-03-10 09:00:00", tz="UTC")
    assert stop["time_basis"] == "epoch" and stop["sent_at_raw"] == "133545348000000000"
    assert stop["headers_raw"] == ""
    rob = df[df["subject"] == "You can't ignore me"].iloc[0]
    assert rob["time_basis"] == "offset" and rob["sent_at_raw"] == "Mon, 11 Mar 2024 07:45:00 +0000"
    assert rob["email_message_id"] == "<pst-sample-2@example.net>"
    draft = df[df["folder"].str.endswith("Drafts")].iloc[0]
    assert pd.isna(draft["sent_at"]) and draft["time_basis"] == "missing"
    assert "no time" in draft["warnings"]


def test_sample_headers_give_the_trace(store: Path) -> None:
    df = readers.read(store)
    rob = df[df["subject"] == "You can't ignore me"].iloc[0]
    assert rob["headers_raw"].startswith("Received: from mail.example.net")
    result = trace.trace(rob["headers_raw"], own_domains=["example.org"])
    assert result.handoff_ip == "198.51.100.25"
    assert result.originating_ip == "192.0.2.44"


def test_sample_attachment_name_is_text(store: Path) -> None:
    df = readers.read(store)
    row = df[df["subject"] == "photos"].iloc[0]
    assert row["attachments"] == "../../evil.exe"
    meta = json.loads(row["attachment_meta"])
    assert meta == [{"name": "../../evil.exe", "type": "application/octet-stream",
                     "size": 23, "sha256": meta[0]["sha256"]}]
    assert len(meta[0]["sha256"]) == 64


def test_sample_script_writes_the_committed_bytes(store: Path, tmp_path: Path) -> None:
    sys.path.insert(0, str(store.parents[2]))
    try:
        import make_pst
    finally:
        sys.path.pop(0)
    out = write_pst(tmp_path / "again.pst", make_pst.folders(), name="dana@example.org")
    assert out.read_bytes() == store.read_bytes()


# --- written stores ---------------------------------------------------------------------------

def test_exact_text_long_bodies_and_unicode(tmp_path: Path) -> None:
    texts = ["nul\x00inside", "\u202eevil\u202c", "e\u0301 combining", "  spaces  ",
             "line1\r\nline2\rline3\n", "\U0001F468\u200d\U0001F469\u200d\U0001F467",
             "x" * 50_000]
    path = write_pst(tmp_path / "t.pst", [Folder("Inbox", [
        _mail(i, body=t, subject=t[:200]) for i, t in enumerate(texts)])])
    df = readers.read(path)
    assert df["body"].tolist() == texts
    assert df["subject"].tolist() == [t[:200] for t in texts]


def test_batches_concatenate_to_read_and_stream_to_parquet(tmp_path: Path) -> None:
    mails = [_mail(i, attachments=[Attachment(f"f{i}.bin", bytes([i]) * 20_000)])
             for i in range(7)]
    path = write_pst(tmp_path / "t.pst", [Folder("Inbox", mails[:4]),
                                          Folder("Sent Items", mails[4:])])
    whole = readers.read(path)
    pieces = list(pst.batches(path, rows=3))
    assert [len(p) for p in pieces] == [3, 3, 1]
    pd.testing.assert_frame_equal(pd.concat(pieces, ignore_index=True), whole)
    assert readers.to_parquet(path, tmp_path / "t.parquet") == 7
    assert pq.read_table(tmp_path / "t.parquet").num_rows == 7
    assert json.loads(whole["attachment_meta"].iloc[0])[0]["size"] == 20_000


def test_copy_in_two_folders_kept_and_said(tmp_path: Path) -> None:
    mail = _mail(1, message_id="<same@example.net>")
    path = write_pst(tmp_path / "t.pst", [Folder("Inbox", [mail]), Folder("Archive", [mail])])
    df = readers.read(path)
    assert len(df) == 2
    assert df["copy_of"].tolist() == ["", df["locator"].iloc[0]]
    assert "copy of" in df["warnings"].iloc[1]


def test_message_not_in_contents_table_is_read_and_flagged(tmp_path: Path) -> None:
    path = write_pst(tmp_path / "t.pst", [Folder("Inbox", [_mail(1)],
                                                 unlisted=[_mail(2, body="hidden\r\n")])])
    df = readers.read(path)
    assert df["body"].tolist() == ["body 1\r\n", "hidden\r\n"]
    assert "not in its contents table" in df["warnings"].iloc[1]
    assert "#node" in df["locator"].iloc[1]


def test_sender_and_recipients_from_the_store_without_headers(tmp_path: Path) -> None:
    path = write_pst(tmp_path / "t.pst", [Folder("Inbox", [_mail(
        1, cc=[("Sam", "sam@example.com")])])])
    row = readers.read(path).iloc[0]
    assert row["sender"] == "email:rob@example.net" and row["sender_display"] == "Rob Offender"
    assert row["recipients"] == "email:dana@example.org;email:sam@example.com"


# --- damage and mistakes ----------------------------------------------------------------------

def _damaged(tmp_path: Path) -> Path:
    mails = [_mail(i, body=f"MARK{i}" * 3) for i in range(3)]
    path = write_pst(tmp_path / "t.pst", [Folder("Inbox", mails)])
    data = bytearray(path.read_bytes())
    at = data.find("MARK1".encode("utf-16-le"))
    heap = data.rfind(b"\xec\xbc", 0, at) - 2
    data[heap + 2] = 0                              # the mail's heap signature broken
    path.write_bytes(bytes(data))
    return path


def test_unreadable_item_is_an_unparsed_row_the_others_kept(tmp_path: Path) -> None:
    df = readers.read(_damaged(tmp_path))
    assert df["kind"].astype(str).tolist() == ["text", "unparsed", "text"]
    assert df["body"].iloc[[0, 2]].tolist() == ["MARK0" * 3, "MARK2" * 3]
    assert "not readable" in df["warnings"].iloc[1]
    assert df["record_sha256"].notna().all()


def test_truncated_store_is_one_unparsed_row(tmp_path: Path) -> None:
    path = write_pst(tmp_path / "t.pst", [Folder("Inbox", [_mail(1)])])
    path.write_bytes(path.read_bytes()[:path.stat().st_size // 2])
    df = readers.read(path)
    assert df["kind"].astype(str).tolist() == ["unparsed"]
    assert df["warnings"].iloc[0].startswith("Outlook store not readable by libpff")


def test_not_a_store_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "x.pst"
    path.write_bytes(b"From rob@example.net\n\nhello\n")
    with pytest.raises(InputError, match="expected an Outlook .pst/.ost"):
        readers.read(path, format="pst")
    assert not pst.sniff(readers.Head(path, "x.pst", path.read_bytes()))


def test_missing_library_names_the_pip_command(monkeypatch, store: Path) -> None:
    monkeypatch.setitem(sys.modules, "pypff", None)
    with pytest.raises(InputError, match="pip install libpff-python"):
        readers.read(store)


# --- the shared corpora -----------------------------------------------------------------------

def test_corpus_support_pst_17_mails(corpora: Path) -> None:
    df = readers.read(corpora / "outlook_pst" / "msgvault" / "support.pst")
    # msgvault asserts 17 email messages: Drafts 6 + Sent Messages 11.
    assert df["folder"].value_counts().to_dict() == {
        "Top of Personal Folders/Sent Messages": 11, "Top of Personal Folders/Drafts": 6}
    assert (df["kind"] == "text").all() and (df["warnings"] == "").all()
    assert (df["headers_raw"] != "").all() and df["sent_at"].notna().all()
    assert (df["sender"].str.startswith("email:support@hackingteam.")).all()
    # some subjects are in Drafts and in Sent (msgvault's dedup case): distinct mails here,
    # with their own Message-IDs and times, so none is marked a copy
    sent = set(df[df["folder"].str.endswith("Sent Messages")]["subject"])
    drafts = set(df[df["folder"].str.endswith("Drafts")]["subject"])
    assert "Release 9.5.2" in sent & drafts
    assert (df["copy_of"] == "").all()
    row = df[df["attachments"] != ""].iloc[0]
    assert row["attachments"] == "support@hackingteam.it.asc;ATT00001.htm"


def test_corpus_32_bit_ansi_store(corpora: Path) -> None:
    df = readers.read(corpora / "outlook_pst" / "msgvault" / "32-bit.pst")
    # msgvault asserts no readable email messages: its one item is a calendar entry, kept
    # here as a system row (not a contact) with its text.
    assert len(df) == 1
    row = df.iloc[0]
    assert row["kind"] == "system" and row["message_class"] == "IPM.Appointment"
    assert row["subject"] == "Updated: Olympus training for new hires"
    assert row["body"].startswith("Patty will provide Olympus training")
    assert any("ANSI text read in code page cp1252" in a for a in df.attrs["assumptions"])


# --- through the whole pipeline ---------------------------------------------------------------

def test_store_in_a_case_gives_the_notice_contacts_and_abuse_drafts(store: Path,
                                                                    tmp_path: Path) -> None:
    import shutil

    from tests.helpers import make_case
    from whoa_analysis.cli import main

    (tmp_path / "exports").mkdir()
    shutil.copyfile(store, tmp_path / "exports" / "dana.pst")
    case = make_case(tmp_path, sources='[[sources]]\npath = "exports/dana.pst"\n'
                     'format = "auto"\nowner = "dana"\n')
    assert main(["report", str(case), "--out", str(tmp_path / "out")]) == 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["notice"]["locator"] == "pst:Top of Personal Folders/Sent Items#0@2097316"
    after = summary["respondent_contacts_after_notice"]
    assert after["total"] == 2 and after["by_account"] == {"email:rob@example.net": 2}
    import email
    from email import policy

    drafts = sorted((tmp_path / "out" / "complaints").glob("mail-abuse-*.eml"))
    draft = email.message_from_bytes(drafts[0].read_bytes(), policy=policy.default)
    text = draft.get_body(("plain",)).get_content()
    assert draft["To"] == "abuse@example.net" and "Received: from mail.example.net" in text
    assert "keeps no RFC 822 original" in text


def test_formats_lists_the_store_reader() -> None:
    row = next(r for r in readers.formats() if r["format"] == "pst")
    assert row["platform"] == "email" and "*.pst" in row["patterns"] and "*.ost" in row["patterns"]


def test_offline_store_ost_is_read_alike(tmp_path: Path) -> None:
    path = write_pst(tmp_path / "outlook.ost", [Folder("Inbox", [_mail(1)])], client=b"SO")
    assert readers.detect(path) == "pst"
    df = readers.read(path)
    assert df["body"].tolist() == ["body 1\r\n"] and df["sender"].tolist() == [
        "email:rob@example.net"]


def test_personal_address_book_is_not_sniffed(tmp_path: Path) -> None:
    path = write_pst(tmp_path / "x.pab", [Folder("Contacts", [])], client=b"AB")
    with pytest.raises(InputError):
        readers.detect(path)
