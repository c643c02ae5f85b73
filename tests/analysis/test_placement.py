"""Before, after or undetermined: exact instants across zones, DST, no time, possibly forged."""

from __future__ import annotations

import pandas as pd

from .conftest import local_row, notice_row, rob_mail, wa_row

NY_EXPORT = dict(source="exports/WhatsApp Chat with Rob (phone in New York).txt",
                 platform="whatsapp", conversation="Rob", conversation_kind="direct",
                 sender="whatsapp:rob", from_owner=False)


def _by_locator(result) -> pd.DataFrame:
    return result.messages.set_index("locator")


def test_one_second_before_and_after_across_two_zones(analyse_rows):
    # The request's Date header says 09:00:00 +0000 (London); the WhatsApp export was made on a
    # phone set to New York, which had moved to EDT (UTC-4) at 07:00 UTC that same morning.
    rows = [notice_row(),
            local_row("line:1", "2024-03-10 04:59:59", "America/New_York", body="one", **NY_EXPORT),
            local_row("line:2", "2024-03-10 05:00:01", "America/New_York", body="two", **NY_EXPORT)]
    msgs = _by_locator(analyse_rows(rows))
    assert msgs.loc["line:1", "sent_at"] == pd.Timestamp("2024-03-10T08:59:59Z")
    assert msgs.loc["line:2", "sent_at"] == pd.Timestamp("2024-03-10T09:00:01Z")
    assert msgs.loc["line:1", "period"] == "before"
    assert msgs.loc["line:2", "period"] == "after"


def test_same_second_as_the_request_is_undetermined(analyse_rows):
    rows = [notice_row(), rob_mail("mbox:2", "2024-03-10T09:00:00Z")]
    result = analyse_rows(rows)
    msgs = _by_locator(result)
    assert msgs.loc["mbox:2", "period"] == "undetermined"
    assert msgs.loc["mbox:2", "undetermined_reason"] == "same instant as the request"
    assert result.summary["undetermined"] == 1


def test_dst_ambiguous_time_at_the_request_is_undetermined_far_from_it_is_placed(analyse_rows):
    # London clocks went back at 2024-10-27 01:00 UTC: local 01:30 is 00:30 or 01:30 UTC.
    london = dict(NY_EXPORT, source="exports/WhatsApp Chat with Rob.txt")
    rows = [notice_row(at="2024-10-27T01:00:00Z"),
            local_row("line:1", "2024-10-27 01:30", "Europe/London", body="at", **london),
            # New York's clocks went back a week later: 01:30 is 05:30 or 06:30 UTC.
            local_row("line:2", "2024-11-03 01:30", "America/New_York", body="far after",
                      **NY_EXPORT),
            local_row("line:3", "2023-10-29 01:30", "Europe/London", body="far before",
                      **london)]
    result = analyse_rows(rows)
    msgs = _by_locator(result)
    assert msgs.loc["line:1", "sent_at"] == pd.Timestamp("2024-10-27T00:30Z")
    assert msgs.loc["line:1", "sent_at_latest"] == pd.Timestamp("2024-10-27T01:30Z")
    assert msgs.loc["line:1", "period"] == "undetermined"
    assert "ambiguous" in msgs.loc["line:1", "undetermined_reason"]
    assert msgs.loc["line:2", "period"] == "after"
    assert msgs.loc["line:3", "period"] == "before"
    assert result.summary["respondent_contacts_after_notice"]["total"] == 1
    assert result.summary["respondent_contacts_before_notice"]["total"] == 1
    assert list(result.tables["undetermined"]["locator"]) == ["line:1"]


def test_forged_and_timeless_rows_are_undetermined_with_reasons(analyse_rows):
    forged = rob_mail("mbox:2", "2024-03-12T10:00:00Z",
                      warnings="Date header may be forged: after the last Received hop")
    timeless = wa_row("line:1", None, "whatsapp:rob", "no date on this line")
    placed = rob_mail("mbox:3", "2024-03-12T11:00:00Z")
    result = analyse_rows([notice_row(), forged, timeless, placed])
    msgs = _by_locator(result)
    assert msgs.loc["mbox:2", "period"] == "undetermined"
    assert "forged" in msgs.loc["mbox:2", "undetermined_reason"]
    assert msgs.loc["line:1", "period"] == "undetermined"
    assert msgs.loc["line:1", "undetermined_reason"] == "no time in the export"
    summary = result.summary
    assert summary["respondent_contacts_after_notice"]["total"] == 1
    assert summary["respondent_contacts_before_notice"]["total"] == 0
    assert summary["undetermined"] == 2
    assert sorted(result.tables["undetermined"]["locator"]) == ["line:1", "mbox:2"]


def test_out_of_order_flag_is_also_undetermined(analyse_rows):
    odd = wa_row("line:3", "2024-03-12T10:00:00Z", "whatsapp:rob", "x",
                 warnings="timestamp out of order with its neighbours")
    msgs = _by_locator(analyse_rows([notice_row(), odd]))
    assert msgs.loc["line:3", "period"] == "undetermined"


def test_system_lines_are_not_contact(analyse_rows):
    blocked = wa_row("line:2", "2024-03-12T10:00:00Z", "", "You blocked this contact.",
                     kind="system", from_owner=None)
    result = analyse_rows([notice_row(), blocked])
    assert result.summary["undetermined"] == 0
    assert result.summary["respondent_contacts_after_notice"]["total"] == 0
    assert result.summary["messages_total"] == 2
