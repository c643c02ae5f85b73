"""Helpers shared by the chat-platform JSON readers (Discord, Slack, X/Twitter).

Those exports are large JSON documents whose records (messages) sit in arrays. Each record must
keep its exact bytes for the record hash, and a damaged or truncated file must still give every
intact record. :func:`items` and :func:`members` walk the JSON *structure* only (strings and
brackets), so a record with broken syntax inside still has a start and an end and can become one
``unparsed`` row, while the walk goes on. Running off the end of the text raises
:class:`Broken`, which the reader turns into one ``unparsed`` row for the rest of the file.

Also here: decoding with the codec remembered (so a record's text re-encodes to its exact
bytes), a folder digest for folder sources, and owner matching.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from ._common import decode_text, unparsed

_WS = re.compile(r"[ \t\n\r]*")
_STRUCT = re.compile(r'["{}\[\]]')
_STRING_STOP = re.compile(r'["\\]')
_SCALAR = re.compile(r"[^,\]}\s]+")


class Broken(Exception):
    """The JSON text ends or breaks its structure at ``pos``: nothing after it can be walked."""

    def __init__(self, pos: int, reason: str) -> None:
        super().__init__(reason)
        self.pos = pos
        self.reason = reason


def ws(text: str, pos: int) -> int:
    """The index of the first non-whitespace character at or after ``pos``."""
    return _WS.match(text, pos).end()


def _skip_string(text: str, pos: int) -> int:
    """``pos`` is at an opening quote; return the index just past the closing quote."""
    i = pos + 1
    while True:
        m = _STRING_STOP.search(text, i)
        if m is None:
            raise Broken(pos, "the text ends inside a string")
        if m.group() == '"':
            return m.end()
        i = m.end() + 1      # a backslash escapes the next character, whatever it is


def skip_value(text: str, pos: int) -> int:
    """The end of the JSON value starting at ``pos`` (structure only: syntax is not checked)."""
    pos = ws(text, pos)
    if pos >= len(text):
        raise Broken(pos, "the text ends where a value was expected")
    first = text[pos]
    if first == '"':
        return _skip_string(text, pos)
    if first not in "{[":
        m = _SCALAR.match(text, pos)
        if m is None:
            raise Broken(pos, f"expected a value, got {first!r}")
        return m.end()
    depth, i = 0, pos
    while True:
        m = _STRUCT.search(text, i)
        if m is None:
            raise Broken(pos, "the text ends inside an object or array (truncated?)")
        ch = m.group()
        if ch == '"':
            i = _skip_string(text, m.start())
            continue
        depth += 1 if ch in "{[" else -1
        i = m.end()
        if depth == 0:
            return i


def _after(text: str, pos: int, closer: str) -> tuple[int, bool]:
    """After a value: (index past the ',' or closer, True when the closer ended the container)."""
    pos = ws(text, pos)
    ch = text[pos] if pos < len(text) else ""
    if ch == ",":
        return pos + 1, False
    if ch == closer:
        return pos + 1, True
    raise Broken(pos, f"expected ',' or {closer!r}, got {ch or 'the end of the text'!r}")


def items(text: str, pos: int) -> Iterator[tuple[int, int]]:
    """(start, end) of each value of the array at ``pos``; :class:`Broken` where it breaks."""
    pos = ws(text, pos)
    if not text.startswith("[", pos):
        raise Broken(pos, "expected an array")
    pos = ws(text, pos + 1)
    if text.startswith("]", pos):
        return
    while True:
        start = ws(text, pos)
        try:
            end = skip_value(text, start)
        except Broken as exc:           # report the record's start, not the inner string's
            raise Broken(start, exc.reason) from None
        yield start, end
        pos, done = _after(text, end, "]")
        if done:
            return


def members(text: str, pos: int) -> Iterator[tuple[str, int, int]]:
    """(key, value start, value end) of each member of the object at ``pos``."""
    pos = ws(text, pos)
    if not text.startswith("{", pos):
        raise Broken(pos, "expected an object")
    pos = ws(text, pos + 1)
    if text.startswith("}", pos):
        return
    while True:
        kpos = ws(text, pos)
        if not text.startswith('"', kpos):
            raise Broken(kpos, "expected a quoted key")
        kend = _skip_string(text, kpos)
        key = _loads(text[kpos:kend])
        colon = ws(text, kend)
        if not text.startswith(":", colon):
            raise Broken(colon, "expected ':' after a key")
        start = ws(text, colon + 1)
        try:
            end = skip_value(text, start)
        except Broken as exc:
            raise Broken(kpos, exc.reason) from None
        yield (key if isinstance(key, str) else ""), start, end
        pos, done = _after(text, end, "}")
        if done:
            return


def walk_array(text: str, pos: int, each: Callable[[int, int], int]) -> int:
    """Call ``each(index, start) -> end`` for every value of the array at ``pos``.

    Unlike :func:`items`, a value is walked by ``each`` (which may descend into it and emit
    records as it goes) rather than skipped first, so a nested record stream that breaks off
    keeps what came before the break. Returns the index past the array.
    """
    pos = ws(text, pos)
    if not text.startswith("[", pos):
        raise Broken(pos, "expected an array")
    pos = ws(text, pos + 1)
    if text.startswith("]", pos):
        return pos + 1
    n = 0
    while True:
        end = each(n, ws(text, pos))
        n += 1
        pos, done = _after(text, end, "]")
        if done:
            return pos


def walk_object(text: str, pos: int, walkers: Mapping[str, Callable[[int], int]],
                default: Callable[[str, int], int] | None = None) -> tuple[int, set[str]]:
    """Walk the object at ``pos``: keys in ``walkers`` are handed to their walker (start ->
    end), others to ``default(key, start) -> end`` or skipped. Returns (index past the object,
    keys seen)."""
    pos = ws(text, pos)
    if not text.startswith("{", pos):
        raise Broken(pos, "expected an object")
    seen: set[str] = set()
    pos = ws(text, pos + 1)
    if text.startswith("}", pos):
        return pos + 1, seen
    while True:
        kpos = ws(text, pos)
        if not text.startswith('"', kpos):
            raise Broken(kpos, "expected a quoted key")
        kend = _skip_string(text, kpos)
        key = _loads(text[kpos:kend])
        colon = ws(text, kend)
        if not text.startswith(":", colon):
            raise Broken(colon, "expected ':' after a key")
        start = ws(text, colon + 1)
        walker = walkers.get(key) if isinstance(key, str) else None
        if walker:
            end = walker(start)
        elif default and isinstance(key, str):
            end = default(key, start)
        else:
            end = skip_value(text, start)
        if isinstance(key, str):
            seen.add(key)
        pos, done = _after(text, end, "}")
        if done:
            return pos, seen


def _loads(fragment: str) -> object:
    try:
        return json.loads(fragment)
    except (ValueError, RecursionError):     # nested too deep: hostile, not a record
        return None


@dataclass(frozen=True)
class Record:
    """One JSON value found in a document: its exact text span and its decoded value."""

    start: int
    end: int
    raw: bytes
    value: object          # None when the span is not valid JSON (see ``error``)
    error: str = ""


def record(text: str, start: int, end: int, codec: str) -> Record:
    """Decode one span; a span that is not valid JSON keeps its text and says why."""
    fragment = text[start:end]
    raw = fragment.encode(codec, errors="surrogateescape")
    try:
        return Record(start, end, raw, json.loads(fragment))
    except (ValueError, RecursionError) as exc:
        return Record(start, end, raw, None, f"not valid JSON ({exc.args[0].split(':')[0]})")


def rest(text: str, start: int, codec: str) -> bytes:
    """The bytes from ``start`` to the end of the text (what a truncated file leaves)."""
    return text[start:].encode(codec, errors="surrogateescape")


def decode(data: bytes) -> tuple[str, str, str]:
    """(text, codec that re-encodes each span to its exact bytes, warning or '')."""
    text, warning = decode_text(data)
    if not warning:
        return text, "utf-8", ""
    return text, ("cp1252" if "cp1252" in warning.split(":")[-1] else "latin-1"), warning


def owner_ids(owner: Sequence[str], platform: str) -> frozenset[str]:
    """The owner's identifiers for one platform, casefolded: 'discord:dana_e' and 'dana_e' both
    give 'dana_e'; keys for other platforms ('email:...') are left out."""
    out = set()
    for ident in owner or ():
        prefix, sep, rest_ = str(ident).partition(":")
        if sep and prefix.strip().lower() != platform:
            if prefix.strip().lower() in _KNOWN_PREFIXES:
                continue
            rest_ = str(ident)          # a colon inside a bare name
        elif not sep:
            rest_ = str(ident)
        if rest_.strip():
            out.add(rest_.strip().casefold())
    return frozenset(out)


_KNOWN_PREFIXES = frozenset({
    "email", "phone", "sms", "call", "tel", "mail", "whatsapp", "telegram", "signal", "discord",
    "slack", "messenger", "facebook", "instagram", "twitter", "x", "imessage", "irc", "im",
    "googlechat", "web", "other", "person"})


def first_owner_id(owner: Sequence[str], platform: str,
                   looks_like: re.Pattern[str] | None = None) -> str:
    """The first owner identifier for ``platform`` as written (prefix removed), or ''.

    The pipeline passes a person's identifiers without their platform prefix ('dana@...',
    '+44 ...', 'dana_e'), so a bare one is taken only when it ``looks_like`` an account of
    this platform; an explicit 'discord:...' key always is.
    """
    for ident in owner or ():
        prefix, sep, rest_ = str(ident).partition(":")
        if sep and prefix.strip().lower() == platform:
            return rest_.strip()
    for ident in owner or ():
        prefix, sep, _ = str(ident).partition(":")
        if sep and prefix.strip().lower() in _KNOWN_PREFIXES:
            continue
        if looks_like is None or looks_like.fullmatch(str(ident).strip()):
            return str(ident).strip()
    return ""


def is_owner(ids: frozenset[str], *candidates: str) -> bool | None:
    """True when any candidate identifier is the owner's, False if not, None when no owner."""
    if not ids:
        return None
    return any(c and c.casefold() in ids for c in candidates)


def as_list(value: object) -> list:
    """``value`` when it is a list, else [] (a damaged record may hold anything there)."""
    return value if isinstance(value, list) else []


def guarded(build: Callable[[], dict], locator: str, raw: bytes, **base: object) -> dict:
    """``build()``, or an unparsed row when the record's shape is not what the format promises.

    Each reader checks the fields it needs; this is the net under those checks, so that one
    odd record costs one ``unparsed`` row, never the whole file.
    """
    try:
        return build()
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        return unparsed(locator, raw, f"could not read this record ({type(exc).__name__}: "
                        f"{exc}); kept as found", **base)


def join_warnings(*parts: str) -> str:
    return "; ".join(p for p in parts if p)
