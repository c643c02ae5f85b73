"""Mail complaints as desks ask for them: ``mail-abuse-NN.eml`` drafts and RFC 5965 reports.

- ``complaints/mail-abuse-NN.eml``: a draft (``X-Unsent: 1``: mail programs open it as a message
  to send, nothing is sent) to the abuse desks the header trace names, the draft's text as its
  body and each offending message attached as ``message/rfc822``, byte for byte as it sits in
  the source (``_originals``). Each mail is attached once: mails are grouped by the desks their
  trace names (the first in To, the others in Cc), so a mail whose trace names two desks goes
  to both in one draft. Mail without a desk goes in a last draft with an empty To.
- ``complaints/arf/NNN.eml``: one Abuse Reporting Format report (RFC 5965) per offending mail::

      Content-Type: multipart/report; report-type=feedback-report; boundary="..."
        text/plain                 what happened, in words
        message/feedback-report    Feedback-Type: abuse / User-Agent / Version: 1 /
                                   Original-Mail-From / Arrival-Date / Source-IP /
                                   Reported-Domain
        message/rfc822             the original, exact (text/rfc822-headers where there is none)

  Source-IP is the address the victim's own server saw connecting (the trusted handoff hop),
  Arrival-Date that server's time of receipt; a field the trace cannot give is left out, never
  guessed.

An Outlook .msg holds no RFC 822 original: the draft says so and attaches the .msg file as
exported; the ARF report carries its transport headers as ``text/rfc822-headers``.
"""

from __future__ import annotations

import email.utils
import ipaddress
import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pandas as pd

from ..i18n import Translate
from . import _content as c
from . import _drafts as d
from . import _mail, _mime, _originals

#: What this module reads of each mail row.
COLUMNS = ("message_id", "sent_at", "platform", "sender", "sender_display", "subject",
           "source_path", "source_format", "locator", "record_sha256", _mail.HEADERS,
           _mail.MESSAGE_ID)
_DOMAIN = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")
#: Characters of data (a subject, a name) put in a Subject field: a hostile mail's 50 MB header
#: must not make a draft's header as long.
SUBJECT_PART = 200
_RETURN_PATH = re.compile(r"(?im)^return-path:[ \t]*<([^<>\r\n]*)>")


@dataclass(frozen=True)
class Mail:
    n: int                           # 1.. in time order: the ARF report's number
    row: dict
    trace: object | None
    original: _originals.Original

    @property
    def contacts(self) -> list[dict]:
        return _mail.abuse_contacts(self.trace)


def offending(inp: c.Inputs) -> list[Mail]:
    """The respondent's mail after the request, in time order, each with its trace and bytes."""
    rows = inp.analysis.tables.get("respondent_after", pd.DataFrame())
    if rows.empty:
        return []
    mail = rows[rows["platform"].astype(str) == "email"].sort_values(["sent_at", "message_id"])
    traces = {t.row.get("message_id"): t.trace for t in inp.traces}
    records = mail[[col for col in COLUMNS if col in mail]].to_dict("records")
    return [Mail(n, row, traces.get(row["message_id"]), _originals.read(inp.case, row))
            for n, row in enumerate(records, 1)]


# --------------------------------------------------------------------------- attachments

def attachment(inp: c.Inputs, mail: Mail, _: Translate) -> tuple[bytes, str] | None:
    """The part that carries the mail as exported, or None when nothing can be attached."""
    name, sha = f"message-{mail.n:03d}", c.text(mail.row.get("record_sha256"))
    if mail.original.ok and mail.original.kind == "rfc822":
        return _mime.attached_part(mail.original.data, "message/rfc822", name + ".eml",
                                   _("the message exactly as in the source, SHA-256 ") + sha)
    data = _originals.msg_file(inp.case, mail.row) if mail.original.kind == "msg" else None
    if data is None:
        return None
    part = EmailMessage(policy=policy.SMTP)
    part.set_content(data, "application", "vnd.ms-outlook", filename=name + ".msg")
    part["Content-Description"] = _mime.header_value(
        _("the Outlook .msg file as exported (no RFC 822 original exists), SHA-256 ") + sha)
    return part.as_bytes(), "7bit"


