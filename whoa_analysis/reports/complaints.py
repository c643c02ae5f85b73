"""``complaints/``: one draft per place to complain. Nothing is ever sent.

Destinations: the abuse desks the mail header trace names (the respondent's mail service, the
network the mail came from), each platform the respondent used after the request (from the
offline table ``DESKS`` below), the victim's phone network (a trace request), the hosts of saved
web pages, the person reported (a cease-and-desist letter) and the police. Each draft gives the
facts such a desk asks for: times in UTC, message ids, account ids, for mail the originals. Of
the victim it gives only what the desk needs to find the messages (the victim's account on that
platform, or the name for the police), nothing else. File names are fixed slugs, never taken
from message content. The layout::

    complaints/police.txt                 the police summary (never redacted)
    complaints/platform-<name>.txt        a platform's draft, third parties redacted
    complaints/platform-<name>/           its pack: messages.csv, messages.pdf, redactions.txt
    complaints/redaction-key.txt          who each [third party N] is (kept, not sent)
    complaints/mail-abuse-NN.eml          a mail desk's draft, the originals attached
    complaints/arf/NNN.eml                one RFC 5965 report per offending mail
    complaints/phone-trace-request.txt    each call and text after the request
    complaints/web-host.txt               the saved web pages, per host
    complaints/cease-and-desist.txt       to the person reported: the request, the counts

The drafts' fixed words come from the message catalogue in the case's language (i18n.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..analysis.summary import iso
from ..i18n import Translate
from . import _content as c
from . import _drafts as d
from . import _mail, _mime, letters, mail_drafts, platform_packs
from ._drafts import DRAFT, plain

__all__ = ["DESKS", "DRAFT", "plain", "write_all"]

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
    "irc": Desk("platform-irc", "The IRC network's operators",
                "The network's abuse or staff contact (see its website or MOTD).",
                "the nickname, hostmask, channel, dates and times"),
}


def write_all(inp: c.Inputs, report_id: str, folder: Path) -> list[Path]:
    """Write every draft into ``folder``; returns the files written (sorted). Drafts of our own
    kinds that an earlier run left and this one did not write (a stale destination) go."""
    _ = d.words(inp.case)
    folder.mkdir(parents=True, exist_ok=True)
    texts = {"police": police(inp, report_id, _),
             "cease-and-desist": letters.cease_and_desist(inp, report_id, _)}
    for name, text in (("phone-trace-request", letters.phone_trace(inp, report_id, _)),
                       ("web-host", letters.web_host(inp, report_id, _))):
        if text is not None:
            texts[name] = text
    written = _platform_packs(inp, report_id, folder, texts, _)
    for slug, body in sorted(texts.items()):
        written.append(_write_text(folder / f"{slug}.txt", body))
    written += _mail_files(inp, report_id, folder, _)
    _drop_stale(folder, written)
    return sorted(written)


def _write_text(path: Path, body: str) -> Path:
    path.write_text(body, encoding="utf-8", newline="\n")
    return path


def _platform_packs(inp: c.Inputs, report_id: str, folder: Path, texts: dict[str, str],
                    _: Translate) -> list[Path]:
    """Each platform's (redacted) draft into ``texts``; its pack and the key written."""
    written = []
    for slug, rows in platform_rows(inp).items():
        red = platform_packs.redactor(inp.case, inp.analysis.messages)
        rows = red.frame(rows)
        texts[slug] = _platform_draft(inp, report_id, rows, _)
        written += platform_packs.write_pack(inp, DESKS[str(rows["platform"].iloc[0])].name,
                                             rows, folder / slug, red, _)
    if written and inp.case.people_with_role("third_party"):
        red = platform_packs.redactor(inp.case, inp.analysis.messages)
        written.append(_write_text(folder / "redaction-key.txt",
                                   platform_packs.key_text(red, _)))
    return written


def _mail_files(inp: c.Inputs, report_id: str, folder: Path, _: Translate) -> list[Path]:
    """mail-abuse-NN.eml per set of desks, and arf/NNN.eml per offending mail."""
    mails = mail_drafts.offending(inp)
    written = []
    for n, (contacts, items) in enumerate(mail_drafts.desk_groups(mails), 1):
        text = _mail_draft(inp, report_id, contacts, items, _)
        path = folder / f"mail-abuse-{n:02d}.eml"
        path.write_bytes(mail_drafts.draft_eml(inp, text, contacts, items, _))
        written.append(path)
    if mails:
        written += mail_drafts.write_arf(inp, mails, folder / "arf", _)
    return written


def _drop_stale(folder: Path, written: list[Path]) -> None:
    keep = set(written)
    stale = [*folder.glob("mail-abuse-*.eml"), *folder.glob("platform-*/*"),
             *folder.glob("arf/[0-9][0-9][0-9].eml"), *folder.glob("*.txt")]
    for old in stale:
        if old not in keep and old.is_file() and not old.is_symlink() and _ours(old.name):
            old.unlink()
    for pack in folder.glob("platform-*/"):
        if pack.is_dir() and not pack.is_symlink() and not any(pack.iterdir()):
            pack.rmdir()


