"""What the report says, once, as plain blocks; ``html.py`` and ``pdf.py`` only lay them out.

Every value here is data (text); nothing is markup. The renderers escape (HTML) or map to the
font (PDF). Sections and their order are the same in both formats because they come from here.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import schema
from ..analysis import Analysis, contact_rows
from ..analysis.summary import iso
from ..case import Case
from . import _exhibits, _mail
from .tables import neutralised_count

NONE_FOUND = "none found in the sources listed"
NO_EMAIL = "no email sources"
NO_LEGAL = "This report states facts from the sources; it draws no legal conclusions."
CONTENT_WARNING = ("Content warning: this report quotes messages exactly as they were sent. They "
                   "may be abusive, threatening or distressing.")
DIRECTION_NAMES = {
    "respondent_to_victim": "respondent → victim", "respondent_group": "respondent in groups",
    "victim_to_respondent": "victim → respondent", "third_party_to_victim": "third party → victim",
    "unattributed_to_victim": "unattributed account → victim", "other": "other",
}
FIGURES = {  # file stem -> caption
    "daily": "Contacts per day by direction, with the stop request marked.",
    "lanes": "Every account that wrote to the victim, one lane each; hollow markers are "
             "accounts not in the case file; NEW marks accounts first seen after the request.",
    "heatmap": "Respondent contact after the stop request by hour of day and weekday.",
    "cumulative": "Respondent contacts after the stop request, added up over time.",
}


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
    thumbnails: dict[str, bytes] = field(default_factory=dict)  # exhibit message_id -> PNG


@dataclass(frozen=True)
class Report:
    title: str
    report_id: str
    blocks: list[Block] = field(default_factory=list)


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


def local(ts: object, tz: str) -> str:
    if ts is None or pd.isna(ts):
        return ""
    return pd.Timestamp(ts).tz_convert(tz).strftime("%Y-%m-%d %H:%M:%S %Z")


def evidence_ref(row: pd.Series | dict) -> str:
    return (f"{text(row['source_path'])} · {text(row['locator'])} · sha256 "
            f"{text(row['record_sha256'])}")


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


def _left_out(shown: int, total: int, key: str, cap: int | None) -> Para:
    cut = f"{total - shown:,} left out here: the PDF shows at most {cap:,} contact rows, all " \
        "its tables together"
    first = f"Showing the first {shown:,} of {total:,} rows" if shown else \
        f"None of its {total:,} rows are shown"
    return Para(f"{first} ({cut}); every row is in {CONTACT_TABLES[key]} and report.html.",
                "note")


# --- the report -------------------------------------------------------------------------------

def build(inp: Inputs) -> Report:
    rid = report_id(inp.analysis.summary)
    blocks: list[Block] = []
    for section in (cover, parties, stop_request, headline, victim_after, contacts_after,
                    other_after, conduct, undetermined, charts, email_appendix, exhibits,
                    media, custody, processing):
        blocks += section(inp, rid)
    title = f"Evidence report: {inp.case.title or inp.case.id}"
    return Report(title, rid, blocks)


SECTIONS = (("cover", "Cover"), ("parties", "Parties and accounts"),
            ("notice", "The stop request"), ("counts", "Headline counts"),
            ("victim", "The victim's own messages after the request"),
            ("contacts", "Contacts after the request"),
            ("others", "Other messages to the victim after the request"),
            ("conduct", "Course of conduct"), ("undetermined", "Undetermined rows"),
            ("charts", "Charts"), ("email", "Email technical appendix"),
            ("exhibits", "Exhibit list"),
            ("media", "Screenshots, photos and recordings"), ("custody", "Custody log"),
            ("processing", "Processing log"))
_TITLES = dict(SECTIONS)


def _h(anchor: str) -> Heading:
    return Heading(_TITLES[anchor], 2, anchor)


def cover(inp: Inputs, rid: str) -> list[Block]:
    case = inp.case
    facts = [("Case", f"{case.id}: {case.title}" if case.title else case.id),
             ("Report id", f"{rid} (SHA-256 of the findings, summary.json, first 16 digits)"),
             ("Generated", f"{inp.generated_at} (UTC) by whoa_analysis {inp.tool_version}"),
             ("Prepared for", case.prepared_for or "(not stated in the case file)"),
             ("Prepared by", case.prepared_by or "(not stated in the case file)"),
             ("Times shown in", f"UTC and {case.timezone} (the case's time zone)")]
    out: list[Block] = [Heading(f"Evidence report: {case.title or case.id}", 1, "cover"),
                        Table(("fact", "value"), facts, (1, 3), key_value=True),
                        Para(CONTENT_WARNING, "warning"), Para(NO_LEGAL, "strong")]
    out += [Para(f"Note: {p}", "note") for p in inp.analysis.notice.problems]
    return out


def parties(inp: Inputs, rid: str) -> list[Block]:
    case, table = inp.case, inp.accounts
    sent = counted(inp.analysis, ["sender_account"])["sender_account"].value_counts().to_dict()
    rows = []
    for person in case.people:
        for written, key in zip(person.accounts_as_written, person.accounts):
            rows.append((person.name, person.id, person.role, written, str(sent.get(key, 0)),
                         f"listed for {person.id} in the case file ({case.file.name})"))
    owners = [f"{s.relpath} → {s.owner}" for s in case.sources if s.owner]
    out: list[Block] = [_h("parties"),
                        Table(("person", "id", "role", "account (as written)", "messages sent",
                               "how attributed"), rows, (2, 1, 1.3, 3, 1, 3))]
    if owners:
        out.append(Para("Messages an export marks as its owner's own (\"You\", outgoing) are "
                        "attributed to the owner of that source: " + "; ".join(owners) + "."))
    out += _unclaimed(inp, table)
    return out


def _unclaimed(inp: Inputs, table: pd.DataFrame) -> list[Block]:
    after = {u["account"]: u["total"]
             for u in inp.analysis.summary.get("unattributed_accounts_after_notice", [])}
    free = table[table["person"].fillna("") == ""]
    out: list[Block] = [Heading("Accounts not in the case file (unattributed)", 3)]
    if free.empty:
        return out + [Para("Every account that sent a message is listed in the case file.")]
    rows = [(text(r["account"]), text(r["shown_as"]), str(int(r["messages"])),
             str(after.get(r["account"], 0)), text(iso(r["first_seen"])),
             text(iso(r["last_seen"])), text(r["platforms"])) for _, r in free.iterrows()]
    out.append(Table(("account", "shown as", "messages", "to the victim after the request",
                      "first seen (UTC)", "last seen (UTC)", "platforms"), rows,
                     (3, 2, 1, 1.3, 2, 2, 1.3)))
    hints = inp.suggestions
    if len(hints):
        out.append(Para("Suggestions (never applied: the volunteer decides, and adds an account "
                        "to the case file to accept one):"))
        out.append(Table(("account", "suggested person", "why"),
                         [tuple(map(text, r)) for r in hints.itertuples(index=False)], (2, 1, 4)))
    return out


def stop_request(inp: Inputs, rid: str) -> list[Block]:
    notice, tz = inp.analysis.notice, inp.case.timezone
    out: list[Block] = [_h("notice")]
    if not notice.found:
        return out + [Para("No stop request was found. " + " ".join(notice.problems), "warning")]
    row = notice.row
    when = f"{iso(row['sent_at'])} (UTC); {local(row['sent_at'], tz)} ({tz})"
    if text(row.get("sent_at_latest")) and row["sent_at_latest"] != row["sent_at"]:
        when += (f"; the local time was ambiguous (clock change): it may be as late as "
                 f"{iso(row['sent_at_latest'])} (UTC), and only later rows count as after")
    facts = [("Sent", when), ("Channel", text(row["platform"])),
             ("From", f"{text(row['sender'])} ({text(row.get('sender_person', ''))})"),
             ("To", text(row.get("recipients", ""))), ("Subject", text(row.get("subject", ""))),
             ("Source", f"{text(row['source_path'])} at {text(row['locator'])}"),
             ("Record SHA-256", text(row["record_sha256"])),
             ("Message id", text(row["message_id"])),
             ("How it was found", notice.how_found), ("Receipt", notice.received)]
    out += [Table(("fact", "value"), facts, (1, 4), key_value=True, mono=()),
            Para("The request, verbatim:", "lead"), Pre(text(row["body"]) or text(row["subject"]))]
    repeats = notice.repeats
    if len(repeats):
        out.append(Heading("Later requests (repeats)", 3))
        out.append(Table(("sent (UTC)", "channel", "text", "evidence"),
                         [(text(iso(r["sent_at"])), text(r["platform"]), excerpt(r),
                           evidence_ref(r)) for _, r in repeats.iterrows()], (1.5, 1, 4, 3)))
    else:
        out.append(Para("Later requests (repeats): none found in the sources listed."))
    return out


def headline(inp: Inputs, rid: str) -> list[Block]:
    msgs = counted(inp.analysis, ["direction", "period", "is_contact"])
    pair = msgs[["direction", "period"]]
    contact = pair[msgs["is_contact"].fillna(False).astype(bool)] if "is_contact" in msgs else pair
    grid = pd.crosstab(contact["direction"].astype(str), contact["period"].astype(str)) \
        if len(contact) else pd.DataFrame()
    def cell(direction: str, period: str) -> str:
        has = direction in grid.index and period in grid.columns
        return str(int(grid.loc[direction, period])) if has else "0"
    rows = [(DIRECTION_NAMES[d], cell(d, "before"), cell(d, "after"), cell(d, "undetermined"))
            for d in DIRECTION_NAMES if d != "other"]
    summary = inp.analysis.summary
    after = summary["respondent_contacts_after_notice"]
    before = summary["respondent_contacts_before_notice"]
    platforms = sorted(set(after.get("by_platform", {})) | set(before.get("by_platform", {})))
    rows += [(f"respondent → victim by {p}", str(before["by_platform"].get(p, 0)),
              str(after["by_platform"].get(p, 0)), "") for p in platforms]
    accounts = sorted(set(after.get("by_account", {})) | set(before.get("by_account", {})))
    rows += [(f"respondent → victim from {a}", str(before["by_account"].get(a, 0)),
              str(after["by_account"].get(a, 0)), "") for a in accounts]
    facts = [("Messages in the sources (copies counted once)", str(summary["messages_total"])),
             ("Copies of the same message merged", str(summary["duplicates_merged"])),
             ("First respondent contact after the request (UTC)", text(after.get("first_at"))),
             ("Last respondent contact after the request (UTC)", text(after.get("last_at")))]
    return [_h("counts"),
            Table(("contacts", "before the request", "after the request", "undetermined"),
                  rows, (4, 1.2, 1.2, 1.2)),
            Table(("fact", "value"), facts, (3, 2), key_value=True)]


def _contact_table(rows: pd.DataFrame, inp: Inputs, key: str) -> list[Block]:
    tz, limit, total = inp.case.timezone, allotted(inp)[key], len(rows)
    # Only the rows shown are laid out: contact_rows formats row by row.
    shown = contact_rows(rows if limit is None else rows.iloc[:limit], tz)
    # Made a column at a time in Arrow, not row by row: the HTML lists every row.
    col = {name: _text_array(shown[name]) for name in (
        "sent_at_utc", "sent_at_local", "platform", "from_account", "from_name", "kind",
        "excerpt", "source_path", "locator", "record_sha256")}
    # A missing name (NaN) counts as given, as it always has: "account ()".
    named = np.array([v is not None and v != "" for v in shown["from_name"].to_numpy(
        dtype=object)], dtype=bool)
    account = pc.if_else(named, schema.joined(col["from_account"], " (", col["from_name"], ")"),
                         col["from_account"])
    number = schema.joined(pa.array(np.arange(1, len(shown) + 1)))
    evidence = schema.joined(col["source_path"], " · ", col["locator"], " · sha256 ",
                       col["record_sha256"])
    body = ColumnRows([number, col["sent_at_utc"], col["sent_at_local"], col["platform"],
                       account, col["kind"], col["excerpt"], evidence])
    out: list[Block] = [Table(("#", "sent (UTC)", f"local ({tz})", "channel", "account", "kind",
                               "excerpt", "evidence reference"), body,
                              (8, 30, 24, 13.5, 23, 11, 38, 38.5), mono=(7,),
                              nowrap=(0, 1, 2, 3, 5), max_lines=CONTACT_LINES)]
    if len(shown) < total:
        out.append(_left_out(len(shown), total, key, inp.max_rows))
    return out


def victim_after(inp: Inputs, rid: str) -> list[Block]:
    rows = inp.analysis.tables.get("victim_after", pd.DataFrame())
    out: list[Block] = [_h("victim")]
    if rows.empty:
        return out + [Para(NONE_FOUND, "strong")]
    return out + [Para(f"{len(rows)} message(s) from the victim to the respondent after the "
                       "request:")] + _contact_table(rows, inp, "victim_after")


def contacts_after(inp: Inputs, rid: str) -> list[Block]:
    rows = inp.analysis.tables.get("respondent_after", pd.DataFrame())
    out: list[Block] = [_h("contacts")]
    if rows.empty:
        return out + [Para("No respondent contact after the request: " + NONE_FOUND + ".")]
    return out + [Para(f"Every contact from the respondent to the victim after the request, in "
                       f"time order ({len(rows)}); the excerpt is the first 200 characters, "
                       "exactly as exported.")] + _contact_table(rows, inp,
                                                                 "respondent_after")


def other_after(inp: Inputs, rid: str) -> list[Block]:
    parts = [(key, name, inp.analysis.tables.get(key, pd.DataFrame()))
             for key, name in (("unattributed_after", "From accounts not in the case file"),
                               ("group_after", "Respondent posts in group conversations"),
                               ("third_party_after", "From third parties"))]
    out: list[Block] = [_h("others")]
    for key, name, rows in parts:
        out.append(Heading(f"{name} ({len(rows)})", 3))
        if rows.empty:
            out.append(Para(NONE_FOUND + "."))
        else:
            out += _contact_table(rows, inp, key)
    return out


def conduct(inp: Inputs, rid: str) -> list[Block]:
    c = inp.analysis.conduct or {}
    gaps = c.get("gaps_days", [])
    facts = [("Separate days with respondent contact after the request",
              str(c.get("days_with_contact", 0))),
             ("First and last such day", f"{c.get('first_day', '')} to {c.get('last_day', '')}"
              if c.get("first_day") else ""),
             ("Longest gap between such days (days)", text(c.get("longest_gap_days"))),
             ("Gaps between consecutive days (days)", ", ".join(map(str, gaps[:200]))
              + (" …" if len(gaps) > 200 else "")),
             ("Accounts first seen after the request", ", ".join(c.get("new_accounts_after", []))
              or "none"),
             ("Channels first used after the request",
              ", ".join(c.get("new_channels_after", [])) or "none")]
    out: list[Block] = [_h("conduct"), Table(("fact", "value"), facts, (2, 3), key_value=True)]
    weeks = inp.analysis.tables.get("respondent_by_week", pd.DataFrame())
    if len(weeks):
        pivot = weeks.pivot_table(index="period", columns="platform", values="count",
                                  aggfunc="sum", fill_value=0, observed=True)
        cols = [str(p) for p in pivot.columns]
        rows = [(str(week), str(int(r.sum())), *[str(int(v)) for v in r])
                for week, r in pivot.iterrows()]
        out += [Heading("Respondent contact after the request, by week (weeks start Monday, "
                        f"{inp.case.timezone})", 3),
                Table(("week of", "total", *cols), rows)]
    return out


def undetermined(inp: Inputs, rid: str) -> list[Block]:
    rows = inp.analysis.tables.get("undetermined", pd.DataFrame())
    out: list[Block] = [_h("undetermined"),
                        Para("Contacts that cannot be placed before or after the request are "
                             "listed here and counted in neither.")]
    if rows.empty:
        return out + [Para(NONE_FOUND + ".")]
    limit = allotted(inp)["undetermined"]
    shown = rows if limit is None else rows.head(limit)
    body = [(text(r.get("sent_at_raw", "")), text(iso(r["sent_at"])), text(r["platform"]),
             text(r["sender"]), DIRECTION_NAMES.get(text(r["direction"]), text(r["direction"])),
             text(r.get("undetermined_reason", "")), excerpt(r, 120), evidence_ref(r))
            for _, r in shown.iterrows()]
    out.append(Table(("time as exported", "UTC", "channel", "account", "direction", "why",
                      "excerpt", "evidence reference"), body, (1.5, 1.6, 1, 2, 1.4, 2, 2.5, 3),
                     mono=(7,), max_lines=CONTACT_LINES))
    if len(shown) < len(rows):
        out.append(_left_out(len(shown), len(rows), "undetermined", inp.max_rows))
    return out


def charts(inp: Inputs, rid: str) -> list[Block]:
    out: list[Block] = [_h("charts")]
    for name, caption in FIGURES.items():
        if name in inp.figures:
            out.append(Image(name, inp.figures[name], f"{caption} Times in {inp.case.timezone}."))
    return out


def email_appendix(inp: Inputs, rid: str) -> list[Block]:
    out: list[Block] = [_h("email")]
    if not inp.traces:
        return out + [Para(NO_EMAIL)]
    out.append(Para("For each mail from the respondent after the request: the path it took "
                    "(Received headers, newest first), where it entered the victim's providers "
                    "(the handoff), authentication results and where to report it. Headers "
                    "below the handoff were written by machines the sender controls and can "
                    "be forged."))
    shown = inp.traces if inp.max_rows is None else inp.traces[:PDF_TRACES]
    for n, item in enumerate(shown, 1):
        out += _one_trace(n, item)
    if len(shown) < len(inp.traces):
        out.append(Para(f"The PDF shows the trace of the first {len(shown):,} of "
                        f"{len(inp.traces):,} mails ({len(inp.traces) - len(shown):,} left out "
                        "here); report.html shows every one, and each abuse-desk draft in "
                        "complaints/ carries the full headers of its mails.", "note"))
    return out


def _one_trace(n: int, item: _mail.MailTrace) -> list[Block]:
    row, tr = item.row, item.trace
    out: list[Block] = [Heading(f"Mail {n}: {text(iso(row['sent_at']))} (UTC)", 3)]
    facts = [("Message-ID", _mail.message_id_header(row)), ("From", text(row["sender"])),
             ("Subject", text(row.get("subject", ""))), ("Evidence", evidence_ref(row))]
    if tr is None:
        return out + [Table(("fact", "value"), facts, (1, 4), key_value=True),
                      Para(item.problem, "note"), Pre(text(row.get(_mail.HEADERS, "")))]
    facts += [("Handoff", _mail.handoff_text(tr)),
              ("Originating IP", text(_mail.field(tr, "originating_ip", ""))),
              ("DKIM signing domains", ", ".join(map(str, _mail.field(tr, "dkim_domains", [])
                                                     or []))),
              ("Authentication results", _auth(_mail.field(tr, "auth_results", "")))]
    out.append(Table(("fact", "value"), facts, (1, 4), key_value=True))
    names, hops = _mail.hop_table(tr)
    if hops:
        out.append(Table(names, [tuple(text(v) for v in r) for r in hops]))
    abuse = _mail.abuse_contacts(tr)
    if abuse:
        out.append(Table(("abuse contact", "what it is", "how it was found"),
                         [(a["address"], a["what"], a["how_found"]) for a in abuse], (2, 2, 3)))
    note = text(_mail.field(tr, "forgeable_note", ""))
    if note:
        out.append(Para(note, "note"))
    out += [Para(f"Trace warning: {w}", "note") for w in _mail.field(tr, "warnings", []) or []]
    out += [Para("Full headers, verbatim:", "lead"), Pre(text(row.get(_mail.HEADERS, "")))]
    return out


def _auth(value: object) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(map(str, value))
    return text(value)


def exhibits(inp: Inputs, rid: str) -> list[Block]:
    out: list[Block] = [_h("exhibits")]
    manifest = inp.manifest or {}
    files = manifest.get("files", [])
    if not files:
        return out + [Para("No manifest: the sources were not taken in.", "warning")]
    out.append(Para(f"Every source file as hashed at intake ({text(manifest.get('created_at'))}, "
                    f"whoa_analysis {text(manifest.get('tool_version'))}); each was re-hashed "
                    "and matched before this report was made. manifest.json in this pack "
                    "holds the same list."))
    rows = [(str(i), text(f.get("path")), f"{int(f.get('size', 0)):,}", text(f.get("sha256")))
            for i, f in enumerate(files, 1)]
    return out + [Table(("exhibit", "file", "bytes", "SHA-256"), rows, (0.7, 4, 1.2, 5),
                        mono=(3,))]


def media(inp: Inputs, rid: str) -> list[Block]:
    """Each image as a thumbnail with its hash, time and OCR text; each recording's facts."""
    shown = _exhibits.rows(inp.analysis.messages)
    if shown.empty:
        return [_h("media"), Para("No screenshots, photos or recordings among the sources.")]
    out: list[Block] = [_h("media"), Para(
        "Images and recordings taken in as exhibits. A time comes only from the file's own "
        "metadata or from the case file's pin; the file system's date is shown, labelled, and "
        "never used. An exhibit counts as a message only when the case file pins it.", "note")]
    for n, (_, row) in enumerate(shown.iterrows(), 1):
        label = f"Exhibit {n}: {_exhibits.caption(row, local(row['sent_at'], inp.case.timezone))}"
        png = inp.thumbnails.get(str(row["message_id"]))
        if png:
            out.append(Image(f"exhibit-{n}", png, label, width_mm=_exhibits.width_mm(png)))
        else:
            out.append(Para(label))
        if row.get("ocr_text"):
            out.append(Para(_exhibits.CHECK, "lead"))
            out.append(Pre(visible(str(row["ocr_text"]))))
        if row["warnings"]:
            out.append(Para(f"Warnings: {row['warnings']}", "note"))
    return out


