"""complaints/: one draft per destination, marked as a draft, fixed file names, the facts a desk
asks for, the mail originals for mail desks, nothing of the victim a desk does not need, third
parties redacted in what goes to a platform (never for the police)."""

from __future__ import annotations

import csv
import sys
import types
from pathlib import Path

import pandas as pd
import pytest

from whoa_analysis import case as case_mod
from whoa_analysis import pipeline
from whoa_analysis.reports import complaints

from .conftest import ROWS, STAMP, make_case, run_pack

HEADERS = ("Received: from evil-host.example (evil-host.example [203.0.113.9])\r\n"
           "\tby mx.example.org; Tue, 12 Mar 2024 10:00:00 +0000\r\n"
           "From: Rob <rob@example.net>\r\nTo: dana@example.org\r\n"
           "Message-ID: <abc123@example.net>\r\nSubject: ../../etc/passwd\r\n")


def drafts(pack: Path) -> dict[str, str]:
    return {p.name: p.read_bytes().decode("utf-8") for p in (pack / "complaints").glob("*.txt")}


def test_one_draft_per_destination_with_fixed_names(pack):
    assert sorted(drafts(pack)) == ["cease-and-desist.txt", "phone-trace-request.txt",
                                    "platform-discord.txt", "platform-whatsapp.txt",
                                    "police.txt", "redaction-key.txt"]
    for slug in ("platform-discord", "platform-whatsapp"):
        assert sorted(p.name for p in (pack / "complaints" / slug).iterdir()) == [
            "messages.csv", "messages.pdf", "redactions.txt"]


def test_every_draft_says_it_is_a_draft(pack):
    for name, body in drafts(pack).items():
        if name != "redaction-key.txt":                 # a note for the volunteer, not a draft
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
    import email
    from email import policy

    names = sorted(p.name for p in (mail_pack / "complaints").glob("mail-abuse-*"))
    assert names == ["mail-abuse-01.eml"]               # never named from data
    msg = email.message_from_bytes((mail_pack / "complaints" / names[0]).read_bytes(),
                                   policy=policy.default)
    assert msg["X-Unsent"] == "1"
    # both desks the trace names are in the text; only the real address is in the header
    assert msg["To"] == "abuse@example.net" and "Cc" not in msg
    body = next(msg.iter_parts()).get_content().replace("\r\n", "\n")
    assert body.startswith(complaints.DRAFT)
    assert "To: abuse@example.net (sender's mail service; found: RFC 2142, From domain)" in body
    assert "abuse@<script>.example (network; found: handoff host)" in body
    assert "Message-ID <abc123@example.net>" in body and "originating IP: 203.0.113.9" in body
    assert "Received: from evil-host.example (evil-host.example [203.0.113.9])\n" in body
    assert "Subject: ../../etc/passwd" in body
    # an incident-log row is no mail file: nothing is attached, and the draft says why
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain"]
    assert "not attached: locator line:4 does not point at a message's bytes" in body


def test_a_mail_without_an_original_gets_an_arf_report_with_its_headers(mail_pack):
    import email
    from email import policy

    reports = sorted((mail_pack / "complaints" / "arf").iterdir())
    assert [p.name for p in reports] == ["001.eml"]
    msg = email.message_from_bytes(reports[0].read_bytes(), policy=policy.default)
    parts = list(msg.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "message/feedback-report",
                                                     "text/rfc822-headers"]
    fields = parts[1].get_payload()[0]
    assert fields["Source-IP"] is None          # the fake trace has no trusted handoff IP
    assert fields["Reported-Domain"] == "example.net"
    assert "Message-ID: <abc123@example.net>" in parts[2].get_content()


def test_platform_packs_redact_third_parties_and_the_police_draft_does_not(tmp_path):
    rows = ROWS[:2] + [
        ("2024-03-12T09:00:00Z", "discord", "discord:robz", "person:dana", "message",
         "Tell Sam Friend and +44 7700 900321 what you did. Samuel can stay."),
        ("2024-03-12T10:00:00Z", "phone", "phone:+44 7700 900321", "person:dana", "call",
         "Sam checking in")]
    out = tmp_path / "pack"
    run_pack(make_case(tmp_path / "case", rows), out)
    folder = out / "complaints"
    draft = (folder / "platform-discord.txt").read_text(encoding="utf-8")
    assert ("Tell [third party 1] and [third party 1] what you did. Samuel can stay."
            in draft)
    assert "Sam Friend" not in draft and "900321" not in draft
    with open(folder / "platform-discord" / "messages.csv", newline="",
              encoding="utf-8") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    assert "Tell [third party 1] and [third party 1] what you did. Samuel can stay." in cells
    assert not any("Sam Friend" in c or "900321" in c for c in cells)
    listed = (folder / "platform-discord" / "redactions.txt").read_text(encoding="utf-8")
    assert "[third party 1]: replaced in bodies 2" in listed and "Sam" not in listed
    key = (folder / "redaction-key.txt").read_text(encoding="utf-8")
    assert "[third party 1] = Sam Friend" in key
    police = (folder / "police.txt").read_text(encoding="utf-8")
    assert "Tell Sam Friend and +44 7700 900321 what you did." in police


