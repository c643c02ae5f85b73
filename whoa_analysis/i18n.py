"""The fixed words of the report, the PDF, the complaint drafts and the notebooks' labels, per
language: one message catalogue, gettext ``.po`` files read with Babel.

English is the source language (the msgids); every other language is
``locale/<language>/LC_MESSAGES/whoa.po`` beside this module. Quoted evidence never passes through
here: only our own words do. Adding a language is one ``.po`` file and its code in ``LANGUAGES``.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable
from functools import cache
from pathlib import Path

from .errors import CaseError

LANGUAGES = ("en", "de")
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

Translate = Callable[[str], str]
#: How a local time and a local day are laid out (Babel/CLDR patterns); each language's
#: catalogue gives its own. English keeps ISO order, which the CSV files use too.
TIME_PATTERN = "yyyy-MM-dd HH:mm:ss"
DAY_PATTERN = "yyyy-MM-dd"


def N_(msgid: str) -> str:  # noqa: N802 - the gettext name for "a msgid, translated later"
    """Marks a msgid kept in a constant: it is translated where it is shown, with ``_``."""
    return msgid


def plural(_: Translate, n: int, one: str, many: str) -> str:
    """``one`` or ``many`` (both msgids holding ``{n}``) for ``n``, translated and filled.
    English and German both use the singular for 1 only."""
    return (_(one) if n == 1 else _(many)).format(n=f"{n:,}")


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


def local_time(when: dt.datetime, tz: str, language: str = "en") -> str:
    """``when`` in the zone ``tz`` as the language lays a time out, with the zone's
    abbreviation ("2024-03-10 09:00:00 GMT", "10.03.2024 09:00:00 GMT"). The zone is always
    passed in: the host's TZ and locale never change the text."""
    from babel.dates import format_datetime

    there = when.astimezone(zoneinfo.ZoneInfo(tz))
    pattern = translator(language)(TIME_PATTERN)
    return f"{format_datetime(there, pattern, tzinfo=there.tzinfo, locale=language)} " \
        f"{there.tzname()}"


def long_moment(when: dt.datetime, tz: str, language: str = "en") -> str:
    """``when`` in the zone ``tz`` in words, to the minute ("March 10, 2024, 09:00 GMT",
    "10. März 2024, 09:00 GMT")."""
    from babel.dates import format_datetime

    there = when.astimezone(zoneinfo.ZoneInfo(tz))
    return f"{long_day(there.date(), language)}, " \
        f"{format_datetime(there, 'HH:mm', tzinfo=there.tzinfo, locale=language)} " \
        f"{there.tzname()}"


def local_day(day: dt.date, language: str = "en") -> str:
    """A calendar day as the language lays it out ("2024-03-11", "11.03.2024")."""
    from babel.dates import format_date

    return format_date(day, translator(language)(DAY_PATTERN), locale=language)


def long_day(day: dt.date, language: str = "en") -> str:
    """A calendar day in words ("March 10, 2024", "10. März 2024")."""
    from babel.dates import format_date

    return format_date(day, "long", locale=language)


_FIELDS = {"yyyy": r"\1", "MM": r"\2", "dd": r"\3", "HH": r"\4", "mm": r"\5", "ss": r"\6"}
#: A time as ``TIME_PATTERN`` (English) writes it, its fields as groups (the zone after it).
ISO_LOCAL = r"^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})"


def relayout(language: str) -> str | None:
    """The replacement that turns an English ``TIME_PATTERN`` text (matched by ``ISO_LOCAL``)
    into the language's layout, for whole columns at once; None where it is the same."""
    pattern = translator(language)(TIME_PATTERN)
    if pattern == TIME_PATTERN:
        return None
    return re.sub("|".join(_FIELDS), lambda m: _FIELDS[m.group()], pattern)
