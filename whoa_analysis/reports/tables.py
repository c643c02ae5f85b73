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

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
#: Skipped before the first character is looked at: spreadsheets may trim leading spaces (and
#: drop NULs) on import, which turns " =1+1" into a formula.
LEADING_IGNORED = " \x00"
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?|-")
#: ``value.lstrip(LEADING_IGNORED).startswith(DANGEROUS_START)`` for RE2 (no copy of the text).
_RISKY_START_RE2 = r"\A[ \x00]*[=+\-@\t\r]"


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
            out[name] = _utc_text(col)
        elif isinstance(col.dtype, pd.StringDtype):
            filled = col.fillna("")
            risky = _risky_text(filled)
            # Only the hits get the prefix; the rest stay the same Arrow strings.
            out[name] = filled.where(~risky, "'" + filled) if risky.any() else filled
        elif isinstance(col.dtype, pd.CategoricalDtype):
            out[name] = _categories_neutralised(col)
        elif col.dtype == object:
            values = col.astype(object).where(col.notna(), "")
            out[name] = values.map(neutralise)
        else:
            # Numbers and booleans: neutralise never changes them (it only prefixes text).
            out[name] = col.astype(object).where(col.notna(), "")
    return out


def neutralised_count(df: pd.DataFrame) -> int:
    """How many cells :func:`for_viewing` prefixes (times, numbers and booleans never)."""
    total = 0
    for _, col in df.items():
        if isinstance(col.dtype, pd.StringDtype):
            total += int(_risky_text(col.fillna("")).sum())
        elif isinstance(col.dtype, pd.CategoricalDtype):
            prefixed = [_prefixed(c) for c in col.cat.categories]
            codes = col.cat.codes.to_numpy()
            total += int(np.append(np.array(prefixed, dtype=bool), False)[codes].sum())
        elif col.dtype == object:
            total += sum(_prefixed(v) for v in col.dropna())
    return total


def _prefixed(value: object) -> bool:
    return isinstance(value, str) and neutralise(value) is not value


def _risky_text(filled: pd.Series) -> np.ndarray:
    """Mask of the text cells :func:`neutralise` prefixes, without a Python call per cell.

    The first-character test runs over the Arrow strings; the plain-number exception is
    decided by the same Python regex as :func:`neutralise`, once per distinct candidate
    (Arrow's RE2 reads ``\\d`` as ASCII only, Python as any Unicode digit).
    """
    values = pa.array(filled.array, type=pa.large_string())
    chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
    mask = np.concatenate([_risky_start(c) for c in chunks] or [np.zeros(0, bool)])
    if not mask.any():
        return mask
    codes, distinct = pd.factorize(filled[mask])
    plain = np.fromiter((bool(_PLAIN_NUMBER.fullmatch(v)) for v in distinct), dtype=bool,
                        count=len(distinct))
    mask[mask] = ~plain[codes]
    return mask


#: The bytes a risky cell can start with: DANGEROUS_START, and LEADING_IGNORED before it.
_RISKY_FIRST = np.frombuffer("".join(DANGEROUS_START + tuple(LEADING_IGNORED)).encode(),
                            np.uint8)


def _risky_start(values: pa.LargeStringArray) -> np.ndarray:
    """``_RISKY_START_RE2`` per cell: the first byte of every cell read straight from the
    Arrow buffers, the pattern matched only on the few cells that start with one of them."""
    n = len(values)
    offsets = np.frombuffer(values.buffers()[1], np.int64, n + 1, 8 * values.offset)
    data = values.buffers()[2]
    starts, ends = offsets[:-1], offsets[1:]
    first = np.zeros(n, np.uint8)
    filled = ends > starts
    if data is not None and filled.any():
        first[filled] = np.frombuffer(data, np.uint8)[starts[filled]]
    maybe = np.flatnonzero(filled & np.isin(first, _RISKY_FIRST))
    mask = np.zeros(n, bool)
    if maybe.size:
        hits = pc.match_substring_regex(values.take(pa.array(maybe)), _RISKY_START_RE2)
        mask[maybe] = hits.to_numpy(zero_copy_only=False)
    return mask


def _categories_neutralised(col: pd.Series) -> pd.Series:
    """Each category neutralised once (a handful per million rows), then laid out by code."""
    shown = [neutralise(c) for c in col.cat.categories]
    lookup = np.empty(len(shown) + 1, dtype=object)
    lookup[:len(shown)] = shown
    lookup[-1] = ""                                      # code -1: a missing value
    return pd.Series(lookup[col.cat.codes.to_numpy()], index=col.index, dtype=object)


