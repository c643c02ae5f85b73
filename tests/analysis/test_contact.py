"""Who contacted whom (DESIGN 4.3): people behind accounts, Bcc, third parties, groups, new accounts."""

from __future__ import annotations

import pandas as pd

from whoa_analysis.analysis import seen

from .conftest import notice_row, rob_mail, row, wa_row

AFTER = "2024-03-11T10:00:00Z"


def _after(result, table: str = "respondent_after") -> pd.DataFrame:
    return result.tables[table]


def test_respondent_with_five_accounts_on_four_platforms(analyse_rows):
    rows = [
        notice_row(),
        rob_mail("mbox:2", "2024-03-11T10:00:00Z"),
        rob_mail("mbox:3", "2024-03-11T11:00:00Z", sender="email:rob.offender@mailbox.example"),
        row("xml:/smses/sms[1]", source="exports/sms.xml", platform="sms",
            at="2024-03-11T12:00:00Z", sender="phone:+447700900456", body="answer me",
            from_owner=False),
        wa_row("line:1", "2024-03-11T13:00:00Z", "whatsapp:rob", "hello?"),
        row("json:$[0]", source="exports/discord", platform="discord", conversation="dm",
            at="2024-03-11T14:00:00Z", sender="discord:robz", body="you there", from_owner=False),
    ]
    got = analyse_rows(rows).summary["respondent_contacts_after_notice"]
    assert got["total"] == 5
    assert got["by_account"] == {"discord:robz": 1, "email:rob.offender@mailbox.example": 1,
                                 "email:rob@example.net": 1, "phone:+447700900456": 1,
                                 "whatsapp:rob": 1}
    assert got["by_platform"] == {"discord": 1, "email": 2, "sms": 1, "whatsapp": 1}
    assert got["first_at"] == "2024-03-11T10:00:00Z"
    assert got["last_at"] == "2024-03-11T14:00:00Z"


def test_every_sender_resolves_to_the_case_files_person(analyse_rows):
    rows = [notice_row(), wa_row("line:1", AFTER, "whatsapp:rob", "hi"),
            wa_row("line:2", AFTER, "", "ok", from_owner=True, sender_display="You")]
    msgs = analyse_rows(rows).messages.set_index("locator")
    assert msgs.loc["mbox:1", "sender_person"] == "dana"
    assert msgs.loc["line:1", "sender_person"] == "rob"
    assert msgs.loc["line:1", "recipient_persons"] == "dana"      # Dana's own direct chat
    # The export's owner writing as "You", without an account key, is the owner.
    assert msgs.loc["line:2", "sender_person"] == "dana"
    assert msgs.loc["line:2", "recipient_persons"] == "rob"


def test_bcc_mail_in_the_victims_mailbox_counts_as_contact(analyse_rows):
    # Rob mails Sam and sends Dana a blind copy: Dana's address is in no header of her copy.
    bcc = rob_mail("mbox:7", AFTER, recipients="email:sam@example.com")
    # The same kind of mail found only in Sam's mailbox never reached Dana.
    to_sam = rob_mail("mbox:1", AFTER, source="exports/sam_inbox.mbox", owner="sam",
                      recipients="email:sam@example.com", body="different")
    result = analyse_rows([notice_row(), bcc, to_sam])
    after = _after(result)
    assert list(after["locator"]) == ["mbox:7"]
    assert after.iloc[0]["recipient_persons"].split(";") == ["dana", "sam"]
    assert result.summary["respondent_contacts_after_notice"]["total"] == 1


def test_third_party_writing_to_the_victim(analyse_rows):
    rows = [notice_row(),
            wa_row("line:1", AFTER, "whatsapp:sam", "Are you OK?",
                   source="exports/WhatsApp Chat with Sam.txt", conversation="Sam")]
    result = analyse_rows(rows)
    assert result.summary["third_party_contacts_after_notice"] == {
        "total": 1, "by_account": {"whatsapp:sam": 1}}
    assert result.summary["respondent_contacts_after_notice"]["total"] == 0


def test_group_posts_are_counted_apart(analyse_rows):
    group = dict(source="exports/WhatsApp Chat with Book club.txt", conversation="Book club",
                 conversation_kind="group")
    rows = [notice_row(),
            wa_row("line:1", AFTER, "whatsapp:rob", "Dana can't hide", **group),
            wa_row("line:2", "2024-03-12T10:00:00Z", "whatsapp:rob", "see you all", **group),
            wa_row("line:3", "2024-03-01T10:00:00Z", "whatsapp:rob", "before", **group)]
    result = analyse_rows(rows)
    assert result.summary["respondent_group_messages_after_notice"] == 2
    assert result.summary["respondent_contacts_after_notice"]["total"] == 0
    assert list(result.tables["group_after"]["locator"]) == ["line:1", "line:2"]


