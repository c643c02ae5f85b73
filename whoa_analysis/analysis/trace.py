"""Header trace: who really handed a message over, and whom to write to about it.

Each mail server that passes a message on adds a ``Received`` field on top, so the chain reads
newest first::

    Received: from mail.example.net (mail.example.net [198.51.100.7])      <- hop 1: written by
            by mx1.example.org (Postfix) with ESMTPS id 4Tq1                  the victim's own
            for <dana@example.org>; Mon, 11 Mar 2024 10:00:02 +0000           provider: trusted
    Received: from [203.0.113.5] (unknown [203.0.113.5])                    <- hop 2: the handoff,
            by mail.example.net (Postfix) with ESMTPSA id ABC                  written by the
            for <dana@example.org>; Mon, 11 Mar 2024 10:00:01 +0000           sender's provider

Only the hops the victim's own providers added can be trusted; everything below the handoff
was written before the message reached them and could have been made up by the sender. The
trace says so in plain words (``forgeable_note``), takes SPF/DKIM/DMARC verdicts only from
``Authentication-Results`` fields whose authserv-id is one of the own hosts, and lists abuse
contacts (RFC 2142 ``abuse@`` of the sending domain and of the handoff host's domain, plus an
offline table of the big mail services' desks). No DNS or other network look-up is made.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import ClassVar

import pandas as pd

from ..readers import _email

#: Big mail services: their domains -> (who, how to report abuse). Offline and checked by hand;
#: re-check a desk's page before writing to it, they move.
ABUSE_DESKS: dict[str, tuple[str, str]] = {
    **dict.fromkeys(("gmail.com", "googlemail.com", "google.com"),
                    ("Google (Gmail)", "https://support.google.com/mail/contact/abuse")),
    **dict.fromkeys(("outlook.com", "hotmail.com", "live.com", "msn.com", "hotmail.co.uk",
                     "outlook.de", "live.co.uk"),
                    ("Microsoft (Outlook.com)", "https://msrc.microsoft.com/report/abuse")),
    **dict.fromkeys(("yahoo.com", "yahoo.co.uk", "yahoo.de", "ymail.com", "rocketmail.com"),
                    ("Yahoo", "https://help.yahoo.com/kb/SLN26401.html")),
    **dict.fromkeys(("icloud.com", "me.com", "mac.com", "apple.com"),
                    ("Apple (iCloud Mail)", "abuse@icloud.com")),
    **dict.fromkeys(("gmx.net", "gmx.de", "gmx.com", "gmx.at", "gmx.ch"), ("GMX", "abuse@gmx.net")),
    "web.de": ("WEB.DE", "abuse@web.de"),
    **dict.fromkeys(("proton.me", "protonmail.com", "protonmail.ch", "pm.me"),
                    ("Proton Mail", "abuse@proton.me")),
    **dict.fromkeys(("aol.com", "aim.com"), ("AOL", "abuse@aol.com")),
    **dict.fromkeys(("yandex.ru", "yandex.com", "ya.ru"), ("Yandex", "abuse@yandex.ru")),
    **dict.fromkeys(("mail.ru", "inbox.ru", "list.ru", "bk.ru"),
                    ("Mail.ru", "abuse@corp.mail.ru")),
}

#: Mail domains -> the domains of the servers they receive with (their Received 'by' hosts).
PROVIDER_HOSTS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("gmail.com", "googlemail.com"), ("google.com",)),
    **dict.fromkeys(("outlook.com", "hotmail.com", "live.com", "msn.com"),
                    ("outlook.com", "hotmail.com", "protection.outlook.com")),
    **dict.fromkeys(("yahoo.com", "ymail.com", "aol.com"), ("yahoo.com", "yahoodns.net",
                                                            "aol.com")),
    **dict.fromkeys(("icloud.com", "me.com", "mac.com"), ("apple.com", "icloud.com")),
    **dict.fromkeys(("gmx.net", "gmx.de", "web.de"), ("gmx.net", "web.de")),
    **dict.fromkeys(("proton.me", "protonmail.com", "pm.me"), ("protonmail.ch", "proton.ch")),
}

#: Public suffixes of more than one label (a small offline list; enough for abuse@ guesses).
MULTI_SUFFIXES = frozenset({
    "co.uk", "org.uk", "ac.uk", "gov.uk", "me.uk", "ltd.uk", "plc.uk", "net.uk", "sch.uk",
    "com.au", "net.au", "org.au", "edu.au", "co.nz", "org.nz", "co.jp", "ne.jp", "or.jp",
    "com.br", "com.cn", "com.mx", "co.in", "co.za", "com.tr", "co.kr", "com.ar", "com.sg",
    "com.hk", "com.tw", "co.il", "com.pl", "co.at", "or.at", "com.ua", "com.ru",
})

_FROM = re.compile(r"^\s*from\s+(\S+)(?:\s*\(([^()]*(?:\([^()]*\)[^()]*)*)\))?", re.I)
_BY = re.compile(r"\bby\s+([^\s;()]+)", re.I)
_IP_LITERAL = re.compile(r"\[(?:IPv6:)?([0-9A-Fa-f:.]+)\]")
_BARE_IP = re.compile(r"(?<![\w.:])(\d{1,3}(?:\.\d{1,3}){3})(?![\w.])")
_LOCAL_NETS = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "100.64.0.0/10",
    "169.254.0.0/16", "::1/128", "fc00::/7", "fe80::/10"))
_TRUST_LABELS = ("own", "handoff", "forgeable")


#: The trace's sentences: English templates filled from their fields (``Said``), so the report
#: can say them in its language; ``forgeable_note`` and the abuse contacts' words are their
#: English.
NO_RECEIVED = "No Received fields: nothing shows how the message travelled."
ALL_OWN = ("All {n} Received fields were written by the victim's own providers; the message was "
           "sent from inside them.")
HANDED_OVER_OWN_ONE = ("Hop {hop} is where the message was handed over to the victim's "
                       "provider (hop {own} was written by it).")
HANDED_OVER_OWN = ("Hop {hop} is where the message was handed over to the victim's provider "
                   "(hops {own} were written by it).")
HANDED_OVER = ("Hop {hop} is where the message was handed over; no hop was written by the "
               "victim's own providers, so none is checked.")
BELOW_ONE = ("Hop {below} below it was written before the message reached the victim's "
             "provider: the sender or the sending provider could have forged it, including its "
             "host, IP address and time.")
BELOW_MANY = ("Hops {below} below it were written before the message reached the victim's "
              "provider: the sender or the sending provider could have forged them, including "
              "their hosts, IP addresses and times.")
WHAT_SENDER = "the sending address's mail domain"
WHAT_HANDOFF = "the provider that handed the message to the victim's server"
WHAT_DKIM = "the domain that signed it (DKIM)"
WHAT_DESK = "{desk} abuse desk: {what}"
HOW_SENDER = "From header domain {domain} (the From header may be forged)"
HOW_HANDOFF = "handoff hop {hop}: by {host}"
HOW_DKIM = "DKIM-Signature d={domain} (signature not verified offline)"
HOW_DESK = "offline table of big mail services"
HOW_RFC2142 = "RFC 2142 abuse@"

#: One sentence of the trace: its English template and the fields that fill it.
Said = tuple[str, dict]


def say(parts: list[Said], sep: str = " ", translate=lambda t: t) -> str:
    """The sentences joined, each template translated (or English) and then filled."""
    return sep.join(translate(template).format(**fields) for template, fields in parts)


#: The columns of ``Trace.hops``, in order.
HOP_COLUMNS = ("hop", "from_host", "by_host", "ip", "time", "offset", "delay_s", "trust")


@dataclass
class Trace:
    """The Received chain and what follows from it (see the module docstring)."""

    hop_rows: list[dict] = field(repr=False)     # one dict per Received header, topmost first
    hop_columns: ClassVar[tuple[str, ...]] = HOP_COLUMNS     # what ``hops`` holds, in order
    handoff: int | None = None                 # hop number (1 = topmost) or None
    handoff_host: str = ""
    handoff_ip: str = ""                       # who connected, as the own server saw it
    originating_ip: str = ""
    dkim_domains: list[str] = field(default_factory=list)
    auth_results: dict = field(default_factory=dict)
    abuse_contacts: list[dict] = field(default_factory=list)
    note_parts: list[Said] = field(default_factory=list)    # the note below, as sentences
    warnings: list[str] = field(default_factory=list)

    @property
    def forgeable_note(self) -> str:
        """What in the chain the sender could have forged, in plain English."""
        return say(self.note_parts)

    @cached_property
    def hops(self) -> pd.DataFrame:
        """The hops as a table, made when first asked for (a report traces every mail)."""
        return _frame(self.hop_rows)


def trace(raw: bytes | str, *, own_domains: Iterable[str] = (),
          own_hosts: Iterable[str] = ()) -> Trace:
    """Trace one message (its raw bytes, or its header block as text, e.g. ``headers_raw``)."""
    data = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else raw
    part = _email.split_part(data, envelope=True)
    warnings: list[str] = []
    domains = {d.lower().strip(".") for d in own_domains if d}
    if not domains:
        domains = _delivered_domains(part)
        if domains:
            warnings.append("own domains taken from Delivered-To/X-Original-To: "
                            + ", ".join(sorted(domains)))
    own = _own_matcher(domains, {h.lower().strip(".") for h in own_hosts if h})
    hops = _hops(part.all("received"))
    handoff = _mark_trust(hops, own)
    result = Trace(hops, handoff, warnings=warnings)
    if handoff is not None:
        by_host = hops[handoff - 1]["by_host"]
        seen = hops[handoff - 2]["from_host"] if handoff > 1 else ""
        result.handoff_host = by_host if "." in by_host or not seen else seen.lower()
        result.handoff_ip = hops[handoff - 2]["ip"] if handoff > 1 else ""
        _check_handoff(hops, handoff, result.warnings)
    result.originating_ip = _originating_ip(hops, handoff, part)
    result.dkim_domains = _dkim_domains(part)
    result.auth_results = _auth_results(part, own)
    result.abuse_contacts = _abuse_contacts(part, result)
    result.note_parts = _forgeable_note(hops, handoff)
    return result


# --------------------------------------------------------------------------- the chain

def _hops(values: list[str]) -> list[dict]:
    hops = []
    for n, value in enumerate(values, 1):
        text = re.sub(r"\s+", " ", value)
        head = text.rpartition(";")[0] or text
        from_m, by_m = _FROM.search(head), _BY.search(head)
        stamp = _email.parse_date(_email.received_stamp(text))
        hops.append({
            "hop": n, "from_host": from_m.group(1) if from_m else "",
            "from_detail": (from_m.group(2) or "") if from_m else "",
            "by_host": by_m.group(1).lower().strip(".") if by_m else "",
            "ip": _ip(from_m), "time": stamp.utc, "offset": stamp.offset,
            "received": value,
        })
    for upper, lower in zip(hops, hops[1:], strict=False):
        if upper["time"] and lower["time"]:
            upper["delay_s"] = (upper["time"] - lower["time"]).total_seconds()
    return hops


def _ip(from_m: re.Match | None) -> str:
    """The connecting client's address as the receiving server wrote it in the from-clause."""
    if not from_m:
        return ""
    for text in (from_m.group(2) or "", from_m.group(1)):
        for candidate in _IP_LITERAL.findall(text) + _BARE_IP.findall(text):
            address = _address(candidate)
            if address:
                return address
    return ""


