"""The main job, ``whoa report``: verify the evidence, read, resolve, analyse, write the pack.

Each step is a plain function; the CLI and the notebooks call the same ones.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import __version__, evidence, identities, ingest
from .analysis import Analysis, analyse, contact_rows, seen
from .case import Case
from .errors import EvidenceError
from .readers import _parallel
from .reports import _content, _exhibits, _mail, tables

PACK_STEPS = ("tables", "figures", "report.html", "report.pdf", "complaints")

Say = Callable[[str], None]


@dataclass(frozen=True)
class Prepared:
    case: Case
    analysis: Analysis
    import_report: pd.DataFrame


def ensure_evidence(case: Case, say: Say = print, *,
                    progress: Callable[[list], Iterable] = lambda it: it) -> None:
    """Intake on first use (and say so); afterwards verify and refuse on any change.

    ``progress`` wraps the files being hashed (a bar on a terminal)."""
    problems = evidence.check_custody(case)
    if problems:
        raise EvidenceError(f"{evidence.custody_path(case).name}: " + "; ".join(problems))
    if evidence.load_manifest(case) is None:
        ingest.check_formats(case)          # nothing is written beside an invalid case
        manifest = evidence.intake(case, tool_version=__version__, progress=progress)
        say(f"intake: first run for this case: hashed {len(manifest['files'])} file(s) into "
            f"{evidence.manifest_path(case)}")
        return
    findings = evidence.verify(case, progress)
    if findings:
        raise EvidenceError("evidence changed since intake: " + "; ".join(map(str, findings))
                            + " (restore the originals, or start a new case for new material)")


def source_summaries(report: pd.DataFrame) -> list[dict]:
    return [{"path": r["source"], "sha256": r["sha256"], "format": r["format"],
             "rows": int(r["rows"]), "unparsed": int(r["unparsed"]),
             "warnings": int(r["warnings"])} for _, r in report.iterrows()]


def prepare(case: Case, *, workers: int = 1,
            progress: Callable[[Iterable], Iterable] = lambda it: it,
            stages: Callable[[Iterable], Iterable] = lambda it: it) -> Prepared:
    """Read and analyse a case (no evidence check, nothing written).

    ``progress`` wraps the sources being read, ``stages`` the steps after reading (bars on a
    terminal)."""
    got = ingest.ingest(case, workers=workers, progress=progress)
    resolved = result = None
    for stage in stages(("accounts", "analysis")):
        if stage == "accounts":
            resolved = identities.resolve(got.messages, case)
        else:
            result = analyse(resolved, tz=case.timezone, case_id=case.id,
                             tool_version=__version__, pinned=case.notice_message,
                             phrases=case.notice_phrases,
                             sources=source_summaries(got.import_report))
    return Prepared(case, result, got.import_report)


def accounts(case: Case) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every account seen, and suggestions (never applied)."""
    prepared = prepare(case)
    return _accounts(case, prepared.analysis.messages, prepared.analysis.notice.latest)


def _accounts(case: Case, msgs: pd.DataFrame, notice_latest: pd.Timestamp | None,
              ) -> tuple[pd.DataFrame, pd.DataFrame]:
    table = seen.accounts_table(msgs)
    return table, seen.suggestions(msgs, notice_latest, case.region, table=table)


def write_pack(prepared: Prepared, out: Path, say: Say = print, *,
               generated_at: str | None = None,
               progress: Callable[[Iterable], Iterable] = lambda it: it) -> list[Path]:
    """Write every file of the evidence pack into ``out`` and log it in the custody log;
    returns what was written.

    ``generated_at`` (ISO 8601 UTC) is the report's only varying stamp: pass one to get the same
    bytes from the same inputs. ``progress`` wraps the steps (a bar on a terminal).
    """
    from .reports import complaints, html, pdf  # heavy (fpdf2): only the report needs them

    case, result = prepared.case, prepared.analysis
    out.mkdir(parents=True, exist_ok=True)
    stamp = generated_at or dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    after = contact_rows(result.tables["respondent_after"], case.timezone)
    written: dict[Path, str] = {}       # file -> its SHA-256, for the custody log
    waiting: list[Callable[[], dict[Path, str]]] = []
    inputs = None

    def pdf_and_drafts() -> list[Path]:
        capped = dataclasses.replace(inputs, max_rows=case.max_pdf_rows)
        made = [pdf.write(_content.build(capped), out / "report.pdf", stamp)]
        drafts = complaints.write_all(inputs, _content.report_id(result.summary),
                                      out / "complaints")
        return made + _drop_stale_drafts(out / "complaints", drafts)

    # The tables, and the PDF with the drafts, need nothing the HTML makes: on a machine that
    # can fork they are written (and hashed) by child processes, sharing the frames rather
    # than copying them, while this one draws the charts and writes report.html.
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
        else:       # report.pdf, complaints: started with the figures; wait for them here
            while waiting:
                written |= waiting.pop(0)()
    _log_pack(case, out, written)
    return list(written)


def _hashed(write: Callable[..., list[Path] | Path], *args: object) -> dict[Path, str]:
    """``write(*args)``, and the SHA-256 of each file it wrote, taken by the same process."""
    made = write(*args)
    return _hashes([made] if isinstance(made, Path) else made)


def _hashes(paths: list[Path]) -> dict[Path, str]:
    return {p: evidence.sha256_file(p) for p in paths if p.is_file()}


def _log_pack(case: Case, out: Path, written: dict[Path, str]) -> None:
    """The custody log records every pack made, with the hash of each file in it."""
    files = {p.relative_to(out).as_posix(): written[p] for p in sorted(written)}
    evidence.append_custody(case, "report", {"out": str(out.resolve()), "files": files})


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
    shutil.copyfile(evidence.manifest_path(case), out / "manifest.json")
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
    tz, at = case.timezone, result.notice.earliest
    after = result.tables["respondent_after"]
    made = {"daily": charts.daily(result.messages, tz=tz, notice_at=at),
            "lanes": charts.lanes(result.messages, tz=tz, notice_at=at),
            "heatmap": charts.heatmap(after, tz=tz,
                                      title="Respondent contact after the stop request"),
            "cumulative": charts.cumulative(after, tz=tz, notice_at=at)}
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
                             result.notice.latest)
    return _content.Inputs(
        case=case, analysis=result, import_report=prepared.import_report,
        manifest=evidence.load_manifest(case), custody=evidence.read_custody(case),
        figures=figures, traces=_mail.traces(result, case.own_domains, case.own_hosts),
        generated_at=stamp, tool_version=__version__, accounts=table, suggestions=hints,
        neutralised=_content.count_neutralised([result.messages, after]),
        thumbnails=_exhibits.thumbnails(case, result.messages))


def _drop_stale_drafts(folder: Path, written: list[Path]) -> list[Path]:
    """Remove drafts an earlier run left that this run did not write (a stale destination)."""
    keep = {p.name for p in written}
    for old in folder.glob("*.txt"):
        if old.name not in keep and old.name.startswith(("police", "platform-", "mail-abuse-",
                                                         "phone-")):
            old.unlink()
    return written
