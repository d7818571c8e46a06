"""Charts: each drawn once as a reportlab Drawing, rendered to SVG for the page and to
PDF for the donor pack, so both show the same picture.

The drawing is made of plain shapes (rectangles, lines, strings) rather than
reportlab's chart widgets: that keeps every number formatted in the viewer's
locale, missing values drawn as gaps, and series told apart without colour
(hatching on bars, dash patterns and markers on lines, labels on the bars).

The SVG is post-processed for the page: ``role="img"`` with a title and a
description, a viewBox and no fixed width (it shrinks to a phone's screen), no
``style`` attributes (the Content-Security-Policy has ``style-src 'self'``), and no
XML declaration, doctype or id that could clash with another chart on the page.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import date
from functools import cache
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from markupsafe import Markup
from reportlab.graphics import renderSVG
from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Path, Polygon, Rect, String
from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from lms.kernel import glyphs
from lms.reports.tables import Chart, ChartKind, Kind, Suppressed

# The certificate fonts: they print every letter of es/fr/pt (and the "< 5" of a
# suppressed cell); text is measured with them, in the SVG as in the PDF.
FONT = "LMS-Report-Sans"
FONT_BOLD = "LMS-Report-Sans-Bold"
_FONT_FILES = {FONT: "DejaVuSans.ttf", FONT_BOLD: "DejaVuSans-Bold.ttf"}
# What the browser draws the SVG's text with: DejaVu when installed, else fonts of
# similar width, so labels measured with DejaVu keep their places.
SVG_FONT_FAMILY = "'DejaVu Sans', Verdana, sans-serif"

# Series colours: each at least 4.5:1 against white (WCAG AA for text, more than the
# 3:1 asked of graphics), so a bar reads even when printed in grey.
PALETTE = ("#1f5f99", "#a84700", "#2e7d32", "#7b2d8e", "#a11a3b", "#4d5660")
INK = HexColor("#1b1f24")
MUTED = HexColor("#4d5660")
GRID = HexColor("#d5d9de")
# Bars of series 2, 3 ... carry a pattern too: colour is never the only difference.
_HATCHES = (None, "diagonal", "horizontal", "backdiagonal", "vertical", "cross")
_DASHES: tuple[list[float] | None, ...] = (None, [6, 3], [2, 2], [8, 3, 2, 3], [4, 4], [1, 3])
_MARKERS = ("circle", "square", "triangle", "diamond", "circle", "square")

FONT_SIZE = 9
DEFAULT_WIDTH = 520
MISSING = "–"


@cache
def register_fonts() -> tuple[str, str]:
    """Register the report fonts with reportlab, once per process."""
    for name, filename in _FONT_FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(glyphs.FONT_DIR / filename),
                                       asciiReadable=False))
    # Paragraphs with <b> find the bold face.
    addMapping(FONT, 0, 0, FONT)
    addMapping(FONT, 1, 0, FONT_BOLD)
    addMapping(FONT, 0, 1, FONT)
    addMapping(FONT, 1, 1, FONT_BOLD)
    return FONT, FONT_BOLD


# ---------------------------------------------------------------- numbers


def format_value(value: Any, kind: Kind, locale: str) -> str:
    """A table cell or chart label as the viewer reads it, in their locale."""
    if value is None:
        return MISSING
    if isinstance(value, Suppressed):
        return str(value)
    if kind is Kind.PERCENT:
        # One decimal at most ("33.3 %"), the locale's own percent pattern.
        return format_percent(round(float(value), 3), locale=locale,
                              decimal_quantization=False)
    if kind in (Kind.PEOPLE, Kind.COUNT):
        return format_decimal(value, format="#,##0", locale=locale)
    if kind is Kind.NUMBER:
        return format_decimal(value, format="#,##0.0", locale=locale)
    if kind is Kind.HOURS:
        return format_decimal(value, format="#,##0.#", locale=locale)
    if kind is Kind.DATE and isinstance(value, date):
        return format_date(value, format="medium", locale=locale)
    return str(value)


def value_kind(chart: Chart) -> Kind:
    """How the chart's values are written.

    The kind of the table columns the series are named after (a series "Enrolled"
    draws the column "Enrolled"); failing that, percentages when every value column
    of the table is one, counts when they all are, else plain numbers.
    """
    titles = {str(column.title): column.kind for column in chart.table.columns[1:]}
    named = {titles.get(str(name)) for name, _values in chart.series}
    kinds = named if named and None not in named else {
        column.kind for column in chart.table.columns[1:]
        if column.kind not in (Kind.TEXT, Kind.DATE)}
    if kinds == {Kind.PERCENT}:
        return Kind.PERCENT
    if kinds and kinds <= {Kind.PEOPLE, Kind.COUNT}:
        return Kind.PEOPLE
    return Kind.NUMBER


def _label(value: float | None, kind: Kind, locale: str) -> str:
    if value is None:
        return MISSING
    if kind is Kind.PEOPLE and float(value).is_integer():
        return format_value(int(value), Kind.PEOPLE, locale)
    if kind is Kind.PEOPLE:
        kind = Kind.HOURS
    return format_value(value, kind, locale)


def nice_ticks(top: float, kind: Kind, count: int = 4) -> list[float]:
    """Axis ticks from 0 to a round number at or above ``top``."""
    if kind is Kind.PERCENT:
        top = min(max(top, 0.0), 1.0) or 1.0
    if top <= 0:
        top = 1.0
    power = 10 ** math.floor(math.log10(top / count))
    # The finest round step that needs at most count + 1 intervals.
    step = next(m * power for m in (1, 2, 2.5, 5, 10)
                if math.ceil(top / (m * power) - 1e-9) <= count + 1)
    if kind is Kind.PEOPLE:
        step = max(1.0, math.ceil(step))
    steps = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(steps + 1)]


# ---------------------------------------------------------------- text


def _width(text: str, size: float = FONT_SIZE, font: str = FONT) -> float:
    return pdfmetrics.stringWidth(text, font, size)


def _fit(text: str, width: float, size: float = FONT_SIZE) -> str:
    """``text``, cut with an ellipsis to fit ``width`` points."""
    if _width(text, size) <= width:
        return text
    while text and _width(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _string(x: float, y: float, text: str, *, anchor: str = "start", size: float = FONT_SIZE,
            color: Color = INK, bold: bool = False) -> String:
    """A label; the SVG keeps its anchor so the browser's font lines it up."""
    shape = String(x, y, text, fontName=FONT_BOLD if bold else FONT, fontSize=size,
                   fillColor=color, textAnchor=anchor)
    # Read back by _accessible_svg: reportlab writes x already shifted by the text's
    # width in DejaVu; the browser may draw another font.
    shape._svgAttrs = {"data-x": f"{x:.2f}", "data-anchor": anchor}
    return shape


