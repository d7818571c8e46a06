"""A live server and a real Chromium (the system's, never a downloaded one)."""

from __future__ import annotations

import shutil
import threading
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from werkzeug.serving import make_server

from lms.extensions import db
from tests.conftest import make_app, skip_or_fail

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="module")
def live_app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("browser-instance")
    app = make_app(f"sqlite:///{instance / 'browser.db'}", str(instance))
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        skip_or_fail("Chromium is not installed (Debian package 'chromium')")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("Playwright is not installed")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-US")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


def assert_accessible(page) -> None:
    """No axe-core violations on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


CATALOGS = Path(__file__).resolve().parents[2] / "translations"


@cache
def _catalog(locale: str):
    with (CATALOGS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


def translated(locale: str, message: str) -> str:
    """``message`` as a user of ``locale`` reads it (English as written)."""
    if locale == "en":
        return message
    translation = _catalog(locale).get(message).string
    assert translation and translation != message, (locale, message)
    return translation


def sign_in(browser, live_server: str, email: str, password: str):
    """A new browser context with ``email`` signed in through the login form."""
    context = browser.new_context()
    context.set_default_timeout(15_000)
    tab = context.new_page()
    tab.goto(f"{live_server}/login")
    tab.locator("main form [name=email]").fill(email)
    tab.locator("main form [name=password]").fill(password)
    with tab.expect_navigation():
        tab.locator("main form button[type=submit]").click()
    return tab
