"""What the report says, once, as plain blocks; ``html.py`` and ``pdf.py`` only lay them out.

Every value here is data (text); nothing is markup. The renderers escape (HTML) or map to the
font (PDF). Sections and their order are the same in both formats because they come from here.

Our own words come from the message catalogue (:mod:`..i18n`) in the case's language: each is
written once, in English, as ``_("msgid")`` where it is used or ``N_("msgid")`` where a constant
keeps it, so the catalogue test finds them all. What a source holds (names, accounts, message
text, platform and kind codes) is never translated.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import i18n, schema
from ..analysis import Analysis, contact_rows
from ..analysis import notice as notice_mod
from ..analysis.summary import iso
from ..case import Case
from ..i18n import N_, Translate, plural
from . import _exhibits, _mail
from ._words import platform_word
from .tables import neutralised_count

NONE_FOUND = N_("none found in the sources listed")
NO_EMAIL = N_("no email sources")
NO_LEGAL = N_("This report states facts from the sources; it draws no legal conclusions.")
CONTENT_WARNING = N_("Content warning: this report quotes messages exactly as they were sent. "
                     "They may be abusive, threatening or distressing.")
DIRECTION_NAMES = {
    "respondent_to_victim": N_("respondent → victim"),
    "respondent_group": N_("respondent in groups"),
    "victim_to_respondent": N_("victim → respondent"),
    "third_party_to_victim": N_("third party → victim"),
    "unattributed_to_victim": N_("unattributed account → victim"), "other": N_("other"),
}
ROLE_NAMES = {"victim": N_("victim"), "respondent": N_("respondent"),
              "third_party": N_("third party")}
FIGURES = {  # file stem -> caption
    "daily": N_("Contacts per day by direction, with the stop request marked."),
    "lanes": N_("Every account that wrote to the victim, one lane each; hollow markers are "
                "accounts not in the case file; NEW marks accounts first seen after the "
                "request."),
    "heatmap": N_("Respondent contact after the stop request by hour of day and weekday."),
    "cumulative": N_("Respondent contacts after the stop request, added up over time."),
}
#: The warnings readers give a local time that DST makes ambiguous or impossible
#: (readers/_common.py); shown in the report in the case's language.
TIME_WARNINGS = (N_("ambiguous local time (clocks went back): both instants kept"),
                 N_("non-existent local time (clocks went forward): both readings kept"))
#: The fixed words the analysis gives a row or the request (analysis/contact.py, notice.py),
#: shown through ``_`` so the report says them in its language; anything else passes as is.
ANALYSIS_WORDS = (N_("reader flagged it as possibly forged or out of order"),
                  N_("no time in the export"),
                  N_("ambiguous local time (DST): one reading is before the request, one after"),
                  N_("within the ambiguity of the request's own local time"),
                  N_("same instant as the request"), N_("not evidenced"))
#: A row's kind as the report words it (the tables and CSV files keep the schema's value).
KIND_WORDS = {"text": N_("text"), "media": N_("media"), "call": N_("call"),
              "deleted": N_("deleted"), "system": N_("system line"), "unparsed": N_("unparsed")}


def kind_words(kinds: pa.Array, _: Translate) -> pa.Array:
    """Each row's kind in the report's language."""
    words = {kind: _(msgid) for kind, msgid in KIND_WORDS.items()}
    return pa.array([None if k is None else words.get(k, k) for k in kinds.to_pylist()],
                    pa.large_string())


#: The mail trace's sentences (analysis/trace.py), filled after translation.
TRACE_WORDS = (N_("No Received fields: nothing shows how the message travelled."),
               N_("All {n} Received fields were written by the victim's own providers; the "
                  "message was sent from inside them."),
               N_("Hop {hop} is where the message was handed over to the victim's provider "
                  "(hop {own} was written by it)."),
               N_("Hop {hop} is where the message was handed over to the victim's provider "
                  "(hops {own} were written by it)."),
               N_("Hop {hop} is where the message was handed over; no hop was written by the "
                  "victim's own providers, so none is checked."),
               N_("Hop {below} below it was written before the message reached the victim's "
                  "provider: the sender or the sending provider could have forged it, "
                  "including its host, IP address and time."),
               N_("Hops {below} below it were written before the message reached the victim's "
                  "provider: the sender or the sending provider could have forged them, "
                  "including their hosts, IP addresses and times."),
               N_("the sending address's mail domain"),
               N_("the provider that handed the message to the victim's server"),
               N_("the domain that signed it (DKIM)"), N_("{desk} abuse desk: {what}"),
               N_("From header domain {domain} (the From header may be forged)"),
               N_("handoff hop {hop}: by {host}"),
               N_("DKIM-Signature d={domain} (signature not verified offline)"),
               N_("offline table of big mail services"), N_("RFC 2142 abuse@"))

#: How the request was found and shown received (analysis/notice.py): templates whose fields
#: (the phrase, a message id, a time) are filled after translation.
#: Why an account is suggested (analysis.seen's templates, said in the report's language).
SUGGESTION_WORDS = (N_("same display name as {accounts}"), N_("same phone number as {account}"),
                    N_("first seen after the stop request and wrote to the victim {count} "
                       "time(s): a new account after a block?"))
NOTICE_WORDS = (N_("phrase '{phrase}' ({language})"), N_("pinned by the case file"),
                N_("read receipt at {at}"), N_("the respondent replied to it ({message} at {at})"),
                N_("the respondent wrote in the same conversation after it ({message} at {at})"))


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2
    anchor: str = ""             # fixed ids only, never from data


@dataclass(frozen=True)
class Para:
    text: str
    style: str = ""              # "", "warning", "note", "strong", "lead" (kept with the next)


@dataclass(frozen=True)
class Pre:
    text: str                    # verbatim, whitespace kept


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]  # a list, or ColumnRows for the long tables
    widths: tuple[float, ...] = ()   # relative column widths for the PDF
    key_value: bool = False          # a two-column fact list without a header row
    mono: tuple[int, ...] = ()       # columns of hashes and ids, set in monospace
    nowrap: tuple[int, ...] = ()     # short columns (times, channel) kept on one line in HTML
    max_lines: int = 0               # PDF: lines a cell may take before it is cut with "…"
                                     # (0: never cut); hashes and ids (mono) are never cut


class ColumnRows(Sequence):
    """A table's rows held as its columns (Arrow text arrays of one length): the contact
    tables list every row, and the HTML escapes and joins them a column at a time."""

    def __init__(self, columns: Sequence[pa.Array]) -> None:
        self.columns = list(columns)

    def __len__(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    def __getitem__(self, index: int | slice) -> tuple[str, ...] | ColumnRows:
        if isinstance(index, slice):
            return ColumnRows([col[index] for col in self.columns])
        return tuple(col[index].as_py() for col in self.columns)

    def __iter__(self) -> Iterator[tuple[str, ...]]:
        return zip(*(col.to_pylist() for col in self.columns), strict=True)


@dataclass(frozen=True)
class Image:
    name: str
    png: bytes
    caption: str
    width_mm: float = 0          # PDF: 0 fills the text width (charts); thumbnails are smaller


Block = Heading | Para | Pre | Table | Image


@dataclass(frozen=True)
class Inputs:
    case: Case
    analysis: Analysis
    import_report: pd.DataFrame
    manifest: dict | None
    custody: list[dict]
    figures: dict[str, bytes]
    traces: list[_mail.MailTrace]
    generated_at: str            # ISO 8601 UTC, injectable so tests can compare bytes
    tool_version: str
    accounts: pd.DataFrame       # seen.accounts_table of the counted messages
    suggestions: pd.DataFrame    # seen.suggestions for them (never applied)
    max_rows: int | None = None  # contact rows shown, all tables together (the PDF's cap);
                                 # None = all
    neutralised: int = 0         # cells neutralised in the CSV/XLSX viewing exports
    manifest_sha256: str = ""    # SHA-256 of the bytes of the case's manifest.json ("" if none)
    thumbnails: dict[str, bytes] = field(default_factory=dict)  # exhibit message_id -> PNG


@dataclass(frozen=True)
class Report:
    title: str
    report_id: str
    blocks: list[Block] = field(default_factory=list)
    language: str = "en"         # the catalogue the renderers take their own words from


# --- small helpers ----------------------------------------------------------------------------

#: C0/C1 controls (not tab, LF, CR) and the bidirectional marks, overrides and isolates.
_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
                        r"\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible(value: str) -> str:
    """Control and direction-override characters as ``[U+XXXX]``: a right-to-left override in a
    message must not reorder what the reader sees (the Parquet file keeps the exact text)."""
    return _INVISIBLE.sub(lambda m: f"[U+{ord(m.group()):04X}]", value)


def report_id(summary: dict) -> str:
    """A short hash of the summary: the same findings give the same id."""
    text = json.dumps(summary, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def text(value: object) -> str:
    if value is None or (not isinstance(value, list | tuple | dict) and pd.isna(value)):
        return ""
    return str(value)


def texts(column: pd.Series) -> list[str]:
    """:func:`text` of every value of a column, without a call per value."""
    missing = column.isna().to_numpy()
    values = column.to_numpy(dtype=object)
    if not missing.any() and all(type(v) is str for v in values):
        return values.tolist()
    return [text(v) if m or type(v) is not str else v for v, m in zip(values, missing)]


def _text_array(column: pd.Series) -> pa.Array:
    """:func:`texts` of a column as one Arrow array."""
    if isinstance(column.dtype, pd.StringDtype) and not column.hasnans:
        values = pa.array(column.array, pa.large_string())
        return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    return pa.array(texts(column), pa.large_string())


def tr(inp: Inputs) -> Translate:
    """The ``_`` of the case's language."""
    return i18n.translator(inp.case.language)


