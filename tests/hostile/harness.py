"""Running a reader on hostile input with limits: a forked child under RLIMIT_AS and a timeout.

``bounded(fn)`` returns an :class:`Outcome` (the value, or the exception's name and whether it
is one of the library's own); ``read_outcome(path, fmt)`` reads a file that way and returns a
small summary of the frame (the frame itself stays in the child).
"""

from __future__ import annotations

import multiprocessing
import resource
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

#: Address space a bounded read may add to what the test process already maps.
MEMORY_BUDGET = 1536 << 20
TZ = "Europe/London"


@dataclass(frozen=True)
class Outcome:
    """What a bounded call did: its return value, or the exception it raised (by name)."""

    value: object = None
    error: str = ""             # "module.Class: message" when it raised
    whoa: bool = False          # the exception is one of whoa_analysis.errors
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.error


def _mapped_bytes() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _child(conn, fn: Callable[[], object], budget: int) -> None:
    from whoa_analysis.errors import WhoaError

    limit = _mapped_bytes() + budget
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    start = time.perf_counter()
    try:
        value = fn()
        conn.send(Outcome(value=value, seconds=time.perf_counter() - start))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which asserts
        name = f"{type(exc).__module__}.{type(exc).__qualname__}: {exc}"[:2000]
        conn.send(Outcome(error=name + "\n" + traceback.format_exc()[-3000:],
                          whoa=isinstance(exc, WhoaError),
                          seconds=time.perf_counter() - start))
    finally:
        conn.close()


def bounded(fn: Callable[[], object], *, seconds: float = 20.0,
            memory: int = MEMORY_BUDGET) -> Outcome:
    """Run ``fn()`` in a forked child with an address-space limit and a wall-clock limit.

    The test fails (not hangs) when the child overruns the time; running out of memory shows
    as a MemoryError outcome (not a WhoaError), which the caller's assertion reports.
    """
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, fn, memory), daemon=True)
    proc.start()
    child.close()
    if not parent.poll(seconds):
        proc.kill()
        proc.join()
        pytest.fail(f"took longer than {seconds} s (killed)")
    try:
        outcome = parent.recv()
    except EOFError:
        outcome = Outcome(error=f"child died (exit code {proc.exitcode})")
    proc.join(5)
    return outcome



def summary(df) -> dict:
    """What a test needs to know of a frame read in the child."""
    return {"rows": len(df), "kinds": df["kind"].astype(str).tolist(),
            "bodies": df["body"].tolist(), "attachments": df["attachments"].tolist(),
            "warnings": df["warnings"].tolist(), "senders": df["sender"].tolist()}


def read_outcome(path: Path, fmt: str, *, seconds: float = 20.0, memory: int = MEMORY_BUDGET,
                 **options: object) -> Outcome:
    """Read ``path`` as ``fmt`` under the limits; the value is :func:`summary` of the frame."""
    from whoa_analysis import readers

    kw = {"tz": TZ, "region": "GB", "date_order": "dmy", **options}
    return bounded(lambda: summary(readers.read(path, fmt, **kw)), seconds=seconds,
                   memory=memory)


def assert_contained(outcome: Outcome) -> None:
    """Either a frame or one of the library's own errors: never anything else."""
    assert outcome.ok or outcome.whoa, outcome.error
