"""Finishing a quiz: "Save and finish" shows a summary first; only its confirmation submits.

The review then says whether the attempt passed and how many attempts are left.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from lms.assessments.quizzes.models import Attempt
from lms.extensions import db
from tests.assessments.quizzes.helpers import (
    QuizWorld,
    attempts_of,
    build_world,
    right_option,
    wrong_option,
)
from tests.conftest import csrf_token, new_browser, page_text, submit
from tests.conftest import sign_in_quickly as login


@pytest.fixture
def world(database) -> QuizWorld:
    return build_world(questions=6)


def started(client, world) -> Attempt:
    login(client, world.trainee)
    response = submit(client, world.quiz_url("/start"), form_url=world.quiz_url())
    assert response.status_code == 302
    db.session.expire_all()
    return attempts_of(world)[-1]


def save_and_finish(client, world, attempt, option: int, **extra):
    question = world.questions[0]
    return submit(client, world.attempt_url(attempt, "/answers"),
                  {"question_id": str(question.id), "q": "1", "option": str(option),
                   "finish": "1", **extra}, form_url=world.attempt_url(attempt))


def status_of(attempt) -> str:
    db.session.expire_all()
    return db.session.get(Attempt, attempt.id).status


def test_save_and_finish_saves_then_shows_a_summary_without_submitting(client, world):
    attempt = started(client, world)
    response = save_and_finish(client, world, attempt, right_option(world.questions[0]))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(world.attempt_url(attempt, "/finish"))
    assert status_of(attempt) == "in_progress"

    page = client.get(world.attempt_url(attempt, "/finish"))
    assert page.status_code == 200
    text = page_text(page)
    assert "1 of 6 questions" in text
    assert "5 questions not answered" in text
    assert "1 more attempt after this one" in text
    html = page.get_data(as_text=True)
    for n in range(2, 7):  # each unanswered question links back to its page
        assert f'href="{world.attempt_url(attempt, f"?q={n}")}"' in html
    assert status_of(attempt) == "in_progress"


def test_the_summary_shows_the_time_left_of_a_timed_quiz(client, world, frozen_clock):
    world.quiz.time_limit_minutes = 20
    attempt = started(client, world)
    frozen_clock.advance(timedelta(minutes=5))
    text = page_text(client.get(world.attempt_url(attempt, "/finish")))
    assert "Time left 15:00" in " ".join(text.split())


def test_confirming_on_the_summary_submits(client, world):
    attempt = started(client, world)
    save_and_finish(client, world, attempt, right_option(world.questions[0]))
    response = submit(client, world.attempt_url(attempt, "/submit"), {"confirm": "yes"},
                      form_url=world.attempt_url(attempt, "/finish"))
    assert response.headers["Location"].endswith("/review")
    assert status_of(attempt) == "submitted"


@pytest.mark.parametrize("fields", [{}, {"confirm": ""}, {"confirm": "no"}])
def test_a_submit_without_confirmation_is_refused_and_changes_nothing(client, world, fields):
    attempt = started(client, world)
    response = submit(client, world.attempt_url(attempt, "/submit"), fields,
                      form_url=world.attempt_url(attempt))
    assert response.status_code == 422
    assert "Your attempt was not submitted" in page_text(response)
    assert status_of(attempt) == "in_progress"
    assert len(attempts_of(world)) == 1


def test_the_timer_at_zero_still_submits_at_once(client, world):
    """quiz.js adds the confirmation when time is up: no summary in the way."""
    attempt = started(client, world)
    response = save_and_finish(client, world, attempt, right_option(world.questions[0]),
                               confirm="yes")
    assert response.headers["Location"].endswith("/review")
    assert status_of(attempt) == "submitted"


def test_a_json_finish_still_submits(client, world):
    attempt = started(client, world)
    token = csrf_token(client, world.attempt_url(attempt))
    question = world.questions[0]
    response = client.post(world.attempt_url(attempt, "/answers"), json={
        "question_id": question.id, "options": [right_option(question)], "finish": True},
        headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert response.get_json()["submitted"] is True
    assert status_of(attempt) == "submitted"


def test_someone_else_cannot_see_the_summary(client, world):
    attempt = started(client, world)
    other = new_browser(client.application)
    login(other, world.classmate)
    assert other.get(world.attempt_url(attempt, "/finish")).status_code == 403


def test_the_summary_of_a_submitted_attempt_goes_to_the_review(client, world):
    attempt = started(client, world)
    submit(client, world.attempt_url(attempt, "/submit"), {"confirm": "yes"},
           form_url=world.attempt_url(attempt))
    response = client.get(world.attempt_url(attempt, "/finish"))
    assert response.headers["Location"].endswith("/review")


def finished(client, world, right: bool) -> Attempt:
    attempt = started(client, world)
    for n, question in enumerate(world.questions, start=1):
        option = right_option(question) if right else wrong_option(question)
        submit(client, world.attempt_url(attempt, "/answers"),
               {"question_id": str(question.id), "q": str(n), "option": str(option)},
               form_url=world.attempt_url(attempt))
    submit(client, world.attempt_url(attempt, "/submit"), {"confirm": "yes"},
           form_url=world.attempt_url(attempt, "/finish"))
    return attempt


def test_the_review_says_passed_and_attempts_left(client, world):
    attempt = finished(client, world, right=True)
    text = page_text(client.get(world.attempt_url(attempt, "/review")))
    assert "Passed" in text
    assert "1 attempt left" in text


def test_the_review_says_not_passed_and_no_attempts_left(client, world):
    finished(client, world, right=False)
    attempt = finished(client, world, right=False)
    text = page_text(client.get(world.attempt_url(attempt, "/review")))
    assert "Not passed" in text
    assert "You have used all your attempts at this quiz." in text


def test_the_summary_page_does_not_grow_with_the_quiz(client, database, count_queries):
    counts = {}
    for size in (3, 30):
        world = build_world(questions=size)
        browser = new_browser(client.application)
        attempt = started(browser, world)
        with count_queries() as counter:
            assert browser.get(world.attempt_url(attempt, "/finish")).status_code == 200
        counts[size] = counter.count
    assert counts[3] == counts[30]
