"""iMessage: imessage-exporter's TXT and HTML exports (one file per conversation).

imessage-exporter (ReagentX) names each file after the conversation (``+447700900456.txt``,
``Name1, Name2.html``). TXT blocks are separated by a blank line; the hour and day are
space-padded; announcements are one line; ``Me`` is the owner::

    May 17, 2022  5:29:42 PM (Read by them after 1 hour, 49 seconds)
    Me
    Hello world

    May 17, 2022  5:29:42 PM
    Sample Contact
    This message was deleted from the conversation!
    Hello world

    May 17, 2022  5:29:42 PM You renamed the conversation to Hello world

HTML has ``div.message > div.sent|div.received`` with ``span.timestamp``, ``span.sender``,
``span.subject``, ``div.message_part`` (bubbles, attachments), ``div.reactions``, threaded
``div.replies`` and ``div.announcement`` lines.

Times are rendered in the exporting Mac's local zone without saying which (month names are
always English, so no date order is inferred): the source's declared zone is required. Handles
that are phone numbers become ``phone:+E164`` and addresses ``email:...`` (the accounts an
iMessage is sent from); other names are ``imessage:<name>``. Nothing in the HTML is fetched.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd

from .. import accounts
from ..errors import InputError
from ._common import Head, Source, decode_text, id_prefix, localize, require_tz

FORMAT = "imessage"
PLATFORM = "imessage"
PATTERNS = ("*.txt and *.html from imessage-exporter (one per conversation)",)
DESCRIPTION = "iMessage conversations exported by imessage-exporter (TXT or HTML)"

_STAMP = r"[A-Z][a-z]{2} +\d{1,2}, \d{4} +\d{1,2}:\d{2}:\d{2} [AP]M"
_HEADER = re.compile(rf"^(?P<stamp>{_STAMP})(?P<rest>.*)$")
_READ = re.compile(r"^ \((?P<receipt>(?:Read|Delivered)[^)]*)\)\s*$")
_STAMP_IN = re.compile(rf"^\s*(?P<stamp>{_STAMP})(?: \((?P<receipt>[^)]*)\))?\s*$")
OWNER_NAMES = frozenset({"Me"})
#: Exporter marker lines and the kind they mean (the line itself is not message text).
MARKERS = {"This message was deleted from the conversation!": "deleted"}
#: Bodies that describe an event rather than carry text.
BODY_KINDS = ((re.compile(r"^SharePlay Message(\n|$)"), "call"),)
_PHONE = re.compile(r"^\+?[\d ()\-.]{5,}$")


def sniff(head: Head) -> bool:
    if head.is_dir or head.is_zip:
        return False
    text = head.text
    if head.name.endswith(".txt"):
        first = text.split("\n", 2)
        return bool(first and _HEADER.match(first[0].rstrip("\r"))) and len(first) > 1 and (
            first[1].strip() != "" or bool(_HEADER.match(first[0]).group("rest").strip()))
    if head.name.endswith((".html", ".htm")):
        return ('class="timestamp"' in text and 'class="message"' in text
                and ('class="sent' in text or 'class="received' in text))
    return False


def read(path: Path, *, tz: str | None = None, owner: Sequence[str] = (),
         date_order: str | None = None, region: str | None = None) -> pd.DataFrame:
    src = Source(Path(path), FORMAT)
    text, warn = decode_text(src.path.read_bytes())
    if warn:
        src.assume(warn)
    is_html = src.path.suffix.lower() in (".html", ".htm")
    rows = _html_rows(text) if is_html else _txt_rows(text)
    if not any(r["kind"] != "unparsed" for r in rows):
        raise InputError(f"{src.path.name}: expected imessage-exporter "
                         f"{'HTML' if is_html else 'TXT'} messages; found none: check the file")
    zone = require_tz(tz, FORMAT)
    src.assume(f"times read as local time in {zone}")
    owners = {o.strip().casefold() for o in owner if o.strip()}
    df = pd.DataFrame(rows)
    df["platform"] = PLATFORM
    _people(df, owners, region)
    _times(df, zone)
    _conversation(df, src, region)
    if "_parent" in df:
        prefix = id_prefix(src.sha256)
        df["in_reply_to"] = [prefix + p if isinstance(p, str) and p else ""
                             for p in df.pop("_parent")]
    return src.frame(df)


# --- TXT ------------------------------------------------------------------------------------

def _txt_blocks(text: str):
    """(first line number, raw text) per block: a header line at the start or after a blank."""
    lines = text.splitlines(keepends=True)
    start, prev_blank = None, True
    for n, line in enumerate(lines):
        if prev_blank and _HEADER.match(line.rstrip("\r\n")):
            if start is not None:
                yield start + 1, "".join(lines[start:n])
            start = n
        elif start is None and line.strip():
            yield n + 1, line    # text before any header: its own (unparsed) record
        prev_blank = line.strip() == ""
    if start is not None:
        yield start + 1, "".join(lines[start:])


def _txt_rows(text: str) -> list[dict]:
    return [_txt_row(n, raw) for n, raw in _txt_blocks(text)]


def _txt_row(n: int, raw: str) -> dict:
    base = {"locator": f"line:{n}", "raw": raw.encode("utf-8", "surrogateescape")}
    lines = raw.split("\n")
    head = _HEADER.match(lines[0].rstrip("\r"))
    if head is None:
        return {**base, "kind": "unparsed", "body": raw, "warnings": "not an iMessage block"}
    # The block ends with the blank separator line(s): layout, not message text.
    content = re.sub(r"(\r?\n)+\Z", "", raw).split("\n")
    rest, receipt = head["rest"].rstrip("\r"), ""
    if rest and not _READ.match(rest):
        return {**base, "kind": "system", "_stamp": head["stamp"], "body": rest[1:],
                "_name": "Me" if rest.startswith(" You ") else ""}
    if rest:
        receipt = _READ.match(rest)["receipt"]
    if len(content) < 2:
        return {**base, "kind": "unparsed", "body": raw, "warnings": "block without a sender"}
    body_lines = [x.rstrip("\r") if i == len(content) - 3 else x
                  for i, x in enumerate(content[2:])]
    kind = "text"
    if body_lines and body_lines[0].rstrip("\r") in MARKERS:
        kind = MARKERS[body_lines.pop(0).rstrip("\r")]
    body = "\n".join(body_lines)
    kind = next((k for p, k in BODY_KINDS if p.match(body)), kind)
    return {**base, "kind": kind, "_stamp": head["stamp"], "_name": content[1].rstrip("\r"),
            "body": body, "read_receipt": receipt}


# --- HTML -----------------------------------------------------------------------------------

class _Html(HTMLParser):
    """One dict per message (replies included, with their parent) and per announcement."""

    SPANS = {"timestamp": "_stamp_text", "sender": "_name", "subject": "subject",
             "bubble": "body"}

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.stack: list[tuple[str, object]] = []   # (tag, role)
        self.open: list[dict] = []                  # records being read, innermost last
        self.done: list[dict] = []
        self.count = 0

    def _offset(self) -> int:
        line, col = self.getpos()
        return self.starts[line - 1] + col

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag in ("br", "img", "hr", "meta", "link", "input", "wbr", "source"):
            self._void(tag, a)
            return
        role: object = None
        if tag == "div" and ("message" in classes or "announcement" in classes):
            role = self._start("announcement" in classes)
        elif self.open:
            role = self._inner(tag, a, classes)
        self.stack.append((tag, role))

    def _start(self, announcement: bool) -> dict:
        parent = next((r for r in reversed(self.open) if r.get("_tag") == "message"), None)
        self.count += 1
        rec = {"_tag": "announcement" if announcement else "message", "_n": self.count,
               "_start": self._offset(), "kind": "system" if announcement else "text",
               "_stamp_text": "", "_name": "", "subject": "", "body": "", "_parts": [],
               "_attach": [], "_reactions": [], "_edits": [], "_sent": None, "_service": "",
               "_parent_n": parent["_n"] if parent else None, "_sink": [], "_depth": 0}
        self.open.append(rec)
        return rec

    def _inner(self, tag: str, a: dict, classes: list[str]) -> object:
        rec = self.open[-1]
        if tag == "div" and ("sent" in classes or "received" in classes):
            rec["_sent"] = "sent" in classes
            rec["_service"] = " ".join(c for c in classes if c not in ("sent", "received"))
        if self._sink() in ("_reactions", "_edits"):
            return None         # their timestamps and names belong to the reaction or edit
        for cls, field in self.SPANS.items():
            if cls in classes and not (field == "_stamp_text" and rec["_stamp_text"]):
                if field == "body":
                    rec["_parts"].append("")
                return ("sink", field)
        if "reactions" in classes:
            return ("sink", "_reactions")
        if "edited" in classes:
            return ("sink", "_edits")
        if tag == "a" and a.get("href"):     # a shared link or file: its target, as text
            rec["_attach"].append(a["href"])
            rec["kind"] = "media"
        if rec["_tag"] == "announcement" and tag == "p":
            return ("sink", "body")
        return None

    def _void(self, tag: str, a: dict) -> None:
        if not self.open or tag != "img" or not a.get("src"):
            return
        if self._sink() == "_reactions":
            return
        src = a["src"]
        if not re.match(r"^[a-z]+://", src):     # remote previews are not attachments
            self.open[-1]["_attach"].append(src)
            self.open[-1]["kind"] = "media"

    def _sink(self) -> str | None:
        for _, role in reversed(self.stack):
            if isinstance(role, dict):
                return None
            if isinstance(role, tuple) and role[0] == "sink":
                return role[1]
        return None

    def handle_data(self, data: str) -> None:
        if not self.open:
            return
        rec, sink = self.open[-1], self._sink()
        if sink == "body" and rec["_tag"] == "message":
            rec["_parts"][-1] += data
        elif sink in ("_reactions", "_edits"):
            rec[sink].append(data)
        elif sink:
            rec[sink] += data
        elif rec["_tag"] == "announcement" and data.strip():
            rec["body"] += data

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            open_tag, role = self.stack.pop()
            if isinstance(role, dict):
                end = self.text.find(">", self._offset())
                role["raw"] = self.text[role.pop("_start"):end + 1]
                self.open.remove(role)
                self.done.append(role)
            if open_tag == tag:
                break


def _html_rows(text: str) -> list[dict]:
    parser = _Html(text)
    parser.feed(text)
    parser.close()
    for rec in parser.open:      # the file ends inside a message: keep what there is
        rec["raw"] = text[rec.pop("_start"):]
        rec["warnings"] = "the file ends inside this message"
        parser.done.append(rec)
    locators = {r["_n"]: f"html:message[{r['_n']}]" for r in parser.done}
    return [_html_row(r, locators) for r in sorted(parser.done, key=lambda r: r["_n"])]


def _html_row(rec: dict, locators: dict[int, str]) -> dict:
    stamp = _STAMP_IN.match(rec["_stamp_text"])
    edits = [e.strip() for e in rec["_edits"] if e.strip() and not e.strip().startswith(
        "Edited ")]
    body = "\n".join(rec["_parts"]) if rec["_parts"] else ""
    if edits and not body:
        body = edits[-1]
    row = {"locator": locators[rec["_n"]], "raw": rec["raw"].encode("utf-8", "surrogateescape"),
           "kind": rec["kind"], "_stamp": stamp["stamp"] if stamp else None,
           "_name": rec["_name"].strip(), "subject": rec["subject"], "body": body,
           "attachments": ";".join(rec["_attach"]),
           "read_receipt": (stamp["receipt"] or "") if stamp else "",
           "reactions": " ".join(" ".join(rec["_reactions"]).split()).removeprefix(
               "Reactions: "), "edit_history": "\n".join(edits[:-1]),
           "service": rec["_service"], "warnings": rec.get("warnings", ""),
           "_parent": locators.get(rec["_parent_n"], "")}
    if rec["_tag"] == "announcement":
        text = rec["body"]
        row["body"] = " ".join(text.split()) if text else ""
        row["_stamp"] = _first_stamp(rec["_stamp_text"])
        row["_name"] = "Me" if row["body"].startswith("You ") else ""
    if row["_stamp"] is None and rec["_stamp_text"].strip():
        row["warnings"] = f"unreadable time {rec['_stamp_text'].strip()!r}"
    return row


def _first_stamp(text: str) -> str | None:
    found = re.search(_STAMP, text)
    return found.group(0) if found else None


# --- shared ---------------------------------------------------------------------------------

def handle_key(handle: str, region: str | None) -> str:
    """The account an iMessage handle is: a phone number, an address, or a contact name."""
    handle = handle.strip()
    if not handle or handle in OWNER_NAMES:
        return ""
    if "@" in handle and " " not in handle:
        return accounts.key_for("email", handle)
    if _PHONE.match(handle):
        return accounts.key_for("phone", handle, region)
    return accounts.key_for("imessage", handle)


def _people(df: pd.DataFrame, owners: set[str], region: str | None) -> None:
    names = df.get("_name", pd.Series("", index=df.index)).fillna("").astype(str)
    df["sender_display"] = names
    df["sender"] = [handle_key(n, region) for n in names]
    mine = [n in OWNER_NAMES or (bool(n) and n.casefold() in owners) for n in names]
    df["from_owner"] = pd.array([m if n else pd.NA for m, n in zip(mine, names, strict=True)],
                                dtype="boolean")
    df.loc[df["from_owner"].fillna(False).to_numpy(dtype=bool), "sender"] = ""


def _times(df: pd.DataFrame, zone: str) -> None:
    stamps = df.get("_stamp", pd.Series(None, index=df.index, dtype=object))
    df["sent_at_raw"] = stamps.fillna("").astype(str)
    cleaned = stamps.where(stamps.notna(), None).astype(object)
    cleaned = cleaned.map(lambda s: " ".join(s.split()) if isinstance(s, str) else None)
    naive = pd.to_datetime(cleaned, format="%b %d, %Y %I:%M:%S %p", errors="coerce")
    early, late, warn = localize(naive, zone)
    df["sent_at"], df["sent_at_latest"] = early, late
    has = naive.notna().to_numpy()
    df["time_basis"] = np.where(has, "local_declared", "missing")
    old = df.get("warnings", pd.Series("", index=df.index)).fillna("").astype(str)
    back = _goes_back(naive)
    df["warnings"] = ["; ".join(x for x in (o, w, FORGED if b else "") if x)
                      for o, w, b in zip(old, warn, back, strict=True)]
    for col in ("_stamp", "_name"):
        if col in df:
            del df[col]


FORGED = "earlier than the message before it: may be a line typed to look like a message"


def _goes_back(naive: pd.Series) -> list[bool]:
    """A block whose time goes back may have been typed inside a message (blank line + header)."""
    prev = naive.ffill().shift(1)
    return [bool(a < b) if pd.notna(a) and pd.notna(b) else False
            for a, b in zip(naive, prev, strict=True)]


def _conversation(df: pd.DataFrame, src: Source, region: str | None) -> None:
    stem = src.path.stem
    df["conversation"] = stem
    mine = df["from_owner"].fillna(False).to_numpy(dtype=bool)
    others = set(df.loc[~mine, "sender"]) - {""}
    group = len(others) > 1 or ", " in stem
    df["conversation_kind"] = "group" if group else "direct"
    src.assume("direct or group told by the file name and the senders other than the owner")
    if group:
        return
    # A 1:1 file is named after the other person's handle; their key is the recipient of ours.
    other = next(iter(others), "") or handle_key(stem, region)
    if other.startswith(("phone:", "email:")) or others:
        df["recipients"] = np.where(mine & (df["kind"] != "system").to_numpy(), other, "")
