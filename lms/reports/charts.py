"""Charts: each laid out once as a list of plain shapes, written as SVG for the page and
drawn as a reportlab Drawing for the PDF donor pack, so both show the same picture.

The picture is made of plain shapes (rectangles, lines, strings) rather than
reportlab's chart widgets: that keeps every number formatted in the viewer's
locale, missing values drawn as gaps, and series told apart without colour
(hatching on bars, dash patterns and markers on lines, labels on the bars).

The page's SVG is written straight from the shapes, in the form reportlab's SVG
renderer gave them (the tests compare the two), but without building reportlab shapes
and a DOM for every chart of every view: that cost more than the report's SQL (issue
12). It is made for the page: ``role="img"`` with a title and a description, a viewBox
and no fixed width (it shrinks to a phone's screen), no ``style`` attributes (the
Content-Security-Policy has ``style-src 'self'``), and no XML declaration, doctype or id
that could clash with another chart on the page.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from datetime import date
from functools import lru_cache
from typing import Any, NamedTuple

from babel import Locale
from babel.dates import format_date
from babel.numbers import NumberPattern, get_decimal_symbol, get_group_symbol, parse_pattern
from markupsafe import Markup
from reportlab.graphics.renderSVG import py_fp_str
from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Path, Polygon, Rect, String
from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase import pdfmetrics

from lms.kernel import fonts
from lms.reports.tables import Chart, ChartKind, Kind, Suppressed

# The certificate fonts: they print every letter of es/fr/pt (and the "< 5" of a
# suppressed cell); text is measured with them, in the SVG as in the PDF.
FONT, FONT_BOLD = fonts.SANS, fonts.SANS_BOLD
# What the browser draws the SVG's text with: DejaVu when installed, else fonts of
# similar width, so labels measured with DejaVu keep their places.
SVG_FONT_FAMILY = "'DejaVu Sans', Verdana, sans-serif"

# Series colours: each at least 4.5:1 against white (WCAG AA for text, more than the
# 3:1 asked of graphics), so a bar reads even when printed in grey.
PALETTE = ("#1f5f99", "#a84700", "#2e7d32", "#7b2d8e", "#a11a3b", "#4d5660")
_PALETTE_COLOURS = tuple(HexColor(colour) for colour in PALETTE)
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


def register_fonts() -> tuple[str, str]:
    """The report's fonts, registered with reportlab (once per process, for every PDF of
    the app: ``lms.kernel.fonts``)."""
    fonts.registered()
    return FONT, FONT_BOLD


# ---------------------------------------------------------------- numbers

# Babel's pattern for each kind of number (percentages: the locale's own pattern).
_PATTERNS = {Kind.PEOPLE: "#,##0", Kind.COUNT: "#,##0", Kind.NUMBER: "#,##0.0",
             Kind.HOURS: "#,##0.#"}
# Beyond this a whole number goes to Babel, which refuses what Decimal cannot quantize.
_FAST_LIMIT = 10 ** 15


@lru_cache(maxsize=64)
def _number_writer(locale: str, kind: Kind) -> Callable[[Any], str]:
    """Babel's ``format_decimal`` (``format_percent`` for percentages) for one locale and
    kind, with the locale and the pattern parsed once rather than on every call (a report
    page writes thousands of numbers). Whole numbers, most of a report, are grouped by
    Python with the locale's separator; anything else is Babel's own ``apply``."""
    parsed = Locale.parse(locale)
    if kind == Kind.PERCENT:
        percent: NumberPattern = parse_pattern(parsed.percent_formats[None])

        def write_percent(value: Any) -> str:
            # One decimal at most ("33.3 %"), the locale's own percent pattern.
            return percent.apply(round(float(value), 3), parsed, decimal_quantization=False)

        return write_percent
    pattern = parse_pattern(_PATTERNS[Kind(kind)])
    group = get_group_symbol(parsed, numbering_system="latn")
    # "#,##0.0" writes a whole number with one zero decimal; the others with none.
    tail = (get_decimal_symbol(parsed, numbering_system="latn") + "0"
            if kind == Kind.NUMBER else "")

    def write(value: Any) -> str:
        if type(value) is int and 0 <= value < _FAST_LIMIT:
            return f"{value:,}".replace(",", group) + tail
        return pattern.apply(value, parsed)

    return write


_NUMBER_KINDS = frozenset((Kind.PERCENT, Kind.PEOPLE, Kind.COUNT, Kind.NUMBER, Kind.HOURS))


def format_value(value: Any, kind: Kind, locale: str) -> str:
    """A table cell or chart label as the viewer reads it, in their locale."""
    return value_writer(kind, locale)(value)


@lru_cache(maxsize=128)
def value_writer(kind: Kind, locale: str) -> Callable[[Any], str]:
    """``format_value`` for one kind and locale: looked up once for a column of values."""
    number = _number_writer(locale, kind) if kind in _NUMBER_KINDS else None
    is_date = kind == Kind.DATE

    def write(value: Any) -> str:
        if value is None:
            return MISSING
        if isinstance(value, Suppressed):
            return str(value)
        if number is not None:
            return number(value)
        if is_date and isinstance(value, date):
            return format_date(value, format="medium", locale=locale)
        return str(value)

    return write


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


# ---------------------------------------------------------------- shapes

# The shapes a chart is made of, as plain tuples: the SVG is written from them and the
# pack's Drawing built from them. ``stroke_width`` None is reportlab's default (1).


class _Rect(NamedTuple):
    x: float
    y: float
    w: float
    h: float
    fill: Color
    stroke: Color | None = None
    stroke_width: float | None = None


class _Line(NamedTuple):
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: Color
    stroke_width: float
    dash: list[float] | None = None


class _Path(NamedTuple):
    """An open path: ``moves`` are (x, y, True) to move, (x, y, False) to draw a line."""

    moves: list[tuple[float, float, bool]]
    stroke: Color
    stroke_width: float
    dash: list[float] | None = None


class _Circle(NamedTuple):
    x: float
    y: float
    r: float
    fill: Color
    stroke: Color
    stroke_width: float


class _Polygon(NamedTuple):
    points: list[float]
    fill: Color
    stroke: Color
    stroke_width: float


class _Text(NamedTuple):
    x: float
    y: float
    text: str
    anchor: str
    size: float
    colour: Color
    bold: bool


# ---------------------------------------------------------------- text


@lru_cache(maxsize=8192)
def _width(text: str, size: float = FONT_SIZE, font: str = FONT) -> float:
    # Kept: the same labels (ticks, countries, courses) are measured on every view.
    return pdfmetrics.stringWidth(text, font, size)


def _fit(text: str, width: float, size: float = FONT_SIZE) -> str:
    """``text``, cut with an ellipsis to fit ``width`` points."""
    if _width(text, size) <= width:
        return text
    while text and _width(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _string(x: float, y: float, text: str, *, anchor: str = "start", size: float = FONT_SIZE,
            color: Color = INK, bold: bool = False) -> _Text:
    """A label; the SVG keeps its anchor so the browser's font lines it up."""
    return _Text(x, y, text, anchor, size, color, bold)


