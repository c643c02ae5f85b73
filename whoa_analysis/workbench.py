"""What the notebooks (``notebooks/``) call beside the pipeline: safe display, small tables.

A notebook only calls functions: everything it shows is computed here or in the pipeline, so the
command line and the notebooks say the same thing. Two rules for what reaches the screen:

- A table is shown through :func:`show`: pandas writes it as HTML with every cell escaped (a
  ``<script>`` a harasser wrote is shown as text, never run), with MathJax off (``$...$`` in a
  message stays as typed) and control or direction-override characters shown as ``[U+XXXX]``.
  Nothing written by anyone in the sources is ever passed to ``HTML(...)`` or ``Markdown(...)``.
- A chart is shown as a PNG image (:func:`picture`), never as markup.

:func:`start` is called once at the top of each notebook (nothing happens on import).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import __version__, accessor, casefile, evidence, i18n, ingest, pipeline
from .analysis import Analysis, contact_rows
from .case import Case
from .errors import WhoaError
from .i18n import N_

#: The words the notebooks print when the victim sent nothing after the request.
NONE_FOUND = N_("none found in the sources listed")
#: Rows a table shows before saying how many more there are (the files hold all of them).
MAX_ROWS = 200
#: Characters of one cell shown on screen (the files and the frames keep the whole text).
MAX_CHARS = 160
#: C0/C1 controls (not tab or newline) and the bidirectional marks, overrides and isolates: a
#: right-to-left override in a message must not reorder what the volunteer sees.
_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
                        r"\u200e\u200f\u202a-\u202e\u2066-\u2069]")
#: summary.json key -> what the notebook calls it.
COUNT_LABELS = (
    ("respondent_contacts_after_notice", N_("respondent → victim after the request")),
    ("respondent_contacts_before_notice", N_("respondent → victim before the request")),
    ("respondent_group_messages_after_notice",
     N_("respondent posts in groups after the request")),
    ("victim_contacts_after_notice", N_("victim → respondent after the request")),
    ("third_party_contacts_after_notice", N_("third parties → victim after the request")),
    ("unattributed_accounts_after_notice", N_("accounts not in the case file → victim after")),
    ("undetermined", N_("contacts that cannot be placed before or after")),
)


def start() -> None:
    """Make ``df.whoa`` available and keep MathJax off pandas tables shown in this kernel."""
    accessor.register()
    pd.set_option("display.html.use_mathjax", False)


# --- showing things safely ---------------------------------------------------------------------

def visible(value: object) -> object:
    """Text with invisible and direction-changing characters written as ``[U+XXXX]``."""
    if not isinstance(value, str):
        return value
    return _INVISIBLE.sub(lambda m: f"[U+{ord(m.group()):04X}]", value)


@dataclass(frozen=True)
class Shown:
    """A table for the screen: escaped HTML in JupyterLab, plain text elsewhere."""

    frame: pd.DataFrame
    total: int
    caption: str = ""
    language: str = "en"

    def _note(self) -> str:
        more = self.total - len(self.frame)
        _ = i18n.translator(self.language)
        return _("showing {shown} of {total} rows").format(shown=len(self.frame),
                                                           total=self.total) if more > 0 else ""

    def _repr_html_(self) -> str:
        if self.frame.empty:
            return f"<p>{html.escape(self._empty())}</p>"
        with pd.option_context("display.html.use_mathjax", False,
                               "display.max_colwidth", MAX_CHARS):
            table = self.frame.to_html(escape=True, index=False, na_rep="", render_links=False,
                                       max_rows=len(self.frame) + 1)
        # Text reads best aligned left (JupyterLab aligns cells right). Every cell's content
        # is escaped, so a literal "<td>" or "<th>" here can only be pandas' own markup.
        for tag in ("td", "th"):
            table = table.replace(f"<{tag}>", f'<{tag} style="text-align: left">')
        notes = [n for n in (self.caption, self._note()) if n]
        # The notes are our own words and numbers, but they are escaped all the same.
        return table + "".join(f"<p>{html.escape(n)}</p>" for n in notes)

    def _empty(self) -> str:
        _ = i18n.translator(self.language)
        return f"{self.caption}: {_('none')}" if self.caption else _("(none)")

    def __repr__(self) -> str:
        if self.frame.empty:
            return self._empty()
        with pd.option_context("display.max_colwidth", MAX_CHARS, "display.width", 200):
            text = self.frame.to_string(index=False, na_rep="")
        return "\n".join([text, *[n for n in (self.caption, self._note()) if n]])


def show(frame: pd.DataFrame, columns: list[str] | None = None, *, rows: int = MAX_ROWS,
         caption: str = "", language: str = "en") -> Shown:
    """``frame`` (or some of its columns) ready for the screen: escaped, controls visible,
    times as text, the first ``rows`` rows."""
    part = frame if columns is None else frame[[c for c in columns if c in frame.columns]]
    out = pd.DataFrame(index=part.index[:rows])
    for name, col in part.head(rows).items():
        if isinstance(col.dtype, pd.DatetimeTZDtype):
            out[name] = col.dt.strftime("%Y-%m-%d %H:%M:%S %Z").astype(object).where(
                col.notna(), "")
        else:
            out[name] = col.astype(object).where(col.notna(), "").map(visible)
    return Shown(out.reset_index(drop=True), len(frame), caption, language)


@dataclass(frozen=True)
class Picture:
    """PNG bytes that JupyterLab shows as an image."""

    png: bytes

    def _repr_png_(self) -> bytes:
        return self.png

    def __repr__(self) -> str:
        return f"<chart: PNG, {len(self.png)} bytes>"


def picture(figure: object) -> Picture:
    """A chart (a matplotlib Figure from ``whoa_analysis.charts``) as an image."""
    from . import charts  # matplotlib: only the chart cells need it

    return Picture(charts.png_bytes(figure))


# --- 01 intake ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class EvidenceCheck:
    status: str            # intake | unchanged | changed | custody-broken
    message: str
    findings: pd.DataFrame


def check_evidence(case: Case) -> EvidenceCheck:
    """Intake on first use; afterwards re-hash against the manifest. Never raises on a change:
    the notebook shows what changed (the report step refuses to run on it)."""
    problems = evidence.check_custody(case)
    if problems:
        return EvidenceCheck("custody-broken", "; ".join(problems),
                             pd.DataFrame({"problem": problems}))
    _ = i18n.translator(case.language)
    if evidence.load_manifest(case) is None:
        ingest.check_formats(case)          # nothing is written beside an invalid case
        manifest = evidence.intake(case, tool_version=__version__)
        return EvidenceCheck("intake", _("first intake of this case: hashed {n} file(s)")
                             .format(n=len(manifest["files"])), _findings([]))
    found = evidence.verify(case)
    if found:
        return EvidenceCheck("changed", _("{n} difference(s) from the manifest").format(
            n=len(found)), _findings(found))
    evidence.append_custody(case, "verify", {"result": "unchanged"})
    return EvidenceCheck("unchanged", _("every source matches the manifest; the custody log "
                                        "is intact"), _findings([]))


def _findings(found: list[evidence.Finding]) -> pd.DataFrame:
    return pd.DataFrame([f.__dict__ for f in found],
                        columns=["status", "path", "expected", "found"])


def manifest_table(case: Case) -> pd.DataFrame:
    """The files recorded at intake: path, size in bytes, SHA-256."""
    manifest = evidence.load_manifest(case) or {"files": []}
    return pd.DataFrame(manifest["files"], columns=["path", "size", "sha256"])


def custody_table(case: Case) -> pd.DataFrame:
    """The custody log, one line per action: when, who, what."""
    rows = [{"seq": e.get("seq"), "at": e.get("at"), "who": e.get("who"),
             "action": e.get("action"), "entry_sha256": e.get("entry_sha256")}
            for e in evidence.read_custody(case)]
    return pd.DataFrame(rows, columns=["seq", "at", "who", "action", "entry_sha256"])


def unreadable(messages: pd.DataFrame) -> pd.DataFrame:
    """Every row that could not be read, or was read with a warning, and why."""
    rows = messages[(messages["kind"].astype(str) == "unparsed")
                    | (messages["warnings"].fillna("") != "")]
    return pd.DataFrame({
        "source_path": rows["source_path"], "locator": rows["locator"],
        "kind": rows["kind"].astype(str), "why": rows["warnings"],
        "text as exported": rows["body"].fillna("").str.slice(0, MAX_CHARS),
    }).reset_index(drop=True)


# --- 02 people ---------------------------------------------------------------------------------

def people_table(case: Case) -> pd.DataFrame:
    """The case file's people, one row per account: as written, and as compared."""
    rows = [{"person": p.id, "role": p.role, "name": p.name, "account (as written)": written,
             "account (compared as)": key}
            for p in case.people for written, key in zip(p.accounts_as_written, p.accounts)]
    return pd.DataFrame(rows, columns=["person", "role", "name", "account (as written)",
                                       "account (compared as)"])


