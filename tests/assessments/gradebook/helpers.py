"""Helpers for the gradebook, completion and assessment management tests."""

from __future__ import annotations

from decimal import Decimal

from lms.assessments.assignments.models import Submission
from lms.assessments.models import Grade
from lms.assessments.quizzes.models import Attempt, AttemptStatus
from lms.extensions import db


def attempts(assessment, enrolment, count: int,
             status: str = AttemptStatus.SUBMITTED) -> None:
    for number in range(1, count + 1):
        db.session.add(Attempt(assessment_id=assessment.id, enrolment_id=enrolment.id,
                               number=number, status=status, question_order=[]))
    db.session.flush()


def submission(assessment, enrolment, status: str = "submitted", **fields) -> Submission:
    row = Submission(assessment_id=assessment.id, enrolment_id=enrolment.id, status=status,
                     **fields)
    db.session.add(row)
    db.session.flush()
    return row


def bulk_grades(assessments, enrolment_ids, percent: str = "80") -> None:
    """A grade for every pair, inserted in bulk (no audit: test data only)."""
    rows = [{"assessment_id": a.id, "enrolment_id": e, "percent": Decimal(percent),
             "passed": Decimal(percent) >= a.pass_mark, "source": "auto", "feedback": "",
             "override_reason": ""}
            for a in assessments for e in enrolment_ids]
    db.session.execute(db.insert(Grade), rows)
    db.session.flush()
