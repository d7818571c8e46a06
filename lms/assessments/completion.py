"""Course completion: the weighted total and the result of an enrolment.

The rule
--------
Only the course's *required*, *published* assessments count.

- Weighted total = Σ(percent × weight) / Σ(weight) over those assessments; an
  assessment without a grade counts 0 in the total. No weight at all: no total.
- COMPLETED when every required assessment has a grade and every one passed
  (percent ≥ its pass mark).
- FAILED when every required assessment has a grade, at least one failed, and a
  failed grade is *final*. A grade is not final while the trainee can still
  change it: a quiz with attempts left (attempts used < attempts allowed;
  unlimited attempts are never used up) unless an instructor overrode the grade
  (computed quiz grades never replace an override); an assignment returned for
  resubmission.
- Otherwise the enrolment is (or goes back to) ACTIVE, e.g. after an override
  raised a failed grade, or a returned assignment awaits its new version.

Withdrawn enrolments are never changed, nor are invited ones moved to ACTIVE
(they only move when a result is reached). A course with no required
assessment never completes by itself: a coordinator sets the status by hand.
Every status change is audited ("enrolment.status").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.assessments.assignments.models import Submission, SubmissionStatus
from lms.assessments.models import Assessment, AssessmentKind, Grade, GradeSource
from lms.assessments.quizzes.models import Attempt
from lms.audit.services import record
from lms.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.kernel import clock, events

COMPLETED = "completed"
FAILED = "failed"
IN_PROGRESS = "in_progress"

_CENT = Decimal("0.01")


@dataclass(frozen=True)
class CourseResult:
    """An enrolment's standing in its course, computed from its grades."""

    total: Decimal | None
    state: str  # COMPLETED, FAILED or IN_PROGRESS
    required: int
    graded: int

    @property
    def title(self) -> str:
        return {COMPLETED: _("Passed"), FAILED: _("Failed")}.get(self.state, _("In progress"))


@dataclass
class Facts:
    """What the rule needs to know about some enrolments, loaded in three queries.

    ``grades`` holds rows with the grade's enrolment_id, assessment_id, percent,
    passed, source and feedback, by (enrolment id, assessment id).
    """

    grades: dict[tuple[int, int], Any] = field(default_factory=dict)
    attempts: dict[tuple[int, int], int] = field(default_factory=dict)
    returned: set[tuple[int, int]] = field(default_factory=set)


def counted(assessments: Iterable[Assessment]) -> list[Assessment]:
    """The assessments that count towards the result: required and published."""
    return [a for a in assessments if a.required and a.published]


def course_assessments(course_id: int) -> list[Assessment]:
    """The course's assessments in position order (one query)."""
    return list(db.session.scalars(
        select(Assessment).where(Assessment.course_id == course_id)
        .order_by(Assessment.position, Assessment.id)))


def load_facts(enrolment_ids: Sequence[int] | None = None, *,
               cohort_id: int | None = None) -> Facts:
    """Grades, quiz attempts used and returned submissions of some enrolments.

    Give the enrolment ids (a page) or a cohort (an export): three queries either way.
    """
    facts = Facts()
    if enrolment_ids is not None and not enrolment_ids:
        return facts

    def scoped(query, column):
        if enrolment_ids is not None:
            return query.where(column.in_(list(enrolment_ids)))
        return query.join(Enrolment, Enrolment.id == column).where(
            Enrolment.cohort_id == cohort_id)

    # Plain rows, not ORM objects: an export reads tens of thousands of them.
    grades = scoped(select(Grade.enrolment_id, Grade.assessment_id, Grade.percent,
                           Grade.passed, Grade.source, Grade.feedback), Grade.enrolment_id)
    for grade in db.session.execute(grades):
        facts.grades[(grade.enrolment_id, grade.assessment_id)] = grade
    attempts = scoped(select(Attempt.enrolment_id, Attempt.assessment_id, func.count())
                      .group_by(Attempt.enrolment_id, Attempt.assessment_id),
                      Attempt.enrolment_id)
    for enrolment_id, assessment_id, used in db.session.execute(attempts):
        facts.attempts[(enrolment_id, assessment_id)] = used
    returned = scoped(select(Submission.enrolment_id, Submission.assessment_id)
                      .where(Submission.status == SubmissionStatus.RETURNED),
                      Submission.enrolment_id)
    facts.returned = {(e, a) for e, a in db.session.execute(returned)}
    return facts


@dataclass(frozen=True)
class Counted:
    """A counted assessment as plain values (reading ORM attributes per row is slow)."""

    id: int
    kind: str
    weight: Decimal
    attempts_allowed: int | None


@dataclass(frozen=True)
class Rules:
    """The counted assessments of a course, prepared once for many enrolments."""

    assessments: tuple[Counted, ...]
    weights: Decimal

    @classmethod
    def of(cls, assessments: Iterable[Assessment]) -> Rules:
        items = tuple(Counted(a.id, a.kind, Decimal(a.weight), a.attempts_allowed)
                      for a in counted(assessments))
        return cls(items, sum((a.weight for a in items), Decimal(0)))


