"""A folder that cannot be written, a full disk, a source written to while it is read, and two
runs at once: each ends in one line or in a whole pack, with nothing lost and nothing
misleading left."""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path

import pytest

from tests.faults.conftest import report
from whoa_analysis import case as case_mod
from whoa_analysis import evidence, ingest
from whoa_analysis.cli import main
from whoa_analysis.errors import OutputError

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root "
                               "(CI runs as root)")


@contextlib.contextmanager
def tmpfs(where: Path, *options: str):
    where.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs", str(where)],
                   check=True)
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=True)


def _one_line(err: str) -> None:
    assert err.startswith("whoa: error: ") and err.count("\n") == 1 and "Traceback" not in err


@contextlib.contextmanager
def read_only_folder(where: Path):
    """A folder nobody can write in: a read-only mount as root (root ignores permissions),
    else a folder without write permission."""
    if os.geteuid() == 0:
        with tmpfs(where, "ro", "size=1m") as folder:
            yield folder
        return
    where.mkdir()
    where.chmod(0o555)
    try:
        yield where
    finally:
        where.chmod(0o755)


def test_a_read_only_output_folder_is_one_line_and_leaves_nothing(case, tmp_path, capsys):
    with read_only_folder(tmp_path / "ro") as folder:
        assert main(["report", str(case.file), "--out", str(folder / "pack")]) == 2
        err = capsys.readouterr().err
        _one_line(err)
        assert "cannot write the pack there" in err
        assert list(folder.iterdir()) == []
    assert [e["action"] for e in case.custody()] == ["intake"]
    case.assert_nothing_lost()


@ROOT_ONLY
def test_a_full_disk_while_writing_the_pack_leaves_nothing_named_like_it(case, tmp_path, capsys):
    with tmpfs(tmp_path / "small", "size=256k") as disk:        # the pack needs more
        assert main(["report", str(case.file), "--out", str(disk / "pack"), "--workers",
                     "1"]) == 2
        err = capsys.readouterr().err
        _one_line(err)
        assert "No space left on device" in err
        assert list(disk.iterdir()) == []                      # the partial pack removed too
    assert [e["action"] for e in case.custody()] == ["intake"]
    case.assert_nothing_lost()


@ROOT_ONLY
def test_a_full_disk_under_the_custody_log_keeps_it_whole(case, tmp_path):
    with tmpfs(tmp_path / "small", "size=64k") as disk:
        log = disk / "custody.jsonl"
        log.write_bytes((case.folder / "custody.jsonl").read_bytes())
        with open(disk / "filler", "wb") as fh, contextlib.suppress(OSError):
            fh.write(b"x" * (1 << 20))                          # fill what is left
        moved = case_mod.load(case.file)
        moved = type(moved)(**{**moved.__dict__, "file": disk / "case.toml"})
        before = log.read_bytes()
        with pytest.raises(OutputError, match="could not write the custody log"):
            evidence.append_custody(moved, "note", {"text": "x" * 20000})
        assert log.read_bytes() == before                      # no half entry left behind


def test_a_source_written_to_while_it_is_read_stops_the_report(case, monkeypatch, capsys):
    source = case.folder / "exports" / "log.csv"
    read = ingest.read_source

    def read_and_meddle(c, index):
        frame = read(c, index)
        with open(source, "ab") as fh:                          # another program appends
            fh.write(b"2024-03-13 10:00,Europe/London,phone,phone:07700 900456,person:dana,"
                     b"call,rang,\n")
        return frame

    monkeypatch.setattr(ingest, "read_source", read_and_meddle)
    assert main(["report", str(case.file), "--out", str(case.out), "--workers", "1"]) == 1
    err = capsys.readouterr().err
    assert "changed while it was read: exports/log.csv" in err and err.count("\n") == 1
    case.assert_no_pack()
    assert [e["action"] for e in case.custody()] == ["intake"]
    assert (case.folder / "manifest.json").read_bytes() == case.manifest  # not re-baselined
    assert main(["verify", str(case.file)]) == 1                # and the change stays named


def test_two_reports_at_once_to_one_folder_give_one_pack_and_one_chain(case):
    runs = [report(case), report(case)]
    results = [proc.communicate(timeout=300) + (proc.returncode,) for proc in runs]
    codes = sorted(code for _, _, code in results)
    assert codes in ([0, 0], [0, 2]), results     # the second may also find the first's pack
    if codes == [0, 2]:
        err = next(err for _, err, code in results if code == 2)
        assert err.startswith("whoa: error: --out") and err.count("\n") == 1, err
    assert evidence.check_custody(case.load()) == []
    entries = case.custody()
    reports = [e for e in entries if e["action"] == "report"]
    placed = evidence.sha256_file(case.out / "pack_manifest.json")
    # the pack in place is one a report entry logged (both, when the two runs fell in the same
    # second: the same inputs then give the same bytes); a pack logged and not placed is
    # logged as such
    logged = [e["details"]["files"]["pack_manifest.json"] for e in reports]
    assert placed in logged
    assert logged.count(placed) == 1 or set(logged) == {placed}
    not_placed = [e for e in entries if e["action"] == "report_not_placed"]
    assert len(reports) == 1 + len(not_placed)
    assert sorted(p.name for p in case.out.parent.iterdir()) == ["case", "pack"]
    assert main(["verify-pack", str(case.out)]) == 0
    case.assert_nothing_lost()
