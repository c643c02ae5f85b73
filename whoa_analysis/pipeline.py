"""The main job, ``whoa report``: verify the evidence, read, resolve, analyse, write the pack.

Each step is a plain function; the CLI and the notebooks call the same ones.
"""

from __future__ import annotations

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
from .reports import tables

Say = Callable[[str], None]


@dataclass(frozen=True)
class Prepared:
    case: Case
    analysis: Analysis
    import_report: pd.DataFrame


def ensure_evidence(case: Case, say: Say = print) -> None:
    """Intake on first use (and say so); afterwards verify and refuse on any change."""
    problems = evidence.check_custody(case)
    if problems:
        raise EvidenceError(f"{evidence.custody_path(case).name}: " + "; ".join(problems))
    if evidence.load_manifest(case) is None:
        ingest.check_formats(case)          # nothing is written beside an invalid case
        manifest = evidence.intake(case, tool_version=__version__)
        say(f"intake: first run for this case: hashed {len(manifest['files'])} file(s) into "
            f"{evidence.manifest_path(case)}")
        return
    findings = evidence.verify(case)
    if findings:
        raise EvidenceError("evidence changed since intake: " + "; ".join(map(str, findings))
                            + " (restore the originals, or start a new case for new material)")


def source_summaries(report: pd.DataFrame) -> list[dict]:
    return [{"path": r["source"], "sha256": r["sha256"], "format": r["format"],
             "rows": int(r["rows"]), "unparsed": int(r["unparsed"]),
             "warnings": int(r["warnings"])} for _, r in report.iterrows()]


def prepare(case: Case, *, workers: int = 1,
            progress: Callable[[Iterable], Iterable] = lambda it: it) -> Prepared:
    """Read and analyse a case (no evidence check, nothing written)."""
    got = ingest.ingest(case, workers=workers, progress=progress)
    resolved = identities.resolve(got.messages, case)
    result = analyse(resolved, tz=case.timezone, case_id=case.id, tool_version=__version__,
                     pinned=case.notice_message, phrases=case.notice_phrases,
                     sources=source_summaries(got.import_report))
    return Prepared(case, result, got.import_report)


def accounts(case: Case) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every account seen, and suggestions (never applied)."""
    prepared = prepare(case)
    msgs = prepared.analysis.messages
    return (seen.accounts_table(msgs),
            seen.suggestions(msgs, prepared.analysis.notice.latest, case.region))


def write_pack(prepared: Prepared, out: Path, say: Say = print) -> list[Path]:
    """Write every file of the evidence pack into ``out``; returns what was written."""
    case, result = prepared.case, prepared.analysis
    out.mkdir(parents=True, exist_ok=True)
    written = []
    msgs = result.messages
    after = contact_rows(result.tables["respondent_after"], case.timezone)
    for name, writer, data in (
        ("messages.parquet", tables.write_parquet, msgs),
        ("messages.csv", tables.write_csv, msgs),
        ("contacts_after_notice.csv", tables.write_csv, after),
        ("import_report.csv", tables.write_csv, prepared.import_report),
    ):
        writer(data, out / name)
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
