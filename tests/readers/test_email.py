"""Email readers (mbox, eml, maildir, msg): the sample, hostile cases, every corpus mail file."""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from whoa_analysis import readers, schema
from whoa_analysis.errors import InputError
from whoa_analysis.readers import _email, eml, maildir, mbox, msg
from whoa_analysis.readers._common import open_head

MAIL = Path("exports/mail")
DANA = "email:dana@example.org"


def _utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def _eml(tmp_path: Path, data: bytes, name: str = "m.eml") -> pd.Series:
    path = tmp_path / name
    path.write_bytes(data)
    df = eml.read(path)
    assert len(df) == 1
    return df.iloc[0]


HEAD = b"From: Rob <rob@example.net>\nTo: dana@example.org\nSubject: s\n"
DATED = HEAD + b"Date: Mon, 11 Mar 2024 10:00:00 +0000\n"


# --- the sample ----------------------------------------------------------------------------------

#: Hand-written from make_mail.py's story: (sent_at UTC, sender, Dana among recipients, subject).
INBOX = [
    ("2024-02-20 18:30:05", "email:rob@example.net", True, "Dinner on Friday?"),
    ("2024-03-02 21:15:40", "email:rob@example.net", True, "Why are you ignoring me"),
    ("2024-03-08 23:40:12", "email:rob@example.net", True, "Answer me"),
    ("2024-03-10 09:47:30", "email:rob@example.net", True, "Re: Stop contacting me"),
    ("2024-03-12 22:10:00", "email:rob.offender@mailbox.example", False, "you will listen"),
    ("2024-03-15 07:30:00", "email:rob.offender@mailbox.example", True, "Remember this?"),
    ("2024-03-16 12:00:00", "email:sam@example.com", True, "Are you OK?"),
    ("2024-03-18 20:05:00", "email:rob@example.net", True, "Last chance"),
]


def test_sample_inbox(sample: Path) -> None:
    path = sample / MAIL / "Inbox.mbox"
    assert readers.detect(path) == "mbox"
    df = mbox.read(path, owner=["email:dana@example.org"])
    assert len(df) == len(INBOX)
    for (_, row), (when, sender, to_dana, subject) in zip(df.iterrows(), INBOX, strict=True):
        assert row["sent_at"] == _utc(when)
        assert row["time_basis"] == "offset"
        assert row["sender"] == sender
        assert (DANA in row["recipients"].split(";")) is to_dana
        assert row["subject"] == subject
        assert row["platform"] == "email" and row["conversation_kind"] == "email"
        assert row["from_owner"] is False or row["from_owner"] == False  # noqa: E712
    assert df["locator"].str.fullmatch(r"mbox:\d+@\d+").all()
    assert df.loc[5, "attachments"] == "photo.jpg"
    assert json.loads(df.loc[5, "attachment_meta"])[0]["type"] == "image/jpeg"
    assert "From now on" in df.loc[1, "body"]          # a "From " line inside a body
    assert df.loc[3, "conversation"] == "<sample-05@example.org>"
    assert df.loc[3, "in_reply_to"] == "<sample-05@example.org>"


def test_sample_stop_request(sample: Path) -> None:
    df = mbox.read(sample / MAIL / "Sent.mbox", owner=["email:dana@example.org"])
    stop = df[df["subject"] == "Stop contacting me"]
    assert len(stop) == 1
    row = stop.iloc[0]
    assert row["sent_at"] == _utc("2024-03-10 09:00:00")
    assert row["sent_at_raw"] == "Sun, 10 Mar 2024 09:00:00 +0000"
    assert row["sender"] == DANA and row["recipients"] == "email:rob@example.net"
    assert "Do not contact me in any way in the future." in row["body"]
    assert bool(row["from_owner"]) is True


