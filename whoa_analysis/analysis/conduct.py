"""Course of conduct: contact counted by day and week, separate days, gaps, new accounts.

Courts look at a pattern, not a single count: how many separate days, how long the quiet spells
were, and whether new accounts or channels appeared after the request.
"""

from __future__ import annotations

import pandas as pd


def by_period(rows: pd.DataFrame, tz: str, freq: str = "D") -> pd.DataFrame:
    """Counts per local day (``D``) or week starting Monday (``W``), by platform."""
    if rows.empty:
        return pd.DataFrame(columns=["period", "platform", "count"])
    local = rows["sent_at"].dt.tz_convert(tz)
    start = local.dt.normalize().dt.tz_localize(None)
    if freq == "W":
        start = start - pd.to_timedelta(start.dt.weekday, unit="D")
    out = (rows.assign(period=start.dt.strftime("%Y-%m-%d"))
           .groupby(["period", "platform"], observed=True).size().reset_index(name="count"))
    return out.sort_values(["period", "platform"]).reset_index(drop=True)


def days_and_gaps(rows: pd.DataFrame, tz: str) -> dict:
    """Separate local days with contact and the gaps (in days) between consecutive ones."""
    if rows.empty:
        return {"days_with_contact": 0, "gaps_days": [], "longest_gap_days": None}
    days = sorted(set(rows["sent_at"].dt.tz_convert(tz).dt.date))
    gaps = [(b - a).days for a, b in zip(days, days[1:])]
    return {"days_with_contact": len(days), "gaps_days": gaps,
            "longest_gap_days": max(gaps) if gaps else None,
            "first_day": days[0].isoformat(), "last_day": days[-1].isoformat()}


def new_after(messages: pd.DataFrame, rows: pd.DataFrame, notice_latest: pd.Timestamp,
              column: str) -> list[str]:
    """Values of ``column`` (sender or platform) in ``rows`` never seen before the request."""
    if notice_latest is None or rows.empty:
        return []
    senders = set(rows["sender"])
    earlier = messages[(messages["sender"].isin(senders))
                       & (messages["sent_at_latest"] <= notice_latest)]
    if column == "platform":
        seen = set(earlier["platform"].astype(str))
    else:
        seen = set(earlier[column])
    return sorted(set(rows[column].astype(str)) - seen)
