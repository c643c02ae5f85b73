"""Find the stop request: the earliest victim -> respondent message that asks for no contact.

Found from a built-in list of phrases plus the case's own, or pinned by ``message_id`` in the
case file (the id of any copy of a duplicated message names the counted copy). Later matches are
listed as repeats. Whether it was received is evidenced by a read receipt where an export records
one (a ``read_at`` column), by the respondent replying to it (``in_reply_to`` naming its
Message-ID), or by the respondent writing to the victim in the same conversation after it;
otherwise it is "not evidenced". A request that cannot be used says why in ``problems``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

#: Phrases that ask for no further contact, matched case-insensitively as whole phrases.
STOP_PHRASES = (
    "do not contact me", "don't contact me", "dont contact me", "do not ever contact me",
    "stop contacting me", "never contact me again", "no further contact", "cease all contact",
    "cease contact", "leave me alone", "do not message me", "don't message me",
    "stop messaging me", "do not text me", "stop texting me", "do not call me",
    "stop calling me", "do not email me", "stop emailing me", "do not write to me",
    "stop writing to me", "not to contact me", "any further contact",
)
#: Apostrophes people type, all read as ASCII ' (phones turn ' into a curly one).
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\uff07": "'"})
NOT_EVIDENCED = "not evidenced"


@dataclass(frozen=True)
class Notice:
    row: pd.Series | None                  # the stop request, or None when none was found
    candidates: pd.DataFrame               # every matching victim -> respondent message
    how_found: str                         # "phrase 'do not contact me'" / "pinned by ..."
    received: str = NOT_EVIDENCED          # how receipt is evidenced
    problems: list[str] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return self.row is not None

    @property
    def message_id(self) -> str | None:
        return None if self.row is None else str(self.row["message_id"])

    @property
    def earliest(self) -> pd.Timestamp | None:
        return None if self.row is None else self.row["sent_at"]

    @property
    def latest(self) -> pd.Timestamp | None:
        if self.row is None:
            return None
        latest = self.row["sent_at_latest"]
        return self.row["sent_at"] if pd.isna(latest) else latest

    @property
    def repeats(self) -> pd.DataFrame:
        """Candidates after the request, or whose time cannot say they are before it."""
        if self.row is None:
            return self.candidates.iloc[0:0]
        others = self.candidates[self.candidates["message_id"] != self.row["message_id"]]
        return others[~(others["sent_at_latest"].fillna(others["sent_at"]) < self.earliest)
                      .fillna(False)]


def _pattern(phrases: Iterable[str]) -> re.Pattern:
    alts = sorted({p.translate(_APOSTROPHES).strip().casefold() for p in phrases if p.strip()},
                  key=len, reverse=True)
    words = "|".join(r"\s+".join(map(re.escape, a.split())) for a in alts)
    return re.compile(rf"(?<!\w)({words})(?!\w)", re.IGNORECASE)


def matched_phrase(text: str, pattern: re.Pattern) -> str:
    """The stop phrase in ``text`` (lower-cased, spaces as in the phrase list), or ''."""
    hit = pattern.search(text.translate(_APOSTROPHES))
    return " ".join(hit.group(1).casefold().split()) if hit else ""


def candidates(messages: pd.DataFrame, phrases: Iterable[str] = ()) -> pd.DataFrame:
    """Counted victim -> respondent messages that contain a stop phrase, earliest first."""
    counted = messages[_counted(messages)]
    to_resp = counted[counted["direction"] == "victim_to_respondent"]
    pattern = _pattern([*STOP_PHRASES, *phrases])
    text = to_resp["subject"].fillna("") + "\n" + to_resp["body"].fillna("")
    hits = text.map(lambda t: matched_phrase(str(t), pattern))
    found = to_resp[hits != ""].assign(matched=hits[hits != ""])
    return found.sort_values(["sent_at", "message_id"], na_position="last")


def _counted(messages: pd.DataFrame) -> pd.Series:
    if "duplicate_of" not in messages:
        return pd.Series(True, index=messages.index)
    return (messages["duplicate_of"].fillna("") == "").astype(bool)


def find(messages: pd.DataFrame, *, pinned: str = "auto", phrases: Iterable[str] = (),
         ) -> Notice:
    """The stop request among resolved, duplicate-marked, classified messages."""
    found = candidates(messages, phrases)
    if pinned and pinned.strip() != "auto":
        return _pinned(messages, found, pinned.strip())
    timed = found[found["sent_at"].notna()]
    if timed.empty:
        return Notice(None, found, "", problems=[_none_found(found)])
    row = timed.iloc[0]
    return _with_receipt(messages, Notice(row, found, f"phrase '{row['matched']}'"))


def _none_found(found: pd.DataFrame) -> str:
    if len(found):
        return ("stop-request phrases were found only in messages without a time "
                f"({', '.join(found['message_id'])}); pin the request with [notice] "
                "message = \"<message_id>\" once its time is known")
    return ("no stop request found: no message from the victim to a respondent contains a "
            "stop phrase; add the wording to [notice] phrases or pin it with [notice] message "
            "= \"<message_id>\" (contact cannot be placed before or after a request)")


def _pinned(messages: pd.DataFrame, found: pd.DataFrame, pinned: str) -> Notice:
    rows = messages[messages["message_id"] == pinned]
    if rows.empty:
        return Notice(None, found, "", problems=[
            f"[notice] message = {pinned!r} is not the message_id of any message; expected an "
            "id from the message_id column of messages.csv (copy it exactly)"])
    row = rows.iloc[0]
    survivor = str(row.get("duplicate_of", "") or "")
    if survivor:
        row = messages[messages["message_id"] == survivor].iloc[0]
    if pd.isna(row["sent_at"]):
        return Notice(None, found, "", problems=[
            f"[notice] message = {pinned!r} has no time in its export, so nothing can be placed "
            "before or after it; pin a message that has one"])
    problems = _earlier(found, row)
    if row.get("direction") != "victim_to_respondent":
        problems.append(f"the pinned message {row['message_id']} is not a message from "
                        f"the victim to a respondent (it is {row.get('direction', 'unknown')}); "
                        "it is used as the notice because the case file says so")
    notice = Notice(row, found, "pinned by the case file", problems=problems)
    return _with_receipt(messages, notice)


def _earlier(found: pd.DataFrame, row: pd.Series) -> list[str]:
    """Phrase matches clearly before a pinned request: said, since the volunteer chose later."""
    before = found[(found["sent_at_latest"].fillna(found["sent_at"]) < row["sent_at"])
                   .fillna(False)]
    if before.empty:
        return []
    return [f"{len(before)} earlier message(s) also contain a stop phrase "
            f"({', '.join(before['message_id'])}); the pinned request is used as the notice"]


def _with_receipt(messages: pd.DataFrame, notice: Notice) -> Notice:
    return Notice(notice.row, notice.candidates, notice.how_found,
                  received_evidence(messages, notice.row), notice.problems)


def received_evidence(messages: pd.DataFrame, row: pd.Series) -> str:
    """How the request is shown to have reached the respondent, or 'not evidenced'."""
    read_at = row.get("read_at")
    if read_at is not None and not pd.isna(read_at) and str(read_at).strip():
        return f"read receipt at {read_at}"
    later = messages[_counted(messages) & (messages["direction"] == "respondent_to_victim")
                     & (messages["sent_at"] > row["sent_at_latest"]).fillna(False)]
    later = later.sort_values(["sent_at", "message_id"])
    own_id = str(row.get("email_message_id", "") or "").strip()
    if own_id and "in_reply_to" in later:
        replies = later[later["in_reply_to"].fillna("").str.contains(own_id, regex=False)]
        if len(replies):
            return f"the respondent replied to it ({_where(replies.iloc[0])})"
    same = later[later["conversation"] == row["conversation"]]
    if str(row["conversation"] or "") and len(same):
        return f"the respondent wrote in the same conversation after it ({_where(same.iloc[0])})"
    return NOT_EVIDENCED


def _where(row: pd.Series) -> str:
    return f"{row['message_id']} at {row['sent_at']:%Y-%m-%dT%H:%M:%SZ}"
