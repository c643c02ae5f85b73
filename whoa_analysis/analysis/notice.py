"""Find the stop request: the earliest victim -> respondent message that asks for no contact.

Found from a built-in list of phrases plus the case's own, or pinned by ``message_id`` in the
case file. Later matches are listed as repeats. Whether it was received is evidenced by the
respondent writing to the victim after it in the same conversation (a reply) or by a read
receipt where an export records one; otherwise it is "not evidenced".
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


@dataclass(frozen=True)
class Notice:
    row: pd.Series | None                  # the stop request, or None when none was found
    candidates: pd.DataFrame               # every matching victim -> respondent message
    how_found: str                         # "phrase 'do not contact me'" / "pinned by case file"
    received: str = "not evidenced"        # how receipt is evidenced
    problems: list[str] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return self.row is not None

    @property
    def earliest(self) -> pd.Timestamp | None:
        return None if self.row is None else self.row["sent_at"]

    @property
    def latest(self) -> pd.Timestamp | None:
        return None if self.row is None else self.row["sent_at_latest"]

    @property
    def repeats(self) -> pd.DataFrame:
        if self.row is None:
            return self.candidates.iloc[0:0]
        return self.candidates[self.candidates["message_id"] != self.row["message_id"]]


def _pattern(phrases: Iterable[str]) -> re.Pattern:
    alts = sorted({p.strip().casefold() for p in phrases if p.strip()}, key=len, reverse=True)
    words = "|".join(re.escape(a).replace(r"\ ", r"\s+") for a in alts)
    return re.compile(rf"(?<!\w)({words})(?!\w)", re.IGNORECASE)


def matched_phrase(text: str, pattern: re.Pattern) -> str:
    hit = pattern.search(text.replace("\u2019", "'"))
    return hit.group(1).casefold() if hit else ""


def find(messages: pd.DataFrame, *, pinned: str = "auto", phrases: Iterable[str] = (),
         ) -> Notice:
    """The stop request among resolved, de-duplicated, classified messages."""
    to_resp = messages[messages["direction"] == "victim_to_respondent"]
    pattern = _pattern([*STOP_PHRASES, *phrases])
    text = (to_resp["subject"].fillna("") + "\n" + to_resp["body"].fillna(""))
    hits = text.map(lambda t: matched_phrase(t, pattern))
    candidates = to_resp[hits != ""].assign(matched=hits[hits != ""])
    candidates = candidates.sort_values(["sent_at", "message_id"], na_position="last")
    if pinned and pinned != "auto":
        return _pinned(messages, candidates, pinned)
    timed = candidates[candidates["sent_at"].notna()]
    if timed.empty:
        return Notice(None, candidates, "", problems=[_none_found(candidates)])
    row = timed.iloc[0]
    notice = Notice(row, candidates, f"phrase '{row['matched']}'")
    return _with_receipt(messages, notice)


def _none_found(candidates: pd.DataFrame) -> str:
    if len(candidates):
        return ("stop-request phrases were found only in messages without a time; pin the "
                "request with [notice] message = \"<message_id>\"")
    return ("no stop request found: no message from the victim to a respondent contains a "
            "stop phrase; add the wording to [notice] phrases or pin it with [notice] message")


def _pinned(messages: pd.DataFrame, candidates: pd.DataFrame, pinned: str) -> Notice:
    rows = messages[messages["message_id"] == pinned]
    if rows.empty:
        return Notice(None, candidates, "", problems=[
            f"[notice] message = {pinned!r} is not a message_id of any source; copy it from "
            "messages.csv"])
    notice = Notice(rows.iloc[0], candidates, "pinned by the case file")
    return _with_receipt(messages, notice)


def _with_receipt(messages: pd.DataFrame, notice: Notice) -> Notice:
    row = notice.row
    replies = messages[(messages["direction"] == "respondent_to_victim")
                       & (messages["conversation"] == row["conversation"])
                       & (messages["sent_at"] > row["sent_at_latest"])]
    if "read_at" in messages and pd.notna(row.get("read_at")):
        received = f"read receipt at {row['read_at']}"
    elif len(replies):
        first = replies.sort_values("sent_at").iloc[0]
        received = (f"the respondent wrote in the same conversation after it "
                    f"({first['message_id']} at {first['sent_at']:%Y-%m-%d %H:%M:%S} UTC)")
    else:
        received = "not evidenced"
    return Notice(row, notice.candidates, notice.how_found, received, notice.problems)
