"""Write the sample case's mailboxes (data/sample/exports/mail/), deterministically.

Run ``python data/sample/make_mail.py``; the committed files are what the tests read. Every name,
address and IP is from the ranges reserved for documentation (see STORY.md). Times are UTC.

- ``Inbox.mbox``: what Dana received (Rob before and after the request, from both his addresses,
  once only as Bcc; Sam after; one message with a forged Received field below the handoff).
- ``Sent.mbox``: what Dana sent, with THE STOP REQUEST of 2024-03-10 09:00:00 UTC.
- ``rob_new_address.eml``: a byte-for-byte copy of one Inbox message (the duplicate case).
"""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

OUT = Path(__file__).resolve().parent / "exports" / "mail"
UTC = dt.UTC

ROB = "Rob Offender <rob@example.net>"
ROB2 = "Rob O <rob.offender@mailbox.example>"
DANA = "Dana Example <dana@example.org>"
SAM = "Sam Friend <sam@example.com>"

#: Sending provider -> (its outgoing host, that host's IP, the sender's own client IP).
RELAYS = {
    "example.net": ("mail.example.net", "198.51.100.25", "192.0.2.44"),
    "mailbox.example": ("smtp.mailbox.example", "203.0.113.10", "192.0.2.44"),
    "example.com": ("mail.example.com", "198.51.100.60", "203.0.113.200"),
}


def rfc5322(when: dt.datetime) -> str:
    return when.strftime("%a, %d %b %Y %H:%M:%S +0000")


def envelope(addr: str, when: dt.datetime) -> str:
    return f"From {addr} {when.strftime('%a %b %d %H:%M:%S %Y')}"


def received(domain: str, when: dt.datetime, n: int) -> list[str]:
    """The two hops a message to Dana collects: Dana's MX on top, the sender's provider below."""
    host, host_ip, client_ip = RELAYS[domain]
    got = when + dt.timedelta(seconds=2)
    out = when + dt.timedelta(seconds=1)
    return [
        f"Received: from {host} ({host} [{host_ip}])\n\tby mx1.example.org (Postfix) with "
        f"ESMTPS id 4Tq{n:04d}MX\n\tfor <dana@example.org>; {rfc5322(got)}",
        f"Received: from [{client_ip}] (unknown [{client_ip}])\n\tby {host} (Postfix) with "
        f"ESMTPSA id A{n:04d}\n\tfor <dana@example.org>; {rfc5322(out)}",
    ]


def inbound(n: int, sender: str, to: str, subject: str, when: dt.datetime, body: str, *,
            extra: tuple[str, ...] = (), forged: str = "", mime: str = "") -> str:
    addr = sender.split("<")[1].rstrip(">")
    domain = addr.split("@")[1]
    hops = received(domain, when, n)
    if forged:
        hops.append(forged)
    head = [
        "Return-Path: <" + addr + ">",
        "Delivered-To: dana@example.org",
        *hops,
        f"Authentication-Results: mx1.example.org; spf=pass smtp.mailfrom={addr}; "
        f"dkim=pass header.d={domain}; dmarc=pass header.from={domain}",
        f"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d={domain}; s=mail;\n"
        f"\th=from:to:subject:date:message-id; bh=c2FtcGxlYm9keWhhc2g{n}=; b=c2FtcGxlc2ln{n}=",
        f"From: {sender}", f"To: {to}", f"Subject: {subject}", f"Date: {rfc5322(when)}",
        f"Message-ID: <sample-{n:02d}@{domain}>", *extra, "MIME-Version: 1.0",
    ]
    return _message(head, body, mime)


def outbound(n: int, to: str, subject: str, when: dt.datetime, body: str, *,
             extra: tuple[str, ...] = ()) -> str:
    head = [f"From: {DANA}", f"To: {to}", f"Subject: {subject}", f"Date: {rfc5322(when)}",
            f"Message-ID: <sample-{n:02d}@example.org>", *extra, "MIME-Version: 1.0"]
    return _message(head, body, "")


def _message(head: list[str], body: str, mime: str) -> str:
    if mime:
        return "\n".join(head) + "\n" + mime
    return ("\n".join(head) + "\nContent-Type: text/plain; charset=utf-8\n"
            "Content-Transfer-Encoding: 8bit\n\n" + body)


