"""A trainee's first visit, in a real Chromium: register, switch to Spanish, enrol, read.

Every page on the way is checked with axe-core and must have no violations.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest

from lms.catalog.models import LessonTranslation
from lms.extensions import db
from lms.kernel.mail import read_outbox, retry_due
from tests.browser.conftest import assert_accessible
from tests.factories import make_cohort, make_course, make_program

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def course_code(live_app):
    with live_app.app_context():
        program = make_program(code="PICAP", name="Inter-American Police Training Program")
        course = make_course(
            program, code="PICAP-HR-101", title="Human rights and use of force",
            translations={"es": ("Derechos humanos y uso de la fuerza",
                                 "Principios internacionales para la función policial.")})
        lesson = course.modules[0].lessons[0]
        lesson.translations.append(LessonTranslation(
            locale="es", title="Principios básicos",
            body="## Legalidad\n\nToda intervención policial debe tener base legal."))
        make_cohort(course, code="PICAP-HR-101-CO", language="es", country="CO")
        db.session.commit()
        return course.code


def _mailed_link(app, to: str) -> str:
    """The path of the link mailed to ``to``.

    Mail leaves as the response closes, so it may land a moment after the browser
    moved on. The development server skips that close when Chromium resets the
    connection of a redirect it has already followed (its read of what the client
    sent next raises first); the message then waits in the outbox for the retry a
    worker runs every minute. After a few seconds the test runs that retry itself.
    """
    started = time.monotonic()
    retried = False
    while time.monotonic() < started + 20:
        with app.app_context():
            bodies = [m["body"] for m in read_outbox() if m["to"] == to]
            if not bodies and not retried and time.monotonic() > started + 3:
                retry_due()
                retried = True
        if bodies:
            return urlsplit(re.findall(r"https?://\S+", bodies[-1])[0]).path
        time.sleep(0.05)
    raise AssertionError(f"no mail to {to}")


def test_register_switch_to_spanish_enrol_and_read_a_lesson(page, live_app, live_server,
                                                             course_code):
    page.goto(f"{live_server}/register")
    assert_accessible(page)
    form = page.locator("main form")
    form.locator("[name=full_name]").fill("Ana Lucía Torres")
    form.locator("[name=email]").fill("ana.torres@example.org")
    form.locator("[name=password]").fill("a-long-enough-secret")
    form.locator("[name=confirm]").fill("a-long-enough-secret")
    form.locator("[name=country]").select_option("CO")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert_accessible(page)  # "check your mail"
    page.goto(live_server + _mailed_link(live_app, "ana.torres@example.org"))
    assert_accessible(page)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert_accessible(page)

    # The switcher submits itself when JavaScript runs; the button is the fallback.
    with page.expect_navigation():
        page.select_option("#lang-select", "es")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("link", name="Cursos").count() >= 1

    page.goto(f"{live_server}/courses")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Derechos humanos y uso de la fuerza").first.click()
    assert page.locator("h1").inner_text() == "Derechos humanos y uso de la fuerza"
    assert_accessible(page)

    with page.expect_navigation():
        page.get_by_role("button", name="Inscribirse").click()
    assert re.search(r"/cohorts/\d+$", page.url)
    assert page.locator("html").get_attribute("lang") == "es"
    assert_accessible(page)

    with page.expect_navigation():
        page.get_by_role("link", name="Principios básicos").first.click()
    assert "Toda intervención policial debe tener base legal." in page.inner_text("main")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("completada", re.I)).click()

    page.goto(f"{live_server}/dashboard")
    assert "Derechos humanos y uso de la fuerza" in page.inner_text("main")
    assert_accessible(page)

    page.goto(f"{live_server}/profile")  # the signed-in browsers, this one marked
    assert page.locator("main table tbody strong").count() == 1
    assert_accessible(page)