def _ours(name: str) -> bool:
    return name.endswith(".eml") or name in ("messages.csv", "messages.pdf", "redactions.txt") \
        or name.startswith(("police", "platform-", "mail-abuse-", "phone-", "web-host",
                            "cease-and-desist", "redaction-key"))


def _message_lines(rows: pd.DataFrame, _: Translate = d.english) -> list[str]:
    out = []
    for n, (_i, r) in enumerate(rows.head(LIST_LIMIT).iterrows(), 1):
        ids = f"{_('evidence id')} {plain(r['message_id'])}; {_('source')} " \
              f"{plain(r['source_path'])} {plain(r['locator'])}"
        mail_id = _mail.message_id_header(r)
        if mail_id:
            ids = f"Message-ID {plain(mail_id)}; " + ids
        out.append(f"{n}. {iso(r['sent_at'])} | {plain(r['platform'])} | {_('from')} "
                   f"{plain(r['sender'])} ({plain(r['sender_display'])}) | "
                   f"{plain(r['conversation'])} | {ids}")
        ids = _platform_ids(r)
        if ids:
            out.append(f"   {ids}")
        words = c.excerpt(r, 300)
        out.append(f"   \"{plain(words)}\"" if words else
                   f"   ({plain(_(c.KIND_WORDS.get(str(r['kind']), str(r['kind']))))}, "
                   f"{_('no text')})")
    if len(rows) > LIST_LIMIT:
        out.append(_("... and {count} more, listed in contacts_after_notice.csv.").format(
            count=len(rows) - LIST_LIMIT))
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


def _respondent_after(inp: c.Inputs) -> pd.DataFrame:
    """The respondent's direct and group messages after the request, every column."""
    tables = inp.analysis.tables
    frames = [tables[k] for k in ("respondent_after", "group_after") if k in tables
              and len(tables[k])]
    if not frames:
        return pd.DataFrame(columns=["platform", "sent_at", "message_id"])
    return pd.concat(frames).sort_values(["sent_at", "message_id"])


def platform_rows(inp: c.Inputs) -> dict[str, pd.DataFrame]:
    """Desk slug -> the rows of the platform(s) it takes, for each desk used after the request."""
    rows = _respondent_after(inp)
    out: dict[str, list[pd.DataFrame]] = {}
    for platform, group in rows.groupby(rows["platform"].astype(str), sort=True):
        desk = DESKS.get(platform)
        if desk is not None:
            out.setdefault(desk.slug, []).append(group)
    return {slug: pd.concat(groups).sort_values(["sent_at", "message_id"])
            for slug, groups in sorted(out.items())}


def platforms(inp: c.Inputs, report_id: str, _: Translate = d.english) -> dict[str, str]:
    """One draft per desk of a platform the respondent used after the request (unredacted)."""
    return {slug: _platform_draft(inp, report_id, rows, _)
            for slug, rows in platform_rows(inp).items()}


def _victim_accounts(inp: c.Inputs, platforms: set[str]) -> list[str]:
    wanted = {"phone" if p in ("sms", "phone") else p for p in platforms}
    return [a for p in inp.case.people_with_role("victim") for a in p.accounts_as_written
            if a.partition(":")[0].strip().lower() in wanted]


def _platform_draft(inp: c.Inputs, report_id: str, rows: pd.DataFrame,
                    _: Translate = d.english) -> str:
    desk = DESKS[str(rows["platform"].iloc[0])]
    accounts = sorted(set(rows["sender"].astype(str)))
    lines = d.header(f"{desk.name}. {_('Where')}: {desk.where}",
                     _("Report of harassment: continued contact after a request to stop"),
                     report_id, _)
    lines += [_("(This route was written down offline; check the platform's current reporting "
                "route before sending.)"), "",
              f"{_('They usually ask for')}: {desk.asks}.", "",
              _("I am reporting the account(s) below for contacting the person I support after "
                "being clearly asked to stop."), "", d.notice_line(inp, _), "",
              _("Account(s) reported") + ": " + ", ".join(plain(a) for a in accounts)]
    victim = _victim_accounts(inp, set(rows["platform"].astype(str)))
    if victim:
        lines.append(_("The account that received them") + ": "
                     + ", ".join(plain(a) for a in victim))
    lines += ["", _("Messages after the request ({count}), times in UTC:").format(
        count=len(rows)), ""]
    lines += _message_lines(rows, _)
    lines += ["", _("The same messages are in the folder {folder}/ (messages.csv, messages.pdf); "
                    "people who are neither the person reporting nor the person reported are "
                    "shown as [third party N].").format(folder=desk.slug)]
    return d.join(lines + ["", d.sign_off(inp, _)])