def unclaimed(accounts: pd.DataFrame) -> pd.DataFrame:
    """Accounts seen in the sources that nobody in the case file holds."""
    return accounts[accounts["person"] == ""].reset_index(drop=True)


def save_assignment(case_file: str | Path, account: str, person: str) -> str:
    """What the "save to case file" button does (``casefile.assign``, as ``whoa accounts
    --assign`` does it), told in one line; on any problem the case file is left as it was."""
    if not person:
        return f"not saved: pick the person who holds {account} first"
    try:
        casefile.assign(case_file, account, person)
    except WhoaError as exc:
        return f"not saved: {exc}"
    return (f"saved: {account} is {person}'s in {Path(case_file).name}; run the notebooks "
            "again from the top to see it counted")


def assign_accounts(case_file: str | Path, accounts: pd.DataFrame, case: Case) -> object:
    """One row per account nobody holds: what it is, a person picker, a "save to case file"
    button (ipywidgets; labels are plain text, never markup)."""
    import ipywidgets as widgets

    choices = [("(pick a person)", "")] + [(visible(f"{p.name} ({p.id}, {p.role})"), p.id)
                                           for p in case.people]
    rows = []
    for _, acc in unclaimed(accounts).iterrows():
        also = f" (also {acc['also_as']})" if acc.get("also_as") else ""
        about = (f"{acc['account']}{also}, shown as {acc['shown_as'] or '-'}: "
                 f"{int(acc['messages'])} "
                 f"sent, {int(acc['received'])} received ({acc['platforms']})")
        picker = widgets.Dropdown(options=choices, value="")
        button = widgets.Button(description="save to case file")
        said = widgets.Label("")
        button.on_click(_saver(case_file, str(acc["account"]), picker, said))
        rows.append(widgets.VBox([widgets.Label(visible(about)),
                                  widgets.HBox([picker, button, said])]))
    return widgets.VBox(rows or [widgets.Label("Every account seen is in the case file.")])


