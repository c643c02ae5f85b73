"""The counts of ``summary.json`` (DESIGN 4.4) and the tables behind them."""

from __future__ import annotations

import pandas as pd

from .notice import Notice


def iso(ts: pd.Timestamp | None) -> str | None:
    """ISO 8601 UTC with ``Z`` (microseconds only when present), or None."""
    if ts is None or pd.isna(ts):
        return None
    ts = pd.Timestamp(ts).tz_convert("UTC")
    text = ts.strftime("%Y-%m-%dT%H:%M:%S")
    return text + (f".{ts.microsecond:06d}Z" if ts.microsecond else "Z")


def _counts(series: pd.Series) -> dict[str, int]:
    counts = series.astype(str).value_counts()
    return {k: int(v) for k, v in sorted(counts.items())}


def contacts(messages: pd.DataFrame, direction: str, period: str) -> pd.DataFrame:
    rows = messages[(messages["direction"] == direction) & (messages["period"] == period)]
    return rows.sort_values(["sent_at", "message_id"])


def _block(rows: pd.DataFrame, *, accounts: bool = True, platforms: bool = True,
           span: bool = False) -> dict:
    out: dict = {"total": len(rows)}
    if platforms:
        out["by_platform"] = _counts(rows["platform"])
    if accounts:
        out["by_account"] = _counts(rows["sender"].where(rows["sender"] != "", "(unknown)"))
    if span:
        out["first_at"] = iso(rows["sent_at"].min()) if len(rows) else None
        out["last_at"] = iso(rows["sent_at"].max()) if len(rows) else None
    return out


def notice_block(notice: Notice) -> dict | None:
    if not notice.found:
        return None
    row = notice.row
    return {"message_id": row["message_id"], "sent_at": iso(row["sent_at"]),
            "platform": str(row["platform"]), "sender": row["sender"],
            "text": row["body"] if row["body"] else row["subject"],
            "subject": row["subject"], "source_path": row["source_path"],
            "record_sha256": row["record_sha256"], "how_found": notice.how_found,
            "received": notice.received,
            "repeats": [r["message_id"] for _, r in notice.repeats.iterrows()]}


def unattributed(messages: pd.DataFrame) -> list[dict]:
    rows = contacts(messages, "unattributed_to_victim", "after")
    counts = rows["sender"].value_counts()
    return [{"account": k, "total": int(v)}
            for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def summarize(messages: pd.DataFrame, notice: Notice, *, case_id: str, tool_version: str,
              sources: list[dict]) -> dict:
    """The summary as DESIGN 4.4 lays it out, over the de-duplicated messages."""
    counted = messages[messages["duplicate_of"] == ""]
    contact = counted[counted["is_contact"]]
    undetermined = contact[(contact["period"] == "undetermined")
                           & (contact["direction"] != "other")]
    return {
        "case_id": case_id, "tool_version": tool_version,
        "messages_total": int(len(counted)),
        "duplicates_merged": int((messages["duplicate_of"] != "").sum()),
        "notice": notice_block(notice),
        "notice_problems": list(notice.problems),
        "respondent_contacts_after_notice": _block(
            contacts(counted, "respondent_to_victim", "after"), span=True),
        "respondent_contacts_before_notice": _block(
            contacts(counted, "respondent_to_victim", "before")),
        "respondent_group_messages_after_notice": int(len(
            contacts(counted, "respondent_group", "after"))),
        "victim_contacts_after_notice": _block(
            contacts(counted, "victim_to_respondent", "after"), accounts=False),
        "third_party_contacts_after_notice": _block(
            contacts(counted, "third_party_to_victim", "after"), platforms=False),
        "unattributed_accounts_after_notice": unattributed(counted),
        "undetermined": int(len(undetermined)),
        "sources": sources,
    }
