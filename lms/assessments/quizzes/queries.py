"""Reads for the quiz pages, each in a constant number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import String, and_, bindparam, cast, func, select
from sqlalchemy.orm import joinedload, selectinload

from lms.accounts.models import User
from lms.assessments.models import Assessment, AssessmentKind, AssessmentWindow
from lms.assessments.quizzes.models import Answer, Attempt, Question, QuestionOption, QuizQuestion
from lms.catalog.models import Course
from lms.cohorts.models import Cohort, Enrolment
from lms.extensions import db

PER_PAGE = 25


def _question_options():
    """Eager loading for showing a question in any language."""
    return (selectinload(Question.translations),
            selectinload(Question.options).selectinload(QuestionOption.translations),
            joinedload(Question.course))


# ---------------------------------------------------------------- question bank

def course(course_id: int) -> Course | None:
    return db.session.get(Course, course_id)


def bank_page(course_id: int, page: int, exclude_quiz: int | None = None):
    statement = select(Question).where(Question.course_id == course_id)
    if exclude_quiz is not None:
        statement = statement.where(Question.id.not_in(
            select(QuizQuestion.question_id).where(QuizQuestion.assessment_id == exclude_quiz)))
    return db.paginate(statement.order_by(Question.id), page=page, per_page=PER_PAGE,
                       error_out=False)


def course_quizzes(course_id: int) -> list[Assessment]:
    return list(db.session.scalars(select(Assessment).where(
        Assessment.course_id == course_id, Assessment.kind == AssessmentKind.QUIZ)
        .order_by(Assessment.position, Assessment.id)))


def question(question_id: int) -> Question | None:
    """One question with its options and all their translations, in one query.

    Joined rather than loaded in three more queries: each trainee opens every
    question of an exam, and a handful of extra rows cost less than round trips.
    """
    return db.session.scalars(select(Question).where(Question.id == question_id).options(
        joinedload(Question.translations),
        joinedload(Question.options).joinedload(QuestionOption.translations),
        joinedload(Question.course))).unique().first()


def quiz(assessment_id: int) -> Assessment | None:
    return db.session.scalars(select(Assessment).where(
        Assessment.id == assessment_id, Assessment.kind == AssessmentKind.QUIZ)
        .options(joinedload(Assessment.course), joinedload(Assessment.translations),
                 selectinload(Assessment.quiz_questions))).unique().first()


def quiz_questions(quiz: Assessment) -> list[Question]:
    """The quiz's questions in order."""
    rows = db.session.scalars(select(QuizQuestion).where(
        QuizQuestion.assessment_id == quiz.id).order_by(QuizQuestion.position)
        .options(joinedload(QuizQuestion.question)))
    return [row.question for row in rows]


# ---------------------------------------------------------------- taking a quiz

def quiz_in_cohort(cohort_id: int, assessment_id: int) -> tuple[Cohort, Assessment] | None:
    """The cohort and its course's published quiz, or None when they do not go together."""
    cohort = db.session.scalars(select(Cohort).where(Cohort.id == cohort_id)
                                .options(joinedload(Cohort.course))).first()
    found = quiz(assessment_id)
    if cohort is None or found is None or found.course_id != cohort.course_id \
            or not found.published:
        return None
    return cohort, found


def enrolment_of(user, cohort_id: int) -> Enrolment | None:
    if not user.is_authenticated:
        return None
    return db.session.scalars(select(Enrolment).where(
        Enrolment.cohort_id == cohort_id, Enrolment.user_id == user.id)).first()


def attempts_of(quiz: Assessment, enrolment: Enrolment) -> list[Attempt]:
    """This enrolment's attempts, oldest first (few: bounded by attempts allowed)."""
    return list(db.session.scalars(select(Attempt).where(
        Attempt.assessment_id == quiz.id, Attempt.enrolment_id == enrolment.id)
        .order_by(Attempt.number)))


def cohort_attempts(quiz: Assessment, cohort: Cohort, page: int):
    """Every attempt at ``quiz`` in ``cohort``, by trainee name, for its teachers."""
    statement = (select(Attempt).join(Enrolment, Enrolment.id == Attempt.enrolment_id)
                 .join(User, User.id == Enrolment.user_id)
                 .where(Attempt.assessment_id == quiz.id, Enrolment.cohort_id == cohort.id)
                 .order_by(User.full_name, User.id, Attempt.number)
                 .options(joinedload(Attempt.enrolment).joinedload(Enrolment.user)))
    return db.paginate(statement, page=page, per_page=PER_PAGE, error_out=False)


def attempt_in_cohort(attempt_id: int, cohort_id: int) -> Attempt | None:
    """The attempt, with its enrolment and quiz, if it was made in ``cohort_id``."""
    attempt = db.session.scalars(select(Attempt).where(Attempt.id == attempt_id).options(
        joinedload(Attempt.enrolment).joinedload(Enrolment.cohort).joinedload(Cohort.course),
        joinedload(Attempt.enrolment).joinedload(Enrolment.user),
        joinedload(Attempt.assessment).joinedload(Assessment.translations))).unique().first()
    if attempt is None or attempt.enrolment.cohort_id != cohort_id:
        return None
    return attempt


