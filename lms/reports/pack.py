"""The donor pack: the report as an A4 PDF, in any of the four languages.

Cover (title, the filters, the date of the data), key figures, each section's
charts (the same Drawings as the page's SVG) and tables, then notes on method and
on suppressed cells. Byte for byte the same for the same inputs: reportlab's
invariant mode (fixed document id), the date of the data as the creation date,
and fonts subset in the order they are drawn.
"""

from __future__ import annotations

import io
import time as time_module
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape

from babel.dates import format_date
from flask_babel import gettext as _
from flask_babel import ngettext
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import TimeStamp
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as PdfTable

from lms.reports import charts
from lms.reports.exports import FilterLines
from lms.reports.privacy import suppressed_cells
from lms.reports.tables import Kind, Section, Table

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN
BRAND = colors.HexColor("#1f5f99")
RULE = colors.HexColor("#c9ced4")
STRIPE = colors.HexColor("#f2f4f6")
# A chart, its title and its description fit on one page (the frame is ~730 pt).
MAX_CHART_HEIGHT = 560.0


def _styles() -> dict[str, ParagraphStyle]:
    font, bold = charts.register_fonts()
    base = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=13,
                          textColor=charts.INK)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10.5,
                                textColor=charts.MUTED),
        "cover": ParagraphStyle("cover", parent=base, fontName=bold, fontSize=24, leading=30,
                                textColor=BRAND, spaceAfter=18),
        "h1": ParagraphStyle("h1", parent=base, fontName=bold, fontSize=16, leading=20,
                             textColor=BRAND, spaceBefore=6, spaceAfter=8),
        "h2": ParagraphStyle("h2", parent=base, fontName=bold, fontSize=11.5, leading=15,
                             spaceBefore=10, spaceAfter=4),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10),
        "head": ParagraphStyle("head", parent=base, fontName=bold, fontSize=8, leading=10),
    }


def _p(text: Any, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text)), style)


def donor_pack(sections: Sequence[Section], *, title: str, filters_description: FilterLines,
               data_date: date, locale: str) -> bytes:
    """The report as PDF bytes; call it in ``locale`` (flask_babel.force_locale)."""
    styles = _styles()
    story: list = []
    story += _cover(title, filters_description, data_date, locale, styles)
    story += _key_figures(sections, locale, styles)
    for section in sections:
        story += _section(section, locale, styles)
    story += _method_notes(sections, styles)

    buffer = io.BytesIO()
    page_label = _("Page %(number)s")
    footer = f"{title} · {format_date(data_date, format='long', locale=locale)}"

    def decorate(canvas: Canvas, document) -> None:
        canvas.saveState()
        canvas.setFont(charts.FONT, 7.5)
        canvas.setFillColor(charts.MUTED)
        canvas.drawString(MARGIN, 10 * mm, footer[:120])
        canvas.drawRightString(PAGE_WIDTH - MARGIN, 10 * mm,
                               page_label % {"number": document.page})
        canvas.restoreState()

    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm, title=title, author="", subject=_("Program report"),
        creator="lms", producer="lms", lang=locale, invariant=1,
        initialFontName=charts.FONT)
    document.build(story, onFirstPage=decorate, onLaterPages=decorate,
                   canvasmaker=_canvas_maker(data_date))
    return buffer.getvalue()


def _canvas_maker(data_date: date):
    """A canvas whose creation date is the date of the data (invariant mode would
    print 2000-01-01; the clock would make every run different)."""
    moment = datetime(data_date.year, data_date.month, data_date.day)
    epoch = (moment - datetime(1970, 1, 1)).total_seconds()

    def make(*args, **kwargs) -> Canvas:
        canvas = Canvas(*args, **kwargs)
        stamp = TimeStamp(invariant=1)
        stamp.t = epoch
        stamp.lt = time_module.gmtime(epoch)
        stamp.YMDhms = tuple(stamp.lt)[:6]
        canvas._doc._timeStamp = stamp
        return canvas

    return make


def _cover(title: str, filters_description: FilterLines, data_date: date, locale: str,
           styles: dict) -> list:
    story: list = [Spacer(1, 50 * mm), _p(title, styles["cover"])]
    rows = [[_p(label, styles["head"]), _p(value, styles["body"])]
            for label, value in filters_description]
    rows.append([_p(_("Date of the data"), styles["head"]),
                 _p(format_date(data_date, format="long", locale=locale), styles["body"])])
    table = PdfTable(rows, colWidths=[55 * mm, FRAME_WIDTH - 55 * mm], hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE)]))
    return [*story, table, PageBreak()]