def attachment_note(inp: c.Inputs, mail: Mail, _: Translate) -> str:
    """One line for the draft's text: what is attached for this mail, or why nothing is."""
    if mail.original.ok:
        return _("attached as message-{n:03d}.eml, exactly as in the source").format(n=mail.n)
    if mail.original.kind == "msg" and _originals.msg_file(inp.case, mail.row) is not None:
        return _("not attachable as a message: {why}").format(why=_(mail.original.problem))
    return _("not attached: {why}").format(why=_(mail.original.problem))


# --------------------------------------------------------------------------- abuse drafts

def desk_groups(mails: list[Mail]) -> list[tuple[list[dict], list[Mail]]]:
    """(desks, mails) per set of desks the traces name; mails with none come last."""
    groups: dict[tuple[str, ...], tuple[list[dict], list[Mail]]] = {}
    for mail in mails:
        key = tuple(x["address"].casefold() for x in mail.contacts)
        groups.setdefault(key, (mail.contacts, []))[1].append(mail)
    return [groups[k] for k in sorted(groups, key=lambda k: (not k, k))]


def addresses(contacts: list[dict]) -> list[str]:
    """The desks' addresses that can stand in a header (web forms and odd text cannot)."""
    return [x["address"] for x in contacts if _mime.is_address(x["address"])]


def draft_eml(inp: c.Inputs, text: str, contacts: list[dict], mails: list[Mail],
              _: Translate) -> bytes:
    """The .eml draft: ``text`` as its body, the mails attached."""
    to = addresses(contacts)
    senders = sorted({_sender(m.row) for m in mails} - {""})
    subject = _("Abuse report: harassing mail sent after a request to stop")
    if senders:
        # The names are the sender's own words: header_value encodes any line break in them.
        more = f", +{len(senders) - 3}" if len(senders) > 3 else ""
        subject += " (" + ", ".join(s[:SUBJECT_PART] for s in senders[:3]) + more + ")"
    top = _top_fields(inp, to[:1], subject) + ([("Cc", ", ".join(to[1:]))] if to[1:] else [])
    parts = [(_mime.text_part(text), "8bit")]
    parts += [p for p in (attachment(inp, m, _) for m in mails) if p is not None]
    return _mime.multipart(top, "mixed", parts)


def _top_fields(inp: c.Inputs, to: list[str], subject: str) -> _mime.Fields:
    stamp = pd.Timestamp(inp.generated_at).tz_convert("UTC").to_pydatetime()
    fields = [("X-Unsent", "1"), ("Date", email.utils.format_datetime(stamp))]
    return fields + ([("To", ", ".join(to))] if to else []) + [("Subject", subject)]


def _sender(row: dict) -> str:
    """"Name <address>" of the mail's sender, as far as the row has them."""
    address, name = _sender_address(row), c.text(row.get("sender_display"))
    return f"{name} <{address}>" if address and name and name != address else address


def _sender_address(row: dict) -> str:
    platform, _, address = c.text(row.get("sender")).partition(":")
    return address if platform == "email" and _mime.is_address(address) else ""


# --------------------------------------------------------------------------- ARF (RFC 5965)

def arf(inp: c.Inputs, mail: Mail, _: Translate) -> bytes:
    """One RFC 5965 feedback report for ``mail``."""
    to = addresses(mail.contacts)
    subject = _("Abuse report") + ": " + c.text(mail.row.get("subject"))[:SUBJECT_PART]
    human = _mime.text_part(_arf_text(inp, mail, _))
    report = _mime.fields_part(feedback_fields(inp, mail), "message/feedback-report")
    original = attachment(inp, mail, _) if mail.original.ok else None
    if original is None:
        original = _headers_part(mail, _)
    return _mime.multipart(_top_fields(inp, to[:1], subject), "report",
                           [(human, "8bit"), (report, "7bit"), original],
                           params="report-type=feedback-report; ")


