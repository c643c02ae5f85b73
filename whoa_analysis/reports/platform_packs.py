"""``complaints/platform-<name>/``: what one platform's desk gets, third parties redacted.

Each pack holds only that platform's rows after the request (the respondent's direct and group
messages): ``messages.csv`` (laid out as contacts_after_notice.csv, neutralised for spreadsheets
like every viewing CSV), ``messages.pdf`` (a short listing) and ``redactions.txt`` (what was
redacted, without saying who). A platform has no need of the names and accounts of people who
are neither the victim nor the respondent: every third party of the case file gets one label,
``[third party 1]``, the same in every pack and every column, wherever their name, an account
key, an account's identifier or a name their accounts were shown with appears (names, accounts,
conversation names, bodies, subjects, file names). ``complaints/redaction-key.txt`` says who is
who, for the volunteer and the police; the police draft and the pack's other files are never
redacted.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import phonenumbers

from ..analysis import contact_rows
from ..case import Case
from ..i18n import N_, Translate
from . import _content as c
from . import _drafts as d
from . import pdf, tables

#: Text columns redacted (the rest are times, hashes, locators and our own categories).
TEXT_COLUMNS = ("sender", "sender_display", "recipients", "conversation", "body", "subject",
                "source_path", "attachments", "warnings", "sender_alt")
#: Columns of ``;``-joined person ids.
PERSON_COLUMNS = ("sender_person", "recipient_persons")
#: Where each redacted column is counted, in words.
_WHERE = {"sender": N_("accounts"), "recipients": N_("accounts"),
          "sender_alt": N_("accounts"), "sender_display": N_("names"),
          "conversation": N_("conversation names"), "body": N_("bodies"),
          "subject": N_("subjects"), "source_path": N_("file names"),
          "attachments": N_("file names"), "warnings": N_("notes"),
          "sender_person": N_("person ids"), "recipient_persons": N_("person ids")}


@dataclass
class Redactor:
    """Third parties' names and accounts -> their labels (case-insensitive, whole words)."""

    labels: dict[str, str]                      # person id -> "[third party N]"
    names: dict[str, str]                       # person id -> name in the case file
    pattern: re.Pattern | None
    by_term: dict[str, str]                     # casefolded term -> label
    counts: Counter = field(default_factory=Counter)    # (label, where) -> replacements

    def text(self, value: object, column: str) -> str:
        out = c.text(value)
        if self.pattern is None or not out:
            return out
        return self.pattern.sub(lambda m: self._hit(m.group(0), column), out)

    def persons(self, value: object, column: str) -> str:
        parts = c.text(value).split(";")
        out = [self._person(p, column) for p in parts]
        return ";".join(out)

    def _person(self, pid: str, column: str) -> str:
        if pid in self.labels:
            self.counts[(self.labels[pid], _WHERE[column])] += 1
            return self.labels[pid]
        return pid

    def _hit(self, found: str, column: str) -> str:
        label = self.by_term[found.casefold()]
        self.counts[(label, _WHERE.get(column, column))] += 1
        return label

    def frame(self, rows: pd.DataFrame) -> pd.DataFrame:
        """A copy of ``rows`` with the text and person columns redacted."""
        out = rows.copy()
        for col in TEXT_COLUMNS:
            if col in out:
                out[col] = [self.text(v, col) for v in out[col].tolist()]
        for col in PERSON_COLUMNS:
            if col in out:
                out[col] = [self.persons(v, col) for v in out[col].tolist()]
        return out


def redactor(case: Case, messages: pd.DataFrame) -> Redactor:
    """The labels of the case's third parties, in the order the case file names them."""
    people = case.people_with_role("third_party")
    labels = {p.id: f"[third party {n}]" for n, p in enumerate(people, 1)}
    by_term: dict[str, str] = {}
    for p in people:
        for term in _terms(case, p, messages):
            by_term.setdefault(term.casefold(), labels[p.id])
    terms = sorted((t for t in by_term if len(t) >= 2), key=len, reverse=True)
    pattern = re.compile("|".join(_bounded(t) for t in terms), re.IGNORECASE) if terms else None
    return Redactor(labels, {p.id: p.name for p in people}, pattern, by_term)


def _bounded(term: str) -> str:
    """``term`` not inside a longer word: "Sam" matches "Sam," but not "Samuel"."""
    left = r"(?<!\w)" if term[:1].isalnum() else ""
    right = r"(?!\w)" if term[-1:].isalnum() else ""
    return left + re.escape(term) + right


