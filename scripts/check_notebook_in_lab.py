"""Open a workbench notebook in JupyterLab in headless Chromium, run all cells, check for errors.

What a volunteer does, done by a script: start ``jupyter lab`` (127.0.0.1 only, a random token,
no browser of its own), open the notebook in Debian's ``chromium`` driven by Playwright for
Python, run every cell, and fail if any cell produced an error or did not run. A screenshot of
the chart cell is saved for a person to look at.

The notebooks and the sample case are copied into a temporary folder first, so JupyterLab's
autosave never writes outputs into the repository, and every setting, workspace and browser
profile is fresh. The browser may load nothing but the local JupyterLab: every other request is
aborted, and the server's news and update checks are off.

    python scripts/check_notebook_in_lab.py [--notebook 04_contact_after_request.ipynb]
        [--screenshot out/lab-04-chart.png] [--chart-source charts.cumulative]

Exit 0 when every cell ran without an error; 1 when a cell failed or did not run; 2 when the
tools are missing (chromium, jupyterlab, playwright).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"]
#: JupyterLab settings for the run: every cell in the page (so the chart cell can be found and
#: shot), no news fetched.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                        "checkForUpdates": False},
}
#: Server settings: nothing fetched from outside, the app reachable from the page's script.
LAB_CONFIG = {"LabApp": {"news_url": None, "expose_app_in_browser": True,
                         "check_for_updates_class": "jupyterlab.NeverCheckForUpdate",
                         "extension_manager": "readonly"}}

#: The notebook's code cells as JupyterLab's model holds them: run count and output types.
CELLS_JS = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.content || !panel.content.model) { return null; }
  const cells = panel.content.model.cells;
  const out = [];
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type !== 'code') { continue; }
    const outputs = cell.outputs.toJSON().map(o => ({
      type: o.output_type, ename: o.ename || '', evalue: o.evalue || '',
      mime: Object.keys(o.data || {})}));
    out.push({index: i, count: cell.executionCount, outputs: outputs});
  }
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  return {cells: out, kernel: kernel ? kernel.status : 'none'};
}"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stage(work: Path) -> Path:
    """Notebooks and the sample case in ``work``, laid out as in the repository."""
    shutil.copytree(ROOT / "notebooks", work / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "*.py"))
    shutil.copytree(ROOT / "data" / "sample", work / "data" / "sample",
                    ignore=shutil.ignore_patterns("manifest.json", "custody.jsonl"))
    return work


def lab_env(home: Path) -> dict[str, str]:
    """Fresh Jupyter folders (under ``home``) for config, data, runtime, settings, workspaces."""
    dirs = {name: home / name for name in
            ("config", "data", "runtime", "settings", "workspaces")}
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    (dirs["config"] / "jupyter_lab_config.json").write_text(json.dumps(LAB_CONFIG))
    for rel, value in LAB_SETTINGS.items():
        target = dirs["settings"] / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(value))
    env = dict(os.environ)
    env.update(JUPYTER_CONFIG_DIR=str(dirs["config"]), JUPYTER_DATA_DIR=str(dirs["data"]),
               JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
               JUPYTERLAB_SETTINGS_DIR=str(dirs["settings"]),
               JUPYTERLAB_WORKSPACES_DIR=str(dirs["workspaces"]), JUPYTER_PLATFORM_DIRS="1")
    return env


def start_lab(work: Path, home: Path, port: int, token: str, log: Path) -> subprocess.Popen:
    # --allow-root: CI and containers run as root; the server still listens on 127.0.0.1 only.
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
           f"--port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={work}", "--ServerApp.terminals_enabled=False",
           "--allow-root"]
    with open(log, "wb") as out:
        return subprocess.Popen(cmd, cwd=work, env=lab_env(home), stdout=out,
                                stderr=subprocess.STDOUT)


def wait_for_lab(base: str, token: str, proc: subprocess.Popen, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2):  # noqa: S310
                return True
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    print(f"problem: jupyter lab did not answer on {base} (exit code {proc.poll()})",
          file=sys.stderr)
    return False


def only_local(base: str):
    def route(r) -> None:
        if r.request.url.startswith(base) or r.request.url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            print(f"blocked a request to {r.request.url}", file=sys.stderr)
            r.abort()
    return route


def run_all(page, timeout: float) -> dict:
    """Run every cell and wait until each code cell has run (or one failed)."""
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                           " && window.jupyterapp.shell.currentWidget.sessionContext.isReady",
                           timeout=timeout * 1000)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    deadline = time.monotonic() + timeout
    state: dict = {}
    while time.monotonic() < deadline:
        state = page.evaluate(CELLS_JS) or {}
        cells = state.get("cells", [])
        failed = any(o["type"] == "error" for c in cells for o in c["outputs"])
        done = cells and all(c["count"] is not None for c in cells)
        if failed or (done and state.get("kernel") == "idle"):
            return state
        time.sleep(0.5)
    return state


def shoot_chart(page, chart_source: str, path: Path) -> None:
    """Screenshot the code cell whose source contains ``chart_source`` (its image loaded)."""
    cell = page.locator(".jp-CodeCell", has_text=chart_source).first
    image = cell.locator(".jp-OutputArea-output img").first
    image.wait_for(state="visible", timeout=30_000)
    page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                           arg=image.element_handle(), timeout=30_000)
    cell.scroll_into_view_if_needed()
    path.parent.mkdir(parents=True, exist_ok=True)
    cell.screenshot(path=str(path))


def check(notebook: str, screenshot: Path, chart_source: str, chromium: Path,
          timeout: float) -> int:
    with tempfile.TemporaryDirectory(prefix="whoa-lab-") as tmp:
        work = stage(Path(tmp) / "repo")
        port, token = free_port(), secrets.token_hex(24)
        base = f"http://127.0.0.1:{port}"
        log = Path(tmp) / "lab.log"
        proc = start_lab(work, Path(tmp) / "jupyter", port, token, log)
        try:
            problems = ["jupyter lab did not start"]
            if wait_for_lab(base, token, proc, timeout=60):
                url = f"{base}/lab/tree/notebooks/{notebook}?token={token}"
                problems = in_browser(url, base, Path(tmp) / "profile", chromium, timeout,
                                      chart_source, screenshot)
        finally:
            stop(proc)
        if problems:
            print("jupyter lab log (last lines):\n" + "\n".join(
                log.read_text(errors="replace").splitlines()[-20:]), file=sys.stderr)
    return 1 if problems else 0


def in_browser(url: str, base: str, profile: Path, chromium: Path, timeout: float,
               chart_source: str, screenshot: Path) -> list[str]:
    """Open the notebook, run all, report; the chart cell's screenshot when all went well."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        # A persistent context on a new folder: a fresh --user-data-dir for this run only.
        context = pw.chromium.launch_persistent_context(
            str(profile), executable_path=str(chromium), headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 1400, "height": 1000})
        try:
            context.route("**/*", only_local(base))
            page = context.pages[0] if context.pages else context.new_page()
            page.goto(url, timeout=timeout * 1000)
            problems = report(run_all(page, timeout))
            if not problems:
                shoot_chart(page, chart_source, screenshot)
                print(f"screenshot of the chart cell: {screenshot}")
            return problems
        finally:
            context.close()


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def report(state: dict) -> list[str]:
    """Print what ran; return the problems (a cell with an error, a cell that did not run)."""
    cells = state.get("cells", [])
    problems = [f"cell {c['index']}: {o['ename']}: {o['evalue']}"
                for c in cells for o in c["outputs"] if o["type"] == "error"]
    if not problems:
        problems = [f"cell {c['index']}: did not run" for c in cells if c["count"] is None]
    if not cells:
        problems = ["the notebook did not open in JupyterLab"]
    images = sum("image/png" in o["mime"] for c in cells for o in c["outputs"])
    print(f"{len(cells)} code cell(s), {sum(c['count'] is not None for c in cells)} run, "
          f"{images} image(s), kernel {state.get('kernel', '?')}")
    for line in problems:
        print(f"problem: {line}", file=sys.stderr)
    return problems


def missing_tools(chromium: Path) -> str:
    """Why the check cannot run here, or '' when it can."""
    if not chromium.is_file():
        return (f"{chromium} not found; install Debian's chromium "
                "(apt-get install -y chromium)")
    for module, extra in (("jupyterlab", "notebook"), ("playwright", "test")):
        try:
            __import__(module)
        except ImportError:
            return f"python package {module} missing; pip install -e '.[{extra}]'"
    return ""


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--notebook", default="04_contact_after_request.ipynb")
    p.add_argument("--screenshot", type=Path, default=ROOT / "out" / "lab-04-chart.png")
    p.add_argument("--chart-source", default="charts.cumulative",
                   help="text in the source of the chart cell to photograph")
    p.add_argument("--chromium", type=Path, default=CHROMIUM)
    p.add_argument("--timeout", type=float, default=180, help="seconds for each wait")
    args = p.parse_args(argv)
    why = missing_tools(args.chromium)
    if why:
        print(f"cannot check: {why}", file=sys.stderr)
        return 2
    return check(args.notebook, args.screenshot.resolve(), args.chart_source, args.chromium,
                 args.timeout)


if __name__ == "__main__":
    sys.exit(main())
