"""The df.whoa accessor forwards to plain functions; times may carry their own offset."""

from __future__ import annotations

import pandas as pd

from whoa_analysis import readers
from whoa_analysis.accessor import register


def test_between_reads_offsets_and_defaults_to_utc(sample):
    register()
    df = readers.read(sample / "exports" / "incident_log.csv", tz="Europe/London", region="GB")
    # the call at 2024-03-11 19:05 UTC is 20:05 in Paris
    assert len(df.whoa.between("2024-03-11T20:00+01:00", "2024-03-11T20:10+01:00")) == 1
    assert len(df.whoa.between("2024-03-11 19:00", "2024-03-11 19:10")) == 1
    assert len(df.whoa.between("2024-03-11 20:00", "2024-03-11 20:10")) == 0
    assert df.whoa.by(platform="letter")["kind"].tolist() == ["text"]
    assert isinstance(df.whoa.between("2024-01-01", "2025-01-01"), pd.DataFrame)
