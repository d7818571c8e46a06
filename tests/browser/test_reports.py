"""The report page in a real Chromium, on the demo with its history: charts drawn as
SVG with their tables, in Spanish and in French, for the administrator and for an
observer (who sees no name), at desktop width and on a 375 px phone without sideways
scrolling, with axe at 0 violations."""

from __future__ import annotations

import pytest

from lms import demo, demo_history
from lms.extensions import db
from tests.browser.conftest import assert_accessible, sign_in, translated

pytestmark = pytest.mark.browser

SMALL_HISTORY = demo_history.Size(trainees=200, cohorts=12, years=3)


@pytest.fixture(scope="module")
def demo_data(live_app):
    with live_app.app_context():
        demo.load()
        db.session.commit()
        demo_history.load(SMALL_HISTORY)
        db.session.commit()


def _switch_language(tab, locale: str) -> None:
    form = tab.locator("form.lang-switch")
    form.locator("select[name=lang]").select_option(locale)
    with tab.expect_navigation():
        form.locator("button[type=submit]").click()
    assert tab.locator("html").get_attribute("lang") == locale


# Two languages, two roles: the administrator (every figure, names allowed) and the
# observer (small counts hidden, never a name).
@pytest.mark.parametrize(("email", "locale"), [("admin@example.org", "es"),
                                               ("observer@example.org", "fr")])
def test_the_report_page_draws_its_charts_accessibly(browser, live_server, demo_data, email,
                                                     locale):
    tab = sign_in(browser, live_server, email, demo.DEMO_PASSWORD)
    try:
        tab.goto(f"{live_server}/reports")
        _switch_language(tab, locale)
        for width, height in ((1280, 900), (375, 740)):
            tab.set_viewport_size({"width": width, "height": height})
            response = tab.goto(f"{live_server}/reports")
            assert response.status == 200
            assert tab.locator("h1").inner_text() == translated(locale, "Reports")
            charts = tab.locator("main figure.chart svg[role=img]")
            assert charts.count() >= 8
            # Every chart is named by its title and description, and its data is beside it.
            first = charts.first
            assert first.get_attribute("aria-labelledby")
            assert tab.locator("main figure.chart").first.locator("table").count() == 1
            assert translated(locale, "Reach") in tab.locator("main h2").all_inner_texts()
            scroll_width = tab.evaluate("document.documentElement.scrollWidth")
            assert scroll_width <= width, (width, scroll_width)
            assert_accessible(tab)
        if email.startswith("observer"):
            text = tab.locator("main").inner_text()
            assert "< 5" in text  # small cells hidden
            assert "history.0" not in tab.content()  # no person, not even an address
    finally:
        tab.context.close()
