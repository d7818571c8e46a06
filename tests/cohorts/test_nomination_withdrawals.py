"""An accepted nominee leaves, or is withdrawn: the country keeps its seat (issue 13)."""

from __future__ import annotations

import pytest

from lms.cohorts.models import EnrolmentStatus
from lms.cohorts.nominations import Nomination
from lms.kernel.mail import read_outbox
from tests.cohorts.conftest import delete_race_world, race_two
from tests.cohorts.test_nominations import (
    all_counts,
    decide,
    enrolment_status,
    fresh,
    make_focal_point,
    nominate,
    nomination_cohort,
)
from tests.conftest import page_text, submit
from tests.conftest import sign_in_quickly as login
from tests.factories import enrol, make_coordinator, make_course, make_user

REVIEW = "/manage/cohorts/{}/nominations"


def release(client, nomination, reason: str = "Reassigned to another unit."):
    prefix = f"w{nomination.id}"
    return submit(client, f"/manage/nominations/{nomination.id}/release",
                  {f"{prefix}-reason": reason},
                  form_url=REVIEW.format(nomination.cohort_id))


def accepted(cohort, user, by=None) -> Nomination:
    enrol(cohort, user)
    return nominate(cohort, user, user.country, status="accepted", by=by)


@pytest.fixture
def world(database):
    course = make_course()
    # Closed for nominations since yesterday; the cohort starts in ten days.
    cohort = nomination_cohort(course, seats=1, opens=-20, closes=-1)
    focal = make_focal_point(course.program, "CO")
    return {"course": course, "cohort": cohort, "focal": focal,
            "coordinator": make_coordinator(course.program),
            "diego": make_user(country="CO", full_name="Diego Trasladado")}


def test_a_coordinator_withdraws_a_nominee_and_the_focal_point_names_a_substitute(
        client, other_client, database, world, decisions):
    cohort, diego = world["cohort"], world["diego"]
    nomination = accepted(cohort, diego, by=world["focal"])
    login(client, world["coordinator"])

    response = release(client, nomination)

    assert response.status_code == 302
    assert fresh(database, nomination).status == "released"
    assert fresh(database, nomination).reason == "Reassigned to another unit."
    assert enrolment_status(database, cohort, diego) == EnrolmentStatus.WITHDRAWN
    assert decisions == [(nomination.id, "released", world["coordinator"].id)]
    told = {mail["to"] for mail in read_outbox()}
    assert {diego.email, world["focal"].email} <= told
    page = page_text(client.get(REVIEW.format(cohort.id)))
    assert "Withdrawn from the cohort" in page and "Colombia 1 0 0 0 0" in page

    # The window is closed, but the country's seat is still the country's.
    login(other_client, world["focal"])
    focal_page = page_text(other_client.get(f"/nominations/cohorts/{cohort.id}"))
    assert "Nominations are closed." in focal_page
    assert "Replace Diego Trasladado" in focal_page
    substitute = make_user(country="CO", full_name="Lucía Suplente")
    response = submit(other_client, f"/nominations/{nomination.id}/substitute",
                      {"country": "CO", "email": substitute.email}, follow_redirects=True)

    assert "Lucía Suplente replaces Diego Trasladado." in page_text(response)
    new = database.session.scalar(database.select(Nomination).filter_by(
        user_id=substitute.id))
    assert (new.status, new.replaces_id) == ("accepted", nomination.id)
    assert enrolment_status(database, cohort, substitute) == EnrolmentStatus.ACTIVE
    old = fresh(database, nomination)
    assert (old.status, old.reason) == ("withdrawn", "Reassigned to another unit.")
    assert "Colombia 1 1 0 0 0" in page_text(client.get(REVIEW.format(cohort.id)))
    # Replaced once: not a second time.
    again = submit(other_client, f"/nominations/{nomination.id}/substitute",
                   {"country": "CO", "email": make_user(country="CO").email})
    assert again.status_code == 422


def test_a_nominee_who_leaves_frees_the_seat_for_their_country_only(
        client, other_client, database, world):
    course, cohort, diego = world["course"], world["cohort"], world["diego"]
    nomination = accepted(cohort, diego)
    waiting_co = nominate(cohort, make_user(country="CO", full_name="Carla Espera"),
                          status="waitlisted")
    peru_focal = make_focal_point(course.program, "PE")
    accepted(cohort, make_user(country="PE"), by=peru_focal)
    waiting_pe = nominate(cohort, make_user(country="PE"), "PE", status="waitlisted")
    login(client, diego)

    response = submit(client, f"/cohorts/{cohort.id}/withdraw", {},
                      form_url=f"/cohorts/{cohort.id}", follow_redirects=True)

    assert f"You have withdrawn from the cohort {cohort.code}." in page_text(response)
    assert fresh(database, nomination).status == "released"
    assert enrolment_status(database, cohort, diego) == EnrolmentStatus.WITHDRAWN
    login(other_client, world["coordinator"])
    page = page_text(other_client.get(REVIEW.format(cohort.id)))
    # Nobody moved up by themselves: the coordinators are told, and decide.
    assert fresh(database, waiting_co).status == "waitlisted"
    assert "Colombia has 1 free seat and people on its waiting list" in page
    assert "Peru has" not in page
    # Peru's seat is taken: the seat Colombia left is not Peru's.
    refused = decide(other_client, waiting_pe, "accepted")
    assert refused.status_code == 422
    assert "No seat of Peru is left." in page_text(refused)
    assert decide(other_client, waiting_co, "accepted").status_code == 302
    assert fresh(database, waiting_co).status == "accepted"


