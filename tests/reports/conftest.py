"""A small case built in tmp_path from an incident log: a stop request by letter, then contact
from the respondent (some of it hostile markup and formulas), a reply by the victim, a new
number, a third party; and helpers to run the pipeline on it with a fixed stamp."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from whoa_analysis import case as case_mod
from whoa_analysis import pipeline

STAMP = "2024-04-01T12:00:00Z"
PIXEL = "http://127.0.0.1:{port}/pixel"
CASE_TOML = """\
[case]
id = "TEST-006"
title = "Dana Example: test case <b>bold</b>"
timezone = "Europe/London"
region = "GB"
prepared_for = "Test Constabulary"
prepared_by = "Volunteer <script>alert(1)</script>"

[[people]]
id = "dana"
role = "victim"
name = "Dana Example"
accounts = ["phone:+44 7700 900123", "discord:dana_e", "whatsapp:Dana Example"]

[[people]]
id = "rob"
role = "respondent"
name = "Rob Offender"
accounts = ["phone:07700 900456", "discord:robz", "whatsapp:Rob", "email:rob@example.net"]

[[people]]
id = "sam"
role = "third_party"
name = "Sam Friend"
accounts = ["phone:+44 7700 900321"]

[[sources]]
path = "exports/incident_log.csv"
format = "incident_log"
owner = "dana"
timezone = "Europe/London"
"""
STOP = "Do not contact me in any way in the future."
#: (when, platform, from, to, kind, description)
ROWS = [
    ("2024-03-01T10:00:00Z", "phone", "phone:07700 900456", "person:dana", "call", "call before"),
    ("2024-03-10T09:00:00Z", "letter", "person:dana", "person:rob", "letter", STOP),
    ("2024-03-11T19:05:00Z", "phone", "phone:07700 900456", "person:dana", "missed_call",
     "Missed call, 2 rings"),
    ("2024-03-12T08:00:00Z", "letter", "person:rob", "person:dana", "letter",
     "<script>document.title='PWNED';document.body.append('PWNED')</script> hi"),
    ("2024-03-12T09:00:00Z", "discord", "discord:robz", "person:dana", "message",
     "<img src=x onerror=\"document.title='PWNED'\"> look"),
    ("2024-03-12T10:00:00Z", "discord", "discord:robz", "person:dana", "message",
     "<a href=\"javascript:document.title='PWNED'\">click</a>"),
    ("2024-03-13T11:00:00Z", "discord", "discord:robz", "person:dana", "message",
     "<img src=\"{pixel}\"> seen"),
    ("2024-03-13T12:00:00Z", "discord", "discord:robz", "person:dana", "message",
     "</td></tr></table><script>document.title='PWNED'</script>"),
    ("2024-03-14T12:00:00Z", "whatsapp", "whatsapp:Rob", "person:dana", "message",
     "=HYPERLINK(\"http://evil.example/\",\"click\") 你好 😀 \u202eevil"),
    ("2024-03-15T12:00:00Z", "whatsapp", "person:dana", "person:rob", "message",
     "Please stop."),
    ("2024-03-16T13:00:00Z", "phone", "phone:+44 7700 900789", "person:dana", "call",
     "-2+3 new number"),
    ("2024-03-17T14:00:00Z", "phone", "phone:+44 7700 900321", "person:dana", "call",
     "Sam checking in"),
    ("", "letter", "person:rob", "person:dana", "letter", "undated letter"),
]


def incident_csv(rows: list[tuple[str, ...]], port: int = 9) -> str:
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(["when", "timezone", "platform", "from", "to", "kind", "description",
                  "evidence"])
    for when, platform, sender, to, kind, text in rows:
        out.writerow([when, "", platform, sender, to, kind,
                      text.replace("{pixel}", PIXEL.format(port=port)), "notes"])
    return buf.getvalue()


def make_case(folder: Path, rows: list[tuple[str, ...]] = ROWS, port: int = 9,
              extra: str = "") -> Path:
    (folder / "exports").mkdir(parents=True, exist_ok=True)
    (folder / "exports" / "incident_log.csv").write_text(incident_csv(rows, port),
                                                         encoding="utf-8")
    (folder / "case.toml").write_text(CASE_TOML + extra, encoding="utf-8")
    return folder / "case.toml"


def run_pack(case_file: Path, out: Path, stamp: str = STAMP) -> list[Path]:
    case = case_mod.load(case_file)
    pipeline.ensure_evidence(case, say=lambda _: None)
    prepared = pipeline.prepare(case)
    return pipeline.write_pack(prepared, out, say=lambda _: None, generated_at=stamp)


def twins(case_file: Path, folder: Path, n: int) -> list[Path]:
    """``n`` copies of a taken-in case with the same manifest and custody log: making a pack
    adds to the custody log (which the next report shows), so byte-for-byte comparisons start
    each pack from the same records."""
    case = case_mod.load(case_file)
    pipeline.ensure_evidence(case, say=lambda _: None)
    copies = []
    for i in range(n):
        target = folder / f"twin{i}"
        shutil.copytree(case_file.parent, target, ignore=shutil.ignore_patterns("pack*"))
        copies.append(target / case_file.name)
    return copies


@pytest.fixture(scope="module")
def case_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_case(tmp_path_factory.mktemp("case"))


@pytest.fixture(scope="module")
def pack(case_file: Path) -> Path:
    """The pack of the hostile test case (built once per test module; do not modify it)."""
    out = case_file.parent / "pack"
    run_pack(case_file, out)
    return out
