"""Writes for quizzes: the question bank, a quiz's questions, GIFT import, attempts.

Every function validates first and raises ``DomainError`` before writing
anything; writes are flushed, never committed (one commit per request).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import Integer, bindparam, cast, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload

from lms.assessments.grades import set_grade, window_for
from lms.assessments.models import Assessment, GradeSource
from lms.assessments.quizzes import gift, scoring
from lms.assessments.quizzes.models import (
    Answer,
    Attempt,
    AttemptStatus,
    Question,
    QuestionKind,
    QuestionOption,
    QuestionTranslation,
    QuizQuestion,
)
from lms.audit.services import record
from lms.catalog.models import Course
from lms.cohorts.models import Enrolment
from lms.errors import DomainError
from lms.extensions import db
from lms.i18n import apply_translations
from lms.kernel import clock

# Answers sent this long after the deadline still count (network, a slow click);
# later ones are refused and the attempt is submitted as it stands.
GRACE = timedelta(seconds=30)
MAX_OPTIONS = 8
MAX_POINTS = Decimal("1000")
MAX_TEXT_ANSWER = 1000
MAX_NUMBER_ANSWER = 100
TRUE_TEXT, FALSE_TEXT = "True", "False"


# ================================================================= question bank

@dataclass
class OptionData:
    text: str
    correct: bool = False
    feedback: str = ""


@dataclass
class QuestionData:
    kind: str
    text: str
    points: Decimal = Decimal("1")
    name: str = ""
    feedback: str = ""
    case_sensitive: bool = False
    accent_sensitive: bool = False
    numeric_answer: Decimal | None = None
    tolerance: Decimal | None = None
    # True/false: which of the two is right (the options are made from it).
    true_is_correct: bool = True
    options: list[OptionData] = field(default_factory=list)
    # {locale: {"text": ..., "feedback": ...}}; blank means "fall back".
    translations: dict[str, dict[str, str]] = field(default_factory=dict)


def _validated(data: QuestionData) -> QuestionData:
    """Check ``data`` for its kind and return it normalised; raise before any write."""
    try:
        kind = QuestionKind(data.kind)
    except ValueError:
        raise DomainError(_("Choose a kind of question."), field="kind") from None
    text = (data.text or "").strip()
    if not text:
        raise DomainError(_("Write the question."), field="text")
    points = data.points
    if points is None or not Decimal(0) < Decimal(points) <= MAX_POINTS:
        raise DomainError(_("Points must be more than 0 and at most %(max)s.",
                            max=int(MAX_POINTS)), field="points")
    options = [OptionData(o.text.strip(), bool(o.correct), (o.feedback or "").strip())
               for o in data.options if (o.text or "").strip()]
    if len(options) > MAX_OPTIONS:
        raise DomainError(_("A question may have at most %(max)s options.", max=MAX_OPTIONS),
                          field="options")
    numeric_answer, tolerance = None, None
    if kind == QuestionKind.TRUE_FALSE:
        feedback = {True: "", False: ""}
        for option in options:  # keep the feedback written for each of the two
            if option.text in (TRUE_TEXT, FALSE_TEXT):
                feedback[option.text == TRUE_TEXT] = option.feedback
        options = [OptionData(TRUE_TEXT, data.true_is_correct, feedback[True]),
                   OptionData(FALSE_TEXT, not data.true_is_correct, feedback[False])]
    elif kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        if len(options) < 2:
            raise DomainError(_("Give at least two options."), field="options")
        right = sum(option.correct for option in options)
        if kind == QuestionKind.SINGLE and right != 1:
            raise DomainError(_("Mark exactly one option as correct."), field="options")
        if kind == QuestionKind.MULTIPLE and right < 1:
            raise DomainError(_("Mark at least one option as correct."), field="options")
    elif kind == QuestionKind.SHORT_TEXT:
        if not options:
            raise DomainError(_("Give at least one accepted answer."), field="options")
        options = [OptionData(o.text, True, o.feedback) for o in options]
    elif kind == QuestionKind.NUMERIC:
        if data.numeric_answer is None:
            raise DomainError(_("Give the right number."), field="numeric_answer")
        numeric_answer = Decimal(data.numeric_answer)
        tolerance = Decimal(data.tolerance) if data.tolerance is not None else Decimal(0)
        if tolerance < 0:
            raise DomainError(_("The tolerance cannot be negative."), field="tolerance")
        options = []
    return QuestionData(
        kind=kind.value, text=text, points=Decimal(points), name=(data.name or "").strip()[:200],
        feedback=(data.feedback or "").strip(), case_sensitive=bool(data.case_sensitive),
        accent_sensitive=bool(data.accent_sensitive), numeric_answer=numeric_answer,
        tolerance=tolerance, true_is_correct=data.true_is_correct, options=options,
        translations=data.translations)


def _snapshot(question: Question) -> dict:
    return {"kind": question.kind, "name": question.name, "text": question.text,
            "points": str(question.points),
            "options": [[o.text, o.correct] for o in question.options]}


def _apply(question: Question, data: QuestionData) -> None:
    question.kind = data.kind
    question.name = data.name
    question.text = data.text
    question.points = data.points
    question.feedback = data.feedback
    question.case_sensitive = data.case_sensitive
    question.accent_sensitive = data.accent_sensitive
    question.numeric_answer = data.numeric_answer
    question.tolerance = data.tolerance
    # Options are updated in place by position, so that their ids (which saved
    # answers refer to) survive an edit of their wording.
    existing = list(question.options)
    for position, option_data in enumerate(data.options, start=1):
        if position <= len(existing):
            option = existing[position - 1]
        else:
            option = QuestionOption()
            question.options.append(option)
        option.position = position
        option.text = option_data.text
        option.correct = option_data.correct
        option.feedback = option_data.feedback
    for option in existing[len(data.options):]:
        question.options.remove(option)
    apply_translations(question, QuestionTranslation, data.translations, ("text", "feedback"))


def create_question(actor, course: Course, data: QuestionData) -> Question:
    data = _validated(data)
    question = Question(course_id=course.id, kind=data.kind, text=data.text)
    question.course = course
    _apply(question, data)
    db.session.add(question)
    db.session.flush()
    record(actor, "question.create", question, after=_snapshot(question))
    return question


def update_question(actor, question: Question, data: QuestionData) -> Question:
    data = _validated(data)
    before = _snapshot(question)
    _apply(question, data)
    db.session.flush()
    record(actor, "question.update", question, before=before, after=_snapshot(question))
    return question


def delete_question(actor, question: Question) -> None:
    """Delete a bank question; it leaves the quizzes that used it (past scores stand)."""
    before = _snapshot(question)
    record(actor, "question.delete", question, before=before)
    db.session.delete(question)
    db.session.flush()


def set_quiz_questions(actor, quiz: Assessment, question_ids: list[int]) -> None:
    """Make ``question_ids`` (bank questions of the quiz's course), in order, the quiz."""
    ordered = list(dict.fromkeys(question_ids))
    if ordered:
        found = set(db.session.scalars(select(Question.id).where(
            Question.id.in_(ordered), Question.course_id == quiz.course_id)))
        if found != set(ordered):
            raise DomainError(_("Choose questions of this course's bank."), field="questions")
    before = [row.question_id for row in quiz.quiz_questions]
    by_id = {row.question_id: row for row in quiz.quiz_questions}
    for row in list(quiz.quiz_questions):
        if row.question_id not in set(ordered):
            quiz.quiz_questions.remove(row)
    for position, question_id in enumerate(ordered, start=1):
        row = by_id.get(question_id)
        if row is None:
            row = QuizQuestion(question_id=question_id)
            quiz.quiz_questions.append(row)
        row.position = position
    db.session.flush()
    record(actor, "quiz.questions", quiz, before={"questions": before},
           after={"questions": ordered})


class GiftRejected(DomainError):
    """The GIFT text has errors: nothing was imported."""

    def __init__(self, errors: list[gift.GiftError]) -> None:
        super().__init__(_("The questions were not imported."), field="text")
        self.errors = errors


def import_gift(actor, course: Course, text: str) -> list[Question]:
    """Add every question of the GIFT ``text`` to the bank, or none if any is wrong."""
    parsed, errors = gift.parse(text)
    checked: list[QuestionData] = []
    for item in parsed:
        data = QuestionData(
            kind=item.kind, text=item.text, name=item.name, feedback=item.feedback,
            numeric_answer=item.numeric_answer, tolerance=item.tolerance,
            true_is_correct=any(o.correct and o.text == TRUE_TEXT for o in item.options),
            options=[OptionData(o.text, o.correct, o.feedback) for o in item.options])
        try:
            checked.append(_validated(data))
        except DomainError as error:
            errors.append(gift.GiftError(item.line, error.message))
    if errors:
        raise GiftRejected(sorted(errors, key=lambda error: error.line))
    questions = []
    for data in checked:
        question = Question(course_id=course.id, kind=data.kind, text=data.text)
        question.course = course
        _apply(question, data)
        db.session.add(question)
        questions.append(question)
    db.session.flush()
    record(actor, "question.import", course,
           after={"count": len(questions), "ids": [q.id for q in questions]})
    return questions


# ================================================================= attempts

class WindowClosed(DomainError):
    pass


class DeadlinePassed(DomainError):
    """The answer came after the deadline and its grace: refused; the attempt is submitted."""


def effective_deadline(attempt: Attempt, due_at: datetime | None) -> datetime | None:
    """The earlier of the attempt's own deadline and the cohort's due date."""
    return deadline_of(attempt.deadline_at, due_at)


def deadline_of(deadline_at: datetime | None, due_at: datetime | None) -> datetime | None:
    candidates = [moment for moment in (deadline_at, due_at) if moment is not None]
    return min(clock.as_utc(moment) for moment in candidates) if candidates else None


def past_deadline(deadline_at: datetime | None, due_at: datetime | None,
                  now: datetime) -> bool:
    """True when ``now`` is after the deadline plus the grace."""
    deadline = deadline_of(deadline_at, due_at)
    return deadline is not None and now > deadline + GRACE


def is_expired(attempt: Attempt, due_at: datetime | None, now: datetime) -> bool:
    """True when an in-progress attempt is past its deadline plus the grace."""
    return (attempt.status == AttemptStatus.IN_PROGRESS
            and past_deadline(attempt.deadline_at, due_at, now))


def window_state(opens_at: datetime | None, due_at: datetime | None, now: datetime) -> str:
    """``"not_open"``, ``"closed"`` or ``"open"``."""
    if opens_at is not None and now < clock.as_utc(opens_at):
        return "not_open"
    if due_at is not None and now > clock.as_utc(due_at):
        return "closed"
    return "open"


def start_attempt(actor, quiz: Assessment, enrolment: Enrolment, *,
                  now: datetime | None = None) -> tuple[Attempt, bool]:
    """Start an attempt, or resume the one in progress: (attempt, resumed).

    The enrolment row is locked first (``SELECT ... FOR UPDATE`` on PostgreSQL;
    SQLite writers are serialised by ``BEGIN IMMEDIATE``), so two clicks on Start
    can never make two attempts in progress.
    """
    now = now or clock.now()
    db.session.execute(select(Enrolment.id).where(Enrolment.id == enrolment.id)
                       .with_for_update())
    opens_at, due_at = window_for(quiz, enrolment.cohort)
    # Few rows (bounded by the attempts allowed), read under the lock.
    attempts = list(db.session.scalars(select(Attempt).where(
        Attempt.assessment_id == quiz.id, Attempt.enrolment_id == enrolment.id)
        .order_by(Attempt.number)))
    current = next((a for a in attempts if a.status == AttemptStatus.IN_PROGRESS), None)
    if current is not None:
        if not is_expired(current, due_at, now):
            return current, True
        submit_attempt(actor, current, now=now)
    state = window_state(opens_at, due_at, now)
    if state == "not_open":
        raise WindowClosed(_("This quiz is not open yet."))
    if state == "closed":
        raise WindowClosed(_("This quiz is closed."))
    used, last_number = len(attempts), max((a.number for a in attempts), default=0)
    if quiz.attempts_allowed is not None and used >= quiz.attempts_allowed:
        raise DomainError(_("You have used all your attempts at this quiz."))
    order = [row.question_id for row in quiz.quiz_questions]
    if not order:
        raise DomainError(_("This quiz has no questions yet."))
    if quiz.shuffle_questions:
        random.Random().shuffle(order)  # noqa: S311 - fairness, not secrecy
    attempt = Attempt(
        assessment_id=quiz.id, enrolment_id=enrolment.id, number=last_number + 1,
        status=AttemptStatus.IN_PROGRESS, started_at=now, question_order=order,
        deadline_at=now + timedelta(minutes=quiz.time_limit_minutes)
        if quiz.time_limit_minutes else None)
    db.session.add(attempt)
    db.session.flush()
    record(actor, "attempt.start", attempt, after={"number": attempt.number})
    return attempt, False


def clean_response(question: Question, raw: dict) -> dict:
    """The response to store, from the submitted values; refuses what cannot be kept.

    ``raw`` holds ``options`` (list of option ids as text), ``text`` and ``value``.
    """
    return clean_response_for(question.kind, {option.id for option in question.options}, raw)


def clean_response_for(kind: str, valid: set[int] | frozenset[int], raw: dict) -> dict:
    """``clean_response`` from the question's kind and option ids alone."""
    if kind in scoring.CHOICE_KINDS:
        chosen = [i for i in scoring.chosen_option_ids({"options": raw.get("options") or []})
                  if i in valid]
        chosen = list(dict.fromkeys(chosen))
        if kind != QuestionKind.MULTIPLE and len(chosen) > 1:
            raise DomainError(_("Choose only one answer."), field="options")
        return {"options": chosen}
    if kind == QuestionKind.SHORT_TEXT:
        text = str(raw.get("text") or "")
        if len(text) > MAX_TEXT_ANSWER:
            raise DomainError(_("Your answer is longer than %(max)s characters.",
                                max=MAX_TEXT_ANSWER), field="text")
        return {"text": text}
    value = str(raw.get("value") or "").strip()
    if len(value) > MAX_NUMBER_ANSWER or (value and scoring.parse_number(value) is None):
        raise DomainError(_("Enter a number, such as 12.5 or 12,5."), field="value")
    return {"value": value}


def submitted_message() -> str:
    return _("This attempt has been submitted; answers can no longer change.")


def save_answer(actor, attempt: Attempt, question: Question, raw: dict, *,
                now: datetime | None = None) -> datetime:
    """Save (or replace) the response to ``question``; returns the time it was saved.

    A retried or doubled request updates the same row: the insert is an upsert on
    the unique (attempt, question). After the deadline plus ``GRACE`` the answer
    is refused and the attempt is submitted as it stands (``DeadlinePassed``).
    """
    now = now or clock.now()
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise DomainError(submitted_message())
    if question.id not in attempt.question_order:
        raise DomainError(_("This question is not part of the attempt."))
    _opens, due_at = window_for(attempt.assessment, attempt.enrolment.cohort)
    if is_expired(attempt, due_at, now):
        submit_attempt(actor, attempt, now=now)
        raise DeadlinePassed(_("Time is up: your last answer arrived after the deadline and "
                               "was not saved. Your attempt has been submitted."))
    if not store_answer(attempt.id, question.id, clean_response(question, raw), now):
        raise DomainError(submitted_message())
    return now


def store_answer(attempt_id: int, question_id: int, response: dict, now: datetime) -> bool:
    """Insert or replace the answer: an upsert on the unique (attempt, question).

    Callers have checked the attempt (in progress, before its deadline) and cleaned
    the response. The statement checks again that the attempt is in progress, so an
    answer can never land in an attempt that a concurrent request has just submitted
    (on PostgreSQL it waits for that submit, which locks the attempt). Returns False,
    having stored nothing, when the attempt is no longer in progress.
    """
    connection = db.session.connection()
    stored = connection.execute(_upsert_statement(connection.dialect.name),
                                {"attempt_id": attempt_id, "question_id": question_id,
                                 "response": response, "saved_at": now})
    return stored.first() is not None


@cache
def _upsert_statement(dialect: str):
    # Built once: constructing the ON CONFLICT clause costs more than running it.
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    in_progress = (select(Attempt.id)
                   .where(Attempt.id == bindparam("attempt_id"),
                          Attempt.status == AttemptStatus.IN_PROGRESS)
                   .with_for_update(read=True).exists())
    row = select(
        cast(bindparam("attempt_id"), Integer), cast(bindparam("question_id"), Integer),
        bindparam("response", type_=Answer.__table__.c.response.type),
        bindparam("saved_at", type_=Answer.__table__.c.saved_at.type)).where(in_progress)
    statement = insert(Answer).from_select(
        ["attempt_id", "question_id", "response", "saved_at"], row)
    # RETURNING says whether a row was written (the drivers' rowcount is not reliable
    # for an upsert from a SELECT).
    return statement.on_conflict_do_update(
        index_elements=[Answer.attempt_id, Answer.question_id],
        set_={"response": statement.excluded.response, "saved_at": statement.excluded.saved_at},
    ).returning(Answer.attempt_id)


def grading_questions(attempt: Attempt) -> dict[int, Question]:
    """The attempt's questions with their options, by id (deleted ones left out)."""
    return {question.id: question for question in db.session.scalars(
        select(Question).where(Question.id.in_(attempt.question_order or [-1]))
        .options(selectinload(Question.options)))}


def submit_attempt(actor, attempt: Attempt, *, now: datetime | None = None,
                   questions: dict[int, Question] | None = None) -> bool:
    """Grade and submit ``attempt``; the quiz grade becomes the best attempt's percent.

    ``questions`` (from ``grading_questions``) may be read beforehand, outside the
    write lock. Returns False (and changes nothing) when it was already submitted.
    """
    if attempt.status == AttemptStatus.SUBMITTED:
        return False
    # Lock the attempt and read its status afresh (PostgreSQL; SQLite writers take
    # turns anyway): of two submits at once only one grades, and an answer save
    # waiting on the lock then finds the attempt submitted and stores nothing.
    if db.session.scalar(select(Attempt.status).where(Attempt.id == attempt.id)
                         .with_for_update()) != AttemptStatus.IN_PROGRESS:
        db.session.refresh(attempt)
        return False
    now = now or clock.now()
    if questions is None:
        questions = grading_questions(attempt)
    answers = {answer.question_id: answer for answer in db.session.scalars(
        select(Answer).where(Answer.attempt_id == attempt.id)
        .execution_options(populate_existing=True))}
    score, max_score = Decimal(0), Decimal(0)
    for question_id in attempt.question_order:
        question = questions.get(question_id)
        if question is None:
            continue  # deleted from the bank since: it counts for nobody
        max_score += Decimal(question.points)
        answer = answers.get(question_id)
        if answer is not None:
            answer.points = scoring.score_question(question, answer.response)
            score += answer.points
    attempt.score = score
    attempt.max_score = max_score
    attempt.percent = scoring.percent_of(score, max_score)
    attempt.status = AttemptStatus.SUBMITTED
    attempt.submitted_at = now
    db.session.flush()
    record(actor, "attempt.submit", attempt,
           after={"score": str(score), "max_score": str(max_score),
                  "percent": str(attempt.percent)})
    # The first attempt is the only submitted one: no need to ask for the best.
    best = attempt.percent if attempt.number == 1 else db.session.scalar(
        select(func.max(Attempt.percent)).where(
            Attempt.assessment_id == attempt.assessment_id,
            Attempt.enrolment_id == attempt.enrolment_id,
            Attempt.status == AttemptStatus.SUBMITTED))
    set_grade(attempt.assessment, attempt.enrolment, best if best is not None else 0,
              actor=actor, source=GradeSource.AUTO)
    return True


def submit_if_expired(actor, attempt: Attempt, due_at: datetime | None, *,
                      now: datetime | None = None) -> bool:
    """Lazy deadline enforcement: any view of an expired attempt submits it first."""
    if is_expired(attempt, due_at, now or clock.now()):
        return submit_attempt(actor, attempt, now=now)
    return False

