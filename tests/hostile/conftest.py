"""Hostile-input tests: the ``slow`` switch (the bounded runner is in ``harness.py``).

Tests marked ``slow`` (long fuzzing, the biggest inputs) run only when asked for:
``pytest -m slow tests/hostile`` (with ``WHOA_FUZZ_EXAMPLES=2000`` for longer fuzzing).
"""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "slow" in (config.option.markexpr or ""):
        return
    skip = pytest.mark.skip(reason="slow: run with `pytest -m slow tests/hostile`")
    for item in items:
        if item.get_closest_marker("slow") and HERE in Path(str(item.path)).parents:
            item.add_marker(skip)
