"""The every-row sheet (lms.reports.sheet): what a spreadsheet program reads back from it
is what was written, cell by cell, as XlsxWriter wrote it before."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal
from enum import IntEnum, StrEnum

import openpyxl
import xlsxwriter

from lms.reports import sheet


class Status(StrEnum):
    ACTIVE = "active"


class Level(IntEnum):
    HIGH = 3


def _written(header, rows, **kwargs):
    stream = io.BytesIO()
    count = sheet.write_rows(header, rows, stream, **{"sheet_title": "Rows", **kwargs})
    stream.seek(0)
    return count, stream


def _values(stream, title="Rows") -> list[list]:
    return [list(row) for row in openpyxl.load_workbook(stream)[title].iter_rows(
        values_only=True)]


def test_each_kind_of_value_reads_back_as_written():
    row = [7, 0.1, Decimal("2.50"), True, date(2026, 1, 2), datetime(2026, 5, 4, 13, 30, 15),
           "Perú", None, "", Status.ACTIVE, float("nan"), date(1899, 1, 1), Level.HIGH]
    count, stream = _written([f"h{i}" for i in range(len(row))], [row])
    header, values = _values(stream)
    assert count == 1
    assert header == [f"h{i}" for i in range(len(row))]
    assert values == [7, 0.1, 2.5, True, datetime(2026, 1, 2), datetime(2026, 5, 4, 13, 30, 15),
                      "Perú", None, None, "active", "nan", "1899-01-01", 3]
    stream.seek(0)
    cells = openpyxl.load_workbook(stream)["Rows"]
    # Dates are numbers shown as dates (the day, or the day and time); numbers are numbers.
    assert cells["E2"].is_date and cells["E2"].number_format == "yyyy\\-mm\\-dd"
    assert "hh:mm" in cells["F2"].number_format
    assert cells["A2"].number_format == "General"
    # Before 1 March 1900 Excel's calendar is off by a day: such a date stays text.
    assert cells["L2"].data_type == "s"


def test_text_that_needs_escaping_reads_back_as_xlsxwriter_wrote_it():
    texts = ["a&b<c>\"d'", "  padded ", "tab\there\nline", "bell\x07ringing", "_x0041_",
             "=1+1", "x" * (sheet.MAX_TEXT + 10)]
    _count, stream = _written(["text"] * len(texts), [texts])
    ours = _values(stream)[1]
    reference = io.BytesIO()
    workbook = xlsxwriter.Workbook(reference, {"constant_memory": True,
                                               "strings_to_formulas": False})
    worksheet = workbook.add_worksheet("Rows")
    for j, text in enumerate(texts):
        worksheet.write_string(1, j, text)
    workbook.close()
    reference.seek(0)
    assert ours == _values(reference)[1]
    assert ours[:3] == texts[:3] and ours[5] == "=1+1"
    assert len(ours[6]) == sheet.MAX_TEXT


def test_header_bold_frozen_with_widths_and_a_valid_title():
    _count, stream = _written(["Name", "Email"], [["Ana", "ana@example.org"]],
                              sheet_title="Ana & Bo's <rows>", widths=[12, 30])
    book = openpyxl.load_workbook(stream)
    assert book.sheetnames == ["Ana & Bo's <rows>"]
    rows = book.worksheets[0]
    assert rows["A1"].font.b and not rows["A2"].font.b
    assert rows.freeze_panes == "A2"
    # The widths XlsxWriter gives columns of 12 and 30 characters.
    assert rows.column_dimensions["A"].width == 12.7109375
    assert rows.column_dimensions["B"].width == 30.7109375


def test_rows_wider_than_the_header_and_the_dimension():
    _count, stream = _written(["a"], [[1, 2, 3], [4]] + [[5] * 30])
    values = _values(stream)
    assert values[1][:3] == [1, 2, 3] and values[2][0] == 4
    assert values[3] == [5] * 30  # past column Z: AA, AB, ...
    stream.seek(0)
    read_only = openpyxl.load_workbook(stream, read_only=True)["Rows"]
    assert (read_only.max_row, read_only.max_column) == (4, 30)
    assert sheet.column_letters(0) == "A" and sheet.column_letters(26) == "AA"
    assert sheet.column_letters(16_383) == "XFD"


def test_no_rows_gives_the_header_alone():
    count, stream = _written(["Program", "Course"], iter(()))
    assert count == 0
    assert _values(stream) == [["Program", "Course"]]


def test_rows_beyond_excels_limit_are_not_written(monkeypatch):
    monkeypatch.setattr(sheet, "MAX_ROWS", 4)  # the header and three rows
    count, stream = _written(["n"], ([i] for i in range(10)))
    assert count == 3
    assert _values(stream) == [["n"], [0], [1], [2]]


def test_the_package_holds_the_parts_a_spreadsheet_program_opens():
    _count, stream = _written(["n"], [[1]])
    with zipfile.ZipFile(stream) as archive:
        assert archive.testzip() is None
        assert sorted(archive.namelist()) == sorted([
            "[Content_Types].xml", "_rels/.rels", "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/worksheets/sheet1.xml"])
        assert archive.getinfo("xl/worksheets/sheet1.xml").compress_type == zipfile.ZIP_DEFLATED
