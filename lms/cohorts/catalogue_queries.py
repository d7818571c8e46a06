"""Reads for the public catalogue, which counts each course's open cohorts.

The search filters, all optional and combined with "and":

- ``text``: part of the course code or of its title in any language (case aside; on
  SQLite only ASCII letters ignore case, PostgreSQL folds every letter);
- ``program_code``: the program's code;
- ``language``: courses a trainee can take in that language: content written or
  translated in it (the course's own language, or a translated title), or a cohort
  running or to come that teaches in it or interprets into it;
- ``modality``: the course's modality (face-to-face, blended, online); the course
  records it, cohorts do not;
- ``country``: courses with a cohort running or to come (not over today) in that country.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, exists, func, literal, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from lms.catalog.models import Course, CourseTranslation, Program
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


def _text_matches(text: str) -> ColumnElement[bool]:
    term = text.lower()
    translated = exists().where(CourseTranslation.course_id == Course.id,
                                func.lower(CourseTranslation.title).contains(
                                    term, autoescape=True))
    return or_(func.lower(Course.code).contains(term, autoescape=True),
               func.lower(Course.title).contains(term, autoescape=True), translated)


def _cohort_to_come(today: date, *conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    """The course has a cohort not over ``today`` (running or to come) meeting ``conditions``."""
    return exists().where(Cohort.course_id == Course.id, Cohort.ends_on >= today, *conditions)


def _offered_in(language: str, today: date) -> ColumnElement[bool]:
    # interpretation_languages reads "en,pt": commas on both sides match whole codes only.
    interpreted = (literal(",") + Cohort.interpretation_languages + literal(",")).contains(
        f",{language},", autoescape=True)
    written = exists().where(CourseTranslation.course_id == Course.id,
                             CourseTranslation.locale == language,
                             CourseTranslation.title != "")
    return or_(Course.language == language, written,
               _cohort_to_come(today, or_(Cohort.language == language, interpreted)))


def published_courses(program_code: str | None, page: int, today: date,
                      per_page: int = COURSES_PER_PAGE, *, text: str | None = None,
                      language: str | None = None, modality: str | None = None,
                      country: str | None = None) -> CoursePage:
    """Published courses by program then code, filtered (see the module's docstring).

    Filters only narrow the WHERE clause: the page costs the same queries with or
    without them."""
    query = (select(Course).join(Course.program)
             .where(Course.published.is_(True))
             .options(contains_eager(Course.program), selectinload(Course.translations))
             .order_by(Program.code, Course.code))
    if program_code:
        query = query.where(Program.code == program_code)
    if text:
        query = query.where(_text_matches(text))
    if language:
        query = query.where(_offered_in(language, today))
    if modality:
        query = query.where(Course.modality == modality)
    if country:
        query = query.where(_cohort_to_come(today, Cohort.country == country))
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False)
    counts = open_cohort_counts([course.id for course in pagination.items], today)
    return CoursePage(pagination, counts)
