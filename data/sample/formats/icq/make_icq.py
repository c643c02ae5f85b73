"""Write the sample ICQ 10 profile folder beside this file, deterministically.

Run ``python data/sample/formats/icq/make_icq.py``; the committed files are what the tests read,
and the tests call the functions below to make variants. The layout is the one DigiFors
describe for ICQ 10 (Windows) and ICQ 3 (macOS), "ICQ 10 file format" (github.com/DigiFors/
ICQ10_file_format): a profile folder ``0001/`` holding ``info/cache`` (the owner) and
``archive/<peer>/_db2`` (one conversation), ``contacts/cache.cl`` (JSON contact list).

Every file is a run of blocks, each framed by its length written twice before and after it
(little-endian u32). A block is a run of fields: u32 tag, u32 length, the value. In a ``_db2``
message block:

====  =======================================================================================
tag   value
====  =======================================================================================
1     8 bytes: u32 (unknown), u32 the server's UNIX time
0x0d  8 bytes: the previous message's tag 1 (all 0xff for the first)
2     u32 flags: 0 incoming, 4 outgoing
3     u64 the client's UNIX time
4     the message GUID (incoming); empty on outgoing messages
0x0e  the GUID with a counter (outgoing), then a second GUID where the record names its sender
0x15  the sender's name (after the second GUID), else empty
5     the text, UTF-8
0x10  an event, nested fields: u32 code (2 contact added or removed, 4 call started, 3 call
      ended), the peer's ICQ number, the peer's name or number, then extra fields (a
      completed call's end has them, an unanswered one has none); a file's event holds tag
      0x12 with the file's URL again
====  =======================================================================================

Every number and name is fictional (STORY.md).
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROFILE = HERE / "ICQ" / "0001"
DANA, ROB, SAM = "700900123", "700900456", "700900321"
NOTICE = 1_710_061_200                  # 2024-03-10 09:00:00 UTC
FILE_URL = "https://files.icq.net/get/0aBcD1eFgH2iJkL3mNoP4qRsT5uVwX"
CONTACT, CALL_START, CALL_END = 2, 4, 3


def field(tag: int, value: bytes) -> bytes:
    return struct.pack("<II", tag, len(value)) + value


def block(body: bytes) -> bytes:
    n = struct.pack("<II", len(body), len(body))
    return n + body + n


def event(code: int, uin: str, name: str = "", extra: int = 0) -> bytes:
    """Tag 0x10: the event code, the peer's number and name, ``extra`` further u32 fields."""
    inner = field(0x11, struct.pack("<I", code)) + field(0x13, uin.encode()) \
        + field(0x14, (name or uin).encode())
    inner += b"".join(field(0x16 + i, struct.pack("<I", 60 * (i + 1))) for i in range(extra))
    return field(0x10, inner)


def message(n: int, server: int, text: str, *, outgoing: bool = False, client: int | None = None,
            name: str = "", tail: bytes = b"", prev: int | None = None) -> bytes:
    """One ``_db2`` block: message ``n`` at ``server`` time (client time may differ)."""
    guid = f"{n:08x}-0000-4000-8000-00000000{n:04x}"
    body = field(1, struct.pack("<II", 0x5A000000 + n, server))
    body += field(0x0D, b"\xff" * 8 if prev is None else struct.pack("<II", 0x5A000000 + n - 1,
                                                                      prev))
    body += field(2, struct.pack("<I", 4 if outgoing else 0))
    body += field(3, struct.pack("<Q", server if client is None else client))
    body += field(4, b"") + field(0x0E, f"{guid}-{n}".encode()) if outgoing else \
        field(4, guid.encode())
    if name:
        body += field(0x0E, f"{n:08x}-1111-4000-8000-000000000000".encode())
    body += field(0x15, name.encode()) + field(5, text.encode()) + tail
    return block(body)


def info_cache(uin: str, name: str, phone: str = "") -> bytes:
    """``info/cache``: one block of fields 1..7 (number, number again, name, status, account
    type, phone number without '+', unknown)."""
    parts = [uin, uin, name, "online", "ICQ", phone, ""]
    return block(b"".join(field(i, v.encode()) for i, v in enumerate(parts, 1)))


def contacts(buddies: dict[str, str]) -> bytes:
    """``contacts/cache.cl``: the contact list (JSON), ``aimId`` -> ``friendly`` name."""
    group = {"id": 1, "name": "General", "buddies": [
        {"aimId": a, "friendly": f, "state": "offline", "statusMsg": "", "userType": "icq",
         "lastseen": 0, "mute": False} for a, f in buddies.items()]}
    return json.dumps({"groups": [group]}, ensure_ascii=False, indent=1).encode()


def rob_chat() -> bytes:
    """Dana and Rob: before the request, the request, a call, files and contacts after it."""
    t = NOTICE
    records = [
        message(1, t - 86_400, "you think you can ignore me?", name="Rob"),
        message(2, t - 86_000, "I am not ignoring you.", outgoing=True),
        message(3, t - 600, "Do not contact me in any way in the future.", outgoing=True,
                client=t - 602),
        message(4, t + 3_600, "", tail=event(CALL_START, ROB, "Rob")),
        message(5, t + 3_720, "", tail=event(CALL_END, ROB, "Rob", extra=2)),
        message(6, t + 7_200, "", tail=event(CALL_END, ROB, "Rob")),
        message(7, t + 9_000, FILE_URL, tail=field(0x10, field(0x12, FILE_URL.encode()))),
        message(8, t + 9_060, "added you to contacts", tail=event(CONTACT, ROB, "Rob")),
        message(9, t + 10_800, "answer me, Dana 😠 ", name="Rob"),
    ]
    return b"".join(records)


def sam_chat() -> bytes:
    return message(1, NOTICE + 20_000, "Are you OK? Rob told me you blocked him.") \
        + message(2, NOTICE + 20_400, "I'm fine, thank you.", outgoing=True)


def build(profile: Path = PROFILE) -> None:
    files = {"info/cache": info_cache(DANA, "Dana", "447700900123"),
             "contacts/cache.cl": contacts({ROB: "Rob", SAM: "Sam"}),
             f"archive/{ROB}/_db2": rob_chat(), f"archive/{SAM}/_db2": sam_chat()}
    for rel, data in files.items():
        path = profile / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


if __name__ == "__main__":
    build()
