"""The exact bytes of a record, read again from its source by its locator, for attaching.

Abuse desks ask for the offending mail "as an attachment, with full headers": the message as it
sits in the source, not as a library would write it out again. The locators say where:

- ``mbox:<index>@<offset>`` (and ``zip:<member>:mbox:<index>@<offset>``): the message after the
  envelope line at that byte offset, up to the next envelope (readers/mbox.py);
- ``file:<name>`` / ``file:<relative path>`` / ``zip:<member>`` of an .eml source, and
  ``maildir:<relative path>``: the whole file;
- ``emlx:<name or relative path>`` of Apple Mail: the message the file's length line gives;
- ``warc:record[<n>]`` of a web capture: the WARC record (its header block and content).

The bytes are handed out only when their SHA-256 is the row's ``record_sha256`` (what the
reader hashed at read time), so what is attached is provably the record that was counted.
Outlook ``.msg`` files hold no RFC 822 original (their MAPI properties are not a message), and
nothing else can be attached as one: those come back with the reason instead of bytes. Paths
come from the case file; a relative path in a locator must stay inside its source folder and
never goes through a symbolic link.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..case import Case, Source
from ..i18n import N_
from ..readers import apple_mail, mbox, web_capture

_MBOX = re.compile(r"(?:zip:(?P<member>.+):)?mbox:(?P<index>\d+)@(?P<offset>\d+)")
_WARC = re.compile(r"warc:record\[(?P<n>\d+)\]")


@dataclass(frozen=True)
class Original:
    data: bytes | None       # the record's bytes, hash-checked; None when not attachable
    kind: str                # "rfc822", "msg" (an Outlook file), "warc", or "" (none)
    problem: str = ""        # why there are no bytes (empty when there are)

    @property
    def ok(self) -> bool:
        return self.data is not None


def source_of(case: Case, source_path: str) -> Source | None:
    """The case's source a row names (rows carry the path as the case file writes it)."""
    for src in case.sources:
        if source_path in (src.relpath, str(src.path)):
            return src
    return None


def read(case: Case, row: dict) -> Original:
    """The bytes of ``row``'s record, or the reason there are none."""
    src = source_of(case, str(row.get("source_path") or ""))
    if src is None:
        return Original(None, "", N_("its source is not in the case file"))
    locator, fmt = str(row.get("locator") or ""), str(row.get("source_format") or "")
    try:
        kind, data = _bytes(src.path, locator, fmt)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, StopIteration) as exc:
        return Original(None, "", f"the source could not be read again ({exc})")
    if data is None:
        return Original(None, kind, _NOT_ATTACHABLE.get(kind, f"locator {locator} does not "
                                                        "point at a message's bytes"))
    if hashlib.sha256(data).hexdigest() != str(row.get("record_sha256") or ""):
        return Original(None, kind, N_("the bytes at its locator do not match its recorded "
                                       "SHA-256 (run whoa verify)"))
    return Original(data, kind)


_NOT_ATTACHABLE = {"msg": N_("an Outlook .msg file holds no RFC 822 original; the .msg is "
                             "attached as exported instead"),
                   "pst": N_("an Outlook store (.pst/.ost) keeps no RFC 822 original of a mail; "
                             "its transport headers are quoted here, and the store is listed "
                             "with its SHA-256 in manifest.json")}


def _bytes(path: Path, locator: str, fmt: str) -> tuple[str, bytes | None]:
    if m := _MBOX.fullmatch(locator):
        return "rfc822", _mbox_message(path, m["member"], int(m["offset"]))
    if m := _WARC.fullmatch(locator):
        return "warc", _warc_record(path, int(m["n"]))
    if locator == "msg:0" and fmt == "msg":
        return "msg", None
    if fmt == "pst":
        return "pst", None
    scheme, _, rel = locator.partition(":")
    if scheme == "zip" and fmt == "eml":
        with zipfile.ZipFile(path) as zf:
            return "rfc822", zf.read(rel)
    if scheme == "file" and fmt == "eml":
        return "rfc822", _file(path, rel)
    if scheme == "maildir" and fmt == "maildir":
        return "rfc822", _file(path, rel)
    if scheme == "emlx" and fmt == "apple_mail":
        return "rfc822", apple_mail.split(_file(path, rel))[0]
    return "", None


def msg_file(case: Case, row: dict) -> bytes | None:
    """An Outlook .msg source's whole file, when it is the row's record (hash-checked)."""
    src = source_of(case, str(row.get("source_path") or ""))
    if src is None or str(row.get("locator")) != "msg:0" or not src.path.is_file():
        return None
    data = src.path.read_bytes()
    return data if hashlib.sha256(data).hexdigest() == row.get("record_sha256") else None


def _file(path: Path, rel: str) -> bytes:
    """The file a locator names: the source itself, or a file inside the source folder."""
    if path.is_file():
        if rel != path.name:
            raise ValueError(f"locator names {rel!r}, the source is {path.name!r}")
        return path.read_bytes()
    parts = rel.split("/")
    if not rel or any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"locator path {rel!r} is not a plain relative path")
    target = path
    for part in parts:
        target = target / part
        if target.is_symlink():
            raise ValueError(f"locator path {rel!r} goes through a symbolic link")
    return target.read_bytes()


#: Bytes read at a time when cutting one message out of an mbox (the reader's 8 MiB chunks
#: would read that much again for every mail attached).
_MBOX_CHUNK = 1 << 16


def _mbox_message(path: Path, member: str | None, offset: int) -> bytes:
    """The message after the envelope line at ``offset``, cut by the reader's own rule."""
    if member is None:
        with open(path, "rb") as fh:
            fh.seek(offset)
            return next(mbox.messages(fh, _MBOX_CHUNK, origin=offset))[2]
    with zipfile.ZipFile(path) as zf, zf.open(member) as fh:
        fh.seek(offset)
        return next(mbox.messages(fh, _MBOX_CHUNK, origin=offset))[2]


def _warc_record(path: Path, n: int) -> bytes:
    """Record ``n`` as the reader hashed it: its header block, a blank line, its content."""
    with web_capture._open_warc(path) as fh:         # the reader's own record framing
        for number, _, head, block in web_capture._warc_records(fh):
            if number == n:
                return head + b"\r\n" + block
    raise ValueError(f"the WARC has no record {n}")


def warc_fields(data: bytes) -> dict[str, str]:
    """The WARC header fields of a record's bytes (names lower-cased)."""
    head = data.split(b"\r\n\r\n", 1)[0].split(b"\n")
    out = {}
    for line in head[1:]:
        key, sep, value = line.decode("utf-8", "replace").partition(":")
        if sep:
            out[key.strip().lower()] = value.strip()
    return out