@lru_cache(maxsize=65536)
def _address(candidate: str) -> str:
    """The address in its normal form, '' when it is not one (a report sees the same relays'
    addresses in thousands of mails)."""
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return ""


def _own_matcher(domains: set[str], hosts: set[str]):
    suffixes = set(domains) | hosts
    for d in domains:
        suffixes.update(PROVIDER_HOSTS.get(d, ()))

    def is_own(host: str) -> bool:
        host = host.lower().strip(".")
        return bool(host) and any(host == s or host.endswith("." + s) for s in suffixes)
    return is_own


def _mark_trust(hops: list[dict], is_own) -> int | None:
    """Label hops own/handoff/forgeable top-down; return the handoff hop number.

    A hop is own only while the own hop above it saw an own host connect: once an own server
    received the message from elsewhere, the next hop down was written by that other server,
    whatever host it names (a forger writes "by mx1.<victim's domain>" too).
    """
    handoff, trusted_below = None, True
    for hop in hops:
        local = not hop["by_host"] and not hop["from_host"]     # e.g. qmail's local delivery
        if handoff is None and trusted_below and (is_own(hop["by_host"]) or local):
            hop["trust"] = "own"
            trusted_below = local or _from_own(hop, is_own)
        elif handoff is None:
            hop["trust"], handoff = "handoff", hop["hop"]
        else:
            hop["trust"] = "forgeable"
    return handoff


