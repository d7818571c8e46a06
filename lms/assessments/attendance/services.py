"""Every write of attendance: sessions, registers and the attendance grade.

Validate, change rows, audit, flush (never commit). The attendance grade of a
trainee is present / (sessions recorded for them - excused) x 100; the course's
attendance assessments carry the required percentage as their pass mark.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal

from flask_babel import get_timezone
from flask_babel import gettext as _
from sqlalchemy import select

from lms.assessments import grades
from lms.assessments.attendance.models import AttendanceRecord, AttendanceSession, AttendanceStatus
from lms.assessments.attendance.queries import attendance_assessments, tallies
from lms.assessments.models import Grade, GradeSource
from lms.audit.services import record
from lms.cohorts.models import Cohort, Enrolment
from lms.cohorts.schedule import CohortSession
from lms.errors import DomainError
from lms.extensions import db
from lms.kernel import clock

MAX_TITLE = 200


def _session_state(session: AttendanceSession) -> dict:
    return {"cohort_id": session.cohort_id,
            "starts_at": clock.as_utc(session.starts_at).isoformat(), "title": session.title}


def local_to_utc(day: date, at: time) -> datetime:
    """The moment ``day`` at ``at`` in the interface's time zone, as UTC."""
    zone = get_timezone()
    naive = datetime.combine(day, at)
    local = zone.localize(naive) if zone is not None else naive.replace(tzinfo=UTC)
    return local.astimezone(UTC)


# ---------------------------------------------------------------- sessions

def add_session(actor, cohort: Cohort, *, day: date | None, at: time | None,
                title: str = "") -> AttendanceSession:
    if day is None:
        raise DomainError(_("Enter the date."), field="day")
    if at is None:
        raise DomainError(_("Enter the time."), field="time")
    title = (title or "").strip()
    if len(title) > MAX_TITLE:
        raise DomainError(_("Use at most %(max)d characters.", max=MAX_TITLE), field="title")
    starts_at = local_to_utc(day, at)
    taken = db.session.scalar(select(AttendanceSession.id).where(
        AttendanceSession.cohort_id == cohort.id, AttendanceSession.starts_at == starts_at))
    if taken is not None:
        raise DomainError(_("This cohort already has a session at that date and time."),
                          field="time")
    session = AttendanceSession(cohort_id=cohort.id, starts_at=starts_at, title=title)
    db.session.add(session)
    db.session.flush()
    record(actor, "attendance_session.created", session, None, _session_state(session))
    return session


def register_for(actor, cohort: Cohort, planned: CohortSession) -> AttendanceSession:
    """The register of a planned session, created on first use.

    A register added by hand at the same moment becomes this session's register,
    rather than a second one for the same class.
    """
    if planned.cohort_id != cohort.id:
        raise DomainError(_("This session is not in this cohort."))
    register = db.session.scalar(select(AttendanceSession).where(
        AttendanceSession.scheduled_session_id == planned.id))
    if register is not None:
        return register
    starts_at = clock.as_utc(planned.starts_at)
    register = db.session.scalar(select(AttendanceSession).where(
        AttendanceSession.cohort_id == cohort.id, AttendanceSession.starts_at == starts_at,
        AttendanceSession.scheduled_session_id.is_(None)))
    if register is not None:
        before = _session_state(register)
        register.scheduled_session_id = planned.id
        db.session.flush()
        record(actor, "attendance_session.linked", register, before,
               {**_session_state(register), "scheduled_session_id": planned.id})
        return register
    register = AttendanceSession(cohort_id=cohort.id, starts_at=starts_at,
                                title=planned.topic[:MAX_TITLE],
                                scheduled_session_id=planned.id)
    db.session.add(register)
    db.session.flush()
    record(actor, "attendance_session.created", register, None,
           {**_session_state(register), "scheduled_session_id": planned.id})
    return register


def delete_session(actor, cohort: Cohort, session: AttendanceSession) -> None:
    """Remove the session and its register, then regrade the trainees it counted for."""
    affected = list(db.session.scalars(select(AttendanceRecord.enrolment_id).where(
        AttendanceRecord.session_id == session.id)))
    before = _session_state(session)
    before["records"] = len(affected)
    db.session.delete(session)
    db.session.flush()
    record(actor, "attendance_session.deleted", session, before, None)
    update_attendance_grades(cohort, affected, actor)


