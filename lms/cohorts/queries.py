"""Reads for cohort pages, each a constant number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lms.cohorts.models import SEATED, Cohort, Enrolment
from lms.extensions import db


@dataclass(frozen=True)
class CohortSummary:
    cohort: Cohort
    seats_taken: int
    open_today: bool

    @property
    def full(self) -> bool:
        return self.cohort.capacity is not None and self.seats_taken >= self.cohort.capacity

    @property
    def seats_left(self) -> int | None:
        if self.cohort.capacity is None:
            return None
        return max(self.cohort.capacity - self.seats_taken, 0)


def seats_taken(cohort_ids: list[int]) -> dict[int, int]:
    if not cohort_ids:
        return {}
    rows = db.session.execute(
        select(Enrolment.cohort_id, func.count())
        .where(Enrolment.cohort_id.in_(cohort_ids), Enrolment.status.in_(SEATED))
        .group_by(Enrolment.cohort_id))
    return dict(rows.all())


def cohorts_for_course(course_id: int, today: date,
                       include_past: bool = False) -> list[CohortSummary]:
    """The course's cohorts, soonest first, with seats taken: two queries."""
    query = (select(Cohort).where(Cohort.course_id == course_id)
             .options(selectinload(Cohort.host_institution))
             .order_by(Cohort.starts_on, Cohort.id))
    if not include_past:
        query = query.where(Cohort.ends_on >= today)
    cohorts = list(db.session.scalars(query))
    taken = seats_taken([c.id for c in cohorts])
    return [CohortSummary(c, taken.get(c.id, 0), c.enrolment_open_on(today)) for c in cohorts]


def enrolments_of(user_id: int, cohort_ids: list[int]) -> dict[int, Enrolment]:
    """The user's enrolments in these cohorts, by cohort id."""
    if not cohort_ids:
        return {}
    rows = db.session.scalars(select(Enrolment).where(
        Enrolment.user_id == user_id, Enrolment.cohort_id.in_(cohort_ids)))
    return {e.cohort_id: e for e in rows}
