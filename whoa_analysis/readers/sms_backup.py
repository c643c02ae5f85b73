"""SMS Backup & Restore (Android app by SyncTech): ``sms-<stamp>.xml`` and ``calls-<stamp>.xml``.

One element per message or call under the root; ``date`` is epoch milliseconds (UTC), the rest
is context. Text is in attributes with numeric character references, and the app writes
characters outside the BMP as surrogate pairs (``&#55357;&#56832;`` for U+1F600), which XML
forbids; they are joined back before parsing::

    <smses count="3" backup_set="..." backup_date="1711929600000" type="full">
      <sms protocol="0" address="+447700900456" date="1709629200000" type="1" subject="null"
           body="Answer me &#55357;&#56864;" read="1" readable_date="5 Mar 2024 09:00:00"
           contact_name="Rob" />
      <mms date="1709629800000" msg_box="1" address="+447700900456" ...>
        <parts><part seq="0" ct="image/jpeg" name="IMG_1.jpg" text="null" data="..." /></parts>
        <addrs><addr address="+447700900456" type="137" /><addr ... type="151" /></addrs>
      </mms>
    </smses>

    <calls count="1"><call number="+447700900456" duration="0" date="1710100000000" type="3"
          presentation="1" readable_date="10 Mar 2024 19:46:40" contact_name="Rob" /></calls>

SMS ``type``: 1 received, 2 sent, 3 draft, 4 outbox, 5 failed, 6 queued; MMS ``msg_box`` the
same; MMS ``addr`` types: 137 from, 151 to, 130 cc, 129 bcc. Call ``type``: 1 incoming,
2 outgoing, 3 missed, 4 voicemail, 5 rejected, 6 blocked. Attachment data is never decoded.
The file is parsed with expat, which never fetches external entities or DTDs; a damaged or
truncated stretch becomes an ``unparsed`` row and reading resumes at the next record.
"""

from __future__ import annotations

import bisect
import functools
import re
import xml.parsers.expat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import accounts
from ..errors import InputError
from ._common import Head, Source, owner_phone, unparsed

FORMAT = "sms_backup"
PLATFORM = "sms"
PATTERNS = ("sms-*.xml (SMS Backup & Restore)", "calls-*.xml (SMS Backup & Restore)")
DESCRIPTION = "SMS Backup & Restore XML: SMS, MMS (parts and addresses) and call logs"

#: SMS ``type`` and MMS ``msg_box``: the word, and whether the owner wrote it.
BOXES = {"1": ("received", False), "2": ("sent", True), "3": ("draft", True),
         "4": ("outbox", True), "5": ("failed", True), "6": ("queued", True)}
#: What the box says about delivery, for the warnings column.
BOX_NOTES = {"draft": "draft: written but never sent",
             "outbox": "in the outbox: sending was not confirmed",
             "failed": "sending failed: not delivered",
             "queued": "queued: sending was not confirmed"}
#: Call ``type``: the word, and whether the owner placed the call.
CALL_TYPES = {"1": ("incoming", False), "2": ("outgoing", True), "3": ("missed", False),
              "4": ("voicemail", False), "5": ("rejected", False), "6": ("blocked", False),
              "7": ("answered_externally", False)}
#: Call ``presentation``: 1 allowed; otherwise the caller's number was not shown.
PRESENTATION = {"2": "withheld by the caller", "3": "unknown", "4": "payphone"}
ADDR_FROM, ADDR_RECIPIENT = "137", ("151", "130", "129")
RECORDS = {"smses": ("sms", "mms"), "calls": ("call",)}
NULL = "null"          # the app's spelling of "no value"
MAX_MS = 10 ** 13      # year 2286: beyond it a 'date' is not milliseconds

CHUNK = 1 << 20
#: Numeric character references XML 1.0 may refuse: controls other than tab/LF/CR, surrogates
#: (the app writes emoji as surrogate pairs), U+FFFE/U+FFFF, beyond U+10FFFF; the next
#: reference too, which may complete a pair. Python checks each one found exactly.
_DEC = rb"0*(?:[0-8]|1[124-9]|2[0-9]|3[01]|5[5-7][0-9]{3}|6553[45]|[0-9]{7,})"
_HEX = rb"[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F]|[dD][89a-fA-F][0-9a-fA-F]{2}|[fF]{3}[eEfF]|" \
       rb"[0-9a-fA-F]{6,})"
