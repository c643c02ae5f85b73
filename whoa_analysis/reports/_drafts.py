"""What every complaint draft shares: the draft mark, the request sentence, the sign-off, how
data is shown in plain text, and the draft's language (its fixed words through the catalogue)."""

from __future__ import annotations

import pandas as pd

from ..analysis.summary import iso
from ..case import Case
from ..i18n import N_, Translate, translator
from . import _content as c

DRAFT = N_("DRAFT — review before sending. Nothing has been sent.")


def words(case: Case) -> Translate:
    """The ``_`` of the case's language (English until the case names one)."""
    return translator(getattr(case, "language", "en") or "en")


def english(msgid: str) -> str:
    return msgid


def plain(value: object, *, one_line: bool = True) -> str:
    """Text for a draft: control and direction-override characters shown as ``[U+XXXX]``, and
    (for one-line fields) newlines shown as `` ⏎ `` so every entry stays one line."""
    out = c.visible(c.text(value))
    return out.replace("\r\n", " ⏎ ").replace("\n", " ⏎ ").replace("\r", " ⏎ ") if one_line \
        else out


def header(to: str, subject: str, report_id: str, _: Translate = english) -> list[str]:
    return [_(DRAFT), "", f"{_('To')}: {to}", f"{_('Subject')}: {subject}",
            f"{_('Evidence report id')}: {report_id}", ""]


def notice_line(inp: c.Inputs, _: Translate = english) -> str:
    row = inp.analysis.notice.row
    if row is None:
        return _("No stop request was found in the sources (see the report).")
    return _("On {when} the person I am writing for asked this account's holder, by "
             "{platform}, in writing, not to contact them any more.").format(
        when=iso(row["sent_at"]), platform=c.platform_word(row["platform"], _))


def sign_off(inp: c.Inputs, _: Translate = english) -> str:
    who = inp.case.prepared_by or _("[name of the person sending this]")
    return f"{_('Sent by')}: {plain(who)}\n{_('[contact details of the sender]')}"


def join(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


def when(value: object) -> str:
    """ISO 8601 UTC, or "-" for a row without a time."""
    return iso(value) if value is not None and not pd.isna(value) else "-"