def local(ts: object, tz: str, language: str = "en") -> str:
    """The instant in the zone ``tz``, laid out for ``language`` (Babel), with the zone's
    abbreviation; "" when there is no time."""
    if ts is None or pd.isna(ts):
        return ""
    return i18n.local_time(pd.Timestamp(ts).to_pydatetime(), tz, language)


def local_texts(column: pa.Array, language: str) -> pa.Array:
    """A column of English local times (``summary.local_column``) laid out for ``language``
    at once: the same text :func:`local` gives each, without a Babel call per row."""
    layout = i18n.relayout(language)
    if layout is None:
        return column
    return pc.replace_substring_regex(column, i18n.ISO_LOCAL, layout)


def day_text(value: object, language: str) -> str:
    """A calendar day ("2024-03-11", as the conduct summary holds it) for ``language``."""
    if not value:
        return ""
    return i18n.local_day(dt.date.fromisoformat(str(value)[:10]), language)


def evidence_ref(row: pd.Series | dict) -> str:
    return (f"{text(row['source_path'])} · {text(row['locator'])} · sha256 "
            f"{text(row['record_sha256'])}")


def both_readings(row: pd.Series | dict) -> bool:
    """True when DST left the local time with two instants (``sent_at_latest`` later)."""
    latest = row.get("sent_at_latest")
    return latest is not None and not pd.isna(latest) and not pd.isna(row["sent_at"]) \
        and latest != row["sent_at"]


def time_warning(row: pd.Series | dict, _: Translate) -> str:
    """The row's DST warning in the report's language ("" when it has none)."""
    warnings = text(row.get("warnings", ""))
    return "; ".join(_(w) for w in TIME_WARNINGS if w in warnings)


def excerpt(row: pd.Series, limit: int = 200) -> str:
    body = text(row.get("body", ""))
    return (body or text(row.get("subject", "")))[:limit]


def count_neutralised(frames: list[pd.DataFrame]) -> int:
    """Cells a spreadsheet would run as a formula, i.e. those the CSV/XLSX writers prefix."""
    return sum(neutralised_count(df) for df in frames)


