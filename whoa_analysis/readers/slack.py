"""Slack workspace export (Workspace settings > Import/Export data): a zip, or its folder.

Beside ``users.json``, ``channels.json`` (public), ``groups.json`` (private), ``dms.json`` and
``mpims.json`` (group DMs), each conversation has a folder of one JSON array per day::

    general/2024-03-11.json
    [{"type": "message", "subtype": "channel_join", "ts": "1710147600.000100",
      "user": "U02ROB", "text": "<@U02ROB> has joined the channel"},
     {"type": "message", "user": "U02ROB", "text": "Dana, answer me", "ts": "1710151200.000200",
      "thread_ts": "1710147600.000100", "edited": {"user": "U02ROB", "ts": "1710151260.000000"},
      "files": [{"id": "F01", "name": "photo.jpg"}]}]

``ts`` is the instant (epoch seconds, read exactly, ``time_basis`` epoch), kept as
``sent_at_raw`` and as the message's id within its channel. The sender is ``slack:<user id>``
(``sender_alt`` ``slack:<user name>``: a case file may name either); ``users.json`` gives the
names. Joins, leaves, topic changes and other notices are ``system`` rows; a ``bot_message`` is
kept as ``text`` when it has text (flagged: an integration, not a person) and ``system``
otherwise; deleted messages (``tombstone``) are ``deleted``; a file share is ``media``. A thread
reply's ``thread_ts`` is ``in_reply_to``; ``edited.ts`` is ``edited_at``; attachment cards'
fallback text is ``card_text``. DMs (``dms.json``, ``D``-ids) are ``direct``, every other
conversation ``group``. A day file that breaks off keeps its intact messages and one
``unparsed`` row for the rest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import InputError
from . import _discord as J
from ._common import Head, Source, is_zip, read_member, unparsed, zip_members

FORMAT = "slack"
PLATFORM = "slack"
PATTERNS = ("Slack export .zip or folder (users.json, channels.json, <channel>/YYYY-MM-DD.json)",
            "one YYYY-MM-DD.json day file of a Slack export")
DESCRIPTION = "Slack workspace export: channels, private channels, DMs and group DMs"

_DAY = re.compile(r"(?:^|/)([^/]+)/(\d{4}-\d{2}-\d{2})\.json$")
_DAY_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")
_TS = re.compile(r"^\s*(\d+)(?:\.(\d{1,9}))?\s*$")
SLACKBOT = "USLACKBOT"
_META = ("users.json", "channels.json", "groups.json", "dms.json", "mpims.json")

#: subtype -> kind. Subtypes not listed are what someone wrote: text (media with files).
SUBTYPE_KINDS = {
    **dict.fromkeys((
        "channel_join", "channel_leave", "channel_topic", "channel_purpose", "channel_name",
        "channel_archive", "channel_unarchive", "channel_convert_to_private",
        "channel_convert_to_public", "group_join", "group_leave", "group_topic",
        "group_purpose", "group_name", "group_archive", "group_unarchive", "bot_add",
        "bot_remove", "bot_enable", "bot_disable", "pinned_item", "unpinned_item",
        "reminder_add", "reminder_delete", "sh_room_created", "sh_room_shared",
        "huddle_thread", "channel_canvas_updated", "message_changed", "message_replied",
        "joiner_notification", "slackbot_response", "app_conversation_join"), "system"),
    "message_deleted": "deleted", "tombstone": "deleted",
    "file_share": "media",
}
#: subtypes that are what a person wrote (kept as text; media with files).
WRITTEN = frozenset({"thread_broadcast", "me_message", "file_comment", "file_mention",
                     "reply_broadcast", "bot_message"})


def sniff(head: Head) -> bool:
    if head.is_dir or head.is_zip:
        names = {m.rsplit("/", 1)[-1].lower() for m in head.members}
        return bool(names & {"users.json", "channels.json"}) and any(
            _DAY.search(m) for m in head.members)
    text = head.text.lstrip()
    return bool(_DAY_NAME.match(head.name)) and text.startswith("[") and '"ts"' in text and (
        '"type"' in text or text.startswith("[]"))


# --- the export's files --------------------------------------------------------------------------

@dataclass
class Export:
    files: dict[str, bytes] = field(default_factory=dict)   # '/'-separated name -> bytes
    prefix: str = ""                                          # 'zip:' for zip members
    root: str = ""                                            # folder holding users.json


def _export(path: Path) -> Export:
    if path.is_dir():
        files = {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*"))
                 if p.is_file() and not p.is_symlink() and p.suffix.lower() == ".json"}
        exp = Export(files)
    else:
        if not is_zip(path):
            return Export({f"{path.parent.name}/{path.name}": path.read_bytes()}, "", "")
        exp = Export({i.filename: read_member(z, i) for i, z in zip_members(path)
                      if i.filename.lower().endswith(".json")}, "zip:")
    metas = sorted((n for n in exp.files if n.rsplit("/", 1)[-1].lower() in _META), key=len)
    exp.root = metas[0].rpartition("/")[0] + "/" if metas and "/" in metas[0] else ""
    return exp


def _meta(exp: Export, name: str) -> list:
    data = exp.files.get(exp.root + name)
    if data is None:
        return []
    try:
        value = json.loads(data.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError, RecursionError):   # nested too deep: hostile
        return []
    return value if isinstance(value, list) else []


@dataclass
class Workspace:
    """What the metadata files say: people and conversations."""

    users: dict[str, dict]
    channels: dict[str, dict]         # folder name -> {kind, members, id}


def _workspace(exp: Export, src: Source) -> Workspace:
    users = {str(u["id"]): u for u in _meta(exp, "users.json")
             if isinstance(u, dict) and u.get("id")}
    channels: dict[str, dict] = {}
    for meta, kind, by in (("channels.json", "group", "name"), ("groups.json", "group", "name"),
                           ("mpims.json", "group", "name"), ("dms.json", "direct", "id")):
        for c in _meta(exp, meta):
            if isinstance(c, dict) and c.get(by):
                channels[str(c[by])] = {"kind": kind, "id": str(c.get("id") or ""),
                                        "members": [str(m) for m in J.as_list(c.get("members"))]}
    if not users:
        src.assume("no users.json: senders shown by id only")
    return Workspace(users, channels)


# --- read ----------------------------------------------------------------------------------------

def read(path: Path, *, tz: str | None = None, owner: Sequence[str] = (),
         date_order: str | None = None, region: str | None = None) -> pd.DataFrame:
    path = Path(path)
    src = Source(path, FORMAT)
    exp = _export(path)
    days = sorted((n for n in exp.files if _DAY.search(n)), key=lambda n: (_DAY.search(n)
                                                                           .groups(), n))
    if not days:
        raise InputError(f"{path.name}: expected a Slack export (channel folders of "
                         "YYYY-MM-DD.json files); found none")
    ws = _workspace(exp, src)
    ids = J.owner_ids(owner, "slack")
    single = not path.is_dir() and not exp.prefix
    rows: list[dict] = []
    for name in days:
        where = "" if single else f"{exp.prefix}{name}:"
        rows.extend(_day_rows(exp.files[name], name, where, ws, ids, src))
    return _finish(src.frame(rows))


def _day_rows(data: bytes, name: str, where: str, ws: Workspace, ids: frozenset[str],
              src: Source) -> list[dict]:
    folder = _DAY.search(name).group(1)
    ctx = _context(folder, ws)
    text, codec, warning = J.decode(data)
    if warning:
        src.assume(f"{name}: {warning}")
    rows: list[dict] = []
    try:
        for n, (s, e) in enumerate(J.items(text, J.ws(text, 0))):
            rec, loc = J.record(text, s, e, codec), f"{where}json:$[{n}]"
            rows.append(J.guarded(lambda rec=rec, loc=loc: _message(rec, loc, ctx, ws, ids),
                                  loc, rec.raw, **_base(ctx)))
    except J.Broken as exc:
        rest = J.rest(text, exc.pos, codec)
        warning = f"{name} breaks off after {len(rows)} messages ({exc.reason})"
        if rest.strip():
            rows.append(unparsed(f"{where}json:$[{len(rows)}:]", rest,
                                 warning + ": the rest is kept as one unparsed row",
                                 **_base(ctx)))
        else:
            src.assume(warning)
    return rows


def _context(folder: str, ws: Workspace) -> dict:
    info = ws.channels.get(folder, {})
    direct = info.get("kind") == "direct" or (not info and re.fullmatch(r"D[A-Z0-9]{6,}", folder))
    return {"platform": PLATFORM, "conversation": folder,
            "conversation_kind": "direct" if direct else "group",
            "channel_id": info.get("id", ""), "_members": info.get("members", [])}


def _base(ctx: dict) -> dict:
    return {k: v for k, v in ctx.items() if not k.startswith("_")}


def _message(rec: J.Record, locator: str, ctx: dict, ws: Workspace,
             ids: frozenset[str]) -> dict:
    base = _base(ctx)
    msg = rec.value
    if rec.error:
        return unparsed(locator, rec.raw, f"damaged message record: {rec.error}", **base)
    problem = _unreadable(msg)
    if problem:
        return unparsed(locator, rec.raw, f"not a Slack message: {problem}", **base)
    user = str(msg.get("user") or msg.get("bot_id") or "")
    subtype = str(msg.get("subtype") or "")
    hidden_author = subtype == "tombstone" and user == SLACKBOT
    if hidden_author:
        user = ""           # Slack puts its own bot on the placeholder: the author is unknown
    files = _files(msg)
    kind, warning = _kind(msg, subtype, files)
    display, alt = _names(msg, user, ws) if user else ("", "")
    ts = str(msg["ts"])
    thread = str(msg.get("thread_ts") or "")
    return {
        **base, "locator": locator, "raw": rec.raw, "kind": kind,
        "sent_at": _epoch(ts), "time_basis": "epoch", "sent_at_raw": ts,
        "sender": f"slack:{user.casefold()}" if user else "", "sender_display": display,
        "sender_alt": alt,
        "recipients": ";".join(f"slack:{m.casefold()}" for m in ctx["_members"] if m != user)
        if ctx["conversation_kind"] == "direct" and user else "",
        "body": msg.get("text") if isinstance(msg.get("text"), str) else "",
        "attachments": ";".join(f.replace(";", ",") for f in files),
        "in_reply_to": thread if thread and thread != ts else "",
        "warnings": J.join_warnings(warning, "deleted: Slack keeps a placeholder, the author "
                                    "is not in the export" if hidden_author else ""),
        "from_owner": J.is_owner(ids, user, alt.removeprefix("slack:")),
        "platform_message_id": ts, "subtype": subtype,
        "edited_at": _epoch(str((msg.get("edited") or {}).get("ts") or ""))
        if isinstance(msg.get("edited"), dict) else None,
        "card_text": "\n".join(str(a.get("fallback") or a.get("text") or "")
                               for a in J.as_list(msg.get("attachments")) if isinstance(a, dict)),
    }


def _unreadable(msg: object) -> str:
    if not isinstance(msg, dict):
        return f"expected an object, got {type(msg).__name__}"
    if _epoch(str(msg.get("ts") or "")) is None:
        return f"ts {msg.get('ts')!r} is not an epoch time"
    return ""


def _epoch(ts: str) -> pd.Timestamp | None:
    """Slack's 'seconds.micro' string read exactly (no float rounding)."""
    m = _TS.match(ts)
    if not m:
        return None
    frac = (m.group(2) or "").ljust(6, "0")[:6]
    return pd.Timestamp(int(m.group(1)) * 1_000_000 + int(frac), unit="us", tz="UTC")


