"""Shared fixtures. Sockets are disabled for every test (pytest-socket, see pyproject)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
CORPORA = Path(os.environ.get("WHOA_CORPORA", ROOT.parent / "shared" / "corpora"))


@pytest.fixture
def sample() -> Path:
    return SAMPLE


@pytest.fixture
def corpora() -> Path:
    """The shared real-export corpora; the test is skipped (with the reason) when absent."""
    if not CORPORA.is_dir():
        pytest.skip(f"shared corpora not found at {CORPORA} (set WHOA_CORPORA to run these)")
    return CORPORA
