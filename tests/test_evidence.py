"""Evidence intake: hashes recorded, changes found, the custody chain tamper-evident."""

from __future__ import annotations

import json

import pytest

from tests.helpers import make_case
from whoa_analysis import case as case_mod
from whoa_analysis import evidence
from whoa_analysis.cli import main

LOG = "2024-03-11 19:05,Europe/London,phone,phone:07700 900456,person:dana,call,rang,\n"


@pytest.fixture
def folder_case(tmp_path):
    """A case whose second source is a folder, so files can appear in it."""
    (tmp_path / "exports" / "letters").mkdir(parents=True)
    (tmp_path / "exports" / "letters" / "a.txt").write_bytes(b"first letter")
    sources = ('[[sources]]\npath = "exports/log.csv"\nformat = "incident_log"\n'
               'timezone = "Europe/London"\n\n[[sources]]\npath = "exports/letters"\n'
               'format = "incident_log"\n')
    path = make_case(tmp_path, LOG, sources=sources)
    assert main(["intake", str(path)]) == 0
    return path


def test_intake_records_every_file_and_originals_are_unchanged(folder_case):
    before = (folder_case.parent / "exports" / "log.csv").read_bytes()
    manifest = json.loads((folder_case.parent / "manifest.json").read_text())
    paths = [f["path"] for f in manifest["files"]]
    assert paths == ["exports/log.csv", "exports/letters/a.txt"]
    assert manifest["files"][0]["sha256"] == evidence.sha256_bytes(before)
    assert (folder_case.parent / "exports" / "log.csv").read_bytes() == before


def test_verify_passes_when_nothing_changed(folder_case, capsys):
    assert main(["verify", str(folder_case)]) == 0
    assert "verified" in capsys.readouterr().out


def test_verify_names_changed_missing_and_unlisted(folder_case, capsys):
    exports = folder_case.parent / "exports"
    data = bytearray((exports / "log.csv").read_bytes())
    data[-3] ^= 1                                   # one changed byte
    (exports / "log.csv").write_bytes(bytes(data))
    (exports / "letters" / "a.txt").unlink()        # one removed file
    (exports / "letters" / "b.txt").write_bytes(b"new")  # one new file
    assert main(["verify", str(folder_case)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert any(line.startswith("changed: exports/log.csv") for line in out)
    assert any(line.startswith("missing since intake: exports/letters/a.txt") for line in out)
    assert "unlisted: exports/letters/b.txt" in out


def test_report_refuses_when_evidence_changed(folder_case, tmp_path, capsys):
    (folder_case.parent / "exports" / "letters" / "a.txt").write_bytes(b"edited")
    assert main(["report", str(folder_case), "--out", str(tmp_path / "pack")]) == 1
    err = capsys.readouterr().err
    assert "changed: exports/letters/a.txt" in err
    assert not (tmp_path / "pack").exists()


def test_report_does_intake_on_first_use_and_says_so(tmp_path, capsys):
    path = make_case(tmp_path, LOG)
    assert main(["report", str(path), "--out", str(tmp_path / "pack")]) == 0
    assert "intake: first run" in capsys.readouterr().out
    assert (tmp_path / "manifest.json").exists()
    assert main(["report", str(path), "--out", str(tmp_path / "pack"), "--force"]) == 0
    assert "intake: first run" not in capsys.readouterr().out


def test_custody_chain_detects_an_edited_entry(folder_case, capsys):
    case = case_mod.load(folder_case)
    evidence.append_custody(case, "note", {"text": "handed over on USB stick"})
    assert evidence.check_custody(case) == []
    log = folder_case.parent / "custody.jsonl"
    lines = log.read_text().splitlines()
    entry = json.loads(lines[0])
    entry["who"] = "someone-else"
    lines[0] = json.dumps(entry, sort_keys=True)
    log.write_text("\n".join(lines) + "\n")
    problems = evidence.check_custody(case)
    assert problems and "entry 1" in problems[0] and "edited" in problems[0]
    assert main(["verify", str(folder_case)]) == 1


def test_custody_chain_detects_a_removed_entry(folder_case):
    case = case_mod.load(folder_case)
    evidence.append_custody(case, "note", {"n": 1})
    evidence.append_custody(case, "note", {"n": 2})
    log = folder_case.parent / "custody.jsonl"
    lines = log.read_text().splitlines()
    log.write_text("\n".join([lines[0], lines[2]]) + "\n")
    assert any("entry 2" in p for p in evidence.check_custody(case))


def test_custody_entries_carry_who_when_what(folder_case):
    entries = evidence.read_custody(case_mod.load(folder_case))
    assert entries[0]["action"] == "intake"
    assert entries[0]["prev_sha256"] == "0" * 64
    assert set(entries[0]["details"]["files"]) == {"exports/log.csv", "exports/letters/a.txt"}
    assert entries[0]["who"] and entries[0]["at"].endswith("Z")
