"""The case file written and edited for the volunteer: ``whoa init`` and ``whoa accounts --assign``.

:func:`init` walks a folder of exports (zips and folders a reader takes count as one export
each), asks the reader registry what each file is, and writes a draft ``case.toml`` beside them:
one ``[[sources]]`` per export with its reader's name, the time zone where the export's times
carry none (or a question, when no zone was given), the date order where nothing in the file
decides it (always a question: it is never guessed), a draft person for the export's owner from
the accounts the exports name as their own, and, as comments, every account seen and the
suggestions of ``whoa accounts``. Files no reader takes are listed, in the file and in the result.

:func:`assign`, :func:`accept` and :func:`add_person` change the case file in place with tomlkit,
keeping its comments and layout; the new text is validated before it replaces the old one, and
each change is appended to the custody log with the case file's new SHA-256.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import zoneinfo
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import tomlkit

from . import accounts as accounts_mod
from . import case as case_mod
from . import evidence, i18n, pack, pipeline, readers
from .errors import CaseError, DateOrderRequired, InputError, TimezoneRequired, WhoaError
from .readers._common import open_head

CASE_FILE = "case.toml"
#: The draft's person for the one who exported the files (the person the volunteer helps).
OWNER_ID = "owner"
#: Files whoa itself writes beside a case: never evidence to list.
OWN_FILES = frozenset({CASE_FILE, evidence.MANIFEST, evidence.CUSTODY})
_DELIVERED = re.compile(r"^(?:delivered-to|x-original-to|envelope-to):[ \t]*(.+)$",
                        re.IGNORECASE | re.MULTILINE)


# --- what is in the folder -----------------------------------------------------------------------

@dataclass(frozen=True)
class Export:
    """One export found: its path relative to the folder, its reader, what it needs."""

    path: str
    format: str
    needs_timezone: bool = False
    needs_date_order: bool = False
    problem: str = ""                         # why a trial read failed ('' when it read)
    own_accounts: tuple[str, ...] = ()        # account keys the export names as its own
    own_names: tuple[str, ...] = ()           # names shown on the owner's own messages


@dataclass(frozen=True)
class Unknown:
    """A file (or zip) no reader takes, or several do: listed, never skipped."""

    path: str
    why: str


@dataclass(frozen=True)
class Survey:
    folder: Path
    exports: tuple[Export, ...]
    unknown: tuple[Unknown, ...]
    companions: tuple[Unknown, ...] = ()      # a database's -wal/-shm, read or not with it

    @property
    def own_accounts(self) -> list[str]:
        return sorted({a for e in self.exports for a in e.own_accounts})

    @property
    def own_name(self) -> str:
        names = Counter(n for e in self.exports for n in e.own_names if n)
        return names.most_common(1)[0][0] if names else ""


def _hits(path: Path) -> list[str]:
    head = open_head(path)
    return [name for name, mod in readers.READERS.items() if mod.sniff(head)]


def _candidates(folder: Path) -> Iterator[tuple[Path, list[str]]]:
    """(path, readers that recognise it) for every file below ``folder``, and for every folder
    a reader takes whole (a maildir, a Slack or Messenger export): its files are not visited."""
    for root, dirs, files in os.walk(folder):
        here = Path(root)
        dirs.sort()
        keep = []
        for name in dirs:
            if _is_pack(here / name):
                yield here / name, []           # our own output: named, never read
                continue
            hits = _hits(here / name)
            if len(hits) == 1:
                yield here / name, hits
            else:
                keep.append(name)
        dirs[:] = keep
        for name in sorted(files):
            if here == folder and name in OWN_FILES:
                continue
            path = here / name
            yield path, _hits(path) if path.is_file() else []


def _is_pack(folder: Path) -> bool:
    return (folder / pack.PACK_MANIFEST).is_file()


def _zip_hint(path: Path) -> str:
    """What a zip no reader takes holds that a reader would take, for the volunteer to unpack."""
    inside = []
    for member in open_head(path).members[:200]:
        base = member.rsplit("/", 1)[-1].lower()
        if base.endswith((".txt", ".json", ".mbox", ".eml", ".xml", ".html", ".csv", ".msg")):
            inside.append(member)
    if not inside:
        return "a zip no reader takes"
    shown = ", ".join(inside[:3]) + (" ..." if len(inside) > 3 else "")
    return (f"a zip no reader takes as a whole; it holds {shown}: unpack it into this folder "
            "and run whoa init again")


def survey(folder: str | Path, *, timezone: str | None = None,
           region: str | None = None) -> Survey:
    """Every export below ``folder`` with its reader, and every file no reader takes."""
    folder = Path(folder).resolve()
    if not folder.is_dir():
        raise InputError(f"{folder}: expected a folder holding the exports; got no such folder")
    found, unknown = [], []
    for path, hits in _candidates(folder):
        rel = path.relative_to(folder).as_posix()
        if len(hits) == 1:
            found.append(_probe(path, rel, hits[0], timezone, region))
        elif hits:
            unknown.append(Unknown(rel, f"several readers recognise it ({', '.join(hits)}): add "
                                        "it by hand with the right format = ..."))
        elif _is_pack(path):
            unknown.append(Unknown(rel, "an evidence pack whoa wrote (it holds "
                                        f"{pack.PACK_MANIFEST}): its output, not an export"))
        elif path.is_file() and open_head(path).is_zip:
            unknown.append(Unknown(rel, _zip_hint(path)))
        else:
            unknown.append(Unknown(rel, "no reader recognises it (see whoa formats)"))
    exported = {e.path for e in found}
    companions = [u for u in unknown if _companion(u.path, exported)]
    unknown = [u for u in unknown if u not in companions]
    return Survey(folder, tuple(found), tuple(unknown),
                  tuple(Unknown(u.path, _companion(u.path, exported)) for u in companions))


def _companion(rel: str, exported: set[str]) -> str:
    """What a database's side file is to it ('' when ``rel`` is not one): SQLite keeps a
    live database's newest writes in ``-wal`` (read and taken in with it) and an index of that
    log in ``-shm`` (rebuilt by SQLite, not evidence of its own)."""
    for suffix, what in (("-wal", "its write-ahead log: applied with it (to a copy) and taken "
                                  "in with it"),
                         ("-shm", "SQLite's index of its write-ahead log: rebuilt when the "
                                  "log is applied, not read")):
        if rel.endswith(suffix) and rel.removesuffix(suffix) in exported:
            return f"beside {rel.removesuffix(suffix).rsplit('/', 1)[-1]}, {what}"
    return ""


def _probe(path: Path, rel: str, fmt: str, timezone: str | None, region: str | None) -> Export:
    """Read the export once to learn what it needs and which accounts it names as its own.

    A zone or date order used here only lets the trial read go on; it is never written down
    unless the volunteer gave it (``--timezone``): the draft asks instead."""
    tz = order = None
    needs_tz = needs_order = False
    for _ in range(3):
        try:
            df = readers.read(path, fmt, tz=tz, date_order=order, region=region)
        except TimezoneRequired:
            needs_tz, tz = True, timezone or "UTC"
        except DateOrderRequired:
            needs_order, order = True, "dmy"
        except InputError as exc:
            return Export(rel, fmt, needs_tz, needs_order, problem=str(exc))
        else:
            keys, names = _own(df)
            return Export(rel, fmt, needs_tz, needs_order, "", keys, names)
    return Export(rel, fmt, needs_tz, needs_order, problem="could not be read on trial")


def _own(df: pd.DataFrame) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Accounts an export names as its owner's: the sender of rows the export itself marks as
    the owner's (Telegram's own id, "You"), and the mailbox's delivery address."""
    keys: set[str] = set()
    names: list[str] = []
    if "from_owner" in df:
        own = df[df["from_owner"].fillna(False).astype(bool)]
        keys |= {str(s) for s in own["sender"].dropna() if str(s).strip()}
        names += [str(n) for n in own["sender_display"].dropna()
                  if str(n).strip() and str(n).strip().casefold() != "you"]
    if "headers_raw" in df:
        for headers in df["headers_raw"].dropna():
            for address in _DELIVERED.findall(str(headers)):
                keys.add(accounts_mod.key_for("email", address.strip().strip("<>")))
    return tuple(sorted(k for k in keys if k)), tuple(names)