SUSPECT_REF = re.compile(rb"&#(" + _DEC + rb"|" + _HEX + rb");(?:&#([0-9]+|[xX][0-9a-fA-F]+);)?")
RECORD_START = re.compile(rb"<(sms|mms|call)[\s/>]")
ROOT = re.compile(rb"<(smses|calls)[\s>]")


def sniff(head: Head) -> bool:
    if head.is_zip or head.is_dir or not head.name.endswith(".xml"):
        return False
    return bool(ROOT.search(head.data[:4096]))


def read(path: Path, *, tz: str | None = None, owner: Sequence[str] = (),
         date_order: str | None = None, region: str | None = None) -> pd.DataFrame:
    src = Source(Path(path), FORMAT)
    data = src.path.read_bytes()
    fixed, repaired, offsets = _repair_char_refs(data)
    owner = (owner,) if isinstance(owner, str) else tuple(owner)
    ctx = _Context(region, owner_phone(owner, region), repaired)
    records = _Scanner(data, fixed, offsets, ctx).run()
    if ctx.root is None:
        raise InputError(f"{src.path.name}: expected an SMS Backup & Restore file (<smses> or "
                         "<calls> root); got none: is this the right file?")
    if ctx.count is not None and ctx.count != ctx.read_ok:
        src.assume(f"the root says count={ctx.count}; {ctx.read_ok} records read")
    for note in ctx.notes:
        src.assume(note)
    src.assume("times are epoch milliseconds (UTC)")
    if not records:
        return src.frame([])
    df = pd.DataFrame(records)
    ms = df.pop("_ms") if "_ms" in df else pd.Series(None, index=df.index, dtype=float)
    df["sent_at"] = pd.to_datetime(ms, unit="ms", utc=True)
    return src.frame(df)


# ---------------------------------------------------------------------------------------------
# Character references: XML 1.0 forbids surrogates and most control characters, the app writes
# them anyway. Each is rewritten in place with the same length, so byte offsets still point at
# the original bytes: a pair becomes one zero-padded reference, a lone one U+FFFD.


class _Offsets:
    """Maps positions in the repaired bytes back to the file's own bytes."""

    def __init__(self) -> None:
        self.after: list[int] = []      # repaired-side position just after each size change
        self.delta: list[int] = []      # repaired minus original, from there on

    def shift(self, original_end: int, change: int) -> None:
        total = (self.delta[-1] if self.delta else 0) + change
        self.after.append(original_end + total)
        self.delta.append(total)

    def __call__(self, pos: int) -> int:
        k = bisect.bisect_right(self.after, pos) - 1
        return pos - (self.delta[k] if k >= 0 else 0)


def _repair_char_refs(data: bytes) -> tuple[bytes, list[int], _Offsets]:
    """(bytes safe for expat, file offsets of characters replaced by U+FFFD, offset map)."""
    offsets, replaced = _Offsets(), []
    if b"&#" not in data:
        return data, replaced, offsets

    def fix(m: re.Match) -> bytes:
        out = _fixed_refs(m, replaced)
        if len(out) != m.end() - m.start():
            offsets.shift(m.end(), len(out) - (m.end() - m.start()))
        return out

    return SUSPECT_REF.sub(fix, data), replaced, offsets


def _fixed_refs(m: re.Match, replaced: list[int]) -> bytes:
    """A surrogate pair joined into one reference; any other refused character as U+FFFD."""
    first, second = m.group(1), m.group(2)
    cp = _code(first)
    if second is not None and 0xD800 <= cp <= 0xDBFF and 0xDC00 <= _code(second) <= 0xDFFF:
        return _ref(0x10000 + ((cp - 0xD800) << 10) + (_code(second) - 0xDC00),
                    m.end() - m.start())
    out, at = b"", m.start()
    for ref in (first, second):
        if ref is None:
            continue
        text = b"&#" + ref + b";"
        if _xml_char(_code(ref)):
            out += text
        else:
            out += _ref(0xFFFD, len(text))
            replaced.append(at)
        at += len(text)
    return out


def _code(ref: bytes) -> int:
    return int(ref[1:], 16) if ref[:1] in (b"x", b"X") else int(ref)


def _xml_char(cp: int) -> bool:
    return cp in (0x9, 0xA, 0xD) or 0x20 <= cp <= 0xD7FF or 0xE000 <= cp <= 0xFFFD \
        or 0x10000 <= cp <= 0x10FFFF


def _ref(cp: int, length: int) -> bytes:
    """``&#<cp>;`` zero-padded to ``length`` bytes where it fits (then offsets need no map)."""
    digits = str(cp).encode("ascii")
    return b"&#" + digits.zfill(max(length - 3, len(digits))) + b";"


