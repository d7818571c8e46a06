"""Charts: one drawing per chart, rendered as accessible SVG (title, description, no
inline style for the CSP, no fixed width, unique ids) and as the pack's flowable;
numbers in the viewer's locale; series told apart without colour."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from babel.numbers import format_decimal, format_percent
from flask import render_template_string
from pypdf import PdfReader
from reportlab.graphics import renderPDF

from lms import create_app
from lms.reports import charts
from lms.reports.tables import Chart, ChartKind, Column, Kind, Suppressed, Table

SVG = "{http://www.w3.org/2000/svg}"
KINDS = list(ChartKind)


@pytest.fixture(scope="module")
def plain_app(tmp_path_factory):
    return create_app(LMS_ENV="testing", LMS_DATABASE_URL="sqlite://",
                      LMS_INSTANCE_PATH=str(tmp_path_factory.mktemp("charts")))


def country_table() -> Table:
    return Table("by-country", "People by country", [
        Column("country", "Country"), Column("enrolled", "Enrolled", Kind.PEOPLE),
        Column("completed", "Completed", Kind.PEOPLE)],
        [("Perú", 1234, 800), ("Côte d'Ivoire", 45, None), ("Chile", 7, Suppressed(5))])


def chart(kind: ChartKind, key: str = "reach-country", series=None) -> Chart:
    return Chart(key, kind, "Enrolments & completions", "Enrolled <and> completed, by country",
                 ["Perú", "Côte d'Ivoire", "Chile"],
                 series or [("Enrolled", [1234, 45, 7]), ("Completed", [800, None, None])],
                 country_table())


def parse(markup) -> ElementTree.Element:
    # Our own renderer's output, not outside input.
    return ElementTree.fromstring(str(markup))  # noqa: S314


def texts(root) -> list[str]:
    return [element.text or "" for element in root.iter(f"{SVG}text")]


@pytest.mark.parametrize("kind", KINDS)
def test_svg_is_accessible_and_allowed_by_the_content_security_policy(kind):
    markup = str(charts.render_svg(chart(kind), "en"))
    root = parse(markup)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-reach-country-title chart-reach-country-desc"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert (title.get("id"), title.text) == ("chart-reach-country-title",
                                             "Enrolments & completions")
    assert (desc.get("id"), desc.text) == ("chart-reach-country-desc",
                                           "Enrolled <and> completed, by country")
    # Scales to its box: a viewBox, width 100 %, no pixel height.
    assert root.get("width") == "100%" and root.get("height") is None
    assert re.fullmatch(r"0 0 520 \d+", root.get("viewBox"))
    # No inline style (style-src 'self'), no script, no declaration or doctype.
    assert "style=" not in markup
    assert "<script" not in markup and "<?xml" not in markup and "DOCTYPE" not in markup
    # Labels keep their anchor for the browser's font; no working attribute is left.
    assert "data-" not in markup
    assert any(e.get("text-anchor") in ("end", "middle") for e in root.iter(f"{SVG}text"))
    ids = [element.get("id") for element in root.iter() if element.get("id")]
    assert ids == ["chart-reach-country-title", "chart-reach-country-desc"]
    assert "Perú" in texts(root)


def test_two_charts_on_one_page_have_different_ids():
    first = parse(charts.render_svg(chart(ChartKind.BAR, "a"), "en"))
    second = parse(charts.render_svg(chart(ChartKind.BAR, "b/c d"), "en"))
    assert first.find(f"{SVG}title").get("id") == "chart-a-title"
    assert second.find(f"{SVG}title").get("id") == "chart-b-c-d-title"


@pytest.mark.parametrize(("locale", "written"), [
    ("en", "1,234"), ("es", "1.234"), ("fr", "1\u202f234"), ("pt", "1.234")])
def test_numbers_on_bars_are_written_in_the_viewers_locale(locale, written):
    root = parse(charts.render_svg(chart(ChartKind.BAR), locale))
    assert written in texts(root)


def test_percentages_in_the_viewers_locale_on_a_chart_of_rates():
    table = Table("rates", "Rates", [Column("country", "Country"),
                                     Column("rate", "Rate", Kind.PERCENT)],
                  [("Perú", 0.5), ("Chile", 0.333)])
    rates = Chart("rates", ChartKind.BAR, "Rates", "Completion rates", ["Perú", "Chile"],
                  [("Rate", [0.5, 0.333])], table)
    # Labels on the bars and ticks on the axis alike.
    spanish = set(texts(parse(charts.render_svg(rates, "es"))))
    assert {"50\xa0%", "33,3\xa0%", "0\xa0%", "10\xa0%"} <= spanish
    assert {"50%", "33.3%"} <= set(texts(parse(charts.render_svg(rates, "en"))))


def fills(root, colour: str) -> list:
    return [e for e in root.iter(f"{SVG}rect") if e.get("fill") == colour]


FIRST = "rgb(12%,37%,60%)"   # PALETTE[0] as renderSVG writes it
SECOND = "rgb(65%,27%,0%)"   # PALETTE[1]


@pytest.mark.parametrize(("value", "kind", "locale", "written"), [
    (1234, Kind.PEOPLE, "es", "1.234"), (0.625, Kind.PERCENT, "fr", "62,5\xa0%"),
    (0.5, Kind.PERCENT, "en", "50%"), (71.25, Kind.NUMBER, "pt", "71,2"),
    (840.5, Kind.HOURS, "en", "840.5"), (12.0, Kind.HOURS, "en", "12"),
    (date(2026, 3, 5), Kind.DATE, "es", "5 mar 2026"), (Suppressed(5), Kind.PEOPLE, "fr", "< 5"),
    (None, Kind.PERCENT, "en", "–"), ("Perú", Kind.TEXT, "fr", "Perú")])
def test_values_are_written_in_the_viewers_locale(value, kind, locale, written):
    assert charts.format_value(value, kind, locale) == written


NUMBERS = [0, 1, 7, 999, 1000, 1234, 65536, 1234567, 10 ** 15 - 1, 10 ** 15, 10 ** 20, -1, -1234,
           0.0, 0.5, 0.05, 0.125, 0.3333, 0.6666, 0.9995, 1.0, 1.5, 2.675, 12.05, 840.5,
           1234.5678, -0.25, 1e-7, 123456789.123, Decimal("1234.50"), Decimal("0.3333"),
           Decimal("7"), Decimal("-2.5")]


@pytest.mark.parametrize("locale", ["en", "es", "fr", "pt"])
@pytest.mark.parametrize("kind", [Kind.PEOPLE, Kind.COUNT, Kind.NUMBER, Kind.HOURS,
                                  Kind.PERCENT])
def test_numbers_are_written_as_babel_writes_them(locale, kind):
    """The writers parse a locale's pattern once and group whole numbers themselves:
    what they write must be Babel's own text, number for number."""
    pattern = {Kind.NUMBER: "#,##0.0", Kind.HOURS: "#,##0.#"}.get(kind, "#,##0")
    for value in NUMBERS:
        if kind is Kind.PERCENT:
            expected = format_percent(round(float(value), 3), locale=locale,
                                      decimal_quantization=False)
        else:
            expected = format_decimal(value, format=pattern, locale=locale)
        assert charts.format_value(value, kind, locale) == expected, value


