"""Shared by the Telegram readers: chat kinds, account keys, and a bounded JSON walker.

The walker reads a JSON document in chunks and hands back each record together with its exact
text, so a row can hash the record's raw bytes (ijson gives values only, never their bytes).
Whole values are decoded by the C scanner of the stdlib ``json`` (``raw_decode``); only the
outer structure (objects and arrays we descend into) is walked here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from typing import TextIO

from .. import accounts

#: Telegram Desktop chat ``type`` -> the frame's conversation_kind.
CHAT_KINDS = {
    "personal_chat": "direct", "saved_messages": "direct", "bot_chat": "direct",
    "private_group": "group", "private_supergroup": "group", "public_supergroup": "group",
    "private_channel": "group", "public_channel": "group",
}


def sender_key(from_id: object, name: object) -> str:
    """``telegram:<from_id>`` (the stable id); the display name only when no id is given."""
    if from_id is not None and not isinstance(from_id, bool) and str(from_id).strip():
        return accounts.key_for("telegram", str(from_id))
    return name_key(name)


def name_key(name: object) -> str:
    """``telegram:<display name casefolded>``: what a case file naming the person would say."""
    return accounts.key_for("telegram", name) if isinstance(name, str) else ""


def owner_idents(owner: Sequence[str]) -> frozenset[str]:
    """Owner identifiers casefolded, with any ``telegram:`` prefix removed."""
    out = set()
    for ident in owner:
        text = str(ident).strip()
        if text.lower().startswith("telegram:"):
            text = text[len("telegram:"):].strip()
        if text:
            out.add(text.casefold())
    return frozenset(out)


# --- bounded JSON walking ------------------------------------------------------------------

_WS = re.compile(r"[ \t\n\r]*")
#: Where a following message starts: Telegram Desktop writes ``{"id": ...`` first; any object
#: start after a comma is the fallback.
_RESYNC = (re.compile(r",\s*(?=\{\s*\"id\"\s*:)"), re.compile(r"\}\s*,\s*(?=\{)"))
_DECODER = json.JSONDecoder()
_SCAN = _DECODER.scan_once
#: The separator after a record: a comma, or the array's end.
_NEXT = re.compile(r"[ \t\n\r]*([,\]])")


class Damaged(Exception):
    """The JSON text at the current position cannot be read (internal to the readers)."""


class Truncated(Damaged):
    """The file ends inside a value."""


class JsonStream:
    """A JSON document read in chunks; never holds more than the records being decoded."""

    def __init__(self, fh: TextIO, chunk: int = 1 << 23, max_record: int = 1 << 26) -> None:
        self.fh, self.chunk, self.max_record = fh, chunk, max_record
        self.buf, self.pos, self.eof = "", 0, False
        self.base = 0   # characters dropped from the front of ``buf`` so far

    @property
    def offset(self) -> int:
        """Characters read and consumed so far (for locators of unreadable text)."""
        return self.base + self.pos

    def _fill(self) -> bool:
        """Read one more chunk (dropping consumed text); False at end of file."""
        if self.eof:
            return False
        data = self.fh.read(self.chunk)
        if not data:
            self.eof = True
            return False
        self.base += self.pos
        self.buf = self.buf[self.pos:] + data
        self.pos = 0
        return True

    def peek(self) -> str:
        """The next non-blank character ('' at end of file), not consumed."""
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._fill():
                return ""

    def take(self, char: str) -> None:
        found = self.peek()
        if found != char:
            if not found:
                raise Truncated(f"the file ends where {char!r} was expected")
            raise Damaged(f"expected {char!r}, got {found!r}")
        self.pos += 1

    def value(self, cap: int | None = None) -> tuple[object, str]:
        """Decode the next whole value; returns it and its exact text."""
        self.peek()
        limit = self.max_record if cap is None else cap
        while True:
            try:
                obj, end = _DECODER.raw_decode(self.buf, self.pos)
            except RecursionError:
                raise Damaged("nested deeper than the JSON parser goes") from None
            except json.JSONDecodeError as exc:
                if len(self.buf) - self.pos > limit or not self._fill():
                    raise Damaged(f"{exc.msg} at character {exc.pos - self.pos} of the record") \
                        from None
                continue
            text = self.buf[self.pos:end]
            self.pos = end
            return obj, text

    def key(self) -> str:
        obj, _ = self.value()
        if not isinstance(obj, str):
            raise Damaged(f"expected a key, got {type(obj).__name__}")
        self.take(":")
        return obj

    def members(self) -> Iterator[str]:
        """Keys of the object here; the caller consumes each value before asking for the next."""
        self.take("{")
        if self.peek() == "}":
            self.pos += 1
            return
        while True:
            yield self.key()
            if self._after_item("}"):
                return

    def elements(self) -> Iterator[int]:
        """Indexes of the array here; the caller consumes each element."""
        self.take("[")
        if self.peek() == "]":
            self.pos += 1
            return
        index = 0
        while True:
            yield index
            index += 1
            if self._after_item("]"):
                return

    def _after_item(self, close: str) -> bool:
        found = self.peek()
        if found == ",":
            self.pos += 1
            return False
        if found == close:
            self.pos += 1
            return True
        if not found:
            raise Truncated(f"the file ends where ',' or {close!r} was expected")
        raise Damaged(f"expected ',' or {close!r}, got {found!r}")

    def records(self) -> Iterator[tuple[int, object, str, str]]:
        """(index, value or None, exact text, problem) for each element of the array here.

        A damaged element is returned with its text and the problem, and reading resumes at
        the next element; a file that ends inside the array returns the rest as the last one
        and then raises :class:`Truncated`.
        """
        self.take("[")
        if self.peek() == "]":
            self.pos += 1
            return
        index = 0
        while True:
            fast = self._fast_record()
            if fast is not None:
                obj, text, done = fast
                yield index, obj, text, ""
                index += 1
                if done:
                    return
                continue
            # Slow path: a record across the reading window's end, or a damaged one.
            # On failure ``pos`` still marks where the element starts (fills keep it).
            try:
                obj, text = self.value()
                yield index, obj, text, ""
                done = self._after_item("]")
            except Truncated as exc:
                yield index, None, self.rest(), f"the file ends inside this record ({exc})"
                raise
            except Damaged as exc:
                try:
                    text, done = self._resync()
                except Truncated:
                    yield index, None, self.rest(), (
                        f"cannot read this record ({exc}) and nothing readable follows it: "
                        "the file is probably cut off")
                    raise
                yield index, None, text, f"damaged JSON ({exc}); reading resumed after it"
            index += 1
            if done:
                return

    def _fast_record(self) -> tuple[object, str, bool] | None:
        """An object record wholly inside the window and its separator, or None."""
        buf = self.buf
        pos = _WS.match(buf, self.pos).end()
        if pos >= len(buf) or buf[pos] != "{":
            return None
        try:
            obj, end = _SCAN(buf, pos)
        except (StopIteration, json.JSONDecodeError, RecursionError):
            return None
        sep = _NEXT.match(buf, end)
        if sep is None:
            return None
        self.pos = sep.end()
        return obj, buf[pos:end], sep.group(1) == "]"

    def rest(self) -> str:
        """Everything from here to the end of the file (the text of a cut-off record)."""
        while self._fill():
            pass
        text = self.buf[self.pos:]
        self.pos = len(self.buf)
        return text

    def _resync(self) -> tuple[str, bool]:
        """Skip a damaged element to the start of the next; (its text, False)."""
        while True:
            for pattern in _RESYNC:
                hit = pattern.search(self.buf, self.pos + 1)
                if hit:
                    end = hit.start() + (1 if hit.group().startswith("}") else 0)
                    text, self.pos = self.buf[self.pos:end], hit.end()
                    return text, False
            if not self._fill():
                raise Truncated("no readable record follows a damaged one")