def _from_own(hop: dict, is_own) -> bool:
    """The client an own hop saw is own: its HELO name, and the name the server looked up for
    it (``from helo (rdns [ip])``) when there is one; no from-clause is an internal hand-over."""
    if not hop["from_host"]:
        return True
    words = hop["from_detail"].split()
    looked_up = words[0].strip(".") if words and "." in words[0] and "[" not in words[0] \
        and not _BARE_IP.fullmatch(words[0]) else ""
    return is_own(hop["from_host"]) and (not looked_up or is_own(looked_up))


def _check_handoff(hops: list[dict], handoff: int, warnings: list[str]) -> None:
    """The own hop above the handoff saw who connected; the handoff hop should agree."""
    if handoff < 2:
        warnings.append("no Received field from the victim's own providers: nothing in the "
                        "chain can be checked (declare own_domains/own_hosts)")
        return
    above, hop = hops[handoff - 2], hops[handoff - 1]
    seen = (above["from_host"] + " " + above["from_detail"]).lower()
    if hop["by_host"] and hop["by_host"] not in seen:
        warnings.append(f"hop {handoff} says it was written by {hop['by_host']}, but our server "
                        f"saw {above['from_host']} ({above['from_detail']}) connect: the hops "
                        "below may be forged")


def _frame(hops: list[dict]) -> pd.DataFrame:
    cols = list(HOP_COLUMNS)
    df = pd.DataFrame([{c: h.get(c) for c in cols} for h in hops], columns=cols)
    df["time"] = pd.to_datetime(df["time"], utc=True).astype("datetime64[us, UTC]")
    df["trust"] = pd.Categorical(df["trust"], categories=_TRUST_LABELS)
    df["delay_s"] = df["delay_s"].astype("Float64")
    return df


