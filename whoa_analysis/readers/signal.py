"""Signal chat text: signal-export's ``chat.md`` and the ``[date, time] Name: text`` txt layout.

signal-export (carderne/sigexport) writes one ``<Contact>/chat.md`` per conversation; older
versions write ``[YYYY-MM-DD, HH:MM]``, newer ``[YYYY-MM-DD HH:MM:SS]``; the txt layout read by
chat-miner is the older one. The owner is ``Me``; a line that does not start with a header
continues the message above::

    [2019-05-29, 15:04] Me: How is everyone?
    [2019-05-29, 15:10] Aya: We're great!
    [2019-05-29 15:20:07] Jim: Missed voice call
    [2019-05-29 15:21:40] Jim: look  ![IMG_0001.jpg](./media/IMG_0001.jpg)

Times are the exporting machine's local time without a zone: the source's declared zone is
required. Dates are ISO (year first), so no day/month order is inferred. Deleted messages
(``(This message was deleted)``) and calls (``Missed voice call``, ``Incoming call (...)``) are
their own kinds; attachments are the markdown link texts (names only, never paths opened).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .. import accounts
from ..errors import InputError
from ._common import (
    QUOTED_NAME,
    Head,
    Source,
    decode_text,
    localize,
    participant_prefix,
    quoted_name_suspect,
    require_tz,
)

FORMAT = "signal"
PLATFORM = "signal"
PATTERNS = ("chat.md (signal-export)", "*.txt with '[YYYY-MM-DD, HH:MM] Name: text' lines")
DESCRIPTION = "Signal chat text (signal-export chat.md, '[date, time] Name: text' txt)"

#: The header layouts, as data: each gives date, time, name, first line of the body.
LAYOUTS = (
    ("sigexport", re.compile(r"^\[(?P<date>\d{4}-\d{2}-\d{2}),? (?P<time>\d{2}:\d{2}(?::\d{2})?)"
                             r"\] (?P<name>[^\n]*?): ?(?P<body>.*)$", re.S)),
)
OWNER_NAMES = frozenset({"Me"})
NO_SENDER = "No-Sender"
#: Body text the exporter writes in place of a message, and the kind it means.
BODY_KINDS = (
    (re.compile(r"^\(This message was deleted\)\s*$"), "deleted"),
    (re.compile(r"^(?:Missed|Incoming|Outgoing) (?:voice |video )?call(?: \([^)]*\))?\s*$"),
     "call"),
)
_ATTACHMENT = re.compile(r"!?\[([^\]\n]*)\]\((\./[^)\n]*|\.\./[^)\n]*)\)")
_SNIFF_LINE = re.compile(r"^\[\d{4}-\d{2}-\d{2}(?:, \d{2}:\d{2}| \d{2}:\d{2}:\d{2})\] [^:\n]+:")
#: WhatsApp text that would never appear in a Signal export.
_NOT_SIGNAL = ("\u200e", "end-to-end encrypted", "<Media omitted>")


def sniff(head: Head) -> bool:
    if head.is_dir or head.is_zip or "whatsapp" in head.name or head.name == "_chat.txt":
        return False
    text = head.text
    if any(marker in text for marker in _NOT_SIGNAL):
        return False
    first = next((line for line in text.splitlines() if line.strip()), "")
    if not _SNIFF_LINE.match(first):
        return False
    # Seconds-without-comma headers are also a WhatsApp iOS layout in some locales: only a
    # signal-export file name settles that one.
    return head.name.endswith(".md") or bool(re.match(r"^\[[^\]]*, \d{2}:\d{2}\] ", first))


def read(path: Path, *, tz: str | None = None, owner: Sequence[str] = (),
         date_order: str | None = None, region: str | None = None) -> pd.DataFrame:
    src = Source(Path(path), FORMAT)
    text, warn = decode_text(src.path.read_bytes())
    if warn:
        src.assume(warn)
    records = list(_records(text))
    if not any(r["header"] for r in records):
        raise InputError(f"{src.path.name}: expected Signal lines '[YYYY-MM-DD, HH:MM] Name: "
                         "text'; found none: check the file or pass another --format")
    zone = require_tz(tz, FORMAT)
    src.assume(f"times read as local time in {zone}")
    owners = {o.strip().casefold() for o in owner if o.strip()}
    rows = _service_lines([_row(r, owners, region) for r in records])
    df = pd.DataFrame(rows)
    _times(df, zone)
    _conversation(df, src)
    return src.frame(df)


def _records(text: str):
    """One dict per header line with its continuation lines; text before any header too."""
    cur: dict | None = None
    for n, line in enumerate(text.splitlines(keepends=True), start=1):
        match = next((m for _, p in LAYOUTS if (m := p.match(line))), None)
        if match:
            if cur:
                yield cur
            cur = {"line": n, "raw": line, "header": match}
        elif cur is None:
            cur = {"line": n, "raw": line, "header": None}
        else:
            cur["raw"] += line
    if cur:
        yield cur


def _row(rec: dict, owners: set[str], region: str | None) -> dict:
    locator, raw = f"line:{rec['line']}", rec["raw"]
    base = {"locator": locator, "raw": raw.encode("utf-8", "surrogateescape"),
            "platform": PLATFORM}
    match = rec["header"]
    if match is None:
        return {**base, "kind": "unparsed", "body": raw, "_naive": None,
                "warnings": "text before the first message header"}
    name = match["name"]
    body = _rest_of(match, raw)
    kind = next((k for p, k in BODY_KINDS if p.match(body)), None)
    names = [m[1] for m in _ATTACHMENT.finditer(body)]
    kind = kind or ("media" if names else "text")
    is_owner = name in OWNER_NAMES or name.casefold() in owners
    return {**base, "kind": kind, "_naive": f"{match['date']} {match['time']}",
            "sent_at_raw": f"{match['date']} {match['time']}", "sender_display": name,
            "sender": "" if name in OWNER_NAMES or name == NO_SENDER else
            accounts.key_for("signal", name, region),
            "body": body, "attachments": ";".join(names), "from_owner": is_owner,
            "warnings": "the exporter could not name the sender" if name == NO_SENDER else "",
            "_whole": _rest_of(match, raw, "name")}


def _service_lines(rows: list[dict]) -> list[dict]:
    """Group updates the exporter writes as text ('Aya changed the group name to "Trip: May"')
    are cut at the ': ' inside their quotes into a made-up sender: the quoted-name rule makes
    them system lines again, with their whole text and a warning."""
    shown = {r.get("sender_display", "") for r in rows} - {""}
    people = {n for n in shown if not quoted_name_suspect(n)}
    for r in rows:
        name = r.get("sender_display", "")
        who = participant_prefix(name, people) if quoted_name_suspect(name) else None
        if who is not None:
            r.update(kind="system", sender="", sender_display="", from_owner=False,
                     body=r["_whole"], attachments="",
                     warnings="; ".join(w for w in (r["warnings"], QUOTED_NAME.format(who=who))
                                        if w))
    for r in rows:
        r.pop("_whole", None)
    return rows


def _rest_of(match: re.Match, raw: str, start: str = "body") -> str:
    """The body exactly: the header line's text after ``Name: `` (or from the name on, for
    ``start="name"``) plus continuation lines, without the line break that ends the record
    (that belongs to the layout)."""
    body = raw[match.start(start):]
    if body.endswith("\r\n"):
        return body[:-2]
    return body[:-1] if body.endswith("\n") else body


def _times(df: pd.DataFrame, zone: str) -> None:
    naive = pd.to_datetime(df["_naive"], format="mixed", errors="coerce")
    early, late, warn = localize(naive, zone)
    has = naive.notna().to_numpy()
    df["sent_at"], df["sent_at_latest"] = early, late
    df["time_basis"] = np.where(has, "local_declared", "missing")
    order = _out_of_order(naive)
    df["warnings"] = [
        "; ".join(x for x in (w, v, "earlier than the message before it: may be forged"
                              if late_ else "") if x)
        for w, v, late_ in zip(df["warnings"], warn, order, strict=True)]
    del df["_naive"]


def _out_of_order(naive: pd.Series) -> list[bool]:
    """A header going back in time may be a line typed inside a message to look like one."""
    prev = naive.ffill().shift(1)
    return [bool(a < b) if pd.notna(a) and pd.notna(b) else False
            for a, b in zip(naive, prev, strict=True)]


def _conversation(df: pd.DataFrame, src: Source) -> None:
    stem = src.path.parent.name if src.path.name.lower() == "chat.md" else src.path.stem
    df["conversation"] = stem or src.path.name
    mine = df["from_owner"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    others = set(df.loc[~mine, "sender"]) - {""}
    if not mine.any():
        # No "Me" line and no owner named: the owner may be any of the senders.
        df["from_owner"] = pd.NA
        df["conversation_kind"] = "group" if len(others) > 2 else "direct"
        src.assume("no 'Me' lines: direct or group told by the number of senders")
        return
    df["conversation_kind"] = "group" if len(others) > 1 else "direct"
    src.assume("direct or group told by the number of senders other than the owner")
    if len(others) == 1:
        (other,) = others
        df["recipients"] = np.where(mine, other, "")
