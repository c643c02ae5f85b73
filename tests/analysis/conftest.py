"""Synthetic cases for the contact analysis: a case.toml in tmp_path and message rows by hand.

Rows are built the way readers build them (account keys from ``accounts.key_for``, local times
through ``_common.localize``), so a test states the export it stands for, not the code's answer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping

import pandas as pd
import pytest

from whoa_analysis import analysis, identities, schema
from whoa_analysis import case as case_mod
from whoa_analysis.readers._common import localize

PEOPLE = """
[[people]]
id = "dana"
role = "victim"
name = "Dana Example"
accounts = ["email:dana@example.org", "phone:+44 7700 900123", "whatsapp:Dana Example",
            "discord:dana_e"]

[[people]]
id = "rob"
role = "respondent"
name = "Rob Offender"
accounts = ["email:rob@example.net", "email:rob.offender@mailbox.example",
            "phone:07700 900456", "whatsapp:Rob", "discord:robz"]

[[people]]
id = "sam"
role = "third_party"
name = "Sam Friend"
accounts = ["email:sam@example.com", "whatsapp:Sam"]
"""

#: The stop request used by most tests: Dana's mail to Rob, in her Sent mailbox.
NOTICE_AT = "2024-03-10T09:00:00Z"
NOTICE_TEXT = "Do not contact me in any way in the future."


def write_case(folder, *, notice: str = "auto", phrases: Iterable[str] = (),
               timezone: str = "Europe/London", people: str = PEOPLE, sources: str = "",
               ) -> case_mod.Case:
    """Write ``case.toml`` into ``folder`` and load it through the real loader."""
    quoted = ", ".join(f'"{p}"' for p in phrases)
    text = (f'[case]\nid = "TEST-1"\ntitle = "synthetic"\ntimezone = "{timezone}"\n'
            f'region = "GB"\n{people}\n{sources}\n'
            f'[notice]\nmessage = "{notice}"\nphrases = [{quoted}]\n')
    path = folder / "case.toml"
    path.write_text(text, encoding="utf-8")
    return case_mod.load(path)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def row(locator: str, *, source: str = "exports/dana_inbox.mbox", owner: str = "dana",
        platform: str = "email", conversation: str = "", conversation_kind: str | None = None,
        at: str | pd.Timestamp | None = NOTICE_AT, latest: str | pd.Timestamp | None = None,
        time_basis: str | None = None, sender: str = "", sender_display: str = "",
        recipients: str = "", kind: str = "text", body: str = "", subject: str = "",
        from_owner: bool | None = None, email_message_id: str | None = None,
        warnings: str = "", raw: str | None = None, in_reply_to: str = "") -> dict:
    """One message row as a reader would write it (provenance made up from the arguments)."""
    source_sha = _sha(source)
    when = None if at is None else pd.Timestamp(at)
    record = raw if raw is not None else f"{source}|{locator}|{sender}|{at}|{subject}|{body}"
    out = {
        "message_id": f"{source_sha[:12]}:{locator}", "source_path": source,
        "source_sha256": source_sha, "source_format": "test", "locator": locator,
        "record_sha256": _sha(record), "platform": platform,
        "conversation": conversation or (f"{platform}:{sender}" if platform != "email"
                                         else subject),
        "conversation_kind": conversation_kind or ("email" if platform == "email" else "direct"),
        "sent_at": when, "sent_at_latest": when if latest is None else pd.Timestamp(latest),
        "sent_at_raw": "" if at is None else str(at),
        "time_basis": time_basis or ("missing" if at is None else "offset"),
        "sender": sender, "sender_display": sender_display or sender.partition(":")[2],
        "recipients": recipients, "kind": kind, "body": body, "subject": subject,
        "from_owner": from_owner, "warnings": warnings, "source_owner": owner,
        "in_reply_to": in_reply_to,
    }
    if email_message_id is not None:
        out["email_message_id"] = email_message_id
    return out


def local_row(locator: str, local: str, zone: str, **kw: object) -> dict:
    """A row whose time a reader read as zone-less local time in a declared ``zone``."""
    earliest, latest, warning = localize(pd.Series([pd.Timestamp(local)]), zone)
    out = row(locator, at=earliest.iloc[0], latest=latest.iloc[0],
              time_basis="local_declared", **kw)
    out["sent_at_raw"] = local
    out["warnings"] = "; ".join(w for w in (str(kw.get("warnings", "")), warning.iloc[0]) if w)
    return out


def notice_row(locator: str = "mbox:1", *, at: str = NOTICE_AT, body: str = NOTICE_TEXT,
               **kw: object) -> dict:
    """Dana's stop request to Rob, found in her Sent mailbox."""
    values = {"source": "exports/dana_sent.mbox", "sender": "email:dana@example.org",
              "recipients": "email:rob@example.net", "subject": "Stop contacting me",
              "from_owner": True, "email_message_id": f"<{locator}@example.org>"}
    values.update(kw)
    return row(locator, at=at, body=body, **values)


def rob_mail(locator: str, at: str, body: str = "You can't ignore me.", **kw: object) -> dict:
    values = {"sender": "email:rob@example.net", "recipients": "email:dana@example.org",
              "subject": "Re: Stop contacting me", "from_owner": False,
              "email_message_id": f"<{locator}@example.net>"}
    values.update(kw)
    return row(locator, at=at, body=body, **values)


def wa_row(locator: str, at: str, sender: str, body: str, **kw: object) -> dict:
    """A WhatsApp row in Dana's export of her direct chat with Rob."""
    values = {"source": "exports/WhatsApp Chat with Rob.txt", "platform": "whatsapp",
              "conversation": "WhatsApp Chat with Rob", "conversation_kind": "direct",
              "from_owner": sender == "whatsapp:dana example"}
    values.update(kw)
    return row(locator, at=at, sender=sender, body=body, **values)


Analyse = Callable[..., analysis.Analysis]


@pytest.fixture
def analyse_rows(tmp_path) -> Analyse:
    """rows -> Analysis, through the real case loader, ``identities.resolve`` and ``analyse``."""
    def run(rows: Iterable[Mapping[str, object]], **case_options: object) -> analysis.Analysis:
        case = write_case(tmp_path, **case_options)
        resolved = identities.resolve(schema.from_records(rows), case)
        return analysis.analyse(resolved, tz=case.timezone, case_id=case.id,
                                tool_version="test", pinned=case.notice_message,
                                phrases=case.notice_phrases, sources=[])
    return run
