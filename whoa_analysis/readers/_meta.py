"""What the Meta "Download your information" readers (JSON and HTML) share."""

from __future__ import annotations

import re

from ._common import Source

_INSTAGRAM_HINTS = ("your_instagram_activity", "instagram")


def platform(src: Source, what: str) -> str:
    """``instagram`` when the path names Instagram, else ``messenger`` (the files are alike)."""
    parts = [p.casefold() for p in src.path.parts]
    if any(h in p for p in parts for h in _INSTAGRAM_HINTS):
        src.assume("platform instagram: the path names Instagram")
        return "instagram"
    src.assume(f"platform messenger: nothing in the path names Instagram (the {what} is the "
               "same)")
    return "messenger"


def thread_order(name: str, thread_file: re.Pattern) -> tuple:
    """Thread files by folder, then message_N by N (message_10 after message_2)."""
    folder, _, base = name.rpartition("/")
    m = thread_file.search(name)
    return (folder, 0, int(m.group(1)), "") if m else (folder, 1, 0, base)
