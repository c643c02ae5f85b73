"""Apple Mail's own store (macOS ``~/Library/Mail/V10/...``): one ``.emlx`` file per message.

An ``.emlx`` file is the message's length in bytes on the first line, the RFC 5322 message of
exactly that length, then a property list Mail keeps beside it::

    2210
    Received: from mail.example.net ...
    From: Rob Offender <rob@example.net>
    ...
    <?xml version="1.0" encoding="UTF-8"?>
    <!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/...">
    <plist version="1.0"><dict>
      <key>date-received</key><integer>1710061260</integer>
      <key>flags</key><integer>8590195713</integer>
      ...
    </dict></plist>

The store lays them out as ``<account>/<Mailbox>.mbox/<UUID>/Data/<digits>/Messages/N.emlx``;
a ``N.partial.emlx`` is a message whose attachment bodies Mail keeps apart, in
``Data/.../Attachments/N/<part>/<name>``. The source is one ``.emlx`` file, or the ``Mail`` /
``V<n>`` folder or one ``<Mailbox>.mbox`` folder holding them (links never followed). Each file
is one row read like an .eml; the record (its bytes, its hash, the original a complaint draft
attaches) is the message alone, as the length line says. The mailbox is the ``.mbox`` folder
the file is in (``mailbox``); from the property list ``date-received`` (UTC epoch seconds) is
kept in ``received_at`` and ``flags`` in ``apple_flags`` (bit 0 read, 1 deleted, 2 answered,
4 flagged, 6 draft, 24 junk), a deleted or junk mark said in the warnings. A file whose length
line is wrong keeps all its bytes as the message, with a warning; one that is no message is an
``unparsed`` row. Locator ``emlx:<path in the source>``.
"""

from __future__ import annotations

import plistlib
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..errors import InputError
from . import _email
from ._common import Head, Source, unparsed

FORMAT = "apple_mail"
PLATFORM = "email"
PATTERNS = ("*.emlx, *.partial.emlx (Apple Mail)",
            "Mail/ or V10/ folder, <Mailbox>.mbox/ folder of .emlx files")
DESCRIPTION = "Apple Mail's store (macOS): .emlx messages, one file or a Mail folder"
READS_FOLDERS = True

_LENGTH = re.compile(rb"\A[ \t]*(\d{1,12})[ \t]*\r?\n")
_FOLDER = re.compile(r"^(?:mail|v\d+|.+\.mbox)$")
#: The flags' bits a volunteer needs to know of.
DELETED, JUNK = 1, 24
MAX_PLIST = 1 << 20


def sniff(head: Head) -> bool:
    if head.is_zip:
        return False
    if head.is_dir:
        return bool(_FOLDER.match(head.name)) and any(
            m.lower().endswith(".emlx") for m in head.members)
    return head.name.endswith(".emlx") and _LENGTH.match(head.data) is not None


def read(path: Path, *, tz: str | None = None, owner: Sequence[str] = (),
         date_order: str | None = None, region: str | None = None) -> pd.DataFrame:
    path = Path(path)
    keys = _email.owner_keys(owner)
    if path.is_dir():
        files = _email.folder_files(path, lambda rel: rel.lower().endswith(".emlx"))
        if not files:
            raise InputError(f"{path.name}: expected Apple Mail's .emlx files in this folder; "
                             "found none: pass the Mail folder (or one .emlx file)")
    else:
        files = [(path, path.name)]
    src = Source(path, FORMAT)
    rows = [_row(file, rel, keys) for file, rel in files]
    if not path.is_dir() and rows[0]["kind"] == "unparsed":
        raise InputError(f"{path.name}: expected an Apple Mail .emlx (a length line, the "
                         f"message, a property list); {rows[0]['warnings']}")
    _email.mark_copies(rows)
    df = pd.DataFrame(rows)
    df["received_at"] = pd.to_datetime(df.get("received_at"), utc=True).astype(
        "datetime64[us, UTC]")
    return src.frame(df)


def _row(file: Path, rel: str, keys: frozenset[str]) -> dict:
    locator = f"emlx:{rel}"
    if file.is_symlink():
        return _unparsed(locator, rel.encode("utf-8", "surrogateescape"),
                         "symbolic link: not followed (it could point outside the source)")
    message, trailer, problem = split(file.read_bytes())
    if message is None:
        return _unparsed(locator, trailer, problem)
    row = _email.message_row(message, locator, owner=keys)
    notes = [row.get("warnings", ""), problem]
    row["mailbox"] = _mailbox(rel)
    props = _properties(trailer, notes)
    flags = props.get("flags")
    row["apple_flags"] = flags if isinstance(flags, int) and 0 <= flags < 1 << 63 else pd.NA
    row["received_at"] = _received(props.get("date-received"), notes)
    if isinstance(flags, int):
        notes += [said for bit, said in ((DELETED, "marked deleted in Apple Mail"),
                                         (JUNK, "marked junk in Apple Mail")) if flags >> bit & 1]
    if rel.lower().endswith(".partial.emlx"):
        notes.append("a partial .emlx: Apple Mail keeps the attachments' contents apart "
                     "(Attachments/ beside Messages/); the parts listed here are not in this "
                     "record")
    row["warnings"] = "; ".join(dict.fromkeys(n for n in notes if n))
    return row


def _unparsed(locator: str, raw: bytes, warning: str) -> dict:
    return unparsed(locator, raw, warning, platform=PLATFORM, conversation_kind="email")


def split(data: bytes) -> tuple[bytes | None, bytes, str]:
    """(the message, the rest, a problem): the message is as long as the first line says."""
    m = _LENGTH.match(data)
    if m is None:
        return None, data, ("no length line (digits) first: not an .emlx, kept unparsed")
    start, length = m.end(), int(m.group(1))
    body = data[start:]
    if not body.strip():
        return None, data, "no message after the length line: kept unparsed"
    if length > len(body):
        return body, b"", (f"the length line says {length} bytes, the file holds "
                           f"{len(body)} after it: cut off? read as it is")
    return body[:length], body[length:], ""


def _properties(trailer: bytes, notes: list[str]) -> dict:
    """Mail's property list after the message (an empty dict when none or unreadable)."""
    text = trailer.strip()
    if not text:
        return {}
    if len(text) > MAX_PLIST:
        notes.append(f"the property list after the message is {len(text)} bytes: not read")
        return {}
    try:
        found = plistlib.loads(text, fmt=plistlib.FMT_XML)
    # plistlib on damaged XML raises more than its documented errors (an IndexError from an
    # unbalanced element, a binascii.Error from bad <data>): none may cost the message its row
    except Exception as exc:  # noqa: BLE001
        notes.append(f"the property list after the message cannot be read ({exc}): its "
                     "bytes are in the file, not in the record")
        return {}
    return found if isinstance(found, dict) else {}


def _received(value: object, notes: list[str]) -> pd.Timestamp | None:
    if value is None:
        return None
    if isinstance(value, int | float) and 0 < value < 1 << 34:
        return pd.Timestamp(int(value), unit="s", tz="UTC")
    notes.append(f"date-received {value!r} is not epoch seconds: not kept")
    return None


def _mailbox(rel: str) -> str:
    """The innermost ``<name>.mbox`` folder of the path, as Mail names the mailbox."""
    boxes = [p[:-5] for p in rel.split("/")[:-1] if p.lower().endswith(".mbox")]
    return "/".join(boxes)
