"""The counts of ``summary.json`` (DESIGN 4.4) and the tables behind them.

Every count is over the counted rows (copies of a message in another export count once) and
every value is a plain JSON type: ints, strings, None, lists and dicts; times ISO 8601 UTC ``Z``.
Beside DESIGN 4.4's keys the summary has ``notice_problems`` (why no request could be used),
``undetermined_reasons`` (reason -> rows), ``account_ids`` (account as the case file names it ->
the user ids the exports give it, for Discord, Telegram and Slack) and ``course_of_conduct``
(added by ``analyse``). Accounts are shown as the case file names them (``named_accounts``);
an unattributed account carries ``shown_as``, the names the exports show for it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import schema
from .notice import Notice

UNKNOWN_ACCOUNT = "(no account in the export)"


def iso(ts: pd.Timestamp | None) -> str | None:
    """ISO 8601 UTC with ``Z`` (microseconds only when present), or None."""
    if ts is None or pd.isna(ts):
        return None
    ts = pd.Timestamp(ts).tz_convert("UTC")
    text = ts.strftime("%Y-%m-%dT%H:%M:%S")
    return text + (f".{ts.microsecond:06d}Z" if ts.microsecond else "Z")


def local(ts: pd.Timestamp | None, tz: str) -> str | None:
    """The instant as a wall-clock time in ``tz``, with the zone's abbreviation (GMT, BST)."""
    if ts is None or pd.isna(ts):
        return None
    return pd.Timestamp(ts).tz_convert(tz).strftime("%Y-%m-%d %H:%M:%S %Z")


def iso_column(times: pd.Series) -> pd.Series:
    """:func:`iso` of every time, worked out on the whole column (None where missing)."""
    us, ok = _utc_us(times)
    secs = np.floor_divide(us, 10**6)
    micro = us - secs * 10**6
    text = _seconds_text(secs, ok, "T")
    out = [f"{t}.{m:06d}Z" if m else f"{t}Z" for t, m in zip(text, micro.tolist())]
    return _with_fallback(out, ok, secs, times, iso)


def local_column(times: pd.Series, tz: str) -> pd.Series:
    """:func:`local` of every time, worked out on the whole column (None where missing).

    The wall-clock text comes from the column converted at once; the zone's abbreviation
    (GMT, BST) is looked up once per UTC day and offset, from that group's first and last
    instants, and instant by instant only where those two disagree.
    """
    us, ok = _utc_us(times)
    wall = _micros(times.dt.tz_convert(tz).dt.tz_localize(None), ok)
    offset = wall - us
    secs = np.floor_divide(wall, 10**6)
    text = _seconds_text(secs, ok, " ")
    names = np.full(len(times), "", dtype=object)
    rows = np.flatnonzero(ok)
    day = np.floor_divide(us[rows], 86_400 * 10**6)
    grouped = pd.Series(rows).groupby([day, offset[rows]])
    group = grouped.ngroup().to_numpy()             # numbered in the order agg lists them
    spans = grouped.agg(["min", "max"])
    label = np.empty(len(spans), dtype=object)
    for g, (first, last) in enumerate(zip(spans["min"].tolist(), spans["max"].tolist())):
        a, b = (times.iloc[first].tz_convert(tz).tzname(), times.iloc[last].tz_convert(tz)
                .tzname())
        if a == b:
            label[g] = a
        else:
            label[g] = None
            for i in rows[group == g].tolist():
                names[i] = times.iloc[i].tz_convert(tz).tzname()
    found = label[group]
    named = found != None  # noqa: E711 - element-wise
    names[rows[named]] = found[named]
    out = [f"{t} {n}" for t, n in zip(text, names.tolist())]
    return _with_fallback(out, ok, secs, times, lambda t: local(t, tz))


