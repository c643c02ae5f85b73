"""Pure analyses: message frame in, frame (or plain data) out.

``analyse`` runs them in order for a case: copies marked, directions classified, the stop request
found, every row placed before/after it, the counts and tables the report needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from . import conduct, contact, duplicates, notice, seen, summary
from .notice import Notice

CONTACT_COLUMNS = ("sent_at_utc", "sent_at_local", "platform", "from_account", "from_name",
                   "from_person", "to", "conversation", "kind", "excerpt", "source_path",
                   "locator", "record_sha256", "message_id", "copies", "warnings")


@dataclass(frozen=True)
class Analysis:
    messages: pd.DataFrame
    notice: Notice
    summary: dict
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    conduct: dict = field(default_factory=dict)


def analyse(resolved: pd.DataFrame, *, tz: str, case_id: str, tool_version: str,
            pinned: str = "auto", phrases: tuple[str, ...] = (),
            sources: list[dict] | None = None) -> Analysis:
    """Everything the report says, from messages already run through ``identities.resolve``."""
    df = contact.classify(duplicates.mark(resolved))
    found = notice.find(duplicates.unique(df), pinned=pinned, phrases=phrases)
    df = contact.place(df, found.earliest, found.latest)
    counted = duplicates.unique(df)
    tables = _tables(counted, tz)
    after = tables["respondent_after"]
    behaviour = conduct.days_and_gaps(after, tz)
    behaviour["new_accounts_after"] = conduct.new_after(
        counted, pd.concat([after, tables["unattributed_after"]]), found.latest, "sender")
    behaviour["new_channels_after"] = conduct.new_after(counted, after, found.latest, "platform")
    result = summary.summarize(df, found, case_id=case_id, tool_version=tool_version,
                               sources=sources or [])
    result["course_of_conduct"] = behaviour
    return Analysis(df, found, result, tables, behaviour)


def _tables(counted: pd.DataFrame, tz: str) -> dict[str, pd.DataFrame]:
    names = {"respondent_after": ("respondent_to_victim", "after"),
             "respondent_before": ("respondent_to_victim", "before"),
             "victim_after": ("victim_to_respondent", "after"),
             "third_party_after": ("third_party_to_victim", "after"),
             "group_after": ("respondent_group", "after"),
             "unattributed_after": ("unattributed_to_victim", "after")}
    tables = {name: summary.contacts(counted, d, p) for name, (d, p) in names.items()}
    tables["undetermined"] = counted[counted["is_contact"] & (counted["direction"] != "other")
                                     & (counted["period"] == "undetermined")]
    tables["respondent_by_day"] = conduct.by_period(tables["respondent_after"], tz, "D")
    tables["respondent_by_week"] = conduct.by_period(tables["respondent_after"], tz, "W")
    return tables


def contact_rows(rows: pd.DataFrame, tz: str, excerpt: int = 200) -> pd.DataFrame:
    """One row per contact as ``contacts_after_notice.csv`` lays it out."""
    text = rows["body"].where(rows["body"] != "", rows["subject"]).fillna("")
    return pd.DataFrame({
        "sent_at_utc": rows["sent_at"].map(summary.iso),
        "sent_at_local": rows["sent_at"].dt.tz_convert(tz).dt.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "platform": rows["platform"].astype(str),
        "from_account": rows["sender"], "from_name": rows["sender_display"],
        "from_person": rows["sender_person"], "to": rows["recipient_persons"],
        "conversation": rows["conversation"], "kind": rows["kind"].astype(str),
        "excerpt": text.str.slice(0, excerpt), "source_path": rows["source_path"],
        "locator": rows["locator"], "record_sha256": rows["record_sha256"],
        "message_id": rows["message_id"], "copies": rows["copies"],
        "warnings": rows["warnings"],
    }, columns=list(CONTACT_COLUMNS)).reset_index(drop=True)


__all__ = ["Analysis", "analyse", "contact_rows", "seen"]
