"""Charts stay cheap to draw at a program's size: a year of days is one path per series
(no marker per day), and a hatched bar one path of hatching, so the page's SVG does not
grow by a shape per point (issue 12: the report page under 300 ms)."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest
from reportlab.graphics import renderSVG
from reportlab.graphics.shapes import String

from lms.reports import charts
from lms.reports.tables import Chart, ChartKind, Column, Kind, Table

SVG = "{http://www.w3.org/2000/svg}"
WHITE = "rgb(100%,100%,100%)"


def line_chart(points: int, series: int = 4, gap_at: int | None = None) -> Chart:
    labels = [f"d{i}" for i in range(points)]
    values = [[None if i == gap_at else float(i % 7 + s) for i in range(points)]
              for s in range(series)]
    table = Table("days", "Per day", [Column("day", "Day")] + [
        Column(f"s{s}", f"Series {s}", Kind.COUNT) for s in range(series)],
        [(label, *(v[i] for v in values)) for i, label in enumerate(labels)])
    return Chart("days", ChartKind.LINE, "Per day", "Verifications per day", labels,
                 [(f"Series {s}", values[s]) for s in range(series)], table)


def parse(markup) -> ElementTree.Element:
    # Our own renderer's output, not outside input.
    return ElementTree.fromstring(str(markup))  # noqa: S314


def series_paths(root) -> list[ElementTree.Element]:
    # A legend's sample line is one segment; a series has one per pair of points.
    return [e for e in root.iter(f"{SVG}path")
            if e.get("stroke-width") == "2" and e.get("d").count("L") > 1]


def markers(root) -> list[ElementTree.Element]:
    """Markers, the legend's included (one per series)."""
    return [e for e in root.iter() if e.get("stroke") == WHITE
            and e.get("stroke-width") == "0.8"]


def test_a_year_of_days_is_one_path_per_series_and_no_marker_per_day():
    root = parse(charts.render_svg(line_chart(365), "en"))
    assert len(series_paths(root)) == 4
    assert len(markers(root)) == 4, "the legend's only: 365 a few units apart would smear"
    # The whole picture stays a few hundred elements, not thousands.
    assert sum(1 for _element in root.iter()) < 300


def test_a_few_points_keep_their_markers():
    root = parse(charts.render_svg(line_chart(12), "en"))
    assert len(series_paths(root)) == 4
    assert len(markers(root)) == 4 * 12 + 4


def test_a_missing_value_breaks_the_line():
    root = parse(charts.render_svg(line_chart(12, series=1, gap_at=5), "en"))
    (path,) = series_paths(root)
    assert path.get("d").count("M") == 2, "the line stops before the gap and starts after"


def test_the_hatching_of_a_bar_is_one_path():
    table = Table("bars", "Bars", [Column("c", "C"), Column("a", "A", Kind.PEOPLE),
                                   Column("b", "B", Kind.PEOPLE)],
                  [(f"c{i}", 100, 90) for i in range(50)])
    bars = Chart("bars", ChartKind.BAR, "Bars", "Two series", [f"c{i}" for i in range(50)],
                 [("A", [100.0] * 50), ("B", [90.0] * 50)], table)
    root = parse(charts.render_svg(bars, "en"))
    hatching = [e for e in root.iter(f"{SVG}path") if e.get("stroke") == WHITE]
    # One per hatched bar (the second series) and at most one for its legend swatch.
    assert 50 <= len(hatching) <= 51
    assert all(path.get("d").count("M") > 1 for path in hatching)


# ------------------------------------------------- the SVG as reportlab's renderer wrote it

STYLE_ITEM = re.compile(r"\s*([a-z-]+)\s*:\s*([^;]+?)\s*(?:;|$)")


