"""Reading announcements: who reads what, the lists each page shows, who gets the mail.

Who reads an announcement (its audience):

- to a cohort: the cohort's members (seated enrolments) and its instructors; its
  program's coordinators, who may also edit it;
- to a program: the members and instructors of every cohort of the program that is
  running or to come (not over today), and the program's coordinators.

Every list is one query for the announcements, plus one each for their translations
and the programs' names: the same number for 2 announcements or for 200.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from markupsafe import Markup
from sqlalchemy import ColumnElement, Select, false, or_, select, union
from sqlalchemy.orm import joinedload, selectinload

from lms.accounts.models import User, cohort_instructors
from lms.announcements.models import Announcement
from lms.catalog.markdown import render
from lms.catalog.models import Course, Program
from lms.cohorts.models import SEATED, Cohort, Enrolment
from lms.extensions import db
from lms.kernel import clock

HOME_LIMIT = 3
PER_PAGE = 20


def today() -> date:
    return clock.today(clock.UTC)


# ---------------------------------------------------------------- audiences

def _seated_cohorts(user_id: int) -> Select:
    return select(Enrolment.cohort_id).where(Enrolment.user_id == user_id,
                                             Enrolment.status.in_(SEATED))


def _programs_of_live_cohorts(cohort_ids, on: date) -> Select:
    """The programs of those cohorts that are running or to come on ``on``."""
    return (select(Course.program_id).join(Cohort, Cohort.course_id == Course.id)
            .where(Cohort.id.in_(cohort_ids), Cohort.ends_on >= on))


def _audience(user, scope: str, on: date) -> ColumnElement[bool] | None:
    """What ``user`` reads: as a trainee ("trainee"), as a teacher or coordinator
    ("teaching"), or both ("all"); None when they read nothing in that role."""
    conditions: list[ColumnElement[bool]] = []
    if scope in ("all", "trainee"):
        seated = _seated_cohorts(user.id)
        conditions += [Announcement.cohort_id.in_(seated),
                       Announcement.program_id.in_(_programs_of_live_cohorts(seated, on))]
    if scope in ("all", "teaching"):
        taught = sorted(user.taught_cohort_ids)
        coordinated = sorted(user.coordinated_program_ids)
        if taught:
            conditions += [Announcement.cohort_id.in_(taught),
                           Announcement.program_id.in_(_programs_of_live_cohorts(taught, on))]
        if coordinated:
            conditions += [Announcement.program_id.in_(coordinated),
                           Announcement.cohort_id.in_(
                               select(Cohort.id).join(Course, Cohort.course_id == Course.id)
                               .where(Course.program_id.in_(coordinated)))]
    return or_(*conditions) if conditions else None


def reads_program(user, program: Program) -> bool:
    """Whether ``user`` reads the program's announcements (one query at most)."""
    if not user.is_authenticated:
        return False
    if program.can_manage(user):
        return True
    members = (select(Cohort.id).join(Course, Cohort.course_id == Course.id)
               .where(Course.program_id == program.id, Cohort.ends_on >= today()))
    mine = union(_seated_cohorts(user.id),
                 select(cohort_instructors.c.cohort_id)
                 .where(cohort_instructors.c.user_id == user.id)).subquery()
    return db.session.scalar(
        select(Cohort.id).where(Cohort.id.in_(members), Cohort.id.in_(select(mine.c[0])))
        .limit(1)) is not None


def recipients(announcement: Announcement) -> list[User]:
    """Who is told of an announcement (its mail): the members and instructors it is
    addressed to, active accounts only, never its author. One query."""
    if announcement.cohort_id is not None:
        cohorts = [announcement.cohort_id]
    else:
        cohorts = (select(Cohort.id).join(Course, Cohort.course_id == Course.id)
                   .where(Course.program_id == announcement.program_id,
                          Cohort.ends_on >= today()))
    people = union(
        select(Enrolment.user_id).where(Enrolment.cohort_id.in_(cohorts),
                                        Enrolment.status.in_(SEATED)),
        select(cohort_instructors.c.user_id).where(cohort_instructors.c.cohort_id.in_(cohorts)),
    ).subquery()
    query = select(User).where(User.id.in_(select(people.c[0])), User.active)
    if announcement.author_id is not None:
        query = query.where(User.id != announcement.author_id)
    return list(db.session.scalars(query.order_by(User.id)))


