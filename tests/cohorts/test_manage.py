"""Coordinators create and edit cohorts and manage enrolments."""

from __future__ import annotations

import pytest

from lms.audit.models import AuditLog
from lms.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from tests.cohorts.conftest import counts, days
from tests.conftest import csrf_token, page_text, submit
from tests.conftest import sign_in_quickly as login
from tests.factories import (
    enrol,
    make_cohort,
    make_coordinator,
    make_course,
    make_institution,
    make_user,
)


def cohort_form(**changes) -> dict:
    form = {"code": "PICAP-HR-2030-ES", "language": "es", "host_institution_id": "",
            "country": "CO", "starts_on": days(30).isoformat(), "ends_on": days(60).isoformat(),
            "enrol_opens_on": days(0).isoformat(), "enrol_closes_on": days(20).isoformat(),
            "capacity": "30", "self_enrolment": "y", "instructors": ""}
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


@pytest.fixture
def course(database):
    return make_course(title="Human rights and use of force")


@pytest.fixture
def coordinator(client, course):
    user = make_coordinator(course.program)
    login(client, user)
    return user


def test_a_coordinator_creates_a_cohort(client, database, course, coordinator):
    host = make_institution("Policía Nacional de Colombia", kind="police", country="CO")
    instructor = make_user(email="instructor@example.org")

    response = submit(client, f"/manage/courses/{course.id}/cohorts/new", cohort_form(
        host_institution_id=str(host.id), instructors="Instructor@Example.org\n"))

    assert response.status_code == 302
    database.session.expire_all()
    cohort = database.session.scalar(database.select(Cohort))
    assert (cohort.code, cohort.language, cohort.country, cohort.capacity) == (
        "PICAP-HR-2030-ES", "es", "CO", 30)
    assert cohort.host_institution_id == host.id
    assert cohort.instructors == [instructor]
    assert cohort.self_enrolment is True
    assert response.headers["Location"].endswith(f"/manage/cohorts/{cohort.id}")
    entry = database.session.scalar(database.select(AuditLog))
    assert (entry.action, entry.actor_id, entry.after["instructors"]) == (
        "cohort.created", coordinator.id, ["instructor@example.org"])


@pytest.mark.parametrize(("changes", "message"), [
    ({"code": "bad code!"}, "Use only letters, digits, hyphens and underscores."),
    ({"code": "TAKEN-1"}, "Another cohort already has the code"),
    ({"ends_on": days(10).isoformat()}, "The end date cannot be before the start date."),
    ({"enrol_closes_on": days(-1).isoformat()}, "Enrolment cannot close before it opens."),
    ({"capacity": "0"}, "Number must be at least 1."),
    ({"country": "XX"}, "Not a valid choice"),
    ({"starts_on": ""}, "This field is required."),
    ({"instructors": "nobody@example.org\nghost@example.org"},
     "No user has these email addresses: nobody@example.org, ghost@example.org."),
])
def test_invalid_cohorts_are_refused_and_nothing_is_written(client, database, course,
                                                            coordinator, changes, message):
    make_cohort(course, code="TAKEN-1")
    before = counts(database)

    response = submit(client, f"/manage/courses/{course.id}/cohorts/new", cohort_form(**changes))

    assert response.status_code == 422
    assert message in page_text(response)
    assert counts(database) == before


@pytest.mark.parametrize(("changes", "message"), [
    ({"starts_on": "0001-01-01"}, "Enter a date between"),
    ({"ends_on": "2101-01-01"}, "Enter a date between"),
    ({"enrol_opens_on": "1899-12-31"}, "Enter a date between"),
    ({"starts_on": "2026-02-30"}, "Not a valid date"),
    ({"starts_on": "9999-99-99"}, "Not a valid date"),
    ({"enrol_closes_on": "tomorrow"}, "Not a valid date"),
    ({"capacity": "99999999999999999999"}, "This number is too large."),
    ({"capacity": "NaN"}, "Not a valid integer value."),
])
def test_dates_and_numbers_out_of_range_are_refused_with_their_reason(
        client, database, course, coordinator, changes, message):
    before = counts(database)

    response = submit(client, f"/manage/courses/{course.id}/cohorts/new", cohort_form(**changes))

    assert response.status_code == 422
    assert message in page_text(response)
    assert "This field is required." not in page_text(response)
    assert counts(database) == before


def test_an_old_date_is_shown_with_four_digits(client, database, course, coordinator):
    from datetime import date

    cohort = make_cohort(course, code="OLD-DATES")
    cohort.enrol_opens_on = date(999, 1, 2)  # stored before dates were bounded
    database.session.flush()

    page = client.get(f"/manage/cohorts/{cohort.id}").get_data(as_text=True)

    assert 'value="0999-01-02"' in page


