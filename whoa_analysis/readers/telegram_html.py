"""Telegram Desktop HTML export (``messages.html``, ``messages2.html``, ... in ``ChatExport_*``).

Each record is a ``div.message`` with ``id="message<N>"``; a follow-on message from the same
sender has the class ``joined`` and no ``from_name``; service lines (date dividers, joins, pins)
are ``message service``::

    <div class="message default clearfix" id="message1">
     <div class="body">
      <div class="pull_right date details" title="23.08.2023 13:11:23 UTC-08:00">13:11</div>
      <div class="from_name">Jimmeny Marvelton</div>
      <div class="text">i refuse to converse with you</div>
     </div>
    </div>
    <div class="message default clearfix joined" id="message4"> ... (no from_name) ... </div>

The date title is always ``dd.mm.yyyy HH:MM:SS`` (Telegram does not localise it), so no date
order is inferred; with ``UTC+hh:mm`` it is an instant, without it (older exports) a local time
in the source's declared zone. The export gives display names only, so the sender key is
``telegram:<name casefolded>``. Parsed with the stdlib ``html.parser``: nothing is fetched, no
script runs, link targets and file names stay text. A folder (``ChatExport_...``) is read as its
``messages*.html`` pages in order, so a ``joined`` message at the top of a page keeps its sender.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..evidence import sha256_bytes, sha256_file
from . import _telegram as tg
from ._common import Head, Source, decode_text, localize, require_tz

FORMAT = "telegram_html"
PLATFORM = "telegram"
PATTERNS = ("messages.html, messages2.html ... (Telegram Desktop export, HTML)",
            "ChatExport_* folder with messages*.html")
DESCRIPTION = "Telegram Desktop HTML export (messages*.html, or the ChatExport folder)"

_PAGE = re.compile(r"^messages(\d*)\.html$")
_SNIFF = (re.compile(rb'class="page_wrap"'), re.compile(rb'class="message (default|service)'))
#: The date title: day.month.year time, optionally followed by the UTC offset.
_TITLE = re.compile(r"^\s*(\d{2})\.(\d{2})\.(\d{4}) (\d{2}):(\d{2}):(\d{2})"
                    r"(?: UTC([+-])(\d{2}):(\d{2}))?\s*$")
_REPLY = re.compile(r"go_to_message(\d+)")
_VOID = frozenset({"br", "img", "meta", "link", "hr", "input", "wbr", "source", "area",
                   "base", "col", "embed", "param", "track"})
#: div classes inside a message -> which field their text goes to.
SINKS = (("from_name", "name"), ("text", "body"), ("reply_to", None), ("title", "media_title"),
         ("status", "media_status"), ("description", "media_description"))


def sniff(head: Head) -> bool:
    if head.is_zip:
        return False
    if head.is_dir:
        return "messages.html" in head.members and any(
            m.endswith("js/script.js") for m in head.members)
    return bool(_PAGE.match(head.name)) and all(p.search(head.data) for p in _SNIFF)


def read(path: Path, *, tz: str | None = None, owner: Sequence[str] = (),
         date_order: str | None = None, region: str | None = None) -> pd.DataFrame:
    path = Path(path)
    pages = _pages(path)
    src = (Source(pages[0], FORMAT) if len(pages) == 1 else
           Source(path, FORMAT, sha256=_folder_hash(pages)))
    records: list[dict] = []
    title = ""
    for page in pages:
        text, warn = decode_text(page.read_bytes())
        if warn:
            src.assume(f"{page.name}: {warn}")
        parser = _Page(text, page.name if len(pages) > 1 else "")
        parser.feed(text)
        parser.close()
        title = title or parser.title
        records.extend(parser.records)
    if not records and not title:
        raise InputError(f"{path.name}: expected a Telegram Desktop messages.html (div.message "
                         "records); found none: pass the export's messages.html")
    return _frame(records, title, src, tz, tg.owner_idents(owner))


def _pages(path: Path) -> list[Path]:
    if not path.is_dir():
        return [path]
    pages = sorted((p for p in path.iterdir() if _PAGE.match(p.name)),
                   key=lambda p: int(_PAGE.match(p.name).group(1) or 1))
    if not pages:
        raise InputError(f"{path.name}: expected messages.html in the Telegram export folder; "
                         "found none: pass the ChatExport folder or its messages.html")
    return pages


def _folder_hash(pages: list[Path]) -> str:
    """One hash for a multi-page export: of the pages' own hashes, in page order."""
    return sha256_bytes("\n".join(f"{p.name} {sha256_file(p)}" for p in pages).encode())


