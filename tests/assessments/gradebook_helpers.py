"""Helpers for the gradebook, completion and assessment management tests."""

from __future__ import annotations

from decimal import Decimal

from flask_login.utils import _create_identifier

from lms.assessments.models import Attempt, AttemptStatus, Grade, Submission
from lms.extensions import db


def login(client, user) -> None:
    """Sign ``user`` in by writing the session Flask-Login writes (no password hashing).

    Commits what the test built so far (up to the test's savepoint; the ``database``
    fixture still rolls everything back) so a refused request cannot take it away.
    """
    db.session.commit()
    with client.application.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session["_id"] = identifier


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
