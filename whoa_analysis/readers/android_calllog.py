"""Android's call log: ``calllog.db`` of com.android.providers.contacts (Android 7 and later;
older phones keep the same ``calls`` table in ``contacts2.db``), as ALEAPP reads it.

One row per call in ``calls``::

    calls(_id, number, presentation, post_dial_digits, via_number, date, duration,
          data_usage, type, features, subscription_component_name, subscription_id,
          phone_account_address, new, name, numbertype, numberlabel, countryiso,
          voicemail_uri, is_read, geocoded_location, ...)
      7 | '+447700900456' | 1 | '' | '' | 1710100000000 | 0 | NULL | 3 | 0 | ... | 'Rob' | ...

``date`` is epoch milliseconds (UTC), ``duration`` seconds. ``type``: 1 incoming, 2 outgoing,
3 missed, 4 voicemail, 5 rejected, 6 blocked, 7 answered on another device. ``presentation``:
1 allowed, 2 withheld by the caller, 3 unknown, 4 payphone. ``features`` bit 1 is a video call.
Outgoing calls are the owner's; ``phone_account_address``, where set, is the owner's own number.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ._common import Head, Source, owner_phone
from ._sqlite import (
    Database,
    Row,
    epoch,
    handle_key,
    is_sqlite,
    join,
    read_rows,
    schema_text,
    table_rows,
)

FORMAT = "android_calllog"
PLATFORM = "phone"
PATTERNS = ("calllog.db (Android call log)", "contacts2.db (older Android, calls table)")
DESCRIPTION = "Android call log database: incoming, outgoing, missed, rejected, blocked calls"

CALL_TYPES = {1: ("incoming", False), 2: ("outgoing", True), 3: ("missed", False),
              4: ("voicemail", False), 5: ("rejected", False), 6: ("blocked", False),
              7: ("answered_externally", False)}
PRESENTATION = {2: "withheld by the caller", 3: "unknown", 4: "payphone"}
VIDEO = 1
_CALLS_TABLE = re.compile(rb"CREATE TABLE calls \(_id INTEGER PRIMARY KEY AUTOINCREMENT,\s*"
                          rb"number TEXT")


def sniff(head: Head) -> bool:
    if not is_sqlite(head):
        return False
    return head.name == "calllog.db" or bool(_CALLS_TABLE.search(schema_text(head)))


def read(path: Path, *, tz: str | None = None, owner: Sequence[str] = (),
         date_order: str | None = None, region: str | None = None) -> pd.DataFrame:
    src = Source(Path(path), FORMAT)
    owner = (owner,) if isinstance(owner, str) else tuple(owner)
    own = owner_phone(owner, region)

    def rows_of(db: Database) -> list[dict]:
        db.require("calls", "number", "date", "duration", "type")
        return table_rows(db, "calls", lambda item: _call(item, own, region), PLATFORM)
    rows = read_rows(src, src.path, "an Android call log (calllog.db)", rows_of)
    src.assume("times are epoch milliseconds (UTC); durations in seconds")
    return src.frame(pd.DataFrame(rows)) if rows else src.frame([])


def _call(row: Row, owner: str, region: str | None) -> dict:
    number_type = row.int("type")
    word, mine = CALL_TYPES.get(number_type or 0, (f"type {number_type}", False))
    warnings = [f"invalid UTF-8 in {c}: shown with U+FFFD" for c in row.bad_text()]
    if number_type not in CALL_TYPES:
        warnings.append(f"unknown call type {number_type!r}: direction not known")
    number = row.text("number") or ""
    hidden = PRESENTATION.get(row.int("presentation") or 1)
    other = "" if hidden or not number.strip() or number.startswith("-") else \
        handle_key(number, region)
    if not other:
        warnings.append(f"number not shown ({hidden or 'no number'})")
    own = handle_key(row.text("phone_account_address") or "", region) or owner
    sender, recipients = (own, other) if mine else (other, own)
    when, problem = epoch(row.int("date"), "ms")
    if problem or when is None:
        warnings.append(problem or "no date stored")
    duration = row.int("duration")
    return {"locator": f"sqlite:calls[{row.rowid}]", "raw": row.raw(), "platform": "phone",
            "conversation": other or "(number not shown)", "conversation_kind": "direct",
            "sent_at": when, "sent_at_raw": row.text("date") or "",
            "time_basis": "epoch" if when is not None else "missing", "sender": sender,
            "sender_display": "" if mine else (row.text("name") or number),
            "recipients": recipients, "body": "", "kind": "call", "warnings": join(warnings),
            "from_owner": mine if number_type in CALL_TYPES else pd.NA, "call_type": word,
            "duration_s": duration if duration is not None else pd.NA,
            "video": bool((row.int("features") or 0) & VIDEO),
            "contact_name": row.text("name") or "",
            "geocoded_location": row.text("geocoded_location") or ""}