def feedback_fields(inp: c.Inputs, mail: Mail) -> _mime.Fields:
    """The machine-readable part; a field the sources cannot give is left out."""
    fields = [("Feedback-Type", "abuse"), ("User-Agent", f"whoa_analysis/{inp.tool_version}"),
              ("Version", "1")]
    mail_from = original_mail_from(mail.row)
    if mail_from:
        fields.append(("Original-Mail-From", f"<{mail_from}>"))
    arrived = arrival(mail.trace)
    if arrived is not None:
        fields.append(("Arrival-Date", email.utils.format_datetime(arrived)))
    ip = source_ip(mail.trace)
    if ip:
        fields.append(("Source-IP", ip))
    domain = _sender_address(mail.row).rpartition("@")[2]
    if _DOMAIN.fullmatch(domain):
        fields.append(("Reported-Domain", domain.lower()))
    return fields


def original_mail_from(row: dict) -> str:
    """The envelope sender: the Return-Path the receiving server wrote, else the From address."""
    found = _RETURN_PATH.search(c.text(row.get(_mail.HEADERS)))
    if found and _mime.is_address(found.group(1)):
        return found.group(1)
    return _sender_address(row)


def source_ip(trace: object) -> str:
    """The IP the victim's own server saw hand the message over (the trusted hop), if valid."""
    value = c.text(_mail.field(trace, "handoff_ip", ""))
    try:
        return str(ipaddress.ip_address(value)) if value else ""
    except ValueError:
        return ""


def arrival(trace: object) -> object | None:
    """When the victim's own servers received it, as an aware UTC datetime: the time of the own
    hop just above the handoff (the handoff hop itself was written by the sending side), or of
    the topmost hop when every hop is their own; None when no trusted hop says."""
    hops = _mail.field(trace, "hop_rows") or []
    handoff = _mail.field(trace, "handoff")
    at = 1 if handoff is None else handoff - 1 if isinstance(handoff, int) else 0
    if not 0 < at <= len(hops) or not isinstance(hops[at - 1], dict):
        return None
    try:
        stamp = pd.Timestamp(hops[at - 1].get("time"))
        return None if pd.isna(stamp) else stamp.tz_convert("UTC").to_pydatetime()
    except (TypeError, ValueError):      # a hop time without a zone is not used
        return None


def _headers_part(mail: Mail, _: Translate) -> tuple[bytes, str]:
    """The headers as the reader kept them, when the message itself cannot be attached."""
    raw = c.text(mail.row.get(_mail.HEADERS)).encode("utf-8", "replace")
    why = _(mail.original.problem) if mail.original.problem else ""
    return _mime.attached_part(raw, "text/rfc822-headers", f"message-{mail.n:03d}-headers.txt",
                               _("the message's headers as read; the message itself is not "
                                 "attached: ") + why)


def _arf_text(inp: c.Inputs, mail: Mail, _: Translate) -> str:
    row = mail.row
    lines = [_(d.DRAFT), "",
             _("This is an abuse report in the Abuse Reporting Format (RFC 5965) about one "
               "message sent to the person I support after they asked the sender in writing "
               "to stop."), "", d.notice_line(inp, _), "",
             f"{_('Sent')}: {d.when(row.get('sent_at'))} (UTC)",
             f"Message-ID: {d.plain(_mail.message_id_header(row)) or '-'}",
             f"{_('From')}: {d.plain(row.get('sender'))} ({d.plain(row.get('sender_display'))})",
             f"{_('Evidence id')}: {d.plain(row.get('message_id'))}",
             f"{_('The message')}: {attachment_note(inp, mail, _)}", "",
             _("Header fields below the handoff to the recipient's provider may be forged; "
               "Source-IP is the address the recipient's provider saw."), "",
             d.sign_off(inp, _)]
    return d.join(lines)


# --------------------------------------------------------------------------- writing

def write_arf(inp: c.Inputs, mails: list[Mail], folder: Path, _: Translate) -> list[Path]:
    """``folder/NNN.eml`` per mail; reports an earlier run left beyond these are removed."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for mail in mails:
        path = folder / f"{mail.n:03d}.eml"
        path.write_bytes(arf(inp, mail, _))
        written.append(path)
    keep = {p.name for p in written}
    for old in folder.glob("[0-9][0-9][0-9].eml"):
        if old.name not in keep:
            old.unlink()
    return written
