"""The pack's tables and PDF are written by forked children: same files, errors surface."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import make_case
from whoa_analysis import case as case_mod
from whoa_analysis import pipeline
from whoa_analysis.errors import InputError, WorkerError
from whoa_analysis.readers import _parallel

LOG = ("2024-03-11 19:05,Europe/London,phone,phone:07700 900456,person:dana,call,rang,\n"
       "2024-03-12 09:00,Europe/London,letter,person:rob,person:dana,text,a letter,\n")


def _raises_input_error() -> list[Path]:
    raise InputError("expected a table; got none: try again")


def _dies() -> list[Path]:
    os._exit(3)


def test_an_error_in_a_child_is_raised_here_as_it_was():
    with pytest.raises(InputError, match="expected a table; got none"):
        _parallel.beside(_raises_input_error)()


def test_a_child_that_dies_is_a_clear_error():
    with pytest.raises(WorkerError, match="exit code 3"):
        _parallel.beside(_dies)()


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            # the report shows the custody log (one entry longer the second time), and the
            # pack manifest holds the report's hash and the log's head
            if p.is_file() and p.name not in ("report.html", "report.pdf", "pack_manifest.json")}


def test_the_pack_is_the_same_written_in_one_process(tmp_path, monkeypatch):
    case = case_mod.load(make_case(tmp_path / "case", LOG))
    pipeline.ensure_evidence(case, say=lambda _: None)
    prepared = pipeline.prepare(case)
    stamp = "2026-01-01T00:00:00Z"
    forked = pipeline.write_pack(prepared, tmp_path / "a", say=lambda _: None,
                                 generated_at=stamp)
    monkeypatch.setattr(_parallel.multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    alone = pipeline.write_pack(prepared, tmp_path / "b", say=lambda _: None, generated_at=stamp)
    assert sorted(p.relative_to(tmp_path / "a") for p in forked) == \
        sorted(p.relative_to(tmp_path / "b") for p in alone)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert (tmp_path / "a" / "report.pdf").exists() and (tmp_path / "a" / "messages.csv").exists()
