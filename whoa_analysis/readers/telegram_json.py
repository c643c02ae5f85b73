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
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import InputError
from . import _telegram as tg
from ._common import Head, Source, localize, require_tz

FORMAT = "telegram_json"
PLATFORM = "telegram"
PATTERNS = ("result.json (Telegram Desktop export, JSON: one chat or the whole account)",)
DESCRIPTION = "Telegram Desktop JSON export (single chat and full account export)"

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
    return _finish(walk.frame(), walk, src, tz, tg.owner_idents(owner))


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
        for name, values in zip(FIELDS, zip(*self.rows, strict=True), strict=True):
            self.columns[name].append(_text_chunk(values) if name in ARROW_FIELDS
                                      else values)
        self.rows.clear()

    def frame(self) -> pd.DataFrame:
        """The rows read, one column per field (text columns Arrow-backed where they can be)."""
        self.flush()
        return pd.DataFrame({name: _column(chunks) for name, chunks in self.columns.items()})


#: Rows per batch moved from tuples into columns.
BATCH = 1 << 16
#: Fields that always hold text and become schema text columns (the others keep their objects).
ARROW_FIELDS = frozenset({"locator", "record_sha256", "kind", "sent_at_raw", "sender",
                          "sender_display", "body", "attachments", "in_reply_to", "warnings"})


def _text_chunk(values: tuple) -> pa.Array | tuple:
    try:
        return pa.array(values, type=pa.large_string())
    except (pa.ArrowException, UnicodeError, TypeError):   # e.g. undecodable bytes kept
        return values


def _column(chunks: list) -> pd.Series:
    if chunks and all(isinstance(c, pa.Array) for c in chunks):
        arr = pa.chunked_array(chunks, type=pa.large_string())
        return pd.Series(pd.arrays.ArrowStringArray(arr), copy=False)
    values = [v for c in chunks for v in (c.to_pylist() if isinstance(c, pa.Array) else c)]
    return pd.Series(values, dtype=object)


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
    unix = msg.get("date_unixtime")
    if type(unix) is str and unix.isdigit():      # the common case, first
        return int(unix), None, unix, ""
    local = msg.get("date")
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


# --- after the walk: times, conversations, owner ---------------------------------------------

def _finish(df: pd.DataFrame, walk: _Walk, src: Source, tz: str | None,
            owner: frozenset[str]) -> pd.DataFrame:
    df["platform"] = PLATFORM
    _place_times(df, src, tz)
    _conversations(df, walk.chats, src)
    _participants(df, walk, owner, src)
    return src.frame(df.drop(columns=[c for c in df.columns if c.startswith("_")]))


def _place_times(df: pd.DataFrame, src: Source, tz: str | None) -> None:
    epoch = pd.to_numeric(df["_epoch"], errors="coerce").astype("Int64")
    sent = pd.to_datetime(epoch, unit="s", utc=True)
    latest = sent.copy()
    basis = np.where(epoch.notna(), "epoch", "missing").astype(object)
    local = df["_local"].notna().to_numpy()
    if local.any():
        zone = require_tz(tz, FORMAT)
        src.assume(f"messages without date_unixtime: their 'date' read as local time in {zone}")
        _localize_rows(df, local, zone, sent, latest, basis)
    df["sent_at"], df["sent_at_latest"], df["time_basis"] = sent, latest, basis
    edited = pd.to_numeric(df["_edited_epoch"], errors="coerce").astype("Int64")
    df["edited_at"] = pd.to_datetime(edited, unit="s", utc=True)
    missing = (basis == "missing") & (df["kind"] != "unparsed").to_numpy()
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
    basis[idx.to_numpy()] = "local_declared"
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
    for column, values in (("conversation", names), ("conversation_kind", kinds),
                           ("chat_id", ids), ("chat_type", types)):
        # Objects, not inferred text: a chat name may hold a lone surrogate, which
        # schema.conform shows escaped (pandas' own text type would refuse it here).
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
    """``from_owner`` and, in direct chats, ``recipients`` (the other participant)."""
    from_owner = pd.Series(pd.NA, index=df.index, dtype="boolean")
    recipients = pd.Series("", index=df.index, dtype=object)
    for chat, rows in df.groupby("_chat").indices.items():
        part = df.iloc[rows]
        keys = _distinct(part["sender"])
        mine = _owner_keys(part, walk.chats[chat] if walk.chats else {}, walk.me, owner, src)
        if mine is not None:
            from_owner.iloc[rows] = part["sender"].isin(mine).to_numpy()
            from_owner.iloc[rows[(part["sender"] == "").to_numpy()]] = pd.NA
        if (part["conversation_kind"] == "direct").all() and len(keys) == 2:
            a, b = sorted(keys)
            recipients.iloc[rows] = part["sender"].map({a: b, b: a}).fillna("").to_numpy()
    df["from_owner"], df["recipients"] = from_owner, recipients


def _distinct(keys: pd.Series) -> set[str]:
    """The non-empty keys of a column (``unique`` first: iterating a million rows is slow)."""
    return set(keys.unique()) - {""}


def _owner_keys(part: pd.DataFrame, chat: dict, me: object, owner: frozenset[str],
                src: Source) -> set[str] | None:
    """The exporting account's sender keys in one chat, or None when nothing says."""
    if me is not None:
        return {tg.sender_key(f"user{me}", None)}
    if owner:
        hits = part.loc[part["sender_display"].str.casefold().isin(owner)
                        | part["sender"].str.removeprefix("telegram:").isin(owner), "sender"]
        if len(hits):
            return _distinct(hits)
    peer = tg.sender_key(f"user{chat.get('id')}", None)
    senders = _distinct(part["sender"])
    if chat.get("type") == "personal_chat" and peer in senders:
        src.assume("personal chat: the chat's id is the other person's user id, so every "
                   "other sender is the export's owner")
        return senders - {peer}
    return None
