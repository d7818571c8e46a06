"""The statements the learning and reaction sections counted with before the cohort counts
(``lms.reports.facts``, read by ``lms.reports.people.cohort_counts``): the reference the
tests hold the new figures to (tests/reports/test_cohort_counts.py).

Each is copied from the sections as they were (git: ``lms/reports/learning.py``'s
``_weakest`` and ``_gains``, ``lms/reports/reaction.py``'s ``_counts`` and
``_distribution``), with the helpers they used, so that a later change to the sections
cannot move the reference with them. Each returns plain values that compare with ``==``
(the means of the gains: with ``pytest.approx``, since SQL averages decimals and the counts
divide sums in hundredths)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, case, func, select, true
from sqlalchemy.orm import aliased

from lms.accounts.models import User
from lms.assessments.models import Assessment, AssessmentKind, Grade, TestRole
from lms.assessments.observations.models import Observation, ObservationResult
from lms.catalog.models import Course
from lms.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from lms.evaluations.models import (
    EvaluationAnswer,
    EvaluationFollowupMail,
    EvaluationKind,
    EvaluationReceipt,
    EvaluationResponse,
)
from lms.extensions import db
from lms.reports.filters import ReportFilter, Scope, cohort_conditions, gender_condition

WEAKEST_SKILLS = 10
FINISHED = (EnrolmentStatus.COMPLETED, EnrolmentStatus.FAILED)
KINDS = (EvaluationKind.END, EvaluationKind.FOLLOWUP)


# ---------------------------------------------------------------- learning: who counts

def _person_conditions(filters: ReportFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.institution_id is not None:
        conditions.append(User.institution_id == filters.institution_id)
    if filters.gender is not None:
        conditions.append(gender_condition(filters.gender))
    return conditions


def _enrolment_conditions(filters: ReportFilter, scope: Scope) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    cohort = cohort_conditions(filters, scope)
    if cohort:
        conditions.append(Enrolment.cohort_id.in_(
            select(Cohort.id).join(Course, Course.id == Cohort.course_id).where(*cohort)))
    person = _person_conditions(filters)
    if person:
        conditions.append(Enrolment.user_id.in_(select(User.id).where(*person)))
    return conditions


def _counted_enrolments(column, filters: ReportFilter,
                        scope: Scope) -> list[ColumnElement[bool]]:
    conditions = _enrolment_conditions(filters, scope)
    return [column.in_(select(Enrolment.id).where(*conditions))] if conditions else []


def _float(value) -> float | None:
    return None if value is None else float(value)


# ---------------------------------------------------------------- learning: the figures

def oracle_weakest(filters: ReportFilter, scope: Scope) -> list[tuple[int, int, int]]:
    """[(item, observed, not yet)] of the weakest skills, in their rank order."""
    not_yet = func.sum(case((Observation.result == ObservationResult.NOT_YET, 1), else_=0))
    observed = func.count()
    rows = db.session.execute(
        select(Observation.item_id, observed, not_yet)
        .where(Observation.result.in_([ObservationResult.MET, ObservationResult.NOT_YET]),
               *_counted_enrolments(Observation.enrolment_id, filters, scope))
        .group_by(Observation.item_id)
        .having(not_yet > 0)
        .order_by((not_yet * 1.0 / observed).desc(), not_yet.desc(), Observation.item_id)
        .limit(WEAKEST_SKILLS)).all()
    return [(row[0], int(row[1]), int(row[2])) for row in rows]


def _pair_rows(filters: ReportFilter, scope: Scope) -> list[tuple]:
    """(course, pre-test, post-test, pairs, mean pre-test, mean post-test, mean gain) of
    each course with both tests (no pairs: None)."""
    def role(test_role):
        return select(Assessment.id).where(Assessment.kind == AssessmentKind.QUIZ,
                                           Assessment.test_role == test_role)

    pre_grade, post_grade = aliased(Grade), aliased(Grade)
    pairs = (
        select(pre_grade.assessment_id.label("pre_id"),
               post_grade.assessment_id.label("post_id"), func.count().label("paired"),
               func.avg(pre_grade.percent).label("pre"),
               func.avg(post_grade.percent).label("post"),
               func.avg(post_grade.percent - pre_grade.percent).label("gain"))
        .join(post_grade, post_grade.enrolment_id == pre_grade.enrolment_id)
        .where(pre_grade.assessment_id.in_(role(TestRole.PRE)),
               post_grade.assessment_id.in_(role(TestRole.POST)),
               *_counted_enrolments(pre_grade.enrolment_id, filters, scope))
        .group_by(pre_grade.assessment_id, post_grade.assessment_id).subquery())
    pre, post = aliased(Assessment), aliased(Assessment)
    rows = db.session.execute(
        select(pre.course_id, pre.id, post.id, pairs.c.paired, pairs.c.pre, pairs.c.post,
               pairs.c.gain)
        .select_from(pre)
        .join(post, and_(pre.kind == AssessmentKind.QUIZ, pre.test_role == TestRole.PRE,
                         post.kind == AssessmentKind.QUIZ, post.test_role == TestRole.POST,
                         post.course_id == pre.course_id))
        .outerjoin(pairs, and_(pairs.c.pre_id == pre.id, pairs.c.post_id == post.id))).all()
    return [tuple(row) for row in rows]


def oracle_pairs(filters: ReportFilter, scope: Scope) -> dict[tuple[int, int], tuple]:
    """{(pre-test, post-test): (pairs, mean pre-test, mean post-test, mean gain)} of each
    course's tests (no pairs: 0 and None)."""
    return {(pre_id, post_id): (int(paired or 0), _float(pre_mean), _float(post_mean),
                                _float(gain))
            for _course, pre_id, post_id, paired, pre_mean, post_mean, gain
            in _pair_rows(filters, scope)}


