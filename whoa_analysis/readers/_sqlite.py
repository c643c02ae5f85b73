"""What the phone-database readers share: SQLite opened so the original is never written, tables
scanned row by row with damage kept as gaps, each row's raw values serialised for its hash.

A phone database is evidence as it is: it is opened through a ``file:...?mode=ro&immutable=1``
URI, so SQLite neither writes to it nor creates ``-wal``/``-shm``/``-journal`` files beside it.
A ``-wal`` beside it (a live Messages or WhatsApp database keeps its newest writes there) is
applied to a scratch copy of both files, never to them, and the two readings are merged
(:func:`read_rows`): a row only the log has, one it changes and one it removes are each kept
and marked, so neither the file's state nor the log's is lost. The schema is never trusted:
no view, trigger or function of the file's runs (``trusted_schema=OFF``); each table is read
by ``rowid`` with a plain scan and the joins are made in Python, so a hostile file cannot make
a join explode. Work is bounded by the
file's size (a b-tree that loops, a page that lies about its cells): past the budget the read
stops with an :class:`InputError`.
"""

from __future__ import annotations

import contextlib
import functools
import shutil
import sqlite3
import struct
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import accounts
from ..errors import InputError
from ..evidence import sha256_bytes, sha256_path
from ._common import Head, Source, unparsed

MAGIC = b"SQLite format 3\x00"
#: Longest text or blob read from one cell; longer ones make the row unparsed, not memory.
MAX_VALUE = 64 << 20
#: Virtual-machine steps allowed per byte of the file (a full scan needs a few per byte) and at
#: least, for tiny files.
STEPS_PER_BYTE, MIN_STEPS, STEP_CHECK = 400, 50_000_000, 10_000
#: Seeks tried past a damaged stretch of a table before the rest is given up as unreadable.
MAX_PROBES = 200
#: What SQLite raises on a damaged file; a UnicodeDecodeError comes from an error message that
#: quotes the file's own bytes (a damaged schema's text), which Python decodes as UTF-8.
_ERRORS = (sqlite3.DatabaseError, sqlite3.Warning, OverflowError, MemoryError, UnicodeError)


class Text(bytes):
    """A TEXT value's bytes as stored (kept apart from BLOBs for the record hash)."""


def is_sqlite(head: Head) -> bool:
    return not head.is_dir and head.data.startswith(MAGIC)


def schema_text(head: Head) -> bytes:
    """The head's bytes, where SQLite keeps the ``CREATE TABLE`` text of small schemas."""
    return head.data if is_sqlite(head) else b""


@dataclass(frozen=True)
class Row:
    """One table row: its rowid and its columns as stored (TEXT as :class:`Text` bytes)."""

    table: str
    rowid: int
    values: dict[str, object]

    def text(self, name: str) -> str | None:
        """A column as text (invalid UTF-8 shown with U+FFFD; see :meth:`bad_text`)."""
        value = self.values.get(name)
        if value is None:
            return None
        if isinstance(value, bytes):
            return value.decode("utf-8", errors="replace")
        return str(value)

    def int(self, name: str) -> int | None:
        value = self.values.get(name)
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 63:
            return int(value)
        if isinstance(value, Text):
            with contextlib.suppress(ValueError):
                return int(value.decode("ascii"))
        return None

    def blob(self, name: str) -> bytes | None:
        value = self.values.get(name)
        return bytes(value) if isinstance(value, bytes) else None

    def bad_text(self) -> list[str]:
        """The columns whose TEXT is not valid UTF-8 (their text is shown with U+FFFD)."""
        bad = []
        for name, value in self.values.items():
            if isinstance(value, Text):
                try:
                    value.decode("utf-8")
                except UnicodeDecodeError:
                    bad.append(name)
        return bad

    def raw(self) -> bytes:
        return record_bytes(self.table, self.rowid, self.values)


