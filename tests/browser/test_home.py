"""Each demo role's home page in a real Chromium: its part is there, in Spanish and in
French, at desktop width and on a 375 px phone without sideways scrolling, and axe
finds nothing to fix."""

from __future__ import annotations

import pytest

from lms import demo
from lms.extensions import db
from tests.browser.conftest import assert_accessible, sign_in, translated

pytestmark = pytest.mark.browser

# (demo account, the part its role adds to the home page, a text of that part)
ROLES = [
    ("admin@example.org", "admin", "Administration screens"),
    ("coordinator.proccer@example.org", "coordinator", "Programs you coordinate"),
    ("instructor.salinas@example.org", "teaching", "Teaching"),
    # "Certification" is French too: the link below the part is checked instead.
    ("officer.mx@example.org", "officer", "Find a certificate"),
    ("maria.nunez@example.org", "trainee", "My learning"),
]
WIDTHS = {"desktop": (1280, 900), "phone": (375, 740)}


@pytest.fixture(scope="module")
def demo_data(live_app):
    with live_app.app_context():
        demo.load()
        db.session.commit()


def _switch_language(tab, locale: str) -> None:
    """Choose ``locale`` with the language form in the header, as a visitor would."""
    if tab.locator("html").get_attribute("lang") == locale:
        return
    form = tab.locator("form.lang-switch")
    form.locator("select[name=lang]").select_option(locale)
    with tab.expect_navigation():
        form.locator("button[type=submit]").click()
    assert tab.locator("html").get_attribute("lang") == locale


@pytest.mark.parametrize("locale", ["es", "fr"])
@pytest.mark.parametrize(("email", "part", "text"), ROLES)
def test_each_role_finds_its_part_of_the_home_page(browser, live_server, demo_data, email,
                                                    part, text, locale):
    tab = sign_in(browser, live_server, email, demo.DEMO_PASSWORD)
    try:
        tab.goto(f"{live_server}/")
        _switch_language(tab, locale)
        for width, height in WIDTHS.values():
            tab.set_viewport_size({"width": width, "height": height})
            response = tab.goto(f"{live_server}/")
            assert response.status == 200
            assert tab.locator("html").get_attribute("lang") == locale
            section = tab.locator(f"main section[aria-labelledby=home-{part}]")
            assert section.is_visible()
            assert translated(locale, text) in section.inner_text()
            # The part links to where its counts can be acted on.
            assert section.locator("a").count() >= 2
            if width == 375:
                scroll_width = tab.evaluate("document.documentElement.scrollWidth")
                assert scroll_width <= 375, (email, locale, scroll_width)
            assert_accessible(tab)
    finally:
        tab.context.close()
