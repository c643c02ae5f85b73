"""The CLI as a user meets it: one-line errors with exit 2, outputs identical across hosts."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys

import pytest

from tests.helpers import make_case
from whoa_analysis.cli import main


def test_formats_lists_every_reader(capsys):
    from whoa_analysis import readers

    assert main(["formats"]) == 0
    out = capsys.readouterr().out
    for name in readers.READERS:
        assert name in out
    assert "recognises:" in out


def test_read_writes_csv_and_parquet(sample, tmp_path, capsys):
    src = sample / "exports" / "incident_log.csv"
    assert main(["read", str(src), "--tz", "Europe/London", "--out", str(tmp_path / "t.csv")]) == 0
    assert main(["read", str(src), "--tz", "Europe/London", "--out",
                 str(tmp_path / "t.parquet")]) == 0
    import pandas as pd

    assert len(pd.read_parquet(tmp_path / "t.parquet")) == 3
    assert (tmp_path / "t.csv").read_text().count("\n") == 4


def test_user_mistakes_get_one_line_and_exit_2(tmp_path, capsys):
    cases = [["read", str(tmp_path / "nope.txt"), "--out", str(tmp_path / "x.csv")],
             ["report", str(tmp_path / "missing.toml"), "--out", str(tmp_path / "o")],
             ["read", __file__, "--out", str(tmp_path / "x.csv")],
             ["read", __file__, "--format", "nonsense", "--out", str(tmp_path / "x.csv")]]
    for args in cases:
        assert main(args) == 2, args
        err = capsys.readouterr().err
        assert err.startswith("whoa: error: ") and err.count("\n") == 1, err
        assert "Traceback" not in err


def _run_report(case, out, tz, lang):
    env = {**os.environ, "TZ": tz, "LC_ALL": lang, "LANG": lang}
    subprocess.run([sys.executable, "-m", "whoa_analysis.cli", "report", str(case), "--out",
                    str(out), "--workers", "1"], check=True, env=env, capture_output=True)
    return (out / "messages.csv").read_bytes(), (out / "contacts_after_notice.csv").read_bytes()


def test_outputs_identical_whatever_the_host_zone_and_locale(tmp_path):
    rows = ("2024-03-10 09:00,Europe/London,letter,person:dana,person:rob,letter,"
            "Do not contact me in any way in the future.,copy kept\n"
            "2024-03-11 19:05,Europe/London,phone,phone:07700 900456,person:dana,call,rang,\n"
            "2024-10-27 01:30,Europe/London,phone,phone:07700 900456,person:dana,call,rang,\n")
    case = make_case(tmp_path, rows)
    first = _run_report(case, tmp_path / "a", "America/New_York", "C")
    second = _run_report(case, tmp_path / "b", "Asia/Tokyo", "C.UTF-8")
    assert first == second
    assert b"2024-03-11T19:05:00.000000Z" in first[0]


# --- where a pack may go ------------------------------------------------------------------------

NOTICE = ("2024-03-10 09:00,Europe/London,letter,person:dana,person:rob,letter,"
          "Do not contact me in any way in the future.,copy kept\n"
          "2024-03-11 19:05,Europe/London,phone,phone:07700 900456,person:dana,call,rang,\n")


def _tree(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() if p.is_file() else None
            for p in sorted(folder.rglob("*"))}


def _refused(args, capsys, *words):
    assert main(args) == 2, args
    err = capsys.readouterr().err
    assert err.startswith("whoa: error: --out") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for word in words:
        assert word in err, err


def test_out_the_case_folder_or_a_file_or_inside_exports_is_one_line_nothing_written(
        tmp_path, capsys):
    case = make_case(tmp_path / "case", NOTICE)
    (tmp_path / "notes.txt").write_text("mine")
    before = _tree(tmp_path)
    for out, words in ((tmp_path / "case", ["is the case folder"]),
                       (tmp_path / "notes.txt", ["is a file"]),
                       (tmp_path / "case" / "case.toml", ["is a file"]),
                       (tmp_path / "case" / "exports" / "pack", ["inside the case's exports"]),
                       (tmp_path / "case" / "exports", ["holds the case's evidence"]),
                       (tmp_path, ["holds the case folder"])):
        _refused(["report", str(case), "--out", str(out)], capsys, *words)
        _refused(["report", str(case), "--out", str(out), "--force"], capsys, *words)
    assert _tree(tmp_path) == before            # no intake, no pack, no partial folder


def test_an_existing_folder_with_files_needs_force_which_replaces_it_whole(tmp_path, capsys):
    case = make_case(tmp_path / "case", NOTICE)
    out = tmp_path / "pack"
    out.mkdir()
    (out / "old.txt").write_text("an earlier pack")
    _refused(["report", str(case), "--out", str(out)], capsys, "already holds files", "--force")
    assert not (tmp_path / "case" / "manifest.json").exists()       # refused before intake
    assert main(["report", str(case), "--out", str(out), "--force", "--workers", "1"]) == 0
    assert not (out / "old.txt").exists() and (out / "report.pdf").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case", "pack"]
    (tmp_path / "empty").mkdir()                # an empty folder is used as it is
    assert main(["report", str(case), "--out", str(tmp_path / "empty"), "--workers", "1"]) == 0


# --- the errors of a report name the case file's keys -----------------------------------------

CHAT = "01/02/2024, 10:00 - Rob: hi\n03/04/2024, 11:00 - Dana: no\n"


def _chat_case(tmp_path, source_keys):
    case = make_case(tmp_path, NOTICE, sources=(
        '[[sources]]\npath = "exports/log.csv"\nformat = "incident_log"\nowner = "dana"\n'
        'timezone = "Europe/London"\n\n[[sources]]\npath = "exports/chat.txt"\n'
        f'owner = "dana"\n{source_keys}'))
    (tmp_path / "exports" / "chat.txt").write_text(CHAT, encoding="utf-8")
    return case


def test_report_errors_name_the_case_file_key_not_read_options(tmp_path, capsys):
    for keys, setting, example in (("", "timezone", '"Europe/London"'),
                                   ('timezone = "Europe/London"\n', "date_order", '"dmy"')):
        case = _chat_case(tmp_path / setting, keys)
        assert main(["report", str(case), "--out", str(tmp_path / setting / "pack"),
                     "--workers", "1"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err
        assert f"sources[1].{setting}" in err and f"{setting} = {example}" in err, err
        assert "case.toml" in err
        assert "--tz" not in err and "--date-order" not in err, err


def test_read_still_names_its_own_options(tmp_path, capsys):
    (tmp_path / "chat.txt").write_text(CHAT, encoding="utf-8")
    assert main(["read", str(tmp_path / "chat.txt"), "--out", str(tmp_path / "x.csv")]) == 2
    assert "--tz" in capsys.readouterr().err
    assert main(["read", str(tmp_path / "chat.txt"), "--tz", "Europe/London", "--out",
                 str(tmp_path / "x.csv")]) == 2
    assert "--date-order" in capsys.readouterr().err


# --- verify-pack: needs nothing but the pack ----------------------------------------------------

@pytest.fixture(scope="module")
def handed_over(tmp_path_factory):
    """A pack moved away from its case, and the case deleted: what a receiver holds."""
    root = tmp_path_factory.mktemp("handover")
    case = make_case(root / "case", NOTICE)
    assert main(["report", str(case), "--out", str(root / "made"), "--workers", "1"]) == 0
    shutil.move(root / "made", root / "received")
    shutil.rmtree(root / "case")
    return root / "received"


def test_verify_pack_passes_an_intact_pack_alone(handed_over, tmp_path, capsys):
    pack = shutil.copytree(handed_over, tmp_path / "p")
    assert main(["verify-pack", str(pack)]) == 0
    assert "intact" in capsys.readouterr().out


def test_verify_pack_catches_one_flipped_byte_in_any_file(handed_over, tmp_path, capsys):
    pack = shutil.copytree(handed_over, tmp_path / "p")
    files = sorted(p for p in pack.rglob("*") if p.is_file())
    assert len(files) > 15 and pack / "pack_manifest.json" in files
    for file in files:
        data = file.read_bytes()
        flipped = bytearray(data)
        flipped[len(data) // 2] ^= 0x01
        file.write_bytes(bytes(flipped))
        assert main(["verify-pack", str(pack)]) == 1, file
        out = capsys.readouterr().out
        name = file.relative_to(pack).as_posix()
        assert f"changed: {name}" in out, (name, out)
        file.write_bytes(data)
    assert main(["verify-pack", str(pack)]) == 0


def test_verify_pack_names_a_removed_and_an_extra_file(handed_over, tmp_path, capsys):
    pack = shutil.copytree(handed_over, tmp_path / "p")
    (pack / "messages.csv").unlink()
    (pack / "figures" / "extra.png").write_bytes(b"x")
    assert main(["verify-pack", str(pack)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert "missing: messages.csv" in out
    assert any(line.startswith("extra: figures/extra.png") for line in out)
    (pack / "pack_manifest.json").unlink()
    assert main(["verify-pack", str(pack)]) == 1
    assert "missing: pack_manifest.json" in capsys.readouterr().out


def test_the_pack_manifest_ties_the_pack_to_the_case_manifest(handed_over):
    import json

    body = json.loads((handed_over / "pack_manifest.json").read_text())
    assert body["case_manifest_sha256"] == hashlib.sha256(
        (handed_over / "manifest.json").read_bytes()).hexdigest()
    assert len(body["custody_head_sha256"]) == 64 and body["tool_version"]
    listed = {f["path"] for f in body["files"]}
    assert {"report.html", "report.pdf", "summary.json", "manifest.json", "messages.csv"} <= listed
