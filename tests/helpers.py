"""Small builders shared by tests: a case folder in tmp_path with an incident log."""

from __future__ import annotations

import functools
import textwrap
from pathlib import Path

CASE_HEAD = """\
[case]
id = "T-1"
title = "Test case"
timezone = "Europe/London"
region = "GB"

[[people]]
id = "dana"
role = "victim"
name = "Dana"
accounts = ["email:dana@example.org", "phone:+44 7700 900123"]

[[people]]
id = "rob"
role = "respondent"
name = "Rob"
accounts = ["email:rob@example.net", "phone:07700 900456"]
"""

LOG_HEADER = "when,timezone,platform,from,to,kind,description,evidence\n"


def make_case(folder: Path, log_rows: str = "", extra: str = "", sources: str | None = None,
              ) -> Path:
    """Write case.toml and exports/log.csv under ``folder``; returns the case path."""
    (folder / "exports").mkdir(parents=True, exist_ok=True)
    (folder / "exports" / "log.csv").write_text(LOG_HEADER + textwrap.dedent(log_rows),
                                                encoding="utf-8")
    if sources is None:
        sources = ('[[sources]]\npath = "exports/log.csv"\nformat = "incident_log"\n'
                   'owner = "dana"\ntimezone = "Europe/London"\n')
    case = folder / "case.toml"
    case.write_text(CASE_HEAD + "\n" + sources + "\n" + textwrap.dedent(extra),
                    encoding="utf-8")
    return case


def with_unflushed_log(source: Path, folder: Path, change) -> Path:
    """A copy of the SQLite database ``source`` in ``folder`` as a running app leaves it: in
    WAL mode, with the writes of ``change(conn)`` only in the ``-wal`` beside it."""
    import shutil
    import sqlite3

    work = folder / ".work"
    work.mkdir(parents=True)
    db = Path(shutil.copyfile(source, work / source.name))
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")     # nothing reaches the file before the copy
    change(conn)
    conn.commit()
    for name in (db.name, db.name + "-wal"):
        shutil.copyfile(work / name, folder / name)
    conn.close()
    shutil.rmtree(work)
    return folder / source.name


@functools.cache
def sample_generator(rel: str):
    """A sample generator of data/sample/formats (``icq/make_icq.py``), loaded by path: its
    functions write the format's files for tests to vary."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "data" / "sample" / "formats" / rel
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
