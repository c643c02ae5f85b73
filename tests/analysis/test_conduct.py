"""Course of conduct: separate days with contact, quiet spells, counts by local day and week."""

from __future__ import annotations

from .conftest import notice_row, wa_row


def _rob(times: list[str]) -> list[dict]:
    return [wa_row(f"line:{n}", t, "whatsapp:rob", f"message {n}") for n, t in enumerate(times)]


def test_days_with_contact_and_gaps_on_a_known_sequence(analyse_rows):
    # Local (GMT) days 11, 11, 12, 15, 20 March: 4 days; quiet spells of 2 and 4 days.
    times = ["2024-03-11T08:00:00Z", "2024-03-11T20:00:00Z", "2024-03-12T09:00:00Z",
             "2024-03-15T09:00:00Z", "2024-03-20T09:00:00Z"]
    conduct = analyse_rows([notice_row(), *_rob(times)]).summary["course_of_conduct"]
    assert conduct["days_with_contact"] == 4
    assert conduct["first_day"] == "2024-03-11" and conduct["last_day"] == "2024-03-20"
    assert conduct["gaps_days"] == [2, 4]
    assert conduct["longest_gap_days"] == 4


def test_daily_contact_has_no_gap(analyse_rows):
    times = ["2024-03-11T08:00:00Z", "2024-03-12T08:00:00Z"]
    conduct = analyse_rows([notice_row(), *_rob(times)]).summary["course_of_conduct"]
    assert conduct["gaps_days"] == [] and conduct["longest_gap_days"] == 0


def test_no_contact_after(analyse_rows):
    conduct = analyse_rows([notice_row()]).summary["course_of_conduct"]
    assert conduct["days_with_contact"] == 0 and conduct["longest_gap_days"] is None


def test_counts_by_day_and_week_use_the_case_zone_around_midnight(analyse_rows):
    # June: London is on BST (UTC+1). 22:30Z is 23:30 on Monday 3rd; 23:30Z is 00:30 on the
    # 4th; 23:30Z on Sunday 9th is 00:30 on Monday 10th, the next week.
    times = ["2024-06-03T22:30:00Z", "2024-06-03T23:30:00Z", "2024-06-09T23:30:00Z"]
    result = analyse_rows([notice_row(at="2024-06-01T09:00:00Z"), *_rob(times)])
    conduct = result.summary["course_of_conduct"]
    assert conduct["by_day"] == {"2024-06-03": 1, "2024-06-04": 1, "2024-06-10": 1}
    assert conduct["by_week"] == {"2024-06-03": 2, "2024-06-10": 1}
    by_day = result.tables["respondent_by_day"]
    assert list(by_day["period"]) == ["2024-06-03", "2024-06-04", "2024-06-10"]
    assert set(by_day["platform"]) == {"whatsapp"}


def test_a_day_without_local_midnight_is_counted(analyse_rows):
    # Santiago moved clocks forward at local midnight on 2024-09-08: 00:00 never happened.
    times = ["2024-09-08T04:30:00Z"]          # 01:30 local, -03 after the change
    result = analyse_rows([notice_row(at="2024-09-01T09:00:00Z"), *_rob(times)],
                          timezone="America/Santiago")
    assert result.summary["course_of_conduct"]["by_day"] == {"2024-09-08": 1}


def test_new_accounts_and_channels_after_the_request(analyse_rows):
    rows = [notice_row(), wa_row("line:0", "2024-03-01T08:00:00Z", "whatsapp:rob", "before"),
            wa_row("line:1", "2024-03-12T08:00:00Z", "whatsapp:rob", "after"),
            wa_row("json:1", "2024-03-12T09:00:00Z", "discord:robz", "new channel",
                   source="exports/discord", platform="discord", conversation="dm")]
    conduct = analyse_rows(rows).summary["course_of_conduct"]
    assert conduct["new_accounts_after"] == ["discord:robz"]
    assert conduct["new_channels_after"] == ["discord"]


def test_every_table_after_the_request_has_day_and_week_counts(analyse_rows):
    rows = [notice_row(), wa_row("line:1", "2024-03-11T23:30:00Z", "whatsapp:dana example",
                                 "Please stop."),
            wa_row("line:2", "2024-03-11T08:00:00Z", "whatsapp:rob", "x")]
    tables = analyse_rows(rows).tables
    assert tables["victim_after_by_day"].to_dict("records") == [
        {"period": "2024-03-11", "platform": "whatsapp", "count": 1}]
    assert tables["victim_after_by_week"].to_dict("records") == [
        {"period": "2024-03-11", "platform": "whatsapp", "count": 1}]
    assert tables["third_party_after_by_day"].empty
