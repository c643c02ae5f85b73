"""whoa_analysis.workbench: what the notebooks show, checked without a kernel."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tests.helpers import make_case
from whoa_analysis import case as case_file
from whoa_analysis import evidence, pipeline, workbench

ROWS = """\
    2024-03-10 09:00,,sms,person:dana,person:rob,text,Do not contact me in any way.,photo 1
    2024-03-11 10:00,,sms,person:rob,person:dana,text,<b>bold</b> $x$,photo 2
    """


def _prepared(tmp_path: Path, rows: str = ROWS) -> pipeline.Prepared:
    return pipeline.prepare(case_file.load(make_case(tmp_path, rows)))


def test_show_escapes_markup_and_keeps_mathjax_off() -> None:
    frame = pd.DataFrame({"body": ["<script>alert(1)</script>", "$x^2$"]})
    html = workbench.show(frame)._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "tex2jax_ignore" in html


def test_show_writes_direction_overrides_and_controls_visibly() -> None:
    frame = pd.DataFrame({"body": ["abc\u202edef", "bell\x07", "tab\tkept"]})
    shown = workbench.show(frame).frame["body"].tolist()
    assert shown == ["abc[U+202E]def", "bell[U+0007]", "tab\tkept"]


def test_show_says_how_many_rows_it_left_out_and_when_there_are_none() -> None:
    shown = workbench.show(pd.DataFrame({"n": range(5)}), rows=2)
    assert len(shown.frame) == 2 and "showing 2 of 5 rows" in shown._repr_html_()
    empty = workbench.show(pd.DataFrame({"n": []}), caption="<calls>")
    assert empty._repr_html_() == "<p>&lt;calls&gt;: none</p>" and repr(empty) == "<calls>: none"


def test_show_keeps_only_the_columns_asked_for_that_exist() -> None:
    frame = pd.DataFrame({"a": [1], "b": [2]})
    assert list(workbench.show(frame, ["b", "missing"]).frame.columns) == ["b"]


def test_picture_is_a_png_for_jupyter() -> None:
    from matplotlib.figure import Figure

    png = workbench.picture(Figure(figsize=(1, 1)))._repr_png_()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


def test_counts_text_names_the_request_and_counts(tmp_path: Path) -> None:
    text = workbench.counts_text(_prepared(tmp_path).analysis, "Europe/London")
    assert text.splitlines()[0] == "stop request: 2024-03-10 09:00:00 GMT (sms)"
    assert "respondent → victim after the request: 1" in text.splitlines()


def test_victim_after_says_none_found_or_counts(tmp_path: Path) -> None:
    assert workbench.victim_after_text(_prepared(tmp_path / "a").analysis) == workbench.NONE_FOUND
    reply = ROWS + "    2024-03-12 10:00,,sms,person:dana,person:rob,text,Please stop.,photo 3\n"
    got = workbench.victim_after_text(_prepared(tmp_path / "b", reply).analysis)
    assert got == "1 message(s) from the victim to a respondent after the request"


def test_no_request_is_said_plainly(tmp_path: Path) -> None:
    rows = "    2024-03-11 10:00,,sms,person:rob,person:dana,text,hello,photo 2\n"
    analysis = _prepared(tmp_path, rows).analysis
    table = workbench.notice_table(analysis)
    assert table.iloc[0].tolist() == ["stop request", "not found"]
    assert workbench.counts_text(analysis, "UTC").startswith("stop request: not found")


def test_involving_matches_whole_person_ids(tmp_path: Path) -> None:
    msgs = _prepared(tmp_path).analysis.messages
    assert len(workbench.involving(msgs, "rob")) == 2
    assert len(workbench.involving(msgs, "ro")) == 0


def test_check_evidence_intakes_then_verifies_then_reports_a_change(tmp_path: Path) -> None:
    case = case_file.load(make_case(tmp_path, ROWS))
    assert workbench.check_evidence(case).status == "intake"
    assert workbench.check_evidence(case).status == "unchanged"
    log = case.sources[0].path
    log.write_text(log.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    changed = workbench.check_evidence(case)
    assert changed.status == "changed"
    assert changed.findings[["status", "path"]].values.tolist() == [["changed", "exports/log.csv"]]
    assert [e["action"] for e in evidence.read_custody(case)] == ["intake", "verify"]


def test_the_notebooks_labels_in_german(tmp_path: Path) -> None:
    analysis = _prepared(tmp_path).analysis
    lines = workbench.counts_text(analysis, "Europe/London", "de").splitlines()
    assert lines[0] == "Aufforderung zur Kontaktunterlassung: 10.03.2024 09:00:00 GMT (sms)"
    assert "Antragsgegner → Opfer nach der Aufforderung: 1" in lines
    assert workbench.victim_after_text(analysis, "de") == \
        "in den aufgeführten Quellen nichts gefunden"
    assert workbench.counts(analysis.summary, "de")["what"].iloc[0] == \
        "Antragsgegner → Opfer nach der Aufforderung"
    shown = workbench.show(pd.DataFrame({"n": range(5)}), rows=2, language="de")
    assert "gezeigt werden 2 von 5 Zeilen" in shown._repr_html_()
    assert repr(workbench.show(pd.DataFrame({"n": []}), caption="Anrufe", language="de")) == \
        "Anrufe: keine"
