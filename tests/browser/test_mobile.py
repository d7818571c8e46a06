"""At 375 px (a small phone) no page scrolls sideways: tables scroll in their own box, the
navigation folds behind a menu button that works without JavaScript; axe stays at 0.
Each demo role, in Spanish and in Portuguese."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms import demo, demo_certificates
from lms.accounts.models import User, cohort_instructors
from lms.catalog.models import Course
from lms.certification.tracks.models import Track
from lms.cohorts.models import Cohort, Enrolment
from lms.extensions import db
from tests.browser.conftest import assert_accessible, translated

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}
LOCALES = ["es", "pt"]


@pytest.fixture(scope="module")
def demo_world(live_app):
    with live_app.app_context():
        demo.load()
        db.session.commit()
        labels = dict(demo_certificates.listed())
        track = db.session.scalar(select(Track).where(Track.code == "PRC-TREAT-MX"))
        trainee = db.session.scalar(select(User).where(User.email == "maria.nunez@example.org"))
        own = db.session.scalar(select(Enrolment).join(Cohort).join(Course).where(
            Enrolment.user_id == trainee.id, Course.code == "PRC-TRT-MX"))
        instructor = db.session.scalar(select(User).where(
            User.email == "instructor.salinas@example.org"))
        taught = db.session.scalar(
            select(Cohort).join(cohort_instructors, cohort_instructors.c.cohort_id == Cohort.id)
            .join(Course).where(cohort_instructors.c.user_id == instructor.id,
                                Course.code == "PRC-TRT-MX").limit(1))
        return {"track": track.id, "certificate": labels["valid"],
                "own_cohort": own.cohort_id, "course": "PRC-TRT-MX", "cohort": taught.id}


def _phone(browser, live_server: str, email: str, locale: str):
    """A phone-sized tab, signed in as ``email``, reading the site in ``locale``."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    tab.goto(f"{live_server}/login")
    tab.locator("main form [name=email]").fill(email)
    tab.locator("main form [name=password]").fill(demo.DEMO_PASSWORD)
    with tab.expect_navigation():
        tab.locator("main form button[type=submit]").click()
    tab.locator("#lang-select").select_option(locale)
    tab.wait_for_load_state()
    tab.wait_for_function(f"document.documentElement.lang === '{locale}'")
    return tab


def _pages(role: str, world: dict) -> list[str]:
    course, track, code = world["course"], world["track"], world["certificate"]
    common = ["/", "/courses", f"/courses/{course}", f"/verify/{code}", "/profile"]
    if role == "trainee":
        cohort = world["own_cohort"]
        return common + [f"/cohorts/{cohort}", f"/cohorts/{cohort}/assessments",
                         "/tracks", f"/tracks/{track}", "/certificates"]
    if role == "officer":
        return common + ["/certify", f"/certify/tracks/{track}", "/certify/certificates",
                         f"/certify/certificates/{code}", "/verify"]
    cohort = world["cohort"]
    pages = common + [f"/cohorts/{cohort}", f"/cohorts/{cohort}/gradebook",
                      f"/cohorts/{cohort}/roster", f"/cohorts/{cohort}/attendance", "/teaching"]
    if role == "coordinator":
        pages += ["/manage/tracks", f"/manage/tracks/{track}/roster"]
    return pages


ROLES = {"trainee": "maria.nunez@example.org",
         "instructor": "instructor.salinas@example.org",
         "coordinator": "coordinator.proccer@example.org",
         "officer": "officer.mx@example.org"}


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("role", list(ROLES))
def test_no_page_scrolls_sideways_on_a_phone(browser, live_server, demo_world, role, locale):
    tab = _phone(browser, live_server, ROLES[role], locale)
    too_wide = {}
    for path in _pages(role, demo_world):
        response = tab.goto(f"{live_server}{path}")
        assert response.status == 200, path
        assert tab.evaluate("document.documentElement.lang") == locale, path
        width = tab.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[path] = width
        assert_accessible(tab)
    tab.context.close()
    assert too_wide == {}


@pytest.mark.parametrize("locale", LOCALES)
def test_the_menu_button_opens_the_navigation(browser, live_server, demo_world, locale):
    tab = _phone(browser, live_server, ROLES["instructor"], locale)
    # The button by its place, not its word: "Menu" is the same word in Portuguese.
    menu = tab.locator("header details.menu > summary")
    grading = tab.locator("header nav").get_by_role("link", name=translated(locale, "Grading"))
    # Folded at first: the links take no room on the first screen.
    assert menu.is_visible()
    assert not grading.is_visible()
    menu.click()
    assert grading.is_visible()
    assert_accessible(tab)
    with tab.expect_navigation():
        grading.click()
    assert tab.url.endswith("/grading")
    assert tab.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    tab.context.close()


def test_wide_screens_show_the_navigation_without_a_button(browser, live_server, demo_world):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    tab = context.new_page()
    tab.goto(f"{live_server}/courses")
    assert not tab.get_by_text("Menu", exact=True).is_visible()
    assert tab.locator("header nav").get_by_role("link", name="Verify a certificate").is_visible()
    context.close()


def _box(tab, selector: str) -> dict:
    return tab.locator(selector).first.evaluate(
        "e => ({width: e.getBoundingClientRect().width, display: getComputedStyle(e).display,"
        " border: getComputedStyle(e).borderTopStyle})")


def test_the_verify_form_and_the_officer_record_are_styled_like_other_forms(
        browser, live_server, demo_world):
    tab = _phone(browser, live_server, ROLES["officer"], "es")
    tab.goto(f"{live_server}/verify")
    form = "main form[action$='/verify']"
    # A card with labels above full-width fields, as on every other form.
    assert _box(tab, form)["border"] == "solid"
    assert _box(tab, f"{form} label[for=code]")["display"] == "block"
    assert _box(tab, f"{form} [name=code]")["width"] > 250

    tab.goto(f"{live_server}/certify/certificates/{demo_world['certificate']}")
    assert _box(tab, "main dl")["border"] == "solid"
    revoke = "main form[action$='/revoke']"
    assert _box(tab, revoke)["border"] == "solid"
    assert _box(tab, f"{revoke} label[for=reason]")["display"] == "block"
    assert 250 < _box(tab, f"{revoke} [name=reason]")["width"] <= PHONE["width"]
    assert_accessible(tab)
    tab.context.close()
