"""The hostile corpus, made in code: every attack and every kind of damage the issue lists.

Nothing here is copied from elsewhere; each builder returns bytes (or writes a file under the
folder it is given), so a test writes what it needs under ``tmp_path``. Builders that take a
count (messages, members, parts) make files whose number of records is known, so a test can
check count in = count out.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import itertools
import struct
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import quoteattr

# ----------------------------------------------------------------------------- payload strings

#: Cells a spreadsheet would run as a formula (DESIGN 2: neutralised in CSV/XLSX).
FORMULAS = {
    "equals": "=1+1",
    "hyperlink": '=HYPERLINK("http://evil.example/x","click me")',
    "dde": "=cmd|' /C calc'!A0",
    "plus": "+cmd|' /C calc'!A0",
    "minus": "-2+3+cmd|' /C calc'!A0",
    "at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "tab": "\t=1+1",
    "cr": "\r=1+1",
    "nul": "\x00=1+1",
    "space": " =1+1",
}
#: Values that look like the above but are plain data: left exactly as they are.
NOT_FORMULAS = ("-5", "-", "+447700900456", "3.14")

#: Markup that would run or fetch if a report or notebook rendered it as HTML.
MARKUP = {
    "script": "<script>document.title='PWNED'</script>",
    "img": "<img src=x onerror=\"document.title='PWNED'\">",
    "svg": "<svg onload=\"document.title='PWNED'\"></svg>",
    "td": "</td></tr></table><script>document.title='PWNED'</script>",
    "js_link": "<a href=\"javascript:document.title='PWNED'\">click</a>",
    "data_link": "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
}

#: Attachment / file names that must stay text and never become a path.
BAD_NAMES = {
    "traversal": "../../x",
    "absolute": "/etc/passwd",
    "backslash": "..\\..\\x",
    "drive": "C:\\x",
    "nul": "evil\x00.txt",
    "rlo": "invoice\u202etxt.exe",
    "long": "a" * 300 + ".txt",
}

#: Text that must survive exactly (Parquet round trip): NUL, bidi, joiners, combining marks,
#: astral characters, CR/LF mixes and surrounding spaces (nothing stripped or normalised).
EXACT = [
    "nul\x00inside",
    "\u202eevil\u202c RLO and PDF",
    "\U0001F468\u200d\U0001F469\u200d\U0001F467 ZWJ family",
    "e\u0301 combining (not NFC)",
    "\u00e9 precomposed",
    "  leading and trailing  ",
    "line1\r\nline2\rline3\n",
    "\ufeffBOM inside",
    "\u2028line separator\u2029",
]

# ----------------------------------------------------------------------------- incident log


def incident_log(rows: Iterable[Sequence[str]]) -> bytes:
    """An incident log CSV (header + rows of 8 cells), quoted so any text fits."""
    import csv
    import io

    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_ALL)
    out.writerow(["when", "timezone", "platform", "from", "to", "kind", "description",
                  "evidence"])
    for row in rows:
        out.writerow(row)
    return buf.getvalue().encode("utf-8")


# ----------------------------------------------------------------------------- mail

_IDS = itertools.count(1)


@dataclass
class Mail:
    """One message; ``head`` replaces the generated header block when given."""

    sender: str = "Rob Offender <rob@example.net>"
    to: str = "dana@example.org"
    subject: str = "hello"
    body: str = "Body text."
    date: str = "Mon, 11 Mar 2024 10:00:00 +0000"
    extra: list[str] = field(default_factory=list)
    attachments: list[tuple[str, bytes]] = field(default_factory=list)   # (raw disposition, data)
    raw: bytes | None = None              # the whole message (headers and body) as given

    def render(self) -> bytes:
        if self.raw is not None:
            return self.raw
        head = [f"From: {self.sender}", f"To: {self.to}", f"Subject: {self.subject}",
                f"Date: {self.date}", f"Message-ID: <{next(_IDS)}@example.net>", *self.extra,
                "MIME-Version: 1.0"]
        if not self.attachments:
            head.append('Content-Type: text/plain; charset="utf-8"')
            head.append("Content-Transfer-Encoding: base64")
            return _crlf(head) + b"\n" + _b64(self.body.encode("utf-8"))
        head.append('Content-Type: multipart/mixed; boundary="BOUNDARY"')
        parts = [b"--BOUNDARY\nContent-Type: text/plain; charset=utf-8\n"
                 b"Content-Transfer-Encoding: base64\n\n" + _b64(self.body.encode("utf-8"))]
        for disposition, data in self.attachments:
            parts.append(b"--BOUNDARY\nContent-Type: application/octet-stream\n"
                         b"Content-Transfer-Encoding: base64\nContent-Disposition: "
                         + disposition.encode("utf-8") + b"\n\n" + _b64(data))
        return _crlf(head) + b"\n" + b"".join(parts) + b"--BOUNDARY--\n"


def _crlf(lines: Sequence[str]) -> bytes:
    return "".join(line + "\n" for line in lines).encode("utf-8")


def _b64(data: bytes) -> bytes:
    return base64.encodebytes(data)


def mbox(mails: Iterable[Mail]) -> bytes:
    """An mbox of the messages, each after an asctime envelope line, body 'From ' escaped."""
    out = []
    for i, mail in enumerate(mails):
        stamp = (dt.datetime(2024, 3, 11, 10) + dt.timedelta(minutes=i)).strftime(
            "%a %b %d %H:%M:%S %Y")
        lines = mail.render().split(b"\n")
        body = b"\n".join(b">" + ln if ln.startswith(b"From ") else ln for ln in lines)
        out.append(b"From sender@example.net " + stamp.encode() + b"\n" + body.rstrip(b"\n")
                   + b"\n\n")
    return b"".join(out)


def attachment_disposition(name: str) -> str:
    """A Content-Disposition carrying ``name`` as RFC 2231 percent-encoded UTF-8."""
    from urllib.parse import quote

    return "attachment; filename*=utf-8''" + quote(name.encode("utf-8"), safe="")


def nested_mime(depth: int) -> bytes:
    """A message whose multipart nests ``depth`` deep, a text leaf at the bottom."""
    head = b"From: rob@example.net\nTo: dana@example.org\nSubject: deep\n" \
           b"Date: Mon, 11 Mar 2024 10:00:00 +0000\nMIME-Version: 1.0\n"
    opening, closing = [], []
    for level in range(depth):
        b = b"b%d" % level
        opening.append(b'Content-Type: multipart/mixed; boundary="' + b + b'"\n\n--' + b + b"\n")
        closing.append(b"\n--" + b + b"--\n")
    leaf = b"Content-Type: text/plain\n\nthe bottom\n"
    return head + b"".join(opening) + leaf + b"".join(reversed(closing))


def many_parts(count: int) -> bytes:
    """A message with ``count`` tiny text parts in one multipart."""
    head = (b"From: rob@example.net\nTo: dana@example.org\nSubject: parts\n"
            b"Date: Mon, 11 Mar 2024 10:00:00 +0000\nMIME-Version: 1.0\n"
            b'Content-Type: multipart/mixed; boundary="p"\n\n')
    part = b"--p\nContent-Type: text/plain\n\nx\n"
    return head + part * count + b"--p--\n"


def huge_header(size: int) -> bytes:
    """A message with one header field ``size`` bytes long (folded every 998 bytes)."""
    line = b"a" * 990
    folded = b"\n ".join([line] * (size // len(line)))
    return (b"From: rob@example.net\nTo: dana@example.org\nSubject: big\n"
            b"Date: Mon, 11 Mar 2024 10:00:00 +0000\nX-Junk: " + folded + b"\n\nbody after\n")


#: Damaged MIME: (name, raw message). Each must still give one row.
def broken_mime() -> dict[str, bytes]:
    top = (b"From: rob@example.net\nTo: dana@example.org\nSubject: broken\n"
           b"Date: Mon, 11 Mar 2024 10:00:00 +0000\nMIME-Version: 1.0\n")
    return {
        "boundary_never_appears": top + b'Content-Type: multipart/mixed; boundary="nope"\n\n'
                                        b"just text, no parts\n",
        "no_closing_boundary": top + b'Content-Type: multipart/mixed; boundary="b"\n\n--b\n'
                                     b"Content-Type: text/plain\n\nunterminated\n",
        "empty_boundary": top + b'Content-Type: multipart/mixed; boundary=""\n\n--\n\nx\n',
        "boundary_in_base64": top + b'Content-Type: multipart/mixed; boundary="QUJD"\n\n--QUJD\n'
                                    b"Content-Transfer-Encoding: base64\n\nQUJD--QUJD\n--QUJD--\n",
        "bad_base64": top + b"Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n"
                            b"!!!not*base64***\n=Zm9v\nZm9\n",
        "bad_qp": top + b"Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable"
                        b"\n\n=ZZ=\n=4\n",
        "lying_charset": top + b"Content-Type: text/plain; charset=utf-8\n\ncaf\xe9 \xff\xfe\n",
        "unknown_charset": top + b"Content-Type: text/plain; charset=x-no-such-charset\n\n"
                                 b"caf\xc3\xa9\n",
        "utf7_markup": top + b"Content-Type: text/plain; charset=utf-7\n\n"
                             b"+ADw-script+AD4-alert(1)+ADw-/script+AD4-\n",
        "mixed_charsets": top.replace(b"Subject: broken", b"Subject: =?koi8-r?B?8NLJ18XU?= "
                                      b"=?iso-8859-1?Q?caf=E9?= =?bogus?Q?x?= =?utf-8?B?####?=")
        + b'Content-Type: multipart/alternative; boundary="a"\n\n--a\n'
          b"Content-Type: text/plain; charset=iso-8859-1\n\ncaf\xe9\n--a\n"
          b"Content-Type: text/plain; charset=shift_jis\n\n\x82\xa0\x82\n--a--\n",
        "header_without_colon": b"From rob\nthis is not a header\n\nbody\n",
        "only_headers": top,
        "nul_in_headers": top.replace(b"Subject: broken", b"Subject: a\x00b") + b"\nbody\n",
    }


def html_mail(remote: str) -> bytes:
    """An HTML-only mail with a tracking pixel, a remote stylesheet and an @import."""
    html = (f'<html><head><link rel="stylesheet" href="{remote}/style.css">'
            f"<style>@import url('{remote}/import.css');</style></head><body>"
            f'<p>Hello <img src="{remote}/pixel.gif" width=1 height=1>'
            f'<img src="cid:logo"></p><iframe src="{remote}/frame"></iframe>'
            f"<script src=\"{remote}/x.js\"></script></body></html>")
    return (b"From: rob@example.net\nTo: dana@example.org\nSubject: pixel\n"
            b"Date: Mon, 11 Mar 2024 10:00:00 +0000\nMIME-Version: 1.0\n"
            b"Content-Type: text/html; charset=utf-8\n\n" + html.encode("utf-8") + b"\n")


# ----------------------------------------------------------------------------- WhatsApp


def whatsapp(lines: Iterable[tuple[str, str, str]]) -> bytes:
    """An Android 'Export chat' file: (``dd/mm/yyyy, hh:mm``, name, body) per message."""
    out = ["01/02/2024, 19:00 - Messages and calls are end-to-end encrypted. No one outside of "
           "this chat, not even WhatsApp, can read or listen to them. Tap to learn more.\n"]
    out += [f"{when} - {name}: {body}\n" for when, name, body in lines]
    return "".join(out).encode("utf-8")


def whatsapp_minutes(count: int, name: str = "Rob", body: str = "msg {i}") -> bytes:
    """``count`` messages a minute apart on 13/02/2024 (a day over 12 decides the order)."""
    start = dt.datetime(2024, 2, 13, 8, 0)
    return whatsapp(((start + dt.timedelta(minutes=i)).strftime("%d/%m/%Y, %H:%M"), name,
                     body.format(i=i)) for i in range(count))


# ----------------------------------------------------------------------------- SMS backup


def sms_xml(messages: Iterable[dict[str, str]]) -> bytes:
    """SMS Backup & Restore XML; each dict's items become attributes (quoted, escaped)."""
    rows = list(messages)
    body = "".join("  <sms " + " ".join(f"{k}={_xml_attr(v)}" for k, v in m.items()) + " />\n"
                   for m in rows)
    return (f"<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n"
            f'<smses count="{len(rows)}" backup_set="x" backup_date="1711929600000" '
            f'type="full">\n{body}</smses>\n').encode()


