"""Telegram Desktop JSON export (``result.json``): one chat, or the whole account.

"Export chat history" writes one chat; "Export Telegram data" writes ``chats.list`` (and
``left_chats.list``) with a ``personal_information`` block naming the exporting account::

    {
     "name": "Rob O",
     "type": "personal_chat",
     "id": 2002,
     "messages": [
      {
       "id": 1,
       "type": "message",
       "date": "2024-03-01T10:00:00",
       "date_unixtime": "1709287200",
       "from": "Rob O",
       "from_id": "user2002",
       "text": ["see ", {"type": "link", "text": "https://example.net"}],
       "text_entities": [...]
      },
      {"id": 9, "type": "service", "date_unixtime": "1710072000", "actor": "Rob O",
       "actor_id": "user2002", "action": "phone_call", "discard_reason": "missed", "text": ""}
     ]
    }

``date_unixtime`` is an instant (epoch); older exports only have ``date``, the local time of the
exporting machine, read in the source's declared zone. ``text`` is a string or a list of strings
and entities; the body is their texts concatenated exactly. Service messages are kept as
``system`` rows (the action in ``action``), ``phone_call`` services as ``call`` rows.
The sender key is ``telegram:<from_id>``; ``sender_alt`` holds ``telegram:<display name>`` for
case files that name the person instead. The file is read in bounded chunks, one message object
at a time, so its size does not bound memory; each row hashes its message's exact bytes.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import msgspec
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import schema
from ..errors import InputError
from . import _parallel
from . import _telegram as tg
from ._common import Head, Source, localize, require_tz

FORMAT = "telegram_json"
PLATFORM = "telegram"
PATTERNS = ("result.json (Telegram Desktop export, JSON: one chat or the whole account)",)
DESCRIPTION = "Telegram Desktop JSON export (single chat and full account export)"
#: A large file is read with every core (readers/_parallel.py).
PROCESSES = True

#: Message keys that mean the message carries media, and how its attachment is named.
MEDIA_KEYS = ("photo", "file", "contact_information", "location_information", "poll", "game",
              "invoice", "media_type")
_MEDIA = frozenset(MEDIA_KEYS)
#: Service actions that are contact attempts rather than chat events.
CALL_ACTIONS = frozenset({"phone_call"})

#: The columns one record gives, in tuple order (``_``-prefixed ones are dropped at the end).
FIELDS = ("locator", "record_sha256", "_chat", "kind", "_epoch", "_local", "sent_at_raw", "sender",
          "sender_display", "sender_alt", "body", "attachments", "in_reply_to", "warnings",
          "telegram_id", "action", "duration_s", "discard_reason", "_edited_epoch",
          "forwarded_from")

_SNIFF_KEYS = re.compile(rb'"(date_unixtime|from_id|text_entities|actor_id)"\s*:')
_SNIFF_MESSAGES = re.compile(rb'"(messages|chats)"\s*:')
_SNIFF_TYPE = re.compile(rb'"type"\s*:\s*"(message|service)"')


class _Bad(ValueError):
    """A message object that cannot be read as a Telegram message."""


def sniff(head: Head) -> bool:
    if head.is_dir or head.is_zip or not head.data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(
            b"{"):
        return False
    data = head.data
    return bool(_SNIFF_MESSAGES.search(data) and _SNIFF_KEYS.search(data)
                and _SNIFF_TYPE.search(data))


def read(path: Path, *, tz: str | None = None, owner: Sequence[str] = (),
         date_order: str | None = None, region: str | None = None) -> pd.DataFrame:
    src = Source(Path(path), FORMAT)
    walk = _fast(src.path)
    if walk is None:        # not the plain layout, or anything in doubt: the reference walk
        walk = _walk(src)
    return _finish(walk.frame(), walk, src, tz, tg.owner_idents(owner))


def _walk(src: Source) -> _Walk:
    """The whole file through the bounded JSON walker (any layout, damage, full exports)."""
    walk = _Walk()
    try:
        with open(src.path, encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
            walk.run(tg.JsonStream(fh))
    except UnicodeDecodeError:
        raise InputError(f"{src.path.name}: expected UTF-8 JSON from Telegram Desktop; "
                         "got undecodable bytes: check that this is result.json") from None
    if not walk.found:
        raise InputError(f"{src.path.name}: expected a Telegram Desktop result.json (an object "
                         "with 'messages' or 'chats'); got none of them: pass the right file")
    return walk


class _Walk:
    """Walks the export's structure, one row tuple per message; chat facts in ``chats``."""

    def __init__(self) -> None:
        self.rows: list[tuple] = []     # the current batch; see ``flush``
        self.columns: dict[str, list] = {f: [] for f in FIELDS}
        self.chats: list[dict] = []
        self.me: object = None          # personal_information.user_id (full export)
        self.found = False
        self.keys: dict[tuple, tuple[str, str]] = {}   # (from_id, name) -> (sender, alt)

    def run(self, s: tg.JsonStream) -> None:
        if s.peek() != "{":
            raise InputError("expected a JSON object (Telegram Desktop result.json); got "
                             f"{s.peek()[:1]!r} first: pass the right file")
        try:
            self._top(s)
        except tg.Truncated:
            pass            # the cut-off record is already a row; nothing follows it
        except tg.Damaged as exc:
            at = s.offset
            self.rows.append(_unparsed(f"json:char:{at}", s.rest(), self._chat(),
                                       f"cannot read the JSON structure here ({exc}); the "
                                       "rest of the file is kept as this row"))

    def _chat(self) -> int:
        if not self.chats:
            self.chats.append({})
        return len(self.chats) - 1

    def _top(self, s: tg.JsonStream) -> None:
        for key in s.members():
            if key == "messages":
                self.found = True
                self._messages(s, self._chat(), "$.messages")
            elif key in ("name", "type", "id"):
                self.chats[self._chat()][key] = s.value()[0]
            elif key == "personal_information":
                info = s.value()[0]
                self.me = info.get("user_id") if isinstance(info, dict) else None
            elif key in ("chats", "left_chats"):
                self.found = True
                self._chat_block(s, key)
            else:
                s.value()

    def _chat_block(self, s: tg.JsonStream, block: str) -> None:
        if s.peek() != "{":
            s.value()
            return
        for key in s.members():
            if key != "list" or s.peek() != "[":
                s.value()
                continue
            for index in s.elements():
                self.chats.append({"left": block == "left_chats"})
                self._one_chat(s, len(self.chats) - 1, f"$.{block}.list[{index}]")

    def _one_chat(self, s: tg.JsonStream, chat: int, where: str) -> None:
        for key in s.members():
            if key == "messages":
                self._messages(s, chat, f"{where}.messages")
            elif key in ("name", "type", "id"):
                self.chats[chat][key] = s.value()[0]
            else:
                s.value()

    def _messages(self, s: tg.JsonStream, chat: int, where: str) -> None:
        rows = self.rows
        append = rows.append
        for index, obj, text, problem in s.records():
            locator = f"json:{where}[{index}]"
            if problem:
                append(_unparsed(locator, text, chat, problem))
                continue
            try:
                append(_row(obj, locator, text, chat, self.keys))
            except _Bad as exc:
                append(_unparsed(locator, text, chat, f"unreadable message: {exc}"))
            if len(rows) >= BATCH:
                self.flush()

    def flush(self) -> None:
        """Move the batch of row tuples into columns: text columns become Arrow arrays.

        A million row tuples of Python strings cost about three times their text; Arrow keeps
        the text once, so memory stays near the size of the frame being built.
        """
        if not self.rows:
            return
        # One 2-D object array is a faster transpose than zip(*rows) (fewer Python objects).
        table = np.empty((len(self.rows), len(FIELDS)), dtype=object)
        table[:] = self.rows
        for j, name in enumerate(FIELDS):
            self.columns[name].append(_pack(name, table[:, j]))
        self.rows.clear()

    def frame(self) -> pd.DataFrame:
        """The rows read, one column per field (text columns Arrow-backed where they can be).

        The batches are handed over (and dropped here), so they are not held twice."""
        self.flush()
        columns, self.columns = self.columns, {f: [] for f in FIELDS}
        return pd.DataFrame({name: _column(name, columns.pop(name)) for name in FIELDS},
                            copy=False)


