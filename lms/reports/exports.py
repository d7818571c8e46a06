"""CSV and XLSX exports of a report's tables.

The CSV is one file of every table (a title line before each, a blank line
between them) with plain machine-readable values: numbers with a "." and no
grouping, percentages as fractions. The XLSX has a first sheet of the filters and
the date of the data, then one sheet per table, with numbers stored as numbers
(percentages formatted as such) and hidden cells as the text "< 5". ``rows_xlsx``
streams any number of rows in the same memory (``lms.reports.sheet``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from typing import IO, Any

import xlsxwriter
from flask_babel import gettext as _

from lms.kernel import clock
from lms.reports import sheet
from lms.reports.tables import Kind, Section, Suppressed, Table

# (label, value) lines describing what a report counts: "Program", "PROCCER".
FilterLines = Sequence[tuple[Any, Any]]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_MAX = 31
_NUMBER_FORMATS = {Kind.PERCENT: "0.0%", Kind.NUMBER: "#,##0.0", Kind.HOURS: "#,##0.#",
                   Kind.PEOPLE: "#,##0", Kind.COUNT: "#,##0"}


def _text(value: Any) -> str:
    """Text as a spreadsheet shows it, never as a formula (CSV injection)."""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Suppressed):
        return str(value)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return _text(value)


def _table_rows(table: Table) -> list[list[Any]]:
    lines: list[list[Any]] = [[_text(column.title) for column in table.columns]]
    lines += [[_csv_value(value) for value in row] for row in table.rows]
    return lines


def table_csv(table: Table) -> str:
    """One table as CSV: its header and its rows."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(_table_rows(table))
    return buffer.getvalue()


def to_csv(sections: Sequence[Section], filters_description: FilterLines) -> str:
    """Every table of the report in one CSV, after the filters it was made with."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for label, value in filters_description:
        writer.writerow([_text(label), _text(value)])
    for section in sections:
        for table in section.all_tables():
            writer.writerow([])
            writer.writerow([_text(table.title)])
            writer.writerows(_table_rows(table))
            if table.note:
                writer.writerow([_text(table.note)])
    return buffer.getvalue()


def sheet_name(title: Any, taken: set[str]) -> str:
    """A valid, unused sheet name from a title: at most 31 characters, none of []:*?/\\,
    not starting or ending with an apostrophe; "Reach (2)" when taken."""
    base = " ".join(_SHEET_FORBIDDEN.sub(" ", str(title)).split()).strip("'").strip() or "Sheet"
    name = base[:SHEET_NAME_MAX].strip()
    number = 2
    while name.lower() in taken:
        suffix = f" ({number})"
        name = base[:SHEET_NAME_MAX - len(suffix)].strip() + suffix
        number += 1
    taken.add(name.lower())
    return name


def _workbook(stream: IO[bytes], created: datetime | None = None) -> xlsxwriter.Workbook:
    workbook = xlsxwriter.Workbook(stream, {"constant_memory": True,
                                            "strings_to_formulas": False,
                                            "strings_to_urls": False})
    # A fixed creation time: the same data gives the same file.
    workbook.set_properties({"created": created or clock.now().replace(tzinfo=None)})
    return workbook


def to_xlsx(sections: Sequence[Section], filters_description: FilterLines, stream: IO[bytes],
            *, data_date: date | datetime | None = None) -> None:
    """The report as a workbook written to ``stream``: "Filters", then a sheet per table."""
    data_date = data_date or clock.now()
    created = (data_date if isinstance(data_date, datetime)
               else datetime.combine(data_date, time())).replace(tzinfo=None)
    workbook = _workbook(stream, created)
    bold = workbook.add_format({"bold": True})
    title_format = workbook.add_format({"bold": True, "font_size": 13})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    formats = {kind: workbook.add_format({"num_format": pattern})
               for kind, pattern in _NUMBER_FORMATS.items()}
    taken: set[str] = set()

    filters = workbook.add_worksheet(sheet_name(_("Filters"), taken))
    filters.set_column(0, 0, 28)
    filters.set_column(1, 1, 48)
    filters.write_string(0, 0, _("Filters"), title_format)
    row = 1
    for label, value in filters_description:
        filters.write_string(row, 0, str(label), bold)
        filters.write_string(row, 1, str(value))
        row += 1
    filters.write_string(row, 0, _("Date of the data"), bold)
    filters.write_datetime(row, 1, created, date_format)

    for section in sections:
        for table in section.all_tables():
            sheet = workbook.add_worksheet(sheet_name(table.title, taken))
            _write_table(sheet, table, title_format, bold, formats, date_format)
    workbook.close()


def _write_table(sheet, table: Table, title_format, bold, formats: dict, date_format) -> None:
    kinds = [column.kind for column in table.columns]
    for j, column in enumerate(table.columns):
        width = max([len(str(column.title))]
                    + [len(str(row[j])) for row in table.rows[:200] if kinds[j] is Kind.TEXT])
        sheet.set_column(j, j, min(max(width + 2, 10), 60))
    sheet.write_string(0, 0, str(table.title), title_format)
    for j, column in enumerate(table.columns):
        sheet.write_string(1, j, str(column.title), bold)
    sheet.freeze_panes(2, 1)
    for i, row in enumerate(table.rows, start=2):
        for j, value in enumerate(row):
            _write_cell(sheet, i, j, value, formats.get(kinds[j]), date_format)
    after = len(table.rows) + 3
    if table.n is not None:
        sheet.write_string(after, 0, f"n = {table.n}")
        after += 1
    if table.note:
        sheet.write_string(after, 0, str(table.note))


def _write_cell(sheet, row: int, col: int, value: Any, number_format, date_format) -> None:
    if value is None:
        return
    if isinstance(value, Suppressed):
        sheet.write_string(row, col, str(value))
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value, number_format)
    elif isinstance(value, datetime):
        sheet.write_datetime(row, col, value.replace(tzinfo=None), date_format)
    elif isinstance(value, date):
        sheet.write_datetime(row, col, datetime.combine(value, time()), date_format)
    else:
        sheet.write_string(row, col, str(value))


def rows_xlsx(header: Sequence[Any], rows: Iterable[Sequence[Any]], stream: IO[bytes],
              *, sheet_title: Any = None) -> int:
    """Stream ``rows`` into a one-sheet workbook; memory does not grow with the rows.

    Returns the number of rows written. Written by ``lms.reports.sheet``, not XlsxWriter:
    at 100,000 rows the cells' writing is the export's time (see there).
    """
    return sheet.write_rows(header, rows, stream,
                            sheet_title=sheet_name(sheet_title or _("Rows"), set()),
                            widths=[max(len(str(title)) + 2, 12) for title in header])