def _utc_us(times: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Microseconds since the epoch (0 where missing) and where a time is present."""
    ok = times.notna().to_numpy()
    return _micros(times.dt.tz_convert("UTC").dt.tz_localize(None), ok), ok


def _micros(naive: pd.Series, ok: np.ndarray) -> np.ndarray:
    """Naive times as microseconds since the epoch (0 where missing), whatever their unit."""
    values = naive.to_numpy().astype("datetime64[us]").view("i8")
    return np.where(ok, values, 0)


def _seconds_text(secs: np.ndarray, ok: np.ndarray, sep: str) -> list[str]:
    """'YYYY-MM-DD<sep>HH:MM:SS' per second count ('' where missing)."""
    text = np.datetime_as_string(np.where(ok, secs, 0).astype("datetime64[s]"), unit="s")
    return [t.replace("T", sep) for t in text.tolist()]


def _with_fallback(out: list[str], ok: np.ndarray, secs: np.ndarray, times: pd.Series,
                   one) -> pd.Series:
    """Missing times as None; years numpy writes otherwise than strftime, one by one."""
    if not ok.any():            # the type pandas gives such a column, as the map gave it
        return times.map(one)
    year = secs.astype("datetime64[s]").astype("datetime64[Y]").astype(np.int64) + 1970
    odd = ok & ((year < 1000) | (year > 9999))
    for i in np.flatnonzero(odd | ~ok).tolist():
        out[i] = one(times.iloc[i])
    return pd.Series(out, index=times.index)     # text, missing as pandas infers it (as map)


#: table name -> (direction, period) of the counted rows it holds.
TABLES = {"respondent_after": ("respondent_to_victim", "after"),
          "respondent_before": ("respondent_to_victim", "before"),
          "victim_after": ("victim_to_respondent", "after"),
          "third_party_after": ("third_party_to_victim", "after"),
          "group_after": ("respondent_group", "after"),
          "unattributed_after": ("unattributed_to_victim", "after")}


def in_time_order(rows: pd.DataFrame, where: pd.Series | None = None) -> pd.DataFrame:
    """``rows[where].sort_values(["sent_at", "message_id"])`` (all rows without ``where``):
    missing values last, ties in frame order.

    Arrow's stable sort gives the same order (pandas orders text keys by factorising them
    first: seconds for the hundreds of thousands of message ids of a large case), and the
    selected rows are copied once, already in order.
    """
    if not (pd.api.types.is_datetime64_any_dtype(rows["sent_at"])
            and pd.api.types.is_string_dtype(rows["message_id"])):
        return (rows if where is None else rows[where]).sort_values(["sent_at", "message_id"])
    picked = (np.arange(len(rows)) if where is None
              else np.flatnonzero(np.asarray(where, dtype=bool)))
    keys = pa.table({"sent_at": pa.array(rows["sent_at"].take(picked)),
                     "message_id": pa.array(rows["message_id"].take(picked),
                                            type=pa.large_string())})
    order = pc.sort_indices(keys, sort_keys=[("sent_at", "ascending", "at_end"),
                                             ("message_id", "ascending", "at_end")])
    return schema.take(rows, picked[order.to_numpy()])


def counted(messages: pd.DataFrame) -> pd.DataFrame:
    return messages[messages["duplicate_of"] == ""]


def _counts(series: pd.Series) -> dict[str, int]:
    counts = series.astype(str).value_counts()
    return {str(k): int(v) for k, v in sorted(counts.items())}


def contacts(messages: pd.DataFrame, direction: str, period: str) -> pd.DataFrame:
    """Counted rows of one direction and period, in time order."""
    # One mask, one selection: a million-row frame is not copied to take a few rows.
    return in_time_order(messages, (messages["duplicate_of"] == "")
                         & (messages["direction"] == direction) & (messages["period"] == period))


def undetermined(messages: pd.DataFrame) -> pd.DataFrame:
    """Counted contacts of any direction that matters which could not be placed."""
    return in_time_order(messages, (messages["duplicate_of"] == "") & messages["is_contact"]
                         & (messages["direction"] != "other")
                         & (messages["period"] == "undetermined"))


#: Platforms whose exports name accounts by a user id the case file may replace with a name.
ID_PLATFORMS = ("discord", "telegram", "slack")


def named_accounts(rows: pd.DataFrame) -> pd.Series:
    """Each row's sender as the case file names the account (``discord:robz`` where the export
    gives the numeric id: ``identities`` sets ``sender_account``), else as the export gives it."""
    sender = rows["sender"].fillna("").astype(str)
    if "sender_account" not in rows:
        return sender
    named = rows["sender_account"].fillna("").astype(str)
    return named.where(named != "", sender)


def _accounts(rows: pd.DataFrame) -> pd.Series:
    named = named_accounts(rows)
    return named.where(named != "", UNKNOWN_ACCOUNT)


def account_ids(rows: pd.DataFrame) -> dict[str, list[str]]:
    """Account as named -> the ids the exports give it, for platforms with user ids (a platform
    or the police asks for the id; the report shows the name the case file uses)."""
    pairs = pd.DataFrame({"named": named_accounts(rows).to_numpy(),
                          "id": rows["sender"].fillna("").astype(str).to_numpy()})
    pairs = pairs[(pairs["named"] != pairs["id"]) & (pairs["id"] != "")].drop_duplicates()
    pairs = pairs.loc[np.array([k.partition(":")[0] in ID_PLATFORMS for k in pairs["id"]],
                               dtype=bool)]
    return {str(k): sorted(g["id"]) for k, g in pairs.groupby("named", sort=True)}


def _block(rows: pd.DataFrame, *, accounts: bool = True, platforms: bool = True,
           span: bool = False) -> dict:
    out: dict = {"total": int(len(rows))}
    if platforms:
        out["by_platform"] = _counts(rows["platform"])
    if accounts:
        out["by_account"] = _counts(_accounts(rows))
    if span:
        out["first_at"] = iso(rows["sent_at"].min()) if len(rows) else None
        out["last_at"] = iso(rows["sent_at"].max()) if len(rows) else None
    return out


def _text(value: object) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def notice_block(notice: Notice, tz: str) -> dict | None:
    """The request: text, channel, time in UTC and in the case zone, source, hash, repeats."""
    if not notice.found:
        return None
    row = notice.row
    body = _text(row["body"])
    return {"message_id": _text(row["message_id"]), "sent_at": iso(notice.earliest),
            "sent_at_latest": iso(notice.latest), "sent_at_local": local(notice.earliest, tz),
            "platform": _text(row["platform"]), "sender": _text(row["sender"]),
            "sender_person": _text(row.get("sender_person")),
            "recipients": _text(row["recipients"]), "conversation": _text(row["conversation"]),
            "text": body if body else _text(row["subject"]), "subject": _text(row["subject"]),
            "source_path": _text(row["source_path"]), "locator": _text(row["locator"]),
            "record_sha256": _text(row["record_sha256"]), "copies": _text(row.get("copies")),
            "how_found": notice.how_found, "phrase": notice.phrase,
            "language": notice.language, "received": notice.received,
            "repeats": [_text(m) for m in notice.repeats["message_id"]]}


def unattributed(messages: pd.DataFrame, rows: pd.DataFrame | None = None) -> list[dict]:
    """Accounts nobody claimed that wrote to the victim after the request, most first
    (``rows``: those contacts when already selected)."""
    if rows is None:
        rows = contacts(messages, "unattributed_to_victim", "after")
    counts = rows["sender"].astype(str).value_counts()
    shown = _shown_as(rows)
    return [{"account": str(k), "total": int(v), "shown_as": shown.get(str(k), "")}
            for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def _shown_as(rows: pd.DataFrame) -> dict[str, str]:
    """Account -> the names the exports show for it, sorted and ``; ``-joined."""
    if "sender_display" not in rows:
        return {}
    pairs = pd.DataFrame({"account": rows["sender"].astype(str).to_numpy(),
                          "name": rows["sender_display"].fillna("").astype(str).to_numpy()})
    pairs = pairs[pairs["name"] != ""].drop_duplicates()
    return {str(k): "; ".join(sorted(set(g["name"]))) for k, g in pairs.groupby("account")}


def summarize(messages: pd.DataFrame, notice: Notice, *, case_id: str, tool_version: str,
              sources: list[dict], tz: str = "UTC",
              tables: dict[str, pd.DataFrame] | None = None) -> dict:
    """The summary as DESIGN 4.4 lays it out, from classified, placed, duplicate-marked rows.

    ``tables``: the rows of :data:`TABLES` (and ``undetermined``) when already selected from
    ``messages`` by :func:`contacts` and :func:`undetermined`; missing ones are selected here.
    """
    found = dict(tables or {})

    def rows(name: str) -> pd.DataFrame:
        if name not in found:
            found[name] = (undetermined(messages) if name == "undetermined"
                           else contacts(messages, *TABLES[name]))
        return found[name]
    unplaced = rows("undetermined")
    return {
        "case_id": str(case_id), "tool_version": str(tool_version),
        "messages_total": int((messages["duplicate_of"] == "").sum()),
        "duplicates_merged": int((messages["duplicate_of"] != "").sum()),
        "notice": notice_block(notice, tz),
        "notice_problems": [str(p) for p in notice.problems],
        "respondent_contacts_after_notice": _block(rows("respondent_after"), span=True),
        "respondent_contacts_before_notice": _block(rows("respondent_before")),
        "respondent_group_messages_after_notice": int(len(rows("group_after"))),
        "victim_contacts_after_notice": _block(rows("victim_after"), accounts=False),
        "third_party_contacts_after_notice": _block(rows("third_party_after"), platforms=False),
        "unattributed_accounts_after_notice": unattributed(messages,
                                                           rows("unattributed_after")),
        "undetermined": int(len(unplaced)),
        "undetermined_reasons": _counts(unplaced["undetermined_reason"]),
        "account_ids": account_ids(pd.concat([rows(name) for name in TABLES]))
        if any(len(rows(name)) for name in TABLES) else {},
        "sources": list(sources),
    }