#: Rows per batch moved from tuples into columns.
BATCH = 1 << 16
#: Fields that always hold text and become schema text columns (the others keep their objects).
ARROW_FIELDS = frozenset({"locator", "record_sha256", "kind", "sent_at_raw", "sender",
                          "sender_display", "body", "attachments", "in_reply_to", "warnings"})


#: Of the others, those with a different value on nearly every row (a dictionary would only
#: cost time).
DISTINCT_FIELDS = frozenset({"telegram_id"})


#: Fields holding whole numbers or nothing (Arrow int64 per batch; a value beyond 64 bits
#: keeps its batch as Python objects).
INT_FIELDS = frozenset({"_epoch", "_edited_epoch", "duration_s"})
#: Of those, the ones only used to compute times: given as Int64 rather than Python ints.
EPOCH_FIELDS = frozenset({"_epoch", "_edited_epoch"})


def _pack(name: str, values: np.ndarray) -> pa.Array | np.ndarray:
    """One batch of a field in a compact form; anything Arrow refuses stays as it was.

    Text that Arrow cannot hold (lone surrogates from JSON escapes or undecodable bytes)
    keeps its batch as Python objects, shown escaped later by ``schema.conform``.
    """
    if name == "_chat":
        return values.astype(np.int64)
    try:
        return pa.array(values, type=pa.int64() if name in INT_FIELDS else pa.large_string(),
                        from_pandas=False)
    except (pa.ArrowException, UnicodeError, TypeError, OverflowError):
        return values.copy()        # not a view that would keep the whole batch alive


def _column(name: str, chunks: list) -> pd.Series:
    """A field's batches joined: schema text in Arrow, numbers as Int64, the rest as objects
    (the extra columns the frame has always had as Python values)."""
    if name == "_chat":
        return pd.Series(np.concatenate(chunks) if chunks else np.zeros(0, np.int64),
                         copy=False)
    arrow = bool(chunks) and all(isinstance(c, pa.Array) for c in chunks)
    if arrow and name in ARROW_FIELDS:
        arr = pa.chunked_array(chunks, type=pa.large_string())
        return pd.Series(pd.arrays.ArrowStringArray(arr), copy=False)
    if arrow and name in EPOCH_FIELDS:
        arr = pa.chunked_array(chunks, type=pa.int64())
        return pd.Series(arr.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get))
    if arrow and name in DISTINCT_FIELDS:   # nothing to share: one object per value
        values = pa.chunked_array(chunks).to_numpy(zero_copy_only=False)
        return pd.Series(values, dtype=object, copy=False)
    if arrow:           # one dictionary for the whole column, not one per batch
        return pd.Series(_objects(pa.chunked_array(chunks).combine_chunks()), dtype=object,
                         copy=False)
    parts = [_objects(c) if isinstance(c, pa.Array) else c for c in chunks]
    values = np.empty(sum(len(p) for p in parts), dtype=object)
    at = 0
    for part in parts:
        values[at:at + len(part)] = part
        at += len(part)
    return pd.Series(values, dtype=object, copy=False)


def _objects(arr: pa.Array) -> np.ndarray:
    """Python values of an Arrow batch, one object per distinct value (a sender's name is
    one string shared by its messages, not a million copies)."""
    enc = arr.dictionary_encode()
    values = np.empty(len(enc.dictionary) + 1, dtype=object)
    values[:-1] = enc.dictionary.to_pylist()
    values[-1] = None
    return values[enc.indices.fill_null(len(enc.dictionary)).to_numpy()]


def _hash(text: str) -> str:
    """SHA-256 of the record's exact bytes (the file is UTF-8; undecodable bytes round-trip)."""
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def _unparsed(locator: str, text: str, chat: int, warning: str) -> tuple:
    row = dict.fromkeys(FIELDS, "")
    row.update(locator=locator, record_sha256=_hash(text), _chat=chat, kind="unparsed", _epoch=None,
               _local=None, body=text, warnings=warning, telegram_id=None, duration_s=None,
               _edited_epoch=None)
    return tuple(row[f] for f in FIELDS)


