"""Evidence under attack: changed sources, a missing manifest entry, one file under two names,
an edited custody entry, and no file written anywhere but the output folder."""

from __future__ import annotations

import json
import os

from tests.helpers import make_case
from whoa_analysis import case as case_mod
from whoa_analysis import evidence
from whoa_analysis.cli import main

NOTICE = ("2024-03-10 09:00,Europe/London,letter,person:dana,person:rob,letter,"
          "Do not contact me in any way in the future.,copy kept\n")
AFTER = "2024-03-11 19:05,Europe/London,phone,phone:07700 900456,person:dana,call,rang,\n"


def _tree(root):
    return {p.relative_to(root).as_posix(): p.stat().st_mtime_ns
            for p in root.rglob("*") if p.is_file()}


def test_report_writes_only_its_outputs_and_the_case_records(tmp_path, monkeypatch):
    case = make_case(tmp_path / "case", NOTICE + AFTER)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    before = _tree(tmp_path)
    assert main(["report", str(case), "--out", str(tmp_path / "pack")]) == 0
    after = _tree(tmp_path)
    new = sorted(set(after) - set(before))
    assert all(p.startswith("pack/") for p in new if p not in (
        "case/manifest.json", "case/custody.jsonl")), new
    changed = [p for p in before if after.get(p) != before[p]]
    assert changed == []                       # originals untouched, nothing rewritten
    assert not any(work.iterdir())             # nothing dropped in the working folder


def test_a_manifest_entry_removed_by_hand_is_reported(tmp_path, capsys):
    case = make_case(tmp_path, NOTICE + AFTER)
    assert main(["intake", str(case)]) == 0
    manifest = tmp_path / "manifest.json"
    data = json.loads(manifest.read_text())
    data["files"] = []
    manifest.write_text(json.dumps(data))
    assert main(["verify", str(case)]) == 1
    assert "unlisted: exports/log.csv" in capsys.readouterr().out


def test_one_file_under_two_names_counts_once(tmp_path):
    case = make_case(tmp_path, NOTICE + AFTER, sources=(
        '[[sources]]\npath = "exports/log.csv"\nformat = "incident_log"\nowner = "dana"\n'
        'timezone = "Europe/London"\n\n[[sources]]\npath = "exports/copy.csv"\n'
        'format = "incident_log"\nowner = "dana"\ntimezone = "Europe/London"\n'))
    os.link(tmp_path / "exports" / "log.csv", tmp_path / "exports" / "copy.csv")
    assert main(["report", str(case), "--out", str(tmp_path / "pack")]) == 0
    summary = json.loads((tmp_path / "pack" / "summary.json").read_text())
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    hashes = [f["sha256"] for f in manifest["files"]]
    assert len(hashes) == 2 and hashes[0] == hashes[1]
    assert summary["duplicates_merged"] == 2
    assert summary["respondent_contacts_after_notice"]["total"] == 1


def test_an_edited_custody_entry_stops_the_report(tmp_path, capsys):
    case = make_case(tmp_path, NOTICE + AFTER)
    assert main(["report", str(case), "--out", str(tmp_path / "pack")]) == 0
    log = tmp_path / "custody.jsonl"
    text = log.read_text().replace('"action": "intake"', '"action": "intake-x"', 1)
    log.write_text(text)
    assert evidence.check_custody(case_mod.load(case))
    assert main(["report", str(case), "--out", str(tmp_path / "pack2")]) == 1
    assert "edited" in capsys.readouterr().err
    assert not (tmp_path / "pack2").exists()