# ---------------------------------------------------------------------------------------------
# Scanning


@dataclass
class _Context:
    region: str | None
    owner_phone: str
    repaired: list[int]
    root: str | None = None
    count: int | None = None
    read_ok: int = 0
    seen: dict[str, int] = field(default_factory=dict)     # records per tag, for locators
    notes: list[str] = field(default_factory=list)


@dataclass
class _Open:
    tag: str
    attrs: dict[str, str]
    start: int
    parts: list[dict[str, str]] = field(default_factory=list)
    addrs: list[dict[str, str]] = field(default_factory=list)


class _Scanner:
    """Feeds expat; cuts each record's exact bytes; resumes after damage at the next record."""

    def __init__(self, original: bytes, fixed: bytes, orig: _Offsets, ctx: _Context) -> None:
        # expat reads ``fixed``; positions are kept in the file's own bytes via ``orig``
        self.original, self.fixed, self.orig, self.ctx = original, fixed, orig, ctx
        self.rows: list[dict] = []
        self.open: _Open | None = None
        self.depth = 0
        self.done_to = 0            # end of the last record (or of the root's start tag)

    def run(self) -> list[dict]:
        pos, prefix = 0, b""
        while pos is not None:
            pos, prefix = self._segment(pos, prefix)
        return self.rows

    def _segment(self, pos: int, prefix: bytes) -> tuple[int | None, bytes]:
        """Parse from ``pos`` (after a synthetic root start ``prefix``); next start or None."""
        parser = xml.parsers.expat.ParserCreate()
        base = pos - len(prefix)
        parser.StartElementHandler = lambda n, a: self._start(
            n, a, self.orig(base + parser.CurrentByteIndex))
        parser.EndElementHandler = lambda n: self._end(n, self.orig(base + parser.CurrentByteIndex))
        parser.EntityDeclHandler = _no_entities
        try:
            if prefix:
                self.depth, self.done_to = 0, self.orig(pos)
                parser.Parse(prefix, False)
            for i in range(pos, len(self.fixed), CHUNK):
                parser.Parse(self.fixed[i:i + CHUNK], False)
            parser.Parse(b"", True)
        except xml.parsers.expat.ExpatError as exc:
            return self._damaged(exc, base + parser.CurrentByteIndex, pos)
        return None, b""

    def _start(self, name: str, attrs: dict[str, str], at: int) -> None:
        self.depth += 1
        if self.depth == 1:
            if self.ctx.root is None:       # (a resumed segment's synthetic root is not this)
                if name not in RECORDS:
                    raise InputError(f"expected an SMS Backup & Restore file (<smses> or <calls> "
                                     f"root); got <{name}>")
                self.ctx.root = name
                self.ctx.count = _int(attrs.get("count"))
                self.done_to = self.original.index(b">", at) + 1
        elif self.depth == 2:
            self.open = _Open(name, attrs, at)
        elif self.open is not None and name in ("part", "addr"):
            (self.open.parts if name == "part" else self.open.addrs).append(attrs)

    def _end(self, name: str, at: int) -> None:
        self.depth -= 1
        if self.depth != 1 or self.open is None:
            return
        rec, self.open = self.open, None
        closing = _closing(name).match(self.original, at)
        end = closing.end() if closing else at          # an empty element ends where expat says
        self.done_to = end
        self._emit(rec, self.original[rec.start:end])

    def _emit(self, rec: _Open, raw: bytes) -> None:
        locator = self._locator(rec.tag)
        build = {"sms": _sms, "mms": _mms, "call": _call}.get(rec.tag)
        if build is None or rec.tag not in RECORDS[self.ctx.root or "smses"]:
            self.rows.append(unparsed(locator, raw, f"unexpected element <{rec.tag}> under "
                                      f"<{self.ctx.root}>: kept unparsed",
                                      platform=PLATFORM))
            return
        row = build(rec.attrs, rec, self.ctx)
        k = bisect.bisect_left(self.ctx.repaired, rec.start)
        if k < len(self.ctx.repaired) and self.ctx.repaired[k] < rec.start + len(raw):
            row["warnings"] = _add(row.get("warnings", ""), "an invalid character reference "
                                   "was replaced by U+FFFD")
        self.rows.append({"locator": locator, "raw": raw, **row})
        self.ctx.read_ok += 1

    def _locator(self, tag: str) -> str:
        self.ctx.seen[tag] = self.ctx.seen.get(tag, 0) + 1
        return f"xml:/{self.ctx.root}/{tag}[{self.ctx.seen[tag]}]"

    def _damaged(self, exc: xml.parsers.expat.ExpatError, at: int, pos: int,
                 ) -> tuple[int | None, bytes]:
        """Keep the damaged stretch as one unparsed row; resume at the next record start."""
        if self.ctx.root is None:
            raise InputError(f"not readable as XML ({exc}); expected an SMS Backup & Restore "
                             "file") from None
        start = self.open.start if self.open else _skip_space(self.original, self.done_to)
        self.open = None
        nxt = RECORD_START.search(self.fixed, max(at, pos) + 1)
        end = self.orig(nxt.start()) if nxt else len(self.original)
        while end > start and self.original[end - 1:end].isspace():
            end -= 1                 # the layout between records belongs to no record
        raw = self.original[start:end]
        if raw.strip():
            tag = RECORD_START.match(raw)
            where = f"line {exc.lineno}, column {exc.offset}"
            what = ("nothing after it could be read (file truncated?)" if nxt is None
                    else "reading resumed at the next record")
            self.rows.append(unparsed(
                self._locator(tag.group(1).decode()) if tag else f"xml:@{start}", raw,
                f"damaged XML at {where} ({xml.parsers.expat.ErrorString(exc.code)}): "
                f"{what}; raw bytes kept", platform=PLATFORM))
        else:
            self.ctx.notes.append(f"the file ends without </{self.ctx.root}> (truncated?); "
                                  "no record was lost")
        if nxt is None:
            return None, b""
        return nxt.start(), b"<" + (self.ctx.root or "smses").encode() + b">"