def _row(msg: object, locator: str, raw: str, chat: int,
         keys: dict[tuple, tuple[str, str]]) -> tuple:
    # Runs once per message (a million times on a large export): plain dict look-ups inline,
    # the helpers only for the uncommon shapes.
    if type(msg) is not dict:
        raise _Bad(f"expected an object, got {type(msg).__name__}")
    get = msg.get
    mtype = get("type")
    if mtype == "message":
        service, name, from_id, action = False, get("from"), get("from_id"), ""
    elif mtype == "service":
        service, name, from_id = True, get("actor"), get("actor_id")
        action = _str_of(get("action"))
    else:
        raise _Bad(f"expected type 'message' or 'service', got {mtype!r}")
    if type(name) is not str:
        name = _str_of(name)
    unix = get("date_unixtime")
    if type(unix) is str and unix.isdigit():      # the common case, first
        epoch, local, stamp_raw, warn = int(unix), None, unix, ""
    else:
        epoch, local, stamp_raw, warn = _stamp(msg)
    kind = ("call" if action in CALL_ACTIONS else "system") if service else (
        "text" if _MEDIA.isdisjoint(msg) else "media")
    who = (from_id if type(from_id) is str else str(from_id), name)
    found = keys.get(who)
    if found is None:         # a chat has few senders: their keys are worked out once
        found = keys[who] = (tg.sender_key(from_id, name), tg.name_key(name))
    text = get("text")
    body = text if type(text) is str else _body(msg)
    reply, ident, edited = get("reply_to_message_id"), get("id"), get("edited_unixtime")
    return (locator, _hash(raw), chat, kind, epoch, local, stamp_raw, found[0],
            name, found[1], body, _attachments(msg) if kind == "media" else "",
            "" if reply is None else str(reply), warn, "" if ident is None else str(ident),
            action, _opt_int(msg, "duration_seconds"), _opt_str(msg, "discard_reason"),
            None if edited is None else _epoch_of(edited), _opt_str(msg, "forwarded_from"))


def _str_of(value: object) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _stamp(msg: dict) -> tuple[int | None, str | None, str, str]:
    """(epoch seconds, local text, text as exported, warning): ``date_unixtime`` wins."""
    return _stamp_of(msg.get("date_unixtime"), msg.get("date"))


def _stamp_of(unix: object, local: object) -> tuple[int | None, str | None, str, str]:
    if type(unix) is str and unix.isdigit():      # the common case, first
        return int(unix), None, unix, ""
    epoch = _epoch_of(unix)
    if epoch is not None:
        return epoch, None, str(unix), ""
    warn = f"unreadable date_unixtime {unix!r}" if unix is not None else ""
    if isinstance(local, str) and local:
        return None, local, local, warn
    return None, None, "", _join(warn, "no date in the message")


def _epoch_of(value: object) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _body(msg: dict) -> str:
    """The text exactly: a string, or the concatenated texts of a list of parts."""
    text = msg.get("text")
    if type(text) is str:
        return text
    if text is None:
        text = msg.get("text_entities", "")
    if isinstance(text, str):
        return text
    if isinstance(text, list):
        return "".join(_part(p) for p in text)
    raise _Bad(f"expected text as a string or list, got {type(text).__name__}")


def _part(part: object) -> str:
    if isinstance(part, str):
        return part
    if isinstance(part, dict) and isinstance(part.get("text"), str):
        return part["text"]
    raise _Bad(f"a text part is neither a string nor an entity with text: {part!r:.80}")


def _attachments(msg: dict) -> str:
    """Names as the export writes them (text only, never opened as paths)."""
    names = []
    for key in MEDIA_KEYS:
        value = msg.get(key)
        if key == "file" and isinstance(msg.get("file_name"), str):
            value = msg["file_name"]
        if isinstance(value, str) and key != "media_type":
            names.append(value)
        elif value is not None and key != "media_type":
            names.append(key)
    if not names and msg.get("media_type"):
        names.append(str(msg["media_type"]))
    return ";".join(names)


def _opt_str(msg: dict, key: str) -> str:
    return _str_of(msg.get(key))


def _opt_id(msg: dict, key: str) -> str:
    value = msg.get(key)
    return "" if value is None else str(value)


def _opt_int(msg: dict, key: str) -> int | None:
    value = msg.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


# --- the plain layout: byte ranges, msgspec, both cores ---------------------------------------
# Telegram Desktop writes a single chat as a few top-level keys, then "messages" with one
# message per line-start at a fixed indent. A raw newline cannot occur inside a JSON string,
# so ",\n  {" at that indent can only separate two messages: the file is cut there into byte
# ranges (one per process), each message's exact bytes are hashed and decoded with msgspec into
# the fields a row needs. Anything that does not fit that picture exactly (another layout, a
# full-account export, a message msgspec and the stdlib both refuse, an unusually deep or huge
# message) is "doubt", and the whole file goes through the walker above instead: the result is
# the walker's, whichever way it was read.

#: The messages array of a single-chat export: (top-level indent, message indent).
_MESSAGES_AT = re.compile(rb'\n( *)"messages": \[\n( +)\{')
#: How far into the file the messages array must start (a chat's header is a few lines).
HEAD_LIMIT = 1 << 20
#: Bytes read at a time by each process, and rows per batch there: small enough that the
#: transient copies and row tuples stay a few MB beside the columns being built.
CHUNK = 1 << 22
FAST_BATCH = 1 << 14
#: Larger messages go to the walker, which reads records of up to 64 MiB characters whole.
MAX_FAST_RECORD = 1 << 24
#: Deeper messages go to the walker: how deep the stdlib decoder can go depends on the stack
#: it is called from, so near its limit only the walker itself gives the walker's result.
MAX_DEPTH = 200
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)


class _Doubt(Exception):
    """The file is not exactly the plain layout: read it with the walker instead."""


@dataclass(frozen=True)
class _Layout:
    """Where the messages are: bytes ``[start, end)`` from the first '{' to the last '}'."""

    start: int
    end: int
    sep: bytes      # what separates two messages: b",\n" + the indent
    chat: dict      # name, type, id of the chat (as the walker keeps them)
    me: object      # personal_information.user_id, if the header has it


U = msgspec.UNSET


class _Msg(msgspec.Struct, gc=False):
    """The keys a row reads; others are skipped. A missing key reads as None (as ``dict.get``
    does), except where presence itself matters (media keys, text)."""

    type: Any = None
    id: Any = None
    date: Any = None
    date_unixtime: Any = None
    from_: Any = msgspec.field(default=None, name="from")
    from_id: Any = None
    actor: Any = None
    actor_id: Any = None
    action: Any = None
    text: Any = U
    reply_to_message_id: Any = None
    edited_unixtime: Any = None
    duration_seconds: Any = None
    discard_reason: Any = None
    forwarded_from: Any = None
    file_name: Any = U
    photo: Any = U
    file: Any = U
    contact_information: Any = U
    location_information: Any = U
    poll: Any = U
    game: Any = U
    invoice: Any = U
    media_type: Any = U


_DECODE = msgspec.json.Decoder(_Msg).decode
_JSON = json.JSONDecoder()     # the walker's decoder, for what msgspec refuses
_astuple = msgspec.structs.astuple
_REFUSED = (msgspec.MsgspecError, ValueError, RecursionError)


