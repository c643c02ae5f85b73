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

import ctypes
import mmap
import multiprocessing
import os
import pickle
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pyarrow as pa

from ..errors import WorkerError

#: Below this many bytes a second process costs more than it saves.
MIN_BYTES = 4 << 20


def processes(size: int) -> int:
    """How many processes to read ``size`` bytes with: the cores, at most one per MIN_BYTES."""
    wanted = os.environ.get("WHOA_PROCESSES", "")
    cores = int(wanted) if wanted.isdigit() and int(wanted) > 0 else (os.cpu_count() or 1)
    return max(1, min(cores, size // MIN_BYTES))


def cut(size: int, parts: int, next_start: Callable[[int], int], *,
        lead: float = 1.0) -> list[tuple[int, int]]:
    """``[0, size)`` as up to ``parts`` ranges whose inner edges are record starts.

    ``next_start(pos)`` is the first record start at or after ``pos`` (``size`` when none).
    Ranges that would be empty (one record longer than a share) are merged away. ``lead``: the
    first range's share against each other one's (``run`` reads it in the calling process,
    which has no result to hand back, so it may take more).
    """
    edges = [0]
    total = lead + parts - 1
    for k in range(1, parts):
        edge = next_start(int(size * (lead + k - 1) / total))
        if edges[-1] < edge < size:
            edges.append(edge)
    edges.append(size)
    return list(zip(edges, edges[1:]))


def _context() -> multiprocessing.context.BaseContext:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def run(func: Callable[..., Any], jobs: Sequence[tuple], *, room: int = 0) -> list:
    """``func(*job)`` for every job, in file order; the first here, the others in workers.

    The calling process takes the first job itself rather than idling while it waits: one
    process fewer, and one result less to copy back. ``func`` must be a module-level function
    (forked workers find it by name). ``room``: bytes of shared memory each worker may hand its
    result's arrays back through (see ``_Outbox``); 0 sends results pickled.
    """
    if len(jobs) <= 1:
        return [func(*job) for job in jobs]
    boxes = [_Outbox(room) if room and _context().get_start_method() == "fork" else None
             for _ in jobs[1:]]
    _OUTBOXES[:] = boxes        # before the workers are forked: they find theirs by number
    try:
        with ProcessPoolExecutor(max_workers=len(jobs) - 1, mp_context=_context()) as pool:
            futures = [pool.submit(_shipped, k, func, job) for k, job in enumerate(jobs[1:])]
            first = func(*jobs[0])
            release_memory()            # before the workers' results arrive beside it
            return [first] + [_received(f.result(), box) for f, box in zip(futures, boxes)]
    finally:
        _OUTBOXES.clear()


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, where there is one."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


_TRIM = _malloc_trim()


def release_memory() -> None:
    """Give freed memory back to the system. Reading a range makes many short-lived arrays
    while the columns stay, and the allocators keep the freed pages between them resident
    (glibc's heap and Arrow's pool return them only when asked): a few hundred MB after a
    large file, and in each process reading one at the same time."""
    pa.default_memory_pool().release_unused()
    if _TRIM is not None:
        _TRIM(0)


# --- results handed back through shared memory -----------------------------------------------
# A pickled result exists four times at once: the worker's, its pickle, the pickle read here,
# and the arrays rebuilt from it. With pickle protocol 5, numpy and Arrow hand their buffers
# over separately; the worker copies them into memory shared with this process, sends only the
# small rest, and the arrays here are made over the shared memory without a copy.

_OUTBOXES: list[_Outbox | None] = []
_ALIGN = 64


class _Outbox:
    """Anonymous shared memory for one worker's result (address space only until written)."""

    def __init__(self, size: int) -> None:
        self.memory = mmap.mmap(-1, size)

    def put(self, result: Any) -> tuple[bytes, list[tuple[int, int]]] | None:
        """Pickle ``result`` with its buffers written here: (pickle, spans), or None when they
        do not fit."""
        buffers: list[pickle.PickleBuffer] = []
        head = pickle.dumps(result, protocol=5, buffer_callback=buffers.append)
        spans, at = [], 0
        for buffer in buffers:
            raw = buffer.raw()
            if at + raw.nbytes > len(self.memory):
                return None
            self.memory[at:at + raw.nbytes] = raw
            spans.append((at, raw.nbytes))
            at += -(-raw.nbytes // _ALIGN) * _ALIGN
        return head, spans

    def take(self, head: bytes, spans: list[tuple[int, int]]) -> Any:
        """The result, its arrays over the shared memory (which they keep alive)."""
        view = memoryview(self.memory)
        # our own forked worker's result, as the pool would have sent it pickled
        return pickle.loads(head, buffers=[view[at:at + size]  # noqa: S301
                                           for at, size in spans])


def _shipped(k: int, func: Callable[..., Any], job: tuple) -> tuple[bool, Any]:
    """In worker ``k``: ``func(*job)``, through its outbox where it has one and it fits."""
    result = func(*job)
    release_memory()                    # before the result is copied out
    box = _OUTBOXES[k] if k < len(_OUTBOXES) else None
    packed = box.put(result) if box is not None else None
    if packed is None:
        return False, result
    del result
    release_memory()                    # the worker waits for the pool's end: idle, not holding
    return True, packed


def _received(sent: tuple[bool, Any], box: _Outbox | None) -> Any:
    boxed, value = sent
    return box.take(*value) if boxed and box is not None else value


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
