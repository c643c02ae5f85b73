"""Read every source of a case into one message frame, with the import report.

One row per source in the import report: the file, its hash, the reader used, rows, unparsed
rows, rows with warnings, and every assumption made (zone used, date order, encoding fallback).
A reader that needs something only the user can give (a zone, a date order) stops the run with
its question, naming the source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from . import readers, schema
from .case import Case, Source
from .errors import DateOrderRequired, InputError, TimezoneRequired

IMPORT_COLUMNS = ("source", "format", "sha256", "rows", "unparsed", "warnings", "first_at",
                  "last_at", "timezone", "date_order", "owner", "assumptions")


@dataclass(frozen=True)
class Ingested:
    messages: pd.DataFrame
    import_report: pd.DataFrame
    #: Sources left unread until the case file answers their question (zone, date order), when
    #: the caller allows it: each as the one-line error that names the key to set.
    waiting: tuple[str, ...] = ()


def owner_identifiers(case: Case, source: Source) -> tuple[str, ...]:
    """The owner's account identifiers as written (``Dana Example``, ``dana_e``, ...)."""
    if not source.owner:
        return ()
    person = case.person(source.owner)
    return tuple(a.partition(":")[2].strip() for a in person.accounts_as_written)


def resolve_format(source: Source) -> str:
    return readers.detect(source.path) if source.format == "auto" else readers.get(
        source.format).FORMAT


def check_formats(case: Case, *, present_only: bool = False) -> dict[str, str]:
    """Every source's reader, resolved before anything is written; errors name the source.

    ``present_only``: skip a source gone from disk (intake names it as missing)."""
    out = {}
    for i, source in enumerate(case.sources):
        if present_only and not source.path.exists():
            continue
        try:
            out[source.relpath] = resolve_format(source)
        except InputError as exc:
            raise _in_case(case, i, exc) from None
    return out


def _in_case(case: Case, index: int, exc: InputError) -> InputError:
    """A reader's error for a source of the case: names the source, and for a missing zone or
    date order the case-file key to set (not ``whoa read``'s options, which a report has not)."""
    if isinstance(exc, (TimezoneRequired, DateOrderRequired)):
        relpath = case.sources[index].relpath
        return type(exc)(exc.in_case(case.file.name, index, relpath), reason=exc.reason)
    return InputError(f"{case.file.name}: sources[{index}] ({case.sources[index].relpath}): "
                      f"{exc}")


def read_source(case: Case, index: int) -> pd.DataFrame:
    """Read one source of the case; errors name the source and the fix."""
    source = case.sources[index]
    try:
        df = readers.read(source.path, resolve_format(source), tz=source.timezone,
                          owner=owner_identifiers(case, source),
                          date_order=source.date_order, region=case.region)
    except InputError as exc:
        raise _in_case(case, index, exc) from None
    if case.exhibits and len(df) and (df["source_format"] == "exhibits").any():
        df = pin_exhibits(df, case)
    df["source_owner"] = _text_column(schema.repeated(source.owner or "", len(df)), df.index)
    # Outputs name sources relative to the case, so a pack reads the same on any machine.
    # Once per distinct path (one per file), not per row: resolving a path a million times
    # took seconds.
    codes, paths = pd.factorize(df["source_path"])
    relative = [_relative(case, p) for p in paths]
    df["source_path"] = _text_column(
        schema.repeated(relative[0], len(df)) if len(relative) == 1
        else pa.array(relative or [""], pa.large_string()).take(pa.array(codes)), df.index)
    return df


PINNED = "pinned by the case file (exhibits[{i}]): platform, sender, recipient and time as the " \
         "volunteer read them off the exhibit"


def pin_exhibits(df: pd.DataFrame, case: Case) -> pd.DataFrame:
    """Rows of exhibit files the case file pins get the pin's platform, parties and time, so
    they count as the messages they show; every other exhibit row is left as read."""
    files = [Path(s) / f if f else Path(s) for s, f in zip(df["source_path"],
                                                           df["file"].fillna(""))]
    where = {path.resolve(): n for n, path in enumerate(files)}
    df = df.copy()
    for i, pin in enumerate(case.exhibits):
        n = where.get(pin.path)
        if n is None:
            continue
        first, last, warning = _pin_instants(pin)
        idx = df.index[n]
        warnings = [w for w in (df.at[idx, "warnings"], PINNED.format(i=i), warning) if w]
        for column, value in (("platform", pin.platform), ("sender", pin.sender),
                              ("recipients", ";".join(pin.recipients)), ("sent_at", first),
                              ("sent_at_latest", last), ("sent_at_raw", pin.time),
                              ("conversation_kind", "direct"), ("body", pin.text),
                              ("time_source", f"case file exhibits[{i}]"),
                              ("time_basis", "offset" if pin.timezone is None
                               else "local_declared"),
                              ("warnings", "; ".join(warnings))):
            df.at[idx, column] = value
    return schema.conform(df)


