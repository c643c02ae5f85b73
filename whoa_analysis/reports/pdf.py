"""``report.pdf`` with fpdf2 (pure Python): the same sections as the HTML report.

Text is set in the DejaVu fonts matplotlib ships, so no system package is needed; a character
the font cannot draw (CJK, most emoji, control characters) is printed as ``[U+XXXX]`` instead of
vanishing. Tables break across pages and repeat their header row. The creation date is the
report's injected "generated" stamp, so the same inputs give the same bytes.

Long tables (the contact rows, up to ``report.max_pdf_rows`` of them) are drawn row by row with
a height fixed from their own lines rather than through fpdf2's ``Table``, which lays out every
cell with ``multi_cell`` and took minutes for a thousand rows; a cell longer than the table's
``max_lines`` ends in "…" (the CSV files and report.html keep it whole).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

import matplotlib
from fpdf import FPDF, FontFace, XPos, YPos

from .. import i18n
from ..charts._common import drawable
from ..i18n import N_
from . import _content as c

_FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
SANS = _FONTS / "DejaVuSans.ttf"
SANS_BOLD = _FONTS / "DejaVuSans-Bold.ttf"
MONO = _FONTS / "DejaVuSansMono.ttf"
CELL_LIMIT = 700          # characters per PDF table cell: a row must fit on one page
GREY = (232, 232, 232)
LINE_H = 3.3              # mm per line in a table cell
PAD = 0.8                 # mm around a cell's text
FAST_ROWS = 200           # a table with more rows than this is drawn the fast way
CUT = "…"
CUT_NOTE = N_("Cells ending in … are cut to fit the page; messages.csv, the other CSV files "
              "and report.html hold every value in full.")


#: What a table cell must never break across lines: an account key (``email:rob@example.net``,
#: ``discord:robz``, ``phone:+447700900456``), up to the space, bracket or separator after it.
ACCOUNT_KEY = re.compile(r"\b[a-z][a-z0-9_]*:[^\s()\[\],;]+")


class _Doc(FPDF):
    footer_text = ""
    language = "en"
    page_words = "page {page} of {pages}"

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Sans", size=7)
        page = self.page_words.format(page=self.page_no(), pages="{nb}")
        self.cell(0, 5, f"{self.footer_text} · {page}", align="C")


def stamp(generated_at: str) -> dt.datetime:
    """The ISO 8601 UTC stamp as an aware datetime (the PDF's creation date)."""
    return dt.datetime.fromisoformat(generated_at.replace("Z", "+00:00")).astimezone(dt.UTC)


def render(report: c.Report, generated_at: str, *, compress: bool = True) -> bytes:
    """The report as PDF bytes."""
    pdf = _Doc(orientation="P", unit="mm", format="A4")
    pdf.set_compression(compress)
    pdf.add_font("Sans", "", str(SANS))
    pdf.add_font("Sans", "B", str(SANS_BOLD))
    pdf.add_font("Mono", "", str(MONO))
    pdf.set_creation_date(stamp(generated_at))
    pdf.set_title(drawable(report.title))
    pdf.set_creator("whoa_analysis")
    pdf.set_producer("whoa_analysis (fpdf2)")
    _ = i18n.translator(report.language)
    pdf.language = report.language
    pdf.footer_text = drawable(f"{report.title} · " + _("report id {rid}").format(
        rid=report.report_id))[:150]
    pdf.page_words = _("page {page} of {pages}")
    pdf.set_auto_page_break(True, margin=16)
    pdf.set_margins(12, 12, 12)
    pdf.add_page()
    for block in report.blocks:
        _block(pdf, block)
    return bytes(pdf.output())


def write(report: c.Report, path: Path, generated_at: str) -> Path:
    Path(path).write_bytes(render(report, generated_at))
    return Path(path)


def _block(pdf: FPDF, block: c.Block) -> None:
    if isinstance(block, c.Heading):
        _heading(pdf, block)
    elif isinstance(block, c.Para):
        _para(pdf, block)
    elif isinstance(block, c.Pre):
        pdf.set_font("Mono", size=7)
        pdf.set_fill_color(247, 247, 247)
        # Line ends and tabs as layout (the HTML report and the pack's tables keep them exact).
        shown = block.text.replace("\r\n", "\n").replace("\t", "    ")
        pdf.multi_cell(0, 3.4, drawable(shown, MONO) or " ", border=1, fill=True,
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)
    elif isinstance(block, c.Table):
        if not block.key_value and (block.max_lines or len(block.rows) > FAST_ROWS):
            _fast_table(pdf, block)
        else:
            _table(pdf, block)
    elif isinstance(block, c.Image):
        _image(pdf, block)
    else:
        raise TypeError(f"unknown report block {type(block).__name__}")


def _heading(pdf: FPDF, block: c.Heading) -> None:
    size = {1: 16, 2: 13, 3: 10.5}.get(block.level, 10)
    if block.level == 2 and block.anchor != "cover" and pdf.y > pdf.h * 0.72:
        pdf.add_page()                   # keep a section title with its first lines
    pdf.ln(3 if block.level > 1 else 0)
    pdf.set_font("Sans", "B", size)
    pdf.multi_cell(0, size * 0.5, drawable(block.text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if block.level <= 2:
        pdf.line(pdf.l_margin, pdf.y, pdf.w - pdf.r_margin, pdf.y)
    pdf.ln(1.5)


def _para(pdf: FPDF, block: c.Para) -> None:
    style = "B" if block.style in ("strong", "warning") else ""
    pdf.set_font("Sans", style, 8.5)
    fill = block.style == "warning"
    if fill:
        pdf.set_fill_color(*GREY)
    if block.style == "lead" and pdf.y > pdf.h - 45:
        pdf.add_page()                   # keep "verbatim:" with the text it introduces
    pdf.multi_cell(0, 4.2, drawable(block.text), fill=fill, align="L", new_x=XPos.LMARGIN,
                   new_y=YPos.NEXT)
    pdf.ln(1.5)


def _cell_text(value: str, mono: bool) -> str:
    value = value if len(value) <= CELL_LIMIT else value[:CELL_LIMIT] + " […]"
    return drawable(value, MONO if mono else SANS) or " "


def _size(table: c.Table) -> float:
    return 6.8 if len(table.columns) > 4 else 7.8


def fitted_widths(pdf: FPDF, table: c.Table) -> list[float]:
    """Column widths (mm) from the table's weights, widened where a header word or an account
    key in a cell would not fit on one line, taking the room from columns that have it: a
    reader must never see ``email:rob@exam`` / ``ple.net`` or ``warn`` / ``ings``. The short
    columns (``nowrap``: times, channel, kind) keep every word whole too. Hashes and ids (mono)
    may break; where there is no room at all the weights stand."""
    weights = table.widths or tuple(1 for _ in table.columns)
    widths = [pdf.epw * w / sum(weights) for w in weights]
    need = [0.0] * len(widths)
    size = _size(table)
    if not table.key_value:
        pdf.set_font("Sans", "B", size)
        for i, col in enumerate(table.columns[:len(need)]):
            need[i] = max((pdf.get_string_width(w) for w in drawable(col).split()), default=0)
    for i, cells in enumerate(zip(*table.rows)):
        if i >= len(need) or i in table.mono:
            continue
        pdf.set_font("Sans", "B" if table.key_value and i == 0 else "", size)
        if i in table.nowrap or (table.key_value and i == 0):   # times, channel, kind, and
            # a fact's label: no word cut in two
            keys = {word for cell in cells for word in str(cell or "").split()}
        else:
            keys = {k for cell in cells for k in ACCOUNT_KEY.findall(str(cell or ""))}
        need[i] = max([need[i], *(pdf.get_string_width(drawable(k)) for k in keys)])
    return _share(widths, [n + 2 * PAD + 0.5 if n else 0.0 for n in need])


def _share(widths: list[float], need: list[float]) -> list[float]:
    """``widths`` with each column at least its ``need``, the extra taken from the columns
    wider than theirs in proportion to their spare room (unchanged if that is not enough)."""
    short = sum(max(n - w, 0.0) for w, n in zip(widths, need))
    spare = [max(w - n, 0.0) for w, n in zip(widths, need)]
    if not short or sum(spare) < short:
        return widths
    cut = short / sum(spare)
    return [max(n, w - s * cut) for w, n, s in zip(widths, need, spare)]


def _table(pdf: FPDF, table: c.Table) -> None:
    widths = fitted_widths(pdf, table)
    pdf.set_font("Sans", size=_size(table))
    heading = FontFace(emphasis="BOLD", fill_color=GREY)
    mono = FontFace(family="Mono", size_pt=6.3)
    with pdf.table(col_widths=widths, first_row_as_headings=not table.key_value,
                   repeat_headings=1, text_align="LEFT", line_height=3.3,
                   headings_style=heading, padding=0.8) as out:
        if not table.key_value:
            row = out.row()
            for col in table.columns:
                row.cell(drawable(col))
        for values in table.rows:
            row = out.row()
            for i, value in enumerate(values):
                if table.key_value and i == 0:
                    row.cell(_cell_text(value, False), style=FontFace(emphasis="BOLD"))
                elif i in table.mono:
                    row.cell(_cell_text(value, True), style=mono)
                else:
                    row.cell(_cell_text(value, False))
    pdf.ln(2)


def _image(pdf: FPDF, block: c.Image) -> None:
    pdf.image(io.BytesIO(block.png), w=block.width_mm or pdf.epw)
    pdf.set_font("Sans", "", 7.5)
    pdf.multi_cell(0, 3.8, drawable(block.caption), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)


# --- long tables, drawn directly -------------------------------------------------------------

@dataclass(frozen=True, eq=False)           # compared and hashed by identity
class _Face:
    """A font at a size, with the character widths fpdf2 itself measures text with."""
    family: str
    style: str
    size_pt: float
    widths: dict[int, float]
    mm_per_unit: float

    @classmethod
    def of(cls, pdf: FPDF, family: str, style: str, size_pt: float) -> _Face:
        pdf.set_font(family, style, size_pt)
        return cls(family, style, size_pt, pdf.current_font.cw, size_pt * 0.001 / pdf.k)

    def use(self, pdf: FPDF) -> None:
        pdf.set_font(self.family, self.style, self.size_pt)

    def wrap(self, value: str, width: float, max_lines: int) -> tuple[list[str], bool]:
        """``value`` in lines no wider than ``width`` mm (at spaces where there is one, else
        mid-word), and whether it was cut to ``max_lines`` (0: never)."""
        limit = width / self.mm_per_unit
        lines: list[str] = []
        for para in value.split("\n"):
            cum = [0, *accumulate(self.widths[ord(ch)] for ch in para)]
            start, end_all = 0, len(para)
            while True:
                end = bisect_right(cum, cum[start] + limit) - 1
                if end >= end_all:
                    lines.append(para[start:])
                    break
                end = max(end, start + 1)
                space = para.rfind(" ", start, end + 1)
                if space > start:
                    lines.append(para[start:space])
                    start = space + 1
                else:
                    lines.append(para[start:end])
                    start = end
                if max_lines and len(lines) > max_lines:
                    break
            if max_lines and len(lines) > max_lines:
                return self._cut(lines[:max_lines], limit), True
        return lines, False

    def _cut(self, lines: list[str], limit: float) -> list[str]:
        """The last line shortened until it and the cut mark fit."""
        last, mark = lines[-1], self.widths[ord(CUT)]
        while last and sum(self.widths[ord(ch)] for ch in last) + mark > limit:
            last = last[:-1]
        return [*lines[:-1], last.rstrip() + CUT]


def _fast_table(pdf: FPDF, table: c.Table) -> None:
    """The table with one border box per cell and each row as tall as its longest cell (at most
    ``max_lines`` lines, except hashes and ids); the header row repeats on every page."""
    size = _size(table)
    widths = fitted_widths(pdf, table)
    sans, mono = _Face.of(pdf, "Sans", "", size), _Face.of(pdf, "Mono", "", 6.3)
    bold = _Face.of(pdf, "Sans", "B", size)
    header = [bold.wrap(drawable(col) or " ", w - 2 * PAD, 0)[0]
              for col, w in zip(table.columns, widths)]
    header_h = _height(header)
    cut_any = False
    if pdf.y + header_h + LINE_H + 2 * PAD > pdf.page_break_trigger:
        pdf.add_page()
    _row(pdf, header, widths, [bold] * len(widths), header_h, fill=True)
    faces = [mono if i in table.mono else sans for i in range(len(widths))]
    for values in table.rows:
        cells = []
        for value, w, face in zip(values, widths, faces):
            lines, cut = face.wrap(_cell_text(value, face is mono), w - 2 * PAD,
                                   0 if face is mono else table.max_lines)
            cells.append(lines)
            cut_any |= cut
        h = _height(cells)
        if pdf.y + h > pdf.page_break_trigger:
            pdf.add_page()
            _row(pdf, header, widths, [bold] * len(widths), header_h, fill=True)
        _row(pdf, cells, widths, faces, h)
    pdf.ln(2)
    if cut_any:
        _para(pdf, c.Para(i18n.translator(getattr(pdf, "language", "en"))(CUT_NOTE), "note"))


def _height(cells: list[list[str]]) -> float:
    return max(len(lines) for lines in cells) * LINE_H + 2 * PAD


def _row(pdf: FPDF, cells: list[list[str]], widths: list[float], faces: list[_Face],
         height: float, fill: bool = False) -> None:
    x, y = pdf.l_margin, pdf.y
    if fill:
        pdf.set_fill_color(*GREY)
    for w in widths:
        pdf.rect(x, y, w, height, style="DF" if fill else "D")
        x += w
    # One font switch per face, not per cell: most of a row is in the same face.
    for face in dict.fromkeys(faces):
        face.use(pdf)
        below = 0.5 * LINE_H + 0.3 * face.size_pt / pdf.k    # baseline, as fpdf2's cell()
        x = pdf.l_margin
        for lines, w, f in zip(cells, widths, faces):
            if f is face:
                for n, line in enumerate(lines):
                    if line:
                        pdf.text(x + PAD, y + PAD + n * LINE_H + below, line)
            x += w
    pdf.set_y(y + height)
