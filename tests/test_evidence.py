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


# --- a source gone since intake, intake never re-baselining silently --------------------------

def test_a_source_deleted_after_intake_is_missing_since_intake_exit_1(tmp_path, capsys):
    path = make_case(tmp_path, LOG)
    assert main(["intake", str(path)]) == 0
    (tmp_path / "exports" / "log.csv").unlink()
    assert main(["verify", str(path)]) == 1
    assert "missing since intake: exports/log.csv" in capsys.readouterr().out
    assert main(["report", str(path), "--out", str(tmp_path / "pack")]) == 1
    err = capsys.readouterr().err
    assert "missing since intake: exports/log.csv" in err and "fix the path" not in err
    assert not (tmp_path / "pack").exists()


def test_a_case_file_source_never_taken_in_and_absent_stays_a_case_error(folder_case, capsys):
    text = folder_case.read_text()
    folder_case.write_text(text + '\n[[sources]]\npath = "exports/never.csv"\n'
                           'format = "incident_log"\n')
    for args in (["verify", str(folder_case)], ["intake", str(folder_case)],
                 ["report", str(folder_case), "--out", str(folder_case.parent / "pack")]):
        assert main(args) == 2, args
        err = capsys.readouterr().err
        assert "sources[2].path" in err and "does not exist" in err and err.count("\n") == 1


def test_intake_refuses_a_changed_source_and_keeps_the_manifest(folder_case, capsys):
    manifest = (folder_case.parent / "manifest.json").read_bytes()
    (folder_case.parent / "exports" / "log.csv").write_bytes(b"edited")
    assert main(["intake", str(folder_case)]) == 1
    err = capsys.readouterr().err
    assert "changed: exports/log.csv" in err and "--accept-change" in err
    assert (folder_case.parent / "manifest.json").read_bytes() == manifest
    assert main(["verify", str(folder_case)]) == 1           # the lock still holds


def test_intake_refuses_a_missing_file_and_accept_change_records_both_hashes(folder_case,
                                                                             capsys):
    exports = folder_case.parent / "exports"
    old_hash = evidence.sha256_file(exports / "log.csv")
    (exports / "letters" / "a.txt").unlink()
    (exports / "log.csv").write_bytes(b"when,timezone,platform,from,to,kind,description,"
                                      b"evidence\n")
    assert main(["intake", str(folder_case)]) == 1
    assert "missing since intake: exports/letters/a.txt" in capsys.readouterr().err
    assert main(["intake", str(folder_case), "--accept-change",
                 "fuller export received 2024-05-02"]) == 0
    out = capsys.readouterr().out
    assert "accepted (fuller export received 2024-05-02): changed: exports/log.csv" in out
    entries = evidence.read_custody(case_mod.load(folder_case))
    accepted = next(e for e in entries if e["action"] == "accept_change")
    assert accepted["details"]["reason"] == "fuller export received 2024-05-02"
    changes = {c["path"]: c for c in accepted["details"]["changes"]}
    assert changes["exports/log.csv"]["sha256_before"] == old_hash
    assert changes["exports/log.csv"]["sha256_after"] == evidence.sha256_file(exports / "log.csv")
    assert changes["exports/letters/a.txt"]["status"] == "missing"
    assert main(["verify", str(folder_case)]) == 0


def test_intake_takes_in_an_added_file_and_names_it(folder_case, capsys):
    (folder_case.parent / "exports" / "letters" / "b.txt").write_bytes(b"second letter")
    assert main(["intake", str(folder_case)]) == 0
    assert "added: exports/letters/b.txt" in capsys.readouterr().out
    assert main(["verify", str(folder_case)]) == 0


def test_intake_with_nothing_changed_keeps_the_manifest_bytes(folder_case, capsys):
    manifest = (folder_case.parent / "manifest.json").read_bytes()
    assert main(["intake", str(folder_case)]) == 0
    assert (folder_case.parent / "manifest.json").read_bytes() == manifest


def test_an_empty_accept_change_reason_is_refused(folder_case, capsys):
    assert main(["intake", str(folder_case), "--accept-change", " "]) == 2
    assert "expected the reason" in capsys.readouterr().err


# --- the custody log under concurrency ----------------------------------------------------------

def _append_many(case_file, n):
    case = case_mod.load(case_file)
    for i in range(n):
        evidence.append_custody(case, "note", {"n": i})


def test_appends_from_several_processes_at_once_keep_one_chain(folder_case):
    import multiprocessing

    procs = [multiprocessing.get_context("fork").Process(target=_append_many,
                                                         args=(folder_case, 25))
             for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
        assert p.exitcode == 0
    case = case_mod.load(folder_case)
    entries = evidence.read_custody(case)
    assert len(entries) == 1 + 100
    assert [e["seq"] for e in entries] == list(range(1, 102))
    assert evidence.check_custody(case) == []


def test_a_torn_last_line_is_reported_and_does_not_hide_the_source_check(folder_case, capsys):
    log = folder_case.parent / "custody.jsonl"
    with open(log, "ab") as fh:
        fh.write(b'{"action": "verify", "at": "2024-')               # a crash mid-write
    problems = evidence.check_custody(case_mod.load(folder_case))
    assert problems and "line 2: the last entry is torn" in problems[-1]
    (folder_case.parent / "exports" / "letters" / "a.txt").write_bytes(b"edited")
    assert main(["verify", str(folder_case)]) == 1
    out = capsys.readouterr().out
    assert "changed: exports/letters/a.txt" in out and "torn" in out
    assert log.read_bytes().endswith(b'"at": "2024-')              # kept, never dropped


def test_a_damaged_line_inside_the_log_is_reported_not_dropped(folder_case):
    case = case_mod.load(folder_case)
    evidence.append_custody(case, "note", {"n": 1})
    log = folder_case.parent / "custody.jsonl"
    lines = log.read_bytes().split(b"\n")
    lines[0] = lines[0][:-5]
    log.write_bytes(b"\n".join(lines))
    problems = evidence.check_custody(case)
    assert any("line 1: not a custody entry" in p for p in problems)


def test_a_databases_write_ahead_log_is_evidence_too(tmp_path, capsys):
    """The -wal beside a phone database holds rows the readers apply: intake hashes it with
    the database, and a log changed or gone since (the app checkpointed it) is a finding."""
    from pathlib import Path

    from tests.helpers import with_unflushed_log

    sample = Path(__file__).resolve().parents[1] / "data" / "sample" / "formats" / "android"
    def change(conn):
        conn.execute("INSERT INTO calls (number, date, duration, type) "
                     "VALUES ('+447700900456', 1, 0, 3)")

    db = with_unflushed_log(sample / "calllog.db", tmp_path / "exports" / "phone", change)
    sources = ('[[sources]]\npath = "exports/phone/calllog.db"\nformat = "android_calllog"\n'
               'owner = "dana"\n')
    case = make_case(tmp_path, sources=sources)
    assert main(["intake", str(case)]) == 0
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert [f["path"] for f in manifest["files"]] == ["exports/phone/calllog.db",
                                                      "exports/phone/calllog.db-wal"]
    wal = db.with_name("calllog.db-wal")
    data = bytearray(wal.read_bytes())
    data[-1] ^= 1
    wal.write_bytes(bytes(data))
    capsys.readouterr()
    assert main(["verify", str(case)]) == 1
    assert any(line.startswith("changed: exports/phone/calllog.db-wal")
               for line in capsys.readouterr().out.splitlines())
    wal.unlink()
    assert main(["verify", str(case)]) == 1
    assert "missing since intake: exports/phone/calllog.db-wal" in capsys.readouterr().out
