"""Facebook Messenger and Instagram "Download your information" HTML (the HTML flavour).

Meta writes one thread per folder (``messages/inbox/<name>_<id>/message_1.html``, then
``message_2.html`` ...). Each message is one block of sibling ``div``s: the sender, the content
(text, photos, links, reactions), and the local time as the account's settings showed it::

    <title>Rob Offender</title> ...
    <div class="_3b0d">Participants: Rob Offender and Dana Example</div> ...
    <div class="pam _3-95 _2ph- _a6-g uiBoxWhite noborder">
      <div class="_3-95 _2pim _a6-h _a6-i">Rob Offender</div>
      <div class="_3-95 _a6-p"><div><div></div><div>Answer me.</div><div></div><div></div>
      </div></div>
      <div class="_3-94 _a6-o"><div class="_a72d">Mar 11, 2024 7:35:00 am</div></div></div>

Older exports use other class names (``_2lej``/``_2lek``/``_2let``/``_2lem``) and other time
layouts ("Oct 19, 2019, 2:37 PM", "Oct 19, 2019 at 2:37 PM", "19 Oct 2019, 14:37"), so a block is
found by its shape rather than its classes: a ``div`` with two or more element children whose
last child's text is a time in one of ``_LAYOUTS``. Month names are English words, so no
day/month order is guessed. The times carry no zone: the source's declared ``tz`` is required.

Text is kept as shown (entities unescaped once by the parser; whitespace between tags of a
pretty-printed file is layout, not text; separate ``div``s of one message are joined with a
newline, ``<br>`` is a newline). Photos, videos, audio and local file links are ``media`` with
their ``src``/``href`` as attachment names (text, never opened); web links stay in ``share_link``;
reaction lists (``<ul><li>``) go to ``reactions``. English wording marks unsent messages, calls
and group changes (``_KIND_PATTERNS``). ``read`` takes one file, a thread folder or a whole
export (folder or zip): every ``message_N.html`` in numeric order. Platform ``instagram`` when the
path names Instagram, else ``messenger`` (nothing in the HTML tells them apart).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import accounts
from ..errors import InputError
from ..evidence import source_files
from . import _meta
from ._common import Head, Source, decode_text, localize_rows, read_member, unparsed, zip_members
from ._html import Node, Tree, walk

FORMAT = "meta_html"
PLATFORM = "messenger"
PATTERNS = ("message_N.html (Messenger/Instagram 'Download your information', HTML format)",
            "thread folder or export folder/zip with messages/inbox/*/message_N.html")
DESCRIPTION = "Facebook Messenger and Instagram 'Download your information' HTML"

_THREAD_FILE = re.compile(r"(?:^|/)message_(\d+)\.html?$", re.IGNORECASE)
_JSON_THREAD = re.compile(r"(?:^|/)message_\d+\.json$", re.IGNORECASE)
#: class names of Meta's HTML export (2018-2025 layouts); any one marks a Meta page.
_CLASS_MARKERS = ("_a6-g", "_a6-h", "_a6-p", "_a72d", "_2ph_", "pam _3-95", "_2lej", "_2lek",
                  "_2let", "_3-96 _2pio")
_PARTICIPANTS_TAG = re.compile(r"<div[^>]*>\s*Participants: ")
#: markers of other HTML chat exports (Telegram, iMessage exporter), never a Meta page.
_FOREIGN_MARKERS = ('class="message default clearfix"', 'class="timestamp"')
_PARTICIPANTS = re.compile(r"^\s*Participants:\s*(.+?)\s*$", re.DOTALL)
_NAME_SPLIT = re.compile(r",\s*|\s+and\s+")

_MONTHS = {m: i for i, ms in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
    ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
    ("oct", "october"), ("nov", "november"), ("dec", "december")), start=1) for m in ms}
_SP = r"[ \u00a0\u202f]"
_CLOCK = (rf"(?P<h>\d{{1,2}}):(?P<mi>\d{{2}})(?::(?P<s>\d{{2}}))?"
          rf"(?:{_SP}?(?P<ap>[AaPp]\.?[Mm]\.?))?")
#: time layouts seen in Meta HTML exports (month names in English; no day/month guessing).
_LAYOUTS = (
    re.compile(rf"(?P<mon>[A-Za-z]{{3,9}})\.?{_SP}(?P<day>\d{{1,2}}),{_SP}(?P<year>\d{{4}})"
               rf"(?:,{_SP}|{_SP}at{_SP}|{_SP}){_CLOCK}"),          # Oct 19, 2019, 2:37 PM
    re.compile(rf"(?P<day>\d{{1,2}}){_SP}(?P<mon>[A-Za-z]{{3,9}})\.?{_SP}(?P<year>\d{{4}})"
               rf"(?:,{_SP}|{_SP}at{_SP}|{_SP}){_CLOCK}"),          # 19 Oct 2019, 14:37
)
#: (kind, English wording Meta writes in place of a message).
_KIND_PATTERNS = (
    ("deleted", re.compile(r"^.{1,200} unsent a message\.?$")),
    ("call", re.compile(r"^(?:.{1,200} called you|You called .{1,200}|You missed a (?:video )?"
                        r"call from .{1,200}|.{1,200} missed your (?:video )?call|The (?:video )?"
                        r"(?:call|chat) ended)\.?$")),
    ("system", re.compile(r"^.{1,200} (?:left the group|added .{1,200} to the group|removed "
                          r".{1,200} from the group|named the group .{0,200}|changed the group "
                          r"photo)\.?$")),
)
_BLOCKS = frozenset({"div", "p", "li", "ul", "ol", "table", "tr", "td", "h1", "h2", "h3", "h4",
                     "section", "header", "footer"})
_MEDIA_TAGS = frozenset({"img", "video", "audio", "source"})
_SKIP_TEXT = frozenset({"script", "style", "title", "head"})


# --- sniff ---------------------------------------------------------------------------------------

def _looks_like_meta(text: str) -> bool:
    if any(m in text for m in _FOREIGN_MARKERS):
        return False
    return any(m in text for m in _CLASS_MARKERS) or bool(_PARTICIPANTS_TAG.search(text))


def sniff(head: Head) -> bool:
    if head.is_dir or head.is_zip:
        # a folder holding the JSON flavour too belongs to meta_json (it carries exact instants)
        return any(_THREAD_FILE.search(m) for m in head.members) and not any(
            _JSON_THREAD.search(m) for m in head.members)
    return head.name.endswith((".html", ".htm")) and _looks_like_meta(head.text)


# --- a small tree with source offsets ------------------------------------------------------------

def _parse(text: str, name: str) -> Tree:
    builder = Tree(text)
    try:
        builder.feed(text)
        builder.finish()
    except (AssertionError, ValueError, IndexError) as exc:   # html.parser on hostile markup
        raise InputError(f"{name}: expected a Messenger HTML page; the markup cannot be read "
                         f"({exc}): re-export it") from None
    return builder


def _plain(node: Node | str) -> str:
    """All text under a node, exactly as in the file (entities unescaped once)."""
    if isinstance(node, str):
        return node
    if node.tag in _SKIP_TEXT:
        return ""
    return "".join(_plain(c) for c in node.children)


# --- documents: one file, a folder, or a zip -----------------------------------------------------

def _order(name: str) -> tuple:
    return _meta.thread_order(name, _THREAD_FILE)


def _documents(path: Path) -> Iterator[tuple[str, bytes]]:
    """(name for the locator, bytes) of each thread page to read."""
    if path.is_dir():
        names = sorted((p.relative_to(path).as_posix() for p in source_files(path)
                        if _THREAD_FILE.search(p.name) and not p.is_symlink()), key=_order)
        for name in names:
            yield name, (path / name).read_bytes()
        return
    if path.suffix.lower() == ".zip":
        found = [(info.filename, read_member(zf, info)) for info, zf in zip_members(path)
                 if _THREAD_FILE.search(info.filename)]
        yield from sorted(found, key=lambda m: _order(m[0]))
        return
    yield path.name, path.read_bytes()


# --- reading -------------------------------------------------------------------------------------

def read(path: Path, *, tz: str | None = None, owner: Sequence[str] = (),
         date_order: str | None = None, region: str | None = None) -> pd.DataFrame:
    src = Source(Path(path), FORMAT)
    platform = _meta.platform(src, "HTML")
    owners = {o.casefold() for o in owner}
    single = src.path.is_file() and src.path.suffix.lower() != ".zip"
    rows: list[dict] = []
    for name, data in _documents(src.path):
        rows.extend(_read_page(name, data, platform, owners, src, single))
    if not rows and not single:
        raise InputError(f"{src.path.name}: expected Messenger/Instagram message_N.html files; "
                         "found none (pass the thread folder or the export's zip)")
    localize_rows(rows, tz, FORMAT, src, "Messenger HTML times read as local time in {zone}")
    for row in rows:
        row.pop("_naive", None)
        row["warnings"] = "; ".join(row["warnings"])
    return src.frame(rows)


def _codec(warning: str) -> str:
    """The codec that re-encodes a decoded slice to the file's own bytes."""
    if "cp1252" in warning and "latin-1" not in warning:
        return "cp1252"
    return "latin-1" if warning else "utf-8"


