"""The workbench notebooks: their shape, and papermill runs on other cases than the sample.

nbval (``--nbval-lax``, see pyproject) runs every notebook on the sample case; these tests run
them on a second case (another stop request), on harasser-written markup, and on changed
evidence. Kernels talk over Unix sockets (``transport="ipc"``), so these tests run with the
suite's sockets disabled.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from tests.conftest import ROOT
from tests.helpers import make_case
from whoa_analysis import case as case_file
from whoa_analysis import evidence, pipeline, workbench

papermill = pytest.importorskip("papermill", reason="papermill is in the [test] extra")
from jupyter_client.manager import KernelManager  # noqa: E402  (after the skip)

NOTEBOOKS = ROOT / "notebooks"
NAMES = ["01_intake", "02_people_and_accounts", "03_timeline", "04_contact_after_request",
         "05_evidence_pack"]
CHECK = "# NBVAL_CHECK_OUTPUT"
HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]


#: The tags pandas' table HTML (and workbench.show's notes) are made of.
SAFE_TAGS = {"table", "thead", "tbody", "tr", "th", "td", "p", "div", "style"}


class Parsed(HTMLParser):
    """The elements and the text a browser would make of an HTML output."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.text = ""
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.add(tag)

    def handle_data(self, data: str) -> None:
        self.text += data


def _read(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def run(name: str, tmp_path: Path, **params: object) -> nbformat.NotebookNode:
    """Run a notebook with papermill (parameters injected), in the notebooks folder."""
    out = tmp_path / f"{name}.out.ipynb"
    # A short folder for the kernel's Unix sockets (their paths are limited to ~100 bytes).
    with tempfile.TemporaryDirectory(prefix="k") as sockets:
        km = KernelManager(kernel_name="python3", transport="ipc", ip=f"{sockets}/kernel")
        try:
            papermill.execute_notebook(str(NOTEBOOKS / f"{name}.ipynb"), str(out),
                                       parameters=params, cwd=str(NOTEBOOKS), km=km,
                                       progress_bar=False, kernel_name="python3",
                                       execution_timeout=300)
        finally:
            if km.has_kernel:       # a kernel manager we made is ours to shut down
                km.shutdown_kernel(now=True)
    return nbformat.read(out, as_version=4)


def outputs(nb: nbformat.NotebookNode, mime: str) -> list[str]:
    return [o.get("data", {}).get(mime, "") for c in nb.cells if c.cell_type == "code"
            for o in c.get("outputs", []) if mime in o.get("data", {})]


def stream_of(nb: nbformat.NotebookNode, marker: str) -> str:
    """The printed text of the code cell whose source contains ``marker``."""
    cell = next(c for c in nb.cells if c.cell_type == "code" and marker in c.source)
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def copy_sample(tmp_path: Path) -> Path:
    """The sample case in tmp_path, without any manifest or custody log a run left beside it."""
    folder = tmp_path / "case"
    shutil.copytree(ROOT / "data" / "sample", folder,
                    ignore=shutil.ignore_patterns(evidence.MANIFEST, evidence.CUSTODY))
    return folder / "case.toml"


def pin_notice(case_toml: Path, message_id: str) -> None:
    text = case_toml.read_text(encoding="utf-8")
    pinned = re.sub(r'(?m)^message\s*=\s*".*"$', f'message = "{message_id}"', text)
    assert pinned != text, "the sample's case.toml has no [notice] message line to change"
    case_toml.write_text(pinned, encoding="utf-8")


# --- shape -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_one_parameters_cell_first_naming_the_sample(name: str) -> None:
    nb = _read(name)
    code = [c for c in nb.cells if c.cell_type == "code"]
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0] is code[0]
    assert 'CASE = "../data/sample/case.toml"' in tagged[0].source
    if name.startswith("05"):
        assert "OUT = " in tagged[0].source


@pytest.mark.parametrize("name", NAMES)
def test_outputs_kept_only_where_nbval_checks_them(name: str) -> None:
    for cell in _read(name).cells:
        if cell.cell_type == "code" and CHECK not in cell.source:
            assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.parametrize("name", NAMES)
def test_no_markup_built_from_data(name: str) -> None:
    """Tables go through workbench.show (escaped); nothing is displayed as HTML or Markdown."""
    source = "\n".join(c.source for c in _read(name).cells if c.cell_type == "code")
    for forbidden in ("HTML(", "Markdown(", "display(", "IPython", "_repr_html_",
                      ".style", "unsafe_allow_html", "escape=False"):
        assert forbidden not in source


# --- a second case ---------------------------------------------------------------------------

def _earlier_request(sample: pipeline.Prepared) -> str:
    """The earliest timed victim → respondent message before the sample's own request."""
    msgs = sample.analysis.messages
    mine = msgs[(msgs["direction"] == "victim_to_respondent") & msgs["sent_at"].notna()
                & (msgs["duplicate_of"] == "") & msgs["kind"].isin(["text", "media"])]
    if sample.analysis.notice.found:
        mine = mine[mine["sent_at"] < sample.analysis.notice.earliest]
    if mine.empty:
        pytest.skip("the sample has no victim → respondent message before its request to pin")
    return str(mine.sort_values("sent_at").iloc[0]["message_id"])


def _numbers(text: str) -> dict[str, str]:
    return dict(line.rsplit(": ", 1) for line in text.splitlines() if ": " in line)


