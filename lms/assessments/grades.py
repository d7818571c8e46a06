"""Grades: the one place that writes a ``Grade`` and keeps the course result current.

Every kind of assessment ends here: quiz submission, assignment grading,
observation and attendance all call ``set_grade``; every change is audited with
the values before and after; overriding a computed grade needs a reason.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from lms.assessments.models import Assessment, AssessmentWindow, Grade, GradeSource
from lms.audit.services import record
from lms.cohorts.models import Cohort, Enrolment
from lms.errors import DomainError
from lms.extensions import db
from lms.kernel import clock, events

HUNDRED = Decimal("100")


def as_percent(value: Decimal | float | int | str) -> Decimal:
    """A percentage rounded to two decimals; refuses what is not 0..100."""
    try:
        percent = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except ArithmeticError as exc:
        raise DomainError(_("Enter a number between 0 and 100."), field="percent") from exc
    if not Decimal(0) <= percent <= HUNDRED:
        raise DomainError(_("Enter a number between 0 and 100."), field="percent")
    return percent


def window_for(assessment: Assessment, cohort: Cohort) -> tuple[datetime | None, datetime | None]:
    """(opens_at, due_at) for this cohort: its own window if it has one."""
    override = db.session.get(AssessmentWindow, (assessment.id, cohort.id))
    if override is not None:
        return override.opens_at, override.due_at
    return assessment.opens_at, assessment.due_at


def _snapshot(grade: Grade | None) -> dict | None:
    if grade is None:
        return None
    return {"percent": str(grade.percent), "passed": grade.passed, "source": grade.source,
            "feedback": grade.feedback, "override_reason": grade.override_reason,
            "grader_id": grade.grader_id}


def set_grade(assessment: Assessment, enrolment: Enrolment, percent, *, actor,
              source: str = GradeSource.AUTO, feedback: str = "",
              reason: str = "") -> Grade:
    """Create or change the grade of ``enrolment`` in ``assessment``.

    A person replacing a grade that was already given needs a ``reason`` (kept on
    the grade and in the audit log); computed grades (quiz, attendance) replace
    computed grades freely but never an override.
    """
    value = as_percent(percent)
    grade = db.session.scalar(select(Grade).where(
        Grade.assessment_id == assessment.id, Grade.enrolment_id == enrolment.id))
    before = _snapshot(grade)
    if grade is not None:
        if source == GradeSource.AUTO and grade.source == GradeSource.OVERRIDE:
            return grade  # an instructor's override stands until they change it
        if source != GradeSource.AUTO and grade.source == GradeSource.AUTO \
                and grade.percent != value:
            source = GradeSource.OVERRIDE
        if source == GradeSource.OVERRIDE and not reason.strip():
            raise DomainError(_("Give a reason for changing this grade."), field="reason")
    if grade is None:
        grade = Grade(assessment_id=assessment.id, enrolment_id=enrolment.id)
        db.session.add(grade)
    grade.percent = value
    grade.passed = value >= Decimal(assessment.pass_mark)
    grade.source = source
    grade.feedback = feedback if feedback or source == GradeSource.AUTO else grade.feedback or ""
    grade.override_reason = reason.strip() if source == GradeSource.OVERRIDE else ""
    grade.grader_id = getattr(actor, "id", None) if source != GradeSource.AUTO else None
    grade.graded_at = clock.now()
    db.session.flush()
    record(actor, "grade.set", grade, before=before, after=_snapshot(grade))
    # The course result is computed again (lms.assessments.completion reacts).
    events.grade_changed.send(enrolment, assessment_id=assessment.id, actor=actor)
    return grade


def override_grade(assessment: Assessment, enrolment: Enrolment, percent, *, actor,
                   reason: str, feedback: str = "") -> Grade:
    """An instructor sets the grade by hand: always with a reason, kept in the audit log."""
    value = as_percent(percent)
    if not (reason or "").strip():
        raise DomainError(_("Give a reason for changing this grade."), field="reason")
    return set_grade(assessment, enrolment, value, actor=actor, source=GradeSource.OVERRIDE,
                     feedback=feedback, reason=reason)


def windows_for(assessments: list[Assessment],
                cohort: Cohort) -> dict[int, tuple[datetime | None, datetime | None]]:
    """``window_for`` of many assessments at once (one query), by assessment id."""
    ids = [a.id for a in assessments]
    overrides = {}
    if ids:
        overrides = {w.assessment_id: (w.opens_at, w.due_at) for w in db.session.scalars(
            select(AssessmentWindow).where(AssessmentWindow.cohort_id == cohort.id,
                                           AssessmentWindow.assessment_id.in_(ids)))}
    return {a.id: overrides.get(a.id, (a.opens_at, a.due_at)) for a in assessments}
