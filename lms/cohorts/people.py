"""Reads for "People": staff find the trainees and instructors of the cohorts they see.

A coordinator sees the cohorts of the programs they coordinate, an instructor the
cohorts they teach, an administrator every cohort; a person appears when they are
enrolled in, or teach, one of those cohorts. Every page costs the same number of
queries whatever it shows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import contains_eager

from lms.accounts.models import User, cohort_instructors
from lms.catalog.models import Course
from lms.cohorts.models import Cohort, Enrolment
from lms.extensions import db

PEOPLE_PER_PAGE = 25


def may_search(user) -> bool:
    """Coordinators, instructors and administrators; nobody else."""
    return user.is_authenticated and (user.is_admin or user.is_coordinator
                                      or user.is_instructor)


def _scope(user):
    """A condition on Cohort (joined to its Course) for the cohorts ``user`` sees;
    None for an administrator, who sees them all."""
    if user.is_admin:
        return None
    return or_(Cohort.id.in_(sorted(user.taught_cohort_ids)),
               Course.program_id.in_(sorted(user.coordinated_program_ids)))


def _scoped_cohort_ids(user, cohort_id: int | None = None):
    """A subquery of the ids of the cohorts ``user`` sees (only ``cohort_id``, if given)."""
    query = select(Cohort.id).join(Course, Course.id == Cohort.course_id)
    condition = _scope(user)
    if condition is not None:
        query = query.where(condition)
    if cohort_id is not None:
        query = query.where(Cohort.id == cohort_id)
    return query.scalar_subquery()


def visible_cohorts(user) -> list[Cohort]:
    """The cohorts ``user`` sees, newest first, with their course: two queries."""
    query = (select(Cohort).join(Cohort.course)
             .options(contains_eager(Cohort.course).selectinload(Course.translations))
             .order_by(Cohort.starts_on.desc(), Cohort.code))
    condition = _scope(user)
    if condition is not None:
        query = query.where(condition)
    return list(db.session.scalars(query))


@dataclass
class Person:
    """One result: the person, and what they do in the cohorts the viewer sees."""

    user: User
    enrolments: list[Enrolment] = field(default_factory=list)
    teaches: list[Cohort] = field(default_factory=list)


def people_page(viewer, *, search: str | None = None, cohort_id: int | None = None,
                country: str | None = None, status: str | None = None, page: int = 1,
                per_page: int = PEOPLE_PER_PAGE) -> tuple[Pagination, list[Person]]:
    """One page of the people ``viewer`` may see, by name, with their enrolments and
    teaching in the viewer's cohorts.

    ``status`` keeps the people with an enrolment in that status (so it leaves out
    those who only teach); ``cohort_id`` narrows the viewer's cohorts to that one.
    Five queries whatever the page holds: count, page (institution joined),
    enrolments, teaching and their courses' translations.
    """
    cohorts = _scoped_cohort_ids(viewer, cohort_id)
    enrolled = select(Enrolment.id).where(Enrolment.user_id == User.id,
                                          Enrolment.cohort_id.in_(cohorts))
    if status:
        enrolled = enrolled.where(Enrolment.status == status)
    condition = exists(enrolled)
    if not status:
        condition = or_(condition, exists().where(cohort_instructors.c.user_id == User.id,
                                                  cohort_instructors.c.cohort_id.in_(cohorts)))
    query = select(User).where(condition).order_by(func.lower(User.full_name), User.id)
    term = (search or "").strip().lower()
    if term:
        query = query.where(or_(func.lower(User.full_name).contains(term, autoescape=True),
                                User.email.contains(term, autoescape=True)))
    if country:
        query = query.where(User.country == country)
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False)
    return pagination, _people(viewer, pagination.items)


def _people(viewer, users: list[User]) -> list[Person]:
    """What each of ``users`` does in the viewer's cohorts (all of them, not only the
    filtered one: the filter chose the people, the page tells their story)."""
    people = {user.id: Person(user) for user in users}
    if not people:
        return []
    visible = _scoped_cohort_ids(viewer)
    enrolments = db.session.scalars(
        select(Enrolment).join(Enrolment.cohort).join(Cohort.course)
        .where(Enrolment.user_id.in_(list(people)), Enrolment.cohort_id.in_(visible))
        .options(contains_eager(Enrolment.cohort).contains_eager(Cohort.course)
                 .selectinload(Course.translations))
        .order_by(Cohort.starts_on.desc(), Cohort.code))
    for enrolment in enrolments:
        people[enrolment.user_id].enrolments.append(enrolment)
    taught: dict[int, list[Cohort]] = defaultdict(list)
    rows = db.session.execute(
        select(cohort_instructors.c.user_id, Cohort)
        .join(Cohort, Cohort.id == cohort_instructors.c.cohort_id)
        .where(cohort_instructors.c.user_id.in_(list(people)),
               cohort_instructors.c.cohort_id.in_(visible))
        .order_by(Cohort.starts_on.desc(), Cohort.code))
    for user_id, cohort in rows:
        taught[user_id].append(cohort)
    for user_id, cohorts in taught.items():
        people[user_id].teaches = cohorts
    return [people[user.id] for user in users]