def _xml_attr(value: str) -> str:
    """An attribute value as the app writes it: control characters as character references."""
    quoted = quoteattr(value, {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})
    return "".join(f"&#{ord(c)};" if ord(c) < 32 and c not in "\n\r\t" else c for c in quoted)


def sms(body: str, *, address: str = "+447700900456", when_ms: int = 1710150000000,
        box: str = "1", name: str = "Rob") -> dict[str, str]:
    return {"protocol": "0", "address": address, "date": str(when_ms), "type": box,
            "subject": "null", "body": body, "read": "1", "contact_name": name}


# ----------------------------------------------------------------------------- IM and app exports


def trillian_xml(texts: Iterable[str]) -> bytes:
    """A Trillian log: a session start, then one incoming message per text (percent-encoded)."""
    from urllib.parse import quote

    out = ['<session type="start" time="1710183900" medium="AIM" to="rob" from="dana"/>\n']
    out += [f'<message type="incoming_privateMessage" time="{1710183905 + i}" medium="AIM" '
            f'to="dana" from="rob" from_display="Rob" text="{quote(t.encode("utf-8"), safe="")}"/>\n'
            for i, t in enumerate(texts)]
    return "".join(out).encode("utf-8")


def msn_xml(texts: Iterable[str]) -> bytes:
    """A Messenger history with one message per text (escaped as Messenger writes it)."""
    from xml.sax.saxutils import escape

    records = "".join(
        f'<Message Date="11/03/2024" Time="19:05:00" DateTime="2024-03-11T19:{i % 60:02d}:00.000Z"'
        f' SessionID="1"><From><User FriendlyName="Rob"/></From><To><User FriendlyName="Dana"/>'
        f'</To><Text Style="color:#000000; ">{escape(t, {chr(13): "&#13;"})}</Text></Message>'
        for i, t in enumerate(texts))
    return ('<?xml version="1.0"?>\n<Log FirstSessionID="1" LastSessionID="1">' + records
            + "</Log>").encode("utf-8")


