"""The reader registry: names match modules, and a format loads only its own reader."""

from __future__ import annotations

import subprocess
import sys

from whoa_analysis import readers


def test_every_name_is_the_format_of_its_module():
    for name, module in readers.READERS.items():
        assert name == module.FORMAT


def test_reading_one_format_imports_only_its_reader():
    code = ("import sys; from whoa_analysis import readers; readers.get('whatsapp'); "
            "print(sorted(m for m in sys.modules if m.startswith('whoa_analysis.readers.') "
            "and not m.split('.')[-1].startswith('_')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "['whoa_analysis.readers.whatsapp']"


def test_unknown_format_is_a_clear_error():
    import pytest

    from whoa_analysis.errors import FormatError

    with pytest.raises(FormatError, match="unknown format 'nope'.*whatsapp"):
        readers.get("nope")


def test_to_parquet_holds_the_frame_read_gives(tmp_path):
    import json

    import pandas as pd
    import pyarrow.parquet as pq

    from whoa_analysis import schema

    export = tmp_path / "chat.txt"
    export.write_text("16/03/2024, 18:05 - Rob: Are you there?\n"
                      "16/03/2024, 18:06 - Dana: Please stop.\nsecond line\n", encoding="utf-8")
    out = tmp_path / "chat.parquet"
    assert readers.to_parquet(export, out, "whatsapp", tz="Europe/London") == 2
    want = readers.read(export, "whatsapp", tz="Europe/London")
    got = pd.read_parquet(out)
    pd.testing.assert_frame_equal(schema.conform(got), want)
    meta = pq.read_metadata(out).metadata
    assert json.loads(meta[b"whoa:assumptions"]) == want.attrs["assumptions"]


def test_to_parquet_leaves_no_file_when_the_export_cannot_be_read(tmp_path):
    import pytest

    from whoa_analysis.errors import InputError

    bad = tmp_path / "chat.txt"
    bad.write_text("not a chat\n", encoding="utf-8")
    with pytest.raises(InputError):
        readers.to_parquet(bad, tmp_path / "x.parquet", "whatsapp", tz="Europe/London")
    assert not (tmp_path / "x.parquet").exists()


def test_formats_lists_the_im_and_app_export_readers():
    listed = {row["format"]: row for row in readers.formats()}
    for name in ("google_voice", "skype", "snapchat", "msn", "trillian", "icq", "apple_mail"):
        assert name in listed and listed[name]["patterns"], name


def test_every_sample_file_is_recognised_by_exactly_one_reader(sample):
    """The samples we write are the formats' reference files: none may be claimed twice."""
    from whoa_analysis.readers._common import open_head

    # The generator scripts beside some samples (make_*.py) are code, not exports.
    files = [p for p in sorted((sample / "formats").rglob("*"))
             if p.is_file() and p.suffix != ".py"]
    unclaimed = set()
    for path in files:
        hits = [n for n, m in readers.READERS.items() if m.sniff(open_head(path))]
        assert len(hits) <= 1, (path, hits)
        if not hits:
            unclaimed.add(path.relative_to(sample / "formats").as_posix())
    # only the side files of folder formats, read with the folder that holds them
    assert unclaimed == {
        "android/whatsapp/wa.db", "discord_package/messages/c123/channel.json",
        "google_chat/Google Chat/Groups/DM 8fKq2AAAAE/group_info.json",
        "icq/ICQ/0001/contacts/cache.cl", "icq/ICQ/0001/info/cache", "slack/channels.json",
        "slack/dms.json", "slack/users.json"}
    for folder in ("icq/ICQ/0001", "slack", "apple_mail/Mail"):
        assert len([n for n, m in readers.READERS.items()
                    if m.sniff(open_head(sample / "formats" / folder))]) == 1, folder
    for folder in ("google_voice/Takeout", "google_voice/Takeout/Voice/Calls"):
        assert readers.detect(sample / "formats" / folder) == "google_voice"