def _key_figures(sections: Sequence[Section], locale: str, styles: dict) -> list:
    rows = []
    for section in sections:
        for figure in section.figures:
            value = charts.format_value(figure.value, figure.kind, locale)
            label = str(figure.label) + (f" ({figure.detail})" if figure.detail else "")
            rows.append([value, _p(label, styles["body"]),
                         _p(section.title, styles["small"])])
    if not rows:
        return []
    table = PdfTable(rows, colWidths=[40 * mm, FRAME_WIDTH - 85 * mm, 45 * mm], hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("FONT", (0, 0), (0, -1), charts.FONT_BOLD, 15, 18),
                               ("TEXTCOLOR", (0, 0), (0, -1), BRAND),
                               ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 5)]))
    return [_p(_("Key figures"), styles["h1"]), table, PageBreak()]


def _section(section: Section, locale: str, styles: dict) -> list:
    story: list = [CondPageBreak(60 * mm), _p(section.title, styles["h1"])]
    drawn: list[Table] = []
    for chart in section.charts:
        picture = charts.render_pdf_flowable(chart, locale, FRAME_WIDTH, MAX_CHART_HEIGHT)
        story.append(KeepTogether([_p(chart.title, styles["h2"]), picture,
                                   _p(chart.description, styles["small"])]))
        story += _table(chart.table, locale, styles, heading=False)
        drawn.append(chart.table)
    for table in section.tables:
        if all(table is not other for other in drawn):
            story += _table(table, locale, styles, heading=True)
    return story


def _table(table: Table, locale: str, styles: dict, *, heading: bool) -> list:
    numeric = [column.kind not in (Kind.TEXT, Kind.DATE) for column in table.columns]
    header = [_p(column.title, styles["head"]) for column in table.columns]
    # Numbers as plain strings, not paragraphs: a paragraph would break "1 234" or
    # "62,5 %" at their no-break spaces.
    body = [[charts.format_value(value, column.kind, locale) if numeric[j]
             else _p(charts.format_value(value, column.kind, locale), styles["cell"])
             for j, (value, column) in enumerate(zip(row, table.columns, strict=False))]
            for row in table.rows]
    count = max(len(table.columns), 1)
    first = min(FRAME_WIDTH * 0.4, FRAME_WIDTH / count * 1.6) if count > 1 else FRAME_WIDTH
    rest = (FRAME_WIDTH - first) / (count - 1) if count > 1 else 0
    widths = [first] + [rest] * (count - 1)
    pdf_table = PdfTable([header, *body], colWidths=widths, repeatRows=1, hAlign="LEFT")
    commands: list = [("VALIGN", (0, 0), (-1, -1), "TOP"),
                      ("FONT", (0, 1), (-1, -1), charts.FONT, 8, 10),
                      ("TEXTCOLOR", (0, 1), (-1, -1), charts.INK),
                      ("LINEBELOW", (0, 0), (-1, 0), 0.8, charts.INK),
                      ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE)]
    commands += [("ALIGN", (j, 1), (j, -1), "RIGHT") for j, is_number in enumerate(numeric)
                 if is_number]
    commands += [("BACKGROUND", (0, i), (-1, i), STRIPE) for i in range(2, len(body) + 1, 2)]
    pdf_table.setStyle(TableStyle(commands))
    story: list = []
    if heading:
        story.append(_p(table.title, styles["h2"]))
    story += [Spacer(1, 4), pdf_table]
    notes = []
    if table.n is not None:
        notes.append(f"n = {charts.format_value(table.n, Kind.PEOPLE, locale)}")
    if table.note:
        notes.append(str(table.note))
    if notes:
        story.append(_p(" ".join(notes), styles["small"]))
    story.append(Spacer(1, 8))
    return story


def _method_notes(sections: Sequence[Section], styles: dict) -> list:
    story: list = [PageBreak(), _p(_("Notes on method"), styles["h1"])]
    for section in sections:
        if section.notes:
            story.append(_p(section.title, styles["h2"]))
            story += [_p(note, styles["body"]) for note in section.notes]
    story.append(_p(_("Suppressed cells"), styles["h2"]))
    hidden = suppressed_cells(list(sections))
    if hidden:
        story.append(_p(ngettext(
            "%(num)d cell is hidden: it counts fewer people than the threshold, or it "
            "would let a hidden count be worked out from a total. Hidden cells show the "
            "threshold, as in \"< 5\".",
            "%(num)d cells are hidden: each counts fewer people than the threshold, or "
            "would let a hidden count be worked out from a total. Hidden cells show the "
            "threshold, as in \"< 5\".", hidden), styles["body"]))
    else:
        story.append(_p(_("No cell is hidden in this report."), styles["body"]))
    return story
