"""Exhibits: screenshots, photos (of letters, envelopes, a parcel) and recordings, one row each.

A source is one file or a folder of them, recognised by their first bytes, not their names::

    \\x89PNG\\r\\n\\x1a\\n ...                    PNG          (a screenshot)
    \\xff\\xd8\\xff\\xe1 .. Exif ..                JPEG         (a photo; EXIF DateTimeOriginal
                                                          "2024:03:11 19:05:00" and
                                                          OffsetTimeOriginal "+00:00")
    RIFF .... WEBP / .... ftypheic             WebP, HEIC
    #!AMR\\n / ID3 / OggS / RIFF .... WAVE      voicemail recordings (AMR, MP3, Ogg/Opus, WAV)
    .... ftypM4A  / .... ftypisom              M4A, MP4
    %PDF-1.4 ... /CreationDate (D:20240311190500+01'00')
                                               a document (a scanned letter, a saved page)

Every row is kind ``media`` with the file named in ``attachments`` and its own hash in
``file_sha256``. ``sent_at`` comes only from the file's own metadata (EXIF DateTimeOriginal,
else DateTimeDigitized, else DateTime, with the matching OffsetTime*; without an offset the
source's declared zone; for a PDF its Info dictionary's CreationDate, else ModDate), and
``time_source`` says which tag; a file without one has no time and is listed as undetermined. The file system's modification time is shown in ``file_mtime``,
labelled, and never used as the time.

Text in an image is read by OCR into ``ocr_text`` (``ocr_engine`` names engine and version);
``body`` stays empty: OCR text is a reading to check against the image, never a message of
anyone's until the case file pins the exhibit (``[[exhibits]]``, applied at ingest). Recordings
get ``duration_s`` and ``codec``; nothing is transcribed. Damaged files, decompression bombs and
oversized metadata give their row with a warning, never an error.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import warnings
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..evidence import sha256_bytes, sha256_path, source_files
from ._common import Head, Source, localize_rows

FORMAT = "exhibits"
PLATFORM = "other"
PATTERNS = ("images: *.png, *.jpg, *.heic, *.webp", "recordings: *.m4a, *.amr, *.mp3, "
            "*.ogg/*.opus, *.wav, *.mp4", "documents: *.pdf (a scanned letter)",
            "or a folder holding only such files")
DESCRIPTION = ("Screenshots, photos, recordings and PDF documents: one row each, time from "
               "the file's own metadata, OCR text kept apart")

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".heic", ".heif", ".webp")
AUDIO_SUFFIXES = (".m4a", ".amr", ".mp3", ".ogg", ".opus", ".wav", ".mp4", ".3gp")
DOCUMENT_SUFFIXES = (".pdf",)
#: A PDF date as its Info dictionary writes it: D:YYYYMMDDHHmmSS, then Z or +HH'mm' (the parts
#: after the year optional); longer strings are not dates.
_PDF_DATE = re.compile(rb"/(CreationDate|ModDate)\s*\(\s*D?:?(\d{4})(\d{2})?(\d{2})?(\d{2})?"
                       rb"(\d{2})?(\d{2})?\s*(?:(Z)|([+-])(\d{2})'?(?:(\d{2})'?)?)?\s*\)")
#: A PDF larger than this is hashed but not searched for its dates.
MAX_PDF_SCAN = 256 << 20
#: Metadata text longer than this is not a time; it is cut in ``sent_at_raw`` and warned about.
MAX_TAG_CHARS = 64
#: The pixels an image may have before it is not decoded (no OCR, no thumbnail): Pillow's own
#: decompression-bomb limit, stated here so a hostile file cannot raise it.
MAX_PIXELS = 89_478_485
OCR_EXTRA = "pip install 'whoa_analysis[exhibits]'"

_EXIF_IFD = 0x8769
#: (time tag, its offset tag, what the import report calls it), the best first.
_TIME_TAGS = ((0x9003, 0x9011, "EXIF DateTimeOriginal"),
              (0x9004, 0x9012, "EXIF DateTimeDigitized"),
              (0x0132, 0x9010, "EXIF DateTime"))
_EXIF_TIME = re.compile(r"(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_OFFSET = re.compile(r"([+-])(\d{2}):(\d{2})")


# --- what a file is ------------------------------------------------------------------------------

def media_type(data: bytes) -> str:
    """``image/...`` or ``audio/...`` from a file's first bytes; '' when neither."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] in (b"WEBP", b"WAVE"):
        return "image/webp" if data[8:12] == b"WEBP" else "audio/wav"
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in (b"heic", b"heix", b"mif1", b"msf1", b"heim", b"heis"):
            return "image/heic"
        if brand in (b"M4A ", b"M4B "):
            return "audio/mp4"
        if brand in (b"isom", b"iso2", b"mp41", b"mp42", b"avc1", b"qt  ", b"3gp4", b"3gp5",
                     b"3gp6", b"MSNV", b"dash"):
            return "video/mp4"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"#!AMR"):
        return "audio/amr"
    if data.startswith(b"OggS"):
        return "audio/ogg"
    if data.startswith(b"ID3") or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0
                                   and data[1] & 0x06):
        return "audio/mpeg"
    return ""


