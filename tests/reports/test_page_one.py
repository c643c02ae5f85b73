"""Issue 23 (report parts) and issue 17 (the report in German): page 1 of the PDF and the top of
report.html tell the finding, tie the printout to the files, DST times show both readings,
PDF tables never break an account key or a header word, and ``language = "de"`` gives a German
report whose quoted evidence is unchanged."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pypdf
import pytest

from whoa_analysis import case as case_mod
from whoa_analysis import pipeline
from whoa_analysis.cli import main
from whoa_analysis.reports import _content

from .conftest import CASE_TOML, run_pack

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def pdf_pages(path: Path) -> list[str]:
    return [p.extract_text() for p in pypdf.PdfReader(path).pages]


def flat(value: str) -> str:
    return " ".join(value.split())


def sample_pack(folder: Path, extra: str = "") -> Path:
    """``whoa report`` on a copy of the sample case, ``extra`` added to its [case] table."""
    shutil.copy(SAMPLE / "case.toml", folder / "case.toml")
    shutil.copytree(SAMPLE / "exports", folder / "exports")
    toml = (folder / "case.toml").read_text(encoding="utf-8")
    (folder / "case.toml").write_text(toml.replace('region = "GB"\n', f'region = "GB"\n{extra}',
                                                   1), encoding="utf-8")
    assert main(["report", str(folder / "case.toml"), "--out", str(folder / "pack"),
                 "--workers", "1"]) == 0
    return folder / "pack"


@pytest.fixture(scope="module")
def english(tmp_path_factory) -> Path:
    return sample_pack(tmp_path_factory.mktemp("en"))


@pytest.fixture(scope="module")
def german(tmp_path_factory) -> Path:
    return sample_pack(tmp_path_factory.mktemp("de"), 'language = "de"\n')


def expected_finding(pack: Path) -> tuple[int, int, int]:
    s = json.loads((pack / "summary.json").read_text(encoding="utf-8"))
    after = s["respondent_contacts_after_notice"]
    return after["total"], len(after["by_platform"]), s["victim_contacts_after_notice"]["total"]


# --- the finding, the counts and the manifest hash open the report ------------------------------

def test_pdf_page_one_tells_the_finding_the_counts_and_the_manifest_hash(english):
    n, k, m = expected_finding(english)
    assert (n, k, m) == (24, 7, 1)                       # the hand count (test_sample_case.py)
    page1 = flat(pdf_pages(english / "report.pdf")[0])
    assert (f"{n} contacts from Rob Offender on {k} channels after the stop request of March "
            f"10, 2024, 09:00 GMT; the victim wrote to the respondent once after it.") in page1
    assert "Headline counts" in page1 and "respondent → victim from email:rob@example.net" \
        in page1 and "before the request after the request undetermined" in page1
    manifest = english.parent / "manifest.json"
    assert hashlib.sha256(manifest.read_bytes()).hexdigest() in page1.replace(" ", "")
    assert "Parties and accounts" not in page1            # the parties' tables come after


def test_report_html_opens_with_the_finding_before_the_parties(english):
    page = (english / "report.html").read_text(encoding="utf-8")
    sha = hashlib.sha256((english.parent / "manifest.json").read_bytes()).hexdigest()
    finding = page.index("24 contacts from Rob Offender on 7 channels")
    assert page.index('id="cover"') < finding < page.index(sha) < page.index('id="counts"') \
        < page.index('id="parties"')


def test_the_finding_says_so_when_the_victim_wrote_nothing_after(tmp_path):
    rows = [("2024-03-10T09:00:00Z", "letter", "person:dana", "person:rob", "letter",
             "Do not contact me in any way in the future."),
            ("2024-03-11T19:05:00Z", "phone", "phone:07700 900456", "person:dana", "call", "")]
    from .conftest import make_case
    pack = tmp_path / "pack"
    run_pack(make_case(tmp_path, rows), pack)
    page1 = flat(pdf_pages(pack / "report.pdf")[0])
    assert "1 contact from Rob Offender on 1 channel after the stop request of March 10, 2024, " \
        "09:00 GMT; the victim wrote no message to the respondent after it." in page1


# --- DST: the warning and both readings in the report ---------------------------------------

DST_CSV = """\
when,timezone,platform,from,to,kind,description,evidence
2024-03-10 09:00,Europe/London,letter,person:dana,person:rob,letter,Do not contact me in any way in the future.,copy
2024-10-27 01:30,Europe/London,phone,phone:07700 900456,person:dana,call,rang in the repeated hour,
2025-03-30 01:30,Europe/London,phone,phone:07700 900456,person:dana,call,rang in the lost hour,
"""


@pytest.fixture(scope="module")
def dst_pack(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("dst")
    (folder / "exports").mkdir()
    (folder / "exports" / "incident_log.csv").write_text(DST_CSV, encoding="utf-8")
    (folder / "case.toml").write_text(CASE_TOML, encoding="utf-8")
    run_pack(folder / "case.toml", folder / "pack")
    return folder / "pack"


#: (warning, as exported, earlier reading, later reading, each in the case zone): 01:30 came
#: twice on 27 October 2024 (BST, then GMT) and never on 30 March 2025 (00:59 GMT -> 02:00 BST).
READINGS = [("ambiguous local time (clocks went back): both instants kept", "2024-10-27 01:30",
             "2024-10-27T00:30:00Z", "2024-10-27T01:30:00Z", "2024-10-27 01:30:00 BST",
             "2024-10-27 01:30:00 GMT"),
            ("non-existent local time (clocks went forward): both readings kept",
             "2025-03-30 01:30", "2025-03-30T00:30:00Z", "2025-03-30T01:30:00Z",
             "2025-03-30 00:30:00 GMT", "2025-03-30 02:30:00 BST")]


def test_a_time_in_a_dst_overlap_or_gap_shows_its_warning_and_both_readings(dst_pack):
    html = (dst_pack / "report.html").read_text(encoding="utf-8")
    contacts = html[html.index('id="contacts"'):html.index('id="others"')]
    pdf = flat(" ".join(pdf_pages(dst_pack / "report.pdf")))
    for warning, raw, first, last, first_local, last_local in READINGS:
        note = f"{warning}: \"{raw}\" as exported reads as {first} ({first_local}) or {last} " \
            f"({last_local})"
        assert note.replace('"', "&quot;") in contacts
        assert note in pdf
        assert f"{first}<br>or {last}" in contacts                # the time cell, both readings
    # the hour that came twice: the earlier reading is the BST one, local 01:30 both times
    assert "2024-10-27 01:30:00 BST<br>or 2024-10-27 01:30:00 GMT" in contacts


# --- PDF tables keep account keys and header words whole ------------------------------------

def unbroken(pages: list[str], word: str) -> bool:
    """``word`` is on the pages, and every time it is, it is on one line."""
    lines = [line for page in pages for line in page.splitlines()]
    joined = "".join(page.replace("\n", "") for page in pages)
    whole = sum(line.count(word) for line in lines)
    return whole > 0 and whole == joined.count(word)


def account_keys(pack: Path) -> set[str]:
    s = json.loads((pack / "summary.json").read_text(encoding="utf-8"))
    keys = set(s["respondent_contacts_after_notice"]["by_account"])
    keys |= set(s["respondent_contacts_before_notice"]["by_account"])
    keys |= {u["account"] for u in s["unattributed_accounts_after_notice"]}
    case = case_mod.load(pack.parent / "case.toml")
    keys |= {k for p in case.people for k in p.accounts_as_written if " " not in k}
    return keys


@pytest.mark.parametrize("language", ["english", "german"])
def test_pdf_tables_never_break_an_account_key(language, request):
    pack = request.getfixturevalue(language)
    pages = pdf_pages(pack / "report.pdf")
    keys = account_keys(pack)
    assert {"email:rob.offender@mailbox.example", "discord:robz", "phone:+447700900456",
            "discord:300000000000000003"} <= keys
    broken = [k for k in sorted(keys) if not unbroken(pages, k)]
    assert not broken


@pytest.mark.parametrize("language", ["english", "german"])
def test_pdf_tables_never_break_a_header_word_or_a_label_word(language, request):
    pack = request.getfixturevalue(language)
    pages = pdf_pages(pack / "report.pdf")
    prepared_case = case_mod.load(pack.parent / "case.toml")
    tables = [b for b in _report_blocks(prepared_case) if isinstance(b, _content.Table)]
    labels = [row[0] for t in tables if t.key_value for row in t.rows]      # a fact's label
    words = {w for t in tables if not t.key_value for col in t.columns for w in col.split()}
    words = {w for w in words | {w for label in labels for w in label.split()}
             if len(w) > 3 and re.fullmatch(r"[\w()#.-]+", w)}
    assert len(words) > 30
    broken = [w for w in sorted(words) if not unbroken(pages, w)]
    assert not broken


def _report_blocks(case: case_mod.Case) -> list:
    """The blocks the PDF was made from (the same case, read again)."""
    prepared = pipeline.prepare(case)
    inputs = pipeline._report_inputs(prepared, {}, "2024-04-01T12:00:00Z",
                                     prepared.analysis.tables["respondent_after"])
    return _content.build(inputs).blocks


# --- the report in German --------------------------------------------------------------------

GERMAN = ("Beweisbericht: Dana Example", "Die Zahlen im Überblick", "Beteiligte und Konten",
          "Die Aufforderung zur Kontaktunterlassung", "Kontakte nach der Aufforderung",
          "Verzeichnis der Beweisstücke", "Verwahrungsprotokoll", "Verarbeitungsprotokoll",
          "Inhaltswarnung", "Antragsgegner → Opfer")
ENGLISH = ("Evidence report", "Headline counts", "Parties and accounts", "The stop request",
           "Contacts after the request", "Exhibit list", "Custody log", "Processing log",
           "Content warning", "respondent → victim")


def test_a_german_case_writes_a_german_report_html(german):
    page = (german / "report.html").read_text(encoding="utf-8")
    assert '<html lang="de">' in page
    for word in GERMAN:
        assert word in page, word
    for word in ENGLISH:
        assert word not in page, word
    # times in the German layout, in the case zone; quoted evidence exactly as sent
    assert "2024-03-10T09:00:00Z (UTC); 10.03.2024 09:00:00 GMT (Europe/London)" in page
    assert "Do not contact me in any way in the future." in page
    assert "24 Kontakte von Rob Offender über 7 Kanäle nach der Aufforderung zur " \
        "Kontaktunterlassung vom 10. März 2024, 09:00 GMT; das Opfer schrieb dem " \
        "Antragsgegner danach einmal." in page


def test_how_the_request_was_found_and_received_and_each_kind_are_said_in_german(german):
    page = (german / "report.html").read_text(encoding="utf-8")
    assert "Formulierung „stop contacting me“ (English (en))" in page
    assert "der Antragsgegner" in page.split("Empfang", 1)[1][:400]
    for english in ("phrase '", "the respondent wrote", "the respondent replied",
                    "read receipt at", "pinned by the case file"):
        assert english not in page, english
    kinds = re.findall(r'<td class="[^"]*">(Text|Anruf|gelöscht|Medien)</td>', page)
    assert {"Text", "Anruf"} <= set(kinds), kinds
    assert not re.search(r"<td[^>]*>(text|call|deleted|media)</td>", page)
    # why an account is suggested, in German; the readers' English notes are said to be so
    assert "erstmals nach der Aufforderung gesehen und schrieb dem Opfer" in page
    assert "derselbe angezeigte Name wie discord:robz" in page
    assert "first seen after the stop request" not in page and "same display name" not in page
    assert "technische Angaben, die jeder Leser auf Englisch schreibt" in page
    # channels by their German words, services by their own names
    for row in ("Antragsgegner → Opfer über E-Mail", "Antragsgegner → Opfer über WhatsApp",
                "Antragsgegner → Opfer über persönlichen Kontakt"):
        assert row in page, row


def test_a_german_case_writes_a_german_report_pdf(german):
    pages = pdf_pages(german / "report.pdf")
    text = flat(" ".join(pages))
    for word in GERMAN:
        assert word in text, word
    for word in ENGLISH:
        assert word not in text, word
    assert "Seite 1 von" in flat(pages[0]) and "Die Zahlen im Überblick" in flat(pages[0])
    assert "Do not contact me in any way in the future." in text


def test_the_english_report_is_unchanged_by_the_catalogue(english):
    page = (english / "report.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page
    for word in ENGLISH:
        assert word in page, word
    assert "2024-03-10T09:00:00Z (UTC); 2024-03-10 09:00:00 GMT (Europe/London)" in page
    assert "same display name as discord:robz" in page
    assert "respondent → victim by in-person contact" in page
    assert "respondent → victim by Discord" in page
    assert "technical notes each reader writes in English" not in page
