"""Viewing exports (CSV, XLSX) neutralise every cell a spreadsheet would run as a formula, leave
plain numbers alone, and come out the same on every run; Parquet keeps the exact text."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from whoa_analysis.reports import tables

from .conftest import run_pack

PAYLOADS = {
    "=": "=HYPERLINK(\"http://evil.example/\",\"click\")",
    "+": "+cmd|'/C calc'!A0",
    "-": "-2+3+cmd|'/C calc'!A0",
    "@": "@SUM(1+1)*cmd|'/C calc'!A0",
    "tab": "\t=1+1",
    "cr": "\r=1+1",
}
LEFT_ALONE = ["-5", "-", "+447700900123", "3.14", "-0,5", "plain text", "a=b", ""]


def frame() -> pd.DataFrame:
    values = list(PAYLOADS.values()) + LEFT_ALONE
    return pd.DataFrame({"body": pd.array(values, dtype="string"),
                         "n": range(len(values))})


@pytest.mark.parametrize("first", list(PAYLOADS))
def test_csv_neutralises_every_dangerous_first_character(tmp_path, first):
    path = tmp_path / "t.csv"
    tables.write_csv(pd.DataFrame({"body": [PAYLOADS[first]]}), path)
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows == [["body"], ["'" + PAYLOADS[first]]]      # one row, one neutralised cell


@pytest.mark.parametrize("value", LEFT_ALONE)
def test_csv_leaves_numbers_and_plain_text_alone(tmp_path, value):
    path = tmp_path / "t.csv"
    tables.write_csv(pd.DataFrame({"body": [value], "x": [1]}), path)
    with open(path, newline="", encoding="utf-8") as fh:
        assert list(csv.reader(fh))[1][0] == value


def test_xlsx_cells_are_text_never_formulas(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    path = tmp_path / "t.xlsx"
    tables.write_xlsx({"sheet": frame()}, path)
    sheet = openpyxl.load_workbook(path)["sheet"]
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    for cell, (first, payload) in zip(cells, PAYLOADS.items()):
        assert cell.data_type == "s", first                  # a string, not a formula ("f")
        assert cell.value.startswith("'"), first
        # XML turns a stored CR into LF when read back: the cell still starts with "'"
        assert cell.value[1:] == payload.replace("\r", "\n")
    left = [c.value for c in cells[len(PAYLOADS):]]
    assert left == [v or None for v in LEFT_ALONE]


def test_parquet_keeps_the_exact_text(tmp_path):
    path = tmp_path / "t.parquet"
    tables.write_parquet(frame(), path)
    assert pd.read_parquet(path)["body"].tolist() == frame()["body"].tolist()


def test_the_pack_neutralises_and_says_so(pack: Path):
    with open(pack / "contacts_after_notice.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    hyperlink = [r["excerpt"] for r in rows if "HYPERLINK" in r["excerpt"]]
    assert hyperlink and hyperlink[0].startswith("'=HYPERLINK(")
    body = pd.read_parquet(pack / "messages.parquet")["body"]
    assert body.str.startswith("=HYPERLINK(").sum() == 1       # exact text kept
    page = (pack / "report.html").read_text(encoding="utf-8")
    # the =HYPERLINK row (messages.csv, contacts) and "-2+3 new number" (messages.csv)
    assert "3 cell(s) were neutralised" in page


def test_two_runs_give_identical_tables(case_file: Path, tmp_path: Path):
    run_pack(case_file, tmp_path / "a")
    run_pack(case_file, tmp_path / "b")
    for name in ("messages.csv", "contacts_after_notice.csv", "import_report.csv",
                 "summary.json", "messages.parquet"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
