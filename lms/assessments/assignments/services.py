"""Every write of assignments: submit, grade, return, edit the rubric.

Services validate everything before changing a row, audit, and only flush; the
request commits. Uploaded files follow the transaction (see ``uploads``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from lms.assessments.assignments import uploads
from lms.assessments.assignments.models import (
    RubricCriterion,
    RubricLevel,
    RubricScore,
    Submission,
    SubmissionStatus,
)
from lms.assessments.grades import HUNDRED, as_percent, set_grade, window_for
from lms.assessments.models import Assessment, Grade, GradeSource
from lms.audit.services import record
from lms.cohorts.models import Enrolment
from lms.errors import DomainError
from lms.extensions import db
from lms.kernel import clock, events


def can_submit(submission: Submission | None) -> bool:
    """A trainee submits once, and again only when the grader returned the submission."""
    return submission is None or submission.status == SubmissionStatus.RETURNED


def _state(submission: Submission) -> dict:
    return {"status": str(submission.status), "version": submission.version,
            "late": submission.late, "file_name": submission.file_name,
            "stored_name": submission.stored_name, "text_length": len(submission.text or ""),
            "submitted_at": clock.as_utc(submission.submitted_at).isoformat()
            if submission.submitted_at else None,
            "return_message": submission.return_message}


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def submit(actor, assessment: Assessment, enrolment: Enrolment, *, text: str,
           upload: Upload | None, max_bytes: int, now: datetime | None = None) -> Submission:
    """Create the trainee's submission, or replace it when it was returned (version + 1).

    A resubmission replaces the whole submission: the text and the file sent now.
    """
    now = now or clock.now()
    text = (text or "").strip() if assessment.accepts_text else ""
    if not assessment.accepts_file:
        upload = None
    # Locked until the request ends, so that two resubmissions cannot both pass.
    existing = db.session.scalars(
        select(Submission).where(Submission.assessment_id == assessment.id,
                                 Submission.enrolment_id == enrolment.id)
        .with_for_update().execution_options(populate_existing=True)).first()
    if not can_submit(existing):
        raise DomainError(_("You have already submitted this assignment."))
    opens_at, due_at = window_for(assessment, enrolment.cohort)
    if opens_at is not None and now < clock.as_utc(opens_at):
        raise DomainError(_("This assignment is not open yet."))
    checked = uploads.check_upload(upload.filename, upload.data, max_bytes) \
        if upload is not None else None
    if not text and checked is None:
        if assessment.accepts_text and assessment.accepts_file:
            message = _("Write your answer or choose a file.")
        elif assessment.accepts_file:
            message = _("Choose a file.")
        else:
            message = _("Write your answer.")
        raise DomainError(message, field="text" if assessment.accepts_text else "file")

    # Everything is valid: only now write the file, then the row.
    stored_name = uploads.store(checked) if checked is not None else None
    before = _state(existing) if existing is not None else None
    old_stored_name = existing.stored_name if existing is not None else None
    submission = existing or Submission(assessment_id=assessment.id, enrolment_id=enrolment.id,
                                        version=0)
    submission.version = (submission.version or 0) + 1
    submission.status = SubmissionStatus.SUBMITTED
    submission.text = text
    submission.file_name = checked.display_name if checked else None
    submission.stored_name = stored_name
    submission.file_size = checked.size if checked else None
    submission.content_type = checked.content_type if checked else None
    submission.submitted_at = now
    submission.late = due_at is not None and now > clock.as_utc(due_at)
    try:
        with db.session.begin_nested():
            if existing is None:
                db.session.add(submission)
            db.session.flush()
    except IntegrityError as exc:
        # Two first submissions at the same moment: the other one won. The file
        # just written goes with the request's rollback.
        raise DomainError(_("You have already submitted this assignment.")) from exc
    # The old file goes only once the row no longer pointing at it is committed.
    uploads.remove_after_commit(old_stored_name)
    record(actor, "submission.resubmit" if existing else "submission.submit", submission,
           before, _state(submission))
    return submission


# ---------------------------------------------------------------- grading

def rubric_percent(assessment: Assessment, choices: dict[int, int]) -> Decimal:
    """Sum of the chosen levels' points over the sum of each criterion's best level."""
    chosen = Decimal(0)
    best = Decimal(0)
    for criterion in assessment.criteria:
        if not criterion.levels:
            continue
        best += max(Decimal(level.points) for level in criterion.levels)
        level = next((lv for lv in criterion.levels if lv.id == choices.get(criterion.id)), None)
        if level is not None:
            chosen += Decimal(level.points)
    if best == 0:
        return Decimal(0)
    return as_percent(chosen / best * HUNDRED)


def graded_criteria(assessment: Assessment) -> list[RubricCriterion]:
    """The criteria a grader chooses a level for (those with levels)."""
    return [criterion for criterion in assessment.criteria if criterion.levels]


def grade(actor, submission: Submission, *, choices: dict[int, int] | None,
          percent: Decimal | None, feedback: str, reason: str) -> Grade:
    """Grade a submission with the rubric (``choices``) or, without one, a ``percent``.

    Changing a grade already given needs a reason: the change is then recorded as
    an override, which ``set_grade`` refuses without one and keeps in the audit log.
    """
    assessment = submission.assessment
    criteria = graded_criteria(assessment)
    choices = choices or {}
    if criteria:
        valid = {criterion.id: {level.id for level in criterion.levels} for criterion in criteria}
        missing = [c for c in criteria if choices.get(c.id) not in valid[c.id]]
        if missing:
            raise DomainError(_("Choose a level for every criterion (missing: %(names)s).",
                                names=", ".join(c.title for c in missing)), field="rubric")
        choices = {cid: lid for cid, lid in choices.items() if cid in valid}
        value = rubric_percent(assessment, choices)
    else:
        if percent is None:
            raise DomainError(_("Enter a number between 0 and 100."), field="percent")
        value = as_percent(percent)

    existing = db.session.scalar(select(Grade).where(
        Grade.assessment_id == assessment.id, Grade.enrolment_id == submission.enrolment_id))
    source = GradeSource.GRADER
    if existing is not None and Decimal(existing.percent) != value:
        # A person changes a grade already given: set_grade requires the reason.
        source = GradeSource.OVERRIDE
    elif existing is not None and existing.source == GradeSource.OVERRIDE:
        source = GradeSource.OVERRIDE  # same percent: keep the override and its reason
        reason = reason.strip() or existing.override_reason
    if source == GradeSource.OVERRIDE and not reason.strip():
        raise DomainError(_("Give a reason for changing this grade."), field="reason")

    before = {"status": str(submission.status),
              "rubric": {str(k): v for k, v in sorted(_scores(submission.id).items())}}
    result = set_grade(assessment, submission.enrolment, value, actor=actor, source=source,
                       feedback=feedback.strip(), reason=reason)
    if criteria:
        _save_scores(submission, choices)
    submission.status = SubmissionStatus.GRADED
    db.session.flush()
    record(actor, "submission.grade", submission, before,
           {"status": str(submission.status), "percent": str(value),
            "rubric": {str(k): v for k, v in sorted(choices.items())}})
    return result


def _scores(submission_id: int) -> dict[int, int]:
    rows = db.session.execute(select(RubricScore.criterion_id, RubricScore.level_id)
                              .where(RubricScore.submission_id == submission_id))
    return dict(rows.all())


def _save_scores(submission: Submission, choices: dict[int, int]) -> None:
    """Upsert one RubricScore per criterion (the primary key is submission + criterion)."""
    existing = {score.criterion_id: score for score in db.session.scalars(
        select(RubricScore).where(RubricScore.submission_id == submission.id))}
    for criterion_id, level_id in choices.items():
        score = existing.get(criterion_id)
        if score is None:
            db.session.add(RubricScore(submission_id=submission.id, criterion_id=criterion_id,
                                       level_id=level_id))
        else:
            score.level_id = level_id
    db.session.flush()


def return_submission(actor, submission: Submission, message: str) -> Submission:
    """Send the submission back so that the trainee may submit again."""
    message = (message or "").strip()
    if not message:
        raise DomainError(_("Tell the trainee what to change."), field="message")
    if submission.status == SubmissionStatus.RETURNED:
        raise DomainError(_("This submission was already returned."))
    before = _state(submission)
    submission.status = SubmissionStatus.RETURNED
    submission.return_message = message
    db.session.flush()
    record(actor, "submission.return", submission, before, _state(submission))
    events.work_returned.send(submission, actor=actor)  # notifications tell the trainee
    return submission


# ---------------------------------------------------------------- rubric

@dataclass
class LevelData:
    id: int | None
    title: str
    points: Decimal | None


@dataclass
class CriterionData:
    id: int | None
    title: str
    delete: bool
    levels: list[LevelData] = field(default_factory=list)


def _rubric_state(assessment: Assessment) -> list[dict]:
    return [{"id": c.id, "title": c.title,
             "levels": [{"id": lv.id, "title": lv.title, "points": str(lv.points)}
                        for lv in c.levels]} for c in assessment.criteria]


def save_rubric(actor, assessment: Assessment, criteria: list[CriterionData]) -> None:
    """Apply the rubric form: edit, add and delete criteria and levels.

    Blank blocks are ignored; a blank level title deletes that level. Ids must be
    this assessment's (a tampered form is refused). Existing grades keep their percent.
    """
    own = {c.id: c for c in assessment.criteria}
    own_levels = {lv.id: lv for c in assessment.criteria for lv in c.levels}
    for index, data in enumerate(criteria, start=1):
        if data.id is not None and data.id not in own:
            raise DomainError(_("This rubric changed meanwhile. Reload the page."))
        for level in data.levels:
            if level.id is not None and (data.id is None or level.id not in own_levels
                                         or own_levels[level.id] not in own[data.id].levels):
                raise DomainError(_("This rubric changed meanwhile. Reload the page."))
        if data.delete:
            continue
        titled = [level for level in data.levels if level.title]
        if not data.title and titled:
            raise DomainError(_("Criterion %(number)s: give it a title.", number=index))
        if data.title and not titled:
            raise DomainError(_("Criterion %(number)s: give it at least one level.",
                                number=index))
        if any(level.points is None for level in titled):
            raise DomainError(_("Criterion %(number)s: give every level its points.",
                                number=index))

    before = _rubric_state(assessment)
    position = 0
    for data in criteria:
        criterion = own.get(data.id) if data.id is not None else None
        if data.delete or not data.title:
            if criterion is not None:
                db.session.execute(delete(RubricScore)
                                   .where(RubricScore.criterion_id == criterion.id))
                assessment.criteria.remove(criterion)
            continue
        position += 1
        if criterion is None:
            criterion = RubricCriterion(title=data.title, position=position)
            assessment.criteria.append(criterion)
        criterion.title = data.title
        criterion.position = position
        level_position = 0
        for level_data in data.levels:
            level = own_levels.get(level_data.id) if level_data.id is not None else None
            if not level_data.title:
                if level is not None:
                    db.session.execute(delete(RubricScore)
                                       .where(RubricScore.level_id == level.id))
                    criterion.levels.remove(level)
                continue
            level_position += 1
            if level is None:
                level = RubricLevel(title=level_data.title, points=level_data.points,
                                    position=level_position)
                criterion.levels.append(level)
            level.title = level_data.title
            level.points = level_data.points
            level.position = level_position
    db.session.flush()
    db.session.expire(assessment, ["criteria"])
    record(actor, "rubric.save", assessment, before, _rubric_state(assessment))
