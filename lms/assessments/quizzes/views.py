"""Taking a quiz: intro, start or resume, one question per page, submit, review.

"Save and finish" leads to a summary (answered and unanswered questions, time and
attempts left); only its form, which sends ``confirm``, submits from a browser. A JSON
save with ``finish`` and the timer at zero (quiz.js adds ``confirm``) submit at once.

A trainee acts on their own seated enrolment in the cohort; the cohort's
instructors and coordinators may read the intro and every attempt's review.
The server keeps the time: answers after the deadline plus ``GRACE`` are
refused, and any view of an attempt past that point submits it first.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from lms.assessments.grades import window_for
from lms.assessments.quizzes import queries, services
from lms.assessments.quizzes.models import Attempt, AttemptStatus, QuestionKind
from lms.assessments.quizzes.scoring import chosen_option_ids
from lms.cohorts.models import SEATED
from lms.errors import DomainError
from lms.kernel import clock
from lms.web import body as json_body
from lms.web.database import one_statement_writes, reads_first
from lms.web.input import MAX_INT, bounded_int
from lms.web.pages import UNPROCESSABLE, page_number
from lms.web.permissions import require

bp = Blueprint("quizzes", __name__)

CONFLICT = 409
CONFIRM = "yes"  # the value of the ``confirm`` field that makes a form POST submit an attempt


# ---------------------------------------------------------------- helpers

def _owns(attempt: Attempt) -> bool:
    return current_user.is_authenticated and attempt.enrolment.user_id == current_user.id \
        and attempt.enrolment.seated


def _wants_json() -> bool:
    accept = request.accept_mimetypes
    return accept.best == "application/json" or (
        accept.accept_json and not accept.accept_html)


def _remaining_seconds(deadline: datetime | None, now: datetime) -> int | None:
    if deadline is None:
        return None
    return max(int((deadline - now).total_seconds()), 0)


def countdown(seconds: int | None) -> str:
    """``1:05:09`` or ``5:09``: digits only, the same in every language."""
    if seconds is None:
        return ""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def option_label(question, option) -> str:
    """What a trainee reads for an option: true/false in the interface language."""
    if question.kind == QuestionKind.TRUE_FALSE:
        return _("True") if option.text == services.TRUE_TEXT else _("False")
    return option.in_locale("text")


def _quiz_or_404(cohort_id: int, assessment_id: int):
    found = queries.quiz_in_cohort(cohort_id, assessment_id)
    if found is None:
        abort(404)
    return found


def _attempt_or_404(cohort_id: int, attempt_id: int) -> Attempt:
    return queries.attempt_in_cohort(attempt_id, cohort_id) or abort(404)


# ---------------------------------------------------------------- intro and start

@bp.get("/cohorts/<int:cohort_id>/quizzes/<int:assessment_id>")
def quiz(cohort_id: int, assessment_id: int):
    cohort, quiz = _quiz_or_404(cohort_id, assessment_id)
    enrolment = queries.enrolment_of(current_user, cohort.id)
    require(cohort.can_view(current_user, enrolment))
    trainee = enrolment if enrolment is not None and enrolment.seated else None
    opens_at, due_at = window_for(quiz, cohort)
    now = clock.now()
    attempts, current = [], None
    if trainee is not None:
        attempts = queries.attempts_of(quiz, trainee)
        for attempt in attempts:
            services.submit_if_expired(current_user, attempt, due_at, now=now)
        current = next((a for a in attempts if a.status == AttemptStatus.IN_PROGRESS), None)
    used = len(attempts)
    allowed = quiz.attempts_allowed
    state = services.window_state(opens_at, due_at, now)
    can_start = trainee is not None and (current is not None or (
        state == "open" and (allowed is None or used < allowed)))
    can_teach = cohort.can_teach(current_user)
    page = page_number()
    return render_template(
        "assessments/quiz_intro.html", cohort=cohort, course=cohort.course, quiz=quiz,
        cohort_attempts=queries.cohort_attempts(quiz, cohort, page) if can_teach else None,
        summary=queries.quiz_summary(quiz), attempts=attempts, current=current, used=used,
        allowed=allowed, opens_at=opens_at, due_at=due_at, state=state,
        can_start=can_start, trainee=trainee, can_teach=can_teach,
        number=format_decimal)


@bp.post("/cohorts/<int:cohort_id>/quizzes/<int:assessment_id>/start")
def start(cohort_id: int, assessment_id: int):
    with reads_first():  # start_attempt checks again, under its lock, what it relies on
        cohort, quiz = _quiz_or_404(cohort_id, assessment_id)
        enrolment = queries.enrolment_of(current_user, cohort.id)
        require(enrolment is not None and enrolment.seated)
    try:
        attempt, resumed = services.start_attempt(current_user, quiz, enrolment)
    except DomainError as error:
        # A redirect, not an error status: an expired attempt submitted on the way stays so.
        flash(error.message, "error")
        return redirect(url_for(".quiz", cohort_id=cohort.id, assessment_id=quiz.id))
    if resumed:
        flash(_("Your attempt is still in progress: carry on where you left off."), "info")
    return redirect(url_for(".attempt", cohort_id=cohort.id, attempt_id=attempt.id, q=1))


# ---------------------------------------------------------------- one question per page

def _index(attempt: Attempt, value) -> int:
    total = len(attempt.question_order or [])
    index = bounded_int(value, minimum=-MAX_INT)  # JSON may send 1e999: inf
    return min(max(index if index is not None else 1, 1), max(total, 1))


def _render_attempt(attempt: Attempt, due_at, index: int, *, error: str | None = None,
                    response: dict | None = None, status: int = 200):
    order = attempt.question_order or []
    question = queries.question(order[index - 1]) if order else None
    answers = queries.saved_answers(attempt)
    if response is None:
        saved = answers.get(question.id) if question is not None else None
        response = saved.response if saved is not None else {}
    now = clock.now()
    deadline = services.effective_deadline(attempt, due_at)
    remaining = _remaining_seconds(deadline, now)
    cohort = attempt.enrolment.cohort
    return render_template(
        "assessments/quiz_attempt.html", attempt=attempt, cohort=cohort, quiz=attempt.assessment,
        question=question, index=index, total=len(order), order=order,
        answered={qid for qid, answer in answers.items() if _has_response(answer.response)},
        response=response or {}, error=error, remaining=remaining, clock=countdown(remaining),
        option_label=option_label, number=format_decimal,
        chosen={int(i) for i in (response or {}).get("options", []) if str(i).isdigit()},
    ), status


def _has_response(response: dict | None) -> bool:
    response = response or {}
    return bool(response.get("options") or str(response.get("text") or "").strip()
                or str(response.get("value") or "").strip())


def _time_up(attempt: Attempt, cohort_id: int):
    flash(_("Time is up: your attempt has been submitted with the answers saved so far."),
          "warning")
    return redirect(url_for(".review", cohort_id=cohort_id, attempt_id=attempt.id))


@bp.get("/cohorts/<int:cohort_id>/attempts/<int:attempt_id>")
def attempt(cohort_id: int, attempt_id: int):
    attempt, due_at, elsewhere = _still_open(cohort_id, attempt_id)
    if elsewhere is not None:
        return elsewhere
    return _render_attempt(attempt, due_at, _index(attempt, request.args.get("q")))


def _still_open(cohort_id: int, attempt_id: int):
    """The trainee's own attempt and its due time, and the response that replaces the
    page when the attempt is over (its review) or its time has just run out."""
    attempt = _attempt_or_404(cohort_id, attempt_id)
    require(_owns(attempt))
    if attempt.status == AttemptStatus.SUBMITTED:
        return attempt, None, redirect(url_for(".review", cohort_id=cohort_id,
                                               attempt_id=attempt.id))
    _opens, due_at = window_for(attempt.assessment, attempt.enrolment.cohort)
    if services.submit_if_expired(current_user, attempt, due_at):
        return attempt, due_at, _time_up(attempt, cohort_id)
    return attempt, due_at, None


def _submitted_values() -> dict:
    """The answer as sent: a form (browser) or a JSON body (script)."""
    if request.is_json:
        try:  # the API's strict reader: a body nested too deep is no RecursionError
            body = json_body.parse(request)
        except json_body.BadBody:
            body = None
        body = body if isinstance(body, dict) else {}  # a list, a string, bad JSON: nothing
        options = body.get("options") or []
        return {"question_id": body.get("question_id"), "q": body.get("q"),
                "options": [str(o) for o in options] if isinstance(options, list) else [],
                "text": body.get("text"), "value": body.get("value"),
                "go": body.get("go"), "finish": body.get("finish"), "confirm": True}
    form = request.form
    return {"question_id": form.get("question_id"), "q": form.get("q"),
            "options": form.getlist("option"), "text": form.get("text"),
            "value": form.get("value"), "go": form.get("go"), "finish": form.get("finish"),
            "confirm": _confirmed()}


def _confirmed() -> bool:
    """The finish page's confirmation (or the timer's, at zero): a submit is deliberate."""
    return request.form.get("confirm") == CONFIRM


def _save_quickly(cohort_id: int, attempt_id: int):
    """The exam-rush path: a JSON save of an attempt in progress: two reads, one write.

    A whole cohort repeats this request during a timed exam. It reads plain values
    with Core instead of loading ORM objects. Anything out of the ordinary (not the
    owner's, submitted, past the deadline, bad input, finishing) returns None and
    takes the full path below, which says why.
    """
    values = _submitted_values()
    question_id = bounded_int(values["question_id"])
    if question_id is None:
        return None
    if values["finish"]:
        return None
    with one_statement_writes():  # the upsert is the only write
        with reads_first():
            target = queries.save_target(attempt_id, cohort_id, question_id) or abort(404)
            require(current_user.is_authenticated and target.user_id == current_user.id
                    and target.enrolment_status in SEATED)
        now = clock.now()
        if target.status != AttemptStatus.IN_PROGRESS \
                or services.past_deadline(target.deadline_at, target.due_at, now):
            return None
        if question_id not in target.question_order or target.question_kind is None:
            return None
        try:
            response = services.clean_response_for(target.question_kind, target.option_ids,
                                                   values)
        except DomainError:
            return None
        if not services.store_answer(target.attempt_id, question_id, response, now):
            return None  # submitted meanwhile: the full path says so
    return jsonify(saved=True, question_id=question_id, saved_at=now.isoformat(),
                   submitted=False)


@bp.post("/cohorts/<int:cohort_id>/attempts/<int:attempt_id>/answers")
def save(cohort_id: int, attempt_id: int):
    if _wants_json():
        quick = _save_quickly(cohort_id, attempt_id)
        if quick is not None:
            return quick
    attempt = queries.attempt_to_save_into(attempt_id, cohort_id) or abort(404)
    require(_owns(attempt))
    as_json = _wants_json()
    values = _submitted_values()
    if attempt.status == AttemptStatus.SUBMITTED:
        message = services.submitted_message()
        if as_json:
            return jsonify(saved=False, submitted=True, error=message), CONFLICT
        flash(message, "info")
        return redirect(url_for(".review", cohort_id=cohort_id, attempt_id=attempt.id))
    question_id = bounded_int(values["question_id"])
    if question_id is None:
        abort(400)
    if question_id not in (attempt.question_order or []):
        abort(404)
    question = queries.question_to_answer(question_id) or abort(404)
    index = _index(attempt, values["q"])
    try:
        saved_at = services.save_answer(current_user, attempt, question, values)
    except services.DeadlinePassed as refused:
        if as_json:
            # The error status rolls back; the next view of the attempt submits it again.
            return jsonify(saved=False, submitted=True, error=refused.message), CONFLICT
        flash(refused.message, "error")
        return redirect(url_for(".review", cohort_id=cohort_id, attempt_id=attempt.id))
    except DomainError as error:
        if as_json:
            return jsonify(saved=False, error=error.message, field=error.field), UNPROCESSABLE
        _opens, due_at = window_for(attempt.assessment, attempt.enrolment.cohort)
        return _render_attempt(attempt, due_at, index, error=error.message,
                               response={"options": values["options"], "text": values["text"],
                                         "value": values["value"]},
                               status=UNPROCESSABLE)
    finish = bool(values["finish"])
    if finish and not values["confirm"] and not as_json:
        # "Save and finish" in a browser: the answer is kept, the summary asks to confirm.
        return redirect(url_for(".finish", cohort_id=cohort_id, attempt_id=attempt.id))
    if finish:
        services.submit_attempt(current_user, attempt)
    if as_json:
        return jsonify(saved=True, question_id=question.id, saved_at=saved_at.isoformat(),
                       submitted=finish)
    if finish:
        flash(_("Your attempt has been submitted."), "success")
        return redirect(url_for(".review", cohort_id=cohort_id, attempt_id=attempt.id))
    go = values["go"]  # from JSON, any type: bounded_int, not str.isdigit
    if go == "prev":
        index -= 1
    elif go == "next":
        index += 1
    elif (number := bounded_int(go)) is not None:
        index = number
    return redirect(url_for(".attempt", cohort_id=cohort_id, attempt_id=attempt.id,
                            q=_index(attempt, index)))


def _render_finish(attempt: Attempt, due_at, *, error: str | None = None, status: int = 200):
    order = attempt.question_order or []
    answers = queries.saved_answers(attempt)
    answered = [n for n, qid in enumerate(order, start=1)
                if qid in answers and _has_response(answers[qid].response)]
    unanswered = sorted(set(range(1, len(order) + 1)) - set(answered))
    remaining = _remaining_seconds(services.effective_deadline(attempt, due_at), clock.now())
    allowed = attempt.assessment.attempts_allowed
    left = None if allowed is None else max(allowed - queries.attempts_used(attempt), 0)
    return render_template(
        "assessments/quiz_finish.html", attempt=attempt, cohort=attempt.enrolment.cohort,
        quiz=attempt.assessment, total=len(order), answered=answered, unanswered=unanswered,
        remaining=remaining, clock=countdown(remaining), attempts_left=left, error=error,
        confirm=CONFIRM), status


@bp.get("/cohorts/<int:cohort_id>/attempts/<int:attempt_id>/finish")
def finish(cohort_id: int, attempt_id: int):
    attempt, due_at, elsewhere = _still_open(cohort_id, attempt_id)
    if elsewhere is not None:
        return elsewhere
    return _render_finish(attempt, due_at)


@bp.post("/cohorts/<int:cohort_id>/attempts/<int:attempt_id>/submit")
def submit(cohort_id: int, attempt_id: int):
    with reads_first():  # submit_attempt reads the status again under its lock
        attempt = _attempt_or_404(cohort_id, attempt_id)
        require(_owns(attempt))
        questions = services.grading_questions(attempt)
        confirmed = _confirmed()
        # Unconfirmed: refused, unless time is up (then any request submits).
        due_at = None if confirmed else window_for(attempt.assessment,
                                                   attempt.enrolment.cohort)[1]
    if not confirmed and attempt.status == AttemptStatus.IN_PROGRESS \
            and not services.is_expired(attempt, due_at, clock.now()):
        # One click must not use up an attempt: only the summary's form submits.
        return _render_finish(
            attempt, due_at, status=UNPROCESSABLE,
            error=_("Your attempt was not submitted: confirm on this page to submit it."))
    if services.submit_attempt(current_user, attempt, questions=questions):
        flash(_("Your attempt has been submitted."), "success")
    else:
        flash(_("This attempt was already submitted."), "info")
    return redirect(url_for(".review", cohort_id=cohort_id, attempt_id=attempt.id))


# ---------------------------------------------------------------- review

@bp.get("/cohorts/<int:cohort_id>/attempts/<int:attempt_id>/review")
def review(cohort_id: int, attempt_id: int):
    attempt = _attempt_or_404(cohort_id, attempt_id)
    cohort = attempt.enrolment.cohort
    owner = _owns(attempt)
    teacher = cohort.can_teach(current_user)
    require(owner or teacher)
    _opens, due_at = window_for(attempt.assessment, cohort)
    services.submit_if_expired(current_user, attempt, due_at)
    if attempt.status == AttemptStatus.IN_PROGRESS and owner:
        return redirect(url_for(".attempt", cohort_id=cohort_id, attempt_id=attempt.id))
    # Instructors always see the details; trainees when the quiz allows review.
    detailed = attempt.status == AttemptStatus.SUBMITTED and (
        teacher or attempt.assessment.review_allowed)
    questions = queries.attempt_questions(attempt) if detailed else []
    quiz = attempt.assessment
    allowed = quiz.attempts_allowed
    left = None if allowed is None else max(allowed - queries.attempts_used(attempt), 0)
    passed = None if attempt.percent is None else attempt.percent >= quiz.pass_mark
    return render_template(
        "assessments/quiz_review.html", attempt=attempt, cohort=cohort, quiz=quiz,
        owner=owner, detailed=detailed, questions=questions, passed=passed, attempts_left=left,
        answers=queries.saved_answers(attempt) if detailed else {},
        option_label=option_label, chosen_ids=_chosen_ids, number=format_decimal)


def _chosen_ids(answer) -> set[int]:
    return set(chosen_option_ids(answer.response if answer is not None else None))