# ---------------------------------------------------------------- patterns


def _colour(index: int) -> Color:
    return HexColor(PALETTE[index % len(PALETTE)])


def _hatch(x: float, y: float, w: float, h: float, pattern: str | None) -> list[Path]:
    """White hatching lines inside a rectangle (clipped by hand: SVG and PDF alike), as
    one path of many segments: a shape per line made fifty bars cost a second to draw."""
    if pattern is None or w <= 0 or h <= 0:
        return []
    gap = 4.0
    lines: list[tuple[float, float, float, float]] = []
    if pattern in ("horizontal", "cross"):
        lines += [(x, y + t, x + w, y + t) for t in _steps(h, gap)]
    if pattern in ("vertical", "cross"):
        lines += [(x + t, y, x + t, y + h) for t in _steps(w, gap)]
    if pattern in ("diagonal", "backdiagonal"):
        # Lines x - y = c (rising) or x + y = c (falling), cut to the rectangle.
        for t in _steps(w + h, gap * 1.4):
            if pattern == "diagonal":
                x0, y0 = x + t - h, y
                x1, y1 = x + t, y + h
            else:
                x0, y0 = x + t - h, y + h
                x1, y1 = x + t, y
            segment = _clip_segment(x0, y0, x1, y1, x, y, x + w, y + h)
            if segment:
                lines.append(segment)
    if not lines:
        return []
    path = Path(fillColor=None, strokeColor=white, strokeWidth=1.2)
    for x0, y0, x1, y1 in lines:
        path.moveTo(x0, y0)
        path.lineTo(x1, y1)
    return [path]