# --- the draft -----------------------------------------------------------------------------------

def _q(value: object) -> str:
    """A TOML value, quoted and escaped as TOML needs (an export's name may hold anything)."""
    return tomlkit.item(value).as_string()


def _comment(text: str, indent: str = "") -> str:
    """One comment line: a name from an export can hold a newline, never a TOML line."""
    return "# " + indent + " ".join(str(text).split())


@dataclass
class Draft:
    """What ``whoa init`` wrote, for the caller to tell the volunteer."""

    file: Path
    survey: Survey
    questions: list[str] = field(default_factory=list)
    accounts: pd.DataFrame | None = None
    suggestions: pd.DataFrame | None = None
    accounts_problem: str = ""
    language: str = "en"        # the report's language, and the words of the draft's names


def _header(folder: Path, language: str) -> list[str]:
    _ = i18n.translator(language)
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    return [
        f"# A draft case file, written by `whoa init` on {today} from the exports in this folder.",
        "# Check it before you rely on it. Lines starting with # are notes and questions.",
        "# Next steps:",
        "#   whoa accounts case.toml                    every account seen, and suggestions",
        "#   whoa accounts case.toml --add-person rob --role respondent --name \"Rob Offender\"",
        "#   whoa accounts case.toml --assign discord:robz rob",
        "#   whoa accounts case.toml --accept 1         accept suggestion 1",
        "#   whoa report case.toml --out pack           the evidence pack",
        "",
        "[case]",
        f"id = {_q(folder.name)}",
        f"title = {_q(_('Case from {folder}').format(folder=folder.name))}",
    ] + ([f"language = {_q(language)}              # the report's and the drafts' language"]
         if language != "en" else [])