# ---------------------------------------------------------------- patterns


def _colour(index: int) -> Color:
    return _PALETTE_COLOURS[index % len(_PALETTE_COLOURS)]


def _hatch(x: float, y: float, w: float, h: float, pattern: str | None) -> list[_Path]:
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
    moves: list[tuple[float, float, bool]] = []
    for x0, y0, x1, y1 in lines:
        moves.append((x0, y0, True))
        moves.append((x1, y1, False))
    return [_Path(moves, white, 1.2)]


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
    shapes: list = [_Rect(x, y, w, h, _colour(series))]
    return shapes + _hatch(x, y, w, h, _HATCHES[series % len(_HATCHES)])


def _marker(x: float, y: float, series: int, size: float = 3.2) -> Any:
    colour = _colour(series)
    shape = _MARKERS[series % len(_MARKERS)]
    if shape == "circle":
        return _Circle(x, y, size, colour, white, 0.8)
    if shape == "square":
        return _Rect(x - size, y - size, 2 * size, 2 * size, colour, white, 0.8)
    if shape == "triangle":
        points = [x - size * 1.2, y - size, x + size * 1.2, y - size, x, y + size * 1.3]
    else:
        points = [x, y - size * 1.3, x + size * 1.3, y, x, y + size * 1.3, x - size * 1.3, y]
    return _Polygon(points, colour, white, 0.8)


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
            shapes.append(_Line(x, y + 3, x + 14, y + 3, _colour(index), 2,
                                _DASHES[index % len(_DASHES)]))
            shapes.append(_marker(x + 7, y + 3, index, 2.6))
        else:
            shapes += _bar(x, y - 2, 12, 10, index)
        shapes.append(_string(x + 18, y, label))
        x += item
    return shapes, top - y + 6


# ---------------------------------------------------------------- drawings


