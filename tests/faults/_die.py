"""Run ``whoa`` and kill it (SIGKILL, the whole process group) at a chosen point.

``python _die.py POINT whoa-args...``: POINT names a step of a report (see ``POINTS``); the
process, and every child it forked, is killed as that step starts, as a crash or ``kill -9``
would. The test starts it in a session of its own, so nothing else is hit.
"""

from __future__ import annotations

import os
import signal
import sys


def die(*_args: object, **_kwargs: object) -> None:
    os.killpg(os.getpgid(0), signal.SIGKILL)


def torn_append(case, log, action, details):
    """Write the first half of the custody entry, then die: a crash mid-write."""
    from whoa_analysis import evidence

    line = (f'{{"action": "{action}", "at": "{evidence.now_utc()}", "case_id": "{case.id}", '
            '"details": {"files": {"report.html": "')
    fd = evidence._HELD[evidence.custody_path(case)][0]
    os.write(fd, line.encode())
    os.fsync(fd)
    die()


def after(func):
    def run(*args: object, **kwargs: object) -> object:
        func(*args, **kwargs)
        die()
    return run


def main() -> int:
    from whoa_analysis import cli, evidence, ingest, pack, pipeline

    point, argv = sys.argv[1], sys.argv[2:]
    if point == "read":                 # while the sources are read
        ingest.read_source = die
    elif point == "tables":             # in the forked child writing the tables
        pipeline._write_tables = die
    elif point == "pack_manifest":      # the pack complete in its partial folder
        pack.write_manifest = after(pack.write_manifest)
    elif point == "custody":            # mid-write of the custody entry, holding the lock
        evidence._append = torn_append
    elif point == "commit":             # logged, about to be put in place
        pack.Staging.commit = die
    else:
        raise SystemExit(f"unknown point {point}")
    return cli.main(argv)


if __name__ == "__main__":
    sys.exit(main())