class _Page(HTMLParser):
    """Collects one dict per ``div.message`` with its exact source text."""

    def __init__(self, text: str, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.text, self.page = text, page
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.stack: list[tuple[str, str | None, bool]] = []   # (tag, sink, opens a record)
        self.records: list[dict] = []
        self.cur: dict | None = None
        self.title, self._in_title = "", False

    def _offset(self) -> int:
        line, col = self.getpos()
        return self.starts[line - 1] + col

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            self._void(tag, dict(attrs))
            return
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        opens = tag == "div" and "message" in classes and (a.get("id") or "").startswith(
            "message") and self.cur is None
        if opens:
            self._open(a, classes)
        sink = self._sink(tag, a, classes)
        self.stack.append((tag, sink, opens))
        self._in_title = self._in_title or (self.cur is None and tag == "div"
                                            and {"text", "bold"} <= set(classes))

    def _open(self, a: dict, classes: list[str]) -> None:
        self.cur = {"start": self._offset(), "id": a.get("id", ""), "service": "service" in
                    classes, "joined": "joined" in classes, "name": "", "body": "",
                    "date_title": None, "reply": "", "forwarded": "", "links": [],
                    "media": False, "call": False, "media_title": "", "media_status": "",
                    "media_description": "", "page": self.page}

    def _sink(self, tag: str, a: dict, classes: list[str]) -> str | None:
        parent = self.stack[-1][1] if self.stack else None
        if self.cur is None:
            return None
        cur = self.cur
        if "date" in classes and a.get("title") and cur["date_title"] is None:
            cur["date_title"] = a["title"]
            return None
        if "media_wrap" in classes:
            cur["media"] = True
        if any(c.startswith("media_call") for c in classes):
            cur["call"] = True
        if "forwarded" in classes:
            return "forwarded"
        if tag == "a" and a.get("href"):
            self._link(a["href"], parent)
        if tag != "div":
            return parent
        if cur["service"] and "details" in classes and "body" in classes:
            return "body"
        for cls, sink in SINKS:
            if cls in classes:
                if sink == "name" and parent == "forwarded":
                    return "forwarded_name"
                return sink
        return parent if parent not in ("name", "forwarded_name") else None

    def _link(self, href: str, sink: str | None) -> None:
        hit = _REPLY.search(href)
        if hit and sink is None and not self.cur["reply"]:
            self.cur["reply"] = hit.group(1)
        elif self.cur["media"] and sink not in ("body",):
            self.cur["links"].append(href)

    def _void(self, tag: str, a: dict) -> None:
        if tag == "br" and self.cur is not None and self.stack and self.stack[-1][1]:
            self._data("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        while self.stack:
            open_tag, _, opens = self.stack.pop()
            if opens:
                self._close()
            if open_tag == tag:
                break
        if tag == "div":
            self._in_title = False

    def _close(self) -> None:
        end = self.text.find(">", self._offset())
        cur, self.cur = self.cur, None
        cur["raw"] = self.text[cur.pop("start"):end + 1 if end >= 0 else len(self.text)]
        self.records.append(cur)

    def handle_data(self, data: str) -> None:
        if self.cur is None:
            if self._in_title:
                self.title += data
            return
        self._data(data)

    def _data(self, data: str) -> None:
        sink = self.stack[-1][1] if self.stack else None
        if sink == "forwarded_name":
            self.cur["forwarded"] += data
        elif sink and sink != "forwarded":
            self.cur[sink] += data

    def close(self) -> None:
        super().close()
        if self.cur is not None:     # the page ends inside a message: keep what there is
            self.cur["raw"] = self.text[self.cur.pop("start"):]
            self.cur["cut"] = True
            self.records.append(self.cur)
            self.cur = None


def _layout_trim(text: str) -> str:
    """Drop the exporter's own line break and indentation around a div's text (not the text)."""
    text = text[1:] if text.startswith("\n") else text
    return re.sub(r"\n[ \t]*\Z", "", text)


def _frame(records: list[dict], title: str, src: Source, tz: str | None,
           owner: frozenset[str]) -> pd.DataFrame:
    rows, last_name = [], ""
    for n, rec in enumerate(records):
        row = _row(rec, n, last_name)
        if row["kind"] not in ("system", "unparsed") and row["sender_display"]:
            last_name = row["sender_display"]
        rows.append(row)
    df = pd.DataFrame(rows)
    conversation = title.strip() or src.path.name
    df["conversation"] = conversation
    senders = set(df["sender"]) - {""}
    df["conversation_kind"] = "group" if len(senders) > 2 else "direct"
    src.assume("the HTML export does not name the chat type: direct or group told by the "
               "number of senders")
    _times(df, src, tz)
    _owner_and_recipients(df, senders, owner)
    return src.frame(df.drop(columns=["_title"]))


def _row(rec: dict, n: int, last_name: str) -> dict:
    mid = rec["id"].removeprefix("message")
    locator = f"html:{rec['page'] + ':' if rec['page'] else ''}div#{rec['id'] or n}"
    warnings = ["the page ends inside this message"] if rec.get("cut") else []
    name = rec["name"].strip()
    if rec["joined"] and not name:
        name = last_name
        if not name:
            warnings.append("continuation message with no earlier sender on this page")
    kind = "system" if rec["service"] else ("call" if rec["call"] else
                                            ("media" if rec["media"] else "text"))
    media = "; ".join(t.strip() for t in (rec["media_title"], rec["media_status"],
                                         rec["media_description"]) if t.strip())
    return {"locator": locator, "raw": rec["raw"].encode("utf-8", "surrogateescape"),
            "platform": PLATFORM, "kind": kind, "_title": rec["date_title"],
            "sender": "" if rec["service"] else tg.name_key(name),
            "sender_display": "" if rec["service"] else name,
            "sender_alt": "" if rec["service"] else tg.name_key(name),
            "body": _layout_trim(rec["body"]),
            "attachments": ";".join(rec["links"]) if kind == "media" else "",
            "media": media, "in_reply_to": rec["reply"],
            "forwarded_from": rec["forwarded"].strip(), "telegram_id": mid,
            "warnings": "; ".join(warnings)}


def _times(df: pd.DataFrame, src: Source, tz: str | None) -> None:
    parsed = [_TITLE.match(t) if isinstance(t, str) else None for t in df["_title"]]
    df["sent_at_raw"] = [t if isinstance(t, str) else "" for t in df["_title"]]
    naive = pd.to_datetime(pd.Series(
        [f"{m[3]}-{m[2]}-{m[1]} {m[4]}:{m[5]}:{m[6]}" if m else None for m in parsed],
        dtype=object), format="%Y-%m-%d %H:%M:%S")
    offset = pd.to_timedelta(pd.Series(
        [(1 if m[7] == "+" else -1) * (int(m[8]) * 60 + int(m[9])) if m and m[7] else None
         for m in parsed], dtype="float64"), unit="min")
    has_off = offset.notna().to_numpy()
    sent = (naive - offset).dt.tz_localize("UTC")
    latest = sent.copy()
    basis = np.where(has_off, "offset", "missing").astype(object)
    local = naive.notna().to_numpy() & ~has_off
    warns = list(df["warnings"])
    if local.any():
        zone = require_tz(tz, FORMAT)
        src.assume(f"dates without 'UTC+hh:mm' read as local time in {zone}")
        early, late, warn = localize(naive[local], zone)
        sent[local], latest[local] = early, late
        basis[local] = "local_declared"
        for i, w in zip(np.flatnonzero(local), warn, strict=True):
            warns[i] = "; ".join(x for x in (warns[i], w) if x)
    for i in np.flatnonzero(basis == "missing"):
        title = df.at[i, "_title"]
        why = f"unreadable date {title!r}" if isinstance(title, str) else "no time"
        if df.at[i, "kind"] != "system" or isinstance(title, str):
            warns[i] = "; ".join(x for x in (warns[i], why) if x)
    df["sent_at"], df["sent_at_latest"], df["time_basis"] = sent, latest, basis
    df["warnings"] = warns


def _owner_and_recipients(df: pd.DataFrame, senders: set[str], owner: frozenset[str]) -> None:
    mine = {s for s, d in zip(df["sender"], df["sender_display"], strict=True)
            if s and (d.casefold() in owner or s.removeprefix("telegram:") in owner)}
    df["from_owner"] = pd.array([pd.NA if not s or not mine else s in mine
                                 for s in df["sender"]], dtype="boolean")
    if len(senders) == 2 and (df["conversation_kind"] == "direct").all():
        a, b = sorted(senders)
        df["recipients"] = df["sender"].map({a: b, b: a}).fillna("")