def _originating_ip(hops: list[dict], handoff: int | None, part: _email.Part) -> str:
    """The client the handoff hop's server saw (hops below it could be forged), else the one
    the own server saw connect, else X-Originating-IP."""
    candidates = []
    if handoff is not None:
        candidates.append(hops[handoff - 1]["ip"])
        if handoff > 1:
            candidates.append(hops[handoff - 2]["ip"])
    for ip in candidates:
        if ip and not _local(ip):
            return ip
    header = part.get("x-originating-ip") or ""
    m = _IP_LITERAL.search(header) or _BARE_IP.search(header)
    return m.group(1) if m else ""


@lru_cache(maxsize=65536)
def _local(ip: str) -> bool:
    addr = ipaddress.ip_address(ip)
    return any(addr.version == net.version and addr in net for net in _LOCAL_NETS)


# --------------------------------------------------------------------------- authentication

def _delivered_domains(part: _email.Part) -> set[str]:
    out = set()
    for name in ("delivered-to", "x-original-to"):
        for value in part.all(name):
            _, _, domain = value.strip().strip("<>").rpartition("@")
            if domain:
                out.add(domain.lower())
    return out


def _dkim_domains(part: _email.Part) -> list[str]:
    found = []
    for value in part.all("dkim-signature"):
        m = re.search(r"(?:^|;)\s*d\s*=\s*([^;\s]+)", value)
        if m:
            found.append(m.group(1).lower())
    return list(dict.fromkeys(found))