def drawing(chart: Chart, locale: str, width: float = DEFAULT_WIDTH,
            height: float | None = None) -> Drawing:
    """The chart as a reportlab Drawing (for the pack): the same shapes the SVG shows.

    ``height`` is fixed for line charts (default 0.5 of the width); bar charts and
    funnels grow with their categories unless a height is given.
    """
    shapes, used = _layout(chart, locale, width, height)
    picture = Drawing(width, used)
    group = Group(*[_reportlab_shape(shape) for shape in shapes])
    # Shapes were laid out from the top (y = 0) downwards; shift them into the page.
    group.translate(0, used)
    picture.add(group)
    return picture


def _layout(chart: Chart, locale: str, width: float,
            height: float | None) -> tuple[list, float]:
    """(the chart's shapes, laid out from y = 0 downwards; the height they use)."""
    register_fonts()
    categories = [str(category) for category in chart.categories]
    series = [(str(name), list(values)) for name, values in chart.series]
    kind = value_kind(chart)
    if chart.kind is ChartKind.LINE:
        return _line_chart(categories, series, kind, locale, width, height)
    if chart.kind is ChartKind.FUNNEL and len(series) == 1:
        return _funnel(categories, series[0][1], locale, width, height)
    return _bar_chart(categories, series, kind, locale, width, height,
                      stacked=chart.kind is ChartKind.STACKED_BAR)


def _reportlab_shape(shape: Any) -> Any:
    if type(shape) is _Text:
        return String(shape.x, shape.y, shape.text, fontName=FONT_BOLD if shape.bold else FONT,
                      fontSize=shape.size, fillColor=shape.colour, textAnchor=shape.anchor)
    if type(shape) is _Rect:
        width = {} if shape.stroke_width is None else {"strokeWidth": shape.stroke_width}
        return Rect(shape.x, shape.y, shape.w, shape.h, fillColor=shape.fill,
                    strokeColor=shape.stroke, **width)
    if type(shape) is _Line:
        return Line(shape.x1, shape.y1, shape.x2, shape.y2, strokeColor=shape.stroke,
                    strokeWidth=shape.stroke_width, strokeDashArray=shape.dash)
    if type(shape) is _Path:
        path = Path(fillColor=None, strokeColor=shape.stroke, strokeWidth=shape.stroke_width,
                    strokeDashArray=shape.dash)
        for x, y, move in shape.moves:
            if move:
                path.moveTo(x, y)
            else:
                path.lineTo(x, y)
        return path
    if type(shape) is _Circle:
        return Circle(shape.x, shape.y, shape.r, fillColor=shape.fill, strokeColor=shape.stroke,
                      strokeWidth=shape.stroke_width)
    return Polygon(shape.points, fillColor=shape.fill, strokeColor=shape.stroke,
                   strokeWidth=shape.stroke_width)


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
                        shapes.append(_Rect(x + w / 2 - plate / 2, cursor - bar / 2 - 5, plate,
                                            10, _colour(s_index)))
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
        shapes.append(_Line(x, top, x, bottom, GRID if tick else MUTED, 0.6 if tick else 1))
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
            shapes.append(_Rect(left + (span - w) / 2, middle - bar / 2, w, bar, _colour(0)))
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
        shapes.append(_Line(left, ty, right, ty, GRID if tick else MUTED, 0.6 if tick else 1))
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
        moves: list[tuple[float, float, bool]] = []
        previous = None
        for i, value in enumerate(values):
            point = None if value is None else (x_of(i), plot_bottom + value * scale)
            if point:
                moves.append((*point, not previous))
            previous = point
        if moves:
            shapes.append(_Path(moves, _colour(s_index), 2, _DASHES[s_index % len(_DASHES)]))
        if markers:
            shapes += [_marker(x_of(i), plot_bottom + value * scale, s_index)
                       for i, value in enumerate(values) if value is not None]
    return shapes, height


# ---------------------------------------------------------------- SVG


_KEY = re.compile(r"[^A-Za-z0-9_-]+")


def render_svg(chart: Chart, locale: str, width: float = DEFAULT_WIDTH) -> Markup:
    """The chart as an accessible inline SVG for the page (see the module docstring)."""
    shapes, used = _layout(chart, locale, width, None)
    ident = "chart-" + _KEY.sub("-", chart.key)
    out = [
        f'<svg viewBox="0 0 {int(width)} {int(used)}" xmlns="http://www.w3.org/2000/svg"'
        f' fill-rule="evenodd" width="100%" preserveAspectRatio="xMinYMin meet" role="img"'
        f' class="chart-svg" font-family="{_escape(SVG_FONT_FAMILY)}"'
        f' aria-labelledby="{ident}-title {ident}-desc">'
        f'<title id="{ident}-title">{_escape(str(chart.title))}</title>'
        f'<desc id="{ident}-desc">{_escape(str(chart.description))}</desc>'
        # reportlab's frame: y flipped, then the shapes shifted down by the height used.
        f'<g transform="scale(1,-1) translate(0,-{int(used)})"><g>']
    shift = "" if used == 0 else f' transform=" matrix({_cfp(1, 0, 0, 1, 0, used)})"'
    if not shapes:
        out.append(f"<g{shift}/></g></g></svg>")
        return Markup("".join(out))  # noqa: S704 - every text escaped above
    out.append(f"<g{shift}>")
    out += [_SVG_WRITERS[type(shape)](shape) for shape in shapes]
    out.append("</g></g></g></svg>")
    return Markup("".join(out))  # noqa: S704 - every attribute and text escaped


