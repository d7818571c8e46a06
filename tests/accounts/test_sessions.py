"""Signed-in browsers: sessions that logout, the account's holder and administrators end."""

from __future__ import annotations

import pytest
from flask_login.utils import _create_identifier

from lms.accounts.models import UserSession
from lms.accounts.services import summarise_user_agent
from lms.audit.models import AuditLog
from lms.kernel import clock
from tests.accounts.helpers import NEW_PASSWORD
from tests.conftest import csrf_token, login, new_browser, page_text, submit
from tests.factories import PASSWORD, make_user

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/131.0.0.0 Safari/537.36")


def _cookie_names(app) -> tuple[str, str]:
    return (app.config.get("SESSION_COOKIE_NAME", "session"),
            app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))


def _sign_out(client):
    return client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})


def _sign_in_as(client, user, agent: str, remember: bool = False):
    data = {"email": user.email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    client.environ_base["HTTP_USER_AGENT"] = agent
    response = submit(client, "/login", data)
    assert response.status_code == 302
    return response


def _open_sessions(database, user) -> list[UserSession]:
    database.session.expire_all()
    return list(database.session.scalars(database.select(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None))))


def _last_seen(database, browser: UserSession):
    database.session.expire_all()
    return database.session.get(UserSession, browser.id).last_seen_at


def _browser_with_cookie(app, name: str, value: str):
    """A fresh browser that holds only a copy of one cookie (a stolen one, say)."""
    browser = new_browser(app)
    browser.set_cookie(name, value)
    browser.environ_base["HTTP_USER_AGENT"] = FIREFOX
    return browser


@pytest.mark.parametrize("copied", ["session", "remember"])
def test_cookies_copied_before_logout_stop_working(app, client, copied):
    user = make_user()
    _sign_in_as(client, user, FIREFOX, remember=True)
    session_cookie, remember_cookie = _cookie_names(app)
    name = session_cookie if copied == "session" else remember_cookie
    value = client.get_cookie(name).value
    # The copy works...
    assert _browser_with_cookie(app, name, value).get("/dashboard").status_code == 200

    _sign_out(client)

    # ...until the browser it was taken from signs out.
    response = _browser_with_cookie(app, name, value).get("/dashboard")
    assert response.status_code == 302
    assert "/login" in response.location


def test_a_remember_me_cookie_keeps_a_new_browser_session_signed_in(app, client):
    _sign_in_as(client, make_user(), FIREFOX, remember=True)
    remember_cookie = _cookie_names(app)[1]
    browser = _browser_with_cookie(app, remember_cookie, client.get_cookie(remember_cookie).value)

    assert [browser.get("/dashboard").status_code for _ in range(3)] == [200, 200, 200]


def test_the_profile_lists_the_browsers_and_signs_out_the_others(
        client, other_browser, database):
    user = make_user()
    _sign_in_as(client, user, FIREFOX)
    _sign_in_as(other_browser, user, CHROME)

    text = page_text(client.get("/profile"))

    assert "Firefox, Linux (this browser)" in text
    assert "Chrome, Windows" in text and "Chrome, Windows (this browser)" not in text
    response = submit(client, "/profile/sessions/end-others", form_url="/profile",
                      follow_redirects=True)
    assert "1 other browser has been signed out." in page_text(response)
    assert client.get("/dashboard").status_code == 200
    assert other_browser.get("/dashboard").status_code == 302
    [kept] = _open_sessions(database, user)
    assert kept.user_agent == "Firefox, Linux"
    entry = database.session.scalar(database.select(AuditLog).where(
        AuditLog.action == "user.end_sessions"))
    assert (entry.actor_id, entry.object_id, entry.after) == (
        user.id, user.id, {"sessions": 1, "kept_current": True})


def test_a_password_change_ends_the_other_sessions(client, other_browser, database):
    user = make_user()
    _sign_in_as(client, user, FIREFOX)
    _sign_in_as(other_browser, user, CHROME)

    submit(client, "/profile/password", {"current_password": PASSWORD,
                                         "new_password": NEW_PASSWORD,
                                         "confirm_password": NEW_PASSWORD},
           form_url="/profile")

    assert client.get("/dashboard").status_code == 200
    assert other_browser.get("/dashboard").status_code == 302
    assert [s.user_agent for s in _open_sessions(database, user)] == ["Firefox, Linux"]