def sniff(head: Head) -> bool:
    if head.is_zip:
        return False
    if head.is_dir:
        files = [m for m in head.members if not Path(m).name.startswith(".")]
        return bool(files) and all(
            m.lower().endswith(IMAGE_SUFFIXES + AUDIO_SUFFIXES + DOCUMENT_SUFFIXES)
            for m in files)
    return bool(media_type(head.data))


# --- read ----------------------------------------------------------------------------------------

def read(path: Path, *, tz: str | None = None, owner: Sequence[str] = (),
         date_order: str | None = None, region: str | None = None) -> pd.DataFrame:
    src = Source(Path(path), FORMAT)
    root = src.path
    files = list(source_files(root))
    if not files:
        raise InputError(f"{root.name}: an empty folder; expected images or recordings in it")
    rows = [_row(file, root) for file in files]
    engines = sorted({r["ocr_engine"] for r in rows if r["ocr_engine"]})
    for engine in engines:
        src.assume(f"text read by OCR ({engine}): check it against the image")
    declared = [r for r in rows if r.get("_naive") is not None]
    if declared:
        if not tz:
            # A photo's camera time without an offset is local: ask, as for any zone-less format.
            names = ", ".join(r["attachments"] for r in declared[:3])
            raise InputError(f"{root.name}: the metadata time of {names} carries no offset; "
                             "expected the zone the camera or phone was set to: add timezone = "
                             "\"Europe/London\" (for example) to its [[sources]] entry")
        localize_rows(declared, tz, FORMAT, src, "file metadata times without an offset read "
                      "in {zone}")
    for r in rows:
        r.pop("_naive", None)
        r["warnings"] = "; ".join(r["warnings"])
    return src.frame(rows)


def _row(file: Path, root: Path) -> dict:
    name = file.name if file == root else file.relative_to(root).as_posix()
    row = {"locator": "file" if file == root else f"file:{name}", "platform": "other",
           "kind": "media", "attachments": name, "file": "" if file == root else name,
           "time_basis": "missing", "warnings": [], "ocr_text": "", "ocr_engine": "",
           "time_source": "", "media_type": "", "duration_s": None, "codec": ""}
    if file.is_symlink():
        row.update(record_sha256=sha256_bytes(os.fsencode(name)), kind="unparsed")
        row["warnings"].append("a symbolic link: not followed, nothing read")
        return row
    digest = sha256_path(file)
    row.update(record_sha256=digest, file_sha256=digest, file_mtime=_mtime(file))
    with open(file, "rb") as fh:
        head = fh.read(64)
    row["media_type"] = media_type(head)
    if row["media_type"].startswith("image/"):
        _image(file, row)
    elif row["media_type"] == "application/pdf":
        _document(file, row)
    elif row["media_type"]:
        _recording(file, row)
    else:
        row["warnings"].append("not an image or recording we recognise: kept, not read")
    return row


