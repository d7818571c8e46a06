"""The administration screens in a real Chromium, on the demo data: the administrator
finds a user and gives them a role, then creates an institution, in English and Spanish,
at desktop width and on a 375 px phone, with axe at 0 violations on every page."""

from __future__ import annotations

import pytest

from lms import demo
from lms.extensions import db
from tests.browser.conftest import assert_accessible, sign_in, translated

pytestmark = pytest.mark.browser

# (language, width, the user given a role, the institution created): each run its own.
RUNS = [
    ("en", 1280, "devon.williams", "Fundación Paz Ciudadana"),
    ("en", 375, "sam.rampersad", "Ministerio del Interior del Perú"),
    ("es", 1280, "valentina.soto", "Universidad del Pacífico"),
    ("es", 375, "andres.munoz", "Instituto de Estudios Policiales"),
]


@pytest.fixture(scope="module")
def demo_data(live_app):
    with live_app.app_context():
        demo.load()
        db.session.commit()


def _check(tab, width: int) -> None:
    """No violations, and nothing wider than the screen."""
    assert_accessible(tab)
    scroll_width = tab.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, (tab.url, scroll_width)


def _click(tab, name: str) -> None:
    with tab.expect_navigation():
        tab.locator("main").get_by_role("link", name=name, exact=True).first.click()


def _press(tab, name: str) -> None:
    with tab.expect_navigation():
        tab.locator("main").get_by_role("button", name=name, exact=True).click()


@pytest.mark.parametrize(("locale", "width", "person", "institution"), RUNS)
def test_an_administrator_changes_a_role_and_creates_an_institution(
        browser, live_server, demo_data, locale, width, person, institution):
    def t(message: str, **values: str) -> str:
        return translated(locale, message) % values if values else translated(locale, message)

    tab = sign_in(browser, live_server, "admin@example.org", demo.DEMO_PASSWORD)
    tab.set_viewport_size({"width": width, "height": 900})
    tab.goto(f"{live_server}/admin")
    tab.locator("#lang-select").select_option(locale)
    with tab.expect_navigation():
        tab.locator(".lang-switch button").click()
    assert tab.locator("html").get_attribute("lang") == locale
    assert tab.locator("h1").inner_text() == t("Administration")
    _check(tab, width)

    # Users → a user → give them a role.
    _click(tab, t("Users"))
    _check(tab, width)
    tab.locator("main [name=q]").fill(person)
    _press(tab, t("Search"))
    _check(tab, width)
    with tab.expect_navigation():
        tab.locator("main .admin-list h2 a").first.click()
    _check(tab, width)
    name = tab.locator("h1").inner_text()
    tab.locator("main [name=role]").select_option("coordinator")
    tab.locator("main [name=program_id]").select_option(index=1)  # PICAP, first by code
    _press(tab, t("Give the role"))
    assert t("Coordinator of %(program)s", program="PICAP") in tab.locator("main").inner_text()
    assert name in tab.locator(".flashes").inner_text()
    _check(tab, width)

    # Institutions → create one.
    tab.locator("main nav").get_by_role("link", name=t("Administration")).click()
    tab.wait_for_load_state()
    _click(tab, t("Institutions"))
    _check(tab, width)
    _click(tab, t("New institution"))
    _check(tab, width)
    tab.locator("main [name=name]").fill(institution)
    tab.locator("main [name=kind]").select_option("ngo")
    tab.locator("main [name=country]").select_option("PE")
    _press(tab, t("Create the institution"))
    assert tab.locator(".flashes").inner_text().strip() == t(
        "Institution %(name)s created.", name=institution)
    assert tab.locator("h1").inner_text() == institution
    assert t("Non-governmental organization") in tab.locator("main").inner_text()
    _check(tab, width)
