"""Respondent contacts after the stop request, added up over time: in total and per channel.

The total is a thick solid line; each channel has its own line style and marker.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..i18n import N_, translator
from . import _common as c

TITLE = N_("Respondent contacts after the stop request, cumulative")


def cumulative(rows: pd.DataFrame, *, tz: str, notice_at: pd.Timestamp | None = None,
               title: str = TITLE, language: str = "en") -> Figure:
    """Cumulative count of ``rows`` (respondent -> victim after the request) over time; its
    words in ``language``."""
    _ = translator(language)
    fig = c.new_figure(10, 4.2)
    ax = fig.add_subplot()
    ax.set_title(f"{_(title)} ({tz})")
    rows = rows[rows["sent_at"].notna()].sort_values(["sent_at", "message_id"])
    if rows.empty:
        c.no_data(ax, _("no respondent contact after the stop request in the sources"))
        return fig
    start = [] if notice_at is None or pd.isna(notice_at) else [notice_at]
    _step(ax, rows["sent_at"], start, _("all channels ({n})").format(n=len(rows)), "-", None, 2.4)
    platforms = sorted(set(rows["platform"].astype(str)))
    if len(platforms) > 1:
        for i, platform in enumerate(platforms):
            times = rows.loc[rows["platform"].astype(str) == platform, "sent_at"]
            _step(ax, times, start, f"{platform} ({len(times)})",
                  c.LINE_STYLES[i % len(c.LINE_STYLES)], c.PLATFORM_MARKERS.get(platform, "o"),
                  1.2)
    c.mark_request(ax, notice_at, _=_)
    c.date_axis(ax, tz, language=language)
    ax.set_ylabel(_("contacts since the request"))
    ax.set_ylim(bottom=0)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.grid(axis="y", color="#cccccc", linewidth=0.5)
    ax.legend(loc="lower right", fontsize=8)
    return fig


def _step(ax, times: pd.Series, start: list, name: str, style, marker, width: float) -> None:
    x = np.concatenate([c.to_num(pd.Series(start, dtype=object)), c.to_num(times)])
    y = np.arange(0 if start else 1, len(times) + 1)
    ax.plot(x, y, drawstyle="steps-post", color="black", linestyle=style, linewidth=width,
            marker=marker, markevery=_marks(len(start), len(x)) if marker else None,
            markersize=4, markerfacecolor="white", label=name)


def _marks(first: int, end: int, most: int = 40) -> list[int]:
    """Indices to mark: every point, or at most ``most`` evenly spread (dense lines)."""
    step = max(1, (end - first) // most)
    return list(range(first, end, step))
