"""The same message in two exports counts once, and every copy's provenance is kept."""

from __future__ import annotations

import pandas as pd

from whoa_analysis import schema
from whoa_analysis.analysis import duplicates

from .conftest import PEOPLE, notice_row, rob_mail, wa_row

AFTER = "2024-03-11T10:00:00Z"


def test_same_mail_in_two_mailboxes_counts_once_with_both_provenances(analyse_rows):
    inbox = rob_mail("mbox:2", AFTER, raw="Received: from a\r\n...")
    # The Takeout copy has other transport headers, so other raw bytes: still the same mail.
    takeout = rob_mail("mbox:17", AFTER, source="exports/Takeout/All mail.mbox",
                       email_message_id=inbox["email_message_id"], raw="X-Gmail-Labels: x\r\n")
    result = analyse_rows([notice_row(), inbox, takeout])
    summary = result.summary
    assert summary["duplicates_merged"] == 1
    assert summary["messages_total"] == 2
    assert summary["respondent_contacts_after_notice"]["total"] == 1
    msgs = result.messages.set_index("locator")
    assert msgs.loc["mbox:2", "copies"].split(";") == [
        "exports/dana_inbox.mbox#mbox:2", "exports/Takeout/All mail.mbox#mbox:17"]
    assert msgs.loc["mbox:17", "duplicate_of"] == inbox["message_id"]
    # Every row stays in the frame: nothing is dropped, copies are only not counted twice.
    assert len(result.messages) == 3


def test_reused_message_id_with_other_content_is_not_merged(analyse_rows):
    first = rob_mail("mbox:2", AFTER, body="first text")
    other = rob_mail("mbox:3", AFTER, source="exports/other.mbox", body="other text",
                     email_message_id=first["email_message_id"])
    result = analyse_rows([notice_row(), first, other])
    assert result.summary["duplicates_merged"] == 0
    assert result.summary["respondent_contacts_after_notice"]["total"] == 2


def test_identical_lines_within_one_export_are_separate_messages(analyse_rows):
    # WhatsApp shows minutes only: three "?" in one minute are three messages, not copies.
    rows = [notice_row()] + [wa_row(f"line:{n}", AFTER, "whatsapp:rob", "?") for n in (1, 2, 3)]
    result = analyse_rows(rows)
    assert result.summary["duplicates_merged"] == 0
    assert result.summary["respondent_contacts_after_notice"]["total"] == 3


def test_two_exports_of_one_chat_merge_message_by_message(analyse_rows):
    again = dict(source="exports/WhatsApp Chat with Rob (2).txt")
    rows = [notice_row()]
    rows += [wa_row(f"line:{n}", AFTER, "whatsapp:rob", "?") for n in (1, 2)]
    rows += [wa_row(f"line:{n}", AFTER, "whatsapp:rob", "?", **again) for n in (5, 6, 7)]
    result = analyse_rows(rows)
    assert result.summary["duplicates_merged"] == 2
    assert result.summary["respondent_contacts_after_notice"]["total"] == 3


def test_rows_without_time_are_never_merged(analyse_rows):
    rows = [notice_row(), wa_row("line:1", None, "whatsapp:rob", "same"),
            wa_row("line:1", None, "whatsapp:rob", "same", source="exports/copy.txt")]
    assert analyse_rows(rows).summary["duplicates_merged"] == 0


def test_two_exports_naming_one_whatsapp_sender_differently_still_merge(analyse_rows):
    mine = wa_row("line:1", AFTER, "whatsapp:rob", "see you")
    # Sam's phone shows Rob under another name that the case file also lists as Rob's.
    sams = wa_row("line:8", AFTER, "whatsapp:rob offender", "see you", owner="sam",
                  source="exports/Sam's WhatsApp Chat with Book club.txt")
    rows = [notice_row(), mine, sams]
    people = PEOPLE.replace('"whatsapp:Rob"', '"whatsapp:Rob", "whatsapp:Rob Offender"')
    assert analyse_rows(rows, people=people).summary["duplicates_merged"] == 1


