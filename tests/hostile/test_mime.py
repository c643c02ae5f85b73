"""Hostile and broken MIME: 100-deep nesting, 100,000 parts, a 50 MB header, broken boundaries,
bad base64 and quoted-printable, lying, unknown, mixed and UTF-7 charsets, hostile attachment
names (plain and RFC 2231 encoded), and an HTML mail full of remote references.

Guarantees: one message in, one row out, within time and memory limits; the damage is said in
``warnings``; attachment names are text and nothing is written; nothing remote is fetched.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from whoa_analysis import readers

from . import corpus as C
from .harness import read_outcome


def _one_row(tmp_path: Path, raw: bytes, *, seconds: float = 20) -> dict:
    path = tmp_path / "m.eml"
    path.write_bytes(raw)
    outcome = read_outcome(path, "eml", seconds=seconds)
    assert outcome.ok, outcome.error
    assert outcome.value["rows"] == 1
    return outcome.value


def test_100_deep_nesting_is_one_row_and_says_where_it_stopped(tmp_path):
    row = _one_row(tmp_path, C.nested_mime(100))
    assert "nested deeper" in row["warnings"][0]


def test_100k_parts_is_one_row_within_limits(tmp_path):
    row = _one_row(tmp_path, C.many_parts(100_000))
    assert "MIME parts" in row["warnings"][0]


def test_a_50_mb_header_is_one_row_within_limits(tmp_path):
    row = _one_row(tmp_path, C.huge_header(50 << 20), seconds=30)
    assert row["bodies"] == ["body after\n"]


@pytest.mark.parametrize("name", sorted(C.broken_mime()))
def test_broken_mime_is_one_row(tmp_path, name):
    row = _one_row(tmp_path, C.broken_mime()[name])
    assert row["kinds"][0] in ("text", "media", "unparsed")


@pytest.mark.parametrize(("name", "said"), [
    ("boundary_never_appears", "boundary"), ("no_closing_boundary", "boundary"),
    ("empty_boundary", "boundary"), ("lying_charset", "does not fit"),
    ("unknown_charset", "unknown charset"), ("mixed_charsets", "does not fit"),
    ("bad_base64", "base64"),
])
def test_damage_is_said_in_warnings(tmp_path, name, said):
    row = _one_row(tmp_path, C.broken_mime()[name])
    assert said in row["warnings"][0]


def test_mbox_of_broken_messages_keeps_count(tmp_path):
    # Not 'header_without_colon': an envelope line must be followed by a header field to start
    # a message (mbox.py's rule against unescaped 'From ' body lines), so that one stays inside
    # the message before it (its bytes kept and hashed there).
    broken = {k: v for k, v in C.broken_mime().items() if k != "header_without_colon"}
    raws = [*broken.values(), C.nested_mime(100), C.many_parts(2000)]
    path = tmp_path / "broken.mbox"
    path.write_bytes(C.mbox([C.Mail(raw=r) for r in raws]))
    outcome = read_outcome(path, "mbox")
    assert outcome.ok, outcome.error
    assert outcome.value["rows"] == len(raws)


@pytest.mark.parametrize("encoded", [False, True], ids=["plain", "rfc2231"])
def test_hostile_attachment_names_are_text_and_nothing_is_written(tmp_path, monkeypatch,
                                                                  encoded):
    names = list(C.BAD_NAMES.values())
    if encoded:
        dispositions = [C.attachment_disposition(n) for n in names]
    else:   # a NUL cannot be written in a plain header: RFC 2231 carries that one
        names = [n for n in names if "\x00" not in n]
        dispositions = ['attachment; filename="{}"'.format(n.replace("\\", "\\\\")) for n in names]
    path = tmp_path / "in" / "names.mbox"
    path.parent.mkdir()
    path.write_bytes(C.mbox([C.Mail(attachments=[(d, b"MZ payload")]) for d in dispositions]))
    work = tmp_path / "in" / "deep" / "cwd"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    before = sorted(p.as_posix() for p in tmp_path.rglob("*"))
    df = readers.read(path, "mbox")
    assert sorted(p.as_posix() for p in tmp_path.rglob("*")) == before
    assert df["attachments"].tolist() == names          # exactly the text, one per message
    assert not Path("/etc/passwd").read_bytes().startswith(b"MZ")


def test_html_mail_with_remote_references_fetches_nothing(tmp_path, monkeypatch):
    """A tracking pixel, a remote stylesheet, @import, an iframe and a script: the reader
    reads the text and never opens a socket (recorded, not only refused)."""
    attempts = []

    class Recording(socket.socket):
        def __init__(self, *args, **kwargs):
            attempts.append(args)
            raise OSError("no network in tests")

    monkeypatch.setattr(socket, "socket", Recording)
    monkeypatch.setattr(socket, "create_connection",
                        lambda *a, **k: attempts.append(a) or (_ for _ in ()).throw(OSError()))
    monkeypatch.setattr(socket, "getaddrinfo",
                        lambda *a, **k: attempts.append(a) or (_ for _ in ()).throw(OSError()))
    path = tmp_path / "pixel.eml"
    path.write_bytes(C.html_mail("http://tracker.example"))
    df = readers.read(path, "eml")
    assert attempts == []
    assert df["body"].iloc[0].strip() == "Hello"
    assert "tracker.example/pixel.gif" in df["body_html"].iloc[0]     # kept, as text


def test_a_long_line_without_a_colon_is_read_in_linear_time(tmp_path):
    """A binary file (an image) read as mail: its one long line with no colon ends the header
    block at once; it was tried at every byte (64 KB took half a minute)."""
    import time

    from whoa_analysis import readers

    path = tmp_path / "image.eml"
    path.write_bytes(b"\x89PNG\r\n" + b"A" * (1 << 20))
    start = time.process_time()
    df = readers.read(path, "eml")
    assert len(df) == 1 and df["body"].iloc[0].endswith("A" * 100)
    # Generous: linear is a few hundredths of a second here; quadratic is hours.
    assert time.process_time() - start < 20
