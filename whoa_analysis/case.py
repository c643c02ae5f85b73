"""Load and validate ``case.toml`` (DESIGN 4.1). Paths in it are relative to the file.

Validation is complete before anything is written beside the case: every error is a one-line
:class:`CaseError` naming the file, the key and the fix.
"""

from __future__ import annotations

import datetime as dt
import tomllib
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import accounts, i18n
from .errors import CaseError
from .schema import PLATFORMS

ROLES = ("victim", "respondent", "third_party")
DATE_ORDERS = ("dmy", "mdy", "ymd")

_KEYS = {
    "": {"case", "people", "sources", "exhibits", "notice", "trace", "report"},
    "case": {"id", "title", "timezone", "region", "prepared_for", "prepared_by", "language"},
    "people": {"id", "role", "name", "accounts", "notes"},
    "sources": {"path", "format", "owner", "timezone", "date_order", "label"},
    "exhibits": {"path", "platform", "sender", "recipient", "time", "timezone", "text",
                 "note"},
    "notice": {"message", "phrases"},
    "trace": {"own_domains", "own_hosts"},
    "report": {"xlsx", "max_pdf_rows"},
}


@dataclass(frozen=True)
class Person:
    id: str
    role: str
    name: str
    accounts: tuple[str, ...]          # normalised keys
    accounts_as_written: tuple[str, ...]


@dataclass(frozen=True)
class Source:
    path: Path                         # absolute
    relpath: str                       # as written in the case file
    format: str = "auto"
    owner: str | None = None
    timezone: str | None = None
    date_order: str | None = None
    label: str = ""


@dataclass(frozen=True)
class Exhibit:
    """A screenshot or recording pinned by the volunteer: who sent what to whom, when, as read
    off the image. Only a pinned exhibit counts as a message (ingest applies the pin)."""

    path: Path                         # absolute
    relpath: str
    platform: str
    sender: str                        # normalised account key or person:<id>
    recipients: tuple[str, ...]
    time: str                          # as written: ISO 8601, with an offset or in ``timezone``
    timezone: str | None = None
    text: str = ""
    note: str = ""


@dataclass(frozen=True)
class Case:
    file: Path
    id: str
    title: str
    timezone: str
    region: str | None
    people: tuple[Person, ...]
    sources: tuple[Source, ...]
    exhibits: tuple[Exhibit, ...] = ()
    notice_message: str = "auto"
    notice_phrases: tuple[str, ...] = ()
    own_domains: tuple[str, ...] = ()
    own_hosts: tuple[str, ...] = ()
    prepared_for: str = ""
    prepared_by: str = ""
    xlsx: bool = False
    max_pdf_rows: int = 1000
    language: str = "en"               # the report's fixed words (i18n.LANGUAGES)
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def folder(self) -> Path:
        return self.file.parent

    def person(self, person_id: str) -> Person:
        return next(p for p in self.people if p.id == person_id)

    def people_with_role(self, role: str) -> tuple[Person, ...]:
        return tuple(p for p in self.people if p.role == role)

    def account_owner(self) -> dict[str, Person]:
        """Normalised account key -> the person who holds it."""
        return {key: p for p in self.people for key in p.accounts}


def load(path: str | Path, *, missing_ok: bool = False) -> Case:
    """Read and validate a case file; raise :class:`CaseError` with one line on any problem.

    ``missing_ok``: a source path that does not exist is kept rather than refused, for the
    evidence check to tell a source gone since intake (a finding) from a path never taken in
    (:func:`missing_source`, a case-file error)."""
    file = Path(path).resolve()
    if not file.is_file():
        raise CaseError(f"{path}: no such case file; expected a path to case.toml")
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CaseError(f"{file.name}: not valid TOML ({exc}); fix the syntax") from None
    return _build(file, raw, missing_ok)


def parse(file: str | Path, text: str) -> Case:
    """Validate ``text`` as the case file at ``file`` would be, before it is written there."""
    file = Path(file).resolve()
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CaseError(f"{file.name}: not valid TOML ({exc}); fix the syntax") from None
    return _build(file, raw)


