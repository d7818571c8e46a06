"""Signing in and out."""

from __future__ import annotations

import pytest

from tests.accounts.helpers import user_by_email
from tests.conftest import csrf_token, login, page_text, submit
from tests.factories import PASSWORD, make_user

FAILURE = "The email or password is incorrect."


def test_signing_in_goes_to_the_dashboard_and_records_the_time(client, database):
    user = make_user(email="ana@example.org")
    assert user.last_login_at is None

    response = submit(client, "/login", {"email": "ANA@example.org ", "password": PASSWORD})

    assert response.status_code == 302
    assert response.location == "/"
    assert user_by_email(database, "ana@example.org").last_login_at is not None
    assert client.get("/profile").status_code == 200


def test_wrong_password_and_unknown_email_look_the_same(client):
    make_user(email="ana@example.org")

    wrong_password = submit(client, "/login", {"email": "ana@example.org",
                                                "password": "not the password"})
    unknown_email = submit(client, "/login", {"email": "nobody@example.org",
                                               "password": "not the password"})

    assert wrong_password.status_code == unknown_email.status_code == 422
    assert FAILURE in page_text(wrong_password)
    assert page_text(wrong_password) == page_text(unknown_email)
    assert client.get("/profile").status_code == 302


def test_an_inactive_account_cannot_sign_in_and_is_told_nothing_more(client):
    make_user(email="gone@example.org", active=False)

    inactive = submit(client, "/login", {"email": "gone@example.org", "password": PASSWORD})
    unknown = submit(client, "/login", {"email": "nobody@example.org", "password": PASSWORD})

    assert inactive.status_code == 422
    assert page_text(inactive) == page_text(unknown)
    assert FAILURE in page_text(inactive)
    assert client.get("/profile").status_code == 302


def test_an_account_deactivated_while_signed_in_is_signed_out(client, database):
    user = make_user()
    login(client, user)

    user.active = False
    database.session.flush()

    assert client.get("/profile").status_code == 302


def test_empty_fields_are_pointed_out(client):
    response = submit(client, "/login", {"email": "", "password": ""})

    assert response.status_code == 422
    text = page_text(response)
    assert "Enter your email address." in text
    assert "Enter your password." in text


@pytest.mark.parametrize("target", ["https://evil.example/x", "//evil.example",
                                    "/\\evil.example", "javascript:alert(1)"])
def test_next_pointing_elsewhere_is_ignored(client, target):
    user = make_user()

    response = submit(client, "/login", {"email": user.email, "password": PASSWORD,
                                         "next": target})

    assert response.status_code == 302
    assert response.location == "/"


def test_next_from_the_address_bar_to_another_site_is_ignored(client):
    user = make_user()

    response = submit(client, "/login?next=https://evil.example/x",
                      {"email": user.email, "password": PASSWORD})

    assert response.location == "/"


def test_a_local_next_page_is_honoured(client):
    user = make_user()
    # A page that needs signing in sends the visitor here with a next parameter.
    to_login = client.get("/profile")
    assert to_login.location == "/login?next=%2Fprofile"

    response = submit(client, to_login.location, {"email": user.email, "password": PASSWORD})

    assert response.location == "/profile"


def test_a_signed_in_user_is_sent_on_from_the_login_page(client):
    login(client, make_user())

    response = client.get("/login?next=/courses")

    assert response.status_code == 302
    assert response.location == "/courses"


def test_keep_me_signed_in_sets_a_lasting_cookie(client):
    user = make_user()

    submit(client, "/login", {"email": user.email, "password": PASSWORD})
    assert client.get_cookie("remember_token") is None
    client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})
    submit(client, "/login", {"email": user.email, "password": PASSWORD, "remember": "y"})

    cookie = client.get_cookie("remember_token")
    assert cookie is not None and cookie.value
    assert cookie.expires is not None


def test_signing_out_needs_a_post_with_the_form_token(client):
    login(client, make_user())

    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/profile").status_code == 200  # still signed in

    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")},
                           follow_redirects=True)

    assert "You have signed out." in page_text(response)
    assert client.get("/profile").status_code == 302


def test_too_many_failed_attempts_are_refused_for_a_while(client):
    user = make_user()
    for _attempt in range(10):
        response = submit(client, "/login", {"email": user.email, "password": "wrong guess!"})
        assert response.status_code == 422

    response = submit(client, "/login", {"email": user.email, "password": PASSWORD})

    assert response.status_code == 429
    assert "You have tried too many times in a short while." in page_text(response)
    assert client.get("/profile").status_code == 302


def test_successful_sign_ins_do_not_use_up_the_attempts(client, app, monkeypatch):
    """A classroom behind one address signs in together."""
    monkeypatch.setitem(app.config, "LMS_LOGIN_RATE_LIMIT", "2 per minute")
    for user in [make_user() for _ in range(3)]:
        response = submit(client, "/login", {"email": user.email, "password": PASSWORD})
        assert response.status_code == 302
        client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})

    response = submit(client, "/login", {"email": "x@example.org", "password": "wrong guess!"})

    assert response.status_code == 422