def _mail_draft(inp: c.Inputs, report_id: str, contacts: list[dict],
                items: list[mail_drafts.Mail], _: Translate = d.english) -> str:
    to = "; ".join(f"{plain(x['address'])} ({plain(_mail.contact_words(x, 'what', _))}; "
                   f"{_('found')}: {plain(_mail.contact_words(x, 'how_found', _))})"
                   for x in contacts) or \
        _("[no abuse contact could be found in the headers: fill in the desk's address]")
    lines = d.header(to, _("Abuse report: harassing mail sent after a request to stop"),
                     report_id, _)
    if any(not _mime.is_address(x["address"]) for x in contacts):
        lines += [_("(A contact above is not a mail address, e.g. a web form: use it there; "
                    "only mail addresses are filled into the draft's To and Cc.)"), ""]
    lines += [_("I am reporting mail sent through your service or network to the person I "
                "support after they asked the sender in writing to stop."), "",
              d.notice_line(inp, _), "",
              _("Messages ({count}), times in UTC:").format(count=len(items)), ""]
    for n, item in enumerate(items, 1):
        row, tr = item.row, item.trace
        lines.append(f"{n}. {iso(row['sent_at'])} | Message-ID "
                     f"{plain(_mail.message_id_header(row))} | {_('From')} "
                     f"{plain(row['sender'])}")
        for label, value in ((_("originating IP"), _mail.field(tr, "originating_ip", "")),
                             (_("entered the recipient's provider at"),
                              _mail.handoff_text(tr, _))):
            if value:
                lines.append(f"   {label}: {plain(value)}")
        lines.append(f"   {_('the message')}: {mail_drafts.attachment_note(inp, item, _)}")
    lines += ["", _("Each message is attached as it sits in the source, with its full headers; "
                    "the headers also follow here as text (control characters shown as "
                    "[U+XXXX])."), ""]
    for n, item in enumerate(items, 1):
        lines += [f"----- {_('headers of message')} {n} -----",
                  plain(item.row.get(_mail.HEADERS, ""), one_line=False).rstrip("\r\n"),
                  f"----- {_('end of headers of message')} {n} -----", ""]
    return d.join(lines + [d.sign_off(inp, _)])


def police(inp: c.Inputs, report_id: str, _: Translate = d.english) -> str:
    """A summary for the officer: the request, the counts, every contact after, the sources."""
    case, summary = inp.case, inp.analysis.summary
    victims = ", ".join(p.name for p in case.people_with_role("victim")) or _("(not named)")
    respondents = ", ".join(p.name for p in case.people_with_role("respondent")) \
        or _("(not named)")
    lines = d.header(_("the police officer dealing with the case"),
                     _("Summary of evidence, case {case}").format(case=plain(case.id)),
                     report_id, _)
    lines += [f"{_('Person reporting')}: {plain(victims)}",
              f"{_('Person reported')}: {plain(respondents)}", "",
              _(c.NO_LEGAL), "", _("The stop request:"), d.notice_line(inp, _)]
    row = inp.analysis.notice.row
    if row is not None:
        lines += [f"{_('Its words')}: \"{plain(c.text(row['body']) or c.text(row['subject']))}\"",
                  f"{_('Evidence')}: {plain(c.evidence_ref(row))}"]
    after = summary["respondent_contacts_after_notice"]
    lines += ["", _("Contacts from the reported person after it: {total} (first {first}, last "
                    "{last}, UTC)").format(total=after["total"],
                                           first=after.get("first_at") or "-",
                                           last=after.get("last_at") or "-")]
    lines += [f"  {_('by')} {plain(c.platform_word(k, _))}: {v}"
              for k, v in after.get("by_platform", {}).items()]
    lines += [f"  {_('from account')} {plain(k)}: {v}"
              for k, v in after.get("by_account", {}).items()]
    lines += [f"{_('Posts in group conversations after it')}: "
              f"{summary['respondent_group_messages_after_notice']}"]
    unattributed = summary.get("unattributed_accounts_after_notice", [])
    lines += [f"{_('Accounts not yet attributed that wrote after it')}: {len(unattributed)}"]
    lines += [f"  {plain(u['account'])}: {u['total']}" for u in unattributed]
    victim_n = summary["victim_contacts_after_notice"]["total"]
    lines += [_("Messages from the person reporting to the reported person after it: {count} "
                "(listed in the report)").format(count=victim_n or _(c.NONE_FOUND)), ""]
    lines += [_("Contacts after the request, times in UTC:"), ""]
    lines += _message_lines(inp.analysis.tables.get("respondent_after", pd.DataFrame()), _)
    lines += ["", _("Sources (SHA-256 at intake):")]
    lines += [f"  {plain(f.get('path'))}  {f.get('size', 0)} {_('bytes')}  "
              f"{plain(f.get('sha256'))}" for f in (inp.manifest or {}).get("files", [])]
    lines += ["", _("The full report (report.pdf, report.html) and the tables are in the same "
                    "evidence pack; the mail originals are attached to the drafts in "
                    "complaints/ (mail-abuse-NN.eml, arf/).")]
    return d.join(lines + ["", d.sign_off(inp, _)])