def _fast(path: Path) -> _Walk | None:
    """The rows of a plain single-chat export read by byte ranges, or None (use the walker)."""
    layout = _layout(path)
    if layout is None:
        return None
    size = layout.end - layout.start
    parts = _parallel.cut(size, _parallel.processes(size),
                          lambda pos: _next_start(path, layout, pos))
    jobs = [(str(path), layout.start + a, layout.start + b, layout.sep, k)
            for k, (a, b) in enumerate(parts)]
    # The first range is read here; each other one gets shared memory to write its columns
    # into (workers are forked after this, so they find it by the job's number).
    boxes = {k: mmap.mmap(-1, _capacity(b - a)) for k, (a, b) in enumerate(parts) if k}
    _OUTBOX.update(boxes)
    try:
        results = _parallel.run(_read_part, jobs)
    except _Doubt:
        return None
    finally:
        for k in boxes:
            del _OUTBOX[k]
    if any(r is None for r in results) or _order_matters([r[1] for r in results]):
        return None
    walk = _Walk()
    walk.found, walk.chats, walk.me = True, [layout.chat], layout.me
    for k, (columns, _, shipped) in enumerate(results):
        _unpack(columns, boxes.get(k), shipped)
        for name in FIELDS:
            walk.columns[name].extend(columns[name])
    del results
    _parallel.release_memory()       # what reading the first range here left behind
    n = sum(len(c) for c in walk.columns["kind"])
    walk.columns["locator"] = [_locators(n)]
    walk.columns["_chat"] = [np.zeros(n, dtype=np.int64)]     # one chat
    return walk


