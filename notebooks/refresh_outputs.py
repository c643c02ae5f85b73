"""Re-run the workbench notebooks on the sample case and keep only the outputs nbval checks.

The notebooks are committed without outputs, except the cells marked ``# NBVAL_CHECK_OUTPUT``:
their recorded text is what ``pytest`` (nbval, ``--nbval-lax``) compares with a fresh run. When
the sample case changes on purpose, re-record them:

    python notebooks/refresh_outputs.py                    # every notebook
    python notebooks/refresh_outputs.py 04_contact_after_request.ipynb

Each notebook runs top to bottom in this folder, with its own parameters (the sample case).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import nbformat
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
MARK = "# NBVAL_CHECK_OUTPUT"
TIMEOUT = 300


def checked(cell: nbformat.NotebookNode) -> bool:
    return cell.cell_type == "code" and MARK in cell.source


def strip(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Outputs and counts only on checked cells; no run times, no widget state."""
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        if not checked(cell):
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.pop("widgets", None)
    return nb


def refresh(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory() as tmp:
        # The kernel talks over Unix sockets in a private folder, not over TCP.
        km = KernelManager(kernel_name="python3", transport="ipc", ip=str(Path(tmp, "kernel")))
        try:
            NotebookClient(nb, km=km, timeout=TIMEOUT, kernel_name="python3",
                           resources={"metadata": {"path": str(path.parent)}}).execute()
        finally:
            if km.has_kernel:
                km.shutdown_kernel(now=True)
    nbformat.write(strip(nb), path)


def main(names: list[str]) -> int:
    paths = [HERE / n for n in names] if names else sorted(HERE.glob("[0-9][0-9]_*.ipynb"))
    for path in paths:
        print(f"running {path.name} ...", flush=True)
        refresh(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