@dataclass(frozen=True)
class SaveTarget:
    """What the quick answer-saving path needs to know, as plain values."""

    attempt_id: int
    status: str
    deadline_at: datetime | None
    question_order: list
    user_id: int
    enrolment_status: str
    due_at: datetime | None  # the cohort's own due date if it has one, else the quiz's
    question_kind: str | None  # None: no such question
    option_ids: frozenset[int]


@cache
def _save_target_statement():
    # Built once and run on the session's connection: during an exam rush, building
    # the statement and the ORM's execution layer cost more than the query itself.
    # The question's kind and option ids come along as subqueries, so that a save
    # reads everything it checks in one round trip.
    question_kind = (select(Question.kind).where(Question.id == bindparam("question_id"))
                     .scalar_subquery())
    option_ids = (select(func.aggregate_strings(cast(QuestionOption.id, String), ","))
                  .where(QuestionOption.question_id == bindparam("question_id"))
                  .scalar_subquery())
    return (
        select(Attempt.id, Attempt.status, Attempt.deadline_at, Attempt.question_order,
               Enrolment.user_id, Enrolment.status, Assessment.due_at,
               AssessmentWindow.cohort_id, AssessmentWindow.due_at, question_kind, option_ids)
        .join(Enrolment, Enrolment.id == Attempt.enrolment_id)
        .join(Assessment, Assessment.id == Attempt.assessment_id)
        .outerjoin(AssessmentWindow, and_(
            AssessmentWindow.assessment_id == Attempt.assessment_id,
            AssessmentWindow.cohort_id == Enrolment.cohort_id))
        .where(Attempt.id == bindparam("attempt_id"),
               Enrolment.cohort_id == bindparam("cohort_id")))


def save_target(attempt_id: int, cohort_id: int, question_id: int) -> SaveTarget | None:
    """The attempt, its owner, its due date for this cohort, and the question's kind
    and options: one Core query."""
    row = db.session.connection().execute(
        _save_target_statement(),
        {"attempt_id": attempt_id, "cohort_id": cohort_id, "question_id": question_id}).first()
    if row is None:
        return None
    (attempt, status, deadline_at, order, user_id, enrolment_status, quiz_due,
     window_cohort, window_due, kind, options) = row
    return SaveTarget(attempt, status, deadline_at, list(order or []), user_id,
                      enrolment_status, window_due if window_cohort is not None else quiz_due,
                      kind, frozenset(int(o) for o in options.split(",")) if options
                      else frozenset())


def attempt_to_save_into(attempt_id: int, cohort_id: int) -> Attempt | None:
    """Only what saving an answer needs (owner, cohort, quiz), in one query.

    Saving is the request a whole cohort repeats during an exam: it skips the
    course, the user and the translations that the attempt page shows.
    """
    attempt = db.session.scalars(select(Attempt).where(Attempt.id == attempt_id).options(
        joinedload(Attempt.enrolment).joinedload(Enrolment.cohort),
        joinedload(Attempt.assessment))).first()
    if attempt is None or attempt.enrolment.cohort_id != cohort_id:
        return None
    return attempt


def saved_answers(attempt: Attempt) -> dict[int, Answer]:
    return {answer.question_id: answer for answer in db.session.scalars(
        select(Answer).where(Answer.attempt_id == attempt.id)
        .execution_options(populate_existing=True))}


def attempt_questions(attempt: Attempt) -> list[Question]:
    """The questions of the attempt in its own order (deleted ones left out)."""
    ids = list(attempt.question_order or [])
    found = {q.id: q for q in db.session.scalars(
        select(Question).where(Question.id.in_(ids or [-1])).options(*_question_options()))}
    return [found[i] for i in ids if i in found]


def question_to_answer(question_id: int) -> Question | None:
    """A question with its options only: what checking a response needs."""
    return db.session.scalars(select(Question).where(Question.id == question_id)
                              .options(joinedload(Question.options))).unique().first()


@dataclass(frozen=True)
class QuizSummary:
    questions: int
    points: object


def quiz_summary(quiz: Assessment) -> QuizSummary:
    count, points = db.session.execute(
        select(func.count(QuizQuestion.question_id), func.coalesce(func.sum(Question.points), 0))
        .join(Question, Question.id == QuizQuestion.question_id)
        .where(QuizQuestion.assessment_id == quiz.id)).one()
    return QuizSummary(count, points)


def attempts_used(attempt: Attempt) -> int:
    """How many attempts this attempt's trainee has made at its quiz, this one included."""
    return db.session.scalar(select(func.count(Attempt.id)).where(
        Attempt.assessment_id == attempt.assessment_id,
        Attempt.enrolment_id == attempt.enrolment_id)) or 0