def oracle_gains(filters: ReportFilter, scope: Scope, scores) -> dict[int, tuple]:
    """{course: (pairs, mean pre-test, mean post-test, mean gain, pre-test only, post-test
    only)}, as ``_gains`` made its ``Gain`` rows from the pairs and ``scores`` (each
    assessment's grades counted)."""
    counted = {item.assessment_id: item.grades for item in scores}
    gains = {}
    for course_id, pre_id, post_id, paired, pre_mean, post_mean, gain in _pair_rows(
            filters, scope):
        pre_grades, post_grades = counted.get(pre_id, 0), counted.get(post_id, 0)
        if not (pre_grades or post_grades):
            continue
        paired = int(paired or 0)
        gains[course_id] = (paired, _float(pre_mean), _float(post_mean), _float(gain),
                            pre_grades - paired, post_grades - paired)
    return gains


# ---------------------------------------------------------------- reaction

def _by_person(filters: ReportFilter) -> bool:
    return filters.gender is not None or filters.institution_id is not None


def _cohorts(filters: ReportFilter, scope: Scope):
    conditions = cohort_conditions(filters, scope)
    if not conditions:
        return None
    return select(Cohort.id).join(Course, Course.id == Cohort.course_id).where(*conditions)


def _people(filters: ReportFilter):
    if not _by_person(filters):
        return None
    conditions = [gender_condition(filters.gender)]
    if filters.institution_id is not None:
        conditions.append(User.institution_id == filters.institution_id)
    return select(User.id).where(*conditions)


def _answered(query, cohorts, people):
    if cohorts is not None:
        query = query.where(EvaluationResponse.cohort_id.in_(cohorts))
    if people is not None:
        query = query.where(EvaluationResponse.user_id.in_(people))
    return query


def oracle_counts(filters: ReportFilter,
                  scope: Scope) -> tuple[dict[str, int], dict[str, int]]:
    """({kind: enrolments that could answer}, {kind: responses})."""
    cohorts, people = _cohorts(filters, scope), _people(filters)

    def named(kind: str):
        return Enrolment.id.not_in(select(EvaluationReceipt.enrolment_id).where(
            EvaluationReceipt.kind == kind, EvaluationReceipt.anonymous))

    answered = _answered(
        select(*(func.coalesce(func.sum(case((EvaluationResponse.kind == kind, 1), else_=0)), 0)
                 .label(kind) for kind in KINDS)), cohorts, people).subquery()
    finished = Enrolment.status.in_(FINISHED)
    if cohorts is None and people is None:
        query = select(select(func.count()).select_from(Enrolment).where(finished)
                       .scalar_subquery(),
                       select(func.count()).select_from(EvaluationFollowupMail)
                       .scalar_subquery(), *answered.c).select_from(answered)
    else:
        def counted(kind: str, could_answer):
            condition = could_answer if people is None else and_(could_answer, named(kind))
            return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

        enrolled = (select(counted(EvaluationKind.END, finished),
                           counted(EvaluationKind.FOLLOWUP,
                                   EvaluationFollowupMail.id.is_not(None)))
                    .select_from(Enrolment)
                    .outerjoin(EvaluationFollowupMail,
                               EvaluationFollowupMail.enrolment_id == Enrolment.id))
        if cohorts is not None:
            enrolled = enrolled.where(Enrolment.cohort_id.in_(cohorts))
        if people is not None:
            enrolled = enrolled.where(Enrolment.user_id.in_(people))
        enrolled = enrolled.subquery()
        query = select(*enrolled.c, *answered.c).select_from(enrolled).join(answered, true())
    row = db.session.execute(query).one()
    eligible = {EvaluationKind.END: int(row[0] or 0), EvaluationKind.FOLLOWUP: int(row[1] or 0)}
    return eligible, {kind: int(count or 0) for kind, count in zip(KINDS, row[2:], strict=True)}


def oracle_distribution(filters: ReportFilter, scope: Scope) -> dict[int, dict[int, int]]:
    """{item: {answer 1..5: count}} of the Likert answers."""
    query = (select(EvaluationAnswer.item_id, EvaluationAnswer.value, func.count())
             .where(EvaluationAnswer.value.is_not(None))
             .group_by(EvaluationAnswer.item_id, EvaluationAnswer.value))
    cohorts, people = _cohorts(filters, scope), _people(filters)
    if cohorts is not None or people is not None:
        query = query.where(EvaluationAnswer.response_id.in_(
            _answered(select(EvaluationResponse.id), cohorts, people)))
    found: dict[int, dict[int, int]] = {}
    for item_id, value, count in db.session.execute(query).all():
        found.setdefault(item_id, {})[int(value)] = int(count)
    return found


# ---------------------------------------------------------------- reach: hours delivered

def oracle_hours(filters: ReportFilter, scope: Scope) -> int:
    """Training hours delivered: the course's hours for each completed enrolment."""
    return int(db.session.scalar(
        select(func.coalesce(func.sum(Course.hours), 0)).select_from(Enrolment)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(Course, Course.id == Cohort.course_id)
        .where(Enrolment.status == EnrolmentStatus.COMPLETED,
               *cohort_conditions(filters, scope),
               *([Enrolment.user_id.in_(select(User.id).where(*_person_conditions(filters)))]
                 if _person_conditions(filters) else []))) or 0)