def is_final(assessment: Counted, enrolment_id: int, facts: Facts) -> bool:
    """Whether the grade can no longer change by the trainee's own doing."""
    key = (enrolment_id, assessment.id)
    if assessment.kind == AssessmentKind.QUIZ:
        grade = facts.grades.get(key)
        if grade is not None and grade.source == GradeSource.OVERRIDE:
            return True
        allowed = assessment.attempts_allowed
        return allowed is not None and facts.attempts.get(key, 0) >= allowed
    if assessment.kind == AssessmentKind.ASSIGNMENT:
        return key not in facts.returned
    return True


def evaluate(assessments: Sequence[Assessment] | Rules, enrolment_id: int,
             facts: Facts) -> CourseResult:
    """The result of one enrolment; ``assessments`` may be all of the course's.

    Pass ``Rules.of(assessments)`` when evaluating many enrolments.
    """
    rules = assessments if isinstance(assessments, Rules) else Rules.of(assessments)
    grades = [facts.grades.get((enrolment_id, a.id)) for a in rules.assessments]
    graded = sum(1 for g in grades if g is not None)
    total = None
    if rules.weights > 0:
        points = sum((Decimal(g.percent) * a.weight
                      for a, g in zip(rules.assessments, grades, strict=True) if g is not None),
                     Decimal(0))
        total = (points / rules.weights).quantize(_CENT, rounding=ROUND_HALF_UP)
    state = IN_PROGRESS
    if rules.assessments and graded == len(grades):
        failed = [a for a, g in zip(rules.assessments, grades, strict=True) if not g.passed]
        if not failed:
            state = COMPLETED
        elif any(is_final(a, enrolment_id, facts) for a in failed):
            state = FAILED
    return CourseResult(total=total, state=state, required=len(grades), graded=graded)


def course_result(enrolment: Enrolment) -> CourseResult:
    """The weighted total and result of one enrolment (five queries at most)."""
    cohort = enrolment.cohort or db.session.get(Cohort, enrolment.cohort_id)
    assessments = course_assessments(cohort.course_id)
    return evaluate(assessments, enrolment.id, load_facts([enrolment.id]))


_STATUS_FOR = {COMPLETED: EnrolmentStatus.COMPLETED, FAILED: EnrolmentStatus.FAILED,
               IN_PROGRESS: EnrolmentStatus.ACTIVE}


def apply_result(enrolment: Enrolment, result: CourseResult, actor) -> bool:
    """Move the enrolment's status to what ``result`` says; True when it changed."""
    # Withdrawn and waiting trainees hold no seat: no result moves them.
    if (enrolment.status in (EnrolmentStatus.WITHDRAWN, EnrolmentStatus.WAITLISTED)
            or result.required == 0):
        return False
    target = _STATUS_FOR[result.state]
    if enrolment.status == EnrolmentStatus.INVITED and target == EnrolmentStatus.ACTIVE:
        return False
    if enrolment.status == target:
        return False
    before = {"status": str(enrolment.status)}
    enrolment.status = target
    enrolment.completed_at = clock.now() if target == EnrolmentStatus.COMPLETED else None
    db.session.flush()
    record(actor, "enrolment.status", enrolment, before,
           {"status": str(target), "total": None if result.total is None else str(result.total),
            "reason": "course_result"})
    # Certification reacts in this transaction: issues or revokes the course certificate
    # and re-checks auto-issue tracks (lms.certification.reactions).
    events.enrolment_result_changed.send(enrolment, actor=actor)
    return True


def update_completion(enrolment: Enrolment, actor) -> CourseResult:
    """Recompute the enrolment's result and update its status (audited when it changes)."""
    result = course_result(enrolment)
    apply_result(enrolment, result, actor)
    return result


def _grade_changed(enrolment: Enrolment, *, assessment_id: int, actor) -> None:
    update_completion(enrolment, actor)


def connect() -> None:
    """React to grades: the features (quizzes, assignments, ...) set grades through
    ``lms.assessments.grades``, a floor below this module, which announces them."""
    events.grade_changed.connect(_grade_changed, weak=False)


def refresh_course(course_id: int, actor) -> int:
    """Re-apply the rule to every enrolment of the course (after its assessments changed).

    A constant number of queries per cohort plus one update per changed status;
    returns how many statuses changed.
    """
    rules = Rules.of(course_assessments(course_id))
    changed = 0
    cohort_ids = db.session.scalars(select(Cohort.id).where(Cohort.course_id == course_id))
    for cohort_id in list(cohort_ids):
        facts = load_facts(cohort_id=cohort_id)
        enrolments = list(db.session.scalars(select(Enrolment).where(
            Enrolment.cohort_id == cohort_id,
            Enrolment.status.not_in((EnrolmentStatus.WITHDRAWN,
                                     EnrolmentStatus.WAITLISTED)))))
        for enrolment in enrolments:
            if apply_result(enrolment, evaluate(rules, enrolment.id, facts), actor):
                changed += 1
    return changed