@functools.lru_cache(maxsize=64)
def _closing(name: str) -> re.Pattern:
    return re.compile(rb"</" + re.escape(name.encode()) + rb"\s*>")


def _no_entities(name: str, *_args: object) -> None:
    """The app never declares entities; a file that does was made by something else."""
    raise InputError(f"the file declares an XML entity ({name!r}); SMS Backup & Restore never "
                     "does: refusing to expand it (check where this file came from)")


def _skip_space(data: bytes, pos: int) -> int:
    while pos < len(data) and data[pos:pos + 1].isspace():
        pos += 1
    return pos


# ---------------------------------------------------------------------------------------------
# Rows


def _sms(a: dict[str, str], _rec: _Open, ctx: _Context) -> dict:
    box, mine = BOXES.get(a.get("type", ""), (f"type {a.get('type', '')}", False))
    other = _phone(a.get("address", ""), ctx.region)
    sender, recipients = (ctx.owner_phone, other) if mine else (other, ctx.owner_phone)
    warnings = [BOX_NOTES.get(box, "")]
    if a.get("type") not in BOXES:
        warnings.append(f"unknown SMS type {a.get('type', '')!r}: direction not known")
    return {**_when(a, warnings), "platform": "sms", "conversation": other,
            "conversation_kind": "direct", "sender": sender,
            "sender_display": "" if mine else _shown(a, "address"), "recipients": recipients,
            "subject": _value(a.get("subject")), "body": a.get("body", ""), "kind": "text",
            "from_owner": mine if a.get("type") in BOXES else pd.NA,
            "message_box": box, "contact_name": _value(a.get("contact_name")),
            "readable_date": a.get("readable_date", ""), "warnings": _join(warnings)}


def _mms(a: dict[str, str], rec: _Open, ctx: _Context) -> dict:
    box, mine = BOXES.get(a.get("msg_box", ""), (f"msg_box {a.get('msg_box', '')}", False))
    warnings = [BOX_NOTES.get(box, "")]
    # The thread address: one number, several joined by '~', or an RCS group id (not a person).
    thread = [p for p in a.get("address", "").split("~") if p.strip() and p != NULL]
    parties = [_phone(p, ctx.region) for p in thread if "@" not in p]
    sender, recipients = _mms_people(rec.addrs, parties, mine, ctx, warnings)
    texts = [p.get("text", "") for p in rec.parts
             if p.get("ct", "").lower() == "text/plain" and p.get("text", NULL) != NULL]
    files = [_part_name(p) for p in rec.parts
             if p.get("ct", "").lower() not in ("text/plain", "application/smil")]
    distinct = {_phone(x.get("address", ""), ctx.region) for x in rec.addrs} | set(parties)
    conversation = ";".join(p if "@" in p else _phone(p, ctx.region) for p in thread)
    return {**_when(a, warnings), "platform": "sms", "conversation": conversation,
            "conversation_kind": "group" if len(thread) > 1 or len(distinct - {""}) > 2
            else "direct",
            "sender": sender, "sender_display": "" if mine else _shown(a, "address"),
            "recipients": ";".join(recipients), "subject": _value(a.get("sub")),
            "body": "\n".join(texts), "kind": "media" if files else "text",
            "attachments": ";".join(files),
            "from_owner": mine if a.get("msg_box") in BOXES else pd.NA,
            "message_box": box, "contact_name": _value(a.get("contact_name")),
            "readable_date": a.get("readable_date", ""), "warnings": _join(warnings)}


