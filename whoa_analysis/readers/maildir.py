"""Maildir folders (Dovecot, Courier, mutt, offlineimap, getmail): one message per file.

A folder with ``cur/``, ``new/`` and ``tmp/``; Maildir++ sub-folders (``.Sent/cur``, ...) too::

    Maildir/
      cur/1710151202.M1P2.mx1,S=2048:2,S      <- the flags after ':2,' (S = seen, R = replied)
      new/1710151300.M5P9.mx1
      tmp/
      .Sent/cur/1710064800.M3P4.mx1:2,S

Each file is an RFC 5322 message read like an .eml. Files in ``tmp/`` are deliveries in
progress: read, with a warning. Links are never followed. Locator ``maildir:<relative path>``;
the maildir flags go to the extra column ``maildir_flags``. The source hash is a SHA-256 over
the sorted (relative path, file SHA-256) list.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd

from ..errors import InputError
from . import _email
from ._common import Head, Source

FORMAT = "maildir"
PLATFORM = "email"
PATTERNS = ("folder with cur/ and new/",)
DESCRIPTION = "Maildir folder (cur/new/tmp, Maildir++ sub-folders)"

_BOXES = ("cur", "new", "tmp")


def sniff(head: Head) -> bool:
    return head.is_dir and (head.path / "cur").is_dir() and (head.path / "new").is_dir()


def read(path: Path, *, tz: str | None = None, owner: Sequence[str] = (),
         date_order: str | None = None, region: str | None = None) -> pd.DataFrame:
    path = Path(path)
    if not sniff(Head(path, path.name.lower(), is_dir=path.is_dir())):
        raise InputError(f"{path.name}: expected a Maildir folder with cur/ and new/; got "
                         "something else: pass the folder that holds cur/ and new/")
    files = _email.folder_files(path, _in_box)
    src = Source(path, FORMAT)
    rows = list(_rows(files, _email.owner_keys(owner)))
    _email.mark_copies(rows)
    return src.frame(rows)


def _in_box(rel: str) -> bool:
    parts = rel.split("/")
    return len(parts) >= 2 and parts[-2] in _BOXES and not parts[-1].startswith(".")


def _rows(files: list[tuple[Path, str]], keys: frozenset[str]) -> Iterator[dict]:
    for rel, row in _email.file_rows(files, keys, "maildir"):
        if row["kind"] == "unparsed":
            yield row
            continue
        row["maildir_flags"] = rel.rpartition(":2,")[2] if ":2," in rel else ""
        if rel.split("/")[-2] == "tmp":
            row["warnings"] = "; ".join(x for x in (
                row.get("warnings", ""), "in tmp/: delivery may be incomplete") if x)
        yield row
