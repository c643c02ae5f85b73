"""Per-language data the readers and the analysis match text against, read from the TOML files
beside this module: WhatsApp's own lines (``whatsapp.toml``) and stop-request phrases
(``stop_phrases.toml``). Code here only turns the data into patterns; adding a language is one
table in a data file (and one test), never a code path.

A template becomes a Python pattern matched only on the few lines that can be system lines
(never on every row), found first by a plain word of the template; the placeholders are
described at the top of ``whatsapp.toml``.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: Quotation marks a template's ``"`` stands for (as WhatsApp writes them per language).
QUOTES = "\"\u201e\u201c\u201d\u00ab\u00bb\u2039\u203a\u300c\u300d\u300e\u300f\uff02"
APOSTROPHES = "'\u2018\u2019\u02bc"
_SPACE = "[\\s\u00a0\u202f\u200e\u200f]+"
_QUOTE = "[" + re.escape(QUOTES) + "]"
_APOS = "[" + APOSTROPHES + "]"
_MARKS = "[\u200e\u200f\u202a-\u202e\u2066-\u2069]*"
#: What a whole line may carry around a template: direction marks, a final full stop.
_END = _MARKS + "[.!\u3002\u0964]?" + _MARKS + "\r?"
_HOLES = ("{}", "{*}")


def _literal(text: str) -> str:
    """One literal stretch of a template as a pattern (spaces, quotes, apostrophes loosened)."""
    out: list[str] = []
    for ch in text:
        if ch.isspace():
            if not out or out[-1] != _SPACE:
                out.append(_SPACE)
        elif ch == '"':
            out.append(_QUOTE)
        elif ch in APOSTROPHES:
            out.append(_APOS)
        else:
            out.append(re.escape(ch))
    return "".join(out)


def _tokens(template: str) -> list[str]:
    """The template cut into literal stretches and placeholders ('{}', '{*}')."""
    return [t for t in re.split(r"(\{\*?\})", template) if t]


def _piece(token: str) -> str:
    return {"{}": ".+?", "{*}": ".*"}.get(token) or _literal(token)


def template_pattern(template: str) -> str:
    """A template as a Python pattern (no anchors, no flags)."""
    return "".join(map(_piece, _tokens(template)))


def _words(text: str) -> list[str]:
    """The literal words of a stretch (what a plain substring search can look for)."""
    return [w.casefold() for w in re.split("[\\s" + re.escape(QUOTES + APOSTROPHES) + "]+",
                                           text) if len(w) > 1 or ord(w[:1] or "a") > 0x2e80]


@dataclass(frozen=True)
class Template:
    """One catalogue line: its kind and language, the whole-line pattern, the patterns a
    header's name part fits when the line was cut inside a placeholder, and the words to
    look for first (``anchor`` for whole lines, ``lead`` for names)."""

    kind: str
    language: str
    text: str
    line_src: str
    prefix_srcs: tuple[str, ...]
    anchor: str
    lead: str

    @property
    def line(self) -> re.Pattern:
        return _compiled(self.line_src)

    @property
    def prefixes(self) -> tuple[re.Pattern, ...]:
        return tuple(map(_compiled, self.prefix_srcs))


@cache
def _compiled(source: str) -> re.Pattern:
    """Patterns are compiled on first use: a file meets only a few of them."""
    return re.compile(source, re.IGNORECASE | re.DOTALL)


def _template(kind: str, language: str, text: str) -> Template:
    tokens = _tokens(text)
    body = "".join(map(_piece, tokens))
    line = _MARKS + "(?:" + body + ")" + _END
    # A cut needs a literal stretch with a word before it: a leading placeholder alone is
    # no evidence (every name fits it).
    cuts = [k for k, t in enumerate(tokens) if t in _HOLES
            and any(t2 not in _HOLES and _words(t2) for t2 in tokens[:k])]
    prefixes = tuple(_MARKS + "".join(map(_piece, tokens[:k])) + ".*" for k in cuts)
    words = [w for t in tokens if t not in _HOLES for w in _words(t)]
    return Template(kind, language, text, line, prefixes, max(words, key=len, default=""),
                    words[0] if words else "")


@dataclass(frozen=True)
class WhatsAppLines:
    """The catalogue's templates, and the literal kinds the readers match exactly (the anchor
    tables are filled on first use)."""

    templates: tuple[Template, ...]
    deleted: tuple[str, ...]
    call: tuple[str, ...]
    media: tuple[str, ...]
    chat_file: tuple[str, ...]
    languages: tuple[str, ...]
    anchors: dict = field(default_factory=dict, compare=False, hash=False)

    def by_anchor(self, kinds: frozenset[str]) -> dict[str, list[Template]]:
        if kinds not in self.anchors:
            out: dict[str, list[Template]] = {}
            for t in self.templates:
                if t.kind in kinds:
                    out.setdefault(t.anchor, []).append(t)
            self.anchors[kinds] = out
        return self.anchors[kinds]

    def match(self, line: str, kinds: frozenset[str]) -> Template | None:
        """The first template of these kinds the whole line fits (None: none)."""
        low = line.casefold()
        for anchor, templates in self.by_anchor(kinds).items():
            if anchor in low:
                for t in templates:
                    if t.line.fullmatch(line):
                        return t
        return None

    def starts_line(self, name: str) -> Template | None:
        """A template whose start this header "name" part is (cut inside a placeholder)."""
        low = name.casefold()
        for t in self.templates:
            if t.kind in LINE_KINDS and t.lead and t.lead in low and t.prefixes and any(
                    p.fullmatch(name) for p in t.prefixes):
                return t
        return None


#: The kinds that make a line a system line.
LINE_KINDS = frozenset({"encryption", "group", "system"})


@cache
def whatsapp_catalogue() -> dict:
    with (HERE / "whatsapp.toml").open("rb") as handle:
        return tomllib.load(handle)


@cache
def whatsapp_lines() -> WhatsAppLines:
    table = whatsapp_catalogue()

    def every(kind: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t for lang in table.values() for t in lang.get(kind, [])))

    templates = tuple(_template(kind, code, text) for code, lang in table.items()
                      for kind in ("encryption", "group", "system", "owner", "not_owner")
                      for text in lang.get(kind, []))
    return WhatsAppLines(templates, every("deleted"), every("call"), every("media"),
                         every("chat_file"), tuple(table))


# ---------------------------------------------------------------------------------------------
# Stop phrases

_FOLD_PUNCT = str.maketrans({**dict.fromkeys(map(ord, APOSTROPHES[1:]), "'"),
                             "\uff07": "'", **dict.fromkeys(map(ord, QUOTES[1:]), '"')})


def fold(text: str) -> str:
    """A copy for matching: compatibility forms, combining marks dropped (accents), case
    folded, curly quotes and apostrophes straight. Never stored in place of the text."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return bare.casefold().translate(_FOLD_PUNCT)


@dataclass(frozen=True)
class StopPhrase:
    phrase: str          # as written in the data (or the case file)
    language: str        # a code from stop_phrases.toml, or "case" for the case's own
    spaced: bool = True  # matched as whole words (False: scripts without spaces)


@cache
def stop_phrases() -> tuple[StopPhrase, ...]:
    with (HERE / "stop_phrases.toml").open("rb") as handle:
        table = tomllib.load(handle)
    return tuple(StopPhrase(p, code, lang.get("spaced", True))
                 for code, lang in table.items() for p in lang["phrases"])


@cache
def language_names() -> dict[str, str]:
    """Language code -> its own name, over both data files."""
    with (HERE / "stop_phrases.toml").open("rb") as handle:
        table = tomllib.load(handle)
    names = {code: lang["name"] for code, lang in whatsapp_catalogue().items()}
    names.update({code: lang["name"] for code, lang in table.items()})
    return names
