"""Reads for the attendance pages, each a constant number of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from lms.accounts.models import User
from lms.assessments.attendance.models import AttendanceRecord, AttendanceSession
from lms.assessments.models import Assessment, AssessmentKind, Grade
from lms.catalog.models import Course
from lms.cohorts.models import SEATED, Cohort, Enrolment
from lms.cohorts.schedule import CohortSession
from lms.extensions import db

SESSIONS_PER_PAGE = 50
# A register is one form: a whole in-person cohort (two officers per member state)
# fits on one page.
TRAINEES_PER_PAGE = 100


def cohort_with_course(cohort_id: int) -> Cohort | None:
    return db.session.scalars(
        select(Cohort).where(Cohort.id == cohort_id)
        .options(joinedload(Cohort.course).selectinload(Course.translations))).first()


def session_in_cohort(cohort: Cohort, session_id: int) -> AttendanceSession | None:
    return db.session.scalars(select(AttendanceSession).where(
        AttendanceSession.id == session_id, AttendanceSession.cohort_id == cohort.id)).first()


def sessions_page(cohort: Cohort, page: int, per_page: int = SESSIONS_PER_PAGE):
    """One page of the cohort's sessions, in time order, with counts by status.

    Returns (pagination, {session id: {status: count}}): three queries.
    """
    query = (select(AttendanceSession).where(AttendanceSession.cohort_id == cohort.id)
             .order_by(AttendanceSession.starts_at, AttendanceSession.id))
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False)
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    ids = [s.id for s in pagination.items]
    if ids:
        rows = db.session.execute(
            select(AttendanceRecord.session_id, AttendanceRecord.status, func.count())
            .where(AttendanceRecord.session_id.in_(ids))
            .group_by(AttendanceRecord.session_id, AttendanceRecord.status))
        for session_id, status, number in rows:
            counts[session_id][status] = number
    return pagination, counts


def scheduled_sessions(cohort: Cohort) -> list[tuple[CohortSession, AttendanceSession | None]]:
    """The cohort's planned sessions in time order, each with its register if taken: two
    queries."""
    planned = list(db.session.scalars(
        select(CohortSession).where(CohortSession.cohort_id == cohort.id)
        .order_by(CohortSession.starts_at, CohortSession.id)))
    registers = {}
    if planned:
        registers = {row.scheduled_session_id: row for row in db.session.scalars(
            select(AttendanceSession).where(AttendanceSession.scheduled_session_id.in_(
                [item.id for item in planned])))}
    return [(item, registers.get(item.id)) for item in planned]


def planned_in_cohort(cohort: Cohort, scheduled_id: int) -> CohortSession | None:
    return db.session.scalars(select(CohortSession).where(
        CohortSession.id == scheduled_id, CohortSession.cohort_id == cohort.id)).first()


def roster_page(cohort: Cohort, page: int, per_page: int = TRAINEES_PER_PAGE):
    """One page of the cohort's seated trainees by name, users loaded: two queries."""
    query = (select(Enrolment).join(Enrolment.user)
             .where(Enrolment.cohort_id == cohort.id, Enrolment.status.in_(SEATED))
             .options(contains_eager(Enrolment.user))
             .order_by(User.full_name, User.id))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def records_for(session: AttendanceSession,
                enrolment_ids: Iterable[int]) -> dict[int, AttendanceRecord]:
    ids = list(enrolment_ids)
    if not ids:
        return {}
    rows = db.session.scalars(select(AttendanceRecord).where(
        AttendanceRecord.session_id == session.id, AttendanceRecord.enrolment_id.in_(ids)))
    return {row.enrolment_id: row for row in rows}


def tallies(cohort_id: int, enrolment_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """{enrolment id: {status: sessions}} over the cohort's sessions: one query."""
    ids = sorted(set(enrolment_ids))
    result: dict[int, dict[str, int]] = {i: {} for i in ids}
    if not ids:
        return result
    rows = db.session.execute(
        select(AttendanceRecord.enrolment_id, AttendanceRecord.status, func.count())
        .join(AttendanceSession, AttendanceSession.id == AttendanceRecord.session_id)
        .where(AttendanceSession.cohort_id == cohort_id,
               AttendanceRecord.enrolment_id.in_(ids))
        .group_by(AttendanceRecord.enrolment_id, AttendanceRecord.status))
    for enrolment_id, status, number in rows:
        result[enrolment_id][status] = number
    return result


def attendance_assessments(course_id: int) -> list[Assessment]:
    """The course's attendance assessments (their pass mark is the required %)."""
    return list(db.session.scalars(
        select(Assessment)
        .where(Assessment.course_id == course_id, Assessment.kind == AssessmentKind.ATTENDANCE)
        .order_by(Assessment.position, Assessment.id)
        .options(selectinload(Assessment.translations))))


def my_sessions(enrolment: Enrolment, page: int, per_page: int = SESSIONS_PER_PAGE):
    """One page of the cohort's sessions with this trainee's record in each: three queries."""
    query = (select(AttendanceSession).where(AttendanceSession.cohort_id == enrolment.cohort_id)
             .order_by(AttendanceSession.starts_at, AttendanceSession.id))
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False)
    ids = [s.id for s in pagination.items]
    records = {}
    if ids:
        records = {row.session_id: row for row in db.session.scalars(
            select(AttendanceRecord).where(AttendanceRecord.enrolment_id == enrolment.id,
                                           AttendanceRecord.session_id.in_(ids)))}
    return pagination, records


def grades_of(enrolment: Enrolment, assessments: list[Assessment]) -> dict[int, Grade]:
    """{assessment id: grade} of this trainee: one query."""
    if not assessments:
        return {}
    rows = db.session.scalars(select(Grade).where(
        Grade.enrolment_id == enrolment.id,
        Grade.assessment_id.in_([a.id for a in assessments])))
    return {g.assessment_id: g for g in rows}