def counted(analysis: Analysis, columns: list[str] | None = None) -> pd.DataFrame:
    """The messages counted (copies once), with only ``columns`` when given: a million rows
    of text are not copied to count two columns."""
    msgs = analysis.messages
    kept = msgs["duplicate_of"].fillna("") == "" if "duplicate_of" in msgs else slice(None)
    if columns is not None:
        msgs = msgs[[c for c in columns if c in msgs]]
    return msgs[kept]


#: The contact tables in report order, and the CSV of the pack that holds each in full.
CONTACT_TABLES = {"victim_after": "victim_messages_after_notice.csv",
                  "respondent_after": "contacts_after_notice.csv",
                  "unattributed_after": "unattributed_contacts_after_notice.csv",
                  "group_after": "respondent_group_messages_after_notice.csv",
                  "third_party_after": "third_party_contacts_after_notice.csv",
                  "undetermined": "undetermined.csv"}
#: Lines of a contact row's cell in the PDF before it is cut (the CSV and HTML keep it whole).
CONTACT_LINES = 4
#: Mails whose header trace the PDF shows in full (about a page each); report.html has all.
PDF_TRACES = 25


def shares(sizes: list[int], cap: int) -> list[int]:
    """Rows each table shows when all together show at most ``cap``: an equal share each, and
    what a short table does not use goes to the longer ones (spare rows to the earlier ones),
    so every table shows its first rows and none crowds out the others."""
    out = [0] * len(sizes)
    left = max(cap, 0)
    waiting = sorted((n, i) for i, n in enumerate(sizes) if n > 0)
    while waiting:
        share, spare = divmod(left, len(waiting))
        size, first = waiting[0]
        if size <= share:
            out[first] = size
            left -= size
            waiting.pop(0)
            continue
        for rank, i in enumerate(sorted(i for _, i in waiting)):
            out[i] = share + (rank < spare)
        break
    return out


def allotted(inp: Inputs) -> dict[str, int | None]:
    """Contact rows each table shows: all (None) without a cap, else its share of the cap."""
    if inp.max_rows is None:
        return dict.fromkeys(CONTACT_TABLES)
    sizes = [len(inp.analysis.tables.get(key, ())) for key in CONTACT_TABLES]
    return dict(zip(CONTACT_TABLES, shares(sizes, inp.max_rows)))


def _left_out(shown: int, total: int, key: str, cap: int | None, _: Translate) -> Para:
    cut = _("{left} left out here: the PDF shows at most {cap} contact rows, all its tables "
            "together").format(left=f"{total - shown:,}", cap=f"{cap:,}")
    first = _("Showing the first {shown} of {total} rows") if shown else \
        _("None of its {total} rows are shown")
    first = first.format(shown=f"{shown:,}", total=f"{total:,}")
    return Para(_("{first} ({cut}); every row is in {file} and report.html.").format(
        first=first, cut=cut, file=CONTACT_TABLES[key]), "note")


# --- the report -------------------------------------------------------------------------------

def build(inp: Inputs) -> Report:
    rid = report_id(inp.analysis.summary)
    blocks: list[Block] = []
    for section in (cover, headline, case_facts, parties, stop_request, victim_after,
                    contacts_after, other_after, conduct, undetermined, charts, email_appendix,
                    exhibits, media, custody, processing):
        blocks += section(inp, rid)
    return Report(_title(inp), rid, blocks, inp.case.language)


def _title(inp: Inputs) -> str:
    _ = tr(inp)
    return _("Evidence report: {title}").format(title=inp.case.title or inp.case.id)


SECTIONS = (("cover", N_("Cover")), ("counts", N_("Headline counts")),
            ("parties", N_("Parties and accounts")), ("notice", N_("The stop request")),
            ("victim", N_("The victim's own messages after the request")),
            ("contacts", N_("Contacts after the request")),
            ("others", N_("Other messages to the victim after the request")),
            ("conduct", N_("Course of conduct")), ("undetermined", N_("Undetermined rows")),
            ("charts", N_("Charts")), ("email", N_("Email technical appendix")),
            ("exhibits", N_("Exhibit list")),
            ("media", N_("Screenshots, photos and recordings")), ("custody", N_("Custody log")),
            ("processing", N_("Processing log")))
_TITLES = dict(SECTIONS)


def _h(anchor: str, _: Translate) -> Heading:
    return Heading(_(_TITLES[anchor]), 2, anchor)


def cover(inp: Inputs, rid: str) -> list[Block]:
    """The title, the finding in one sentence and what ties a printout to the files; the
    counts follow at once, so page 1 of the PDF tells the finding."""
    _ = tr(inp)
    out: list[Block] = [Heading(_title(inp), 1, "cover"), Para(finding(inp), "strong")]
    digest = inp.manifest_sha256 or _("(no manifest: the sources were not taken in)")
    out.append(Para(_("SHA-256 of the source manifest (manifest.json beside the case file, "
                      "as hashed at intake): {sha}").format(sha=digest)))
    return out


def finding(inp: Inputs) -> str:
    """"N contacts from <respondent> on K channels after <date>; the victim wrote M times
    after it", from the summary (the counts table below gives the same numbers)."""
    _, notice, summary = tr(inp), inp.analysis.notice, inp.analysis.summary
    if not notice.found:
        return _("No stop request was found, so no contact is counted as after one; the "
                 "counts below are all undetermined or before.")
    after = summary["respondent_contacts_after_notice"]
    names = [p.name for p in inp.case.people_with_role("respondent")]
    when = pd.Timestamp(notice.earliest).to_pydatetime()
    tz, lang = inp.case.timezone, inp.case.language
    victim = summary["victim_contacts_after_notice"]["total"]
    return _("{contacts} from {respondent} on {channels} after the stop request of {date}; "
             "{victim}.").format(
        contacts=plural(_, after["total"], "1 contact", "{n} contacts"),
        respondent=_(" and ").join(names) or _("the respondent"),
        channels=plural(_, len(after.get("by_platform", {})), "1 channel", "{n} channels"),
        date=i18n.long_moment(when, tz, lang),
        victim=_("the victim wrote no message to the respondent after it") if not victim else
        plural(_, victim, "the victim wrote to the respondent once after it",
               "the victim wrote to the respondent {n} times after it"))