def _saver(case_file: str | Path, account: str, picker: object, said: object):
    def save(button: object) -> None:
        said.value = save_assignment(case_file, account, picker.value)
        if said.value.startswith("saved"):
            button.disabled = picker.disabled = True
    return save


# --- 03 timeline -------------------------------------------------------------------------------

def timeline(messages: pd.DataFrame, tz: str) -> pd.DataFrame:
    """Every counted row of every source in time order, as the contact table lays it out, with
    its direction and its place before or after the request."""
    rows = messages
    if "duplicate_of" in rows:
        rows = rows[rows["duplicate_of"].fillna("") == ""]
    rows = rows.sort_values(["sent_at", "message_id"], na_position="last")
    table = contact_rows(rows, tz)
    for extra in ("direction", "period"):
        if extra in rows:
            table.insert(3, extra, rows[extra].astype(str).to_numpy())
    return table


def involving(messages: pd.DataFrame, person: str) -> pd.DataFrame:
    """Rows a person sent or received (``person`` is an id from the case file)."""
    sent = messages["sender_person"].fillna("") == person
    got = messages["recipient_persons"].fillna("").map(lambda ps: person in ps.split(";"))
    return messages[sent | got.astype(bool)]


# --- 04 contact after the request --------------------------------------------------------------

def notice_table(analysis: Analysis, language: str = "en") -> pd.DataFrame:
    """The stop request as two columns (what, value), or its absence and why."""
    _ = i18n.translator(language)
    block = analysis.summary.get("notice")
    if not block:
        problems = analysis.summary.get("notice_problems") or [_("no stop request found")]
        return pd.DataFrame({"what": [_("stop request")] + [_("why")] * len(problems),
                             "value": [_("not found"), *problems]})
    keys = ("sent_at", "sent_at_local", "platform", "sender", "recipients", "subject", "text",
            "how_found", "received", "source_path", "locator", "record_sha256", "message_id")
    rows = [(k, block.get(k) or "") for k in keys]
    rows.append(("repeats", ", ".join(block.get("repeats") or []) or _("none")))
    return pd.DataFrame(rows, columns=["what", "value"])