def skype_json(texts: Iterable[str]) -> bytes:
    """A Skype messages.json with one RichText message per text."""
    import json

    messages = [{"id": str(i), "displayName": "Rob", "originalarrivaltime":
                 f"2024-03-11T19:05:{i % 60:02d}.000Z", "messagetype": "RichText",
                 "content": t, "from": "8:live:rob", "properties": None}
                for i, t in enumerate(texts)]
    return json.dumps({"userId": "8:live:dana", "exportDate": "2024-04-01T10:00",
                       "conversations": [{"id": "8:live:rob", "displayName": "Rob",
                                          "MessageList": messages}]}).encode("utf-8")


def snapchat_json(texts: Iterable[str]) -> bytes:
    """A Snapchat chat_history.json (by conversation) with one text per record."""
    import json

    return json.dumps({"rob_o": [{"From": "rob_o", "Media Type": "TEXT",
                                  "Created": f"2024-03-11 19:05:{i % 60:02d} UTC", "Content": t,
                                  "Conversation Title": None, "IsSender": False}
                                 for i, t in enumerate(texts)]}).encode("utf-8")


def voice_html(texts: Iterable[str], remote: str = "") -> bytes:
    """A Google Voice text conversation with one message per text (HTML-escaped)."""
    import html

    extra = (f'<link rel="stylesheet" href="{remote}/a.css"><img src="{remote}/p.gif">'
             if remote else "")
    messages = "".join(
        f'<div class="message"><abbr class="dt" title="2024-03-11T19:05:{i % 60:02d}.000-00:00">'
        f'Mar 11</abbr>: <cite class="sender vcard"><a class="tel" href="tel:+447700900456">'
        f'<span class="fn">Rob</span></a></cite>: <q>{html.escape(t, quote=False)}</q></div>'
        for i, t in enumerate(texts))
    return (f'<?xml version="1.0" ?>\n<html><head><title>Rob</title>{extra}</head><body>'
            f'<div class="hChatLog hfeed">{messages}</div></body></html>').encode()