def _document(file: Path, row: dict) -> None:
    """A PDF's time from its Info dictionary (CreationDate, else ModDate), read from the file's
    bytes: no PDF library runs on it, so a hostile file cannot make the read loop or fetch."""
    if file.stat().st_size > MAX_PDF_SCAN:
        row["warnings"].append("PDF too large to search for its dates: no time kept")
        return
    found = {m[1]: m for m in _PDF_DATE.finditer(file.read_bytes())}
    for key in (b"CreationDate", b"ModDate"):
        m = found.get(key)
        if m is None:
            continue
        year, month, day, hour, minute, second = (int(g or d) for g, d in zip(
            m.groups()[1:7], ("0", "1", "1", "0", "0", "0")))
        text = f"{year:04d}:{month:02d}:{day:02d} {hour:02d}:{minute:02d}:{second:02d}"
        offset = "+00:00" if m[8] else (f"{m[9].decode()}{m[10].decode()}:"
                                        f"{(m[11] or b'00').decode()}" if m[9] else "")
        if _place(text, offset, row, f"PDF {key.decode()}"):
            row["sent_at_raw"] = m[0][m[0].index(b"(") + 1:-1].decode("ascii", "replace")
            return


def _mtime(file: Path) -> str:
    stamp = dt.datetime.fromtimestamp(file.stat().st_mtime, dt.UTC)
    return "file system mtime (not evidence of when it was made): " + \
        stamp.isoformat(timespec="seconds").replace("+00:00", "Z")


# --- images --------------------------------------------------------------------------------------

def open_image(file: Path):
    """The image, opened lazily with the pixel limit enforced; raises ``OSError``/``ValueError``
    (Pillow's errors) for damage and ``Image.DecompressionBombError`` for bombs."""
    from PIL import Image

    _heif_opener()
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    img = Image.open(file)
    if img.width * img.height > MAX_PIXELS:
        img.close()
        raise Image.DecompressionBombError(
            f"{img.width}x{img.height} pixels, over the limit of {MAX_PIXELS}")
    return img


@cache
def _heif_opener() -> bool:
    try:
        from pillow_heif import register_heif_opener
    except ImportError:
        return False
    register_heif_opener()
    return True


def _image(file: Path, row: dict) -> None:
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = open_image(file)
    except Image.DecompressionBombError as exc:
        row["warnings"].append(f"image not decoded (decompression bomb?): {exc}")
        return
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning) as exc:
        hint = f" (HEIC needs {OCR_EXTRA})" if row["media_type"] == "image/heic" else ""
        row["warnings"].append(f"image not readable{hint}: {_short(exc)}")
        return
    with img:
        _exif_time(img, row)
        try:
            img.load()
        except (OSError, ValueError, SyntaxError) as exc:
            row["warnings"].append(f"image damaged (truncated?): {_short(exc)}; not read by OCR")
            return
        _ocr(img, row)


def _exif_time(img, row: dict) -> None:
    try:
        exif = img.getexif()
        sub = exif.get_ifd(_EXIF_IFD)
    except (OSError, ValueError, SyntaxError, KeyError, TypeError) as exc:
        row["warnings"].append(f"metadata not readable: {_short(exc)}")
        return
    for tag, offset_tag, label in _TIME_TAGS:
        value = sub.get(tag, exif.get(tag))
        if value is None:
            continue
        text = _tag_text(value, row, label)
        offset = _tag_text(sub.get(offset_tag, exif.get(offset_tag, "")), row, label + " offset")
        if _place(text, offset, row, label):
            return


def _tag_text(value: object, row: dict, label: str) -> str:
    text = value.decode("ascii", "replace") if isinstance(value, bytes) else str(value)
    text = text.strip("\x00 ")
    if len(text) > MAX_TAG_CHARS:
        row["warnings"].append(f"{label}: {len(text)} characters, not a time; cut")
        text = text[:MAX_TAG_CHARS]
    return text


