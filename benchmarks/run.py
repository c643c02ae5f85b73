"""Time our readers beside the tools a user would pick instead, on the same files, in one run.

    python benchmarks/generate.py            # once: writes benchmarks/_data/ (about 750 MB)
    bash benchmarks/setup.sh                 # once: the peers, in benchmarks/_venv only
    python benchmarks/run.py                 # the table (markdown), also _data/results.json

Every measurement runs in its own process: the parent waits for it with ``os.wait4`` (its own
``ru_maxrss``) and samples the memory of it and its children every 100 ms (the sum of their
proportional set sizes, for readers that use both cores); the peak is the larger of the two.
``seconds`` is the whole process (interpreter start, imports, reading, building the table), as
a user would wait for it; ``work s`` is the call alone. A task that takes under ``REPEAT_UNDER``
seconds runs ``--repeat`` times (3) and the table gives the median run (its time and its peak),
with the fastest and slowest times beside it; results.json keeps every run. The slow peers and
the checks run once. Each input is read through once before its first task, so no task pays
for a cold page cache.

Our readers run in the project's interpreter (``--python``), the peers in the benchmark venv
(``--peer-python``); the stdlib and pandas baselines run in the project's.

This file imports only the standard library at module level: the child side imports what its
task needs, so the same file runs under either interpreter.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "_data"
PROJECT_PY = Path(sys.executable)
PEER_PY = HERE / "_venv" / "bin" / "python"
TZ = "Europe/London"
WA_HFORMAT = "%d/%m/%Y, %H:%M - %name:"


# ============================================================================ child side: tasks

def _ours(path: str, fmt: str) -> int:
    import importlib

    from whoa_analysis import readers

    if fmt in readers.READERS:
        df = readers.read(path, fmt, tz=TZ, date_order=None)
    else:   # a reader written but not registered yet: the same call, on its module
        df = importlib.import_module(f"whoa_analysis.readers.{fmt}").read(path, tz=TZ)
    return len(df)


def task_ours_whatsapp(data: Path) -> int:
    return _ours(str(data / "whatsapp.txt"), "whatsapp")


def task_ours_telegram(data: Path) -> int:
    return _ours(str(data / "telegram.json"), "telegram_json")


def task_ours_mbox(data: Path) -> int:
    return _ours(str(data / "mail.mbox"), "mbox")


def _ours_to_parquet(path: Path, fmt: str) -> int:
    """Our reader streaming into a Parquet file (row groups): the flat-memory path."""
    from whoa_analysis import readers

    with tempfile.TemporaryDirectory() as tmp:
        return readers.to_parquet(path, Path(tmp) / "messages.parquet", fmt, tz=TZ)


def task_ours_mbox_stream(data: Path) -> int:
    return _ours_to_parquet(data / "mail.mbox", "mbox")


def task_ours_mbox_large(data: Path) -> int:
    path = data / "mail_large.mbox"
    if not path.exists():
        raise SystemExit(f"{path.name} missing: run generate.py --only mbox_large")
    return _ours_to_parquet(path, "mbox")


def _pst_large(data: Path) -> Path:
    path = data / "mail_large.pst"
    if not path.exists():
        raise SystemExit(f"{path.name} missing: run generate.py --only pst_large")
    return path


def task_ours_pst_large(data: Path) -> int:
    return _ours_to_parquet(_pst_large(data), "pst")


def task_pypff_pst_large(data: Path) -> int:
    """libpff's own iteration, bare: every folder, every message's properties (the values
    our reader reads: record sets, recipients, attachments' bytes), no frame built."""
    import pypff

    store = pypff.file()
    store.open(str(_pst_large(data)))
    count, stack = 0, [store.get_root_folder()]
    while stack:
        folder = stack.pop()
        for i in range(folder.get_number_of_sub_messages()):
            m = folder.get_sub_message(i)
            for item in (m, m.recipients):
                for s in range(item.get_number_of_record_sets() if item else 0):
                    rs = item.get_record_set(s)
                    for e in range(rs.get_number_of_entries()):
                        rs.get_entry(e).get_data()
            for a in range(m.get_number_of_attachments()):
                att = m.get_attachment(a)
                att.read_buffer(att.get_size())
            count += 1
        stack.extend(folder.get_sub_folder(i) for i in range(folder.get_number_of_sub_folders()))
    store.close()
    return count


def _same_in_one_process(path: Path, fmt: str) -> tuple[int, dict]:
    """Our reader as it runs (both cores) against ``WHOA_PROCESSES=1``: the frames must match."""
    import pandas as pd

    from whoa_analysis import readers

    both = readers.read(path, fmt, tz=TZ)
    os.environ["WHOA_PROCESSES"] = "1"
    one = readers.read(path, fmt, tz=TZ)
    try:
        pd.testing.assert_frame_equal(both, one)
        equal = both.attrs == one.attrs
    except AssertionError:
        equal = False
    return len(both), {"equal": equal}


def task_equal_whatsapp(data: Path) -> tuple[int, dict]:
    return _same_in_one_process(data / "whatsapp.txt", "whatsapp")


def task_equal_telegram(data: Path) -> tuple[int, dict]:
    return _same_in_one_process(data / "telegram.json", "telegram_json")


def task_equal_mbox(data: Path) -> tuple[int, dict]:
    return _same_in_one_process(data / "mail.mbox", "mbox")


def task_whatstk_auto(data: Path) -> int:
    from whatstk import WhatsAppChat

    # max_size=None: whatstk refuses files over 50 MB unless told to read them whole.
    return len(WhatsAppChat.from_source(filepath=str(data / "whatsapp.txt"), max_size=None).df)


def task_whatstk_format(data: Path) -> int:
    from whatstk import WhatsAppChat

    return len(WhatsAppChat.from_source(filepath=str(data / "whatsapp.txt"),
                                        hformat=WA_HFORMAT, max_size=None).df)


def task_chatminer_whatsapp(data: Path) -> int:
    from chatminer.chatparsers import WhatsAppParser

    parser = WhatsAppParser(str(data / "whatsapp.txt"))
    parser.parse_file()
    return len(parser.parsed_messages.get_df(as_pandas=True))


def task_chatminer_telegram(data: Path) -> int:
    from chatminer.chatparsers import TelegramJsonParser

    parser = TelegramJsonParser(str(data / "telegram.json"))
    parser.parse_file()
    return len(parser.parsed_messages.get_df(as_pandas=True))


def task_regex_loop(data: Path) -> int:
    """The least a WhatsApp parser must do: split at header lines, join continuations."""
    import re

    import pandas as pd

    header = re.compile(r"(\d{2}/\d{2}/\d{4}), (\d{2}:\d{2}) - (?:([^:\n]+): )?(.*)")
    stamps, senders, texts = [], [], []
    with open(data / "whatsapp.txt", encoding="utf-8") as fh:
        for line in fh:
            m = header.match(line)
            if m:
                stamps.append(m.group(1) + " " + m.group(2))
                senders.append(m.group(3) or "")
                texts.append(m.group(4))
            elif texts:
                texts[-1] += "\n" + line.rstrip("\n")
    df = pd.DataFrame({"sent_at": pd.to_datetime(stamps, format="%d/%m/%Y %H:%M"),
                       "sender": senders, "text": texts})
    return len(df)


def task_read_csv(data: Path) -> int:
    import pandas as pd

    return len(pd.read_csv(data / "whatsapp.csv"))


def task_json_load(data: Path) -> int:
    """``json.load`` and one pass over the messages, taking time, sender and text."""
    with open(data / "telegram.json", encoding="utf-8") as fh:
        doc = json.load(fh)
    rows = []
    for m in doc["messages"]:
        text = m.get("text", "")
        if isinstance(text, list):
            text = "".join(p if isinstance(p, str) else p.get("text", "") for p in text)
        rows.append((int(m["date_unixtime"]), m.get("from", m.get("actor")), text))
    return len(rows)


def _mbox_bytes(data: Path):
    import mailbox

    box = mailbox.mbox(str(data / "mail.mbox"), create=False)
    for key in box.iterkeys():
        yield box.get_bytes(key)


def task_mbox_split(data: Path) -> int:
    return sum(1 for _ in _mbox_bytes(data))


def task_email_compat32(data: Path) -> int:
    import email
    import email.utils

    n = 0
    for raw in _mbox_bytes(data):
        msg = email.message_from_bytes(raw)
        _ = (msg["From"], msg["To"], msg["Subject"], msg["Message-ID"])
        if msg["Date"]:
            email.utils.parsedate_to_datetime(msg["Date"])
        for part in msg.walk():
            if not part.is_multipart():
                part.get_payload(decode=True)
        n += 1
    return n


def task_email_default(data: Path) -> int:
    import email
    from email import policy

    n = 0
    for raw in _mbox_bytes(data):
        msg = email.message_from_bytes(raw, policy=policy.default)
        _ = (str(msg["from"]), str(msg["to"]), str(msg["subject"]), msg["message-id"])
        date = msg["date"]
        _ = date.datetime if date is not None else None
        body = msg.get_body(preferencelist=("plain", "html"))
        if body is not None:
            body.get_content()
        for att in msg.iter_attachments():
            _ = (att.get_filename(), len(att.get_content()))
        n += 1
    return n


def task_mailparser(data: Path) -> int:
    import mailparser

    n = 0
    for raw in _mbox_bytes(data):
        mail = mailparser.parse_from_bytes(raw)
        _ = (mail.from_, mail.to, mail.subject, mail.date, mail.body, mail.attachments)
        n += 1
    return n


def _frame_digest(df) -> str:
    import hashlib

    import pandas as pd

    digest = hashlib.sha256()
    digest.update(repr(list(zip(df.columns, map(str, df.dtypes)))).encode())
    digest.update(pd.util.hash_pandas_object(df.astype(str), index=True).to_numpy().tobytes())
    return digest.hexdigest()


def _ingest(data: Path, workers: int) -> tuple[int, dict]:
    from whoa_analysis import case, ingest

    started = time.perf_counter()
    got = ingest.ingest(case.load(data / "case.toml"), workers=workers)
    work = time.perf_counter() - started
    digest = _frame_digest(got.messages)    # for the equality check; not part of the timing
    return len(got.messages), {"digest": digest, "work_s": work,
                               "digest_s": time.perf_counter() - started - work}


def task_ingest_1(data: Path) -> tuple[int, dict]:
    return _ingest(data, 1)


def task_ingest_2(data: Path) -> tuple[int, dict]:
    return _ingest(data, 2)


def task_report(data: Path) -> tuple[int, dict]:
    """``whoa report`` as a user runs it; the pack's PDF is checked for size and pages."""
    from whoa_analysis import cli

    out = data / "pack"
    with open(os.devnull, "w") as quiet:
        saved, sys.stdout = sys.stdout, quiet
        try:
            code = cli.main(["report", str(data / "case.toml"), "--out", str(out)])
        finally:
            sys.stdout = saved
    if code:
        raise SystemExit(f"whoa report exited {code}")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    extra = {"pdf_mb": round((out / "report.pdf").stat().st_size / 1e6, 2)}
    try:
        from pypdf import PdfReader

        extra["pdf_pages"] = len(PdfReader(str(out / "report.pdf")).pages)
    except ImportError:
        pass
    return int(summary["messages_total"]), extra


# ============================================================================ parent side

@dataclass(frozen=True)
class Task:
    name: str          # function name after 'task_'
    label: str         # what the table shows
    group: str         # input: whatsapp, telegram, mbox, mbox_large, pst_large, case
    peer: bool = False     # runs in the benchmark venv
    ours: bool = False     # the row the ratios compare against
    slow: bool = False     # skipped by --quick
    check: bool = False    # an equality check: listed under the table, not timed in it


TASKS = (
    Task("ours_whatsapp", "whoa_analysis whatsapp", "whatsapp", ours=True),
    Task("whatstk_auto", "whatstk (format detected)", "whatsapp", peer=True, slow=True),
    Task("whatstk_format", "whatstk (format given)", "whatsapp", peer=True, slow=True),
    Task("chatminer_whatsapp", "chat-miner WhatsAppParser", "whatsapp", peer=True, slow=True),
    Task("regex_loop", "minimal regex loop + to_datetime", "whatsapp"),
    Task("read_csv", "pandas.read_csv (same messages as CSV)", "whatsapp"),
    Task("equal_whatsapp", "whatsapp: both cores = one process", "whatsapp", check=True),
    Task("ours_telegram", "whoa_analysis telegram_json", "telegram", ours=True),
    Task("chatminer_telegram", "chat-miner TelegramJsonParser", "telegram", peer=True,
         slow=True),
    Task("json_load", "json.load + one pass", "telegram"),
    Task("equal_telegram", "telegram_json: both cores = one process", "telegram", check=True),
    Task("ours_mbox", "whoa_analysis mbox", "mbox", ours=True),
    Task("ours_mbox_stream", "whoa_analysis mbox -> Parquet row groups", "mbox"),
    Task("mbox_split", "mailbox.mbox, splitting only", "mbox"),
    Task("email_compat32", "mailbox + email (compat32)", "mbox", slow=True),
    Task("email_default", "mailbox + email (policy.default)", "mbox", slow=True),
    Task("mailparser", "mailbox + mail-parser", "mbox", peer=True, slow=True),
    Task("equal_mbox", "mbox: both cores = one process", "mbox", check=True),
    Task("ours_mbox_large", "whoa_analysis mbox -> Parquet row groups", "mbox_large",
         ours=True),
    Task("ours_pst_large", "whoa_analysis pst -> Parquet row groups", "pst_large", ours=True),
    Task("pypff_pst_large", "pypff (libpff) bare iteration", "pst_large"),
    Task("report", "whoa report (1M WhatsApp + 100k mails)", "case", ours=True),
    Task("ingest_1", "ingest(case, workers=1)", "case"),
    Task("ingest_2", "ingest(case, workers=2)", "case"),
)
#: Targets from issue 10: seconds and peak MB for our rows (None: no target).
TARGETS = {"ours_whatsapp": (3.0, 600), "ours_telegram": (8.0, 1000), "ours_mbox": (15.0, None),
           "ours_mbox_large": (None, 600), "ours_pst_large": (None, 600),
           "report": (60.0, None)}


def child(name: str, data: Path) -> None:
    """Run one task and print one JSON line: rows, work seconds, extras."""
    func = globals()[f"task_{name}"]
    started = time.perf_counter()
    result = func(data)
    work = time.perf_counter() - started
    rows, extra = result if isinstance(result, tuple) else (result, {})
    print("RESULT " + json.dumps({"rows": rows, "work_s": work, **extra}))


def _tree_pss(root: int) -> int:
    """Proportional set size of ``root`` and all its descendants (Linux ``/proc``; 0 elsewhere).

    PSS splits each page shared after ``fork`` among the processes sharing it, so the sum is the
    memory the tree really holds; summing RSS would count the parent's pages once per worker.
    """
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as fh:
                    ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
                for line in fh:
                    if line.startswith(b"Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except (OSError, ValueError, IndexError):
            continue
    return total


class _TreeSampler(threading.Thread):
    """The largest PSS sum over a process and its children, every 100 ms.

    ``ru_maxrss`` is one process's own peak: a reader working in two processes would look
    half its size. The table's peak is the larger of the two.
    """

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.1):
            self.peak = max(self.peak, _tree_pss(self.pid))


def measure(task: Task, data: Path, python: Path, log: Path) -> dict:
    """Run ``task`` in its own process; wall time and the peak memory of its process tree."""
    cmd = [str(python), str(Path(__file__).resolve()), "--child", task.name, "--data", str(data)]
    env = {**os.environ, "PYTHONHASHSEED": "0", "TQDM_DISABLE": "1"}
    load = os.getloadavg()[0]
    with open(log, "w") as out, open(log.with_suffix(".err"), "w") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=HERE.parent)
        sampler = _TreeSampler(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        sampler.done.set()
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    lines = [x for x in log.read_text().splitlines() if x.startswith("RESULT ")]
    if proc.returncode or not lines:
        lines = log.with_suffix(".err").read_text().strip().splitlines() or ["(no output)"]
        return {"task": task.name, "error": f"exit {proc.returncode}: {lines[-1][:200]}"}
    result = json.loads(lines[-1][len("RESULT "):])
    wall -= result.get("digest_s", 0)        # the equality digest is not the task's time
    own = usage.ru_maxrss / 1024
    return {"task": task.name, "label": task.label, "group": task.group, "seconds": wall,
            "peak_mb": max(own, sampler.peak / 2**20), "own_peak_mb": own, "load": load,
            **result}


#: Tasks quicker than this many seconds run ``--repeat`` times (the machine's speed varies).
REPEAT_UNDER = 20.0
#: The input file(s) of each group, read through before its first task.
INPUTS = {"whatsapp": ("whatsapp.txt",), "telegram": ("telegram.json",), "mbox": ("mail.mbox",),
          "mbox_large": ("mail_large.mbox",), "pst_large": ("mail_large.pst",),
          "case": ("whatsapp.txt", "mail.mbox")}


def warm(data: Path, group: str) -> None:
    """Read the group's inputs once, so the page cache holds them for every task alike."""
    for name in INPUTS.get(group, ()):
        path = data / name
        if path.exists():
            with open(path, "rb") as fh:
                while fh.read(16 << 20):
                    pass


def median_run(runs: list[dict]) -> dict:
    """The run of median time, with every run's time and peak beside it."""
    if any("error" in r for r in runs):
        return next(r for r in runs if "error" in r)
    ordered = sorted(runs, key=lambda r: r["seconds"])
    out = dict(ordered[(len(ordered) - 1) // 2])
    out["runs_s"] = [round(r["seconds"], 3) for r in runs]
    out["runs_peak_mb"] = [round(r["peak_mb"]) for r in runs]
    return out


def table(results: list[dict], files: dict[str, str]) -> str:
    """A markdown table: our row of each input first, then the others with our ratio."""
    lines = ["| input | tool | seconds | runs (s) | work s | rows | rows/s | peak MB "
             "| their s / our s | their MB / our MB | load |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    ours = {r["group"]: r for r in results if "error" not in r and _task(r["task"]).ours}
    for r in results:
        if _task(r["task"]).check:
            continue
        if "error" in r:
            lines.append(f"| {_task(r['task']).group} | {_task(r['task']).label} | failed: "
                         f"{r['error']} | | | | | | | | |")
            continue
        ref = ours.get(r["group"])
        if ref is r or ref is None:
            ratio = "(ours) | (ours)" if ref is r else " | "
        else:
            ratio = (f"{r['seconds'] / ref['seconds']:.2f} | "
                     f"{r['peak_mb'] / ref['peak_mb']:.2f}")
        rate = r["rows"] / r["work_s"] if r["work_s"] else 0
        rows = f"{r['rows']:,}" + (f" ({r['rows_note']})" if "rows_note" in r else "")
        runs = r.get("runs_s", [r["seconds"]])
        spread = (f"{min(runs):.2f}-{max(runs):.2f} ({len(runs)})" if len(runs) > 1 else "1 run")
        lines.append(f"| {files.get(r['group'], r['group'])} | {r['label']} | {r['seconds']:.2f} "
                     f"| {spread} | {r['work_s']:.2f} | {rows} | {rate:,.0f} | {r['peak_mb']:,.0f} "
                     f"| {ratio} | {r.get('load', 0):.1f} |")
    return "\n".join(lines)


def targets(results: list[dict]) -> list[str]:
    out = []
    for r in results:
        if r["task"] not in TARGETS or "error" in r:
            continue
        secs, mb = TARGETS[r["task"]]
        ok = (secs is None or r["seconds"] <= secs) and (mb is None or r["peak_mb"] <= mb)
        limit = " and ".join(([f"<= {secs:g} s"] if secs else []) + ([f"<= {mb} MB"] if mb else []))
        out.append(f"- {r['label']}: {r['seconds']:.2f} s, {r['peak_mb']:,.0f} MB "
                   f"(target {limit}): {'met' if ok else 'NOT met'}")
    for r in results:
        if _task(r["task"]).check:
            verdict = r["error"] if "error" in r else ("yes" if r["equal"] else "NO")
            out.append(f"- {r['label']} (same frame and assumptions): {verdict}")
    equal = {r["task"]: r.get("digest") for r in results if r["task"] in ("ingest_1", "ingest_2")}
    if len(equal) == 2:
        same = equal["ingest_1"] == equal["ingest_2"] and equal["ingest_1"] is not None
        out.append(f"- ingest workers=2 frame equal to workers=1: {'yes' if same else 'NO'}")
    return out


def _task(name: str) -> Task:
    return next(t for t in TASKS if t.name == name)


def _describe(data: Path) -> dict[str, str]:
    names = {"whatsapp": "whatsapp.txt", "telegram": "telegram.json", "mbox": "mail.mbox",
             "mbox_large": "mail_large.mbox", "pst_large": "mail_large.pst"}
    out = {}
    for group, name in names.items():
        path = data / name
        if path.exists():
            out[group] = f"{name} ({path.stat().st_size / 1e6:.0f} MB)"
    out["case"] = "case.toml"
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=DATA)
    p.add_argument("--python", type=Path, default=PROJECT_PY, help="interpreter for our code")
    p.add_argument("--peer-python", type=Path, default=PEER_PY,
                   help="interpreter of the benchmark venv (setup.sh)")
    p.add_argument("--only", action="append", help="groups or task names to run (repeatable)")
    p.add_argument("--quick", action="store_true", help="skip the slow baselines")
    p.add_argument("--repeat", type=int, default=3,
                   help=f"runs of each task quicker than {REPEAT_UNDER:g} s (median reported)")
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        child(args.child, args.data)
        return 0
    if not (args.data / "expected.json").exists():
        sys.exit(f"{args.data}: no inputs; run benchmarks/generate.py first")
    chosen = [t for t in TASKS if (not args.only or t.group in args.only or t.name in args.only)
              and not (args.quick and t.slow)]
    results, warmed = [], set()
    logs = Path(tempfile.mkdtemp(prefix="whoa-bench-"))
    for task in chosen:
        python = args.peer_python if task.peer else args.python
        if task.peer and not python.exists():
            results.append({"task": task.name, "error": "benchmark venv missing: run setup.sh"})
            continue
        if task.group not in warmed:
            warm(args.data, task.group)
            warmed.add(task.group)
        print(f"running {task.label} ...", file=sys.stderr, flush=True)
        runs = [measure(task, args.data, python, logs / f"{task.name}.out")]
        while (len(runs) < args.repeat and not (task.slow or task.check) and "error" not in runs[-1]
               and runs[0]["seconds"] < REPEAT_UNDER):
            runs.append(measure(task, args.data, python, logs / f"{task.name}.out"))
        result = median_run(runs)
        results.append(result)
        if "error" not in result:
            print(f"  {result['seconds']:.2f} s, {result['rows']:,} rows, "
                  f"{result['peak_mb']:,.0f} MB (runs: {result['runs_s']} s, "
                  f"{result['runs_peak_mb']} MB)", file=sys.stderr, flush=True)
        else:
            print(f"  {result['error']}", file=sys.stderr, flush=True)
    expected = json.loads((args.data / "expected.json").read_text())
    for r in results:
        want = expected.get(_task(r["task"]).group, {}).get("messages")
        if "error" not in r and want is not None and r["rows"] != want:
            r["rows_note"] = f"expected {want}"
    report = table(results, _describe(args.data)) + "\n\n" + "\n".join(targets(results))
    print(report)
    stamp = time.strftime("%Y-%m-%d", time.gmtime())
    (args.data / "results.json").write_text(json.dumps(
        {"date": stamp, "cpu_count": os.cpu_count(), "results": results}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
