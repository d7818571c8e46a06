"""Creating a trainee account from the registration page."""

from __future__ import annotations

import pytest

from tests.accounts.helpers import rows_written, user_by_email
from tests.conftest import page_text, submit
from tests.factories import make_user


def test_registration_creates_a_trainee_and_signs_them_in(client, database, registration):
    response = submit(client, "/register", registration)

    assert response.status_code == 302
    assert response.location == "/dashboard"
    user = user_by_email(database, "maria.perez@example.org")
    assert user.full_name == "María José Pérez"  # extra spaces collapsed
    assert (user.locale, user.country, user.is_admin) == ("es", "CO", False)
    assert user.check_password("sunflower-harbour-42")
    profile = client.get("/profile")
    assert profile.status_code == 200
    text = page_text(profile)
    assert "¡Le damos la bienvenida, María José Pérez!" in text
    assert "maria.perez@example.org" in text
    assert '<html lang="es">' in profile.get_data(as_text=True)


def test_registration_goes_to_a_local_next_page(client, registration):
    response = submit(client, "/register?next=/courses", registration)

    assert response.status_code == 302
    assert response.location == "/courses"


def test_registration_offers_the_current_language_first(client):
    response = client.get("/register", headers={"Accept-Language": "pt-BR,pt;q=0.9"})

    assert '<option selected value="pt">' in response.get_data(as_text=True)


@pytest.mark.parametrize(("changes", "message"), [
    ({"email": "not-an-email"}, "Enter a valid email address"),
    ({"email": ""}, "Enter your email address."),
    ({"password": "short", "confirm": "short"}, "Choose a password of at least 10 characters."),
    ({"password": "x" * 129, "confirm": "x" * 129},
     "Choose a password of at most 128 characters."),
    ({"password": "Maria.Perez@example.org", "confirm": "Maria.Perez@example.org"},
     "Choose a password that is not your email address."),
    ({"confirm": "sunflower-harbour-43"}, "The two passwords do not match."),
    ({"country": ""}, "Choose your country."),
    ({"country": "XX"}, "Not a valid choice"),
    ({"full_name": "<script>alert(1)</script>"}, "Your name cannot contain"),
    ({"full_name": "M"}, "Enter your full name."),
    ({"full_name": "12345"}, "Your name must contain letters."),
    ({"full_name": "Ana\x07 Ruiz"}, "Your name cannot contain"),
    ({"full_name": "Ana \u202eziuR"}, "Your name cannot contain"),
    ({"full_name": "A" * 121}, "Your name can have at most 120 characters."),
])
def test_invalid_registration_is_refused_and_writes_nothing(client, database, registration,
                                                            changes, message):
    before = rows_written(database)

    response = submit(client, "/register", {**registration, **changes})

    assert response.status_code == 422
    assert message in page_text(response)
    assert rows_written(database) == before
    assert client.get("/profile").status_code == 302  # not signed in


def test_an_email_registered_in_another_case_is_refused(client, database, registration):
    make_user(email="maria.perez@example.org")
    before = rows_written(database)

    response = submit(client, "/register", {**registration, "email": "Maria.Perez@EXAMPLE.org"})

    assert response.status_code == 422
    assert "An account with this email already exists." in page_text(response)
    assert rows_written(database) == before


def test_a_refused_form_keeps_what_was_typed(client, registration):
    response = submit(client, "/register", {**registration, "confirm": "something else"})

    html = response.get_data(as_text=True)
    assert 'value="maria.perez@example.org"' in html
    assert "sunflower-harbour-42" not in html  # passwords are never sent back


def test_registration_can_be_switched_off(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "LMS_ALLOW_REGISTRATION", False)

    assert client.get("/register").status_code == 404
    assert "Create account" not in page_text(client.get("/login"))


def test_a_signed_in_user_is_sent_on_from_registration(client, registration):
    submit(client, "/register", registration)

    response = client.get("/register")

    assert response.status_code == 302
    assert response.location == "/dashboard"
