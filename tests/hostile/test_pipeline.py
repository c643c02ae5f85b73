"""The hostile case through the whole pipeline: an mbox, a WhatsApp export, an SMS backup and an
incident log whose bodies, names, subjects and attachment names carry spreadsheet formulas,
markup and hostile file names. One pack is built (module fixture) and every output is checked:

- messages.csv, contacts_after_notice.csv, the side tables and the XLSX: no cell a spreadsheet
  would run (neutralised), plain numbers left alone;
- messages.parquet: the exact text of every payload;
- report.html: no markup from the data becomes a tag or attribute; the CSP forbids scripts and
  remote loads;
- complaints: fixed file names, plain text with controls shown, .eml drafts whose headers no
  data can add to, platform-pack CSVs neutralised;
- the notebook table (workbench.show): escaped HTML;
- nothing written outside the output folder (besides the case's manifest and custody log).
"""

from __future__ import annotations

import csv
import html.parser
import re
from pathlib import Path

import pandas as pd
import pytest

from whoa_analysis import case as case_mod
from whoa_analysis import pipeline, workbench
from whoa_analysis.reports import tables

from . import corpus as C
from .test_attribution import CASE

STAMP = "2024-04-01T12:00:00Z"
NOTICE = "Do not contact me in any way in the future."
SOURCES = """
[report]
xlsx = true

[[sources]]
path = "exports/Inbox.mbox"
format = "mbox"
owner = "dana"

[[sources]]
path = "exports/WhatsApp Chat with Rob.txt"
format = "whatsapp"
owner = "dana"
timezone = "Europe/London"

[[sources]]
path = "exports/sms-20240401000000.xml"
format = "sms_backup"
owner = "dana"

[[sources]]
path = "exports/incident_log.csv"
format = "incident_log"
owner = "dana"
timezone = "Europe/London"
"""
FORMULA_LIST = list(C.FORMULAS.values())
MARKUP_LIST = list(C.MARKUP.values())
#: Formulas a WhatsApp line can carry (no line breaks inside a header line).
CHAT_FORMULAS = [f for f in FORMULA_LIST if "\r" not in f]


def _mails() -> list[C.Mail]:
    mails = [C.Mail(sender=f'"{f}" <rob@example.net>', subject=f, body=f,
                    date=f"Mon, 11 Mar 2024 1{i % 10}:00:00 +0000")
             for i, f in enumerate(FORMULA_LIST) if "\x00" not in f and "\r" not in f]
    mails += [C.Mail(subject=m, body=m, date="Mon, 11 Mar 2024 12:30:00 +0000")
              for m in MARKUP_LIST]
    names = [*C.BAD_NAMES.values(), *FORMULA_LIST]
    mails.append(C.Mail(subject="files", body="see attached", date="Tue, 12 Mar 2024 09:00:00 "
                        "+0000", attachments=[(C.attachment_disposition(n), b"MZ") for n in names]))
    mails.append(C.Mail(raw=C.html_mail("http://tracker.example")))
    return mails


def _chat() -> bytes:
    lines = [(f"13/03/2024, 10:{i:02d}", "Rob", f) for i, f in enumerate(CHAT_FORMULAS)]
    lines += [(f"13/03/2024, 11:{i:02d}", "Rob", m) for i, m in enumerate(MARKUP_LIST)]
    lines += [("13/03/2024, 12:00", "=HYPERLINK(\"http://evil.example\")", "who am I"),
              ("13/03/2024, 12:01", "Rob", "-5"), ("13/03/2024, 12:02", "Rob", "-")]
    return C.whatsapp(lines)


def _sms() -> bytes:
    texts = [f for f in FORMULA_LIST if "\x00" not in f] + MARKUP_LIST + C.EXACT[1:]
    return C.sms_xml([C.sms(t, when_ms=1710150000000 + i * 60000, name="@SUM(1+1)")
                      for i, t in enumerate(texts)])


def _log() -> bytes:
    rows = [("2024-03-10T09:00:00Z", "", "letter", "person:dana", "person:rob", "letter",
             NOTICE, "copy kept")]
    rows += [(f"2024-03-14T10:{i:02d}:00Z", "", "phone", "phone:07700 900456", "person:dana",
              "call", t, t) for i, t in enumerate(FORMULA_LIST + MARKUP_LIST + C.EXACT)]
    rows += [("2024-03-15T10:00:00Z", "", "letter", "person:rob", "person:dana", "letter",
              "names", n) for n in C.BAD_NAMES.values()]
    return C.incident_log(rows)