def test_platform_pdf_lists_the_rows(pack):
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(pack / "complaints" / "platform-discord" / "messages.pdf")
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Discord Trust & Safety: messages after the request to stop" in text
    assert "discord:robz" in text and "2024-03-12T09:00:00Z" in text


def test_phone_trace_request_lists_each_call_with_number_time_and_duration(pack):
    body = drafts(pack)["phone-trace-request.txt"]
    assert "Your customer's number: +44 7700 900123" in body
    assert ("1. 2024-03-11T19:05:00Z (UTC; 2024-03-11 19:05:00 GMT) | call (missed_call) | "
            "number +447700900456 | duration not recorded in the export") in body
    assert "From numbers not attributed to anyone in the case file (1)" in body
    assert "number +447700900789" in body
    assert "+447700900321" not in body                   # the third party's call is not theirs


def test_cease_and_desist_states_the_request_the_date_and_the_counts(pack):
    body = drafts(pack)["cease-and-desist.txt"]
    assert "To: Rob Offender" in body
    assert "On 2024-03-10T09:00:00Z (UTC) Dana Example asked you, by letter" in body
    assert "Since then 7 contacts from you have been recorded" in body
    assert "  Discord: 4" in body               # the service by its own name
    for word in ("harass", "crime", "offence", "illegal", "unlawful", "stalk"):
        assert word not in body.lower(), word


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


WEB_SOURCES = """
[[sources]]
path = "exports/page.warc"
format = "web_capture"

[[sources]]
path = "exports/page.mhtml"
format = "web_capture"
"""


def test_web_host_draft_names_each_saved_page_with_its_host_ip_time_and_hash(tmp_path, sample):
    folder = tmp_path / "case"
    case_file = make_case(folder, ROWS[:2], extra=WEB_SOURCES)
    warc = (sample / "formats/web/the-truth-about-dana.warc").read_bytes()
    # the first capture records the server's address (a header field: lengths unchanged)
    warc = warc.replace(b"WARC-Type: response\r\n", b"WARC-Type: response\r\n"
                        b"WARC-IP-Address: 192.0.2.80\r\n", 1)
    (folder / "exports" / "page.warc").write_bytes(warc)
    (folder / "exports" / "page.mhtml").write_bytes(
        (sample / "formats/web/the-truth-about-dana.mhtml").read_bytes())
    run_pack(case_file, tmp_path / "pack")
    body = (tmp_path / "pack" / "complaints" / "web-host.txt").read_text(encoding="utf-8")
    assert body.startswith(complaints.DRAFT)
    assert body.count("===== ") == 1 and "===== 1. Host: example.com =====" in body
    assert body.count("URL: https://example.com/the-truth-about-dana") == 3   # 2 WARC + MHTML
    assert "IP address the capture recorded: 192.0.2.80" in body
    assert body.count("IP address the capture recorded: not recorded in the capture") == 2
    assert "Captured at: 2024-03-13T18:20:11Z" in body
    assert "look up the abuse contact of the host of example.com" in body
    case = case_mod.load(case_file)
    msgs = pipeline.prepare(case).analysis.messages
    for sha in msgs.loc[msgs["source_format"] == "web_capture", "record_sha256"]:
        assert f"SHA-256 of the capture record: {sha}" in body


def test_no_web_host_draft_without_saved_pages(pack):
    assert "web-host.txt" not in drafts(pack)


def test_drafts_speak_the_case_language_and_quote_evidence_as_it_is(tmp_path):
    case = case_mod.load(make_case(tmp_path / "case"))
    # Case.language arrives separately; the drafts read it wherever the case has it.
    object.__setattr__(case, "language", "de")
    pipeline.ensure_evidence(case, say=lambda _: None)
    pipeline.write_pack(pipeline.prepare(case), tmp_path / "pack", say=lambda _: None,
                        generated_at=STAMP)
    found = drafts(tmp_path / "pack")
    police = found["police.txt"]
    assert police.startswith("ENTWURF — vor dem Senden prüfen. Es wurde nichts gesendet.")
    assert "Dieser Bericht gibt Tatsachen aus den Quellen wieder" in police
    assert 'Ihr Wortlaut: "Do not contact me in any way in the future."' in police
    assert "Aufforderung, jeden Kontakt zu unterlassen" in found["cease-and-desist.txt"]
    assert "Anruf" in found["phone-trace-request.txt"]
    assert "Nachrichten nach der Aufforderung (4), Zeiten in UTC:" in \
        found["platform-discord.txt"]
