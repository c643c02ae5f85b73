"""Saved web pages (a page or profile the harasser made): MHTML, WARC, and saved .html.

One row per capture, so the page stands on the timeline beside the messages. MHTML ("Save page
as single file", Chrome/Edge) is a MIME message::

    From: <Saved by Blink>
    Snapshot-Content-Location: https://example.com/the-truth-about-dana
    Subject: The truth about Dana
    Date: Wed, 13 Mar 2024 18:20:11 -0000
    MIME-Version: 1.0
    Content-Type: multipart/related; type="text/html"; boundary="----MultipartBoundary--x"

WARC (``.warc``, ``.warc.gz``; webrecorder, wget, Heritrix) is a sequence of records::

    WARC/1.1
    WARC-Type: response
    WARC-Target-URI: https://example.com/the-truth-about-dana
    WARC-Date: 2024-03-13T18:20:11Z
    Content-Length: 1234

Each ``response``/``resource`` record is a row: an HTML payload a ``text`` row, anything else
(images, scripts) a ``media`` row naming its URI; request, metadata and warcinfo records are
protocol, counted in the assumptions. A browser-saved ``.html`` starts with ``<!-- saved from
url=(0042)https://... -->``, which gives the URL but no time (``sent_at`` missing, with a
warning); a folder holding one ``page.html`` and its ``page_files/`` is read as one capture with
those files as its parts. A plain ``.html`` without that comment is not recognised (Telegram,
Messenger and other exporters write HTML too): pass ``format = "web_capture"`` explicitly.

Columns: ``conversation`` and ``url`` the page's URL, ``subject`` its ``<title>``, ``body`` the
visible text (scripts and styles left out of it only), ``sent_at`` the capture time as the
file states it, ``parts`` a JSON list of ``{"name", "type", "size", "sha256"}`` for every stored
part. Nothing remote is ever loaded and no link is followed; parts are hashed, never written out.
"""

from __future__ import annotations

import email
import email.policy
import gzip
import json
import re
import zlib
from collections.abc import Iterator, Sequence
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from .. import accounts
from ..errors import InputError
from ..evidence import sha256_bytes, source_files
from ._common import Head, Source, decode_text, unparsed

FORMAT = "web_capture"
PLATFORM = "web"
PATTERNS = ("*.mhtml / *.mht", "*.warc / *.warc.gz", "*.html saved by a browser "
            "('<!-- saved from url='), or a folder with page.html + page_files/")
DESCRIPTION = "Saved web pages (MHTML, WARC, browser-saved HTML): one row per capture"

_SAVED_FROM = re.compile(r"<!--\s*saved from url=\(\d+\)(?P<url>\S+?)\s*-->", re.IGNORECASE)
_HIDDEN = frozenset({"script", "style", "noscript", "template", "title"})
_CAPTURES = frozenset({"response", "resource"})
_MAX_RECORD = 1 << 30


# --- sniff ---------------------------------------------------------------------------------------

def _warc_head(head: Head) -> bytes:
    if head.data[:2] == b"\x1f\x8b":
        try:
            return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head.data, 64)
        except zlib.error:
            return b""
    return head.data


def sniff(head: Head) -> bool:
    if head.is_zip:
        return False
    if head.is_dir:
        pages = [m for m in head.members if "/" not in m and m.lower().endswith((".html", ".htm"))]
        return len(pages) == 1 and any(m.startswith(Path(pages[0]).stem + "_files/")
                                       for m in head.members)
    if _warc_head(head).startswith(b"WARC/1."):
        return True
    top = head.data[:4096]
    if re.search(rb"(?im)^content-type:\s*multipart/related", top) and (
            re.search(rb"(?im)^(?:snapshot-content-location|mime-version):", top)):
        return head.name.endswith((".mhtml", ".mht")) or b"Saved by" in top
    return bool(_SAVED_FROM.search(head.text[:2048]))


# --- visible text --------------------------------------------------------------------------------