def counts(summary: dict, language: str = "en") -> pd.DataFrame:
    """The headline counts of ``summary.json``, one line each."""
    _ = i18n.translator(language)
    rows = []
    for key, label in COUNT_LABELS:
        value = summary.get(key)
        if isinstance(value, dict):
            value = value.get("total", 0)
        elif isinstance(value, list):
            value = sum(int(v.get("total", 0)) for v in value)
        rows.append((_(label), int(value or 0)))
    return pd.DataFrame(rows, columns=["what", "count"])


def counts_text(analysis: Analysis, tz: str, language: str = "en") -> str:
    """The request and the headline counts as plain lines (what a notebook checks)."""
    _, notice = i18n.translator(language), analysis.notice
    if notice.found:
        when = i18n.local_time(pd.Timestamp(notice.earliest).to_pydatetime(), tz, language)
        head = _("stop request: {when} ({platform})").format(when=when,
                                                            platform=notice.row["platform"])
    else:
        head = _("stop request: not found")
    lines = [head] + [f"{label}: {n}" for label, n in counts(
        analysis.summary, language).itertuples(index=False)]
    by = analysis.summary["respondent_contacts_after_notice"].get("by_platform", {})
    lines.append(_("respondent → victim after, by platform: {counts}").format(
        counts=", ".join(f"{k} {v}" for k, v in by.items()) or _("none")))
    return "\n".join(lines)


def contacts_after(analysis: Analysis, tz: str, table: str = "respondent_after") -> pd.DataFrame:
    """One row per contact of an ``analysis.tables`` table, laid out as the pack's CSV."""
    return contact_rows(analysis.tables[table], tz)


def breakdown(summary: dict, key: str = "respondent_contacts_after_notice",
              by: str = "by_platform") -> pd.DataFrame:
    """One block of ``summary.json`` (e.g. contacts after the request) by platform or account."""
    values = (summary.get(key) or {}).get(by, {})
    return pd.DataFrame(list(values.items()), columns=[by.removeprefix("by_"), "contacts"])


def victim_after_text(analysis: Analysis, language: str = "en") -> str:
    """How many messages the victim sent a respondent after the request, or :data:`NONE_FOUND`."""
    _ = i18n.translator(language)
    if not analysis.notice.found:
        return _("no stop request found, so nothing can be placed after it")
    n = len(analysis.tables["victim_after"])
    return _("{n} message(s) from the victim to a respondent after the request").format(n=n) \
        if n else _(NONE_FOUND)


# --- 05 the pack -------------------------------------------------------------------------------

def make_pack(prepared: pipeline.Prepared, out: Path,
              generated_at: str | None = None) -> pd.DataFrame:
    """Verify the evidence, write the pack into ``out`` (logged in the custody log), and list
    the files written with their sizes and hashes. Refuses (EvidenceError) if a source changed."""
    case = prepared.case
    pipeline.ensure_evidence(case, say=lambda _line: None)
    # Running the notebook again replaces the pack it wrote before (once the new one is
    # complete), never a folder that holds anything else.
    earlier = any((Path(out) / name).is_file() for name in ("pack_manifest.json", "summary.json"))
    written = pipeline.write_pack(prepared, Path(out), say=lambda _line: None,
                                  generated_at=generated_at, force=earlier)
    return pack_files(Path(out), written)


def read_text(path: Path) -> str:
    """A text file of the pack (a complaint draft) for printing, invisible characters shown."""
    return str(visible(Path(path).read_text(encoding="utf-8")))


def pack_files(out: Path, written: list[Path]) -> pd.DataFrame:
    """Each file written: its name inside the pack, size in bytes, SHA-256."""
    rows = [{"file": p.relative_to(out).as_posix(), "size": p.stat().st_size,
             "sha256": evidence.sha256_file(p)} for p in sorted(written) if p.is_file()]
    return pd.DataFrame(rows, columns=["file", "size", "sha256"])


__all__ = ["NONE_FOUND", "EvidenceCheck", "Picture", "Shown",
           "check_evidence", "contacts_after", "counts", "counts_text", "custody_table",
           "involving", "make_pack", "manifest_table", "notice_table", "pack_files",
           "people_table", "picture", "read_text", "show", "start", "timeline", "unclaimed",
           "unreadable", "victim_after_text", "visible", "breakdown"]