def test_same_text_from_two_accounts_of_one_person_is_two_messages(analyse_rows):
    rows = [notice_row(), rob_mail("mbox:2", AFTER, email_message_id=""),
            rob_mail("mbox:9", AFTER, email_message_id="", source="exports/other.mbox",
                     sender="email:rob.offender@mailbox.example")]
    result = analyse_rows(rows)
    assert result.summary["duplicates_merged"] == 0
    assert result.summary["respondent_contacts_after_notice"]["total"] == 2


# --------------------------------------------------------------------------- copy keys by code

def _same_partition(rows: list[dict]) -> None:
    """key_codes groups rows exactly as the joined keys() strings do (and numbers them alike)."""
    df = schema.from_records(rows)
    assert duplicates.key_codes(df).tolist() == pd.factorize(duplicates.keys(df))[0].tolist()


def test_copy_codes_group_rows_as_the_joined_key_does_with_separators_in_the_text():
    sep = "\x1f"
    other = dict(source="exports/other.txt")
    rows = [wa_row("line:1", AFTER, "whatsapp:rob", "z", subject=f"x{sep}y"),
            wa_row("line:2", AFTER, "whatsapp:rob", f"y{sep}z", subject="x", **other),
            wa_row("line:3", AFTER, "whatsapp:rob", "?"),
            wa_row("line:4", AFTER, "whatsapp:rob", "?", **other),
            wa_row("line:5", AFTER, "whatsapp:rob", "?", **other),
            wa_row("line:6", None, "whatsapp:rob", "?", **other),
            wa_row("line:7", AFTER, "whatsapp:rob", "?", kind="unparsed", **other)]
    _same_partition(rows)
    # The separator inside a subject or body does not move text between them.
    codes = duplicates.key_codes(schema.from_records(rows))
    assert codes[0] != codes[1]


def test_copy_codes_fall_back_to_the_joined_key_when_a_sender_holds_the_separator():
    rows = [wa_row("line:1", AFTER, "whatsapp:rob\x1fx", "a"),
            wa_row("line:2", AFTER, "whatsapp:rob", "x\x1fa", source="exports/other.txt"),
            rob_mail("mbox:2", AFTER, email_message_id="<a\x1fb@x>"),
            rob_mail("mbox:3", AFTER, email_message_id=" <a\x1fb@x> ", source="exports/b.mbox")]
    _same_partition(rows)
    keyed = duplicates.keys(schema.from_records(rows))
    assert keyed[0] != keyed[1]                 # "rob|x" + "a" is not "rob" + "x|a"
    assert keyed[2].rsplit("\x1f", 1)[0] == keyed[3].rsplit("\x1f", 1)[0]   # the same mail


def test_three_exports_of_one_mail_list_every_copy_in_frame_order(analyse_rows):
    first = rob_mail("mbox:2", AFTER)
    mid = first["email_message_id"]
    copies = [rob_mail(f"mbox:{n}", AFTER, source=f"exports/copy{n}.mbox", email_message_id=mid)
              for n in (5, 9)]
    result = analyse_rows([notice_row(), first, *copies])
    msgs = result.messages.set_index("locator")
    assert msgs.loc["mbox:2", "copies"].split(";") == [
        "exports/dana_inbox.mbox#mbox:2", "exports/copy5.mbox#mbox:5",
        "exports/copy9.mbox#mbox:9"]
    assert msgs.loc["mbox:2", "copy_ids"] == ";".join(
        [first["message_id"]] + [c["message_id"] for c in copies])
    assert msgs.loc[["mbox:5", "mbox:9"], "duplicate_of"].tolist() == [first["message_id"]] * 2
    assert msgs.loc[["mbox:5", "mbox:9"], "copies"].tolist() == ["", ""]
    # A frame concatenated from two reads (text in several Arrow chunks) marks the same.
    halves = pd.concat([result.messages.iloc[:2], result.messages.iloc[2:]])
    again = duplicates.mark(halves.drop(columns=["duplicate_of", "copies", "copy_ids"]))
    for col in ("duplicate_of", "copies", "copy_ids"):
        assert again[col].tolist() == result.messages[col].tolist()
