"""``kill -9`` (the whole process group, forked writers included) at each step of a report:
no folder named like the pack is left, nothing recorded is lost, and the next run cleans up
what the killed one left and says so."""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.faults.conftest import report, whoa
from whoa_analysis import evidence
from whoa_analysis.cli import main


def _killed(proc) -> None:
    proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.returncode


@pytest.mark.parametrize("point", ["read", "tables", "pack_manifest"])
def test_killed_before_the_pack_is_logged_leaves_no_pack_and_no_entry(case, point):
    _killed(report(case, die=point))
    case.assert_no_pack()
    case.assert_nothing_lost()
    assert [e["action"] for e in case.custody()] == ["intake"]


def _pack(case) -> dict:
    return {p.relative_to(case.out): p.read_bytes() for p in case.out.rglob("*") if p.is_file()}


def test_killed_after_logging_leaves_no_pack_and_the_next_run_names_what_it_cleans(case, capsys):
    _killed(report(case, die="commit"))
    case.assert_no_pack()
    case.assert_nothing_lost()
    assert [e["action"] for e in case.custody()] == ["intake", "report"]
    assert main(["report", str(case.file), "--out", str(case.out), "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "removed " in out and "an incomplete pack left by an interrupted run" in out
    assert sorted(p.name for p in case.out.parent.iterdir()) == ["case", "pack"]
    assert [e["action"] for e in case.custody()] == ["intake", "report", "pack_cleanup",
                                                     "report"]
    assert main(["verify-pack", str(case.out)]) == 0
    # --force replacing that pack, killed just before the new one takes its place: the
    # earlier pack stays whole where it was
    before = _pack(case)
    _killed(report(case, "--force", die="commit"))
    assert _pack(case) == before
    assert main(["verify-pack", str(case.out)]) == 0
    case.assert_nothing_lost()


def test_killed_mid_custody_entry_is_reported_torn_and_kept_until_accepted(case, capsys):
    _killed(report(case, die="custody"))
    case.assert_no_pack()
    log = case.folder / "custody.jsonl"
    torn = log.read_bytes().split(b"\n")[-1]
    assert torn.startswith(b'{"action": "report"')
    # verify: the sources are still checked and found unchanged; the torn entry is named
    (case.folder / "exports" / "log.csv").write_bytes(b"edited")
    assert main(["verify", str(case.file)]) == 1
    out = capsys.readouterr().out
    assert "changed: exports/log.csv" in out
    assert "custody.jsonl line 2: the last entry is torn" in out
    (case.folder / "exports" / "log.csv").write_bytes(case.originals["log.csv"])
    # a report refuses; intake --accept-change records the torn bytes, which stay in the log
    assert main(["report", str(case.file), "--out", str(case.out)]) == 1
    assert "torn" in capsys.readouterr().err
    assert main(["intake", str(case.file), "--accept-change", "report killed by a power cut"]) == 0
    assert torn in log.read_bytes()
    entry = case.custody()[-1]
    assert entry["action"] == "torn_entry"
    assert entry["details"]["bytes_sha256"] == evidence.sha256_bytes(torn)
    assert entry["details"]["reason"] == "report killed by a power cut"
    capsys.readouterr()
    assert main(["verify", str(case.file)]) == 0
    assert "a torn entry, recorded by entry 2" in capsys.readouterr().out
    case.assert_nothing_lost()


def test_killed_from_outside_while_writing(case, capsys):
    """A real kill -9 from another process, once the partial pack has files in it."""
    proc = whoa("report", str(case.file), "--out", str(case.out), "--workers", "1")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        partial = list(case.out.parent.glob(".pack.whoa-partial-*/*"))
        if partial or proc.poll() is not None:
            break
        time.sleep(0.01)
    assert proc.poll() is None, proc.communicate()
    os.killpg(proc.pid, signal.SIGKILL)
    _killed(proc)
    case.assert_no_pack()
    case.assert_nothing_lost()
    assert main(["report", str(case.file), "--out", str(case.out), "--workers", "1"]) == 0
    assert "an incomplete pack left by an interrupted run" in capsys.readouterr().out
    assert sorted(p.name for p in case.out.parent.iterdir()) == ["case", "pack"]