def with_photo(body: str) -> str:
    """multipart/mixed with a tiny (fake) JPEG: attachments are metadata only."""
    photo = base64.b64encode(b"\xff\xd8\xff\xe0 sample photo bytes \xff\xd9").decode()
    return (
        'Content-Type: multipart/mixed; boundary="=_sample_b"\n\n'
        "--=_sample_b\nContent-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: 8bit\n\n" + body + "\n"
        "--=_sample_b\nContent-Type: image/jpeg; name=\"photo.jpg\"\n"
        "Content-Disposition: attachment; filename=\"photo.jpg\"\n"
        "Content-Transfer-Encoding: base64\n\n" + photo + "\n--=_sample_b--\n")


def t(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(tzinfo=UTC)


FORGED = ("Received: from mail.example.com (mail.example.com [198.51.100.60])\n\tby "
          "relay.example.com with ESMTP id FAKE1; Mon, 18 Mar 2024 19:00:00 +0000")

INBOX = [
    ("rob@example.net", t("2024-02-20 18:30:05"), inbound(
        1, ROB, DANA, "Dinner on Friday?", t("2024-02-20 18:30:05"),
        "Hi Dana,\n\nAre you free for dinner on Friday? The new place on the corner.\n\nRob\n")),
    ("rob@example.net", t("2024-03-02 21:15:40"), inbound(
        3, ROB, DANA, "Why are you ignoring me", t("2024-03-02 21:15:40"),
        "You read my messages and you don't answer. Who do you think you are?\n"
        "From now on I'll write until you answer.\n")),
    ("rob@example.net", t("2024-03-08 23:40:12"), inbound(
        4, ROB, DANA, "Answer me", t("2024-03-08 23:40:12"),
        "Answer me. I know where you work.\n")),
    ("rob@example.net", t("2024-03-10 09:47:30"), inbound(
        6, ROB, DANA, "Re: Stop contacting me", t("2024-03-10 09:47:30"),
        "You don't get to decide that. We will talk.\n",
        extra=("In-Reply-To: <sample-05@example.org>",
               "References: <sample-05@example.org>"))),
    ("rob.offender@mailbox.example", t("2024-03-12 22:10:00"), inbound(
        7, ROB2, "Rob O <rob.offender@mailbox.example>", "you will listen",
        t("2024-03-12 22:10:00"),
        "New address. You can block one, you can't block them all.\n")),
    ("rob.offender@mailbox.example", t("2024-03-15 07:30:00"), inbound(
        8, ROB2, DANA, "Remember this?", t("2024-03-15 07:30:00"), "",
        mime=with_photo("Remember this? I still have all of them."))),
    ("sam@example.com", t("2024-03-16 12:00:00"), inbound(
        9, SAM, DANA, "Are you OK?", t("2024-03-16 12:00:00"),
        "Hi Dana, just checking you're OK after last week. Call me any time.\nSam\n")),
    ("rob@example.net", t("2024-03-18 20:05:00"), inbound(
        10, ROB, DANA, "Last chance", t("2024-03-18 20:05:00"),
        "Last chance to talk to me properly.\n", forged=FORGED)),
]

SENT = [
    ("dana@example.org", t("2024-02-21 08:05:00"), outbound(
        2, ROB, "Re: Dinner on Friday?", t("2024-02-21 08:05:00"),
        "Sorry Rob, I can't make Friday.\n\nDana\n",
        extra=("In-Reply-To: <sample-01@example.net>",
               "References: <sample-01@example.net>"))),
    ("dana@example.org", t("2024-03-10 09:00:00"), outbound(
        5, ROB, "Stop contacting me", t("2024-03-10 09:00:00"),
        "Rob,\n\nDo not contact me in any way in the future.\n\nDana\n")),
]

#: The Inbox message also saved on its own as .eml (same bytes, same Message-ID).
EML_COPY = ("rob_new_address.eml", 5)


def mbox(messages: list[tuple[str, dt.datetime, str]]) -> bytes:
    """Python-mailbox layout: envelope line, message, blank separator line."""
    parts = [f"{envelope(addr, when)}\n{text}" for addr, when, text in messages]
    return "\n".join(parts).encode("utf-8")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "Inbox.mbox").write_bytes(mbox(INBOX))
    (OUT / "Sent.mbox").write_bytes(mbox(SENT))
    name, index = EML_COPY
    (OUT / name).write_bytes(INBOX[index][2].encode("utf-8"))


if __name__ == "__main__":
    main()
