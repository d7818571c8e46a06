"""The CSV import in a real Chromium: a coordinator downloads the template, checks it with
"Check only" and sees what would be imported, with nothing written; in English at desktop
width and in Spanish on a 375 px phone, axe at 0 violations."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms import demo
from lms.accounts.models import User
from lms.cohorts.models import Enrolment
from lms.extensions import db
from tests.browser.conftest import assert_accessible, sign_in, translated

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_data(live_app):
    with live_app.app_context():
        demo.load()
        db.session.commit()


def _rows(live_app) -> tuple[int, int]:
    with live_app.app_context():
        return (db.session.scalar(select(func.count()).select_from(User)),
                db.session.scalar(select(func.count()).select_from(Enrolment)))


@pytest.mark.parametrize(("locale", "width"), [("en", 1280), ("es", 375)])
def test_a_coordinator_checks_the_template_without_importing_it(
        browser, live_server, live_app, demo_data, tmp_path, locale, width):
    def t(message: str) -> str:
        return translated(locale, message)

    tab = sign_in(browser, live_server, "coordinator.picap@example.org", demo.DEMO_PASSWORD)
    tab.set_viewport_size({"width": width, "height": 900})
    tab.goto(f"{live_server}/manage/import")
    tab.locator("#lang-select").select_option(locale)
    with tab.expect_navigation():
        tab.locator(".lang-switch button").click()

    with tab.expect_download() as download_info:
        tab.locator("main").get_by_role("link", name=t("Download a template (CSV)")).click()
    template = tmp_path / f"template-{locale}.csv"
    download_info.value.save_as(template)
    assert template.read_bytes().startswith(b"\xef\xbb\xbf")

    before = _rows(live_app)
    tab.locator("main input[type=file]").set_input_files(str(template))
    with tab.expect_navigation():
        tab.locator("main").get_by_role("button", name=t("Check only"), exact=True).click()

    plan = tab.locator("#import-plan")
    assert plan.get_by_role("heading", name=t("The file can be imported")).is_visible()
    assert "maria.garcia@example.org" in plan.inner_text()
    assert _rows(live_app) == before  # checked, not imported
    assert_accessible(tab)
    assert tab.evaluate("document.documentElement.scrollWidth") <= width
