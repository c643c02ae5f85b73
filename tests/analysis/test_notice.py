"""The stop request: found by phrase, pinned, repeated, missing, and whether it was received."""

from __future__ import annotations

from .conftest import NOTICE_AT, notice_row, rob_mail, row, wa_row


def test_earliest_candidate_is_the_notice_and_later_ones_are_repeats(analyse_rows):
    later = wa_row("line:9", "2024-03-15T10:00:00Z", "whatsapp:dana example",
                   "I told you: STOP contacting me")
    earlier = wa_row("line:1", "2024-03-01T10:00:00Z", "whatsapp:rob", "hi")
    result = analyse_rows([later, earlier, notice_row()])   # frame order must not matter
    block = result.summary["notice"]
    assert block["message_id"] == result.messages.iloc[2]["message_id"]
    assert block["sent_at"] == NOTICE_AT
    assert block["text"] == "Do not contact me in any way in the future."
    assert block["platform"] == "email" and block["sender"] == "email:dana@example.org"
    assert block["repeats"] == [result.messages.iloc[0]["message_id"]]
    assert list(result.notice.repeats["locator"]) == ["line:9"]
    # The repeat is itself a victim -> respondent message after the notice.
    assert result.summary["victim_contacts_after_notice"]["total"] == 1


def test_notice_shows_channel_times_source_and_hash(analyse_rows):
    result = analyse_rows([notice_row(at="2024-06-10T09:00:00Z")])
    block = result.summary["notice"]
    assert block["sent_at_local"] == "2024-06-10 10:00:00 BST"
    assert block["source_path"] == "exports/dana_sent.mbox"
    assert block["locator"] == "mbox:1"
    assert len(block["record_sha256"]) == 64
    assert block["subject"] == "Stop contacting me"


def test_the_notice_itself_is_not_undetermined(analyse_rows):
    result = analyse_rows([notice_row()])
    assert result.summary["undetermined"] == 0
    assert result.messages.iloc[0]["period"] == "notice"


def test_phrases_from_the_case_file_are_used(analyse_rows):
    mine = notice_row(body="Ab jetzt herrscht Funkstille.", subject="Schluss")
    result = analyse_rows([mine], phrases=["herrscht Funkstille"])
    assert result.summary["notice"]["how_found"] == "phrase 'herrscht Funkstille' (the case file)"
    assert result.summary["notice"]["phrase"] == "herrscht Funkstille"
    assert result.summary["notice"]["language"] == "case"


def test_built_in_phrase_names_its_language(analyse_rows):
    mine = notice_row(body="Ich will keinen Kontakt mehr.", subject="Schluss")
    block = analyse_rows([mine]).summary["notice"]
    assert (block["phrase"], block["language"]) == ("ich will keinen kontakt mehr", "de")
    assert block["how_found"] == "phrase 'ich will keinen kontakt mehr' (Deutsch (de))"
    assert block["text"] == "Ich will keinen Kontakt mehr."          # the stored text as sent


def test_a_message_from_the_respondent_is_never_the_notice(analyse_rows):
    result = analyse_rows([rob_mail("mbox:2", "2024-03-09T10:00:00Z",
                                    body="Fine, do not contact me then")])
    assert result.summary["notice"] is None


def test_pinned_message_id_wins_over_the_phrases(analyse_rows):
    pinned = wa_row("line:4", "2024-03-12T08:00:00Z", "whatsapp:dana example",
                    "This is the last time I write to you.")
    rows = [notice_row(), pinned, wa_row("line:5", "2024-03-12T09:00:00Z", "whatsapp:rob", "no")]
    result = analyse_rows(rows, notice=pinned["message_id"])
    block = result.summary["notice"]
    assert block["message_id"] == pinned["message_id"]
    assert block["how_found"] == "pinned by the case file"
    # The earlier phrase match is not a repeat of a later request, but it is said.
    assert block["repeats"] == []
    assert any("earlier" in p and notice_row()["message_id"] in p
               for p in result.summary["notice_problems"])
    assert result.summary["respondent_contacts_after_notice"]["total"] == 1


