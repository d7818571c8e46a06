"""The shapes every report figure takes: a table of rows, and a chart drawn from one.

Figures (``lms.reports.figures``) produce them; the page, the charts, the CSV and
XLSX exports and the PDF pack only render them, so every output shows the same
numbers.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Kind(enum.StrEnum):
    """How a column's values are written, and whether privacy rules apply to them."""

    TEXT = "text"
    # A count of people: the only kind small-cell suppression hides.
    PEOPLE = "people"
    # Any other count (certificates checked, questions, sessions).
    COUNT = "count"
    # A fraction in [0, 1], written as a percentage in the viewer's locale.
    PERCENT = "percent"
    HOURS = "hours"
    # A mean, a score, a gain: a decimal written to one place.
    NUMBER = "number"
    DATE = "date"


@dataclass(frozen=True)
class Column:
    key: str
    # Already translated (or lazy) text: the heading in the viewer's language.
    title: Any
    kind: Kind = Kind.TEXT


# A suppressed cell's value: shown as "< 5" (the threshold), never as the number.
@dataclass(frozen=True)
class Suppressed:
    threshold: int

    def __str__(self) -> str:
        return f"< {self.threshold}"


@dataclass
class Table:
    """One table of a report: a key (stable, for URLs, sheet names and tests), a title,
    columns and rows (tuples, one value per column; None for "no value")."""

    key: str
    title: Any
    columns: list[Column]
    rows: list[tuple] = field(default_factory=list)
    # A sentence under the table: how it was counted, what it leaves out.
    note: Any = None
    # The number of respondents or people behind the figures, when a response rate
    # or a sample size must be shown with them ("n = 42").
    n: int | None = None

    def column(self, key: str) -> int:
        """The index of the column named ``key``."""
        for index, column in enumerate(self.columns):
            if column.key == key:
                return index
        raise KeyError(key)

    def values(self, key: str) -> list:
        index = self.column(key)
        return [row[index] for row in self.rows]


class ChartKind(enum.StrEnum):
    BAR = "bar"
    STACKED_BAR = "stacked_bar"
    LINE = "line"
    FUNNEL = "funnel"


@dataclass
class Chart:
    """A picture of a table: categories along one axis, one or more series of values.

    ``table`` is the data drawn, shown beside the chart (and read by screen readers)."""

    key: str
    kind: ChartKind
    title: Any
    # One or two sentences a screen reader announces: what the chart shows.
    description: Any
    categories: list[str]
    # (series name, one value per category); values may be None (no data).
    series: list[tuple[str, list[float | None]]]
    table: Table


@dataclass
class Figure:
    """A key figure, shown large on the page and on the pack's first page."""

    key: str
    label: Any
    value: int | float | None
    kind: Kind = Kind.PEOPLE
    # Optional context: "of 1,200 (target)", "n = 42".
    detail: Any = None


@dataclass
class Section:
    """One part of a report (reach, certification, learning, reaction, verification,
    targets): key figures, charts (each with its table) and further tables."""

    key: str
    title: Any
    figures: list[Figure] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    # Method notes for the pack: how this section was counted.
    notes: list[Any] = field(default_factory=list)

    def all_tables(self) -> list[Table]:
        """Every table of the section, charts' tables first, each once."""
        seen: list[Table] = []
        for table in [chart.table for chart in self.charts] + self.tables:
            if all(table is not other for other in seen):
                seen.append(table)
        return seen
