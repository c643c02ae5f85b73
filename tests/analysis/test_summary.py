"""summary.json as DESIGN 4.4 lays it out, and contacts_after_notice.csv's columns."""

from __future__ import annotations

import json
import re

from whoa_analysis.analysis import CONTACT_COLUMNS, contact_rows

from .conftest import notice_row, rob_mail, row, wa_row

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$")

TOP_KEYS = {"case_id", "tool_version", "messages_total", "duplicates_merged", "notice",
            "respondent_contacts_after_notice", "respondent_contacts_before_notice",
            "respondent_group_messages_after_notice", "victim_contacts_after_notice",
            "third_party_contacts_after_notice", "unattributed_accounts_after_notice",
            "undetermined", "sources"}
#: Keys we add beside DESIGN 4.4's (it asks for "at least these").
EXTRA_KEYS = {"notice_problems", "undetermined_reasons", "course_of_conduct", "account_ids"}


def _case_rows() -> list[dict]:
    return [
        notice_row(),
        rob_mail("mbox:2", "2024-03-09T10:00:00Z"),
        rob_mail("mbox:3", "2024-03-11T10:00:00.250000Z"),
        wa_row("line:1", "2024-03-12T10:00:00Z", "whatsapp:rob", "hi"),
        wa_row("line:2", "2024-03-12T10:05:00Z", "whatsapp:dana example", "Please stop."),
        wa_row("line:3", "2024-03-12T11:00:00Z", "whatsapp:sam", "OK?",
               source="exports/WhatsApp Chat with Sam.txt", conversation="Sam"),
        row("json:$[1]", source="exports/discord", platform="discord", conversation="dm",
            at="2024-03-13T10:00:00Z", sender="discord:robz_back", body="new me",
            from_owner=False),
    ]


def test_summary_keys_and_types_follow_design_4_4(analyse_rows):
    summary = analyse_rows(_case_rows()).summary
    assert set(summary) == TOP_KEYS | EXTRA_KEYS
    assert json.loads(json.dumps(summary)) == summary        # plain JSON types only
    assert isinstance(summary["case_id"], str) and summary["case_id"] == "TEST-1"
    assert summary["tool_version"] == "test"
    for key in ("messages_total", "duplicates_merged", "undetermined",
                "respondent_group_messages_after_notice"):
        assert type(summary[key]) is int, key
    notice = summary["notice"]
    assert {"message_id", "sent_at", "platform", "sender", "text"} <= set(notice)
    assert ISO_Z.match(notice["sent_at"])
    after = summary["respondent_contacts_after_notice"]
    assert set(after) == {"total", "by_platform", "by_account", "first_at", "last_at"}
    assert ISO_Z.match(after["first_at"]) and ISO_Z.match(after["last_at"])
    assert after["first_at"] == "2024-03-11T10:00:00.250000Z"
    assert set(summary["respondent_contacts_before_notice"]) == {"total", "by_platform",
                                                                 "by_account"}
    assert set(summary["victim_contacts_after_notice"]) == {"total", "by_platform"}
    assert set(summary["third_party_contacts_after_notice"]) == {"total", "by_account"}
    for block in ("respondent_contacts_after_notice", "respondent_contacts_before_notice",
                  "victim_contacts_after_notice"):
        assert all(type(v) is int for v in summary[block]["by_platform"].values())
    assert summary["unattributed_accounts_after_notice"] == [
        {"account": "discord:robz_back", "total": 1, "shown_as": "robz_back"}]
    assert summary["sources"] == []


def test_summary_counts_for_a_worked_example(analyse_rows):
    summary = analyse_rows(_case_rows()).summary
    assert summary["messages_total"] == 7
    assert summary["respondent_contacts_after_notice"]["total"] == 2
    assert summary["respondent_contacts_after_notice"]["by_account"] == {
        "email:rob@example.net": 1, "whatsapp:rob": 1}
    assert summary["respondent_contacts_before_notice"]["total"] == 1
    assert summary["victim_contacts_after_notice"]["total"] == 1
    assert summary["third_party_contacts_after_notice"]["by_account"] == {"whatsapp:sam": 1}
    assert summary["undetermined"] == 0


def test_empty_time_blocks_are_null_not_nat(analyse_rows):
    summary = analyse_rows([notice_row()]).summary
    after = summary["respondent_contacts_after_notice"]
    assert after == {"total": 0, "by_platform": {}, "by_account": {}, "first_at": None,
                     "last_at": None}


def test_contacts_after_notice_rows_have_the_issues_columns(analyse_rows):
    result = analyse_rows(_case_rows())
    table = contact_rows(result.tables["respondent_after"], "Europe/London")
    assert list(table.columns) == list(CONTACT_COLUMNS)
    for needed in ("sent_at_utc", "sent_at_local", "platform", "from_account", "from_person",
                   "to", "conversation", "excerpt", "source_path", "locator", "record_sha256"):
        assert needed in table.columns
    first = table.iloc[0]
    assert first["sent_at_utc"] == "2024-03-11T10:00:00.250000Z"
    assert first["sent_at_local"] == "2024-03-11 10:00:00 GMT"
    assert first["platform"] == "email"
    assert first["from_account"] == "email:rob@example.net" and first["from_person"] == "rob"
    assert first["to"] == "dana" and first["to_accounts"] == "email:dana@example.org"
    assert first["excerpt"] == "You can't ignore me."
    assert first["source_path"] == "exports/dana_inbox.mbox" and first["locator"] == "mbox:3"
    assert len(first["record_sha256"]) == 64
    assert list(table["locator"]) == ["mbox:3", "line:1"]


def test_excerpt_falls_back_to_subject_and_is_cut(analyse_rows):
    long = rob_mail("mbox:2", "2024-03-11T10:00:00Z", body="x" * 500)
    empty = rob_mail("mbox:3", "2024-03-11T11:00:00Z", body="", subject="Subject only")
    result = analyse_rows([notice_row(), long, empty])
    table = contact_rows(result.tables["respondent_after"], "Europe/London")
    assert list(table["excerpt"]) == ["x" * 200, "Subject only"]
