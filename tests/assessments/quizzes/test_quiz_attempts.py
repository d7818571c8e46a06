"""Taking a quiz: start or resume, answers saved once, the deadline kept by the server,
grading through set_grade, review visibility, JSON saves and a constant query count."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import pytest

from lms.assessments.models import AssessmentWindow, Grade, GradeSource
from lms.assessments.quizzes import services as quiz_services
from lms.assessments.quizzes.models import Answer, Attempt, QuestionTranslation
from lms.extensions import db
from lms.kernel import clock
from tests.assessments.factories import add_to_quiz, make_question
from tests.assessments.quizzes.helpers import (
    QuizWorld,
    answers_of,
    attempts_of,
    build_world,
    count,
    grade_of,
    now,
    past,
    right_option,
    wrong_option,
)
from tests.conftest import csrf_token, new_browser, page_text, submit
from tests.conftest import sign_in_quickly as login

CONFIRMED = {"confirm": "yes"}  # what the finish page's form sends


@pytest.fixture
def world(database) -> QuizWorld:
    return build_world()


@pytest.fixture
def browser(app, database):
    """``browser()`` opens one more browser (a client with cookies of its own)."""
    return lambda: new_browser(app)


def start(client, world):
    response = submit(client, world.quiz_url("/start"), form_url=world.quiz_url())
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def started(client, world) -> Attempt:
    login(client, world.trainee)
    start(client, world)
    db.session.expire_all()
    return attempts_of(world)[-1]


def save(client, world, attempt, question, q: int = 1, **fields):
    data = {"question_id": str(question.id), "q": str(q)}
    data.update(fields)
    return submit(client, world.attempt_url(attempt, "/answers"), data,
                  form_url=world.attempt_url(attempt))


def answer_all(client, world, attempt, right: bool = True) -> None:
    for index, question in enumerate(world.questions, start=1):
        option = right_option(question) if right else wrong_option(question)
        assert save(client, world, attempt, question, index,
                    option=str(option)).status_code == 302


# ---------------------------------------------------------------- intro

def test_intro_shows_the_quiz_and_a_start_button(client, world):
    world.quiz.time_limit_minutes = 20
    login(client, world.trainee)
    response = client.get(world.quiz_url())
    assert response.status_code == 200
    text = page_text(response)
    assert "Knowledge test" in text
    assert "Questions 3" in text
    assert "20 minutes" in text
    assert "0 of 2 used" in text
    assert "partial credit" in text and "never scores below 0" in text
    assert "Start the quiz" in text


@pytest.mark.parametrize("role", ["instructor", "coordinator"])
def test_teachers_see_the_intro_without_start(client, world, role):
    login(client, getattr(world, role))
    response = client.get(world.quiz_url())
    assert response.status_code == 200
    assert "Start the quiz" not in page_text(response)


def test_teachers_see_the_cohort_attempts_in_constant_queries(client, browser, world,
                                                              count_queries):
    started(client, world)
    teacher = browser()
    login(teacher, world.instructor)
    teacher.get(world.quiz_url())
    with count_queries() as counter:
        text = page_text(teacher.get(world.quiz_url()))
    assert f"Attempt 1 of {world.trainee.full_name}" in text
    few = counter.count
    classmate = browser()
    login(classmate, world.classmate)
    start(classmate, world)
    with count_queries() as counter:
        text = page_text(teacher.get(world.quiz_url()))
    assert world.classmate.full_name in text
    assert counter.count == few


@pytest.mark.parametrize("role", ["outsider", "other_instructor", "other_coordinator"])
def test_outsiders_may_not_see_the_quiz(client, world, role):
    login(client, getattr(world, role))
    assert client.get(world.quiz_url()).status_code == 403


def test_a_quiz_of_another_course_is_not_found(client, world):
    from tests.assessments.factories import make_assessment

    other = make_assessment()
    login(client, world.trainee)
    assert client.get(f"/cohorts/{world.cohort.id}/quizzes/{other.id}").status_code == 404


# ---------------------------------------------------------------- start and resume

def test_start_creates_the_first_attempt_in_quiz_order(client, world):
    attempt = started(client, world)
    assert attempt.number == 1
    assert attempt.status == "in_progress"
    assert attempt.question_order == [q.id for q in world.questions]
    assert attempt.deadline_at is None


def test_start_with_a_time_limit_sets_the_deadline(client, world):
    world.quiz.time_limit_minutes = 30
    attempt = started(client, world)
    deadline = clock.as_utc(attempt.deadline_at)
    assert timedelta(minutes=29) < deadline - now() <= timedelta(minutes=30)


def test_starting_again_resumes_the_attempt_in_progress(client, world):
    first = started(client, world)
    response = start(client, world)
    assert f"/attempts/{first.id}" in response.headers["Location"]
    db.session.expire_all()
    assert [a.id for a in attempts_of(world)] == [first.id]


def test_the_service_never_makes_two_attempts_in_progress(database, world):
    first, resumed = quiz_services.start_attempt(world.trainee, world.quiz, world.enrolment)
    again, resumed_again = quiz_services.start_attempt(world.trainee, world.quiz, world.enrolment)
    assert (resumed, resumed_again) == (False, True)
    assert again.id == first.id
    assert count(Attempt) == 1


def test_shuffled_order_is_a_fixed_permutation(client, world, monkeypatch):
    world.quiz.shuffle_questions = True
    monkeypatch.setattr(random.Random, "shuffle", lambda self, items: items.reverse())
    attempt = started(client, world)
    assert attempt.question_order == [q.id for q in reversed(world.questions)]


def test_attempts_allowed_is_enforced(client, world):
    login(client, world.trainee)
    for _ in range(2):
        start(client, world)
        db.session.expire_all()
        attempt = attempts_of(world)[-1]
        assert submit(client, world.attempt_url(attempt, "/submit"), CONFIRMED,
                      form_url=world.quiz_url()).status_code == 302
    response = start(client, world)
    assert response.headers["Location"].endswith(world.quiz_url())
    db.session.expire_all()
    assert len(attempts_of(world)) == 2
    page = page_text(client.get(world.quiz_url()))
    assert "You have used all your attempts at this quiz." in page
    assert "Start the quiz" not in page


@pytest.mark.parametrize(("opens", "due", "message"), [
    (timedelta(days=1), None, "This quiz is not open yet."),
    (None, timedelta(days=-1), "This quiz is closed."),
])
def test_start_outside_the_window_is_refused(client, world, opens, due, message):
    db.session.add(AssessmentWindow(
        assessment_id=world.quiz.id, cohort_id=world.cohort.id,
        opens_at=now() + opens if opens else None, due_at=now() + due if due else None))
    login(client, world.trainee)
    start(client, world)
    db.session.expire_all()
    assert attempts_of(world) == []
    assert message in page_text(client.get(world.quiz_url()))


def test_a_withdrawn_trainee_cannot_start(client, world):
    world.enrolment.status = "withdrawn"
    login(client, world.trainee)
    token = csrf_token(client, "/profile")
    assert client.post(world.quiz_url("/start"), data={"csrf_token": token}).status_code == 403


# ---------------------------------------------------------------- the attempt page and saving

def test_attempt_page_shows_one_question_and_the_navigator(client, world):
    attempt = started(client, world)
    response = client.get(world.attempt_url(attempt, "?q=2"))
    assert response.status_code == 200
    text = page_text(response)
    assert "Question 2 of 3" in text
    assert "Question number 2?" in text and "Question number 1?" not in text
    assert "1 (not answered)" in text and "3 (not answered)" in text
    assert "Time left" not in text


def test_saving_twice_keeps_one_answer_with_the_last_response(client, world):
    attempt = started(client, world)
    question = world.questions[0]
    assert save(client, world, attempt, question, option=str(wrong_option(question)),
                go="next").status_code == 302
    response = save(client, world, attempt, question, option=str(right_option(question)),
                    go="next")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("q=2")
    answers = answers_of(attempt)
    assert len(answers) == 1
    assert answers[0].response == {"options": [right_option(question)]}
    page = client.get(world.attempt_url(attempt, "?q=1")).get_data(as_text=True)
    assert f'value="{right_option(question)}" checked' in page
    assert "1 (answered)" in page_text(client.get(world.attempt_url(attempt, "?q=2")))


def test_the_navigator_and_previous_buttons_choose_the_next_page(client, world):
    attempt = started(client, world)
    q2 = world.questions[1]
    response = save(client, world, attempt, q2, 2, option=str(right_option(q2)), go="3")
    assert response.headers["Location"].endswith("q=3")
    response = save(client, world, attempt, q2, 2, go="prev")
    assert response.headers["Location"].endswith("q=1")


def test_a_save_after_the_deadline_and_grace_is_refused_and_submits(client, world):
    attempt = started(client, world)
    first = world.questions[0]
    save(client, world, attempt, first, option=str(right_option(first)))
    token = csrf_token(client, world.attempt_url(attempt))
    attempt.deadline_at = past(quiz_services.GRACE.seconds + 5)
    db.session.commit()
    second = world.questions[1]
    response = client.post(world.attempt_url(attempt, "/answers"), data={
        "csrf_token": token, "question_id": str(second.id), "q": "2",
        "option": str(right_option(second))})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(world.attempt_url(attempt, "/review"))
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.status == "submitted"
    assert [a.question_id for a in answers_of(attempt)] == [first.id]
    assert attempt.score == Decimal("1.00")
    text = page_text(client.get(response.headers["Location"]))
    assert "Time is up" in text and "was not saved" in text


def test_a_save_within_the_grace_is_kept(client, world):
    attempt = started(client, world)
    attempt.deadline_at = past(10)
    db.session.commit()
    question = world.questions[0]
    assert save(client, world, attempt, question,
                option=str(right_option(question))).status_code == 302
    assert len(answers_of(attempt)) == 1


def test_opening_an_expired_attempt_submits_it(client, world):
    attempt = started(client, world)
    attempt.deadline_at = past(120)
    db.session.commit()
    response = client.get(world.attempt_url(attempt))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/review")
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).status == "submitted"
    assert grade_of(world).percent == Decimal("0.00")


def test_the_timer_is_shown_as_text(client, world):
    world.quiz.time_limit_minutes = 10
    attempt = started(client, world)
    response = client.get(world.attempt_url(attempt))
    text = page_text(response)
    assert "Time left: 9:5" in text or "Time left: 10:00" in text
    assert "quiz.js" in response.get_data(as_text=True)


def test_a_number_that_is_not_one_is_refused(client, world):
    numeric = make_question(world.course, "numeric", text="Hours in a day?", options=(),
                            numeric_answer=Decimal("24"), tolerance=Decimal("0"))
    add_to_quiz(world.quiz, numeric)
    attempt = started(client, world)
    response = save(client, world, attempt, numeric, 4, value="twenty-four")
    assert response.status_code == 422
    assert "Enter a number" in page_text(response)
    assert answers_of(attempt) == []
    assert save(client, world, attempt, numeric, 4, value="24,0").status_code == 302
    assert answers_of(attempt)[0].response == {"value": "24,0"}


def test_question_text_follows_the_trainee_language(client, world):
    question = world.questions[0]
    question.translations.append(QuestionTranslation(locale="es", text="¿Pregunta uno?"))
    world.trainee.locale = "es"
    attempt = started(client, world)
    assert "¿Pregunta uno?" in page_text(client.get(world.attempt_url(attempt, "?q=1")))


# ---------------------------------------------------------------- JSON saves

def test_json_save(client, world):
    attempt = started(client, world)
    question = world.questions[2]
    token = csrf_token(client, world.attempt_url(attempt))
    for _ in range(2):
        response = client.post(
            world.attempt_url(attempt, "/answers"),
            json={"question_id": question.id, "options": [right_option(question)]},
            headers={"Accept": "application/json", "X-CSRFToken": token})
        assert response.status_code == 200
        body = response.get_json()
        assert body["saved"] is True
        assert body["question_id"] == question.id
        assert body["saved_at"]
    assert len(answers_of(attempt)) == 1


def test_json_save_with_finish_submits(client, world):
    attempt = started(client, world)
    question = world.questions[0]
    token = csrf_token(client, world.attempt_url(attempt))
    response = client.post(
        world.attempt_url(attempt, "/answers"),
        json={"question_id": question.id, "options": [right_option(question)], "finish": True},
        headers={"Accept": "application/json", "X-CSRFToken": token})
    assert response.get_json()["submitted"] is True
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).status == "submitted"
    assert grade_of(world).percent == Decimal("33.33")


def test_json_save_with_form_data_and_without_csrf(client, world):
    attempt = started(client, world)
    question = world.questions[0]
    token = csrf_token(client, world.attempt_url(attempt))
    response = client.post(world.attempt_url(attempt, "/answers"), data={
        "question_id": str(question.id), "option": str(right_option(question))},
        headers={"Accept": "application/json", "X-CSRFToken": token})
    assert response.get_json()["saved"] is True
    refused = client.post(world.attempt_url(attempt, "/answers"), data={
        "question_id": str(question.id), "option": str(wrong_option(question))},
        headers={"Accept": "application/json"})
    assert refused.status_code == 400
    assert answers_of(attempt)[0].response == {"options": [right_option(question)]}


def test_json_save_after_the_deadline_is_refused(client, world):
    attempt = started(client, world)
    token = csrf_token(client, world.attempt_url(attempt))
    attempt.deadline_at = past(300)
    db.session.commit()
    response = client.post(
        world.attempt_url(attempt, "/answers"),
        json={"question_id": world.questions[0].id, "options": []},
        headers={"Accept": "application/json", "X-CSRFToken": token})
    assert response.status_code == 409
    assert response.get_json()["saved"] is False
    assert answers_of(attempt) == []


# ---------------------------------------------------------------- submit and grade

def test_submit_grades_and_writes_the_best_attempt_grade(client, world):
    attempt = started(client, world)
    answer_all(client, world, attempt, right=True)
    wrong = world.questions[2]
    save(client, world, attempt, wrong, 3, option=str(wrong_option(wrong)))
    response = submit(client, world.attempt_url(attempt, "/submit"), CONFIRMED,
                      form_url=world.attempt_url(attempt))
    assert response.status_code == 302
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt.id)
    assert (attempt.status, attempt.score, attempt.max_score, attempt.percent) == (
        "submitted", Decimal("2.00"), Decimal("3.00"), Decimal("66.67"))
    assert attempt.submitted_at is not None
    assert sorted(a.points for a in answers_of(attempt)) == [Decimal(0), Decimal(1), Decimal(1)]
    grade = grade_of(world)
    assert (grade.percent, grade.passed, grade.source) == (
        Decimal("66.67"), False, GradeSource.AUTO)

    # A worse second attempt leaves the best grade; submitting again changes nothing.
    start(client, world)
    db.session.expire_all()
    second = attempts_of(world)[-1]
    assert second.number == 2
    answer_all(client, world, second, right=False)
    submit(client, world.attempt_url(second, "/answers"),
           {"question_id": str(world.questions[0].id), "q": "1", "finish": "1", **CONFIRMED},
           form_url=world.attempt_url(second))
    db.session.expire_all()
    assert db.session.get(Attempt, second.id).percent == Decimal("0.00")
    assert grade_of(world).percent == Decimal("66.67")
    response = submit(client, world.attempt_url(second, "/submit"), CONFIRMED,
                      form_url=world.quiz_url())
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(Grade)) == 1
    assert grade_of(world).percent == Decimal("66.67")


def test_finish_saves_the_answer_then_submits(client, world):
    attempt = started(client, world)
    answer_all(client, world, attempt)
    last = world.questions[2]
    response = save(client, world, attempt, last, 3, option=str(right_option(last)),
                    finish="1", confirm="yes")
    assert response.headers["Location"].endswith("/review")
    db.session.expire_all()
    assert grade_of(world).percent == Decimal("100.00")
    assert grade_of(world).passed is True


def test_answers_cannot_change_after_submission(client, world):
    attempt = started(client, world)
    token = csrf_token(client, world.attempt_url(attempt))
    submit(client, world.attempt_url(attempt, "/submit"), CONFIRMED,
           form_url=world.attempt_url(attempt))
    question = world.questions[0]
    response = client.post(world.attempt_url(attempt, "/answers"), data={
        "csrf_token": token, "question_id": str(question.id),
        "option": str(right_option(question))})
    assert response.status_code == 302
    assert answers_of(attempt) == []


# ---------------------------------------------------------------- review and privacy

def submitted_attempt(client, world) -> Attempt:
    attempt = started(client, world)
    answer_all(client, world, attempt)
    submit(client, world.attempt_url(attempt, "/submit"), CONFIRMED,
           form_url=world.attempt_url(attempt))
    return attempt


def test_review_shows_answers_and_feedback_when_allowed(client, world):
    world.questions[0].feedback = "See chapter 3."
    world.questions[0].options[0].feedback = "Exactly."
    attempt = submitted_attempt(client, world)
    text = page_text(client.get(world.attempt_url(attempt, "/review")))
    assert "3 of 3 points" in text
    assert "Question number 1?" in text
    assert "(your choice)" in text and "correct" in text
    assert "See chapter 3." in text and "Exactly." in text


def test_review_shows_only_the_score_when_not_allowed(client, world):
    world.quiz.review_allowed = False
    attempt = submitted_attempt(client, world)
    text = page_text(client.get(world.attempt_url(attempt, "/review")))
    assert "Percentage 100%" in text
    assert "Question number 1?" not in text


@pytest.mark.parametrize("role", ["instructor", "coordinator"])
def test_teachers_of_the_cohort_see_the_review(client, browser, world, role):
    world.quiz.review_allowed = False  # hides the answers from the trainee, not from teachers
    attempt = submitted_attempt(client, world)
    teacher = browser()
    login(teacher, getattr(world, role))
    response = teacher.get(world.attempt_url(attempt, "/review"))
    assert response.status_code == 200
    assert world.trainee.full_name in page_text(response)
    assert "Question number 1?" in page_text(response)


@pytest.mark.parametrize("role", ["classmate", "outsider", "other_instructor",
                                  "other_coordinator"])
def test_nobody_else_sees_or_touches_an_attempt(client, browser, world, role):
    attempt = started(client, world)
    other = browser()
    login(other, getattr(world, role))
    for suffix in ("", "/review"):
        assert other.get(world.attempt_url(attempt, suffix)).status_code == 403
    token = csrf_token(other, "/profile")
    question = world.questions[0]
    for suffix in ("/answers", "/submit"):
        response = other.post(world.attempt_url(attempt, suffix), data={
            "csrf_token": token, "question_id": str(question.id),
            "option": str(right_option(question))})
        assert response.status_code == 403
    db.session.expire_all()
    assert answers_of(attempt) == []
    assert db.session.get(Attempt, attempt.id).status == "in_progress"


def test_an_attempt_under_another_cohort_address_is_not_found(client, world):
    attempt = started(client, world)
    url = f"/cohorts/{world.other_cohort.id}/attempts/{attempt.id}"
    assert client.get(url).status_code == 404


def test_anonymous_visitors_are_sent_to_login(client, browser, world):
    attempt = started(client, world)
    anonymous = browser()
    response = anonymous.get(world.attempt_url(attempt))
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


# ---------------------------------------------------------------- query count

def test_attempt_and_review_pages_do_not_grow_with_the_quiz(client, browser, database,
                                                           count_queries):
    counts = {}
    for size in (5, 40):
        world = build_world(questions=size)
        trainee = browser()
        attempt = started(trainee, world)
        for question in world.questions:
            save(trainee, world, attempt, question, option=str(right_option(question)))
        with count_queries() as counter:
            assert trainee.get(world.attempt_url(attempt, "?q=3")).status_code == 200
        attempt_queries = counter.count
        submit(trainee, world.attempt_url(attempt, "/submit"), CONFIRMED,
               form_url=world.quiz_url())
        with count_queries() as counter:
            assert trainee.get(world.attempt_url(attempt, "/review")).status_code == 200
        counts[size] = (attempt_queries, counter.count)
    assert counts[5] == counts[40]
    assert count(Answer) == 45


@pytest.mark.parametrize("body", [b"[" * 200_000 + b"]" * 200_000,
                                  b'{"question_id": 1, "q": ' + b"[" * 5000 + b"]" * 5000 + b"}"])
def test_json_nested_too_deep_is_refused_not_a_500(client, world, body):
    attempt = started(client, world)
    token = csrf_token(client, world.attempt_url(attempt))
    response = client.post(world.attempt_url(attempt, "/answers"), data=body,
                           content_type="application/json", headers={"X-CSRFToken": token})
    assert response.status_code == 400


@pytest.mark.parametrize("go", ["²", 3, ["next"], {"q": 1}])
def test_a_go_that_is_not_a_question_number_stays_on_the_question(client, world, go):
    attempt = started(client, world)
    question = world.questions[0]
    token = csrf_token(client, world.attempt_url(attempt))
    response = client.post(world.attempt_url(attempt, "/answers"),
                           json={"question_id": question.id, "go": go, "options": []},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 302
    if isinstance(go, str):  # the same through the page's form
        assert save(client, world, attempt, question, 1, go=go).status_code == 302
