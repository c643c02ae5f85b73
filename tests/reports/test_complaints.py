"""complaints/*.txt: one draft per destination, marked as a draft, fixed file names, the facts a
desk asks for, the full headers for mail, and nothing of the victim it does not need."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pandas as pd
import pytest

from whoa_analysis import case as case_mod
from whoa_analysis import pipeline
from whoa_analysis.reports import complaints

from .conftest import ROWS, STAMP, make_case

HEADERS = ("Received: from evil-host.example (evil-host.example [203.0.113.9])\r\n"
           "\tby mx.example.org; Tue, 12 Mar 2024 10:00:00 +0000\r\n"
           "From: Rob <rob@example.net>\r\nTo: dana@example.org\r\n"
           "Message-ID: <abc123@example.net>\r\nSubject: ../../etc/passwd\r\n")


def drafts(pack: Path) -> dict[str, str]:
    return {p.name: p.read_bytes().decode("utf-8") for p in (pack / "complaints").glob("*.txt")}


def test_one_draft_per_destination_with_fixed_names(pack):
    assert sorted(drafts(pack)) == ["phone-network.txt", "platform-discord.txt",
                                    "platform-whatsapp.txt", "police.txt"]


def test_every_draft_says_it_is_a_draft(pack):
    for name, body in drafts(pack).items():
        assert body.splitlines()[0] == complaints.DRAFT, name


def test_platform_draft_has_utc_times_ids_and_only_the_victims_platform_account(pack):
    body = drafts(pack)["platform-discord.txt"]
    assert "Account(s) reported: discord:robz" in body
    assert "The account that received them: discord:dana_e" in body
    assert "2024-03-12T09:00:00Z | discord | from discord:robz" in body
    assert "evidence id " in body and "source exports/incident_log.csv line:6" in body
    assert "+44 7700 900123" not in body and "Dana Example" not in body
    assert "whatsapp" not in body.split("Messages after the request")[1]


def test_police_summary_lists_request_counts_contacts_and_sources(pack):
    body = drafts(pack)["police.txt"]
    assert 'Its words: "Do not contact me in any way in the future."' in body
    assert "Contacts from the reported person after it: 7" in body
    assert "phone:+447700900789: 1" in body
    assert "exports/incident_log.csv" in body and "bytes" in body
    assert "+44 7700 900123" not in body


def test_text_from_messages_cannot_break_a_line_or_reorder_it():
    assert complaints.plain("a\nb\r\nc\u202ed\x00") == "a ⏎ b ⏎ c[U+202E]d[U+0000]"


class FakeTrace(types.SimpleNamespace):
    pass


def fake_trace(raw, own_domains=(), own_hosts=()):
    return FakeTrace(
        hops=pd.DataFrame({"hop": [1], "from_host": ["evil-host.example"],
                           "ip": ["203.0.113.9"], "trust": ["handoff"]}),
        handoff="mx.example.org received from evil-host.example [203.0.113.9]",
        originating_ip="203.0.113.9", dkim_domains=["example.net"],
        auth_results={"spf": "pass", "dkim": "pass"},
        abuse_contacts=[{"address": "abuse@example.net", "what": "sender's mail service",
                         "how_found": "RFC 2142, From domain"},
                        {"address": "abuse@<script>.example", "what": "network",
                         "how_found": "handoff host"}],
        forgeable_note="Headers below the handoff may be forged.")


@pytest.fixture
def mail_pack(tmp_path, monkeypatch) -> Path:
    rows = ROWS[:2] + [("2024-03-12T10:00:00Z", "email", "email:rob@example.net",
                        "person:dana", "message", "mail body")]
    case = case_mod.load(make_case(tmp_path / "case", rows))
    pipeline.ensure_evidence(case, say=lambda _: None)
    prepared = pipeline.prepare(case)
    after = prepared.analysis.tables["respondent_after"]
    is_mail = after["platform"].astype(str) == "email"
    after["headers_raw"] = pd.Series([HEADERS if m else "" for m in is_mail], index=after.index)
    after["email_message_id"] = pd.Series(["<abc123@example.net>" if m else "" for m in is_mail],
                                          index=after.index)
    monkeypatch.setitem(sys.modules, "whoa_analysis.analysis.trace",
                        types.SimpleNamespace(trace=fake_trace))
    pipeline.write_pack(prepared, tmp_path / "pack", say=lambda _: None, generated_at=STAMP)
    return tmp_path / "pack"


def test_mail_abuse_drafts_carry_the_full_headers(mail_pack):
    found = drafts(mail_pack)
    assert {"mail-abuse-01.txt", "mail-abuse-02.txt"} <= set(found)  # never named from data
    body = found["mail-abuse-02.txt"]
    assert body.startswith(complaints.DRAFT)
    assert "To: abuse@example.net (sender's mail service; found: RFC 2142, From domain)" in body
    assert "Message-ID <abc123@example.net>" in body and "originating IP: 203.0.113.9" in body
    assert "Received: from evil-host.example (evil-host.example [203.0.113.9])\r\n" in body
    assert "Subject: ../../etc/passwd" in body


def test_the_email_appendix_shows_the_trace_escaped(mail_pack):
    page = (mail_pack / "report.html").read_text(encoding="utf-8")
    appendix = page[page.index('id="email"'):page.index('id="exhibits"')]
    assert "no email sources" not in appendix
    assert "abuse@&lt;script&gt;.example" in appendix and "<script>" not in appendix
    assert "203.0.113.9" in appendix and "spf=pass; dkim=pass" in appendix
    assert "Message-ID: &lt;abc123@example.net&gt;" in appendix        # full headers, verbatim


def test_without_the_trace_module_the_appendix_says_so(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "whoa_analysis.analysis.trace", None)  # import fails
    from whoa_analysis.reports import _mail

    assert _mail.tracer() is None
