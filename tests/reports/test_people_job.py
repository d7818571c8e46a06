"""The worker takes the people sets' change log in every ten minutes (lms.reports.people)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from lms.cohorts.models import EnrolmentStatus
from lms.extensions import db
from lms.reports import people
from lms.reports.figures import reach
from lms.reports.filters import ReportFilter, Scope
from lms.reports.models import PeopleChange
from tests.factories import enrol, make_cohort, make_user
from tests.reports.reach_world import NOW, build_world


@pytest.fixture
def world(database, frozen_clock):
    frozen_clock.set(NOW)
    return build_world()


def logged() -> int:
    return db.session.scalar(select(func.count()).select_from(PeopleChange))


def test_the_task_runs_every_ten_minutes():
    task = people.refresh_task.task_class()
    assert all(task.validate_datetime(datetime(2027, 3, 1, 9, minute)) for minute in (0, 10, 50))
    assert not any(task.validate_datetime(datetime(2027, 3, 1, 9, minute)) for minute in (1, 15))


def test_the_task_takes_the_logged_changes_in(world):
    people.refresh()
    assert logged() == 0
    cohort = make_cohort(world.a, country="PE", starts=date(2026, 5, 1))
    enrol(cohort, make_user(gender="female"), status=EnrolmentStatus.COMPLETED)
    db.session.flush()
    assert logged() == 1

    people.refresh_task.call_local()

    assert logged() == 0
    totals = next(t for t in reach(ReportFilter(), Scope(everything=True)).tables
                  if t.key == "reach_totals").rows[0]
    # The world's six people and ten enrolments, and the new one (20 more hours).
    assert totals[1:] == (7, 6, 4, 1, 1, 11, 75)
