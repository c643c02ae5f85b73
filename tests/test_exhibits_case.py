"""Exhibits in a case: a pinned screenshot counts exactly like any other contact, an unpinned
one is listed as undetermined, and the report shows each image as a thumbnail."""

from __future__ import annotations

import base64
import json
import os

import pytest

from whoa_analysis import case as case_mod
from whoa_analysis import pipeline
from whoa_analysis.errors import CaseError

from .helpers import make_case

pytest.importorskip("PIL")
from PIL import Image  # noqa: E402

LOG = """\
2024-03-10 09:00,,email,person:dana,person:rob,message,Do not contact me in any way in the future.,
2024-03-12 19:05,,phone,phone:07700 900456,person:dana,call,Missed call,
"""
SOURCES = """\
[[sources]]
path = "exports/log.csv"
format = "incident_log"
owner = "dana"
timezone = "Europe/London"

[[sources]]
path = "exports/screens"
format = "exhibits"
owner = "dana"
"""
PIN = """
[[exhibits]]
path = "exports/screens/story.png"
platform = "instagram"
sender = "person:rob"
recipient = "person:dana"
time = "2024-03-13 20:15"
timezone = "Europe/London"
text = "You can't block me forever"
"""


def _case(tmp_path, pin: str = PIN):
    screens = tmp_path / "exports" / "screens"
    screens.mkdir(parents=True)
    Image.new("RGB", (90, 160), (200, 30, 30)).save(screens / "story.png")
    Image.new("RGB", (90, 160), (30, 30, 200)).save(screens / "later.png")
    return case_mod.load(make_case(tmp_path, LOG, extra=pin, sources=SOURCES))


def _analysis(case):
    pipeline.ensure_evidence(case, say=lambda *_: None)
    return pipeline.prepare(case).analysis


def test_a_pinned_exhibit_counts_like_any_other_contact(tmp_path):
    pinned = _analysis(_case(tmp_path / "pinned")).summary
    plain = _analysis(_case(tmp_path / "plain", pin="")).summary
    after, before = pinned["respondent_contacts_after_notice"], \
        plain["respondent_contacts_after_notice"]
    assert before["total"] == 1 and before["by_platform"] == {"phone": 1}
    assert after["total"] == 2
    assert after["by_platform"] == {"phone": 1, "instagram": 1}
    assert after["last_at"] == "2024-03-13T20:15:00Z"
    # An unpinned image is no one's message: it changes no count.
    assert plain["undetermined"] == pinned["undetermined"] == 0


def test_an_unpinned_image_without_metadata_is_listed_undetermined(tmp_path):
    rows = _analysis(_case(tmp_path)).messages
    later = rows[rows["attachments"] == "later.png"].iloc[0]
    assert later["period"] == "undetermined"
    assert later["undetermined_reason"] == "no time in the export"
    assert later["direction"] == "other" and later["sender"] == ""


def test_ocr_text_with_a_stop_phrase_suggests_a_pin_and_counts_nothing(tmp_path):
    from whoa_analysis.readers import exhibits

    if exhibits.ocr_engine() is None and not os.environ.get("CI"):
        pytest.skip("no OCR engine: pip install 'whoa_analysis[exhibits]'")
    from .readers.test_exhibits import chat_screenshot

    case = _case(tmp_path, pin="")
    chat_screenshot(case.folder / "exports" / "screens" / "later.png")
    analysis = _analysis(case)
    assert analysis.summary["notice"]["platform"] == "email"     # the log's request, not OCR
    assert analysis.summary["undetermined"] == 0
    out = tmp_path / "pack"
    pipeline.write_pack(pipeline.prepare(case), out, say=lambda *_: None)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "holds the stop phrase" in html and "pin it in the case file" in html


def test_a_pin_naming_an_unknown_person_is_a_case_error(tmp_path):
    with pytest.raises(CaseError, match=r"exhibits\[0\]\.sender: 'bob' is not a person id"):
        _case(tmp_path, PIN.replace("person:rob", "person:bob"))


def test_a_pin_time_without_offset_or_zone_is_a_case_error(tmp_path):
    with pytest.raises(CaseError, match=r"exhibits\[0\]\.time: .* has no offset"):
        _case(tmp_path, PIN.replace('timezone = "Europe/London"\n', ""))


def test_the_report_shows_each_image_as_a_thumbnail(tmp_path):
    case = _case(tmp_path)
    pipeline.ensure_evidence(case, say=lambda *_: None)
    out = tmp_path / "pack"
    pipeline.write_pack(pipeline.prepare(case), out, say=lambda *_: None)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Screenshots, photos and recordings" in html
    shown = [chunk.split('"', 1)[0] for chunk in html.split('src="data:image/png;base64,')[1:]]
    sizes = []
    for data in shown:
        import io

        with Image.open(io.BytesIO(base64.b64decode(data))) as img:
            sizes.append(img.size)
    assert (90, 160) in sizes                                   # small images stay their size
    assert "pinned: person:rob" in html or "pinned: " in html
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["respondent_contacts_after_notice"]["by_platform"]["instagram"] == 1