def _layout(path: Path) -> _Layout | None:
    """The plain single-chat layout's facts, or None when the file is anything else."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(HEAD_LIMIT)
        fh.seek(max(0, size - 4096))
        tail_at = fh.tell()
        tail = fh.read()
    bom = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    found = _MESSAGES_AT.search(head, bom)
    if found is None:
        return None
    top = _header(head[bom:found.start()])
    if top is None or not top.keys().isdisjoint({"messages", "chats", "left_chats"}):
        return None
    closing = re.compile(rb"\}\n" + re.escape(found.group(1)) + rb"\]\n\}[ \t\r\n]*\Z")
    end = closing.search(tail)
    start = found.end() - 1
    if end is None or tail_at + end.start() + 1 <= start:
        return None
    info = top.get("personal_information")
    return _Layout(start, tail_at + end.start() + 1, b",\n" + found.group(2),
                   {k: top[k] for k in ("name", "type", "id") if k in top},
                   info.get("user_id") if isinstance(info, dict) else None)


def _header(data: bytes) -> dict | None:
    """The top-level members before "messages" (valid JSON members followed by a comma)."""
    text = data.decode("utf-8", "surrogateescape").rstrip(" \t\r\n")
    if text.endswith(","):
        text = text[:-1]
    elif text.strip() != "{":
        return None
    try:
        top = json.loads(text + "}")
    except (ValueError, RecursionError):
        return None
    return top if isinstance(top, dict) else None


def _next_start(path: Path, layout: _Layout, pos: int) -> int:
    """The first message start at or after ``pos`` (relative to the first message)."""
    mark = layout.sep + b"{"
    with open(path, "rb") as fh:
        fh.seek(layout.start + pos)
        at, tail = pos, b""
        while at < layout.end - layout.start:
            data = fh.read(1 << 20)
            if not data:
                break
            buf = tail + data
            hit = buf.find(mark)
            if hit >= 0:
                return at - len(tail) + hit + len(layout.sep)
            tail = buf[-len(mark):]
            at += len(data)
    return layout.end - layout.start


def _locators(n: int) -> pa.Array:
    """``json:$.messages[i]`` for every message, built in Arrow."""
    return schema.joined("json:$.messages[", pa.array(np.arange(n, dtype=np.int64)), "]")


def _read_part(path: str, start: int, end: int, sep: bytes, box: int = 0,
               ) -> tuple[dict, dict, tuple[int, int]] | None:
    """The columns of the messages in bytes ``[start, end)`` of the file (a forked worker, or
    the only process), the sender keys met, and how many batches of the columns went into
    the shared memory ``box`` (and their size); None when anything there is in doubt."""
    walk = _Walk()
    keys: dict[tuple, tuple[str, str]] = {}
    ship = _Shipper(_OUTBOX.get(box))
    mark = sep + b"{"
    try:
        with open(path, "rb") as fh:
            fh.seek(start)
            left, rest = end - start, b""
            while left > 0 or rest:
                data = fh.read(min(CHUNK, left)) if left > 0 else b""
                left -= len(data)
                buf = rest + data
                last = left <= 0 or not data
                cut = len(buf) if last else buf.rfind(mark)
                if cut < 0:
                    rest = buf           # one message longer than a chunk: read on
                    continue
                block, rest = buf[:cut], b"" if last else buf[cut + len(sep):]
                if last and block.endswith(sep):
                    block = block[:-len(sep)]    # the separator before the next range
                if not _block(block, sep, walk, keys):
                    _messages(block, mark, len(sep), walk, keys)
                ship(walk.columns)
                if last:
                    break
    except _Doubt:
        return None
    walk.flush()
    ship(walk.columns)
    walk.columns["locator"] = walk.columns["_chat"] = []     # the parent numbers the rows
    _parallel.release_memory()
    return walk.columns, keys, ship.close()


def _order_matters(parts: list[dict[tuple, tuple[str, str]]]) -> bool:
    """True when one sender was given by a text id and by another value with the same text
    (``"None"`` and null, say) and the two give different keys: the walker would have used
    whichever it met first, so only the walker can say."""
    seen: dict[tuple, tuple[str, str]] = {}
    for keys in parts:
        for (ident, name, _), found in keys.items():
            if seen.setdefault((ident, name), found) != found:
                return True
    return False


def _messages(block: bytes, mark: bytes, step: int, walk: _Walk,
              keys: dict[tuple, tuple[str, str]]) -> None:
    """Rows for the messages of one block (whole messages separated by ``mark``)."""
    view = memoryview(block)
    rows, n, p = walk.rows, len(block), 0
    while p < n:
        q = block.find(mark, p)
        if q < 0:
            q = n
        if block[q - 1] != 0x7D or q - p > MAX_FAST_RECORD or (
                q - p > 2 * MAX_DEPTH and _deep(block, p, q)):
            raise _Doubt
        raw = view[p:q]
        try:
            msg = _DECODE(raw)
        except _REFUSED:
            msg = None
        row = None if msg is None else _fast_row(msg, raw, keys)
        rows.append(_slow_row(bytes(raw), keys) if row is None else row)
        if len(rows) >= FAST_BATCH:
            walk.flush()
        p = q + step


def _deep(block: bytes, p: int, q: int) -> bool:
    """True when the message at ``block[p:q]`` nests deeper than MAX_DEPTH (brackets outside
    strings); counting brackets first settles nearly every message cheaply."""
    if block.count(b"[", p, q) + block.count(b"{", p, q) <= MAX_DEPTH:
        return False
    codes = np.frombuffer(_STRING.sub(b"", block[p:q]), dtype=np.uint8)
    step = (np.isin(codes, (0x5B, 0x7B)).astype(np.int64)
            - np.isin(codes, (0x5D, 0x7D)).astype(np.int64))
    return bool(len(step)) and int(np.cumsum(step).max()) > MAX_DEPTH


def _slow_row(raw: bytes, keys: dict[tuple, tuple[str, str]]) -> tuple:
    """A message msgspec refused or that has an uncommon shape, read as the walker reads it."""
    text = raw.decode("utf-8", "surrogateescape")
    try:
        obj, end = _JSON.raw_decode(text)
    except (ValueError, RecursionError):
        raise _Doubt from None
    if end != len(text):
        raise _Doubt
    fresh: dict[tuple, tuple[str, str]] = {}
    try:
        row = _row(obj, "", text, 0, fresh)
    except _Bad as exc:
        return _unparsed("", text, 0, f"unreadable message: {exc}")
    ident = obj.get("actor_id" if obj.get("type") == "service" else "from_id")
    for (text_id, name), found in fresh.items():     # the sender met, as _fast_row keeps it
        if keys.setdefault((text_id, name, type(ident) is str), found) != found:
            raise _Doubt
    return row


def _fast_row(m: _Msg, raw: memoryview, keys: dict[tuple, tuple[str, str]]) -> tuple | None:
    """``_row`` for a decoded struct; None for the uncommon shapes (``_slow_row`` reads them)."""
    # Runs once per message: all fields in one C call, then plain local look-ups.
    (mtype, ident, date, unix, name, from_id, actor, actor_id, action, text, reply, edited,
     duration, reason, forwarded, file_name, *media) = _astuple(m)
    if mtype == "message":
        service, action = False, ""
    elif mtype == "service":
        service, name, from_id = True, actor, actor_id
        action = _str_of(action)
    else:
        return None
    if type(text) is str:
        body = text
    elif type(text) is list:
        try:
            body = "".join([_part(p) for p in text])
        except _Bad:
            return None
    else:
        return None
    if type(name) is not str:
        name = _str_of(name)
    if type(unix) is str and unix.isdigit():
        epoch, local, stamp_raw, warn = int(unix), None, unix, ""
    else:
        epoch, local, stamp_raw, warn = _stamp_of(unix, date)
    attachments = ""
    if service:
        kind = "call" if action in CALL_ACTIONS else "system"
    elif media.count(U) == len(media):
        kind = "text"
    else:
        kind = "media"
        present = {k: v for k, v in zip(MEDIA_KEYS, media, strict=True) if v is not U}
        if file_name is not U:
            present["file_name"] = file_name
        attachments = _attachments(present)
    # The walker keeps the first key worked out for ``(str(from_id), name)``; whether it came
    # from a text id is kept too, so the parent can tell when the order would have mattered.
    who = (from_id, name, True) if type(from_id) is str else (str(from_id), name, False)
    found = keys.get(who)
    if found is None:
        found = keys[who] = (tg.sender_key(from_id, name), tg.name_key(name))
    return ("", hashlib.sha256(raw).hexdigest(), 0, kind, epoch, local, stamp_raw, found[0],
            name, found[1], body, attachments, "" if reply is None else str(reply), warn,
            "" if ident is None else str(ident), action,
            duration if type(duration) is int else None,
            "" if reason is None else _str_of(reason),
            None if edited is None else _epoch_of(edited),
            "" if forwarded is None else _str_of(forwarded))


# --- after the walk: times, conversations, owner ---------------------------------------------

def _finish(df: pd.DataFrame, walk: _Walk, src: Source, tz: str | None,
            owner: frozenset[str]) -> pd.DataFrame:
    # Closed-list columns are given as the schema's categories (codes, not a million strings
    # for ``conform`` to factorise); the frame is the same.
    df["platform"] = _category("platform", np.full(len(df), _code("platform", PLATFORM)))
    _place_times(df, src, tz)
    _conversations(df, walk.chats, src)
    _participants(df, walk, owner, src)
    # The working columns go before the frame is built (in place: ``df`` is the only frame),
    # and so does what the steps above left freed, so building it starts from the least.
    for name in [c for c in df.columns if c.startswith("_")]:
        del df[name]
    _parallel.release_memory()
    return src.frame(df)


def _place_times(df: pd.DataFrame, src: Source, tz: str | None) -> None:
    epoch = pd.to_numeric(df["_epoch"], errors="coerce").astype("Int64")
    sent = pd.to_datetime(epoch, unit="s", utc=True)
    latest = sent.copy()
    basis = np.where(epoch.notna(), _code("time_basis", "epoch"),
                     _code("time_basis", "missing")).astype(np.int8)
    local = df["_local"].notna().to_numpy()
    if local.any():
        zone = require_tz(tz, FORMAT)
        src.assume(f"messages without date_unixtime: their 'date' read as local time in {zone}")
        _localize_rows(df, local, zone, sent, latest, basis)
    df["sent_at"], df["sent_at_latest"] = sent, latest
    df["time_basis"] = _category("time_basis", basis)
    edited = pd.to_numeric(df["_edited_epoch"], errors="coerce").astype("Int64")
    df["edited_at"] = pd.to_datetime(edited, unit="s", utc=True)
    missing = (basis == _code("time_basis", "missing")) & (df["kind"] != "unparsed").to_numpy()
    if missing.any():
        df.loc[missing, "warnings"] = [_join(w, "no time: sent_at left empty")
                                       for w in df.loc[missing, "warnings"]]


def _localize_rows(df: pd.DataFrame, mask: np.ndarray, zone: str, sent: pd.Series,
                   latest: pd.Series, basis: np.ndarray) -> None:
    naive = pd.to_datetime(df.loc[mask, "_local"], errors="coerce", format="ISO8601")
    early, late, warn = localize(naive, zone)
    ok = naive.notna()
    idx = naive.index[ok]
    sent.loc[idx], latest.loc[idx] = early[ok], late[ok]
    basis[idx.to_numpy()] = _code("time_basis", "local_declared")
    notes = [_join(df.at[i, "warnings"], warn[i] if ok[i] else
                   f"unreadable date {df.at[i, '_local']!r}") for i in naive.index]
    df.loc[naive.index, "warnings"] = notes


def _conversations(df: pd.DataFrame, chats: list[dict], src: Source) -> None:
    names, kinds = [], []
    for n, chat in enumerate(chats or [{}]):
        name = chat.get("name")
        ident = chat.get("id")
        label = name if isinstance(name, str) and name else (
            str(ident) if ident is not None else
            (src.path.name if len(chats) <= 1 else f"{src.path.name} chat {n}"))
        names.append(label)
        kinds.append(_kind_of(chat, df, n, src))
    codes = df["_chat"].to_numpy(dtype=np.int64)
    ids = [("" if chat.get("id") is None else str(chat["id"])) for chat in chats] or [""]
    types = [str(chat.get("type", "")) for chat in chats] or [""]
    try:
        labels = pa.array(names, _TEXT)
    except (pa.ArrowException, UnicodeError):
        # Objects, not text: a chat name may hold a lone surrogate, which schema.conform
        # shows escaped (pandas' own text type would refuse it here).
        df["conversation"] = pd.Series(np.asarray(names, dtype=object)[codes], index=df.index,
                                       dtype=object)
    else:
        df["conversation"] = pd.Series(pd.arrays.ArrowStringArray(labels.take(codes)),
                                       index=df.index, copy=False)
    kind_codes = np.array([_code("conversation_kind", k) for k in kinds], dtype=np.int8)
    df["conversation_kind"] = _category("conversation_kind", kind_codes[codes], df.index)
    for column, values in (("chat_id", ids), ("chat_type", types)):
        df[column] = pd.Series(np.asarray(values, dtype=object)[codes], index=df.index,
                               dtype=object)


def _kind_of(chat: dict, df: pd.DataFrame, n: int, src: Source) -> str:
    ctype = chat.get("type")
    if ctype in tg.CHAT_KINDS:
        return tg.CHAT_KINDS[ctype]
    senders = df.loc[(df["_chat"] == n) & (df["sender"] != ""), "sender"].nunique()
    src.assume(f"chat type {ctype!r} not known: direct or group told by the number of "
               "senders in the chat")
    return "group" if senders > 2 else "direct"


def _participants(df: pd.DataFrame, walk: _Walk, owner: frozenset[str], src: Source) -> None:
    """``from_owner`` and, in direct chats, ``recipients`` (the other participant).

    Worked out per distinct sender (a chat has few), then laid out over the rows by codes."""
    n = len(df)
    codes, uniques = pd.factorize(df["sender"])
    senders = list(uniques) + [None]         # code -1 (no value) reads the last entry
    mine_row = np.zeros(n, dtype=bool)
    unknown = np.ones(n, dtype=bool)         # from_owner <NA>
    partner = np.full(n, -1, dtype=np.int64)
    empty = senders.index("") if "" in senders[:-1] else -2
    direct = (df["conversation_kind"] == "direct").to_numpy(dtype=bool, na_value=False)
    hits = _owner_hits(df, codes, senders, owner)
    for chat, rows in _chat_rows(df).items():
        part = codes[rows]
        present = np.unique(part)
        keys = {senders[c] for c in present.tolist()} - {""}
        mine = _owner_keys(keys, lambda r=rows: _hit_senders(hits, r, codes, senders),
                           walk.chats[chat] if walk.chats else {}, walk.me, owner, src)
        if mine is not None:
            is_mine = np.array([s in mine for s in senders], dtype=bool)
            mine_row[rows] = is_mine[part]
            unknown[rows] = part == empty
        if direct[rows].all() and len(keys) == 2:
            a, b = sorted(keys)
            pair = np.full(len(senders), -1, dtype=np.int64)
            pair[senders.index(a)], pair[senders.index(b)] = senders.index(b), senders.index(a)
            partner[rows] = pair[part]
    df["from_owner"] = pd.Series(pd.arrays.BooleanArray(mine_row, unknown), index=df.index,
                                 copy=False)
    df["recipients"] = _recipients(senders[:-1], partner, df.index)


def _chat_rows(df: pd.DataFrame) -> dict[int, np.ndarray]:
    """Row positions of each chat, in chat order (one chat: all rows, without a sort)."""
    chats = df["_chat"].to_numpy()
    if len(chats) and chats.min() == chats.max():
        return {int(chats[0]): np.arange(len(chats))}
    return dict(df.groupby("_chat").indices)


def _owner_hits(df: pd.DataFrame, codes: np.ndarray, senders: list, owner: frozenset[str],
                ) -> np.ndarray | None:
    """Per row: the display name (casefolded) or the sender key (without ``telegram:``) is
    one of the owner's identifiers; decided once per distinct value."""
    if not owner:
        return None
    shown, displays = pd.factorize(df["sender_display"])
    by_name = np.array([isinstance(d, str) and d.casefold() in owner for d in displays]
                       + [False], dtype=bool)
    by_key = np.array([isinstance(k, str) and k.removeprefix("telegram:") in owner
                       for k in senders], dtype=bool)
    return by_name[shown] | by_key[codes]


