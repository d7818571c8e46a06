"""Someone reading Portuguese checks certificates on the public pages in a real Chromium:
by a typed ID, by the PDF as issued, by an edited PDF, and a revoked one.

The interface strings come from the catalogs (``translated``), so the test follows
what the visitor reads; every page is checked with axe-core.
"""

from __future__ import annotations

import pytest

from lms.certification import issuance
from lms.extensions import db
from tests.browser.conftest import assert_accessible, translated
from tests.certification.factories import issue_certificate
from tests.factories import make_user

pytestmark = pytest.mark.browser


def t(message: str) -> str:
    return translated("pt", message)


@pytest.fixture(scope="module")
def certificates(live_app):
    with live_app.app_context():
        holder = make_user(email="verify.browser@example.org", full_name="Joana Trainee Souza",
                           locale="pt", country="BR")
        valid = issue_certificate(holder)
        revoked = issue_certificate(make_user(full_name="Rui Revogado"), revoked=True)
        world = {
            "valid": valid.code, "revoked": revoked.code,
            "title_pt": valid.snapshot["text"]["pt"]["title"],
            "pdf": issuance.pdf_for(valid, "pt"),
        }
        db.session.commit()
    return world


@pytest.fixture
def pt_page(browser):
    context = browser.new_context(locale="pt-BR")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


def _upload(page, live_server: str, data: bytes) -> None:
    page.goto(f"{live_server}/verify")
    page.locator("main form [name=pdf]").set_input_files(
        {"name": "certificado.pdf", "mimeType": "application/pdf", "buffer": data})
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def test_a_certificate_is_verified_by_id_and_by_pdf_in_portuguese(pt_page, live_server,
                                                                   certificates):
    page = pt_page
    page.goto(f"{live_server}/verify")
    assert page.locator("html").get_attribute("lang") == "pt"
    assert_accessible(page)

    typed = certificates["valid"].lower().replace("-", "")
    page.get_by_label(t("Certificate ID")).fill(typed)
    with page.expect_navigation():
        page.get_by_role("button", name=t("Verify"), exact=True).click()
    assert page.url.endswith(f"/verify/{certificates['valid']}")
    main = page.locator("main")
    assert t("Valid") in main.inner_text()
    assert certificates["title_pt"] in main.inner_text()
    assert "Joana Trainee Souza" in main.inner_text()
    assert "verify.browser@example.org" not in page.content()
    assert_accessible(page)

    _upload(page, live_server, certificates["pdf"])
    assert t("This file is exactly the certificate that was issued.") in main.inner_text()
    assert_accessible(page)

    edited = certificates["pdf"].replace(b"Trainee", b"Trainer")
    assert edited != certificates["pdf"]
    _upload(page, live_server, edited)
    assert t("This file differs from the certificate that was issued: trust the record "
             "below, not the file.") in main.inner_text()
    assert "Joana Trainee Souza" in main.inner_text()
    assert_accessible(page)


def test_a_revoked_certificate_says_revoked_in_portuguese(pt_page, live_server, certificates):
    page = pt_page
    page.goto(f"{live_server}/verify/{certificates['revoked']}")

    assert t("Revoked") in page.locator("main").inner_text()
    assert "Rui Revogado" in page.locator("main").inner_text()
    assert_accessible(page)
