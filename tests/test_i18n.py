"""The message catalogue: German words come from the .po file, English is the msgid, and a
language we have no catalogue for is a one-line case error."""

import pytest

from whoa_analysis import i18n
from whoa_analysis.errors import CaseError

NO_LEGAL = "This report states facts from the sources; it draws no legal conclusions."


def test_german_comes_from_the_catalogue_and_english_is_the_msgid():
    assert i18n.translator("de")(NO_LEGAL).startswith("Dieser Bericht")
    assert i18n.translator("en")(NO_LEGAL) == NO_LEGAL


def test_a_word_missing_from_the_catalogue_falls_back_to_english():
    assert i18n.translator("de")("no such msgid") == "no such msgid"


def test_an_unknown_language_names_the_choices():
    with pytest.raises(CaseError, match="expected one of en, de, got 'xx'"):
        i18n.translator("xx")