def case_facts(inp: Inputs, rid: str) -> list[Block]:
    case, _ = inp.case, tr(inp)
    unstated = _("(not stated in the case file)")
    facts = [(_("Case"), f"{case.id}: {case.title}" if case.title else case.id),
             (_("Report id"), _("{rid} (SHA-256 of the findings, summary.json, first 16 "
                                "digits)").format(rid=rid)),
             (_("Generated"), _("{at} (UTC) by whoa_analysis {version}").format(
                 at=inp.generated_at, version=inp.tool_version)),
             (_("Prepared for"), case.prepared_for or unstated),
             (_("Prepared by"), case.prepared_by or unstated),
             (_("Times shown in"), _("UTC and {tz} (the case's time zone)").format(
                 tz=case.timezone))]
    out: list[Block] = [Table((_("fact"), _("value")), facts, (1, 3), key_value=True),
                        Para(_(CONTENT_WARNING), "warning"), Para(_(NO_LEGAL), "strong")]
    out += [Para(_("Note: {problem}").format(problem=p), "note")
            for p in inp.analysis.notice.problems]
    return out


def parties(inp: Inputs, rid: str) -> list[Block]:
    case, table, _ = inp.case, inp.accounts, tr(inp)
    sent = counted(inp.analysis, ["sender_account"])["sender_account"].value_counts().to_dict()
    rows = []
    for person in case.people:
        for written, key in zip(person.accounts_as_written, person.accounts):
            rows.append((person.name, person.id, _(ROLE_NAMES.get(person.role, person.role)),
                         written, str(sent.get(key, 0)),
                         _("listed for {person} in the case file ({file})").format(
                             person=person.id, file=case.file.name)))
    owners = [f"{s.relpath} → {s.owner}" for s in case.sources if s.owner]
    out: list[Block] = [_h("parties", _),
                        Table((_("person"), _("id"), _("role"), _("account (as written)"),
                               _("messages sent"), _("how attributed")), rows,
                              (2, 1, 1.3, 3, 1, 3))]
    if owners:
        out.append(Para(_("Messages an export marks as its owner's own (\"You\", outgoing) are "
                          "attributed to the owner of that source: {owners}.").format(
                              owners="; ".join(owners))))
    out += _unclaimed(inp, table)
    return out


def _unclaimed(inp: Inputs, table: pd.DataFrame) -> list[Block]:
    _ = tr(inp)
    after = {u["account"]: u["total"]
             for u in inp.analysis.summary.get("unattributed_accounts_after_notice", [])}
    free = table[table["person"].fillna("") == ""]
    out: list[Block] = [Heading(_("Accounts not in the case file (unattributed)"), 3)]
    if free.empty:
        return out + [Para(_("Every account that sent a message is listed in the case file."))]
    rows = [(text(r["account"]), text(r["shown_as"]), str(int(r["messages"])),
             str(after.get(r["account"], 0)), text(iso(r["first_seen"])),
             text(iso(r["last_seen"])), text(r["platforms"])) for _i, r in free.iterrows()]
    out.append(Table((_("account"), _("shown as"), _("messages"),
                      _("to the victim after the request"), _("first seen (UTC)"),
                      _("last seen (UTC)"), _("platforms")), rows, (3, 2, 1, 1.3, 2, 2, 1.3)))
    hints = inp.suggestions
    if len(hints):
        out.append(Para(_("Suggestions (never applied: the volunteer decides, and adds an "
                          "account to the case file to accept one):")))
        out.append(Table((_("account"), _("suggested person"), _("why")),
                         [tuple(map(text, r)) for r in hints.itertuples(index=False)], (2, 1, 4)))
    return out


def _how_found(_: Translate, notice: notice_mod.Notice) -> str:
    """How the request was found, in the report's language (the phrase itself as listed)."""
    if notice.phrase is None:
        return _("pinned by the case file")
    code = str(notice.language)
    language = (_("the case file") if code == notice_mod.CASE_LANGUAGE
                else notice_mod.language_name(code))
    return _("phrase '{phrase}' ({language})").format(phrase=notice.phrase, language=language)


def stop_request(inp: Inputs, rid: str) -> list[Block]:
    notice, tz, lang, _ = inp.analysis.notice, inp.case.timezone, inp.case.language, tr(inp)
    out: list[Block] = [_h("notice", _)]
    if not notice.found:
        return out + [Para(_("No stop request was found.") + " " + " ".join(notice.problems),
                           "warning")]
    row = notice.row
    when = _("{utc} (UTC); {local} ({tz})").format(utc=iso(row["sent_at"]),
                                                   local=local(row["sent_at"], tz, lang), tz=tz)
    if both_readings(row):
        when += _("; the local time was ambiguous (clock change): it may be as late as "
                  "{latest} (UTC), and only later rows count as after").format(
                      latest=iso(row["sent_at_latest"]))
    facts = [(_("Sent"), when), (_("Channel"), text(row["platform"])),
             (_("From"), f"{text(row['sender'])} ({text(row.get('sender_person', ''))})"),
             (_("To"), text(row.get("recipients", ""))),
             (_("Subject"), text(row.get("subject", ""))),
             (_("Source"), _("{path} at {locator}").format(path=text(row["source_path"]),
                                                           locator=text(row["locator"]))),
             (_("Record SHA-256"), text(row["record_sha256"])),
             (_("Message id"), text(row["message_id"])),
             (_("How it was found"), _how_found(_, notice)),
             (_("Receipt"), _(notice.receipt[0]).format(**notice.receipt[1]))]
    out += [Table((_("fact"), _("value")), facts, (1, 4), key_value=True, mono=()),
            Para(_("The request, verbatim:"), "lead"),
            Pre(text(row["body"]) or text(row["subject"]))]
    repeats = notice.repeats
    if len(repeats):
        out.append(Heading(_("Later requests (repeats)"), 3))
        out.append(Table((_("sent (UTC)"), _("channel"), _("text"), _("evidence")),
                         [(text(iso(r["sent_at"])), text(r["platform"]), excerpt(r),
                           evidence_ref(r)) for _i, r in repeats.iterrows()], (1.5, 1, 4, 3)))
    else:
        out.append(Para(_("Later requests (repeats): none found in the sources listed.")))
    return out


