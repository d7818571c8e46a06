"""Small-cell suppression: counts under the threshold hidden, and enough other cells
hidden that no hidden count comes back by subtraction. Every table is worked by hand."""

from __future__ import annotations

from datetime import date

from lms.reports.privacy import suppress, suppress_chart, suppress_sections, suppressed_cells
from lms.reports.tables import Chart, ChartKind, Column, Figure, Kind, Section, Suppressed, Table

S = Suppressed(5)


def people_table(rows, names=("a", "b", "c"), key="t") -> Table:
    columns = [Column("name", "Name")] + [Column(n, n.upper(), Kind.PEOPLE) for n in names]
    return Table(key, "Table", columns, rows)


def test_a_small_count_and_the_cells_that_would_give_it_back_are_hidden():
    table = Table("sex", "By sex", [
        Column("country", "Country"), Column("female", "Female", Kind.PEOPLE),
        Column("male", "Male", Kind.PEOPLE), Column("unstated", "Not stated", Kind.PEOPLE),
        Column("total", "Total", Kind.PEOPLE)], [
        ("Perú", 10, 3, 0, 13),
        ("Chile", 8, 12, 6, 26),
        ("All", 18, 15, 6, 39),
    ])
    result = suppress(table)
    # Perú's 3 is primary; Perú's female (10 < total 13) hides it within the row; the
    # columns female and male each had one hidden cell: Chile's (smaller than "All").
    assert result.rows == [
        ("Perú", S, S, 0, 13),
        ("Chile", S, S, 6, 26),
        ("All", 18, 15, 6, 39),
    ]
    # The original is untouched; zero stays zero and 5 (not under 5) is shown.
    assert table.rows[0] == ("Perú", 10, 3, 0, 13)
    assert str(result.rows[0][1]) == "< 5"


def test_complementary_suppression_that_needs_a_second_round():
    table = people_table([
        ("r1", 2, 20, 30),
        ("r2", 10, 50, 60),
        ("r3", 40, 15, 70),
    ])
    # Round 1: r1.a (2) is primary; row r1 hides b (20); column a hides r2.a (10);
    # column b hides r3.b (15). That leaves rows r2 and r3 with one hidden cell each,
    # so round 2 hides r2.b (50 < 60) and r3.a (40 < 70). Round 3 changes nothing.
    assert suppress(table).rows == [
        ("r1", S, S, 30),
        ("r2", S, S, 60),
        ("r3", S, S, 70),
    ]


def test_nothing_hidden_when_every_count_is_large_enough_or_zero():
    table = people_table([("r1", 5, 0, 30), ("r2", 0, 7, 0)])
    assert suppress(table).rows == table.rows


def test_the_threshold_is_a_parameter():
    table = people_table([("r1", 3, 20, 30), ("r2", 4, 6, 9)])
    assert suppress(table, threshold=3).rows == table.rows
    hidden = Suppressed(10)
    # Under 10: r1.a and all of r2. Row r1 then hides b (20); column c has r2.c alone
    # hidden, so r1.c (30) goes as well.
    assert suppress(table, threshold=10).rows == [
        ("r1", hidden, hidden, hidden),
        ("r2", hidden, hidden, hidden),
    ]
    assert str(hidden) == "< 10"


