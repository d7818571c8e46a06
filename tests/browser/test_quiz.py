"""A trainee takes a short timed quiz in French, in a real Chromium, and reads the review.

The interface strings come from the French catalog, so the test follows what a
French-speaking trainee sees; every page is checked with axe-core.
"""

from __future__ import annotations

import pytest

from lms.assessments.models import AssessmentKind, QuestionKind
from lms.extensions import db
from tests.assessments.factories import add_to_quiz, make_assessment, make_question
from tests.browser.conftest import assert_accessible, translated
from tests.factories import PASSWORD, enrol, make_cohort, make_course, make_program, make_user

pytestmark = pytest.mark.browser


def french(message: str) -> str:
    return translated("fr", message)


@pytest.fixture(scope="module")
def quiz_world(live_app):
    with live_app.app_context():
        program = make_program(code="PROCCER-FR", name="PROCCER")
        course = make_course(program, code="PRC-FR-1", title="Prévention : les bases",
                             language="fr")
        cohort = make_cohort(course, code="PRC-FR-1-HT", language="fr", country="HT")
        trainee = make_user(email="emilie.cote@example.org", full_name="Émilie Côté",
                            locale="fr", country="HT")
        enrol(cohort, trainee)
        quiz = make_assessment(course, AssessmentKind.QUIZ, title="Questionnaire court",
                               time_limit_minutes=10, attempts_allowed=1)
        add_to_quiz(quiz,
                    make_question(course, text="Quel facteur protège les jeunes ?",
                                  options=[("Le lien familial", True), ("L'isolement", False)]),
                    make_question(course, QuestionKind.TRUE_FALSE,
                                  text="La prévention commence tôt.",
                                  options=[("True", True), ("False", False)]),
                    make_question(course, QuestionKind.NUMERIC, text="Combien font 6 × 7 ?",
                                  options=[], numeric_answer=42, tolerance=0))
        db.session.commit()
        return {"email": trainee.email, "cohort": cohort.id, "quiz": quiz.id}


def test_a_trainee_takes_a_short_quiz_in_french(page, live_server, quiz_world):
    page.goto(f"{live_server}/login")
    page.locator("main form [name=email]").fill(quiz_world["email"])
    page.locator("main form [name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator("html").get_attribute("lang") == "fr"

    page.goto(f"{live_server}/cohorts/{quiz_world['cohort']}/assessments")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Questionnaire court").first.click()
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name=french("Start the quiz")).click()
    assert_accessible(page)

    page.get_by_label("Le lien familial").check()
    with page.expect_navigation():
        page.get_by_role("button", name=french("Save and next")).click()
    page.get_by_label(french("True")).check()
    with page.expect_navigation():
        page.get_by_role("button", name=french("Save and next")).click()
    page.get_by_label(french("Your answer (a number)")).fill("42")
    with page.expect_navigation():
        page.get_by_role("button", name=french("Save and finish")).click()

    assert "/review" in page.url
    main = page.inner_text("main")
    assert "100" in main
    assert french("Your attempt has been submitted.") in page.inner_text("body")
    assert_accessible(page)