def _case_zone(timezone: str | None, region: str | None) -> list[str]:
    if timezone:
        lines = [f"timezone = {_q(timezone)}                # how times are shown in the report"]
    else:
        lines = ["# QUESTION: in which time zone should the report show times? Until you say,",
                 "# it shows them in UTC (write e.g. \"Europe/London\"; whoa init --timezone).",
                 'timezone = "UTC"']
    if region:
        lines.append(f"region = {_q(region.upper())}            # country of numbers without +CC")
    else:
        lines += ["# QUESTION: which country are phone numbers written without +CC from?",
                  '# region = "GB"                # remove the # and write the country code']
    return lines


def _people(found: Survey, language: str, region: str | None) -> list[str]:
    _ = i18n.translator(language)
    accounts, invalid = _valid(found.own_accounts, region)
    lines = ["", "# The person whose exports these are (the person you help): the exports name",
             "# these accounts as their own. Add the others with --add-person; the accounts",
             "# seen in the exports are listed at the end of this file.",
             "[[people]]", f"id = {_q(OWNER_ID)}", 'role = "victim"',
             f"name = {_q(found.own_name or _('The person who exported these files'))}"]
    if not accounts:
        lines.append("# No export names its owner's account: assign them with --assign.")
    lines += [_comment(f"left out: {why}") for why in invalid]
    lines.append(f"accounts = {_q(accounts)}")
    return lines


def _valid(keys: list[str], region: str | None) -> tuple[list[str], list[str]]:
    """The keys a case file accepts, and why each other one is left out (an export can name
    an address no mail system would take, or a number without +CC when no region is set)."""
    kept, left_out = [], []
    for key in keys:
        try:
            accounts_mod.normalise(key, region)
        except CaseError as exc:
            left_out.append(str(exc))
        else:
            kept.append(key)
    return kept, left_out


def _accounts_block(draft: Draft) -> list[str]:
    lines = [""]
    if draft.accounts is None:
        return lines + ["# Accounts seen: answer the QUESTIONs below, then run",
                        "#   whoa accounts case.toml",
                        _comment(f"(the trial read stopped: {draft.accounts_problem})")]
    free = draft.accounts[draft.accounts["person"] == ""]
    waiting = draft.accounts.attrs.get("waiting", [])
    if waiting:
        lines += ["# Not read yet, so their accounts are not below: answer the QUESTION of",
                  "# each, then run `whoa accounts case.toml`:"]
        lines += [_comment(question, "  ") for question in waiting]
    lines.append("# Accounts seen that no person holds yet (assign with --assign ACCOUNT PERSON):")
    for _, r in free.iterrows():
        also = f" (also {r['also_as']})" if r.get("also_as") else ""
        lines.append(_comment(f"{r['account']}{also}  shown as {r['shown_as'] or '-'};  "
                              f"{int(r['messages'])} sent, {int(r['received'])} received;  "
                              f"{r['platforms']}", "  "))
    if free.empty:
        lines.append("#   (none)")
    hints = draft.suggestions
    if hints is not None and len(hints):
        lines.append("# Suggestions, never applied (accept one with --accept N; the numbers are "
                     "those `whoa accounts` shows):")
        for n, r in enumerate(hints.itertuples(index=False), 1):
            who = r.suggested_person or "?"
            lines.append(_comment(f"{n}. {r.account} -> {who}: {r.reason}", "  "))
    return lines


