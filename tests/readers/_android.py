"""The sample Android databases' generator, loaded from data/sample (shared by the tests)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

HERE = Path(__file__).resolve().parents[2] / "data" / "sample" / "formats" / "android"


def _load():
    spec = importlib.util.spec_from_file_location("make_android_dbs",
                                                  HERE / "make_android_dbs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = _load()