def _read_page(name: str, data: bytes, platform: str, owners: set[str], src: Source,
               single: bool) -> list[dict]:
    text, warning = decode_text(data)
    if warning:
        src.assume(f"{name}: {warning}")
    try:
        return _page_rows(name, text, data, _codec(warning), platform, owners, src, single)
    except RecursionError:          # nested deeper than the tree walk goes: hostile markup
        reason = "HTML nested too deep to read"
        if single:
            raise InputError(f"{name}: expected a Messenger HTML page; got {reason}: "
                             "re-export it") from None
        return [{**unparsed(f"html:{name}", data, reason, platform=platform),
                 "warnings": [reason]}]


def _page_rows(name: str, text: str, data: bytes, codec: str, platform: str,
               owners: set[str], src: Source, single: bool) -> list[dict]:
    builder = _parse(text, name)
    blocks, strays = _blocks(builder.root)
    if not blocks:
        reason = ("no message blocks (sender, content, time) found: the times may be in a "
                  "layout this reader does not know")
        if single:
            raise InputError(f"{name}: expected Messenger HTML message blocks; got none: "
                             f"{reason}")
        return [{**unparsed(f"html:{name}", data, reason, platform=platform), "warnings": [reason]}]
    thread = _thread(builder, name, platform, src)
    rows = []
    for node in sorted(blocks + strays, key=lambda n: n.start):
        raw = text[node.start:node.end].encode(codec, errors="replace")
        locator = f"html:{name}:div[{node.ordinal}]"
        if node in strays:
            rows.append(_stray(locator, raw, node, thread))
        else:
            rows.append(_row(locator, raw, node, thread, owners))
    return rows