def _tree(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): p.stat().st_mtime_ns
            for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    import os

    root = tmp_path_factory.mktemp("hostile_case")
    folder = root / "case"
    (folder / "exports").mkdir(parents=True)
    (folder / "exports" / "Inbox.mbox").write_bytes(C.mbox(_mails()))
    (folder / "exports" / "WhatsApp Chat with Rob.txt").write_bytes(_chat())
    (folder / "exports" / "sms-20240401000000.xml").write_bytes(_sms())
    (folder / "exports" / "incident_log.csv").write_bytes(_log())
    (folder / "case.toml").write_text(CASE + SOURCES, encoding="utf-8")
    work = root / "cwd"
    work.mkdir()
    before = _tree(root)
    old = Path.cwd()
    os.chdir(work)
    try:
        case = case_mod.load(folder / "case.toml")
        pipeline.ensure_evidence(case, say=lambda _: None)
        prepared = pipeline.prepare(case)
        written = pipeline.write_pack(prepared, root / "pack", say=lambda _: None,
                                      generated_at=STAMP)
    finally:
        os.chdir(old)
    return {"root": root, "pack": root / "pack", "before": before, "after": _tree(root),
            "written": written, "prepared": prepared}


# --------------------------------------------------------------------------- spreadsheets

_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?|-")


def runs_as_formula(cell: str) -> bool:
    """What a spreadsheet may run: a formula character first, also after spaces or NULs."""
    first = cell.lstrip(" \x00")[:1]
    return first != "" and first in "=+-@\t\r" and not _PLAIN_NUMBER.fullmatch(cell)


