"""report.html with hostile content, opened in headless Chromium: no script runs, nothing is
fetched. A control page without the report's escaping and CSP shows the harness would notice."""

from __future__ import annotations

import http.server
import re
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest

from .conftest import ROWS, make_case, run_pack

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
         "--disable-extensions", "--virtual-time-budget=3000"]
EXTRA = [
    ("2024-03-13T15:00:00Z", "discord", "discord:robz", "person:dana", "message",
     "<link rel=stylesheet href=\"{pixel}-css\"><iframe src=\"{pixel}-frame\"></iframe>"),
    ("2024-03-13T16:00:00Z", "discord", "discord:robz", "person:dana", "message",
     "<meta http-equiv=\"refresh\" content=\"0;url={pixel}-refresh\">"
     "<svg onload=\"document.title='PWNED'\"></svg><style>@import '{pixel}-import';</style>"),
]

pytestmark = [
    pytest.mark.enable_socket,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/"
                       "chromium (apt-get install -y chromium; the CI script installs it)"),
]


class Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - the http.server API
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/gif")
        self.end_headers()
        self.wfile.write(b"GIF89a")

    def log_message(self, *args):
        pass


@pytest.fixture
def tracker():
    Recorder.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], Recorder.hits
    server.shutdown()
    server.server_close()


def dump_dom(page: Path) -> str:
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run([str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}",
                               "--dump-dom", page.resolve().as_uri()],
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_the_harness_sees_a_script_and_a_fetch_on_an_unprotected_page(tmp_path, tracker):
    port, hits = tracker
    page = tmp_path / "control.html"
    page.write_text(f"<html><head><title>t</title></head><body><img src=\"http://127.0.0.1:"
                    f"{port}/pixel\"><script>document.title='PWNED'</script></body></html>",
                    encoding="utf-8")
    dom = dump_dom(page)
    assert "<title>PWNED</title>" in dom
    assert "/pixel" in hits


def test_hostile_report_runs_nothing_and_fetches_nothing(tmp_path, tracker):
    port, hits = tracker
    case_file = make_case(tmp_path / "case", ROWS + EXTRA, port=port)
    run_pack(case_file, tmp_path / "pack")
    page = tmp_path / "pack" / "report.html"
    assert f"127.0.0.1:{port}/pixel" in page.read_text(encoding="utf-8")
    dom = dump_dom(page)
    assert hits == []
    title = re.search(r"<title>(.*?)</title>", dom, re.S).group(1)
    assert title.startswith("Evidence report: Dana Example")
    assert "<script" not in dom.lower() and "<iframe" not in dom.lower()
    assert "<svg" not in dom.lower() and not re.search(r"PWNED\s*</body>", dom)
    assert "&lt;script&gt;document.title='PWNED'" in dom     # shown as text
