"""Course of conduct: contact counted by day and week, separate days, gaps, new accounts.

Courts look at a pattern, not a single count: how many separate days, how long the quiet spells
were, and whether new accounts or channels appeared after the request. Days and weeks are those
of the case's zone (a message at 00:30 London time belongs to that London day), weeks start on
Monday.
"""

from __future__ import annotations

import pandas as pd

PERIOD_COLUMNS = ["period", "platform", "count"]
#: The columns :func:`new_after` reads from ``messages``.
NEW_AFTER_COLUMNS = ("period", "sender", "recipients", "sender_person", "platform")


def local_days(rows: pd.DataFrame, tz: str) -> pd.Series:
    """Each row's calendar day in ``tz`` as a naive midnight (wall clock, zone dropped first,
    so zones whose midnight does not exist on a DST day still have that day)."""
    return rows["sent_at"].dt.tz_convert(tz).dt.tz_localize(None).dt.normalize()


def by_period(rows: pd.DataFrame, tz: str, freq: str = "D") -> pd.DataFrame:
    """Counts per local day (``D``) or week starting Monday (``W``), by platform."""
    if rows.empty:
        return pd.DataFrame(columns=PERIOD_COLUMNS)
    start = local_days(rows, tz)
    if freq == "W":
        start = start - pd.to_timedelta(start.dt.day_of_week, unit="D")
    # Counted by midnight first: a day's text is written once per day, not once per row.
    sizes = (pd.DataFrame({"start": start, "platform": rows["platform"].astype(str)})
             .groupby(["start", "platform"]).size())
    days = pd.Series(sizes.index.get_level_values("start"))
    out = pd.DataFrame({"period": days.dt.strftime("%Y-%m-%d"),
                        "platform": sizes.index.get_level_values("platform"),
                        "count": sizes.to_numpy()})
    return out.sort_values(["period", "platform"]).reset_index(drop=True)[PERIOD_COLUMNS]


def totals(table: pd.DataFrame) -> dict[str, int]:
    """period -> count over platforms, from a :func:`by_period` table (JSON-ready)."""
    sums = table.groupby("period")["count"].sum() if len(table) else {}
    return {str(k): int(v) for k, v in sorted(dict(sums).items())}


def days_and_gaps(rows: pd.DataFrame, tz: str) -> dict:
    """Separate local days with contact, and the quiet spells between them.

    ``gaps_days`` lists, in order, the number of whole local days without contact between two
    days with contact (consecutive days make no gap); ``longest_gap_days`` is 0 when contact was
    daily and None when there was at most one day of contact.
    """
    if rows.empty:
        return {"days_with_contact": 0, "first_day": None, "last_day": None, "gaps_days": [],
                "longest_gap_days": None}
    days = sorted(set(local_days(rows, tz).dt.date))
    quiet = [(b - a).days - 1 for a, b in zip(days, days[1:])]
    return {"days_with_contact": len(days), "first_day": days[0].isoformat(),
            "last_day": days[-1].isoformat(), "gaps_days": [q for q in quiet if q > 0],
            "longest_gap_days": max(quiet) if quiet else None}


def new_after(messages: pd.DataFrame, rows: pd.DataFrame, column: str) -> list[str]:
    """Values of ``column`` in ``rows`` (contact after the request) never seen before it.

    An account is new when it appears in no row that is not clearly after the request (as sender
    or recipient); a channel (platform) is new when the person (or, unattributed, the account)
    never used it in such a row. Rows of unknown time count as possibly earlier.
    """
    if rows.empty:
        return []
    earlier = messages.loc[messages["period"] != "after", list(NEW_AFTER_COLUMNS)]
    if column == "sender":
        seen = set(earlier["sender"].fillna("").unique()) | _recipient_keys(earlier)
        return sorted(set(rows["sender"].fillna("")) - seen - {""})
    # A million earlier rows, a few distinct (person, account, platform): those only.
    earlier = earlier[["sender_person", "sender", "platform"]].drop_duplicates()
    who = _who(earlier) + "\x1f" + earlier["platform"].astype(str)
    used = set(who)
    after = pd.DataFrame({"who": _who(rows), "platform": rows["platform"].astype(str)})
    fresh = after[~(after["who"] + "\x1f" + after["platform"]).isin(used)]
    return sorted(set(fresh["platform"]))


def _who(rows: pd.DataFrame) -> pd.Series:
    person = rows["sender_person"].fillna("").astype(str)
    return person.where(person != "", "account:" + rows["sender"].fillna("").astype(str))


def _recipient_keys(rows: pd.DataFrame) -> set[str]:
    return {k for r in rows["recipients"].fillna("").unique() for k in str(r).split(";") if k}
