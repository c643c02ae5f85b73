"""Discord's own data package ("Request all of my data"): the messages the owner wrote.

The package (a zip, or its unpacked folder) has one folder per channel,
``messages/c<channel id>/``, with ``messages.csv`` and a ``channel.json`` describing it::

    ID,Timestamp,Contents,Attachments
    1215914418394513409,2024-03-10 08:12:40.117000+00:00,see you later,
    7.73264E+18,2023-04-19T15:14:45.904819+00:00,"two
    lines",https://cdn.discordapp.com/attachments/1/2/photo.jpg

    {"id": "123", "type": 1, "recipients": ["100000000000000001", "200000000000000002"]}

Every row was written by the package's owner (``from_owner`` True): the sender is the owner's
account from ``account/user.json`` when the package has it, else ``discord:<owner>`` from the
first owner identifier that is a Discord key or looks like a Discord user name or id, else
empty (and the import report says so). ``channel.json`` gives the
conversation (type 1/``DM`` is ``direct``, every other type ``group``; recipients other than the
owner's id); ``messages/index.json`` names channels it does not. Timestamps with an offset are
instants; the 2024+ ``messages.json`` variant (``[{"ID": .., "Timestamp": "2024-01-02
03:04:05", "Contents": .., "Attachments": ..}]``) writes them without a zone, which needs the
declared ``tz``. A message id a spreadsheet turned into ``7.73264E+18`` cannot be restored: the
row is kept and says so. A message without text but with attachments is ``media``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import InputError
from . import _discord as J
from ._common import (
    Head,
    Source,
    csv_records,
    is_zip,
    localize,
    read_member,
    require_tz,
    unparsed,
    zip_members,
)

FORMAT = "discord_package"
PLATFORM = "discord"
PATTERNS = ("package.zip or folder with messages/c<id>/messages.csv (Discord data package)",
            "messages.csv with header ID,Timestamp,Contents,Attachments")
DESCRIPTION = "Discord's own data package: the owner's messages, channel by channel"

HEADER = ("ID", "Timestamp", "Contents", "Attachments")
_MESSAGES = re.compile(r"(?:^|/)(?:messages/)?c(\d+)/messages\.(csv|json)$", re.IGNORECASE)
_MANGLED = re.compile(r"^\s*\d+(?:\.\d+)?[eE]\+?\d+\s*$")
MANGLED = "the ID was mangled by a spreadsheet; the original is lost"
#: what a Discord account looks like: a user name (2-32 of a-z 0-9 _ .) or a numeric id.
DISCORD_ACCOUNT = re.compile(r"[A-Za-z0-9_.]{2,32}|\d{17,20}")
#: channel.json types (numeric in older packages, names in newer) that are one-to-one DMs.
DIRECT_TYPES = frozenset({1, "1", "DM"})


def sniff(head: Head) -> bool:
    if head.is_dir or head.is_zip:
        return any(_MESSAGES.search(m) for m in head.members)
    first = head.text.splitlines()[0] if head.data else ""
    if tuple(c.strip() for c in first.split(",")) == HEADER:
        return True
    return (head.name == "messages.json" and head.text.lstrip().startswith("[")
            and '"Timestamp"' in head.text and '"Contents"' in head.text)


# --- documents -----------------------------------------------------------------------------------

@dataclass
class Package:
    """The files of the package this reader needs, by '/'-separated name."""

    files: dict[str, bytes] = field(default_factory=dict)
    prefix: str = ""            # 'zip:' for members of a zip, '' otherwise

    def find(self, suffix: str) -> bytes | None:
        for name, data in self.files.items():
            if name.lower().endswith(suffix.lower()):
                return data
        return None


def _wanted(name: str) -> bool:
    low = name.lower()
    return bool(_MESSAGES.search(name)) or low.endswith(
        ("/channel.json", "messages/index.json", "account/user.json")) or low in (
        "channel.json", "index.json", "user.json")


def _package(path: Path) -> Package:
    if path.is_dir():
        files = {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*"))
                 if p.is_file() and not p.is_symlink()
                 and _wanted(p.relative_to(path).as_posix())}
        return Package(files)
    if is_zip(path):
        files = {info.filename: read_member(zf, info) for info, zf in zip_members(path)
                 if _wanted(info.filename)}
        return Package(files, "zip:")
    # One messages file: its channel.json, when beside it, describes the channel.
    folder = f"messages/{path.parent.name or 'channel'}/"
    files = {folder + path.name: path.read_bytes()}
    beside = path.with_name("channel.json")
    if beside.is_file():
        files[folder + "channel.json"] = beside.read_bytes()
    return Package(files)


# --- read ----------------------------------------------------------------------------------------

def read(path: Path, *, tz: str | None = None, owner: Sequence[str] = (),
         date_order: str | None = None, region: str | None = None) -> pd.DataFrame:
    path = Path(path)
    src = Source(path, FORMAT)
    pkg = _package(path)
    channels = _channel_files(pkg, path)
    if not channels:
        raise InputError(f"{path.name}: expected a Discord data package with "
                         "messages/c<channel id>/messages.csv; found none")
    me = _owner(pkg, owner, src)
    if not path.is_dir() and not pkg.prefix and len(pkg.files) > 1:
        src.assume("channel details read from the channel.json beside the file (it is not "
                   "part of this source: add the whole package to keep it in the evidence)")
    rows: list[dict] = []
    for name in channels:
        rows.extend(_channel_rows(pkg, name, me, path, src))
    _place_local(rows, tz, src)
    return _finish(src.frame(rows))


def _channel_files(pkg: Package, path: Path) -> list[str]:
    if not path.is_dir() and not pkg.prefix:
        return [n for n in pkg.files if not n.endswith("channel.json")]
    return sorted((n for n in pkg.files if _MESSAGES.search(n)), key=_channel_key)


def _channel_key(name: str) -> tuple[int, str]:
    m = _MESSAGES.search(name)
    return (int(m.group(1)) if m else 0, name)


@dataclass(frozen=True)
class Owner:
    key: str = ""
    display: str = ""
    alt: str = ""
    user_id: str = ""


def _owner(pkg: Package, owner: Sequence[str], src: Source) -> Owner:
    """The package owner: account/user.json first, else the first Discord owner identifier."""
    user = _json(pkg.find("account/user.json"))
    if isinstance(user, dict) and user.get("id"):
        name = str(user.get("username") or "")
        return Owner(f"discord:{str(user['id']).casefold()}", name,
                     f"discord:{name.casefold()}" if name else "", str(user["id"]))
    ident = J.first_owner_id(owner, "discord", DISCORD_ACCOUNT)
    if ident:
        return Owner(f"discord:{ident.casefold()}", ident, "", ident if ident.isdigit() else "")
    src.assume("the package owner wrote every message, but no owner was given and the package "
               "has no account/user.json: sender left empty (set owner for this source)")
    return Owner()


def _json(data: bytes | None) -> object:
    if data is None:
        return None
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError, RecursionError):   # nested too deep: hostile
        return None


def _channel_rows(pkg: Package, name: str, me: Owner, path: Path, src: Source) -> list[dict]:
    folder = name.rsplit("/", 1)[0]
    info = _json(pkg.files.get(folder + "/channel.json"))
    ctx = _context(info if isinstance(info, dict) else {}, pkg, folder, me, src)
    where = "" if (not path.is_dir() and not pkg.prefix) else f"{pkg.prefix}{name}:"
    text, codec, warning = J.decode(pkg.files[name])
    if warning:
        src.assume(f"{name}: {warning}")
    if name.lower().endswith(".json"):
        return _json_rows(text, codec, where, ctx, me, src)
    return _csv_rows(text, codec, where, ctx, me, name)


def _context(info: dict, pkg: Package, folder: str, me: Owner, src: Source) -> dict:
    leaf = folder.rsplit("/", 1)[-1]
    cid = str(info.get("id") or (leaf[1:] if re.fullmatch(r"c\d+", leaf) else ""))
    index = _json(pkg.find("messages/index.json"))
    named = index.get(cid) if isinstance(index, dict) else None
    guild = info.get("guild") if isinstance(info.get("guild"), dict) else {}
    if info.get("name") and guild.get("name"):
        conv = f"{guild['name']} #{info['name']}"
    else:
        conv = str(info.get("name") or named or (f"c{cid}" if cid else leaf))
    if "type" in info:
        kind = "direct" if info["type"] in DIRECT_TYPES else "group"
    elif isinstance(named, str) and named.startswith("Direct Message with"):
        kind = "direct"
    else:
        kind = None
        src.assume(f"channel {conv}: no channel.json, so DM or group is not known")
    recipients = [str(r) for r in J.as_list(info.get("recipients"))]
    others = [r for r in recipients if r != me.user_id]
    return {"platform": PLATFORM, "conversation": conv, "conversation_kind": kind,
            "channel_id": cid, "recipients": ";".join(f"discord:{r}" for r in others)
            if me.user_id else "", "channel_recipients": ";".join(recipients)}


def _csv_rows(text: str, codec: str, where: str, ctx: dict, me: Owner, name: str) -> list[dict]:
    lines = text.splitlines(keepends=True)
    header = next(csv.reader(lines[:1]), [])
    if tuple(h.strip() for h in header) != HEADER:
        raise InputError(f"{name}: expected the header {','.join(HEADER)}; got "
                         f"{','.join(header)} (is this a Discord data package messages.csv?)")
    rows = []
    for n, rec in csv_records(lines):
        locator, raw = f"{where}line:{n}", rec.encode(codec, errors="surrogateescape")
        try:
            cells = next(csv.reader(io.StringIO(rec)), [])
        except csv.Error as exc:
            rows.append(unparsed(locator, raw, f"not a CSV record ({exc})", **ctx))
            continue
        if len(cells) != len(HEADER):
            rows.append(unparsed(locator, raw, f"expected {len(HEADER)} columns; got "
                                 f"{len(cells)}", **ctx))
            continue
        rows.append(_row(locator, raw, dict(zip(HEADER, cells, strict=True)), ctx, me))
    return rows


def _json_rows(text: str, codec: str, where: str, ctx: dict, me: Owner,
               src: Source) -> list[dict]:
    rows: list[dict] = []
    try:
        for n, (s, e) in enumerate(J.items(text, J.ws(text, 0))):
            rec = J.record(text, s, e, codec)
            locator = f"{where}json:$[{n}]"
            if rec.error or not isinstance(rec.value, dict):
                rows.append(unparsed(locator, rec.raw, rec.error or "not a message object",
                                     **ctx))
                continue
            fields = {k: "" if rec.value.get(k) is None else str(rec.value.get(k))
                      for k in HEADER}
            rows.append(_row(locator, rec.raw, fields, ctx, me))
    except J.Broken as exc:
        rest = J.rest(text, exc.pos, codec)
        warning = f"the file breaks off after {len(rows)} messages ({exc.reason})"
        if rest.strip():
            rows.append(unparsed(f"{where}json:$[{len(rows)}:]", rest, warning, **ctx))
        else:
            src.assume(warning)
    return rows


def _row(locator: str, raw: bytes, rec: dict, ctx: dict, me: Owner) -> dict:
    files = [u.rsplit("/", 1)[-1].split("?", 1)[0] for u in rec["Attachments"].split()]
    warnings = [MANGLED] if _MANGLED.match(rec["ID"]) else []
    stamp = rec["Timestamp"]
    when = _offset_time(stamp)
    if when is None and not _zone_less(stamp):
        warnings.append(f"cannot read the time {stamp!r}")
    return {**ctx, "locator": locator, "raw": raw, "sent_at": when,
            "time_basis": "offset" if when is not None else "missing", "sent_at_raw": stamp,
            "_local": when is None and _zone_less(stamp),
            "sender": me.key, "sender_display": me.display, "sender_alt": me.alt,
            "body": rec["Contents"], "kind": "media" if not rec["Contents"] and files else "text",
            "attachments": ";".join(f.replace(";", ",") for f in files),
            "from_owner": True, "platform_message_id": rec["ID"],
            "warnings": "; ".join(warnings)}


def _offset_time(text: str) -> pd.Timestamp | None:
    try:
        stamp = pd.Timestamp(text.strip())
    except (ValueError, TypeError, OverflowError):
        return None
    if pd.isna(stamp) or stamp.tzinfo is None:
        return None
    return stamp.tz_convert("UTC")


def _zone_less(text: str) -> bool:
    try:
        stamp = pd.Timestamp(text.strip())
    except (ValueError, TypeError, OverflowError):
        return False
    return not pd.isna(stamp) and stamp.tzinfo is None and bool(
        re.match(r"^\d{4}-\d{2}-\d{2}", text.strip()))


def _place_local(rows: list[dict], tz: str | None, src: Source) -> None:
    """Zone-less ISO times (the 2024+ JSON variant) in the declared zone."""
    local = [r for r in rows if r.pop("_local", False)]
    for r in rows:
        r.pop("_local", None)
        r["sent_at_latest"] = r.get("sent_at")
    if not local:
        return
    zone = require_tz(tz, FORMAT)
    src.assume(f"local times read in {zone}")
    naive = pd.Series([pd.Timestamp(r["sent_at_raw"].strip()) for r in local],
                      dtype="datetime64[us]")
    earliest, latest, warn = localize(naive, zone)
    for i, r in enumerate(local):
        r["sent_at"], r["sent_at_latest"] = earliest.iloc[i], latest.iloc[i]
        r["time_basis"] = "local_declared"
        r["warnings"] = J.join_warnings(r["warnings"], warn.iloc[i])


def _finish(df: pd.DataFrame) -> pd.DataFrame:
    assumptions = df.attrs.get("assumptions", [])
    for col in ("sender_alt", "platform_message_id", "channel_id", "channel_recipients"):
        if col in df:
            df[col] = df[col].astype(object).where(df[col].notna(), "").astype("string")
    df.attrs["assumptions"] = assumptions
    return df
