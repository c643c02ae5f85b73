"""The report's section on screenshots, photos and recordings: a thumbnail of each image, its
hash, its time (from the file's own metadata, or the case file's pin) and the text OCR read.

Thumbnails are made here from the source files, downscaled and re-encoded with no metadata
(EXIF and GPS are not carried into the report); a file that cannot be drawn gets a note, never
an error. OCR text is shown as a reading to check against the image, never as a message.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..case import Case
from ..i18n import N_, Translate
from ..readers import exhibits as reader
from ._words import platform_word

THUMB_PX = 320
CHECK = N_("Text read by OCR, check against the image:")
PINNED = "pinned by the case file"


def rows(messages: pd.DataFrame) -> pd.DataFrame:
    """The exhibit rows, in the order of their sources and files."""
    if "source_format" not in messages:
        return messages.iloc[:0]
    return messages[messages["source_format"] == reader.FORMAT].sort_values(
        ["source_path", "locator"], kind="stable")


def file_of(case: Case, row: pd.Series) -> Path:
    """The exhibit's file: the source itself, or the file inside a folder source."""
    base = case.folder / str(row["source_path"])
    name = row.get("file")
    return base / str(name) if isinstance(name, str) and name else base


def thumbnails(case: Case, messages: pd.DataFrame) -> dict[str, bytes]:
    """message_id -> PNG thumbnail, for the images that can be drawn."""
    out = {}
    for _, row in rows(messages).iterrows():
        if not str(row.get("media_type", "")).startswith("image/"):
            continue
        try:
            out[str(row["message_id"])] = reader.thumbnail(file_of(case, row), THUMB_PX)
        except Exception:  # noqa: BLE001, S112 - a damaged image is noted in the section
            continue
    return out


def width_mm(png: bytes) -> float:
    """The PDF width of a thumbnail: its pixels at 96 dpi, at most 60 mm (never upscaled)."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(png)) as img:
        return min(60.0, img.width * 25.4 / 96)


def caption(row: pd.Series, local: str, _: Translate) -> str:
    """What the report says under an exhibit: file, hash, time and where the time came from."""
    when = (f"{local} ({row['time_source']})" if pd.notna(row["sent_at"])
            else _("no time in the file's metadata: undetermined"))
    parts = [str(row["attachments"]),
             f"SHA-256 {row.get('file_sha256') or row['record_sha256']}",
             _("time: {when}").format(when=when)]
    if str(row.get("media_type", "")).startswith(("audio/", "video/")):
        duration = row.get("duration_s")
        parts.append(_("recording: {codec}, {seconds} s").format(
            codec=row.get("codec") or _("unknown codec"),
            seconds=duration if pd.notna(duration) else "?"))
    if PINNED in str(row["warnings"]):
        parts.append(_("pinned: {sender} → {recipients} on {platform}").format(
            sender=row["sender"], recipients=row["recipients"],
            platform=platform_word(row["platform"], _)))
    mtime = row.get("file_mtime")
    if isinstance(mtime, str) and mtime:
        parts.append(mtime)
    return "; ".join(parts)
