"""The evidence pack as one thing: written whole or not at all, checkable by whoever receives it.

A pack is built in a hidden sibling folder (``.NAME.whoa-partial-XXXXXXXX``) that the run holds
locked (``flock`` on the folder) while it writes, and renamed to ``NAME`` as the last step. A run
that is killed, crashes or fails leaves no folder named like the pack; the next run for the same
``--out`` removes the partial folder it left (one nobody holds locked) and says so. ``--force``
replaces an existing pack only once the new one is complete: the two folders are exchanged in
one step where the system can (``renameat2``), so there is no moment without a pack.

``pack_manifest.json`` lists every file of the pack with its size and SHA-256, the SHA-256 of
the case's ``manifest.json`` (the files recorded at intake), the tool version and the custody
log's head when the pack was made, and a hash of itself. :func:`verify_pack` needs nothing but
the pack's folder. A sample::

    {"format": "whoa-pack/1", "case_id": "SAMPLE-001", "tool_version": "0.1.0",
     "generated_at": "2024-04-01T10:00:00Z", "case_manifest_sha256": "9f2c…",
     "custody_head_sha256": "41d0…",
     "files": [{"path": "figures/daily.png", "size": 20412, "sha256": "c1a3…"}, …],
     "pack_manifest_sha256": "77be…"}
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import json
import os
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import evidence
from .case import Case
from .errors import EvidenceError, OutputError

PACK_MANIFEST = "pack_manifest.json"
FORMAT = "whoa-pack/1"
_PARTIAL = ".whoa-partial-"
_SELF = "pack_manifest_sha256"

Say = Callable[[str], None]


# --- where a pack may go ---------------------------------------------------------------------

def check_out(out: Path, case: Case, *, force: bool = False) -> Path:
    """The pack's folder, absolute, or a one-line :class:`OutputError` (nothing written).

    Refused: an existing file; the case folder, a folder holding it or a source, or one inside
    the folders the sources are in (writing there would mix the pack with the evidence, and
    ``--force`` would delete it); an existing folder with files in it, unless ``force``."""
    target = Path(os.path.abspath(out))
    given = f"--out {out}"
    if target.is_symlink():
        raise OutputError(f"{given}: is a symbolic link; expected a folder for the pack: give "
                          "the folder itself, or a new folder name")
    if target.exists() and not target.is_dir():
        raise OutputError(f"{given}: is a file, expected a folder for the pack; give a new "
                          "folder name")
    resolved = target.resolve()
    if resolved == case.folder:
        beside = case.folder.parent / f"{case.folder.name}-pack"
        raise OutputError(f"{given}: is the case folder; expected a folder of its own for the "
                          f"pack, e.g. --out {beside}")
    if _inside(case.folder, resolved):
        raise OutputError(f"{given}: holds the case folder ({case.folder}); choose a folder "
                          "of its own for the pack, outside the case")
    for place in _evidence_places(case):
        if resolved == place or _inside(place, resolved):
            raise OutputError(f"{given}: holds the case's evidence ({place}); choose a folder "
                              "outside it")
        if _inside(resolved, place):
            raise OutputError(f"{given}: is inside the case's exports ({place}); choose a "
                              "folder outside them, beside the case file")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise OutputError(f"{given}: already holds files; choose a new folder, or pass --force "
                          "to replace it (only once the new pack is complete)")
    return target


def _evidence_places(case: Case) -> list[Path]:
    """The case folder's records and the sources, with the folders below the case folder that
    hold them (``exports/``)."""
    places = [case.file, evidence.manifest_path(case), evidence.custody_path(case)]
    for source in case.sources:
        places.append(source.path)
        parent = source.path.parent
        while _inside(parent, case.folder):
            places.append(parent)
            parent = parent.parent
    return places


def _inside(path: Path, folder: Path) -> bool:
    """``path`` lies strictly below ``folder``."""
    return path != folder and path.is_relative_to(folder)


# --- building it beside its place -------------------------------------------------------------

@dataclass
class Staging:
    """A partial pack beside ``out``: create it with :func:`stage`, fill ``folder``,
    :func:`sync` it, then :meth:`commit`; :meth:`discard` (also on any error) removes what is
    left beside ``out``."""
    out: Path
    folder: Path
    fd: int
    aside: Path | None = field(default=None)

    def commit(self, *, force: bool = False) -> None:
        """Rename the complete pack into place (the last step of a run)."""
        if _folder_with_files(self.out):
            if not force:
                raise OutputError(f"--out {self.out}: another run wrote a pack there meanwhile; "
                                  "this one was not put in its place (pass --force to replace)")
            # Swapped in one step where the system can: self.folder then holds the old pack,
            # which discard() removes. Otherwise moved aside first (put back by the next run
            # if this one dies in between).
            if not _exchange(self.folder, self.out):
                self.aside = self.folder.with_name(self.folder.name + "-replaced")
                os.rename(self.out, self.aside)
                os.rename(self.folder, self.out)
        else:
            try:
                os.rename(self.folder, self.out)        # replaces an empty folder
            except OSError as exc:
                if exc.errno in (errno.ENOTEMPTY, errno.EEXIST):
                    raise OutputError(f"--out {self.out}: another run wrote a pack there "
                                      "meanwhile; this one was not put in its place") from None
                raise
        evidence.sync(self.out.parent)

    def discard(self) -> None:
        """Remove the partial folder (or, after an exchange, the old pack it now holds)."""
        for folder in (self.folder, self.aside):
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def stage(out: Path, say: Say = print) -> Staging:
    """Remove what interrupted runs left beside ``out`` (naming it), then make and lock a new
    partial folder there."""
    parent = out.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise cannot_write(out, exc) from None
    clean_stale(out, say)
    # Made and locked under a name the cleaning does not look at, then renamed: another run
    # cleaning at that moment can never take it for one left behind.
    token = secrets.token_hex(4)
    new = parent / f".{out.name}.whoa-new-{token}"
    folder = parent / f".{out.name}{_PARTIAL}{token}"
    try:
        new.mkdir()
        fd = os.open(new, os.O_RDONLY)
        fcntl.flock(fd, fcntl.LOCK_EX)  # held (also by forked writers) until the run ends
        os.rename(new, folder)
    except OSError as exc:
        raise cannot_write(out, exc) from None
    return Staging(out, folder, fd)


def cannot_write(out: Path, exc: OSError) -> OutputError:
    return OutputError(f"--out {out}: cannot write the pack there ({exc.strerror}); choose a "
                       "folder you can write to, with free space")


def clean_stale(out: Path, say: Say = print) -> list[Path]:
    """Remove partial folders of ``out`` that no running run holds; a pack that an interrupted
    ``--force`` had moved aside is put back when nothing took its place."""
    removed = []
    for folder in sorted(out.parent.glob(f".{out.name}{_PARTIAL}*")):
        if not folder.is_dir() or folder.is_symlink() or not _unheld(folder):
            continue
        if folder.name.endswith("-replaced") and not out.exists():
            os.rename(folder, out)
            say(f"restored {out}: an earlier pack that an interrupted run had moved aside")
            continue
        shutil.rmtree(folder, ignore_errors=True)
        say(f"removed {folder}: an incomplete pack left by an interrupted run")
        removed.append(folder)
    return removed


def _unheld(folder: Path) -> bool:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def _folder_with_files(path: Path) -> bool:
    return path.is_dir() and any(path.iterdir())


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux ``renameat2``); False where that is not possible."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    done = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return done == 0


def sync(folder: Path) -> None:
    """Every file below ``folder`` and the folders themselves on disk before the rename, so a
    crash after it cannot leave a pack of empty files."""
    for root, dirs, files in os.walk(folder):
        for name in files:
            evidence.sync(Path(root) / name)
        evidence.sync(Path(root))
        dirs.sort()


# --- pack_manifest.json -----------------------------------------------------------------------

def pack_files(folder: Path) -> list[dict]:
    """Every file below ``folder`` except the pack manifest: path, size, SHA-256, sorted."""
    rows = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs.sort()
        for name in sorted(files):
            path = Path(root) / name
            rel = path.relative_to(folder).as_posix()
            if rel == PACK_MANIFEST:
                continue
            sha = (evidence.sha256_bytes(b"symlink:" + os.fsencode(os.readlink(path)))
                   if path.is_symlink() else evidence.sha256_file(path))
            rows.append({"path": rel, "size": path.lstat().st_size, "sha256": sha})
    return sorted(rows, key=lambda r: r["path"])


def write_manifest(folder: Path, case: Case, *, tool_version: str, generated_at: str,
                   expected: dict[str, str] | None = None) -> Path:
    """Write ``pack_manifest.json`` over what is in ``folder`` now.

    ``expected`` (file -> SHA-256 taken by the process that wrote it): a file that differs on
    disk was changed while the pack was written, and the pack is refused."""
    files = pack_files(folder)
    for row in files:
        if expected is not None and expected.get(row["path"], row["sha256"]) != row["sha256"]:
            raise EvidenceError(f"{row['path']}: changed in the pack folder while it was "
                                "written; nothing was put in place: run again")
    body = {"format": FORMAT, "case_id": case.id, "tool_version": tool_version,
            "generated_at": generated_at,
            "case_manifest_sha256": evidence.manifest_sha256(case),
            "custody_head_sha256": evidence.read_custody_log(case).head, "files": files}
    body[_SELF] = _self_hash(body)
    path = folder / PACK_MANIFEST
    path.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _self_hash(body: dict) -> str:
    rest = {k: v for k, v in body.items() if k != _SELF}
    return evidence.sha256_bytes(json.dumps(rest, sort_keys=True, ensure_ascii=False)
                                 .encode("utf-8"))


def verify_pack(folder: Path) -> list[str]:
    """What differs from the pack's own manifest: each changed, missing or extra file, a
    damaged manifest; empty when the pack is intact. Needs nothing but the folder."""
    path = folder / PACK_MANIFEST
    if not path.is_file():
        return [f"missing: {PACK_MANIFEST} (not a pack, or its manifest was removed: nothing "
                "can be checked)"]
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        listed = {f["path"]: f for f in body["files"]}
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
        return [f"changed: {PACK_MANIFEST} (damaged: {type(exc).__name__}); the pack cannot "
                "be checked"]
    problems = []
    if body.get(_SELF) != _self_hash(body):
        problems.append(f"changed: {PACK_MANIFEST} (its content does not match its own hash)")
    found = {f["path"]: f for f in pack_files(folder)}
    for rel, want in sorted(listed.items()):
        got = found.get(rel)
        if got is None:
            problems.append(f"missing: {rel}")
        elif (got["sha256"], got["size"]) != (want.get("sha256"), want.get("size")):
            problems.append(f"changed: {rel} (sha256 {str(want.get('sha256'))[:12]}… now "
                            f"{got['sha256'][:12]}…)")
    problems += [f"extra: {rel} (not in {PACK_MANIFEST})" for rel in sorted(found)
                 if rel not in listed]
    manifest = found.get("manifest.json")
    if manifest and body.get("case_manifest_sha256") not in (None, manifest["sha256"]):
        problems.append("changed: manifest.json (not the case manifest the pack names)")
    return problems
