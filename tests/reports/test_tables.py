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


# The viewing exports are made column by column (Arrow string kernels, one Python check per
# distinct formula-like value, numpy for times) and the CSV written by Arrow; these pin them to
# the cell-by-cell definition (`neutralise`, `strftime`) and to the bytes pandas writes.

HOSTILE = [*PAYLOADS.values(), *LEFT_ALONE, " =1", "\x00=1", " \x00 -x", "-٣", "+３", "- 5", "--",
           "=", "a\"b", "\"", "x\r\ny", "\n", "a,b", "\x00", "é😀\u202eevil", "'=x", "\\", None]


def odd_frame() -> pd.DataFrame:
    n = len(HOSTILE)
    times = pd.Series(pd.to_datetime(["1969-12-31T23:59:59.999999999Z", "2024-03-10T09:00:00Z",
                                      None] * n, format="ISO8601")[:n]).dt.tz_convert("Europe/London")
    return pd.DataFrame({
        "string": pd.array(HOSTILE, dtype="string"), "str": pd.array(HOSTILE, dtype="str"),
        "object": pd.Series(HOSTILE, dtype=object).where(pd.Series(range(n)) % 5 > 0, 7),
        "category": pd.Categorical(HOSTILE),
        "flag": pd.array([True, False, None] * (n // 3) + [True] * (n % 3), dtype="boolean"),
        "count": range(n), "seconds": [0.1 * i if i % 4 else None for i in range(n)],
        "sent_at": times,
    })


def cell_by_cell(df: pd.DataFrame) -> pd.DataFrame:
    """for_viewing as it is defined: every cell through `neutralise`, times by strftime."""
    out = pd.DataFrame(index=df.index)
    for name, col in df.items():
        if isinstance(col.dtype, pd.DatetimeTZDtype):
            out[name] = col.dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ").fillna("")
        else:
            out[name] = col.astype(object).where(col.notna(), "").map(tables.neutralise)
    return out


def test_viewing_export_is_the_cell_by_cell_definition():
    df = odd_frame()
    view, expected = tables.for_viewing(df), cell_by_cell(df)
    for name in df.columns:
        assert view[name].tolist() == expected[name].tolist(), name
    assert "-٣" in view["string"].tolist()      # a plain number to Python's \d, as in neutralise
    prefixed = sum(int((expected[n] != df[n].astype(object).where(df[n].notna(), "")).sum())
                   for n in ("string", "str", "object", "category"))
    assert prefixed > 0 and tables.neutralised_count(df) == prefixed


def test_the_column_check_finds_exactly_the_cells_neutralise_prefixes():
    import random

    import numpy as np
    import pyarrow as pa

    rng = random.Random(3)
    alphabet = list(" \x00=+-@\t\r1.,a\n'\u00a0\u0661é")
    values = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 5)))
              for _ in range(20_000)]
    expected = np.array([tables.neutralise(v) is not v for v in values])
    whole = pd.Series(pd.arrays.ArrowStringArray(pa.array(values, pa.large_string())))
    assert (tables._risky_text(whole) == expected).all() and expected.sum() > 1000
    sliced = pd.Series(pd.arrays.ArrowStringArray(pa.array(values, pa.large_string())
                                                  .slice(10, 5000)))
    assert (tables._risky_text(sliced) == expected[10:5010]).all()
    chunked = pd.concat([whole[:777], whole[777:]], ignore_index=True)
    assert (tables._risky_text(chunked) == expected).all()


def test_times_outside_years_1000_to_9999_are_written_as_strftime_writes_them():
    df = pd.DataFrame({"t": pd.Series(pd.to_datetime(["0005-01-01T00:00:00Z", None,
                                                      "2020-01-01T00:00:00Z"], format="ISO8601",
                                                     utc=True)).astype("datetime64[us, UTC]")})
    assert tables.for_viewing(df)["t"].tolist() == cell_by_cell(df)["t"].tolist()


@pytest.mark.parametrize("columns", [["string", "str", "category"], ["object", "flag", "count"],
                                     ["seconds"], ["sent_at", "string"], []])
def test_the_arrow_csv_writer_writes_what_pandas_writes(tmp_path, columns):
    df = odd_frame()[columns]
    tables.write_csv(df, tmp_path / "fast.csv")
    tables.for_viewing(df).to_csv(tmp_path / "pandas.csv", index=False, encoding="utf-8",
                                  lineterminator="\n", quoting=csv.QUOTE_ALL)
    assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()


def test_a_value_csv_would_write_differently_falls_back_to_pandas(tmp_path):
    df = pd.DataFrame({"when": [pd.Timestamp("2024-01-01")], "list": [["=1"]],
                       "both": pd.Series([True], dtype=object)})
    assert tables._as_text_table(tables.for_viewing(df)) is None
    tables.write_csv(df, tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text(encoding="utf-8") == \
        '"when","list","both"\n"2024-01-01 00:00:00","[\'=1\']","True"\n'


def test_a_sheet_longer_than_a_spreadsheet_holds_says_how_many_rows_are_elsewhere(tmp_path,
                                                                                  monkeypatch):
    import openpyxl

    monkeypatch.setattr(tables, "XLSX_ROWS", 4)
    df = pd.DataFrame({"body": ["a", "b", "c", "d", "e"]})
    path = tmp_path / "t.xlsx"
    tables.write_xlsx({"messages": df, "short": df.iloc[:3]}, path)
    book = openpyxl.load_workbook(path)
    rows = [[c.value for c in r] for r in book["messages"].iter_rows()]
    assert rows[:3] == [["body"], ["a"], ["b"]] and len(rows) == 4
    assert rows[3][0].startswith("3 more rows do not fit") and "CSV and Parquet" in rows[3][0]
    assert [[c.value for c in r] for r in book["short"].iter_rows()] == [["body"], ["a"], ["b"],
                                                                         ["c"]]
