"""Every long step hands its work items to the progress wrapper (a bar on a terminal)."""

from __future__ import annotations

from tests.helpers import make_case
from whoa_analysis import case as case_mod
from whoa_analysis import pipeline

LOG = ("2024-03-11 19:05,Europe/London,phone,phone:07700 900456,person:dana,call,rang,\n"
       "2024-03-12 09:00,Europe/London,letter,person:rob,person:dana,text,a letter,\n")


class Recorder:
    """A progress wrapper that remembers what it was given, and its length."""

    def __init__(self) -> None:
        self.seen: list[list] = []

    def __call__(self, items):
        items = list(items)
        self.seen.append(items)
        return items


def test_hashing_reading_and_analysing_report_their_items(tmp_path):
    case = case_mod.load(make_case(tmp_path, LOG))
    hashing, reading, stages = Recorder(), Recorder(), Recorder()
    pipeline.ensure_evidence(case, say=lambda _: None, progress=hashing)     # intake
    pipeline.ensure_evidence(case, say=lambda _: None, progress=hashing)     # verify
    assert [[p.name for p in files] for files in hashing.seen] == [["log.csv"], ["log.csv"]]
    prepared = pipeline.prepare(case, progress=reading, stages=stages)
    assert reading.seen == [[0]]                       # one source, by index
    assert stages.seen == [["accounts", "analysis"]]
    assert prepared.analysis.summary["messages_total"] == 2


def test_reading_in_two_processes_gives_the_bar_a_total(tmp_path):
    sources = ('[[sources]]\npath = "exports/log.csv"\nformat = "incident_log"\n'
               'timezone = "Europe/London"\n\n[[sources]]\npath = "exports/log.csv"\n'
               'format = "incident_log"\ntimezone = "Europe/London"\n')
    case = case_mod.load(make_case(tmp_path, LOG, sources=sources))
    reading = Recorder()
    pipeline.prepare(case, workers=2, progress=reading, stages=lambda s: s)
    assert len(reading.seen) == 1 and len(reading.seen[0]) == 2     # both sources, counted


def test_sources_whose_reader_uses_every_core_are_read_in_turn(tmp_path, monkeypatch):
    from whoa_analysis import ingest

    chat = tmp_path / "exports" / "chat.txt"
    chat.parent.mkdir(parents=True)
    chat.write_text("16/03/2024, 18:05 - Rob: Are you there?\n", encoding="utf-8")
    sources = ('[[sources]]\npath = "exports/log.csv"\nformat = "incident_log"\n'
               'timezone = "Europe/London"\n\n[[sources]]\npath = "exports/chat.txt"\n'
               'format = "whatsapp"\ntimezone = "Europe/London"\n')
    case = case_mod.load(make_case(tmp_path, LOG, sources=sources))

    def no_pool(*args, **kwargs):
        raise AssertionError("a pool was started beside a reader that uses every core")

    monkeypatch.setattr(ingest, "ProcessPoolExecutor", no_pool)
    got = ingest.ingest(case, workers=2)
    assert len(got.messages) == 3