# ----------------------------------------------------------------------------- zips


def zip_bytes(members: Iterable[tuple[str, bytes]], *, compression: int = zipfile.ZIP_STORED,
              ) -> bytes:
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members:
            zf.writestr(zipfile.ZipInfo(name, (2024, 3, 11, 10, 0, 0)), data)
    return buf.getvalue()


def symlink_zip(members: Iterable[tuple[str, str]], extra: Iterable[tuple[str, bytes]] = (),
                ) -> bytes:
    """Members stored as Unix symlinks (mode 0o120777) pointing at ``target``."""
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, target in members:
            info = zipfile.ZipInfo(name, (2024, 3, 11, 10, 0, 0))
            info.create_system = 3
            info.external_attr = 0o120777 << 16
            zf.writestr(info, target)
        for name, data in extra:
            zf.writestr(zipfile.ZipInfo(name, (2024, 3, 11, 10, 0, 0)), data)
    return buf.getvalue()


def bomb_member(size: int) -> bytes:
    """Deflated zeros: a ratio of about 1000:1."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = b"\x00" * (1 << 20)
    out = [comp.compress(chunk) for _ in range(size >> 20)]
    return b"".join(out) + comp.flush()


def bomb_zip(name: str, size: int = 64 << 20) -> bytes:
    """One member that inflates to ``size`` bytes of zeros (a high-ratio zip bomb)."""
    return _raw_zip([(name, bomb_member(size), size, zlib.crc32(b"\x00" * size), 8, 0)])


def lying_zip(name: str, real: bytes, claimed: int) -> bytes:
    """A member whose headers claim ``claimed`` bytes while the data inflates to more."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = comp.compress(real) + comp.flush()
    return _raw_zip([(name, data, claimed, zlib.crc32(real[:claimed]), 8, 0)])


