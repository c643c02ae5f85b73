"""The benchmark's inputs are what they claim: generated files read back to their message counts.

No timing here (speed is measured by benchmarks/run.py, never asserted in unit tests); this only
keeps the generator and the readers in step at a tiny scale.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from whoa_analysis import readers

ROOT = Path(__file__).resolve().parents[1]


def _generator():
    spec = importlib.util.spec_from_file_location("bench_generate",
                                                  ROOT / "benchmarks" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench")
    assert _generator().main(["--scale", "0.002", "--out", str(out)]) == 0
    return out


def _expected(folder: Path, name: str) -> int:
    return json.loads((folder / "expected.json").read_text())[name]["messages"]


def test_generation_is_deterministic(generated: Path, tmp_path: Path) -> None:
    assert _generator().main(["--scale", "0.002", "--out", str(tmp_path),
                              "--only", "whatsapp"]) == 0
    assert (tmp_path / "whatsapp.txt").read_bytes() == (generated / "whatsapp.txt").read_bytes()


def test_whatsapp_reads_to_the_generated_count(generated: Path) -> None:
    df = readers.read(generated / "whatsapp.txt", tz="Europe/London")
    assert len(df) == _expected(generated, "whatsapp") == 2000
    assert df["source_format"].iloc[0] == "whatsapp"
    assert (df["kind"] == "unparsed").sum() == 0
    # System lines, media, deleted messages and missed calls are kept as rows, not dropped.
    assert {"system", "media", "deleted", "call", "text"} <= set(df["kind"].astype(str))
    assert df["sent_at"].notna().all()
    assert df["body"].str.contains("\n").any()          # multi-line messages stay whole


def test_telegram_reads_to_the_generated_count(generated: Path) -> None:
    df = readers.read(generated / "telegram.json", tz="Europe/London")
    assert len(df) == _expected(generated, "telegram") == 2000
    assert df["source_format"].iloc[0] == "telegram_json"
    assert (df["kind"] == "unparsed").sum() == 0
    assert (df["time_basis"] == "epoch").all()
    assert set(df["sender"]) == {"telegram:user1001", "telegram:user2002"}


def test_mbox_and_case_are_written(generated: Path) -> None:
    mbox = generated / "mail.mbox"
    assert mbox.read_bytes().startswith(b"From ")
    assert mbox.read_bytes().count(b"\nFrom ") + 1 == _expected(generated, "mbox") == 200
    assert "format = \"whatsapp\"" in (generated / "case.toml").read_text()


def test_run_measures_our_reader_and_checks_it_against_one_process(generated: Path, capsys,
                                                                   monkeypatch) -> None:
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    run = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "bench_run", run)     # its dataclasses look it up
    spec.loader.exec_module(run)
    assert run.main(["--data", str(generated), "--only", "ours_whatsapp",
                     "--only", "equal_whatsapp"]) == 0
    printed = capsys.readouterr().out
    assert "| whoa_analysis whatsapp |" in printed
    assert "whatsapp: both cores = one process (same frame and assumptions): yes" in printed
    results = json.loads((generated / "results.json").read_text())["results"]
    ours = next(r for r in results if r["task"] == "ours_whatsapp")
    assert ours["rows"] == 2000 and ours["peak_mb"] >= ours["own_peak_mb"] > 0