def _steps(length: float, gap: float) -> list[float]:
    return [gap * i for i in range(1, int(length / gap) + 1) if gap * i < length]


def _clip_segment(x0: float, y0: float, x1: float, y1: float, left: float, bottom: float,
                  right: float, top: float) -> tuple[float, float, float, float] | None:
    """Liang-Barsky: the part of a 45-degree segment inside the rectangle."""
    dx, dy = x1 - x0, y1 - y0
    low, high = 0.0, 1.0
    for p, q in ((-dx, x0 - left), (dx, right - x0), (-dy, y0 - bottom), (dy, top - y0)):
        if p == 0:
            if q < 0:
                return None
            continue
        t = q / p
        if p < 0:
            low = max(low, t)
        else:
            high = min(high, t)
    if low >= high:
        return None
    return (x0 + low * dx, y0 + low * dy, x0 + high * dx, y0 + high * dy)


def _bar(x: float, y: float, w: float, h: float, series: int) -> list:
    shapes: list = [Rect(x, y, w, h, fillColor=_colour(series), strokeColor=None)]
    return shapes + _hatch(x, y, w, h, _HATCHES[series % len(_HATCHES)])


def _marker(x: float, y: float, series: int, size: float = 3.2) -> Any:
    colour = _colour(series)
    shape = _MARKERS[series % len(_MARKERS)]
    if shape == "circle":
        return Circle(x, y, size, fillColor=colour, strokeColor=white, strokeWidth=0.8)
    if shape == "square":
        return Rect(x - size, y - size, 2 * size, 2 * size, fillColor=colour,
                    strokeColor=white, strokeWidth=0.8)
    if shape == "triangle":
        points = [x - size * 1.2, y - size, x + size * 1.2, y - size, x, y + size * 1.3]
    else:
        points = [x, y - size * 1.3, x + size * 1.3, y, x, y + size * 1.3, x - size * 1.3, y]
    return Polygon(points, fillColor=colour, strokeColor=white, strokeWidth=0.8)


# ---------------------------------------------------------------- legend


def _legend(names: Sequence[str], width: float, top: float, line: bool) -> tuple[list, float]:
    """Series names with their swatch, wrapped over lines; returns shapes and height."""
    shapes: list = []
    x, y, row = 0.0, top - 12, 14.0
    for index, name in enumerate(names):
        label = _fit(name, width - 20)
        item = 18 + _width(label) + 12
        if x and x + item > width:
            x, y = 0.0, y - row
        if line:
            shapes.append(Line(x, y + 3, x + 14, y + 3, strokeColor=_colour(index),
                               strokeWidth=2,
                               strokeDashArray=_DASHES[index % len(_DASHES)]))
            shapes.append(_marker(x + 7, y + 3, index, 2.6))
        else:
            shapes += _bar(x, y - 2, 12, 10, index)
        shapes.append(_string(x + 18, y, label))
        x += item
    return shapes, top - y + 6


# ---------------------------------------------------------------- drawings


def drawing(chart: Chart, locale: str, width: float = DEFAULT_WIDTH,
            height: float | None = None) -> Drawing:
    """The chart as a reportlab Drawing: the one picture both renderings share.

    ``height`` is fixed for line charts (default 0.5 of the width); bar charts and
    funnels grow with their categories unless a height is given.
    """
    register_fonts()
    categories = [str(category) for category in chart.categories]
    series = [(str(name), list(values)) for name, values in chart.series]
    kind = value_kind(chart)
    if chart.kind is ChartKind.LINE:
        shapes, used = _line_chart(categories, series, kind, locale, width, height)
    elif chart.kind is ChartKind.FUNNEL and len(series) == 1:
        shapes, used = _funnel(categories, series[0][1], locale, width, height)
    else:
        shapes, used = _bar_chart(categories, series, kind, locale, width, height,
                                  stacked=chart.kind is ChartKind.STACKED_BAR)
    picture = Drawing(width, used)
    group = Group(*shapes)
    # Shapes were laid out from the top (y = 0) downwards; shift them into the page.
    group.translate(0, used)
    picture.add(group)
    return picture


