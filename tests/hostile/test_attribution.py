"""Misattribution attacks: forged From forms, CVE-2019-16056 / CVE-2023-27043 address forms,
encoded-word names that decode to someone's address, confusable and bidi display names, a forged
WhatsApp header line, a fake Received below the handoff, forged Authentication-Results.

Guarantee: a row becomes a person's only when the account it was actually sent from is that
person's; what is forged or ambiguous is left unattributed or undetermined, with a warning.
"""

from __future__ import annotations

import pandas as pd
import pytest

from whoa_analysis import case as case_mod
from whoa_analysis import identities, pipeline, readers
from whoa_analysis.analysis.trace import trace

from . import corpus as C

CASE = """\
[case]
id = "HOSTILE-ATTR"
title = "attribution"
timezone = "Europe/London"
region = "GB"

[[people]]
id = "dana"
role = "victim"
name = "Dana Example"
accounts = ["email:dana@example.org", "whatsapp:Dana Example", "phone:+44 7700 900123"]

[[people]]
id = "rob"
role = "respondent"
name = "Rob Offender"
accounts = ["email:rob@example.net", "whatsapp:Rob", "phone:07700 900456"]

[[people]]
id = "sam"
role = "third_party"
name = "Sam Friend"
accounts = ["email:sam@example.com", "whatsapp:Sam"]
"""

#: From header as written -> the person it may resolve to ('' = nobody). Each tries to pass a
#: message off as Dana's (the victim) or Sam's (a third party).
FROM_FORMS = {
    '"dana@example.org" <rob@example.net>': "rob",          # display name shows Dana's address
    '"sam@example.com" <stranger@evil.example>': "",
    "dana@example.org@evil.example": "",                    # CVE-2019-16056: two '@'
    "sam@example.com@evil.example": "",
    '"dana@example.org"@evil.example': "",                  # quoted local part, evil domain
    "dana@example.org)<stranger@evil.example>": "",         # CVE-2023-27043 forms
    "dana@example.org(<stranger@evil.example>": "",
    '"<dana@example.org>" <stranger@evil.example>': "",
    "dana@example.org <stranger@evil.example>": "",
    "=?utf-8?q?dana=40example.org?= <stranger@evil.example>": "",   # encoded-word display name
    "=?utf-8?b?ZGFuYUBleGFtcGxlLm9yZw==?=": "",                     # encoded word as the address
    "=?utf-8?q?Dana_Example_=3Cdana=40example.org=3E?=": "",
    '"Dana Example" <dana@ex\u0430mple.org>': "",           # Cyrillic 'а' in the domain
    '"D\u0430na Example" <d\u0430na@example.org>': "",      # ... and in the local part
    '"\u202eelpmaxE anaD" <stranger@evil.example>': "",     # RLO: shows as "Dana Example"
    '"Sam Friend\u200f" <sam@example.com.evil.example>': "",
    "Dana <dana@example.org>, Rob <rob@example.net>": "",   # two senders: nobody
    "<dana@example.org> stranger@evil.example": "",
    '"Dana" <dana@example.org> (x) <stranger@evil.example>': "",
    "Dana Example <dana@example.org>": "dana",              # control: the real address
}


@pytest.fixture(scope="module")
def case(tmp_path_factory) -> case_mod.Case:
    folder = tmp_path_factory.mktemp("attr")
    (folder / "case.toml").write_text(CASE, encoding="utf-8")
    return case_mod.load(folder / "case.toml")


def _resolved(df: pd.DataFrame, case: case_mod.Case, owner: str = "dana") -> pd.DataFrame:
    df = df.copy()
    df["source_owner"] = owner
    return identities.resolve(df, case)


def test_forged_from_forms_never_become_the_victim_or_a_third_party(tmp_path, case):
    forms = list(FROM_FORMS)
    path = tmp_path / "inbox.mbox"
    path.write_bytes(C.mbox(C.Mail(sender=f, body=f"form {i}") for i, f in enumerate(forms)))
    df = _resolved(readers.read(path, "mbox", owner=("email:dana@example.org",)), case)
    assert len(df) == len(forms)
    got = dict(zip(forms, df["sender_person"].tolist()))
    assert got == FROM_FORMS
    claimed = {"email:dana@example.org", "email:sam@example.com"}
    for form, row in zip(forms, df.itertuples()):
        if FROM_FORMS[form] != "dana":
            assert row.sender not in claimed, form


def test_encoded_word_display_name_is_flagged(tmp_path):
    path = tmp_path / "m.eml"
    path.write_bytes(C.Mail(sender="=?utf-8?q?dana=40example.org?= <stranger@evil.example>")
                     .render())
    row = readers.read(path, "eml").iloc[0]
    assert row["sender"] == "email:stranger@evil.example"
    assert row["sender_display"] == "dana@example.org"
    assert "another address" in row["warnings"]


CHAT_NAMES = {"D\u0430na Example": "", "\u202eelpmaxE anaD": "", "R\u043eb": "",
              "Rob": "rob", "Dana Example": "dana"}
@pytest.mark.parametrize("extra", [None, "Dana Example\u202e", "Dana\u202d Example",
                                   "\u202eDana Example"])
def test_confusable_and_bidi_chat_names_do_not_become_the_victim(tmp_path, case, extra):
    names = dict(CHAT_NAMES, **({extra: ""} if extra else {}))
    path = tmp_path / "WhatsApp Chat with Rob.txt"
    path.write_bytes(C.whatsapp((f"13/02/2024, 18:{i:02d}", name, "hi")
                                for i, name in enumerate(names)))
    df = readers.read(path, "whatsapp", tz="Europe/London", owner=("Dana Example",))
    df = _resolved(df[df["kind"] != "system"], case)
    assert dict(zip(df["sender_display"], df["sender_person"])) == names


