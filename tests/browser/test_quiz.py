"""A trainee takes a short timed quiz in a real Chromium and reads the review, in each
language (French first, as the issue asks).

The interface strings come from the catalogs, so the test follows what the
trainee sees; every page is checked with axe-core.
"""

from __future__ import annotations

import pytest

from lms.assessments.models import AssessmentKind
from lms.assessments.quizzes.models import QuestionKind
from lms.extensions import db
from tests.assessments.factories import add_to_quiz, make_assessment, make_question
from tests.browser.conftest import assert_accessible, translated
from tests.factories import PASSWORD, enrol, make_cohort, make_course, make_program, make_user

pytestmark = pytest.mark.browser
LOCALES = ["fr", "en", "es", "pt"]


@pytest.fixture(scope="module")
def quiz_world(live_app):
    """Per language: a course with a timed three-question quiz and an enrolled trainee."""
    worlds = {}
    with live_app.app_context():
        program = make_program(code="PROCCER-Q", name="PROCCER")
        for locale in LOCALES:
            course = make_course(program, code=f"PRC-Q-{locale}", title="Prévention : les bases",
                                 language="fr")
            cohort = make_cohort(course, code=f"PRC-Q-{locale}-HT", language=locale,
                                 country="HT")
            trainee = make_user(email=f"quiz.{locale}@example.org", full_name="Émilie Côté",
                                locale=locale, country="HT")
            enrol(cohort, trainee)
            quiz = make_assessment(course, AssessmentKind.QUIZ, title="Questionnaire court",
                                   time_limit_minutes=10, attempts_allowed=1)
            add_to_quiz(
                quiz,
                make_question(course, text="Quel facteur protège les jeunes ?",
                              options=[("Le lien familial", True), ("L'isolement", False)]),
                make_question(course, QuestionKind.TRUE_FALSE, text="La prévention commence tôt.",
                              options=[("True", True), ("False", False)]),
                make_question(course, QuestionKind.NUMERIC, text="Combien font 6 × 7 ?",
                              options=[], numeric_answer=42, tolerance=0))
            worlds[locale] = {"email": trainee.email, "cohort": cohort.id, "quiz": quiz.id}
        db.session.commit()
    return worlds


@pytest.mark.parametrize("locale", LOCALES)
def test_a_trainee_takes_a_short_quiz(page, live_server, quiz_world, locale):
    world = quiz_world[locale]

    def t(message: str) -> str:
        return translated(locale, message)

    page.goto(f"{live_server}/login")
    page.locator("main form [name=email]").fill(world["email"])
    page.locator("main form [name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator("html").get_attribute("lang") == locale

    page.goto(f"{live_server}/cohorts/{world['cohort']}/assessments")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Questionnaire court").first.click()
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name=t("Start the quiz")).click()
    assert_accessible(page)

    page.get_by_label("Le lien familial").check()
    with page.expect_navigation():
        page.get_by_role("button", name=t("Save and next")).click()
    page.get_by_label(t("True")).check()
    with page.expect_navigation():
        page.get_by_role("button", name=t("Save and next")).click()
    page.get_by_label(t("Your answer (a number)")).fill("42")
    with page.expect_navigation():
        page.get_by_role("button", name=t("Save and finish")).click()
    # The summary first (tests/browser/test_safeguards.py); its button submits.
    assert page.url.endswith("/finish")
    with page.expect_navigation():
        page.locator("#quiz-submit").click()

    assert "/review" in page.url
    main = page.inner_text("main")
    assert "100" in main
    assert t("Your attempt has been submitted.") in page.inner_text("body")
    assert_accessible(page)