def _band_height(count: int, n_series: int, height: float | None, top: float,
                 bottom: float) -> tuple[float, float]:
    """The thickness of one bar and the gap between categories."""
    gap = 8.0
    bar = 14.0
    if height is not None and count:
        available = height - top - bottom
        per_category = max(available / count, 4.0)
        gap = min(gap, per_category * 0.35)
        bar = max((per_category - gap) / max(n_series, 1), 2.0)
    return bar, gap


def _bar_chart(categories: list[str], series: list[tuple[str, list]], kind: Kind, locale: str,
               width: float, height: float | None, *, stacked: bool) -> tuple[list, float]:
    shapes: list = []
    y = 0.0
    if len(series) > 1:
        legend, used = _legend([name for name, _values in series], width, y, line=False)
        shapes += legend
        y -= used
    y -= 4
    label_width = min(max([_width(c) for c in categories] + [20]) + 8, width * 0.32)
    n_bars = 1 if stacked else len(series)
    totals = [_total(values[i] for _name, values in series) for i in range(len(categories))]
    if stacked:
        top_value = max([t for t in totals if t is not None] + [0])
    else:
        top_value = max([v for _n, values in series for v in values if v is not None] + [0])
    ticks = nice_ticks(top_value, kind)
    largest = max([_width(_label(v, kind, locale)) for v in [*totals, ticks[-1]]] + [10])
    left, right = label_width, width - largest - 8
    span = max(right - left, 10)
    scale = span / ticks[-1] if ticks[-1] else 0
    bar, gap = _band_height(len(categories), n_bars, height, -y, 26)
    plot_top = y
    for index, category in enumerate(categories):
        band = n_bars * bar
        shapes.append(_string(left - 6, y - gap / 2 - band / 2 - 3, _fit(category, left - 7),
                              anchor="end"))
        cursor = y - gap / 2
        if stacked:
            x = left
            for s_index, (_name, values) in enumerate(series):
                value = values[index]
                if value:
                    w = value * scale
                    shapes += _bar(x, cursor - bar, w, bar, s_index)
                    text = _label(value, kind, locale)
                    if _width(text) + 4 <= w and bar >= 10:
                        # A plate of the series' own colour keeps the label off the hatching.
                        plate = _width(text) + 4
                        shapes.append(Rect(x + w / 2 - plate / 2, cursor - bar / 2 - 5, plate,
                                           10, fillColor=_colour(s_index), strokeColor=None))
                        shapes.append(_string(x + w / 2, cursor - bar / 2 - 3, text,
                                              anchor="middle", color=white))
                    x += w
            if bar >= 8:
                shapes.append(_string(x + 4, cursor - bar / 2 - 3,
                                      _label(totals[index], kind, locale), bold=True))
        else:
            for s_index, (_name, values) in enumerate(series):
                value = values[index]
                top = cursor - s_index * bar
                w = (value or 0) * scale
                if w > 0:
                    shapes += _bar(left, top - bar + 0.5, w, bar - 1, s_index)
                if bar >= 8:  # thinner bars (a squeezed pack page) leave it to the table
                    shapes.append(_string(left + w + 4, top - bar / 2 - 3,
                                          _label(value, kind, locale)))
        y -= band + gap
    shapes = _vertical_grid(ticks, left, scale, plot_top, y, kind, locale) + shapes
    return shapes, -y + 18


def _total(values) -> float | None:
    """The sum of a stacked bar; unknown when one of its parts is missing."""
    total = 0.0
    for value in values:
        if value is None:
            return None
        total += value
    return total


def _vertical_grid(ticks: list[float], left: float, scale: float, top: float, bottom: float,
                   kind: Kind, locale: str) -> list:
    shapes: list = []
    for tick in ticks:
        x = left + tick * scale
        shapes.append(Line(x, top, x, bottom, strokeColor=GRID if tick else MUTED,
                           strokeWidth=0.6 if tick else 1))
        shapes.append(_string(x, bottom - 12, _label(tick, kind, locale), anchor="middle",
                              color=MUTED, size=FONT_SIZE - 1))
    return shapes


