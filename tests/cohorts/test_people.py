"""People: coordinators and instructors find the people of their own cohorts only."""

from __future__ import annotations

import pytest

from lms.cohorts.models import Enrolment
from tests.conftest import page_text
from tests.conftest import sign_in_quickly as login
from tests.factories import (
    enrol,
    make_cohort,
    make_coordinator,
    make_course,
    make_institution,
    make_program,
    make_user,
)


@pytest.fixture
def cohorts(database):
    """Two programs; cohort A (taught by Ines) and B in the first, C in the other."""
    program, other = make_program(code="PRA"), make_program(code="PRB")
    course = make_course(program, title="Interviewing skills")
    instructor = make_user(email="ines@example.org", full_name="Ines Instructor")
    a = make_cohort(course, code="COH-A", instructors=[instructor])
    b = make_cohort(course, code="COH-B")
    c = make_cohort(make_course(other), code="COH-C")
    police = make_institution("Policía Federal")
    ana = make_user(email="ana@example.org", full_name="Ana Alvarez", country="AR",
                    institution=police)
    bruno = make_user(email="bruno@example.org", full_name="Bruno Borges", country="BR")
    carla = make_user(email="carla@example.org", full_name="Carla Castro", country="CO")
    enrol(a, ana)
    enrol(b, bruno, status="withdrawn")
    enrol(c, carla)
    enrol(c, ana)
    return {"program": program, "other": other, "a": a, "b": b, "c": c,
            "instructor": instructor, "ana": ana}


def test_a_coordinator_finds_the_people_of_their_programs_only(client, cohorts):
    login(client, make_coordinator(cohorts["program"]))

    response = client.get("/people")
    text = page_text(response)

    assert response.status_code == 200
    assert "3 people found." in text
    assert "Ana Alvarez" in text and "Bruno Borges" in text and "Ines Instructor" in text
    assert "Carla Castro" not in text
    # Ana's enrolment in the other program's cohort stays hidden.
    assert "COH-C" not in text
    assert "Argentina" in text and "Policía Federal" in text


def test_an_instructor_sees_the_people_of_the_cohorts_they_teach(client, cohorts):
    login(client, cohorts["instructor"])

    text = page_text(client.get("/people"))

    assert "2 people found." in text
    assert "Ana Alvarez" in text and "Ines Instructor" in text
    assert "Bruno Borges" not in text
    # The cohort filter offers only the cohorts the instructor teaches.
    assert "COH-B" not in text


def test_each_enrolment_links_to_the_roster_and_the_gradebook_row(client, cohorts, database):
    login(client, cohorts["instructor"])
    enrolment = database.session.scalar(database.select(Enrolment).where(
        Enrolment.user_id == cohorts["ana"].id, Enrolment.cohort_id == cohorts["a"].id))

    html = client.get("/people?q=ana").get_data(as_text=True)

    roster = f"/cohorts/{cohorts['a'].id}/roster"
    gradebook = f"/cohorts/{cohorts['a'].id}/gradebook/{enrolment.id}"
    assert roster in html and gradebook in html
    assert client.get(roster).status_code == 200
    assert client.get(gradebook).status_code == 200


def test_filters_by_name_country_cohort_and_status(client, cohorts):
    login(client, make_coordinator(cohorts["program"]))

    by_email = page_text(client.get("/people?q=BRUNO%40"))
    by_country = page_text(client.get("/people?country=AR"))
    by_cohort = page_text(client.get(f"/people?cohort={cohorts['b'].id}"))
    by_status = page_text(client.get("/people?status=active"))

    assert "1 person found." in by_email and "Bruno Borges" in by_email
    assert "1 person found." in by_country and "Ana Alvarez" in by_country
    assert "1 person found." in by_cohort and "Bruno Borges" in by_cohort
    # A status is an enrolment's: the instructor, who has none, drops out.
    assert "1 person found." in by_status and "Ana Alvarez" in by_status


def test_a_search_that_matches_nobody_says_so(client, cohorts):
    login(client, make_coordinator(cohorts["program"]))

    text = page_text(client.get("/people?q=zz_nobody%25"))

    assert "0 people found." in text
    assert "Nobody matches these filters." in text


def test_another_programs_cohort_is_refused_as_a_filter(client, cohorts):
    login(client, make_coordinator(cohorts["program"]))

    response = client.get(f"/people?cohort={cohorts['c'].id}")

    assert response.status_code == 422
    assert "Not a valid choice" in page_text(response)
    assert "Carla Castro" not in page_text(response)


def test_an_unknown_status_is_refused(client, cohorts):
    login(client, make_coordinator(cohorts["program"]))

    response = client.get("/people?status=graduated")

    assert response.status_code == 422
    assert "people found" not in page_text(response)


def test_trainees_and_officers_may_not_open_it(client, cohorts):
    login(client, cohorts["ana"])
    assert client.get("/people").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, cohorts):
    response = client.get("/people")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_an_admin_sees_everybody(client, cohorts):
    login(client, make_user(admin=True))

    text = page_text(client.get("/people"))

    assert "4 people found." in text
    assert "Carla Castro" in text and "COH-C" in text


def test_the_navigation_and_home_link_to_it_for_staff(client, cohorts):
    login(client, cohorts["instructor"])
    home = client.get("/").get_data(as_text=True)
    assert home.count('href="/people"') >= 2  # the menu and the teaching part
    login(client, cohorts["ana"])
    assert 'href="/people"' not in client.get("/").get_data(as_text=True)


def _queries(client, count_queries, database, people: int) -> int:
    program = make_program()
    course = make_course(program)
    cohort = make_cohort(course, instructors=[make_user()])
    other = make_cohort(course)
    for _ in range(people):
        person = make_user(institution=make_institution())
        enrol(cohort, person)
        enrol(other, person, status="completed")
    login(client, make_coordinator(program))
    client.get("/people")  # warm: templates compiled, as in a running server
    database.session.expire_all()
    with count_queries("people", f"{people} people") as counter:
        response = client.get("/people")
    assert response.status_code == 200
    # The trainees and the instructor, each shown once with both enrolments.
    assert f"{people + 1} people found." in page_text(response)
    return counter.count


def test_the_query_count_does_not_grow_with_the_results(client, count_queries, database):
    small = _queries(client, count_queries, database, 2)
    large = _queries(client, count_queries, database, 20)
    assert small == large