def _csv_cells(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as fh:
        return [cell for row in csv.reader(fh) for cell in row]


@pytest.mark.parametrize("name", ["messages.csv", "contacts_after_notice.csv",
                                  "victim_messages_after_notice.csv", "undetermined.csv",
                                  "unattributed_contacts_after_notice.csv", "import_report.csv",
                                  "complaints/platform-whatsapp/messages.csv"])
def test_no_csv_cell_runs_as_a_formula(built, name):
    cells = _csv_cells(built["pack"] / name)
    assert [c for c in cells if runs_as_formula(c)] == []


def test_the_payloads_reached_the_viewing_tables_neutralised(built):
    cells = set(_csv_cells(built["pack"] / "messages.csv"))
    for payload in FORMULA_LIST:                    # bodies (incident log, SMS, mail)
        assert "'" + payload in cells, payload
    assert "'=HYPERLINK(\"http://evil.example\")" in cells               # a WhatsApp name
    assert "-5" in cells and "-" in cells                                 # plain data alone
    contacts = set(_csv_cells(built["pack"] / "contacts_after_notice.csv"))
    assert any(c.startswith("'=cmd|") for c in contacts)


def test_no_xlsx_cell_is_a_formula(built):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(built["pack"] / "contacts_after_notice.xlsx")
    seen = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.coordinate
                if isinstance(cell.value, str):
                    assert not runs_as_formula(cell.value), (sheet.title, cell.coordinate)
                    seen += cell.value.startswith("'=")
    assert seen >= len(FORMULA_LIST)


@pytest.mark.parametrize("value", list(C.FORMULAS.values()))
def test_neutralise_catches_every_payload(value):
    assert not runs_as_formula(str(tables.neutralise(value)))


# --------------------------------------------------------------------------- Parquet exact


def test_parquet_keeps_every_payload_exactly(built):
    df = pd.read_parquet(built["pack"] / "messages.parquet")
    bodies = set(df["body"])
    for text in FORMULA_LIST + MARKUP_LIST + C.EXACT:      # the incident log carries all
        assert text in bodies, repr(text)
    attachments = set(df["attachments"])
    for name in C.BAD_NAMES.values():
        assert name in attachments, repr(name)
    mail = df[df["subject"] == "files"]["attachments"].iloc[0]
    assert mail == ";".join([*C.BAD_NAMES.values(), *FORMULA_LIST])
    # a header value starts after the colon's white space (RFC 5322 unfolding)
    assert set(df["subject"]) >= {f.lstrip(" \t") for f in FORMULA_LIST
                                  if "\x00" not in f and "\r" not in f}


def test_counts_survive_the_pipeline(built):
    msgs = built["prepared"].analysis.messages
    by_format = msgs.groupby("source_format", observed=True).size().to_dict()
    assert by_format["mbox"] == len(_mails())
    assert by_format["whatsapp"] == len(CHAT_FORMULAS) + len(MARKUP_LIST) + 3 + 1
    assert by_format["sms_backup"] == len(FORMULA_LIST) - 1 + len(MARKUP_LIST) + len(C.EXACT) - 1
    assert by_format["incident_log"] == 1 + len(FORMULA_LIST + MARKUP_LIST + C.EXACT) + len(
        C.BAD_NAMES)
    assert pd.read_parquet(built["pack"] / "messages.parquet").shape[0] == len(msgs)


# --------------------------------------------------------------------------- report.html


class _Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def _page(built) -> str:
    return (built["pack"] / "report.html").read_text(encoding="utf-8")


def test_report_has_no_markup_from_the_data(built):
    page = _page(built)
    parser = _Tags()
    parser.feed(page)
    names = {t for t, _ in parser.tags}
    assert not names & {"script", "iframe", "svg", "object", "embed", "link", "base", "form"}
    for tag, attrs in parser.tags:
        for key, value in attrs:
            assert not key.startswith("on"), (tag, key)
            if key in ("src", "href") and value:
                assert value.startswith(("data:image/png;base64,", "#")), (tag, key, value[:40])
    for payload in MARKUP_LIST:
        assert payload not in page
    assert "&lt;script&gt;document.title=" in page      # shown, as text


def test_report_csp_forbids_scripts_and_remote_loads(built):
    head = _page(built).split("</head>", 1)[0]
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', head)
    assert csp and "default-src 'none'" in csp.group(1)
    assert "script-src" not in csp.group(1) and "http" not in csp.group(1)


def test_report_fetches_nothing_from_the_tracking_mail(built):
    assert "tracker.example" not in re.sub(r"&[a-z]+;|&#\d+;", "", "".join(
        re.findall(r'(?:src|href)="[^"]*"', _page(built))))


# --------------------------------------------------------------------------- complaints


SLUGS = re.compile(r"(police|platform-[a-z0-9-]+|phone-trace-request|web-host|cease-and-desist"
                   r"|redaction-key)\.txt|mail-abuse-\d\d\.eml|arf/\d{3}\.eml"
                   r"|platform-[a-z0-9-]+/(messages\.csv|messages\.pdf|redactions\.txt)")


def test_complaint_files_have_fixed_names_and_plain_text(built):
    folder = built["pack"] / "complaints"
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert names and all(SLUGS.fullmatch(n) for n in names), names
    assert "mail-abuse-01.eml" in names and "arf/001.eml" in names
    for path in folder.glob("*.txt"):
        text = path.read_text(encoding="utf-8")
        assert "\x00" not in text and "\u202e" not in text and "\r" not in text
        assert "&lt;" not in text and "&#" not in text             # plain text, not HTML
    police = (folder / "police.txt").read_text(encoding="utf-8")
    assert "[U+202E]" in police                        # the RLO shown, not obeyed


def test_complaint_drafts_carry_only_our_own_header_fields(built):
    import email
    from email import policy

    allowed = {"x-unsent", "date", "to", "cc", "subject", "mime-version", "content-type",
               "content-transfer-encoding", "content-disposition", "content-description"}
    drafts = sorted((built["pack"] / "complaints").rglob("*.eml"))
    assert drafts
    for path in drafts:
        msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        parts = [msg, *msg.iter_parts()]
        for part in parts:
            assert {k.lower() for k in part} <= allowed, (path.name, part.keys())
        assert [p.defects for p in parts if p.defects] == []


def test_nothing_in_the_pack_is_named_from_content(built):
    allowed = re.compile(r"[a-z_]+\.(csv|parquet|json|html|pdf|xlsx)|figures/[a-z]+\.png|"
                         r"complaints/(" + SLUGS.pattern + ")")
    names = [p.relative_to(built["pack"]).as_posix() for p in built["pack"].rglob("*")
             if p.is_file()]
    assert [n for n in names if not allowed.fullmatch(n)] == []


def test_nothing_written_outside_the_output_folder(built):
    before, after = built["before"], built["after"]
    new = sorted(set(after) - set(before))
    assert [p for p in new if not p.startswith("pack/")] == ["case/custody.jsonl",
                                                             "case/manifest.json"]
    assert [p for p in before if after.get(p) != before[p]] == []        # originals untouched
    assert all(Path(p).parts[0] != "cwd" for p in after)                 # nothing in the cwd


# --------------------------------------------------------------------------- notebooks


def test_notebook_table_of_hostile_bodies_is_escaped(built):
    msgs = built["prepared"].analysis.messages
    shown = workbench.show(msgs, ["sender_display", "subject", "body", "attachments"],
                           rows=len(msgs))._repr_html_()
    parser = _Tags()
    parser.feed(shown)
    assert {t for t, _ in parser.tags} <= {"table", "thead", "tbody", "tr", "th", "td", "p"}
    assert all(not attrs or all(k in ("class", "border", "style") for k, _ in attrs)
               for _, attrs in parser.tags)
    for payload in MARKUP_LIST:
        assert payload not in shown
    # plain pandas repr too (what a notebook shows for a bare frame)
    assert "<script>document" not in msgs[["body"]].to_html()