# ---------------------------------------------------------------- registers

def take_attendance(actor, session: AttendanceSession,
                    statuses: Mapping[int, str]) -> int:
    """Save ``{enrolment id: status}`` for the session; returns how many records changed.

    Every enrolment must be one of the session's cohort; all of them are checked
    before anything is written. One audit entry names the session and every
    change (before and after); then the attendance grades of everyone on the
    register are brought up to date.
    """
    valid = {status.value for status in AttendanceStatus}
    if any(status not in valid for status in statuses.values()):
        raise DomainError(_("Choose present, absent or excused."))
    ids = set(statuses)
    if ids:
        known = set(db.session.scalars(select(Enrolment.id).where(
            Enrolment.id.in_(sorted(ids)), Enrolment.cohort_id == session.cohort_id)))
        if known != ids:
            raise DomainError(_("Someone on this register is not in the cohort any more. "
                                "Reload the page and try again."))
    # Two people saving the same register at once: the second waits for the first
    # (PostgreSQL row lock; SQLite takes the write lock when the request begins).
    db.session.execute(select(AttendanceSession.id).where(AttendanceSession.id == session.id)
                       .with_for_update())
    existing = {row.enrolment_id: row for row in db.session.scalars(
        select(AttendanceRecord).where(AttendanceRecord.session_id == session.id,
                                       AttendanceRecord.enrolment_id.in_(sorted(ids))))} \
        if ids else {}
    before: dict[str, str | None] = {}
    after: dict[str, str] = {}
    now = clock.now()
    for enrolment_id in sorted(ids):
        status = statuses[enrolment_id]
        row = existing.get(enrolment_id)
        if row is not None and row.status == status:
            continue
        before[str(enrolment_id)] = row.status if row is not None else None
        after[str(enrolment_id)] = status
        if row is None:
            row = AttendanceRecord(session_id=session.id, enrolment_id=enrolment_id)
            db.session.add(row)
        row.status = status
        row.recorded_by_id = getattr(actor, "id", None)
        row.recorded_at = now
    if after:
        db.session.flush()
        record(actor, "attendance.taken", session, before, after)
    # Every trainee on the register, changed or not: a grade missing or stale (an
    # attendance assessment added later, a new pass mark) is put right on the next
    # save; unchanged grades are left alone.
    update_attendance_grades(session.cohort, ids, actor)
    return len(after)


# ---------------------------------------------------------------- grades

def attendance_percent(counts: Mapping[str, int]) -> Decimal | None:
    """present / (recorded - excused) x 100; None when no session counts."""
    present = counts.get(AttendanceStatus.PRESENT, 0)
    counted = sum(counts.values()) - counts.get(AttendanceStatus.EXCUSED, 0)
    if counted <= 0:
        return None
    return Decimal(present) * 100 / Decimal(counted)


def update_attendance_grades(cohort: Cohort, enrolment_ids: Iterable[int], actor) -> None:
    """Write the attendance grade of each enrolment for every attendance assessment.

    A trainee with no session counted (none recorded, or all excused) gets no
    grade. An unchanged grade is left alone, so that saving a register again does
    not fill the audit log with identical entries.
    """
    ids = sorted(set(enrolment_ids))
    if not ids:
        return
    assessments = attendance_assessments(cohort.course_id)
    if not assessments:
        return
    counts = tallies(cohort.id, ids)
    percents = {i: attendance_percent(c) for i, c in counts.items()}
    graded = [i for i, p in percents.items() if p is not None]
    if not graded:
        return
    enrolments = list(db.session.scalars(select(Enrolment).where(
        Enrolment.id.in_(graded), Enrolment.cohort_id == cohort.id)))
    current = {(g.assessment_id, g.enrolment_id): g for g in db.session.scalars(
        select(Grade).where(Grade.enrolment_id.in_(graded),
                            Grade.assessment_id.in_([a.id for a in assessments])))}
    for assessment in assessments:
        for enrolment in enrolments:
            value = grades.as_percent(percents[enrolment.id])
            grade = current.get((assessment.id, enrolment.id))
            if grade is not None and grade.percent == value and grade.source == GradeSource.AUTO \
                    and grade.passed == (value >= Decimal(assessment.pass_mark)):
                continue
            grades.set_grade(assessment, enrolment, value, actor=actor,
                             source=GradeSource.AUTO)
