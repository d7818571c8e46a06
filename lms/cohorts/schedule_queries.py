"""Reads of the schedule: a cohort's sessions, a person's cohorts, a feed by its token."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from lms.accounts.models import User, cohort_instructors
from lms.catalog.models import Course
from lms.cohorts.models import SEATED, Cohort, Enrolment
from lms.cohorts.schedule import CalendarFeed, CohortSession, token_digest
from lms.extensions import db


def cohort_for_schedule(cohort_id: int) -> Cohort | None:
    """The cohort with its course (and translations) and instructors: one query each."""
    return db.session.scalars(
        select(Cohort).where(Cohort.id == cohort_id)
        .options(joinedload(Cohort.course).selectinload(Course.translations),
                 selectinload(Cohort.instructors))).first()


def sessions_of(cohort_ids: Iterable[int]) -> list[CohortSession]:
    """The sessions of these cohorts in time order, instructors loaded: two queries."""
    ids = sorted(set(cohort_ids))
    if not ids:
        return []
    return list(db.session.scalars(
        select(CohortSession).where(CohortSession.cohort_id.in_(ids))
        .order_by(CohortSession.starts_at, CohortSession.id)
        .options(selectinload(CohortSession.instructor))))


def session_in_cohort(cohort: Cohort, session_id: int) -> CohortSession | None:
    return db.session.scalars(select(CohortSession).where(
        CohortSession.id == session_id, CohortSession.cohort_id == cohort.id)).first()


def person_cohorts(user: User) -> list[Cohort]:
    """The cohorts where ``user`` holds a seat or teaches, courses loaded: two queries.

    Coordinators' programs are left out: a coordinator of twenty cohorts wants the
    feed of the ones they follow, which is what the per-cohort feed is for.
    """
    seated = select(Enrolment.cohort_id).where(Enrolment.user_id == user.id,
                                               Enrolment.status.in_(SEATED))
    taught = select(cohort_instructors.c.cohort_id).where(cohort_instructors.c.user_id == user.id)
    return list(db.session.scalars(
        select(Cohort).where(or_(Cohort.id.in_(seated), Cohort.id.in_(taught)))
        .order_by(Cohort.starts_on, Cohort.id)
        .options(joinedload(Cohort.course).selectinload(Course.translations))))


def feed_by_token(token: str) -> CalendarFeed | None:
    """The feed this secret token opens, with its person and cohort; None when none does."""
    if not token or len(token) > 100:
        return None
    return db.session.scalars(
        select(CalendarFeed).where(CalendarFeed.token_hash == token_digest(token))
        .options(joinedload(CalendarFeed.user), joinedload(CalendarFeed.cohort))).first()


def has_feed(user: User, cohort: Cohort | None) -> bool:
    return db.session.scalar(select(CalendarFeed.id).where(
        CalendarFeed.user_id == user.id,
        CalendarFeed.cohort_id == cohort.id if cohort is not None
        else CalendarFeed.cohort_id.is_(None))) is not None
