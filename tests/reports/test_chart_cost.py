"""Charts stay cheap to draw at a program's size: a year of days is one path per series
(no marker per day), and a hatched bar one path of hatching, so the page's SVG does not
grow by a shape per point (issue 12: the report page under 300 ms)."""

from __future__ import annotations

from xml.etree import ElementTree

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
