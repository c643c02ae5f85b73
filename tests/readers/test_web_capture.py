"""Saved web pages: MHTML, WARC (plain and gzip), browser-saved HTML with its _files folder."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from whoa_analysis.errors import InputError
from whoa_analysis.readers import web_capture
from whoa_analysis.readers._common import open_head

WEB = "formats/web"
URL = "https://example.com/the-truth-about-dana"


def _utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def test_sample_mhtml(sample: Path) -> None:
    df = web_capture.read(sample / WEB / "the-truth-about-dana.mhtml")
    assert len(df) == 1
    row = df.iloc[0]
    assert row["platform"] == "web" and row["kind"] == "text"
    assert row["conversation"] == URL and row["url"] == URL
    assert row["subject"] == "The truth about Dana"
    assert row["sent_at"] == _utc("2024-03-13 18:20:11")          # Date: ... -0000 is UTC
    assert "Everyone should know where she works." in row["body"]
    assert "tracker" not in row["body"] and "font-family" not in row["body"]
    parts = json.loads(row["parts"])
    assert [p["type"] for p in parts] == ["text/html", "image/png"]
    image = b"\x89PNG\r\n\x1a\nfictional-image-bytes"
    assert parts[1]["sha256"] == hashlib.sha256(image).hexdigest()
    assert parts[1]["size"] == len(image)


@pytest.mark.parametrize("name", ["the-truth-about-dana.warc", "the-truth-about-dana.warc.gz"])
def test_sample_warc_two_captures_two_rows(sample: Path, name: str) -> None:
    df = web_capture.read(sample / WEB / name)
    assert len(df) == 2                                            # request/warcinfo not rows
    assert df["sent_at"].tolist() == [_utc("2024-03-13 18:20:11"), _utc("2024-03-15 07:02:45")]
    assert "works and lives" in df["body"].iloc[1] and "and lives" not in df["body"].iloc[0]
    assert df["locator"].tolist() == ["warc:record[3]", "warc:record[4]"]
    assert any("request 1, warcinfo 1" in a for a in df.attrs["assumptions"])


def test_sample_saved_html_folder(sample: Path) -> None:
    df = web_capture.read(sample / WEB / "saved_page")
    row = df.iloc[0]
    assert row["url"] == URL
    assert row["time_basis"] == "missing" and pd.isna(row["sent_at"])
    assert "states no time" in row["warnings"]
    names = [p["name"] for p in json.loads(row["parts"])]
    assert names == ["the-truth-about-dana.html", "the-truth-about-dana_files/dana.jpg"]


def test_damaged_warc(tmp_path: Path) -> None:
    bad = tmp_path / "x.warc"
    bad.write_bytes(b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 5\r\n\r\nabcde\r\n\r\nnope\r\n")
    with pytest.raises(InputError, match="WARC"):
        web_capture.read(bad)


def test_sniff_is_specific(sample: Path, tmp_path: Path) -> None:
    for name in ("the-truth-about-dana.mhtml", "the-truth-about-dana.warc",
                 "the-truth-about-dana.warc.gz", "saved_page",
                 "saved_page/the-truth-about-dana.html"):
        assert web_capture.sniff(open_head(sample / WEB / name)), name
    plain = tmp_path / "messages.html"
    plain.write_text("<html><head><title>Dana</title></head><body>hi</body></html>")
    assert not web_capture.sniff(open_head(plain))
    assert web_capture.read(plain)["subject"].iloc[0] == "Dana"     # explicit format still reads


def test_no_corpus_html_export_is_taken_for_a_capture(corpora: Path) -> None:
    for path in sorted(corpora.rglob("*")):
        if path.is_file():
            assert not web_capture.sniff(open_head(path)), path
