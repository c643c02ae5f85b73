"""When the respondent makes contact: hour of day by weekday, in the case zone.

Grey shades with the count written in every non-empty cell, so it reads in black and white.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..i18n import N_, translator
from . import _common as c

TITLE = N_("Respondent contact by hour and weekday")
WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))


def hour_weekday(rows: pd.DataFrame, tz: str) -> np.ndarray:
    """7 x 24 counts (Monday first) of ``rows`` by local weekday and hour."""
    grid = np.zeros((7, 24), dtype=int)
    local = pd.to_datetime(rows["sent_at"].dropna(), utc=True).dt.tz_convert(tz)
    np.add.at(grid, (local.dt.day_of_week.to_numpy(), local.dt.hour.to_numpy()), 1)
    return grid


def heatmap(rows: pd.DataFrame, *, tz: str, title: str = TITLE, language: str = "en") -> Figure:
    """Heatmap of the given contact rows (e.g. respondent -> victim after the request); its
    words in ``language``."""
    _ = translator(language)
    fig = c.new_figure(10, 3.8)
    ax = fig.add_subplot()
    ax.set_title(f"{_(title)} ({tz})")
    grid = hour_weekday(rows, tz)
    if not grid.any():
        c.no_data(ax, _("no respondent contact with a time in the sources"))
        return fig
    image = ax.imshow(grid, cmap="Greys", aspect="auto", vmin=0, vmax=max(grid.max(), 1),
                      interpolation="nearest")
    for (day, hour), n in np.ndenumerate(grid):
        if n:
            dark = n > grid.max() * 0.55
            ax.text(hour, day, str(n), ha="center", va="center", fontsize=7,
                    color="white" if dark else "black")
    ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)], fontsize=8)
    ax.set_yticks(range(7), [_(d) for d in WEEKDAYS], fontsize=8)
    ax.set_xlabel(_("hour of day ({tz})").format(tz=tz))
    ax.set_ylabel(_("weekday"))
    bar = fig.colorbar(image, ax=ax, label=_("contacts"), fraction=0.03, pad=0.01)
    bar.locator = MaxNLocator(integer=True)        # counts, never 0.25 of a contact
    bar.update_ticks()
    return fig
