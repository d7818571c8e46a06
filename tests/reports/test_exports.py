"""CSV and XLSX exports: every table, the filters first, numbers as numbers, hidden
cells as "< 5", valid sheet names, and a row stream whose memory does not grow."""

from __future__ import annotations

import csv
import io
import tracemalloc
from datetime import date, datetime

import openpyxl
import pytest
from flask_babel import force_locale

from lms import create_app
from lms.reports import exports
from lms.reports.tables import Chart, ChartKind, Column, Kind, Section, Suppressed, Table

FILTERS = [("Program", "PROCCER"), ("Year", "2026")]


@pytest.fixture(scope="module")
def plain_app(tmp_path_factory):
    return create_app(LMS_ENV="testing", LMS_DATABASE_URL="sqlite://",
                      LMS_INSTANCE_PATH=str(tmp_path_factory.mktemp("exports")))


@pytest.fixture
def context(plain_app):
    with plain_app.app_context():
        yield


def sections() -> list[Section]:
    countries = Table("by-country", "Enrolments by country: [2026]", [
        Column("country", "Country"), Column("enrolled", "Enrolled", Kind.PEOPLE),
        Column("rate", "Completion rate", Kind.PERCENT), Column("hours", "Hours", Kind.HOURS)],
        [("Perú", 120, 0.625, 840.5), ("=HYPERLINK(1)", Suppressed(5), None, 12.0)],
        note="People counted once per country.")
    trend = Table("trend", "Enrolments by country: [2026]", [
        Column("quarter", "Quarter"), Column("started", "Started", Kind.DATE),
        Column("mean", "Mean score", Kind.NUMBER)],
        [("2026-Q1", date(2026, 1, 5), 71.25)])
    long = Table("long", "A very long title that cannot fit in a sheet name? *yes*",
                 [Column("a", "A"), Column("n", "N", Kind.COUNT)], [("x", 3)], n=42)
    chart = Chart("c", ChartKind.BAR, "By country", "People by country", ["Perú"],
                  [("Enrolled", [120])], countries)
    return [Section("reach", "Reach", charts=[chart], tables=[countries, trend]),
            Section("learning", "Learning", tables=[long])]


def test_csv_has_the_filters_then_each_table_once_with_plain_values():
    rows = list(csv.reader(io.StringIO(exports.to_csv(sections(), FILTERS))))
    assert rows == [
        ["Program", "PROCCER"], ["Year", "2026"],
        [], ["Enrolments by country: [2026]"],
        ["Country", "Enrolled", "Completion rate", "Hours"],
        ["Perú", "120", "0.625", "840.5"],
        ["'=HYPERLINK(1)", "< 5", "", "12.0"],
        ["People counted once per country."],
        [], ["Enrolments by country: [2026]"],
        ["Quarter", "Started", "Mean score"],
        ["2026-Q1", "2026-01-05", "71.25"],
        [], ["A very long title that cannot fit in a sheet name? *yes*"],
        ["A", "N"], ["x", "3"],
    ]
    assert exports.table_csv(sections()[1].tables[0]).splitlines() == ["A,N", "x,3"]


def test_sheet_names_are_valid_and_unique():
    taken: set[str] = set()
    names = [exports.sheet_name(title, taken) for title in
             ["Reach", "reach", "a/b\\c[d]:e*f?g", "'quoted'", "x" * 40, "x" * 40, ""]]
    assert names == ["Reach", "reach (2)", "a b c d e f g", "quoted", "x" * 31,
                     "x" * 27 + " (2)", "Sheet"]
    assert all(len(name) <= 31 for name in names)


def test_xlsx_has_a_filters_sheet_then_one_sheet_per_table(context):
    stream = io.BytesIO()
    with force_locale("en"):
        exports.to_xlsx(sections(), FILTERS, stream, data_date=date(2026, 12, 4))
    book = openpyxl.load_workbook(io.BytesIO(stream.getvalue()))
    assert book.sheetnames == ["Filters", "Enrolments by country 2026",
                               "Enrolments by country 2026 (2)",
                               "A very long title that cannot f"]
    filters = book["Filters"]
    assert [[c.value for c in row] for row in filters.iter_rows(min_row=2)] == [
        ["Program", "PROCCER"], ["Year", "2026"],
        ["Date of the data", filters["B4"].value]]
    assert filters["B4"].value.date() == date(2026, 12, 4)

    sheet = book["Enrolments by country 2026"]
    assert sheet["A1"].value == "Enrolments by country: [2026]"
    assert [c.value for c in sheet[2]] == ["Country", "Enrolled", "Completion rate", "Hours"]
    assert all(c.font.b for c in sheet[2])
    assert [c.value for c in sheet[3]] == ["Perú", 120, 0.625, 840.5]
    assert sheet["C3"].number_format == "0.0%"
    # Hidden as text; a formula-looking name stays text, never a formula.
    assert [c.value for c in sheet[4]] == ["=HYPERLINK(1)", "< 5", None, 12]
    assert sheet["A4"].data_type == "s"
    assert sheet["A6"].value == "People counted once per country."
    trend = book["Enrolments by country 2026 (2)"]
    assert trend["B3"].value.date() == date(2026, 1, 5)
    assert trend["C3"].value == 71.25
    long = book["A very long title that cannot f"]
    assert long["A5"].value == "n = 42"


def test_the_same_data_gives_the_same_xlsx(context):
    first, second = io.BytesIO(), io.BytesIO()
    with force_locale("es"):
        exports.to_xlsx(sections(), FILTERS, first, data_date=date(2026, 12, 4))
        exports.to_xlsx(sections(), FILTERS, second, data_date=date(2026, 12, 4))
    assert first.getvalue() == second.getvalue()
    assert openpyxl.load_workbook(first).sheetnames[0] == "Filtros"  # in the viewer's language


def _peak(rows: int, path) -> int:
    def generated():
        for i in range(rows):
            yield (i, f"person-{i}@example.org", "Perú", date(2026, 1, 1 + i % 28), 0.5, None)

    tracemalloc.start()
    with open(path, "wb") as stream:
        written = exports.rows_xlsx(["ID", "Email", "Country", "Start", "Score", "Empty"],
                                    generated(), stream, sheet_title="Enrolments")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert written == rows
    return peak


def test_every_row_export_streams_in_constant_memory(context, tmp_path):
    small = _peak(1_000, tmp_path / "small.xlsx")
    large = _peak(10_000, tmp_path / "large.xlsx")
    # Ten times the rows, about the same memory (a batch of rows at a time).
    assert large < small * 1.5 + 256 * 1024, (small, large)
    book = openpyxl.load_workbook(tmp_path / "large.xlsx", read_only=True)
    sheet = book["Enrolments"]
    rows = sheet.iter_rows(values_only=True)
    assert next(rows) == ("ID", "Email", "Country", "Start", "Score", "Empty")
    first = next(rows)
    assert first[:3] == (0, "person-0@example.org", "Perú") and first[4] == 0.5
    # A date reads back as that date, shown as one (written as its Excel serial number).
    assert first[3] == datetime(2026, 1, 1)
    assert next(rows)[3] == datetime(2026, 1, 2)
    assert sheet.max_row == 10_001
    book.close()
