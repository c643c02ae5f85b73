"""The main job, ``whoa report``: verify the evidence, read, resolve, analyse, write the pack.

Each step is a plain function; the CLI and the notebooks call the same ones.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import __version__, evidence, i18n, identities, ingest, pack
from .analysis import Analysis, analyse, contact_rows, seen
from .case import Case
from .errors import EvidenceError, OutputError
from .i18n import N_
from .readers import _parallel
from .reports import _content, _exhibits, _mail, tables

PACK_STEPS = ("tables", "figures", "report.html", "report.pdf", "complaints")

Say = Callable[[str], None]


@dataclass(frozen=True)
class Prepared:
    case: Case
    analysis: Analysis
    import_report: pd.DataFrame
    waiting: tuple[str, ...] = ()       # sources not read until their question is answered


def ensure_evidence(case: Case, say: Say = print, *,
                    progress: Callable[[list], Iterable] = lambda it: it,
                    ) -> evidence.Snapshot:
    """Intake on first use (and say so); afterwards verify and refuse on any change.

    Returns the sources' file states taken before the check: give it to :func:`prepare`, which
    refuses if a source changed while it was read. ``progress`` wraps the files being hashed
    (a bar on a terminal)."""
    state = evidence.snapshot(case)
    if evidence.load_manifest(case) is None:
        evidence.check_absent(case, None)
        ingest.check_formats(case)          # nothing is written beside an invalid case
    with evidence.case_lock(case):
        if evidence.load_manifest(case) is None:
            manifest = evidence.intake(case, tool_version=__version__, progress=progress)
            say(f"intake: first run for this case: hashed {len(manifest['files'])} file(s) "
                f"into {evidence.manifest_path(case)}")
            return state
    findings = [str(f) for f in evidence.verify(case, progress)]
    problems = evidence.check_custody(case)
    if findings:
        raise EvidenceError("evidence changed since intake: " + "; ".join(findings + problems)
                            + " (restore the originals, or start a new case for new material)")
    if problems:
        raise EvidenceError(f"{evidence.custody_path(case).name}: " + "; ".join(problems))
    return state


def source_summaries(report: pd.DataFrame) -> list[dict]:
    return [{"path": r["source"], "sha256": r["sha256"], "format": r["format"],
             "rows": int(r["rows"]), "unparsed": int(r["unparsed"]),
             "warnings": int(r["warnings"])} for _, r in report.iterrows()]


def prepare(case: Case, *, workers: int = 1,
            progress: Callable[[Iterable], Iterable] = lambda it: it,
            stages: Callable[[Iterable], Iterable] = lambda it: it,
            checked: evidence.Snapshot | None = None, questions_wait: bool = False,
            ) -> Prepared:
    """Read and analyse a case (no evidence check, nothing written).

    ``checked`` (what :func:`ensure_evidence` returned): a source written to since that check,
    while it was being read, stops the run with :class:`EvidenceError`. ``progress`` wraps the
    sources being read, ``stages`` the steps after reading (bars on a terminal)."""
    got = ingest.ingest(case, workers=workers, progress=progress,
                        questions_wait=questions_wait)
    if checked is not None:
        evidence.check_unchanged(case, checked)
    resolved = result = None
    for stage in stages(("accounts", "analysis")):
        if stage == "accounts":
            resolved = identities.resolve(got.messages, case)
        else:
            result = analyse(resolved, tz=case.timezone, case_id=case.id,
                             tool_version=__version__, pinned=case.notice_message,
                             phrases=case.notice_phrases,
                             sources=source_summaries(got.import_report))
    return Prepared(case, result, got.import_report, got.waiting)


def accounts(case: Case) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every account seen, and suggestions (never applied). A source still waiting for its
    time zone or date order is not read; ``attrs["waiting"]`` of the table names each one."""
    prepared = prepare(case, questions_wait=True)
    table, hints = _accounts(case, prepared.analysis.messages, prepared.analysis.notice.latest)
    table.attrs["waiting"] = list(prepared.waiting)
    return table, hints


def _accounts(case: Case, msgs: pd.DataFrame, notice_latest: pd.Timestamp | None,
              translate: Callable[[str], str] = str) -> tuple[pd.DataFrame, pd.DataFrame]:
    table = seen.accounts_table(msgs)
    return table, seen.suggestions(msgs, notice_latest, case.region, table=table,
                                   translate=translate)


