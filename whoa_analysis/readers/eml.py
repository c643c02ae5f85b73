"""One RFC 5322 message per file (.eml): saved from Thunderbird, Outlook on the web, Apple Mail.

The file is the message, headers then a blank line then the body (an mbox envelope line first
is allowed and skipped)::

    Received: from mail.example.net (mail.example.net [198.51.100.7])
            by mx1.example.org; Mon, 11 Mar 2024 10:00:02 +0000
    From: Rob Offender <rob@example.net>
    To: Dana Example <dana@example.org>
    Subject: hello
    Date: Mon, 11 Mar 2024 10:00:00 +0000
    Message-ID: <abc123@example.net>

    Body text.

Also a zip or a folder of .eml files (every file one row, sorted by path; links not followed).
Locator ``file:<name>`` for a single file, ``file:<relative path>`` in a folder and
``zip:<member>`` in a zip. The record's raw bytes are the whole file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd

from ..errors import InputError
from . import _email
from ._common import Head, Source, is_zip, read_member, zip_members

FORMAT = "eml"
PLATFORM = "email"
PATTERNS = ("*.eml", "RFC 5322 message files", "*.zip or folder of *.eml")
DESCRIPTION = "One email message per file (.eml), or a zip/folder of them"

#: Header names that mark the start of a mail message (at least one must be among the first).
_MAIL_HEADERS = frozenset({
    "from", "to", "cc", "subject", "date", "received", "return-path", "message-id",
    "mime-version", "content-type", "delivered-to", "x-original-to", "reply-to", "sender",
    "in-reply-to", "references", "dkim-signature", "authentication-results", "x-mailer",
    "content-transfer-encoding", "envelope-to", "x-received", "arc-seal", "user-agent"})
_HEADER_LINE = re.compile(r"([!-9;-~]+)[ \t]*:")
_HEAD_LINES = 8
#: Name suffixes whose content is sniffed for headers (mail saved under other names).
_CONTENT_SNIFFED = frozenset({"", "eml", "msg", "txt", "mail", "email", "rfc822", "mime"})


def sniff(head: Head) -> bool:
    if head.is_zip:
        names = [m.lower() for m in head.members]
        return any(n.endswith(".eml") for n in names) and not any(
            n.endswith(".mbox") for n in names)
    if head.is_dir:
        return _eml_folder(head)
    if head.name.endswith(".eml"):
        return True
    suffix = head.name.rpartition(".")[2] if "." in head.name else ""
    if suffix not in _CONTENT_SNIFFED and not suffix.isdigit():
        return False                # .mhtml, .html, .json, .mbox ...: other readers' files
    if head.data.startswith(b"\xd0\xcf"):
        return False
    text = head.text
    if text.startswith("From "):
        # An envelope line first is mbox's, except for the names mbox leaves to us.
        if not head.name.endswith(".msg"):
            return False
        text = text.partition("\n")[2]
    return _looks_like_headers(text)


def _eml_folder(head: Head) -> bool:
    """A folder whose own files (not sub-folders) are all .eml messages."""
    files = [m for m in head.members if "/" not in m and not m.startswith(".")]
    return bool(files) and all(m.lower().endswith(".eml") for m in files)


def _looks_like_headers(text: str) -> bool:
    """The first lines are header fields (or their continuations), one of them a mail header."""
    lines = text.splitlines()[:_HEAD_LINES]
    if not lines or not _HEADER_LINE.match(lines[0]):
        return False
    known = 0
    for line in lines:
        m = _HEADER_LINE.match(line)
        if m:
            known += m.group(1).lower() in _MAIL_HEADERS
        elif not line or line[0] not in " \t":
            break                   # end of the header block (or a broken one)
    return known > 0


def read(path: Path, *, tz: str | None = None, owner: Sequence[str] = (),
         date_order: str | None = None, region: str | None = None) -> pd.DataFrame:
    path = Path(path)
    keys = _email.owner_keys(owner)
    if path.is_dir():
        files = _email.folder_files(path, lambda rel: rel.lower().endswith(".eml"))
        if not files:
            raise InputError(f"{path.name}: expected a folder with .eml files; got none")
        src = Source(path, FORMAT)
        rows = [row for _, row in _email.file_rows(files, keys, "file")]
    else:
        src = Source(path, FORMAT)
        if is_zip(path):
            rows = list(_zip_rows(path, keys))
        else:
            rows = [_email.message_row(path.read_bytes(), f"file:{path.name}", owner=keys)]
    _email.mark_copies(rows)
    return src.frame(rows)


def _zip_rows(path: Path, keys: frozenset[str]) -> Iterator[dict]:
    found = False
    for info, zf in zip_members(path):
        if info.filename.lower().endswith(".eml"):
            found = True
            yield _email.message_row(read_member(zf, info), f"zip:{info.filename}", owner=keys)
    if not found:
        raise InputError(f"{path.name}: expected a zip with .eml files; got none")
