"""Small-cell suppression: figures shared outside a program never single out people.

A count of fewer than ``LMS_REPORT_MIN_CELL`` people (default 5) is shown as "< 5".
Hiding it alone is not enough when the row or column total is printed: subtract
the other cells and it comes back. So, in every row and every column of people
counts where exactly one cell is hidden, the smallest other non-zero cell is
hidden too, again and again until nothing changes (complementary suppression).
A total row ("All") is simply one more cell of each column, and a total column
one more cell of each row, so both take part.

Every other number in a row whose count is hidden is hidden with it: "3 of them,
60 %", "1 enrolment", "30 hours delivered" or the mean score of one person would
give the count (or the person) back.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import current_app

from lms.reports.tables import Chart, Figure, Kind, Section, Suppressed, Table

DEFAULT_MIN_CELL = 5
# Cells computed from a row's people: hidden when a count of that row is.
_DERIVED = (Kind.PERCENT, Kind.HOURS, Kind.COUNT, Kind.NUMBER)


def min_cell() -> int:
    """The configured threshold (LMS_REPORT_MIN_CELL)."""
    return int(current_app.config.get("LMS_REPORT_MIN_CELL", DEFAULT_MIN_CELL))


def _small(value: Any, threshold: int) -> bool:
    return (not isinstance(value, Suppressed) and isinstance(value, int | float)
            and 0 < value < threshold)


def _suppress_matrix(cells: list[list[Any]], people: list[int], threshold: int) -> list[list[Any]]:
    """Primary then complementary suppression over the ``people`` columns of ``cells``."""
    hidden = Suppressed(threshold)
    rows = [list(row) for row in cells]
    for row in rows:
        for j in people:
            if _small(row[j], threshold):
                row[j] = hidden
    lines = [[(i, j) for j in people] for i in range(len(rows))]
    lines += [[(i, j) for i in range(len(rows))] for j in people]
    changed = True
    while changed:
        changed = False
        for line in lines:
            suppressed = [(i, j) for i, j in line if isinstance(rows[i][j], Suppressed)]
            if len(suppressed) != 1:
                continue
            candidates = [(rows[i][j], n, (i, j)) for n, (i, j) in enumerate(line)
                          if isinstance(rows[i][j], int | float)
                          and not isinstance(rows[i][j], bool) and rows[i][j] != 0]
            if not candidates:
                continue
            _value, _n, (i, j) = min(candidates)
            rows[i][j] = hidden
            changed = True
    return rows


def suppress(table: Table, threshold: int = DEFAULT_MIN_CELL) -> Table:
    """A copy of ``table`` with small counts of people (and the cells that would give
    them back) replaced by ``Suppressed(threshold)``. Zero stays zero."""
    people = [j for j, column in enumerate(table.columns) if column.kind is Kind.PEOPLE]
    rows = _suppress_matrix([list(row) for row in table.rows], people, threshold)
    derived = [j for j, column in enumerate(table.columns) if column.kind in _DERIVED]
    for row in rows:
        if any(isinstance(row[j], Suppressed) for j in people):
            for j in derived:
                if row[j] is not None:
                    row[j] = Suppressed(threshold)
    n = table.n
    if n is not None and 0 < n < threshold:
        n = None
    return dataclasses.replace(table, rows=[tuple(row) for row in rows], n=n)


def suppress_chart(chart: Chart, threshold: int = DEFAULT_MIN_CELL,
                   table: Table | None = None) -> Chart:
    """A copy of ``chart`` whose suppressed values are drawn as missing (None).

    Counts of people are suppressed as a table of categories by series; a chart of
    other values (percentages, means) loses the categories whose table row lost a
    cell. ``table`` is the chart's table already suppressed, when the caller has it.
    """
    table = table or suppress(chart.table, threshold)
    series = [(name, list(values)) for name, values in chart.series]
    people = _people_series(chart)
    if people:
        matrix = [[values[i] for _name, values in series] for i in range(len(chart.categories))]
        matrix = _suppress_matrix(matrix, people, threshold)
        for i, row in enumerate(matrix):
            for j, value in enumerate(row):
                if isinstance(value, Suppressed):
                    series[j][1][i] = None
    # Whatever the values, a category whose row was cut in the table is cut here too.
    hidden_rows = {str(row[0]) for row in table.rows
                   if any(isinstance(value, Suppressed) for value in row)}
    titles = {str(column.title): j for j, column in enumerate(table.columns)}
    by_category = {str(row[0]): row for row in table.rows}
    for i, category in enumerate(chart.categories):
        if str(category) not in hidden_rows:
            continue
        row = by_category[str(category)]
        for name, values in series:
            j = titles.get(str(name))
            if j is None or isinstance(row[j], Suppressed):
                values[i] = None
    return dataclasses.replace(chart, series=[(name, values) for name, values in series],
                               table=table)


def _people_series(chart: Chart) -> list[int]:
    """The series that count people: named after a PEOPLE column of the chart's table,
    or all of them when they are not named after columns and the table counts only
    people."""
    kinds = {str(column.title): column.kind for column in chart.table.columns[1:]}
    named = [kinds.get(str(name)) for name, _values in chart.series]
    if all(kind is not None for kind in named):
        return [j for j, kind in enumerate(named) if kind is Kind.PEOPLE]
    values = {column.kind for column in chart.table.columns[1:]
              if column.kind not in (Kind.TEXT, Kind.DATE)}
    return list(range(len(chart.series))) if values == {Kind.PEOPLE} else []


def _suppress_figure(figure: Figure, threshold: int) -> Figure:
    if figure.kind is Kind.PEOPLE and _small(figure.value, threshold):
        return dataclasses.replace(figure, value=Suppressed(threshold))
    return figure


def suppress_sections(sections: list[Section], threshold: int) -> list[Section]:
    """Every table, chart and key figure of a report, suppressed; a table shared by a
    chart and the section's tables stays one table."""
    result = []
    for section in sections:
        # id(table) -> its suppressed copy: one copy however many places show it.
        done: dict[int, Table] = {}
        for table in section.all_tables():
            done[id(table)] = suppress(table, threshold)
        charts = [suppress_chart(chart, threshold, done[id(chart.table)])
                  for chart in section.charts]
        result.append(dataclasses.replace(
            section,
            figures=[_suppress_figure(figure, threshold) for figure in section.figures],
            charts=charts,
            tables=[done[id(table)] for table in section.tables]))
    return result


def suppressed_cells(sections: list[Section]) -> int:
    """How many cells of the report's tables are hidden (for the pack's note)."""
    return sum(isinstance(value, Suppressed)
               for section in sections for table in section.all_tables()
               for row in table.rows for value in row)