def _hit_senders(hits: np.ndarray | None, rows: np.ndarray, codes: np.ndarray,
                 senders: list) -> set[str] | None:
    """The senders of the chat's rows the owner's identifiers match; None when none does."""
    if hits is None:
        return None
    found = codes[rows][hits[rows]]
    return {senders[c] for c in np.unique(found).tolist()} if len(found) else None


def _recipients(senders: list, partner: np.ndarray, index: pd.Index) -> pd.Series:
    """The other participant's key per row ('' where none), as text where Arrow can hold it."""
    try:
        keys = pa.array(senders + [""], _TEXT)
    except (pa.ArrowException, UnicodeError):
        values = np.asarray(senders + [""], dtype=object)
        return pd.Series(values[partner], index=index, dtype=object)
    return pd.Series(pd.arrays.ArrowStringArray(keys.take(pa.array(partner % len(keys)))),
                     index=index, copy=False)


def _owner_keys(senders: set[str], hits: Callable[[], set[str] | None], chat: dict, me: object,
                owner: frozenset[str], src: Source) -> set[str] | None:
    """The exporting account's sender keys in one chat, or None when nothing says."""
    if me is not None:
        return {tg.sender_key(f"user{me}", None)}
    if owner:
        found = hits()
        if found is not None:
            return found - {""}
    peer = tg.sender_key(f"user{chat.get('id')}", None)
    if chat.get("type") == "personal_chat" and peer in senders:
        src.assume("personal chat: the chat's id is the other person's user id, so every "
                   "other sender is the export's owner")
        return senders - {peer}
    return None


def _code(column: str, value: str) -> int:
    """The category code of ``value`` in a closed-list column of the schema."""
    return int(schema.COLUMNS[column].categories.get_loc(value))


