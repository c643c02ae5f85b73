"""The sample Android databases' generator, loaded from data/sample (shared by the tests)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import sample_generator

HERE = Path(__file__).resolve().parents[2] / "data" / "sample" / "formats" / "android"
GEN = sample_generator("android/make_android_dbs.py")