def _mms_people(addrs: list[dict[str, str]], parties: list[str], mine: bool, ctx: _Context,
                warnings: list[str]) -> tuple[str, list[str]]:
    """(sender key, recipient keys) from the addr list (137 from; 151/130/129 to, cc, bcc)."""
    froms = [_phone(x.get("address", ""), ctx.region) for x in addrs
             if x.get("type") == ADDR_FROM and x.get("address", NULL) != NULL]
    sender = froms[0] if froms else ""
    if mine and (not sender or sender in parties):
        sender = ctx.owner_phone           # sent box: the owner wrote it, whatever 'from' says
    elif not mine and not sender and len(parties) == 1:
        sender = parties[0]
        warnings.append("no 'from' address: the sender is taken from the thread address")
    to = [_phone(x.get("address", ""), ctx.region) for x in addrs
          if x.get("type") in ADDR_RECIPIENT and x.get("address", NULL) != NULL]
    if mine:
        to += parties
    recipients = [k for k in dict.fromkeys(to) if k and k != sender]
    return sender, recipients


def _call(a: dict[str, str], _rec: _Open, ctx: _Context) -> dict:
    word, mine = CALL_TYPES.get(a.get("type", ""), (f"type {a.get('type', '')}", False))
    warnings = [] if a.get("type") in CALL_TYPES else [
        f"unknown call type {a.get('type', '')!r}: direction not known"]
    number = a.get("number", "")
    hidden = PRESENTATION.get(a.get("presentation", "1"))
    other = "" if hidden or not number.strip() or number.startswith("-") else \
        _phone(number, ctx.region)
    if not other:
        warnings.append(f"number not shown ({hidden or 'no number'})")
    sender, recipients = (ctx.owner_phone, other) if mine else (other, ctx.owner_phone)
    duration = _int(a.get("duration"))
    return {**_when(a, warnings), "platform": "phone",
            "conversation": other or "(number not shown)", "conversation_kind": "direct",
            "sender": sender, "sender_display": "" if mine else _shown(a, "number"),
            "recipients": recipients, "body": "", "kind": "call",
            "from_owner": mine if a.get("type") in CALL_TYPES else pd.NA,
            "call_type": word, "duration_s": duration if duration is not None else pd.NA,
            "contact_name": _value(a.get("contact_name")),
            "readable_date": a.get("readable_date", ""), "warnings": _join(warnings)}


def _when(a: dict[str, str], warnings: list[str]) -> dict:
    """The raw ``date`` and its milliseconds (turned into instants for all rows at once)."""
    raw = a.get("date", "")
    ms = _int(raw)
    if ms is None or not 0 < ms < MAX_MS:
        warnings.append(f"cannot read date {raw!r}: expected epoch milliseconds; no time kept")
        return {"_ms": None, "sent_at_raw": raw, "time_basis": "missing"}
    return {"_ms": ms, "sent_at_raw": raw, "time_basis": "epoch"}


def _part_name(p: dict[str, str]) -> str:
    for key in ("name", "cl", "fn"):
        if p.get(key, NULL) not in (NULL, ""):
            return p[key]
    return p.get("ct", "attachment")


@functools.lru_cache(maxsize=65536)
def _phone(number: str, region: str | None) -> str:
    """Account key of a number (a backup repeats a few hundred numbers: parsed once each)."""
    return accounts.key_for("phone", number, region) if number and number != NULL else ""


def _shown(a: dict[str, str], key: str) -> str:
    name = _value(a.get("contact_name"))
    return name if name and name != "(Unknown)" else a.get(key, "")


def _value(text: str | None) -> str:
    return "" if text in (None, NULL) else text


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _join(parts: list[str]) -> str:
    return "; ".join(p for p in parts if p)


def _add(existing: str, new: str) -> str:
    return _join([existing, new])