def test_pinned_copy_of_a_duplicate_resolves_to_the_counted_copy(analyse_rows):
    first = notice_row()
    copy = notice_row("mbox:40", source="exports/dana_backup.mbox",
                      email_message_id=first["email_message_id"], raw="other bytes")
    result = analyse_rows([first, copy], notice=copy["message_id"])
    assert result.summary["notice"]["message_id"] == first["message_id"]
    assert result.summary["notice_problems"] == []


def test_pinned_id_that_does_not_exist_is_a_clear_problem(analyse_rows):
    result = analyse_rows([notice_row()], notice="0123456789ab:mbox:99")
    assert result.summary["notice"] is None
    (problem,) = result.summary["notice_problems"]
    assert "0123456789ab:mbox:99" in problem and "message_id" in problem


def test_pinned_message_without_a_time_is_a_clear_problem(analyse_rows):
    untimed = notice_row(at=None)
    result = analyse_rows([untimed], notice=untimed["message_id"])
    assert result.summary["notice"] is None
    assert "no time" in result.summary["notice_problems"][0]


def test_no_request_found_says_so_and_still_summarises(analyse_rows):
    rows = [rob_mail("mbox:2", "2024-03-11T10:00:00Z"),
            row("line:1", at=None, sender="whatsapp:rob", platform="whatsapp",
                source="exports/wa.txt", body="no time here")]
    result = analyse_rows(rows)
    summary = result.summary
    assert summary["notice"] is None
    assert "no stop request found" in summary["notice_problems"][0]
    assert summary["respondent_contacts_after_notice"]["total"] == 0
    assert summary["respondent_contacts_before_notice"]["total"] == 0
    assert summary["messages_total"] == 2
    # Without a request nothing is before or after it; only rows with their own problem
    # (here: no time) are undetermined.
    assert summary["undetermined"] == 1
    assert summary["undetermined_reasons"] == {"no time in the export": 1}


def test_receipt_is_evidenced_by_a_reply_to_the_request(analyse_rows):
    notice = notice_row()
    reply = rob_mail("mbox:5", "2024-03-10T12:00:00Z", subject="Re: whatever",
                     in_reply_to=notice["email_message_id"])
    result = analyse_rows([notice, reply])
    assert result.notice.received.startswith("the respondent replied")
    assert reply["message_id"] in result.summary["notice"]["received"]


def test_receipt_not_evidenced_without_reply(analyse_rows):
    result = analyse_rows([notice_row(), wa_row("line:1", "2024-03-11T10:00:00Z",
                                                 "whatsapp:rob", "hi")])
    assert result.summary["notice"]["received"] == "not evidenced"


def test_pinning_a_message_that_is_not_victim_to_respondent_is_noted(analyse_rows):
    letter = rob_mail("mbox:2", "2024-03-09T10:00:00Z")
    result = analyse_rows([letter, rob_mail("mbox:3", "2024-03-11T10:00:00Z")],
                          notice=letter["message_id"])
    assert result.summary["notice"]["message_id"] == letter["message_id"]
    assert any("not a message from the victim" in p for p in result.summary["notice_problems"])
    assert result.summary["respondent_contacts_after_notice"]["total"] == 1


def test_phrases_match_whatever_the_case_accents_and_quotes(analyse_rows):
    from whoa_analysis.analysis import notice as nt
    table = nt._phrases()
    for text, phrase, lang in [
            ("NE M’ÉCRIVEZ PLUS.", "ne m'écrivez plus", "fr"),
            ("dejame en paz!!", "déjame en paz", "es"),
            ("Bitte: Hör auf,\nmich zu kontaktieren", "hör auf, mich zu kontaktieren", "de"),
            ("Don’t contact me", "don't contact me", "en"),
            ("ОСТАВЬТЕ МЕНЯ В ПОКОЕ", "оставьте меня в покое", "ru"),
            ("拜托，请不要再联系我了", "请不要再联系我", "zh")]:
        found = nt.match(text, table)
        assert found is not None, text
        assert (found.phrase, found.language) == (phrase, lang)
    # whole words only (where words are spaced): no stop request inside another word
    assert nt.match("I can't leave me alonely", table) is None
    assert nt.match("Kontaktieren Sie mich gern wieder", table) is None
