"""Deterministic synthetic inputs for the benchmark (issue 10): the same bytes on every run.

At ``--scale 1`` (the default) it writes to ``benchmarks/_data/``:

- ``whatsapp.txt``: a WhatsApp Android export, 1,000,000 messages (about 83 MB): dd/mm/yyyy
  HH:MM layout, a few senders (one shown as a phone number), multi-line messages, media,
  deleted, missed-call and system lines;
- ``whatsapp.csv``: the same messages as CSV (date, time, sender, text), for the
  ``pandas.read_csv`` baseline;
- ``telegram.json``: a Telegram Desktop ``result.json`` (one personal chat), 1,000,000 messages
  (about 393 MB): text as strings and as entity lists, media, replies, edits, service messages
  (calls, pins), ``date`` and ``date_unixtime``, indented as Telegram Desktop writes it;
- ``mail.mbox``: 100,000 messages (about 247 MB) with realistic headers (Received chains,
  DKIM-Signature, Authentication-Results, RFC 2047 subjects, threads), 10% with base64
  attachments, some multipart/alternative with HTML, ``>From`` escaped body lines;
- ``case.toml``: a case over ``whatsapp.txt`` and ``mail.mbox`` for timing ``whoa report``
  (the stop request is one email from the victim to the respondent, mid-mailbox);
- ``expected.json``: the message counts each file holds (what a reader must return).

``--scale 0.1`` writes a tenth of every count (for a quick check or CI). Nothing here reads the
network or the clock: a seeded ``random.Random`` drives everything.
"""

from __future__ import annotations

import argparse
import base64
import csv
import datetime as dt
import json
import random
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "_data"
SEED = 20240311

WHATSAPP_MESSAGES = 1_000_000
TELEGRAM_MESSAGES = 1_000_000
MBOX_MESSAGES = 100_000
MBOX_LARGE_MESSAGES = 800_000    # about 2 GB: the memory test
PST_LARGE_MESSAGES = 260_000     # about 2 GB of Outlook store: its memory test
PST_FOLDER_MAILS = 400           # mails per folder (the writer's one-leaf row index)
START = dt.datetime(2019, 1, 3, 8, 0)          # local wall-clock time (Europe/London)
NOTICE = "Do not contact me in any way in the future."

_TEXT = (
    "the a to and of in is it you that for on was with be have are this not but at they "
    "what so if my me all your just there can out about when up one we will no do like get "
    "know been time really think going now see then more would want tomorrow tonight call "
    "message phone work home later sorry please why again today yesterday weekend meeting "
    "car train late okay yes fine thanks café naïve ünïcödé 😀 👍 ❤️ 🙄 síntesis Grüße"
)
WORDS = tuple(_TEXT.split())
SENDERS = ("Dana Example", "Rob", "Sam", "Alex Moreno", "+44 7700 900456")
SENDER_WEIGHTS = (30, 35, 15, 15, 5)


def words(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choices(WORDS, k=rng.randint(low, high)))


# --------------------------------------------------------------------------------- WhatsApp

def whatsapp_messages(rng: random.Random, n: int) -> Iterator[tuple[dt.datetime, str, str]]:
    """(local time, sender or '' for a system line, text) for ``n`` messages, in time order."""
    at = START
    yield at, "", ("Messages and calls are end-to-end encrypted. No one outside of this chat, "
                   "not even WhatsApp, can read or listen to them. Tap to learn more.")
    notice_at = n // 2
    for i in range(1, n):
        at += dt.timedelta(seconds=rng.choice((0, 0, 60, 60, 60, 120, 180, 300, 600, 3600)))
        roll = rng.random()
        if i == notice_at:
            yield at, "Dana Example", NOTICE
        elif roll < 0.004:
            yield at, "", rng.choice(("Sam added Alex Moreno", "Alex Moreno left",
                                      "Rob changed the subject to \"plans\"",
                                      "Sam changed this group's icon"))
        elif roll < 0.034:
            yield at, rng.choices(SENDERS, SENDER_WEIGHTS)[0], "<Media omitted>"
        elif roll < 0.040:
            yield at, rng.choices(SENDERS, SENDER_WEIGHTS)[0], "This message was deleted"
        elif roll < 0.042:
            yield at, rng.choices(SENDERS, SENDER_WEIGHTS)[0], "Missed voice call"
        elif roll < 0.092:
            lines = [words(rng, 2, 8) for _ in range(rng.randint(2, 4))]
            yield at, rng.choices(SENDERS, SENDER_WEIGHTS)[0], "\n".join(lines)
        else:
            yield at, rng.choices(SENDERS, SENDER_WEIGHTS)[0], words(rng, 3, 18)


