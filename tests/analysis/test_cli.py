"""``whoa accounts`` and ``whoa report`` on tiny incident-log cases written into tmp_path."""

from __future__ import annotations

import csv
import json

from whoa_analysis import cli

from .conftest import write_case

HEADER = "when,timezone,platform,from,to,kind,description,evidence\n"
SOURCE = """
[[sources]]
path = "log.csv"
format = "incident_log"
owner = "dana"
timezone = "Europe/London"
"""


def _case(tmp_path, lines: str):
    (tmp_path / "log.csv").write_text(HEADER + lines, encoding="utf-8")
    return write_case(tmp_path, sources=SOURCE)


def _line(output: str, account: str) -> str:
    return next(line for line in output.splitlines() if line.startswith(account + " ")
                or line.strip().startswith(account + " "))


def test_accounts_lists_every_account_and_suggests_without_applying(tmp_path, capsys):
    case = _case(tmp_path, (
        "2024-03-09 10:00,,phone,phone:07700 900456,person:dana,call,Call from Rob,\n"
        "2024-03-09 11:00,,phone,phone:07700 900456,person:dana,call,Again,\n"
        "2024-03-10T09:00:00Z,,email,person:dana,person:rob,message,"
        "Do not contact me in any way in the future.,\n"
        "2024-03-11 19:05,,phone,phone:07700 900789,person:dana,missed_call,Unknown number,\n"
        "2024-03-12 08:00,,telegram,telegram:+44 7700 900456,person:dana,message,Blocked?,\n"))
    assert cli.main(["accounts", str(case.file)]) == 0
    out = capsys.readouterr().out
    rob_phone = _line(out, "phone:+447700900456")
    assert " rob " in rob_phone and " 2 " in rob_phone
    assert "2024-03-09T10:00:00" in rob_phone and "2024-03-09T11:00:00" in rob_phone
    unknown = _line(out, "phone:+447700900789")
    assert "2024-03-11T19:05:00" in unknown
    # Suggested, never applied: the account stays without a person in the table.
    telegram = _line(out, "telegram:+44 7700 900456")
    assert "rob" not in telegram.replace("telegram:+44 7700 900456", "")
    suggestions = out.split("suggestions")[1]
    assert "same phone number as phone:+447700900456" in suggestions
    assert "phone:+447700900789" in suggestions and "after the stop request" in suggestions
    # An account seen only as a recipient is listed too, with the person who holds it.
    dana = _line(out, "person:dana")
    assert " dana " in dana and " victim " in dana


def test_report_without_a_request_still_writes_the_pack(tmp_path, capsys):
    case = _case(tmp_path, "2024-03-11 19:05,,phone,phone:07700 900456,person:dana,call,x,\n")
    out = tmp_path / "pack"
    assert cli.main(["report", str(case.file), "--out", str(out), "--workers", "1"]) == 0
    printed = capsys.readouterr().out
    assert "no stop request found" in printed
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["notice"] is None
    assert "no stop request found" in summary["notice_problems"][0]
    assert summary["messages_total"] == 1
    assert summary["sources"][0]["path"] == "log.csv" and summary["sources"][0]["rows"] == 1
    with open(out / "contacts_after_notice.csv", encoding="utf-8", newline="") as fh:
        table = list(csv.reader(fh))
    assert table[0][:3] == ["sent_at_utc", "sent_at_local", "platform"] and len(table) == 1