def _category(column: str, codes: np.ndarray, index: pd.Index | None = None) -> pd.Series:
    """Codes as the schema's categorical column (what ``conform`` would make of the text)."""
    values = pd.Categorical.from_codes(codes, dtype=schema.COLUMNS[column])
    return pd.Series(values, index=index, copy=False)


# --- a whole block at once: columns, not rows --------------------------------------------------
# Nearly every message of an export has one of a few shapes. A block whose messages all decode
# into ``_Plain`` (msgspec checks each field's type in C) is turned into columns with a few
# C-level passes and Arrow kernels; the Python per message is one attribute read per field.
# Anything else in the block (another type anywhere, a date that is not plain digits, a number
# beyond 64 bits) sends the whole block row by row, through ``_messages``: same result.


class _Part(msgspec.Struct, gc=False):
    """A text entity: only its text is read."""

    text: str


class _Plain(msgspec.Struct, gc=False):
    """A message of the common shape, each field's type checked while decoding."""

    type: Literal["message", "service"]
    date_unixtime: str
    text: str | list[str | _Part]
    id: int | None = None
    from_: str | None = msgspec.field(default=None, name="from")
    from_id: str | None = None
    actor: str | None = None
    actor_id: str | None = None
    action: str | None = None
    reply_to_message_id: int | None = None
    edited_unixtime: str | None = None
    duration_seconds: int | None = None
    discard_reason: str | None = None
    forwarded_from: str | None = None
    file_name: Any = U
    photo: Any = U
    file: Any = U
    contact_information: Any = U
    location_information: Any = U
    poll: Any = U
    game: Any = U
    invoice: Any = U
    media_type: Any = U


_PLAIN = msgspec.json.Decoder(_Plain).decode
_DIGITS = "^[0-9]+$"
_TEXT = pa.large_string()


def _block(block: bytes, sep: bytes, walk: _Walk, keys: dict[tuple, tuple[str, str]]) -> bool:
    """Append the columns of a block of whole messages (separated by ``sep``) to ``walk``;
    False, with nothing appended, when anything in it is not the common shape."""
    bounds = _bounds(block, sep)
    if bounds is None:
        return False
    starts, ends = bounds
    raws = [block[a:b] for a, b in zip(starts.tolist(), ends.tolist())]    # copies, but
    # cheaper to make than memoryview slices
    try:
        # Each message decoded alone: one that is not a whole object (a separator seen where
        # the layout would not put it) fails here, so the bounds are the messages' own.
        msgs = list(map(_PLAIN, raws))
        columns = _block_columns(msgs, raws, keys)
    except (*_REFUSED, pa.ArrowException, OverflowError, UnicodeError, TypeError):
        return False
    if columns is None:
        return False
    walk.flush()            # rows read one by one before this block come first
    for name in FIELDS:
        walk.columns[name].append(columns[name])
    return True


def _bounds(block: bytes, sep: bytes) -> tuple[np.ndarray, np.ndarray] | None:
    """(start, end) of every message of the block, or None when one is not plain: not closed
    by its own '}' right before the separator, huge, or with many brackets (maybe deep)."""
    codes = np.frombuffer(block, dtype=np.uint8)
    braces = np.flatnonzero(codes == 0x7B)
    width = len(sep)
    hit = braces[braces >= width]
    ok = np.ones(len(hit), dtype=bool)
    for k, byte in enumerate(sep):
        ok &= codes[hit - width + k] == byte
    starts = np.concatenate(([0], hit[ok])).astype(np.int64)
    ends = np.append(starts[1:] - width, len(block))
    if not len(block) or codes[0] != 0x7B or (codes[ends - 1] != 0x7D).any():
        return None
    if int((ends - starts).max()) > MAX_FAST_RECORD:
        return None
    brackets = np.flatnonzero(codes == 0x5B)
    edges = np.append(starts, len(block))
    opened = np.diff(np.searchsorted(braces, edges)) + np.diff(np.searchsorted(brackets, edges))
    if int(opened.max()) > MAX_DEPTH:
        return None
    return starts, ends


def _block_columns(msgs: list[_Plain], raws: list[bytes],
                   keys: dict[tuple, tuple[str, str]]) -> dict[str, object] | None:
    """The fields of ``FIELDS`` for decoded messages, as ``_fast_row`` gives them row by row
    (Arrow arrays of the types ``_pack`` makes); None when a value needs the row path."""
    n = len(msgs)
    service = np.array([m.type == "service" for m in msgs], dtype=bool)
    names = [m.from_ for m in msgs]
    ids = [m.from_id for m in msgs]
    actions = [""] * n
    for i in np.flatnonzero(service).tolist():
        m = msgs[i]
        names[i], ids[i] = m.actor, m.actor_id
        actions[i] = "" if m.action is None else m.action
    unix = pa.array([m.date_unixtime for m in msgs], _TEXT)
    edited = pa.array([m.edited_unixtime for m in msgs], _TEXT)
    if not (_all_digits(unix) and _all_digits(edited)):
        return None
    display = pa.array(names, _TEXT).fill_null("")
    sender, alt = _senders(pa.array(ids, _TEXT), display, keys)
    kind, attachments = _kinds(msgs, service, actions)
    return {
        "locator": _blank(n),
        "record_sha256": _hashes(raws),
        "_chat": np.zeros(n, dtype=np.int64),
        "kind": kind,
        "_epoch": unix.cast(pa.int64()),
        "_local": pa.nulls(n, _TEXT),
        "sent_at_raw": unix,
        "sender": sender,
        "sender_display": display,
        "sender_alt": alt,
        "body": pa.array([t if type(t) is str else _joined(t) for t in [m.text for m in msgs]],
                         _TEXT),
        "attachments": attachments,
        "in_reply_to": _int_text([m.reply_to_message_id for m in msgs]),
        "warnings": _blank(n),
        "telegram_id": _int_text([m.id for m in msgs]),
        "action": pa.array(actions, _TEXT),
        "duration_s": pa.array([m.duration_seconds for m in msgs], pa.int64()),
        "discard_reason": pa.array([m.discard_reason for m in msgs], _TEXT).fill_null(""),
        "_edited_epoch": edited.cast(pa.int64()),
        "forwarded_from": pa.array([m.forwarded_from for m in msgs], _TEXT).fill_null(""),
    }


def _all_digits(values: pa.Array) -> bool:
    """True when every value given is plain ASCII digits (what ``str.isdigit`` + ``int`` read
    alike); anything else (other digits, signs, blanks) takes the row path and its warnings."""
    return bool(pc.all(pc.match_substring_regex(values, _DIGITS)).as_py() is not False)


def _joined(parts: list) -> str:
    return "".join([p if type(p) is str else p.text for p in parts])


