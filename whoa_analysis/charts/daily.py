"""Contacts per day (in the case zone), one panel per direction, the stop request marked.

One panel per direction on a shared date axis (rather than overlaid lines) keeps a year of
daily counts readable in black and white: each panel is named, bars are one day wide, and the
request is the same dashed line through every panel.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import StepPatch

from ..i18n import N_, translator
from . import _common as c

TITLE = N_("Contacts per day by direction")


def daily_counts(messages: pd.DataFrame, tz: str) -> pd.DataFrame:
    """Local day x direction counts over every day of the span (zero where none)."""
    rows = c.contacts(messages, tuple(c.DIRECTION_STYLES), columns=("direction",))
    if rows.empty:
        return pd.DataFrame(columns=list(c.DIRECTION_STYLES))
    # Counted by local midnight, then the few hundred days named as dates (not a million).
    table = pd.crosstab(c.local_midnights(rows["sent_at"], tz), rows["direction"].astype(str))
    table.index = pd.Index(table.index.date, dtype=object, name=table.index.name)
    span = pd.date_range(table.index[0], table.index[-1], freq="D").date
    return table.reindex(index=span, columns=list(c.DIRECTION_STYLES), fill_value=0)


def daily(messages: pd.DataFrame, *, tz: str, notice_at: pd.Timestamp | None = None,
          title: str = TITLE, language: str = "en") -> Figure:
    """Contacts per local day by direction, from classified messages (``direction`` column);
    its words in ``language`` (a ``title`` of our own is translated too)."""
    _ = translator(language)
    counts = daily_counts(messages, tz)
    shown = [d for d in c.DIRECTION_STYLES if d in counts and counts[d].any()]
    fig = c.new_figure(10, 1.2 + 1.5 * max(len(shown), 1))
    fig.suptitle(f"{_(title)} ({tz})")
    if not shown:
        c.no_data(fig.add_subplot(), _("no contacts with a time in the sources"))
        return fig
    axes = fig.subplots(len(shown), 1, sharex=True, squeeze=False)[:, 0]
    # One filled outline per panel (not a patch per day): fast on years of data.
    edges = [c.midnight(d, tz) for d in counts.index]
    edges.append(c.midnight(counts.index[-1] + dt.timedelta(days=1), tz))
    for i, (ax, direction) in enumerate(zip(axes, shown)):
        name, colour, _style, _marker = c.DIRECTION_STYLES[direction]
        values = counts[direction].to_numpy()
        _stairs(ax, values, edges, fill=True, color=colour)
        _stairs(ax, values, edges, fill=False, color="black", linewidth=0.6)
        ax.set_ylabel(_("per day"), fontsize=8)
        ax.set_title(_("{name}: {n} in {days} day(s)").format(
            name=_(name), n=int(values.sum()), days=int((values > 0).sum())),
                     fontsize=9, loc="left")
        ax.set_ylim(0, max(values.max(), 1) * 1.25)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.grid(axis="y", color="#cccccc", linewidth=0.5)
        c.mark_request(ax, notice_at, text=i == 0, _=_)
    c.date_axis(axes[-1], tz, language=language)
    return fig


def _stairs(ax: Axes, values: np.ndarray, edges: list[float], *, fill: bool, color: str,
            **style: float) -> StepPatch:
    """What ``ax.stairs(values, edges, fill=fill, color=color, baseline=0, **style)`` draws.

    ``Axes.add_patch`` measures a patch segment by segment in Python: seconds for years of
    daily steps. A step outline is straight lines from corner to corner, so its extent is that
    of its corners, given to ``update_datalim`` at once: the same limits, the same picture.
    """
    if fill:
        style.setdefault("linewidth", 0)
        colours = {"facecolor": color}
    else:
        colours = {"edgecolor": color}
    patch = StepPatch(values, edges, baseline=0, fill=fill, **colours, **style)
    ax.add_artist(patch)
    ax.update_datalim(patch.get_path().vertices)
    patch.sticky_edges.y.append(0)        # bars stand on the axis, as stairs() sets them
    ax.update_datalim([(edges[0], 0)])
    ax.autoscale()                        # limits worked out when drawn, as stairs() asks
    return patch
