"""The other drafts: a cease-and-desist letter, a call trace request, web-host reports.

- ``cease-and-desist.txt``: to the person reported. Facts only: the request and its date, the
  counts since, and the request repeated; no legal conclusions, nothing of the evidence that
  would tell them where it came from.
- ``phone-trace-request.txt``: to the victim's own network, which traces malicious calls with
  the police: each call and text after the request with the number, the time (UTC and local) and
  the duration where the export records one; numbers the case file does not attribute are
  listed apart, for the volunteer to decide.
- ``web-host.txt``: one section per host of the saved web pages (readers/web_capture.py): the
  captured URL, its host name, the IP the WARC recorded where present, the capture time and the
  record's hash, and what the volunteer has to look up (the host's abuse contact: we stay
  offline, so no WHOIS or DNS is asked).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pandas as pd

from ..analysis.summary import iso
from ..i18n import Translate
from . import _content as c
from . import _drafts as d
from . import _originals

PHONE_PLATFORMS = ("phone", "sms")


# --------------------------------------------------------------------------- cease and desist

def cease_and_desist(inp: c.Inputs, report_id: str, _: Translate) -> str:
    summary, row = inp.analysis.summary, inp.analysis.notice.row
    victims = ", ".join(p.name for p in inp.case.people_with_role("victim"))
    respondents = ", ".join(p.name for p in inp.case.people_with_role("respondent"))
    lines = d.header(d.plain(respondents) or _("the person reported"),
                     _("Request to stop all contact"), report_id, _)
    lines += [_("[Review this letter with the person you support, and with the police where "
                "they are involved, before sending it. It states facts only.]"), ""]
    if row is None:
        lines += [_("No stop request was found in the sources; this letter is the request."),
                  ""]
    else:
        lines += [_("On {when} (UTC) {victim} asked you, by {platform}, in writing, not to "
                    "contact them any more.").format(when=iso(row["sent_at"]),
                                                     victim=d.plain(victims),
                                                     platform=c.platform_word(row["platform"],
                                                                              _)), ""]
        after = summary["respondent_contacts_after_notice"]
        lines += [_("Since then {total} contacts from you have been recorded (the first on "
                    "{first}, the last on {last}, UTC), by channel:").format(
                        total=after["total"], first=after.get("first_at") or "-",
                        last=after.get("last_at") or "-")]
        lines += [f"  {d.plain(c.platform_word(k, _))}: {v}"
                  for k, v in after.get("by_platform", {}).items()]
        groups = summary.get("respondent_group_messages_after_notice", 0)
        if groups:
            lines += [_("and {count} posts in group conversations the person is in.").format(
                count=groups)]
        lines.append("")
    lines += [_("{victim} repeats the request: do not contact them in any way, by any means, "
                "directly or through other people.").format(victim=d.plain(victims)), "",
              _("Every contact is recorded."), "", d.sign_off(inp, _)]
    return d.join(lines)


# --------------------------------------------------------------------------- phone trace

def phone_trace(inp: c.Inputs, report_id: str, _: Translate) -> str | None:
    """The trace request, or None when no call or text came after the request."""
    tables = inp.analysis.tables
    known = _phone_rows(tables.get("respondent_after"))
    unknown = _phone_rows(tables.get("unattributed_after"))
    if known.empty and unknown.empty:
        return None
    victim = [a for p in inp.case.people_with_role("victim") for a in p.accounts_as_written
              if a.partition(":")[0].strip().lower() == "phone"]
    lines = d.header(_("The victim's mobile network (nuisance and malicious communications "
                       "team)"), _("Request to trace calls and texts after a request to stop"),
                     report_id, _)
    lines += [_("(The victim's own network operator; it works with the police on malicious-call "
                "and text investigations. Check its current route before sending.)"), "",
              _("I am writing for your customer, who asked the caller in writing to stop "
                "contacting them. Please trace the calls and texts below."), "",
              d.notice_line(inp, _), ""]
    if victim:
        lines += [_("Your customer's number") + ": " + ", ".join(d.plain(a.partition(":")[2])
                                                               for a in victim), ""]
    lines += [_("From the reported person's numbers ({count}):").format(count=len(known)), ""]
    lines += _phone_lines(known, inp.case.timezone, _)
    if not unknown.empty:
        lines += ["", _("From numbers not attributed to anyone in the case file ({count}); "
                        "include them only if the person you support recognises them:").format(
            count=len(unknown)), ""]
        lines += _phone_lines(unknown, inp.case.timezone, _)
    return d.join(lines + ["", d.sign_off(inp, _)])


def _phone_rows(rows: pd.DataFrame | None) -> pd.DataFrame:
    if rows is None or rows.empty:
        return pd.DataFrame(columns=["sent_at", "message_id", "platform"])
    found = rows[rows["platform"].astype(str).isin(PHONE_PLATFORMS)]
    return found.sort_values(["sent_at", "message_id"])


def _phone_lines(rows: pd.DataFrame, tz: str, _: Translate) -> list[str]:
    out = []
    for n, (_i, r) in enumerate(rows.iterrows(), 1):
        number = c.text(r["sender"]).partition(":")[2] or c.text(r["sender"])
        sms = c.text(r["platform"]) == "sms"
        what = _("text message") if sms else _("call")
        kind = c.text(r["kind"]) if sms else (c.text(r.get("call_type", ""))
                                              or c.text(r.get("incident_kind", "")))
        if kind and kind not in ("text", "call"):
            what += f" ({d.plain(kind)})"
        out.append(f"{n}. {d.when(r['sent_at'])} (UTC; {c.local(r['sent_at'], tz) or '-'}) | "
                   f"{what} | {_('number')} {d.plain(number)} | "
                   f"{_('duration')} {_duration(r, _)} | {_('evidence id')} "
                   f"{d.plain(r['message_id'])}")
    return out


def _duration(row: pd.Series, _: Translate) -> str:
    if c.text(row["platform"]) == "sms":
        return "-"
    value = row.get("duration_s")
    if value is None or pd.isna(value):
        return _("not recorded in the export")
    return f"{int(value)} s"


# --------------------------------------------------------------------------- web hosts

def pages(inp: c.Inputs) -> pd.DataFrame:
    """The saved web pages (captures of kind text), in time order."""
    msgs = inp.analysis.messages
    if "source_format" not in msgs:
        return msgs.iloc[0:0]
    found = msgs[(msgs["source_format"].astype(str) == "web_capture")
                 & (msgs["kind"].astype(str) == "text")]
    if "duplicate_of" in found:
        found = found[found["duplicate_of"].fillna("") == ""]
    return found.sort_values(["sent_at", "message_id"])


def host_of(url: str) -> str:
    """The URL's host name (lower case), or "" when it has none."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def recorded_ip(inp: c.Inputs, row: dict) -> str:
    """The WARC-IP-Address of the capture's record, when it is a WARC record that has one."""
    original = _originals.read(inp.case, row)
    if not original.ok or original.kind != "warc":
        return ""
    return _originals.warc_fields(original.data).get("warc-ip-address", "")


