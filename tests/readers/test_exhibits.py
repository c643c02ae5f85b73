"""Screenshots, photos and recordings as exhibits: one row each, the file's own time or none,
OCR text kept apart from the body, damaged and hostile files bounded to a row with a warning."""

from __future__ import annotations

import io
import os
import re
import struct
import wave
from pathlib import Path

import pandas as pd
import pytest

from whoa_analysis import readers
from whoa_analysis.errors import InputError
from whoa_analysis.readers import exhibits

PIL = pytest.importorskip("PIL")
from PIL import Image, ImageDraw, ImageFont  # noqa: E402

# CI installs the engine (the test extra): there a missing engine fails the OCR tests.
needs_ocr = pytest.mark.skipif(exhibits.ocr_engine() is None and not os.environ.get("CI"),
                               reason="no OCR engine: pip install 'whoa_analysis[exhibits]'")


def font(size: int) -> ImageFont.FreeTypeFont:
    import matplotlib

    return ImageFont.truetype(str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" /
                                  "DejaVuSans.ttf"), size)


def chat_screenshot(path: Path, text: str = "Do not contact me again") -> Path:
    """A chat bubble as a phone shows it, drawn here (no file from elsewhere)."""
    img = Image.new("RGB", (720, 360), (236, 229, 221))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((300, 120, 700, 200), 18, fill=(220, 248, 198))
    draw.text((320, 140), text, font=font(28), fill=(0, 0, 0))
    draw.text((600, 178), "19:05", font=font(16), fill=(100, 100, 100))
    img.save(path)
    return path


def photo(path: Path, when: str | None = "2024:03:11 19:05:00", offset: str | None = "+01:00",
          **extra: str) -> Path:
    """A JPEG with EXIF DateTimeOriginal (and OffsetTimeOriginal) as a phone camera writes it."""
    img = Image.new("RGB", (64, 48), (120, 80, 40))
    exif = Image.Exif()
    sub = exif.get_ifd(0x8769)
    if when is not None:
        sub[0x9003] = when
    if offset is not None:
        sub[0x9011] = offset
    for tag, value in extra.items():
        exif[int(tag, 16)] = value
    img.save(path, format="JPEG", exif=exif.tobytes())
    return path


@needs_ocr
def test_a_screenshot_is_read_by_ocr_into_its_own_column(tmp_path):
    df = readers.read(chat_screenshot(tmp_path / "shot.png"))
    (row,) = df.to_dict("records")
    assert row["source_format"] == "exhibits" and row["kind"] == "media"
    assert "Do not contact me again" in row["ocr_text"]
    assert row["body"] == "" and row["sender"] == ""           # a reading, not a message
    assert row["ocr_engine"].startswith("rapidocr-onnxruntime ")
    assert any("OCR" in a for a in df.attrs["assumptions"])


def test_a_photo_with_exif_time_and_offset_gets_that_instant(tmp_path):
    (row,) = readers.read(photo(tmp_path / "IMG_0042.jpg")).to_dict("records")
    assert row["sent_at"] == pd.Timestamp("2024-03-11T18:05:00Z")
    assert row["time_basis"] == "offset"
    assert row["sent_at_raw"] == "2024:03:11 19:05:00 +01:00"
    assert row["time_source"] == "file metadata: EXIF DateTimeOriginal"


def test_exif_time_without_offset_needs_the_declared_zone(tmp_path):
    path = photo(tmp_path / "IMG_0043.jpg", offset=None)
    with pytest.raises(InputError, match="carries no offset.*timezone ="):
        readers.read(path)
    (row,) = readers.read(path, tz="Europe/London").to_dict("records")
    assert row["sent_at"] == pd.Timestamp("2024-03-11T19:05:00Z")
    assert row["time_basis"] == "local_declared"


def test_a_file_without_metadata_has_no_time_and_never_the_mtime(tmp_path):
    path = tmp_path / "plain.png"
    Image.new("RGB", (8, 8)).save(path)
    (row,) = readers.read(path).to_dict("records")
    assert pd.isna(row["sent_at"]) and row["time_basis"] == "missing"
    assert row["file_mtime"].startswith("file system mtime (not evidence")


def test_a_folder_of_exhibits_gives_one_row_per_file_with_its_own_hash(tmp_path):
    folder = tmp_path / "screens"
    folder.mkdir()
    photo(folder / "a.jpg")
    Image.new("RGB", (8, 8)).save(folder / "b.png")
    assert readers.detect(folder) == "exhibits"
    df = readers.read(folder)
    assert df["locator"].tolist() == ["file:a.jpg", "file:b.png"]
    from whoa_analysis.evidence import sha256_path

    assert df["file_sha256"].tolist() == [sha256_path(folder / "a.jpg"),
                                          sha256_path(folder / "b.png")]


def test_recordings_give_duration_and_codec(tmp_path):
    wav = tmp_path / "voicemail.wav"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\0" * 8000 * 3)
    amr = tmp_path / "voicemail.amr"
    # 150 AMR-NB frames of mode 7 (12.2 kbit/s): header byte 0x3C and 31 bytes each, 20 ms.
    amr.write_bytes(b"#!AMR\n" + (b"\x3c" + b"\0" * 31) * 150)
    got = {p.name: readers.read(p).iloc[0] for p in (wav, amr)}
    assert got["voicemail.wav"]["duration_s"] == pytest.approx(3.0)
    assert got["voicemail.amr"]["duration_s"] == pytest.approx(3.0)
    assert got["voicemail.amr"]["codec"] == "AMR-NB"
    assert all(r["kind"] == "media" and pd.isna(r["sent_at"]) for r in got.values())


