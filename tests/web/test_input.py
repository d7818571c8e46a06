"""Input refused before any view: integers beyond a database integer, control characters,
invalid UTF-8 and lone surrogates (lms.web.input)."""

from __future__ import annotations

import pytest

from lms.accounts.models import User
from lms.audit.models import AuditLog
from lms.web.input import refused
from tests.conftest import csrf_token, page_text, submit
from tests.conftest import sign_in_quickly as login
from tests.factories import make_course, make_user

HUGE = "99999999999999999999"
REFUSAL = "The request contains control characters or invalid text"


def _counts(database) -> tuple[int, int]:
    database.session.expire_all()
    return tuple(database.session.scalar(database.select(database.func.count())
                                         .select_from(model)) for model in (User, AuditLog))


@pytest.mark.parametrize("url", [
    f"/cohorts/{HUGE}", "/cohorts/2147483648", f"/api/v1/issuers/{HUGE}",
    f"/api/v1/issuers/{HUGE}/revocations", f"/manage/courses/{HUGE}",
])
def test_integers_beyond_a_database_integer_are_not_found(client, database, url):
    login(client, make_user(admin=True))
    assert client.get(url).status_code == 404


def test_the_largest_database_integer_is_still_a_valid_address(client, database):
    login(client, make_user(admin=True))
    assert client.get("/manage/courses/2147483647").status_code == 404  # no such course


@pytest.mark.parametrize("argument", [f"page={HUGE}", "page=-5", "page=abc", "page=1e999"])
def test_a_page_number_out_of_range_shows_the_first_page(client, database, argument):
    make_course(title="Use of force", published=True)
    response = client.get(f"/courses?{argument}")
    assert response.status_code == 200
    assert "Use of force" in page_text(response)


@pytest.mark.parametrize("url", [
    "/courses?program=%00", "/courses?program=a%01b", "/courses?q=%1B%5B31m",
    "/courses/%00", "/courses?program=%C2%85", "/courses?%00=1",
    "/courses?program=%FF", "/courses?program=%ED%A0%80",
    "/verify/%00",
])
def test_control_characters_and_invalid_utf8_in_addresses_are_refused(client, database, url):
    response = client.get(url)
    assert response.status_code == 400
    assert REFUSAL in page_text(response)


@pytest.mark.parametrize("email", ["trainee@example.org\x00", "\x00", "a\x1b@example.org"])
def test_a_login_with_control_characters_is_refused_and_counts_nothing(client, database,
                                                                       email):
    make_user(email="trainee@example.org")
    before = _counts(database)

    response = submit(client, "/login", {"email": email, "password": "whatever"})

    assert response.status_code == 400
    assert REFUSAL in page_text(response)
    assert _counts(database) == before


def test_form_text_may_hold_line_breaks_and_tabs(client, database):
    """A textarea sends \\r\\n: allowed; so is a tab, and so are emoji and bidi marks."""
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"csrf_token": token,
                                           "email": "a\tb\r\nc😀\u200f@example.org",
                                           "password": "x"})
    assert response.status_code != 400


def test_form_text_with_nul_is_refused_and_writes_nothing(client, database):
    user = make_user(full_name="Ana Pérez")
    login(client, user)
    before = _counts(database)

    response = submit(client, "/profile", {"full_name": "Ana\x00 Pérez", "locale": "en"})

    assert response.status_code == 400
    assert _counts(database) == before
    database.session.refresh(user)
    assert user.full_name == "Ana Pérez"


@pytest.mark.parametrize(("body", "refuse"), [
    (b'{"id": "a\\u0000b"}', True),
    (b'{"id": "\\u001b"}', True),
    (b'{"id": "\\ud800"}', True),
    (b'{"id": "x\\udc00"}', True),
    (b'{"\\u0007": 1}', True),
    (b'{"id": "\xff"}', True),
    # JSON lets these through unescaped; they are controls all the same.
    ('{"id": "a\u007fb"}'.encode(), True),
    ('{"id": "a\u0085b"}'.encode(), True),
    ('{"id": "\u009b31m"}'.encode(), True),
    (b'{"id": "\\ud83d\\ude00 line\\nbreak\\ttab"}', False),
    (b'{"id": "\\\\u0000 is only text"}', True),  # refusing the rare literal is harmless
    (b'{"id": "plain"}', False),
])
def test_json_strings_with_control_characters_or_lone_surrogates_are_refused(app, body,
                                                                            refuse):
    with app.test_request_context("/api/v1/certificates/verify", method="POST", data=body,
                                  content_type="application/json"):
        assert refused() is refuse


def test_json_with_nul_is_refused_before_the_api_sees_it(client, database):
    response = client.post("/api/v1/certificates/verify", data=b'{"ids": ["\\u0000"]}',
                           content_type="application/json")
    assert response.status_code == 400


def test_an_encoded_percent_sign_in_a_path_is_not_taken_for_a_bad_byte(client, database):
    assert client.get("/verify/%25FF").status_code != 400


@pytest.mark.parametrize("raw_path", ["/verify/\xff", "/verify/\xc0\x80", "/verify/\xed\xa0\x80"])
def test_bad_utf8_bytes_in_a_path_are_refused(client, database, raw_path):
    """As a server hands them over (bytes as latin-1); the test client would fix them."""
    response = client.get("/verify/x", environ_overrides={"PATH_INFO": raw_path})
    assert response.status_code == 400
    assert REFUSAL in page_text(response)
