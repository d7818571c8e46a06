"""The competency, track and certification screens in a real Chromium, on the demo data:
each role's new pages pass axe, and an officer revokes a certificate through the forms."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms import demo, demo_certificates
from lms.accounts.models import User, cohort_instructors
from lms.catalog.models import Course
from lms.certification.models import Certificate
from lms.certification.tracks.models import Track
from lms.cohorts.models import Cohort, Enrolment
from lms.competencies.models import Framework
from lms.extensions import db
from tests.browser.conftest import assert_accessible, sign_in, translated

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_world(live_app):
    with live_app.app_context():
        demo.load()
        db.session.commit()
        labels = dict(demo_certificates.listed())
        track = db.session.scalar(select(Track).where(Track.code == "PRC-TREAT-MX"))
        framework = db.session.scalar(select(Framework).where(
            Framework.code == "PROCCER-TREAT-MX"))
        valid = db.session.scalar(select(Certificate).where(Certificate.code == labels["valid"]))
        instructor = db.session.scalar(select(User).where(
            User.email == "instructor.salinas@example.org"))
        enrolment = db.session.scalar(
            select(Enrolment).join(cohort_instructors, cohort_instructors.c.cohort_id
                                   == Enrolment.cohort_id)
            .join(Cohort).join(Course).where(cohort_instructors.c.user_id == instructor.id,
                                             Course.code == "PRC-TRT-MX")
            .order_by(Enrolment.id).limit(1))
        world = {"track": track.id, "framework": framework.id, "valid": valid.code,
                 "competency": framework.competencies[0].id,
                 "cohort": enrolment.cohort_id, "enrolment": enrolment.id}
    return world


def _visit_all(tab, live_server: str, paths: list[str]) -> None:
    for path in paths:
        response = tab.goto(f"{live_server}{path}")
        assert response.status == 200, path
        assert_accessible(tab)


def test_a_trainee_sees_tracks_and_certificates(browser, live_server, demo_world):
    tab = sign_in(browser, live_server, "maria.nunez@example.org", demo.DEMO_PASSWORD)
    _visit_all(tab, live_server, ["/tracks", f"/tracks/{demo_world['track']}", "/certificates"])
    tab.context.close()


def test_an_assessor_signs_a_competency_off(browser, live_server, demo_world):
    tab = sign_in(browser, live_server, "instructor.salinas@example.org", demo.DEMO_PASSWORD)
    cohort, enrolment = demo_world["cohort"], demo_world["enrolment"]
    _visit_all(tab, live_server, [f"/cohorts/{cohort}/competencies", "/supervision"])
    tab.goto(f"{live_server}/cohorts/{cohort}/competencies/{enrolment}")
    assert_accessible(tab)
    form = tab.locator("main form[action$='/signoff']")
    form.locator("[name=note]").fill("Observed a complete intake interview.")
    with tab.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "Observed a complete intake interview." in tab.locator("main").inner_text()
    assert_accessible(tab)
    tab.context.close()


def test_a_coordinator_manages_frameworks_and_tracks(browser, live_server, demo_world):
    tab = sign_in(browser, live_server, "coordinator.proccer@example.org", demo.DEMO_PASSWORD)
    _visit_all(tab, live_server, [
        "/manage/frameworks", "/manage/frameworks/new",
        f"/manage/frameworks/{demo_world['framework']}",
        f"/manage/competencies/{demo_world['competency']}",
        "/manage/tracks", "/manage/tracks/new", f"/manage/tracks/{demo_world['track']}",
        f"/manage/tracks/{demo_world['track']}/roster", "/supervision"])
    tab.context.close()


def test_an_officer_revokes_a_certificate_through_the_forms(browser, live_server, demo_world):
    tab = sign_in(browser, live_server, "officer.mx@example.org", demo.DEMO_PASSWORD)
    _visit_all(tab, live_server, ["/certify", f"/certify/tracks/{demo_world['track']}",
                                  "/certify/certificates"])
    code = demo_world["valid"]
    tab.goto(f"{live_server}/certify/certificates/{code}")
    assert_accessible(tab)
    revoke = tab.locator("main form[action$='/revoke']")
    revoke.locator("[name=reason]").select_option("requirements_not_met")
    revoke.locator("[name=note]").fill("The practice hours were logged twice.")
    with tab.expect_navigation():
        revoke.locator("button[type=submit]").click()
    # A confirmation page says what will happen; its danger button revokes.
    assert_accessible(tab)
    with tab.expect_navigation():
        tab.locator("#confirm-revoke").click()
    # The demo officer reads the site in Spanish.
    assert translated("es", "Revoked") in tab.locator("main").inner_text()
    assert_accessible(tab)
    tab.goto(f"{live_server}/verify/{code}")
    verdict = tab.locator("main").inner_text()
    assert "The practice hours were logged twice." in verdict
    assert translated("es", "Requirements found not met after issuing") in verdict
    tab.context.close()