def write_whatsapp(out: Path, n: int, seed: int) -> int:
    rng = random.Random(seed)
    with open(out / "whatsapp.txt", "w", encoding="utf-8", newline="\n") as txt, \
            open(out / "whatsapp.csv", "w", encoding="utf-8", newline="") as fh:
        table = csv.writer(fh)
        table.writerow(("date", "time", "sender", "text"))
        batch: list[str] = []
        for at, sender, text in whatsapp_messages(rng, n):
            date, time = at.strftime("%d/%m/%Y"), at.strftime("%H:%M")
            batch.append(f"{date}, {time} - {sender}: {text}\n" if sender
                         else f"{date}, {time} - {text}\n")
            table.writerow((date, time, sender, text))
            if len(batch) >= 10_000:
                txt.write("".join(batch))
                batch.clear()
        txt.write("".join(batch))
    return n


# --------------------------------------------------------------------------------- Telegram

_enc = json.encoder.encode_basestring  # type: ignore[attr-defined]  # C-accelerated, non-ASCII kept
DANA, ROB = ("Dana Example", "user1001"), ("Rob O", "user2002")


def _entities(parts: list[tuple[str, str]], pad: str) -> str:
    """A JSON list of text entities in Telegram Desktop's layout (one space per level)."""
    items = []
    for kind, text in parts:
        extra = f',\n{pad}  "href": {_enc(text)}' if kind == "text_link" else ""
        items.append(f'{pad} {{\n{pad}  "type": "{kind}",\n{pad}  "text": {_enc(text)}'
                     f"{extra}\n{pad} }}")
    return "[\n" + ",\n".join(items) + f"\n{pad}]" if items else "[]"


def _text_parts(rng: random.Random) -> list[tuple[str, str]]:
    roll = rng.random()
    if roll < 0.80:
        return [("plain", words(rng, 3, 18))]
    if roll < 0.92:
        return [("plain", words(rng, 1, 6) + " "), ("link", "https://example.net/"
                 + str(rng.randint(1, 99999))), ("plain", " " + words(rng, 1, 5))]
    return [("bold", words(rng, 1, 3)), ("plain", " " + words(rng, 2, 8))]


