"""A small taken-in case, and what a fault test checks after the fault: nothing lost (the
originals, the manifest, every custody entry) and nothing misleading left (no folder named like
the pack, a custody chain that holds)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import make_case
from whoa_analysis import case as case_mod
from whoa_analysis import evidence
from whoa_analysis.cli import main

ROWS = ("2024-03-10 09:00,Europe/London,letter,person:dana,person:rob,letter,"
        "Do not contact me in any way in the future.,copy kept\n"
        "2024-03-11 19:05,Europe/London,phone,phone:07700 900456,person:dana,call,rang,\n"
        "2024-03-12 08:00,Europe/London,letter,person:rob,person:dana,letter,a letter,\n")
DIE = Path(__file__).with_name("_die.py")
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Case:
    file: Path
    out: Path
    originals: dict[str, bytes]
    manifest: bytes

    @property
    def folder(self) -> Path:
        return self.file.parent

    def load(self) -> case_mod.Case:
        return case_mod.load(self.file)

    def custody(self) -> list[dict]:
        return evidence.read_custody(self.load())

    def assert_nothing_lost(self) -> None:
        """The originals and the manifest are as they were; the custody chain holds."""
        exports = self.folder / "exports"
        assert {p.name: p.read_bytes() for p in exports.iterdir()} == self.originals
        assert (self.folder / "manifest.json").read_bytes() == self.manifest
        assert evidence.check_custody(self.load()) == []

    def assert_no_pack(self) -> None:
        """No folder named like the pack; what else lies beside it is hidden and says it is
        partial."""
        assert not self.out.exists()
        beside = [p.name for p in self.out.parent.iterdir() if p.name != self.folder.name]
        assert all(name.startswith(f".{self.out.name}.whoa-partial-") for name in beside), beside


@pytest.fixture
def case(tmp_path: Path) -> Case:
    file = make_case(tmp_path / "case", ROWS)
    assert main(["intake", str(file)]) == 0
    originals = {p.name: p.read_bytes() for p in (file.parent / "exports").iterdir()}
    return Case(file, tmp_path / "pack", originals, (file.parent / "manifest.json").read_bytes())


def whoa(*args: str, die: str | None = None, **popen: object) -> subprocess.Popen:
    """``whoa ARGS`` in a process group of its own (killed at ``die``, see _die.py)."""
    head = [sys.executable, str(DIE), die] if die else [sys.executable, "-m",
                                                          "whoa_analysis.cli"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([*head, *args], cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def report(case: Case, *extra: str, die: str | None = None) -> subprocess.Popen:
    return whoa("report", str(case.file), "--out", str(case.out), "--workers", "1", *extra,
                die=die)
