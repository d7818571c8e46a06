"""Reads for the gradebook, the grading queue and "My assessments".

Each function runs a constant number of queries whatever the number of trainees
or assessments: grades, attempts and submissions are fetched for a whole page of
enrolments at once and arranged in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import url_for
from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from lms.accounts.models import User
from lms.assessments import completion
from lms.assessments.assignments.models import Submission, SubmissionStatus
from lms.assessments.attendance.models import (
    AttendanceRecord,
    AttendanceSession,
    AttendanceStatus,
)
from lms.assessments.attendance.services import attendance_percent
from lms.assessments.grades import windows_for
from lms.assessments.models import Assessment, AssessmentKind, Grade
from lms.assessments.observations.models import Observation, ObservationItem
from lms.assessments.quizzes.models import Attempt, AttemptStatus
from lms.audit.models import AuditLog
from lms.catalog.models import Course
from lms.cohorts.models import SEATED, Cohort, Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.kernel import clock

PER_PAGE = 50


def cohort_with_course(cohort_id: int) -> Cohort | None:
    """The cohort with its course and the course's translations: two queries."""
    return db.session.scalars(
        select(Cohort).where(Cohort.id == cohort_id)
        .options(joinedload(Cohort.course).selectinload(Course.translations))).first()


def assessments_of(course_id: int, *, published_only: bool = False) -> list[Assessment]:
    """The course's assessments in position order, with translations: two queries."""
    query = (select(Assessment).where(Assessment.course_id == course_id)
             .options(selectinload(Assessment.translations))
             .order_by(Assessment.position, Assessment.id))
    if published_only:
        query = query.where(Assessment.published.is_(True))
    return list(db.session.scalars(query))


# ---------------------------------------------------------------- gradebook

@dataclass(frozen=True)
class GradebookRow:
    enrolment: Enrolment
    cells: list[Any]  # grade rows (completion.Facts), one per assessment, in column order
    result: completion.CourseResult


def _rows(enrolments: list[Enrolment], assessments: list[Assessment],
          facts: completion.Facts) -> list[GradebookRow]:
    rules = completion.Rules.of(assessments)
    ids = [a.id for a in assessments]
    grades = facts.grades
    return [GradebookRow(e, [grades.get((e.id, i)) for i in ids],
                         completion.evaluate(rules, e.id, facts))
            for e in enrolments]


def _enrolments(cohort: Cohort):
    # A waiting trainee has no seat, so no line in the gradebook.
    return (select(Enrolment).join(Enrolment.user)
            .where(Enrolment.cohort_id == cohort.id,
                   Enrolment.status != EnrolmentStatus.WAITLISTED)
            .options(contains_eager(Enrolment.user))
            .order_by(User.full_name, User.id))


def gradebook(cohort: Cohort, assessments: list[Assessment], page: int):
    """One page of trainees by name with their grades: five queries.

    Returns (pagination, rows).
    """
    pagination = db.paginate(_enrolments(cohort), page=page, per_page=PER_PAGE,
                             error_out=False)
    enrolments = list(pagination.items)
    facts = completion.load_facts([e.id for e in enrolments])
    return pagination, _rows(enrolments, assessments, facts)


def gradebook_all(cohort: Cohort, assessments: list[Assessment]) -> list[GradebookRow]:
    """Every trainee of the cohort with grades, for the export: four queries."""
    enrolments = list(db.session.scalars(_enrolments(cohort)))
    return _rows(enrolments, assessments, completion.load_facts(cohort_id=cohort.id))


@dataclass(frozen=True)
class AttendanceSummary:
    """One trainee's attendance: the same figures as the attendance grade.

    ``held`` counts the sessions whose register lists the trainee (present, absent or
    excused); the percentage leaves excused sessions out, as the grade does.
    """

    attended: int
    excused: int
    held: int
    percent: Decimal | None