def headline(inp: Inputs, rid: str) -> list[Block]:
    _ = tr(inp)
    msgs = counted(inp.analysis, ["direction", "period", "is_contact"])
    pair = msgs[["direction", "period"]]
    contact = pair[msgs["is_contact"].fillna(False).astype(bool)] if "is_contact" in msgs else pair
    grid = pd.crosstab(contact["direction"].astype(str), contact["period"].astype(str)) \
        if len(contact) else pd.DataFrame()
    def cell(direction: str, period: str) -> str:
        has = direction in grid.index and period in grid.columns
        return str(int(grid.loc[direction, period])) if has else "0"
    rows = [(_(DIRECTION_NAMES[d]), cell(d, "before"), cell(d, "after"),
             cell(d, "undetermined")) for d in DIRECTION_NAMES if d != "other"]
    summary = inp.analysis.summary
    after = summary["respondent_contacts_after_notice"]
    before = summary["respondent_contacts_before_notice"]
    platforms = sorted(set(after.get("by_platform", {})) | set(before.get("by_platform", {})))
    rows += [(_("respondent → victim by {platform}").format(platform=platform_word(p, _)),
              str(before["by_platform"].get(p, 0)), str(after["by_platform"].get(p, 0)), "")
             for p in platforms]
    accounts = sorted(set(after.get("by_account", {})) | set(before.get("by_account", {})))
    rows += [(_("respondent → victim from {account}").format(account=a),
              str(before["by_account"].get(a, 0)), str(after["by_account"].get(a, 0)), "")
             for a in accounts]
    facts = [(_("Messages in the sources (copies counted once)"),
              str(summary["messages_total"])),
             (_("Copies of the same message merged"), str(summary["duplicates_merged"])),
             (_("First respondent contact after the request (UTC)"),
              text(after.get("first_at"))),
             (_("Last respondent contact after the request (UTC)"), text(after.get("last_at")))]
    return [_h("counts", _),
            Table((_("contacts"), _("before the request"), _("after the request"),
                   _("undetermined")), rows, (4, 1.2, 1.2, 1.2)),
            Table((_("fact"), _("value")), facts, (3, 2), key_value=True)]


def _readings(rows: pd.DataFrame, shown: pd.DataFrame, inp: Inputs) -> tuple[pa.Array,
                                                                               pa.Array]:
    """The UTC and local cells of the rows shown: where DST gave a time two instants, both
    readings ("… or …") rather than only the earlier one."""
    _, lang, tz = tr(inp), inp.case.language, inp.case.timezone
    utc = _text_array(shown["sent_at_utc"])
    there = local_texts(_text_array(shown["sent_at_local"]), lang)
    if "sent_at_latest" not in rows or not len(shown):
        return utc, there
    first, last = rows["sent_at"].iloc[:len(shown)], rows["sent_at_latest"].iloc[:len(shown)]
    odd = np.flatnonzero((last.notna() & first.notna() & (last != first)).to_numpy())
    if not odd.size:
        return utc, there
    utc_list, local_list, word = utc.to_pylist(), there.to_pylist(), _("or")
    for i in odd.tolist():
        utc_list[i] = f"{utc_list[i]}\n{word} {iso(last.iloc[i])}"
        local_list[i] = f"{local_list[i]}\n{word} {local(last.iloc[i], tz, lang)}"
    return pa.array(utc_list, pa.large_string()), pa.array(local_list, pa.large_string())


def _time_notes(rows: pd.DataFrame, inp: Inputs) -> list[Block]:
    """One note per row shown whose time DST made ambiguous or impossible: the warning and
    both readings, so the report says it and not only the CSV."""
    _, tz, lang = tr(inp), inp.case.timezone, inp.case.language
    if "sent_at_latest" not in rows or not len(rows):
        return []
    first, last = rows["sent_at"], rows["sent_at_latest"]
    # Found on the whole column first: a contact table can hold a million rows, and only the
    # few DST ones become dicts.
    odd = np.flatnonzero((last.notna() & first.notna() & (last != first)).to_numpy())
    out: list[Block] = []
    for n, row in zip(odd + 1, rows.iloc[odd].to_dict("records")):
        if both_readings(row):
            out.append(Para(_("Row {n}: {warning}: \"{raw}\" as exported reads as {first} "
                              "({first_local}) or {last} ({last_local}); the row is counted by "
                              "both: after the request only if both are after it.").format(
                n=n, warning=time_warning(row, _) or _("the local time has two readings"),
                raw=text(row.get("sent_at_raw", "")),
                first=iso(row["sent_at"]), first_local=local(row["sent_at"], tz, lang),
                last=iso(row["sent_at_latest"]), last_local=local(row["sent_at_latest"], tz,
                                                                   lang)), "note"))
    return out


