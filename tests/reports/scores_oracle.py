"""The statement the assessments' score figures came from before the people sets
(``lms.reports.people.assessment_scores``): the reference they are held to."""

from __future__ import annotations

from sqlalchemy import case, func, select

from lms.assessments.models import Assessment, Grade
from lms.cohorts.models import Enrolment
from lms.extensions import db
from lms.reports.filters import ReportFilter, Scope
from lms.reports.learning import _enrolment_conditions
from lms.reports.people import BANDS, GRADED_KINDS


def oracle_scores(filters: ReportFilter, scope: Scope) -> dict[int, tuple]:
    """{assessment: (graded, passed, people per band of their best grade, grades)}."""
    best = (
        select(Grade.assessment_id.label("assessment_id"),
               func.max(Grade.percent).label("percent"),
               func.max(case((Grade.passed, 1), else_=0)).label("passed"),
               func.count().label("grades"))
        .join(Enrolment, Enrolment.id == Grade.enrolment_id)
        .join(Assessment, Assessment.id == Grade.assessment_id)
        .where(Assessment.kind.in_([kind.value for kind in GRADED_KINDS]),
               *_enrolment_conditions(filters, scope))
        .group_by(Grade.assessment_id, Enrolment.user_id).subquery())
    band = case(*((best.c.percent >= low, index)
                  for index, (low, _high) in reversed(list(enumerate(BANDS))) if low),
                else_=0)
    found: dict[int, list] = {}
    for assessment_id, index, people, passed, grades in db.session.execute(
            select(best.c.assessment_id, band, func.count(), func.sum(best.c.passed),
                   func.sum(best.c.grades)).group_by(best.c.assessment_id, band)):
        item = found.setdefault(assessment_id, [0, 0, [0] * len(BANDS), 0])
        item[0] += int(people)
        item[1] += int(passed or 0)
        item[2][index] += int(people)
        item[3] += int(grades)
    return {key: (graded, passed, tuple(bands), grades)
            for key, (graded, passed, bands, grades) in found.items()}


def set_scores(filters: ReportFilter, scope: Scope) -> dict[int, tuple]:
    from lms.reports import people

    return {found.assessment_id: (found.graded, found.passed, tuple(found.bands), found.grades)
            for found in people.assessment_scores(filters, scope)}