def _blank(n: int) -> pa.Array:
    return pa.repeat(pa.scalar("", _TEXT), n)


def _int_text(values: list) -> pa.Array:
    """Whole numbers as text, '' for none (``str(int)``; beyond 64 bits Arrow refuses)."""
    return pa.array(values, pa.int64()).cast(_TEXT).fill_null("")


def _hashes(raws: list[bytes]) -> pa.Array:
    """SHA-256 of each message's bytes, as hex text (hexlified once, not per message)."""
    digests = b"".join(map(_DIGEST, map(hashlib.sha256, raws)))
    text = digests.hex().encode("ascii")
    offsets = np.arange(0, 64 * len(raws) + 1, 64, dtype=np.int64)
    return pa.LargeStringArray.from_buffers(len(raws), pa.py_buffer(offsets), pa.py_buffer(text))


_DIGEST = operator.methodcaller("digest")


def _senders(ids: pa.Array, names: pa.Array, keys: dict[tuple, tuple[str, str]],
             ) -> tuple[pa.Array, pa.Array]:
    """(sender, sender_alt) per message: worked out once per distinct (id, name), and kept in
    ``keys`` as ``_fast_row`` keeps them (a null id as the text 'None')."""
    id_codes = ids.dictionary_encode()
    name_codes = names.dictionary_encode()
    id_idx = id_codes.indices.fill_null(len(id_codes.dictionary)).to_numpy().astype(np.int64)
    name_idx = name_codes.indices.to_numpy().astype(np.int64)
    pairs, inverse = np.unique(id_idx * (len(name_codes.dictionary) + 1) + name_idx,
                               return_inverse=True)
    id_values = id_codes.dictionary.to_pylist() + [None]
    name_values = name_codes.dictionary.to_pylist()
    width = len(name_codes.dictionary) + 1
    senders, alts = [], []
    for pair in pairs.tolist():
        ident, name = id_values[pair // width], name_values[pair % width]
        who = (ident, name, True) if ident is not None else ("None", name, False)
        found = keys.get(who)
        if found is None:
            found = keys[who] = (tg.sender_key(ident, name), tg.name_key(name))
        senders.append(found[0])
        alts.append(found[1])
    take = pa.array(inverse.reshape(-1))
    return (pa.array(senders, _TEXT).take(take), pa.array(alts, _TEXT).take(take))


def _kinds(msgs: list[_Plain], service: np.ndarray, actions: list[str],
           ) -> tuple[pa.Array, pa.Array]:
    """(kind, attachments): calls and system lines from services, media from the media keys."""
    bare = np.array([m.photo is U and m.file is U and m.contact_information is U
                     and m.location_information is U and m.poll is U and m.game is U
                     and m.invoice is U and m.media_type is U for m in msgs], dtype=bool)
    call = np.array([a in CALL_ACTIONS for a in actions], dtype=bool) & service
    kind = np.where(service, np.where(call, 2, 3), np.where(bare, 0, 1))
    attachments = [""] * len(msgs)
    for i in np.flatnonzero(~service & ~bare).tolist():
        m = msgs[i]
        present = {k: getattr(m, k) for k in MEDIA_KEYS if getattr(m, k) is not U}
        if m.file_name is not U:
            present["file_name"] = m.file_name
        attachments[i] = _attachments(present)
    return _KINDS.take(pa.array(kind)), pa.array(attachments, _TEXT)


_KINDS = pa.array(["text", "media", "call", "system"], _TEXT)


# --- columns handed back through shared memory ------------------------------------------------
# A worker's columns are as large as a third of its range; pickled back to the parent they
# would exist four times at once (the worker's, its pickle, the parent's copy of the pickle,
# the arrays rebuilt from it). Instead each worker appends its batches, as they are made, to
# an Arrow stream in memory shared with the parent (anonymous, so nothing touches the disk),
# and the parent reads them in place. Batches Arrow cannot hold (Python objects kept for
# text with lone surrogates) and anything beyond the space reserved go back pickled.

#: Shared memory for each worker, by job number (set before the workers are forked).
_OUTBOX: dict[int, mmap.mmap] = {}
#: The fields a worker hands back (the parent numbers the rows and there is one chat).
SHIPPED = tuple(f for f in FIELDS if f not in ("locator", "_chat"))


def _capacity(size: int) -> int:
    """Bytes of shared memory reserved for the columns of a ``size``-byte range: address
    space only, memory is used as it is written. The columns take about a third of the
    range; a range that needs more sends the rest pickled."""
    return 2 * size + (16 << 20)


class _Shipper:
    """Appends a worker's finished batches to the Arrow stream in its shared memory."""

    def __init__(self, box: mmap.mmap | None) -> None:
        self.sink = None if box is None else pa.FixedSizeBufferWriter(pa.py_buffer(box))
        self.writer: pa.ipc.RecordBatchStreamWriter | None = None
        self.sent = self.size = 0

    def __call__(self, columns: dict[str, list]) -> None:
        """Ship every batch complete in ``columns`` and drop it there (None in its place)."""
        ready = len(columns["kind"])
        while self.sink is not None and self.sent < ready:
            arrays = [columns[name][self.sent] for name in SHIPPED]
            try:
                batch = pa.record_batch(arrays, names=list(SHIPPED))
                if self.writer is None:
                    self.writer = pa.ipc.new_stream(self.sink, _SHIPPED_SCHEMA)
                self.writer.write_batch(batch)
            except (pa.ArrowException, OSError, TypeError, ValueError):  # objects, or no room
                self.sink = None
                break
            self.size = self.sink.tell()
            for name in SHIPPED:
                columns[name][self.sent] = None
            self.sent += 1

    def close(self) -> tuple[int, int]:
        """(batches shipped, bytes of the stream holding them)."""
        return self.sent, self.size


_SHIPPED_SCHEMA = pa.schema([(f, pa.int64() if f in INT_FIELDS else _TEXT) for f in SHIPPED])


def _unpack(columns: dict[str, list], box: mmap.mmap | None, shipped: tuple[int, int]) -> None:
    """Put the batches a worker shipped back in their places in ``columns`` (read in place:
    the arrays keep the shared memory alive as long as they are used)."""
    count, size = shipped
    if not count or box is None:
        return
    data = pa.py_buffer(box).slice(0, size)
    # Read one byte of each page now: the memory is counted as this process's, where it is
    # held from here on, rather than as shared memory nobody maps.
    np.frombuffer(data, dtype=np.uint8)[::mmap.PAGESIZE].sum()
    reader = pa.ipc.open_stream(data)
    for i in range(count):
        batch = reader.read_next_batch()
        for name in SHIPPED:
            columns[name][i] = batch.column(name)