def custody(inp: Inputs, rid: str) -> list[Block]:
    out: list[Block] = [_h("custody"),
                        Para("Each entry carries the hash of the one before it, so an edited or "
                             "removed entry breaks the chain (whoa verify checks it). This "
                             "report's own entry is added after it is written.")]
    if not inp.custody:
        return out + [Para("No custody entries.")]
    rows = [(text(e.get("seq")), text(e.get("at")), text(e.get("who")), text(e.get("action")),
             _details(e.get("details")), text(e.get("entry_sha256"))) for e in inp.custody]
    return out + [Table(("#", "at (UTC)", "who", "action", "details", "entry SHA-256"), rows,
                        (0.5, 2.2, 1.4, 0.9, 2.6, 4), mono=(5,))]


def _details(details: object) -> str:
    if not isinstance(details, dict):
        return text(details)
    parts = []
    for key, value in sorted(details.items()):
        shown = f"{len(value)} file(s)" if isinstance(value, dict) else text(value)
        parts.append(f"{key}: {shown}")
    return "; ".join(parts)


def processing(inp: Inputs, rid: str) -> list[Block]:
    case = inp.case
    params = [("Tool", f"whoa_analysis {inp.tool_version}"),
              ("Case file", case.file.name), ("Case time zone", case.timezone),
              ("Region for phone numbers", case.region or "(none)"),
              ("Stop request", "found automatically from stop phrases" if
               case.notice_message == "auto" else f"pinned: {case.notice_message}"),
              ("Extra stop phrases", ", ".join(case.notice_phrases) or "(none)"),
              ("Victim's own mail domains / hosts",
               ", ".join((*case.own_domains, *case.own_hosts)) or "(from the victim's addresses)"),
              ("Contact rows shown in the PDF", str(case.max_pdf_rows)),
              ("Spreadsheet (XLSX) requested", "yes" if case.xlsx else "no")]
    out: list[Block] = [_h("processing"), Table(("parameter", "value"), params, (2, 3),
                                                key_value=True)]
    rows = [(text(r["source"]), text(r["format"]), text(r["owner"]), text(r["timezone"]),
             text(r["date_order"]), text(r["rows"]), text(r["unparsed"]), text(r["warnings"]),
             text(r["assumptions"]) or "none") for _, r in inp.import_report.iterrows()]
    out += [Heading("Sources as read", 3),
            Table(("source", "reader", "owner", "zone", "date order", "rows", "unparsed",
                   "with warnings", "assumptions"), rows, (3, 1.3, 0.8, 1.4, 0.8, 0.7, 0.8, 0.8,
                                                           3)),
            Heading("Spreadsheet safety", 3),
            Para("In messages.csv and contacts_after_notice.csv (and the .xlsx when asked for), "
                 "a cell starting with = + - @, a tab or a carriage return would be run by a "
                 "spreadsheet as a formula; such cells are shown with a leading apostrophe "
                 "(plain numbers such as -5 are left alone). "
                 f"{inp.neutralised} cell(s) were neutralised. messages.parquet keeps every "
                 "text exactly as exported."),
            Para("Every text in this report is shown as text: nothing from the sources is run, "
                 "loaded or followed, and links in messages are not clickable.")]
    return out
