"""The account a row was attributed through is recorded, so counts per case-file account are
right even where the export gives a numeric id and the case file names the username."""

from __future__ import annotations

from whoa_analysis import identities, schema

from .conftest import row, write_case


def test_attribution_through_sender_alt_is_recorded(tmp_path):
    case = write_case(tmp_path)
    rows = [row("json:$[0]", source="exports/dm.json", platform="discord",
                sender="discord:200000000000000002", at="2024-02-01T10:00:00Z", body="hi")
            | {"sender_alt": "discord:robz"},
            row("json:$[1]", source="exports/dm.json", platform="discord",
                sender="discord:300000000000000003", at="2024-02-01T10:01:00Z", body="hey")
            | {"sender_alt": "discord:stranger"}]
    df = schema.from_records(rows).assign(source_owner="dana")
    resolved = identities.resolve(df, case)
    assert list(resolved["sender_person"]) == ["rob", ""]
    assert list(resolved["sender_account"]) == ["discord:robz", "discord:300000000000000003"]


def test_unnormalised_phone_is_recorded_in_the_case_spelling(tmp_path):
    case = write_case(tmp_path)
    df = schema.from_records([row("line:1", platform="sms", sender="phone:07700 900456",
                                  at="2024-02-01T10:00:00Z", body="x")]).assign(
        source_owner="dana")
    resolved = identities.resolve(df, case)
    assert resolved.loc[0, "sender_person"] == "rob"
    assert resolved.loc[0, "sender_account"] == "phone:+447700900456"


def test_tables_and_counts_name_the_account_as_the_case_does(sample):
    from whoa_analysis import case as case_mod
    from whoa_analysis import pipeline
    from whoa_analysis.analysis import contact_rows

    case = case_mod.load(sample / "case.toml")
    result = pipeline.prepare(case).analysis
    before = contact_rows(result.tables["respondent_before"], case.timezone)
    discord = before[before["platform"] == "discord"]
    assert set(discord["from_account"]) == {"discord:robz"}
    assert set(discord["from_account_id"]) == {"discord:200000000000000002"}
    mail = before[before["platform"] == "email"]
    assert set(mail["from_account_id"]) == {""}        # the case names it as the export does
    table, _ = pipeline.accounts(case)
    robz = table.set_index("account").loc["discord:robz"]
    assert (robz["person"], robz["messages"], robz["received"]) == ("rob", 7, 3)
    assert robz["also_as"] == "discord:200000000000000002"      # the export's id, kept
    assert table.set_index("account").loc["discord:300000000000000003", "also_as"] == \
        "discord:robz_back"
    assert not table["account"].str.startswith("discord:2000").any()