def write_pack(prepared: Prepared, out: Path, say: Say = print, *,
               generated_at: str | None = None,
               progress: Callable[[Iterable], Iterable] = lambda it: it,
               force: bool = False) -> list[Path]:
    """Write the evidence pack into ``out``, whole or not at all, and log it in the custody
    log; returns the files of the pack.

    The pack is built in a partial folder beside ``out`` (see :mod:`whoa_analysis.pack`),
    ``pack_manifest.json`` written last, and renamed to ``out`` only when complete. An existing
    ``out`` with files in it is refused unless ``force``, which replaces it then. A failure or
    a kill leaves no folder named ``out`` (and an earlier pack, replaced with ``force``, as it
    was). ``generated_at`` (ISO 8601 UTC) is the report's only varying stamp: pass one to get
    the same bytes from the same inputs. ``progress`` wraps the steps (a bar on a terminal).
    """
    case, given = prepared.case, Path(out)
    out = pack.check_out(given, case, force=force)
    stamp = generated_at or dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    staging = pack.stage(out, lambda line: _note_removed(case, line, say))
    try:
        try:
            written = _write_files(prepared, staging.folder, stamp, progress)
            files = {p.relative_to(staging.folder).as_posix(): h for p, h in written.items()}
            manifest = pack.write_manifest(staging.folder, case, tool_version=__version__,
                                           generated_at=stamp, expected=files)
            files[manifest.name] = evidence.sha256_file(manifest)
            pack.sync(staging.folder)
        except OSError as exc:
            raise pack.cannot_write(out, exc) from None
        # Logged before it is put in place, so that no pack is ever in place unlogged; a
        # pack that then cannot be put in place is logged as such.
        _log_pack(case, out, files)
        try:
            staging.commit(force=force)
        except (OSError, OutputError) as exc:
            evidence.append_custody(case, "report_not_placed", {
                "out": str(out), "reason": str(exc),
                "pack_manifest_sha256": files[manifest.name]})
            if isinstance(exc, OutputError):
                raise
            raise pack.cannot_write(out, exc) from None
    finally:
        staging.discard()
    return [given / rel for rel in sorted(files)]     # under the folder as the caller named it


def _note_removed(case: Case, line: str, say: Say) -> None:
    """Say what was cleaned beside the pack, and log it: an interrupted run may have logged a
    pack that it never put in place."""
    say(line)
    evidence.append_custody(case, "pack_cleanup", {"note": line})


def _write_files(prepared: Prepared, out: Path, stamp: str,
                 progress: Callable[[Iterable], Iterable]) -> dict[Path, str]:
    """Every file of the pack into ``out``; returns each file's SHA-256, taken by the process
    that wrote it."""
    from .reports import complaints, html, pdf  # heavy (fpdf2): only the report needs them

    case, result = prepared.case, prepared.analysis
    after = contact_rows(result.tables["respondent_after"], case.timezone)
    written: dict[Path, str] = {}
    waiting: list[Callable[[], dict[Path, str]]] = []
    inputs = None

    def pdf_and_drafts() -> list[Path]:
        capped = dataclasses.replace(inputs, max_rows=case.max_pdf_rows)
        made = [pdf.write(_content.build(capped), out / "report.pdf", stamp)]
        return made + complaints.write_all(inputs, _content.report_id(result.summary),
                                           out / "complaints")

    # The tables, and the PDF with the drafts, need nothing the HTML makes: on a machine that
    # can fork they are written (and hashed) by child processes, sharing the frames rather
    # than copying them, while this one draws the charts and writes report.html.
    try:
        for step in progress(PACK_STEPS):
            if step == "tables":
                waiting.append(_parallel.beside(_hashed, _write_tables, prepared, out, after))
            elif step == "figures":
                figures = _write_figures(prepared, out / "figures")
                written |= _hashes([out / "figures" / f"{name}.png" for name in figures])
                inputs = _report_inputs(prepared, figures, stamp, after)
                waiting.append(_parallel.beside(_hashed, pdf_and_drafts))
            elif step == "report.html":
                written |= _hashed(html.write, _content.build(inputs), out / "report.html")
            else:   # report.pdf, complaints: started with the figures; wait for them here
                while waiting:
                    written |= waiting.pop(0)()
    finally:
        for wait in waiting:        # a step failed: let the children end before cleaning up
            with contextlib.suppress(Exception):
                wait()
    return written


def _hashed(write: Callable[..., list[Path] | Path], *args: object) -> dict[Path, str]:
    """``write(*args)``, and the SHA-256 of each file it wrote, taken by the same process."""
    made = write(*args)
    return _hashes([made] if isinstance(made, Path) else made)