def reportlab_svg(chart: Chart, locale: str) -> str:
    """The page's SVG made the way it was before it was written straight from the shapes:
    the pack's Drawing through reportlab's SVG renderer and minidom, then cleaned for the
    page (style to attributes, no ids or clips, labels back at their anchor point)."""
    picture = charts.drawing(chart, locale)
    for shape in picture.contents[0].contents:
        if isinstance(shape, String):
            shape._svgAttrs = {"data-x": f"{shape.x:.2f}", "data-anchor": shape.textAnchor}
    canvas = renderSVG.SVGCanvas((picture.width, picture.height), useClip=True)
    renderSVG.draw(picture, canvas, 0, 0, showBoundary=False)
    svg = canvas.svg
    svg.appendChild(canvas.groupTree)
    ident = "chart-" + re.sub(r"[^A-Za-z0-9_-]+", "-", chart.key)
    for name in ("width", "height", "version", "xmlns:xlink", "preserveAspectRatio"):
        svg.removeAttribute(name)
    for name, value in (("width", "100%"), ("preserveAspectRatio", "xMinYMin meet"),
                        ("role", "img"), ("class", "chart-svg"),
                        ("font-family", charts.SVG_FONT_FAMILY),
                        ("aria-labelledby", f"{ident}-title {ident}-desc")):
        svg.setAttribute(name, value)
    for tag, text in (("title", chart.title), ("desc", chart.description)):
        node = svg.getElementsByTagName(tag)[0]
        node.setAttribute("id", f"{ident}-{tag}")
        node.firstChild.data = str(text)
    out: list[str] = []
    write_clean(svg, out)
    return "".join(out)


def escape(data: str) -> str:
    return (data.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
            .replace(">", "&gt;"))


def write_clean(element, out: list[str]) -> None:
    tag = element.tagName
    attrs = dict(element.attributes.items())
    if tag not in ("title", "desc"):
        attrs.pop("id", None)
        attrs.pop("clip", None)
    if attrs.get("transform") == "":
        del attrs["transform"]
    for name, value in STYLE_ITEM.findall(attrs.pop("style", "")):
        if name != "font-family":
            attrs[name] = value[:-2] if name == "font-size" and value.endswith("px") else value
    anchor = attrs.pop("data-anchor", None)
    if anchor is not None:
        attrs["x"] = attrs.pop("data-x")
        if anchor != "start":
            attrs["text-anchor"] = anchor
    out.append("<" + tag + "".join(f' {name}="{escape(value)}"' for name, value in attrs.items()))
    if not element.childNodes:
        out.append("/>")
        return
    out.append(">")
    for child in element.childNodes:
        if child.nodeType == child.ELEMENT_NODE:
            write_clean(child, out)
        else:
            out.append(escape(child.data))
    out.append(f"</{tag}>")


def bar_chart(kind: ChartKind, series: int, categories: int, value_kind: Kind) -> Chart:
    names = ["Perú", "Côte d'Ivoire", "A & B <c>", "A course with a very long name indeed"]
    labels = [f"{names[i % len(names)]} {i}" for i in range(categories)]
    values = [[None if (i + s) % 7 == 3 else (i * 37 + s * 11) % 101 / (
        100 if value_kind is Kind.PERCENT else 1) for i in range(categories)]
        for s in range(series)]
    table = Table("mixed", "Mixed", [Column("c", "C")] + [
        Column(f"s{s}", f"Series {s}", value_kind) for s in range(series)],
        [(label, *(v[i] for v in values)) for i, label in enumerate(labels)])
    return Chart("a/b c", kind, "Title & <more>", 'Said "so"', labels,
                 [(f"Series {s}", values[s]) for s in range(series)], table)


@pytest.mark.parametrize("locale", ["en", "fr"])
@pytest.mark.parametrize(("chart", "label"), [
    (bar_chart(ChartKind.BAR, 6, 12, Kind.PEOPLE), "six hatched series"),
    (bar_chart(ChartKind.BAR, 1, 3, Kind.PERCENT), "rates"),
    (bar_chart(ChartKind.STACKED_BAR, 5, 10, Kind.PEOPLE), "stacked, labels on plates"),
    (bar_chart(ChartKind.FUNNEL, 1, 6, Kind.PEOPLE), "funnel"),
    (bar_chart(ChartKind.LINE, 6, 12, Kind.NUMBER), "every marker"),
    (bar_chart(ChartKind.BAR, 2, 0, Kind.PEOPLE), "nothing to draw"),
    (line_chart(365, gap_at=40), "a year of days")])
def test_the_svg_is_the_one_reportlabs_renderer_wrote(chart, label, locale):
    """The SVG is written straight from the shapes (building reportlab shapes and a DOM
    cost most of the page's time): it must be, byte for byte, what the renderer gave."""
    assert str(charts.render_svg(chart, locale)) == reportlab_svg(chart, locale), label