_ISO_UTC = "%Y-%m-%dT%H:%M:%S.%fZ"


def _utc_text(col: pd.Series) -> pd.Series:
    """``_ISO_UTC`` text of each time ("" where missing), formatted by numpy in one pass."""
    utc = col.dt.tz_convert("UTC")
    naive = utc.dt.tz_localize(None).to_numpy()
    known = ~np.isnat(naive)
    years = naive[known].astype("datetime64[Y]").astype(np.int64) + 1970
    if len(years) and (years.min() < 1000 or years.max() > 9999):
        # strftime and numpy write years outside 1000-9999 differently: keep strftime's.
        return utc.dt.strftime(_ISO_UTC).fillna("")
    text = np.datetime_as_string(naive.astype("datetime64[us]"), unit="us").astype(object)
    text[known] = text[known] + "Z"
    text[~known] = ""
    return pd.Series(text, index=col.index, dtype=object)


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """UTF-8 CSV, ``\\n`` between rows, neutralised, every field quoted.

    Quoting every field matters: the csv module would leave a field holding a bare CR unquoted,
    and a spreadsheet would start a new row there, with the text after the CR as a formula.
    """
    view = for_viewing(df)
    table = _as_text_table(view)
    if table is None:
        view.to_csv(path, index=False, encoding="utf-8", lineterminator="\n",
                    quoting=csv.QUOTE_ALL)
        return
    # Arrow's writer gives the same bytes as pandas with QUOTE_ALL (every field quoted, quotes
    # doubled, line ends kept inside the quotes), ~15x faster on a million rows.
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="all_valid"))


#: Types whose text in a CSV is ``str(value)``, as pandas writes them (np.float64 is a float;
#: np.float32 is not, and pandas writes it differently).
_STR_AS_IS = (str, bool, int, float, np.bool_, np.integer)


def _as_text_table(view: pd.DataFrame) -> pa.Table | None:
    """The view as an Arrow table of text, or None where a value's CSV text may not be
    ``str(value)`` (times, lists, other objects): pandas then writes the file as before."""
    if view.shape[1] == 0 or not all(isinstance(n, str) for n in view.columns) \
            or view.columns.has_duplicates:
        return None
    arrays = []
    for _, col in view.items():
        if isinstance(col.dtype, pd.StringDtype) and not col.hasnans:
            arrays.append(pa.array(col.array, type=pa.large_string()))
            continue
        values = col.to_numpy(dtype=object)
        if not all(isinstance(v, _STR_AS_IS) for v in values):
            return None
        arrays.append(pa.array([v if isinstance(v, str) else str(v) for v in values],
                               type=pa.large_string()))
    return pa.table(arrays, names=list(view.columns))


#: Rows a spreadsheet sheet can hold (Excel, LibreOffice).
XLSX_ROWS = 1_048_576


def write_xlsx(sheets: dict[str, pd.DataFrame], path: Path) -> None:
    """One sheet per table; every cell written as neutralised text, never a formula."""
    import openpyxl  # optional dependency (extra 'xlsx')

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, df in sheets.items():
        sheet = book.create_sheet(title=name[:31])
        # A sheet holds XLSX_ROWS rows: the header, the rows that fit, and a last row saying
        # how many did not (a longer sheet is a file spreadsheets refuse to open).
        shown = df if len(df) <= XLSX_ROWS - 1 else df.iloc[:XLSX_ROWS - 2]
        view = for_viewing(shown)
        sheet.append(list(view.columns))
        for row in view.itertuples(index=False):
            sheet.append([_xlsx_text(v) for v in row])
        if len(shown) < len(df):
            sheet.append([f"{len(df) - len(shown):,} more rows do not fit in a spreadsheet "
                          f"(at most {XLSX_ROWS:,} rows): every row is in the pack's CSV and "
                          "Parquet files"])
    book.save(path)


def _xlsx_text(value: object) -> object:
    if isinstance(value, str):
        # XML 1.0 cannot hold most control characters: show them, never drop them silently.
        return "".join(c if c in "\t\n\r" or ord(c) >= 32 else f"\\x{ord(c):02x}" for c in value)
    return value


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    """The exact frame: text as exported, times as UTC instants."""
    df.to_parquet(path, index=False, engine="pyarrow")
