"""Hostile Outlook stores: amplification (block references repeated until a 30 KB file holds
gigabytes of value), hostile text and names, damage anywhere in the file.

Guarantee: each read ends within time and memory limits in a frame or one of the library's own
errors; every item is a row (unreadable ones ``unparsed``, with a warning); text stays exact and
names stay text. (Random bytes, mutated and truncated copies of the sample store go through
``test_fuzz.py``; ``hostile.pst`` goes through every reader in ``test_guarantees.py``.)
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from whoa_analysis import readers
from whoa_analysis.readers import pst

from . import corpus as C
from .harness import assert_contained, read_outcome
from .test_fuzz import FUZZ


def test_amplified_store_is_read_within_bounds_and_keeps_every_item(tmp_path: Path,
                                                                     monkeypatch) -> None:
    monkeypatch.setattr(pst, "MIN_BUDGET", 1 << 20)
    path = tmp_path / "bomb.pst"
    path.write_bytes(C.pst_amplified(mails=6, refs=1))
    assert path.stat().st_size < 64 << 10
    outcome = read_outcome(path, "pst", seconds=60)
    assert_contained(outcome)
    got = outcome.value
    assert got["rows"] == 6
    # the first body is read (8.3 MB of value: libpff's own limit lets it through); after it
    # the store has given more than 4x its size, and the rest are listed, not read
    assert got["kinds"] == ["text"] + ["unparsed"] * 5
    assert len(got["bodies"][0]) == 1021 * 8176 // 2
    assert all("more than 4 times its size" in w for w in got["warnings"][1:])


def test_value_over_libpff_limit_is_an_unparsed_row(tmp_path: Path) -> None:
    path = tmp_path / "bomb.pst"
    path.write_bytes(C.pst_amplified(mails=2, refs=20))       # 167 MB a body
    outcome = read_outcome(path, "pst", seconds=120)
    assert_contained(outcome)
    assert outcome.value["kinds"] == ["unparsed", "unparsed"]
    assert all("not readable" in w for w in outcome.value["warnings"])


def test_hostile_store_keeps_text_and_names_as_data(tmp_path: Path) -> None:
    path = tmp_path / "hostile.pst"
    path.write_bytes(C.hostile_pst())
    df = readers.read(path)
    assert len(df) == 16 and (df["kind"] != "unparsed").all()
    subjects = set(df["subject"])
    assert set(C.FORMULAS.values()) & subjects == set(list(C.FORMULAS.values())[:6])
    names = df[df["subject"] == "names"]["attachments"].iloc[0].split(";")
    assert names == list(C.BAD_NAMES.values())
    assert df["locator"].str.contains("/..%2F..%2Fetc#", regex=False).any()
    assert (df["folder"] == "Top of Personal Folders/../../etc").sum() == 8
    assert df["locator"].str.contains("=1+1/%2Fabs#", regex=False).any()
    forged = df[df["subject"] == "forged"].iloc[0]
    assert forged["sender"] == "" and "sender left unattributed" in forged["warnings"]
    assert forged["body_html"] == C.MARKUP["img"]
    assert list(tmp_path.iterdir()) == [path]


@FUZZ
@given(cuts=st.lists(st.tuples(st.integers(564, 1 << 20), st.integers(1, 64),
                               st.binary(min_size=1, max_size=16)), min_size=1, max_size=6))
def test_damage_past_the_header_keeps_a_row_per_readable_item(tmp_path: Path, cuts) -> None:
    """Mutations behind the header (whose CRC would reject the file at once) reach libpff's
    B-tree, heap and table code; whatever it makes of them, the read ends in a frame."""
    data = bytearray(C.hostile_pst())
    for pos, length, insert in cuts:
        pos = 564 + pos % (len(data) - 564)
        data[pos:pos + length] = insert.ljust(length, b"\0")[:length]
    path = tmp_path / "damaged.pst"
    path.write_bytes(bytes(data))
    outcome = read_outcome(path, "pst", seconds=60)
    assert_contained(outcome)
    if outcome.ok:
        assert outcome.value["rows"] >= 1


@pytest.mark.slow
def test_amplified_store_at_the_default_budget(tmp_path: Path) -> None:
    path = tmp_path / "bomb.pst"
    path.write_bytes(C.pst_amplified(mails=12, refs=1))
    outcome = read_outcome(path, "pst", seconds=300)
    assert_contained(outcome)
    assert outcome.value["rows"] == 12 and "unparsed" in outcome.value["kinds"]
