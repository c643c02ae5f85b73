"""``whoa``: the command line. Exit 0 on success, 1 on a finding that blocks (evidence changed),
2 on bad input with a one-line reason. No tracebacks for a user's mistake."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from . import __version__, evidence, pack, pipeline, readers
from . import case as case_mod
from .errors import EvidenceError, WhoaError
from .reports import tables


def _progress(desc: str, unit: str):
    """A tqdm bar on a terminal, nothing otherwise."""
    def wrap(items: Iterable) -> Iterable:
        if not sys.stderr.isatty():
            return items
        from tqdm import tqdm

        return tqdm(items, desc=desc, unit=unit, leave=False)
    return wrap


def cmd_intake(args: argparse.Namespace) -> int:
    case = case_mod.load(args.case, missing_ok=True)
    from .ingest import check_formats

    reason = args.accept_change
    if reason is not None and not reason.strip():
        raise WhoaError("--accept-change: expected the reason for the change, e.g. "
                        "--accept-change \"the victim sent a fuller export on 2024-05-02\"")
    check_formats(case, present_only=True)
    if reason and evidence.record_torn(case, reason):
        print("recorded the torn last entry of the custody log (kept as it is)")
    problems = evidence.check_custody(case)
    if problems:
        raise EvidenceError(f"{evidence.custody_path(case).name}: " + "; ".join(problems))
    first = evidence.load_manifest(case) is None
    manifest, found = evidence.take_in(case, tool_version=__version__,
                                       progress=_progress("hashing", "file"),
                                       accept_change=reason)
    for f in found:
        print(f"added: {f.path}" if f.status == "unlisted" else f"accepted ({reason}): {f}")
    if not found and not first:
        print("unchanged: every source matches the manifest (kept as it is)")
    print(f"hashed {len(manifest['files'])} file(s); manifest: {evidence.manifest_path(case)}; "
          f"custody log: {evidence.custody_path(case)}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    case = case_mod.load(args.case, missing_ok=True)
    # The sources are checked whatever state the custody log is in (a torn entry included).
    findings = ([str(f) for f in evidence.verify(case, _progress("hashing", "file"))]
                + evidence.check_custody(case))
    for line in findings + evidence.torn_notes(case):
        print(line)
    if findings:
        return 1
    evidence.append_custody(case, "verify", {"result": "unchanged"})
    print("verified: every source matches the manifest; the custody log is intact")
    return 0


def cmd_verify_pack(args: argparse.Namespace) -> int:
    folder = Path(args.folder)
    if not folder.is_dir():
        raise WhoaError(f"{folder}: no such folder; expected the folder of an evidence pack")
    problems = pack.verify_pack(folder)
    for line in problems:
        print(line)
    if problems:
        return 1
    print(f"intact: every file of {folder} matches {pack.PACK_MANIFEST}")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from . import casefile

    draft = casefile.init(args.folder, timezone=args.timezone, region=args.region,
                          language=args.language)
    found = draft.survey
    for export in found.exports:
        print(f"{export.format:<16} {export.path}")
    for side in found.companions:
        print(f"{'':<16} {side.path}: {side.why}")
    for unknown in found.unknown:
        print(f"{'not read':<16} {unknown.path}: {unknown.why}")
    print(f"wrote {draft.file}: {len(found.exports)} source(s), "
          f"{len(found.unknown)} file(s) no reader takes")
    for question in draft.questions:
        print(f"question: {question}")
    if draft.accounts is not None:
        free = int((draft.accounts["person"] == "").sum())
        print(f"{len(draft.accounts)} account(s) seen, {free} not yet assigned: "
              f"whoa accounts {_shown(draft.file)}")
    return 0


def _shown(path: Path) -> str:
    """The path as the user may type it: relative to here when below it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def cmd_accounts(args: argparse.Namespace) -> int:
    if args.add_person or args.assign or args.accept is not None:
        return _edit_accounts(args)
    case = case_mod.load(args.case)
    table, suggested = pipeline.accounts(case)
    for question in table.attrs.get("waiting", []):
        print(f"not read yet: {question}")
    with pd.option_context("display.max_rows", None, "display.width", 200,
                           "display.max_colwidth", 60):
        print(tables.for_viewing(table).to_string(index=False))
        print()
        if suggested.empty:
            print("no suggestions")
        else:
            print(f"suggestions (accept one with: whoa accounts {args.case} --accept N):")
            numbered = suggested.copy()
            numbered.index = range(1, len(numbered) + 1)
            print(numbered.to_string())
    return 0