def telegram_message(rng: random.Random, i: int, epoch: int) -> str:
    """One message object, indented as inside ``messages`` (two spaces)."""
    local = dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    who = DANA if rng.random() < 0.4 else ROB
    head = (f'  {{\n   "id": {i},\n   "type": "{{type}}",\n   "date": "{local}",\n'
            f'   "date_unixtime": "{epoch}",\n')
    roll = rng.random()
    if roll < 0.01:
        action = ("phone_call" if roll < 0.006 else "pin_message")
        body = (f'   "actor": {_enc(who[0])},\n   "actor_id": "{who[1]}",\n'
                f'   "action": "{action}",\n')
        if action == "phone_call":
            reason = rng.choice(("missed", "hangup", "busy"))
            body += (f'   "duration_seconds": {rng.randint(1, 900)},\n' if reason == "hangup"
                     else "") + f'   "discard_reason": "{reason}",\n'
        else:
            body += f'   "message_id": {max(1, i - rng.randint(1, 50))},\n'
        return (head.replace("{type}", "service") + body
                + '   "text": "",\n   "text_entities": []\n  }')
    parts = _text_parts(rng)
    fields = f'   "from": {_enc(who[0])},\n   "from_id": "{who[1]}",\n'
    if rng.random() < 0.05:
        fields += f'   "reply_to_message_id": {max(1, i - rng.randint(1, 30))},\n'
    if rng.random() < 0.03:
        edited = epoch + rng.randint(5, 600)
        fields += (f'   "edited": "{dt.datetime.fromtimestamp(edited, dt.UTC):%Y-%m-%dT%H:%M:%S}"'
                   f',\n   "edited_unixtime": "{edited}",\n')
    if roll < 0.04:
        fields += (f'   "photo": "photos/photo_{i}@{local[:10]}.jpg",\n'
                   f'   "photo_file_size": {rng.randint(20000, 400000)},\n'
                   '   "width": 1280,\n   "height": 960,\n')
        parts = [] if rng.random() < 0.5 else parts
    elif roll < 0.05:
        fields += (f'   "file": "files/document_{i}.pdf",\n   "file_name": "document_{i}.pdf",\n'
                   f'   "file_size": {rng.randint(20000, 900000)},\n'
                   '   "mime_type": "application/pdf",\n')
    if len(parts) == 1 and parts[0][0] == "plain":
        text = _enc(parts[0][1])
    elif not parts:
        text = '""'
    else:
        text = "[\n" + ",\n".join(
            f"    {_enc(t)}" if k == "plain" else
            f'    {{\n     "type": "{k}",\n     "text": {_enc(t)}'
            + (f',\n     "href": {_enc(t)}' if k == "text_link" else "") + "\n    }"
            for k, t in parts) + "\n   ]"
    return (head.replace("{type}", "message") + fields + f'   "text": {text},\n'
            f'   "text_entities": {_entities(parts, "   ")}\n  }}')


def write_telegram(out: Path, n: int, seed: int) -> int:
    rng = random.Random(seed + 1)
    epoch = int(dt.datetime(2019, 1, 3, 8, 0, tzinfo=dt.UTC).timestamp())
    with open(out / "telegram.json", "w", encoding="utf-8", newline="\n") as fh:
        fh.write('{\n "name": "Rob O",\n "type": "personal_chat",\n "id": 2002,\n'
                 ' "messages": [\n')
        batch: list[str] = []
        for i in range(1, n + 1):
            epoch += rng.choice((0, 20, 60, 60, 120, 300, 900))
            batch.append(telegram_message(rng, i, epoch))
            if len(batch) >= 5_000:
                fh.write(",\n".join(batch) + (",\n" if i < n else ""))
                batch.clear()
        fh.write(",\n".join(batch))
        fh.write("\n ]\n}\n")
    return n


# ------------------------------------------------------------------------------------- mbox

PEOPLE = (("Rob Offender", "rob@example.net"), ("Rob", "rob.offender@mailbox.example"),
          ("Sam Friend", "sam@example.com"), ("Newsletter", "news@shop.example"),
          ("Jörg Müller", "joerg@beispiel.example"))
DANA_MAIL = ("Dana Example", "dana@example.org")
HOPS = (("mail-ot1-f54.google.example", "209.85.210.54"), ("smtp.mailbox.example", "198.51.100.7"),
        ("out.shop.example", "203.0.113.25"), ("relay.beispiel.example", "192.0.2.44"))
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _rfc2822(at: dt.datetime, offset_min: int) -> str:
    local = at + dt.timedelta(minutes=offset_min)
    sign = "+" if offset_min >= 0 else "-"
    hh, mm = divmod(abs(offset_min), 60)
    return (f"{_WEEKDAYS[local.weekday()]}, {local.day:02d} {_MONTHS[local.month - 1]} "
            f"{local.year} {local:%H:%M:%S} {sign}{hh:02d}{mm:02d}")


