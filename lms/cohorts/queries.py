"""Reads for cohort pages, each a constant number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import ngettext
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from lms.accounts.models import Institution, User
from lms.catalog.models import Course, Lesson, LessonTranslation, Module
from lms.cohorts.models import SEATED, Cohort, Enrolment, EnrolmentStatus, LessonCompletion
from lms.extensions import db
from lms.kernel import events


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


def _queue_positions(cohort_ids: list[int]):
    """A subquery of waiting enrolments (enrolment_id, cohort_id, user_id) with their
    place in their cohort's queue (position, from 1)."""
    position = func.row_number().over(
        partition_by=Enrolment.cohort_id,
        order_by=(Enrolment.waitlisted_at, Enrolment.id)).label("position")
    return (select(Enrolment.id.label("enrolment_id"), Enrolment.cohort_id,
                   Enrolment.user_id, position)
            .where(Enrolment.cohort_id.in_(cohort_ids),
                   Enrolment.status == EnrolmentStatus.WAITLISTED)
            .subquery())


def waitlist_positions(user_id: int, cohort_ids: list[int]) -> dict[int, int]:
    """The user's place on the waiting list of each of these cohorts, by cohort id:
    one query (cohorts where they are not waiting are left out)."""
    if not cohort_ids:
        return {}
    queue = _queue_positions(cohort_ids)
    rows = db.session.execute(select(queue.c.cohort_id, queue.c.position)
                              .where(queue.c.user_id == user_id))
    return dict(rows.all())


def waiting_list(cohort: Cohort) -> list[Enrolment]:
    """The cohort's waiting list in queue order (first = next seated), with users and
    institutions: one query."""
    return list(db.session.scalars(
        select(Enrolment).join(Enrolment.user)
        .where(Enrolment.cohort_id == cohort.id,
               Enrolment.status == EnrolmentStatus.WAITLISTED)
        .options(contains_eager(Enrolment.user).joinedload(User.institution))
        .order_by(Enrolment.waitlisted_at, Enrolment.id)))


def enrolments_of(user_id: int, cohort_ids: list[int]) -> dict[int, Enrolment]:
    """The user's enrolments in these cohorts, by cohort id."""
    if not cohort_ids:
        return {}
    rows = db.session.scalars(select(Enrolment).where(
        Enrolment.user_id == user_id, Enrolment.cohort_id.in_(cohort_ids)))
    return {e.cohort_id: e for e in rows}


# ---------------------------------------------------------------- lessons and progress

def lesson_counts(course_ids: list[int]) -> dict[int, int]:
    """Number of lessons in each course: one query."""
    if not course_ids:
        return {}
    rows = db.session.execute(
        select(Module.course_id, func.count(Lesson.id))
        .join(Lesson, Lesson.module_id == Module.id)
        .where(Module.course_id.in_(course_ids))
        .group_by(Module.course_id))
    return dict(rows.all())


def completed_counts(enrolment_ids: list[int]) -> dict[int, int]:
    """Number of lessons each enrolment completed: one query."""
    if not enrolment_ids:
        return {}
    rows = db.session.execute(
        select(LessonCompletion.enrolment_id, func.count())
        .where(LessonCompletion.enrolment_id.in_(enrolment_ids))
        .group_by(LessonCompletion.enrolment_id))
    return dict(rows.all())


def completed_lesson_ids(enrolment: Enrolment | None) -> frozenset[int]:
    if enrolment is None:
        return frozenset()
    return frozenset(db.session.scalars(
        select(LessonCompletion.lesson_id)
        .where(LessonCompletion.enrolment_id == enrolment.id)))


def first_lesson_ids(course_ids: list[int]) -> dict[int, int]:
    """The first lesson of each course, in syllabus order: one query."""
    if not course_ids:
        return {}
    rank = func.row_number().over(
        partition_by=Module.course_id,
        order_by=(Module.position, Module.id, Lesson.position, Lesson.id)).label("rank")
    ranked = (select(Module.course_id, Lesson.id.label("lesson_id"), rank)
              .join(Lesson, Lesson.module_id == Module.id)
              .where(Module.course_id.in_(course_ids))
              .subquery())
    rows = db.session.execute(
        select(ranked.c.course_id, ranked.c.lesson_id).where(ranked.c.rank == 1))
    return dict(rows.all())