def _build(file: Path, raw: dict, missing_ok: bool = False) -> Case:
    where = file.name
    _check_keys(where, "", raw)
    case = _table(where, raw, "case")
    _check_keys(where, "case", case)
    tz = _zone(where, "case.timezone", _required(where, case, "case", "timezone"))
    region = case.get("region")
    if region is not None and (not isinstance(region, str) or len(region) != 2):
        raise CaseError(f"{where}: case.region: expected a two-letter country code such as "
                        f"'GB'; got {region!r}")
    region = region.upper() if region else None
    people = _people(where, raw.get("people", []), region)
    sources = _sources(file, raw.get("sources", []), {p.id for p in people}, missing_ok)
    notice, trace, report = (raw.get(k, {}) for k in ("notice", "trace", "report"))
    for name, table in (("notice", notice), ("trace", trace), ("report", report)):
        _check_keys(where, name, table)
    return Case(
        file=file, id=str(_required(where, case, "case", "id")), title=str(case.get("title", "")),
        timezone=tz, region=region, people=people, sources=sources,
        exhibits=_exhibits(file, raw.get("exhibits", []), {p.id for p in people}, region),
        notice_message=str(notice.get("message", "auto")),
        notice_phrases=tuple(_str_list(where, "notice.phrases", notice.get("phrases", []))),
        own_domains=tuple(_str_list(where, "trace.own_domains", trace.get("own_domains", []))),
        own_hosts=tuple(_str_list(where, "trace.own_hosts", trace.get("own_hosts", []))),
        prepared_for=str(case.get("prepared_for", "")),
        prepared_by=str(case.get("prepared_by", "")),
        xlsx=bool(report.get("xlsx", False)), max_pdf_rows=int(report.get("max_pdf_rows", 1000)),
        language=_language(where, case.get("language", "en")), raw=raw)


def _table(where: str, raw: dict, name: str) -> dict:
    value = raw.get(name)
    if not isinstance(value, dict):
        raise CaseError(f"{where}: [{name}]: expected a table; add a [{name}] section")
    return value


def _check_keys(where: str, section: str, table: dict) -> None:
    unknown = sorted(set(table) - _KEYS[section])
    if unknown:
        label = f"[{section}]" if section else "top level"
        raise CaseError(f"{where}: {label}: unknown key {unknown[0]!r}; expected one of "
                        f"{', '.join(sorted(_KEYS[section]))}")


def _required(where: str, table: dict, section: str, key: str) -> object:
    if key not in table or table[key] in ("", None):
        raise CaseError(f"{where}: {section}.{key}: missing; add {key} = ... to [{section}]")
    return table[key]


def _zone(where: str, key: str, name: object) -> str:
    try:
        zoneinfo.ZoneInfo(str(name))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise CaseError(f"{where}: {key}: unknown time zone {name!r}; use an IANA name "
                        "such as 'Europe/London'") from None
    return str(name)


def _language(where: str, value: object) -> str:
    """The report's language: one we have a catalogue for (i18n.check_language says which)."""
    try:
        return i18n.check_language(value if isinstance(value, str) else repr(value))
    except CaseError as exc:
        raise CaseError(f"{where}: {exc}") from None


