"""Outlook .msg files (one message each): drag-and-drop or "Save as" from Outlook on Windows.

An OLE2 compound file (magic ``D0 CF 11 E0 A1 B1 1A E1``) of MAPI property streams::

    __substg1.0_0037001F          PR_SUBJECT (UTF-16)
    __substg1.0_0C1F001F          PR_SENDER_EMAIL_ADDRESS
    __substg1.0_007D001F          PR_TRANSPORT_MESSAGE_HEADERS (the original RFC 5322 headers)
    __properties_version1.0       fixed-size properties: 0x0039 PR_CLIENT_SUBMIT_TIME, ...
    __recip_version1.0_#00000000/ one storage per recipient
    __attach_version1.0_#00000000/ one storage per attachment

Read through the optional ``extract-msg`` package (GPL-3.0; ``pip install whoa_analysis[msg]``),
imported only here. Time: the transport headers' Date with its offset, else
PR_CLIENT_SUBMIT_TIME (UTC), else PR_MESSAGE_DELIVERY_TIME (UTC, with a warning); the creation
time of the file is never taken for the sending time. The record's raw bytes are the whole file;
locator ``msg:0``. Attachments are metadata only (embedded messages have no byte hash).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..errors import InputError
from . import _email
from ._common import Head, Source, unparsed

FORMAT = "msg"
PLATFORM = "email"
PATTERNS = ("*.msg (Outlook, OLE2)",)
DESCRIPTION = "Outlook .msg message (needs the optional extract-msg package, GPL-3.0)"

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SUBMIT, _DELIVERY = "00390040", "0E060040"
_RECIPIENT_KINDS = {1: "to", 2: "cc", 3: "bcc"}


def sniff(head: Head) -> bool:
    return not head.is_dir and head.name.endswith(".msg") and head.data.startswith(OLE_MAGIC)


def read(path: Path, *, tz: str | None = None, owner: Sequence[str] = (),
         date_order: str | None = None, region: str | None = None) -> pd.DataFrame:
    try:
        import extract_msg
    except ImportError:
        raise InputError("msg: reading Outlook .msg needs the optional extract-msg package "
                         "(GPL-3.0); got none installed: pip install whoa_analysis[msg]"
                         ) from None
    src = Source(Path(path), FORMAT)
    raw = src.path.read_bytes()
    if not raw.startswith(OLE_MAGIC):
        raise InputError(f"{src.path.name}: expected an Outlook .msg (OLE2 file); got other "
                         "bytes: if it is a text message, read it with format 'eml'")
    logging.getLogger("extract_msg").setLevel(logging.ERROR)   # its chatter is not ours
    try:
        message = extract_msg.openMsg(str(src.path), strict=False, delayAttachments=False)
    except Exception as exc:  # noqa: BLE001 - any failure of the library is a damaged file
        row = unparsed("msg:0", raw, f"Outlook .msg not readable ({type(exc).__name__}: {exc})",
                       platform="email", conversation_kind="email")
        return src.frame([row])
    try:
        row = _row(message, raw, _email.owner_keys(owner))
    finally:
        message.close()
    return src.frame([row])


def _row(m: object, raw: bytes, owner: frozenset[str]) -> dict:
    notes: list[str] = []
    headers = _transport_headers(m)
    sender, display = _sender(m, headers, notes)
    stamp, raw_time, basis = _time(m, headers, notes)
    body, html_body = _bodies(m, notes)
    meta = _attachments(m, notes)
    subject = _email.clean(_text(getattr(m, "subject", None)))
    in_reply = _email.msg_ids(_text(getattr(m, "inReplyTo", None)))
    refs = _email.msg_ids(headers.get("references") if headers else "")
    root = refs[0] if refs else in_reply[0] if in_reply else ""
    return {
        "locator": "msg:0", "record_sha256": hashlib.sha256(raw).hexdigest(),
        "platform": "email", "conversation_kind": "email",
        "conversation": root or _email.thread_subject(subject),
        "sent_at": stamp, "sent_at_raw": raw_time, "time_basis": basis,
        "sender": sender, "sender_display": display,
        "recipients": ";".join(_recipients(m, headers, notes)),
        "subject": subject, "body": body,
        "kind": "media" if not body.strip() and meta else "text",
        "attachments": ";".join(a["name"] for a in meta if a["name"]),
        "in_reply_to": in_reply[0] if in_reply else "", "warnings": "; ".join(notes),
        "from_owner": (sender in owner) if owner else None, "body_html": html_body,
        "attachment_meta": json.dumps(meta, ensure_ascii=False) if meta else "",
        "email_message_id": _text(getattr(m, "messageId", None)).strip(),
        "headers_raw": _email.clean(_text(getattr(m, "headerText", None))),
    }


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _transport_headers(m: object) -> _email.Part | None:
    text = _text(getattr(m, "headerText", None))
    if not text.strip():
        return None
    return _email.split_part(text.encode("utf-8", "surrogateescape"))


def _prop(m: object, name: str) -> object:
    props = getattr(m, "props", None)
    entry = props.get(name) if props is not None else None
    return getattr(entry, "value", None)


def _string(m: object, prop: str) -> str:
    try:
        return _text(m.getStringStream("__substg1.0_" + prop))
    except Exception:  # noqa: BLE001 - a missing or damaged stream is just absent
        return ""


def _sender(m: object, headers: _email.Part | None, notes: list[str]) -> tuple[str, str]:
    if headers is not None and headers.get("from"):
        found = _email.parse_addresses(headers.get("from"))
        if found.problem or len(found.mailboxes) != 1:
            notes.append(f"From: {found.problem or 'not one address'}: sender left unattributed")
            return "", _email.clean(headers.get("from"))
        box = found.mailboxes[0]
        return _email.address_key(box.address), _email.clean(box.display) or box.address
    name = _string(m, "0C1A") or _string(m, "0042")
    address = _string(m, "5D01") or _smtp(m, "0C1F", "0C1E") or _smtp(m, "0065", "0064")
    if not address:
        notes.append("no sender address in the .msg")
        return "", name
    return _email.address_key(address), name or address


def _smtp(m: object, address_prop: str, type_prop: str) -> str:
    """An address property, only when its type is SMTP (Exchange X.500 names are no address)."""
    kind = _string(m, type_prop).upper()
    address = _string(m, address_prop)
    return address if address and kind in ("", "SMTP") and "@" in address else ""


def _recipients(m: object, headers: _email.Part | None, notes: list[str]) -> list[str]:
    """Addresses the sender wrote (transport To/Cc/Bcc), then Outlook's recipient table."""
    keys: list[str] = []
    for name in ("to", "cc", "bcc") if headers is not None else ():
        for value in headers.all(name):
            found = _email.parse_addresses(value)
            if found.problem:
                notes.append(f"{name.title()}: {found.problem}: left out of recipients")
            keys.extend(_email.address_key(b.address) for b in found.mailboxes
                        if "@" in b.address)
    for recipient in getattr(m, "recipients", None) or []:
        address = _text(getattr(recipient, "email", None))
        if "@" in address:
            keys.append(_email.address_key(address))
        elif address or _text(getattr(recipient, "name", None)):
            notes.append(f"recipient {_text(getattr(recipient, 'name', None))!r} has no SMTP "
                         "address: left out of recipients")
    return list(dict.fromkeys(keys))


