"""report.html: self-contained, every value escaped, a CSP that forbids scripts and remote loads,
the sections the issue lists, the same bytes from the same inputs."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from whoa_analysis.reports import _content, html

from .conftest import ROWS, make_case, run_pack, twins

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


class Tags(HTMLParser):
    """Every start tag with its attributes, as a browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(page: str) -> list[tuple[str, dict]]:
    parser = Tags()
    parser.feed(page)
    return parser.tags


@pytest.fixture(scope="module")
def page(pack: Path) -> str:
    return (pack / "report.html").read_text(encoding="utf-8")


def test_the_csp_is_the_first_thing_in_head(page):
    head = page.split("<head>", 1)[1]
    assert head.startswith('\n<meta charset="utf-8">\n<meta http-equiv="Content-Security-Policy" '
                           f'content="{CSP}">')


def test_hostile_markup_never_becomes_a_tag(page):
    found = tags(page)
    names = {t for t, _ in found}
    assert "script" not in names and "a" not in {t for t, a in found if "href" in a
                                                 and not a["href"].startswith("#")}
    for tag, attrs in found:
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        if tag == "img":
            assert attrs["src"].startswith("data:image/png;base64,")
        if tag == "a":
            assert attrs["href"].startswith("#")
    assert "127.0.0.1" in page                        # shown as text...
    assert 'src="http' not in page and "javascript:" not in [a.get("href") for _, a in found]


def test_hostile_text_is_shown_escaped_exactly(page):
    assert "&lt;script&gt;document.title=&#x27;PWNED&#x27;" in page
    assert "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;script&gt;" in page
    assert "&lt;img src=x onerror=&quot;document.title=&#x27;PWNED&#x27;&quot;&gt;" in page
    assert "Volunteer &lt;script&gt;alert(1)&lt;/script&gt;" in page       # from the case file
    assert "[U+202E]evil" in page and "\u202e" not in page                # no reordering


def test_no_remote_reference_anywhere(page):
    attrs = [v for _, a in tags(page) for v in a.values() if v]
    assert not [v for v in attrs if re.match(r"\s*(https?:|//|javascript:)", v, re.I)]
    assert "@import" not in page and "url(" not in page


def test_sections_in_order(page):
    positions = [page.index(f'id="{anchor}"') for anchor, _ in _content.SECTIONS]
    assert positions == sorted(positions)
    for needle in ("Content warning", _content.NO_LEGAL, "Do not contact me in any way in the "
                   "future.", "Please stop.", "no email sources", "phone:+447700900789",
                   "no time in the export", "exports/incident_log.csv"):
        assert needle in page, needle


def test_the_stop_request_shows_utc_local_hash_and_receipt(page, pack):
    section = page[page.index('id="notice"'):page.index('id="victim"')]
    assert "2024-03-10T09:00:00Z (UTC); 2024-03-10 09:00:00 GMT (Europe/London)" in section
    assert re.search(r"<td>[0-9a-f]{64}</td>", section)
    assert "phrase &#x27;do not contact me&#x27;" in section
    assert "the respondent wrote in the same conversation after it" in section


def test_contacts_after_in_time_order_with_evidence_references(page):
    section = page[page.index('id="contacts"'):page.index('id="others"')]
    times = re.findall(r"<td class=\"nw\">(2024-03-\d\dT[\d:]+Z)</td>", section)
    assert times == sorted(times) and len(times) == 7
    assert len(re.findall(r"exports/incident_log.csv · line:\d+ · sha256 [0-9a-f]{64}",
                          section)) == 7


def test_charts_are_inline_pngs(page):
    images = [a["src"] for t, a in tags(page) if t == "img"]
    assert len(images) == 4 and all(s.startswith("data:image/png;base64,iVBOR") for s in images)


def test_same_inputs_same_bytes_and_only_the_stamp_differs(case_file, tmp_path):
    first, second, third = twins(case_file, tmp_path, 3)
    run_pack(first, tmp_path / "a")
    run_pack(second, tmp_path / "b")
    run_pack(third, tmp_path / "c", stamp="2030-01-01T00:00:00Z")
    a, b, c = ((tmp_path / x / "report.html").read_text(encoding="utf-8") for x in "abc")
    assert a == b
    assert a.replace("2024-04-01T12:00:00Z", "STAMP") == c.replace("2030-01-01T00:00:00Z",
                                                                   "STAMP")


def test_no_victim_messages_after_says_so_exactly(tmp_path):
    rows = [r for r in ROWS if r[5] != "Please stop."]
    case_file = make_case(tmp_path / "case", rows)
    run_pack(case_file, tmp_path / "pack")
    page = (tmp_path / "pack" / "report.html").read_text(encoding="utf-8")
    section = page[page.index('id="victim"'):page.index('id="contacts"')]
    assert '<p class="strong">none found in the sources listed</p>' in section


def test_render_refuses_unknown_blocks():
    report = _content.Report("t", "id", [object()])
    with pytest.raises(TypeError):
        html.render(report)


def test_large_tables_are_escaped_a_column_at_a_time_exactly_as_cell_by_cell():
    import random

    from whoa_analysis.reports import _content, html

    rng = random.Random(5)
    alphabet = list("ab <>&\"'\n\r\t{}") + ["\u202e", "\u200e", "\x00", "\x1f", "\x85", "\x9f",
                                            "\u2066", "é", "😀", "[U+202E]"]
    rows = [tuple("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 9)))
                  for _ in range(3)) for _ in range(html._COLUMN_ROWS + 50)]
    table = _content.Table(("a", "b", "c"), rows, (1, 1, 1), mono=(2,))
    opens = [html._open("td", i == 2) for i in range(3)]
    cell_by_cell = "".join("<tr>" + "".join(f"{o}{html._lines(v)}</td>" for o, v in zip(opens, r))
                           + "</tr>" for r in rows)
    assert html._table(table).decode("utf-8").endswith(f"<tbody>{cell_by_cell}</tbody></table>")


def test_the_column_pass_finds_every_character_visible_rewrites():
    import pyarrow as pa
    import pyarrow.compute as pc

    from whoa_analysis.reports import _content, html

    chars = [chr(i) for i in range(0x110000) if not 0xD800 <= i <= 0xDFFF]
    hits = pc.match_substring_regex(pa.array(chars, pa.large_string()), html._INVISIBLE_RE2)
    assert [ch for ch, hit in zip(chars, hits.to_pylist()) if hit] == \
        [ch for ch in chars if _content.visible(ch) != ch]
