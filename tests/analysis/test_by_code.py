"""The vectorised building blocks give what the per-row definitions give.

Columns with a handful of distinct values over a million rows are worked out once per distinct
value (``identities.Coded``, ``per_distinct``, ``combine``); rows are put in time order by
Arrow's stable sort (``summary.in_time_order``). These tests hold them to the plain pandas
definitions, on the awkward inputs: missing values, ties, codes too wide to multiply.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from whoa_analysis import identities
from whoa_analysis.analysis import summary

from .conftest import notice_row, rob_mail, wa_row


def test_a_missing_text_value_shares_the_code_of_a_written_empty_one():
    df = pd.DataFrame({"c": pd.array(["x", None, "", "x"], dtype="string"),
                       "k": pd.Categorical(["direct", None, "group", "direct"])})
    text = identities.Coded.text(df, "c")
    assert text.rows().tolist() == ["x", "", "", "x"]
    assert text.codes[1] == text.codes[2]
    assert identities.Coded.text(df, "k").rows().tolist() == ["direct", "", "group", "direct"]
    assert identities.Coded.text(df, "absent").rows().tolist() == [""] * 4


def test_per_distinct_calls_once_per_combination_and_lays_out_every_row():
    df = pd.DataFrame({"a": ["x", "y", "x", "x", None], "b": ["1", "1", "1", "2", "1"]})
    calls = []

    def joined(a: str, b: str) -> str:
        calls.append((a, b))
        return f"{a}|{b}"
    out = identities.per_distinct(joined, identities.Coded.text(df, "a"),
                                  identities.Coded.text(df, "b"))
    assert out.rows().tolist() == ["x|1", "y|1", "x|1", "x|2", "|1"]
    assert sorted(calls) == [("", "1"), ("x", "1"), ("x", "2"), ("y", "1")]
    assert out.string(df.index).dtype == "string"


def test_combine_numbers_combinations_in_order_of_appearance_even_when_codes_are_wide():
    rng = np.random.default_rng(3)
    wide = rng.integers(-2**40, 2**40, 2000)           # the product overflows int64: renumbered
    parts = [wide % 7, wide, -wide, rng.integers(0, 3, 2000)]
    expected = pd.DataFrame(parts).T.groupby(list(range(4)), sort=False).ngroup().to_numpy()
    got = identities.combine(parts)
    assert got.tolist() == expected.tolist()
    assert identities.first_rows(got).tolist() == sorted(
        pd.Series(got).drop_duplicates().index.tolist())


def _unsorted() -> pd.DataFrame:
    at = pd.to_datetime(["2024-03-02", None, "2024-03-01", "2024-03-02", "2024-03-01",
                         None, "2024-03-02"], utc=True).astype("datetime64[us, UTC]")
    ids = pd.array(["b", "z", "é", "b", None, "a", "A"], dtype="string")
    return pd.DataFrame({"sent_at": at, "message_id": ids, "n": range(7)},
                        index=[10, 3, 5, 7, 1, 2, 0])


@pytest.mark.parametrize("ids", ["string", "object", "int"])
def test_in_time_order_is_sort_values_with_missing_last_and_ties_in_frame_order(ids):
    rows = _unsorted()
    if ids == "object":
        rows["message_id"] = rows["message_id"].astype(object)
    if ids == "int":                         # not text: the pandas sort itself
        rows["message_id"] = [3, 1, 2, 3, 0, 5, 4]
    where = pd.Series([True, True, False, True, True, True, True], index=rows.index)
    expected = rows[where].sort_values(["sent_at", "message_id"])
    pd.testing.assert_frame_equal(summary.in_time_order(rows, where), expected)
    pd.testing.assert_frame_equal(summary.in_time_order(rows),
                                  rows.sort_values(["sent_at", "message_id"]))


def test_summary_from_the_tables_already_selected_equals_the_summary_selected_again(
        analyse_rows):
    result = analyse_rows([notice_row(), rob_mail("mbox:2", "2024-03-11T10:00:00Z"),
                           rob_mail("mbox:3", "2024-03-09T10:00:00Z"),
                           wa_row("line:1", "2024-03-12T10:00:00Z", "whatsapp:rob", "hi"),
                           wa_row("line:2", None, "whatsapp:rob", "when?")])
    again = summary.summarize(result.messages, result.notice, case_id="TEST-1",
                              tool_version=result.summary["tool_version"],
                              sources=result.summary["sources"], tz="Europe/London")
    assert again == {k: v for k, v in result.summary.items() if k != "course_of_conduct"}
