"""Reads for the assignment pages, each a constant number of queries."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from lms.accounts.models import User
from lms.assessments.assignments.models import RubricCriterion, RubricScore, Submission
from lms.assessments.models import Assessment, AssessmentKind, Grade
from lms.catalog.models import Course
from lms.cohorts.models import Cohort, Enrolment
from lms.extensions import db

PER_PAGE = 50


def cohort(cohort_id: int) -> Cohort | None:
    return db.session.scalars(
        select(Cohort).where(Cohort.id == cohort_id)
        .options(joinedload(Cohort.course).selectinload(Course.translations))).first()


def assignment(assessment_id: int) -> Assessment | None:
    """The assignment with its translations and rubric (criteria and their levels)."""
    return db.session.scalars(
        select(Assessment)
        .where(Assessment.id == assessment_id, Assessment.kind == AssessmentKind.ASSIGNMENT)
        .options(selectinload(Assessment.translations),
                 joinedload(Assessment.course),
                 selectinload(Assessment.criteria).selectinload(RubricCriterion.levels))
    ).first()


def enrolment_of(user, cohort_id: int) -> Enrolment | None:
    if not user.is_authenticated:
        return None
    return db.session.scalar(select(Enrolment).where(
        Enrolment.cohort_id == cohort_id, Enrolment.user_id == user.id))


def submission_for(assessment_id: int, enrolment_id: int) -> Submission | None:
    return db.session.scalar(select(Submission).where(
        Submission.assessment_id == assessment_id, Submission.enrolment_id == enrolment_id))


def submission_in_cohort(submission_id: int, cohort_id: int) -> Submission | None:
    """The submission, only if it was made in this cohort (else None: a 404)."""
    return db.session.scalars(
        select(Submission)
        .join(Enrolment, Enrolment.id == Submission.enrolment_id)
        .where(Submission.id == submission_id, Enrolment.cohort_id == cohort_id)
        .options(joinedload(Submission.enrolment).joinedload(Enrolment.user))).first()


def grade_for(assessment_id: int, enrolment_id: int) -> Grade | None:
    return db.session.scalar(select(Grade).where(
        Grade.assessment_id == assessment_id, Grade.enrolment_id == enrolment_id))


def chosen_levels(submission_id: int | None) -> dict[int, int]:
    """criterion id -> level id chosen by the grader for this submission."""
    if submission_id is None:
        return {}
    rows = db.session.execute(select(RubricScore.criterion_id, RubricScore.level_id)
                              .where(RubricScore.submission_id == submission_id))
    return dict(rows.all())


def cohort_submissions(assessment_id: int, cohort_id: int, page: int):
    """The cohort's submissions to this assignment, with trainees' names: two queries."""
    query = (select(Submission)
             .join(Enrolment, Enrolment.id == Submission.enrolment_id)
             .join(User, User.id == Enrolment.user_id)
             .where(Submission.assessment_id == assessment_id, Enrolment.cohort_id == cohort_id)
             .options(joinedload(Submission.enrolment).joinedload(Enrolment.user))
             .order_by(User.full_name, Submission.id))
    return db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)
