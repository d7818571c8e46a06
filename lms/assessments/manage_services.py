"""Every write to a course's assessments: validated first, audited, flushed.

Each function checks all its input and raises :class:`lms.errors.DomainError`
before changing anything, so a refused request leaves no trace. Permission checks
stay in the views; services trust their ``actor`` and record who acted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from lms.assessments.completion import refresh_course
from lms.assessments.models import (
    Assessment,
    AssessmentKind,
    AssessmentTranslation,
    AssessmentWindow,
    Grade,
    TestRole,
)
from lms.audit.services import record
from lms.catalog.models import Course
from lms.cohorts.models import Cohort
from lms.errors import DomainError, clean_text
from lms.extensions import db
from lms.i18n import apply_translations, check_translations
from lms.kernel import clock

TRANSLATED = ("title", "instructions")
MAX_INSTRUCTIONS = 20_000
MAX_WEIGHT = Decimal("9999.99")

FIELDS = ("kind", "title", "instructions", "pass_mark", "weight", "required", "published",
          "position", "opens_at", "due_at", "attempts_allowed", "time_limit_minutes",
          "shuffle_questions", "review_allowed", "accepts_text", "accepts_file", "test_role")


@dataclass
class AssessmentData:
    """What a coordinator sets on an assessment; the kind's own settings may stay default."""

    title: str
    pass_mark: Decimal | int | str
    weight: Decimal | int | str = Decimal("1")
    instructions: str = ""
    required: bool = True
    published: bool = True
    position: int | None = None
    opens_at: datetime | None = None
    due_at: datetime | None = None
    attempts_allowed: int | None = 1
    time_limit_minutes: int | None = None
    shuffle_questions: bool = False
    review_allowed: bool = True
    accepts_text: bool = True
    accepts_file: bool = False
    # Quizzes only: TestRole value, or None / "" for neither.
    test_role: str | None = None
    # {locale: {"title": ..., "instructions": ...}}; blank texts remove the translation.
    translations: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


def _decimal(value, field_name: str, message: str) -> Decimal:
    try:
        number = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        raise DomainError(message, field=field_name) from None
    return number


def _check_window(opens_at: datetime | None, due_at: datetime | None) -> None:
    if opens_at is not None and due_at is not None and due_at <= opens_at:
        raise DomainError(_("The due date must come after the opening date."), field="due_at")


def _snapshot(assessment: Assessment) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in FIELDS:
        value = getattr(assessment, name)
        data[name] = value.isoformat() if isinstance(value, datetime) else (
            str(value) if isinstance(value, Decimal) else value)
    data["translations"] = {row.locale: {name: getattr(row, name) for name in TRANSLATED}
                            for row in sorted(assessment.translations, key=lambda r: r.locale)}
    return data


def _validated(kind: str, data: AssessmentData, language: str) -> dict[str, Any]:
    """Every value checked and normalised, or a DomainError naming the field."""
    title = clean_text(data.title, "title", 200)
    instructions = (data.instructions or "").strip()
    if len(instructions) > MAX_INSTRUCTIONS:
        raise DomainError(_("Use at most %(max)d characters.", max=MAX_INSTRUCTIONS),
                          field="instructions")
    percent_message = _("Enter a number between 0 and 100.")
    pass_mark = _decimal(data.pass_mark, "pass_mark", percent_message)
    if not Decimal(0) <= pass_mark <= Decimal(100):
        raise DomainError(percent_message, field="pass_mark")
    weight_message = _("Enter a weight of 0 or more.")
    weight = _decimal(data.weight, "weight", weight_message)
    if not Decimal(0) <= weight <= MAX_WEIGHT:
        raise DomainError(weight_message, field="weight")
    if data.position is not None and not 1 <= data.position <= 10_000:
        raise DomainError(_("Enter a position between 1 and 10000."), field="position")
    opens_at, due_at = clock.as_utc(data.opens_at), clock.as_utc(data.due_at)
    _check_window(opens_at, due_at)
    values: dict[str, Any] = {
        "title": title, "instructions": instructions, "pass_mark": pass_mark,
        "weight": weight, "required": bool(data.required), "published": bool(data.published),
        "opens_at": opens_at, "due_at": due_at,
    }
    if kind == AssessmentKind.QUIZ:
        if data.attempts_allowed is not None and not 1 <= data.attempts_allowed <= 100:
            raise DomainError(_("Enter a number of attempts between 1 and 100, or leave it "
                                "blank for unlimited attempts."), field="attempts_allowed")
        if data.time_limit_minutes is not None and not 1 <= data.time_limit_minutes <= 1440:
            raise DomainError(_("Enter a time limit between 1 and 1440 minutes, or leave it "
                                "blank."), field="time_limit_minutes")
        values.update(attempts_allowed=data.attempts_allowed,
                      time_limit_minutes=data.time_limit_minutes,
                      shuffle_questions=bool(data.shuffle_questions),
                      review_allowed=bool(data.review_allowed))
    values["test_role"] = _test_role(kind, data.test_role)
    if kind == AssessmentKind.ASSIGNMENT:
        if not (data.accepts_text or data.accepts_file):
            raise DomainError(_("An assignment must accept a text, a file or both."),
                              field="accepts_text")
        values.update(accepts_text=bool(data.accepts_text), accepts_file=bool(data.accepts_file))
    check_translations(data.translations, language,
                       {"title": 200, "instructions": MAX_INSTRUCTIONS})
    return values


