"""Header trace: hops, handoff, trust, authentication results and abuse contacts (offline)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from whoa_analysis.analysis.trace import ABUSE_DESKS, registrable_domain, trace
from whoa_analysis.readers import mbox

OWN = ("example.org",)


def _inbox(sample: Path) -> pd.DataFrame:
    return mbox.read(sample / "exports/mail/Inbox.mbox")


def test_forged_received_below_the_handoff(sample: Path) -> None:
    inbox = _inbox(sample)
    row = inbox[inbox["subject"] == "Last chance"].iloc[0]
    t = trace(row["headers_raw"], own_domains=OWN)
    assert list(t.hops["trust"]) == ["own", "handoff", "forgeable"]
    assert list(t.hops["by_host"]) == ["mx1.example.org", "mail.example.net",
                                       "relay.example.com"]
    assert t.handoff == 2 and t.handoff_host == "mail.example.net"
    assert t.handoff_ip == "198.51.100.25"        # what Dana's MX saw connect
    assert "Hop 3 below it was written" in t.forgeable_note and "forged" in t.forgeable_note
    # The forged hop claims a time 65 minutes before the message was written.
    assert t.hops.loc[2, "time"] == pd.Timestamp("2024-03-18 19:00:00", tz="UTC")
    assert t.hops.loc[1, "delay_s"] == 3901.0


def test_sample_chain_times_and_ips(sample: Path) -> None:
    row = _inbox(sample).iloc[0]
    t = trace(row["headers_raw"], own_domains=OWN)
    assert list(t.hops["hop"]) == [1, 2]
    assert list(t.hops["ip"]) == ["198.51.100.25", "192.0.2.44"]
    assert list(t.hops["time"]) == [pd.Timestamp("2024-02-20 18:30:07", tz="UTC"),
                                    pd.Timestamp("2024-02-20 18:30:06", tz="UTC")]
    assert list(t.hops["offset"]) == ["+0000", "+0000"]
    assert t.hops.loc[0, "delay_s"] == 1.0 and pd.isna(t.hops.loc[1, "delay_s"])
    assert t.originating_ip == "192.0.2.44"
    assert t.dkim_domains == ["example.net"]
    assert t.auth_results["spf"] == "pass" and t.auth_results["dmarc"] == "pass"
    assert t.auth_results["untrusted"] == []
    addresses = [c["address"] for c in t.abuse_contacts]
    assert addresses == ["abuse@example.net"]
    assert "From header" in t.abuse_contacts[0]["how_found"]


def test_two_sender_accounts_share_a_client_ip(sample: Path) -> None:
    inbox = _inbox(sample)
    ips = {row["sender"]: trace(row["headers_raw"], own_domains=OWN).originating_ip
           for _, row in inbox.iterrows() if row["sender"] != "email:sam@example.com"}
    assert set(ips.values()) == {"192.0.2.44"}
    assert len(ips) == 2


RAW = b"""\
Received: from smtp.mailbox.example (smtp.mailbox.example [203.0.113.10])
\tby mx1.example.org with ESMTPS id X1; Tue, 12 Mar 2024 22:10:03 +0000
Received: from [192.0.2.44] by smtp.mailbox.example; Tue, 12 Mar 2024 22:10:01 +0000
Authentication-Results: mx1.example.org; spf=fail smtp.mailfrom=x@gmail.com; dkim=none;
 dmarc=fail header.from=gmail.com
Authentication-Results: smtp.mailbox.example; spf=pass; dkim=pass; dmarc=pass
From: Someone <someone@gmail.com>
To: dana@example.org
Subject: hi