def _blocks(root: Node) -> tuple[list[Node], list[Node]]:
    """Message blocks, and their sibling divs of the same shape whose time cannot be read."""
    blocks = [n for n in walk(root) if n.tag == "div" and len(n.elements) >= 2
              and _layout(_plain(n.elements[-1])) is not None]
    ids = {id(b) for b in blocks}
    parents = [n for n in walk(root) if any(id(c) in ids for c in n.elements)]
    strays = [c for p in parents for c in p.elements
              if id(c) not in ids and c.tag == "div" and len(c.elements) >= 2
              and _might_be_message(c)]
    return blocks, strays


def _might_be_message(node: Node) -> bool:
    """A sibling shaped like a message whose last part holds a number (a time we cannot read);
    the thread header (title and participants) is not one."""
    header = any(_PARTICIPANTS.match(_plain(n)) for n in walk(node) if not n.elements)
    return not header and any(ch.isdigit() for ch in _plain(node.elements[-1]))


def _thread(builder: Tree, name: str, platform: str, src: Source) -> dict:
    people = _participants(builder.root)
    folder = name.rpartition("/")[0].rpartition("/")[2]
    conversation = builder.title or folder or Path(name).stem
    kind = "group" if len(people) > 2 else "direct" if len(people) == 2 else None
    if kind is None:
        src.assume(f"{conversation}: direct or group unknown (no participants listed)")
    return {"platform": platform, "conversation": conversation, "conversation_kind": kind,
            "participants": people}


def _participants(root: Node) -> list[str]:
    for node in walk(root):
        if node.tag == "div" and not node.elements:
            m = _PARTICIPANTS.match(_plain(node))
            if m:
                return [p for p in _NAME_SPLIT.split(m.group(1)) if p]
    return []


