"""Evidence intake: hash every source, record a manifest, keep a hash-chained custody log.

Originals are only ever opened for reading. ``manifest.json`` (beside the case file) lists every
file of every source with its size and SHA-256; ``custody.jsonl`` gets one entry per action, each
carrying the hash of the entry before it, so an edited or removed entry breaks the chain.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import os
import socket
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .case import Case
from .errors import EvidenceError

MANIFEST = "manifest.json"
CUSTODY = "custody.jsonl"
_CHUNK = 1 << 20
_GENESIS = "0" * 64
#: Wraps a list of work items (the CLI passes a progress bar); the default passes it through.
Progress = Callable[[list], Iterable]


def _same(items: list) -> list:
    return items


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, streamed in 1 MiB chunks (any size, flat memory)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def source_files(path: Path) -> Iterator[Path]:
    """The files of one source: the file itself, or every file below a folder, sorted.

    Symbolic links are listed but never followed, so a link cannot pull outside files in.
    """
    if not path.is_dir():
        yield path
        return
    for root, dirs, files in os.walk(path, followlinks=False):
        dirs.sort()
        for name in sorted(files):
            yield Path(root) / name


def sha256_tree(path: Path) -> str:
    """One hash for a folder source: over each file's relative name and SHA-256, sorted.

    Any added, removed, renamed or changed file changes it; links are hashed as links.
    """
    digest = hashlib.sha256()
    for file in source_files(path):
        rel = file.relative_to(path).as_posix()
        digest.update(f"{rel}\0{_hash_or_link(file)}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def sha256_path(path: Path) -> str:
    """SHA-256 of a file, or :func:`sha256_tree` of a folder."""
    return sha256_tree(path) if path.is_dir() else sha256_file(path)


@dataclass(frozen=True)
class FileRecord:
    path: str        # relative to the case folder, '/'-separated
    size: int
    sha256: str


def hash_sources(case: Case, progress: Progress = _same) -> list[FileRecord]:
    files = [file for source in case.sources for file in source_files(source.path)]
    return [FileRecord(_rel(case, file), file.lstat().st_size, _hash_or_link(file))
            for file in progress(files)]


def _hash_or_link(file: Path) -> str:
    if file.is_symlink():
        return sha256_bytes(b"symlink:" + os.readlink(file).encode("utf-8", "surrogateescape"))
    return sha256_file(file)


def _rel(case: Case, file: Path) -> str:
    try:
        return file.relative_to(case.folder).as_posix()
    except ValueError:
        return file.as_posix()


def now_utc() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def manifest_path(case: Case) -> Path:
    return case.folder / MANIFEST


def custody_path(case: Case) -> Path:
    return case.folder / CUSTODY


def intake(case: Case, *, tool_version: str, progress: Progress = _same) -> dict:
    """Hash every source, write the manifest and log the intake. Returns the manifest.

    ``progress`` wraps the files being hashed (a bar on a terminal)."""
    files = hash_sources(case, progress)
    manifest = {"case_id": case.id, "created_at": now_utc(), "tool_version": tool_version,
                "files": [f.__dict__ for f in files]}
    _write_json(manifest_path(case), manifest)
    append_custody(case, "intake", {"files": {f.path: f.sha256 for f in files}})
    return manifest


def load_manifest(case: Case) -> dict | None:
    path = manifest_path(case)
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise EvidenceError(f"{path}: the manifest is not valid JSON ({exc}); restore it "
                            "from the evidence pack") from None


@dataclass(frozen=True)
class Finding:
    status: str      # changed | missing | unlisted
    path: str
    expected: str = ""
    found: str = ""

    def __str__(self) -> str:
        if self.status == "changed":
            return f"changed: {self.path} (sha256 {self.expected[:12]}… now {self.found[:12]}…)"
        return f"{self.status}: {self.path}"


def verify(case: Case, progress: Progress = _same) -> list[Finding]:
    """Re-hash every source against the manifest; return what changed, vanished or appeared."""
    manifest = load_manifest(case)
    if manifest is None:
        raise EvidenceError(f"{manifest_path(case)}: no manifest; run 'whoa intake "
                            f"{case.file.name}' first")
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    files = [file for source in case.sources if source.path.exists()
             for file in source_files(source.path)]
    findings = []
    seen = set()
    for file in progress(files):
        rel = _rel(case, file)
        seen.add(rel)
        if rel not in listed:
            findings.append(Finding("unlisted", rel))
            continue
        found = _hash_or_link(file)
        if found != listed[rel]:
            findings.append(Finding("changed", rel, listed[rel], found))
    findings += [Finding("missing", rel) for rel in listed if rel not in seen]
    return sorted(findings, key=lambda f: (f.path, f.status))


# --- custody log ---------------------------------------------------------------------------

def _entry_hash(entry: dict) -> str:
    body = {k: v for k, v in entry.items() if k != "entry_sha256"}
    return sha256_bytes(json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8"))


def read_custody(case: Case) -> list[dict]:
    path = custody_path(case)
    if not path.exists():
        return []
    entries = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            raise EvidenceError(f"{path}:{n}: custody entry is not valid JSON; the log was "
                                "edited or damaged") from None
    return entries


def check_custody(case: Case) -> list[str]:
    """Problems in the custody chain (an edited, removed or reordered entry), empty when sound."""
    problems, prev = [], _GENESIS
    for n, entry in enumerate(read_custody(case), 1):
        if entry.get("prev_sha256") != prev:
            problems.append(f"custody entry {n}: does not follow entry {n - 1} "
                            "(an entry was removed, reordered or edited)")
        if _entry_hash(entry) != entry.get("entry_sha256"):
            problems.append(f"custody entry {n}: its content does not match its hash (edited)")
        prev = entry.get("entry_sha256", "")
    return problems


def append_custody(case: Case, action: str, details: dict) -> dict:
    entries = read_custody(case)
    entry = {"seq": len(entries) + 1, "at": now_utc(), "who": _who(), "action": action,
             "case_id": case.id, "details": details,
             "prev_sha256": entries[-1]["entry_sha256"] if entries else _GENESIS}
    entry["entry_sha256"] = _entry_hash(entry)
    with open(custody_path(case), "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n")
    return entry


def _who() -> str:
    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