def _source(export: Export, timezone: str | None) -> list[str]:
    lines = ["", "[[sources]]", f"path = {_q(export.path)}", f"format = {_q(export.format)}",
             f"owner = {_q(OWNER_ID)}"]
    if export.needs_timezone and timezone:
        lines.append(f"timezone = {_q(timezone)}    # this export's times carry no time zone")
    elif export.needs_timezone:
        lines += ["# QUESTION: this export's times carry no time zone. In which zone was the",
                  "# device that made it? Remove the # below and write it, such as",
                  "# \"Europe/London\" (or run whoa init again with --timezone).",
                  '# timezone = "?"']
    if export.needs_date_order:
        lines += ["# QUESTION: no date in this export has a day over 12, so day/month order cannot",
                  "# be told from it. Look at a date you know, remove the # and write dmy or mdy.",
                  '# date_order = "dmy"']
    if export.problem:
        lines.append(_comment(f"NOTE: a trial read stopped: {export.problem}"))
    return lines


def _other_files(found: Survey) -> list[str]:
    lines = []
    if found.companions:
        lines += ["", "# Files that belong to an export beside them:"]
        lines += [_comment(f"{u.path}: {u.why}", "  ") for u in found.companions]
    if not found.unknown:
        return lines
    lines += ["", "# Files no reader takes: NOT read. If one is evidence, add it by hand with",
              "# its format (see `whoa formats`), or keep it beside the pack as it is."]
    return lines + [_comment(f"{u.path}: {u.why}", "  ") for u in found.unknown]


def render(draft: Draft, timezone: str | None, region: str | None) -> str:
    found = draft.survey
    lines = (_header(found.folder, draft.language) + _case_zone(timezone, region)
             + _people(found, draft.language, region))
    for export in found.exports:
        lines += _source(export, timezone)
    lines += ["", "[notice]", 'message = "auto"                # or the message_id of the request',
              "phrases = []                    # extra phrases beside the built-in list"]
    return "\n".join(lines + _accounts_block(draft) + _other_files(found)) + "\n"


def _questions(found: Survey, timezone: str | None) -> list[str]:
    out = [f"{e.path}: needs its time zone (timezone = ...)" for e in found.exports
           if e.needs_timezone and not timezone]
    out += [f"{e.path}: needs its date order (date_order = \"dmy\" or \"mdy\")"
            for e in found.exports if e.needs_date_order]
    out += [f"{e.path}: {e.problem}" for e in found.exports if e.problem]
    return out


def init(folder: str | Path, *, timezone: str | None = None,
         region: str | None = None, language: str = "en") -> Draft:
    """Write ``folder/case.toml`` from the exports in ``folder``; refuse to overwrite one."""
    folder = Path(folder)
    file = folder / CASE_FILE
    if file.exists():
        raise CaseError(f"{file}: a case file is already there; expected a folder without one: "
                        "edit it, or move it away to start again")
    if timezone:
        _check_zone(timezone)
    if region and (len(region) != 2 or not region.isalpha()):
        raise CaseError(f"--region: expected a two-letter country code such as 'GB'; "
                        f"got {region!r}")
    i18n.check_language(language, "--language")
    found = survey(folder, timezone=timezone, region=region)
    draft = Draft(file.resolve(), found, _questions(found, timezone), language=language)
    with open(file, "x", encoding="utf-8") as fh:       # "x": never over a file made meanwhile
        fh.write(render(draft, timezone, region))
    _add_accounts(draft)
    _replace(file, render(draft, timezone, region))
    return draft


def _check_zone(name: str) -> None:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise CaseError(f"--timezone: unknown time zone {name!r}; use an IANA name such as "
                        "'Europe/London'") from None


