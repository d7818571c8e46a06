"""Gender: optional, asked at registration and in the profile; "Prefer not to say" is no
answer (NULL), and the reports count it as "not stated"."""

from __future__ import annotations

import pytest

from lms.accounts.models import User
from lms.audit.models import AuditLog
from lms.kernel.mail import read_outbox
from tests.accounts.helpers import mailed_link_path, rows_written, user_by_email
from tests.conftest import login, page_text, submit
from tests.factories import make_user

CHOICES = ("Prefer not to say", "Female", "Male", "Another gender")


def _register(client, registration, **changes):
    return submit(client, "/register", {**registration, **changes})


def _finish(client) -> None:
    assert submit(client, mailed_link_path()).status_code == 302


def test_the_registration_form_offers_every_choice_and_says_why(client):
    page = client.get("/register")
    text = page_text(page)
    assert 'name="gender"' in page.get_data(as_text=True)
    assert all(choice in text for choice in CHOICES)
    assert "Used only for anonymous statistics" in text


@pytest.mark.parametrize(("chosen", "stored"), [("female", "female"), ("other", "other"),
                                                 ("", None)])
def test_registration_stores_the_gender_chosen_or_none(client, database, registration,
                                                       chosen, stored):
    assert _register(client, registration, gender=chosen).status_code == 302
    _finish(client)

    user = user_by_email(database, "maria.perez@example.org")
    assert user.gender == stored
    entry = database.session.scalar(database.select(AuditLog).where(
        AuditLog.action == "user.register", AuditLog.object_id == user.id))
    assert entry.after["gender"] == stored


def test_registration_without_the_field_at_all_stores_no_gender(client, database,
                                                                registration):
    # An older page, or a client that leaves the optional question out entirely.
    assert "gender" not in registration
    assert _register(client, registration).status_code == 302
    _finish(client)

    assert user_by_email(database, "maria.perez@example.org").gender is None


def test_a_gender_not_offered_at_registration_is_refused_and_nothing_is_sent(
        client, database, registration):
    before = rows_written(database)

    response = _register(client, registration, gender="robot")

    assert response.status_code == 422
    assert "Not a valid choice" in page_text(response)
    assert read_outbox() == []
    assert rows_written(database) == before


def test_the_profile_shows_the_saved_gender_and_prefer_not_to_say_stores_null(client,
                                                                             database):
    user = make_user(email="ines@example.org", full_name="Inés Duarte", country="PT",
                     gender="female")
    login(client, user)
    html = client.get("/profile").get_data(as_text=True)
    assert '<option selected value="female">' in html

    response = submit(client, "/profile", {
        "full_name": "Inés Duarte", "locale": "en", "country": "PT", "institution_id": "",
        "gender": ""})

    assert response.status_code == 302
    saved = user_by_email(database, "ines@example.org")
    assert saved.gender is None
    entry = database.session.scalar(database.select(AuditLog).where(
        AuditLog.action == "user.update_profile", AuditLog.object_id == saved.id))
    assert (entry.before, entry.after) == ({"gender": "female"}, {"gender": None})
    assert '<option selected value="">Prefer not to say</option>' in \
        client.get("/profile").get_data(as_text=True)


def test_a_gender_not_offered_in_the_profile_is_refused_and_changes_nothing(client,
                                                                           database):
    user = make_user(email="ines@example.org", full_name="Inés Duarte", country="PT",
                     gender="male")
    login(client, user)
    before = rows_written(database)

    response = submit(client, "/profile", {
        "full_name": "Inés Duarte Silva", "locale": "pt", "country": "PT",
        "institution_id": "", "gender": "unstated"})

    assert response.status_code == 422
    assert "Not a valid choice" in page_text(response)
    saved = database.session.get(User, user.id)
    database.session.refresh(saved)
    assert (saved.full_name, saved.locale, saved.gender) == ("Inés Duarte", "en", "male")
    assert rows_written(database) == before


def test_the_service_refuses_a_gender_not_offered_with_a_message(database):
    from lms.accounts import services

    user = make_user(gender="female")
    with pytest.raises(services.AccountError) as refused:
        services.update_profile(user, full_name=user.full_name, locale="en", country="MX",
                                institution_id=None, gender="unknown")
    assert refused.value.message == "Choose one of the options offered."
    assert refused.value.field == "gender"
    assert user.gender == "female"
