"""One schema, one conform: dtypes enforced in one place, reader bugs caught there."""

from __future__ import annotations

import pandas as pd
import pytest

from whoa_analysis import schema
from whoa_analysis.errors import InputError

BASE = {"message_id": "abc:1", "source_path": "x", "source_sha256": "0" * 64,
        "source_format": "t", "locator": "line:1", "record_sha256": "1" * 64,
        "platform": "sms", "kind": "text", "time_basis": "epoch"}


def test_conform_orders_and_types_columns_and_keeps_extras():
    df = schema.conform(pd.DataFrame([{**BASE, "duration_s": 5,
                                       "sent_at": pd.Timestamp("2024-01-01", tz="Europe/Paris")}]))
    assert list(df.columns) == [*schema.COLUMNS, "duration_s"]
    for name, dtype in schema.COLUMNS.items():
        assert df[name].dtype == dtype, name
    assert df.loc[0, "sent_at"] == pd.Timestamp("2023-12-31 23:00", tz="UTC")
    assert df.loc[0, "sent_at_latest"] == df.loc[0, "sent_at"]
    assert df.loc[0, "body"] == "" and pd.isna(df.loc[0, "from_owner"])


def test_unknown_category_value_is_a_reader_bug():
    with pytest.raises(InputError, match="'platform'.*carrier_pigeon"):
        schema.conform(pd.DataFrame([{**BASE, "platform": "carrier_pigeon"}]))


def test_naive_times_are_refused():
    with pytest.raises(InputError, match="zone-aware"):
        schema.conform(pd.DataFrame([{**BASE, "sent_at": pd.Timestamp("2024-01-01")}]))


def test_missing_provenance_is_refused():
    with pytest.raises(InputError, match="'locator'"):
        schema.conform(pd.DataFrame([{**BASE, "locator": ""}]))


def test_concat_of_nothing_is_an_empty_conformed_frame():
    df = schema.concat([])
    assert df.empty and list(df.columns) == list(schema.COLUMNS)


def test_lone_surrogates_are_shown_as_escapes_and_said():
    raw = pd.DataFrame([{**BASE, "body": "a\udc80b", "sender_display": "ok"}], dtype=object)
    df = schema.conform(raw)
    assert df.loc[0, "body"] == "a\\udc80b"
    assert "surrogate" in df.loc[0, "warnings"]
    assert df.loc[0, "sender_display"] == "ok"


def test_joined_reads_a_column_in_chunks_as_one_array():
    # A file read in ranges gives its locators in chunks; their message ids are joined a chunk
    # per thread, and must be the rows of the whole column joined, in order.
    import pyarrow as pa

    numbers = pa.chunked_array([pa.array(range(k * 10, k * 10 + 10)) for k in range(5)])
    ids = schema.joined("ab12:", "line:", numbers)
    assert isinstance(ids, pa.ChunkedArray) and ids.num_chunks == 5
    assert ids.to_pylist() == [f"ab12:line:{i}" for i in range(50)]
    assert ids.type == pa.large_string()
    assert schema.joined("p-", numbers.combine_chunks()).to_pylist() == [f"p-{i}" for i in range(50)]