def lessons_by_id(lesson_ids: list[int]) -> dict[int, Lesson]:
    """Lessons ready for ``in_locale`` (translations and course loaded): two queries."""
    if not lesson_ids:
        return {}
    rows = db.session.scalars(
        select(Lesson).where(Lesson.id.in_(lesson_ids))
        .options(selectinload(Lesson.translations),
                 joinedload(Lesson.module).joinedload(Module.course)))
    return {lesson.id: lesson for lesson in rows}


def syllabus(course: Course) -> list[Module]:
    """The course's modules and lessons in order, with their translations: four queries."""
    return list(db.session.scalars(
        select(Module).where(Module.course_id == course.id)
        .order_by(Module.position, Module.id)
        .options(selectinload(Module.translations),
                 selectinload(Module.lessons).selectinload(Lesson.translations))))


def lesson_sequence(modules: list[Module]) -> list[Lesson]:
    """Every lesson of the syllabus, in reading order (for previous / next links)."""
    return [lesson for module in modules for lesson in module.lessons]


# ---------------------------------------------------------------- pages

@dataclass(frozen=True)
class LearningRow:
    """One line of "My learning"."""

    enrolment: Enrolment
    lessons: int
    completed: int
    continue_lesson: Lesson | None

    @property
    def ratio(self) -> float:
        return self.completed / self.lessons if self.lessons else 0.0


def dashboard(user_id: int) -> list[LearningRow]:
    """The user's enrolments, withdrawn ones last, with progress: seven queries at most.

    A place on a waiting list is not a course to follow: see ``my_waiting_lists``.
    """
    enrolments = list(db.session.scalars(
        select(Enrolment).where(Enrolment.user_id == user_id,
                                Enrolment.status != EnrolmentStatus.WAITLISTED)
        .options(joinedload(Enrolment.cohort).joinedload(Cohort.course)
                 .selectinload(Course.translations))))
    enrolments.sort(key=lambda e: (e.status == EnrolmentStatus.WITHDRAWN,
                                   -e.cohort.starts_on.toordinal(), e.id))
    course_ids = sorted({e.cohort.course_id for e in enrolments})
    totals = lesson_counts(course_ids)
    done = completed_counts([e.id for e in enrolments])
    firsts = first_lesson_ids(course_ids)
    targets = {e.id: e.last_lesson_id or firsts.get(e.cohort.course_id) for e in enrolments}
    lessons = lessons_by_id(sorted({t for t in targets.values() if t}))
    return [LearningRow(e, totals.get(e.cohort.course_id, 0), done.get(e.id, 0),
                        lessons.get(targets[e.id])) for e in enrolments]


@dataclass(frozen=True)
class WaitingRow:
    """A cohort whose waiting list the user is on, and their place in it."""

    enrolment: Enrolment
    position: int


def my_waiting_lists(user_id: int) -> list[WaitingRow]:
    """The waiting lists the user is on, soonest cohort first: three queries."""
    enrolments = list(db.session.scalars(
        select(Enrolment).where(Enrolment.user_id == user_id,
                                Enrolment.status == EnrolmentStatus.WAITLISTED)
        .options(joinedload(Enrolment.cohort).joinedload(Cohort.course)
                 .selectinload(Course.translations))))
    if not enrolments:
        return []
    enrolments.sort(key=lambda e: (e.cohort.starts_on, e.id))
    positions = waitlist_positions(user_id, [e.cohort_id for e in enrolments])
    return [WaitingRow(e, positions.get(e.cohort_id, 0)) for e in enrolments]


