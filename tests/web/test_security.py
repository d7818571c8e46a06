"""Site-wide protections: headers, cookies, CSRF, and redirects that stay on the site."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask_babel import gettext

from lms.extensions import db
from lms.web.redirects import is_local
from tests.conftest import login, make_app, page_text, submit
from tests.factories import make_user

CSRF_MESSAGE = ("Your form expired or was sent from elsewhere. "
                "Please reload the page and try again.")


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def set_cookie_header(response, name: str) -> str:
    headers = [value for value in response.headers.getlist("Set-Cookie")
               if value.startswith(f"{name}=")]
    assert headers, f"no {name} cookie set; Set-Cookie: {response.headers.getlist('Set-Cookie')}"
    return headers[-1]


def cookie_attributes(header: str) -> dict[str, str]:
    attributes = {}
    for part in header.split(";")[1:]:
        key, _sep, value = part.strip().partition("=")
        attributes[key.lower()] = value
    return attributes


def fresh_page(app, client, path: str = "/", **kwargs) -> str:
    """``path`` as a new request sees it.

    Requests in a test share the test's app context, where Flask-Babel caches the
    locale of the first request; a fresh context shows the language a visitor gets.
    """
    with app.app_context():
        return client.get(path, **kwargs).get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/there-is-nothing-here"])
def test_pages_carry_the_security_headers(client, path):
    response = client.get(path)
    assert response.status_code in {200, 404}
    directives = csp_directives(response)
    assert directives, "no Content-Security-Policy header"
    assert all("'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources
               for sources in directives.values())
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] in {"same-origin", "strict-origin",
                                                   "strict-origin-when-cross-origin",
                                                   "no-referrer"}


def test_session_cookie_is_http_only_and_same_site_lax(app, client):
    response = login(client, make_user())
    name = app.config.get("SESSION_COOKIE_NAME", "session")
    attributes = cookie_attributes(set_cookie_header(response, name))
    assert "httponly" in attributes
    assert attributes.get("samesite", "").lower() == "lax"
    # Tests run over plain HTTP with the setting off: no Secure flag, or nothing works.
    assert "secure" not in attributes


def test_session_cookie_is_secure_when_configured(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'secure.db'}", str(tmp_path),
                   LMS_SESSION_COOKIE_SECURE=True)
    with app.app_context():
        db.create_all()
        try:
            # Every page carries the language form, whose CSRF token starts a session.
            response = app.test_client().get("/", base_url="https://localhost")
            assert response.status_code == 200
            attributes = cookie_attributes(
                set_cookie_header(response, app.config.get("SESSION_COOKIE_NAME", "session")))
            assert "secure" in attributes
            assert "httponly" in attributes
            assert response.headers.get("Strict-Transport-Security", "").startswith("max-age=")
        finally:
            db.session.remove()
            db.engine.dispose()


def test_post_without_csrf_token_is_refused_in_the_visitors_language(app, client):
    response = client.post("/language", data={"lang": "fr", "next": "/"},
                           headers={"Accept-Language": "es"})
    assert response.status_code == 400
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "es"}):
        spanish = gettext(CSRF_MESSAGE)
    assert spanish != CSRF_MESSAGE, "the CSRF message has no Spanish translation"
    assert spanish in page_text(response)
    # Nothing changed: the language switch did not happen.
    assert '<html lang="es">' in fresh_page(app, client, headers={"Accept-Language": "es"})


def test_post_without_csrf_token_is_refused_in_english(client):
    response = client.post("/language", data={"lang": "fr", "next": "/"},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert CSRF_MESSAGE in page_text(response)


@pytest.mark.parametrize("target", [
    "https://x", "//x", "/\\x", "\\\\x", "javascript:alert(1)", "http:/x", "/\tx", "",
    None, "x", "https://evil.example/courses",
])
def test_is_local_rejects_targets_off_the_site(target):
    assert not is_local(target)


@pytest.mark.parametrize("target", ["/courses?page=2", "/", "/cohorts/3/lessons/4#top"])
def test_is_local_accepts_paths_on_the_site(target):
    assert is_local(target)


def test_language_switch_ignores_an_external_next(app, client):
    response = submit(client, "/language", {"lang": "fr", "next": "https://evil.example/x"},
                      form_url="/")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.netloc in {"", "localhost"}
    assert "evil" not in response.headers["Location"]
    # The switch itself worked.
    assert '<html lang="fr">' in fresh_page(app, client)


def test_language_switch_returns_to_a_local_next(client):
    response = submit(client, "/language", {"lang": "pt", "next": "/courses?page=2"},
                      form_url="/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/courses?page=2")
