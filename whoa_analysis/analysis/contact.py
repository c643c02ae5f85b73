"""Who contacted whom, and when relative to the stop request (DESIGN 4.3).

``classify`` adds ``is_contact`` and ``direction``; ``place`` adds ``period`` (before, after,
undetermined) and ``undetermined_reason``. A row is placed after the request only when even its
earliest possible instant is later than the request's latest possible instant, and before only
when its latest is earlier than the request's earliest: anything else, rows without a time and
rows a reader flagged as possibly forged are undetermined, listed, never silently counted.
"""

from __future__ import annotations

import pandas as pd

from ..schema import CONTACT_KINDS

DIRECTIONS = ("respondent_to_victim", "respondent_group", "victim_to_respondent",
              "third_party_to_victim", "unattributed_to_victim", "other")
FORGED_MARK = "may be forged"


def _has(persons: pd.Series, roles: pd.Series, role: str) -> pd.Series:
    return roles.fillna("").str.split(";").map(lambda rs: role in rs)


def classify(messages: pd.DataFrame) -> pd.DataFrame:
    """Add ``is_contact`` and ``direction`` to resolved messages."""
    df = messages.copy()
    df["is_contact"] = df["kind"].isin(CONTACT_KINDS)
    role = df["sender_role"].fillna("")
    to_victim = _has(df["recipient_persons"], df["recipient_roles"], "victim")
    to_resp = _has(df["recipient_persons"], df["recipient_roles"], "respondent")
    group = df["conversation_kind"] == "group"
    unclaimed = (df["sender_person"].fillna("") == "") & (df["sender"].fillna("") != "")
    rules = [
        ((role == "respondent") & group, "respondent_group"),
        ((role == "respondent") & to_victim, "respondent_to_victim"),
        ((role == "victim") & to_resp & ~group, "victim_to_respondent"),
        ((role == "third_party") & to_victim & ~group, "third_party_to_victim"),
        (unclaimed & to_victim & ~group, "unattributed_to_victim"),
    ]
    direction = pd.Series("other", index=df.index, dtype=object)
    for mask, name in reversed(rules):     # earlier rules win
        direction = direction.mask(mask.fillna(False), name)
    df["direction"] = direction.where(df["is_contact"], "other").astype("string")
    return df


def place(messages: pd.DataFrame, earliest: pd.Timestamp | None,
          latest: pd.Timestamp | None) -> pd.DataFrame:
    """Add ``period`` and ``undetermined_reason`` relative to the request's instants."""
    df = messages.copy()
    reason = pd.Series("", index=df.index, dtype=object)
    if earliest is None:
        df["period"] = pd.Series("undetermined", index=df.index, dtype="string")
        df["undetermined_reason"] = pd.Series("no stop request", index=df.index,
                                              dtype="string")
        return df
    after = df["sent_at"] > latest
    before = df["sent_at_latest"] < earliest
    reason = reason.mask(~after & ~before, "within the uncertainty of the request's time")
    reason = reason.mask(df["sent_at"].isna(), "no time in the export")
    forged = df["warnings"].fillna("").str.contains(FORGED_MARK, regex=False)
    reason = reason.mask(forged, "reader flagged it as possibly forged or out of order")
    period = pd.Series("undetermined", index=df.index, dtype=object)
    period = period.mask(after & (reason == ""), "after").mask(before & (reason == ""), "before")
    df["period"] = period.astype("string")
    df["undetermined_reason"] = reason.astype("string")
    return df
