"""X/Twitter archive direct messages: ``data/direct-messages.js`` and ``direct-messages-group.js``.

"Download an archive of your data" writes each dataset as JavaScript: one assignment of a JSON
array to ``window.YTD.<name>.part<N>``. One item per conversation::

    window.YTD.direct_messages.part0 = [
      {"dmConversation": {"conversationId": "111111111-222222222", "messages": [
        {"messageCreate": {"recipientId": "222222222", "reactions": [], "urls": [],
                           "text": "Salutations!", "mediaUrls": [], "senderId": "111111111",
                           "id": "3333333333333333333", "createdAt": "2020-01-20T21:42:09.068Z"}}
      ]}}]

``createdAt`` is UTC (``time_basis`` utc). The sender is ``twitter:<senderId>`` (the archive has
numeric ids only); a one-to-one message names its ``recipientId``. Group conversations
(``direct-messages-group.js``, ids without the ``<id>-<id>`` form) are ``group``; their
``joinConversation``, ``participantsJoin``, ``participantsLeave`` and ``conversationNameUpdate``
events are ``system`` rows (the event and its fields in ``event``). ``mediaUrls`` are listed as
attachments, as text: nothing is ever fetched. Given the archive zip or folder, both files are
read and ``data/account.js`` tells which messages are the owner's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import InputError
from . import _discord as J
from ._common import Head, Source, is_zip, read_member, unparsed, zip_members

FORMAT = "twitter_dm"
PLATFORM = "twitter"
PATTERNS = ("direct-messages.js / direct-messages-group.js (X/Twitter archive)",
            "X/Twitter archive .zip or folder with data/direct-messages*.js")
DESCRIPTION = "X/Twitter archive direct messages (one-to-one and group)"

_PREFIX = re.compile(r"^\s*window\.YTD\.(direct_messages(?:_group)?)\.part\d+\s*=\s*")
_FILE = re.compile(r"(?:^|/)direct-messages(-group)?\.js$", re.IGNORECASE)
_ACCOUNT = re.compile(r"(?:^|/)account\.js$", re.IGNORECASE)
_DIRECT_ID = re.compile(r"^\d+-\d+$")
#: conversation events that are notices, not messages.
EVENTS = ("joinConversation", "participantsJoin", "participantsLeave", "conversationNameUpdate")


def sniff(head: Head) -> bool:
    if head.is_dir or head.is_zip:
        return any(_FILE.search(m) for m in head.members)
    return bool(_PREFIX.match(head.text))


def _documents(path: Path) -> tuple[list[tuple[str, bytes]], bytes | None, str]:
    """(DM files by name, account.js or None, locator prefix)."""
    if path.is_dir():
        found = [p for p in sorted(path.rglob("*.js")) if p.is_file() and not p.is_symlink()]
        docs = [(p.relative_to(path).as_posix(), p.read_bytes()) for p in found
                if _FILE.search(p.name)]
        account = next((p.read_bytes() for p in found if _ACCOUNT.search(p.name)), None)
        return docs, account, ""
    if is_zip(path):
        docs, account = [], None
        for info, zf in zip_members(path):
            if _FILE.search(info.filename):
                docs.append((info.filename, read_member(zf, info)))
            elif _ACCOUNT.search(info.filename):
                account = read_member(zf, info)
        return sorted(docs), account, "zip:"
    return [(path.name, path.read_bytes())], None, "file"


def read(path: Path, *, tz: str | None = None, owner: Sequence[str] = (),
         date_order: str | None = None, region: str | None = None) -> pd.DataFrame:
    path = Path(path)
    src = Source(path, FORMAT)
    docs, account, prefix = _documents(path)
    if not docs:
        raise InputError(f"{path.name}: expected an X/Twitter archive with "
                         "data/direct-messages.js; found none")
    ids = J.owner_ids(owner, "twitter") | _account_id(account)
    rows: list[dict] = []
    for name, data in docs:
        where = "" if prefix == "file" else f"{prefix}{name}:"
        rows.extend(_document_rows(name, data, where, ids, src))
    return _finish(src.frame(rows))


def _account_id(data: bytes | None) -> frozenset[str]:
    """The archive owner's numeric id from data/account.js, when present."""
    if data is None:
        return frozenset()
    m = re.search(rb'"accountId"\s*:\s*"(\d+)"', data)
    return frozenset({m.group(1).decode()}) if m else frozenset()


def _document_rows(name: str, data: bytes, where: str, ids: frozenset[str],
                   src: Source) -> list[dict]:
    text, codec, warning = J.decode(data)
    if warning:
        src.assume(f"{name}: {warning}")
    m = _PREFIX.match(text)
    if not m:
        raise InputError(f"{name}: expected 'window.YTD.direct_messages.part0 = [' at the "
                         f"start; got {text[:40]!r} (is this an X/Twitter archive file?)")
    doc = _Doc(text, codec, where, m.group(1).endswith("_group"), ids, frontier=m.end())
    try:
        J.walk_array(text, m.end(), doc.conversation)
    except J.Broken as exc:
        rest = J.rest(text, doc.frontier, codec)
        warning = f"{name} breaks off after {len(doc.rows)} rows ({exc.reason})"
        if rest.strip(b" \t\r\n,]}"):
            doc.rows.append(unparsed(f"{where}json:$[{doc.conversations}:]", rest,
                                     warning + ": the rest is kept as one unparsed row",
                                     platform=PLATFORM))
        else:
            src.assume(warning)
    return doc.rows


