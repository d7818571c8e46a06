"""Self-enrolment, its refusals, withdrawing and enrolling again."""

from __future__ import annotations

import pytest

from lms.audit.models import AuditLog
from lms.cohorts.models import Enrolment, EnrolmentStatus
from tests.cohorts.conftest import TODAY, count, counts, days, delete_race_world, race_two
from tests.conftest import csrf_token, page_text
from tests.conftest import sign_in_quickly as login
from tests.factories import enrol, make_cohort, make_course, make_user


def post_enrol(client, cohort):
    token = csrf_token(client, "/dashboard")
    return client.post(f"/cohorts/{cohort.id}/enrol", data={"csrf_token": token})


def enrolment_of(database, cohort, user) -> Enrolment | None:
    database.session.expire_all()
    return database.session.scalar(database.select(Enrolment).filter_by(
        cohort_id=cohort.id, user_id=user.id))


def test_a_trainee_enrols_in_an_open_cohort(client, database):
    cohort = make_cohort(make_course(title="Human rights and use of force"))
    trainee = make_user()
    login(client, trainee)

    response = post_enrol(client, cohort)

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cohorts/{cohort.id}")
    assert enrolment_of(database, cohort, trainee).status == EnrolmentStatus.ACTIVE
    assert database.session.scalar(database.select(AuditLog.action).where(
        AuditLog.actor_id == trainee.id)) == "enrolment.self_enrolled"
    page = client.get(response.headers["Location"])
    assert "You are enrolled" in page_text(page)
    assert "Human rights and use of force" in page_text(page)


@pytest.mark.parametrize(("setup", "message"), [
    (dict(published=False), "not open for enrolment"),
    (dict(self_enrolment=False), "does not take enrolments online"),
    (dict(opens=days(3), closes=days(10)), "Enrolment opens on"),
    (dict(opens=days(-30), closes=days(-1)), "Enrolment for this cohort is closed."),
])
def test_refusals_write_nothing_and_say_why(client, database, setup, message):
    setup = dict(setup)  # the same dict serves both databases
    published = setup.pop("published", True)
    course = make_course(published=published)
    cohort = make_cohort(course, **setup)
    if cohort.capacity:
        enrol(cohort)
    trainee = make_user()
    login(client, trainee)
    before = counts(database)

    response = post_enrol(client, cohort)

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/courses/{course.code}")
    assert counts(database) == before
    assert enrolment_of(database, cohort, trainee) is None
    with client.session_transaction() as session:
        flashed = [text for _category, text in session.get("_flashes", [])]
    assert any(message in text for text in flashed), flashed


def test_the_opening_date_is_given(client, database):
    cohort = make_cohort(opens=days(3), closes=days(10))
    login(client, make_user())
    post_enrol(client, cohort)
    with client.session_transaction() as session:
        (_category, text), = session["_flashes"]
    from flask_babel import format_date

    assert text == f"Enrolment opens on {format_date(days(3))}."


def test_enrolling_twice_keeps_one_enrolment(client, database):
    cohort = make_cohort()
    trainee = make_user()
    login(client, trainee)

    post_enrol(client, cohort)
    response = post_enrol(client, cohort)

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cohorts/{cohort.id}")
    assert count(database, Enrolment) == 1
    assert "already enrolled" in page_text(client.get(response.headers["Location"]))


def test_a_trainee_withdraws_and_enrols_again(client, database):
    cohort = make_cohort(capacity=1)
    trainee = make_user()
    enrol(cohort, trainee)
    login(client, trainee)

    response = client.post(f"/cohorts/{cohort.id}/withdraw",
                           data={"csrf_token": csrf_token(client, f"/cohorts/{cohort.id}")})

    assert response.status_code == 302
    assert enrolment_of(database, cohort, trainee).status == EnrolmentStatus.WITHDRAWN
    assert "enrolment.withdrawn" in database.session.scalars(
        database.select(AuditLog.action)).all()
    # Withdrawn: the cohort page is closed to them, and the seat is free again.
    assert client.get(f"/cohorts/{cohort.id}").status_code == 403
    dashboard = page_text(client.get("/dashboard"))
    assert "Withdrawn" in dashboard

    post_enrol(client, cohort)

    assert enrolment_of(database, cohort, trainee).status == EnrolmentStatus.ACTIVE
    assert count(database, Enrolment) == 1


def test_a_withdrawn_trainee_coming_back_to_a_full_cohort_waits(client, other_client, database):
    cohort = make_cohort(capacity=1)
    trainee = make_user()
    enrol(cohort, trainee, status=EnrolmentStatus.WITHDRAWN)
    enrol(cohort)  # someone took the seat

    login(client, trainee)
    post_enrol(client, cohort)

    # No seat: their old enrolment goes on the waiting list (tests/cohorts/test_waiting_list.py).
    assert enrolment_of(database, cohort, trainee).status == EnrolmentStatus.WAITLISTED


def test_capacity_is_respected(client, other_client, database):
    cohort = make_cohort(capacity=2)
    enrol(cohort)
    first, second = make_user(), make_user()
    login(client, first)
    login(other_client, second)

    post_enrol(client, cohort)
    post_enrol(other_client, cohort)

    assert enrolment_of(database, cohort, first).status == EnrolmentStatus.ACTIVE
    assert enrolment_of(database, cohort, second).status == EnrolmentStatus.WAITLISTED
    assert database.session.scalar(database.select(database.func.count()).where(
        Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.ACTIVE)) == 2


def test_enrolling_needs_a_signed_in_user_and_a_csrf_token(client, database):
    cohort = make_cohort()
    response = client.post(f"/cohorts/{cohort.id}/enrol",
                           data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302 and "/login" in response.headers["Location"]

    login(client, make_user())
    assert client.post(f"/cohorts/{cohort.id}/enrol").status_code == 400
    assert count(database, Enrolment) == 0


def test_the_last_seat_goes_to_only_one_of_two_simultaneous_trainees(app, backend):
    """Two requests, two connections, real commits: the cohort's row lock decides.

    The first trainee takes the last seat and holds the transaction open; the second
    tries meanwhile. On PostgreSQL it waits for the cohort's row lock; on SQLite a
    POST request's transaction takes the database's write lock up front and waits
    for it. Either way it then finds the cohort full and joins the waiting list.
    Without the lock both would count zero seats taken and both would get in.
    """

    from lms.accounts.models import User
    from lms.cohorts import services
    from lms.cohorts.models import Cohort
    from lms.extensions import db

    with app.app_context():
        course = make_course()
        cohort = make_cohort(course, capacity=1)
        first, second = make_user(), make_user()
        db.session.commit()
        ids = {"cohort": cohort.id, "course": course.id, "program": course.program_id,
               "users": [first.id, second.id]}

    def enrol_user(user_id: int):
        # As inside the POST /cohorts/<id>/enrol request.
        return lambda: str(services.self_enrol(
            db.session.get(User, user_id), db.session.get(Cohort, ids["cohort"]), TODAY))

    path = f"/cohorts/{ids['cohort']}/enrol"
    try:
        outcomes = race_two(app, ("first", path, enrol_user(ids["users"][0])),
                            ("second", path, enrol_user(ids["users"][1])))

        assert outcomes == {"first": "enrolled", "second": "waitlisted"}
        with app.app_context():
            assert db.session.scalar(db.select(db.func.count()).where(
                Enrolment.cohort_id == ids["cohort"],
                Enrolment.status == EnrolmentStatus.ACTIVE)) == 1
    finally:
        delete_race_world(app, ids)