def _test_role(kind: str, role: str | None) -> str | None:
    """The role checked: a TestRole value, or None; only a quiz may have one."""
    if not role:
        return None
    if role not in {r.value for r in TestRole}:
        raise DomainError(_("Choose pre-test, post-test or neither."), field="test_role")
    if kind != AssessmentKind.QUIZ:
        # No field: the other kinds' forms do not show one, so the message is flashed.
        raise DomainError(_("Only a quiz can be a course's pre-test or post-test."))
    return role


def _check_role_free(course_id: int, role: str | None, assessment_id: int | None) -> None:
    """A course has at most one pre-test and one post-test: refuse a second, naming the first."""
    if role is None:
        return
    holder = db.session.scalar(select(Assessment).where(
        Assessment.course_id == course_id, Assessment.test_role == role,
        Assessment.id != (assessment_id or 0)))
    if holder is None:
        return
    if role == TestRole.PRE:
        message = _("%(title)s is already this course's pre-test; set it to neither first.",
                    title=holder.title)
    else:
        message = _("%(title)s is already this course's post-test; set it to neither first.",
                    title=holder.title)
    raise DomainError(message, field="test_role")


def _next_position(course_id: int) -> int:
    highest = db.session.scalar(
        select(func.max(Assessment.position)).where(Assessment.course_id == course_id))
    return (highest or 0) + 1


def create_assessment(actor, course: Course, kind: str, data: AssessmentData) -> Assessment:
    """A new assessment of ``kind`` at the end of the course (or at ``data.position``).

    Enrolments' statuses are not recomputed here: a new required assessment counts
    from each trainee's next grade on, so results already reached are not undone by
    adding an assessment.
    """
    try:
        kind = AssessmentKind(kind)
    except ValueError:
        raise DomainError(_("Choose a kind of assessment from the list.")) from None
    values = _validated(kind, data, course.language)
    _check_role_free(course.id, values["test_role"], None)
    assessment = Assessment(course_id=course.id, kind=kind,
                            position=data.position or _next_position(course.id), **values)
    apply_translations(assessment, AssessmentTranslation, data.translations, TRANSLATED)
    db.session.add(assessment)
    db.session.flush()
    if kind != AssessmentKind.QUIZ or values["attempts_allowed"] is None:
        # The column's default (1) replaces None at insert; unlimited is None.
        assessment.attempts_allowed = None
        db.session.flush()
    record(actor, "assessment.created", assessment, None, _snapshot(assessment))
    return assessment


def update_assessment(actor, assessment: Assessment, data: AssessmentData) -> Assessment:
    """Change an assessment; grades follow a new pass mark and results are re-applied."""
    values = _validated(assessment.kind, data, assessment.course.language)
    _check_role_free(assessment.course_id, values["test_role"], assessment.id)
    before = _snapshot(assessment)
    rules_changed = (values["pass_mark"] != Decimal(assessment.pass_mark)
                     or values["required"] != assessment.required
                     or values["published"] != assessment.published)
    for name, value in values.items():
        setattr(assessment, name, value)
    if data.position is not None:
        assessment.position = data.position
    apply_translations(assessment, AssessmentTranslation, data.translations, TRANSLATED)
    db.session.flush()
    if values["pass_mark"] != Decimal(before["pass_mark"]):
        # Passed or failed is stored with each grade: it follows the new mark.
        db.session.execute(update(Grade).where(Grade.assessment_id == assessment.id)
                           .values(passed=Grade.percent >= values["pass_mark"])
                           .execution_options(synchronize_session="fetch"))
    record(actor, "assessment.updated", assessment, before, _snapshot(assessment))
    if rules_changed:
        refresh_course(assessment.course_id, actor)
    return assessment


def set_window(actor, assessment: Assessment, cohort: Cohort, opens_at: datetime | None,
               due_at: datetime | None) -> AssessmentWindow | None:
    """The cohort's own dates for the assessment; both blank: back to the course's dates."""
    if cohort.course_id != assessment.course_id:
        raise DomainError(_("This cohort does not follow the assessment's course."))
    opens_at, due_at = clock.as_utc(opens_at), clock.as_utc(due_at)
    _check_window(opens_at, due_at)
    window = db.session.get(AssessmentWindow, (assessment.id, cohort.id))
    before = None if window is None else {
        "cohort_id": cohort.id,
        "opens_at": _iso(window.opens_at), "due_at": _iso(window.due_at)}
    if opens_at is None and due_at is None:
        if window is not None:
            db.session.delete(window)
            db.session.flush()
            record(actor, "assessment.window_set", assessment, before, None)
        return None
    if window is None:
        window = AssessmentWindow(assessment_id=assessment.id, cohort_id=cohort.id)
        db.session.add(window)
    window.opens_at, window.due_at = opens_at, due_at
    db.session.flush()
    record(actor, "assessment.window_set", assessment, before,
           {"cohort_id": cohort.id, "opens_at": _iso(opens_at), "due_at": _iso(due_at)})
    return window


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else clock.as_utc(moment).isoformat()
