"""Times written for people, a whole column at once: the same text as one time at a time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from whoa_analysis.analysis import summary

EDGES = ["2024-03-31T00:59:59.999999Z", "2024-03-31T01:00:00Z",      # London: GMT -> BST
         "2024-10-27T00:30:00Z", "2024-10-27T01:30:00.5Z",             # the repeated hour
         None, "1847-12-01T00:00:00Z", "1968-10-27T00:00:00Z",         # LMT; all-year BST
         "1971-10-31T02:00:00Z", "1969-12-31T23:59:59.000001Z", "1970-01-01T00:00:00Z"]


def _times() -> pd.Series:
    rng = np.random.default_rng(7)
    spread = pd.Series(pd.to_datetime(rng.integers(-2 * 10**15, 4 * 10**15, 3000), unit="us",
                                      utc=True))
    edges = pd.Series(pd.to_datetime(EDGES, utc=True, format="ISO8601"))
    far = pd.Series(np.array([-60 * 10**15, 200 * 10**15], dtype="datetime64[us]")) \
        .dt.tz_localize("UTC")
    times = pd.concat([spread, edges, far], ignore_index=True).astype("datetime64[us, UTC]")
    times.index = times.index * 3 + 1         # the index is kept
    return times


def test_iso_column_is_iso_of_each_time():
    times = _times()
    pd.testing.assert_series_equal(summary.iso_column(times), times.map(summary.iso))


@pytest.mark.parametrize("tz", ["Europe/London", "America/New_York", "Asia/Kolkata",
                                "Australia/Lord_Howe", "UTC"])
def test_local_column_is_local_of_each_time(tz):
    times = _times()
    pd.testing.assert_series_equal(summary.local_column(times, tz),
                                   times.map(lambda t: summary.local(t, tz)))


def test_columns_without_any_time_are_typed_as_before():
    for times in (pd.Series([pd.NaT, pd.NaT], dtype="datetime64[us, UTC]"),
                  pd.Series([], dtype="datetime64[us, UTC]")):
        pd.testing.assert_series_equal(summary.iso_column(times), times.map(summary.iso))
        pd.testing.assert_series_equal(summary.local_column(times, "Europe/London"),
                                       times.map(lambda t: summary.local(t, "Europe/London")))
