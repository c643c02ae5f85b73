"""Notebook 04 opened in JupyterLab in headless Chromium runs every cell without an error.

Runs ``scripts/check_notebook_in_lab.py`` in a child process: the server and the browser talk
over 127.0.0.1 there, while this test process keeps its sockets disabled.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

SCRIPT = ROOT / "scripts" / "check_notebook_in_lab.py"
CHROMIUM = Path("/usr/bin/chromium")


def _missing() -> str:
    if not CHROMIUM.is_file():
        return f"{CHROMIUM} not installed (apt-get install -y chromium)"
    for module, extra in (("jupyterlab", "notebook"), ("playwright", "test")):
        if importlib.util.find_spec(module) is None:
            return f"{module} not installed (pip install -e '.[{extra}]')"
    return ""


@pytest.mark.skipif(bool(_missing()), reason=_missing() or "tools present")
def test_notebook_04_runs_in_jupyterlab_and_its_chart_is_drawn(tmp_path: Path) -> None:
    shot = tmp_path / "chart.png"
    done = subprocess.run([sys.executable, str(SCRIPT), "--screenshot", str(shot)],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "problem:" not in done.stderr and "blocked a request" not in done.stderr
    ran = done.stdout.splitlines()[0]            # "15 code cell(s), 15 run, 2 image(s), ..."
    cells, run = (int(part.split()[0]) for part in ran.split(", ")[:2])
    assert cells == run > 0
    png = shot.read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
