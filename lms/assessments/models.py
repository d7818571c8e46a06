"""Assessments: quizzes, assignments, observations and attendance, with their grades.

An assessment belongs to a course; a cohort may override its window. Every kind
ends in one ``Grade`` row per enrolment and assessment (a percentage), which the
gradebook weighs into the course result.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
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

from lms.accounts.models import User, utcnow
from lms.catalog.models import Course
from lms.cohorts.models import Cohort, Enrolment
from lms.extensions import db
from lms.i18n import Translatable


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


class Assessment(Translatable, db.Model):
    __tablename__ = "assessments"

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


# ------------------------------------------------------------------ question bank

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
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
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
    saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    points: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))


# ------------------------------------------------------------------ assignments

class SubmissionStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    RETURNED = "returned"  # sent back for resubmission
    GRADED = "graded"


class Submission(db.Model):
    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("assessment_id", "enrolment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=SubmissionStatus.SUBMITTED)
    text: Mapped[str] = mapped_column(Text, default="")
    # The file as the trainee named it, and the random name it is stored under.
    file_name: Mapped[str | None] = mapped_column(String(255))
    stored_name: Mapped[str | None] = mapped_column(String(64), unique=True)
    file_size: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(100))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The grader's message when sending it back for resubmission (the grade's own
    # feedback lives on Grade).
    return_message: Mapped[str] = mapped_column(Text, default="")

    assessment: Mapped[Assessment] = relationship()
    enrolment: Mapped[Enrolment] = relationship()


class RubricCriterion(db.Model):
    __tablename__ = "rubric_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))

    levels: Mapped[list[RubricLevel]] = relationship(
        cascade="all, delete-orphan", order_by="RubricLevel.position")


class RubricLevel(db.Model):
    __tablename__ = "rubric_levels"

    id: Mapped[int] = mapped_column(primary_key=True)
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("rubric_criteria.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    points: Mapped[Decimal] = mapped_column(Numeric(6, 2))


class RubricScore(db.Model):
    """The level a grader chose for one criterion of one submission."""

    __tablename__ = "rubric_scores"

    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True)
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("rubric_criteria.id", ondelete="CASCADE"), primary_key=True)
    level_id: Mapped[int] = mapped_column(ForeignKey("rubric_levels.id", ondelete="CASCADE"))


# ------------------------------------------------------------------ observations

class ObservationResult(enum.StrEnum):
    MET = "met"
    NOT_YET = "not_yet"
    NOT_OBSERVED = "not_observed"


class ObservationItem(Translatable, db.Model):
    __tablename__ = "observation_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    # The competency this item shows (see lms.competencies).
    competency_id: Mapped[int | None] = mapped_column(
        ForeignKey("competencies.id", ondelete="SET NULL"), index=True)

    assessment: Mapped[Assessment] = relationship(back_populates="observation_items")
    translations: Mapped[list[ObservationItemTranslation]] = relationship(
        cascade="all, delete-orphan")

    @property
    def language(self) -> str:
        return self.assessment.language


class ObservationItemTranslation(db.Model):
    __tablename__ = "observation_item_translations"
    __table_args__ = (UniqueConstraint("item_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("observation_items.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(5))
    text: Mapped[str] = mapped_column(Text, default="")


class Observation(db.Model):
    __tablename__ = "observations"
    __table_args__ = (UniqueConstraint("item_id", "enrolment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("observation_items.id", ondelete="CASCADE"), index=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    result: Mapped[str] = mapped_column(String(20), default=ObservationResult.NOT_OBSERVED)
    comment: Mapped[str] = mapped_column(Text, default="")
    observed_on: Mapped[date | None] = mapped_column(Date)
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    assessor: Mapped[User | None] = relationship()


# ------------------------------------------------------------------ attendance

class AttendanceStatus(enum.StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    EXCUSED = "excused"


class AttendanceSession(db.Model):
    __tablename__ = "attendance_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    title: Mapped[str] = mapped_column(String(200), default="")

    cohort: Mapped[Cohort] = relationship()


class AttendanceRecord(db.Model):
    __tablename__ = "attendance_records"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("attendance_sessions.id", ondelete="CASCADE"), primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"), primary_key=True, index=True)
    status: Mapped[str] = mapped_column(String(20))
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


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
    graded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    assessment: Mapped[Assessment] = relationship()
    enrolment: Mapped[Enrolment] = relationship()
    grader: Mapped[User | None] = relationship()