class _Page(HTMLParser):
    """Title and visible text of a page; scripts and styles are left out of the text only."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.title: list[str] = []
        self._stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _HIDDEN:
            self._stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._stack and self._stack[-1] == tag:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        if not self._stack:
            self.text.append(data)
        elif self._stack[-1] == "title":
            self.title.append(data)


def page_text(html: str) -> tuple[str, str]:
    """(title, visible text) of an HTML document, as written (no whitespace folded)."""
    page = _Page()
    page.feed(html)
    page.close()
    return "".join(page.title), "".join(page.text)


def _decode_html(data: bytes, charset: str | None = None) -> tuple[str, str]:
    if charset:
        try:
            return data.decode(charset), ""
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(data)


def _part(name: str, ctype: str, data: bytes) -> dict:
    return {"name": name, "type": ctype, "size": len(data), "sha256": sha256_bytes(data)}


def _capture(locator: str, raw: bytes, url: str, html: str, parts: list[dict],
             when: pd.Timestamp | None, when_raw: str, warnings: list[str]) -> dict:
    title, text = page_text(html)
    if when is None:
        warnings.append("the capture states no time")
    return {"locator": locator, "raw": raw, "platform": PLATFORM, "conversation": url,
            "sender": accounts.key_for("web", url) if url else "", "sender_display": url,
            "subject": title, "body": text, "kind": "text", "sent_at": when,
            "sent_at_raw": when_raw, "time_basis": "missing" if when is None else "utc",
            "url": url, "parts": json.dumps(parts, ensure_ascii=False),
            "warnings": "; ".join(w for w in warnings if w)}


# --- reading -------------------------------------------------------------------------------------

def read(path: Path, *, tz: str | None = None, owner: Sequence[str] = (),
         date_order: str | None = None, region: str | None = None) -> pd.DataFrame:
    path = Path(path)
    src = Source(path, FORMAT)
    if path.is_dir():
        rows = [_saved_folder(path)]
    else:
        with open(path, "rb") as fh:
            magic = fh.read(4096)
        if magic[:2] == b"\x1f\x8b" or magic.startswith(b"WARC/1."):
            rows = list(_warc(path, src))
        elif re.search(rb"(?im)^content-type:\s*multipart/related", magic):
            rows = [_mhtml(path.read_bytes())]
        else:
            rows = [_saved_html(path.name, path.read_bytes(), [])]
    return src.frame(rows)


# --- saved .html (and its _files folder) ---------------------------------------------------------

def _saved_html(name: str, data: bytes, extra: list[dict]) -> dict:
    html, warn = _decode_html(data)
    m = _SAVED_FROM.search(html[:4096])
    url = m["url"] if m else ""
    warnings = [warn, "" if url else "no 'saved from url' comment: the URL is unknown"]
    parts = [_part(name, "text/html", data), *extra]
    return _capture("file:" + name, data, url, html, parts, None, "", warnings)


def _saved_folder(path: Path) -> dict:
    pages = sorted(p for p in path.iterdir() if p.is_file() and not p.is_symlink()
                   and p.suffix.lower() in (".html", ".htm"))
    if len(pages) != 1:
        raise InputError(f"{path.name}: expected a folder with one saved page (page.html and "
                         f"page_files/); got {len(pages)} HTML files: add the page itself")
    page = pages[0]
    files_dir = path / (page.stem + "_files")
    extra = [_part(p.relative_to(path).as_posix(), "", p.read_bytes())
             for p in source_files(files_dir) if not p.is_symlink()] if files_dir.is_dir() else []
    return _saved_html(page.name, page.read_bytes(), extra)


# --- MHTML ---------------------------------------------------------------------------------------

def _mhtml(data: bytes) -> dict:
    msg = email.message_from_bytes(data, policy=email.policy.default)
    if not isinstance(msg, EmailMessage) or not msg.is_multipart():
        return unparsed("mhtml:$", data, "not a multipart MHTML document", platform=PLATFORM)
    parts, html, charset = [], b"", None
    for i, part in enumerate(p for p in msg.walk() if not p.is_multipart()):
        payload = part.get_payload(decode=True) or b""
        name = part.get("Content-Location") or part.get("Content-ID") or f"part {i}"
        parts.append(_part(str(name), part.get_content_type(), payload))
        if not html and part.get_content_type() == "text/html":
            html, charset = payload, part.get_content_charset()
    text, warn = _decode_html(html, charset)
    url = str(msg.get("Snapshot-Content-Location") or "")
    when_raw = str(msg.get("Date") or "")
    when, when_warn = _mime_date(msg)
    row = _capture("mhtml:$", data, url, text, parts, when, when_raw, [warn, when_warn])
    if not row["subject"] and msg.get("Subject"):
        row["subject"] = str(msg["Subject"])
    return row


def _mime_date(msg: EmailMessage) -> tuple[pd.Timestamp | None, str]:
    try:
        header = msg["Date"]
        stamp = header.datetime if header is not None else None
    except (TypeError, ValueError, AttributeError):
        return None, f"cannot read the Date header {msg.get('Date', '')!r}"
    if stamp is None:
        return None, ""
    if stamp.tzinfo is None:
        # RFC 5322: "-0000" is UTC with the sender's own zone unknown (Chrome writes it)
        if str(msg["Date"]).rstrip().endswith("-0000"):
            return pd.Timestamp(stamp, tz="UTC"), ""
        return None, "Date header without a zone: not used"
    return pd.Timestamp(stamp).tz_convert("UTC"), ""


# --- WARC ----------------------------------------------------------------------------------------

def _open_warc(path: Path) -> BinaryIO:
    with open(path, "rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gz else open(path, "rb")  # noqa: SIM115


def _warc_records(fh: BinaryIO) -> Iterator[tuple[int, dict[str, str], bytes, bytes]]:
    """(record number, headers, header bytes, block) per record, streamed."""
    n = 0
    while True:
        line = fh.readline()
        while line in (b"\r\n", b"\n"):
            line = fh.readline()
        if not line:
            return
        n += 1
        if not line.startswith(b"WARC/"):
            raise InputError(f"WARC record {n}: expected a 'WARC/1.x' line; got {line[:40]!r} "
                             "(the file is damaged or not WARC)")
        head, headers = line, {}
        while (line := fh.readline()) not in (b"\r\n", b"\n", b""):
            head += line
            key, _, value = line.decode("utf-8", "replace").partition(":")
            headers[key.strip().lower()] = value.strip()
        size = int(headers.get("content-length", "0") or 0)
        if size > _MAX_RECORD:
            raise InputError(f"WARC record {n} claims {size} bytes; refusing more than "
                             f"{_MAX_RECORD}")
        yield n, headers, head, fh.read(size)


def _warc(path: Path, src: Source) -> Iterator[dict]:
    skipped: dict[str, int] = {}
    try:
        with _open_warc(path) as fh:
            for n, headers, head, block in _warc_records(fh):
                wtype = headers.get("warc-type", "")
                if wtype not in _CAPTURES:
                    skipped[wtype or "untyped"] = skipped.get(wtype or "untyped", 0) + 1
                    continue
                yield _warc_row(n, headers, head + b"\r\n" + block, block, wtype)
    except (OSError, EOFError, zlib.error, ValueError) as exc:
        raise InputError(f"{path.name}: expected a WARC file; could not read it ({exc})") from None
    if skipped:
        src.assume("WARC records that are not captures were not made rows: " +
                   ", ".join(f"{k} {v}" for k, v in sorted(skipped.items())))


def _warc_row(n: int, headers: dict[str, str], raw: bytes, block: bytes, wtype: str) -> dict:
    url = headers.get("warc-target-uri", "").strip("<>")
    payload, ctype = block, headers.get("content-type", "")
    if wtype == "response" and block.startswith(b"HTTP/"):
        http_head, _, payload = block.partition(b"\r\n\r\n")
        found = re.search(rb"(?im)^content-type:\s*([^\r\n]+)", http_head)
        ctype = found.group(1).decode("latin-1").strip() if found else ""
    when_raw = headers.get("warc-date", "")
    try:
        when = pd.Timestamp(when_raw).tz_convert("UTC") if when_raw else None
    except (ValueError, TypeError):
        when = None
    warnings = [] if when is not None or not when_raw else [f"cannot read WARC-Date {when_raw!r}"]
    parts = [_part(url, ctype, payload)]
    if "html" not in ctype.lower():
        row = _capture(f"warc:record[{n}]", raw, url, "", parts, when, when_raw, warnings)
        row.update(kind="media", attachments=url)
        return row
    charset = re.search(r"charset=([\w.-]+)", ctype, re.IGNORECASE)
    html, warn = _decode_html(payload, charset.group(1) if charset else None)
    return _capture(f"warc:record[{n}]", raw, url, html, parts, when, when_raw, [*warnings, warn])