def teaching_cohorts(user, page: int, per_page: int = 25):
    """Cohorts the user teaches or coordinates (admins: all), newest first, paginated."""
    query = (select(Cohort).join(Cohort.course)
             .options(contains_eager(Cohort.course).selectinload(Course.translations))
             .order_by(Cohort.starts_on.desc(), Cohort.id.desc()))
    if not user.is_admin:
        query = query.where(or_(Cohort.id.in_(sorted(user.taught_cohort_ids)),
                                Course.program_id.in_(sorted(user.coordinated_program_ids))))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def cohort_with_details(cohort_id: int) -> Cohort | None:
    """A cohort with its course (and translations), host and instructors: four queries."""
    return db.session.scalars(
        select(Cohort).where(Cohort.id == cohort_id)
        .options(joinedload(Cohort.course).selectinload(Course.translations),
                 joinedload(Cohort.host_institution),
                 selectinload(Cohort.instructors))).first()


def enrolment_of(user, cohort_id: int) -> Enrolment | None:
    if not user.is_authenticated:
        return None
    return db.session.scalars(select(Enrolment).where(
        Enrolment.cohort_id == cohort_id, Enrolment.user_id == user.id)).first()


@dataclass(frozen=True)
class RosterRow:
    enrolment: Enrolment
    completed: int
    lessons: int

    @property
    def ratio(self) -> float:
        return self.completed / self.lessons if self.lessons else 0.0


def roster(cohort: Cohort, page: int, per_page: int = 50):
    """One page of the cohort's enrolments by name, with progress; the waiting list
    is apart (``waiting_list``).

    Returns (pagination, rows): four queries whatever the cohort size (count, page
    with users and institutions joined, completions, lesson count).
    """
    query = (select(Enrolment).join(Enrolment.user)
             .where(Enrolment.cohort_id == cohort.id,
                    Enrolment.status != EnrolmentStatus.WAITLISTED)
             .options(contains_eager(Enrolment.user).joinedload(User.institution))
             .order_by(User.full_name, User.id))
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False)
    done = completed_counts([e.id for e in pagination.items])
    total = lesson_counts([cohort.course_id]).get(cohort.course_id, 0)
    return pagination, [RosterRow(e, done.get(e.id, 0), total) for e in pagination.items]


def manageable_cohorts(user, today: date) -> list[Cohort]:
    """Cohorts the user manages that have not ended, for the import's default cohort."""
    query = (select(Cohort).join(Cohort.course).where(Cohort.ends_on >= today)
             .options(contains_eager(Cohort.course))
             .order_by(Cohort.starts_on, Cohort.code))
    if not user.is_admin:
        query = query.where(Course.program_id.in_(sorted(user.coordinated_program_ids)))
    return list(db.session.scalars(query))


def institutions() -> list[Institution]:
    return list(db.session.scalars(select(Institution).order_by(Institution.name)))


# ---------------------------------------------------------------- content languages

@dataclass(frozen=True)
class Coverage:
    """How much of one kind of content exists in a language: "12 of 15 lessons"."""

    available: int
    total: int
    # Translated, with plural forms: "12 of 15 lessons".
    text: str

    @property
    def complete(self) -> bool:
        return self.available >= self.total


def lesson_coverage(course: Course, locale: str) -> Coverage:
    """Lessons readable in ``locale``: title and body translated (or the course's own
    language; a translation may leave the body blank only when the original is blank
    too). One query."""
    translated = and_(LessonTranslation.title != "",
                      or_(LessonTranslation.body != "", Lesson.body == ""))
    total, available = db.session.execute(
        select(func.count(Lesson.id), func.count(case((translated, Lesson.id))))
        .select_from(Lesson).join(Module, Lesson.module_id == Module.id)
        .outerjoin(LessonTranslation, and_(LessonTranslation.lesson_id == Lesson.id,
                                           LessonTranslation.locale == locale))
        .where(Module.course_id == course.id)).one()
    if locale == course.language:
        available = total
    return Coverage(available, total, ngettext(
        "%(available)s of %(num)d lesson", "%(available)s of %(num)d lessons", total,
        available=available))


def content_coverage(course: Course, locale: str) -> list[Coverage]:
    """Lessons, then what the floors above count (quiz questions, assessments): one
    query per kind, three with the assessments floor connected."""
    found = [lesson_coverage(course, locale)]
    for answer in events.answers(events.content_coverage, course, locale=locale):
        found.extend(answer)
    return found