def _funnel(categories: list[str], values: list, locale: str, width: float,
            height: float | None) -> tuple[list, float]:
    """Stages as centred bars, each labelled with its count and its share of the first."""
    shapes: list = []
    y = -4.0
    first = next((v for v in values if v is not None), None)
    labels = []
    for value in values:
        text = _label(value, Kind.PEOPLE, locale)
        if value is not None and first:
            text += " · " + format_value(value / first, Kind.PERCENT, locale)
        labels.append(text)
    label_width = min(max([_width(c) for c in categories] + [20]) + 8, width * 0.32)
    value_width = max([_width(t) for t in labels] + [10]) + 8
    left, right = label_width, width - value_width
    span = max(right - left, 10)
    top_value = max([v for v in values if v is not None] + [0])
    bar, gap = _band_height(len(categories), 1, height, 4, 8)
    for index, category in enumerate(categories):
        value = values[index]
        middle = y - gap / 2 - bar / 2
        shapes.append(_string(left - 6, middle - 3, _fit(category, left - 7), anchor="end"))
        if value and top_value:
            w = span * value / top_value
            shapes.append(Rect(left + (span - w) / 2, middle - bar / 2, w, bar,
                               fillColor=_colour(0), strokeColor=None))
        shapes.append(_string(right + 6, middle - 3, labels[index]))
        y -= bar + gap
    return shapes, -y + 8


MARKER_MIN_STEP = 6.0


def _line_chart(categories: list[str], series: list[tuple[str, list]], kind: Kind, locale: str,
                width: float, height: float | None) -> tuple[list, float]:
    height = height or round(width * 0.5)
    shapes: list = []
    y = 0.0
    if len(series) > 1:
        legend, used = _legend([name for name, _values in series], width, y, line=True)
        shapes += legend
        y -= used
    top_value = max([v for _n, values in series for v in values if v is not None] + [0])
    ticks = nice_ticks(top_value, kind)
    left = max(_width(_label(t, kind, locale), FONT_SIZE - 1) for t in ticks) + 8
    right = width - 10
    plot_top, plot_bottom = y - 10, -height + 22
    scale = (plot_top - plot_bottom) / ticks[-1] if ticks[-1] else 0
    for tick in ticks:
        ty = plot_bottom + tick * scale
        shapes.append(Line(left, ty, right, ty, strokeColor=GRID if tick else MUTED,
                           strokeWidth=0.6 if tick else 1))
        shapes.append(_string(left - 4, ty - 3, _label(tick, kind, locale), anchor="end",
                              color=MUTED, size=FONT_SIZE - 1))
    count = len(categories)
    step = (right - left) / count if count else 0

    def x_of(i: int) -> float:
        return left + step * (i + 0.5)

    # Thin the category labels so they never overlap (a very long one is cut first).
    widest = min(max([_width(c, FONT_SIZE - 1) for c in categories] + [1]), 90)
    every = max(1, math.ceil((widest + 6) / step)) if step else 1
    for i, category in enumerate(categories):
        if i % every == 0:
            room = min(step * every - 6, 2 * x_of(i), 2 * (width - x_of(i)))
            shapes.append(_string(x_of(i), plot_bottom - 13,
                                  _fit(category, room, FONT_SIZE - 1), anchor="middle",
                                  color=MUTED, size=FONT_SIZE - 1))
    # Markers only where they stay apart: a year of days would draw them as one smear
    # (and cost most of the page's time); the dash pattern still tells series apart.
    markers = step >= MARKER_MIN_STEP
    for s_index, (_name, values) in enumerate(series):
        # One path per series (a gap where a value is missing), not a shape per segment.
        line = Path(fillColor=None, strokeColor=_colour(s_index), strokeWidth=2,
                    strokeDashArray=_DASHES[s_index % len(_DASHES)])
        previous = None
        for i, value in enumerate(values):
            point = None if value is None else (x_of(i), plot_bottom + value * scale)
            if point and previous:
                line.lineTo(*point)
            elif point:
                line.moveTo(*point)
            previous = point
        if line.operators:
            shapes.append(line)
        if markers:
            shapes += [_marker(x_of(i), plot_bottom + value * scale, s_index)
                       for i, value in enumerate(values) if value is not None]
    return shapes, height


# ---------------------------------------------------------------- SVG


_STYLE_ITEM = re.compile(r"\s*([a-z-]+)\s*:\s*([^;]+?)\s*(?:;|$)")
_KEY = re.compile(r"[^A-Za-z0-9_-]+")