def _auth_results(part: _email.Part, is_own) -> dict:
    """SPF/DKIM/DMARC from trusted authserv-ids only; the others listed as untrusted."""
    trusted: dict[str, str] = {}
    untrusted = []
    for value in part.all("authentication-results"):
        authserv = value.split(";", 1)[0].strip().split()[0] if value.strip() else ""
        results = {m.group(1).lower(): m.group(2).lower() for m in
                   re.finditer(r"\b(spf|dkim|dmarc)\s*=\s*([A-Za-z]+)", value)}
        if is_own(authserv):
            for key, verdict in results.items():
                trusted.setdefault(key, verdict)
        else:
            untrusted.append({"authserv_id": authserv, **results})
    return {**trusted, "untrusted": untrusted}


# --------------------------------------------------------------------------- abuse contacts

def registrable_domain(host: str) -> str:
    """example.co.uk from mail.example.co.uk (offline list of multi-label suffixes)."""
    labels = host.lower().strip(".").split(".")
    if len(labels) < 2:
        return ""
    take = 3 if ".".join(labels[-2:]) in MULTI_SUFFIXES else 2
    return ".".join(labels[-take:])


def _abuse_contacts(part: _email.Part, result: Trace) -> list[dict]:
    contacts: list[dict] = []
    sender = _email.parse_addresses(part.get("from") or "")
    if len(sender.mailboxes) == 1 and "@" in sender.mailboxes[0].address:
        domain = sender.mailboxes[0].address.rpartition("@")[2].lower()
        _add(contacts, domain, WHAT_SENDER, (HOW_SENDER, {"domain": domain}))
    if result.handoff_host:
        domain = registrable_domain(result.handoff_host)
        _add(contacts, domain, WHAT_HANDOFF,
             (HOW_HANDOFF, {"hop": result.handoff, "host": result.handoff_host}))
    for domain in result.dkim_domains:
        _add(contacts, registrable_domain(domain) or domain, WHAT_DKIM,
             (HOW_DKIM, {"domain": domain}))
    return contacts


def _add(contacts: list[dict], domain: str, what: str, how: Said) -> None:
    """An abuse contact: its address, and what it is and how it was found, both in English
    (``what``, ``how_found``) and as sentences (``what_said``, ``how_said``)."""
    if not domain:
        return
    desk = ABUSE_DESKS.get(domain)
    address = desk[1] if desk else f"abuse@{domain}"
    what_said: Said = (WHAT_DESK, {"desk": desk[0], "what": what}) if desk else (what, {})
    how_said = [how, (HOW_DESK if desk else HOW_RFC2142, {})]
    if all(c["address"] != address for c in contacts):
        contacts.append({"address": address, "what": say([what_said]),
                         "how_found": say(how_said, "; "), "what_said": [what_said],
                         "how_said": how_said})


def _forgeable_note(hops: list[dict], handoff: int | None) -> list[Said]:
    if not hops:
        return [(NO_RECEIVED, {})]
    if handoff is None:
        return [(ALL_OWN, {"n": len(hops)})]
    below = [h["hop"] for h in hops if h["trust"] == "forgeable"]
    own = [h["hop"] for h in hops if h["trust"] == "own"]
    own_said = HANDED_OVER_OWN_ONE if len(own) == 1 else HANDED_OVER_OWN
    note = [(own_said, {"hop": handoff, "own": _span(own)}) if own
            else (HANDED_OVER, {"hop": handoff})]
    if below:
        note.append((BELOW_ONE if len(below) == 1 else BELOW_MANY, {"below": _span(below)}))
    return note


def _span(numbers: list[int]) -> str:
    return str(numbers[0]) if len(numbers) == 1 else f"{numbers[0]}-{numbers[-1]}"
