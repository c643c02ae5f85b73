"""Find the stop request: the earliest victim -> respondent message that asks for no contact.

Found from the built-in phrases of every language (``languages/stop_phrases.toml``, matched on
a folded copy of the text: case, accents and curly quotes do not matter) plus the case's own; the
notice names the phrase and its language, or pinned by ``message_id`` in the
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

import numpy as np
import pandas as pd

from .. import languages

# The built-in phrases, per language, are data: languages/stop_phrases.toml (read on first use).
#: What the case file's own phrases are said to come from.
CASE_LANGUAGE = "case"
NOT_EVIDENCED = "not evidenced"
#: How the request is shown to have reached the respondent: English templates, filled from the
#: receipt's fields (the report says them in its language through the message catalogue).
READ_RECEIPT = "read receipt at {at}"
REPLIED = "the respondent replied to it ({message} at {at})"
SAME_CONVERSATION = "the respondent wrote in the same conversation after it ({message} at {at})"
PINNED = "pinned by the case file"
FOUND_BY_PHRASE = "phrase '{phrase}' ({language})"


@dataclass(frozen=True)
class Notice:
    row: pd.Series | None                  # the stop request, or None when none was found
    candidates: pd.DataFrame               # every matching victim -> respondent message
    how_found: str                         # "phrase 'do not contact me' (English (en))" / ...
    receipt: tuple[str, dict] = (NOT_EVIDENCED, {})   # how receipt is evidenced: template, fields
    problems: list[str] = field(default_factory=list)

    @property
    def received(self) -> str:
        template, fields = self.receipt
        return template.format(**fields)

    @property
    def found(self) -> bool:
        return self.row is not None

    @property
    def phrase(self) -> str | None:
        """The stop phrase the request holds, as listed (None when pinned without one)."""
        return _row_value(self.row, "matched")

    @property
    def language(self) -> str | None:
        """The phrase's language code ("case" for the case file's own phrases)."""
        return _row_value(self.row, "matched_language")

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


@dataclass(frozen=True)
class Phrases:
    """The stop phrases as one pattern over folded text, and each match's phrase and language."""

    pattern: re.Pattern
    by_key: dict[str, languages.StopPhrase]


def _key(folded: str) -> str:
    """A folded phrase or match with its word separators made one space."""
    return " ".join(_SEPARATOR.split(folded)).strip()


_SEPARATOR = re.compile(r"[^\w']+")


def _phrases(extra: Iterable[str] = ()) -> Phrases:
    listed = [*languages.stop_phrases(),
              *(languages.StopPhrase(p.strip(), CASE_LANGUAGE) for p in extra if p.strip())]
    by_key: dict[str, languages.StopPhrase] = {}
    for p in listed:
        by_key.setdefault(_key(languages.fold(p.phrase)), p)   # the first listed wins
    alts = []
    for key in sorted(by_key, key=len, reverse=True):
        body = r"[^\w']+".join(map(re.escape, key.split()))
        alts.append(rf"(?<!\w){body}(?!\w)" if by_key[key].spaced else body)
    return Phrases(re.compile("|".join(alts)), by_key)


def phrases(extra: Iterable[str] = ()) -> Phrases:
    """The built-in stop phrases and the case's own, ready for :func:`match` (OCR text of an
    exhibit is searched with them to suggest a pin, never to count)."""
    return _phrases(extra)


def match(text: str, phrases: Phrases) -> languages.StopPhrase | None:
    """The stop phrase in ``text`` (matched on a folded copy: case, accents and curly
    quotes do not matter; the text itself is never changed), or None."""
    hit = phrases.pattern.search(languages.fold(text))
    return phrases.by_key.get(_key(hit.group(0))) if hit else None


def matched_phrase(text: str, phrases: Phrases) -> str:
    """The stop phrase in ``text`` as listed, or ''."""
    found = match(text, phrases)
    return found.phrase if found else ""


def language_name(code: str) -> str:
    """A phrase's language as words ("Deutsch (de)"; "the case file" for the case's own)."""
    if code == CASE_LANGUAGE:
        return "the case file"
    name = languages.language_names().get(code)
    return f"{name} ({code})" if name else code


def candidates(messages: pd.DataFrame, phrases: Iterable[str] = ()) -> pd.DataFrame:
    """Counted victim -> respondent messages that contain a stop phrase, earliest first, with
    the phrase (``matched``) and its language (``matched_language``)."""
    counted = messages[_counted(messages)]
    to_resp = counted[counted["direction"] == "victim_to_respondent"]
    table = _phrases(phrases)
    text = to_resp["subject"].fillna("") + "\n" + to_resp["body"].fillna("")
    hits = [match(str(t), table) for t in text]
    keep = np.array([h is not None for h in hits], dtype=bool)
    found = to_resp[keep].assign(matched=[h.phrase for h in hits if h],
                                 matched_language=[h.language for h in hits if h])
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
    how = FOUND_BY_PHRASE.format(phrase=row["matched"],
                                 language=language_name(row["matched_language"]))
    return _with_receipt(messages, Notice(row, found, how))


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
    notice = Notice(row, found, PINNED, problems=problems)
    return _with_receipt(messages, notice)


def _earlier(found: pd.DataFrame, row: pd.Series) -> list[str]:
    """Phrase matches clearly before a pinned request: said, since the volunteer chose later."""
    before = found[(found["sent_at_latest"].fillna(found["sent_at"]) < row["sent_at"])
                   .fillna(False)]
    if before.empty:
        return []
    return [f"{len(before)} earlier message(s) also contain a stop phrase "
            f"({', '.join(before['message_id'])}); the pinned request is used as the notice"]


def _row_value(row: pd.Series | None, key: str) -> str | None:
    if row is None or key not in row.index or pd.isna(row[key]) or not str(row[key]):
        return None
    return str(row[key])


def _with_receipt(messages: pd.DataFrame, notice: Notice) -> Notice:
    return Notice(notice.row, notice.candidates, notice.how_found,
                  received_evidence(messages, notice.row), notice.problems)


def received_evidence(messages: pd.DataFrame, row: pd.Series) -> tuple[str, dict]:
    """How the request is shown to have reached the respondent (a template and its fields),
    or 'not evidenced'."""
    read_at = row.get("read_at")
    if read_at is not None and not pd.isna(read_at) and str(read_at).strip():
        return READ_RECEIPT, {"at": str(read_at)}
    later = messages[_counted(messages) & (messages["direction"] == "respondent_to_victim")
                     & (messages["sent_at"] > row["sent_at_latest"]).fillna(False)]
    later = later.sort_values(["sent_at", "message_id"])
    own_id = str(row.get("email_message_id", "") or "").strip()
    if own_id and "in_reply_to" in later:
        replies = later[later["in_reply_to"].fillna("").str.contains(own_id, regex=False)]
        if len(replies):
            return REPLIED, _where(replies.iloc[0])
    same = later[later["conversation"] == row["conversation"]]
    if str(row["conversation"] or "") and len(same):
        return SAME_CONVERSATION, _where(same.iloc[0])
    return NOT_EVIDENCED, {}


def _where(row: pd.Series) -> dict:
    return {"message": str(row["message_id"]), "at": f"{row['sent_at']:%Y-%m-%dT%H:%M:%SZ}"}