def render_svg(chart: Chart, locale: str, width: float = DEFAULT_WIDTH) -> Markup:
    """The chart as an accessible inline SVG for the page (see the module docstring)."""
    picture = drawing(chart, locale, width)
    canvas = renderSVG.SVGCanvas((picture.width, picture.height), useClip=True)
    renderSVG.draw(picture, canvas, 0, 0, showBoundary=False)
    # The group tree is attached to the document on save; attach it ourselves.
    svg = canvas.svg
    svg.appendChild(canvas.groupTree)
    ident = "chart-" + _KEY.sub("-", chart.key)
    _accessible(svg, ident, str(chart.title), str(chart.description))
    out: list[str] = []
    _write_clean(svg, out)
    return Markup("".join(out))  # noqa: S704 - every attribute and text escaped below


def _accessible(svg, ident: str, title: str, description: str) -> None:
    for name in ("width", "height", "version", "xmlns:xlink", "preserveAspectRatio"):
        if svg.hasAttribute(name):
            svg.removeAttribute(name)
    svg.setAttribute("width", "100%")
    svg.setAttribute("preserveAspectRatio", "xMinYMin meet")
    svg.setAttribute("role", "img")
    svg.setAttribute("class", "chart-svg")
    svg.setAttribute("font-family", SVG_FONT_FAMILY)
    svg.setAttribute("aria-labelledby", f"{ident}-title {ident}-desc")
    for tag, text in (("title", title), ("desc", description)):
        node = svg.getElementsByTagName(tag)[0]
        node.setAttribute("id", f"{ident}-{tag}")
        node.firstChild.data = text


def _escape(data: str) -> str:
    # What minidom's writer escapes, so the markup is the one toxml() gave.
    return (data.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
            .replace(">", "&gt;"))


def _clean_attributes(tag: str, attrs: dict[str, str]) -> dict[str, str]:
    """Style attributes to presentation attributes; no ids, clips or empty transforms."""
    if tag not in ("title", "desc"):
        attrs.pop("id", None)
        attrs.pop("clip", None)
    if attrs.get("transform") == "":
        del attrs["transform"]
    for name, value in _STYLE_ITEM.findall(attrs.pop("style", "")):
        if name == "font-family":
            continue  # the root's family applies
        if name == "font-size" and value.endswith("px"):
            value = value[:-2]
        attrs[name] = value
    anchor = attrs.pop("data-anchor", None)
    if anchor is not None:
        # Back to the anchor point, aligned by the browser with its own font.
        attrs["x"] = attrs.pop("data-x", "")
        if anchor != "start":
            attrs["text-anchor"] = anchor
    return attrs


def _write_clean(element, out: list[str]) -> None:
    """Serialise ``element`` with its attributes cleaned, in one walk: editing the DOM
    node by node (minidom's setAttribute) cost more than drawing the chart."""
    tag = element.tagName
    attrs = _clean_attributes(tag, dict(element.attributes.items()))
    out.append("<" + tag)
    for name, value in attrs.items():
        out.append(f' {name}="{_escape(value)}"')
    children = element.childNodes
    if not children:
        out.append("/>")
        return
    out.append(">")
    for child in children:
        if child.nodeType == child.ELEMENT_NODE:
            _write_clean(child, out)
        elif child.nodeType == child.TEXT_NODE:
            out.append(_escape(child.data))
        else:
            out.append(child.toxml())
    out.append(f"</{tag}>")


# ---------------------------------------------------------------- PDF


def render_pdf_flowable(chart: Chart, locale: str, width: float,
                        max_height: float | None = None) -> Drawing:
    """The same Drawing for the pack (a Drawing is a platypus flowable).

    A drawing cannot break across pages: one taller than ``max_height`` (fifty
    countries) has its bars made thinner, then, if still too tall, is scaled down.
    """
    picture = drawing(chart, locale, width)
    if max_height is None or picture.height <= max_height:
        return picture
    picture = drawing(chart, locale, width, max_height)
    if picture.height > max_height:
        factor = max_height / picture.height
        picture.scale(factor, factor)
        picture.width, picture.height = picture.width * factor, max_height
    return picture


def contrast_ratio(hex_colour: str, background: str = "#ffffff") -> float:
    """WCAG contrast ratio between two colours (used by the tests on the palette)."""

    def luminance(value: str) -> float:
        channels = [int(value[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(hex_colour), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
