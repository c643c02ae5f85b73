"""Mail complaints as desks ask for them, on the sample case: each respondent mail after the
request is attached byte for byte (compared with the source, read independently with the
stdlib) in exactly one mail-abuse-NN.eml draft and in exactly one RFC 5965 report; the drafts
parse back without defects; a header cannot be injected through a harasser's name or subject."""

from __future__ import annotations

import email
import hashlib
import shutil
from email import policy
from pathlib import Path

import pytest

from whoa_analysis import case as case_mod
from whoa_analysis import pipeline
from whoa_analysis.reports import _mime, _originals, mail_drafts

from ..conftest import SAMPLE
from .conftest import STAMP, make_case, run_pack


def parse(data: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(data, policy=policy.default)


def raw_parts(data: bytes) -> list[tuple[bytes, bytes]]:
    """(header block, content) of each top-level part, cut from the file's bytes by the
    boundary (not through the parser, which would re-serialise an attached message)."""
    mark = b"--" + parse(data).get_boundary().encode()
    body = data.split(b"\r\n\r\n", 1)[1]
    chunks = body.split(b"\r\n" + mark)
    out = []
    for chunk in chunks[1:-1]:
        head, _, content = chunk[2:].partition(b"\r\n\r\n")      # after the delimiter's CRLF
        out.append((head, content))
    return out


def attached(data: bytes) -> list[bytes]:
    return [content for head, content in raw_parts(data)
            if b"message/rfc822" in head.split(b"\r\n", 1)[0]]


@pytest.fixture(scope="module")
def sample_pack(tmp_path_factory) -> tuple[Path, pipeline.Prepared, Path]:
    folder = tmp_path_factory.mktemp("sample") / "case"
    shutil.copytree(SAMPLE, folder)
    case = case_mod.load(folder / "case.toml")
    pipeline.ensure_evidence(case, say=lambda _: None)
    prepared = pipeline.prepare(case)
    out = folder.parent / "pack"
    pipeline.write_pack(prepared, out, say=lambda _: None, generated_at=STAMP)
    return out, prepared, folder


def in_source(folder: Path, row: dict, found: list[bytes]) -> int:
    """How many of the attached parts are the row's message exactly as its source holds it:
    for an mbox, the bytes after the envelope line at the locator's offset up to the blank
    line before the next envelope (or the end); for an .eml, the whole file."""
    data = (folder / row["source_path"]).read_bytes()
    if not row["locator"].startswith("mbox:"):
        return found.count(data)
    start = data.index(b"\n", int(row["locator"].rsplit("@", 1)[1])) + 1
    return sum(1 for part in found if data[start:start + len(part)] == part
               and data[start + len(part):].lstrip(b"\r\n")[:5] in (b"From ", b""))


def respondent_mail(prepared: pipeline.Prepared) -> list[dict]:
    after = prepared.analysis.tables["respondent_after"]
    return after[after["platform"].astype(str) == "email"].to_dict("records")


def test_each_mail_after_the_request_is_attached_exactly_once_in_the_drafts(sample_pack):
    out, prepared, folder = sample_pack
    rows = respondent_mail(prepared)
    assert len(rows) == 4                    # the sample's respondent mail after the request
    drafts = sorted((out / "complaints").glob("mail-abuse-*.eml"))
    assert [p.name for p in drafts] == ["mail-abuse-01.eml", "mail-abuse-02.eml"]
    found = [part for p in drafts for part in attached(p.read_bytes())]
    for row in rows:
        assert in_source(folder, row, found) == 1, row["locator"]
        assert [hashlib.sha256(p).hexdigest() for p in found].count(row["record_sha256"]) == 1
    assert len(found) == len(rows)


def test_each_mail_after_the_request_has_exactly_one_arf_report(sample_pack):
    out, prepared, folder = sample_pack
    reports = sorted((out / "complaints" / "arf").glob("*.eml"))
    assert [p.name for p in reports] == ["001.eml", "002.eml", "003.eml", "004.eml"]
    found = [part for p in reports for part in attached(p.read_bytes())]
    for row in respondent_mail(prepared):
        assert in_source(folder, row, found) == 1, row["locator"]


def test_arf_reports_have_the_rfc5965_structure(sample_pack):
    out, _, _ = sample_pack
    for path in sorted((out / "complaints" / "arf").glob("*.eml")):
        msg = parse(path.read_bytes())
        assert msg.get_content_type() == "multipart/report"
        assert msg.get_param("report-type") == "feedback-report"
        assert msg["X-Unsent"] == "1"
        parts = list(msg.iter_parts())
        assert [p.get_content_type() for p in parts] == [
            "text/plain", "message/feedback-report", "message/rfc822"]
        assert "RFC 5965" in parts[0].get_content()
        fields = parts[1].get_payload()[0]
        assert fields["Feedback-Type"] == "abuse" and fields["Version"] == "1"
        assert fields["User-Agent"].startswith("whoa_analysis/")
        assert fields["Original-Mail-From"] in ("<rob@example.net>",
                                                "<rob.offender@mailbox.example>")
        # the address and the time of the hop the victim's own server wrote (trusted)
        assert fields["Source-IP"] in ("198.51.100.25", "203.0.113.10")
        assert email.utils.parsedate_to_datetime(fields["Arrival-Date"]).tzinfo is not None
        assert fields["Reported-Domain"] in ("example.net", "mailbox.example")
        assert parts[2].get_payload()[0]["Message-ID"].startswith("<sample-")


def test_the_arrival_date_is_the_receiving_servers_time(sample_pack):
    out, _, _ = sample_pack
    fields = parse((out / "complaints" / "arf" / "001.eml").read_bytes()).get_payload()[1]
    # hop 1 (the victim's mx1.example.org) says 09:47:32; hop 2, the sender's side, 09:47:31
    assert fields.get_payload()[0]["Arrival-Date"] == "Sun, 10 Mar 2024 09:47:32 +0000"


def test_drafts_parse_without_defects_and_open_as_unsent(sample_pack):
    out, _, _ = sample_pack
    for path in sorted((out / "complaints").rglob("*.eml")):
        msg = parse(path.read_bytes())
        assert [(p.get_content_type(), p.defects) for p in msg.walk() if p.defects] == []
        assert msg["X-Unsent"] == "1" and msg["Date"]
        assert msg.is_multipart()


def test_the_abuse_draft_body_is_the_draft_text_with_the_headers(sample_pack):
    out, _, _ = sample_pack
    msg = parse((out / "complaints" / "mail-abuse-01.eml").read_bytes())
    assert msg["To"] == "abuse@example.net" and "rob@example.net" in msg["Subject"]
    body = next(msg.iter_parts()).get_content().replace("\r\n", "\n")
    assert body.startswith("DRAFT — review before sending. Nothing has been sent.")
    assert "attached as message-001.eml, exactly as in the source" in body
    assert "----- headers of message 1 -----\nReturn-Path: <rob@example.net>" in body
    names = [p.get_filename() for p in msg.iter_parts()][1:]
    assert names == ["message-001.eml", "message-004.eml"]          # fixed, never from data


def test_the_same_inputs_give_the_same_draft_bytes(sample_pack, tmp_path):
    out, prepared, _ = sample_pack
    again = tmp_path / "again"
    pipeline.write_pack(prepared, again, say=lambda _: None, generated_at=STAMP)
    for path in sorted((out / "complaints").rglob("*.eml")):
        rel = path.relative_to(out)
        assert (again / rel).read_bytes() == path.read_bytes(), rel


# --------------------------------------------------------------------------- header injection

EVIL = "\r\nBcc: x@evil.example"
#: A mail whose display name and subject decode to text holding CR/LF and a Bcc field.
HOSTILE_MAIL = (
    b"From rob@example.net Tue Mar 12 10:00:00 2024\n"
    b"Return-Path: <rob@example.net>\n"
    b"Received: from mail.example.net (mail.example.net [198.51.100.25])\n"
    b"\tby mx1.example.org; Tue, 12 Mar 2024 10:00:02 +0000\n"
    b"From: =?utf-8?q?Rob=0D=0ABcc=3A_x=40evil=2Eexample?= <rob@example.net>\n"
    b"To: dana@example.org\n"
    b"Subject: =?utf-8?q?hi=0D=0ABcc=3A_x=40evil=2Eexample?=\n"
    b"Date: Tue, 12 Mar 2024 10:00:00 +0000\n"
    b"Message-ID: <evil-1@example.net>\n\n"
    b"body\n")
HOSTILE_SOURCES = """
[[sources]]
path = "exports/Inbox.mbox"
format = "mbox"
owner = "dana"
"""


@pytest.fixture(scope="module")
def hostile_pack(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile") / "case"
    rows = [("2024-03-10T09:00:00Z", "letter", "person:dana", "person:rob", "letter",
             "Do not contact me in any way in the future."),
            ("2024-03-17T14:00:00Z", "phone", "phone:+44 7700 900321", "person:dana", "call",
             "Sam checking in")]
    case_file = make_case(folder, rows, extra=HOSTILE_SOURCES)
    text = case_file.read_text(encoding="utf-8")
    # the case file's own names too (a volunteer may paste anything)
    text = text.replace('name = "Rob Offender"', 'name = "Rob\\r\\nBcc: x@evil.example"')
    case_file.write_text(text, encoding="utf-8")
    (folder / "exports" / "Inbox.mbox").write_bytes(HOSTILE_MAIL)
    run_pack(case_file, folder.parent / "pack")
    return folder.parent / "pack"


def test_a_hostile_name_never_creates_a_header_in_any_draft(hostile_pack):
    emls = sorted((hostile_pack / "complaints").rglob("*.eml"))
    assert len(emls) == 2                                 # one abuse draft, one ARF report
    for path in emls:
        data = path.read_bytes()
        msg = parse(data)
        for part in msg.walk():
            assert "bcc" not in {k.lower() for k in part}, path.name
        for head, _ in raw_parts(data):
            assert not any(line.lower().startswith(b"bcc") for line in head.split(b"\r\n"))
        top = data.split(b"\r\n\r\n", 1)[0]
        assert not any(line.lower().startswith(b"bcc") for line in top.split(b"\r\n"))
        # the name and subject are there, whole, inside their own field
        assert EVIL in str(msg["Subject"]), path.name
    for path in (hostile_pack / "complaints").rglob("*.txt"):
        text = path.read_text(encoding="utf-8")
        assert not any(line.startswith("Bcc") for line in text.splitlines()), path.name
        assert "\r" not in text


def test_header_values_with_line_breaks_are_encoded_words():
    block = _mime.header_block([("Subject", "a" + EVIL), ("To", "abuse@example.net")])
    assert block.count(b"\r\n") == 3 + block.count(b"\r\n ")    # two fields, folds, blank
    assert b"Bcc:" not in block and b"=?utf-8?" in block
    assert str(parse(block + b"x")["Subject"]) == "a" + EVIL


def test_only_plain_addresses_reach_a_header():
    assert _mime.is_address("abuse@example.net")
    for bad in ("abuse@<script>.example", "a@b.example\r\nBcc: x@evil.example",
                "https://support.google.com/mail/contact/abuse", "abuse@localhost"):
        assert not _mime.is_address(bad), bad


# --------------------------------------------------------------------------- no RFC 822 original

def test_a_msg_file_is_attached_as_exported_and_said_to_have_no_rfc822_original(tmp_path):
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 4
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "one.msg").write_bytes(data)
    case = case_mod.load(make_case(tmp_path, extra='\n[[sources]]\npath = "exports/one.msg"\n'
                                                  'format = "msg"\nowner = "dana"\n'))
    row = {"source_path": "exports/one.msg", "locator": "msg:0", "source_format": "msg",
           "record_sha256": hashlib.sha256(data).hexdigest(), "sender": "email:rob@example.net"}
    original = _originals.read(case, row)
    assert not original.ok and original.kind == "msg" and "no RFC 822 original" in \
        original.problem

    class Inp:
        pass

    inp = Inp()
    inp.case = case
    mail = mail_drafts.Mail(1, row, None, original)
    part, _ = mail_drafts.attachment(inp, mail, str)
    parsed = parse(b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n" + part
                   + b"\r\n--b--\r\n")
    inner = next(parsed.iter_parts())
    assert inner.get_content_type() == "application/vnd.ms-outlook"
    assert inner.get_filename() == "message-001.msg" and inner.get_content() == data
    assert "not attachable as a message" in mail_drafts.attachment_note(inp, mail, str)


def test_bytes_that_no_longer_match_their_hash_are_not_attached(sample_pack):
    _, prepared, folder = sample_pack
    row = dict(respondent_mail(prepared)[0], record_sha256="0" * 64)
    original = _originals.read(case_mod.load(folder / "case.toml"), row)
    assert not original.ok and "do not match its recorded SHA-256" in original.problem


def test_a_locator_cannot_leave_its_source_folder(tmp_path):
    (tmp_path / "box" / "cur").mkdir(parents=True)
    (tmp_path / "secret").write_bytes(b"x")
    with pytest.raises(ValueError):
        _originals._file(tmp_path / "box", "../secret")
    (tmp_path / "box" / "cur" / "link").symlink_to(tmp_path / "secret")
    with pytest.raises(ValueError):
        _originals._file(tmp_path / "box", "cur/link")


def test_drafts_an_earlier_run_left_never_survive_into_a_new_pack(sample_pack, tmp_path):
    """A pack is built whole in a new folder: an earlier folder is refused, and with
    ``force`` replaced, so no stale draft of another run can be handed over with it."""
    from whoa_analysis.errors import OutputError

    _, prepared, _ = sample_pack
    out = tmp_path / "pack"
    stale = [out / "complaints" / n for n in ("mail-abuse-07.eml", "arf/009.eml",
                                              "platform-x/messages.csv", "phone-network.txt")]
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"old")
    with pytest.raises(OutputError, match="already holds files"):
        pipeline.write_pack(prepared, out, say=lambda _: None, generated_at=STAMP)
    assert all(p.read_bytes() == b"old" for p in stale)        # refused: nothing touched
    pipeline.write_pack(prepared, out, say=lambda _: None, generated_at=STAMP, force=True)
    assert [p for p in stale if p.exists()] == []
    assert not (out / "complaints" / "platform-x").exists()
    assert (out / "complaints" / "mail-abuse-02.eml").is_file()