def encrypted_zip(name: str, data: bytes = b"secret") -> bytes:
    """A member flagged as encrypted (general purpose bit 0); the bytes are not a cipher."""
    return _raw_zip([(name, b"\x00" * 12 + data, len(data), zlib.crc32(data), 0, 1)])


def many_members_zip(count: int, name: str = "m{i}.txt", data: bytes = b"x") -> bytes:
    """``count`` tiny stored members, written directly (zipfile would take seconds)."""
    return _raw_zip([(name.format(i=i), data, len(data), zlib.crc32(data), 0, 0)
                     for i in range(count)])


def nested_bomb_zip(outer_name: str, inner_name: str, levels: int = 3) -> bytes:
    """A zip of zips of ... a bomb (42.zip style): each level holds the next twice."""
    data = bomb_zip(inner_name, 16 << 20)
    for level in range(levels):
        data = zip_bytes([(f"layer{level}a.zip", data), (f"layer{level}b.zip", data)],
                         compression=zipfile.ZIP_DEFLATED)
    return zip_bytes([(outer_name, data)], compression=zipfile.ZIP_DEFLATED)


def _raw_zip(entries: Iterable[tuple[str, bytes, int, int, int, int]]) -> bytes:
    """(name, stored bytes, uncompressed size, crc, method, flags) -> a zip file's bytes."""
    local, central, offset = [], [], 0
    count = 0
    for name, data, size, crc, method, flags in entries:
        raw_name = name.encode("utf-8")
        flags |= 0x800                                   # names are UTF-8
        head = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, flags, method, 0, 0x5821,
                           crc, len(data), size, len(raw_name), 0) + raw_name
        local.append(head + data)
        central.append(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, flags, method,
                                   0, 0x5821, crc, len(data), size, len(raw_name), 0, 0, 0, 0,
                                   0, offset) + raw_name)
        offset += len(head) + len(data)
        count += 1
    cd = b"".join(central)
    if count < 0xFFFF:
        end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, count, count, len(cd), offset, 0)
    else:
        end = (struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count,
                           len(cd), offset)
               + struct.pack("<4sIQI", b"PK\x06\x07", 0, offset + len(cd), 1)
               + struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF,
                             0xFFFFFFFF, 0))
    return b"".join(local) + cd + end


# ----------------------------------------------------------------------------- JSON


def deep_json(depth: int, leaf: str = "1") -> bytes:
    """``depth`` nested arrays alternating with objects: what a recursive parser cannot take."""
    return (b'{"messages": ' + b'[{"a": ' * depth + leaf.encode() + b"}]" * depth + b"}")


# ----------------------------------------------------------------------------- Outlook .pst


