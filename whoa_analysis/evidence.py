"""Evidence intake: hash every source, record a manifest, keep a hash-chained custody log.

Originals are only ever opened for reading. ``manifest.json`` (beside the case file) lists every
file of every source with its size and SHA-256; ``custody.jsonl`` gets one entry per action, each
carrying the hash of the entry before it, so an edited or removed entry breaks the chain.

Appends to the custody log hold one lock per case (``flock`` on the log itself), so two runs at
once keep one chain, and each entry is flushed to disk before the lock is let go. A last line
torn by a crash mid-write is reported as such, kept byte for byte, and recorded only when the
user accepts it (``whoa intake --accept-change``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import getpass
import hashlib
import json
import os
import socket
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .case import Case, missing_source
from .errors import EvidenceError, OutputError

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


def evidence_files(path: Path) -> Iterator[Path]:
    """What is taken in, checked and watched for one source: its files and, beside a file, its
    SQLite write-ahead log (``<name>-wal``), which the phone-database readers apply."""
    yield from source_files(path)
    log = path.with_name(path.name + "-wal")
    if not path.is_dir() and (log.is_file() or log.is_symlink()):
        yield log


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
    """Every file of every source present (an absent one is :func:`check_absent`'s)."""
    files = [file for source in case.sources
             if source.path.exists() or source.path.is_symlink()
             for file in evidence_files(source.path)]
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


def intake(case: Case, *, tool_version: str, progress: Progress = _same,
           accept_change: str | None = None) -> dict:
    """Hash every source, write the manifest and log the intake. Returns the manifest.

    See :func:`take_in`; ``progress`` wraps the files being hashed (a bar on a terminal)."""
    return take_in(case, tool_version=tool_version, progress=progress,
                   accept_change=accept_change)[0]


def take_in(case: Case, *, tool_version: str, progress: Progress = _same,
            accept_change: str | None = None) -> tuple[dict, list[Finding]]:
    """Intake, first or again; returns the manifest and how it differs from the one before.

    The first intake records every file. Afterwards a file added to a source is taken in and
    named (status ``unlisted``); a changed or vanished file refuses with :class:`EvidenceError`
    unless ``accept_change`` gives the reason, which the custody log records with both hashes.
    Nothing changed: the manifest is kept as it is (its hash, printed on reports, stays)."""
    with case_lock(case):
        old = load_manifest(case)
        check_absent(case, old)
        files = hash_sources(case, progress)
        if old is None:
            manifest = {"case_id": case.id, "created_at": now_utc(),
                        "tool_version": tool_version, "files": [f.__dict__ for f in files]}
            _write_json(manifest_path(case), manifest)
            append_custody(case, "intake", {"files": {f.path: f.sha256 for f in files}})
            return manifest, []
        found = _compare(old, files)
        lost = [f for f in found if f.status != "unlisted"]
        if lost and not accept_change:
            raise EvidenceError("evidence changed since intake: " + "; ".join(map(str, lost))
                                + "; intake refused: restore the originals, or pass "
                                "--accept-change \"reason\" to record the change")
        if not found:
            return old, []
        if lost:
            append_custody(case, "accept_change", {
                "reason": accept_change,
                "changes": [{"path": f.path, "status": f.status, "sha256_before": f.expected,
                             "sha256_after": f.found} for f in lost]})
        manifest = {**old, "updated_at": now_utc(), "tool_version": tool_version,
                    "files": [f.__dict__ for f in files]}
        _write_json(manifest_path(case), manifest)
        append_custody(case, "intake", {
            "files": {f.path: f.sha256 for f in files},
            "added": [f.path for f in found if f.status == "unlisted"],
            "accepted": [f.path for f in lost]})
        return manifest, found


def _compare(manifest: dict, files: list[FileRecord]) -> list[Finding]:
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    now = {f.path: f.sha256 for f in files}
    found = [Finding("unlisted", p, found=h) for p, h in now.items() if p not in listed]
    found += [Finding("changed", p, listed[p], h) for p, h in now.items()
              if p in listed and listed[p] != h]
    found += [Finding("missing", p, h) for p, h in listed.items() if p not in now]
    return sorted(found, key=lambda f: (f.path, f.status))


def check_absent(case: Case, manifest: dict | None) -> None:
    """A source path that does not exist: a finding when the manifest lists files under it
    (missing since intake, reported by :func:`verify`); a case-file error when it was never
    taken in (the path is wrong)."""
    listed = [f["path"] for f in (manifest or {"files": []})["files"]]
    for i, source in enumerate(case.sources):
        if source.path.exists() or source.path.is_symlink():
            continue
        rel = _rel(case, source.path)
        if not any(p == rel or p.startswith(rel + "/") for p in listed):
            raise missing_source(case.file.name, i, source)


#: Each source file's state (size, inode, modification and change times), relative path first.
Snapshot = dict[str, tuple[int, ...]]


def snapshot(case: Case) -> Snapshot:
    """The state of every source file now. Any write changes a file's change time (which no
    program can set back), so comparing two snapshots tells whether a file was written to in
    between, without reading it again."""
    state = {}
    for source in case.sources:
        if source.path.exists() or source.path.is_symlink():
            for file in evidence_files(source.path):
                with contextlib.suppress(FileNotFoundError):
                    st = file.lstat()
                    state[_rel(case, file)] = (st.st_size, st.st_ino, st.st_mtime_ns,
                                               st.st_ctime_ns)
    return state


def check_unchanged(case: Case, before: Snapshot) -> None:
    """Refuse (:class:`EvidenceError`) if a source file was written to, added or removed since
    ``before``: the rows read from it may not be the bytes that were checked."""
    now = snapshot(case)
    moved = sorted(p for p in set(before) | set(now) if before.get(p) != now.get(p))
    if moved:
        raise EvidenceError("changed while it was read: " + "; ".join(moved) + "; nothing "
                            "was written: restore the original and run again")


def manifest_sha256(case: Case) -> str | None:
    """SHA-256 of the bytes of the case's ``manifest.json`` (None before intake): what a pack
    and a printed report carry, to tie them to the files recorded at intake."""
    path = manifest_path(case)
    return sha256_file(path) if path.exists() else None


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
        if self.status == "missing":
            return f"missing since intake: {self.path} (sha256 {self.expected[:12]}…)"
        return f"{self.status}: {self.path}"


def verify(case: Case, progress: Progress = _same) -> list[Finding]:
    """Re-hash every source against the manifest; return what changed, vanished or appeared.

    A source gone from disk since intake is a finding (each of its files ``missing``); a
    source never taken in and absent raises the case file's :class:`CaseError`."""
    manifest = load_manifest(case)
    if manifest is None:
        raise EvidenceError(f"{manifest_path(case)}: no manifest; run 'whoa intake "
                            f"{case.file.name}' first")
    check_absent(case, manifest)
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    files = [file for source in case.sources
             if source.path.exists() or source.path.is_symlink()
             for file in evidence_files(source.path)]
    findings = []
    seen = set()
    for file in progress(files):
        rel = _rel(case, file)
        if rel not in listed:
            findings.append(Finding("unlisted", rel))
            seen.add(rel)
            continue
        try:
            found = _hash_or_link(file)
        except FileNotFoundError:       # removed while the others were hashed: missing
            continue
        seen.add(rel)
        if found != listed[rel]:
            findings.append(Finding("changed", rel, listed[rel], found))
    findings += [Finding("missing", rel, listed[rel]) for rel in listed if rel not in seen]
    return sorted(findings, key=lambda f: (f.path, f.status))


# --- custody log ---------------------------------------------------------------------------

def _entry_hash(entry: dict) -> str:
    body = {k: v for k, v in entry.items() if k != "entry_sha256"}
    return sha256_bytes(json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8"))


@dataclass(frozen=True)
class CustodyLog:
    """The custody log as read: its entries, and what in it is not an entry."""
    entries: list[dict]
    damaged: dict[int, bytes] = field(default_factory=dict)   # line number -> not JSON
    torn: bytes | None = None       # a last line cut off mid-write (no newline, not JSON)
    torn_line: int = 0
    ends_open: bool = False         # the file does not end with a newline

    @property
    def head(self) -> str:
        """The hash of the last entry (the chain's head)."""
        return self.entries[-1].get("entry_sha256", "") if self.entries else _GENESIS


def read_custody_log(case: Case) -> CustodyLog:
    path = custody_path(case)
    data = path.read_bytes() if path.exists() else b""
    lines = data.split(b"\n")
    last = lines.pop()                  # after the final newline: b"" when the file is whole
    entries, damaged, torn = [], {}, None
    for n, line in enumerate(lines, 1):
        entry = _parse(line)
        if entry is None:
            damaged[n] = line
        else:
            entries.append(entry)
    if last:
        entry = _parse(last)
        if entry is not None and _entry_hash(entry) == entry.get("entry_sha256"):
            entries.append(entry)       # whole, only its newline missing
        else:
            torn = last
    return CustodyLog(entries, damaged, torn, len(lines) + 1, bool(last))


def _parse(line: bytes) -> dict | None:
    try:
        entry = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return entry if isinstance(entry, dict) else None


def read_custody(case: Case) -> list[dict]:
    """The custody log's entries (what is not an entry, :func:`check_custody` reports)."""
    return read_custody_log(case).entries


def check_custody(case: Case) -> list[str]:
    """Problems in the custody chain (an edited, removed or reordered entry, a damaged line, a
    torn last entry not yet recorded), empty when sound."""
    log = read_custody_log(case)
    problems, prev = [], _GENESIS
    recorded = {}           # line number -> hash of the torn bytes a torn_entry recorded
    for n, entry in enumerate(log.entries, 1):
        if entry.get("prev_sha256") != prev:
            problems.append(f"custody entry {n}: does not follow entry {n - 1} "
                            "(an entry was removed, reordered or edited)")
        if _entry_hash(entry) != entry.get("entry_sha256"):
            problems.append(f"custody entry {n}: its content does not match its hash (edited)")
        if entry.get("action") == "torn_entry":
            details = entry.get("details", {})
            recorded[details.get("line")] = details.get("bytes_sha256")
        prev = entry.get("entry_sha256", "")
    problems = [f"{CUSTODY} line {n}: not a custody entry (not valid JSON); the log was edited "
                "or damaged" for n, line in log.damaged.items()
                if recorded.get(n) != sha256_bytes(line)] + problems
    if log.torn is not None:
        problems.append(torn_problem(log))
    return problems


def torn_problem(log: CustodyLog) -> str:
    return (f"{CUSTODY} line {log.torn_line}: the last entry is torn ({len(log.torn or b'')} "
            "bytes, cut off mid-write: a crash or a full disk while it was written); it is kept "
            "as it is: run 'whoa intake CASE --accept-change \"reason\"' to record it")


def torn_notes(case: Case) -> list[str]:
    """Torn entries a later entry recorded: shown by ``whoa verify``, not problems."""
    return [f"note: {CUSTODY} line {e['details']['line']}: a torn entry, recorded by entry "
            f"{e.get('seq')} ({e['details'].get('reason', '')})"
            for e in read_custody(case) if e.get("action") == "torn_entry"]


def record_torn(case: Case, reason: str) -> dict | None:
    """Record a torn last line of the custody log (kept as it is: its bytes are quoted and
    hashed), so appends can go on; None when there is none."""
    with case_lock(case):
        log = read_custody_log(case)
        if log.torn is None:
            return None
        return _append(case, log, "torn_entry", {
            "line": log.torn_line, "bytes_sha256": sha256_bytes(log.torn),
            "text": log.torn.decode("utf-8", "replace"), "reason": reason})


_HELD: dict[Path, list] = {}     # custody log -> [its open descriptor, depth], while locked


@contextlib.contextmanager
def case_lock(case: Case) -> Iterator[None]:
    """Hold the case's lock (``flock`` on its custody log, created if needed); re-entrant, so
    a step holding it can append."""
    path = custody_path(case)
    held = _HELD.get(path)
    if held is not None:
        held[1] += 1
        try:
            yield
        finally:
            held[1] -= 1
        return
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
    except OSError as exc:
        raise OutputError(f"{path}: cannot open the custody log ({exc.strerror}); the case "
                          "folder must be writable") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        _HELD[path] = [fd, 1]
        yield
    finally:
        _HELD.pop(path, None)
        os.close(fd)                # releases the lock


def append_custody(case: Case, action: str, details: dict) -> dict:
    """Append one entry to the case's custody log, under the case's lock, flushed to disk."""
    with case_lock(case):
        log = read_custody_log(case)
        if log.torn is not None:
            raise EvidenceError(f"{custody_path(case)}: " + torn_problem(log))
        return _append(case, log, action, details)


def _append(case: Case, log: CustodyLog, action: str, details: dict) -> dict:
    entry = {"seq": len(log.entries) + 1, "at": now_utc(), "who": _who(), "action": action,
             "case_id": case.id, "details": details, "prev_sha256": log.head}
    entry["entry_sha256"] = _entry_hash(entry)
    line = json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n"
    data = ("\n" if log.ends_open else "").encode() + line.encode("utf-8")
    fd = _HELD[custody_path(case)][0]
    size = os.fstat(fd).st_size
    try:
        written = 0
        while written < len(data):
            written += os.write(fd, data[written:])
        os.fsync(fd)
    except OSError as exc:
        os.ftruncate(fd, size)      # no torn entry of our own: the log stays as it was
        raise OutputError(f"{custody_path(case)}: could not write the custody log "
                          f"({exc.strerror}); nothing was recorded: free space and run "
                          "again") from None
    if size == 0:
        sync(custody_path(case).parent)
    return entry


def _who() -> str:
    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def _write_json(path: Path, data: dict) -> None:
    """Write whole or not at all: a sibling file, flushed to disk, renamed over the old one."""
    tmp = path.with_suffix(".tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"{path}: could not write it ({exc.strerror}); nothing was changed: "
                          "free space and run again") from None
    sync(path.parent)


def sync(path: Path) -> None:
    """Make a written file, or a folder's new and renamed entries, durable (a crash after it
    keeps them). A file system that cannot sync a folder leaves it as written."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass            # some file systems cannot sync a folder; the rename still happened
    finally:
        os.close(fd)