def _contact_table(rows: pd.DataFrame, inp: Inputs, key: str) -> list[Block]:
    _ = tr(inp)
    tz, limit, total = inp.case.timezone, allotted(inp)[key], len(rows)
    # Only the rows shown are laid out: contact_rows formats row by row.
    kept = rows if limit is None else rows.iloc[:limit]
    shown = contact_rows(kept, tz)
    # Made a column at a time in Arrow, not row by row: the HTML lists every row.
    col = {name: _text_array(shown[name]) for name in (
        "platform", "from_account", "from_name", "kind", "excerpt", "source_path", "locator",
        "record_sha256")}
    utc, there = _readings(kept, shown, inp)
    # A missing name (NaN) counts as given, as it always has: "account ()".
    named = np.array([v is not None and v != "" for v in shown["from_name"].to_numpy(
        dtype=object)], dtype=bool)
    account = pc.if_else(named, schema.joined(col["from_account"], " (", col["from_name"], ")"),
                         col["from_account"])
    number = schema.joined(pa.array(np.arange(1, len(shown) + 1)))
    evidence = schema.joined(col["source_path"], " · ", col["locator"], " · sha256 ",
                       col["record_sha256"])
    body = ColumnRows([number, utc, there, col["platform"], account, kind_words(col["kind"], _),
                       col["excerpt"], evidence])
    out: list[Block] = [Table((_("#"), _("sent (UTC)"), _("local ({tz})").format(tz=tz),
                               _("channel"), _("account"), _("kind"), _("excerpt"),
                               _("evidence reference")), body,
                              (8, 30, 24, 13.5, 23, 11, 38, 38.5), mono=(7,),
                              nowrap=(0, 1, 2, 3, 5), max_lines=CONTACT_LINES)]
    out += _time_notes(kept, inp)
    if len(shown) < total:
        out.append(_left_out(len(shown), total, key, inp.max_rows, _))
    return out


def victim_after(inp: Inputs, rid: str) -> list[Block]:
    _ = tr(inp)
    rows = inp.analysis.tables.get("victim_after", pd.DataFrame())
    out: list[Block] = [_h("victim", _)]
    if rows.empty:
        return out + [Para(_(NONE_FOUND), "strong")]
    return out + [Para(_("{n} message(s) from the victim to the respondent after the "
                         "request:").format(n=len(rows)))] + _contact_table(rows, inp,
                                                                            "victim_after")


def contacts_after(inp: Inputs, rid: str) -> list[Block]:
    _ = tr(inp)
    rows = inp.analysis.tables.get("respondent_after", pd.DataFrame())
    out: list[Block] = [_h("contacts", _)]
    if rows.empty:
        return out + [Para(_("No respondent contact after the request: {none}.").format(
            none=_(NONE_FOUND)))]
    return out + [Para(_("Every contact from the respondent to the victim after the request, "
                         "in time order ({n}); the excerpt is the first 200 characters, "
                         "exactly as exported.").format(n=len(rows)))] \
        + _contact_table(rows, inp, "respondent_after")


def other_after(inp: Inputs, rid: str) -> list[Block]:
    _ = tr(inp)
    parts = [(key, name, inp.analysis.tables.get(key, pd.DataFrame()))
             for key, name in (("unattributed_after", N_("From accounts not in the case file")),
                               ("group_after", N_("Respondent posts in group conversations")),
                               ("third_party_after", N_("From third parties")))]
    out: list[Block] = [_h("others", _)]
    for key, name, rows in parts:
        out.append(Heading(f"{_(name)} ({len(rows)})", 3))
        if rows.empty:
            out.append(Para(_(NONE_FOUND) + "."))
        else:
            out += _contact_table(rows, inp, key)
    return out


def conduct(inp: Inputs, rid: str) -> list[Block]:
    _, lang = tr(inp), inp.case.language
    c = inp.analysis.conduct or {}
    gaps = c.get("gaps_days", [])
    none = _("none")
    facts = [(_("Separate days with respondent contact after the request"),
              str(c.get("days_with_contact", 0))),
             (_("First and last such day"), _("{first} to {last}").format(
                 first=day_text(c.get("first_day"), lang), last=day_text(c.get("last_day"),
                                                                         lang))
              if c.get("first_day") else ""),
             (_("Longest gap between such days (days)"), text(c.get("longest_gap_days"))),
             (_("Gaps between consecutive days (days)"), ", ".join(map(str, gaps[:200]))
              + (" …" if len(gaps) > 200 else "")),
             (_("Accounts first seen after the request"),
              ", ".join(c.get("new_accounts_after", [])) or none),
             (_("Channels first used after the request"),
              ", ".join(c.get("new_channels_after", [])) or none)]
    out: list[Block] = [_h("conduct", _), Table((_("fact"), _("value")), facts, (2, 3),
                                                key_value=True)]
    weeks = inp.analysis.tables.get("respondent_by_week", pd.DataFrame())
    if len(weeks):
        pivot = weeks.pivot_table(index="period", columns="platform", values="count",
                                  aggfunc="sum", fill_value=0, observed=True)
        cols = [str(p) for p in pivot.columns]
        rows = [(day_text(week, lang), str(int(r.sum())), *[str(int(v)) for v in r])
                for week, r in pivot.iterrows()]
        out += [Heading(_("Respondent contact after the request, by week (weeks start Monday, "
                          "{tz})").format(tz=inp.case.timezone), 3),
                Table((_("week of"), _("total"), *cols), rows)]
    return out


def undetermined(inp: Inputs, rid: str) -> list[Block]:
    _ = tr(inp)
    rows = inp.analysis.tables.get("undetermined", pd.DataFrame())
    out: list[Block] = [_h("undetermined", _),
                        Para(_("Contacts that cannot be placed before or after the request are "
                               "listed here and counted in neither."))]
    if rows.empty:
        return out + [Para(_(NONE_FOUND) + ".")]
    limit = allotted(inp)["undetermined"]
    shown = rows if limit is None else rows.head(limit)
    body = [(text(r.get("sent_at_raw", "")), _utc_readings(r, _), text(r["platform"]),
             text(r.get("sender_account", "")) or text(r["sender"]),
             _(DIRECTION_NAMES.get(text(r["direction"]), text(r["direction"]))),
             _(text(r.get("undetermined_reason", ""))), excerpt(r, 120), evidence_ref(r))
            for _i, r in shown.iterrows()]
    out.append(Table((_("time as exported"), _("UTC"), _("channel"), _("account"),
                      _("direction"), _("why"), _("excerpt"), _("evidence reference")), body,
                     (1.5, 1.6, 1, 2, 1.4, 2, 2.5, 3), mono=(7,), max_lines=CONTACT_LINES))
    out += _time_notes(shown, inp)
    if len(shown) < len(rows):
        out.append(_left_out(len(shown), len(rows), "undetermined", inp.max_rows, _))
    return out


