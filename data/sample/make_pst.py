"""Write the sample Outlook store data/sample/formats/pst/dana.pst, deterministically.

Run ``python data/sample/make_pst.py``; the committed file is what the tests read. No library
writes PST, so this uses the project's own small writer (``tests/pstfile.py``, from the public
[MS-PST] specification). Dana's Outlook.com store as she would export it: Inbox (Rob before and
after the stop request, with transport headers as a server adds them; Sam after), Sent Items
(THE STOP REQUEST of 2024-03-10 09:00:00 UTC, no transport headers: Outlook keeps none for
mail it sent), a nested folder with a mail whose attachment name is a path, a draft without
any time, and a calendar item (not a mail). Names, addresses and IPs are from the ranges
reserved for documentation (see STORY.md).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.pstfile import Attachment, Folder, Mail, write_pst  # noqa: E402

OUT = Path(__file__).resolve().parent / "formats" / "pst" / "dana.pst"
UTC = dt.UTC
DANA = ("Dana Example", "dana@example.org")
ROB = ("Rob Offender", "rob@example.net")
SAM = ("Sam Friend", "sam@example.com")


def _headers(sender: tuple[str, str], when: dt.datetime, subject: str, msgid: str,
             relay: tuple[str, str, str]) -> str:
    host, ip, client = relay
    stamp = when.strftime("%a, %d %b %Y %H:%M:%S +0000")
    return (
        f"Received: from {host} ({host} [{ip}])\r\n"
        f"\tby mx.example.org with ESMTPS id 4T{when:%d%H%M}; {stamp}\r\n"
        f"Received: from [{client}] (unknown [{client}])\r\n"
        f"\tby {host} with ESMTPSA id 9x{when:%H%M}; {stamp}\r\n"
        f"From: {sender[0]} <{sender[1]}>\r\n"
        f"To: {DANA[0]} <{DANA[1]}>\r\n"
        f"Subject: {subject}\r\n"
        f"Date: {stamp}\r\n"
        f"Message-ID: {msgid}\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: text/plain; charset="utf-8"\r\n\r\n'
    )


def _received(sender: tuple[str, str], when: dt.datetime, subject: str, body: str, n: int,
              relay: tuple[str, str, str], attachments=()) -> Mail:
    msgid = f"<pst-sample-{n}@{sender[1].split('@')[1]}>"
    return Mail(subject=subject, body=body, sender_name=sender[0], sender_email=sender[1],
                to=[DANA], submitted=when, delivered=when + dt.timedelta(seconds=3),
                headers=_headers(sender, when, subject, msgid, relay), message_id=msgid,
                attachments=list(attachments))


ROB_RELAY = ("mail.example.net", "198.51.100.25", "192.0.2.44")
SAM_RELAY = ("mail.example.com", "198.51.100.60", "203.0.113.200")


def folders() -> list[Folder]:
    t = lambda *a: dt.datetime(*a, tzinfo=UTC)
    inbox = [
        _received(ROB, t(2024, 3, 8, 18, 30), "about last week",
                  "Dana, we need to talk. Call me.\r\n", 1, ROB_RELAY),
        _received(ROB, t(2024, 3, 11, 7, 45), "You can't ignore me",
                  "I will keep writing until you answer.\r\n", 2, ROB_RELAY),
        _received(SAM, t(2024, 3, 12, 12, 0), "Are you OK?",
                  "Hi Dana, just checking in. Sam\r\n", 3, SAM_RELAY),
    ]
    sent = [Mail(subject="Stop contacting me", sender_name=DANA[0], sender_email=DANA[1],
                 to=[ROB], submitted=t(2024, 3, 10, 9, 0),
                 body="Rob,\r\n\r\nDo not contact me in any way in the future.\r\n\r\nDana\r\n",
                 message_id="<pst-sample-stop@example.org>")]
    kept = [_received(ROB, t(2024, 3, 14, 22, 15), "photos",
                      "", 4, ROB_RELAY,
                      [Attachment("../../evil.exe", b"MZ not really a program",
                                  "application/octet-stream")])]
    drafts = [Mail(subject="(unsent) reply", body="I have nothing more to say.\r\n",
                   sender_name=DANA[0], sender_email=DANA[1], to=[ROB])]
    calendar = [Mail(subject="Advice centre appointment", message_class="IPM.Appointment",
                     body="Bring the printed messages.\r\n", submitted=t(2024, 3, 15, 10, 0))]
    return [Folder("Inbox", inbox, [Folder("Kept / evidence", kept)]),
            Folder("Sent Items", sent), Folder("Drafts", drafts),
            Folder("Calendar", calendar), Folder("Deleted Items", [])]


def main() -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    write_pst(OUT, folders(), name="dana@example.org")
    print(OUT, OUT.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
