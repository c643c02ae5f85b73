"""Google Voice, from Google Takeout: ``Takeout/Voice/Calls/*.html`` (and ``Voice/Spam/``).

One XHTML file per text conversation (a day or so of it) and per call, in hCard/hAtom-style
markup. Texts (``<Name> - Text - <UTC stamp>.html``, ``Group Conversation - <stamp>.html``)::

    <title>Rob Offender</title> ...
    <div class="hChatLog hfeed">
    <div class="message"><abbr class="dt" title="2024-03-11T19:05:00.000-00:00">Mar 11, 2024,
    7:05:00 PM GMT</abbr>:
    <cite class="sender vcard"><a class="tel" href="tel:+447700900456"><span class="fn">Rob
    Offender</span></a></cite>:
    <q>you can&#39;t ignore me<br>I know where you are</q>
    <div><img src="Rob Offender - Text - 2024-03-11T19_05_00Z-1-1" alt="Image MMS Attachment" /></div>
    </div> <div class="message">... <cite class="sender vcard"><a class="tel"
    href="tel:+447700900123"><abbr class="fn" title="">Me</abbr></a></cite>: <q>Stop.</q></div>
    </div>

Groups add ``<div class="participants">Group conversation with: <cite class="sender vcard">...``.
Calls and voicemails (``<Name> - Placed|Received|Missed|Voicemail|Recorded - <stamp>.html``)::

    <div class="haudio"><span class="fn">Voicemail from Rob Offender</span>
    <div class="contributor vcard">Voicemail from <a class="tel" href="tel:+447700900456"><span
    class="fn">Rob Offender</span></a></div>
    <abbr class="published" title="2024-03-11T19:20:00.000-00:00">Mar 11, 2024, 7:20:00 PM GMT</abbr>
    <span class="description"><span class="full-text">Pick up. I know you're there.</span>...</span>
    <audio controls="controls" src="Rob Offender - Voicemail - 2024-03-11T19_20_00Z.mp3">...</audio>
    <abbr class="duration" title="PT1M2S">(00:01:02)</abbr>
    <div class="tags">Labels: <a rel="tag" href="http://www.google.com/voice#voicemail">Voicemail</a>, ...</div>
    <div class="deletedStatusContainer">User Deleted: False</div></div>

Times are the ``title`` of ``abbr.dt``/``abbr.published``: ISO 8601 with an offset (instants);
the shown text is kept as written in ``shown_time``. A text's ``q`` is the body (entities decoded once,
``<br>`` a newline, nothing stripped), images/audio/video/contact cards its attachments (names,
never opened); texts are platform ``sms``, calls ``phone``. The call type comes from the labels'
links (``#placed``, ``#received``, ``#missed``, ``#voicemail``, ``#recorded``), else the file
name; a voicemail's transcript is its body, ``duration_s`` from ``abbr.duration``. The owner's
messages carry ``abbr class="fn"`` (others ``span``): their number is the owner's phone. Senders
are ``phone:<E.164>``. The HTML is parsed with the standard library's parser (nothing is ever
fetched: the files' DTD reference is text); each record's bytes are those of its ``div``.
``read`` takes one file, a ``Calls`` folder, a Takeout folder or a Takeout zip; a file that is
neither a conversation nor a call is one ``unparsed`` row.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import accounts
from ..errors import InputError
from ..evidence import source_files
from ._common import (
    Head,
    Source,
    decode_text,
    is_zip,
    owner_phone,
    read_member,
    unparsed,
    zip_members,
)
from ._html import Node, Tree, walk

FORMAT = "google_voice"
PLATFORM = "sms"
PATTERNS = ("Takeout/Voice/Calls/*.html (Google Voice texts, calls, voicemails)",
            "Takeout folder or zip holding Voice/Calls/")
DESCRIPTION = "Google Voice from Google Takeout: texts, calls, missed calls, voicemails"

_MEMBER = re.compile(r"(?:^|/)Voice/(?:Calls|Spam)/[^/]+\.html?$", re.IGNORECASE)
_CALLS_FILE = re.compile(r"^[^/]+ - (?:Text|Placed|Received|Missed|Voicemail|Recorded) - [^/]+"
                         r"\.html?$", re.IGNORECASE)
_FILE_TYPE = re.compile(r" - (Text|Placed|Received|Missed|Voicemail|Recorded) - ", re.IGNORECASE)
_LABELS = ("placed", "received", "missed", "voicemail", "recorded")
_DURATION = re.compile(r"^P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?"
                       r"(?:(?P<s>\d+(?:\.\d+)?)S)?)?$")


def sniff(head: Head) -> bool:
    if head.is_zip:
        return any(_MEMBER.search(m) for m in head.members)
    if head.is_dir:
        if head.name in ("calls", "spam"):
            return any(_CALLS_FILE.match(m) for m in head.members)
        return any(_MEMBER.search(m) for m in head.members)
    if not head.name.endswith((".html", ".htm")):
        return False
    text = head.text
    return 'class="hChatLog' in text or ('class="haudio"' in text
                                          and 'class="published"' in text)


def read(path: Path, *, tz: str | None = None, owner: Sequence[str] = (),
         date_order: str | None = None, region: str | None = None) -> pd.DataFrame:
    path = Path(path)
    src = Source(path, FORMAT)
    rows: list[dict] = []
    for name, data, prefix in _documents(path):
        rows.extend(_document(name, data, prefix, region, src))
    if not rows:
        raise InputError(f"{path.name}: expected Google Voice files (Takeout Voice/Calls/*.html);"
                         " found none")
    _people(rows, owner, region)
    return src.frame(rows)


# --- the files -----------------------------------------------------------------------------------

def _documents(path: Path) -> Iterator[tuple[str, bytes, str]]:
    """(name, bytes, locator prefix) of each Voice file in a file, folder or zip."""
    if path.is_dir():
        loose = path.name.lower() in ("calls", "spam")
        for p in source_files(path):
            rel = p.relative_to(path).as_posix()
            if not p.is_symlink() and (_MEMBER.search(rel) or (loose and "/" not in rel and
                                                                rel.lower().endswith(".html"))):
                yield p.name, p.read_bytes(), f"file:{rel}:"
    elif is_zip(path):
        for info, zf in zip_members(path):
            if _MEMBER.search(info.filename):
                yield info.filename.rsplit("/", 1)[-1], read_member(zf, info), \
                    f"zip:{info.filename}:"
    else:
        yield path.name, path.read_bytes(), ""


def _find(node: Node, tag: str | None = None, cls: str | None = None) -> Node | None:
    return next(_find_all(node, tag, cls), None)


def _find_all(node: Node, tag: str | None = None, cls: str | None = None) -> Iterator[Node]:
    return (n for n in walk(node) if (tag is None or n.tag == tag)
            and (cls is None or cls in n.classes))


def _text(node: Node | None) -> str:
    """Visible text: ``<br>`` a newline, everything else as written."""
    if node is None:
        return ""
    parts: list[str] = []
    todo: list = list(reversed(node.children))
    while todo:
        item = todo.pop()
        if isinstance(item, str):
            parts.append(item)
        elif item.tag == "br":
            parts.append("\n")
        elif item.tag not in ("style", "script"):
            todo.extend(reversed(item.children))
    return "".join(parts)


def _shown(text: str) -> str:
    """Layout whitespace of a label collapsed (for names and titles, never for bodies)."""
    return " ".join(text.split())


# --- documents -----------------------------------------------------------------------------------

@dataclass
class _Doc:
    name: str
    text: str
    encoding: str
    prefix: str
    region: str | None
    title: str = ""

    def raw(self, node: Node) -> bytes:
        return self.text[node.start:node.end].encode(self.encoding, "surrogateescape")


def _document(name: str, data: bytes, prefix: str, region: str | None, src: Source) -> list[dict]:
    text, warn = decode_text(data)
    # the codec decode_text used, so a record's text encodes back to the file's own bytes
    encoding = "utf-8" if not warn else ("latin-1" if "latin-1" in warn else "cp1252")
    if warn:
        src.assume(f"{name}: {warn}")
    tree = Tree(text)
    try:
        tree.feed(text)
        root = tree.finish()
    except (AssertionError, ValueError) as exc:     # html.parser's own complaints
        return [unparsed(f"{prefix}html:document", data, f"not readable as HTML ({exc})",
                         platform=PLATFORM)]
    doc = _Doc(name, text, encoding, prefix, region, _shown(_text(_find(root, "title"))))
    chat = _find(root, "div", "hChatLog")
    if chat is not None:
        return _texts(doc, chat)
    call = _find(root, "div", "haudio")
    if call is not None:
        return [_call(doc, call)]
    return [unparsed(f"{prefix}html:document", data, "neither a Google Voice conversation "
                     "(div.hChatLog) nor a call (div.haudio): kept unparsed",
                     platform=PLATFORM)]


def _tel(node: Node | None) -> tuple[str, str, bool]:
    """(number, name shown, is the owner) of a vcard."""
    a = _find(node, "a", "tel") if node is not None else None
    if a is None:
        return "", "", False
    number = a.attrs.get("href", "").removeprefix("tel:")
    fn = _find(a, None, "fn")
    return number, _shown(_text(fn)), fn is not None and fn.tag == "abbr"


def _texts(doc: _Doc, chat: Node) -> list[dict]:
    people = _find(chat, "div", "participants")
    members = [_tel(c)[0] for c in _find_all(people, "cite")] if people else []
    group = people is not None
    rows = []
    for i, node in enumerate(_find_all(chat, "div", "message"), start=1):
        rows.append(_message(doc, node, f"{doc.prefix}html:div.message[{i}]"))
    numbers = [r["_number"] for r in rows if r["_number"] and not r["_me"]]
    conversation = ";".join(sorted({accounts.key_for("phone", n, doc.region)
                                    for n in members})) if group else doc.title
    for r in rows:
        r.update(conversation=conversation or doc.title,
                 conversation_kind="group" if group else "direct",
                 _members=members if group else numbers[:1])
    return rows


def _message(doc: _Doc, node: Node, locator: str) -> dict:
    number, name, me = _tel(_find(node, "cite"))
    stamp = _find(node, "abbr", "dt")
    q = _find(node, "q")
    files = [n.attrs.get("src") or n.attrs.get("href", "") for n in walk(node)
             if n.tag in ("img", "audio", "video") or (n.tag == "a" and "vcard" in n.classes)]
    files = [f for f in dict.fromkeys(files) if f]
    row = {"locator": locator, "raw": doc.raw(node), "platform": "sms", "body": _text(q),
           "kind": "media" if files else "text", "attachments": ";".join(files),
           "sender_display": name, "_number": number, "_me": me, "record_type": "text",
           "shown_time": _text(stamp), "warnings": []}
    if q is None:
        row["warnings"].append("no <q> text in this message")
    row.update(_time(stamp.attrs.get("title", "") if stamp else "", row["warnings"]))
    return row


def _call(doc: _Doc, node: Node) -> dict:
    number, name, _me = _tel(_find(node, "div", "contributor"))
    kind = _call_type(node, doc.name)
    stamp = _find(node, "abbr", "published")
    duration = _find(node, "abbr", "duration")
    files = [n.attrs.get("src", "") for n in _find_all(node, "audio")]
    deleted = _shown(_text(_find(node, "div", "deletedStatusContainer")))
    row = {"locator": f"{doc.prefix}html:div.haudio[1]", "raw": doc.raw(node),
           "platform": "phone", "kind": "call", "call_type": kind,
           "body": _text(_find(node, "span", "full-text")), "attachments": ";".join(
               f for f in dict.fromkeys(files) if f),
           "sender_display": name, "_number": number, "_me": kind == "placed",
           "record_type": "call", "conversation": name or number or doc.title,
           "conversation_kind": "direct", "_members": [number] if number else [],
           "shown_time": _text(stamp), "user_deleted": deleted.endswith("True"),
           "warnings": []}
    if kind == "unknown":
        row["warnings"].append("call type not stated (no label, no type in the file name)")
    if duration is not None:
        row["duration_s"] = _seconds(duration.attrs.get("title", ""), row["warnings"])
    row.update(_time(stamp.attrs.get("title", "") if stamp else "", row["warnings"]))
    return row


def _call_type(node: Node, name: str) -> str:
    for a in _find_all(node, "a"):
        if a.attrs.get("rel") == "tag":
            label = a.attrs.get("href", "").rpartition("#")[2].lower()
            if label in _LABELS:
                return label
    m = _FILE_TYPE.search(name)
    return m.group(1).lower() if m and m.group(1).lower() != "text" else "unknown"


def _seconds(text: str, warnings: list[str]) -> object:
    m = _DURATION.match(text.strip())
    if not m or not text.strip():
        warnings.append(f"cannot read the duration {text!r}")
        return pd.NA
    total = (int(m["d"] or 0) * 86400 + int(m["h"] or 0) * 3600 + int(m["m"] or 0) * 60
             + float(m["s"] or 0))
    return int(total)


def _time(stamp: str, warnings: list[str]) -> dict:
    try:
        when = pd.Timestamp(stamp)
        if when.tzinfo is None:
            raise ValueError("no offset")
    except (ValueError, OverflowError):
        warnings.append(f"cannot read the time {stamp!r}: expected ISO 8601 with an offset; "
                        "no time kept")
        return {"sent_at_raw": stamp, "time_basis": "missing"}
    basis = "utc" if stamp.endswith("Z") else "offset"
    return {"sent_at_raw": stamp, "sent_at": when.tz_convert("UTC"), "time_basis": basis}


# --- people --------------------------------------------------------------------------------------

def _owner_phone(rows: list[dict], owner: Sequence[str], region: str | None) -> str:
    """The case's number for the owner, else the number of the owner's own messages."""
    if known := owner_phone(owner, region):
        return known
    mine = [r["_number"] for r in rows if r.get("_me") and r.get("record_type") == "text"
            and r.get("_number")]
    return accounts.key_for("phone", mine[0], region) if mine else ""


def _people(rows: list[dict], owner: Sequence[str], region: str | None) -> None:
    me = _owner_phone(rows, owner, region)
    for r in rows:
        if r["kind"] == "unparsed":
            continue
        number, mine, members = r.pop("_number"), r.pop("_me"), r.pop("_members")
        other = accounts.key_for("phone", number, region) if number else ""
        if mine:
            r["sender"] = other if r["record_type"] == "text" and other else me
            targets = members if r["record_type"] == "text" else [number]
            if r["record_type"] == "call":      # the name shown is the one called, not the caller
                r["called_display"], r["sender_display"] = r["sender_display"], ""
        else:
            r["sender"] = other
            targets = members + [me] if r["conversation_kind"] == "group" else [me]
        keys = [k if k.startswith("phone:") else accounts.key_for("phone", k, region)
                for k in targets if k]
        r["recipients"] = ";".join(k for k in dict.fromkeys(keys) if k != r["sender"])
        r["from_owner"] = bool(mine)
        r["warnings"] = "; ".join(r["warnings"])
