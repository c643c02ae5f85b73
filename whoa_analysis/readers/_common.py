"""What every reader shares: the file head for ``sniff``, provenance, local-time handling.

Readers import this module and ``schema``; they never import each other.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import zipfile
import zlib
import zoneinfo
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd
import pyarrow as pa

from .. import accounts, schema
from ..errors import DateOrderRequired, InputError, TimezoneRequired
from ..evidence import sha256_bytes, sha256_path

HEAD_BYTES = 64 * 1024
MAX_MEMBERS_LISTED = 2000


@dataclass(frozen=True)
class Head:
    """What ``sniff`` sees: the name, the first 64 KiB, and member names of a zip or folder."""

    path: Path
    name: str                        # file or folder name, lower-cased
    data: bytes = b""                # first bytes of a file ('' for a folder)
    members: tuple[str, ...] = ()    # zip members or folder files, '/'-separated, relative
    is_dir: bool = False
    is_zip: bool = False

    @property
    def text(self) -> str:
        return self.data.decode("utf-8-sig", errors="replace")


def open_head(path: Path) -> Head:
    name = path.name.lower()
    if path.is_dir():
        files = sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())
        return Head(path, name, b"", tuple(files[:MAX_MEMBERS_LISTED]), is_dir=True)
    with open(path, "rb") as fh:
        data = fh.read(HEAD_BYTES)
    if data[:4] == b"PK\x03\x04" and zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as zf:
                members = tuple(zf.namelist()[:MAX_MEMBERS_LISTED])
        except (zipfile.BadZipFile, OSError, ValueError):
            members = ()
        return Head(path, name, data, members, is_zip=True)
    return Head(path, name, data)


@dataclass
class Source:
    """Provenance of one file (or folder) being read; hashes it whole before any parsing."""

    path: Path
    format: str
    sha256: str = ""
    assumptions: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.sha256:
            self.sha256 = sha256_path(self.path)

    def assume(self, text: str) -> None:
        """Record an assumption for the import report (once)."""
        if text not in self.assumptions:
            self.assumptions.append(text)

    def frame(self, rows: Sequence[Mapping[str, object]] | Mapping[str, Sequence[object]],
              ) -> pd.DataFrame:
        """Rows (dicts, or a dict of columns) with provenance added, conformed.

        Each row needs ``locator``; ``record_sha256`` is taken from the row or computed from its
        ``raw`` bytes (a ``raw`` column is dropped after hashing).
        """
        df = _frame_of(rows)
        if df.empty:
            out = schema.empty()
        else:
            if "raw" in df:
                raw = df.pop("raw")
                # rows that carry their hash keep it (a message hashed as it was cut out);
                # the others, an unparsed row among them, are hashed from their raw bytes
                todo = df["record_sha256"].isna() if "record_sha256" in df else raw.notna()
                if todo.all():
                    df["record_sha256"] = [sha256_bytes(r) for r in raw]
                elif todo.any():
                    df.loc[todo, "record_sha256"] = [sha256_bytes(r) for r in raw[todo]]
            n = len(df)
            df["source_path"] = _repeat(str(self.path), n)
            df["source_sha256"] = _repeat(self.sha256, n)
            df["source_format"] = _repeat(self.format, n)
            df["message_id"] = _prefixed(id_prefix(self.sha256), df["locator"])
            out = schema.conform(df)
        out.attrs["assumptions"] = list(self.assumptions)
        return out


def id_prefix(source_sha256: str) -> str:
    """What the message ids of a source's rows start with (DESIGN: ``<sha256[:12]>:<locator>``)."""
    return source_sha256[:12] + ":"


def _repeat(value: str, n: int) -> pd.Series:
    """One text value on every row (see ``schema.repeated``)."""
    return pd.Series(pd.arrays.ArrowStringArray(schema.repeated(value, n)), copy=False)


def _prefixed(prefix: str, locators: pd.Series) -> pd.Series:
    """``prefix + locator`` per row (the message id), in Arrow when the locators are text."""
    if locators.dtype == schema.STRING and not locators.hasnans:
        joined = schema.joined(prefix, pa.array(locators.array))
        return pd.Series(pd.arrays.ArrowStringArray(joined), index=locators.index, copy=False)
    return prefix + locators.astype(str)


def _frame_of(rows: object) -> pd.DataFrame:
    """A frame of the rows; text pandas cannot store as UTF-8 (lone surrogates from JSON)
    stays as Python objects here, and ``schema.conform`` shows it escaped with a warning."""
    try:
        return pd.DataFrame(rows)
    except UnicodeEncodeError:
        return pd.DataFrame(rows, dtype=object)


def unparsed(locator: str, raw: bytes, warning: str, **extra: object) -> dict:
    """A row for a record that could not be read: raw text kept, the reason as a warning."""
    return {"locator": locator, "raw": raw, "kind": "unparsed", "time_basis": "missing",
            "body": raw.decode("utf-8", errors="replace"), "warnings": warning, **extra}


