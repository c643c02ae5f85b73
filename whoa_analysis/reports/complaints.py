"""``complaints/*.txt``: one draft per place to complain. Nothing is ever sent.

Destinations: the abuse desks the mail header trace names (the respondent's mail service, the
network the mail came from), each platform the respondent used after the request (from the
offline table ``DESKS`` below), and the police. Each draft gives the facts such a desk asks for:
times in UTC, message ids, account ids, and for mail the full headers. Of the victim it gives only
what the desk needs to find the messages (the victim's account on that platform, or the name for
the police), nothing else. File names are fixed slugs, never taken from message content.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..analysis.summary import iso
from . import _content as c
from . import _mail

DRAFT = "DRAFT — review before sending. Nothing has been sent."
LIST_LIMIT = 500          # messages listed in one draft; the rest are in the CSV


@dataclass(frozen=True)
class Desk:
    slug: str             # file name stem: fixed, never from data
    name: str
    where: str
    asks: str


#: platform -> where to report, as known offline when this table was written. The volunteer
#: checks the current route; the draft says so.
DESKS = {
    "discord": Desk("platform-discord", "Discord Trust & Safety",
                    "In the app: right-click the message > Report; or Discord's Trust & Safety "
                    "request form in its help centre (dis.gd/request).",
                    "message links (Copy Message Link) and user IDs (Developer Mode > Copy "
                    "User ID) of the accounts"),
    "whatsapp": Desk("platform-whatsapp", "WhatsApp",
                     "In the app: open the chat > the contact's name > Report; WhatsApp support "
                     "through Settings > Help > Contact us.",
                     "the phone number of the account in international format, dates and times"),
    "telegram": Desk("platform-telegram", "Telegram",
                     "In the app: open the profile > Report; by email to abuse@telegram.org.",
                     "the @username or user id, message links, dates and times"),
    "signal": Desk("platform-signal", "Signal",
                   "In the app: the chat > Report spam and block. Signal cannot read message "
                   "content; the police can ask the victim's device instead.",
                   "the phone number or username of the account"),
    "messenger": Desk("platform-meta-messenger", "Meta (Facebook Messenger)",
                      "In the app: the conversation > Report; Meta's help centre forms for "
                      "harassment.", "the profile link or id, dates and times"),
    "instagram": Desk("platform-meta-instagram", "Meta (Instagram)",
                      "In the app: the message > Report; Instagram's help centre forms for "
                      "harassment.", "the username, dates and times"),
    "slack": Desk("platform-slack", "The Slack workspace's administrators",
                  "The owners or admins of the workspace (Slack routes conduct reports to "
                  "them); Slack's own Trust & Safety through its help centre.",
                  "the member ids (Copy member ID), message links, dates and times"),
    "twitter": Desk("platform-x", "X (Twitter)",
                    "In the app: the message > Report; X's help centre forms for abusive "
                    "behaviour.", "the @handle, message links, dates and times"),
    "googlechat": Desk("platform-google-chat", "Google Chat",
                       "In the app: the message > Report / block; the Workspace administrator "
                       "where the account belongs to an organisation.",
                       "the address of the account, dates and times"),
    "skype": Desk("platform-microsoft-skype", "Microsoft (Skype)",
                  "Microsoft retired Skype in May 2025 (accounts moved to Teams Free): report "
                  "the account to Microsoft through its online-safety 'report a concern' "
                  "form; in Teams, the message > More options > Report.",
                  "the Skype id (live:...), the display name, dates and times"),
    "snapchat": Desk("platform-snapchat", "Snapchat (Snap Inc.)",
                     "In the app: press and hold the message or the friend's name > Report; "
                     "Snapchat's Safety Center support form for harassment.",
                     "the username, dates and times"),
    "imessage": Desk("platform-apple-imessage", "Apple (iMessage)",
                     "In the app: Report Junk under the message; otherwise the police.",
                     "the phone number or Apple ID address, dates and times"),
    "sms": Desk("phone-network", "The victim's mobile network (nuisance and malicious "
                "communications team)",
                "The victim's own network operator; it works with the police on "
                "malicious-call and text investigations.",
                "the calling number, dates and times (UTC) of each call or text"),
    "phone": Desk("phone-network", "The victim's mobile network (nuisance and malicious "
                  "communications team)",
                  "The victim's own network operator; it works with the police on "
                  "malicious-call and text investigations.",
                  "the calling number, dates and times (UTC) of each call or text"),
    "irc": Desk("platform-irc", "The IRC network's operators",
                "The network's abuse or staff contact (see its website or MOTD).",
                "the nickname, hostmask, channel, dates and times"),
}


def plain(value: object, *, one_line: bool = True) -> str:
    """Text for a draft: control and direction-override characters shown as ``[U+XXXX]``, and
    (for one-line fields) newlines shown as `` ⏎ `` so every entry stays one line."""
    out = c.visible(c.text(value))
    return out.replace("\r\n", " ⏎ ").replace("\n", " ⏎ ").replace("\r", " ⏎ ") if one_line \
        else out


def write_all(inp: c.Inputs, report_id: str, folder: Path) -> list[Path]:
    """Write every draft into ``folder``; returns the files written (sorted)."""
    folder.mkdir(parents=True, exist_ok=True)
    drafts = {"police": police(inp, report_id)}
    drafts.update(platforms(inp, report_id))
    drafts.update(mail_desks(inp, report_id))
    written = []
    for slug, body in sorted(drafts.items()):
        path = folder / f"{slug}.txt"
        path.write_text(body, encoding="utf-8", newline="\n")
        written.append(path)
    return written


def _header(to: str, subject: str, report_id: str) -> list[str]:
    return [DRAFT, "", f"To: {to}", f"Subject: {subject}", f"Evidence report id: {report_id}", ""]


def _notice_line(inp: c.Inputs) -> str:
    row = inp.analysis.notice.row
    if row is None:
        return "No stop request was found in the sources (see the report)."
    return (f"On {iso(row['sent_at'])} the person I am writing for asked this account's "
            f"holder, by {c.text(row['platform'])}, in writing, not to contact them any more.")


def _message_lines(rows: pd.DataFrame) -> list[str]:
    out = []
    for n, (_, r) in enumerate(rows.head(LIST_LIMIT).iterrows(), 1):
        ids = f"evidence id {plain(r['message_id'])}; source {plain(r['source_path'])} " \
              f"{plain(r['locator'])}"
        mail_id = _mail.message_id_header(r)
        if mail_id:
            ids = f"Message-ID {plain(mail_id)}; " + ids
        out.append(f"{n}. {iso(r['sent_at'])} | {plain(r['platform'])} | from "
                   f"{plain(r['sender'])} ({plain(r['sender_display'])}) | "
                   f"{plain(r['conversation'])} | {ids}")
        ids = _platform_ids(r)
        if ids:
            out.append(f"   {ids}")
        words = c.excerpt(r, 300)
        out.append(f"   \"{plain(words)}\"" if words else f"   ({plain(r['kind'])}, no text)")
    if len(rows) > LIST_LIMIT:
        out.append(f"... and {len(rows) - LIST_LIMIT} more, listed in contacts_after_notice.csv.")
    return out


#: Columns some readers add with the platform's own ids, which a platform's desk asks for.
PLATFORM_IDS = (("platform_message_id", "platform message id"),
                ("telegram_id", "Telegram message id"), ("chat_id", "chat id"),
                ("channel_id", "channel id"), ("sender_alt", "account also known as"))


def _platform_ids(row: pd.Series) -> str:
    parts = [f"{label} {plain(row[col])}" for col, label in PLATFORM_IDS
             if col in row and c.text(row[col])]
    link = _discord_link(row)
    return "; ".join(parts + ([f"link {link}"] if link else []))


def _discord_link(row: pd.Series) -> str:
    """A Discord direct-message link, built only from digits (never from other text)."""
    channel, message = (c.text(row.get(k, "")) for k in ("channel_id", "platform_message_id"))
    if (c.text(row.get("platform")) == "discord" and c.text(row.get("conversation_kind"))
            == "direct" and channel.isdigit() and message.isdigit()):
        return f"https://discord.com/channels/@me/{channel}/{message}"
    return ""


#: What a platform draft reads of each message (the tables hold every column of the frame).
DRAFT_COLUMNS = ("sent_at", "message_id", "platform", "sender", "sender_display",
                 "conversation", "conversation_kind", "kind", "body", "subject", "source_path",
                 "locator", _mail.MESSAGE_ID, *(col for col, _ in PLATFORM_IDS))


def _respondent_after(inp: c.Inputs) -> pd.DataFrame:
    tables = inp.analysis.tables
    frames = [tables[k] for k in ("respondent_after", "group_after") if k in tables
              and len(tables[k])]
    if not frames:
        return pd.DataFrame(columns=["platform", "sent_at", "message_id"])
    frames = [f[[col for col in DRAFT_COLUMNS if col in f]] for f in frames]
    return pd.concat(frames).sort_values(["sent_at", "message_id"])


def platforms(inp: c.Inputs, report_id: str) -> dict[str, str]:
    """One draft per desk of a platform the respondent used after the request."""
    rows = _respondent_after(inp)
    out: dict[str, list[pd.DataFrame]] = {}
    for platform, group in rows.groupby(rows["platform"].astype(str), sort=True):
        desk = DESKS.get(platform)
        if desk is not None:
            out.setdefault(desk.slug, []).append(group)
    return {slug: _platform_draft(inp, report_id, pd.concat(groups).sort_values(
        ["sent_at", "message_id"])) for slug, groups in out.items()}


def _victim_accounts(inp: c.Inputs, platforms: set[str]) -> list[str]:
    wanted = {"phone" if p in ("sms", "phone") else p for p in platforms}
    return [a for p in inp.case.people_with_role("victim") for a in p.accounts_as_written
            if a.partition(":")[0].strip().lower() in wanted]


def _platform_draft(inp: c.Inputs, report_id: str, rows: pd.DataFrame) -> str:
    desk = DESKS[str(rows["platform"].iloc[0])]
    accounts = sorted(set(rows["sender"].astype(str)))
    lines = _header(f"{desk.name}. Where: {desk.where}",
                    "Report of harassment: continued contact after a request to stop",
                    report_id)
    lines += ["(This route was written down offline; check the platform's current reporting "
              "route before sending.)", "",
              f"They usually ask for: {desk.asks}.", "",
              "I am reporting the account(s) below for contacting the person I support after "
              "being clearly asked to stop.", "", _notice_line(inp), "",
              "Account(s) reported: " + ", ".join(plain(a) for a in accounts)]
    victim = _victim_accounts(inp, set(rows["platform"].astype(str)))
    if victim:
        lines.append("The account that received them: " + ", ".join(plain(a) for a in victim))
    lines += ["", f"Messages after the request ({len(rows)}), times in UTC:", ""]
    lines += _message_lines(rows)
    return "\n".join(lines + ["", _sign_off(inp)]) + "\n"


def mail_desks(inp: c.Inputs, report_id: str) -> dict[str, str]:
    """One draft per abuse address the header trace names, with the full headers attached."""
    by_address: dict[str, tuple[dict, list[_mail.MailTrace]]] = {}
    for item in inp.traces:
        for contact in _mail.abuse_contacts(item.trace):
            key = contact["address"].casefold()
            by_address.setdefault(key, (contact, []))[1].append(item)
    return {f"mail-abuse-{n:02d}": _mail_draft(inp, report_id, contact, items)
            for n, (_, (contact, items)) in enumerate(sorted(by_address.items()), 1)}


def _mail_draft(inp: c.Inputs, report_id: str, contact: dict,
                items: list[_mail.MailTrace]) -> str:
    lines = _header(f"{plain(contact['address'])} ({plain(contact['what'])}; found: "
                    f"{plain(contact['how_found'])})",
                    "Abuse report: harassing mail sent after a request to stop", report_id)
    lines += ["I am reporting mail sent through your service or network to the person I "
              "support after they asked the sender in writing to stop.", "", _notice_line(inp),
              "", f"Messages ({len(items)}), times in UTC:", ""]
    for n, item in enumerate(items, 1):
        row, tr = item.row, item.trace
        lines.append(f"{n}. {iso(row['sent_at'])} | Message-ID "
                     f"{plain(_mail.message_id_header(row))} | From {plain(row['sender'])}")
        for label, value in (("originating IP", _mail.field(tr, "originating_ip", "")),
                             ("entered the recipient's provider at", _mail.handoff_text(tr))):
            if value:
                lines.append(f"   {label}: {plain(value)}")
    lines += ["", "The full headers of each message follow, exactly as received "
              "(control characters shown as [U+XXXX]).", ""]
    for n, item in enumerate(items, 1):
        lines += [f"----- headers of message {n} -----",
                  plain(item.row.get(_mail.HEADERS, ""), one_line=False).rstrip("\r\n"),
                  f"----- end of headers of message {n} -----", ""]
    return "\n".join(lines + [_sign_off(inp)]) + "\n"


def police(inp: c.Inputs, report_id: str) -> str:
    """A summary for the officer: the request, the counts, every contact after, the sources."""
    case, summary = inp.case, inp.analysis.summary
    victims = ", ".join(p.name for p in case.people_with_role("victim")) or "(not named)"
    respondents = ", ".join(p.name for p in case.people_with_role("respondent")) or "(not named)"
    lines = _header("the police officer dealing with the case",
                    f"Summary of evidence, case {plain(case.id)}", report_id)
    lines += [f"Person reporting: {plain(victims)}", f"Person reported: {plain(respondents)}", "",
              c.NO_LEGAL, "", "The stop request:", _notice_line(inp)]
    row = inp.analysis.notice.row
    if row is not None:
        lines += [f"Its words: \"{plain(c.text(row['body']) or c.text(row['subject']))}\"",
                  f"Evidence: {plain(c.evidence_ref(row))}"]
    after = summary["respondent_contacts_after_notice"]
    lines += ["", f"Contacts from the reported person after it: {after['total']} "
              f"(first {after.get('first_at') or '-'}, last {after.get('last_at') or '-'}, UTC)"]
    lines += [f"  by {plain(k)}: {v}" for k, v in after.get("by_platform", {}).items()]
    lines += [f"  from account {plain(k)}: {v}" for k, v in after.get("by_account", {}).items()]
    lines += [f"Posts in group conversations after it: "
              f"{summary['respondent_group_messages_after_notice']}"]
    unattributed = summary.get("unattributed_accounts_after_notice", [])
    lines += [f"Accounts not yet attributed that wrote after it: {len(unattributed)}"]
    lines += [f"  {plain(u['account'])}: {u['total']}" for u in unattributed]
    victim_n = summary["victim_contacts_after_notice"]["total"]
    lines += [f"Messages from the person reporting to the reported person after it: "
              f"{victim_n or c.NONE_FOUND} (listed in the report)", ""]
    lines += ["Contacts after the request, times in UTC:", ""]
    lines += _message_lines(inp.analysis.tables.get("respondent_after", pd.DataFrame()))
    lines += ["", "Sources (SHA-256 at intake):"]
    lines += [f"  {plain(f.get('path'))}  {f.get('size', 0)} bytes  {plain(f.get('sha256'))}"
              for f in (inp.manifest or {}).get("files", [])]
    lines += ["", "The full report (report.pdf, report.html) and the tables are in the same "
              "evidence pack."]
    return "\n".join(lines + ["", _sign_off(inp)]) + "\n"


def _sign_off(inp: c.Inputs) -> str:
    who = inp.case.prepared_by or "[name of the person sending this]"
    return f"Sent by: {plain(who)}\n[contact details of the sender]"
