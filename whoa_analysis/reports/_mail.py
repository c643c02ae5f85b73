"""Respondent mail and its header trace, for the email appendix and the abuse-desk drafts.

The trace lives in ``analysis/trace.py`` and mail rows carry ``headers_raw``; both are looked for
at run time, so the pack is still written (saying so) where either is not there.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from ..analysis import Analysis
from ..analysis.trace import say

HEADERS = "headers_raw"
MESSAGE_ID = "email_message_id"


#: What the email appendix and the abuse-desk drafts show of each mail.
ROW_COLUMNS = ("message_id", "sent_at", "platform", "sender", "subject", "source_path",
               "locator", "record_sha256", HEADERS, MESSAGE_ID)


@dataclass(frozen=True)
class MailTrace:
    row: dict                # the respondent's mail (``ROW_COLUMNS`` it has -> value)
    trace: object | None     # analysis.trace.Trace, or None when it could not be made
    problem: str = ""        # why there is no trace


def tracer() -> Callable | None:
    """``analysis.trace.trace`` when this version has it, else None."""
    try:
        module = importlib.import_module("whoa_analysis.analysis.trace")
    except ImportError:
        return None
    return getattr(module, "trace", None)


def respondent_mail(analysis: Analysis) -> pd.DataFrame:
    """Respondent -> victim mail after the request that kept its headers, in time order."""
    rows = analysis.tables.get("respondent_after", pd.DataFrame())
    if rows.empty or HEADERS not in rows:
        return rows.iloc[0:0]
    mail = rows[(rows["platform"].astype(str) == "email") & (rows[HEADERS].fillna("") != "")]
    return mail.sort_values(["sent_at", "message_id"])


def traces(analysis: Analysis, own_domains: tuple[str, ...] = (),
           own_hosts: tuple[str, ...] = ()) -> list[MailTrace]:
    """One trace per respondent mail; an empty list when there is no such mail."""
    mail = respondent_mail(analysis)
    func = tracer()
    out = []
    # Dicts of the columns shown, not a Series per mail: there can be tens of thousands.
    for row in mail[[c for c in ROW_COLUMNS if c in mail]].to_dict("records"):
        if func is None:
            out.append(MailTrace(row, None, "the header trace is not available in this version"))
            continue
        try:
            out.append(MailTrace(row, func(row[HEADERS], own_domains=own_domains,
                                           own_hosts=own_hosts)))
        except Exception as exc:  # noqa: BLE001 - one bad header block must not stop the pack
            out.append(MailTrace(row, None, f"the header trace failed: {exc}"))
    return out


def field(trace: object, name: str, default: object = None) -> object:
    """A trace attribute, tolerating a trace object without it."""
    return getattr(trace, name, default) if trace is not None else default


def hop_table(trace: object) -> tuple[tuple[str, ...], list[tuple]]:
    """The trace's hops as (column names, rows of values).

    Read from the hops as traced when the trace has them, without making a table per mail (a
    report can trace tens of thousands); the values are those the ``hops`` table holds.
    """
    rows, names = field(trace, "hop_rows"), field(trace, "hop_columns")
    if isinstance(rows, list) and names:
        return names, [tuple(_hop_value(h, name) for name in names) for h in rows]
    hops = field(trace, "hops")
    if not isinstance(hops, pd.DataFrame):
        return (), []
    cols = [hops.iloc[:, k] for k in range(hops.shape[1])]
    return tuple(map(str, hops.columns)), list(zip(*cols))


def _hop_value(hop: dict, name: str) -> object:
    value = hop.get(name)
    # The table holds times as UTC Timestamps; a hop's own time is an aware datetime.
    return pd.Timestamp(value).tz_convert("UTC") if name == "time" and value else value


def abuse_contacts(trace: object) -> list[dict]:
    """The trace's abuse contacts as dicts with address, what and how_found (strings)."""
    out = []
    for item in field(trace, "abuse_contacts", []) or []:
        get = item.get if isinstance(item, dict) else lambda k, i=item: getattr(i, k, "")
        address = str(get("address") or "").strip()
        if address:
            out.append({"address": address, "what": str(get("what") or ""),
                        "how_found": str(get("how_found") or ""),
                        "what_said": get("what_said") or [], "how_said": get("how_said") or []})
    return out


#: An abuse contact's English words, and the sentences they were made from, with their glue.
_SAID = {"what": ("what_said", " "), "how_found": ("how_said", "; ")}


def contact_words(contact: dict, key: str, _: Callable[[str], str]) -> str:
    """An abuse contact's "what" or "how_found" in the report's language, where the trace
    gave the sentences (else as given)."""
    said, glue = _SAID[key]
    parts = contact.get(said)
    return say(parts, glue, translate=_) if parts else contact[key]


def forgeable_note(trace: object, _: Callable[[str], str]) -> str:
    """The trace's note on what the sender could have forged, in the report's language."""
    parts = field(trace, "note_parts", None)
    return say(parts, translate=_) if parts else str(field(trace, "forgeable_note", "") or "")


def message_id_header(row: pd.Series | dict) -> str:
    value = row.get(MESSAGE_ID, "") if MESSAGE_ID in row else ""
    return "" if value is None or pd.isna(value) else str(value)


def handoff_text(trace: object, _: Callable[[str], str] = str) -> str:
    """Where the mail entered the victim's providers: "hop 2: host [ip]" (or as the trace says)."""
    hop = field(trace, "handoff")
    if hop is None or (not isinstance(hop, str) and pd.isna(hop)):
        return ""
    if isinstance(hop, str):
        return hop
    where = " ".join(x for x in (str(field(trace, "handoff_host", "") or ""),
                                 f"[{field(trace, 'handoff_ip', '')}]"
                                 if field(trace, "handoff_ip", "") else "") if x)
    return (_("hop {hop} (counted from the top): {where}") if where
            else _("hop {hop} (counted from the top)")).format(hop=hop, where=where)
