"""Cohort counts: each cohort's additive counts for the learning and reaction sections.

The people sets (``lms.reports.people``) count distinct people; what adds up across
cohorts is kept here, per cohort, in ``report_cohort_counts`` rows, rebuilt with the
cohort's people sets from the same change log: the observations per checklist item, the
pre-test and post-test pairs with their sums, the Likert answers per statement, and the
enrolments that could answer each evaluation with the responses given. A report that
filters by cohort only (program, course, cohort, country, modality, language, period)
adds up the selected cohorts' rows, in SQL, from an index that holds them in the order
they are grouped: tens of thousands of short rows, where counting read a hundred
thousand observations, grades or answers for each figure. Filtered by sex or
institution, the sections count the rows as before: a cohort's counts do not say who.

A row is (kind, two keys, three numbers); each builder is one GROUP BY per batch of
cohorts, and counts exactly what the sections' own statements count (their tests hold
the two to the same figures). Sums of percentages are kept in hundredths, as integers: a
grade has two decimals, so the sums stay exact.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import aliased

from lms.assessments.models import Assessment, AssessmentKind, Grade, TestRole
from lms.assessments.observations.models import Observation, ObservationResult
from lms.cohorts.models import Enrolment, EnrolmentStatus
from lms.evaluations.models import (
    EvaluationAnswer,
    EvaluationFollowupMail,
    EvaluationKind,
    EvaluationResponse,
)
from lms.extensions import db

# Each kind's row: (key 1, key 2, number 1, number 2, number 3); 0 where unused.
# (item, 0, observations met or not yet, of them not yet, 0)
OBSERVED = "observed"
# (pre-test, post-test, enrolments with both, sum of pre-test % and of post-test % in
# hundredths)
PAIRED = "paired"
# (item, answer, answers, 0, 0): Likert answers (free text is not added up)
ANSWERS = "answers"
# (0 end-of-course, 1 follow-up; 0, enrolments that could answer, responses, 0)
REACTION = "reaction"
KINDS = (OBSERVED, PAIRED, ANSWERS, REACTION)

# The enrolments an end-of-course evaluation asks: those with a course result.
FINISHED = (EnrolmentStatus.COMPLETED, EnrolmentStatus.FAILED)


def role_quizzes(role: TestRole) -> Select:
    """SELECT the ids of the quizzes marked as ``role`` (only a quiz may be one)."""
    return select(Assessment.id).where(Assessment.kind == AssessmentKind.QUIZ,
                                       Assessment.test_role == role)


def build(batches: Callable[[Select, object], list[Select]]) -> dict[int, dict[str, list]]:
    """{cohort: {kind: rows}} of the cohorts ``batches`` keeps (it narrows a query to them
    by the given cohort column, in batches)."""
    found: dict[int, dict[str, list]] = {}

    def rows(kind: str, query: Select, cohort_column, row: Callable[[tuple], list]) -> None:
        for batch in batches(query, cohort_column):
            for cohort_id, *values in db.session.execute(batch):
                found.setdefault(cohort_id, {}).setdefault(kind, []).append(row(values))

    not_yet = func.sum(case((Observation.result == ObservationResult.NOT_YET, 1), else_=0))
    rows(OBSERVED,
         select(Enrolment.cohort_id, Observation.item_id, func.count(), not_yet)
         .join(Enrolment, Enrolment.id == Observation.enrolment_id)
         .where(Observation.result.in_([ObservationResult.MET, ObservationResult.NOT_YET]))
         .group_by(Enrolment.cohort_id, Observation.item_id), Enrolment.cohort_id,
         lambda v: [v[0], 0, int(v[1]), int(v[2] or 0), 0])
    pre, post = aliased(Grade), aliased(Grade)
    rows(PAIRED,
         select(Enrolment.cohort_id, pre.assessment_id, post.assessment_id, func.count(),
                func.sum(pre.percent), func.sum(post.percent))
         .select_from(pre)
         .join(post, post.enrolment_id == pre.enrolment_id)
         .join(Enrolment, Enrolment.id == pre.enrolment_id)
         .where(pre.assessment_id.in_(role_quizzes(TestRole.PRE)),
                post.assessment_id.in_(role_quizzes(TestRole.POST)))
         .group_by(Enrolment.cohort_id, pre.assessment_id, post.assessment_id),
         Enrolment.cohort_id,
         lambda v: [v[0], v[1], int(v[2]), hundredths(v[3]), hundredths(v[4])])
    rows(ANSWERS,
         select(EvaluationResponse.cohort_id, EvaluationAnswer.item_id, EvaluationAnswer.value,
                func.count())
         .join(EvaluationResponse, EvaluationResponse.id == EvaluationAnswer.response_id)
         .where(EvaluationAnswer.value.is_not(None))
         .group_by(EvaluationResponse.cohort_id, EvaluationAnswer.item_id,
                   EvaluationAnswer.value), EvaluationResponse.cohort_id,
         lambda v: [v[0], int(v[1]), int(v[2]), 0, 0])
    reaction: dict[int, dict[int, list]] = {}

    def add(query: Select, cohort_column, place: Callable[[tuple], tuple[int, int]]) -> None:
        for batch in batches(query, cohort_column):
            for cohort_id, *key, count in db.session.execute(batch):
                which, index = place(tuple(key))
                if which >= 0:
                    reaction.setdefault(cohort_id, {}).setdefault(
                        which, [which, 0, 0, 0, 0])[index] += int(count)

    add(select(Enrolment.cohort_id, func.count()).where(Enrolment.status.in_(FINISHED))
        .group_by(Enrolment.cohort_id), Enrolment.cohort_id, lambda _key: (END, 2))
    add(select(Enrolment.cohort_id, func.count())
        .join(EvaluationFollowupMail, EvaluationFollowupMail.enrolment_id == Enrolment.id)
        .group_by(Enrolment.cohort_id), Enrolment.cohort_id, lambda _key: (FOLLOWUP, 2))
    responded = {EvaluationKind.END.value: END, EvaluationKind.FOLLOWUP.value: FOLLOWUP}
    add(select(EvaluationResponse.cohort_id, EvaluationResponse.kind, func.count())
        .group_by(EvaluationResponse.cohort_id, EvaluationResponse.kind),
        EvaluationResponse.cohort_id, lambda key: (responded.get(str(key[0]), -1), 3))
    for cohort_id, kinds in reaction.items():
        found.setdefault(cohort_id, {})[REACTION] = list(kinds.values())
    return found


# The REACTION rows' first key.
END, FOLLOWUP = 0, 1


def hundredths(value) -> int:
    """A sum of percentages (two decimals) in hundredths, exactly."""
    return int((Decimal(str(value or 0)) * 100).to_integral_value())
