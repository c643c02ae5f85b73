"""The sample case's summary, against counts worked out by hand from the sample exports.

How the numbers were counted (stop request: Dana's mail of 2024-03-10 09:00:00 UTC; London is
on GMT then, so local time = UTC):

respondent -> victim AFTER (24)
  email 4     Inbox #3 (03-10, rob@), #4 (03-12, rob.offender@, Dana only Bcc),
              #5 (03-15, rob.offender@; rob_new_address.eml is the same mail: counted once),
              #7 (03-18, rob@)
  telegram 5  03-10 09:47 text, 03-10 20:30 missed call, 03-11, 03-12, 03-14 voice message
  whatsapp 5  03-10 12:03 text, 12:05 missed call, 03-11 deleted, 03-12 text, 03-13 media
  sms 3       03-10 10:15, 10:16, 03-11 MMS (all from +447700900456)
  phone 5     calls 03-10 13:02, 13:05, 03-12 20:15, 20:16 voicemail + incident log 03-11 19:05
  letter 1, in_person 1 (incident log, person:rob)
respondent -> victim BEFORE (25)
  discord 7, email 3, sms 3, phone 2 (calls 02-20, 02-27), telegram 4, whatsapp 6
respondent group posts after: 2 (Book Club 03-10 18:30, 03-12 21:05)
victim -> respondent after: 1 (WhatsApp "Please stop.", 03-14 08:10); the request itself is
  the notice, not a contact after it
third party -> victim after: 2 (Sam: email 03-16, SMS 03-12; his group posts are not direct)
unattributed after: discord 300000000000000003 x4, phone +447700900789 x4 (2 SMS, 2 calls)
"""

from __future__ import annotations

from whoa_analysis import case as case_mod
from whoa_analysis import pipeline


def _summary(sample):
    return pipeline.prepare(case_mod.load(sample / "case.toml")).analysis.summary


def test_sample_summary_matches_the_hand_count(sample):
    s = _summary(sample)
    assert s["case_id"] == "SAMPLE-001"
    assert s["notice"]["sent_at"] == "2024-03-10T09:00:00Z"
    assert s["notice"]["platform"] == "email"
    assert s["notice"]["sender"] == "email:dana@example.org"
    assert "Do not contact me in any way in the future." in s["notice"]["text"]
    assert s["duplicates_merged"] == 1

    after = s["respondent_contacts_after_notice"]
    assert after["total"] == 24
    assert after["by_platform"] == {"email": 4, "in_person": 1, "letter": 1, "phone": 5,
                                    "sms": 3, "telegram": 5, "whatsapp": 5}
    assert after["first_at"] == "2024-03-10T09:47:22Z"      # Telegram, 8 s before the mail
    assert after["last_at"] == "2024-03-20T17:30:00Z"       # the visit
    assert after["by_account"]["email:rob.offender@mailbox.example"] == 2
    assert after["by_account"]["phone:+447700900456"] == 8  # 3 SMS + 4 calls + the log entry

    before = s["respondent_contacts_before_notice"]
    assert before["total"] == 25
    assert before["by_platform"] == {"discord": 7, "email": 3, "phone": 2, "sms": 3,
                                     "telegram": 4, "whatsapp": 6}
    # accounts as the case file names them; the ids the exports give them kept apart
    assert before["by_account"] == {"discord:robz": 7, "email:rob@example.net": 3,
                                    "phone:+447700900456": 5, "telegram:rob o": 4,
                                    "whatsapp:rob": 6}
    assert s["account_ids"] == {"discord:robz": ["discord:200000000000000002"],
                                "telegram:rob o": ["telegram:user2002"]}

    assert s["respondent_group_messages_after_notice"] == 2
    assert s["victim_contacts_after_notice"] == {"total": 1, "by_platform": {"whatsapp": 1}}
    assert s["third_party_contacts_after_notice"]["total"] == 2
    assert s["third_party_contacts_after_notice"]["by_account"] == {
        "email:sam@example.com": 1, "phone:+447700900321": 1}
    # an account the case does not name: its key, and the name the export shows
    assert s["unattributed_accounts_after_notice"] == [
        {"account": "discord:300000000000000003", "total": 4, "shown_as": "Rob"},
        {"account": "phone:+447700900789", "total": 4, "shown_as": "+447700900789"}]
    assert s["undetermined"] == 0


def test_sample_sources_are_all_read_without_loss(sample):
    s = _summary(sample)
    assert len(s["sources"]) == 11
    assert all(src["unparsed"] == 0 for src in s["sources"])
    assert sum(src["rows"] for src in s["sources"]) == s["messages_total"] + 1
