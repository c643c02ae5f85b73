"""Write the sample Apple Mail store (``Mail/V10/`` beside this file), deterministically.

Run ``python data/sample/formats/apple_mail/make_apple_mail.py``; the committed files are what
the tests read, and the tests call :func:`emlx` to make variants. The layout is macOS Mail's as
public descriptions of the store give it: ``V10/<account>/<Mailbox>.mbox/<UUID>/Data/<digits>/
Messages/<n>.emlx``, each file the message's byte count on its first line, the message, then
Mail's property list (``date-received``, ``flags``, ...). Every address and IP is from the ranges
reserved for documentation (STORY.md); the messages are written with the sample mailboxes'
own builders (data/sample/make_mail.py).
"""

from __future__ import annotations

import base64
import importlib.util
import plistlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ACCOUNT = "V10/2F8D5A4C-1B3E-4F60-9A7D-0C2E4B6A8D10"
BOX_ID = "8C1E2A3B-4D5F-4A6B-9C7D-1E2F3A4B5C6D"
READ, DELETED, JUNK = 1 << 0, 1 << 1, 1 << 24
PHOTO = b"\xff\xd8\xff\xe0 sample photo bytes \xff\xd9"     # make_mail.with_photo's


def _mail():
    spec = importlib.util.spec_from_file_location("make_mail", HERE.parents[1] / "make_mail.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


M = _mail()


def emlx(message: bytes, received: int, flags: int = READ, **extra: object) -> bytes:
    """An .emlx file: the byte count, the message, Mail's property list."""
    props = {"date-received": received, "flags": flags, **extra}
    return b"%d\n" % len(message) + message + plistlib.dumps(props, fmt=plistlib.FMT_XML)


def _path(box: str, n: int, partial: bool = False) -> str:
    name = f"{n}.partial.emlx" if partial else f"{n}.emlx"
    return f"{ACCOUNT}/{box}.mbox/{BOX_ID}/Data/{n // 1000 % 10}/Messages/{name}"


def files() -> dict[str, bytes]:
    """path under Mail/ -> bytes: the request in Sent Messages, Rob after it in INBOX (one a
    partial .emlx with its attachment apart) and in Junk, Sam in INBOX."""
    t = M.t
    stop = M.outbound(71, M.ROB, "Stop contacting me", t("2024-03-10 09:00:00"),
                      "Do not contact me in any way in the future.\n").encode()
    rob = M.inbound(72, M.ROB, M.DANA, "you can't hide", t("2024-03-10 12:30:00"),
                    "I know where you work.\n").encode()
    # a partial .emlx: Mail keeps the photo's bytes in Attachments/, its part here is empty
    b64 = base64.b64encode(PHOTO).decode()
    mime = M.with_photo("see this").replace(f"base64\n\n{b64}\n",
                                            f"base64\nX-Apple-Content-Length: {len(b64)}\n\n")
    photo = M.inbound(73, M.ROB2, M.DANA, "look", t("2024-03-11 08:00:00"), "",
                      mime=mime).encode()
    junk = M.inbound(74, M.ROB2, M.DANA, "answer me", t("2024-03-12 22:10:00"),
                     "Why are you ignoring me?\n").encode()
    sam = M.inbound(75, M.SAM, M.DANA, "are you ok?", t("2024-03-10 15:00:00"),
                    "Rob told me you blocked him. Are you OK?\n").encode()
    at = 1_710_061_200
    return {
        _path("Sent Messages", 101): emlx(stop, at),
        _path("INBOX", 102): emlx(rob, at + 3 * 3600 + 2),
        _path("INBOX", 1103, partial=True): emlx(photo, at + 23 * 3600 + 2),
        _path("INBOX", 104): emlx(sam, at + 6 * 3600 + 2),
        _path("Junk", 105): emlx(junk, at + 2 * 86_400 + 13 * 3600 + 600 + 2, READ | JUNK),
        f"{ACCOUNT}/INBOX.mbox/{BOX_ID}/Data/1/Attachments/1103/2/photo.jpg":
            PHOTO,
    }


def build(root: Path = HERE / "Mail") -> None:
    for rel, data in files().items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


if __name__ == "__main__":
    build()
