"""Resetting a forgotten password by mail."""

from __future__ import annotations

import logging
import smtplib

from lms.kernel import mail
from lms.kernel.mail import read_outbox
from tests.accounts.helpers import NEW_PASSWORD, mailed_link_path, user_by_email
from tests.conftest import page_text, submit
from tests.factories import PASSWORD, make_user

SENT = "If an account exists for that address, we have sent a link to reset its password."
EXPIRED = "This link no longer works"


def test_a_mailed_link_lets_the_user_choose_a_new_password_once(client, database):
    make_user(email="rosa@example.org", full_name="Rosa Quispe")

    response = submit(client, "/reset", {"email": "Rosa@Example.org"}, follow_redirects=True)

    assert SENT in page_text(response)
    [message] = read_outbox()
    assert message["to"] == "rosa@example.org"
    assert "Rosa Quispe" in message["body"]
    assert "://" in message["body"] and "/reset/" in message["body"]
    link = mailed_link_path()
    assert client.get(link).status_code == 200

    response = submit(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    assert response.status_code == 302
    assert response.location == "/"
    assert client.get("/profile").status_code == 200  # signed in
    user = user_by_email(database, "rosa@example.org")
    assert user.check_password(NEW_PASSWORD)
    assert not user.check_password(PASSWORD)
    used = client.get(link)
    assert used.status_code == 400
    assert EXPIRED in page_text(used)


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client):
    make_user(email="rosa@example.org")

    known = submit(client, "/reset", {"email": "rosa@example.org"}, follow_redirects=True)
    known_mail = read_outbox()
    unknown = submit(client, "/reset", {"email": "nobody@example.org"}, follow_redirects=True)

    assert page_text(known) == page_text(unknown)
    assert SENT in page_text(unknown)
    assert read_outbox() == known_mail  # nothing more was sent


def test_an_inactive_account_gets_no_mail(client):
    make_user(email="gone@example.org", active=False)

    response = submit(client, "/reset", {"email": "gone@example.org"}, follow_redirects=True)

    assert SENT in page_text(response)
    assert read_outbox() == []


def test_an_expired_link_is_refused_with_a_way_to_ask_again(client, app, monkeypatch):
    make_user(email="rosa@example.org")
    submit(client, "/reset", {"email": "rosa@example.org"})
    link = mailed_link_path()
    monkeypatch.setitem(app.config, "LMS_PASSWORD_RESET_MAX_AGE", -1)

    response = client.get(link)

    assert response.status_code == 400
    assert EXPIRED in page_text(response)
    assert 'href="/reset"' in response.get_data(as_text=True)
    refused = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert refused.status_code == 400


def test_a_tampered_link_is_refused(client):
    make_user(email="rosa@example.org")
    submit(client, "/reset", {"email": "rosa@example.org"})

    response = client.get(mailed_link_path() + "x")

    assert response.status_code == 400
    assert EXPIRED in page_text(response)


def test_the_link_stops_working_once_the_password_changed_otherwise(client, database):
    user = make_user(email="rosa@example.org")
    submit(client, "/reset", {"email": "rosa@example.org"})
    link = mailed_link_path()

    user.set_password("remembered it after all")
    database.session.flush()

    assert client.get(link).status_code == 400


def test_the_new_password_must_follow_the_rules(client, database):
    make_user(email="rosa@example.org")
    submit(client, "/reset", {"email": "rosa@example.org"})
    link = mailed_link_path()

    short = submit(client, link, {"password": "short", "confirm": "short"})
    mismatch = submit(client, link, {"password": NEW_PASSWORD, "confirm": "something else"})

    assert short.status_code == mismatch.status_code == 422
    assert "Choose a password of at least 10 characters." in page_text(short)
    assert "The two passwords do not match." in page_text(mismatch)
    assert user_by_email(database, "rosa@example.org").check_password(PASSWORD)
    assert client.get(link).status_code == 200  # still usable


def test_a_malformed_address_is_pointed_out(client):
    response = submit(client, "/reset", {"email": "rosa at example"})

    assert response.status_code == 422
    assert "Enter a valid email address" in page_text(response)
    assert read_outbox() == []


def test_reset_requests_are_rate_limited(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "LMS_LOGIN_RATE_LIMIT", "2 per minute")
    for _attempt in range(2):
        submit(client, "/reset", {"email": "nobody@example.org"})

    response = submit(client, "/reset", {"email": "nobody@example.org"})

    assert response.status_code == 429


class _DownSMTP:
    """An SMTP server that is down: it takes its time, then refuses."""

    calls: list[str] = []

    def __init__(self, host, port, timeout=None) -> None:
        self.calls.append(host)
        raise smtplib.SMTPConnectError(421, "down for the test")


def test_reset_answers_before_mailing_and_alike_when_smtp_is_down(client, app, monkeypatch,
                                                                  caplog):
    make_user(email="rosa@example.org")
    monkeypatch.setitem(app.config, "LMS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setattr(mail.smtplib, "SMTP", _DownSMTP)
    monkeypatch.setattr(_DownSMTP, "calls", [])
    caplog.set_level(logging.WARNING, logger="lms.kernel.mail")  # retried later

    # Not buffered: the client returns as the server hands the response over,
    # before the response is closed (when the mail is sent).
    known = submit(client, "/reset", {"email": "rosa@example.org"}, buffered=False)
    assert _DownSMTP.calls == []  # the answer did not wait for SMTP
    known.close()
    unknown = submit(client, "/reset", {"email": "nobody@example.org"}, buffered=False)
    unknown.close()

    assert known.status_code == unknown.status_code == 302
    assert known.location == unknown.location == "/login"
    assert known.get_data() == unknown.get_data()
    assert _DownSMTP.calls == ["127.0.0.1"]  # tried once, for the known address only
    assert "could not be sent" in caplog.text
    assert SENT in page_text(client.get("/login"))


def test_a_request_that_rolls_back_sends_no_mail(app, database):
    with app.test_request_context("/reset", method="POST"):
        mail.send("rosa@example.org", "Subject", "Body")
        mail.discard()
        response = app.response_class("refused", status=422)
        mail.release(response)
        response.close()

    assert read_outbox() == []
