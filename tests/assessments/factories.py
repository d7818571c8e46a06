"""Factories for assessments: each builds one thing with sensible defaults and flushes."""

from __future__ import annotations

from decimal import Decimal

from lms.assessments.models import Assessment, AssessmentKind
from lms.assessments.quizzes.models import Question, QuestionKind, QuestionOption, QuizQuestion
from lms.catalog.models import Course
from lms.extensions import db
from tests.factories import make_course


def make_assessment(course: Course | None = None, kind: str = AssessmentKind.QUIZ, *,
                    title: str | None = None, pass_mark: int = 70, weight: int = 1,
                    **fields) -> Assessment:
    course = course or make_course()
    assessment = Assessment(course=course, kind=kind, title=title or f"{kind} of {course.code}",
                            pass_mark=Decimal(pass_mark), weight=Decimal(weight), **fields)
    db.session.add(assessment)
    db.session.flush()
    return assessment


def make_question(course: Course, kind: str = QuestionKind.SINGLE, *, text: str = "Question?",
                  options: list[tuple[str, bool]] = (("Right", True), ("Wrong", False)),
                  points: int = 1, **fields) -> Question:
    question = Question(course=course, kind=kind, text=text, points=Decimal(points), **fields)
    for position, (option_text, correct) in enumerate(options, start=1):
        question.options.append(QuestionOption(position=position, text=option_text,
                                               correct=correct))
    db.session.add(question)
    db.session.flush()
    return question


def add_to_quiz(quiz: Assessment, *questions: Question) -> None:
    start = len(quiz.quiz_questions)
    for offset, question in enumerate(questions, start=1):
        quiz.quiz_questions.append(QuizQuestion(question_id=question.id, position=start + offset))
    db.session.flush()