def test_04_with_another_stop_request_gives_that_cases_numbers(tmp_path: Path) -> None:
    toml = copy_sample(tmp_path)
    original = pipeline.prepare(case_file.load(toml))
    pin_notice(toml, _earlier_request(original))
    expected = pipeline.prepare(case_file.load(toml)).analysis
    summary, tz = expected.summary, "Europe/London"
    assert (summary["respondent_contacts_after_notice"]["total"]
            != original.analysis.summary["respondent_contacts_after_notice"]["total"])

    nb = run("04_contact_after_request", tmp_path, CASE=str(toml))

    got = _numbers(stream_of(nb, "counts_text"))
    when = pd.Timestamp(summary["notice"]["sent_at"]).tz_convert(tz)
    assert got["stop request"].startswith(when.strftime("%Y-%m-%d %H:%M:%S"))
    assert got["respondent → victim after the request"] == str(
        summary["respondent_contacts_after_notice"]["total"])
    assert got["respondent → victim before the request"] == str(
        summary["respondent_contacts_before_notice"]["total"])
    assert got["victim → respondent after the request"] == str(
        summary["victim_contacts_after_notice"]["total"])
    assert got["third parties → victim after the request"] == str(
        summary["third_party_contacts_after_notice"]["total"])
    victim = stream_of(nb, "victim_after_text").strip()
    n_victim = summary["victim_contacts_after_notice"]["total"]
    assert victim == (workbench.NONE_FOUND if n_victim == 0 else
                      f"{n_victim} message(s) from the victim to a respondent after the request")


# --- hostile text ----------------------------------------------------------------------------

def test_04_lists_each_contact_and_escapes_harasser_markup(tmp_path: Path) -> None:
    rows = "2024-03-10 09:00,,sms,person:dana,person:rob,text,Do not contact me.,photo 1\n"
    rows += f'2024-03-11 10:00,,sms,person:rob,person:dana,text,"{HOSTILE[0]}",photo 2\n'
    rows += (f'2024-03-11 11:00,,phone,phone:07700 900456,person:dana,missed_call,'
             f'"{HOSTILE[1]}",photo 3\n')
    rows += '2024-03-11 12:00,,sms,person:rob,person:dana,text,"$x^2$ rtl\u202eexe.txt",photo 4\n'
    toml = make_case(tmp_path / "case", rows)
    nb = run("04_contact_after_request", tmp_path, CASE=str(toml))

    counts = _numbers(stream_of(nb, "counts_text"))
    assert counts["respondent → victim after the request"] == "3"
    assert counts["respondent → victim after, by platform"] == "phone 1, sms 2"
    assert stream_of(nb, "victim_after_text").strip() == workbench.NONE_FOUND
    html = "\n".join(outputs(nb, "text/html"))
    for body in HOSTILE:
        assert body not in html
        assert body.replace("<", "&lt;").replace(">", "&gt;") in html
    parsed = Parsed(html)
    assert parsed.tags <= SAFE_TAGS                 # no <script>, no <img>: only table markup
    for body in HOSTILE:
        assert body in parsed.text                  # shown to the volunteer as the text it is
    assert "rtl[U+202E]exe.txt" in html and "\u202e" not in html
    assert "tex2jax_ignore" in html                       # MathJax leaves $x^2$ as typed
    assert outputs(nb, "text/markdown") == []


def test_timeline_filters_run_on_a_case_with_markup(tmp_path: Path) -> None:
    rows = "2024-03-10 09:00,,sms,person:dana,person:rob,text,Do not contact me.,photo 1\n"
    rows += f'2024-03-11 10:00,,sms,person:rob,person:dana,text,"{HOSTILE[0]}",photo 2\n'
    toml = make_case(tmp_path / "case", rows)
    nb = run("03_timeline", tmp_path, CASE=str(toml))
    html = "\n".join(outputs(nb, "text/html"))
    assert HOSTILE[0] not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert Parsed(html).tags <= SAFE_TAGS
    assert len(outputs(nb, "image/png")) >= 3                  # charts are images


# --- evidence --------------------------------------------------------------------------------

def test_05_writes_the_pack_and_lists_each_file_with_its_hash(tmp_path: Path) -> None:
    toml = copy_sample(tmp_path)
    out = tmp_path / "pack"
    nb = run("05_evidence_pack", tmp_path, CASE=str(toml), OUT=str(out))
    listed = stream_of(nb, CHECK).split()
    assert {"report.html", "report.pdf", "summary.json", "manifest.json",
            "contacts_after_notice.csv"} <= set(listed)
    html = "\n".join(outputs(nb, "text/html"))
    for name in listed:
        assert (out / name).is_file()
        assert evidence.sha256_file(out / name) in html
    custody = [json.loads(line) for line in (toml.parent / evidence.CUSTODY).read_text(
        encoding="utf-8").splitlines()]
    assert [e["action"] for e in custody] == ["intake", "report"]


def test_01_shows_a_changed_source_and_05_refuses(tmp_path: Path) -> None:
    toml = copy_sample(tmp_path)
    case = case_file.load(toml)
    evidence.intake(case, tool_version="test")
    source = case.sources[0].path
    source.write_bytes(source.read_bytes() + b"\n")

    nb = run("01_intake", tmp_path, CASE=str(toml))
    status = stream_of(nb, "check_evidence")
    assert status.startswith("changed: 1 difference(s)")
    assert case.sources[0].relpath in "\n".join(outputs(nb, "text/html"))

    with pytest.raises(papermill.PapermillExecutionError, match="evidence changed"):
        run("05_evidence_pack", tmp_path, CASE=str(toml), OUT=str(tmp_path / "pack"))
    assert not (tmp_path / "pack" / "report.html").exists()
