"""Fuzzing every reader: random bytes and mutations of the sample exports.

Guarantee: a reader returns a conformed frame or raises one of the library's own errors, never
anything else, whatever the bytes. Runs briefly in CI; for a longer run:
``WHOA_FUZZ_EXAMPLES=2000 pytest tests/hostile/test_fuzz.py``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from whoa_analysis import readers, schema
from whoa_analysis.errors import WhoaError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("WHOA_FUZZ_EXAMPLES", "15"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
TZ = "Europe/London"


def _samples() -> dict[str, Path]:
    """One sample file per reader, found by sniffing what data/sample holds."""
    found: dict[str, Path] = {}
    for path in sorted((ROOT / "data" / "sample").rglob("*")):
        if not path.is_file() or path.suffix in (".toml", ".md", ".py"):
            continue
        try:
            found.setdefault(readers.detect(path), path)
        except WhoaError:
            continue
    return found


SAMPLES = _samples()


def _read(path: Path, fmt: str) -> None:
    try:
        df = readers.read(path, fmt, tz=TZ, date_order="dmy", region="GB")
    except WhoaError:
        return
    assert list(df.columns[:len(schema.COLUMNS)]) == list(schema.COLUMNS)
    assert df["message_id"].notna().all() and df["record_sha256"].notna().all()


def _flat(fmt: str) -> bool:
    """Readers of folders (Maildir, Slack) are fuzzed through their sample's files only."""
    return not readers.get(fmt).__dict__.get("READS_FOLDERS", False)


@pytest.mark.parametrize("fmt", sorted(readers.READERS))
@FUZZ
@given(data=st.binary(max_size=4096))
def test_random_bytes_never_crash_a_reader(tmp_path, fmt, data):
    path = tmp_path / "input.bin"
    path.write_bytes(data)
    _read(path, fmt)


def _mutate(data: bytes, cuts: list[tuple[int, int, bytes]]) -> bytes:
    out = bytearray(data)
    for pos, length, insert in cuts:
        pos = pos % (len(out) + 1)
        out[pos:pos + length] = insert
    return bytes(out)


MUTATION = st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 64),
                              st.binary(max_size=16)), min_size=1, max_size=6)


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
@FUZZ
@given(cuts=MUTATION)
def test_mutated_samples_never_crash_a_reader(tmp_path, fmt, cuts):
    sample = SAMPLES[fmt]
    if sample.is_dir():
        pytest.skip("folder samples are mutated file by file elsewhere")
    target = tmp_path / sample.name
    shutil.copyfile(sample, target)
    target.write_bytes(_mutate(sample.read_bytes(), cuts))
    _read(target, fmt)


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
def test_truncated_samples_never_crash_a_reader(tmp_path, fmt):
    data = SAMPLES[fmt].read_bytes()
    for cut in sorted({len(data) // 3, len(data) // 2, len(data) - 1}):
        target = tmp_path / f"{cut}-{SAMPLES[fmt].name}"
        target.write_bytes(data[:cut])
        _read(target, fmt)