@pytest.mark.parametrize(("top", "kind", "ticks"), [
    (120, Kind.PEOPLE, [0, 25, 50, 75, 100, 125]), (210, Kind.PEOPLE, [0, 50, 100, 150, 200, 250]),
    (3, Kind.PEOPLE, [0, 1, 2, 3]), (0, Kind.PEOPLE, [0, 1]),
    (0.5, Kind.PERCENT, [0, 0.1, 0.2, 0.3, 0.4, 0.5]), (7.5, Kind.NUMBER, [0, 2, 4, 6, 8])])
def test_axis_ticks_are_round_numbers_just_above_the_largest_value(top, kind, ticks):
    assert charts.nice_ticks(top, kind) == ticks


def test_a_missing_value_has_no_bar_and_a_dash_label():
    root = parse(charts.render_svg(chart(ChartKind.BAR), "en"))
    # Enrolled: 3 bars (and its legend swatch); Completed: 1 bar (and the swatch).
    assert len(fills(root, FIRST)) == 4
    assert len(fills(root, SECOND)) == 2
    assert texts(root).count(charts.MISSING) == 2
    assert {"Enrolled", "Completed"} <= set(texts(root))  # the legend


def test_series_differ_by_more_than_colour():
    bars = parse(charts.render_svg(chart(ChartKind.BAR), "en"))
    hatching = [e for e in bars.iter(f"{SVG}path") if e.get("stroke") == "rgb(100%,100%,100%)"]
    assert hatching, "the second series' bars carry white hatching"
    lines = parse(charts.render_svg(chart(ChartKind.LINE), "en"))
    dashed = [e for e in lines.iter(f"{SVG}path") if e.get("stroke-dasharray")]
    assert dashed, "the second series is dashed"
    assert all(charts.contrast_ratio(colour) >= 4.5 for colour in charts.PALETTE)
    assert round(charts.contrast_ratio("#000000"), 1) == 21.0


