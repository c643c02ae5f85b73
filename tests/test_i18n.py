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


# --- every msgid the code uses has its German -------------------------------------------------

import ast  # noqa: E402
import re  # noqa: E402
from pathlib import Path  # noqa: E402

PACKAGE = Path(i18n.__file__).parent
FIELD = re.compile(r"\{(\w*)[^{}]*\}")


def used_msgids() -> dict[str, str]:
    """msgid -> where it is used: the string given to ``_``/``N_``, and the two forms given to
    ``plural`` (the catalogue's own constants are msgids too)."""
    found = {i18n.TIME_PATTERN: "i18n.py", i18n.DAY_PATTERN: "i18n.py"}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            args = {"_": node.args[:1], "N_": node.args[:1], "plural": node.args[2:4]}.get(
                node.func.id, [])
            for arg in args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.setdefault(arg.value, f"{path.relative_to(PACKAGE)}:{node.lineno}")
    return found


def test_the_scan_finds_the_reports_words():
    used = used_msgids()
    assert len(used) > 150
    for msgid in ("Headline counts", "{n} contacts", "page {page} of {pages}",
                  "Contacts per day by direction", i18n.TIME_PATTERN):
        assert msgid in used, msgid


def test_every_msgid_used_in_the_code_has_a_german_translation():
    german = i18n._catalogue("de")
    missing = {m: where for m, where in used_msgids().items() if m not in german}
    assert not missing, f"{len(missing)} msgid(s) without German, e.g. {list(missing.items())[:5]}"


def test_translations_keep_the_placeholders_of_their_msgid():
    german = i18n._catalogue("de")
    wrong = [m for m in used_msgids() if m in german
             and sorted(FIELD.findall(m)) != sorted(FIELD.findall(german[m]))]
    assert not wrong, wrong[:5]


def test_the_catalogue_holds_no_msgid_the_code_no_longer_uses():
    stale = set(i18n._catalogue("de")) - set(used_msgids())
    assert not stale, sorted(stale)[:5]


def test_no_msgid_is_translated_out_of_the_scans_sight():
    """``translator(x)("words")`` would translate without the scan seeing the msgid: our words
    always go through a name ``_`` (or ``N_``/``plural``)."""
    hidden = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Call) and node.args \
                    and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str):
                hidden.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert not hidden, hidden


def test_times_are_laid_out_per_language_in_the_case_zone_whatever_the_host():
    import os
    import subprocess
    import sys

    code = ("import datetime as d; from whoa_analysis import i18n; t = d.datetime(2024, 6, 10, "
            "9, tzinfo=d.UTC); print(i18n.local_time(t, 'Europe/London', 'de'), '|', "
            "i18n.local_time(t, 'Europe/London'), '|', i18n.long_moment(t, 'Europe/London', "
            "'de'), '|', i18n.local_day(t.date(), 'de'))")
    outputs = set()
    for tz, lang in (("America/New_York", "C"), ("Asia/Tokyo", "C.UTF-8"),
                     ("UTC", "de_DE.UTF-8")):
        env = {**os.environ, "TZ": tz, "LC_ALL": lang, "LANG": lang}
        outputs.add(subprocess.run([sys.executable, "-c", code], env=env, check=True,
                                   capture_output=True, text=True).stdout)
    assert outputs == {"10.06.2024 10:00:00 BST | 2024-06-10 10:00:00 BST | 10. Juni 2024, "
                       "10:00 BST | 10.06.2024\n"}


def test_a_german_column_of_times_reads_as_each_time_alone():
    import datetime as dt

    import pandas as pd
    import pyarrow as pa

    from whoa_analysis.analysis.summary import local_column
    from whoa_analysis.reports._content import local, local_texts

    times = pd.Series(pd.to_datetime(["2024-03-31T00:59:59Z", "2024-03-31T01:00:00Z",
                                      "2024-10-27T00:30:00Z", "2024-10-27T01:30:00Z"], utc=True))
    column = local_texts(pa.array(local_column(times, "Europe/London").tolist()), "de")
    assert column.to_pylist() == [local(t, "Europe/London", "de") for t in times]
    assert column.to_pylist()[1] == "31.03.2024 02:00:00 BST"
    assert local(dt.datetime(2024, 3, 31, 1, tzinfo=dt.UTC), "Europe/London") == \
        "2024-03-31 02:00:00 BST"


def test_the_words_the_report_translates_for_other_layers_are_theirs_exactly():
    """The report translates the readers' DST warnings and the analysis' reasons by their
    English text: a change there must show here, not leave the report in English."""
    from whoa_analysis.analysis import contact, notice
    from whoa_analysis.readers import _common
    from whoa_analysis.reports import _content

    assert _content.TIME_WARNINGS == (_common.AMBIGUOUS, _common.NONEXISTENT)
    assert set(_content.ANALYSIS_WORDS) == {
        contact.REASON_FORGED, contact.REASON_NO_TIME, contact.REASON_AMBIGUOUS,
        contact.REASON_NOTICE_AMBIGUOUS, contact.REASON_SAME, notice.NOT_EVIDENCED}
    from whoa_analysis.analysis import seen
    assert set(_content.SUGGESTION_WORDS) == {seen.SAME_NAME, seen.SAME_NUMBER, seen.NEW_AFTER}
    assert set(_content.NOTICE_WORDS) == {
        notice.FOUND_BY_PHRASE, notice.PINNED, notice.READ_RECEIPT, notice.REPLIED,
        notice.SAME_CONVERSATION}
    from whoa_analysis.analysis import trace
    assert set(_content.TRACE_WORDS) == {
        trace.NO_RECEIVED, trace.ALL_OWN, trace.HANDED_OVER_OWN_ONE, trace.HANDED_OVER_OWN, trace.HANDED_OVER,
        trace.BELOW_ONE, trace.BELOW_MANY, trace.WHAT_SENDER, trace.WHAT_HANDOFF, trace.WHAT_DKIM,
        trace.WHAT_DESK, trace.HOW_SENDER, trace.HOW_HANDOFF, trace.HOW_DKIM, trace.HOW_DESK,
        trace.HOW_RFC2142}
