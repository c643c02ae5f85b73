"""Pure analyses: message frame in, frame (or plain data) out.

``analyse`` runs them in order for a case: copies marked, directions classified, the stop request
found, every row placed before/after it, the counts and tables the report needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from . import conduct, contact, duplicates, notice, seen, summary
from .notice import Notice

#: contacts_after_notice.csv: one row per contact (issue 5 lists the columns).
CONTACT_COLUMNS = ("sent_at_utc", "sent_at_local", "platform", "from_account", "from_name",
                   "from_person", "to", "to_accounts", "conversation", "kind", "excerpt",
                   "source_path", "source_sha256", "locator", "record_sha256", "message_id",
                   "copies", "warnings", "from_account_id")
EXCERPT_CHARS = 200

#: table name -> (direction, period) of the counted rows it holds.
TABLES = summary.TABLES


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
    found = notice.find(df, pinned=pinned, phrases=phrases)
    df = contact.place(df, found.earliest, found.latest, found.message_id)
    tables = _tables(df, tz)
    behaviour = course_of_conduct(df, tables, tz)
    result = summary.summarize(df, found, case_id=case_id, tool_version=tool_version,
                               sources=sources or [], tz=tz, tables=tables)
    result["course_of_conduct"] = behaviour
    return Analysis(df, found, result, tables, behaviour)


def _tables(df: pd.DataFrame, tz: str) -> dict[str, pd.DataFrame]:
    tables = {name: summary.contacts(df, d, p) for name, (d, p) in TABLES.items()}
    tables["undetermined"] = summary.undetermined(df)
    # Counts by local day and week for every table after the request ("victim_after_by_day").
    for name in [n for n in TABLES if n.endswith("_after")]:
        for unit, freq in (("day", "D"), ("week", "W")):
            tables[f"{name}_by_{unit}"] = conduct.by_period(tables[name], tz, freq)
    tables["respondent_by_day"] = tables["respondent_after_by_day"]
    tables["respondent_by_week"] = tables["respondent_after_by_week"]
    return tables


def course_of_conduct(df: pd.DataFrame, tables: dict[str, pd.DataFrame], tz: str) -> dict:
    """Days, quiet spells, counts by local day and week, and what is new after the request."""
    after = tables["respondent_after"]
    out = conduct.days_and_gaps(after, tz)
    out["by_day"] = conduct.totals(tables["respondent_by_day"])
    out["by_week"] = conduct.totals(tables["respondent_by_week"])
    writers = pd.concat([after, tables["unattributed_after"]])
    # Only the columns new_after reads: the whole frame is not copied to count a few values.
    earlier = summary.counted(df[["duplicate_of", *conduct.NEW_AFTER_COLUMNS]])
    out["new_accounts_after"] = conduct.new_after(earlier, writers, "sender")
    out["new_channels_after"] = conduct.new_after(earlier, after, "platform")
    return out


def contact_rows(rows: pd.DataFrame, tz: str, excerpt: int = EXCERPT_CHARS) -> pd.DataFrame:
    """One row per contact as ``contacts_after_notice.csv`` lays it out (text cut, not changed)."""
    body = rows["body"].fillna("")
    text = body.where(body != "", rows["subject"].fillna(""))
    copies = rows.get("copies", "")
    return pd.DataFrame({
        "sent_at_utc": summary.iso_column(rows["sent_at"]),
        "sent_at_local": summary.local_column(rows["sent_at"], tz),
        "platform": rows["platform"].astype(str),
        "from_account": summary.named_accounts(rows), "from_name": rows["sender_display"],
        "from_person": rows["sender_person"], "to": rows["recipient_persons"],
        "to_accounts": rows["recipients"],
        "conversation": rows["conversation"], "kind": rows["kind"].astype(str),
        "excerpt": text.str.slice(0, excerpt), "source_path": rows["source_path"],
        "source_sha256": rows["source_sha256"], "locator": rows["locator"],
        "record_sha256": rows["record_sha256"], "message_id": rows["message_id"],
        "copies": copies, "warnings": rows["warnings"],
        # the account as the export gives it, where the case file names it otherwise
        "from_account_id": _export_ids(rows),
    }, columns=list(CONTACT_COLUMNS)).reset_index(drop=True)


def _export_ids(rows: pd.DataFrame) -> pd.Series:
    sender = rows["sender"].fillna("").astype(str)
    return sender.where(sender != summary.named_accounts(rows), "")


__all__ = ["CONTACT_COLUMNS", "Analysis", "analyse", "contact_rows", "course_of_conduct",
           "seen"]
