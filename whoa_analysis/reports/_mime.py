"""MIME drafts (.eml) put together around exact bytes: the originals are never written out again.

The email library's generator re-serialises a ``message/rfc822`` part (it refolds headers and
changes line ends), so only the header blocks and the text parts are made by the library and
the multipart structure is joined here: ``--boundary``, a part, CRLF, and so on (RFC 2046 5.1),
each attached message inserted byte for byte. The boundary is derived from the content and
checked against every part, so the same inputs give the same bytes.

Header fields: ``email.message.Message`` with the compat32 policy, which writes a value as it is
given. A value that is not plain printable ASCII (a harasser's name holding CR/LF, a subject in
Cyrillic) is given as RFC 2047 encoded words made by ``email.charset``, so a line break inside it
stays inside its field. (The newer ``EmailMessage`` policies decode encoded words on the way in
and write the decoded CR/LF out again: a header injection.)
"""

from __future__ import annotations

import hashlib
import itertools
import re
from email import policy
from email.charset import Charset
from email.message import EmailMessage, Message

CRLF = b"\r\n"
_POLICY = policy.compat32.clone(linesep="\r\n")
_PRINTABLE = re.compile(r"[ -~]*")
_UTF8 = Charset("utf-8")
_ADDRESS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")

Fields = list[tuple[str, str]]


def header_value(value: str) -> str:
    """``value`` as a field body: itself when printable ASCII, else RFC 2047 encoded words."""
    if _PRINTABLE.fullmatch(value):
        return value
    return " ".join(_UTF8.header_encode_lines(value, itertools.repeat(60)))


def is_address(value: str) -> bool:
    """A plain ``local@domain`` address (nothing a header could be broken with)."""
    return bool(_ADDRESS.fullmatch(value)) and len(value) <= 254


def header_block(fields: Fields) -> bytes:
    """The fields, CRLF-ended, and the blank line after them (folded by the library's policy;
    only the header lines are made, whatever the Content-Type says)."""
    msg = Message(policy=_POLICY)
    for name, value in fields:
        msg[name] = header_value(value)
    return b"".join(_POLICY.fold_binary(k, v) for k, v in msg.items()) + CRLF


def text_part(text: str) -> bytes:
    """A text/plain UTF-8 part (quoted-printable: any line length, any character)."""
    part = EmailMessage(policy=policy.SMTP)
    # Lone surrogates (undecodable bytes a reader kept) cannot be UTF-8: shown as "?".
    safe = text.encode("utf-8", "replace").decode("utf-8")
    part.set_content(safe, charset="utf-8", cte="quoted-printable")
    del part["MIME-Version"]             # only the message's top carries it
    return part.as_bytes()


def transfer_encoding(data: bytes) -> str:
    """The identity encoding ``data`` needs (RFC 2045 6.2: 7bit, 8bit or binary)."""
    lines = data.split(b"\n")
    if b"\x00" in data or re.search(rb"\r(?!\n)", data) or any(len(x) > 998 for x in lines):
        return "binary"
    return "7bit" if data.isascii() else "8bit"


def _widest(encodings: list[str]) -> str:
    order = ("7bit", "8bit", "binary")
    return max(encodings, key=order.index) if encodings else "7bit"


def attached_part(data: bytes, content_type: str, filename: str, description: str = "",
                  ) -> tuple[bytes, str]:
    """A part holding ``data`` exactly, and its transfer encoding. ``filename`` is ours (fixed),
    never from the data."""
    cte = transfer_encoding(data)
    fields = [("Content-Type", content_type),
              ("Content-Disposition", f'attachment; filename="{filename}"'),
              ("Content-Transfer-Encoding", cte)]
    if description:
        fields.append(("Content-Description", description))
    return header_block(fields) + data, cte


def fields_part(fields: Fields, content_type: str) -> bytes:
    """A part whose body is itself a block of fields (message/feedback-report)."""
    return header_block([("Content-Type", content_type),
                         ("Content-Transfer-Encoding", "7bit")]) + header_block(fields)


def boundary(parts: list[bytes]) -> str:
    """A boundary that occurs in none of the parts (derived from them: deterministic)."""
    digest = hashlib.sha256(b"".join(hashlib.sha256(p).digest() for p in parts)).hexdigest()
    for n in itertools.count():
        candidate = f"=_whoa_{digest[:32]}_{n}"
        if not any(candidate.encode() in p for p in parts):
            return candidate
    raise AssertionError("unreachable")


def multipart(top: Fields, subtype: str, parts: list[tuple[bytes, str]], params: str = "",
              ) -> bytes:
    """A whole message: ``top`` fields, then ``multipart/<subtype>`` holding ``parts`` (each
    (bytes, transfer encoding)) exactly; ``params`` adds Content-Type parameters."""
    datas = [p for p, _ in parts]
    mark = boundary(datas)
    head = header_block([*top, ("MIME-Version", "1.0"),
                         ("Content-Type", f'multipart/{subtype}; {params}boundary="{mark}"'),
                         ("Content-Transfer-Encoding", _widest([c for _, c in parts]))])
    delimiter = b"--" + mark.encode()
    body = b"This is a MIME message; open it in a mail program." + CRLF
    for data in datas:
        # The CRLF before a delimiter belongs to the delimiter: each part's bytes stay exact.
        body += delimiter + CRLF + data + CRLF
    return head + body + delimiter + b"--" + CRLF
