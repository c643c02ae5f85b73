"""``report.html``: one self-contained file that cannot be turned against its reader.

Every value from the sources is escaped with :func:`html.escape` (nothing is built as markup from
data), a Content-Security-Policy forbids scripts and every remote load (images only as inline
``data:``), charts are inline PNGs, links in messages stay text. Anchors and class names are
fixed words, never data. The same inputs give the same bytes (the "generated" stamp is passed in).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Sequence
from html import escape
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from .. import i18n, schema
from . import _content as c

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
STYLE = """
body{font-family:"DejaVu Sans",Arial,sans-serif;font-size:13px;color:#111;margin:24px auto;
max-width:1180px;line-height:1.4}
h1{font-size:22px;border-bottom:2px solid #111;padding-bottom:4px}
h2{font-size:18px;border-bottom:1px solid #999;margin-top:32px;page-break-after:avoid}
h3{font-size:14px;margin-top:18px}
table{border-collapse:collapse;width:100%;margin:6px 0 12px}
th,td{border:1px solid #999;padding:3px 5px;vertical-align:top;text-align:left;
unicode-bidi:plaintext;overflow-wrap:break-word}
td.nw{white-space:nowrap}
th{background:#e8e8e8}
thead{display:table-header-group}
tr{page-break-inside:avoid}
table.kv th{width:28%;background:#f3f3f3;font-weight:bold}
.mono{font-family:"DejaVu Sans Mono",monospace;font-size:11px;word-break:break-all}
pre{white-space:pre-wrap;overflow-wrap:break-word;border:1px solid #999;background:#f7f7f7;
padding:8px;font-family:"DejaVu Sans Mono",monospace;font-size:12px;unicode-bidi:plaintext}
.warning{border-left:4px solid #111;padding:4px 8px;background:#f3f3f3}
.note{font-style:italic}
.strong{font-weight:bold}
figure{margin:12px 0;page-break-inside:avoid}
figure img{max-width:100%;border:1px solid #ccc}
figcaption{font-size:12px;font-style:italic}
nav ol{columns:2}
"""


def render(report: c.Report) -> str:
    """The report as one HTML document (text)."""
    return b"".join(_document(report)).decode("utf-8")


def write(report: c.Report, path: Path) -> Path:
    """Write the report a block at a time, as UTF-8: a report listing every contact is a few
    hundred MB, and as one Python string (four bytes a character once a single emoji is in
    it) it would take several times that."""
    with open(path, "wb") as fh:
        fh.writelines(_document(report))
    return Path(path)


def _document(report: c.Report) -> Iterator[bytes]:
    """The document's bytes, piece by piece (lines joined with '\n', ending with one)."""
    _ = i18n.translator(report.language)
    # The language code is a fixed word checked against i18n.LANGUAGES, never data.
    head = ["<!DOCTYPE html>", f'<html lang="{escape(report.language)}">', "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
            '<meta name="referrer" content="no-referrer">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(report.title)}</title>", f"<style>{STYLE}</style>",
            "</head>", "<body>", _contents(_)]
    yield "\n".join(head).encode("utf-8")
    for block in report.blocks:
        yield b"\n"
        yield _block(block)
    tail = ["", f'<p class="note">{escape(_("Report id {rid}.").format(rid=report.report_id))}'
            "</p>", "</body>",
            "</html>", ""]
    yield "\n".join(tail).encode("utf-8")


def _contents(_: i18n.Translate) -> str:
    items = "".join(f'<li><a href="#{a}">{escape(_(t))}</a></li>' for a, t in c.SECTIONS)
    return f'<nav aria-label="{escape(_("contents"))}"><ol>{items}</ol></nav>'


def _block(block: c.Block) -> bytes:
    if isinstance(block, c.Table):
        return _table(block)
    return _small_block(block).encode("utf-8")


def _small_block(block: c.Block) -> str:
    if isinstance(block, c.Heading):
        anchor = f' id="{escape(block.anchor)}"' if block.anchor else ""
        return f"<h{block.level}{anchor}>{escape(block.text)}</h{block.level}>"
    if isinstance(block, c.Para):
        cls = f' class="{block.style}"' if block.style else ""
        return f"<p{cls}>{_lines(block.text)}</p>"
    if isinstance(block, c.Pre):
        return f"<pre>{_escape(block.text)}</pre>"
    if isinstance(block, c.Image):
        data = base64.b64encode(block.png).decode("ascii")
        return (f'<figure><img alt="{escape(block.caption)}" '
                f'src="data:image/png;base64,{data}"><figcaption>{escape(block.caption)}'
                "</figcaption></figure>")
    raise TypeError(f"unknown report block {type(block).__name__}")


def _escape(value: str) -> str:
    return escape(c.visible(value))


def _lines(value: str) -> str:
    # Escaping and `visible` neither make nor take a newline, so escaping the whole value and
    # then marking its line ends is the same as escaping line by line.
    return _escape(value).replace("\n", "<br>")


def _open(tag: str, mono: bool, nowrap: bool = False) -> str:
    classes = " ".join(name for name, on in (("mono", mono), ("nw", nowrap)) if on)
    cls = f' class="{classes}"' if classes else ""
    return f"<{tag}{cls}>"


def _cell(tag: str, value: str, mono: bool, nowrap: bool = False) -> str:
    return f"{_open(tag, mono, nowrap)}{_lines(value)}</{tag}>"


def _table(table: c.Table) -> bytes:
    """A table as UTF-8 (large ones are made in Arrow, which holds UTF-8 already)."""
    if table.key_value:
        rows = "".join(f"<tr>{_cell('th', k, False)}{_cell('td', v, False)}</tr>"
                       for k, v in table.rows)
        return f'<table class="kv"><tbody>{rows}</tbody></table>'.encode()
    head = "".join(f"<th>{escape(col)}</th>" for col in table.columns)
    # The cell's opening tag depends on its column only: made once per column, not per cell
    # (the contact tables list every row).
    rows = table.rows
    width = max([len(table.columns), *(map(len, rows) if not isinstance(rows, c.ColumnRows)
                                       else [len(rows.columns)])])
    opens = [_open("td", i in table.mono, i in table.nowrap) for i in range(width)]
    body = _column_rows(table.rows, opens)
    if body is None:
        body = "".join("<tr>" + "".join(f"{o}{_lines(v)}</td>" for o, v in zip(opens, row))
                       + "</tr>" for row in table.rows).encode("utf-8")
    return (f"<table><thead><tr>{head}</tr></thead><tbody>".encode() + body
            + b"</tbody></table>")


#: What ``visible`` rewrites, for RE2: cells holding none need no Python pass.
_INVISIBLE_RE2 = (r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x{9f}\x{200e}\x{200f}"
                  r"\x{202a}-\x{202e}\x{2066}-\x{2069}]")
#: html.escape(quote=True) as literal replacements, '&' first.
_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#x27;"),
            ("\n", "<br>"))
#: Tables smaller than this are laid out cell by cell.
_COLUMN_ROWS = 500


def _column_rows(rows: Sequence[tuple], opens: list[str]) -> bytes | None:
    """The ``<tr>`` rows of a table, made a column at a time in Arrow (a contact table can
    have a hundred thousand rows): each column's cells as ``_lines`` writes them, joined
    row-wise between their tags. None where the table is small or not plain text rows."""
    if isinstance(rows, c.ColumnRows):
        columns = rows.columns if len(rows.columns) == len(opens) and len(rows) else None
    elif len(rows) < _COLUMN_ROWS or any(len(r) != len(opens) for r in rows):
        columns = None
    else:
        columns = list(zip(*rows))
    if columns is None:
        return None
    pieces: list = ["<tr>"]
    for values, tag in zip(columns, opens):
        cells = _column_cells(values)
        if cells is None:
            return None
        pieces += [tag, cells, "</td>"]
    return schema.values_bytes(schema.joined(*pieces, "</tr>"))


def _column_cells(values: tuple | pa.Array) -> pa.Array | None:
    """``_lines`` of every value of one column, in Arrow (None: not all text)."""
    try:
        col = values if isinstance(values, pa.Array) else pa.array(values, pa.large_string())
    except (pa.ArrowException, TypeError, UnicodeEncodeError):  # not text; a surrogate
        return None
    if col.null_count:
        return None
    odd = pc.match_substring_regex(col, _INVISIBLE_RE2).to_numpy(zero_copy_only=False)
    if odd.any():
        fixed = [c.visible(v) if hit else v for v, hit in zip(col.to_pylist(), odd.tolist())]
        col = pa.array(fixed, pa.large_string())
    for plain, escaped in _ESCAPES:
        col = pc.replace_substring(col, plain, escaped)
    return col