def _str_list(where: str, key: str, value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CaseError(f"{where}: {key}: expected a list of strings; got {value!r}")
    return value


def _people(where: str, items: object, region: str | None) -> tuple[Person, ...]:
    if not isinstance(items, list):
        raise CaseError(f"{where}: people: expected [[people]] tables")
    people, seen_ids, seen_accounts = [], set(), {}
    for i, item in enumerate(items):
        key = f"people[{i}]"
        _check_keys(where, "people", item)
        pid = str(_required(where, item, key, "id"))
        if pid in seen_ids:
            raise CaseError(f"{where}: {key}.id: person id {pid!r} is used twice; "
                            "give each person a unique id")
        seen_ids.add(pid)
        role = item.get("role")
        if role not in ROLES:
            raise CaseError(f"{where}: {key}.role: expected one of {', '.join(ROLES)}; "
                            f"got {role!r}")
        written = _str_list(where, f"{key}.accounts", item.get("accounts", []))
        keys = []
        for acc in written:
            try:
                norm = accounts.normalise(acc, region)
            except CaseError as exc:
                raise CaseError(f"{where}: {key}.accounts: {exc}") from None
            if norm in seen_accounts and seen_accounts[norm] != pid:
                raise CaseError(f"{where}: {key}.accounts: {acc!r} is already listed for "
                                f"{seen_accounts[norm]!r}; an account belongs to one person")
            seen_accounts[norm] = pid
            keys.append(norm)
        people.append(Person(pid, role, str(item.get("name", pid)), tuple(keys), tuple(written)))
    return tuple(people)


def missing_source(case_name: str, index: int, source: Source) -> CaseError:
    """The error for a source path that does not exist."""
    return CaseError(f"{case_name}: sources[{index}].path: {source.relpath!r} does not exist "
                     f"(looked at {source.path}); fix the path, relative to the case file")


def _entries(where: str, items: object, section: str) -> Iterator[tuple[int, str, dict]]:
    """(index, key such as ``sources[2]``, table) for each ``[[section]]`` table, its keys
    checked."""
    if not isinstance(items, list):
        raise CaseError(f"{where}: {section}: expected [[{section}]] tables")
    for i, item in enumerate(items):
        _check_keys(where, section, item)
        yield i, f"{section}[{i}]", item


def _person_id(where: str, key: str, pid: object, person_ids: set[str]) -> str:
    if pid not in person_ids:
        raise CaseError(f"{where}: {key}: {pid!r} is not a person id; expected one of "
                        f"{', '.join(sorted(person_ids)) or '(no people defined)'}")
    return str(pid)


def _sources(file: Path, items: object, person_ids: set[str], missing_ok: bool = False,
             ) -> tuple[Source, ...]:
    where = file.name
    out = []
    for i, key, item in _entries(where, items, "sources"):
        rel = str(_required(where, item, key, "path"))
        path = (file.parent / rel).resolve()
        if not path.exists() and not missing_ok:
            raise missing_source(where, i, Source(path, rel))
        owner = item.get("owner")
        if owner is not None:
            _person_id(where, f"{key}.owner", owner, person_ids)
        tz = item.get("timezone")
        if tz is not None:
            tz = _zone(where, f"{key}.timezone", tz)
        order = item.get("date_order")
        if order is not None and order not in DATE_ORDERS:
            raise CaseError(f"{where}: {key}.date_order: expected one of "
                            f"{', '.join(DATE_ORDERS)}; got {order!r}")
        out.append(Source(path, rel, str(item.get("format", "auto")), owner, tz, order,
                          str(item.get("label", ""))))
    return tuple(out)


def _exhibits(file: Path, items: object, person_ids: set[str],
              region: str | None) -> tuple[Exhibit, ...]:
    where = file.name
    out = []
    for _i, key, item in _entries(where, items, "exhibits"):
        rel = str(_required(where, item, key, "path"))
        path = (file.parent / rel).resolve()
        if not path.is_file():
            raise CaseError(f"{where}: {key}.path: {rel!r} is not a file (looked at {path}); "
                            "name the image or recording, relative to the case file")
        platform = str(_required(where, item, key, "platform"))
        if platform not in PLATFORMS:
            raise CaseError(f"{where}: {key}.platform: expected one of {', '.join(PLATFORMS)}; "
                            f"got {platform!r}")
        sender = _party(where, f"{key}.sender", _required(where, item, key, "sender"),
                        person_ids, region)
        recipient = _required(where, item, key, "recipient")
        recipients = recipient if isinstance(recipient, list) else [recipient]
        tz = item.get("timezone")
        out.append(Exhibit(
            path, rel, platform, sender,
            tuple(_party(where, f"{key}.recipient", r, person_ids, region) for r in recipients),
            _pin_time(where, key, item, tz), _zone(where, f"{key}.timezone", tz) if tz else None,
            str(item.get("text", "")), str(item.get("note", ""))))
    return tuple(out)


def _party(where: str, key: str, value: object, person_ids: set[str],
           region: str | None) -> str:
    """An account key (normalised) or ``person:<id>`` of a person in the case."""
    text = str(value).strip()
    if text.lower().startswith("person:"):
        return "person:" + _person_id(where, key, text[7:].strip(), person_ids).casefold()
    try:
        return accounts.normalise(text, region)
    except CaseError as exc:
        raise CaseError(f"{where}: {key}: {exc}") from None


def _pin_time(where: str, key: str, item: dict, tz: object) -> str:
    text = str(_required(where, item, key, "time"))
    try:
        stamp = dt.datetime.fromisoformat(text)
    except ValueError:
        raise CaseError(f"{where}: {key}.time: expected ISO 8601 such as '2024-03-11 19:05' or "
                        f"'2024-03-11T19:05:00+00:00'; got {text!r}") from None
    if stamp.tzinfo is None and not tz:
        raise CaseError(f"{where}: {key}.time: {text!r} has no offset; add timezone = "
                        "\"Europe/London\" (for example) to the entry, the zone the screen showed")
    return text