def test_sample_eml_is_a_copy_of_an_inbox_message(sample: Path) -> None:
    inbox = mbox.read(sample / MAIL / "Inbox.mbox")
    path = sample / MAIL / "rob_new_address.eml"
    assert readers.detect(path) == "eml"
    copy = eml.read(path).iloc[0]
    same = inbox[inbox["email_message_id"] == copy["email_message_id"]]
    assert len(same) == 1
    assert same.iloc[0]["record_sha256"] == copy["record_sha256"]
    assert copy["record_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


# --- hostile and odd messages -------------------------------------------------------------------

def test_missing_date_uses_topmost_received(tmp_path: Path) -> None:
    data = (b"Received: from a.example.net by mx1.example.org; Tue, 12 Mar 2024 08:00:05 +0100\n"
            b"Received: from b by a.example.net; Tue, 12 Mar 2024 06:59:00 +0000\n" + HEAD
            + b"\nbody\n")
    row = _eml(tmp_path, data)
    assert row["sent_at"] == _utc("2024-03-12 07:00:05")
    assert row["time_basis"] == "offset"
    assert "topmost Received" in row["warnings"]


def test_no_date_and_no_received_has_no_time(tmp_path: Path) -> None:
    row = _eml(tmp_path, HEAD + b"\nbody\n")
    assert pd.isna(row["sent_at"]) and row["time_basis"] == "missing"
    assert "no time" in row["warnings"]


def test_date_without_zone_is_not_guessed(tmp_path: Path) -> None:
    row = _eml(tmp_path, HEAD + b"Date: Mon, 11 Mar 2024 10:00:00\n\nbody\n")
    assert pd.isna(row["sent_at"])
    assert row["sent_at_raw"] == "Mon, 11 Mar 2024 10:00:00"
    assert "no time zone" in row["warnings"]


@pytest.mark.parametrize(("date", "utc"), [
    ("Thu, 13 Feb 1969 23:32:54 -0330", "1969-02-14 03:02:54"),
    ("21 Nov 97 09:55:06 GMT", "1997-11-21 09:55:06"),
    ("Fri, 21 Nov 1997 09:55:06 -0600 (CST)", "1997-11-21 15:55:06"),
    ("Mon, 11 Mar 2024 10:00 EDT", "2024-03-11 14:00:00"),
])
def test_date_forms(date: str, utc: str) -> None:
    assert _email.parse_date(date).utc == _utc(utc)


def test_lying_and_unknown_charsets_fall_back(tmp_path: Path) -> None:
    lying = _eml(tmp_path, DATED + b"Content-Type: text/plain; charset=us-ascii\n\ncaf\xc3\xa9\n")
    assert lying["body"] == "café\n" and "read as UTF-8" in lying["warnings"]
    latin = _eml(tmp_path, DATED + b"Content-Type: text/plain; charset=utf-8\n\ncaf\xe9\n")
    assert latin["body"] == "café\n" and "does not fit" in latin["warnings"]
    for charset in (b"x-no-such-charset", b"zlib", b"base64"):
        row = _eml(tmp_path, DATED + b"Content-Type: text/plain; charset=" + charset
                   + b"\n\nplain\n")
        assert row["body"] == "plain\n" and "unknown charset" in row["warnings"]


def test_rfc2047_and_rfc2231(tmp_path: Path) -> None:
    data = (b"From: =?utf-8?q?J=C3=B6rg?= <j@example.net>\nTo: d@example.org\n"
            b"Subject: =?iso-8859-1?q?Gr=FC=DFe?=\nDate: Mon, 11 Mar 2024 10:00:00 +0000\n"
            b"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nhi\n"
            b"--b\nContent-Type: application/octet-stream\nContent-Disposition: attachment;\n"
            b" filename*=utf-8''%E2%82%AC%20rate.txt\n\nx\n--b--\n")
    row = _eml(tmp_path, data)
    assert row["sender_display"] == "Jörg" and row["subject"] == "Grüße"
    assert row["attachments"] == "€ rate.txt"


ENCODED = [
    "=?utf-8?b?eW91IGdvaW5n?=", "=?UTF-8?B?R3LDvMOfZQ==?= =?utf-8?q?_und_mehr?=",
    "=?iso-8859-1?q?Gr=FC=DFe?=\t=?utf-8?q?=3F?=", "=?utf-8?q?a_b?=", "=?us-ascii?q?=3D?=",
    "=?utf-8?b?R3LDvMOfZQ?=",            # bad padding: the stdlib decides (and notes it)
    "=?utf-8?b?/w==?=",                  # not UTF-8 once decoded
    "=?koi8-r?b?8NLJ18XU?=", "=?utf-8*en?q?hi?=", "Re: =?utf-8?q?hi?=", "=?utf-8?q?hi?=x",
    "=?utf-8?q?=ZZ?=", "=?utf-8?b?YQ==?==?utf-8?b?Yg==?=",
]


@pytest.mark.parametrize("value", ENCODED)
def test_encoded_words_read_as_the_stdlib_reads_them(value: str) -> None:
    """The fast path for plain encoded words gives what email.policy.default gives."""
    assert _email.decode_words(value) == str(_email.std_header("subject", value))


def test_fast_encoded_words_agree_with_stdlib_on_the_corpora(corpora: Path) -> None:
    checked = 0
    for path in sorted((corpora / "email_eml").rglob("*")):
        if not path.is_file():
            continue
        for name, value in _email.split_part(path.read_bytes(), envelope=True).fields:
            for text in {value, *value.split(), *(w for w in value.split(" ") if "=?" in w)}:
                fast = _email._plain_words(text)
                if fast is not None:
                    assert fast == str(_email.std_header("subject", text)), (path, name)
                    checked += 1
    assert checked > 20


@pytest.mark.parametrize(("head", "fields", "body"), [
    (b"Subject: a\n b\n\tc\nX: 1\n\nbody", [("Subject", "a b\tc"), ("X", "1")], b"body"),
    (b"Subject:\n\tfirst line empty\n\nbody", [("Subject", "\tfirst line empty")], b"body"),
    (b"Subject: \r\n x\r\nX:y\r\n\r\nbody", [("Subject", " x"), ("X", "y")], b"body"),
    (b"Subject: a\nnot a field\nbody", [("Subject", "a")], b"not a field\nbody"),
    (b"Subject: a\nX: b", [("Subject", "a"), ("X", "b")], b""),
    (b"Subject: caf\xc3\xa9\n\n", [("Subject", "caf\u00e9")], b""),
    (b"Subject: caf\xe9\n\n", [("Subject", "caf\u00e9")], b""),
    (b"Subject: \xef\xbb\xbfbom\nX: \xef\xbb\xbf\n\n", [("Subject", "bom"), ("X", "")], b""),
    (b"\nSubject: a\n\n", [], b"Subject: a\n\n"),
])
def test_header_block_split_and_unfolded(head: bytes, fields: list, body: bytes) -> None:
    part = _email.split_part(ENV + b"\n" + head, envelope=True)
    assert part.fields == fields and part.body == body
    assert [part.get(n) for n, _ in fields] == [v for _, v in fields]
    assert part.all("SUBJECT") == [v for n, v in fields if n == "Subject"]
    assert ("not valid UTF-8" in " ".join(part.warnings)) is (b"\xe9\n" in head)


def test_repeated_header_fields_keep_their_order() -> None:
    part = _email.split_part(b"Received: one\nreceived: two\nX: x\nRECEIVED: three\n\n")
    assert part.all("Received") == ["one", "two", "three"] and part.get("received") == "one"
    assert part.all("x") == ["x"] and part.all("nope") == [] and part.get("nope") is None


def test_html_only_body_is_text_and_html_is_kept(tmp_path: Path) -> None:
    html = b'<html><img src="http://tracker.example/x.gif"><p>Hello <b>you</b></p>' \
           b"<script>alert(1)</script></html>"
    row = _eml(tmp_path, DATED + b"Content-Type: text/html\n\n" + html)
    assert row["body"] == "Hello you"
    assert row["body_html"] == html.decode()


@pytest.mark.parametrize(("body", "warning"), [
    (b"no boundary here at all\n", "start boundary not found"),
    (b"--b\nContent-Type: text/plain\n\nopen ended\n", "close boundary not found"),
])
def test_broken_boundaries_keep_the_text(tmp_path: Path, body: bytes, warning: str) -> None:
    row = _eml(tmp_path, DATED + b"Content-Type: multipart/mixed; boundary=b\n\n" + body)
    assert warning in row["warnings"]
    assert row["body"].strip() in (body.decode().strip(), "open ended")


def _nest(depth: int) -> bytes:
    inner = b"Content-Type: text/plain\n\ndeep inside\n"
    for i in range(depth):
        inner = (b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (i, i)
                 + inner + b"\n--b%d--\n" % i)
    return DATED + inner


def test_deep_nest_is_bounded(tmp_path: Path) -> None:
    start = time.perf_counter()
    row = _eml(tmp_path, _nest(100))
    assert time.perf_counter() - start < 5
    assert "nested deeper" in row["warnings"]
    assert row["kind"] != "unparsed"
    assert _eml(tmp_path, _nest(20))["body"] == "deep inside\n"


def test_hundred_thousand_parts_is_bounded(tmp_path: Path) -> None:
    parts = b"".join(b"--x\nContent-Type: text/plain\n\n%d\n" % i for i in range(100_000))
    data = DATED + b'Content-Type: multipart/mixed; boundary="x"\n\n' + parts + b"--x--\n"
    start = time.perf_counter()
    row = _eml(tmp_path, data)
    assert time.perf_counter() - start < 10
    assert f"more than {_email.MAX_PARTS} MIME parts" in row["warnings"]
    assert row["body"] == "0"
    assert row["record_sha256"] == hashlib.sha256(data).hexdigest()


def test_traversal_attachment_name_is_text(tmp_path: Path) -> None:
    data = (DATED + b"Content-Type: multipart/mixed; boundary=b\n\n--b\n\nhi\n--b\n"
            b'Content-Disposition: attachment; filename="../../../etc/passwd"\n\nroot:x\n--b--\n')
    before = sorted(p.name for p in tmp_path.rglob("*"))
    row = _eml(tmp_path, data)
    assert row["attachments"] == "../../../etc/passwd"
    meta = json.loads(row["attachment_meta"])
    assert meta == [{"name": "../../../etc/passwd", "type": "text/plain", "size": 6,
                     "sha256": hashlib.sha256(b"root:x").hexdigest()}]
    assert sorted(p.name for p in tmp_path.rglob("*")) == [*before, "m.eml"] or "m.eml" in before


@pytest.mark.parametrize("header", [
    "alice@example.org)<bob@example.org>",           # CVE-2023-27043
    "alice@example.org <bob@example.org>",           # unquoted '@' in the display name
    "a@malicious.example@important.example",         # CVE-2019-16056
    '"a" <b@example.org> <c@example.org>',
])
def test_ambiguous_sender_is_unattributed(tmp_path: Path, header: str) -> None:
    row = _eml(tmp_path, b"From: " + header.encode() + b"\nTo: dana@example.org\n"
               b"Date: Mon, 11 Mar 2024 10:00:00 +0000\n\nhi\n")
    assert row["sender"] == ""
    assert "unattributed" in row["warnings"]
    assert row["sender_display"] == header


def test_ambiguous_recipients_are_left_out(tmp_path: Path) -> None:
    row = _eml(tmp_path, b"From: rob@example.net\nTo: alice@example.org)<dana@example.org>\n"
               b"Cc: sam@example.com\nDate: Mon, 11 Mar 2024 10:00:00 +0000\n\nhi\n")
    assert row["recipients"] == "email:sam@example.com"
    assert "To:" in row["warnings"]


def test_display_name_showing_another_address_is_flagged(tmp_path: Path) -> None:
    row = _eml(tmp_path, b'From: "dana@example.org" <rob@example.net>\n\nhi\n')
    assert row["sender"] == "email:rob@example.net"
    assert "display name shows another address" in row["warnings"]


def test_bcc_counts_as_recipient(tmp_path: Path) -> None:
    row = _eml(tmp_path, HEAD + b"Bcc: Sam <sam@example.com>\n\nhi\n")
    assert row["recipients"] == "email:dana@example.org;email:sam@example.com"


def test_fast_address_path_agrees_with_stdlib(corpora: Path) -> None:
    """Our fast path for plain address headers gives what email.policy.default gives."""
    checked = 0
    for path in sorted((corpora / "email_eml").rglob("*.eml")):
        part = _email.split_part(path.read_bytes(), envelope=True)
        for name in ("from", "to", "cc"):
            for value in part.all(name):
                fast = _email._fast_addresses(value)
                if fast is None:
                    continue
                try:
                    parsed = _email._POLICY.header_factory(name, value)
                    expected = [(a.display_name, a.addr_spec) for a in parsed.addresses]
                except AttributeError:      # a stdlib bug on some display names
                    continue
                assert [(m.display, m.address) for m in fast.mailboxes] == expected, value
                checked += 1
    assert checked > 50


# --- mbox layouts -----------------------------------------------------------------------------

ENV = b"From rob@example.net Mon Mar 11 10:00:00 2024"


def test_mbox_from_in_body_crlf_and_no_final_newline(tmp_path: Path) -> None:
    data = (ENV + b"\r\n" + DATED.replace(b"\n", b"\r\n") + b"\r\nFrom time to time\r\n"
            b">From escaped\r\n\r\n" + ENV + b"\r\nFrom: sam@example.com\r\n\r\nno newline")
    path = tmp_path / "x.mbox"
    path.write_bytes(data)
    df = mbox.read(path)
    assert len(df) == 2
    assert df.loc[0, "body"] == "From time to time\r\n>From escaped\r\n"
    assert df.loc[1, "body"] == "no newline"
    assert df.loc[1, "locator"] == f"mbox:1@{data.index(ENV, 10)}"


@pytest.mark.parametrize("chunk", [1, 3, 17, 4096])
def test_mbox_stream_does_not_depend_on_chunk_size(chunk: int, sample: Path) -> None:
    data = (sample / MAIL / "Inbox.mbox").read_bytes()
    whole = list(mbox.messages(io.BytesIO(data)))
    assert list(mbox.messages(io.BytesIO(data), chunk)) == whole
    assert len(whole) == len(INBOX)


def test_mbox_copies_are_marked(tmp_path: Path) -> None:
    one = ENV + b"\n" + DATED + b"Message-ID: <m1@example.net>\n\nhi\n"
    path = tmp_path / "x.mbox"
    path.write_bytes(one + b"\n" + one)
    df = mbox.read(path)
    assert df.loc[0, "copy_of"] == "" and df.loc[1, "copy_of"] == "mbox:0@0"
    assert df.loc[0, "record_sha256"] == df.loc[1, "record_sha256"]


def test_mbox_bytes_before_the_first_message_are_one_unparsed_row(tmp_path: Path) -> None:
    junk = b"saved by some tool\n\n"
    one = ENV + b"\n" + DATED + b"Message-ID: <m1@example.net>\n\nhi\n"
    path = tmp_path / "x.mbox"
    path.write_bytes(junk + one)
    df = mbox.read(path)
    assert list(df["locator"]) == ["mbox:preamble@0", f"mbox:0@{len(junk)}"]
    assert df.loc[0, "kind"] == "unparsed" and df.loc[0, "body"] == junk.decode()
    assert df.loc[0, "record_sha256"] == hashlib.sha256(junk).hexdigest()
    assert df.loc[1, "subject"] == "s" and df.loc[1, "copy_of"] == ""


def test_row_extras_are_the_message_columns_beyond_the_schema() -> None:
    row = _email.message_row(ENV + b"\n" + DATED + b"\nhi\n", "mbox:0@0")
    extras = [k for k in row if k not in schema.COLUMNS and k != "record_sha256"]
    assert tuple(extras) == _email.ROW_EXTRAS


def test_mbox_without_envelope_lines_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.mbox"
    path.write_bytes(DATED + b"\nhi\n")
    with pytest.raises(InputError, match="expected an mbox"):
        mbox.read(path)


def test_takeout_zip(tmp_path: Path, sample: Path) -> None:
    path = tmp_path / "takeout.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.write(sample / MAIL / "Inbox.mbox", "Takeout/Mail/All mail Including Spam.mbox")
    assert readers.detect(path) == "mbox"
    df = mbox.read(path)
    assert len(df) == len(INBOX)
    assert df.loc[0, "locator"] == "zip:Takeout/Mail/All mail Including Spam.mbox:mbox:0@0"


def test_maildir_and_eml_folder(tmp_path: Path, sample: Path) -> None:
    box = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (box / sub).mkdir(parents=True)
    copy = (sample / MAIL / "rob_new_address.eml").read_bytes()
    (box / "cur" / "1710487800.M1P1.mx1:2,S").write_bytes(copy)
    (box / "new" / "1710600000.M2P2.mx1").write_bytes(DATED + b"\nhi\n")
    assert readers.detect(box) == "maildir"
    df = maildir.read(box)
    assert sorted(df["locator"]) == ["maildir:cur/1710487800.M1P1.mx1:2,S",
                                     "maildir:new/1710600000.M2P2.mx1"]
    assert set(df["maildir_flags"]) == {"S", ""}
    folder = tmp_path / "saved"
    folder.mkdir()
    (folder / "a.eml").write_bytes(copy)
    assert readers.detect(folder) == "eml"
    assert eml.read(folder).loc[0, "record_sha256"] == hashlib.sha256(copy).hexdigest()


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_a_link_in_a_mail_folder_is_one_unparsed_row_not_a_failed_source(tmp_path: Path) -> None:
    """A link among the messages is not followed, and it does not stop the others being read
    (its row is hashed from what it names, beside message rows hashed as they were cut)."""
    box = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (box / sub).mkdir(parents=True)
    (box / "cur" / "1:2,S").write_bytes(DATED + b"\nhi\n")
    os.symlink("/etc/hostname", box / "cur" / "2:2,S")
    folder = tmp_path / "saved"
    folder.mkdir()
    (folder / "a.eml").write_bytes(DATED + b"\nhi\n")
    os.symlink("/etc/hostname", folder / "b.eml")
    for df in (maildir.read(box), eml.read(folder)):
        assert df["kind"].tolist() == ["text", "unparsed"]
        assert "symbolic link: not followed" in df["warnings"].iloc[1]
        assert df["record_sha256"].str.len().eq(64).all()


def test_sniff_is_specific(tmp_path: Path, sample: Path) -> None:
    others = {"log.csv": b"when,timezone,platform,from,to,kind,description,evidence\n",
              "chat.txt": b"[17.09.19, 16:37:47] Rob: From now on\n",
              "irc.log": b"12:00 <rob> Subject: hi\n", "x.json": b'{"From": "x"}',
              "page.mhtml": b"From: <Saved by Blink>\nSubject: x\nMIME-Version: 1.0\n\n"}
    (tmp_path / "exports" / "mail").mkdir(parents=True)
    (tmp_path / "exports" / "mail" / "a.eml").write_bytes(DATED)
    (tmp_path / "exports" / "notes.csv").write_bytes(b"a,b\n")
    assert not eml.sniff(open_head(tmp_path / "exports"))   # not every folder holding mail
    for name, data in others.items():
        (tmp_path / name).write_bytes(data)
        head = open_head(tmp_path / name)
        assert not any(m.sniff(head) for m in (mbox, eml, maildir, msg)), name
    for name in ("Inbox.mbox", "rob_new_address.eml"):
        head = open_head(sample / MAIL / name)
        assert [m.FORMAT for m in (mbox, eml, maildir, msg) if m.sniff(head)] == [
            "mbox" if name.endswith("mbox") else "eml"]


def test_msg_needs_the_optional_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "m.msg"
    path.write_bytes(msg.OLE_MAGIC + b"\0" * 100)
    monkeypatch.setitem(sys.modules, "extract_msg", None)
    with pytest.raises(InputError, match=r"pip install whoa_analysis\[msg\]"):
        msg.read(path)


def test_msg_damaged_file_is_one_unparsed_row(tmp_path: Path) -> None:
    path = tmp_path / "m.msg"
    path.write_bytes(msg.OLE_MAGIC + b"\0" * 600)
    df = msg.read(path)
    assert len(df) == 1 and df.loc[0, "kind"] == "unparsed"


# --- the shared corpora -------------------------------------------------------------------------

def _corpus_files(corpora: Path) -> list[Path]:
    email = corpora / "email_eml"
    return sorted([*email.rglob("*.eml"), *email.rglob("*.msg"), *email.rglob("*.txt"),
                   *(corpora / "mbox").rglob("*.mbox"), *(corpora / "outlook_msg").rglob("*.msg"),
                   corpora / "mbox/james-mime4j/mbox.rlug"])


def _read_any(path: Path) -> pd.DataFrame:
    data = path.read_bytes()
    if data.startswith(msg.OLE_MAGIC):
        return msg.read(path)
    if path.suffix == ".mbox" or path.name == "mbox.rlug":
        return mbox.read(path)
    return eml.read(path)     # one message per file, whatever its name (.eml, .msg, .txt)


def test_every_corpus_mail_file_reads(corpora: Path) -> None:
    files = _corpus_files(corpora)
    assert len(files) > 250
    for path in files:
        df = _read_any(path)
        expected = 5 if path.name == "mbox.rlug" else 1
        assert len(df) == expected, path
        assert (df["kind"] != "unparsed").all(), path
        assert df["record_sha256"].str.len().eq(64).all()


#: Facts from MANIFEST.md (upstream tests) as we read them. ``None`` = not checked.
#: (file, sender, subject, sent_at UTC, recipients subset, attachment names)
FACTS = [
    ("email_eml/mail-parser/mail_test_2.eml", "email:meteo@regione.vda.it",
     "Bollettino Meteorologico del 29/11/2015", "2015-11-29 08:45:18",
     ["email:echo@tu-berlin.de"], None),
    ("email_eml/mail-parser/mail_malformed_3.eml", None, None, "2017-03-19 23:12:54", None, None),
    ("email_eml/mail-parser/mail_test_16.eml", "email:sender@example.net",
     "Test spam mail (GTUBE)", "2003-07-23 21:30:00", ["email:recipient@example.net"], None),
    ("email_eml/mail-parser/mail_test_17.eml", "email:notificaccion-clientes@bbva.mx", None,
     None, None, None),
    ("email_eml/mail-parser/mail_test_18.eml", "email:comma.name@example.com", None, None,
     ["email:tony.stark@example.com", "email:simple@example.net",
      "email:john.doe@example.com"], None),
    # Upstream reads 'alice@example.com <bob@example.com>' as bob; an unquoted '@' in a display
    # name is the CVE-2023-27043 shape, so we leave it unattributed (From and that Cc mailbox).
    ("email_eml/mail-parser/mail_test_19.eml", "", None, None,
     ["email:charlie@example.com", "email:dave@example.com"], None),
    ("email_eml/mail/rfc2822/example01.eml", "email:jdoe@machine.example", "Saying Hello",
     "1997-11-21 15:55:06", ["email:mary@example.net"], None),
    ("email_eml/mail/rfc2822/example03.eml", None, None, "2003-07-01 08:52:37",
     ["email:mary@x.test", "email:jdoe@example.org", "email:one@y.test", "email:boss@nil.test",
      "email:sysservices@example.net"], None),
    ("email_eml/mail/rfc2822/example04.eml", None, None, "1969-02-14 03:02:54",
     ["email:c@a.test", "email:joe@where.test", "email:jdoe@one.test"], None),
    ("email_eml/mail/rfc2822/example06.eml", None, "Re: Saying Hello", "1997-11-21 16:01:10",
     None, None),
    # Upstream keeps the comment in 'pete(his account)@silly.test'; comments are not part of
    # the address, so our account key drops it.
    ("email_eml/mail/rfc2822/example10.eml", "email:pete@silly.test", None, "1969-02-14 03:02:00",
     ["email:c@public.example", "email:joe@example.org", "email:jdoe@one.test"], None),
    ("email_eml/mail/rfc2822/example12.eml", None, None, "1997-11-21 09:55:06", None, None),
    ("email_eml/mail/rfc6532/utf8_headers.eml", "email:jdöe@mächine.example", "Säying Hello",
     None, ["email:märy@exämple.net"], None),
    ("email_eml/mail/error_emails/cant_parse_from.eml", "email:news@insideapple.apple.com",
     None, None, None, None),
    ("email_eml/mail/error_emails/weird_to_header.eml", None, None, None,
     ["email:user-example@aol.com", "email:e-s-a-s-2200@app.ar.com"], None),
    ("email_eml/mail/mime_emails/two_from_in_message.eml", None, None, None,
     ["email:tester2@test.com"], None),
    ("email_eml/mail/multi_charset/japanese_iso_2022.eml", None, None, None,
     ["email:raasdnil@gmail.com"], None),
    ("email_eml/eml_parser/sample_gh_issue_76.eml", "email:badname@example.com", None, None,
     ["email:badname@example.com"], None),
    ("email_eml/eml_parser/sample_bug27257.eml", None, None, None, ["email:test@example.com"],
     None),
    ("email_eml/eml_parser/sample_attachments.eml", None, None, None, None,
     ["document.pdf", "test.csv", "text.txt"]),
    ("email_eml/mail/attachment_emails/attachment_nonascii_filename.eml", None, None, None, None,
     ["ciële.txt"]),
    ("email_eml/mail/attachment_emails/attachment_with_base64_encoded_name.eml", None, None,
     None, None, ["This is a test.pdf"]),
    ("email_eml/mail/attachment_emails/attachment_with_unquoted_name.eml", None, None, None,
     None, ["This is a test.txt"]),
    ("email_eml/langchain-community/fake-email-attachment.eml", None,
     "Fake email with attachment", None, None, ["fake-attachment.txt"]),
    # Upstream names the three inline images by Content-ID; they have no name, so our
    # `attachments` lists only the PDF (attachment_meta has all four: see test_corpus_details).
    ("email_eml/mail-parser/mail_test_10.eml", None, None, None, None,
     ["Move To Eight ZWEP6227F.pdf"]),
    ("email_eml/cpython/msg_04.txt", None, None, None, None, ["msg.txt", "msg.txt"]),
    # mail-parser's tests mock this .msg with mail_test_2; the file itself is another message.
    ("outlook_msg/mail-parser/mail_outlook_1.msg", "email:nueblingv@w-vwa.de",
     "Newsletter Prüfung Personalwesen / Prüfung Eröffnungsbilanz", "2017-09-18 10:00:18",
     ["email:gaiser-schoenenborn@kreis-tuebingen.de"], None),
    # The MANIFEST's TZ trap: msg-extractor prints 00:26:24 GMT, LangChain 16:26:24 +0800 (for
    # a sibling file); the transport Date (+0200) and PR_CLIENT_SUBMIT_TIME both say 08:26:24Z.
    ("outlook_msg/msg-extractor/unicode.msg", "email:brizhou@gmail.com", "Test for TIF files",
     "2013-11-18 08:26:24", ["email:brianzhou@me.com", "email:brizhou@gmail.com"],
     ["import OleFileIO.tif", "raised value error.tif"]),
    ("outlook_msg/ruby-msg/test_Blammo.msg", "email:triplenickel@mapi32.net", "BlammoBlammo",
     None, None, None),
    ("outlook_msg/ruby-msg/qwerty_1-orig.msg", None, "qwerty", None, None, None),
]


@pytest.mark.parametrize(("name", "sender", "subject", "when", "to", "attachments"), FACTS,
                         ids=[f[0].rsplit("/", 1)[-1] for f in FACTS])
def test_corpus_facts(corpora: Path, name: str, sender: str | None, subject: str | None,
                      when: str | None, to: list[str] | None,
                      attachments: list[str] | None) -> None:
    row = _read_any(corpora / name).iloc[0]
    if sender is not None:
        assert row["sender"] == sender
    if subject is not None:
        assert row["subject"] == subject
    if when is not None:
        assert row["sent_at"] == _utc(when)
    if to is not None:
        assert set(to) <= set(row["recipients"].split(";"))
    if attachments is not None:
        assert sorted(row["attachments"].split(";")) == sorted(attachments)


def test_corpus_details(corpora: Path) -> None:
    mail = corpora / "email_eml/mail"
    two = _read_any(corpora / "email_eml/mail-parser/mail_test_2.eml").iloc[0]
    assert two["email_message_id"] == "<4516257BC5774408ADC1263EEBBBB73F@ad.regione.vda.it>"
    assert len(two["recipients"].split(";")) == 2 and len(two["attachments"].split(";")) == 3
    pdf = json.loads(_read_any(mail / "attachment_emails/attachment_pdf.eml")
                     .iloc[0]["attachment_meta"])
    assert [a["size"] for a in pdf] == [1026]
    jp = _read_any(mail / "multi_charset/japanese_iso_2022.eml").iloc[0]
    assert jp["body"].startswith("すみません。")
    ten = _read_any(corpora / "email_eml/mail-parser/mail_test_10.eml").iloc[0]
    assert len(json.loads(ten["attachment_meta"])) == 4
    nineteen = _read_any(corpora / "email_eml/mail-parser/mail_test_19.eml").iloc[0]
    assert "unattributed" in nineteen["warnings"]
    ko = _read_any(mail / "multi_charset/ks_c_5601-1987.eml").iloc[0]
    assert ko["body"].startswith("스티해")
    bad = _read_any(mail / "error_emails/invalid_subject_characters.eml").iloc[0]
    assert bad["subject"].startswith("Formação FrenetikPolis")
    assert "cp1252" in bad["warnings"]
    reply = _read_any(mail / "rfc2822/example07.eml").iloc[0]
    assert reply["in_reply_to"] == "<3456@example.net>"
    assert reply["conversation"] == "<1234@local.machine.example>"
    # eml_parser falls back to 1970 when Date is missing; we take the Received stamp and say so.
    nodate = _read_any(corpora / "email_eml/eml_parser/sample_date_parsing.eml").iloc[0]
    assert nodate["time_basis"] == "offset" and "Received" in nodate["warnings"]
    strange = _read_any(corpora / "outlook_msg/msg-extractor/strangeDate.msg").iloc[0]
    assert strange["subject"] == "MSG Test File" and strange["sender"] == ""
    assert strange["recipients"] == "email:time2talk@online-convert.com"
    assert pd.isna(strange["sent_at"])     # only a creation time: never taken as sent time
    blammo = _read_any(corpora / "outlook_msg/ruby-msg/test_Blammo.msg").iloc[0]
    assert blammo["recipients"] == "" and blammo["attachments"] == ""
    tiff = json.loads(_read_any(corpora / "outlook_msg/msg-extractor/unicode.msg")
                      .iloc[0]["attachment_meta"])
    assert [a["type"] for a in tiff] == ["image/tiff", "image/tiff"]


RLUG = [("email:mmihai@netcompsj.ro", "Din windows ma pot, din LINUX NU ma pot conecta (la ZAPP)",
         "2003-02-07 16:35:25"),
        (None, "Re: RH 8.0 boot floppy", None),
        (None, "Qmail mysql virtualusers +ssl + smtp auth +pop3", None),
        ("email:teo.55@home.ro", "Re: Din windows ma pot, din LINUX NU ma pot conecta (la ZAPP)",
         None),
        (None, "LSTP problem - solved", "2003-02-07 23:58:32")]


def test_corpus_mboxes(corpora: Path) -> None:
    path = corpora / "mbox/james-mime4j/mbox.rlug"
    df = mbox.read(path)
    assert len(df) == 5
    for i, (sender, subject, when) in enumerate(RLUG):
        assert df.loc[i, "subject"] == subject
        if sender:
            assert df.loc[i, "sender"] == sender
        if when:
            assert df.loc[i, "sent_at"] == _utc(when)
        # mime4j's split keeps the blank separator line; ours (Python's mailbox) does not.
        split = (corpora / f"mbox/james-mime4j/mbox.rlug-{i}").read_bytes()
        assert df.loc[i, "record_sha256"] == hashlib.sha256(split[:-1]).hexdigest()
    one = mbox.read(corpora / "mbox/cpython/mailbox_01.mbox")
    assert len(one) == 1 and "From time to time" in one.loc[0, "body"]