def _escape(data: str) -> str:
    # What minidom's writer escapes, so the markup is the one reportlab's DOM gave.
    return (data.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
            .replace(">", "&gt;"))


def _cfp(*numbers: float) -> str:
    return py_fp_str(*numbers).replace(" ", ",")


@lru_cache(maxsize=64)
def _rgb(colour: Color | None) -> str:
    if colour is None:
        return "none"
    # renderSVG's "%d %%": whole percents, cut rather than rounded.
    red, green, blue = (int(part * 100) for part in (colour.red, colour.green, colour.blue))
    return f"rgb({red}%,{green}%,{blue}%)"


# Each shape as reportlab's SVG renderer wrote it (numbers written by its own functions,
# attributes in its order), with its inline style already turned into attributes.


def _area(fill: Color | None, stroke: Color | None, stroke_width: float | None) -> str:
    return (f' stroke="{_rgb(stroke)}" stroke-linecap="butt"'
            f' stroke-width="{1 if stroke_width is None else stroke_width}"'
            f' fill="{_rgb(fill)}" fill-rule="evenodd"/>')


def _svg_rect(shape: _Rect) -> str:
    x1, y1 = shape.x, shape.y
    x2, y2 = x1 + shape.w, y1 + shape.h
    x, y = min(x1, x2), min(y1, y2)
    return (f'<rect x="{x}" y="{y}" width="{max(x1, x2) - x}" height="{max(y1, y2) - y}"'
            + _area(shape.fill, shape.stroke, shape.stroke_width))


def _svg_circle(shape: _Circle) -> str:
    return (f'<circle cx="{shape.x}" cy="{shape.y}" r="{shape.r}"'
            + _area(shape.fill, shape.stroke, shape.stroke_width))


def _svg_polygon(shape: _Polygon) -> str:
    points = shape.points
    pairs = ", ".join(fp_str(points[i], points[i + 1]) for i in range(0, len(points), 2))
    return f'<polygon points="{pairs}"' + _area(shape.fill, shape.stroke, shape.stroke_width)


def _dash(dash: list[float] | None) -> str:
    return f' stroke-dasharray="{", ".join(map(str, dash))}"' if dash else ""


def _svg_line(shape: _Line) -> str:
    return (f'<path d="M {_cfp(shape.x1, shape.y1)} L {_cfp(shape.x2, shape.y2)} Z"'
            f' stroke="{_rgb(shape.stroke)}" stroke-linecap="butt"'
            f' stroke-width="{shape.stroke_width}"{_dash(shape.dash)}/>')


def _fp(number: float) -> str:
    # renderSVG's py_fp_str for one number, without its join: hatching has thousands.
    return ("%f" % number).rstrip("0").rstrip(".")  # noqa: UP031 - its own format


def _svg_path(shape: _Path) -> str:
    d = "".join(f"{'M' if move else 'L'} {_fp(x)} {_fp(y)} " for x, y, move in shape.moves)
    return (f'<path d="{d}" stroke="{_rgb(shape.stroke)}" stroke-linecap="butt"'
            f' stroke-width="{shape.stroke_width}" fill="none" fill-rule="evenodd"'
            f'{_dash(shape.dash)}/>')


def _svg_text(shape: _Text) -> str:
    # x is the anchor point, aligned by the browser with its own font (reportlab wrote x
    # already shifted by the text's width in DejaVu).
    anchor = "" if shape.anchor == "start" else f' text-anchor="{shape.anchor}"'
    return (f'<text x="{shape.x:.2f}" y="{shape.y}"'
            f' transform="translate(0,{int(2 * shape.y)}) scale(1,-1)"'
            f' font-size="{shape.size}" fill="{_rgb(shape.colour)}" stroke="none"{anchor}>'
            f"{_escape(shape.text)}</text>")


_SVG_WRITERS: dict[type, Callable[[Any], str]] = {
    _Rect: _svg_rect, _Circle: _svg_circle, _Polygon: _svg_polygon, _Line: _svg_line,
    _Path: _svg_path, _Text: _svg_text}



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
