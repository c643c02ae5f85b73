"""Cutting a file into ranges at record starts, and running the parts in order."""

from __future__ import annotations

from whoa_analysis.readers import _parallel


def _starts_in(data: bytes):
    """A record starts after each newline (and at 0)."""
    def next_start(pos: int) -> int:
        if pos == 0:
            return 0
        at = data.find(b"\n", pos - 1)
        return len(data) if at < 0 else at + 1
    return next_start


def test_ranges_cover_the_file_and_start_at_records():
    data = b"".join(b"record %d\n" % i for i in range(1000))
    ranges = _parallel.cut(len(data), 4, _starts_in(data))
    assert len(ranges) == 4
    assert ranges[0][0] == 0 and ranges[-1][1] == len(data)
    assert all(a == b for (_, a), (b, _) in zip(ranges, ranges[1:]))      # no gap, no overlap
    assert all(data[a - 1:a] == b"\n" for a, _ in ranges[1:])
    assert b"".join(data[a:b] for a, b in ranges) == data


def test_the_first_range_takes_its_lead_share():
    data = b"".join(b"record %04d\n" % i for i in range(1000))      # 12 bytes a record
    first, second = _parallel.cut(len(data), 2, _starts_in(data), lead=1.5)
    assert first == (0, 7200) and second == (7200, len(data))       # 1.5 : 1 = 60 : 40


def test_a_record_longer_than_a_share_gives_fewer_ranges_never_empty_ones():
    data = b"x" * 1000 + b"\nlast\n"
    ranges = _parallel.cut(len(data), 4, _starts_in(data))
    assert ranges == [(0, 1001), (1001, len(data))]


def test_processes_follow_the_size_and_the_environment(monkeypatch):
    monkeypatch.delenv("WHOA_PROCESSES", raising=False)
    assert _parallel.processes(100) == 1                       # too small to be worth it
    monkeypatch.setenv("WHOA_PROCESSES", "1")
    assert _parallel.processes(1 << 30) == 1
    monkeypatch.setenv("WHOA_PROCESSES", "3")
    assert _parallel.processes(1 << 30) == 3


def _square_and_pid(x: int) -> tuple[int, int]:
    import os

    return x * x, os.getpid()


def test_run_keeps_job_order_across_processes():
    import os

    got = _parallel.run(_square_and_pid, [(k,) for k in range(5)])
    assert [v for v, _ in got] == [0, 1, 4, 9, 16]
    assert any(pid != os.getpid() for _, pid in got)            # really in other processes
    assert _parallel.run(_square_and_pid, [(7,)]) == [(49, os.getpid())]   # one job: here


def _columns(k: int) -> dict:
    import numpy as np
    import pyarrow as pa

    return {"k": k, "numbers": np.arange(k * 1000, k * 1000 + 50_000),
            "text": pa.array([f"row {i} of job {k}" for i in range(20_000)], pa.large_string()),
            "sliced": pa.array([f"s{i}" for i in range(100)], pa.large_string()).slice(10, 5)}


def _is_shared(values) -> bool:
    """True when a numpy array's memory is the shared memory (an mmap) rather than a copy."""
    import mmap

    import numpy as np

    base = values
    while isinstance(base, np.ndarray):
        base = base.base
    return isinstance(base, memoryview) and isinstance(base.obj, mmap.mmap)


def test_results_come_back_through_shared_memory_unchanged():
    import numpy as np

    plain = _parallel.run(_columns, [(k,) for k in range(3)])
    shared = _parallel.run(_columns, [(k,) for k in range(3)], room=8 << 20)
    for a, b in zip(plain, shared):
        assert a["k"] == b["k"]
        np.testing.assert_array_equal(a["numbers"], b["numbers"])
        assert a["text"].equals(b["text"]) and a["sliced"].equals(b["sliced"])
    assert _is_shared(shared[1]["numbers"]) and _is_shared(shared[2]["numbers"])
    assert not _is_shared(plain[1]["numbers"])
    assert not _parallel._OUTBOXES                  # nothing left for the next run


def test_a_result_larger_than_the_room_comes_back_pickled():
    shared = _parallel.run(_columns, [(0,), (1,)], room=4096)
    assert shared[1]["text"].equals(_columns(1)["text"]) and not _is_shared(shared[1]["numbers"])
    assert list(shared[1]["numbers"][:2]) == [1000, 1001]