def _utc_readings(row: pd.Series, _: Translate) -> str:
    first = text(iso(row["sent_at"]))
    if both_readings(row):
        return f"{first}\n{_('or')} {iso(row['sent_at_latest'])}"
    return first


def charts(inp: Inputs, rid: str) -> list[Block]:
    _ = tr(inp)
    out: list[Block] = [_h("charts", _)]
    for name, caption in FIGURES.items():
        if name in inp.figures:
            out.append(Image(name, inp.figures[name], _("{caption} Times in {tz}.").format(
                caption=_(caption), tz=inp.case.timezone)))
    return out


def email_appendix(inp: Inputs, rid: str) -> list[Block]:
    _ = tr(inp)
    out: list[Block] = [_h("email", _)]
    if not inp.traces:
        return out + [Para(_(NO_EMAIL))]
    out.append(Para(_("For each mail from the respondent after the request: the path it took "
                      "(Received headers, newest first), where it entered the victim's "
                      "providers (the handoff), authentication results and where to report "
                      "it. Headers below the handoff were written by machines the sender "
                      "controls and can be forged.")))
    shown = inp.traces if inp.max_rows is None else inp.traces[:PDF_TRACES]
    for n, item in enumerate(shown, 1):
        out += _one_trace(n, item, _)
    if len(shown) < len(inp.traces):
        out.append(Para(_("The PDF shows the trace of the first {shown} of {total} mails "
                          "({left} left out here); report.html shows every one, and each "
                          "abuse-desk draft in complaints/ carries the full headers of its "
                          "mails.").format(shown=f"{len(shown):,}", total=f"{len(inp.traces):,}",
                                           left=f"{len(inp.traces) - len(shown):,}"), "note"))
    return out


#: The trace's hop table columns (analysis/trace.py names them), as the report heads them.
HOP_COLUMNS = {"hop": N_("hop"), "from_host": N_("from_host"), "by_host": N_("by_host"),
               "ip": N_("ip"), "time": N_("time"), "offset": N_("offset"),
               "delay_s": N_("delay_s"), "trust": N_("trust")}


def _one_trace(n: int, item: _mail.MailTrace, _: Translate) -> list[Block]:
    row, tr_ = item.row, item.trace
    out: list[Block] = [Heading(_("Mail {n}: {at} (UTC)").format(n=n, at=text(iso(
        row["sent_at"]))), 3)]
    facts = [(_("Message-ID"), _mail.message_id_header(row)), (_("From"), text(row["sender"])),
             (_("Subject"), text(row.get("subject", ""))), (_("Evidence"), evidence_ref(row))]
    if tr_ is None:
        return out + [Table((_("fact"), _("value")), facts, (1, 4), key_value=True),
                      Para(item.problem, "note"), Pre(text(row.get(_mail.HEADERS, "")))]
    facts += [(_("Handoff"), _mail.handoff_text(tr_, _)),
              (_("Originating IP"), text(_mail.field(tr_, "originating_ip", ""))),
              (_("DKIM signing domains"), ", ".join(map(str, _mail.field(
                  tr_, "dkim_domains", []) or []))),
              (_("Authentication results"), _auth(_mail.field(tr_, "auth_results", "")))]
    out.append(Table((_("fact"), _("value")), facts, (1, 4), key_value=True))
    names, hops = _mail.hop_table(tr_)
    if hops:
        out.append(Table(tuple(_(HOP_COLUMNS[h]) if h in HOP_COLUMNS else h for h in names),
                         [tuple(text(v) for v in r) for r in hops]))
    abuse = _mail.abuse_contacts(tr_)
    if abuse:
        out.append(Table((_("abuse contact"), _("what it is"), _("how it was found")),
                         [(a["address"], _mail.contact_words(a, "what", _),
                           _mail.contact_words(a, "how_found", _)) for a in abuse], (2, 2, 3)))
    note = text(_mail.forgeable_note(tr_, _))
    if note:
        out.append(Para(note, "note"))
    out += [Para(_("Trace warning: {warning}").format(warning=w), "note")
            for w in _mail.field(tr_, "warnings", []) or []]
    out += [Para(_("Full headers, verbatim:"), "lead"), Pre(text(row.get(_mail.HEADERS, "")))]
    return out


def _auth(value: object) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(map(str, value))
    return text(value)


def exhibits(inp: Inputs, rid: str) -> list[Block]:
    _ = tr(inp)
    out: list[Block] = [_h("exhibits", _)]
    manifest = inp.manifest or {}
    files = manifest.get("files", [])
    if not files:
        return out + [Para(_("No manifest: the sources were not taken in."), "warning")]
    out.append(Para(_("Every source file as hashed at intake ({at}, whoa_analysis {version}); "
                      "each was re-hashed and matched before this report was made. "
                      "manifest.json in this pack holds the same list.").format(
                          at=text(manifest.get("created_at")),
                          version=text(manifest.get("tool_version")))))
    rows = [(str(i), text(f.get("path")), f"{int(f.get('size', 0)):,}", text(f.get("sha256")))
            for i, f in enumerate(files, 1)]
    return out + [Table((_("exhibit"), _("file"), _("bytes"), _("SHA-256")), rows,
                        (0.7, 4, 1.2, 5), mono=(3,))]