def _place(text: str, offset: str, row: dict, label: str) -> bool:
    """Set the row's time from an EXIF time text (and offset); False when it is not a time."""
    m = _EXIF_TIME.fullmatch(text)
    try:
        naive = dt.datetime(*map(int, m.groups())) if m else None
    except ValueError:
        naive = None
    if naive is None:
        row["warnings"].append(f"{label} {text!r} is not a time; ignored")
        return False
    row["sent_at_raw"] = f"{text} {offset}".strip()
    row["time_source"] = f"file metadata: {label}"
    o = _OFFSET.fullmatch(offset)
    if o:
        sign = -1 if o[1] == "-" else 1
        zone = dt.timezone(sign * dt.timedelta(hours=int(o[2]), minutes=int(o[3])))
        row.update(sent_at=naive.replace(tzinfo=zone).astimezone(dt.UTC), time_basis="offset")
    else:
        if offset:
            row["warnings"].append(f"{label} offset {offset!r} is not an offset; ignored")
        row["_naive"] = naive
    return True


def _ocr(img, row: dict) -> None:
    engine = ocr_engine()
    if engine is None:
        row["warnings"].append(f"no OCR engine ({_ocr_missing()}); no text read")
        return
    ocr, name = engine
    result, _ = ocr(img.convert("RGB"))
    row["ocr_text"] = "\n".join(line[1] for line in result or ())
    row["ocr_engine"] = name


@cache
def ocr_engine():
    """(RapidOCR, "name version") or None when the optional engine is not installed. Its
    models ship inside the package; nothing is fetched. Made once, on first use."""
    try:
        from importlib.metadata import version

        from rapidocr_onnxruntime import RapidOCR
    except ImportError:
        return None
    return RapidOCR(), f"rapidocr-onnxruntime {version('rapidocr-onnxruntime')}"


@cache
def _ocr_missing() -> str:
    """Why the engine cannot be loaded, with the fix: not installed, or (Linux) OpenCV's libGL
    missing from the system."""
    try:
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError as exc:
        if "libGL" in str(exc):
            return "OpenCV needs the system's libGL: apt-get install libgl1"
        return f"not installed: {OCR_EXTRA}"
    return "it failed to start"


def thumbnail(file: Path, size: int = 320) -> bytes:
    """A PNG of the image at most ``size`` pixels wide or high, upright, with no metadata (EXIF,
    GPS and comments are not carried over); raises Pillow's errors on a damaged file."""
    from PIL import ImageOps

    with open_image(file) as img:
        img = ImageOps.exif_transpose(img)
        img.thumbnail((size, size))
        out = io.BytesIO()
        img.convert("RGB").save(out, format="PNG")
    return out.getvalue()


# --- recordings ----------------------------------------------------------------------------------

#: AMR frame sizes in bytes (after the one-byte header) by frame type; 20 ms a frame.
_AMR_NB = (12, 13, 15, 17, 19, 20, 26, 31, 5, 0, 0, 0, 0, 0, 0, 0)
_AMR_WB = (17, 23, 32, 36, 40, 46, 50, 58, 60, 5, 0, 0, 0, 0, 0, 0)


def _recording(file: Path, row: dict) -> None:
    if row["media_type"] == "audio/amr":
        _amr(file, row)
        return
    try:
        import mutagen
    except ImportError:
        row["warnings"].append(f"mutagen not installed ({OCR_EXTRA}); no duration read")
        return
    try:
        meta = mutagen.File(file)
    except Exception as exc:  # noqa: BLE001 - mutagen raises many kinds on damaged files
        row["warnings"].append(f"recording not readable: {_short(exc)}")
        return
    if meta is None or meta.info is None:
        row["warnings"].append("recording not readable: no stream information")
        return
    row["duration_s"] = round(float(getattr(meta.info, "length", 0.0)), 3)
    codec = getattr(meta.info, "codec", "") or type(meta).__name__
    row["codec"] = str(codec)[:MAX_TAG_CHARS]


def _amr(file: Path, row: dict) -> None:
    """AMR has no index: the duration is its frames counted, 20 ms each."""
    data = file.read_bytes()
    wide = data.startswith(b"#!AMR-WB\n")
    sizes, pos = (_AMR_WB, 9) if wide else (_AMR_NB, 6)
    frames = 0
    while pos < len(data):
        pos += 1 + sizes[(data[pos] >> 3) & 0x0F]
        frames += 1
    if pos > len(data):
        row["warnings"].append("recording truncated: the last frame is incomplete")
    row["duration_s"] = round(frames * 0.02, 3)
    row["codec"] = "AMR-WB" if wide else "AMR-NB"


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
