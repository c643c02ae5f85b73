"""Test-session set-up shared by tests/ and the notebooks run under nbval."""

from __future__ import annotations

from pathlib import Path

SAMPLE = Path(__file__).resolve().parent / "data" / "sample"


def pytest_sessionstart(session) -> None:
    """Start every run with the fictional sample case not yet taken in.

    The notebooks take the sample in (manifest.json, custody.jsonl beside its case.toml, both
    git-ignored); a record left by an earlier run against older sample exports would make
    them refuse, rightly, with "evidence changed". These two files are run output for the
    fictional sample only, never a real case's records.
    """
    for name in ("manifest.json", "custody.jsonl"):
        (SAMPLE / name).unlink(missing_ok=True)
