"""Incident log: a CSV the volunteer keeps for what has no export.

Phone calls, voicemails, letters, parcels, in-person contact, anything noted by hand::

    when,timezone,platform,from,to,kind,description,evidence
    2024-03-11 19:05,Europe/London,phone,phone:07700 900456,person:dana,call,"Missed call, 2 rings",screenshot IMG_0042.png
    2024-03-14T08:10:00+00:00,,letter,person:rob,person:dana,letter,"Letter through the door",original kept in envelope A

``when`` is ISO 8601; with an offset (``+01:00``/``Z``) it is an instant, without one it is local
time in the row's ``timezone`` (else the source's declared zone). ``from``/``to`` are account keys
(``phone:...``, ``email:...``) or ``person:<id>`` from the case file; ``to`` may list several,
``;``-separated. ``kind`` is one of the words in ``KINDS`` below. Every row is kept: a row that
cannot be read becomes an ``unparsed`` row saying why.
"""

from __future__ import annotations

import csv
import io
import zoneinfo
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from .. import accounts, schema
from ..errors import InputError
from ._common import Head, Source, csv_records, localize, unparsed

FORMAT = "incident_log"
PLATFORM = "other"
PATTERNS = ("*.csv with header when,timezone,platform,from,to,kind,description,evidence",)
DESCRIPTION = "Volunteer's incident log (calls, letters, visits, anything without an export)"

COLUMNS = ("when", "timezone", "platform", "from", "to", "kind", "description", "evidence")
#: The log's kind words -> the frame's kind.
KINDS = {"call": "call", "missed_call": "call", "voicemail": "call", "text": "text",
         "message": "text", "letter": "text", "parcel": "media", "delivery": "media",
         "visit": "text", "in_person": "text", "note": "system", "media": "media",
         "deleted": "deleted"}
PLATFORMS = ("phone", "sms", "letter", "in_person", "email", "whatsapp", "telegram", "signal",
             "discord", "slack", "messenger", "instagram", "twitter", "imessage", "irc", "im",
             "googlechat", "web", "other")


def sniff(head: Head) -> bool:
    first = head.text.splitlines()[0] if head.data else ""
    cells = [c.strip().lower() for c in first.split(",")]
    return not head.is_zip and cells[:len(COLUMNS)] == list(COLUMNS)


def read(path: Path, *, tz: str | None = None, owner: Sequence[str] = (),
         date_order: str | None = None, region: str | None = None) -> pd.DataFrame:
    src = Source(Path(path), FORMAT)
    raw = src.path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{src.path.name}: the incident log is not UTF-8; save it as "
                         "'CSV UTF-8' from the spreadsheet") from None
    lines = text.splitlines(keepends=True)
    header = next(csv.reader(lines[:1]), [])
    if [h.strip().lower() for h in header[:len(COLUMNS)]] != list(COLUMNS):
        raise InputError(f"{src.path.name}: expected the header {','.join(COLUMNS)}; got "
                         f"{','.join(header)} (start from data/sample/incident_log_template.csv)")
    rows = [_row(n, line, tz, region) for n, line in csv_records(lines)]
    df = src.frame(rows)
    return _place_times(df, src)


def _row(line_no: int, text: str, tz: str | None, region: str | None) -> dict:
    locator = f"line:{line_no}"
    raw = text.encode("utf-8")
    cells = next(csv.reader(io.StringIO(text)), [])
    if len(cells) < len(COLUMNS) - 1:
        return unparsed(locator, raw, f"expected {len(COLUMNS)} columns; got {len(cells)}",
                        platform="other", _zone="")
    rec = dict(zip(COLUMNS, [*cells, *[""] * len(COLUMNS)]))
    problems = []
    platform = rec["platform"].strip().lower() or "other"
    if platform not in PLATFORMS:
        problems.append(f"unknown platform {rec['platform']!r}: kept as 'other'")
        platform = "other"
    platform = "phone" if platform == "sms" and rec["kind"].strip().lower() in (
        "call", "missed_call", "voicemail") else platform
    word = rec["kind"].strip().lower()
    kind = KINDS.get(word)
    if kind is None:
        problems.append(f"unknown kind {rec['kind']!r}: kept as text")
        kind = "text"
    zone = rec["timezone"].strip() or tz
    return {
        "locator": locator, "raw": raw, "platform": platform, "kind": kind,
        "conversation": f"{platform}:incident log", "conversation_kind": "direct",
        "sent_at_raw": rec["when"], "_zone": zone or "", "time_basis": "missing",
        "sender": _key(rec["from"], platform, region),
        "sender_display": rec["from"].strip(),
        "recipients": ";".join(_key(t, platform, region) for t in rec["to"].split(";")
                               if t.strip()),
        "body": rec["description"], "attachments": rec["evidence"],
        "incident_kind": word, "warnings": "; ".join(problems),
    }


def _key(value: str, platform: str, region: str | None) -> str:
    value = value.strip()
    if value.lower().startswith("person:"):
        return "person:" + value[7:].strip().casefold()
    acct_platform, sep, ident = value.partition(":")
    if sep and acct_platform.lower() in accounts.ACCOUNT_PLATFORMS | {"sms", "tel", "call"}:
        return accounts.key_for(acct_platform.lower(), ident, region)
    bare = "phone" if platform in ("phone", "sms") else platform
    return accounts.key_for(bare, value, region) if value else ""


def _place_times(df: pd.DataFrame, src: Source) -> pd.DataFrame:
    """Instants from offsets; local times in the row's or source's zone; otherwise no time."""
    when = df["sent_at_raw"].astype(str).str.strip()
    warnings = df["warnings"].astype(object).tolist()
    basis = ["missing"] * len(df)
    earliest = pd.Series(pd.NaT, index=df.index, dtype="datetime64[us, UTC]")
    latest = earliest.copy()
    for i in df.index[df["kind"] != "unparsed"]:
        _one_time(i, when[i], df.at[i, "_zone"], earliest, latest, basis, warnings, src)
    df["sent_at"], df["sent_at_latest"], df["time_basis"] = earliest, latest, basis
    df["warnings"] = warnings
    out = schema.conform(df.drop(columns="_zone"))
    out.attrs["assumptions"] = list(src.assumptions)
    return out


def _one_time(i: int, text: str, zone: str, earliest: pd.Series, latest: pd.Series,
              basis: list[str], warnings: list[str], src: Source) -> None:
    if not text:
        warnings[i] = _add(warnings[i], "no time given")
        return
    try:
        stamp = pd.Timestamp(text)
    except (ValueError, TypeError):
        warnings[i] = _add(warnings[i], f"cannot read time {text!r}: expected ISO 8601 "
                                        "such as 2024-03-11 19:05")
        return
    if stamp.tzinfo is not None:
        earliest[i] = latest[i] = stamp.tz_convert("UTC")
        basis[i] = "offset"
        return
    if not zone:
        warnings[i] = _add(warnings[i], "local time without a zone: fill the timezone column "
                                        "or declare the source's timezone")
        return
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        warnings[i] = _add(warnings[i], f"unknown time zone {zone!r}")
        return
    a, b, w = localize(pd.Series([stamp]), zone)
    earliest[i], latest[i] = a.iloc[0], b.iloc[0]
    basis[i] = "local_declared"
    warnings[i] = _add(warnings[i], w.iloc[0])
    src.assume(f"local times read in {zone}")


def _add(existing: str, new: str) -> str:
    return "; ".join(x for x in (existing, new) if x)
