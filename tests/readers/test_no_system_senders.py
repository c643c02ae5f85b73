"""Over every file of the shared corpora that a reader reads: no row has a sender that is a
system sentence (a catalogue line, the start of one cut at a ': ', or a participant's name
followed by more words in quotation marks)."""

from __future__ import annotations

from pathlib import Path

import pytest

from whoa_analysis import languages, readers
from whoa_analysis.errors import DateOrderRequired, WhoaError

QUOTES = set(languages.QUOTES + languages.APOSTROPHES[1:])


def _read(path: Path):
    try:
        readers.detect(path)
    except WhoaError:
        return None                          # not an export a reader reads (notes, targets)
    try:
        return readers.read(path, tz="UTC")
    except DateOrderRequired:
        return readers.read(path, tz="UTC", date_order="mdy")
    except WhoaError:
        return None                          # deliberately broken files: their own tests


def _system_sentence(name: str, others: set[str]) -> str:
    """Why this sender name is a system sentence, or ''."""
    lines = languages.whatsapp_lines()
    hit = lines.match(name, languages.LINE_KINDS) or lines.starts_line(name)
    if hit is not None:
        return f"catalogue line {hit.text!r} ({hit.language})"
    if QUOTES & set(name):
        for who in others:
            if who and name.startswith(who + " "):
                return f"participant {who!r} followed by quoted words"
    return ""


def test_no_sender_is_a_system_sentence(corpora: Path) -> None:
    # every file: the readers' sniffing decides which are exports (MANIFEST.md and the
    # upstream projects' expected-output files are not)
    files = [p for p in sorted(corpora.rglob("*")) if p.is_file()]
    read, bad = 0, []
    for path in files:
        df = _read(path)
        if df is None or df.empty:
            continue
        read += 1
        shown = {str(n) for n in df["sender_display"].dropna().unique() if str(n)}
        for name in sorted(shown):
            why = _system_sentence(name, shown - {name})
            if why:
                bad.append(f"{path.relative_to(corpora)}: sender {name!r}: {why}")
    assert read >= 40, f"only {read} corpus files were read"
    assert bad == []


@pytest.mark.parametrize("name", ["Rob changed the subject from \"Trip\" to \"Trip",
                                  "Rob hat den Betreff von „Reise“ zu „Reise",
                                  "Alice added Bob"])
def test_the_check_itself_finds_system_sentences(name: str) -> None:
    assert _system_sentence(name, {"Rob", "Alice"})