@dataclass(frozen=True)
class Gap:
    """Rows of a table that could not be read: rowids after ``after`` up to ``before``."""

    table: str
    after: int | None
    before: int | None
    error: str

    @property
    def locator(self) -> str:
        low = "" if self.after is None else str(self.after + 1)
        high = "" if self.before is None else str(self.before - 1)
        return f"sqlite:{self.table}[{low}..{high}]"

    @property
    def warning(self) -> str:
        high = "the end of the table" if self.before is None else f"rowid {self.before}"
        low = "the start" if self.after is None else f"rowid {self.after}"
        return (f"damaged database: rows of table {self.table!r} between {low} and {high} "
                f"could not be read ({self.error}); whatever was there is missing")


def noted_rows(db: Database, name: str, src) -> list[Row]:
    """The readable rows of table ``name``; each damaged stretch is noted in the import
    report (a side table's gap loses details, not messages)."""
    rows, gaps = db.rows(name)
    for gap in gaps:
        src.assume(gap.warning)
    return rows


def gap_row(gap: Gap, platform: str, prefix: str = "") -> dict:
    """The ``unparsed`` row that stands for a damaged stretch of a table."""
    return unparsed(prefix + gap.locator, gap.warning.encode(), gap.warning, platform=platform)


def table_rows(db: Database, table: str, build: Callable[[Row], dict],
               platform: str) -> list[dict]:
    """Every row of ``table`` through ``build``: a damaged stretch is one gap row, and a row
    ``build`` cannot read is an ``unparsed`` row of its own; nothing is dropped."""
    out = []
    for item in db.scan(table):
        if isinstance(item, Gap):
            out.append(gap_row(item, platform))
            continue
        try:
            out.append(build(item))
        except (ValueError, TypeError, OverflowError) as exc:
            out.append(unparsed(f"sqlite:{table}[{item.rowid}]", item.raw(),
                                f"row cannot be read ({exc}): kept unparsed",
                                platform=platform))
    return out


def record_bytes(table: str, rowid: int, values: dict[str, object]) -> bytes:
    """A row's raw values, serialised deterministically for its hash.

    ``sqlite-row``, the table name and the rowid, then per column in the table's order its
    name, its storage class (``n`` null, ``i`` integer, ``r`` real, ``t`` text, ``b`` blob), the
    payload's length (8 bytes, big-endian) and the payload: text and blobs as stored, integers
    in decimal, reals as Python's shortest round-trip ``repr``.
    """
    out = [b"sqlite-row\x00", _field(b"t", table.encode("utf-8")), _field(b"i", b"%d" % rowid)]
    add, length = out.append, _LENGTH
    for name, value in values.items():
        add(_name_field(name))
        kind = type(value)
        if kind is Text or kind is bytes:
            add(b"t" if kind is Text else b"b")
        elif value is None:
            add(b"n")
            value = b""
        elif kind is int:
            add(b"i")
            value = b"%d" % value
        else:
            tag, value = _storage(value)
            add(tag)
        add(length(len(value)))
        add(value)
    return b"".join(out)


_LENGTH = struct.Struct(">Q").pack


@functools.lru_cache(maxsize=4096)
def _name_field(name: str) -> bytes:
    return _field(b"t", name.encode("utf-8", "surrogatepass"))


def _storage(value: object) -> tuple[bytes, bytes]:
    """Storage class and payload of a value the fast path above does not take."""
    if isinstance(value, Text):
        return b"t", bytes(value)
    if isinstance(value, bytes):
        return b"b", bytes(value)
    if isinstance(value, int):
        return b"i", b"%d" % value
    if isinstance(value, float):
        return b"r", repr(value).encode("ascii")
    return b"t", str(value).encode("utf-8")


def _field(tag: bytes, payload: bytes) -> bytes:
    return tag + _LENGTH(len(payload)) + payload


# --------------------------------------------------------------------------------- the database


