"""Cohort schedules: the time zone, sessions and their rules, the agenda, and registers
taken from planned sessions."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import pytest

from lms.assessments.attendance.models import AttendanceSession
from lms.audit.models import AuditLog
from lms.cohorts.models import Cohort
from lms.cohorts.schedule import CohortSession
from lms.cohorts.schedule_zones import default_zone
from tests.assessments.factories import make_assessment
from tests.cohorts.conftest import days
from tests.conftest import page_text, submit
from tests.conftest import sign_in_quickly as login
from tests.factories import enrol, make_cohort, make_coordinator, make_course, make_user


def cohort_form(**changes) -> dict:
    form = {"code": "PICAP-BOG-2030", "language": "es", "host_institution_id": "",
            "country": "CO", "time_zone": "", "starts_on": days(30).isoformat(),
            "ends_on": days(60).isoformat(), "enrol_opens_on": days(0).isoformat(),
            "enrol_closes_on": days(20).isoformat(), "capacity": "30",
            "self_enrolment": "y", "instructors": ""}
    form.update(changes)
    return form


def session_form(**changes) -> dict:
    form = {"day": "2030-03-04", "starts": "09:00", "ends": "12:30", "topic": "Use of force",
            "place": "Room 2, Police Academy", "online_url": "", "instructor_id": ""}
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


def audits(database, prefix: str) -> list[str]:
    return list(database.session.scalars(database.select(AuditLog.action).where(
        AuditLog.action.startswith(prefix)).order_by(AuditLog.id)))


def sessions_of(database, cohort) -> list[CohortSession]:
    database.session.expire_all()
    return list(database.session.scalars(database.select(CohortSession).where(
        CohortSession.cohort_id == cohort.id).order_by(CohortSession.starts_at)))


@pytest.fixture
def world(database):
    instructor = make_user(full_name="Ines Instructor", country="CO")
    course = make_course(title="Human rights and use of force")
    cohort = make_cohort(course, country="CO", language="es", instructors=[instructor])
    return {"course": course, "cohort": cohort, "instructor": instructor,
            "coordinator": make_coordinator(course.program, country="CO")}


# ---------------------------------------------------------------- time zone

@pytest.mark.parametrize(("country", "zone"), [
    ("CO", "America/Bogota"), ("FR", "Europe/Paris"),
    # Several zones: the capital's.
    ("US", "America/New_York"), ("BR", "America/Sao_Paulo"), ("MX", "America/Mexico_City"),
    ("DE", "Europe/Berlin"), (None, "UTC"), ("ZZ", "UTC"),
])
def test_the_zone_defaults_from_the_country(country, zone):
    assert default_zone(country) == zone


def test_a_coordinator_sets_the_zone_and_a_country_gives_the_default(client, database, world):
    course, cohort = world["course"], world["cohort"]
    login(client, world["coordinator"])
    url = f"/manage/cohorts/{cohort.id}"
    assert "hora de Colombia" not in page_text(client.get(url))  # English interface
    assert "Now: America/Bogota." in page_text(client.get(url))

    # Empty: the country's zone, which follows the country.
    response = submit(client, url, cohort_form(code=cohort.code, country="US"))
    assert response.status_code == 302
    database.session.expire_all()
    assert cohort.time_zone is None and cohort.zone_name == "America/New_York"

    response = submit(client, url, cohort_form(code=cohort.code, country="US",
                                               time_zone="America/Chicago"))
    assert response.status_code == 302
    database.session.expire_all()
    assert cohort.zone_name == "America/Chicago"
    assert "cohort.time_zone_changed" in audits(database, "cohort.time_zone")

    # A new cohort in Brazil, zone left empty: the capital's.
    response = submit(client, f"/manage/courses/{course.id}/cohorts/new",
                      cohort_form(code="PICAP-BSB", country="BR"))
    assert response.status_code == 302
    new = database.session.scalar(database.select(Cohort).where(Cohort.code == "PICAP-BSB"))
    assert new.zone_name == "America/Sao_Paulo"


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "bogota", "America/Bogota; DROP",
                                  "x" * 70])
def test_an_unknown_zone_is_refused_and_nothing_changes(client, database, world, zone):
    cohort = world["cohort"]
    login(client, world["coordinator"])
    before = len(audits(database, ""))

    response = submit(client, f"/manage/cohorts/{cohort.id}",
                      cohort_form(code="CHANGED-CODE", time_zone=zone))

    assert response.status_code == 422
    text = page_text(response)
    assert "Unknown time zone" in text or "characters" in text
    database.session.expire_all()
    assert cohort.code != "CHANGED-CODE" and cohort.time_zone is None
    assert len(audits(database, "")) == before


def test_changing_the_zone_keeps_the_sessions_wall_clock_times(client, database, world):
    cohort = world["cohort"]
    login(client, world["coordinator"])
    submit(client, f"/cohorts/{cohort.id}/schedule", session_form())
    [session] = sessions_of(database, cohort)
    assert session.starts_at.replace(tzinfo=None) == datetime(2030, 3, 4, 14, 0)  # UTC-5

    response = submit(client, f"/manage/cohorts/{cohort.id}",
                      cohort_form(code=cohort.code, time_zone="America/Sao_Paulo"))

    assert response.status_code == 302
    [session] = sessions_of(database, cohort)
    assert session.starts_at.replace(tzinfo=None) == datetime(2030, 3, 4, 12, 0)  # UTC-3
    assert session.sequence == 1  # calendars are told


# ---------------------------------------------------------------- sessions

def test_an_instructor_plans_edits_and_deletes_a_session(client, database, world):
    cohort, instructor = world["cohort"], world["instructor"]
    login(client, instructor)
    url = f"/cohorts/{cohort.id}/schedule"

    response = submit(client, url, session_form(
        instructor_id=str(instructor.id), online_url="https://meet.example.org/picap",
        interpretation_languages=["en", "pt"]))

    assert response.status_code == 302
    [session] = sessions_of(database, cohort)
    # 09:00 in Bogotá (UTC-5) is 14:00 UTC.
    assert session.starts_at.replace(tzinfo=None) == datetime(2030, 3, 4, 14, 0)
    assert session.ends_at.replace(tzinfo=None) == datetime(2030, 3, 4, 17, 30)
    assert session.interpretation_codes == ["en", "pt"]
    assert session.instructor_id == instructor.id
    text = page_text(client.get(url))
    assert "Use of force" in text and "9:00 AM to 12:30 PM" in text
    assert "English, Portuguese" in text

    response = submit(client, f"{url}/{session.id}", session_form(
        topic="Use of force, part 2", instructor_id=str(instructor.id),
        online_url="https://meet.example.org/picap", interpretation_languages=["en", "pt"]))
    assert response.status_code == 302
    [session] = sessions_of(database, cohort)
    assert session.topic == "Use of force, part 2" and session.sequence == 1

    # Saving it unchanged tells calendars nothing new.
    submit(client, f"{url}/{session.id}", session_form(
        topic="Use of force, part 2", instructor_id=str(instructor.id),
        online_url="https://meet.example.org/picap", interpretation_languages=["en", "pt"]))
    assert sessions_of(database, cohort)[0].sequence == 1

    response = submit(client, f"{url}/{session.id}/delete", form_url=url)
    assert response.status_code == 302
    assert sessions_of(database, cohort) == []
    assert audits(database, "cohort_session.") == [
        "cohort_session.created", "cohort_session.updated", "cohort_session.deleted"]


@pytest.mark.parametrize(("changes", "message"), [
    ({"ends": "08:00"}, "The session must end after it starts."),
    ({"ends": "09:00"}, "The session must end after it starts."),
    ({"day": ""}, "Enter the date."),
    ({"starts": ""}, "Enter the start time."),
    ({"starts": "25:00"}, "Not a valid time value"),
    ({"topic": "  "}, "This field is required."),
    ({"place": "", "online_url": ""}, "Give the place, the online link, or both."),
    ({"online_url": "http://meet.example.org/x"}, "starting with https://"),
    ({"online_url": "javascript:alert(1)"}, "starting with https://"),
    ({"online_url": "https://"}, "starting with https://"),
    ({"interpretation_languages": ["xx"]}, "Choose interpretation languages from the list."),
    ({"interpretation_languages": ["es"]}, "The language of instruction cannot also be"),
])
def test_bad_sessions_are_refused_and_nothing_is_written(client, database, world, changes,
                                                         message):
    cohort = world["cohort"]
    login(client, world["coordinator"])

    response = submit(client, f"/cohorts/{cohort.id}/schedule", session_form(**changes))

    assert response.status_code == 422
    assert message in page_text(response)
    assert sessions_of(database, cohort) == []
    assert audits(database, "cohort_session.") == []


def test_the_instructor_must_be_one_of_the_cohorts(client, database, world):
    cohort = world["cohort"]
    stranger = make_user(full_name="Not Teaching Here")
    login(client, world["coordinator"])
    response = submit(client, f"/cohorts/{cohort.id}/schedule",
                      session_form(instructor_id=str(stranger.id)))
    assert response.status_code == 422
    assert "Choose one of the cohort's instructors." in html.unescape(page_text(response))
    assert sessions_of(database, cohort) == []


def test_a_time_the_clocks_skip_is_refused(client, database, world):
    cohort = world["cohort"]
    cohort.time_zone = "America/New_York"
    login(client, world["coordinator"])
    # 2030-03-10: New York's clocks jump from 02:00 to 03:00.
    response = submit(client, f"/cohorts/{cohort.id}/schedule",
                      session_form(day="2030-03-10", starts="02:30", ends="04:00"))
    assert response.status_code == 422
    assert "02:30 does not exist on that day in America/New_York" in page_text(response)
    assert sessions_of(database, cohort) == []


def test_trainees_and_strangers_cannot_plan(client, database, world):
    cohort = world["cohort"]
    trainee = make_user()
    enrol(cohort, trainee)
    login(client, trainee)
    assert client.get(f"/cohorts/{cohort.id}/schedule").status_code == 403
    response = client.post(f"/cohorts/{cohort.id}/schedule", data=session_form())
    assert response.status_code in (400, 403)
    assert sessions_of(database, cohort) == []


# ---------------------------------------------------------------- agenda

def _plan(database, cohort, start: datetime, end: datetime, topic: str) -> CohortSession:
    session = CohortSession(cohort_id=cohort.id, starts_at=start, ends_at=end, topic=topic,
                            place="Room 2")
    database.session.add(session)
    database.session.flush()
    return session


def test_the_agenda_shows_the_cohort_zone_and_the_viewers(client, database, world):
    cohort = world["cohort"]
    # 14:00 UTC: 09:00 in Bogotá, 15:00 in Paris (winter time).
    _plan(database, cohort, datetime(2030, 1, 15, 14, 0, tzinfo=UTC),
          datetime(2030, 1, 15, 16, 0, tzinfo=UTC), "Human rights law")
    make_assessment(world["course"], title="Final exam",
                    due_at=datetime(2030, 1, 20, 4, 59, tzinfo=UTC))
    trainee = make_user(country="FR")
    enrol(cohort, trainee)
    login(client, trainee)

    response = client.get(f"/cohorts/{cohort.id}/agenda")

    assert response.status_code == 200
    text = page_text(response)
    assert "Colombia Time" in text and "France Time" in text
    assert "Human rights law" in text
    assert "9:00 AM to 11:00 AM" in text  # in Bogotá
    assert "Tuesday, January 15, 2030, 3:00 PM to 5:00 PM" in text  # in Paris
    # Due at 04:59 UTC on the 20th: still the 19th in Bogotá.
    assert "Due: Final exam" in text and "Saturday, January 19, 2030" in text
    assert text.index("Human rights law") < text.index("Due: Final exam")


def test_a_viewer_in_the_cohorts_zone_sees_one_time(client, database, world):
    cohort = world["cohort"]
    _plan(database, cohort, datetime(2030, 1, 15, 14, 0, tzinfo=UTC),
          datetime(2030, 1, 15, 16, 0, tzinfo=UTC), "Human rights law")
    login(client, world["instructor"])  # a Colombian
    text = page_text(client.get(f"/cohorts/{cohort.id}/agenda"))
    assert "9:00 AM to 11:00 AM" in text and "Your time" not in text


def test_the_agenda_speaks_the_readers_language(client, database, world):
    cohort = world["cohort"]
    _plan(database, cohort, datetime(2030, 1, 15, 14, 0, tzinfo=UTC),
          datetime(2030, 1, 15, 16, 0, tzinfo=UTC), "Derecho humanitario")
    trainee = make_user(country="CO", locale="es")
    enrol(cohort, trainee)
    login(client, trainee)
    text = page_text(client.get(f"/cohorts/{cohort.id}/agenda"))
    assert "martes, 15 de enero de 2030" in text and "hora de Colombia" in text


def test_a_non_member_cannot_open_the_agenda(client, database, world):
    cohort = world["cohort"]
    other = make_cohort(world["course"])
    outsider = make_user()
    enrol(other, outsider)
    login(client, outsider)
    assert client.get(f"/cohorts/{cohort.id}/agenda").status_code == 403
    # A trainee waiting for a seat is not in the cohort yet either.
    waiting = make_user()
    enrol(cohort, waiting, status="waitlisted")
    login(client, waiting)
    assert client.get(f"/cohorts/{cohort.id}/agenda").status_code == 403


def test_the_cohort_page_links_the_agenda(client, database, world):
    cohort = world["cohort"]
    trainee = make_user()
    enrol(cohort, trainee)
    login(client, trainee)
    html = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert f'href="/cohorts/{cohort.id}/agenda"' in html


# ---------------------------------------------------------------- attendance

def test_the_attendance_page_lists_planned_sessions_one_click_from_a_register(
        client, database, world):
    cohort = world["cohort"]
    planned = _plan(database, cohort, datetime(2030, 1, 15, 14, 0, tzinfo=UTC),
                    datetime(2030, 1, 15, 16, 0, tzinfo=UTC), "Human rights law")
    enrol(cohort, make_user(full_name="Ana Trainee"))
    login(client, world["instructor"])
    url = f"/cohorts/{cohort.id}/attendance"
    text = page_text(client.get(url))
    assert "Planned sessions" in text
    assert "Take the register of Tuesday, January 15, 2030, 9:00 AM" in text

    response = submit(client, f"{url}/planned/{planned.id}", form_url=url)

    assert response.status_code == 302
    register = database.session.scalar(database.select(AttendanceSession).where(
        AttendanceSession.scheduled_session_id == planned.id))
    assert response.headers["Location"].endswith(f"{url}/{register.id}")
    assert register.title == "Human rights law"
    assert register.starts_at.replace(tzinfo=None) == datetime(2030, 1, 15, 14, 0)
    assert "Ana Trainee" in page_text(client.get(f"{url}/{register.id}"))

    # The second click opens the same register.
    response = submit(client, f"{url}/planned/{planned.id}", form_url=url)
    assert response.headers["Location"].endswith(f"{url}/{register.id}")
    assert database.session.scalar(database.select(database.func.count()).select_from(
        AttendanceSession)) == 1
    assert "Open the register of" in page_text(client.get(url))


def test_a_register_added_by_hand_at_that_moment_becomes_the_sessions(client, database, world):
    cohort = world["cohort"]
    planned = _plan(database, cohort, datetime(2030, 1, 15, 14, 0, tzinfo=UTC),
                    datetime(2030, 1, 15, 16, 0, tzinfo=UTC), "Human rights law")
    by_hand = AttendanceSession(cohort_id=cohort.id, title="Day 1",
                                starts_at=datetime(2030, 1, 15, 14, 0, tzinfo=UTC))
    database.session.add(by_hand)
    database.session.flush()
    login(client, world["instructor"])
    url = f"/cohorts/{cohort.id}/attendance"
    response = submit(client, f"{url}/planned/{planned.id}", form_url=url)
    assert response.headers["Location"].endswith(f"{url}/{by_hand.id}")
    database.session.expire_all()
    assert by_hand.scheduled_session_id == planned.id


def test_trainees_cannot_open_registers_of_planned_sessions(client, database, world):
    cohort = world["cohort"]
    planned = _plan(database, cohort, datetime(2030, 1, 15, 14, 0, tzinfo=UTC),
                    datetime(2030, 1, 15, 16, 0, tzinfo=UTC), "Human rights law")
    trainee = make_user()
    enrol(cohort, trainee)
    login(client, trainee)
    response = submit(client, f"/cohorts/{cohort.id}/attendance/planned/{planned.id}",
                      form_url=f"/cohorts/{cohort.id}/agenda")
    assert response.status_code == 403
    assert database.session.scalar(database.select(database.func.count()).select_from(
        AttendanceSession)) == 0


def test_the_agenda_costs_the_same_for_many_sessions(client, database, world, count_queries):
    cohort = world["cohort"]
    trainee = make_user(country="FR")
    enrol(cohort, trainee)
    login(client, trainee)

    def agenda_queries(sessions: int) -> int:
        for n in range(sessions):
            start = datetime(2030, 1, 1, 14, 0, tzinfo=UTC).replace(day=1 + n % 28, hour=n % 20)
            _plan(database, cohort, start, start.replace(minute=59), f"Session {n}")
            make_assessment(world["course"], title=f"Exam {n}", due_at=start)
        database.session.commit()
        with count_queries("cohort agenda", f"{sessions} sessions") as counter:
            assert client.get(f"/cohorts/{cohort.id}/agenda").status_code == 200
        return counter.count

    few = agenda_queries(2)
    many = agenda_queries(30)
    assert many == few
