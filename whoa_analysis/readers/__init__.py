"""The reader registry: one module per export family, listed explicitly below.

Each reader module exports ``FORMAT`` (its name), ``PLATFORM``, ``PATTERNS`` (the file names it
recognises, for ``whoa formats``), ``DESCRIPTION``, ``sniff(head) -> bool`` and
``read(path, *, tz=None, owner=(), date_order=None, region=None) -> DataFrame``.
``sniff`` must match exactly one reader for a file to be read with ``format = "auto"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import pandas as pd

from ..errors import FormatError, InputError
from . import (
    discord_dce,
    discord_package,
    eml,
    google_chat,
    imessage,
    incident_log,
    irc,
    maildir,
    mbox,
    meta_html,
    meta_json,
    msg,
    pidgin,
    signal,
    slack,
    sms_backup,
    telegram_html,
    telegram_json,
    twitter_dm,
    web_capture,
    whatsapp,
)
from ._common import Head, open_head

#: name -> module. A new format adds one line here.
READERS: dict[str, ModuleType] = {
    incident_log.FORMAT: incident_log,
    mbox.FORMAT: mbox,
    eml.FORMAT: eml,
    maildir.FORMAT: maildir,
    msg.FORMAT: msg,
    discord_dce.FORMAT: discord_dce,
    discord_package.FORMAT: discord_package,
    slack.FORMAT: slack,
    twitter_dm.FORMAT: twitter_dm,
    telegram_json.FORMAT: telegram_json,
    telegram_html.FORMAT: telegram_html,
    signal.FORMAT: signal,
    imessage.FORMAT: imessage,
    meta_json.FORMAT: meta_json,
    meta_html.FORMAT: meta_html,
    irc.FORMAT: irc,
    pidgin.FORMAT: pidgin,
    google_chat.FORMAT: google_chat,
    web_capture.FORMAT: web_capture,
    whatsapp.FORMAT: whatsapp,
    sms_backup.FORMAT: sms_backup,
}


def get(name: str) -> ModuleType:
    try:
        return READERS[name]
    except KeyError:
        raise FormatError(f"unknown format {name!r}; expected one of {', '.join(sorted(READERS))}"
                          " (see 'whoa formats')") from None


def detect(path: Path) -> str:
    """The one reader whose ``sniff`` recognises ``path``; an error when none or several do."""
    head = open_head(path)
    hits = [name for name, mod in READERS.items() if mod.sniff(head)]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise FormatError(f"{path.name}: no reader recognises this file; expected one of the "
                          "formats 'whoa formats' lists: pass --format (or format = ...) if it "
                          "is one of them")
    raise FormatError(f"{path.name}: several readers recognise this file ({', '.join(hits)}); "
                      "pass --format (or format = ...) to choose")


def read(path: str | Path, format: str = "auto", *, tz: str | None = None,
         owner: Sequence[str] = (), date_order: str | None = None,
         region: str | None = None) -> pd.DataFrame:
    """Read one export into the message frame (``format="auto"`` detects it)."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    name = detect(path) if format == "auto" else format
    return get(name).read(path, tz=tz, owner=tuple(owner), date_order=date_order, region=region)


def formats() -> list[dict[str, str]]:
    """One row per reader: name, platform, file patterns, description."""
    return [{"format": name, "platform": mod.PLATFORM, "patterns": ", ".join(mod.PATTERNS),
             "description": mod.DESCRIPTION} for name, mod in sorted(READERS.items())]


__all__ = ["READERS", "Head", "InputError", "detect", "formats", "get", "read"]
