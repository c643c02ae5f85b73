"""One lane per account that wrote to the victim: the respondent's accounts and accounts nobody
claimed, over time, with the stop request marked.

A marker shape per platform; filled markers for accounts the case file gives the respondent,
hollow ones for unattributed accounts; an account first seen after the request says so in its
label ("NEW after request"), so a new account after a block stands out without colour.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..i18n import N_, Translate, translator
from . import _common as c

TITLE = N_("Accounts writing to the victim over time")
DIRECTIONS = ("respondent_to_victim", "respondent_group", "unattributed_to_victim")
MAX_LANES = 40


_LANE_COLUMNS = ("sender", "sender_person", "platform")


def lane_table(messages: pd.DataFrame, notice_at: pd.Timestamp | None) -> pd.DataFrame:
    """One row per account: first/last seen, count, attributed or not, new after the request."""
    return _lane_table(messages, c.contacts(messages, DIRECTIONS, columns=_LANE_COLUMNS),
                       notice_at)


def _lane_table(messages: pd.DataFrame, rows: pd.DataFrame,
                notice_at: pd.Timestamp | None) -> pd.DataFrame:
    if rows.empty:
        return pd.DataFrame(columns=["account", "person", "first", "count", "attributed",
                                     "new_after"])
    first_any = _first_seen(messages)
    table = rows.groupby("sender", sort=False).agg(
        person=("sender_person", "first"), first=("sent_at", "min"), count=("sent_at", "size"))
    table = table.reset_index(names="account")
    table["person"] = table["person"].fillna("")
    table["attributed"] = table["person"] != ""
    seen = table["account"].map(first_any)
    if notice_at is None or pd.isna(notice_at):
        table["new_after"] = False
    else:
        table["new_after"] = seen.notna() & (seen > notice_at)
    return table.sort_values(["attributed", "first", "account"],
                             ascending=[False, True, True]).reset_index(drop=True)


def _first_seen(messages: pd.DataFrame) -> dict:
    timed = messages.loc[messages["sent_at"].notna() & (messages["sender"].fillna("") != ""),
                         ["sender", "sent_at"]]
    return timed.groupby("sender")["sent_at"].min().to_dict()


def lanes(messages: pd.DataFrame, *, tz: str, notice_at: pd.Timestamp | None = None,
          title: str = TITLE, language: str = "en") -> Figure:
    """The lanes chart from classified messages (``direction``, ``sender_person`` columns);
    its words in ``language``."""
    _ = translator(language)
    rows = c.contacts(messages, DIRECTIONS, columns=_LANE_COLUMNS)
    table = _lane_table(messages, rows, notice_at)
    shown = table.head(MAX_LANES)
    fig = c.new_figure(10, 1.6 + 0.42 * max(len(shown), 2))
    ax = fig.add_subplot()
    ax.set_title(f"{_(title)} ({tz})")
    if table.empty:
        c.no_data(ax, _("no account wrote to the victim in the sources"))
        return fig
    lanes_rows = rows.groupby("sender", sort=False).indices   # account -> its rows, in order
    for lane, acc in enumerate(shown.itertuples()):
        _draw_lane(ax, rows.iloc[lanes_rows[acc.account]], lane, acc.attributed)
    ax.set_yticks(range(len(shown)), [_lane_label(a, _) for a in shown.itertuples()], fontsize=8)
    for tick, acc in zip(ax.get_yticklabels(), shown.itertuples()):
        tick.set_fontweight("bold" if acc.new_after else "normal")
    ax.set_ylim(len(shown) - 0.5, -0.5)
    c.mark_request(ax, notice_at, _=_)
    c.date_axis(ax, tz, language=language)
    ax.grid(axis="y", color="#dddddd", linewidth=0.5)
    ax.legend(handles=_legend(rows, _), loc="upper left", bbox_to_anchor=(1.01, 1.0),
              fontsize=8, frameon=False)
    if len(table) > len(shown):
        ax.set_xlabel(_("date ({tz}); {n} more account(s) not drawn: see the accounts "
                        "table").format(tz=tz, n=len(table) - len(shown)))
    return fig


def _draw_lane(ax, rows: pd.DataFrame, lane: int, attributed: bool) -> None:
    for platform, group in rows.groupby(rows["platform"].astype(str), sort=True):
        marker = c.PLATFORM_MARKERS.get(platform, "o")
        ax.plot(c.to_num(group["sent_at"]), np.full(len(group), lane), linestyle="none",
                marker=marker, markersize=6, color="black",
                markerfacecolor="black" if attributed else "white", markeredgewidth=1.1)


def _lane_label(acc, _: Translate) -> str:
    who = f" ({acc.person})" if acc.person else f" ({_('unattributed')})"
    new = " " + _("NEW after request") if acc.new_after else ""
    return c.label(f"{acc.account}{who}, {acc.count}{new}")


def _legend(rows: pd.DataFrame, _: Translate) -> list[Line2D]:
    handles = [Line2D([], [], linestyle="none", marker=c.PLATFORM_MARKERS.get(p, "o"),
                      color="black", label=p)
               for p in sorted(set(rows["platform"].astype(str).unique()))]
    handles += [Line2D([], [], linestyle="none", marker="o", color="black",
                       label=_("filled: case file account")),
                Line2D([], [], linestyle="none", marker="o", color="black",
                       markerfacecolor="white", label=_("hollow: unattributed"))]
    return handles