def _pst_bytes(folders: list, **options: object) -> bytes:
    """A store written by the project's [MS-PST] writer (tests/pstfile.py), as bytes."""
    import tempfile
    from pathlib import Path

    from tests.pstfile import write_pst

    with tempfile.TemporaryDirectory() as tmp:
        return write_pst(Path(tmp) / "x.pst", folders, **options).read_bytes()


def hostile_pst() -> bytes:
    """Formulas and markup in subjects, bodies and names; attachment names that are paths;
    a header block with a forged Received line and a From that names two addresses; folder
    names that look like paths."""
    from tests.pstfile import Attachment, Folder
    from tests.pstfile import Mail as PstMail

    when = dt.datetime(2024, 3, 11, 10, 0, tzinfo=dt.UTC)
    mails = [PstMail(subject=f, body=m, sender_name=n, sender_email="rob@example.net",
                     to=[("Dana", "dana@example.org")], submitted=when)
             for f, m, n in zip(FORMULAS.values(), MARKUP.values(), BAD_NAMES.values())]
    mails.append(PstMail(subject="names", body="", submitted=when, attachments=[
        Attachment(n, b"x") for n in BAD_NAMES.values()]))
    mails.append(PstMail(subject="forged", body="x", headers=(
        "Received: from evil.example ([192.0.2.66]) by mx.example.org; Mon, 11 Mar 2024 "
        "10:00:00 +0000\r\nFrom: dana@example.org, rob@example.net\r\nDate: Mon, 11 Mar "
        "2024 10:00:00 +0000\r\n\r\n"), html=MARKUP["img"].encode()))
    return _pst_bytes([Folder("../../etc", mails), Folder("=1+1", [], [Folder("/abs", mails)])])


def emlx(texts: Iterable[str]) -> bytes:
    """An Apple Mail .emlx: one message whose body holds the texts, Mail's property list."""
    gen = generator("apple_mail/make_apple_mail.py")
    body = "\n".join(texts)
    message = Mail(body=body).render()
    return gen.emlx(message, 1710183905)


def icq_db2(texts: Iterable[str], name: str = "Rob") -> bytes:
    """An ICQ 10 ``_db2``: one incoming message per text, each naming its sender."""
    gen = generator("icq/make_icq.py")
    return b"".join(gen.message(i, 1710183905 + i, t, name=name)
                    for i, t in enumerate(texts, 1))


def pst_amplified(mails: int = 6, refs: int = 2) -> bytes:
    """Every mail's body is the same XXBLOCK of ``refs`` x 1021 x 1021 references to one
    8 KB block (``refs`` x 8.3 MB each, from 16 KB of file)."""
    from tests.pstfile import BOMB_BODY, BombFile, Folder
    from tests.pstfile import Mail as PstMail

    cls = type("Bomb", (BombFile,), {"refs": refs})
    return _pst_bytes([Folder("Inbox", [PstMail(subject=f"s{i}", body=BOMB_BODY)
                                        for i in range(mails)])], file_class=cls)


# ----------------------------------------------------------------------------- the sweep

HOSTILE_REMOTE = "http://tracker.example"


