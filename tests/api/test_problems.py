"""Every error of the API is RFC 9457 problem details in JSON, never an HTML page."""

from __future__ import annotations

import json

import jsonschema_rs
import pytest
import sqlalchemy.exc as sa_exc

from lms.api import openapi
from lms.certification import ids
from tests.certification.factories import issue_certificate
from tests.certification.test_verify_pages import _mistype
from tests.conftest import make_app

VERIFY = "/api/v1/certificates/verify"


def _problem(response, status: int, code: str) -> dict:
    """The response's problem details, checked against the document's Problem schema."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    jsonschema_rs.validator_for(openapi.SCHEMAS["Problem"]).validate(problem)
    assert problem["status"] == status
    assert problem["code"] == code, problem
    return problem


def _not_json(name: str):
    raise AssertionError(f"{name} is not JSON")


def _post_json(client, text: str):
    return client.post(VERIFY, data=text, content_type="application/json")


# ---------------------------------------------------------------- 400


def test_json_that_does_not_parse_is_a_problem(client):
    problem = _problem(_post_json(client, '{"ids": ['), 400, "bad_json")

    assert problem["detail"] == "The request body is not valid JSON."
    assert problem["instance"] == VERIFY


def test_json_nested_200000_deep_is_a_problem_not_a_recursion_error(client):
    deep = '{"ids": ' + "[" * 200_000 + "]" * 200_000 + "}"

    problem = _problem(_post_json(client, deep), 400, "bad_json")

    assert "nested more than 32 levels" in problem["detail"]


def test_json_nested_within_the_bound_is_read(client):
    shallow = '{"ids": ["' + "[" * 100 + '", ' + "[" * 30 + "]" * 30 + "]}"

    _problem(_post_json(client, shallow), 400, "not_a_string")


@pytest.mark.parametrize("numbers", ["[1e999999, NaN]", "[1, -1e999999]", "[NaN]",
                                     "[Infinity]", "[-Infinity]", "[" + "9" * 5000 + "]"])
def test_numbers_that_are_not_finite_json_are_a_problem(client, numbers):
    response = _post_json(client, '{"ids": ' + numbers + "}")

    _problem(response, 400, "bad_json")
    json.loads(response.get_data(as_text=True), parse_constant=_not_json)  # strict JSON


def test_ids_that_are_not_strings_are_a_problem(client):
    certificate = issue_certificate()

    for ids_sent in ([certificate.code, 42], [None], [[certificate.code]], [{"id": 1}], [1.5]):
        response = client.post(VERIFY, json={"ids": ids_sent})
        _problem(response, 400, "not_a_string")


def test_fields_besides_ids_are_a_problem(client):
    _problem(client.post(VERIFY, json={"ids": ["PRC-7K3M-Q9XD-K"], "id": "x"}),
             400, "bad_request")


def test_an_id_with_a_wrong_check_character_is_a_problem(client):
    certificate = issue_certificate()
    mistyped = _mistype(certificate.code)

    problem = _problem(client.get(f"/api/v1/certificates/{mistyped}"), 400,
                       "check_character")

    assert problem["instance"] == f"/api/v1/certificates/{mistyped}"


# ---------------------------------------------------------------- 404, 405, 413


def test_an_address_the_api_does_not_have_is_a_problem(client):
    problem = _problem(client.get("/api/v1/nothing-here"), 404, "not_found")

    assert problem["title"] == "Not found"


def test_the_title_follows_the_request_language(client):
    english = client.get("/api/v1/nothing-here").get_json()
    spanish = client.get("/api/v1/nothing-here", headers={"Accept-Language": "es"}).get_json()

    assert spanish["title"] and spanish["title"] != english["title"]
    assert spanish["detail"] != english["detail"]


def test_numbers_beyond_a_database_integer_are_not_found(client):
    _problem(client.get("/api/v1/issuers/99999999999999999999"), 404, "not_found")
    _problem(client.get("/api/v1/achievements/track-99999999999"), 404, "not_found")
    _problem(client.get("/api/v1/achievements/track-²"), 404, "not_found")


def test_a_method_the_address_does_not_take_is_a_problem_with_allow(client):
    verify = client.get(VERIFY)
    lookup = client.delete(f"/api/v1/certificates/{ids.new_code('ZZZ')}")

    _problem(verify, 405, "method_not_allowed")
    assert set(verify.headers["Allow"].split(", ")) == {"POST", "OPTIONS"}
    _problem(lookup, 405, "method_not_allowed")
    assert "GET" in lookup.headers["Allow"] and "DELETE" not in lookup.headers["Allow"]


def test_a_body_over_the_site_limit_is_a_problem(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)

    response = client.post(VERIFY, json={"ids": ["PRC-7K3M-Q9XD-K"] * 100})

    _problem(response, 413, "too_large")


def test_more_ids_than_allowed_is_a_problem(client):
    response = client.post(VERIFY, json={"ids": ["PRC-7K3M-Q9XD-K"] * 1001})

    _problem(response, 413, "too_many_ids")


# ---------------------------------------------------------------- 429, 500, 503


def test_a_spent_budget_is_a_problem_with_retry_after(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "LMS_VERIFY_RATE_LIMIT", "1 per minute")
    client.get("/api/v1/certificates/hello")

    response = client.get("/api/v1/certificates/hello")

    _problem(response, 429, "rate_limited")
    assert 0 < int(response.headers["Retry-After"]) <= 60


def test_an_unexpected_error_is_a_problem(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'boom.db'}", str(tmp_path))
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer as in production

    @app.get("/api/v1/boom")
    def boom():
        raise RuntimeError("a bug")

    problem = _problem(app.test_client().get("/api/v1/boom"), 500, "server_error")

    assert "a bug" not in problem["detail"]


def test_a_database_that_cannot_answer_is_a_problem_with_retry_after(client, monkeypatch):
    from lms.certification import verification

    def unreachable(_code):
        raise sa_exc.DisconnectionError("the server closed the connection")

    monkeypatch.setattr(verification, "record_json", unreachable)

    response = client.get(f"/api/v1/certificates/{ids.new_code('ZZZ')}")

    problem = _problem(response, 503, "unavailable")
    assert int(response.headers["Retry-After"]) > 0
    assert problem["title"] == "Service unavailable"


def test_html_pages_keep_their_error_pages(client):
    response = client.get("/no-such-page")

    assert response.status_code == 404
    assert response.mimetype == "text/html"