def test_victim_reply_after_the_request_is_counted_and_listed(analyse_rows):
    rows = [notice_row(), wa_row("line:1", AFTER, "whatsapp:rob", "answer me"),
            wa_row("line:2", "2024-03-11T10:05:00Z", "whatsapp:dana example", "Please stop.")]
    result = analyse_rows(rows)
    assert result.summary["victim_contacts_after_notice"] == {
        "total": 1, "by_platform": {"whatsapp": 1}}
    assert list(result.tables["victim_after"]["body"]) == ["Please stop."]


def test_new_account_after_the_request_is_unattributed_listed_and_suggested(analyse_rows):
    discord = dict(source="exports/discord", platform="discord", conversation="dm",
                   from_owner=False)
    rows = [notice_row(),
            row("json:$[0]", at="2024-03-01T10:00:00Z", sender="discord:robz",
                sender_display="Rob", body="old", **discord),
            row("json:$[1]", at=AFTER, sender="discord:robz_back", sender_display="Rob",
                body="blocked me? new account", **discord),
            row("json:$[2]", at="2024-03-12T10:00:00Z", sender="discord:robz_back",
                sender_display="Rob", body="still here", **discord)]
    result = analyse_rows(rows)
    msgs = result.messages
    assert (msgs.loc[msgs["sender"] == "discord:robz_back", "sender_person"] == "").all()
    assert result.summary["unattributed_accounts_after_notice"] == [
        {"account": "discord:robz_back", "total": 2, "shown_as": "Rob"}]
    assert result.summary["respondent_contacts_after_notice"]["total"] == 0
    assert "discord:robz_back" in result.summary["course_of_conduct"]["new_accounts_after"]
    hints = seen.suggestions(msgs, result.notice.latest)
    mine = hints[hints["account"] == "discord:robz_back"]
    assert "rob" in set(mine["suggested_person"])
    assert mine["reason"].str.contains("same display name").any()
    assert mine["reason"].str.contains("after the stop request").any()
    # the German report says why in German, the account keys as they are
    from whoa_analysis import i18n
    german = seen.suggestions(msgs, result.notice.latest, translate=i18n.translator("de"))
    reasons = set(german[german["account"] == "discord:robz_back"]["reason"])
    assert "schrieb dem Opfer 2-mal: ein neues Konto nach einer Sperre?" in " ".join(reasons)
    assert any(r.startswith("derselbe angezeigte Name wie discord:") for r in reasons)


def test_suggestions_include_the_same_number_on_another_platform():
    msgs = pd.DataFrame({
        "sender": ["phone:+447700900456", "telegram:+44 7700 900456"],
        "sender_display": ["", "+44 7700 900456"], "sender_person": ["rob", ""],
        "sender_role": ["respondent", ""], "recipients": ["", ""],
        "sent_at": pd.to_datetime(["2024-03-01T10:00:00Z", "2024-03-02T10:00:00Z"]),
        "platform": ["sms", "telegram"]})
    hints = seen.suggestions(msgs, None, region="GB")
    assert list(hints["account"]) == ["telegram:+44 7700 900456"]
    assert list(hints["suggested_person"]) == ["rob"]
    assert "same phone number" in hints.iloc[0]["reason"]


def test_accessor_only_forwards(analyse_rows):
    from whoa_analysis.accessor import register

    register()
    result = analyse_rows([notice_row(), wa_row("line:1", AFTER, "whatsapp:rob", "hi")])
    msgs = result.messages
    pd.testing.assert_frame_equal(msgs.whoa.accounts(), seen.accounts_table(msgs))
    assert list(msgs.whoa.by(direction="respondent_to_victim")["locator"]) == ["line:1"]
    placed = msgs.whoa.place(result.notice.earliest, result.notice.latest)
    assert list(placed["period"]) == ["undetermined", "after"]   # no notice id: same instant


def test_group_in_someone_elses_export_is_not_contact_with_the_victim(analyse_rows):
    sams_group = wa_row("line:1", AFTER, "whatsapp:rob", "hi all", owner="sam",
                        source="exports/Sam's WhatsApp Chat with Football.txt",
                        conversation="Football", conversation_kind="group")
    result = analyse_rows([notice_row(), sams_group])
    assert result.summary["respondent_group_messages_after_notice"] == 0
    assert result.messages.iloc[1]["direction"] == "other"


def test_an_unnormalised_key_still_finds_its_person(analyse_rows):
    # A reader that wrote the number as shown: the case file's normalised key still claims it.
    sms = row("line:1", source="exports/sms.csv", platform="sms", at=AFTER,
              sender="phone:07700 900456", body="answer", from_owner=False)
    result = analyse_rows([notice_row(), sms])
    assert result.messages.iloc[1]["sender_person"] == "rob"