# ---------------------------------------------------------------- lists

def _newest(query: Select) -> Select:
    # The cohort's course names the program that may edit it (Announcement.can_edit).
    return (query.options(joinedload(Announcement.author),
                          joinedload(Announcement.cohort).joinedload(Cohort.course),
                          joinedload(Announcement.program))
            .order_by(Announcement.published_at.desc(), Announcement.id.desc()))


def _for_cohort(cohort: Cohort, on: date) -> ColumnElement[bool]:
    """The cohort's own, and its program's while the cohort runs or is to come."""
    if cohort.ends_on >= on:
        return or_(Announcement.cohort_id == cohort.id,
                   Announcement.program_id == cohort.course.program_id)
    return Announcement.cohort_id == cohort.id


def latest_for_cohort(cohort: Cohort, limit: int = HOME_LIMIT) -> list[Announcement]:
    return list(db.session.scalars(
        _newest(select(Announcement).where(_for_cohort(cohort, today()))).limit(limit)))


def cohort_page(cohort: Cohort, page: int, per_page: int = PER_PAGE):
    return db.paginate(_newest(select(Announcement).where(_for_cohort(cohort, today()))),
                       page=page, per_page=per_page, error_out=False)


def program_page(program: Program, page: int, per_page: int = PER_PAGE):
    return db.paginate(_newest(select(Announcement).where(
        Announcement.program_id == program.id)), page=page, per_page=per_page, error_out=False)


def latest_for_user(user, scope: str = "all", limit: int = HOME_LIMIT) -> list[Announcement]:
    """The newest announcements ``user`` reads in ``scope`` (no query when they read none)."""
    if not user.is_authenticated:
        return []
    condition = _audience(user, scope, today())
    if condition is None:
        return []
    return list(db.session.scalars(_newest(select(Announcement).where(condition)).limit(limit)))


def page_for_user(user, page: int, per_page: int = PER_PAGE):
    condition = _audience(user, "all", today()) if user.is_authenticated else None
    return db.paginate(_newest(select(Announcement).where(
        false() if condition is None else condition)),
        page=page, per_page=per_page, error_out=False)


def announcement_with_audience(announcement_id: int) -> Announcement | None:
    """One announcement with its cohort's course (for permissions); two queries."""
    return db.session.scalars(
        select(Announcement).where(Announcement.id == announcement_id)
        .options(joinedload(Announcement.cohort).joinedload(Cohort.course),
                 selectinload(Announcement.translations))).first()


def program_by_code(code: str) -> Program | None:
    return db.session.scalars(select(Program).where(Program.code == code)).first()


# ---------------------------------------------------------------- in the reader's language

@dataclass(frozen=True)
class Shown:
    """An announcement as one reader sees it."""

    announcement: Announcement
    title: str
    body: Markup
    locale: str  # the language it is shown in
    fallback: bool  # not in the reader's language: shown in the author's
    published_at: datetime

    @property
    def id(self) -> int:
        return self.announcement.id


def shown(announcement: Announcement, locale: str) -> Shown:
    """In the reader's ``locale`` when written in it, else in the author's language."""
    language = announcement.locale_shown(locale)
    row = None if language == announcement.language else announcement.translation_for(language)
    title, body = (row.title, row.body) if row is not None else (announcement.title,
                                                                    announcement.body)
    return Shown(announcement=announcement, title=title, body=render(body), locale=language,
                 fallback=language != locale, published_at=announcement.published_at)
