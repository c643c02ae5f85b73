"""One large file read by several processes, with exactly the result of one process.

A reader that can find record boundaries cheaply (a WhatsApp header line, an mbox envelope
line, a Telegram message at its fixed indent) cuts the file into byte ranges whose inner edges
are record starts, reads each range in its own process and joins the parts in file order.
Each part carries what it needs to number its records (the line or record count before it), so
locators, hashes and order are those a single pass would give; the readers' tests compare the
two. Workers are forked (no re-import, no pickled reader state) where the platform can fork.

``WHOA_PROCESSES=1`` in the environment turns it off (one process, the reference result).
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from ..errors import WorkerError

#: Below this many bytes a second process costs more than it saves.
MIN_BYTES = 4 << 20


def processes(size: int) -> int:
    """How many processes to read ``size`` bytes with: the cores, at most one per MIN_BYTES."""
    wanted = os.environ.get("WHOA_PROCESSES", "")
    cores = int(wanted) if wanted.isdigit() and int(wanted) > 0 else (os.cpu_count() or 1)
    return max(1, min(cores, size // MIN_BYTES))


def cut(size: int, parts: int, next_start: Callable[[int], int]) -> list[tuple[int, int]]:
    """``[0, size)`` as up to ``parts`` ranges whose inner edges are record starts.

    ``next_start(pos)`` is the first record start at or after ``pos`` (``size`` when none).
    Ranges that would be empty (one record longer than a share) are merged away.
    """
    edges = [0]
    for k in range(1, parts):
        edge = next_start(size * k // parts)
        if edges[-1] < edge < size:
            edges.append(edge)
    edges.append(size)
    return list(zip(edges, edges[1:]))


def _context() -> multiprocessing.context.BaseContext:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def run(func: Callable[..., Any], jobs: Sequence[tuple]) -> list:
    """``func(*job)`` for every job, in file order; the first here, the others in workers.

    The calling process takes the first job itself rather than idling while it waits: one
    process fewer, and one result less to copy back. ``func`` must be a module-level function
    (forked workers find it by name).
    """
    if len(jobs) <= 1:
        return [func(*job) for job in jobs]
    with ProcessPoolExecutor(max_workers=len(jobs) - 1, mp_context=_context()) as pool:
        futures = [pool.submit(func, *job) for job in jobs[1:]]
        first = func(*jobs[0])
        return [first] + [f.result() for f in futures]


def stream(func: Callable[..., Any], jobs: Iterable[tuple], workers: int) -> Iterator[Any]:
    """``func(*job)`` per job, in order, in ``workers`` processes, with at most ``workers``
    results pending (running or waiting to be taken): memory does not grow with the number of
    jobs, so a file of any size streams through."""
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_context())
    try:
        todo = iter(jobs)
        pending = deque(pool.submit(func, *job) for _, job in zip(range(workers), todo,
                                                                  strict=False))
        while pending:
            result = pending.popleft().result()
            job = next(todo, None)
            if job is not None:
                pending.append(pool.submit(func, *job))
            yield result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def beside(func: Callable[..., Any], *args: object) -> Callable[[], Any]:
    """Start ``func(*args)`` in a forked child; returns what waits for it and gives its
    result (or raises its error).

    The child shares this process's memory (a million-row frame is not copied or pickled);
    only the result comes back. Where processes cannot fork, it runs here and now.
    """
    if "fork" not in multiprocessing.get_all_start_methods():
        done = func(*args)
        return lambda: done
    receive, send = _context().Pipe(duplex=False)

    def child() -> None:
        try:
            send.send((True, func(*args)))
        except BaseException as exc:  # noqa: BLE001 - handed to the parent, raised there
            send.send((False, exc))

    proc = _context().Process(target=child, daemon=True)
    proc.start()
    send.close()

    def wait() -> Any:
        try:
            ok, value = receive.recv()
        except EOFError:
            proc.join()
            raise WorkerError(f"a process working beside this one stopped (exit code "
                              f"{proc.exitcode}); run again, or with more free memory") from None
        proc.join()
        if not ok:
            raise value
        return value
    return wait