def test_stacked_bars_show_each_total_and_the_funnel_its_share_of_the_first_stage():
    stacked = texts(parse(charts.render_svg(
        chart(ChartKind.STACKED_BAR, series=[("Enrolled", [1234, 45, 7]),
                                             ("Completed", [800, 5, 0])]), "en")))
    assert {"2,034", "50", "7"} <= set(stacked)
    funnel = texts(parse(charts.render_svg(
        chart(ChartKind.FUNNEL, series=[("People", [200, 50, 10])]), "en")))
    assert {"200 · 100%", "50 · 25%", "10 · 5%"} <= set(funnel)


def test_the_pack_gets_the_same_drawing():
    picture = charts.render_pdf_flowable(chart(ChartKind.BAR), "fr", 480)
    same = charts.drawing(chart(ChartKind.BAR), "fr", 480)
    assert (picture.width, picture.height) == (same.width, same.height) == (480, same.height)
    pdf = renderPDF.drawToString(picture)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Côte d'Ivoire" in text and "1\u202f234" in text


def test_the_figure_macro_shows_caption_picture_and_table(plain_app):
    from lms.reports.views import cell

    with plain_app.test_request_context("/"):
        html = render_template_string(
            '{% from "reports/_chart.html" import chart_figure %}'
            "{{ chart_figure(chart, svg, cell) }}",
            chart=chart(ChartKind.BAR), svg=charts.render_svg(chart(ChartKind.BAR), "en"),
            cell=cell)
    assert re.search(r'<figure class="chart"[^>]*>\s*<figcaption[^>]*>Enrolments &amp; '
                     r"completions</figcaption>", html)
    assert '<svg viewBox="0 0 520' in html and 'role="img"' in html
    assert "<caption>People by country</caption>" in html
    assert "&lt; 5" in html and "1,234" in html


def test_a_chart_too_tall_for_a_pack_page_is_squeezed_to_fit():
    countries = [f"Country {i}" for i in range(60)]
    tall = Chart("tall", ChartKind.BAR, "By country", "Sixty countries", countries,
                 [(name, list(range(60))) for name in ("Enrolled", "Completed", "Failed")],
                 country_table())
    assert charts.drawing(tall, "en", 480).height > 1500
    picture = charts.render_pdf_flowable(tall, "en", 480, max_height=560)
    assert picture.height <= 560 and picture.width <= 480
    text = PdfReader(io.BytesIO(renderPDF.drawToString(picture))).pages[0].extract_text()
    assert "Country 0" in text and "Country 59" in text
