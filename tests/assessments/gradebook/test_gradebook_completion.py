"""Course completion: the weighted total and when an enrolment completes or fails."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from lms.assessments.completion import course_result
from lms.assessments.grades import override_grade, set_grade
from lms.assessments.models import GradeSource
from lms.assessments.quizzes.models import Attempt
from lms.audit.models import AuditLog
from lms.cohorts.models import EnrolmentStatus
from lms.errors import DomainError
from tests.assessments.factories import make_assessment
from tests.assessments.gradebook.helpers import attempts, submission
from tests.factories import enrol, make_cohort, make_course, make_user


@pytest.fixture
def setup(database):
    course = make_course()
    cohort = make_cohort(course)
    quiz = make_assessment(course, "quiz", pass_mark=60, weight=1, attempts_allowed=2)
    essay = make_assessment(course, "assignment", pass_mark=50, weight=3)
    grader = make_user(full_name="Grader")
    return course, cohort, quiz, essay, grader


def status_actions(database, enrolment):
    return database.session.scalars(select(AuditLog).where(
        AuditLog.action == "enrolment.status", AuditLog.object_id == enrolment.id)).all()


def test_weighted_total_counts_missing_grades_as_zero(database, setup):
    course, cohort, quiz, essay, grader = setup
    make_assessment(course, "observation", weight=5, required=False)  # optional: not counted
    enrolment = enrol(cohort)
    set_grade(quiz, enrolment, 90, actor=None)
    assert course_result(enrolment).total == Decimal("22.50")  # 90*1 / (1+3)
    set_grade(essay, enrolment, 40, actor=grader, source=GradeSource.GRADER)
    assert course_result(enrolment).total == Decimal("52.50")  # (90 + 120) / 4


def test_total_is_none_without_weight(database):
    course = make_course()
    cohort = make_cohort(course)
    quiz = make_assessment(course, "quiz", weight=0)
    enrolment = enrol(cohort)
    set_grade(quiz, enrolment, 90, actor=None)
    result = course_result(enrolment)
    assert result.total is None and result.state == "completed"


def test_completed_when_every_required_assessment_passed(database, setup):
    _course, cohort, quiz, essay, grader = setup
    enrolment = enrol(cohort)
    set_grade(quiz, enrolment, 60, actor=None)  # exactly the pass mark passes
    assert enrolment.status == EnrolmentStatus.ACTIVE
    set_grade(essay, enrolment, 75, actor=grader, source=GradeSource.GRADER)
    assert enrolment.status == EnrolmentStatus.COMPLETED
    [log] = status_actions(database, enrolment)
    assert log.before == {"status": "active"} and log.after["status"] == "completed"
    assert log.actor_id == grader.id


def test_failed_only_when_the_failed_grade_is_final(database, setup):
    _course, cohort, quiz, essay, grader = setup
    enrolment = enrol(cohort)
    set_grade(essay, enrolment, 80, actor=grader, source=GradeSource.GRADER)
    attempts(quiz, enrolment, 1)
    set_grade(quiz, enrolment, 30, actor=None)
    # One attempt of two used: the trainee may still pass.
    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert course_result(enrolment).state == "in_progress"
    database.session.add(Attempt(assessment_id=quiz.id, enrolment_id=enrolment.id,
                                 number=2, status="submitted", question_order=[]))
    database.session.flush()
    set_grade(quiz, enrolment, 40, actor=None)
    assert enrolment.status == EnrolmentStatus.FAILED


def test_unlimited_attempts_never_fail(database, setup):
    course, cohort, _quiz, _essay, _grader = setup
    open_quiz = make_assessment(course, "quiz")
    open_quiz.attempts_allowed = None  # the column's default applies to None at insert
    enrolment = enrol(cohort)
    for assessment in (_quiz, _essay):
        set_grade(assessment, enrolment, 100, actor=None)
    attempts(open_quiz, enrolment, 5)
    set_grade(open_quiz, enrolment, 10, actor=None)
    assert enrolment.status == EnrolmentStatus.ACTIVE


def test_returned_assignment_is_not_final(database, setup):
    _course, cohort, quiz, essay, grader = setup
    enrolment = enrol(cohort)
    attempts(quiz, enrolment, 2)
    set_grade(quiz, enrolment, 100, actor=None)
    returned = submission(essay, enrolment, status="returned")
    set_grade(essay, enrolment, 20, actor=grader, source=GradeSource.GRADER)
    assert enrolment.status == EnrolmentStatus.ACTIVE
    returned.status = "graded"
    database.session.flush()
    set_grade(essay, enrolment, 20, actor=grader, source=GradeSource.GRADER)
    assert enrolment.status == EnrolmentStatus.FAILED


def test_override_raising_a_grade_reopens_then_completes(database, setup):
    _course, cohort, quiz, essay, grader = setup
    enrolment = enrol(cohort)
    attempts(quiz, enrolment, 2)
    set_grade(quiz, enrolment, 100, actor=None)
    set_grade(essay, enrolment, 20, actor=grader, source=GradeSource.GRADER)
    assert enrolment.status == EnrolmentStatus.FAILED
    override_grade(essay, enrolment, 55, actor=grader, reason="Re-marked")
    assert enrolment.status == EnrolmentStatus.COMPLETED
    override_grade(essay, enrolment, 10, actor=grader, reason="Plagiarism found")
    assert enrolment.status == EnrolmentStatus.FAILED
    # An override of a quiz is final even with attempts left: computed grades never replace it.
    another = enrol(cohort)
    set_grade(essay, another, 90, actor=grader, source=GradeSource.GRADER)
    override_grade(quiz, another, 10, actor=grader, reason="Cheating")
    assert another.status == EnrolmentStatus.FAILED
    assert [log.after["status"] for log in status_actions(database, enrolment)] == [
        "failed", "completed", "failed"]


def test_failed_goes_back_to_active_when_a_grade_is_no_longer_final(database, setup):
    _course, cohort, quiz, essay, grader = setup
    enrolment = enrol(cohort)
    attempts(quiz, enrolment, 2)
    set_grade(quiz, enrolment, 100, actor=None)
    returned = submission(essay, enrolment, status="graded")
    set_grade(essay, enrolment, 20, actor=grader, source=GradeSource.GRADER)
    assert enrolment.status == EnrolmentStatus.FAILED
    returned.status = "returned"
    database.session.flush()
    set_grade(quiz, enrolment, 100, actor=None)
    assert enrolment.status == EnrolmentStatus.ACTIVE


def test_withdrawn_enrolment_is_never_changed(database, setup):
    _course, cohort, quiz, essay, grader = setup
    enrolment = enrol(cohort, status=EnrolmentStatus.WITHDRAWN)
    set_grade(quiz, enrolment, 100, actor=None)
    set_grade(essay, enrolment, 100, actor=grader, source=GradeSource.GRADER)
    assert enrolment.status == EnrolmentStatus.WITHDRAWN
    assert course_result(enrolment).state == "completed"
    assert status_actions(database, enrolment) == []


def test_course_without_required_assessment_never_completes(database):
    course = make_course()
    cohort = make_cohort(course)
    optional = make_assessment(course, "quiz", required=False)
    enrolment = enrol(cohort)
    set_grade(optional, enrolment, 100, actor=None)
    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert course_result(enrolment).state == "in_progress"


def test_override_needs_a_reason_and_changes_nothing_without(database, setup):
    _course, cohort, quiz, _essay, grader = setup
    enrolment = enrol(cohort)
    with pytest.raises(DomainError) as error:
        override_grade(quiz, enrolment, 50, actor=grader, reason="  ")
    assert error.value.field == "reason"
    assert course_result(enrolment).graded == 0


def test_hidden_assessments_do_not_count(database, setup):
    course, cohort, quiz, essay, grader = setup
    make_assessment(course, "observation", weight=10, published=False)
    enrolment = enrol(cohort)
    set_grade(quiz, enrolment, 100, actor=None)
    set_grade(essay, enrolment, 100, actor=grader, source=GradeSource.GRADER)
    assert course_result(enrolment).total == Decimal("100.00")
    assert enrolment.status == EnrolmentStatus.COMPLETED
