"""How much of a course's assessments exists in a language, for the cohorts floor.

Cohorts ask (``lms.kernel.events.content_coverage``) when a coordinator looks at or
saves a cohort taught in a language the course was not written in. Connected once
by ``create_app``.
"""

from __future__ import annotations

from flask_babel import ngettext
from sqlalchemy import and_, case, func, or_, select

from lms.assessments.models import Assessment, AssessmentKind, AssessmentTranslation
from lms.assessments.quizzes.models import Question, QuestionTranslation, QuizQuestion
from lms.catalog.models import Course
from lms.cohorts.queries import Coverage
from lms.extensions import db
from lms.kernel import events


def question_coverage(course: Course, locale: str) -> Coverage:
    """Questions of the course's published quizzes whose text exists in ``locale``:
    one query. A question in two quizzes counts once."""
    translated = QuestionTranslation.text != ""
    total, available = db.session.execute(
        select(func.count(func.distinct(Question.id)),
               func.count(func.distinct(case((translated, Question.id)))))
        .select_from(QuizQuestion)
        .join(Assessment, QuizQuestion.assessment_id == Assessment.id)
        .join(Question, QuizQuestion.question_id == Question.id)
        .outerjoin(QuestionTranslation, and_(QuestionTranslation.question_id == Question.id,
                                             QuestionTranslation.locale == locale))
        .where(Assessment.course_id == course.id, Assessment.published.is_(True),
               Assessment.kind == AssessmentKind.QUIZ)).one()
    if locale == course.language:
        available = total
    return Coverage(available, total, ngettext(
        "%(available)s of %(num)d question", "%(available)s of %(num)d questions", total,
        available=available))


def assessment_coverage(course: Course, locale: str) -> Coverage:
    """Published assessments whose title (and instructions, when there are any) exist
    in ``locale``: one query."""
    translated = and_(AssessmentTranslation.title != "",
                      or_(AssessmentTranslation.instructions != "",
                          Assessment.instructions == ""))
    total, available = db.session.execute(
        select(func.count(Assessment.id), func.count(case((translated, Assessment.id))))
        .select_from(Assessment)
        .outerjoin(AssessmentTranslation,
                   and_(AssessmentTranslation.assessment_id == Assessment.id,
                        AssessmentTranslation.locale == locale))
        .where(Assessment.course_id == course.id, Assessment.published.is_(True))).one()
    if locale == course.language:
        available = total
    return Coverage(available, total, ngettext(
        "%(available)s of %(num)d assessment", "%(available)s of %(num)d assessments", total,
        available=available))


def _content_coverage(course: Course, *, locale: str) -> list[Coverage]:
    return [question_coverage(course, locale), assessment_coverage(course, locale)]


def connect() -> None:
    """Answer the cohorts floor's question (idempotent)."""
    events.content_coverage.connect(_content_coverage, weak=False)
