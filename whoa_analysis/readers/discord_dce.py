"""DiscordChatExporter (DCE) exports of one Discord channel: JSON, and CSV.

DCE (Tyrrrz/DiscordChatExporter and forks) exports a DM, group DM, server channel or thread.
The JSON carries ids, offsets and message types::

    {"guild": {"id": "0", "name": "Direct Messages"},
     "channel": {"id": "530805775262679064", "type": "DirectTextChat", "name": "robz"},
     "messages": [
       {"id": "530805779645595660", "type": "Default",
        "timestamp": "2019-01-04T17:52:39.762+00:00", "timestampEdited": null,
        "callEndedTimestamp": null, "isPinned": false, "content": "blah",
        "author": {"id": "111111111111111111", "name": "mlomb", "discriminator": "5506",
                   "nickname": "mlomb", "isBot": false},
        "attachments": [], "embeds": [], "reactions": [], "mentions": [],
        "reference": {"messageId": "1064990824305274930"}}],
     "messageCount": 1}

Times carry an offset: instants (``time_basis`` offset). The sender is ``discord:<author id>``;
``sender_alt`` is ``discord:<user name>`` because a case file may name either (DESIGN 4.1). A
``Call`` is a ``call`` row with ``duration_s`` from ``callEndedTimestamp``; joins, pins, renames,
"Started a thread" and the like are ``system`` rows; a message with no text but attachments or
stickers is ``media``; ``reference.messageId`` is ``in_reply_to``; an edit time is ``edited_at``.
``messageCount`` is not trusted (exports disagree with their own count). A record that is not a
readable message, or the rest of a truncated file, becomes an ``unparsed`` row.

The CSV flavour has one line per message and no ids beyond the author's::

    AuthorID,Author,Date,Content,Attachments,Reactions
    "111111111111111111","mlomb#5506","04-Jan-19 05:52 PM","blah","",""

Its ``Date`` is written in the exporting computer's local time (or UTC with ``--utc``) without a
zone, in the culture's short format: the source's zone must be declared (``tz``), and a numeric
day/month order is inferred from the whole file or taken from ``date_order``. An ISO date with
an offset is read as an instant. Message types are not in the CSV: system lines read as text.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..errors import InputError
from . import _discord as J
from ._common import Head, Source, csv_records, infer_date_order, localize, require_tz, unparsed

FORMAT = "discord_dce"
PLATFORM = "discord"
PATTERNS = ("*.json from DiscordChatExporter (guild/channel/messages)",
            "*.csv from DiscordChatExporter (AuthorID,Author,Date,Content,Attachments,Reactions)")
DESCRIPTION = "DiscordChatExporter export of a Discord DM, group DM, server channel or thread"

CSV_HEADER = ("AuthorID", "Author", "Date", "Content", "Attachments", "Reactions")
_JSON_KEYS = (re.compile(r'"guild"\s*:\s*\{'), re.compile(r'"channel"\s*:\s*\{'),
              re.compile(r'"messages"\s*:\s*\['))

#: DCE channel types that are one-to-one; every other type is a group conversation.
DIRECT_CHANNELS = frozenset({"DirectTextChat"})
#: message types whose content is what a person wrote (text or media).
CONTENT_TYPES = frozenset({"Default", "Reply", "ThreadStarterMessage", "ChatInputCommand",
                           "ContextMenuCommand"})
#: message types that are notices the client shows, not something typed.
SYSTEM_TYPES = frozenset({
    "RecipientAdd", "RecipientRemove", "ChannelNameChange", "ChannelIconChange",
    "ChannelPinnedMessage", "GuildMemberJoin", "ThreadCreated", "ChannelFollowAdd",
    "GuildBoost", "GuildBoostTier1", "GuildBoostTier2", "GuildBoostTier3",
    "GuildDiscoveryDisqualified", "GuildDiscoveryRequalified", "AutoModerationAction",
    "GuildInviteReminder", "StageStart", "StageEnd", "StageSpeaker", "StageTopic",
    "RoleSubscriptionPurchase", "InteractionPremiumUpsell", "GuildApplicationPremiumSubscription",
    "PollResult"})
DELETED_USER = "deleted user"


# --- sniff ---------------------------------------------------------------------------------------

def sniff(head: Head) -> bool:
    if head.is_dir or head.is_zip:
        return False
    text = head.text.lstrip()
    if text.startswith("{"):
        return all(p.search(text) for p in _JSON_KEYS)
    first = text.splitlines()[0] if text else ""
    return tuple(c.strip().strip('"') for c in first.split(",")) == CSV_HEADER


# --- read ----------------------------------------------------------------------------------------

def read(path: Path, *, tz: str | None = None, owner: Sequence[str] = (),
         date_order: str | None = None, region: str | None = None) -> pd.DataFrame:
    src = Source(Path(path), FORMAT)
    if src.path.is_dir():
        raise InputError(f"{src.path.name}: expected one DiscordChatExporter .json or .csv "
                         "file; got a folder (add each exported channel as its own source)")
    text, codec, warning = J.decode(src.path.read_bytes())
    if warning:
        src.assume(warning)
    ids = J.owner_ids(owner, "discord")
    if text.lstrip().startswith("{"):
        return _finish(src.frame(_json_rows(text, codec, ids, src)))
    return _finish(src.frame(_csv_rows(text, codec, ids, tz, date_order, src)))


def _finish(df: pd.DataFrame) -> pd.DataFrame:
    """Typed extra columns (the schema's are typed by ``conform``)."""
    assumptions = df.attrs.get("assumptions", [])
    for col in ("sender_alt", "platform_message_id", "channel_id", "reactions"):
        if col in df:
            df[col] = df[col].astype(object).where(df[col].notna(), "").astype("string")
    if "edited_at" in df:
        df["edited_at"] = pd.to_datetime(df["edited_at"], utc=True).astype("datetime64[us, UTC]")
    if "duration_s" in df:
        df["duration_s"] = pd.to_numeric(df["duration_s"]).astype("Float64")
    if "pinned" in df:
        df["pinned"] = df["pinned"].astype("boolean")
    df.attrs["assumptions"] = assumptions
    return df


# --- JSON ----------------------------------------------------------------------------------------

def _json_rows(text: str, codec: str, ids: frozenset[str], src: Source) -> list[dict]:
    start = J.ws(text, 0)
    header, messages_at, problem = _header(text, start)
    guild, channel = header.get("guild"), header.get("channel")
    if not isinstance(guild, dict) or not isinstance(channel, dict) or messages_at is None:
        raise InputError(f"{src.path.name}: expected a DiscordChatExporter JSON export (an object "
                         "with 'guild', 'channel' and 'messages'); got "
                         f"{problem or 'keys ' + ', '.join(sorted(header)) or 'no keys'}: "
                         "re-export the channel as JSON, or pass the right --format")
    ctx = _channel_context(guild, channel)
    rows: list[dict] = []
    try:
        for n, (s, e) in enumerate(J.items(text, messages_at)):
            rec, loc = J.record(text, s, e, codec), f"json:$.messages[{n}]"
            rows.append(J.guarded(lambda rec=rec, loc=loc: _message(rec, loc, ctx, ids), loc,
                                  rec.raw, platform=PLATFORM, **_base(ctx)))
    except J.Broken as exc:
        _truncated(rows, text, codec, exc, ctx, src)
    _add_recipients(rows, ctx)
    _flag_duplicate_ids(rows)
    return rows


def _header(text: str, start: int) -> tuple[dict, int | None, str]:
    """Top-level members other than 'messages' (decoded), and where 'messages' starts."""
    header: dict = {}
    found: dict[str, int] = {}

    def messages(s: int) -> int:
        found["messages"] = s
        return J.skip_value(text, s)

    def other(key: str, s: int) -> int:
        e = J.skip_value(text, s)
        header[key] = J.record(text, s, e, "utf-8").value
        return e

    try:
        J.walk_object(text, start, {"messages": messages}, other)
    except J.Broken as exc:
        # A truncated file breaks inside 'messages': the header read so far is enough.
        return header, found.get("messages"), "" if "messages" in found else exc.reason
    return header, found.get("messages"), ""


def _channel_context(guild: dict, channel: dict) -> dict:
    ctype = str(channel.get("type") or "")
    name = str(channel.get("name") or channel.get("id") or "")
    gname = str(guild.get("name") or "")
    direct = ctype in DIRECT_CHANNELS
    in_guild = str(guild.get("id") or "0") != "0"
    if in_guild and gname and "Thread" in ctype and channel.get("category"):
        name = f"{channel['category']} / {name}"      # a thread: its parent channel first
    return {"conversation": f"{gname} #{name}" if in_guild and gname else name,
            "conversation_kind": "direct" if direct else "group",
            "channel_id": str(channel.get("id") or ""), "channel_type": ctype}


def _base(ctx: dict) -> dict:
    return {"conversation": ctx["conversation"], "conversation_kind": ctx["conversation_kind"],
            "channel_id": ctx["channel_id"]}


def _message(rec: J.Record, locator: str, ctx: dict, ids: frozenset[str]) -> dict:
    base = {"platform": PLATFORM, **_base(ctx)}
    msg = rec.value
    if rec.error:
        return unparsed(locator, rec.raw, f"damaged message record: {rec.error}", **base)
    problem = _unreadable(msg)
    if problem:
        return unparsed(locator, rec.raw, f"not a DiscordChatExporter message: {problem}", **base)
    author = msg["author"]
    when = _instant(msg.get("timestamp"))
    mtype = str(msg.get("type") or "Default")
    kind, type_warning = _kind(msg, mtype)
    name = str(author.get("name") or "")
    deleted = name.casefold() == DELETED_USER
    return {
        **base, "locator": locator, "raw": rec.raw, "kind": kind,
        "sent_at": when[0], "time_basis": when[1], "sent_at_raw": str(msg.get("timestamp")),
        "sender": f"discord:{str(author['id']).strip().casefold()}",
        "sender_display": str(author.get("nickname") or name),
        # A deleted account's name is the same for every deleted account: only its id is its own.
        "sender_alt": "" if deleted or not name else f"discord:{name.casefold()}",
        "body": msg.get("content") if isinstance(msg.get("content"), str) else "",
        "attachments": ";".join(_attachments(msg)),
        "in_reply_to": _reply_to(msg),
        "warnings": J.join_warnings(when[2], type_warning,
                                    "author account deleted: only its id identifies it"
                                    if deleted else "",
                                    "author is a bot account" if author.get("isBot") else ""),
        "from_owner": J.is_owner(ids, str(author["id"]), name),
        "platform_message_id": str(msg.get("id") or ""),
        "edited_at": _instant(msg.get("timestampEdited"))[0],
        "duration_s": _duration(msg, when[0]) if kind == "call" else None,
        "pinned": bool(msg.get("isPinned")),
        "reactions": _reactions(msg.get("reactions")),
    }


def _unreadable(msg: object) -> str:
    if not isinstance(msg, dict):
        return f"expected an object, got {type(msg).__name__}"
    author = msg.get("author")
    if not isinstance(author, dict) or not str(author.get("id") or "").strip():
        return "no author id"
    if _instant(msg.get("timestamp"))[0] is None:
        return f"timestamp {msg.get('timestamp')!r} is not an ISO time with an offset"
    return ""


def _instant(value: object) -> tuple[pd.Timestamp | None, str, str]:
    """(UTC instant, time basis, warning) from an ISO time with an offset; None if unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None, "missing", ""
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        return None, "missing", ""
    if stamp.tzinfo is None:
        return None, "missing", ""
    basis = "utc" if value.rstrip().endswith(("Z", "z")) else "offset"
    return stamp.tz_convert("UTC"), basis, ""


def _kind(msg: dict, mtype: str) -> tuple[str, str]:
    if mtype == "Call":
        return "call", ""
    if mtype in SYSTEM_TYPES:
        return "system", ""
    warning = "" if mtype in CONTENT_TYPES else (
        f"unknown DiscordChatExporter message type {mtype!r}: kept as text")
    content = msg.get("content")
    if not content and (J.as_list(msg.get("attachments")) or J.as_list(msg.get("stickers"))):
        return "media", warning
    return "text", warning


def _attachments(msg: dict) -> list[str]:
    """File names (text only, never paths), then stickers as 'sticker:<name>'."""
    out = []
    for att in J.as_list(msg.get("attachments")):
        if isinstance(att, dict):
            out.append(str(att.get("fileName") or att.get("id") or "attachment"))
    for sticker in J.as_list(msg.get("stickers")):
        if isinstance(sticker, dict):
            out.append(f"sticker:{sticker.get('name') or sticker.get('id')}")
    return [a.replace(";", ",") for a in out]


def _reply_to(msg: dict) -> str:
    ref = msg.get("reference")
    if isinstance(ref, dict) and ref.get("messageId"):
        return str(ref["messageId"])
    return ""


def _duration(msg: dict, start: pd.Timestamp | None) -> float | None:
    end = _instant(msg.get("callEndedTimestamp"))[0]
    if start is None or end is None:
        return None
    return (end - start).total_seconds()


def _reactions(value: object) -> str:
    """'<emoji> x<count>' per reaction, ';'-joined (who reacted is not in the export)."""
    out = []
    for r in value if isinstance(value, list) else ():
        if isinstance(r, dict) and isinstance(r.get("emoji"), dict):
            out.append(f"{r['emoji'].get('name') or r['emoji'].get('id')} x{r.get('count', '?')}")
    return ";".join(out)


def _truncated(rows: list[dict], text: str, codec: str, exc: J.Broken, ctx: dict,
               src: Source) -> None:
    """The messages list breaks off: what is left becomes one unparsed row (none if blank)."""
    rest = J.rest(text, exc.pos, codec)
    warning = (f"the file breaks off after {len(rows)} messages ({exc.reason}); "
               "was the export interrupted?")
    if not rest.strip():
        src.assume(warning)
        return
    rows.append(unparsed(f"json:$.messages[{len(rows)}:]", rest,
                         warning + " The rest is kept as one unparsed row",
                         platform=PLATFORM, conversation=ctx["conversation"],
                         conversation_kind=ctx["conversation_kind"],
                         channel_id=ctx["channel_id"]))


def _add_recipients(rows: list[dict], ctx: dict) -> None:
    """In a one-to-one DM where both people wrote, each message went to the other one."""
    if ctx["conversation_kind"] != "direct":
        return
    senders = sorted({r["sender"] for r in rows if r.get("kind") != "unparsed"})
    if len(senders) != 2:
        return
    for r in rows:
        if r.get("kind") != "unparsed":
            r["recipients"] = senders[1] if r["sender"] == senders[0] else senders[0]


def _flag_duplicate_ids(rows: list[dict]) -> None:
    """The same message id twice in one export: kept twice, and said so."""
    seen: dict[str, int] = {}
    for r in rows:
        mid = r.get("platform_message_id")
        if mid:
            seen[mid] = seen.get(mid, 0) + 1
    for r in rows:
        if seen.get(r.get("platform_message_id") or "", 0) > 1:
            r["warnings"] = J.join_warnings(r["warnings"], "message id appears more than once "
                                                           "in this export")


# --- CSV -----------------------------------------------------------------------------------------

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}")
_MONTH_NAME = re.compile(r"^(\d{1,2})-([A-Za-z]{3})-(\d{2,4}) (\d{1,2}):(\d{2})(?::(\d{2}))?"
                         r"\s*([AaPp][Mm])?$")
_NUMERIC = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{2,4}),? (\d{1,2}):(\d{2})(?::(\d{2}))?"
                      r"\s*([AaPp]\.?\s?[Mm]\.?)?$")


def _csv_rows(text: str, codec: str, ids: frozenset[str], tz: str | None,
              date_order: str | None, src: Source) -> list[dict]:
    lines = text.splitlines(keepends=True)
    header = next(csv.reader(lines[:1]), [])
    if tuple(h.strip() for h in header) != CSV_HEADER:
        raise InputError(f"{src.path.name}: expected a DiscordChatExporter JSON object or the CSV "
                         f"header {','.join(CSV_HEADER)}; got {text[:40]!r}")
    conv, kind = _csv_conversation(src.path.name)
    if kind is None:
        src.assume("DM or group not known from a DCE CSV file name: conversation_kind left empty")
    rows = [_csv_row(n, rec, codec, conv, kind, ids) for n, rec in csv_records(lines)]
    _csv_times(rows, tz, date_order, src)
    return rows


def _csv_conversation(filename: str) -> tuple[str, str | None]:
    """DCE names files '<guild> - <category> - <channel> [<id>].csv'; DMs are under
    'Direct Messages - Private', group DMs 'Direct Messages - Group'."""
    stem = filename.rsplit(".", 1)[0]
    if stem.startswith("Direct Messages - Private - "):
        return stem, "direct"
    if re.search(r" - .+ - .+ \[\d+\]", stem):
        return stem, "group"
    return stem, None


def _csv_row(line_no: int, rec: str, codec: str, conv: str, kind: str | None,
             ids: frozenset[str]) -> dict:
    locator, raw = f"line:{line_no}", rec.encode(codec, errors="surrogateescape")
    base = {"platform": PLATFORM, "conversation": conv, "conversation_kind": kind}
    try:
        cells = next(csv.reader(io.StringIO(rec)), [])
    except csv.Error as exc:
        return unparsed(locator, raw, f"not a CSV record ({exc})", **base)
    if len(cells) != len(CSV_HEADER) or not cells[0].strip():
        return unparsed(locator, raw, f"expected {len(CSV_HEADER)} columns with an author id; "
                        f"got {len(cells)}", **base)
    author_id, author, date, content, files, reactions = cells
    name = re.sub(r"#\d{4}$", "", author)
    attachments = [f.rsplit("/", 1)[-1].split("?", 1)[0] for f in files.split(",") if f.strip()]
    return {**base, "locator": locator, "raw": raw, "sent_at_raw": date,
            "kind": "media" if not content and attachments else "text",
            "sender": f"discord:{author_id.strip().casefold()}", "sender_display": author,
            "sender_alt": "" if name.casefold() == DELETED_USER else f"discord:{name.casefold()}",
            "body": content, "attachments": ";".join(a.replace(";", ",") for a in attachments),
            "reactions": reactions, "from_owner": J.is_owner(ids, author_id, name, author),
            "warnings": ""}


def _csv_times(rows: list[dict], tz: str | None, date_order: str | None, src: Source) -> None:
    """Offsets are instants; zone-less dates need ``tz`` and, when numeric, a day/month order."""
    todo = [r for r in rows if r["kind"] != "unparsed"]
    for r in rows:
        r["sent_at"] = r["sent_at_latest"] = None
    local: list[tuple[dict, tuple]] = []
    for r in todo:
        when = _instant(r["sent_at_raw"]) if _ISO.match(r["sent_at_raw"]) else (None, "", "")
        if when[0] is not None:
            r["sent_at"] = r["sent_at_latest"] = when[0]
            r["time_basis"] = when[1]
            continue
        parts = _local_parts(r["sent_at_raw"])
        if parts is None:
            r["time_basis"] = "missing"
            r["warnings"] = J.join_warnings(r["warnings"],
                                            f"cannot read the date {r['sent_at_raw']!r}")
            continue
        local.append((r, parts))
    if local:
        _place_local(local, tz, date_order, src)


def _local_parts(text: str) -> tuple | None:
    """('iso', Timestamp) | ('month', Timestamp) | ('num', a, b, y, H, M, S, ampm)."""
    text = text.strip()
    if _ISO.match(text):
        try:
            return ("iso", pd.Timestamp(text))
        except (ValueError, TypeError):
            return None
    m = _MONTH_NAME.match(text)
    if m:
        try:
            return ("month", pd.Timestamp(pd.to_datetime(text, format=_month_format(m))))
        except (ValueError, TypeError):
            return None
    m = _NUMERIC.match(text)
    if m:
        return ("num", *m.groups())
    return None


def _month_format(m: re.Match) -> str:
    year = "%Y" if len(m.group(3)) == 4 else "%y"
    secs = ":%S" if m.group(6) else ""
    return f"%d-%b-{year} " + ("%I:%M" + secs + " %p" if m.group(7) else "%H:%M" + secs)


def _place_local(local: list[tuple[dict, tuple]], tz: str | None, date_order: str | None,
                 src: Source) -> None:
    zone = require_tz(tz, FORMAT)
    numeric = [p for _, p in local if p[0] == "num"]
    order = None
    if numeric:
        order = infer_date_order((int(p[1]) for p in numeric), (int(p[2]) for p in numeric),
                                 FORMAT, date_order)
        src.assume(f"day/month order {order}")
    naive = pd.Series([_naive(p, order) for _, p in local], dtype="datetime64[us]")
    earliest, latest, warn = localize(naive, zone)
    src.assume(f"local times read in {zone}")
    for i, (r, _) in enumerate(local):
        if pd.isna(naive.iloc[i]):
            r["time_basis"] = "missing"
            r["warnings"] = J.join_warnings(r["warnings"], f"impossible date {r['sent_at_raw']!r}")
            continue
        r["sent_at"], r["sent_at_latest"] = earliest.iloc[i], latest.iloc[i]
        r["time_basis"] = "local_declared"
        r["warnings"] = J.join_warnings(r["warnings"], warn.iloc[i])


def _naive(parts: tuple, order: str | None) -> pd.Timestamp:
    if parts[0] in ("iso", "month"):
        return parts[1].tz_localize(None) if parts[1].tzinfo else parts[1]
    _, a, b, y, hh, mm, ss, ampm = parts
    day, month = (a, b) if order == "dmy" else (b, a)
    year = int(y) + (2000 if len(y) == 2 else 0)
    hour = int(hh) % 12 + (12 if ampm and ampm.lower().startswith("p") else 0) if ampm else int(hh)
    try:
        return pd.Timestamp(year=year, month=int(month), day=int(day), hour=hour,
                            minute=int(mm), second=int(ss or 0))
    except ValueError:
        return pd.NaT