def web_host(inp: c.Inputs, report_id: str, _: Translate) -> str | None:
    """One section per host of the saved pages; None when the case has none."""
    rows = pages(inp)
    if rows.empty:
        return None
    lines = [_(d.DRAFT), "", f"{_('Evidence report id')}: {report_id}", "",
             _("One section per web host below: send each to that host's abuse contact."), ""]
    records = rows.to_dict("records")
    hosts = sorted({host_of(c.text(r.get("url") or r.get("conversation"))) for r in records})
    for n, host in enumerate(hosts, 1):
        mine = [r for r in records if host_of(c.text(r.get("url") or r.get("conversation")))
                == host]
        lines += _host_section(inp, n, host, mine, _)
    return d.join(lines + [d.sign_off(inp, _)])


def _host_section(inp: c.Inputs, n: int, host: str, rows: list[dict], _: Translate,
                  ) -> list[str]:
    shown = d.plain(host) or _("(no host name in the URL)")
    lines = [f"===== {n}. {_('Host')}: {shown} =====", "",
             f"{_('To')}: " + _("[look up the abuse contact of the host of {host}: the site's "
                                "own contact or abuse page, then the hosting provider of the "
                                "IP address (a WHOIS look-up of the IP or domain names it). "
                                "This tool works offline and looked up nothing.]").format(
                                    host=shown),
             f"{_('Subject')}: {_('Abuse report: a page about a person I support')}", "",
             _("The page(s) below are about the person I support, who is being contacted "
               "against their wishes. They were saved as follows:"), ""]
    for k, r in enumerate(rows, 1):
        url = c.text(r.get("url") or r.get("conversation"))
        ip = recorded_ip(inp, r)
        lines += [f"{k}. URL: {d.plain(url) or '-'}",
                  f"   {_('Host name')}: {shown}",
                  f"   {_('IP address the capture recorded')}: "
                  f"{d.plain(ip) if ip else _('not recorded in the capture')}",
                  f"   {_('Captured at')}: {d.when(r.get('sent_at'))} (UTC; "
                  f"{_('as written in the capture')}: {d.plain(r.get('sent_at_raw')) or '-'})",
                  f"   {_('Title')}: {d.plain(r.get('subject')) or '-'}",
                  f"   {_('Capture file')}: {d.plain(r.get('source_path'))} "
                  f"{d.plain(r.get('locator'))}",
                  f"   SHA-256 {_('of the capture record')}: {c.text(r.get('record_sha256'))}",
                  f"   SHA-256 {_('of the capture file')}: {c.text(r.get('source_sha256'))}"]
    return lines + [""]