def attendance_of_cohort(cohort_id: int) -> dict[int, AttendanceSummary]:
    """{enrolment id: attendance} for every trainee with a record: one query."""
    counts: dict[int, dict[str, int]] = {}
    rows = db.session.execute(
        select(AttendanceRecord.enrolment_id, AttendanceRecord.status, func.count())
        .join(AttendanceSession, AttendanceSession.id == AttendanceRecord.session_id)
        .where(AttendanceSession.cohort_id == cohort_id)
        .group_by(AttendanceRecord.enrolment_id, AttendanceRecord.status))
    for enrolment_id, status, number in rows:
        counts.setdefault(enrolment_id, {})[status] = number
    return {enrolment_id: AttendanceSummary(
        attended=tally.get(AttendanceStatus.PRESENT, 0),
        excused=tally.get(AttendanceStatus.EXCUSED, 0), held=sum(tally.values()),
        percent=attendance_percent(tally)) for enrolment_id, tally in counts.items()}


# ---------------------------------------------------------------- override and history

@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: User | None
    before: str | None
    after: str | None
    source: str
    reason: str


def grade_of(assessment_id: int, enrolment_id: int) -> Grade | None:
    return db.session.scalar(select(Grade).where(
        Grade.assessment_id == assessment_id, Grade.enrolment_id == enrolment_id))


def grade_history(grade: Grade | None) -> list[HistoryEntry]:
    """The grade's changes from the audit log, newest first: one query."""
    if grade is None:
        return []
    rows = db.session.execute(
        select(AuditLog, User).outerjoin(User, User.id == AuditLog.actor_id)
        .where(AuditLog.action == "grade.set", AuditLog.object_type == Grade.__tablename__,
               AuditLog.object_id == grade.id)
        .order_by(AuditLog.at.desc(), AuditLog.id.desc()))
    entries = []
    for log, actor in rows:
        before, after = log.before or {}, log.after or {}
        entries.append(HistoryEntry(
            at=clock.as_utc(log.at), actor=actor, before=before.get("percent"),
            after=after.get("percent"), source=after.get("source", ""),
            reason=after.get("override_reason", "")))
    return entries


# ---------------------------------------------------------------- grading queue

def grading_queue(user, page: int, per_page: int = PER_PAGE):
    """Submitted assignments awaiting a grade in the user's cohorts, oldest first."""
    query = (select(Submission)
             .join(Submission.assessment).join(Submission.enrolment)
             .join(Enrolment.cohort).join(Cohort.course).join(Enrolment.user)
             .where(Submission.status == SubmissionStatus.SUBMITTED,
                    Assessment.kind == AssessmentKind.ASSIGNMENT,
                    Enrolment.status.in_(SEATED))
             .options(contains_eager(Submission.assessment),
                      contains_eager(Submission.enrolment).contains_eager(Enrolment.user),
                      contains_eager(Submission.enrolment).contains_eager(Enrolment.cohort)
                      .contains_eager(Cohort.course))
             .order_by(Submission.submitted_at, Submission.id))
    if not user.is_admin:
        query = query.where(or_(Enrolment.cohort_id.in_(sorted(user.taught_cohort_ids)),
                                Course.program_id.in_(sorted(user.coordinated_program_ids))))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


# ---------------------------------------------------------------- my assessments

NOT_STARTED = "not_started"
STARTED = "in_progress"
SUBMITTED = "submitted"
GRADED = "graded"
RETURNED = "returned"
OVERDUE = "overdue"


@dataclass(frozen=True)
class AssessmentLine:
    assessment: Assessment
    opens_at: datetime | None
    due_at: datetime | None
    state: str
    grade: Any  # a grade row (completion.Facts) or None
    link: str


# Where the trainee does each kind of assessment.
_TRAINEE_PAGES = {
    AssessmentKind.QUIZ: "quizzes.quiz",
    AssessmentKind.ASSIGNMENT: "assignments.assignment",
    AssessmentKind.OBSERVATION: "observations.mine",
}


def trainee_link(assessment: Assessment, cohort_id: int) -> str:
    """Where the trainee does the assessment (pages built by each kind's area)."""
    endpoint = _TRAINEE_PAGES.get(assessment.kind)
    if endpoint is None:
        return url_for("attendance.mine", cohort_id=cohort_id)
    return url_for(endpoint, cohort_id=cohort_id, assessment_id=assessment.id)