def test_an_administrator_ends_every_session_of_a_user(client, other_browser, database):
    admin = make_user(email="admin@example.org", admin=True)
    user = make_user(email="ana@example.org")
    _sign_in_as(other_browser, user, CHROME, remember=True)
    login(client, admin)

    page = client.get("/admin/sessions?email=Ana@Example.org")
    assert page.status_code == 200
    assert "Chrome, Windows" in page_text(page)
    response = submit(client, "/admin/sessions/end", {"user_id": str(user.id)},
                      form_url="/admin/sessions?email=ana@example.org", follow_redirects=True)

    assert "1 session of ana@example.org has been ended." in page_text(response)
    assert other_browser.get("/dashboard").status_code == 302
    assert _open_sessions(database, user) == []
    entry = database.session.scalar(database.select(AuditLog).where(
        AuditLog.action == "user.end_sessions"))
    assert (entry.actor_id, entry.object_id) == (admin.id, user.id)
    assert client.get("/dashboard").status_code == 200  # the admin's own session stays


def test_the_administrators_page_refuses_unknown_and_bad_input(client, database):
    login(client, make_user(email="admin@example.org", admin=True))
    before = database.session.scalar(database.select(database.func.count(AuditLog.id)))

    unknown = client.get("/admin/sessions?email=nobody@example.org")
    blank = client.get("/admin/sessions?email=")
    too_big = submit(client, "/admin/sessions/end", {"user_id": "9" * 30},
                     form_url="/admin/sessions")
    missing = submit(client, "/admin/sessions/end", {"user_id": "987654"},
                     form_url="/admin/sessions")

    assert unknown.status_code == 404
    assert "There is no account with this email address." in page_text(unknown)
    assert blank.status_code == 422
    assert "Enter an email address." in page_text(blank)
    assert (too_big.status_code, missing.status_code) == (400, 404)
    assert database.session.scalar(
        database.select(database.func.count(AuditLog.id))) == before


def test_the_command_line_ends_every_session_of_a_user(app, client, database):
    user = make_user(email="ana@example.org")
    _sign_in_as(client, user, FIREFOX)

    result = app.test_cli_runner().invoke(args=["users", "end-sessions", "Ana@Example.org"])

    assert result.exit_code == 0, result.output
    assert "ana@example.org: 1 session(s) ended." in result.output
    assert client.get("/dashboard").status_code == 302
    unknown = app.test_cli_runner().invoke(args=["users", "end-sessions", "x@example.org"])
    assert unknown.exit_code != 0


def test_last_seen_is_written_by_page_views_at_most_every_few_minutes(client, database,
                                                                      frozen_clock):
    user = make_user()
    _sign_in_as(client, user, FIREFOX)
    signed_in_at = frozen_clock.now()
    [browser] = _open_sessions(database, user)
    assert clock.as_utc(browser.last_seen_at) == signed_in_at

    frozen_clock.advance(minutes=4)
    client.get("/dashboard")
    assert clock.as_utc(_last_seen(database, browser)) == signed_in_at  # fresh: no write

    frozen_clock.advance(minutes=6)
    token = csrf_token(client, "/profile")  # a page view, ten minutes on: written
    assert clock.as_utc(_last_seen(database, browser)) == frozen_clock.now()
    seen_at = frozen_clock.now()
    frozen_clock.advance(minutes=10)
    # A POST (like an answer saved during an exam) writes no "last seen".
    client.post("/logout", data={"csrf_token": token})
    assert clock.as_utc(_last_seen(database, browser)) == seen_at


def test_a_browser_unused_for_a_month_is_signed_out(client, database, frozen_clock):
    user = make_user()
    _sign_in_as(client, user, FIREFOX, remember=True)

    frozen_clock.advance(days=29)
    assert client.get("/dashboard").status_code == 200  # and seen again: a fresh month
    frozen_clock.advance(days=29)
    assert client.get("/dashboard").status_code == 200
    frozen_clock.advance(days=31)
    assert client.get("/dashboard").status_code == 302


def test_a_session_id_of_the_older_form_signs_nobody_in(client, database):
    user = make_user()
    database.session.commit()
    with client.application.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()  # what "strong" session protection checks
    with client.session_transaction() as session:
        session["_user_id"] = f"{user.id}:{user.password_fingerprint()}"
        session["_fresh"] = True
        session["_id"] = identifier

    assert client.get("/dashboard").status_code == 302


@pytest.mark.parametrize(("agent", "summary"), [
    (FIREFOX, "Firefox, Linux"),
    (CHROME, "Chrome, Windows"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
     "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "Safari, iOS"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like "
     "Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", "Edge, macOS"),
    ("curl/8.5.0", ""),
    (None, ""),
])
def test_user_agents_are_summarised_briefly(agent, summary):
    assert summarise_user_agent(agent) == summary