def test_a_substitute_waits_for_a_decision_when_the_seat_was_given_meanwhile(
        client, other_client, database, world):
    cohort = world["cohort"]
    nomination = accepted(cohort, world["diego"])
    waiting = nominate(cohort, make_user(country="CO"), status="waitlisted")
    login(client, world["coordinator"])
    release(client, nomination)
    decide(client, waiting, "accepted")
    login(other_client, world["focal"])
    substitute = make_user(country="CO")

    submit(other_client, f"/nominations/{nomination.id}/substitute",
           {"country": "CO", "email": substitute.email})

    new = database.session.scalar(database.select(Nomination).filter_by(
        user_id=substitute.id))
    assert new.status == "pending"
    assert enrolment_status(database, cohort, substitute) is None


@pytest.mark.parametrize(("status", "reason", "message"), [
    ("accepted", "   ", "Give the reason: the focal point and the nominee will read it."),
    ("accepted", "x" * 501, "Field cannot be longer than 500 characters."),
    ("pending", "Changed plans.", "Only an accepted nominee can be withdrawn from the cohort"),
    ("declined", "Changed plans.", "this nomination is: Declined."),
])
def test_a_bad_withdrawal_is_refused_and_changes_nothing(client, database, world, status,
                                                         reason, message):
    cohort = world["cohort"]
    nomination = (accepted(cohort, world["diego"]) if status == "accepted"
                  else nominate(cohort, world["diego"], status=status))
    login(client, world["coordinator"])
    before = all_counts(database)

    response = release(client, nomination, reason)

    assert response.status_code == 422
    assert message in page_text(response)
    assert fresh(database, nomination).status == status
    assert all_counts(database) == before


def test_the_refusal_speaks_the_coordinators_language(client, database, world):
    nomination = accepted(world["cohort"], world["diego"])
    world["coordinator"].locale = "es"
    login(client, world["coordinator"])
    response = release(client, nomination, "")
    assert response.status_code == 422
    assert "Indique el motivo: el punto focal y la persona postulada lo leerán." in page_text(
        response)


def test_only_the_hosts_coordinators_withdraw_a_nominee(client, database, world):
    nomination = accepted(world["cohort"], world["diego"])
    for someone in (world["focal"], world["diego"], make_coordinator(make_course().program)):
        login(client, someone)
        response = submit(client, f"/manage/nominations/{nomination.id}/release",
                          {f"w{nomination.id}-reason": "No."}, form_url="/profile")
        assert response.status_code == 403
    assert fresh(database, nomination).status == "accepted"


# ---------------------------------------------------------------- the race

@pytest.mark.parametrize("first", ["coordinator", "focal point"])
def test_a_substitute_and_an_acceptance_racing_for_a_freed_seat_take_it_once(
        app, backend, first):
    """Two requests, two connections, real commits: a coordinator accepts someone of
    Colombia's waiting list while the focal point names a substitute for the nominee who
    left, both for the one seat left free. The first holds its transaction open; the
    second waits for the cohort's row lock, counts again and loses: a refused acceptance,
    or a substitute left awaiting a decision. Never two people in one seat."""


    from lms.accounts.models import User
    from lms.cohorts import nomination_services
    from lms.cohorts.models import Enrolment
    from lms.errors import DomainError
    from lms.extensions import db
    from lms.notifications.models import Notification

    with app.app_context():
        course = make_course()
        cohort = nomination_cohort(course, seats=1)
        focal = make_focal_point(course.program, "CO")
        coordinator = make_coordinator(course.program)
        left = nominate(cohort, make_user(country="CO"), status="released")
        waiting = nominate(cohort, make_user(country="CO"), status="waitlisted")
        substitute = make_user(country="CO")
        db.session.commit()
        ids = {"cohort": cohort.id, "course": course.id, "program": course.program_id,
               "focal": focal.id, "coordinator": coordinator.id, "left": left.id,
               "waiting": waiting.id, "substitute_email": substitute.email,
               "users": [focal.id, coordinator.id, left.user_id, waiting.user_id,
                         substitute.id]}

    def accept() -> str:
        nomination = db.session.get(Nomination, ids["waiting"])
        nomination_services.decide(db.session.get(User, ids["coordinator"]), nomination,
                                   "accepted")
        return "done"

    def replace() -> str:
        nomination = db.session.get(Nomination, ids["left"])
        nomination_services.substitute(
            db.session.get(User, ids["focal"]), nomination,
            nomination_services.NomineeData(email=ids["substitute_email"]))
        return "done"

    works = {"coordinator": accept, "focal point": replace}
    second = next(name for name in works if name != first)
    try:
        outcomes = race_two(app, (first, "/", works[first]), (second, "/", works[second]))

        with app.app_context():
            replacement = db.session.scalar(db.select(Nomination).where(
                Nomination.replaces_id == ids["left"]))
            accepted_now = db.session.scalar(db.select(db.func.count()).where(
                Nomination.cohort_id == ids["cohort"], Nomination.status == "accepted"))
            seated = db.session.scalar(db.select(db.func.count()).where(
                Enrolment.cohort_id == ids["cohort"], Enrolment.status == "active"))
            waiting_status = db.session.get(Nomination, ids["waiting"]).status
        assert (accepted_now, seated) == (1, 1)
        if first == "coordinator":
            assert outcomes == {"coordinator": "done", "focal point": "done"}
            assert (waiting_status, replacement.status) == ("accepted", "pending")
        else:
            assert outcomes["focal point"] == "done"
            assert isinstance(outcomes["coordinator"], DomainError)
            assert "No seat of Colombia is left." in outcomes["coordinator"].message
            assert (waiting_status, replacement.status) == ("waitlisted", "accepted")
    finally:
        with app.app_context():
            db.session.execute(db.delete(Notification).where(
                Notification.user_id.in_(ids["users"])))
            db.session.commit()
        delete_race_world(app, ids)
