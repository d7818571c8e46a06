"""Reach: people enrolled, started, completed, failed, withdrawn, hours, by country, sex,
institution and course, over time; the counts of tests/reports/reach_world.py by hand."""

from __future__ import annotations

from datetime import date

import pytest

from lms.reports.figures import reach
from lms.reports.filters import UNSTATED, ReportFilter, Scope
from tests.reports.reach_world import NOW, build_world

EVERYTHING = Scope(everything=True)
YEAR_2026 = dict(start=date(2026, 1, 1), end=date(2026, 12, 31))
# enrolled, started, completed, failed, withdrawn, enrolments, hours
COLUMNS = ("enrolled", "started", "completed", "failed", "withdrawn", "enrolments", "hours")


@pytest.fixture
def world(database, frozen_clock):
    frozen_clock.set(NOW)
    return build_world()


def figures(section) -> dict:
    return {figure.key: figure.value for figure in section.figures}


def table(section, key: str):
    return next(t for t in section.all_tables() if t.key == key)


def rows(section, key: str) -> dict:
    found = table(section, key)
    return {row[0]: row[1:] for row in found.rows}


def test_totals_for_everything(world):
    section = reach(ReportFilter(), EVERYTHING)
    assert figures(section) == {"enrolled": 6, "started": 5, "completed": 3, "failed": 1,
                                "withdrawn": 1, "hours": 55}
    assert rows(section, "reach_totals")["All"] == (6, 5, 3, 1, 1, 10, 55)


def test_the_year_counts_cohorts_starting_in_it(world):
    section = reach(ReportFilter(**YEAR_2026), EVERYTHING)
    # b_mx started in 2025: f1's 10 hours and m1's opened lesson there leave.
    assert rows(section, "reach_totals")["All"] == (6, 5, 3, 1, 1, 8, 45)


def test_a_coordinator_counts_their_program_only(world):
    scope = Scope(program_ids=frozenset({world.p.id}))
    section = reach(ReportFilter(**YEAR_2026), scope)
    # z_mx (program Q) leaves: m2 stays enrolled (invited in a_mx) but neither started
    # nor completed.
    assert rows(section, "reach_totals")["All"] == (6, 4, 2, 1, 1, 7, 40)


def test_an_instructor_counts_their_cohorts_only(world):
    section = reach(ReportFilter(), Scope(cohort_ids=frozenset({world.a_co.id})))
    assert rows(section, "reach_totals")["All"] == (2, 1, 1, 0, 0, 2, 20)


def test_by_country_and_by_sex(world):
    section = reach(ReportFilter(), EVERYTHING)
    assert list(rows(section, "reach_by_country").items()) == [
        ("Colombia", (2, 1, 1, 0, 0, 2, 20)),
        ("Mexico", (5, 4, 2, 1, 1, 8, 35)),
    ]
    assert list(rows(section, "reach_by_sex").items()) == [
        ("Female", (2, 2, 2, 0, 0, 4, 50)),
        ("Male", (2, 2, 1, 1, 0, 4, 5)),
        ("Another gender", (1, 1, 0, 0, 0, 1, 0)),
        ("Not stated", (1, 0, 0, 0, 1, 1, 0)),
    ]


def test_by_institution_and_by_course(world):
    section = reach(ReportFilter(), EVERYTHING)
    assert rows(section, "reach_by_institution") == {
        "No institution": (1, 1, 1, 0, 0, 2, 5),
        "Policía Federal": (3, 3, 1, 1, 0, 6, 30),
        "Universidad Nacional": (2, 1, 1, 0, 1, 2, 20),
    }
    by_course = rows(section, "reach_by_course")
    assert by_course[f"{world.a.code}: {world.a.title}"] == (6, 4, 2, 1, 1, 7, 40)
    assert by_course[f"{world.b.code}: {world.b.title}"] == (2, 2, 1, 0, 0, 2, 10)
    assert by_course[f"{world.z.code}: {world.z.title}"] == (1, 1, 1, 0, 0, 1, 5)


@pytest.mark.parametrize(("filters", "expected"), [
    (dict(gender=UNSTATED), (1, 0, 0, 0, 1, 1, 0)),
    (dict(gender="female"), (2, 2, 2, 0, 0, 4, 50)),
    (dict(country="CO"), (2, 1, 1, 0, 0, 2, 20)),
    (dict(modality="face_to_face"), (2, 2, 1, 0, 0, 2, 10)),
    (dict(language="es"), (2, 1, 1, 0, 0, 2, 20)),
    (dict(start=date(2026, 3, 1), end=date(2026, 3, 31)), (1, 1, 1, 0, 0, 1, 5)),
])
def test_filters(world, filters, expected):
    section = reach(ReportFilter(**filters), EVERYTHING)
    assert rows(section, "reach_totals")["All"] == expected


def test_filters_by_ids(world):
    def total(**filters):
        return rows(reach(ReportFilter(**filters), EVERYTHING), "reach_totals")["All"]

    assert total(institution_id=world.university.id) == (2, 1, 1, 0, 1, 2, 20)
    assert total(program_id=world.q.id) == (1, 1, 1, 0, 0, 1, 5)
    assert total(course_id=world.b.id) == (2, 2, 1, 0, 0, 2, 10)
    assert total(cohort_id=world.a_mx.id) == (5, 3, 1, 1, 1, 5, 20)


def test_trend_is_monthly_within_a_year(world):
    section = reach(ReportFilter(**YEAR_2026), EVERYTHING)
    [chart] = [c for c in section.charts if c.key == "reach_trend"]
    assert chart.kind == "line"
    assert len(chart.categories) == 12 and chart.categories[0] == "Jan 2026"
    by_month = {row[0]: row[1:] for row in chart.table.rows}
    assert by_month["Feb 2026"] == (5, 0)
    assert by_month["Mar 2026"] == (1, 1)
    assert by_month["Apr 2026"] == (2, 1)
    assert by_month["May 2026"] == (0, 1)
    assert by_month["Dec 2026"] == (0, 0)
    assert chart.series[0][1][1] == 5.0


def test_trend_is_quarterly_over_longer_periods(world):
    section = reach(ReportFilter(), EVERYTHING)
    [chart] = [c for c in section.charts if c.key == "reach_trend"]
    assert chart.table.rows == [("Q4 2025", 2, 1), ("Q1 2026", 6, 1), ("Q2 2026", 2, 2)]


def test_country_by_status(world):
    section = reach(ReportFilter(), EVERYTHING)
    [chart] = [c for c in section.charts if c.key == "reach_country_status"]
    assert chart.kind == "stacked_bar"
    assert chart.categories == ["Colombia", "Mexico"]
    # invited, active, completed, withdrawn, failed
    assert chart.table.rows == [("Colombia", 0, 1, 1, 0, 0), ("Mexico", 1, 2, 2, 1, 1)]