@dataclass
class _Doc:
    """Walks one file, emitting a row per message as it goes (a break keeps what came first)."""

    text: str
    codec: str
    where: str
    group_file: bool
    ids: frozenset[str]
    frontier: int                     # end of the last record turned into a row
    conversations: int = 0
    rows: list[dict] = field(default_factory=list)

    def conversation(self, c: int, start: int) -> int:
        self.conversations = c
        if not self.text.startswith("{", start):
            return self._unparsed_item(c, start, "not a dmConversation item")
        state: dict = {}
        end, seen = J.walk_object(self.text, start, {
            "dmConversation": lambda s: self._inner(c, s, state)})
        if "dmConversation" not in seen:
            return self._unparsed_item(c, start, "not a dmConversation item", end)
        self.frontier = end
        return end

    def _unparsed_item(self, c: int, start: int, why: str, end: int | None = None) -> int:
        end = J.skip_value(self.text, start) if end is None else end
        rec = J.record(self.text, start, end, self.codec)
        self.rows.append(unparsed(f"{self.where}json:$[{c}]", rec.raw, why, platform=PLATFORM))
        self.frontier = end
        return end

    def _inner(self, c: int, start: int, state: dict) -> int:
        def conversation_id(s: int) -> int:
            e = J.skip_value(self.text, s)
            state["cid"] = str(J.record(self.text, s, e, self.codec).value or "")
            return e

        def messages(s: int) -> int:
            cid = state.get("cid", "")
            ctx = {"platform": PLATFORM, "conversation": cid,
                   "conversation_kind": "direct" if _DIRECT_ID.match(cid)
                   and not self.group_file else "group"}
            return J.walk_array(self.text, s, lambda n, s2: self._message(c, n, s2, ctx))

        end, _ = J.walk_object(self.text, start, {"conversationId": conversation_id,
                                                  "messages": messages})
        return end

    def _message(self, c: int, n: int, start: int, ctx: dict) -> int:
        end = J.skip_value(self.text, start)
        loc = f"{self.where}json:$[{c}].dmConversation.messages[{n}]"
        rec = J.record(self.text, start, end, self.codec)
        self.rows.append(J.guarded(lambda: _message(rec, loc, ctx, self.ids), loc, rec.raw,
                                   **ctx))
        self.frontier = end
        return end


def _message(rec: J.Record, locator: str, ctx: dict, ids: frozenset[str]) -> dict:
    item = rec.value
    if rec.error:
        return unparsed(locator, rec.raw, f"damaged message record: {rec.error}", **ctx)
    if not isinstance(item, dict) or len(item) != 1:
        return unparsed(locator, rec.raw, "expected one messageCreate or event object", **ctx)
    (what, body), = item.items()
    if not isinstance(body, dict):
        return unparsed(locator, rec.raw, f"{what}: expected an object", **ctx)
    when = _utc(body.get("createdAt"))
    if when is None:
        return unparsed(locator, rec.raw, f"createdAt {body.get('createdAt')!r} is not an ISO "
                        "time", **ctx)
    common = {**ctx, "locator": locator, "raw": rec.raw, "sent_at": when[0],
              "time_basis": when[1], "sent_at_raw": str(body.get("createdAt"))}
    if what == "messageCreate":
        return {**common, **_create(body, ctx, ids)}
    sender = str(body.get("initiatingUserId") or body.get("senderId") or "")
    return {**common, "kind": "system", "sender": f"twitter:{sender}" if sender else "",
            "sender_display": sender, "event": _event(what, body),
            "from_owner": J.is_owner(ids, sender) if sender else None,
            "warnings": "" if what in EVENTS else f"unknown event {what!r}: kept as system",
            "platform_message_id": str(body.get("id") or "")}


def _create(body: dict, ctx: dict, ids: frozenset[str]) -> dict:
    sender = str(body.get("senderId") or "")
    recipient = str(body.get("recipientId") or "")
    media = [str(u) for u in J.as_list(body.get("mediaUrls"))]
    text = body.get("text") if isinstance(body.get("text"), str) else ""
    urls = [str(u.get("expanded") or u.get("url") or "") for u in J.as_list(body.get("urls"))
            if isinstance(u, dict)]
    return {"kind": "media" if media and not text else "text",
            "sender": f"twitter:{sender}" if sender else "", "sender_display": sender,
            "recipients": f"twitter:{recipient}" if recipient else "",
            "body": text, "attachments": ";".join(u.replace(";", "%3B") for u in media),
            "from_owner": J.is_owner(ids, sender), "platform_message_id": str(body.get("id") or ""),
            "urls": ";".join(u.replace(";", "%3B") for u in urls if u),
            "reactions": ";".join(_reaction(r) for r in J.as_list(body.get("reactions"))
                                  if isinstance(r, dict)),
            "warnings": "" if sender else "no senderId"}


def _reaction(r: dict) -> str:
    return f"{r.get('reactionKey', '?')} by twitter:{r.get('senderId', '?')}"


def _event(what: str, body: dict) -> str:
    """The event name and its fields, e.g. 'participantsJoin userIds=1,2'."""
    fields = []
    for key, value in body.items():
        if key in ("createdAt",):
            continue
        if isinstance(value, list):
            value = ",".join(str(v) for v in value)
        fields.append(f"{key}={value}")
    return " ".join([what, *fields])


def _utc(value: object) -> tuple[pd.Timestamp, str] | None:
    if not isinstance(value, str):
        return None
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        return None
    if pd.isna(stamp) or stamp.tzinfo is None:
        return None
    return stamp.tz_convert("UTC"), ("utc" if value.rstrip().endswith("Z") else "offset")


def _finish(df: pd.DataFrame) -> pd.DataFrame:
    assumptions = df.attrs.get("assumptions", [])
    for col in ("platform_message_id", "urls", "reactions", "event"):
        if col in df:
            df[col] = df[col].astype(object).where(df[col].notna(), "").astype("string")
    df.attrs["assumptions"] = assumptions
    return df