def test_numbers_of_a_row_whose_count_is_hidden_are_hidden_too():
    closes = date(2026, 6, 30)
    table = Table("pass", "Pass rates", [
        Column("assessment", "Assessment"), Column("graded", "Graded", Kind.PEOPLE),
        Column("passed", "Passed", Kind.PEOPLE), Column("rate", "Rate", Kind.PERCENT),
        Column("mean", "Mean", Kind.NUMBER), Column("attempts", "Attempts", Kind.COUNT),
        Column("closes", "Closes", Kind.DATE)], [
        ("Quiz 1", 12, 3, 0.25, 61.0, 14, closes),
        ("Quiz 2", 20, 10, 0.5, 70.5, 25, closes),
        ("Quiz 3", 30, 0, 0.0, 40.0, 31, None),
    ], n=62)
    result = suppress(table)
    # Quiz 1: passed 3 (primary), graded 12 (row); column graded hides Quiz 2's 20,
    # column passed hides Quiz 2's 10 (Quiz 3's 0 stays 0). "12 graded, 25 %" would
    # give the 3 back, and a mean or a count of attempts narrows it: the rows' other
    # numbers go too; the text and the dates stay.
    assert result.rows == [
        ("Quiz 1", S, S, S, S, S, closes),
        ("Quiz 2", S, S, S, S, S, closes),
        ("Quiz 3", 30, 0, 0.0, 40.0, 31, None),
    ]
    assert result.n == 62
    assert suppress(Table("x", "X", table.columns, [], n=3)).n is None


def test_counts_that_are_not_people_are_never_hidden_on_their_own():
    table = Table("checks", "Verifications", [Column("channel", "Channel"),
                                              Column("checks", "Checks", Kind.COUNT)],
                  [("QR", 2), ("API", 40)])
    assert suppress(table).rows == table.rows
    chart = Chart("checks", ChartKind.BAR, "Checks", "Checks by channel", ["QR", "API"],
                  [("Checks", [2, 40])], table)
    assert suppress_chart(chart, 5).series == [("Checks", [2, 40])]


def _country_chart(table: Table) -> Chart:
    return Chart("by-country", ChartKind.BAR, "By country", "People by country and sex",
                 ["Perú", "Chile", "Brasil"],
                 [("Female", [10, 8, 30]), ("Male", [3, 12, 25])], table)


def test_a_chart_of_people_draws_its_hidden_values_as_missing():
    table = Table("c", "By country", [Column("country", "Country"),
                                      Column("female", "Female", Kind.PEOPLE),
                                      Column("male", "Male", Kind.PEOPLE)],
                  [("Perú", 10, 3), ("Chile", 8, 12), ("Brasil", 30, 25)])
    result = suppress_chart(_country_chart(table), 5)
    # Perú's 3 (primary), Perú's 10 (row), then each series' smallest other: Chile.
    assert result.series == [("Female", [None, None, 30]), ("Male", [None, None, 25])]
    assert result.table.rows == [("Perú", S, S), ("Chile", S, S), ("Brasil", 30, 25)]


def test_a_chart_of_rates_loses_the_categories_whose_counts_are_hidden():
    table = Table("r", "Rates", [Column("country", "Country"),
                                 Column("people", "People", Kind.PEOPLE),
                                 Column("rate", "Completion rate", Kind.PERCENT)],
                  [("Perú", 4, 0.5), ("Chile", 40, 0.6), ("Brasil", 50, 0.7)])
    chart = Chart("rate", ChartKind.BAR, "Completion", "Completion rate by country",
                  ["Perú", "Chile", "Brasil"], [("Completion rate", [0.5, 0.6, 0.7])], table)
    result = suppress_chart(chart, 5)
    # Perú's 4 is hidden and, with it, Chile's 40 (the column's smallest other count).
    assert result.series == [("Completion rate", [None, None, 0.7])]


def test_sections_keep_one_table_for_a_chart_and_hide_small_key_figures():
    table = Table("c", "By country", [Column("country", "Country"),
                                      Column("female", "Female", Kind.PEOPLE),
                                      Column("male", "Male", Kind.PEOPLE)],
                  [("Perú", 10, 3), ("Chile", 8, 12), ("Brasil", 30, 25)])
    section = Section("reach", "Reach", figures=[
        Figure("certified", "Certified", 4), Figure("enrolled", "Enrolled", 88),
        Figure("rate", "Rate", 0.04, Kind.PERCENT)],
        charts=[_country_chart(table)], tables=[table])
    [result] = suppress_sections([section], 5)
    assert result.charts[0].table is result.tables[0]
    assert [f.value for f in result.figures] == [S, 88, 0.04]
    assert suppressed_cells([result]) == 4
    assert suppressed_cells([section]) == 0
