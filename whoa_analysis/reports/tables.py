"""Tables for people to open: CSV (and XLSX) made safe for spreadsheets; Parquet kept exact.

A spreadsheet runs a cell that starts with ``= + - @``, a tab or a carriage return as a formula
(CSV injection), also after leading spaces or NULs. In viewing exports such a cell gets a
leading apostrophe, which spreadsheets show as text; plain numbers such as ``-5`` or
``+447700900123`` and a lone ``-`` are left alone. The Parquet file keeps every text exactly as
exported.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
#: Skipped before the first character is looked at: spreadsheets may trim leading spaces (and
#: drop NULs) on import, which turns " =1+1" into a formula.
LEADING_IGNORED = " \x00"
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?|-")


def neutralise(value: object) -> object:
    """The cell as a spreadsheet should show it: formula-like text prefixed with ``'``."""
    if not isinstance(value, str) or not value:
        return value
    if value.lstrip(LEADING_IGNORED).startswith(DANGEROUS_START) \
            and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def for_viewing(df: pd.DataFrame) -> pd.DataFrame:
    """Times as ISO 8601 UTC text, categories and text neutralised: what CSV/XLSX show."""
    out = pd.DataFrame(index=df.index)
    for name, col in df.items():
        if isinstance(col.dtype, pd.DatetimeTZDtype):
            out[name] = col.dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ") \
                .fillna("")
        else:
            values = col.astype(object).where(col.notna(), "")
            out[name] = values.map(neutralise)
    return out


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """UTF-8 CSV, ``\\n`` between rows, neutralised, every field quoted.

    Quoting every field matters: the csv module would leave a field holding a bare CR unquoted,
    and a spreadsheet would start a new row there, with the text after the CR as a formula.
    """
    for_viewing(df).to_csv(path, index=False, encoding="utf-8", lineterminator="\n",
                           quoting=csv.QUOTE_ALL)


def write_xlsx(sheets: dict[str, pd.DataFrame], path: Path) -> None:
    """One sheet per table; every cell written as neutralised text, never a formula."""
    import openpyxl  # optional dependency (extra 'xlsx')

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, df in sheets.items():
        sheet = book.create_sheet(title=name[:31])
        view = for_viewing(df)
        sheet.append(list(view.columns))
        for row in view.itertuples(index=False):
            sheet.append([_xlsx_text(v) for v in row])
    book.save(path)


def _xlsx_text(value: object) -> object:
    if isinstance(value, str):
        # XML 1.0 cannot hold most control characters: show them, never drop them silently.
        return "".join(c if c in "\t\n\r" or ord(c) >= 32 else f"\\x{ord(c):02x}" for c in value)
    return value


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    """The exact frame: text as exported, times as UTC instants."""
    df.to_parquet(path, index=False, engine="pyarrow")
