"""The agenda in the viewer's own time zone, across a daylight-saving change (issue 13)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lms.cohorts.schedule import CohortSession
from tests.conftest import page_text, submit
from tests.conftest import sign_in_quickly as login
from tests.factories import enrol, make_cohort, make_course, make_user


@pytest.fixture
def cohort(database):
    # Bogotá keeps UTC-5 all year; New York moves from UTC-5 to UTC-4 on 10 March 2030.
    cohort = make_cohort(make_course(title="Human rights and use of force"), country="CO",
                         language="en")
    for day, topic in ((4, "Before the change"), (11, "After the change")):
        database.session.add(CohortSession(
            cohort_id=cohort.id, topic=topic, place="Room 2",
            starts_at=datetime(2030, 3, day, 14, 0, tzinfo=UTC),  # 09:00 in Bogotá
            ends_at=datetime(2030, 3, day, 16, 0, tzinfo=UTC)))
    database.session.flush()
    return cohort


def _rows(text: str) -> tuple[str, str]:
    before = text[text.index("Monday, March 4, 2030"):text.index("Before the change")]
    after = text[text.index("Monday, March 11, 2030"):text.index("After the change")]
    return before, after


def test_a_chosen_zone_is_shown_beside_the_cohorts_across_daylight_saving(
        client, database, cohort):
    # A Colombian officer posted in New York: the country alone would say Bogotá.
    trainee = make_user(country="CO", time_zone="America/New_York")
    enrol(cohort, trainee)
    login(client, trainee)

    text = page_text(client.get(f"/cohorts/{cohort.id}/agenda"))

    assert "Colombia Time" in text and "United States (New York) Time" in text
    assert "the time zone chosen in your profile" in text
    before, after = _rows(text)
    # Before the change both clocks read 9:00; after it, New York is an hour ahead.
    assert before.count("9:00 AM to 11:00 AM") == 2
    assert "9:00 AM to 11:00 AM" in after and "10:00 AM to 12:00 PM" in after


def test_choosing_the_cohorts_zone_on_the_profile_leaves_one_column(client, database, cohort):
    trainee = make_user(country="FR", time_zone="America/Bogota")
    enrol(cohort, trainee)
    login(client, trainee)

    text = page_text(client.get(f"/cohorts/{cohort.id}/agenda"))

    assert "Your time" not in text and "France" not in text


def test_the_profile_choice_changes_the_agenda_in_the_readers_language(
        client, database, cohort):
    trainee = make_user(country="CO", locale="es")
    enrol(cohort, trainee)
    login(client, trainee)
    assert "Su hora" not in page_text(client.get(f"/cohorts/{cohort.id}/agenda"))

    response = submit(client, "/profile", {
        "full_name": trainee.full_name, "locale": "es", "country": "CO",
        "institution_id": "", "gender": "", "time_zone": "America/New_York"})
    assert response.status_code == 302

    text = page_text(client.get(f"/cohorts/{cohort.id}/agenda"))
    assert "hora de Estados Unidos (Nueva York)" in text
    assert "11 de marzo de 2030" in text and "10:00" in text
