"""iCalendar feeds: they parse, keep local times across daylight saving, follow changes,
and open only with a live secret address."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, time
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar

from lms.cohorts.models import Enrolment
from lms.cohorts.schedule import CalendarFeed
from tests.assessments.factories import make_assessment
from tests.conftest import new_browser, submit
from tests.conftest import sign_in_quickly as login
from tests.factories import enrol, make_cohort, make_coordinator, make_course, make_user

FEED_URL = re.compile(r'id="feed-url"[^>]*value="([^"]+)"')


@pytest.fixture
def world(database):
    instructor = make_user(full_name="Ines Instructor", country="US")
    course = make_course(title="Community policing")
    # A cohort in Washington: the United States default is New York's zone.
    cohort = make_cohort(course, country="US", language="en", instructors=[instructor],
                         code="PICAP-DC-2026")
    trainee = make_user(full_name="Ana Trainee", country="CO", locale="es")
    enrol(cohort, trainee)
    return {"course": course, "cohort": cohort, "instructor": instructor, "trainee": trainee,
            "coordinator": make_coordinator(course.program)}


def plan(client, cohort, day: str, **changes) -> None:
    form = {"day": day, "starts": "09:00", "ends": "11:00", "topic": "Community policing",
            "place": "Room 2", "online_url": "https://meet.example.org/picap",
            "instructor_id": "", "interpretation_languages": ["es", "pt"]}
    form.update(changes)
    response = submit(client, f"/cohorts/{cohort.id}/schedule", form)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]


def feed_path(client, cohort, scope: str = "cohort") -> str:
    """Ask for a (new) secret address on the agenda page; returns its path."""
    url = f"/cohorts/{cohort.id}/agenda"
    response = submit(client, f"{url}/feed", {"scope": scope}, form_url=url)
    assert response.status_code == 200
    match = FEED_URL.search(response.get_data(as_text=True))
    assert match, "the new address is not on the page"
    return urlsplit(match.group(1)).path


def fetch(app, path: str) -> Calendar:
    """The feed as a calendar program gets it: no cookies, no sign-in."""
    response = new_browser(app).get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    return Calendar.from_ical(response.get_data())


def events(calendar: Calendar) -> list:
    return sorted(calendar.walk("VEVENT"), key=lambda event: event.decoded("dtstart"))


def test_a_weekly_session_keeps_its_local_time_across_the_dst_change(
        app, client, database, world):
    cohort = world["cohort"]
    login(client, world["coordinator"])
    # New York leaves daylight saving time on 2026-11-01.
    plan(client, cohort, "2026-10-29")
    plan(client, cohort, "2026-11-05")
    login(client, world["trainee"])

    calendar = fetch(app, feed_path(client, cohort))

    before, after = events(calendar)
    for event in (before, after):
        start = event.decoded("dtstart")
        assert start.tzinfo is not None and str(event["dtstart"].params["TZID"]) == \
            "America/New_York"
        assert start.time() == time(9, 0)
        assert event.decoded("dtend").time() == time(11, 0)
    assert before.decoded("dtstart").astimezone(UTC) == datetime(2026, 10, 29, 13, 0, tzinfo=UTC)
    assert after.decoded("dtstart").astimezone(UTC) == datetime(2026, 11, 5, 14, 0, tzinfo=UTC)
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "America/New_York"
    assert {c.name for c in zone.subcomponents} == {"STANDARD", "DAYLIGHT"}


def test_events_say_what_where_and_in_the_persons_language(app, client, database, world):
    cohort = world["cohort"]
    login(client, world["coordinator"])
    plan(client, cohort, "2026-10-29", place="")
    login(client, world["trainee"])  # reads Spanish

    calendar = fetch(app, feed_path(client, cohort))

    [event] = events(calendar)
    assert str(event["summary"]) == "Community policing (PICAP-DC-2026)"
    assert str(event["location"]) == "https://meet.example.org/picap"
    assert str(event["url"]) == "https://meet.example.org/picap"
    description = str(event["description"])
    # The interpretation languages, named in the trainee's language (not "Spanish").
    assert "español, portugués" in description and "Spanish" not in description
    assert event.decoded("dtstamp").tzinfo is not None
    assert str(calendar["version"]) == "2.0" and "prodid" in calendar


def test_a_changed_session_keeps_its_uid_and_bumps_sequence(
        app, client, database, world, frozen_clock):
    cohort = world["cohort"]
    login(client, world["coordinator"])
    plan(client, cohort, "2026-10-29")
    login(client, world["trainee"])
    path = feed_path(client, cohort)
    [first] = events(fetch(app, path))

    frozen_clock.advance(hours=2)
    login(client, world["coordinator"])
    session_id = int(re.search(r"cohort-session-(\d+)@", str(first["uid"])).group(1))
    response = submit(client, f"/cohorts/{cohort.id}/schedule/{session_id}", {
        "day": "2026-10-29", "starts": "10:00", "ends": "12:00",
        "topic": "Community policing", "place": "Room 3",
        "online_url": "https://meet.example.org/picap", "instructor_id": "",
        "interpretation_languages": ["es", "pt"]})
    assert response.status_code == 302

    [second] = events(fetch(app, path))
    assert str(second["uid"]) == str(first["uid"])
    assert second.decoded("sequence") == first.decoded("sequence") + 1
    assert second.decoded("last-modified") > first.decoded("last-modified")
    assert second.decoded("dtstart").time() == time(10, 0)
    assert str(second["location"]) == "Room 3"


def test_due_dates_are_in_the_feed(app, client, database, world):
    cohort = world["cohort"]
    make_assessment(world["course"], title="Final exam",
                    due_at=datetime(2026, 11, 20, 22, 0, tzinfo=UTC))
    make_assessment(world["course"], title="Draft, unpublished", published=False,
                    due_at=datetime(2026, 11, 21, 22, 0, tzinfo=UTC))
    login(client, world["trainee"])

    [event] = events(fetch(app, feed_path(client, cohort)))

    assert str(event["summary"]).endswith("Final exam (PICAP-DC-2026)")
    assert event.decoded("dtstart").astimezone(UTC) == datetime(2026, 11, 20, 22, 0,
                                                                tzinfo=UTC)
    assert event.decoded("dtstart").time() == time(17, 0)  # New York, standard time


def test_the_personal_feed_gathers_every_cohort(app, client, database, world):
    cohort = world["cohort"]
    other = make_cohort(make_course(title="Forensics"), country="CO", code="PICAP-BOG")
    enrol(other, world["trainee"])
    make_cohort(make_course(), code="NOT-MINE")
    login(client, world["coordinator"])
    plan(client, cohort, "2026-10-29")
    login(client, make_coordinator(other.course.program))
    plan(client, other, "2026-10-30", topic="Crime scenes", interpretation_languages=[])
    login(client, world["trainee"])

    calendar = fetch(app, feed_path(client, cohort, scope="person"))

    assert [str(e["summary"]) for e in events(calendar)] == [
        "Community policing (PICAP-DC-2026)", "Crime scenes (PICAP-BOG)"]
    assert {str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")} == {
        "America/New_York", "America/Bogota"}


def test_renewing_the_address_closes_the_old_one(app, client, database, world):
    cohort = world["cohort"]
    login(client, world["trainee"])
    old = feed_path(client, cohort)
    assert new_browser(app).get(old).status_code == 200

    new = feed_path(client, cohort)

    assert new != old
    assert new_browser(app).get(old).status_code == 404
    assert new_browser(app).get(new).status_code == 200
    # Only a digest of the token is stored.
    token = new.rsplit("/", 1)[1].removesuffix(".ics")
    [row] = database.session.scalars(database.select(CalendarFeed).where(
        CalendarFeed.user_id == world["trainee"].id))
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in row.token_hash


def test_unknown_addresses_and_people_who_left_get_nothing(app, client, database, world):
    cohort = world["cohort"]
    assert new_browser(app).get("/calendar/not-a-token.ics").status_code == 404
    login(client, world["trainee"])
    path = feed_path(client, cohort)
    row = database.session.scalar(database.select(Enrolment).where(
        Enrolment.user_id == world["trainee"].id, Enrolment.cohort_id == cohort.id))
    row.status = "withdrawn"
    database.session.flush()
    assert new_browser(app).get(path).status_code == 404


def test_strangers_cannot_get_an_address(client, database, world):
    cohort = world["cohort"]
    login(client, make_user())
    response = submit(client, f"/cohorts/{cohort.id}/agenda/feed", {"scope": "cohort"},
                      form_url="/courses")
    assert response.status_code == 403
    assert database.session.scalar(database.select(database.func.count()).select_from(
        CalendarFeed)) == 0


def test_a_feed_request_without_a_scope_changes_nothing(client, database, world):
    cohort = world["cohort"]
    login(client, world["trainee"])
    url = f"/cohorts/{cohort.id}/agenda"
    response = submit(client, f"{url}/feed", {"scope": "everyone"}, form_url=url)
    assert response.status_code == 422
    assert database.session.scalar(database.select(database.func.count()).select_from(
        CalendarFeed)) == 0


def test_the_feed_is_not_cached_by_others(app, client, database, world):
    login(client, world["trainee"])
    response = new_browser(app).get(feed_path(client, world["cohort"]))
    assert "no-store" in response.headers["Cache-Control"]