def _add_accounts(draft: Draft) -> None:
    """The accounts table and suggestions of the draft as it stands (when it can be read)."""
    try:
        case = case_mod.load(draft.file)
        draft.accounts, draft.suggestions = pipeline.accounts(case)
    except WhoaError as exc:
        draft.accounts_problem = str(exc)


# --- edits that keep the file's comments ---------------------------------------------------------

def _replace(file: Path, text: str) -> None:
    tmp = file.with_name(file.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(file)


def _edit(case_path: str | Path, change: str, apply) -> case_mod.Case:
    """Apply ``apply(doc)`` to the case file's tomlkit document, validate, write, log.

    Nothing is written when the new text is not a valid case (the error says why)."""
    file = Path(case_path).resolve()
    case_mod.load(file)                        # the file as it is must be valid first
    doc = tomlkit.parse(file.read_text(encoding="utf-8"))
    apply(doc)
    text = tomlkit.dumps(doc)
    case_mod.parse(file, text)                 # validated as load would, before writing
    _replace(file, text)
    case = case_mod.load(file)
    evidence.append_custody(case, "case-edit", {
        "change": change, "case_file": file.name, "case_sha256": evidence.sha256_file(file)})
    return case


def _person_table(doc: tomlkit.TOMLDocument, person: str, file: Path):
    for table in doc.get("people", []):
        if table.get("id") == person:
            return table
    ids = [str(t.get("id")) for t in doc.get("people", [])]
    raise CaseError(f"{file.name}: person {person!r} is not in the case file; expected one of "
                    f"{', '.join(ids) or '(none)'}: add one with --add-person {person} --role ...")


def assign(case_path: str | Path, account: str, person: str) -> case_mod.Case:
    """Add ``account`` to ``person``'s accounts in the case file (comments kept); logged."""
    file = Path(case_path).resolve()
    case = case_mod.load(file)
    key = accounts_mod.normalise(account, case.region)     # CaseError: one line, file unchanged
    holder = case.account_owner().get(key)
    if holder is not None:
        raise CaseError(f"{file.name}: account {account!r} is already listed for "
                        f"{holder.id!r}; an account belongs to one person: remove it there first")

    def apply(doc: tomlkit.TOMLDocument) -> None:
        table = _person_table(doc, person, file)
        if "accounts" not in table:
            table["accounts"] = tomlkit.array()
        table["accounts"].append(account.strip())
    return _edit(file, f"assign account {account.strip()} to {person}", apply)


def accept(case_path: str | Path, number: int) -> case_mod.Case:
    """Accept suggestion ``number`` (1-based, as ``whoa accounts`` numbers them)."""
    file = Path(case_path).resolve()
    _, hints = pipeline.accounts(case_mod.load(file))
    if not 1 <= number <= len(hints):
        raise CaseError(f"suggestion {number}: expected a number from 1 to {len(hints)} "
                        "(see whoa accounts)" if len(hints) else
                        f"suggestion {number}: there are no suggestions for this case")
    hint = hints.iloc[number - 1]
    if not hint["suggested_person"]:
        raise CaseError(f"suggestion {number} ({hint['account']}) names no person: decide who "
                        f"holds it and use --assign {hint['account']} PERSON")
    return assign(file, str(hint["account"]), str(hint["suggested_person"]))


def add_person(case_path: str | Path, person: str, role: str, name: str = "") -> case_mod.Case:
    """Add a ``[[people]]`` entry (no accounts yet) to the case file; logged."""
    file = Path(case_path).resolve()
    if role not in case_mod.ROLES:
        raise CaseError(f"--role: expected one of {', '.join(case_mod.ROLES)}; got {role!r}")
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", person):
        raise CaseError(f"person id {person!r}: expected letters, digits, '_', '-' or '.', "
                        "such as 'rob'")
    if any(p.id == person for p in case_mod.load(file).people):
        raise CaseError(f"{file.name}: person {person!r} is already in the case file")

    def apply(doc: tomlkit.TOMLDocument) -> None:
        table = tomlkit.table()
        table.update({"id": person, "role": role, "name": name or person,
                      "accounts": tomlkit.array()})
        table.add(tomlkit.nl())
        if "people" in doc:
            doc["people"].append(table)
        else:
            doc.append("people", tomlkit.aot())
            doc["people"].append(table)
    return _edit(file, f"add person {person} ({role})", apply)