class Database:
    """One SQLite file opened read-only and immutable; the tables it holds, scanned safely."""

    def __init__(self, path: Path, what: str, *, log: bool = False) -> None:
        self.path, self.what = path, what
        with open(path, "rb") as fh:
            magic = fh.read(len(MAGIC))
        if magic != MAGIC:
            raise InputError(f"{path.name}: expected {what} (an SQLite database); got a file "
                             "that does not start with 'SQLite format 3': is it encrypted or "
                             "another file?")
        # a scratch copy's log is work too: the budget grows with it
        wal = path.with_name(path.name + "-wal")
        self.size = path.stat().st_size + (wal.stat().st_size if log and wal.is_file() else 0)
        self.conn = _connect(path, log=log)
        self._steps = 0
        self._budget = max(MIN_STEPS, self.size * STEPS_PER_BYTE) // STEP_CHECK
        self.conn.set_progress_handler(self._tick, STEP_CHECK)
        self.tables = self._tables()

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _tick(self) -> int:
        self._steps += 1
        return 1 if self._steps > self._budget else 0

    def _run(self, sql: str, args: Sequence[object] = ()) -> list[tuple]:
        """A query's rows; damage beyond repair and an exhausted budget are InputErrors."""
        try:
            return self.conn.execute(sql, args).fetchall()
        except sqlite3.OperationalError:
            if self._steps > self._budget:
                raise InputError(f"{self.path.name}: reading needs far more work than a file of "
                                 f"{self.size} bytes can hold; the database is damaged (a "
                                 "b-tree that loops?) or made to stall a reader") from None
            raise

    def _tables(self) -> dict[str, list[str]]:
        """table name -> column names, for the ordinary (rowid) tables of the schema."""
        try:
            names = [_name(n) for (n,) in self._run(
                "SELECT name FROM sqlite_master WHERE type = 'table'")]
            tables = {}
            for name in names:
                cols = [_name(r[1]) for r in self._run(f"PRAGMA table_info({_quote(name)})")]
                tables[name] = cols
            return tables
        except _ERRORS as exc:
            raise InputError(f"{self.path.name}: expected {self.what}; its schema cannot be "
                             f"read ({exc}): the file is damaged or not a database") from None

    def has(self, table: str, *columns: str) -> bool:
        cols = self.tables.get(table)
        return cols is not None and all(c in cols for c in columns)

    def require(self, table: str, *columns: str) -> None:
        if not self.has(table, *columns):
            got = ", ".join(sorted(self.tables)[:12]) or "no tables"
            raise InputError(f"{self.path.name}: expected {self.what} with a table {table!r} "
                             f"({', '.join(columns)}); got {got}: is this the right file?")

    def scan(self, table: str) -> Iterator[Row | Gap]:
        """Every row of ``table`` in rowid order; an unreadable stretch as one :class:`Gap`.

        Each batch seeks ``rowid > last`` again, so a b-tree whose pages repeat gives each row
        once, and one that loops back ends in a gap. When a batch fails, rows are read one at a
        time up to the damage, then seeks further on find where reading can go on.
        """
        cols = self.tables[table]
        # the table name is one the schema lists, quoted as an identifier; values are bound
        base = f"SELECT rowid, * FROM {_quote(table)} WHERE rowid > ? ORDER BY rowid LIMIT "  # noqa: S608
        last: int | None = None
        while True:
            try:
                batch = self._run(base + str(BATCH), (_low(last),))
            except _ERRORS:
                batch = []
                for record in self._one_by_one(base, last):
                    batch.append(record)
                    last = record[0]
                    yield Row(table, record[0], dict(zip(cols, record[1:], strict=False)))
                error = self._error
                resume = self._resume(base + "1", last)
                yield Gap(table, last, resume[0][0] if resume else None, error)
                if not resume:
                    return
                last = resume[0][0] - 1
                continue
            if not batch:
                return
            for record in batch:
                rowid = record[0]
                if last is not None and rowid <= last:
                    yield Gap(table, last, None, f"the b-tree gives rowid {rowid} after "
                              f"{last}: its pages loop back or are damaged")
                    return
                yield Row(table, rowid, dict(zip(cols, record[1:], strict=False)))
                last = rowid

    def _one_by_one(self, base: str, last: int | None) -> Iterator[tuple]:
        """Rows one at a time after ``last`` until one cannot be read (kept in ``_error``)."""
        self._error = "unreadable"
        for _ in range(BATCH + 1):
            try:
                found = self._run(base + "1", (_low(last),))
            except _ERRORS as exc:
                self._error = _reason(exc)
                return
            if not found or (last is not None and found[0][0] <= last):
                self._error = "the b-tree gives rows out of order: its pages are damaged"
                return
            last = found[0][0]
            yield found[0]

    def _resume(self, sql: str, last: int | None) -> list[tuple]:
        """The first readable row past a failure after ``last`` (searched by seeking)."""
        bad, step = (0 if last is None else last), 1
        for _ in range(MAX_PROBES):
            probe = bad + step
            if probe >= 2 ** 63 - 1:
                return []
            try:
                found = self._run(sql, (probe,))
            except _ERRORS:
                bad, step = probe, step * 2
                continue
            return self._narrow(sql, bad, probe, found) if found else []
        return []

    def _narrow(self, sql: str, bad: int, good: int, found: list[tuple]) -> list[tuple]:
        """Between a failing and a working threshold, the lowest that works (binary search),
        so rows just past the damage are not skipped."""
        for _ in range(64):
            if good - bad <= 1:
                break
            mid = (bad + good) // 2
            try:
                probe = self._run(sql, (mid,))
            except _ERRORS:
                bad = mid
                continue
            if not probe:
                break
            good, found = mid, probe
        return found

    def rows(self, table: str) -> tuple[list[Row], list[Gap]]:
        """All rows of a table (and the gaps), or none when the file lacks the table."""
        if table not in self.tables:
            return [], []
        rows, gaps = [], []
        for item in self.scan(table):
            (rows if isinstance(item, Row) else gaps).append(item)
        return rows, gaps


