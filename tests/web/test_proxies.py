"""Behind LMS_TRUSTED_PROXIES reverse proxies each visitor has a budget of their own.

Two apps on one SQLite file: one trusting one proxy, one trusting none. Forwarded
addresses are loopback ones (127.0.0.x) so nothing here names a real host.
"""

from __future__ import annotations

import itertools

import pytest

from lms.extensions import db, limiter
from tests.conftest import csrf_token, make_app

_emails = (f"nobody-{n}@example.org" for n in itertools.count())
LIMITS = {"LMS_LOGIN_RATE_LIMIT": "2 per minute", "LMS_VERIFY_RATE_LIMIT": "2 per minute"}


@pytest.fixture(scope="module")
def apps(tmp_path_factory):
    folder = tmp_path_factory.mktemp("proxies")
    url = f"sqlite:///{folder / 'lms.db'}"
    behind = make_app(url, str(folder), LMS_TRUSTED_PROXIES=1, **LIMITS)
    direct = make_app(url, str(folder), LMS_TRUSTED_PROXIES=0, **LIMITS)
    with behind.app_context():
        db.create_all()
    yield {1: behind, 0: direct}
    for app in (behind, direct):
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _client(app):
    limiter.reset()  # one storage for every app of this process: start from zero
    return app.test_client()


def _failed_login(client, token: str, email: str, forwarded_for: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post("/login", data={"csrf_token": token, "email": email,
                                       "password": "not the password"},
                       headers=headers).status_code


def test_behind_one_proxy_each_forwarded_address_has_its_own_login_budget(apps):
    client = _client(apps[1])
    token = csrf_token(client, "/login")
    email = next(_emails)
    assert [_failed_login(client, token, email, "127.0.0.11") for _ in range(3)] == [422, 422, 429]
    # The same account from another visitor of the same proxy is still answered.
    assert _failed_login(client, token, email, "127.0.0.12") == 422
    # The proxy's own entry comes last: a client cannot pick its address by sending one.
    assert _failed_login(client, token, email, "127.0.0.12, 127.0.0.11") == 429


def test_without_trusted_proxies_the_forwarded_header_is_ignored(apps):
    client = _client(apps[0])
    token = csrf_token(client, "/login")
    email = next(_emails)
    assert _failed_login(client, token, email, "127.0.0.11") == 422
    assert _failed_login(client, token, email, "127.0.0.12") == 422
    assert _failed_login(client, token, email, "127.0.0.13") == 429


def test_the_login_budget_is_per_account_and_address(apps):
    """A classroom behind one address: one person's mistakes do not lock out the rest."""
    client = _client(apps[0])
    token = csrf_token(client, "/login")
    mistyped, classmate = next(_emails), next(_emails)
    assert [_failed_login(client, token, mistyped) for _ in range(3)] == [422, 422, 429]
    assert _failed_login(client, token, classmate) == 422
    # The account is the address as looked up: case and spaces do not open a new budget.
    assert _failed_login(client, token, f"  {mistyped.upper()} ") == 429


def test_reset_requests_are_limited_per_address_and_email(apps):
    client = _client(apps[0])
    token = csrf_token(client, "/reset")
    first, second = next(_emails), next(_emails)

    def reset(email: str) -> int:
        return client.post("/reset", data={"csrf_token": token, "email": email}).status_code

    assert [reset(first) for _ in range(3)] == [302, 302, 429]
    assert reset(second) == 302


def test_one_address_has_a_ceiling_whatever_the_emails(apps):
    """Ten times one account's budget: no guessing across every account, and no
    mailing every address one types, from a single address."""
    from lms.accounts.views import ADDRESS_CEILING

    client = _client(apps[0])
    ceiling = 2 * ADDRESS_CEILING  # LIMITS: 2 per minute for each account
    login_token, reset_token = csrf_token(client, "/login"), csrf_token(client, "/reset")

    logins = [_failed_login(client, login_token, next(_emails)) for _ in range(ceiling + 1)]
    resets = [client.post("/reset", data={"csrf_token": reset_token, "email": next(_emails)})
              .status_code for _ in range(ceiling + 1)]

    assert logins == [422] * ceiling + [429]
    assert resets == [302] * ceiling + [429]


def test_behind_one_proxy_the_verification_budget_is_per_visitor(apps):
    client = _client(apps[1])

    def verify(address: str) -> int:
        return client.get("/verify/PRC-7K3M-Q9XD-K",
                          headers={"X-Forwarded-For": address}).status_code

    assert verify("127.0.0.21") != 429
    assert verify("127.0.0.21") != 429
    assert verify("127.0.0.21") == 429
    assert verify("127.0.0.22") != 429


def test_behind_a_proxy_the_forwarded_host_is_not_believed(apps):
    client = _client(apps[1])
    forwarded = {"X-Forwarded-Host": "look-alike.example", "X-Forwarded-For": "127.0.0.31"}
    response = client.get("/api/v1/openapi.json", headers=forwarded)
    assert response.json["servers"] == [{"url": "http://127.0.0.1:5000"}]
    pretending = {"Host": "look-alike.example", "X-Forwarded-Host": "localhost"}
    assert client.get("/api/v1/openapi.json", headers=pretending).status_code == 400
