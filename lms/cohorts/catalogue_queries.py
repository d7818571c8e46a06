"""Reads for the public catalogue, which counts each course's open cohorts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from lms.catalog.models import Course, Program
from lms.cohorts.models import SEATED, Cohort, Enrolment
from lms.extensions import db

COURSES_PER_PAGE = 20


@dataclass(frozen=True)
class CoursePage:
    """One page of the public catalog, with each course's count of open cohorts."""

    page: Pagination
    open_cohorts: dict[int, int]

    @property
    def courses(self) -> list[Course]:
        return list(self.page.items)


def open_cohort_counts(course_ids: list[int], today: date) -> dict[int, int]:
    """How many cohorts of each course a trainee could enrol in today: one query.

    Mirrors ``Cohort.enrolment_open_on`` (self-enrolment on, window open, not over)
    and leaves out cohorts whose seats are all taken.
    """
    if not course_ids:
        return {}
    seated = (select(func.count(Enrolment.id))
              .where(Enrolment.cohort_id == Cohort.id, Enrolment.status.in_(SEATED))
              .correlate(Cohort).scalar_subquery())
    rows = db.session.execute(
        select(Cohort.course_id, func.count(Cohort.id))
        .where(Cohort.course_id.in_(course_ids),
               Cohort.ends_on >= today,
               Cohort.self_enrolment.is_(True),
               or_(Cohort.enrol_opens_on.is_(None), Cohort.enrol_opens_on <= today),
               or_(Cohort.enrol_closes_on.is_(None), Cohort.enrol_closes_on >= today),
               or_(Cohort.capacity.is_(None), Cohort.capacity > seated))
        .group_by(Cohort.course_id))
    return dict(rows.all())


def published_courses(program_code: str | None, page: int, today: date,
                      per_page: int = COURSES_PER_PAGE) -> CoursePage:
    """Published courses by program then code, optionally of one program."""
    query = (select(Course).join(Course.program)
             .where(Course.published.is_(True))
             .options(contains_eager(Course.program), selectinload(Course.translations))
             .order_by(Program.code, Course.code))
    if program_code:
        query = query.where(Program.code == program_code)
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False)
    counts = open_cohort_counts([course.id for course in pagination.items], today)
    return CoursePage(pagination, counts)
