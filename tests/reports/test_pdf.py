"""report.pdf: the same sections as the HTML, Unicode shown (or a visible placeholder), long
tables split across pages with their header repeated, a row cap pointing to the CSV, and the
same bytes from the same inputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from whoa_analysis.reports import _content

from .conftest import ROWS, make_case, run_pack, twins

pypdf = pytest.importorskip("pypdf", reason="pypdf (extra 'test') reads the PDF's text")


def pages(path: Path) -> list[str]:
    return [p.extract_text() for p in pypdf.PdfReader(path).pages]


@pytest.fixture(scope="module")
def text(pack: Path) -> str:
    return "\n".join(pages(pack / "report.pdf"))


def flat(value: str) -> str:
    return " ".join(value.split())


def test_every_section_is_there_in_order(text):
    body = flat(text)
    positions = [body.index(title) for _, title in _content.SECTIONS[1:]]
    assert positions == sorted(positions)
    for needle in ("Content warning", _content.NO_LEGAL, "no email sources",
                   "Do not contact me in any way in the future.", "Please stop.",
                   "Test Constabulary", "2024-04-01T12:00:00Z (UTC) by whoa_analysis"):
        assert needle in body, needle


def test_characters_the_font_lacks_show_a_placeholder(text):
    assert "[U+4F60][U+597D]" in text            # 你好: DejaVu Sans has no CJK
    assert "[U+202E]evil" in text                # a direction override is shown, not obeyed
    assert "<script>document.title=" in text     # markup is just text in a PDF


def test_the_creation_date_is_the_injected_stamp_and_bytes_repeat(case_file, tmp_path):
    first, second = twins(case_file, tmp_path, 2)
    run_pack(first, tmp_path / "a")
    run_pack(second, tmp_path / "b")
    a, b = ((tmp_path / x / "report.pdf").read_bytes() for x in "ab")
    assert a == b
    assert b"D:20240401120000" in a


LONG = 140


@pytest.fixture(scope="module")
def long_pack(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("long")
    spam = [(f"2024-03-{12 + i // 24:02d}T{i % 24:02d}:30:00Z", "discord", "discord:robz",
             "person:dana", "message", f"spam number {i:03d}") for i in range(LONG)]
    case_file = make_case(folder / "case", ROWS[:3] + spam,
                          extra="\n[report]\nmax_pdf_rows = 100\n")
    run_pack(case_file, folder / "pack")
    return folder / "pack"


def test_a_long_table_repeats_its_header_on_every_page(long_pack):
    with_rows = [p for p in pages(long_pack / "report.pdf") if "spam number" in p]
    assert len(with_rows) >= 3
    assert all("evidence reference" in flat(p) for p in with_rows)


def test_rows_beyond_the_cap_point_to_the_csv(long_pack):
    body = flat("\n".join(pages(long_pack / "report.pdf")))
    assert f"Showing the first 100 of {LONG + 1} rows; every row is in contacts_after_notice.csv" \
        in body
    assert "spam number 098" in body and "spam number 099" not in body
    html = (long_pack / "report.html").read_text(encoding="utf-8")
    assert "spam number 139" in html             # the HTML lists every row
