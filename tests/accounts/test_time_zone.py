"""A person's own time zone, chosen on the profile (issue 13)."""

from __future__ import annotations

import re

import pytest

from lms.accounts import services
from lms.accounts.models import User
from lms.audit.models import AuditLog
from lms.cohorts.schedule_zones import viewer_zone
from lms.errors import DomainError
from tests.accounts.helpers import count_rows, user_by_email
from tests.conftest import page_text, submit
from tests.conftest import sign_in_quickly as login
from tests.factories import make_user


def _details(user, **changes) -> dict:
    data = {"full_name": user.full_name, "locale": user.locale, "country": user.country or "",
            "institution_id": "", "gender": "", "time_zone": user.time_zone or ""}
    data.update(changes)
    return data


def test_the_profile_offers_the_zones_grouped_by_continent(client, database):
    user = make_user(country="CO")
    login(client, user)

    html = client.get("/profile").get_data(as_text=True)

    assert re.search(r"<select [^>]*name=\"time_zone\"", html)
    # The default first, outside any group; then the places under their continent.
    assert html.index("The zone of my country") < html.index('<optgroup label="America">')
    assert '<option value="America/Bogota">Bogota</option>' in html
    assert '<option value="America/Argentina/Buenos_Aires">Argentina/Buenos Aires</option>' \
        in html
    assert "Etc/GMT" not in html


def test_choosing_a_zone_saves_it_and_blank_returns_to_the_country(client, database):
    user = make_user(email="ana@example.org", country="CO")
    login(client, user)

    response = submit(client, "/profile", _details(user, time_zone="America/New_York"))

    assert response.status_code == 302
    assert user_by_email(database, "ana@example.org").time_zone == "America/New_York"
    html = client.get("/profile").get_data(as_text=True)
    assert '<option selected value="America/New_York">New York</option>' in html
    audit = database.session.scalars(database.select(AuditLog)).one()
    assert audit.action == "user.update_profile"

    submit(client, "/profile", _details(user, time_zone=""))

    assert user_by_email(database, "ana@example.org").time_zone is None


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "Etc/GMT+5", "america/bogota",
                                  "A" * 300, "Europe/Atlantis"])
def test_an_unknown_zone_is_refused_in_the_readers_language_and_nothing_changes(
        client, database, zone):
    user = make_user(email="ana@example.org", country="CO", locale="es",
                     time_zone="America/Bogota")
    login(client, user)

    response = submit(client, "/profile", _details(user, full_name="Ana Nueva", time_zone=zone))

    assert response.status_code == 422
    assert "Zona horaria desconocida" in page_text(response)
    database.session.expire_all()
    saved = user_by_email(database, "ana@example.org")
    assert (saved.time_zone, saved.full_name) == ("America/Bogota", user.full_name)
    assert count_rows(database, AuditLog) == 0


def test_the_service_refuses_a_bad_zone_and_keeps_one_left_out(database):
    user = make_user(country="CO", time_zone="Asia/Tokyo")
    with pytest.raises(DomainError):
        services.update_profile(user, full_name=user.full_name, locale="en", country="CO",
                                institution_id=None, gender=None, time_zone="Nowhere/City")
    # Callers that do not speak of the zone leave it as it is.
    services.update_profile(user, full_name="Another Name", locale="en", country="CO",
                            institution_id=None, gender=None)
    assert user.time_zone == "Asia/Tokyo"


@pytest.mark.parametrize(("zone", "country", "expected"), [
    ("America/New_York", "CO", "America/New_York"),  # chosen beats the country
    (None, "CO", "America/Bogota"),
    (None, "US", "America/New_York"),  # the capital's, for a country of several zones
    (None, None, None),  # nothing known: no second column
    ("Not/AZone", "FR", "Europe/Paris"),  # a name this machine no longer knows
])
def test_the_zone_a_person_reads_times_in(database, zone, country, expected):
    assert viewer_zone(User(time_zone=zone, country=country)) == expected