def _asctime(at: dt.datetime) -> str:
    return f"{_WEEKDAYS[at.weekday()]} {_MONTHS[at.month - 1]} {at.day:2d} {at:%H:%M:%S} {at.year}"


def _b64_lines(data: bytes) -> str:
    text = base64.b64encode(data).decode("ascii")
    return "\n".join(text[i:i + 76] for i in range(0, len(text), 76))


def _paragraphs(rng: random.Random) -> str:
    paras = []
    for _ in range(rng.randint(1, 3)):
        paras.append(textwrap.fill(words(rng, 8, 30), 72))
    if rng.random() < 0.02:
        paras.append(">From the start of this, " + words(rng, 3, 8))
    return "\n\n".join(paras)


def mail_message(rng: random.Random, i: int, at: dt.datetime, threads: list[str],
                 notice: bool = False) -> str:
    """One message with its envelope line; ``\\n`` line ends, as mbox files on Unix have."""
    name, addr = rng.choices(PEOPLE, (40, 15, 15, 25, 5))[0]
    outgoing = rng.random() < 0.15
    if notice:      # the stop request, Dana to Rob, so the report has a before and an after
        name, addr, outgoing = *PEOPLE[0], True
    frm, to = (DANA_MAIL, (name, addr)) if outgoing else ((name, addr), DANA_MAIL)
    domain = frm[1].split("@")[1]
    offset = rng.choice((0, 0, 60, -300, 120))
    mid = f"<{i}.{rng.getrandbits(40):010x}@{domain}>"
    hops = rng.sample(HOPS, rng.randint(2, 4))
    received, stamp = [], at + dt.timedelta(seconds=rng.randint(1, 30) * len(hops))
    for n_hop, (host, ip) in enumerate(hops):
        by = "mx.example.org" if n_hop == 0 else hops[n_hop - 1][0]
        received.append(
            f"Received: from {host} ({host} [{ip}])\n\tby {by} with ESMTPS id "
            f"{rng.getrandbits(48):012x}\n\tfor <{to[1]}>; {_rfc2822(stamp, 0)}")
        stamp -= dt.timedelta(seconds=rng.randint(1, 20))
    subject = words(rng, 2, 7)
    if rng.random() < 0.1:
        subject = "=?utf-8?b?" + base64.b64encode(subject.encode()).decode() + "?="
    headers = [f"Return-Path: <{frm[1]}>", f"Delivered-To: {to[1]}", *received,
               f"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d={domain}; s=s1;\n"
               f"\th=from:to:subject:date:message-id; bh={_b64_lines(rng.randbytes(32))};\n"
               f"\tb={_b64_lines(rng.randbytes(128)).replace(chr(10), chr(10) + chr(9))}",
               f"Authentication-Results: mx.example.org; dkim=pass header.d={domain};\n"
               f"\tspf=pass smtp.mailfrom={frm[1]}; dmarc=pass header.from={domain}",
               f"Message-ID: {mid}", f"Date: {_rfc2822(at, offset)}",
               f"From: {frm[0]} <{frm[1]}>", f"To: {to[0]} <{to[1]}>"]
    if threads and rng.random() < 0.4:
        root = rng.choice(threads)
        headers += [f"Subject: Re: {subject}", f"In-Reply-To: {root}", f"References: {root}"]
    else:
        headers.append(f"Subject: {subject}")
        if len(threads) < 500:
            threads.append(mid)
    headers.append("MIME-Version: 1.0")
    body = _paragraphs(rng)
    if notice:
        body = NOTICE + "\n\n" + body
    boundary = f"=_b{rng.getrandbits(48):012x}"
    roll = rng.random()
    if roll < 0.10:
        size = rng.choice((1_000, 2_000, 4_000, 8_000, 12_000))
        kind, fname = rng.choice((("application/pdf", "statement.pdf"),
                                  ("image/jpeg", "photo.jpg"), ("image/png", "screenshot.png")))
        headers.append(f'Content-Type: multipart/mixed; boundary="{boundary}"')
        content = (f"This is a multi-part message in MIME format.\n\n--{boundary}\n"
                   f"Content-Type: text/plain; charset=utf-8\n"
                   f"Content-Transfer-Encoding: 8bit\n\n{body}\n\n--{boundary}\n"
                   f'Content-Type: {kind}; name="{fname}"\n'
                   f'Content-Disposition: attachment; filename="{fname}"\n'
                   f"Content-Transfer-Encoding: base64\n\n{_b64_lines(rng.randbytes(size))}\n"
                   f"--{boundary}--\n")
    elif roll < 0.40:
        headers.append(f'Content-Type: multipart/alternative; boundary="{boundary}"')
        html_body = "<html><body>" + "".join(
            f"<p>{p}</p>" for p in body.split("\n\n")) + "</body></html>"
        content = (f"--{boundary}\nContent-Type: text/plain; charset=utf-8\n"
                   f"Content-Transfer-Encoding: 8bit\n\n{body}\n\n--{boundary}\n"
                   f"Content-Type: text/html; charset=utf-8\n"
                   f"Content-Transfer-Encoding: 8bit\n\n{html_body}\n--{boundary}--\n")
    else:
        headers += ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"]
        content = body + "\n"
    return (f"From {frm[1]} {_asctime(at)}\n" + "\n".join(headers) + "\n\n" + content + "\n")


