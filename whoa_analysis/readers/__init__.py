"""The reader registry: one module per export family, listed explicitly below.

Each reader module exports ``FORMAT`` (its name), ``PLATFORM``, ``PATTERNS`` (the file names it
recognises, for ``whoa formats``), ``DESCRIPTION``, ``sniff(head) -> bool`` and
``read(path, *, tz=None, owner=(), date_order=None, region=None) -> DataFrame``.
``sniff`` must match exactly one reader for a file to be read with ``format = "auto"``.
Optional: ``PROCESSES = True`` when ``read`` uses every core on a large file, and
``batches(path, ...)`` yielding the frame in consecutive pieces (see :func:`batches`).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import ModuleType

import pandas as pd

from ..errors import FormatError, InputError
from ._common import Head, open_head

#: The readers, by format name; each lives in the module of that name. A new format adds one
#: name here. Modules are imported on first use, so reading one format loads only its reader
#: and what it needs (all of them cost about half a second at start-up).
NAMES = (
    "incident_log", "mbox", "eml", "maildir", "apple_mail", "msg", "discord_dce",
    "discord_package", "slack", "twitter_dm", "telegram_json", "telegram_html", "signal", "imessage", "meta_json",
    "meta_html", "irc", "pidgin", "google_chat", "web_capture", "whatsapp", "sms_backup", "pst",
    "google_voice", "skype", "snapchat", "msn", "trillian", "icq",
    "imessage_db", "android_sms_db", "android_calllog", "whatsapp_db",
    "exhibits",
)


class _Registry(Mapping[str, ModuleType]):
    """name -> reader module, imported when first looked up."""

    def __getitem__(self, name: str) -> ModuleType:
        if name not in NAMES:
            raise KeyError(name)
        return importlib.import_module(f"{__name__}.{name}")

    def __iter__(self) -> Iterator[str]:
        return iter(NAMES)

    def __len__(self) -> int:
        return len(NAMES)


READERS: Mapping[str, ModuleType] = _Registry()


def get(name: str) -> ModuleType:
    try:
        return READERS[name]
    except KeyError:
        raise FormatError(f"unknown format {name!r}; expected one of {', '.join(sorted(READERS))}"
                          " (see 'whoa formats')") from None


def detect(path: Path) -> str:
    """The one reader whose ``sniff`` recognises ``path``; an error when none or several do."""
    head = open_head(path)
    hits = [name for name, mod in READERS.items() if mod.sniff(head)]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise FormatError(f"{path.name}: no reader recognises this file; expected one of the "
                          "formats 'whoa formats' lists: pass --format (or format = ...) if it "
                          "is one of them")
    raise FormatError(f"{path.name}: several readers recognise this file ({', '.join(hits)}); "
                      "pass --format (or format = ...) to choose")


def read(path: str | Path, format: str = "auto", *, tz: str | None = None,
         owner: Sequence[str] = (), date_order: str | None = None,
         region: str | None = None) -> pd.DataFrame:
    """Read one export into the message frame (``format="auto"`` detects it)."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    name = detect(path) if format == "auto" else format
    return get(name).read(path, tz=tz, owner=tuple(owner), date_order=date_order, region=region)


def batches(path: str | Path, format: str = "auto", *, tz: str | None = None,
            owner: Sequence[str] = (), date_order: str | None = None,
            region: str | None = None) -> Iterator[pd.DataFrame]:
    """The export as consecutive frames whose concatenation is ``read``'s frame.

    A reader with a ``batches`` function of its own streams (memory bounded by a few batches,
    whatever the file's size); any other gives its whole frame as one batch.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    name = detect(path) if format == "auto" else format
    reader = get(name)
    options = dict(tz=tz, owner=tuple(owner), date_order=date_order, region=region)
    if hasattr(reader, "batches"):
        yield from reader.batches(path, **options)
    else:
        yield reader.read(path, **options)


def to_parquet(path: str | Path, out: str | Path, format: str = "auto", **options) -> int:
    """Read an export straight into a Parquet file, a row group per batch; the rows written.

    The readers' assumptions go into the file's metadata (``whoa:assumptions``, JSON). For a
    reader that streams, memory stays flat in the export's size.
    """
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    writer, rows, assumptions = None, 0, []
    try:
        for df in batches(path, format, **options):
            assumptions += [a for a in df.attrs.get("assumptions", []) if a not in assumptions]
            table = pa.Table.from_pandas(df, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(out, table.schema)
            writer.write_table(table)
            rows += len(df)
    except BaseException:
        if writer is not None:      # no half-written file left looking like a result
            writer.close()
            Path(out).unlink(missing_ok=True)
        raise
    if writer is not None:
        writer.add_key_value_metadata({"whoa:assumptions": json.dumps(assumptions)})
        writer.close()
    return rows


def formats() -> list[dict[str, str]]:
    """One row per reader: name, platform, file patterns, description."""
    return [{"format": name, "platform": mod.PLATFORM, "patterns": ", ".join(mod.PATTERNS),
             "description": mod.DESCRIPTION} for name, mod in sorted(READERS.items())]


__all__ = ["READERS", "Head", "InputError", "batches", "detect", "formats", "get", "read",
           "to_parquet"]
