"""The mbox reader in several processes and in pieces gives exactly the one-pass frame.

Ranges are made tiny (``_parallel.MIN_BYTES``, ``mbox.RANGE_BYTES``) so a small file is cut in
many places: at envelope lines only, never at a body line that looks like one.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from whoa_analysis.readers import _email, _parallel, mbox

ENV = b"From rob@example.net Mon Mar 11 10:00:00 2024\n"
OWNER = ["email:dana@example.org"]


def _message(n: int, body: bytes = b"hello\n", mid: int | None = None) -> bytes:
    return (ENV + b"From: Rob <rob@example.net>\nTo: dana@example.org\nSubject: s%d\n"
            b"Date: Mon, 11 Mar 2024 10:%02d:00 +0000\nMessage-ID: <m%d@example.net>\n\n"
            % (n, n % 60, n if mid is None else mid) + body)


def _mailbox() -> bytes:
    """Messages, body lines that look like envelopes, copies far apart, CRLF, a '>From'."""
    parts = []
    for n in range(40):
        body = b"line %d\n" % n * (n % 7 + 1)
        if n % 5 == 1:
            body += b"From time to time\n>From escaped\nFrom x Tue Mar 12 10:00:00 2024\nno field\n"
        if n % 9 == 4:       # two envelope lines in a row (the first message is empty)
            parts.append(b"From a Mon Mar 11 10:00:00 2024\nFrom :b Mon Mar 11 10:00:00 2024\n"
                         b"Subject: odd\n\nodd body\n")
        parts.append(_message(3) if n % 8 == 7 else _message(n, body))
    parts.append(_message(41).replace(b"\n", b"\r\n"))
    return b"\n".join(parts)


def _one_process(path: Path, monkeypatch: pytest.MonkeyPatch) -> pd.DataFrame:
    with monkeypatch.context() as m:
        m.setenv("WHOA_PROCESSES", "1")
        return mbox.read(path, owner=OWNER)


@pytest.fixture
def tiny_ranges(monkeypatch: pytest.MonkeyPatch) -> list[list[tuple[int, int]]]:
    """Two processes over ranges of a few hundred bytes; returns the cuts made."""
    monkeypatch.setenv("WHOA_PROCESSES", "2")
    monkeypatch.setattr(_parallel, "MIN_BYTES", 1)
    monkeypatch.setattr(mbox, "RANGE_BYTES", 300)
    monkeypatch.setattr(mbox, "READ_RANGE_BYTES", 700)
    cuts: list[list[tuple[int, int]]] = []
    real = _parallel.cut

    def spy(*args: object) -> list[tuple[int, int]]:
        cuts.append(real(*args))
        return cuts[-1]

    monkeypatch.setattr(_parallel, "cut", spy)
    return cuts


@pytest.mark.parametrize("preamble", [b"", b"junk before the first envelope\n\n", b"\n\n"])
def test_two_processes_equal_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 tiny_ranges: list, preamble: bytes) -> None:
    path = tmp_path / "box.mbox"
    data = preamble + _mailbox()
    path.write_bytes(data)
    one = _one_process(path, monkeypatch)
    two = mbox.read(path, owner=OWNER)
    assert len(tiny_ranges[-1]) > 5                  # the parallel path did cut the file
    offsets = {int(loc.rsplit("@", 1)[1]) for loc in two["locator"]}
    for start, _ in tiny_ranges[-1][1:]:             # ... at message starts only
        assert data[start - 1:start + 5] == b"\nFrom " and start in offsets
    assert_frame_equal(one, two, check_exact=True)
    assert one.attrs == two.attrs
    assert two["locator"].str.fullmatch(r"mbox:(\d+|preamble)@\d+").all()
    assert (two["kind"] == "unparsed").sum() == (1 if preamble.strip() else 0)


def test_batches_concatenate_to_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     tiny_ranges: list) -> None:
    path = tmp_path / "box.mbox"
    path.write_bytes(b"preamble\n\n" + _mailbox())
    whole = _one_process(path, monkeypatch)
    monkeypatch.setattr(mbox, "RANGE_BYTES", 1500)
    pieces = list(mbox.batches(path, owner=OWNER, rows=4))
    assert len(pieces) > 10 and all(1 <= len(p) <= 4 for p in pieces)
    assert {tuple(p.dtypes.astype(str).items()) for p in pieces} == {
        tuple(whole.dtypes.astype(str).items())}
    joined = pd.concat(pieces, ignore_index=True)
    joined.attrs = pieces[0].attrs
    assert_frame_equal(joined, whole, check_exact=True)
    with monkeypatch.context() as m:     # the same in one process
        m.setenv("WHOA_PROCESSES", "1")
        single = pd.concat(list(mbox.batches(path, owner=OWNER, rows=3)), ignore_index=True)
    assert_frame_equal(single, whole, check_exact=True)


def test_copies_across_a_range_edge_are_marked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               tiny_ranges: list) -> None:
    first = _message(1, mid=7)
    path = tmp_path / "box.mbox"
    path.write_bytes(b"\n".join([first, *(_message(n) for n in range(2, 12)), first, first]))
    df = mbox.read(path, owner=OWNER)
    assert len(tiny_ranges[-1]) > 3
    assert list(df["copy_of"]) == [""] * 11 + ["mbox:0@0"] * 2
    assert df["warnings"].iloc[-1].endswith("copy of mbox:0@0 (same Message-ID and bytes)")
    assert df["record_sha256"].iloc[0] == df["record_sha256"].iloc[-1]
    assert_frame_equal(df, _one_process(path, monkeypatch), check_exact=True)
    pieces = list(mbox.batches(path, owner=OWNER, rows=2))   # and across pieces
    assert list(pd.concat(pieces)["copy_of"]) == list(df["copy_of"])


def test_same_message_id_other_bytes_is_no_copy(tmp_path: Path, tiny_ranges: list) -> None:
    path = tmp_path / "box.mbox"
    path.write_bytes(b"\n".join([_message(1, mid=7), *(_message(n) for n in range(2, 9)),
                                 _message(1, b"edited\n", mid=7)]))
    df = mbox.read(path)
    assert (df["copy_of"] == "").all()


def test_takeout_zip_in_pieces(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mbox, "RANGE_BYTES", 300)
    path = tmp_path / "takeout.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("Takeout/Mail/a.mbox", _mailbox())
        zf.writestr("Takeout/Mail/b.mbox", _message(3))     # a copy of one in a.mbox
    whole = mbox.read(path)
    pieces = list(mbox.batches(path, rows=5))
    assert len(pieces) > 5
    assert_frame_equal(pd.concat(pieces, ignore_index=True), whole, check_exact=True)
    assert whole["locator"].iloc[-1] == "zip:Takeout/Mail/b.mbox:mbox:0@0"
    assert whole["copy_of"].iloc[-1].startswith("zip:Takeout/Mail/a.mbox:mbox:")


def test_a_file_without_messages_yields_nothing(tmp_path: Path, tiny_ranges: list) -> None:
    path = tmp_path / "x.mbox"
    path.write_bytes(b"not a mailbox\n" * 100)
    pieces = mbox.batches(path)
    with pytest.raises(Exception, match="expected an mbox"):
        next(pieces)


def test_messages_the_parser_fails_on_stay_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               tiny_ranges: list) -> None:
    """Rows of messages that break the parser (unparsed, no email columns) in whole pieces."""
    real = _email._row

    def fragile(raw: bytes, *args: object) -> dict:
        if b"BOOM" in raw:
            raise ValueError("parser bug")
        return real(raw, *args)

    monkeypatch.setattr(_email, "_row", fragile)
    path = tmp_path / "box.mbox"
    path.write_bytes(b"\n".join([_message(n, b"BOOM\n" if n < 6 or n > 12 else b"ok\n")
                                 for n in range(20)]))
    one = _one_process(path, monkeypatch)
    assert list(one.columns)[-5:] == ["copy_of", *_email.ROW_EXTRAS]   # as the first row has
    assert (one["kind"] == "unparsed").sum() == 13 and one["body_html"].isna().sum() == 13
    assert_frame_equal(mbox.read(path, owner=OWNER), one, check_exact=True)
    pieces = list(mbox.batches(path, owner=OWNER, rows=2))
    assert len({tuple(p.dtypes.astype(str).items()) for p in pieces}) == 1
    assert_frame_equal(pd.concat(pieces, ignore_index=True), one, check_exact=True)
    path.write_bytes(b"\n".join([_message(n, b"BOOM\n") for n in range(3)]))
    assert "body_html" not in mbox.read(path).columns        # nothing parsed: no email columns
