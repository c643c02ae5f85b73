"""Charts return figures, never touch global state, save the same bytes twice, and keep a year
of dates readable."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from whoa_analysis import charts
from whoa_analysis.charts import _common
from whoa_analysis.charts.daily import daily_counts
from whoa_analysis.charts.heatmap import hour_weekday
from whoa_analysis.charts.lanes import lane_table

TZ = "Europe/London"
NOTICE = pd.Timestamp("2024-03-10 09:00", tz="UTC")


def year_of_messages(n: int = 1500, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    when = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 366 * 86400, n), unit="s")
    direction = rng.choice(["respondent_to_victim", "victim_to_respondent",
                            "unattributed_to_victim", "third_party_to_victim"], n,
                           p=[0.7, 0.1, 0.1, 0.1])
    sender = np.where(direction == "respondent_to_victim",
                      rng.choice(["email:rob@example.net", "discord:robz"], n),
                      np.where(direction == "unattributed_to_victim", "discord:robz_back",
                               "email:other@example.com"))
    df = pd.DataFrame({"message_id": [f"m{i:05d}" for i in range(n)], "sent_at": when,
                       "direction": direction, "is_contact": True, "duplicate_of": "",
                       "sender": sender, "sender_person": np.where(
                           direction == "unattributed_to_victim", "", "rob"),
                       "platform": [s.split(":")[0] for s in sender]})
    late = (df["direction"] != "unattributed_to_victim") | (df["sent_at"] > NOTICE)
    return df[late].reset_index(drop=True)


def one_figure(name: str, df: pd.DataFrame) -> Figure:
    after = df[(df["direction"] == "respondent_to_victim") & (df["sent_at"] > NOTICE)]
    if name in ("daily", "lanes"):
        return getattr(charts, name)(df, tz=TZ, notice_at=NOTICE)
    if name == "heatmap":
        return charts.heatmap(after, tz=TZ)
    return charts.cumulative(after, tz=TZ, notice_at=NOTICE)


def all_figures(df: pd.DataFrame) -> dict[str, Figure]:
    return {name: one_figure(name, df) for name in ("daily", "lanes", "heatmap", "cumulative")}


def test_each_chart_returns_a_figure_with_the_zone_in_its_title_and_axis():
    for name, fig in all_figures(year_of_messages()).items():
        assert isinstance(fig, Figure), name
        texts = [fig.get_suptitle()] + [t for ax in fig.axes
                                         for t in (ax.get_title(), ax.get_xlabel())]
        assert any(TZ in t for t in texts), name


def test_charts_touch_no_global_state():
    before = dict(matplotlib.rcParams)
    import matplotlib.pyplot as plt

    open_before = plt.get_fignums()
    all_figures(year_of_messages(200))
    assert plt.get_fignums() == open_before          # nothing registered with pyplot
    assert dict(matplotlib.rcParams) == before


def test_two_runs_give_identical_png_bytes(tmp_path):
    df = year_of_messages(300)
    first, second = all_figures(df), all_figures(df)
    for name in first:
        a = charts.save_png(first[name], tmp_path / f"{name}-a.png").read_bytes()
        b = charts.png_bytes(second[name])
        assert a == b, name
        assert a.startswith(b"\x89PNG") and b"Software" not in a


def _overlaps(labels) -> bool:
    boxes = sorted((b for b in labels), key=lambda b: b.x0)
    return any(a.x1 > b.x0 for a, b in zip(boxes, boxes[1:]))


@pytest.mark.parametrize("name", ["daily", "lanes", "cumulative"])
def test_a_year_of_dates_has_no_overlapping_tick_labels(name):
    fig = one_figure(name, year_of_messages())
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    ax = fig.axes[-1] if name == "daily" else fig.axes[0]
    labels = [t.get_window_extent(renderer) for t in ax.get_xticklabels()
              if t.get_text() and t.get_visible()]
    assert len(labels) >= 3
    assert not _overlaps(labels)


def test_daily_counts_by_local_day_and_keeps_empty_days():
    df = pd.DataFrame({"message_id": ["a", "b", "c"], "is_contact": True, "duplicate_of": "",
                       "direction": ["respondent_to_victim"] * 3,
                       # 23:30 UTC on 31 March is 00:30 BST on 1 April in London
                       "sent_at": pd.to_datetime(["2024-03-29 10:00", "2024-03-31 23:30",
                                                  "2024-04-01 08:00"], utc=True)})
    counts = daily_counts(df, TZ)
    assert [str(d) for d in counts.index] == ["2024-03-29", "2024-03-30", "2024-03-31",
                                              "2024-04-01"]
    assert counts["respondent_to_victim"].tolist() == [1, 0, 0, 2]


def test_daily_counts_a_copy_once():
    df = pd.DataFrame({"message_id": ["a", "b"], "is_contact": True,
                       "duplicate_of": ["", "a"], "direction": ["respondent_to_victim"] * 2,
                       "sent_at": pd.to_datetime(["2024-03-29 10:00"] * 2, utc=True)})
    assert daily_counts(df, TZ)["respondent_to_victim"].tolist() == [1]


def test_heatmap_uses_the_case_zone():
    rows = pd.DataFrame({"sent_at": pd.to_datetime(["2024-07-01 08:30"], utc=True)})
    grid = hour_weekday(rows, TZ)            # a Monday, 09:30 BST
    assert grid[0, 9] == 1 and grid.sum() == 1


def test_lanes_mark_an_account_first_seen_after_the_request():
    table = lane_table(year_of_messages(400), NOTICE)
    row = table.set_index("account").loc["discord:robz_back"]
    assert bool(row["new_after"]) and not bool(row["attributed"])
    assert not table.set_index("account").loc["discord:robz", "new_after"]


def test_labels_from_data_are_neither_math_nor_lost():
    assert _common.label("$x^2$") == r"\$x^2\$"
    assert _common.drawable("a\u4f60b") == "a[U+4F60]b"
    fig = charts.lanes(pd.DataFrame({
        "message_id": ["a"], "is_contact": True, "duplicate_of": "",
        "direction": ["unattributed_to_victim"], "sender": ["telegram:$\\frac{$ \u4f60"],
        "sender_person": [""], "platform": ["telegram"],
        "sent_at": pd.to_datetime(["2024-03-12"], utc=True)}), tz=TZ, notice_at=NOTICE)
    assert charts.png_bytes(fig).startswith(b"\x89PNG")   # broken mathtext would raise here


def test_empty_input_still_gives_a_figure_saying_so():
    empty = year_of_messages(50).iloc[0:0]
    for name, fig in all_figures(empty).items():
        shown = [t.get_text() for ax in fig.axes for t in ax.texts]
        assert any(t.startswith("no ") for t in shown), name


def test_date_numbers_of_a_whole_column_equal_those_of_each_instant():
    import matplotlib.dates as mdates
    times = pd.Series(pd.to_datetime(["2024-03-31 00:59:59.999999", "1969-12-31 23:00:00.5",
                                      "2024-10-27 01:30:00.123456789", None], utc=True))
    one_by_one = [mdates.date2num(t.to_pydatetime(warn=False)) for t in times]
    got = _common.to_num(times)
    assert got[:3].tolist() == one_by_one[:3] and np.isnan(got[3]) and np.isnan(one_by_one[3])
    london = times.dt.tz_convert(TZ)          # any zone in, the same UTC instants out
    assert _common.to_num(london)[:3].tolist() == one_by_one[:3]


def test_local_midnights_name_the_same_days_as_local_days():
    times = pd.Series(pd.to_datetime(["2024-03-30 23:30", "2024-03-31 00:30",
                                      "2024-10-26 23:30", "2024-10-27 23:30"], utc=True))
    assert (_common.local_midnights(times, TZ).dt.date.tolist()
            == _common.local_days(times, TZ).tolist())


def test_daily_steps_draw_what_axes_stairs_draws():
    from whoa_analysis.charts.daily import _stairs
    values = np.array([0, 3, 1, 0, 7, 2])
    edges = [19800.0 + i for i in range(7)]
    pngs = []
    for ours in (False, True):
        fig = Figure(figsize=(4, 2), dpi=50)
        ax = fig.add_subplot()
        if ours:
            _stairs(ax, values, edges, fill=True, color="#E69F00")
            _stairs(ax, values, edges, fill=False, color="black", linewidth=0.6)
        else:
            ax.stairs(values, edges, fill=True, color="#E69F00", baseline=0)
            ax.stairs(values, edges, color="black", linewidth=0.6, baseline=0)
        ax.set_ylim(0, 9)
        pngs.append((charts.png_bytes(fig), tuple(ax.get_xlim()), ax.dataLim.bounds))
    assert pngs[0] == pngs[1]


def test_a_large_lane_chart_draws_one_marker_line_per_account_and_platform():
    df = year_of_messages(20000)
    fig = charts.lanes(df, tz=TZ, notice_at=NOTICE)
    lines = [ln for ln in fig.axes[0].get_lines() if ln.get_linestyle() == "None"]
    table = lane_table(df, NOTICE)
    assert len(lines) == sum(df[df["sender"] == a]["platform"].nunique() for a in table["account"])
    assert sum(len(ln.get_xdata()) for ln in lines) == int(table["count"].sum())
