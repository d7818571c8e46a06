"""Creating a trainee account from the registration page.

The page answers alike whether or not the address has an account (the mail
tells which): a new account is created, and signed in, from the mailed link.
"""

from __future__ import annotations

import pytest

from lms.accounts import services
from lms.accounts.models import User
from lms.kernel.mail import read_outbox
from tests.accounts.helpers import mailed_link_path, rows_written, user_by_email
from tests.conftest import page_text, submit
from tests.factories import PASSWORD, make_user


def _register_and_follow_the_link(client, registration, url="/register"):
    response = submit(client, url, registration)
    assert response.status_code == 302
    link = mailed_link_path()
    return submit(client, link)


def test_registration_mails_a_link_that_creates_the_trainee_and_signs_them_in(
        client, database, registration):
    before = rows_written(database)

    response = submit(client, "/register", registration)

    assert response.status_code == 302
    assert response.location == "/login"
    assert rows_written(database) == before  # nothing until the address is proved
    [message] = read_outbox()
    assert message["to"] == "maria.perez@example.org"
    assert "Open the link in it to finish" in page_text(client.get("/login"))
    link = mailed_link_path()
    page = client.get(link)
    assert page.status_code == 200
    assert "maria.perez@example.org" in page_text(page)
    assert rows_written(database) == before  # opening the link creates nothing

    created = submit(client, link)

    assert created.status_code == 302
    assert created.location == "/"
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


def test_an_existing_address_gets_the_same_answer_and_its_holder_a_notice(
        client, other_browser, database, registration):
    make_user(email="rosa@example.org", full_name="Rosa Quispe")
    before = rows_written(database)

    new = submit(client, "/register", registration, follow_redirects=True)
    taken = submit(other_browser, "/register", {**registration, "email": "Rosa@Example.org"},
                   follow_redirects=True)

    assert new.status_code == taken.status_code == 200
    assert [r.location for r in new.history] == [r.location for r in taken.history]
    assert page_text(new).replace("maria.perez@example.org", "@") == \
        page_text(taken).replace("rosa@example.org", "@")
    notice = [m for m in read_outbox() if m["to"] == "rosa@example.org"]
    assert [m["subject"] for m in notice] == ["Someone tried to register with your address"]
    assert "Rosa Quispe" in notice[0]["body"]
    assert "/login" in notice[0]["body"] and "/reset" in notice[0]["body"]
    assert rows_written(database) == before
    assert user_by_email(database, "rosa@example.org").check_password(PASSWORD)


def test_both_answers_hash_the_password_so_they_take_as_long(client, registration,
                                                             monkeypatch):
    make_user(email="rosa@example.org")
    hashed = []
    real = services.generate_password_hash
    monkeypatch.setattr(services, "generate_password_hash",
                        lambda password: hashed.append(1) or real(password))

    submit(client, "/register", registration)
    submit(client, "/register", {**registration, "email": "rosa@example.org"})

    assert len(hashed) == 2


def test_registration_goes_to_a_local_next_page(client, registration):
    response = _register_and_follow_the_link(client, registration, "/register?next=/courses")

    assert response.status_code == 302
    assert response.location == "/courses"


def test_a_registration_link_works_once(client, other_browser, database, registration):
    submit(client, "/register", registration)
    link = mailed_link_path()
    submit(client, link)

    again = submit(other_browser, link)

    assert again.status_code == 409
    assert "There is an account for maria.perez@example.org already" in page_text(again)
    assert len(database.session.scalars(database.select(User).where(
        User.email == "maria.perez@example.org")).all()) == 1


def test_a_tampered_or_expired_registration_link_is_refused(client, registration,
                                                          monkeypatch):
    submit(client, "/register", registration)
    link = mailed_link_path()

    tampered = client.get(link[:-3] + "xyz")
    monkeypatch.setattr(services, "REGISTRATION_MAX_AGE", -10)
    expired = client.get(link)

    assert tampered.status_code == expired.status_code == 400
    assert "This link no longer works" in page_text(expired)
    assert client.post(link, data={}).status_code == 400


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
    assert read_outbox() == []
    assert client.get("/profile").status_code == 302  # not signed in


def test_control_characters_are_refused_before_the_form(client, database, registration):
    before = rows_written(database)

    response = submit(client, "/register", {**registration, "full_name": "Ana\x07 Ruiz"})

    assert response.status_code == 400  # the app-wide check (lms.web.input)
    assert "control characters" in page_text(response)
    assert rows_written(database) == before
    assert read_outbox() == []


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
    _register_and_follow_the_link(client, registration)

    response = client.get("/register")

    assert response.status_code == 302
    assert response.location == "/"


def test_registrations_for_one_address_are_rate_limited(client, app, monkeypatch,
                                                        registration):
    monkeypatch.setitem(app.config, "LMS_LOGIN_RATE_LIMIT", "2 per minute")
    for _attempt in range(2):
        assert submit(client, "/register", registration).status_code == 302

    refused = submit(client, "/register", registration)
    other = submit(client, "/register", {**registration, "email": "ana@example.org"})

    assert refused.status_code == 429
    assert other.status_code == 302  # a classmate at the same address still registers
    assert [m["to"] for m in read_outbox()].count("maria.perez@example.org") == 2