# --- one message block ---------------------------------------------------------------------------

def _layout(text: str) -> re.Match | None:
    for pattern in _LAYOUTS:
        m = pattern.fullmatch(text.strip())
        if m and m.group("mon").casefold() in _MONTHS:
            return m
    return None


def _naive_time(m: re.Match) -> dt.datetime | None:
    hour, ampm = int(m.group("h")), (m.group("ap") or "").replace(".", "").casefold()
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    try:
        return dt.datetime(int(m.group("year")), _MONTHS[m.group("mon").casefold()],
                           int(m.group("day")), hour, int(m.group("mi")), int(m.group("s") or 0))
    except ValueError:
        return None


@dataclass
class _Content:
    parts: list = field(default_factory=list)      # text pieces; None marks a block boundary
    media: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    reactions: list[str] = field(default_factory=list)

    @property
    def body(self) -> str:
        lines, current = [], ""
        for part in self.parts + [None]:
            if part is None:
                if current:
                    lines.append(current)
                current = ""
            else:
                current += part
        return "\n".join(lines)


def _collect(node: Node | str, out: _Content, mixed: bool) -> None:
    """Visible text, media names, links and reactions of a message's content."""
    if isinstance(node, str):
        # whitespace between the tags of a pretty-printed page is layout, not message text
        if not (mixed and node.isspace()):
            out.parts.append(node)
        return
    if node.tag in _SKIP_TEXT:
        return
    if node.tag in ("ul", "ol"):
        out.reactions.extend(_plain(li) for li in node.elements if li.tag == "li")
        return
    if node.tag == "br":
        out.parts.append("\n")
    if node.tag in _MEDIA_TAGS and node.attrs.get("src"):
        _add(out.media, node.attrs["src"])
    if node.tag == "a" and node.attrs.get("href"):
        href = node.attrs["href"]
        _add(out.links if re.match(r"^[a-z][a-z0-9+.-]*:", href, re.I) else out.media, href)
    if node.tag in _BLOCKS:
        out.parts.append(None)
    has_elements = bool(node.elements)
    for child in node.children:
        _collect(child, out, has_elements)
    if node.tag in _BLOCKS:
        out.parts.append(None)


def _add(items: list[str], value: str) -> None:
    if value not in items:
        items.append(value)


def _kind(body: str, media: list[str]) -> str:
    for kind, pattern in _KIND_PATTERNS:
        if pattern.match(body):
            return kind
    return "media" if media else "text"


def _row(locator: str, raw: bytes, node: Node, thread: dict, owners: set[str]) -> dict:
    platform = thread["platform"]
    first, *middle, last = node.elements
    sender = _plain(first)
    stamp_raw = _plain(last)
    naive = _naive_time(_layout(stamp_raw))
    warnings = [] if naive else [f"time {stamp_raw.strip()!r} is not a real date: no time kept"]
    content = _Content()
    for child in middle:
        _collect(child, content, True)
    body = content.body
    name = sender.strip()
    others = [p for p in thread["participants"] if p.casefold() != name.casefold()]
    return {
        "locator": locator, "raw": raw, "platform": platform,
        "conversation": thread["conversation"], "conversation_kind": thread["conversation_kind"],
        "_naive": naive, "sent_at_raw": stamp_raw,
        "time_basis": "missing", "warnings": warnings,
        "sender": accounts.key_for(platform, name) if name else "", "sender_display": sender,
        "recipients": ";".join(accounts.key_for(platform, p) for p in others),
        "body": body, "kind": _kind(body, content.media),
        "attachments": ";".join(content.media),
        "from_owner": (name.casefold() in owners) if owners and name else None,
        "share_link": ";".join(content.links),
        "reactions": json.dumps(content.reactions, ensure_ascii=False) if content.reactions
        else "",
    }


def _stray(locator: str, raw: bytes, node: Node, thread: dict) -> dict:
    stamp = _plain(node.elements[-1])
    reason = (f"a message-shaped block whose time {stamp.strip()[:60]!r} is in no known layout:"
              " kept unparsed")
    return {**unparsed(locator, raw, reason, platform=thread["platform"],
                       conversation=thread["conversation"],
                       conversation_kind=thread["conversation_kind"]),
            "sent_at_raw": stamp, "warnings": [reason]}