body
"""


def test_only_trusted_authserv_ids_count() -> None:
    t = trace(RAW, own_domains=OWN)
    assert {k: t.auth_results[k] for k in ("spf", "dkim", "dmarc")} == {
        "spf": "fail", "dkim": "none", "dmarc": "fail"}
    assert t.auth_results["untrusted"] == [{"authserv_id": "smtp.mailbox.example",
                                            "spf": "pass", "dkim": "pass", "dmarc": "pass"}]


def test_big_service_desk_and_handoff_domain() -> None:
    t = trace(RAW, own_domains=OWN)
    by_address = {c["address"]: c for c in t.abuse_contacts}
    google = ABUSE_DESKS["gmail.com"][1]
    assert google in by_address and "Google" in by_address[google]["what"]
    assert "abuse@mailbox.example" in by_address
    assert "handoff hop 2" in by_address["abuse@mailbox.example"]["how_found"]


def test_own_domains_default_to_delivered_to() -> None:
    t = trace(b"Delivered-To: dana@example.org\n" + RAW)
    assert t.handoff == 2
    assert any("Delivered-To" in w for w in t.warnings)


def test_handoff_that_disagrees_with_what_our_server_saw_is_flagged() -> None:
    raw = RAW.replace(b"by smtp.mailbox.example;", b"by mail.trusted-bank.example;")
    t = trace(raw, own_domains=OWN)
    assert any("may be forged" in w for w in t.warnings)


def test_no_own_hop_says_nothing_is_checked() -> None:
    t = trace(RAW, own_domains=("elsewhere.example",))
    assert t.handoff == 1 and (t.hops["trust"] != "own").all()
    assert "none is checked" in t.forgeable_note


def test_provider_hosts_count_as_own() -> None:
    raw = (b"Received: from mail.example.net (mail.example.net [198.51.100.25])\n\tby "
           b"mx.google.com with ESMTPS id a1; Mon, 11 Mar 2024 10:00:02 +0000\n"
           b"From: rob@example.net\n\nhi\n")
    assert trace(raw, own_domains=("gmail.com",)).hops.loc[0, "trust"] == "own"
    assert trace(raw, own_domains=("example.org",), own_hosts=("mx.google.com",)
                 ).hops.loc[0, "trust"] == "own"


@pytest.mark.parametrize(("host", "domain"), [
    ("mail.example.co.uk", "example.co.uk"), ("a.b.example.net", "example.net"),
    ("localhost", ""), ("smtp.example.com.au", "example.com.au")])
def test_registrable_domain(host: str, domain: str) -> None:
    assert registrable_domain(host) == domain


def test_corpus_server_ip_for_trust(corpora: Path) -> None:
    """mail-parser asserts 217.76.210.112 as the server IP for trust 'smtp.customers.net'."""
    raw = (corpora / "email_eml/mail-parser/mail_test_2.eml").read_bytes()
    t = trace(raw, own_hosts=("smtp.customers.net",))
    assert t.handoff == 3 and t.handoff_ip == "217.76.210.112"
    assert len(t.hops) == 4


def test_corpus_rfc_example_hops(corpora: Path) -> None:
    t = trace((corpora / "email_eml/mail/rfc2822/example09.eml").read_bytes())
    assert list(t.hops["from_host"]) == ["x.y.test", "machine.example"]
    assert list(t.hops["by_host"]) == ["example.net", "x.y.test"]
    assert list(t.hops["time"]) == [pd.Timestamp("1997-11-21 16:05:43", tz="UTC"),
                                    pd.Timestamp("1997-11-21 16:01:22", tz="UTC")]
    assert list(t.hops["offset"]) == ["-0600", "-0600"]


def test_the_report_reads_hops_as_the_hops_table_holds_them(sample: Path) -> None:
    """The report lays out hops from the traced rows (no table per mail): same values."""
    from whoa_analysis.reports import _content, _mail

    inbox = _inbox(sample)
    checked = 0
    for raw in inbox["headers_raw"].dropna():
        t = trace(raw, own_domains=OWN)
        names, rows = _mail.hop_table(t)
        table = t.hops
        assert names == tuple(table.columns)
        as_table = [tuple(_content.text(v) for v in r) for r in table.itertuples(index=False)]
        assert [tuple(_content.text(v) for v in r) for r in rows] == as_table
        checked += len(rows)
    assert checked > 5


def test_the_note_is_sentences_the_report_can_say_in_its_language():
    from whoa_analysis.i18n import translator

    t = trace(b"Received: from mx.example.org by in.example.org; "
              b"Mon, 11 Mar 2024 10:00:02 +0000\r\n"
              b"Received: from evil.example [203.0.113.9] by mx.example.org; "
              b"Mon, 11 Mar 2024 10:00:01 +0000\r\n"
              b"Received: from laptop by evil.example; Mon, 11 Mar 2024 10:00:00 +0000\r\n"
              b"From: rob@example.net\r\n\r\nbody\r\n", own_domains=["example.org"])
    assert t.forgeable_note == " ".join(tpl.format(**f) for tpl, f in t.note_parts)
    german = " ".join(translator("de")(tpl).format(**f) for tpl, f in t.note_parts)
    assert german.startswith("An Station ") and "Hop" not in german
