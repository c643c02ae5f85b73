"""report.pdf: the same sections as the HTML, Unicode shown (or a visible placeholder), long
tables split across pages with their header repeated, a row cap pointing to the CSV, and the
same bytes from the same inputs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from whoa_analysis.reports import _content
from whoa_analysis.reports import pdf as pdf_module

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
    assert f"Showing the first 100 of {LONG + 1} rows ({LONG + 1 - 100} left out here: the PDF " \
        "shows at most 100 contact rows, all its tables together); every row is in " \
        "contacts_after_notice.csv and report.html." in body
    assert "spam number 098" in body and "spam number 099" not in body
    html = (long_pack / "report.html").read_text(encoding="utf-8")
    assert "spam number 139" in html             # the HTML lists every row


@pytest.fixture(scope="module")
def shared_pack(tmp_path_factory) -> Path:
    """Contact rows in three tables (respondent, victim, third party), 30 rows for all."""
    folder = tmp_path_factory.mktemp("shared")
    def rows(n, sender, to, label, minute):
        return [(f"2024-03-{12 + i // 24:02d}T{i % 24:02d}:{minute:02d}:00Z", "phone",
                 sender, to, "message", f"{label} {i:03d}") for i in range(n)]
    extra = (rows(40, "phone:07700 900456", "person:dana", "from rob", 10)
             + rows(20, "person:dana", "person:rob", "from dana", 20)
             + rows(20, "phone:+44 7700 900321", "person:dana", "from sam", 30))
    case_file = make_case(folder / "case", ROWS[:2] + extra,
                          extra="\n[report]\nmax_pdf_rows = 30\n")
    run_pack(case_file, folder / "pack")
    return folder / "pack"


def test_the_cap_is_shared_by_every_contact_table(shared_pack):
    body = flat("\n".join(pages(shared_pack / "report.pdf")))
    # 30 rows for three tables: 10 each, each table saying how many it leaves out and where
    for total, name in ((20, "victim_messages_after_notice.csv"),
                        (40, "contacts_after_notice.csv"),
                        (20, "third_party_contacts_after_notice.csv")):
        assert f"Showing the first 10 of {total} rows ({total - 10} left out here: the PDF " \
            f"shows at most 30 contact rows, all its tables together); every row is in {name} " \
            "and report.html." in body, name
    for label in ("from rob", "from dana", "from sam"):
        assert f"{label} 009" in body and f"{label} 010" not in body, label
    html = (shared_pack / "report.html").read_text(encoding="utf-8")
    assert all(f"{label} 019" in html for label in ("from rob", "from dana", "from sam"))


@pytest.mark.parametrize(("sizes", "cap", "expected"), [
    ([5, 100, 100], 30, [5, 13, 12]),       # what the short table leaves goes to the others
    ([0, 50, 0], 10, [0, 10, 0]),
    ([3, 4], 100, [3, 4]),                  # under the cap: everything
    ([10, 10, 10], 2, [1, 1, 0]),           # fewer rows than tables: the earlier ones
    ([7, 7], 0, [0, 0]),
])
def test_shares_split_the_cap_fairly(sizes, cap, expected):
    got = _content.shares(sizes, cap)
    assert got == expected
    assert sum(got) <= cap and all(0 <= g <= n for g, n in zip(got, sizes))


@pytest.fixture(scope="module")
def wordy_pack(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("wordy")
    words = " ".join(f"word{i:03d}" for i in range(60))       # 479 characters
    case_file = make_case(folder / "case", ROWS[:2] + [
        ("2024-03-12T09:00:00Z", "discord", "discord:robz", "person:dana", "message", words)])
    run_pack(case_file, folder / "pack")
    return folder / "pack"


def test_a_long_cell_is_cut_visibly_and_kept_whole_elsewhere(wordy_pack):
    text = "\n".join(pages(wordy_pack / "report.pdf"))
    body = flat(text)
    assert "word000" in body and "word019" not in body         # the 200-character excerpt, cut
    assert "…" in body and pdf_module.CUT_NOTE in body
    # hashes and ids are never cut: the record's SHA-256 is there in full
    sha = pd.read_parquet(wordy_pack / "messages.parquet").set_index("body") \
        .loc[" ".join(f"word{i:03d}" for i in range(60)), "record_sha256"]
    assert sha in "".join(text.split())
    with open(wordy_pack / "contacts_after_notice.csv", encoding="utf-8") as fh:
        assert "word019" in fh.read()                           # the CSV keeps the excerpt


def test_the_pointers_name_the_files_the_pack_writes():
    from whoa_analysis import pipeline
    written = {key: name for name, key in pipeline.SIDE_TABLES.items()}
    assert {**written, "respondent_after": "contacts_after_notice.csv"} == _content.CONTACT_TABLES
