"""Skype, Snapchat, Google Voice, MSN and Trillian sources in one case: their accounts resolve
to people, their contacts after the request are counted, and Skype and Snapchat get a desk."""

from __future__ import annotations

import shutil
from pathlib import Path

from whoa_analysis import case as case_mod
from whoa_analysis import pipeline

CASE = """\
[case]
id = "TEST-19"
title = "Dana Example: legacy IM and app exports"
timezone = "Europe/London"
region = "GB"

[[people]]
id = "dana"
role = "victim"
name = "Dana Example"
accounts = ["phone:+44 7700 900123", "skype:live:dana_example", "snapchat:dana_example",
            "im:Dana", "im:dana.example"]

[[people]]
id = "rob"
role = "respondent"
name = "Rob Offender"
accounts = ["phone:07700 900456", "skype:live:rob_offender", "snapchat:rob_o",
            "im:Rob ~ you'll answer", "im:rob_offender"]

[[sources]]
path = "exports/incident_log.csv"
format = "incident_log"
owner = "dana"
timezone = "Europe/London"
{sources}
"""
SOURCES = ["skype/messages.json", "snapchat/chat_history.json", "google_voice/Takeout",
           "msn/Rob1234567890.xml", "trillian/ICQ/Query/rob%5Foffender.xml"]


def test_the_new_sources_count_as_contact_after_the_request(tmp_path: Path, sample: Path):
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "incident_log.csv").write_text(
        "when,timezone,platform,from,to,kind,description,evidence\n"
        "2024-03-10T09:00:00Z,,letter,person:dana,person:rob,letter,"
        "Do not contact me in any way in the future.,\n", encoding="utf-8")
    entries = []
    for rel in SOURCES:
        target = exports / rel
        source = sample / "formats" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if source.is_dir() else shutil.copyfile)(source, target)
        entries.append(f'\n[[sources]]\npath = "exports/{rel}"\nformat = "auto"\nowner = "dana"\n')
    (tmp_path / "case.toml").write_text(CASE.format(sources="".join(entries)), encoding="utf-8")
    case = case_mod.load(tmp_path / "case.toml")
    pipeline.ensure_evidence(case, say=lambda _: None)
    prepared = pipeline.prepare(case)
    after = prepared.analysis.tables["respondent_after"]
    by_platform = after["platform"].astype(str).value_counts().to_dict()
    # Skype: 5 direct rows from Rob after the request (text, call, media, deleted, text);
    # Snapchat: 3 direct; Google Voice: a text and a picture, the missed call and the voicemail;
    # MSN: 3 (two texts, the file invitation); Trillian: 2 texts. Posts in the Skype, Snapchat
    # and Google Voice groups are group activity, counted apart (DESIGN 4.3).
    assert by_platform == {"skype": 5, "snapchat": 3, "sms": 2, "phone": 2, "im": 5}
    pipeline.write_pack(prepared, tmp_path / "pack", say=lambda _: None,
                        generated_at="2024-04-01T12:00:00Z")
    drafts = {p.stem: p.read_text(encoding="utf-8")
              for p in (tmp_path / "pack" / "complaints").glob("*.txt")}
    assert {"platform-microsoft-skype", "platform-snapchat"} <= set(drafts)
    assert "skype:live:rob_offender" in drafts["platform-microsoft-skype"]
    assert "snapchat:rob_o" in drafts["platform-snapchat"]
