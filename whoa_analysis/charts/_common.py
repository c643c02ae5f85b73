"""What every chart shares: a figure without pyplot, date axes in the case zone, the request
marker, deterministic PNG bytes, and labels safe to draw.

Figures are built with :class:`matplotlib.figure.Figure` directly, never through ``pyplot``: no
global state is touched, nothing is shown, and a notebook or a server can call these freely.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import zoneinfo
from pathlib import Path

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..analysis.summary import in_time_order
from ..i18n import N_, Translate, translator

DPI = 100
#: Saved without the "Software" stamp (and any date), so two runs give the same bytes.
PNG_METADATA = {"Software": None}
#: direction -> (legend label, colour, line style, marker). Colours come from a palette that
#: stays apart for colour-blind readers, and line style + marker tell them apart in grey.
DIRECTION_STYLES = {
    "respondent_to_victim": (N_("respondent → victim"), "#000000", "-", "o"),
    "respondent_group": (N_("respondent in groups"), "#E69F00", "--", "s"),
    "unattributed_to_victim": (N_("unattributed account → victim"), "#56B4E9", "-.", "^"),
    "third_party_to_victim": (N_("third party → victim"), "#009E73", ":", "D"),
    "victim_to_respondent": (N_("victim → respondent"), "#CC79A7", (0, (5, 1, 1, 1, 1, 1)),
                             "v"),
}
#: platform -> marker, so lanes and lines read without colour.
PLATFORM_MARKERS = {
    "email": "o", "whatsapp": "s", "sms": "^", "phone": "v", "discord": "D", "telegram": "P",
    "signal": "X", "slack": "<", "messenger": ">", "instagram": "p", "twitter": "h",
    "imessage": "H", "irc": "d", "im": "8", "letter": "*", "in_person": "1", "googlechat": "2",
    "web": "3", "skype": "+", "snapchat": "x", "other": "4",
}
LINE_STYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (1, 3)), (0, (8, 2)))
REQUEST_LABEL = N_("stop request")
#: The ``_`` of English: the charts' words when no language is asked for.
ENGLISH = translator("en")
_FONT = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"


def new_figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def zone(tz: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(tz)


def to_num(times: pd.Series) -> np.ndarray:
    """UTC instants as matplotlib date numbers (the axis formats them in the case zone).

    One conversion of the whole array, at the microseconds a Python datetime keeps: the same
    numbers as converting instant by instant, without a million Python objects.
    """
    utc = pd.to_datetime(pd.Series(times), utc=True).dt.tz_localize(None)
    return mdates.date2num(utc.to_numpy().astype("datetime64[us]"))


#: Axis dates without month names (strftime writes them in English whatever the report's
#: language): numbers, day first, for every language but English.
NUMERIC_DATES = {"formats": ["%Y", "%m.", "%d.", "%H:%M", "%H:%M", "%S.%f"],
                 "zero_formats": ["", "%Y", "%d.%m.", "%d.%m.", "%H:%M", "%H:%M"],
                 "offset_formats": ["", "%Y", "%Y", "%d.%m.%Y", "%d.%m.%Y", "%d.%m.%Y %H:%M"]}


def date_axis(ax: Axes, tz: str, *, label: bool = True, language: str = "en") -> None:
    """Concise, non-overlapping dates in the case zone, from a day to several years."""
    _ = translator(language)
    locator = mdates.AutoDateLocator(tz=zone(tz), minticks=3, maxticks=9)
    ax.xaxis.set_major_locator(locator)
    layouts = {} if language == "en" else NUMERIC_DATES
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=zone(tz), **layouts))
    if label:
        ax.set_xlabel(_("date ({tz})").format(tz=tz))


def mark_request(ax: Axes, notice_at: pd.Timestamp | None, *, text: bool = True,
                 _: Translate = ENGLISH) -> None:
    """A thick dashed vertical line, labelled, where the stop request was sent."""
    if notice_at is None or pd.isna(notice_at):
        return
    x = mdates.date2num(pd.Timestamp(notice_at).tz_convert("UTC").to_pydatetime())
    ax.axvline(x, color="black", linestyle=(0, (6, 3)), linewidth=1.6, zorder=3)
    if not text:
        return
    ax.annotate(_(REQUEST_LABEL), xy=(x, 1.0), xycoords=("data", "axes fraction"),
                xytext=(3, -3), textcoords="offset points", ha="left", va="top",
                fontsize=8, fontweight="bold",
                bbox={"boxstyle": "square,pad=0.15", "fc": "white", "ec": "none"})


def no_data(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG; the same figure gives the same bytes on every run."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata=PNG_METADATA)
    return buf.getvalue()


def save_png(fig: Figure, path: Path) -> Path:
    Path(path).write_bytes(png_bytes(fig))
    return Path(path)


@functools.cache
def covered_codepoints(font: Path = _FONT) -> frozenset[int]:
    """Code points the bundled DejaVu Sans can draw."""
    from fontTools.ttLib import TTFont  # a matplotlib and fpdf2 dependency

    with TTFont(str(font), lazy=True) as ttf:
        return frozenset(ttf.getBestCmap())


def drawable(text: str, font: Path = _FONT) -> str:
    """``text`` with every character the font lacks (CJK, emoji, controls) shown as
    ``[U+XXXX]``, so nothing vanishes silently from a chart or a PDF."""
    covered = covered_codepoints(font)
    return "".join(c if (ord(c) in covered and (c.isprintable() or c == " ")) or c == "\n"
                   else f"[U+{ord(c):04X}]" for c in str(text))


def label(text: object) -> str:
    """Data as a chart label: drawable, and never read as mathtext (``$...$``)."""
    return drawable(str(text)).replace("$", r"\$")


def local_days(times: pd.Series, tz: str) -> pd.Series:
    return pd.to_datetime(times, utc=True).dt.tz_convert(tz).dt.date


def local_midnights(times: pd.Series, tz: str) -> pd.Series:
    """Each instant's local day in ``tz`` as a naive midnight: :func:`local_days` without a
    Python date per row."""
    return pd.to_datetime(times, utc=True).dt.tz_convert(tz).dt.tz_localize(None).dt.normalize()


def midnight(day: dt.date, tz: str) -> float:
    """The local start of ``day`` as a date number (days are 23 or 25 hours at clock changes)."""
    return mdates.date2num(dt.datetime.combine(day, dt.time(0), tzinfo=zone(tz)))


def contacts(messages: pd.DataFrame, directions: tuple[str, ...],
             columns: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Counted contact rows with a time in the given directions (copies counted once);
    only ``columns`` of them when given (a chart needs a few of a wide frame's columns)."""
    keep = messages["direction"].isin(directions).to_numpy(dtype=bool, na_value=False)
    keep = keep & messages["sent_at"].notna().to_numpy()
    if "duplicate_of" in messages:
        counted = messages["duplicate_of"].fillna("") == ""
        keep = keep & counted.to_numpy(dtype=bool, na_value=False)
    if "is_contact" in messages:
        keep = keep & messages["is_contact"].fillna(False).astype(bool).to_numpy()
    if columns is None:
        return in_time_order(messages, keep)
    return in_time_order(messages[list(dict.fromkeys((*columns, "sent_at", "message_id")))],
                         keep)
