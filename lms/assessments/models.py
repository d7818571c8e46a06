"""Assessments and their grades: what every kind shares.

An assessment belongs to a course; a cohort may override its window. Every kind
(quiz, assignment, observation, attendance; each keeps its own models in its
sub-package) ends in one ``Grade`` row per enrolment and assessment (a
percentage), which the gradebook weighs into the course result. ``lms.models``
imports them all, so that every name used in a relationship below is known.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.catalog.models import Course
from lms.cohorts.models import Enrolment
from lms.extensions import db
from lms.i18n import Translatable
from lms.kernel import clock

if TYPE_CHECKING:
    from lms.assessments.assignments.models import RubricCriterion
    from lms.assessments.observations.models import ObservationItem
    from lms.assessments.quizzes.models import QuizQuestion


class AssessmentKind(enum.StrEnum):
    QUIZ = "quiz"
    ASSIGNMENT = "assignment"
    OBSERVATION = "observation"
    ATTENDANCE = "attendance"

    @property
    def title(self) -> str:
        return str(ASSESSMENT_KIND_TITLES[self])


ASSESSMENT_KIND_TITLES = {
    AssessmentKind.QUIZ: _l("Quiz"),
    AssessmentKind.ASSIGNMENT: _l("Assignment"),
    AssessmentKind.OBSERVATION: _l("Skills observation"),
    AssessmentKind.ATTENDANCE: _l("Attendance"),
}


class TestRole(enum.StrEnum):
    """A quiz's part in measuring learning: taken before the course and again after it
    (Kirkpatrick level 2); the learning report gives the mean gain between the two."""

    # Not a pytest test class, despite the name.
    __test__ = False

    PRE = "pre"
    POST = "post"

class Assessment(Translatable, db.Model):
    __tablename__ = "assessments"
    # At most one pre-test and one post-test per course (NULLs never clash).
    __table_args__ = (UniqueConstraint("course_id", "test_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text, default="")
    # Percentage needed to pass, and the weight in the course's weighted total.
    pass_mark: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("70"))
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal("1"))
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    # Quiz settings. None: unlimited attempts / no time limit.
    attempts_allowed: Mapped[int | None] = mapped_column(Integer, default=1)
    time_limit_minutes: Mapped[int | None] = mapped_column(Integer)
    shuffle_questions: Mapped[bool] = mapped_column(Boolean, default=False)
    review_allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    # Assignment settings.
    accepts_text: Mapped[bool] = mapped_column(Boolean, default=True)
    accepts_file: Mapped[bool] = mapped_column(Boolean, default=False)
    # Default window; a cohort may override it (AssessmentWindow).
    opens_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    # Quizzes only: TestRole ("pre", "post") or None.
    test_role: Mapped[str | None] = mapped_column(String(10))

    course: Mapped[Course] = relationship()
    translations: Mapped[list[AssessmentTranslation]] = relationship(
        cascade="all, delete-orphan")
    quiz_questions: Mapped[list[QuizQuestion]] = relationship(
        cascade="all, delete-orphan", order_by="QuizQuestion.position")
    criteria: Mapped[list[RubricCriterion]] = relationship(
        cascade="all, delete-orphan", order_by="RubricCriterion.position")
    observation_items: Mapped[list[ObservationItem]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan",
        order_by="ObservationItem.position")

    @property
    def language(self) -> str:
        return self.course.language

    @property
    def kind_title(self) -> str:
        return AssessmentKind(self.kind).title

    def can_manage(self, user) -> bool:
        return self.course.can_manage(user)


class AssessmentTranslation(db.Model):
    __tablename__ = "assessment_translations"
    __table_args__ = (UniqueConstraint("assessment_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(5))
    title: Mapped[str] = mapped_column(String(200), default="")
    instructions: Mapped[str] = mapped_column(Text, default="")


class AssessmentWindow(db.Model):
    """A cohort's own opening and due dates for an assessment."""

    __tablename__ = "assessment_windows"

    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), primary_key=True)
    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    opens_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

# ------------------------------------------------------------------ grades

class GradeSource(enum.StrEnum):
    AUTO = "auto"          # computed: quiz score, observation, attendance
    GRADER = "grader"      # an instructor graded a submission
    OVERRIDE = "override"  # an instructor replaced a computed grade, with a reason


class Grade(db.Model):
    """The result of one enrolment in one assessment; every change is audited."""

    __tablename__ = "grades"
    __table_args__ = (
        UniqueConstraint("assessment_id", "enrolment_id"),
        Index("ix_grades_enrolment", "enrolment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"))
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"))
    percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    passed: Mapped[bool] = mapped_column(Boolean)
    feedback: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(20), default=GradeSource.AUTO)
    override_reason: Mapped[str] = mapped_column(Text, default="")
    grader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    graded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)

    assessment: Mapped[Assessment] = relationship()
    enrolment: Mapped[Enrolment] = relationship()
    grader: Mapped[User | None] = relationship()