@functools.cache
def hostile_files() -> dict[str, bytes]:
    """name -> bytes: one of each kind of hostile or broken file, small enough to sweep."""
    files = {f"mime-{k}.eml": v for k, v in broken_mime().items()}
    files.update({
        "deep-mime.eml": nested_mime(100),
        "parts.eml": many_parts(3000),
        "pixel.eml": html_mail(HOSTILE_REMOTE),
        "forms.mbox": mbox(Mail(sender=s, subject=f, body=m) for s, f, m in zip(
            ["dana@example.org@evil.example", '"<dana@example.org>" <x@evil.example>',
             "=?utf-8?b?ZGFuYUBleGFtcGxlLm9yZw==?="], FORMULAS.values(), MARKUP.values())),
        "names.mbox": mbox([Mail(attachments=[(attachment_disposition(n), b"x")
                                                  for n in BAD_NAMES.values()])]),
        "WhatsApp Chat with Rob.txt": whatsapp(
            [("13/02/2024, 18:05", "Rob", "a\n12/02/2024, 18:06 - Dana Example: forged"),
             ("31/03/2024, 01:30", "=cmd|' /C calc'!A0", "gap \x00 nul"),
             ("27/10/2024, 01:30", "\u202eboR", MARKUP["script"])]),
        "ambiguous.txt": whatsapp([("01/02/2024, 18:05", "Rob", "a")]),
        "latin1.txt": whatsapp_minutes(3) + "13/02/2024, 09:00 - Rob: caf\xe9\n".encode(
            "latin-1"),
        "sms-1.xml": sms_xml([sms(t) for t in [*FORMULAS.values(), *EXACT]]),
        "sms-xxe.xml": b'<?xml version="1.0"?><!DOCTYPE smses [<!ENTITY x SYSTEM '
                       b'"file:///etc/passwd">]><smses count="1"><sms address="1" date="1" '
                       b'type="1" body="&x;" /></smses>',
        "log.csv": incident_log([("2024-03-12T10:00:00Z", "", "phone", "phone:1",
                                    "person:dana", "call", t, t)
                                   for t in [*FORMULAS.values(), *MARKUP.values()]]),
        "deep.json": deep_json(10_000),
        "page.html": f'<html><head><link rel=stylesheet href="{HOSTILE_REMOTE}/a.css"><style>@import '
                     f'"{HOSTILE_REMOTE}/b.css";</style><base href="{HOSTILE_REMOTE}/"></head><body><img src='
                     f'"{HOSTILE_REMOTE}/p.gif"><iframe src="{HOSTILE_REMOTE}/f"></iframe><script src="{HOSTILE_REMOTE}'
                     f'/s.js"></script><div class="message">hi</div></body></html>'.encode(),
        "traversal.zip": zip_bytes([("../../_chat.txt", whatsapp_minutes(1)),
                                      ("/etc/x.eml", Mail().render())]),
        "symlink.zip": symlink_zip([("_chat.txt", "/etc/passwd"), ("a.mbox", "/etc/passwd")]),
        "lying.zip": lying_zip("x.eml", Mail().render() * 100, 40),
        "Rob - Text - 2024-03-11T19_05_00Z.html": voice_html(
            [*FORMULAS.values(), *MARKUP.values()], HOSTILE_REMOTE),
        "messages.json": skype_json([*FORMULAS.values(), *MARKUP.values(), *EXACT]),
        "chat_history.json": snapchat_json([*FORMULAS.values(), *MARKUP.values(), *EXACT]),
        "rob.xml": trillian_xml([*FORMULAS.values(), *MARKUP.values(), *EXACT]),
        "Rob1.xml": msn_xml([*MARKUP.values(), "=1+1", "@SUM(1+1)"]),
        "msn-xxe.xml": b'<?xml version="1.0"?><!DOCTYPE Log [<!ENTITY x SYSTEM '
                       b'"file:///etc/passwd">]><Log FirstSessionID="1"><Message Date="1/1/2024"'
                       b' Time="1:00:00" SessionID="1"><Text>&x;</Text></Message></Log>',
        "letter.pdf": b"%PDF-1.4\n1 0 obj << /CreationDate (D:" + b"9" * 100_000
        + b") /ModDate (D:2024" + b"(" * 50_000 + b") >> endobj\n%%EOF\n",
        "1.emlx": emlx([*FORMULAS.values(), *MARKUP.values(), *EXACT]),
        "_db2": icq_db2([*FORMULAS.values(), *MARKUP.values(), *EXACT])
        + icq_db2(["named by a formula"], name=FORMULAS["dde"]),
        "hostile.pst": hostile_pst(),
        "nul.bin": b"\x00" * 4096,
        "empty.txt": b"",
        **hostile_images(),
    })
    files.update(phone_files())
    return files


# ----------------------------------------------------------------------------- phone databases


def generator(rel: str):
    """A sample generator of data/sample/formats (real layouts, made in code)."""
    from tests.helpers import sample_generator

    return sample_generator(rel)


def _phone_generators():
    """The sample databases' generators: real schemas, made in code."""
    return generator("imessage_db/make_chat_db.py"), generator("android/make_android_dbs.py")