def test_a_coordinator_edits_a_cohort_but_not_below_seats_taken(client, database, course,
                                                                coordinator):
    cohort = make_cohort(course, code="OLD-CODE", capacity=5)
    enrol(cohort)
    enrol(cohort)
    url = f"/manage/cohorts/{cohort.id}"

    refused = submit(client, url, cohort_form(code="NEW-CODE", capacity="1"))
    assert refused.status_code == 422
    assert "Seats taken already: 2. The capacity cannot be lower." in page_text(refused)
    database.session.expire_all()
    assert database.session.get(Cohort, cohort.id).code == "OLD-CODE"

    response = submit(client, url, cohort_form(code="NEW-CODE", capacity="2",
                                               self_enrolment=None))
    assert response.status_code == 302
    database.session.expire_all()
    cohort = database.session.get(Cohort, cohort.id)
    assert (cohort.code, cohort.capacity, cohort.self_enrolment) == ("NEW-CODE", 2, False)
    entry = database.session.scalar(database.select(AuditLog).where(
        AuditLog.action == "cohort.updated"))
    assert entry.before["code"] == "OLD-CODE" and entry.after["code"] == "NEW-CODE"


def test_the_edit_form_shows_the_current_settings(client, database, course, coordinator):
    instructor = make_user(email="teacher@example.org")
    cohort = make_cohort(course, code="SHOWN-1", instructors=[instructor], capacity=12)
    response = client.get(f"/manage/cohorts/{cohort.id}")
    html = response.get_data(as_text=True)
    assert 'value="SHOWN-1"' in html and 'value="12"' in html
    assert "teacher@example.org</textarea>" in html


def test_others_may_not_manage_cohorts(client, other_client, database, course):
    cohort = make_cohort(course)
    outsider = make_coordinator(make_course().program)
    instructor = make_user()
    cohort.instructors.append(instructor)
    database.session.flush()

    login(client, outsider)
    assert client.get(f"/manage/courses/{course.id}/cohorts/new").status_code == 403
    assert client.get(f"/manage/cohorts/{cohort.id}").status_code == 403
    login(other_client, instructor)
    assert other_client.get(f"/manage/cohorts/{cohort.id}").status_code == 403
    assert client.get("/manage/cohorts/999999").status_code == 404


def test_a_coordinator_enrols_an_existing_user_by_email(client, database, course, coordinator):
    cohort = make_cohort(course, capacity=1)
    trainee = make_user(email="trainee@example.org", full_name="Jean-Baptiste Joseph")
    url = f"/manage/cohorts/{cohort.id}"

    unknown = submit(client, f"{url}/enrolments", {"enrol-email": "nobody@example.org"},
                     form_url=url)
    assert unknown.status_code == 422
    assert "No user has the email address nobody@example.org." in page_text(unknown)

    response = submit(client, f"{url}/enrolments", {"enrol-email": "Trainee@example.org"},
                      form_url=url)
    assert response.status_code == 302
    page = page_text(client.get(url))
    assert "trainee@example.org is enrolled." in page
    assert "Jean-Baptiste Joseph" in page

    again = submit(client, f"{url}/enrolments", {"enrol-email": "trainee@example.org"},
                   form_url=url)
    assert again.status_code == 302
    full = submit(client, f"{url}/enrolments", {"enrol-email": make_user().email},
                  form_url=url)
    assert full.status_code == 422 and "This cohort is full." in page_text(full)
    assert database.session.scalar(database.select(database.func.count(Enrolment.id))) == 1
    entry = database.session.scalar(database.select(AuditLog))
    assert (entry.action, entry.actor_id, entry.after["user_id"]) == (
        "enrolment.enrolled", coordinator.id, trainee.id)


def test_a_coordinator_changes_an_enrolments_status(client, database, course, coordinator):
    cohort = make_cohort(course, capacity=1)
    enrolment = enrol(cohort, status=EnrolmentStatus.WITHDRAWN)
    enrol(cohort)  # the only seat is taken
    url = f"/manage/enrolments/{enrolment.id}/status"
    token = csrf_token(client, f"/manage/cohorts/{cohort.id}")

    full = client.post(url, data={"csrf_token": token, "status": "active"})
    assert full.status_code == 422 and "This cohort is full." in page_text(full)

    done = client.post(url, data={"csrf_token": token, "status": "failed"})
    assert done.status_code == 422  # "failed" takes a seat as well

    bogus = client.post(url, data={"csrf_token": token, "status": "graduated"})
    assert bogus.status_code == 422

    cohort.capacity = 2
    database.session.flush()
    response = client.post(url, data={"csrf_token": token, "status": "active"})
    assert response.status_code == 302
    database.session.expire_all()
    assert database.session.get(Enrolment, enrolment.id).status == "active"
    entry = database.session.scalar(database.select(AuditLog).where(
        AuditLog.action == "enrolment.status_changed"))
    assert (entry.before["status"], entry.after["status"]) == ("withdrawn", "active")