BATCH = 2000


def _low(last: int | None) -> int:
    return -(2 ** 63) if last is None else last


def _connect(path: Path, *, log: bool = False) -> sqlite3.Connection:
    """Read-only and immutable; ``log`` (only for a scratch copy) lets SQLite apply its -wal."""
    uri = path.resolve().as_uri() + ("?mode=ro" if log else "?mode=ro&immutable=1")
    try:
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
    except sqlite3.Error as exc:
        raise InputError(f"{path.name}: cannot open as SQLite ({exc})") from None
    conn.text_factory = Text
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE)
    for pragma in ("query_only = ON", "trusted_schema = OFF", "cell_size_check = ON",
                   "mmap_size = 0"):
        with contextlib.suppress(sqlite3.Error):
            conn.execute(f"PRAGMA {pragma}")
    return conn


def _name(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


@contextlib.contextmanager
def database(path: Path, what: str) -> Iterator[Database]:
    db = Database(path, what)
    try:
        yield db
    finally:
        db.close()


def read_rows(src: Source, path: Path, what: str,
              rows_of: Callable[[Database], list[dict]]) -> list[dict]:
    """The rows ``rows_of`` makes of the database at ``path``, with what a ``-wal`` beside it
    adds, changes or removes (applied to a scratch copy; the originals are never written)."""
    with database(path, what) as db:
        rows = rows_of(db)
    wal = path.with_name(path.name + "-wal")
    if wal.is_symlink():
        src.assume(f"{wal.name} beside the database is a symbolic link: not followed (it "
                   "could point outside the source), not applied")
        return rows
    if not wal.is_file() or not wal.stat().st_size:
        return rows
    with tempfile.TemporaryDirectory(prefix="whoa-wal-") as scratch:
        copy = Path(scratch) / path.name            # its errors name the file as it is named
        shutil.copyfile(path, copy)
        shutil.copyfile(wal, Path(scratch) / wal.name)
        try:
            with contextlib.closing(Database(copy, what, log=True)) as db:
                logged = rows_of(db)
        except (InputError, *_ERRORS) as exc:
            src.assume(f"{wal.name} lies beside the database but cannot be applied ({exc}): "
                       "the file is read as it is; messages written since its last checkpoint "
                       "may be only in that log")
            return rows
    merged, counts = merge_log(rows, logged, wal.name)
    src.assume(f"{wal.name} (sha256 {sha256_path(wal)}) applied to a copy of the database (the "
               "originals are never written): " + (
                   "it changes no row" if not any(counts) else
                   "rows it adds: {}, changes: {}, removes: {}; each is marked in its "
                   "warnings".format(*counts)))
    return merged


def merge_log(file_rows: list[dict], log_rows: list[dict], wal: str,
              ) -> tuple[list[dict], tuple[int, int, int]]:
    """The rows as the log leaves the database, and the file's own version of each row the log
    changed or removed (``@without-wal``), marked; (added, changed, removed)."""
    before = {r["locator"]: r for r in file_rows}
    out, added, changed = [], 0, 0
    for row in log_rows:
        old = before.pop(row["locator"], None)
        if old is None:
            added += 1
            out.append(_marked(row, f"only in {wal} (written after its last checkpoint)"))
        elif _digest(old) == _digest(row):
            out.append(row)
        else:
            changed += 1
            out.append(_marked(row, f"as {wal} leaves it; the database file's earlier version "
                                    "is the row @without-wal"))
            out.append(_marked({**old, "locator": old["locator"] + "@without-wal"},
                               f"as the database file holds it; {wal} changes it"))
    out += [_marked({**old, "locator": old["locator"] + "@without-wal"},
                    f"in the database file but gone once {wal} is applied (deleted after "
                    "the last checkpoint?)") for old in before.values()]
    return out, (added, changed, len(before))


def _digest(row: dict) -> str:
    return row.get("record_sha256") or sha256_bytes(row["raw"])


def _marked(row: dict, warning: str) -> dict:
    return {**row, "warnings": join([str(row.get("warnings") or ""), warning])}


# --------------------------------------------------------------------------------- times, people


def epoch(value: int | None, unit: str) -> tuple[pd.Timestamp | None, str]:
    """A Unix epoch value (``s``, ``ms``, ``ns``) as a UTC instant; 0/None/out of range -> none."""
    if value is None or value == 0:
        return None, ""
    try:
        return pd.Timestamp(value, unit=unit, tz="UTC"), ""
    except (OverflowError, ValueError, pd.errors.OutOfBoundsDatetime):
        return None, f"time value {value} is out of range: no time kept"


def utc(values: pd.Series) -> pd.Series:
    """Instants (or None) as the frame's UTC microsecond dtype (extra time columns)."""
    return pd.to_datetime(values, utc=True).astype("datetime64[us, UTC]")


def frame(src: Source, rows: list[dict], *times: str) -> pd.DataFrame:
    """The source's frame from its rows; ``times`` are extra time columns (instants or None),
    NaT where no row has one."""
    if not rows:
        return src.frame([])
    df = pd.DataFrame(rows)
    for column in times:
        df[column] = utc(df[column]) if column in df else pd.NaT
    return src.frame(df)


@functools.lru_cache(maxsize=65536)
def handle_key(handle: str, region: str | None) -> str:
    """``email:`` for an address, ``phone:`` for anything else (numbers, short codes)."""
    handle = handle.strip()
    if not handle:
        return ""
    return accounts.key_for("email" if "@" in handle else "phone", handle, region)


def join(values: Sequence[str], sep: str = "; ") -> str:
    return sep.join(dict.fromkeys(v for v in values if v))
