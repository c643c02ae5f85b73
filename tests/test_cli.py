"""The CLI as a user meets it: one-line errors with exit 2, outputs identical across hosts."""

from __future__ import annotations

import os
import subprocess
import sys

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