def _time(m: object, headers: _email.Part | None,
          notes: list[str]) -> tuple[dt.datetime | None, str, str]:
    date = headers.get("date") if headers is not None else None
    if date:
        stamp = _email.parse_date(date)
        if stamp.utc is not None:
            return stamp.utc, date, stamp.basis
        notes.append(f"Date header not usable ({stamp.problem})")
    for prop, what in ((_SUBMIT, ""), (_DELIVERY, "delivery time (PR_MESSAGE_DELIVERY_TIME)")):
        value = _prop(m, prop)
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            if what:
                notes.append(f"no sending time: time is the {what}")
            return value.astimezone(dt.UTC), value.isoformat(), "utc"
    notes.append("no time: neither a Date header nor a submit or delivery time in the .msg")
    return None, "", "missing"


def _bodies(m: object, notes: list[str]) -> tuple[str, str]:
    body = _email.clean(_text(_safe(m, "body", notes)))
    html_raw = _safe(m, "htmlBody", notes)
    html_body = ""
    if isinstance(html_raw, bytes):
        html_body, problem = _email.decode_charset(html_raw.rstrip(b"\0"), "utf-8")
        if problem:
            notes.append("HTML body: " + problem)
    if not body and html_body:
        body, problem = _email.html_text(html_body)
        if problem:
            notes.append(problem)
    return body, html_body


def _safe(m: object, name: str, notes: list[str]) -> object:
    try:
        return getattr(m, name, None)
    except Exception as exc:  # noqa: BLE001 - extract-msg raises many kinds on damaged files
        notes.append(f"{name} not readable ({type(exc).__name__})")
        return None


def _attachments(m: object, notes: list[str]) -> list[dict]:
    meta = []
    for att in getattr(m, "attachments", None) or []:
        name = _email.clean(_text(getattr(att, "longFilename", None)
                                  or getattr(att, "shortFilename", None)
                                  or getattr(att, "displayName", None)))
        data = _safe(att, "data", notes)
        kind = _text(getattr(att, "mimetype", None)) or "application/octet-stream"
        if isinstance(data, bytes):
            meta.append({"name": name, "type": kind, "size": len(data),
                         "sha256": hashlib.sha256(data).hexdigest()})
        else:
            meta.append({"name": name, "type": "application/vnd.ms-outlook", "size": None,
                         "sha256": ""})
    return meta