def write_mbox(out: Path, n: int, seed: int, name: str = "mail.mbox") -> int:
    rng = random.Random(seed + 2)
    at = dt.datetime(2019, 1, 3, 9, 0)
    threads: list[str] = []
    with open(out / name, "w", encoding="utf-8", newline="\n") as fh:
        batch: list[str] = []
        for i in range(n):
            at += dt.timedelta(seconds=rng.randint(60, 3000))
            batch.append(mail_message(rng, i, at, threads, notice=i == n // 2))
            if len(batch) >= 2_000:
                fh.write("".join(batch))
                batch.clear()
        fh.write("".join(batch))
    return n


def write_mbox_large(out: Path, n: int, seed: int) -> int:
    """The memory test: the same kind of mail, about 2 GB of it (written only when asked)."""
    return write_mbox(out, n, seed, "mail_large.mbox")


# ------------------------------------------------------------------------------ Outlook .pst

def _pst_mail(rng: random.Random, i: int, at: dt.datetime, threads: list[str]):
    """The mbox generator's message as Outlook stores it: its header block as transport
    headers, the text as PR_BODY (30% with PR_HTML), 10% with an attachment."""
    from tests.pstfile import Attachment, Mail

    text = mail_message(rng, i, at, threads)
    head = text.split("\n", 1)[1].split("\n\n", 1)[0]
    fields = dict(line.split(": ", 1) for line in head.split("\n")
                  if ": " in line and not line[0].isspace())
    body = "\r\n\r\n".join(_paragraphs(rng) for _ in range(3)) + "\r\n"
    html = ("<html><body><p>" + body.replace("\r\n\r\n", "</p><p>") + "</p></body></html>"
            ).encode() if rng.random() < 0.3 else None
    attachments = []
    if rng.random() < 0.1:
        size = rng.choice((2_000, 8_000, 16_000, 32_000, 64_000))
        attachments = [Attachment(rng.choice(("statement.pdf", "photo.jpg", "scan.png")),
                                  rng.randbytes(size))]
    sender = fields["From"].rsplit("<", 1)
    to = fields["To"].rsplit("<", 1)
    return Mail(subject=fields.get("Subject", ""), body=body, html=html,
                sender_name=sender[0].strip(), sender_email=sender[1].rstrip(">"),
                to=[(to[0].strip(), to[1].rstrip(">"))], submitted=at.replace(tzinfo=dt.UTC),
                delivered=at.replace(tzinfo=dt.UTC) + dt.timedelta(seconds=5),
                headers=head.replace("\n", "\r\n") + "\r\n\r\n",
                message_id=fields["Message-ID"], attachments=attachments)


def write_pst_large(out: Path, n: int, seed: int) -> int:
    """About 2 GB of Outlook store (written only when asked): years of folders of months of
    folders, ``PST_FOLDER_MAILS`` mails each, written by the project's [MS-PST] writer."""
    sys.path.insert(0, str(HERE.parent))
    from tests.pstfile import Folder, write_pst

    rng = random.Random(seed + 5)
    state = {"at": dt.datetime(2015, 1, 3, 9, 0), "i": 0}
    threads: list[str] = []

    def mails(count: int):
        for _ in range(count):
            state["at"] += dt.timedelta(seconds=rng.randint(60, 900))
            state["i"] += 1
            yield _pst_mail(rng, state["i"], state["at"], threads)

    per_folder = min(PST_FOLDER_MAILS, n)
    folders = -(-n // per_folder)
    years = [Folder(f"Archive {y:02d}", (), []) for y in range(-(-folders // 20))]
    left = n
    for k in range(folders):
        count = min(per_folder, left)
        left -= count
        years[k // 20].folders.append(Folder(f"Part {k % 20:02d}", mails(count)))
    write_pst(out / "mail_large.pst", [Folder("Inbox", (), years)], name="benchmark")
    return n


# ------------------------------------------------------------------------------------- case

CASE = """\
[case]
id = "BENCH-001"
title = "Synthetic benchmark case: a large WhatsApp group and a large mailbox"
timezone = "Europe/London"
region = "GB"

[[people]]
id = "dana"
role = "victim"
name = "Dana Example"
accounts = ["email:dana@example.org", "whatsapp:Dana Example"]

[[people]]
id = "rob"
role = "respondent"
name = "Rob Offender"
accounts = ["email:rob@example.net", "email:rob.offender@mailbox.example", "whatsapp:Rob",
            "phone:+44 7700 900456"]

[[people]]
id = "sam"
role = "third_party"
name = "Sam Friend"
accounts = ["email:sam@example.com", "whatsapp:Sam"]

[[sources]]
path = "whatsapp.txt"
format = "whatsapp"
owner = "dana"
timezone = "Europe/London"

[[sources]]
path = "mail.mbox"
format = "mbox"
owner = "dana"

[notice]
message = "auto"
phrases = []
"""


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scale", type=float, default=1.0, help="fraction of the full counts")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder (default: %(default)s)")
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--only", choices=("whatsapp", "telegram", "mbox", "mbox_large",
                                      "pst_large"),
                   action="append", help="write only these inputs (repeatable); mbox_large "
                   "and pst_large (about 2 GB each, for the memory tests) are written only "
                   "when named")
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    counts = {"whatsapp": max(2, round(WHATSAPP_MESSAGES * args.scale)),
              "telegram": max(1, round(TELEGRAM_MESSAGES * args.scale)),
              "mbox": max(1, round(MBOX_MESSAGES * args.scale)),
              "mbox_large": max(1, round(MBOX_LARGE_MESSAGES * args.scale)),
              "pst_large": max(1, round(PST_LARGE_MESSAGES * args.scale))}
    writers = {"whatsapp": write_whatsapp, "telegram": write_telegram, "mbox": write_mbox,
               "mbox_large": write_mbox_large, "pst_large": write_pst_large}
    # A case intake from earlier inputs would now (rightly) refuse the new files as changed.
    for stale in ("manifest.json", "custody.jsonl"):
        (args.out / stale).unlink(missing_ok=True)
    expected_path = args.out / "expected.json"
    expected = json.loads(expected_path.read_text()) if expected_path.exists() else {}
    for name in args.only or [w for w in writers if not w.endswith("_large")]:
        written = writers[name](args.out, counts[name], args.seed)
        expected[name] = {"messages": written, "scale": args.scale, "seed": args.seed}
        print(f"{name}: {written} messages", file=sys.stderr)
    expected_path.write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
    (args.out / "case.toml").write_text(CASE, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