def _terms(case: Case, person: object, messages: pd.DataFrame) -> set[str]:
    terms = {person.name}
    for key in (*person.accounts, *person.accounts_as_written):
        terms |= {key, key.partition(":")[2].strip()}
        if key.lower().startswith("phone:"):
            terms |= _phone_forms(key.partition(":")[2], case.region)
    if "sender_person" in messages and "sender_display" in messages:
        shown = messages.loc[messages["sender_person"] == person.id, "sender_display"]
        terms |= {c.text(v) for v in shown.dropna().unique()}
    return {t.strip() for t in terms if t and t.strip()}


def _phone_forms(number: str, region: str | None) -> set[str]:
    """The ways a number is commonly written: as given, E.164, national, international."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return {number}
    fmt = phonenumbers.PhoneNumberFormat
    forms = {phonenumbers.format_number(parsed, f) for f in (fmt.E164, fmt.NATIONAL,
                                                              fmt.INTERNATIONAL)}
    return forms | {f.replace(" ", "") for f in forms} | {number}


# --------------------------------------------------------------------------- the pack

def write_pack(inp: c.Inputs, desk_name: str, rows: pd.DataFrame, folder: Path,
               red: Redactor, _: Translate) -> list[Path]:
    """``rows`` (already redacted) as messages.csv and messages.pdf, and redactions.txt."""
    folder.mkdir(parents=True, exist_ok=True)
    table = contact_rows(rows, inp.case.timezone)
    tables.write_csv(table, folder / "messages.csv")
    report = c.Report(f"{desk_name}: {_('messages after the request to stop')}",
                      c.report_id(inp.analysis.summary), _pdf_blocks(inp, desk_name, table, _))
    pdf.write(report, folder / "messages.pdf", inp.generated_at)
    (folder / "redactions.txt").write_text(redactions_text(red, _), encoding="utf-8")
    return [folder / "messages.csv", folder / "messages.pdf", folder / "redactions.txt"]


def _pdf_blocks(inp: c.Inputs, desk: str, table: pd.DataFrame, _: Translate) -> list:
    rows = [tuple(c.text(v) for v in r) for r in table[
        ["sent_at_utc", "from_account", "from_name", "conversation", "kind", "excerpt",
         "message_id"]].itertuples(index=False)]
    return [c.Heading(desk, 1), c.Para(_("Messages after the request to stop"), "strong"),
            c.Para(_(d.DRAFT), "warning"),
            c.Para(d.notice_line(inp, _)),
            c.Para(_("{count} message(s) after the request, times in UTC. messages.csv holds "
                     "them with their sources and hashes.").format(count=len(rows))),
            c.Para(_("People who are neither the person reporting nor the person reported are "
                     "shown as [third party N] (see redactions.txt)."), "note"),
            c.Table((_("Sent (UTC)"), _("Account"), _("Name shown"), _("Conversation"),
                     _("Kind"), _("Text"), _("Evidence id")), rows,
                    widths=(1.8, 1.2, 0.9, 1.3, 0.7, 2.8, 1.6), mono=(6,), nowrap=(0, 4),
                    max_lines=8)]


def redactions_text(red: Redactor, _: Translate) -> str:
    lines = [_("Redactions in this pack"), "",
             _("Third parties (people who are neither the person reporting nor the person "
               "reported) are replaced by a label, the same label for the same person in every "
               "pack. Who they are is in redaction-key.txt, kept by the volunteer (not sent)."),
             ""]
    used = sorted({label for label, _where in red.counts},
                  key=lambda x: int(re.sub(r"\D", "", x)))
    for label in used:
        where = ", ".join(f"{_(w)} {n}" for (lab, w), n in sorted(red.counts.items())
                          if lab == label)
        lines.append(f"{label}: {_('replaced in')} {where}")
    if not used:
        lines.append(_("Nothing was redacted: no third party's name or account appears in "
                       "these messages."))
    lines += ["", _("Other names in the messages (people not in the case file) are not "
                    "redacted; check before sending.")]
    return d.join(lines)


def key_text(red: Redactor, _: Translate) -> str:
    """Who each label stands for: for the volunteer and the police, never for a platform."""
    lines = [_("Redaction key: for the volunteer and the police. Do not send this file to a "
               "platform."), ""]
    lines += [f"{label} = {d.plain(red.names[pid])} ({_('person id')} {d.plain(pid)})"
              for pid, label in red.labels.items()]
    return d.join(lines)