def _db_bytes(build) -> bytes:
    """The bytes of a database ``build(path)`` writes (in a scratch folder, then removed)."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.db"
        build(path)
        return path.read_bytes()


def chat_db(texts: Sequence[str], names: Sequence[str] = ()) -> bytes:
    """A chat.db with one message per text (every other one only in attributedBody) and one
    attachment per name on the first message."""
    imessage, _ = _phone_generators()
    rows = [(i, 1, 1, i % 2, 60 * i, None if i % 2 else t, t, {})
            for i, t in enumerate(texts, 1)]

    def build(path):
        imessage.build(path, rows)
        if names:
            import sqlite3

            conn = sqlite3.connect(path)
            conn.execute("DELETE FROM attachment")
            conn.execute("DELETE FROM message_attachment_join")
            for n, name in enumerate(names, 1):
                conn.execute("INSERT INTO attachment (ROWID, guid, transfer_name, filename) "
                             "VALUES (?, ?, ?, ?)", (n, f"A{n}", name, name))
                conn.execute("INSERT INTO message_attachment_join VALUES (1, ?)", (n,))
            conn.commit()
            conn.close()
    return _db_bytes(build)


def mmssms_db(bodies: Sequence[str]) -> bytes:
    """An mmssms.db with one received SMS per body."""
    _, android = _phone_generators()
    rows = [(i, 1, "+447700900456", i * 60_000, 1, b) for i, b in enumerate(bodies, 1)]
    return _db_bytes(lambda path: android.build_mmssms(path, rows))


def sqlite_pages(data: bytes) -> tuple[int, int]:
    """(page size, page count) from an SQLite header."""
    size = int.from_bytes(data[16:18], "big")
    return (65536 if size == 1 else size), len(data) // (65536 if size == 1 else size)


def damaged_pages(data: bytes, pages: Iterable[int], fill: bytes = b"\xa5") -> bytes:
    """``data`` with the given 1-based pages overwritten by a repeated byte."""
    size, _ = sqlite_pages(data)
    out = bytearray(data)
    for page in pages:
        out[(page - 1) * size:page * size] = fill * size
    return bytes(out)


def looping_btree(data: bytes, table: str = "sms") -> bytes:
    """``data`` with ``table``'s interior root page pointing its right child back at itself
    (a b-tree that loops: a reader that follows it naively never ends)."""
    import sqlite3
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.db"
        path.write_bytes(data)
        conn = sqlite3.connect(path)
        (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?",
                               (table,)).fetchone()
        conn.close()
    size, _ = sqlite_pages(data)
    start = (root - 1) * size + (100 if root == 1 else 0)
    if data[start] != 0x05:
        raise ValueError(f"table {table!r} has no interior root page (make more rows)")
    out = bytearray(data)
    out[start + 8:start + 12] = root.to_bytes(4, "big")
    return bytes(out)


@functools.cache
def phone_files() -> dict[str, bytes]:
    """The phone databases of the hostile sweep: hostile text, damage, a loop, encryption."""
    hostile = [*FORMULAS.values(), *MARKUP.values(), *EXACT]
    many = mmssms_db([f"msg {i}" for i in range(3000)])
    return {
        "chat.db": chat_db(hostile, list(BAD_NAMES.values())),
        "mmssms.db": mmssms_db(hostile),
        "damaged-mmssms.db": damaged_pages(many, [sqlite_pages(many)[1] // 2]),
        "loop-mmssms.db": looping_btree(many),
        "msgstore.db.crypt14": bytes(range(256)) * 64,
    }


def hostile_images() -> dict[str, bytes]:
    """A decompression bomb, a truncated photo and a megabyte EXIF string, drawn here."""
    import io

    from PIL import Image

    def png(img: Image.Image, **options: object) -> bytes:
        out = io.BytesIO()
        img.save(out, format="PNG", **options)
        return out.getvalue()

    exif = Image.Exif()
    exif[0x010E] = "A" * (1 << 20)                                # ImageDescription, 1 MB
    exif.get_ifd(0x8769)[0x9003] = "2024:03:11 19:05:00" + "x" * (1 << 20)
    photo = io.BytesIO()
    Image.new("RGB", (200, 120), (90, 60, 30)).save(photo, format="JPEG")
    return {"bomb.png": png(Image.new("1", (20000, 20000))),
            "truncated.jpg": photo.getvalue()[:len(photo.getvalue()) // 2],
            "exif-1mb.png": png(Image.new("RGB", (8, 8)), exif=exif.tobytes())}