def _hashes(paths: list[Path]) -> dict[Path, str]:
    return {p: evidence.sha256_file(p) for p in paths if p.is_file()}


def _log_pack(case: Case, out: Path, files: dict[str, str]) -> None:
    """The custody log records every pack made, with the hash of each file in it."""
    evidence.append_custody(case, "report", {"out": str(out.resolve()),
                                             "files": dict(sorted(files.items()))})


def _write_tables(prepared: Prepared, out: Path, after: pd.DataFrame) -> list[Path]:
    case, result = prepared.case, prepared.analysis
    msgs = result.messages
    written = []
    for name, writer, data in (
        ("messages.parquet", tables.write_parquet, msgs),
        ("messages.csv", tables.write_csv, msgs),
        ("contacts_after_notice.csv", tables.write_csv, after),
        ("import_report.csv", tables.write_csv, prepared.import_report),
    ):
        writer(data, out / name)
        written.append(out / name)
    for name, rows in _side_tables(prepared).items():
        tables.write_csv(rows, out / name)
        written.append(out / name)
    if case.xlsx:
        tables.write_xlsx({"contacts_after_notice": after, "messages": msgs},
                          out / "contacts_after_notice.xlsx")
        written.append(out / "contacts_after_notice.xlsx")
    # The bytes the pack manifest's case_manifest_sha256 is taken from, read once.
    (out / "manifest.json").write_bytes(evidence.manifest_path(case).read_bytes())
    written.append(out / "manifest.json")
    summary_path = out / "summary.json"
    summary_path.write_text(json.dumps(result.summary, indent=2, ensure_ascii=False) + "\n",
                            encoding="utf-8")
    written.append(summary_path)
    return written


#: The other tables after the request, beside contacts_after_notice.csv: the victim's own
#: messages are never hidden, and what could not be placed is listed with its reason.
SIDE_TABLES = {"victim_messages_after_notice.csv": "victim_after",
               "third_party_contacts_after_notice.csv": "third_party_after",
               "respondent_group_messages_after_notice.csv": "group_after",
               "unattributed_contacts_after_notice.csv": "unattributed_after",
               "undetermined.csv": "undetermined"}


def _side_tables(prepared: Prepared) -> dict[str, pd.DataFrame]:
    tz, found = prepared.case.timezone, prepared.analysis.tables
    out = {}
    for name, key in SIDE_TABLES.items():
        rows = found[key]
        table = contact_rows(rows, tz)
        if key == "undetermined":
            table["undetermined_reason"] = rows["undetermined_reason"].to_numpy()
        out[name] = table
    return out


def _write_figures(prepared: Prepared, folder: Path) -> dict[str, bytes]:
    """The four charts as PNG bytes, also saved under ``figures/``."""
    from . import charts  # matplotlib: only the report needs it
    case, result = prepared.case, prepared.analysis
    tz, at, lang = case.timezone, result.notice.earliest, case.language
    after = result.tables["respondent_after"]
    made = {"daily": charts.daily(result.messages, tz=tz, notice_at=at, language=lang),
            "lanes": charts.lanes(result.messages, tz=tz, notice_at=at, language=lang),
            "heatmap": charts.heatmap(after, tz=tz, title=N_("Respondent contact after the "
                                                              "stop request"), language=lang),
            "cumulative": charts.cumulative(after, tz=tz, notice_at=at, language=lang)}
    folder.mkdir(parents=True, exist_ok=True)
    pngs = {}
    for name, fig in made.items():
        pngs[name] = charts.png_bytes(fig)
        (folder / f"{name}.png").write_bytes(pngs[name])
    return pngs


def _report_inputs(prepared: Prepared, figures: dict[str, bytes], stamp: str,
                   after: pd.DataFrame) -> _content.Inputs:
    case, result = prepared.case, prepared.analysis
    table, hints = _accounts(case, _content.counted(result, list(seen.READS)),
                             result.notice.latest, i18n.translator(case.language))
    return _content.Inputs(
        case=case, analysis=result, import_report=prepared.import_report,
        manifest=evidence.load_manifest(case), custody=evidence.read_custody(case),
        figures=figures, traces=_mail.traces(result, case.own_domains, case.own_hosts),
        generated_at=stamp, tool_version=__version__, accounts=table, suggestions=hints,
        neutralised=_content.count_neutralised([result.messages, after]),
        manifest_sha256=evidence.manifest_sha256(case) or "",
        thumbnails=_exhibits.thumbnails(case, result.messages))
