"""Who contacted whom, and when relative to the stop request (DESIGN 4.3).

``classify`` adds ``is_contact`` and ``direction``; ``place`` adds ``period`` and
``undetermined_reason``. A row is placed after the request only when even its earliest possible
instant is later than the request's latest possible instant, and before only when its latest is
earlier than the request's earliest. Anything else, rows without a time and rows a reader flagged
as possibly forged or out of order are undetermined: listed with the reason, never counted as
before or after.

``period`` is one of ``before``, ``after``, ``notice`` (the request itself), ``undetermined``,
or ``no notice`` (no request was found, so nothing can be before or after it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..schema import CONTACT_KINDS

DIRECTIONS = ("respondent_to_victim", "respondent_group", "victim_to_respondent",
              "third_party_to_victim", "unattributed_to_victim", "other")
#: What readers write in ``warnings`` when a record's time cannot be trusted (docs/readers.md).
DOUBT_MARKS = ("may be forged", "out of order")

REASON_FORGED = "reader flagged it as possibly forged or out of order"
REASON_NO_TIME = "no time in the export"
REASON_AMBIGUOUS = "ambiguous local time (DST): one reading is before the request, one after"
REASON_NOTICE_AMBIGUOUS = "within the ambiguity of the request's own local time"
REASON_SAME = "same instant as the request"


def _has_role(roles: pd.Series, role: str) -> pd.Series:
    # Once per distinct role list (a handful per million rows), laid out by code.
    codes, lists = pd.factorize(roles.fillna("").astype(str))
    has = np.array([role in r.split(";") for r in lists.tolist()] + [False], dtype=bool)
    return pd.Series(has[codes], index=roles.index)


def classify(messages: pd.DataFrame) -> pd.DataFrame:
    """Add ``is_contact`` and ``direction`` to resolved messages."""
    df = messages.copy()
    df["is_contact"] = df["kind"].isin(CONTACT_KINDS).astype(bool)
    role = df["sender_role"].fillna("")
    to_victim = _has_role(df["recipient_roles"], "victim")
    to_resp = _has_role(df["recipient_roles"], "respondent")
    group = (df["conversation_kind"] == "group").fillna(False)
    unclaimed = (df["sender_person"].fillna("") == "") & (df["sender"].fillna("") != "")
    # Earlier rules win: a respondent's post in a group the victim is in (her export of it, or
    # she is named) is group activity, counted apart from direct contact; groups of other
    # people's exports without her are not contact with her.
    rules = [
        ((role == "respondent") & group & to_victim, "respondent_group"),
        ((role == "respondent") & to_victim, "respondent_to_victim"),
        ((role == "victim") & to_resp & ~group, "victim_to_respondent"),
        ((role == "third_party") & to_victim & ~group, "third_party_to_victim"),
        (unclaimed & to_victim & ~group, "unattributed_to_victim"),
    ]
    direction = pd.Series("other", index=df.index, dtype=object)
    for mask, name in reversed(rules):
        direction = direction.mask(mask.fillna(False).astype(bool), name)
    df["direction"] = direction.where(df["is_contact"], "other").astype("string")
    return df


def doubted(warnings: pd.Series) -> pd.Series:
    """Rows whose reader said their time or origin cannot be trusted."""
    text = warnings.fillna("").astype(str).str.casefold()
    out = pd.Series(False, index=warnings.index)
    for mark in DOUBT_MARKS:
        out |= text.str.contains(mark, regex=False)
    return out


def own_reasons(messages: pd.DataFrame) -> pd.Series:
    """Why a row cannot be placed whatever the request's time ('' when it can)."""
    reason = pd.Series("", index=messages.index, dtype=object)
    reason = reason.mask(messages["sent_at"].isna(), REASON_NO_TIME)
    return reason.mask(doubted(messages["warnings"]), REASON_FORGED)


def place(messages: pd.DataFrame, earliest: pd.Timestamp | None,
          latest: pd.Timestamp | None, notice_id: str | None = None) -> pd.DataFrame:
    """Add ``period`` and ``undetermined_reason`` relative to the request's instants."""
    df = messages.copy()
    reason = own_reasons(df)
    if earliest is None or pd.isna(earliest):
        period = pd.Series("no notice", index=df.index, dtype=object).mask(reason != "",
                                                                          "undetermined")
        return _with_period(df, period, reason)
    latest = earliest if latest is None or pd.isna(latest) else latest
    first = df["sent_at"]
    last = df["sent_at_latest"].fillna(first)     # a reader that left it empty meant "exact"
    after, before = (first > latest).fillna(False), (last < earliest).fillna(False)
    unplaced = (reason == "") & ~after & ~before
    reason = reason.mask(unplaced, _uncertainty(first, last, earliest, latest))
    period = pd.Series("undetermined", index=df.index, dtype=object)
    period = period.mask(after & (reason == ""), "after").mask(before & (reason == ""), "before")
    if notice_id is not None:
        is_notice = (df["message_id"] == notice_id).fillna(False)
        period, reason = period.mask(is_notice, "notice"), reason.mask(is_notice, "")
    return _with_period(df, period, reason)


def _uncertainty(first: pd.Series, last: pd.Series, earliest: pd.Timestamp,
                 latest: pd.Timestamp) -> pd.Series:
    """The reason a timed row overlaps the request: its own DST ambiguity, the request's, or
    the very same instant."""
    reason = pd.Series(REASON_SAME, index=first.index, dtype=object)
    if latest != earliest:
        reason[:] = REASON_NOTICE_AMBIGUOUS
    return reason.mask((first != last).fillna(False), REASON_AMBIGUOUS)


def _with_period(df: pd.DataFrame, period: pd.Series, reason: pd.Series) -> pd.DataFrame:
    df["period"] = period.astype("string")
    df["undetermined_reason"] = reason.where(period == "undetermined", "").astype("string")
    return df
