"""Reads for evaluations: templates, and who still has a questionnaire to answer."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from lms.catalog.models import Course
from lms.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from lms.evaluations.models import (
    EvaluationItem,
    EvaluationKind,
    EvaluationReceipt,
    EvaluationTemplate,
)
from lms.extensions import db

# An enrolment may evaluate its course once it has a result, passed or not.
FINISHED = (EnrolmentStatus.COMPLETED, EnrolmentStatus.FAILED)


def template_of(program_id: int, kind: str) -> EvaluationTemplate | None:
    return db.session.scalar(
        select(EvaluationTemplate)
        .where(EvaluationTemplate.program_id == program_id, EvaluationTemplate.kind == kind)
        .options(selectinload(EvaluationTemplate.items)
                 .selectinload(EvaluationItem.translations),
                 joinedload(EvaluationTemplate.program)))


def _unanswered(kind: str):
    return ~select(EvaluationReceipt.id).where(
        EvaluationReceipt.enrolment_id == Enrolment.id,
        EvaluationReceipt.kind == kind).exists()


def pending_end_evaluations(user) -> list[Enrolment]:
    """The user's finished enrolments whose course they have not evaluated yet."""
    if not user.is_authenticated:
        return []
    return list(db.session.scalars(
        select(Enrolment)
        .where(Enrolment.user_id == user.id, Enrolment.status.in_(FINISHED),
               _unanswered(EvaluationKind.END))
        .options(joinedload(Enrolment.cohort).joinedload(Cohort.course)
                 .selectinload(Course.translations))
        .order_by(Enrolment.id)))


def evaluation_pending(user, cohort_id: int) -> bool:
    """Whether the cohort page should offer the user "Evaluate this course"."""
    if not user.is_authenticated:
        return False
    return db.session.scalar(
        select(Enrolment.id).where(
            Enrolment.user_id == user.id, Enrolment.cohort_id == cohort_id,
            Enrolment.status.in_(FINISHED), _unanswered(EvaluationKind.END))) is not None


def cohort_with_course(cohort_id: int) -> Cohort | None:
    return db.session.scalar(select(Cohort).where(Cohort.id == cohort_id).options(
        joinedload(Cohort.course).joinedload(Course.program)))
