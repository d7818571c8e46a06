"""Reads for the skills-observation pages, each a constant number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from lms.accounts.models import User
from lms.assessments.models import Assessment, AssessmentKind, Grade
from lms.assessments.observations.models import Observation, ObservationItem, ObservationResult
from lms.catalog.models import Course
from lms.cohorts.models import SEATED, Cohort, Enrolment
from lms.extensions import db

PER_PAGE = 50


def observation_assessment(assessment_id: int) -> Assessment | None:
    """An observation assessment with its course (and translations) loaded."""
    return db.session.scalars(
        select(Assessment)
        .where(Assessment.id == assessment_id, Assessment.kind == AssessmentKind.OBSERVATION)
        .options(joinedload(Assessment.course).selectinload(Course.translations),
                 selectinload(Assessment.translations))).first()


def cohort_and_assessment(cohort_id: int,
                          assessment_id: int) -> tuple[Cohort, Assessment] | None:
    """The cohort and an observation assessment of its course, or None."""
    cohort = db.session.scalars(
        select(Cohort).where(Cohort.id == cohort_id)
        .options(joinedload(Cohort.course))).first()
    if cohort is None:
        return None
    assessment = observation_assessment(assessment_id)
    if assessment is None or assessment.course_id != cohort.course_id:
        return None
    return cohort, assessment


def items_of(assessment: Assessment) -> list[ObservationItem]:
    """The checklist in order, translations loaded: two queries."""
    return list(db.session.scalars(
        select(ObservationItem).where(ObservationItem.assessment_id == assessment.id)
        .order_by(ObservationItem.position, ObservationItem.id)
        .options(selectinload(ObservationItem.translations))))


@dataclass(frozen=True)
class TraineeSummary:
    enrolment: Enrolment
    met: int
    observed: int  # met or not yet: the items with a verdict
    items: int
    grade: Grade | None

    @property
    def complete(self) -> bool:
        return self.items > 0 and self.observed >= self.items


def cohort_summary(cohort: Cohort, assessment: Assessment, page: int,
                   per_page: int = PER_PAGE):
    """One page of the cohort's seated trainees with their checklist tallies.

    Returns (pagination, rows, item count): five queries whatever the cohort size
    (count, page with users, tallies, grades, item count).
    """
    query = (select(Enrolment).join(Enrolment.user)
             .where(Enrolment.cohort_id == cohort.id, Enrolment.status.in_(SEATED))
             .options(contains_eager(Enrolment.user))
             .order_by(User.full_name, User.id))
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False)
    ids = [e.id for e in pagination.items]
    tallies: dict[int, tuple[int, int]] = {}
    grades: dict[int, Grade] = {}
    if ids:
        met = func.sum(case((Observation.result == ObservationResult.MET, 1), else_=0))
        observed = func.sum(case(
            (Observation.result.in_([ObservationResult.MET, ObservationResult.NOT_YET]), 1),
            else_=0))
        rows = db.session.execute(
            select(Observation.enrolment_id, met, observed)
            .join(ObservationItem, ObservationItem.id == Observation.item_id)
            .where(ObservationItem.assessment_id == assessment.id,
                   Observation.enrolment_id.in_(ids))
            .group_by(Observation.enrolment_id))
        tallies = {row[0]: (int(row[1] or 0), int(row[2] or 0)) for row in rows}
        grades = {g.enrolment_id: g for g in db.session.scalars(select(Grade).where(
            Grade.assessment_id == assessment.id, Grade.enrolment_id.in_(ids)))}
    total = item_count(assessment)
    return pagination, [
        TraineeSummary(e, *tallies.get(e.id, (0, 0)), total, grades.get(e.id))
        for e in pagination.items], total


def item_count(assessment: Assessment) -> int:
    return db.session.scalar(select(func.count()).select_from(ObservationItem).where(
        ObservationItem.assessment_id == assessment.id)) or 0


def enrolment_in_cohort(cohort: Cohort, enrolment_id: int) -> Enrolment | None:
    return db.session.scalars(
        select(Enrolment).where(Enrolment.id == enrolment_id, Enrolment.cohort_id == cohort.id)
        .options(joinedload(Enrolment.user))).first()


def observations_of(enrolment: Enrolment, items: list[ObservationItem]) -> dict[int, Observation]:
    """The trainee's rows for these items, by item id, assessors loaded: one query."""
    if not items:
        return {}
    rows = db.session.scalars(
        select(Observation)
        .where(Observation.enrolment_id == enrolment.id,
               Observation.item_id.in_([item.id for item in items]))
        .options(joinedload(Observation.assessor)))
    return {row.item_id: row for row in rows}


def grade_of(assessment: Assessment, enrolment: Enrolment) -> Grade | None:
    return db.session.scalars(select(Grade).where(
        Grade.assessment_id == assessment.id, Grade.enrolment_id == enrolment.id)).first()
