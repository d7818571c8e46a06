"""Helpers for the quiz tests: fast sign-in and a small world with a quiz."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from lms.assessments.models import Assessment, Grade
from lms.assessments.quizzes.models import Answer, Attempt, Question, QuestionKind
from lms.extensions import db
from lms.kernel import clock
from tests.assessments.factories import add_to_quiz, make_assessment, make_question
from tests.factories import enrol, make_cohort, make_coordinator, make_course, make_user


def now() -> datetime:
    return clock.now()


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


@dataclass
class QuizWorld:
    course: object
    cohort: object
    other_cohort: object
    quiz: Assessment
    questions: list[Question]
    trainee: object
    enrolment: object
    classmate: object
    classmate_enrolment: object
    outsider: object
    instructor: object
    other_instructor: object
    coordinator: object
    other_coordinator: object

    def quiz_url(self, suffix: str = "") -> str:
        return f"/cohorts/{self.cohort.id}/quizzes/{self.quiz.id}{suffix}"

    def attempt_url(self, attempt, suffix: str = "") -> str:
        return f"/cohorts/{self.cohort.id}/attempts/{attempt.id}{suffix}"


def build_world(*, questions: int = 3, **quiz_fields) -> QuizWorld:
    course = make_course()
    instructor = make_user()
    other_instructor = make_user()
    cohort = make_cohort(course, instructors=[instructor])
    other_cohort = make_cohort(course, instructors=[other_instructor])
    quiz_fields.setdefault("attempts_allowed", 2)
    quiz = make_assessment(course, title="Knowledge test", **quiz_fields)
    made = [make_question(course, text=f"Question number {n}?",
                          options=[(f"Right {n}", True), (f"Wrong {n}", False)])
            for n in range(1, questions + 1)]
    add_to_quiz(quiz, *made)
    trainee = make_user()
    classmate = make_user()
    outsider = make_user()
    from tests.factories import make_program

    other_program = make_program()
    return QuizWorld(
        course=course, cohort=cohort, other_cohort=other_cohort, quiz=quiz, questions=made,
        trainee=trainee, enrolment=enrol(cohort, trainee), classmate=classmate,
        classmate_enrolment=enrol(cohort, classmate), outsider=outsider,
        instructor=instructor, other_instructor=other_instructor,
        coordinator=make_coordinator(course.program),
        other_coordinator=make_coordinator(other_program))


def right_option(question: Question) -> int:
    return next(option.id for option in question.options if option.correct)


def wrong_option(question: Question) -> int:
    return next(option.id for option in question.options if not option.correct)


def attempts_of(world: QuizWorld, enrolment=None) -> list[Attempt]:
    enrolment = enrolment or world.enrolment
    return list(db.session.scalars(db.select(Attempt).where(
        Attempt.enrolment_id == enrolment.id).order_by(Attempt.number)))


def grade_of(world: QuizWorld, enrolment=None) -> Grade | None:
    enrolment = enrolment or world.enrolment
    return db.session.scalar(db.select(Grade).where(
        Grade.assessment_id == world.quiz.id, Grade.enrolment_id == enrolment.id))


def answers_of(attempt) -> list[Answer]:
    return list(db.session.scalars(db.select(Answer).where(Answer.attempt_id == attempt.id)))


def past(seconds: int) -> datetime:
    return now() - timedelta(seconds=seconds)


__all__ = ["QuestionKind", "add_to_quiz", "make_question"]