def _edit_accounts(args: argparse.Namespace) -> int:
    from . import casefile

    if args.add_person:
        if not args.role:
            raise WhoaError("--add-person: expected --role victim, respondent or third_party")
        casefile.add_person(args.case, args.add_person, args.role, args.name or "")
        print(f"added {args.add_person} ({args.role}) to {args.case}")
    if args.assign:
        account, person = args.assign
        casefile.assign(args.case, account, person)
        print(f"assigned {account} to {person} in {args.case}")
    if args.accept is not None:
        case = casefile.accept(args.case, args.accept)
        print(f"accepted suggestion {args.accept} in {case.file.name}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    case = case_mod.load(args.case, missing_ok=True)
    pack.check_out(Path(args.out), case, force=args.force)     # before anything is written
    checked = pipeline.ensure_evidence(case, say=print, progress=_progress("hashing", "file"))
    prepared = pipeline.prepare(case, workers=args.workers, progress=_progress("reading", "source"),
                                stages=_progress("analysing", "step"), checked=checked)
    written = pipeline.write_pack(prepared, Path(args.out), say=print,
                                  progress=_progress("writing", "step"), force=args.force)
    for problem in prepared.analysis.notice.problems:
        print(f"note: {problem}")
    print(f"wrote {len(written)} file(s) to {args.out}")
    return 0


def cmd_read(args: argparse.Namespace) -> int:
    df = readers.read(args.file, args.format, tz=args.tz, date_order=args.date_order,
                      region=args.region)
    out = Path(args.out)
    if out.suffix == ".parquet":
        tables.write_parquet(df, out)
    elif out.suffix == ".csv":
        tables.write_csv(df, out)
    else:
        raise WhoaError(f"--out {out.name}: expected a .csv or .parquet file name")
    print(f"{len(df)} row(s) ({int((df['kind'] == 'unparsed').sum())} unparsed) -> {out}")
    return 0


def cmd_formats(args: argparse.Namespace) -> int:
    for row in readers.formats():
        print(f"{row['format']:<16} {row['platform']:<11} {row['description']}")
        print(f"{'':<16} {'':<11} recognises: {row['patterns']}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="whoa", description="Evidence workbench for harassment "
                                "cases: read exports, show contact after a stop request.")
    p.add_argument("--version", action="version", version=f"whoa {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    for name, func, text in (("intake", cmd_intake, "hash sources, write manifest and log"),
                             ("verify", cmd_verify, "re-hash sources against the manifest")):
        s = sub.add_parser(name, help=text)
        s.add_argument("case", help="path to case.toml")
        s.set_defaults(func=func)
        if name == "intake":
            s.add_argument("--accept-change", metavar="REASON",
                           help="take in sources that changed or vanished since intake (or a "
                           "torn custody entry), recording both hashes and this reason")
    s = sub.add_parser("init", help="write a draft case.toml from a folder of exports")
    s.add_argument("folder", help="the folder holding the exports")
    s.add_argument("--timezone", help="IANA zone of exports whose times carry none, "
                   "e.g. Europe/London")
    s.add_argument("--region", help="country of phone numbers without +CC, e.g. GB")
    s.add_argument("--language", default="en", help="the report's language (en, de)")
    s.set_defaults(func=cmd_init)
    s = sub.add_parser("accounts", help="every account seen, suggestions; assign them")
    s.add_argument("case", help="path to case.toml")
    s.add_argument("--assign", nargs=2, metavar=("ACCOUNT", "PERSON"),
                   help="add ACCOUNT (e.g. discord:robz) to PERSON's accounts in the case file")
    s.add_argument("--accept", type=int, metavar="N", help="accept suggestion number N")
    s.add_argument("--add-person", metavar="ID", help="add a person to the case file")
    s.add_argument("--role", choices=case_mod.ROLES, help="the new person's role")
    s.add_argument("--name", help="the new person's name")
    s.set_defaults(func=cmd_accounts)
    s = sub.add_parser("report", help="write the evidence pack")
    s.add_argument("case", help="path to case.toml")
    s.add_argument("--out", required=True, help="folder for the pack (a new one)")
    s.add_argument("--force", action="store_true",
                   help="replace an existing --out folder, once the new pack is complete")
    s.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                   help="processes reading sources in parallel (default: %(default)s)")
    s.set_defaults(func=cmd_report)
    s = sub.add_parser("read", help="read one export into a table")
    s.add_argument("file")
    s.add_argument("--format", default="auto")
    s.add_argument("--tz", help="IANA zone of the export's times, where they carry none")
    s.add_argument("--date-order", choices=case_mod.DATE_ORDERS)
    s.add_argument("--region", help="default country for phone numbers, e.g. GB")
    s.add_argument("--out", required=True, help="table.csv or table.parquet")
    s.set_defaults(func=cmd_read)
    s = sub.add_parser("verify-pack", help="check a pack against its pack_manifest.json")
    s.add_argument("folder", help="the pack's folder")
    s.set_defaults(func=cmd_verify_pack)
    s = sub.add_parser("formats", help="list the readers")
    s.set_defaults(func=cmd_formats)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        code = args.func(args)
        sys.stdout.flush()          # here, where a closed pipe can still be caught
        return code
    except BrokenPipeError:
        return _pipe_closed()
    except EvidenceError as exc:
        print(f"whoa: evidence: {exc}", file=sys.stderr)
        return 1
    except WhoaError as exc:
        print(f"whoa: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("whoa: interrupted", file=sys.stderr)
        return 2


def _pipe_closed() -> int:
    """The reader of our output went away (``whoa formats | head -1``): nothing failed here.

    Standard output is pointed at /dev/null so that Python's own flush at exit does not fail
    again with a traceback; the work (a pack, a case file) is already done."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 0


if __name__ == "__main__":
    sys.exit(main())