def _kind(msg: dict, subtype: str, files: list[str]) -> tuple[str, str]:
    text = msg.get("text")
    if subtype == "bot_message":
        flag = "posted by an integration (bot), not a person"
        return ("text" if text else "system"), flag
    if subtype in SUBTYPE_KINDS:
        return SUBTYPE_KINDS[subtype], ""
    warning = "" if not subtype or subtype in WRITTEN else (
        f"unknown Slack subtype {subtype!r}: kept as text")
    return ("media" if files and not text else "text"), warning


def _files(msg: dict) -> list[str]:
    """File names as text (never paths, never fetched)."""
    files = list(J.as_list(msg.get("files")))
    if isinstance(msg.get("file"), dict):
        files.append(msg["file"])
    return [str(f.get("name") or f.get("title") or f.get("id") or "file")
            for f in files if isinstance(f, dict)]


def _names(msg: dict, user: str, ws: Workspace) -> tuple[str, str]:
    """(name as shown, 'slack:<user name>') from users.json, else the message's own profile."""
    person = ws.users.get(user) or {}
    profile = person.get("profile") if isinstance(person.get("profile"), dict) else {}
    own = msg.get("user_profile") if isinstance(msg.get("user_profile"), dict) else {}
    display = (profile.get("display_name") or profile.get("real_name")
               or person.get("real_name") or own.get("display_name") or own.get("real_name")
               or msg.get("username") or person.get("name") or own.get("name") or user)
    handle = person.get("name") or own.get("name") or ""
    return str(display), f"slack:{str(handle).casefold()}" if handle else ""


def _finish(df: pd.DataFrame) -> pd.DataFrame:
    assumptions = df.attrs.get("assumptions", [])
    for col in ("sender_alt", "platform_message_id", "channel_id", "subtype", "card_text"):
        if col in df:
            df[col] = df[col].astype(object).where(df[col].notna(), "").astype("string")
    if "edited_at" in df:
        df["edited_at"] = pd.to_datetime(df["edited_at"], utc=True).astype("datetime64[us, UTC]")
    df.attrs["assumptions"] = assumptions
    return df