def media(inp: Inputs, rid: str) -> list[Block]:
    """Each image as a thumbnail with its hash, time and OCR text; each recording's facts."""
    _ = tr(inp)
    shown = _exhibits.rows(inp.analysis.messages)
    if shown.empty:
        return [_h("media", _), Para(_("No screenshots, photos or recordings among the "
                                       "sources."))]
    out: list[Block] = [_h("media", _), Para(_(
        "Images and recordings taken in as exhibits. A time comes only from the file's own "
        "metadata or from the case file's pin; the file system's date is shown, labelled, and "
        "never used. An exhibit counts as a message only when the case file pins it."), "note")]
    stops = notice_mod.phrases(inp.case.notice_phrases)
    for n, (_i, row) in enumerate(shown.iterrows(), 1):
        when = local(row["sent_at"], inp.case.timezone, inp.case.language)
        label = _("Exhibit {n}: {facts}").format(n=n, facts=_exhibits.caption(row, when, _))
        png = inp.thumbnails.get(str(row["message_id"]))
        if png:
            out.append(Image(f"exhibit-{n}", png, label, width_mm=_exhibits.width_mm(png)))
        else:
            out.append(Para(label))
        if row.get("ocr_text"):
            out.append(Para(_(_exhibits.CHECK), "lead"))
            out.append(Pre(visible(str(row["ocr_text"]))))
            out += _stop_hint(str(row["ocr_text"]), row, stops, _)
        if row["warnings"]:
            out.append(Para(_("Warnings: {warnings}").format(warnings=row["warnings"]), "note"))
    return out


def _stop_hint(ocr: str, row: pd.Series, stops: notice_mod.Phrases, _: Translate,
               ) -> list[Block]:
    """A suggestion, never a count: OCR text holding a stop phrase on an unpinned exhibit."""
    found = notice_mod.match(ocr, stops)
    if found is None or _exhibits.PINNED in str(row["warnings"]):
        return []
    return [Para(_("The OCR text holds the stop phrase '{phrase}' ({language}). If the image "
                   "shows the victim's request, pin it in the case file ([[exhibits]]) so it "
                   "counts; until then it is not counted.").format(
                       phrase=found.phrase, language=notice_mod.language_name(found.language)),
                 "note")]


def custody(inp: Inputs, rid: str) -> list[Block]:
    _ = tr(inp)
    out: list[Block] = [_h("custody", _),
                        Para(_("Each entry carries the hash of the one before it, so an edited "
                               "or removed entry breaks the chain (whoa verify checks it). This "
                               "report's own entry is added after it is written."))]
    if not inp.custody:
        return out + [Para(_("No custody entries."))]
    rows = [(text(e.get("seq")), text(e.get("at")), text(e.get("who")), text(e.get("action")),
             _details(e.get("details"), _), text(e.get("entry_sha256"))) for e in inp.custody]
    return out + [Table((_("#"), _("at (UTC)"), _("who"), _("action"), _("details"),
                         _("entry SHA-256")), rows, (0.5, 2.2, 1.4, 0.9, 2.6, 4), mono=(5,))]


def _details(details: object, _: Translate) -> str:
    if not isinstance(details, dict):
        return text(details)
    parts = []
    for key, value in sorted(details.items()):
        shown = plural(_, len(value), "1 file", "{n} files") if isinstance(value, dict) \
            else text(value)
        parts.append(f"{key}: {shown}")
    return "; ".join(parts)


def processing(inp: Inputs, rid: str) -> list[Block]:
    case, _ = inp.case, tr(inp)
    params = [(_("Tool"), f"whoa_analysis {inp.tool_version}"),
              (_("Case file"), case.file.name), (_("Case time zone"), case.timezone),
              (_("Report language"), case.language),
              (_("Region for phone numbers"), case.region or _("(none)")),
              (_("Stop request"), _("found automatically from stop phrases") if
               case.notice_message == "auto" else _("pinned: {message}").format(
                   message=case.notice_message)),
              (_("Extra stop phrases"), ", ".join(case.notice_phrases) or _("(none)")),
              (_("Victim's own mail domains / hosts"),
               ", ".join((*case.own_domains, *case.own_hosts))
               or _("(from the victim's addresses)")),
              (_("Contact rows shown in the PDF"), str(case.max_pdf_rows)),
              (_("Spreadsheet (XLSX) requested"), _("yes") if case.xlsx else _("no"))]
    out: list[Block] = [_h("processing", _), Table((_("parameter"), _("value")), params, (2, 3),
                                                   key_value=True)]
    rows = [(text(r["source"]), text(r["format"]), text(r["owner"]), text(r["timezone"]),
             text(r["date_order"]), text(r["rows"]), text(r["unparsed"]), text(r["warnings"]),
             text(r["assumptions"]) or _("none")) for _i, r in inp.import_report.iterrows()]
    out += [Heading(_("Sources as read"), 3),
            Table((_("source"), _("reader"), _("owner"), _("zone"), _("date order"), _("rows"),
                   _("unparsed"), _("with warnings"), _("assumptions")), rows,
                  (3, 1.3, 0.8, 1.4, 0.8, 0.7, 0.8, 0.8, 3))]
    if case.language != "en":
        out.append(Para(_("The readers' assumptions and the rows' warnings are technical notes "
                          "each reader writes in English; they are shown as the reader wrote "
                          "them (warnings about local times are translated).")))
    out += [Heading(_("Spreadsheet safety"), 3),
            Para(_("In messages.csv and contacts_after_notice.csv (and the .xlsx when asked "
                   "for), a cell starting with = + - @, a tab or a carriage return would be run "
                   "by a spreadsheet as a formula; such cells are shown with a leading "
                   "apostrophe (plain numbers such as -5 are left alone). {n} cell(s) were "
                   "neutralised. messages.parquet keeps every text exactly as exported.")
                 .format(n=inp.neutralised)),
            Para(_("Every text in this report is shown as text: nothing from the sources is "
                   "run, loaded or followed, and links in messages are not clickable."))]
    return out