def _pin_instants(pin) -> tuple[pd.Timestamp, pd.Timestamp, str]:
    stamp = pd.Timestamp(pin.time)
    if stamp.tzinfo is not None:
        utc = stamp.tz_convert("UTC")
        return utc, utc, ""
    from .readers._common import localize

    first, last, warn = localize(pd.Series([stamp]), pin.timezone)
    return first.iloc[0], last.iloc[0], warn.iloc[0]


def unmatched_pins(case: Case, messages: pd.DataFrame) -> list[str]:
    """The case file's exhibit pins that name a file no exhibits source holds."""
    pinned = set(messages.loc[messages["warnings"].str.contains("pinned by the case file",
                                                                 regex=False, na=False),
                              "time_source"].dropna()) if "time_source" in messages else set()
    return [p.relpath for i, p in enumerate(case.exhibits)
            if f"case file exhibits[{i}]" not in pinned]


def _text_column(values: pa.Array | pa.ChunkedArray, index: pd.Index) -> pd.Series:
    return pd.Series(pd.arrays.ArrowStringArray(values), index=index, copy=False)


def _relative(case: Case, path: str) -> str:
    try:
        return Path(path).resolve().relative_to(case.folder).as_posix()
    except ValueError:
        return Path(path).as_posix()


def _report_row(case: Case, source: Source, fmt: str, df: pd.DataFrame) -> dict:
    times = df["sent_at"].dropna()
    return {
        "source": source.relpath, "format": fmt,
        "sha256": ";".join(sorted(df["source_sha256"].unique())) if len(df) else "",
        "rows": len(df), "unparsed": int((df["kind"] == "unparsed").sum()),
        "warnings": int((df["warnings"] != "").sum()),
        "first_at": times.min() if len(times) else pd.NaT,
        "last_at": times.max() if len(times) else pd.NaT,
        "timezone": source.timezone or "", "date_order": source.date_order or "",
        "owner": source.owner or "",
        "assumptions": "; ".join(df.attrs.get("assumptions", [])),
    }


def ingest(case: Case, *, workers: int = 1,
           progress: Callable[[Iterable], Iterable] = lambda it: it,
           questions_wait: bool = False) -> Ingested:
    """Read all sources (in ``workers`` processes when > 1: same result as one process).

    ``questions_wait``: a source whose zone or date order the case file has not given yet is
    left unread and named in ``waiting`` (for listing accounts while a draft has questions);
    otherwise it stops the read."""
    formats = check_formats(case)
    indices = range(len(case.sources))
    # A reader that uses every core itself gains nothing from a pool beside it, and the pool
    # would copy its whole frame back: then the sources are read one after the other.
    own_cores = any(getattr(readers.get(f), "PROCESSES", False) for f in formats.values())
    waiting: list[str] = []
    if workers > 1 and len(case.sources) > 1 and not own_cores and not questions_wait:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(_read_for_pool, (case.file, i)) for i in indices]
            frames = [f.result() for f in progress(futures)]     # a list: the bar has a total
    elif questions_wait:
        frames = [_read_or_wait(case, i, waiting) for i in progress(indices)]
    else:
        frames = [read_source(case, i) for i in progress(indices)]
    rows = [_report_row(case, s, formats[s.relpath], df) for s, df in zip(case.sources, frames)]
    report = pd.DataFrame(rows, columns=list(IMPORT_COLUMNS))
    messages = schema.concat(frames)
    missing = unmatched_pins(case, messages)
    if missing:
        raise InputError(f"{case.file.name}: exhibits: {missing[0]!r} is in no [[sources]] entry "
                         "read as exhibits; add its file or folder as a source (format = "
                         "\"exhibits\") or fix the path")
    return Ingested(messages, report, tuple(waiting))


def _read_or_wait(case: Case, index: int, waiting: list[str]) -> pd.DataFrame:
    try:
        return read_source(case, index)
    except (TimezoneRequired, DateOrderRequired) as exc:
        waiting.append(str(exc))
        return schema.empty()


def _read_for_pool(args: tuple) -> pd.DataFrame:
    from .case import load  # a worker re-reads the case: nothing unpicklable crosses over

    file, index = args
    return read_source(load(file), index)