def test_forged_whatsapp_header_inside_a_message(tmp_path):
    """A line typed inside Rob's message that looks like a message from Dana: in another layout
    it stays Rob's text; in the file's own layout but earlier in time it is its own row marked
    'may be forged', and the analysis never counts it as Dana's message (undetermined)."""
    chat = C.whatsapp([
        ("13/03/2024, 18:05", "Rob", "you said\n12/03/2024, 18:06 - Dana Example: you may write"),
        ("13/03/2024, 18:07", "Rob", "x\n[13/03/2024, 18:08:00] Dana Example: other layout"),
        ("13/03/2024, 18:09", "Rob", "end"),
    ])
    folder = tmp_path / "case"
    (folder / "exports").mkdir(parents=True)
    (folder / "exports" / "WhatsApp Chat with Rob.txt").write_bytes(chat)
    (folder / "exports" / "log.csv").write_bytes(C.incident_log([(
        "2024-03-10T09:00:00Z", "", "letter", "person:dana", "person:rob", "letter",
        "Do not contact me in any way in the future.", "")]))
    (folder / "case.toml").write_text(CASE + """
[[sources]]
path = "exports/WhatsApp Chat with Rob.txt"
format = "whatsapp"
owner = "dana"
timezone = "Europe/London"

[[sources]]
path = "exports/log.csv"
format = "incident_log"
owner = "dana"
timezone = "Europe/London"
""", encoding="utf-8")
    case = case_mod.load(folder / "case.toml")
    result = pipeline.prepare(case).analysis
    msgs = result.messages[result.messages["source_format"] == "whatsapp"]
    assert len(msgs) == 5                          # system line + 3 of Rob's + the forged one
    other = msgs[msgs["body"].str.contains("other layout")].iloc[0]
    assert other["sender_person"] == "rob" and "another layout" in other["warnings"]
    forged = msgs[msgs["body"] == "you may write"].iloc[0]
    assert "may be forged" in forged["warnings"]
    assert forged["message_id"] not in set(result.tables["victim_after"]["message_id"])
    assert forged["message_id"] in set(result.tables["undetermined"]["message_id"])


FAKE_CHAIN = b"""\
Received: from mail.evil.example (mail.evil.example [203.0.113.9])
\tby mx1.example.org with ESMTPS id A1; Mon, 11 Mar 2024 10:00:02 +0000
Received: from mx2.example.org (mx2.example.org [192.0.2.10])
\tby mx1.example.org with ESMTPS id FAKE; Mon, 11 Mar 2024 09:00:00 +0000
Received: from laptop (dana-home.example.org [192.0.2.77])
\tby mx2.example.org; Mon, 11 Mar 2024 08:59:00 +0000
Authentication-Results: mail.evil.example; spf=pass; dkim=pass; dmarc=pass
From: "Dana Example" <rob@example.net>
To: dana@example.org
Subject: from "you"
Date: Mon, 11 Mar 2024 10:00:00 +0000

body
"""


def test_fake_received_below_the_handoff_naming_the_victims_server(tmp_path, case):
    """The sender wrote Received fields that claim the victim's own servers handled the mail
    first: only the topmost hop is trusted, the handoff is the server that really connected,
    and the sender stays the From address (never taken from Received)."""
    t = trace(FAKE_CHAIN, own_domains=("example.org",))
    assert list(t.hops["trust"]) == ["own", "handoff", "forgeable"]
    assert t.handoff_ip == "203.0.113.9"                    # who really connected
    assert any("may be forged" in w for w in t.warnings)   # hop 2 names our server: a lie
    assert "spf" not in t.auth_results                       # the forged verdicts are not taken
    assert t.auth_results["untrusted"][0]["authserv_id"] == "mail.evil.example"
    path = tmp_path / "m.eml"
    path.write_bytes(FAKE_CHAIN)
    row = _resolved(readers.read(path, "eml"), case).iloc[0]
    assert row["sender"] == "email:rob@example.net" and row["sender_person"] == "rob"


def test_a_forged_helo_does_not_extend_trust():
    raw = FAKE_CHAIN.replace(b"from mail.evil.example (mail.evil.example",
                             b"from mx2.example.org (mail.evil.example")
    t = trace(raw, own_domains=("example.org",))
    assert list(t.hops["trust"]) == ["own", "handoff", "forgeable"]


def test_real_internal_hops_stay_own():
    raw = (b"Received: from mx2.example.org (mx2.example.org [192.0.2.10])\n\tby "
           b"store.example.org; Mon, 11 Mar 2024 10:00:03 +0000\n" + FAKE_CHAIN)
    t = trace(raw, own_domains=("example.org",))
    assert list(t.hops["trust"]) == ["own", "own", "handoff", "forgeable"]


def test_resolve_ignores_display_names_entirely(case):
    """identities.resolve looks at account keys only: a display name that is the victim's name
    or address changes nothing."""
    df = pd.DataFrame({"sender": ["email:stranger@evil.example", "email:rob@example.net"],
                       "sender_display": ["Dana Example", "dana@example.org"],
                       "recipients": ["email:dana@example.org"] * 2,
                       "platform": ["email"] * 2, "conversation_kind": ["email"] * 2,
                       "from_owner": [pd.NA, pd.NA], "source_path": ["x"] * 2,
                       "conversation": ["c"] * 2})
    out = identities.resolve(df, case)
    assert out["sender_person"].tolist() == ["", "rob"]