def _activity(enrolment: Enrolment) -> tuple[dict[int, set[str]], dict[int, str], set[int],
                                             bool]:
    """Attempt statuses, submission status, observed assessments, attendance: four queries."""
    attempts: dict[int, set[str]] = {}
    for assessment_id, status in db.session.execute(
            select(Attempt.assessment_id, Attempt.status)
            .where(Attempt.enrolment_id == enrolment.id)):
        attempts.setdefault(assessment_id, set()).add(status)
    submissions = dict(db.session.execute(
        select(Submission.assessment_id, Submission.status)
        .where(Submission.enrolment_id == enrolment.id)).all())
    observed = set(db.session.scalars(
        select(ObservationItem.assessment_id).join(
            Observation, Observation.item_id == ObservationItem.id)
        .where(Observation.enrolment_id == enrolment.id).distinct()))
    attended = bool(db.session.scalar(
        select(func.count()).select_from(AttendanceRecord)
        .join(AttendanceSession, AttendanceSession.id == AttendanceRecord.session_id)
        .where(AttendanceRecord.enrolment_id == enrolment.id,
               AttendanceSession.cohort_id == enrolment.cohort_id)))
    return attempts, submissions, observed, attended


def _state(assessment: Assessment, grade: Any, attempts: set[str],
           submission: str | None, started: bool, due_at: datetime | None,
           now: datetime) -> str:
    if assessment.kind == AssessmentKind.ASSIGNMENT and submission == SubmissionStatus.RETURNED:
        return RETURNED
    if assessment.kind == AssessmentKind.QUIZ and AttemptStatus.IN_PROGRESS in attempts:
        return STARTED
    if grade is not None:
        return GRADED
    if submission == SubmissionStatus.SUBMITTED or AttemptStatus.SUBMITTED in attempts:
        return SUBMITTED
    if started or submission is not None:
        return STARTED
    if due_at is not None and clock.as_utc(due_at) < now:
        return OVERDUE
    return NOT_STARTED


def my_assessments(enrolment: Enrolment, cohort: Cohort, now: datetime | None = None
                   ) -> tuple[list[AssessmentLine], completion.CourseResult]:
    """The trainee's published assessments with state and grade, and the course result.

    Ten queries whatever the number of assessments.
    """
    now = now or clock.now()
    assessments = assessments_of(cohort.course_id, published_only=True)
    windows = windows_for(assessments, cohort)
    facts = completion.load_facts([enrolment.id])
    attempts, submissions, observed, attended = _activity(enrolment)
    lines = []
    for assessment in assessments:
        opens_at, due_at = windows[assessment.id]
        started = (assessment.id in observed
                   or (assessment.kind == AssessmentKind.ATTENDANCE and attended))
        grade = facts.grades.get((enrolment.id, assessment.id))
        lines.append(AssessmentLine(
            assessment=assessment, opens_at=clock.as_utc(opens_at), due_at=clock.as_utc(due_at),
            state=_state(assessment, grade, attempts.get(assessment.id, set()),
                         submissions.get(assessment.id), started, due_at, now),
            grade=grade, link=trainee_link(assessment, cohort.id)))
    return lines, completion.evaluate(assessments, enrolment.id, facts)


def enrolment_in(cohort_id: int, enrolment_id: int) -> Enrolment | None:
    """An enrolment of this cohort, with its user (one query)."""
    return db.session.scalars(
        select(Enrolment).where(Enrolment.id == enrolment_id, Enrolment.cohort_id == cohort_id)
        .options(joinedload(Enrolment.user))).first()


def own_enrolment(user, cohort_id: int) -> Enrolment | None:
    if not user.is_authenticated:
        return None
    return db.session.scalars(select(Enrolment).where(
        Enrolment.cohort_id == cohort_id, Enrolment.user_id == user.id)
        .options(joinedload(Enrolment.user))).first()
