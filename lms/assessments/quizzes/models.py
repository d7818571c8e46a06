"""Quizzes: the question bank, the questions a quiz picks from it, attempts and answers."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.assessments.models import Assessment
from lms.catalog.models import Course
from lms.cohorts.models import Enrolment
from lms.extensions import db
from lms.i18n import Translatable
from lms.kernel import clock


class QuestionKind(enum.StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUE_FALSE = "true_false"
    SHORT_TEXT = "short_text"
    NUMERIC = "numeric"

    @property
    def title(self) -> str:
        return str(QUESTION_KIND_TITLES[self])


QUESTION_KIND_TITLES = {
    QuestionKind.SINGLE: _l("Single choice"),
    QuestionKind.MULTIPLE: _l("Multiple choice"),
    QuestionKind.TRUE_FALSE: _l("True or false"),
    QuestionKind.SHORT_TEXT: _l("Short answer"),
    QuestionKind.NUMERIC: _l("Numeric"),
}

class Question(Translatable, db.Model):
    """A question in a course's bank; quizzes pick questions from it."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    feedback: Mapped[str] = mapped_column(Text, default="")
    points: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal("1"))
    # Short text: compare ignoring case / accents.
    case_sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    accent_sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    # Numeric: the answer and the accepted distance from it.
    numeric_answer: Mapped[Decimal | None] = mapped_column(Numeric(18, 6))
    tolerance: Mapped[Decimal | None] = mapped_column(Numeric(18, 6))

    course: Mapped[Course] = relationship()
    translations: Mapped[list[QuestionTranslation]] = relationship(
        cascade="all, delete-orphan")
    options: Mapped[list[QuestionOption]] = relationship(
        back_populates="question", cascade="all, delete-orphan",
        order_by="QuestionOption.position")

    @property
    def language(self) -> str:
        return self.course.language


class QuestionTranslation(db.Model):
    __tablename__ = "question_translations"
    __table_args__ = (UniqueConstraint("question_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(5))
    text: Mapped[str] = mapped_column(Text, default="")
    feedback: Mapped[str] = mapped_column(Text, default="")


class QuestionOption(Translatable, db.Model):
    """A choice (single, multiple, true/false) or an accepted answer (short text)."""

    __tablename__ = "question_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    correct: Mapped[bool] = mapped_column(Boolean, default=False)
    feedback: Mapped[str] = mapped_column(Text, default="")

    question: Mapped[Question] = relationship(back_populates="options")
    translations: Mapped[list[QuestionOptionTranslation]] = relationship(
        cascade="all, delete-orphan")

    @property
    def language(self) -> str:
        return self.question.language


class QuestionOptionTranslation(db.Model):
    __tablename__ = "question_option_translations"
    __table_args__ = (UniqueConstraint("option_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    option_id: Mapped[int] = mapped_column(
        ForeignKey("question_options.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(5))
    text: Mapped[str] = mapped_column(Text, default="")
    feedback: Mapped[str] = mapped_column(Text, default="")


class QuizQuestion(db.Model):
    __tablename__ = "quiz_questions"

    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    question: Mapped[Question] = relationship()


class AttemptStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


class Attempt(db.Model):
    __tablename__ = "attempts"
    __table_args__ = (UniqueConstraint("assessment_id", "enrolment_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default=AttemptStatus.IN_PROGRESS)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    # Set by the server when the quiz has a time limit; answers after it (plus a
    # short grace) are refused and the attempt is submitted as it stands.
    deadline_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The order the trainee sees, fixed at start (shuffled when the quiz says so).
    question_order: Mapped[list] = mapped_column(JSON, default=list)
    score: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    max_score: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))

    assessment: Mapped[Assessment] = relationship()
    enrolment: Mapped[Enrolment] = relationship()
    answers: Mapped[list[Answer]] = relationship(cascade="all, delete-orphan")


class Answer(db.Model):
    """One row per question per attempt: saving again replaces the response."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    # Option ids for choice questions, the text for short answers, the number as text.
    response: Mapped[dict] = mapped_column(JSON, default=dict)
    saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    points: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
