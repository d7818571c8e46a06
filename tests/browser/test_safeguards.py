"""A trainee finishes a quiz with unanswered questions: "Save and finish" shows a summary
(answered, unanswered with links back, time left, attempts left) and only its confirmation
submits; the review then says passed or not and the attempts left. In a real Chromium, at
desktop and phone widths, in two languages, every page checked with axe-core."""

from __future__ import annotations

import re

import pytest

from lms.assessments.models import AssessmentKind
from lms.extensions import db
from tests.assessments.factories import add_to_quiz, make_assessment, make_question
from tests.browser.conftest import assert_accessible, translated
from tests.factories import PASSWORD, enrol, make_cohort, make_course, make_program, make_user

pytestmark = pytest.mark.browser
LOCALES = ["en", "es"]
WIDTHS = [1280, 375]
QUESTIONS = 6


@pytest.fixture(scope="module")
def finish_world(live_app):
    """Per language and width: a timed six-question quiz (two attempts) and a trainee."""
    worlds = {}
    with live_app.app_context():
        program = make_program(code="PROCCER-F", name="PROCCER")
        course = make_course(program, code="PRC-F", title="Custodia segura", language="es")
        quiz = make_assessment(course, AssessmentKind.QUIZ, title="Prueba final",
                               time_limit_minutes=30, attempts_allowed=2)
        add_to_quiz(quiz, *[
            make_question(course, text=f"Pregunta {n}", options=[(f"Sí {n}", True),
                                                                  (f"No {n}", False)])
            for n in range(1, QUESTIONS + 1)])
        for locale in LOCALES:
            for width in WIDTHS:
                cohort = make_cohort(course, code=f"PRC-F-{locale}-{width}", language="es",
                                     country="CO")
                trainee = make_user(email=f"finish.{locale}.{width}@example.org",
                                    full_name="Lucía Gómez", locale=locale, country="CO")
                enrol(cohort, trainee)
                worlds[(locale, width)] = {"email": trainee.email, "cohort": cohort.id,
                                           "quiz": quiz.id}
        db.session.commit()
    return worlds


def _fits(page, width: int) -> None:
    """Nothing widens the page past the screen (the phone must not scroll sideways)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("locale", LOCALES)
def test_a_trainee_sees_a_summary_before_submitting(page, live_server, finish_world,
                                                     locale, width):
    world = finish_world[(locale, width)]

    def t(message: str) -> str:
        return translated(locale, message)

    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server}/login")
    page.locator("main form [name=email]").fill(world["email"])
    page.locator("main form [name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator("html").get_attribute("lang") == locale

    page.goto(f"{live_server}/cohorts/{world['cohort']}/quizzes/{world['quiz']}")
    with page.expect_navigation():
        page.get_by_role("button", name=t("Start the quiz")).click()
    page.get_by_label("Sí 1").check()
    with page.expect_navigation():
        page.get_by_role("button", name=t("Save and finish")).click()

    # The summary, not the review: nothing is submitted yet.
    assert page.url.endswith("/finish")
    main = page.locator("main")
    assert t("Finish your attempt") in main.inner_text()
    summary = " ".join(page.locator("#finish-summary").inner_text().split())
    assert "1" in summary and str(QUESTIONS) in summary
    # "1 more attempt ..." in English, "Le queda 1 intento ..." in Spanish: the number.
    assert re.search(r"(?<!\d)1(?!\d)", page.locator("#attempts-left").inner_text())
    assert re.search(r"\d+:\d\d", summary)  # the time left of the timed quiz
    links = page.locator("#unanswered a")
    assert links.count() == QUESTIONS - 1
    assert_accessible(page)
    _fits(page, width)

    # A link goes back to an unanswered question; answering it and finishing again
    # shows one fewer unanswered.
    with page.expect_navigation():
        links.first.click()
    assert page.url.endswith("q=2")
    page.get_by_label("No 2").check()
    with page.expect_navigation():
        page.get_by_role("button", name=t("Save and finish")).click()
    assert page.locator("#unanswered a").count() == QUESTIONS - 2
    assert page.locator("#answered a").count() == 2

    with page.expect_navigation():
        page.locator("#quiz-submit").click()
    assert "/review" in page.url
    assert t("Your attempt has been submitted.") in page.inner_text("body")
    result = page.locator("#attempt-result").inner_text()
    assert t("Not passed") in result  # 1 of 6 right
    # "1 more attempt ..." in English, "Le queda 1 intento ..." in Spanish: the number.
    assert re.search(r"(?<!\d)1(?!\d)", page.locator("#attempts-left").inner_text())
    assert_accessible(page)
    _fits(page, width)
