"""Every account seen in the sources, with counts, and suggestions for the volunteer.

Suggestions are never applied: the volunteer adds an account to the case file to accept one.
"""

from __future__ import annotations

import pandas as pd

from ..accounts import key_for


def accounts_table(messages: pd.DataFrame) -> pd.DataFrame:
    """One row per sender account: shown as, person, messages, first/last seen, platforms."""
    rows = messages[messages["sender"].fillna("") != ""]
    if rows.empty:
        return pd.DataFrame(columns=["account", "shown_as", "person", "role", "messages",
                                     "first_seen", "last_seen", "platforms"])
    grouped = rows.groupby("sender", sort=True)
    table = pd.DataFrame({
        "shown_as": grouped["sender_display"].agg(lambda s: "; ".join(sorted(set(s) - {""}))),
        "person": grouped["sender_person"].first(),
        "role": grouped["sender_role"].first(),
        "messages": grouped.size(),
        "first_seen": grouped["sent_at"].min(),
        "last_seen": grouped["sent_at"].max(),
        "platforms": grouped["platform"].agg(lambda s: ", ".join(sorted(set(map(str, s))))),
    })
    return table.reset_index(names="account")


def suggestions(messages: pd.DataFrame, notice_latest: pd.Timestamp | None,
                region: str | None = None) -> pd.DataFrame:
    """Unclaimed accounts that look like someone's: same display name or number elsewhere, or
    new after the request and writing to the victim."""
    table = accounts_table(messages)
    claimed = table[table["person"].fillna("") != ""]
    out = []
    for _, acc in table[table["person"].fillna("") == ""].iterrows():
        out += _same_name(acc, claimed) + _same_number(acc, claimed, region)
        out += _new_after(acc, messages, notice_latest)
    return pd.DataFrame(out, columns=["account", "suggested_person", "reason"])


def _same_name(acc: pd.Series, claimed: pd.DataFrame) -> list[dict]:
    names = {n.strip().casefold() for n in str(acc["shown_as"]).split(";") if n.strip()}
    out = []
    for _, other in claimed.iterrows():
        theirs = {n.strip().casefold() for n in str(other["shown_as"]).split(";") if n.strip()}
        if names & theirs:
            out.append({"account": acc["account"], "suggested_person": other["person"],
                        "reason": f"same display name as {other['account']} "
                                  f"({', '.join(sorted(names & theirs))})"})
    return out


def _same_number(acc: pd.Series, claimed: pd.DataFrame, region: str | None) -> list[dict]:
    ident = str(acc["account"]).partition(":")[2]
    digits = sum(c.isdigit() for c in ident)
    if digits < 7 or str(acc["account"]).startswith("phone:"):
        return []
    as_phone = key_for("phone", ident, region)
    hits = claimed[claimed["account"] == as_phone]
    return [{"account": acc["account"], "suggested_person": h["person"],
             "reason": f"same phone number as {h['account']}"} for _, h in hits.iterrows()]


def _new_after(acc: pd.Series, messages: pd.DataFrame,
               notice_latest: pd.Timestamp | None) -> list[dict]:
    if notice_latest is None or pd.isna(acc["first_seen"]) or acc["first_seen"] <= notice_latest:
        return []
    if "direction" not in messages:
        return []
    wrote = messages[(messages["sender"] == acc["account"])
                     & (messages["direction"] == "unattributed_to_victim")]
    if wrote.empty:
        return []
    return [{"account": acc["account"], "suggested_person": "",
             "reason": f"first seen after the stop request and wrote to the victim "
                       f"{len(wrote)} time(s): a new account after a block?"}]