def csv_records(lines: list[str]) -> Iterator[tuple[int, str]]:
    """(line number, raw record text) per CSV record after the header line; a quoted field's
    newlines stay inside its record, so each record's exact text can be hashed and located."""
    buf, start = "", 2
    for n, line in enumerate(lines[1:], start=2):
        if not buf:
            start = n
        buf += line
        if buf.count('"') % 2 == 0:
            if buf.strip():
                yield start, buf
            buf = ""
    if buf.strip():
        yield start, buf


def localize_rows(rows: list[dict], tz: str | None, fmt: str, src: Source,
                  assumption: str = "local times read in {zone}") -> None:
    """Place rows holding a naive ``_naive`` local time in the declared zone (in place):
    ``sent_at``/``sent_at_latest`` (both instants when DST makes it ambiguous) and a warning
    appended to the row's ``warnings`` list. Asks for the zone when none was declared."""
    local = [r for r in rows if r.get("_naive") is not None]
    if not local:
        return
    zone = require_tz(tz, fmt)
    src.assume(assumption.format(zone=zone))
    first, last, warn = localize(pd.Series([r["_naive"] for r in local]), zone)
    for i, r in enumerate(local):
        r.update(sent_at=first.iloc[i], sent_at_latest=last.iloc[i], time_basis="local_declared")
        if warn.iloc[i]:
            r["warnings"].append(warn.iloc[i])


def require_tz(tz: str | None, fmt: str) -> str:
    """The declared zone, or an error that says where to declare it."""
    if not tz:
        reason = f"{fmt}: this format's times carry no time zone; expected the source's zone"
        raise TimezoneRequired(
            f"{reason}: add timezone = \"Europe/London\" (for example) to its [[sources]] "
            "entry or pass --tz Europe/London", reason=reason)
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InputError(f"unknown time zone {tz!r}; use an IANA name such as "
                         "'Europe/London'") from None
    return tz


AMBIGUOUS = "ambiguous local time (clocks went back): both instants kept"
NONEXISTENT = "non-existent local time (clocks went forward): both readings kept"