def test_a_decompression_bomb_is_one_row_with_a_warning(tmp_path):
    bomb = tmp_path / "bomb.png"
    Image.new("1", (20000, 20000)).save(bomb)        # 400 Mpx, a few kB on disk
    (row,) = readers.read(bomb).to_dict("records")
    assert "decompression bomb" in row["warnings"] and row["ocr_text"] == ""


def test_a_truncated_image_is_one_row_with_a_warning(tmp_path):
    good = chat_screenshot(tmp_path / "full.jpg")
    data = good.read_bytes()
    for n, size in enumerate((600, len(data) // 2)):     # inside the header; inside the pixels
        cut = tmp_path / f"cut{n}.jpg"
        cut.write_bytes(data[:size])
        (row,) = readers.read(cut).to_dict("records")
        assert row["kind"] == "media" and row["ocr_text"] == ""
        assert "truncated" in row["warnings"].lower()


def test_a_megabyte_exif_string_is_bounded(tmp_path):
    path = photo(tmp_path / "huge.jpg", when="2024:03:11 19:05:00" + "x" * 60_000)
    (row,) = readers.read(path, tz="Europe/London").to_dict("records")
    assert len(row["sent_at_raw"]) <= exhibits.MAX_TAG_CHARS
    assert "not a time" in row["warnings"] and pd.isna(row["sent_at"])


def test_a_thumbnail_carries_no_metadata(tmp_path):
    path = photo(tmp_path / "gps.jpg", **{"0x010f": "CameraMaker", "0x9286": "secret"})
    png = exhibits.thumbnail(path, 32)
    with Image.open(io.BytesIO(png)) as img:
        assert img.format == "PNG" and max(img.size) <= 32
        assert not img.getexif() and "exif" not in img.info
    assert b"CameraMaker" not in png


def test_a_symlink_is_not_followed(tmp_path):
    folder = tmp_path / "screens"
    folder.mkdir()
    secret = tmp_path / "outside.png"
    Image.new("RGB", (8, 8)).save(secret)
    (folder / "link.png").symlink_to(secret)
    (row,) = readers.read(folder, "exhibits").to_dict("records")
    assert row["kind"] == "unparsed" and "symbolic link" in row["warnings"]


def test_mp3_header_bytes_are_recognised_but_text_is_not():
    assert exhibits.media_type(b"ID3\x04\0\0\0\0\0\0") == "audio/mpeg"
    assert exhibits.media_type(struct.pack(">I", 24) + b"ftypM4A \0\0\0\0") == "audio/mp4"
    assert exhibits.media_type(b"Hello, world") == ""


def test_the_sample_exhibits_read_as_documented():
    folder = Path(__file__).resolve().parents[2] / "data" / "sample" / "formats" / "exhibits"
    df = readers.read(folder).set_index("attachments")
    assert df.loc["envelope.jpg", "sent_at"] == pd.Timestamp("2024-03-14T08:12:00Z")
    assert pd.isna(df.loc["screenshot.png", "sent_at"])
    if exhibits.ocr_engine() is not None:
        assert "Do not contact me again" in df.loc["screenshot.png", "ocr_text"]


def scanned_letter(path: Path, when=None, info: bytes = b"") -> Path:
    """A one-page PDF as a scanner or a phone's 'save as PDF' writes it (fpdf2 here)."""
    import datetime as dt

    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Dear Dana, I know where you live.")
    pdf.set_creation_date(when or dt.datetime(2024, 3, 12, 8, 30, tzinfo=dt.UTC))
    data = bytes(pdf.output())
    if info:
        data = data.replace(re.search(rb"/CreationDate \([^)]*\)", data)[0], info)
    path.write_bytes(data)
    return path


def test_a_pdf_is_an_exhibit_with_its_own_creation_time(tmp_path):
    import datetime as dt

    plus_one = dt.timezone(dt.timedelta(hours=1))
    path = scanned_letter(tmp_path / "letter.pdf", dt.datetime(2024, 3, 12, 9, 30, tzinfo=plus_one))
    assert readers.detect(path) == "exhibits"
    row = readers.read(path).iloc[0]
    assert row["kind"] == "media" and row["media_type"] == "application/pdf"
    assert row["sent_at"] == pd.Timestamp("2024-03-12 08:30", tz="UTC")
    assert row["time_source"] == "file metadata: PDF CreationDate"
    assert row["sent_at_raw"] == "D:20240312093000+01'00'"
    assert row["body"] == "" and row["file_sha256"] == row["record_sha256"]


def test_a_pdf_date_without_offset_needs_the_zone_and_one_without_any_is_undetermined(
        tmp_path):
    naive = scanned_letter(tmp_path / "a.pdf", info=b"/CreationDate (D:20240312093000)")
    with pytest.raises(InputError, match="carries no offset"):
        readers.read(naive)
    row = readers.read(naive, tz="Europe/Berlin").iloc[0]
    assert row["sent_at"] == pd.Timestamp("2024-03-12 08:30", tz="UTC")
    none = scanned_letter(tmp_path / "b.pdf", info=b"/Producer (scanner)")
    row = readers.read(none).iloc[0]
    assert pd.isna(row["sent_at"]) and row["time_basis"] == "missing"
    bad = scanned_letter(tmp_path / "c.pdf", info=b"/CreationDate (D:20241399999999Z)")
    row = readers.read(bad).iloc[0]
    assert pd.isna(row["sent_at"]) and "is not a time" in row["warnings"]


def test_a_folder_of_photos_and_pdfs_is_one_exhibits_source(tmp_path):
    folder = tmp_path / "letters"
    folder.mkdir()
    photo(folder / "envelope.jpg")
    scanned_letter(folder / "letter.pdf")
    assert readers.detect(folder) == "exhibits"
    df = readers.read(folder)
    assert df["media_type"].tolist() == ["image/jpeg", "application/pdf"]
