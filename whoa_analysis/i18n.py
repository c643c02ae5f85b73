"""The fixed words of the report, the PDF, the complaint drafts and the notebooks' labels, per
language: one message catalogue, gettext ``.po`` files read with Babel.

English is the source language (the msgids); every other language is
``locale/<language>/LC_MESSAGES/whoa.po`` beside this module. Quoted evidence never passes through
here: only our own words do. Adding a language is one ``.po`` file and its code in ``LANGUAGES``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

from .errors import CaseError

LANGUAGES = ("en", "de")
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

Translate = Callable[[str], str]


def check_language(language: str, where: str = "case.language") -> str:
    """``language`` if we have a catalogue for it, else a one-line error naming the choices."""
    if language not in LANGUAGES:
        raise CaseError(f"{where}: expected one of {', '.join(LANGUAGES)}, got {language!r}; "
                        f"set {where} to one of them")
    return language


@cache
def _catalogue(language: str) -> dict[str, str]:
    if language == "en":
        return {}
    from babel.messages.pofile import read_po

    with (LOCALE_DIR / language / "LC_MESSAGES" / "whoa.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    # Fuzzy or empty entries fall back to English rather than print a half-checked translation.
    return {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}


def translator(language: str = "en") -> Translate:
    """A ``_(msgid)`` for ``language``: the translation, or the English msgid where the
    catalogue has none. Format placeholders (``{count}``) after translating, never before."""
    table = _catalogue(check_language(language))
    return lambda msgid: table.get(msgid, msgid)