def localize(naive: pd.Series, tz: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Naive local times in a declared zone -> (earliest UTC, latest UTC, warning per row).

    Outside DST changes both instants are equal. A time that occurs twice (clocks back) keeps
    both instants; a time that never occurred (clocks forward) keeps both readings (before and
    after the change). Either way the row says so.
    """
    naive = pd.to_datetime(naive).astype("datetime64[us]")
    first = naive.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    warn = pd.Series("", index=naive.index, dtype=object)
    odd = first.isna() & naive.notna()
    earliest, latest = first.copy(), first.copy()
    if odd.any():
        zone = zoneinfo.ZoneInfo(tz)
        for i in np.flatnonzero(odd.to_numpy()):
            local = naive.iloc[i].to_pydatetime()
            a = local.replace(tzinfo=zone, fold=0).astimezone(dt.UTC)
            b = local.replace(tzinfo=zone, fold=1).astimezone(dt.UTC)
            idx = naive.index[i]
            earliest.loc[idx], latest.loc[idx] = min(a, b), max(a, b)
            warn.loc[idx] = NONEXISTENT if _never_happened(local, zone) else AMBIGUOUS
    return (earliest.dt.tz_convert("UTC"), latest.dt.tz_convert("UTC"), warn)


def _never_happened(local: dt.datetime, zone: zoneinfo.ZoneInfo) -> bool:
    """True when a wall-clock time fell in a DST gap (it does not survive a round trip)."""
    there = local.replace(tzinfo=zone).astimezone(dt.UTC).astimezone(zone)
    return there.replace(tzinfo=None) != local


def infer_date_order(first: Iterable[int], second: Iterable[int], fmt: str,
                     date_order: str | None) -> str:
    """'dmy' or 'mdy' from the whole file: a field over 12 decides; nothing decides -> ask.

    ``date_order`` given by the user wins; a file that contradicts it (a month over 12) is an
    error rather than a silent misreading.
    """
    firsts, seconds = list(first), list(second)
    day_first = any(v > 12 for v in firsts)
    month_first = any(v > 12 for v in seconds)
    if date_order:
        if (date_order == "dmy" and month_first) or (date_order == "mdy" and day_first):
            raise InputError(f"{fmt}: date_order={date_order!r} was given but the file has a "
                             "date that cannot be read that way; check the setting")
        return date_order
    if day_first and month_first:
        raise InputError(f"{fmt}: dates contradict each other (a value over 12 in both the "
                         "first and second field); the file mixes layouts: split it or pass "
                         "--format explicitly")
    if day_first:
        return "dmy"
    if month_first:
        return "mdy"
    reason = (f"{fmt}: no date in the file has a day over 12, so day/month order cannot be "
              "told")
    raise DateOrderRequired(
        f"{reason}; expected date_order = \"dmy\" or \"mdy\" in the [[sources]] entry, or "
        "--date-order", reason=reason)


def decode_text(data: bytes) -> tuple[str, str]:
    """UTF-8 (BOM allowed), else cp1252, else latin-1; returns (text, warning or '')."""
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "not valid UTF-8: decoded as cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "not valid UTF-8 or cp1252: decoded as latin-1"


#: Above this many bytes expanded, a zip whose running expansion ratio exceeds ``max_ratio``
#: is refused: a bomb may be one huge member or many ordinary-looking ones.
BOMB_FLOOR = 10 << 20
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, NotImplementedError,
               zlib.error, EOFError, OSError, ValueError)


def is_zip(path: Path) -> bool:
    """True when the file starts with a zip local-file header (whatever its name says)."""
    with open(path, "rb") as fh:
        return fh.read(4) == b"PK\x03\x04"


def zip_members(path: Path, *, max_total: int = 2 << 30, max_ratio: int = 200,
                ) -> Iterable[tuple[zipfile.ZipInfo, zipfile.ZipFile]]:
    """Yield (info, open zip) for regular members, refusing bombs; names are never paths.

    Encrypted members are refused (nothing here can, or should, guess a password).
    """
    try:
        zf = zipfile.ZipFile(path)
    except _ZIP_ERRORS as exc:
        raise InputError(f"{path.name}: not a readable zip ({exc})") from None
    with zf:
        expanded = packed = 0
        for info in zf.infolist():
            if info.is_dir():
                continue
            if info.flag_bits & 0x1:
                raise InputError(f"{path.name}: member {info.filename!r} is encrypted; "
                                 "expected an unencrypted export: export it again without a "
                                 "password")
            expanded += info.file_size
            packed += max(info.compress_size, 1)
            if expanded > max_total or (expanded > BOMB_FLOOR
                                        and expanded / packed > max_ratio):
                raise InputError(f"{path.name}: members up to {info.filename!r} would expand "
                                 f"to {expanded} bytes from {packed}; refusing a possible zip "
                                 "bomb")
            yield info, zf


@contextlib.contextmanager
def open_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[IO[bytes]]:
    """A member opened for streaming; damage found while reading it is an InputError."""
    try:
        with zf.open(info) as fh:
            yield fh
    except _ZIP_ERRORS as exc:
        raise InputError(f"member {info.filename!r} cannot be read ({exc}); the zip is "
                         "damaged or encrypted: export it again") from None


def read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int = 1 << 30) -> bytes:
    """Read one member with a size cap (the header's size can lie); damage is an InputError."""
    with open_member(zf, info) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"member {info.filename!r} is larger than {limit} bytes")
    return data


# ---------------------------------------------------------------------------------------------
# The quoted-name rule: chat exports that write "Name: text" also write their own service lines
# as text, and one whose quoted part holds ': ' is cut there into a made-up "name".

#: Quotation marks a service line puts around a subject or a group name.
QUOTE_MARKS = frozenset("\"\u201e\u201c\u201d\u00ab\u00bb\u2039\u203a\u300c\u300d\u300e\u300f"
                        "\uff02\u2018\u2019")
QUOTED_NAME = ("rule quoted-name: the header's name part starts with the participant {who!r} "
               "followed by more words and holds quotation marks; read as a system line that "
               "no catalogue template covers, not as a message from a new sender")


def _cjk(text: str) -> bool:
    return any("\u2e80" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af" for c in text)


def quoted_name_suspect(name: str) -> bool:
    """A name of more than one word (or CJK run) that holds quotation marks."""
    return bool(QUOTE_MARKS & set(name)) and (len(name.split()) > 1 or _cjk(name))


def participant_prefix(name: str, participants: Iterable[str]) -> str | None:
    """The participant whose name ``name`` starts with, followed by more words (or CJK)."""
    for who in sorted(participants, key=len, reverse=True):
        if who and len(name) > len(who) and name.startswith(who):
            nxt = name[len(who)]
            if nxt.isspace() or _cjk(nxt):
                return who
    return None


#: How a case file writes a phone number when it gives it bare (no ``phone:``).
PHONE_LIKE = re.compile(r"^\+?[\d][\d \-().\u00a0]{5,}$")


def owner_phone(owner: Sequence[str], region: str | None) -> str:
    """The export owner's own number from the case's identifiers (``phone:...`` or a bare
    number), as an account key; '' when none is one."""
    for ident in owner:
        platform, sep, rest = str(ident).partition(":")
        if sep and platform.strip().lower() in ("phone", "sms", "tel", "call"):
            return accounts.key_for("phone", rest, region)
        if PHONE_LIKE.match(str(ident).strip()):
            return accounts.key_for("phone", str(ident), region)
    return ""
