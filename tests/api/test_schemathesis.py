"""Schemathesis checks the API against its OpenAPI document, on both databases.

Every check is on (server errors, status codes, content types, response schemas
and headers, positive data accepted, negative data refused, unsupported methods
...), over the examples, coverage and fuzzing phases, with a small derandomized
budget so that the run stays within a few seconds per operation. Valid, expired,
revoked and superseded certificates are in the database, and a second test sends
each operation their real IDs and numbers, so lookups hit records, not only misses.
"""

from __future__ import annotations

import contextvars
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from lms.api import openapi
from tests.certification.factories import issue_certificate, yesterday

SERVER = "http://127.0.0.1:5000"
# Requests made, per database: tests/api/conftest.py prints them after the run.
REQUESTS: Counter[str] = Counter()

CONFIG = SchemathesisConfig.from_str("""
[checks]
enabled = true

# The check character of an ID is beyond what a pattern can say: an ID that
# matches the pattern but not its check character is a documented 400.
[[operations]]
include-operation-id = "getCertificate"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "404"]

# More than 1000 IDs is a documented 413 (too_many_ids), not a 400.
[[operations]]
include-operation-id = "verifyCertificates"
checks.negative_data_rejection.expected-statuses = ["400", "413"]
""")


@pytest.fixture
def records(app, database, monkeypatch):
    """A certificate in each state, and a budget the run does not spend (429 is tested
    on its own); the API's examples are replaced by these real records."""
    monkeypatch.setitem(app.config, "LMS_VERIFY_RATE_LIMIT", "100000 per minute")
    return {
        "valid": issue_certificate(),
        "expired": issue_certificate(expires_on=yesterday()),
        "revoked": issue_certificate(revoked=True),
        "superseded": issue_certificate(superseded=True),
        "course": issue_certificate(kind="course"),
    }


# The document the app serves (a test below checks that it is this one), loaded at
# import time as schemathesis' pytest integration wants; each case is then sent to
# the ``app`` fixture, so that the run covers both databases.
schema = schemathesis.openapi.from_dict(openapi.document(SERVER), config=CONFIG)


def test_the_document_checked_is_the_one_served(app, client):
    served = client.get("/api/v1/openapi.json").get_json()

    assert served == openapi.document(app.config["LMS_PUBLIC_URL"])


@schema.parametrize()
@settings(max_examples=50, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_the_api_answers_as_its_openapi_document_says(case, app, records, backend):
    # Each request in a context of its own, as a server runs it (see BrowserClient).
    contextvars.Context().run(case.call_and_validate, app=app)
    REQUESTS[backend] += 1


def _real_cases(records: dict) -> list[tuple[str, str, dict]]:
    """(path, method, Case arguments) that name the records in the database."""
    valid, course = records["valid"], records["course"]
    codes = [record.code for record in records.values()]
    cases = [("/api/v1/certificates/{code}", "GET", {"path_parameters": {"code": code}})
             for code in [*codes, valid.code.lower().replace("-", "")]]
    cases.append(("/api/v1/certificates/verify", "POST", {"body": {"ids": codes}}))
    for path in ("/api/v1/issuers/{issuer_id}", "/api/v1/issuers/{issuer_id}/revocations"):
        cases.append((path, "GET", {"path_parameters": {"issuer_id": valid.issuer_id}}))
    for achievement in (f"track-{valid.track_id}",
                        f"course-{course.snapshot['achievement']['id']}"):
        cases.append(("/api/v1/achievements/{achievement}", "GET",
                      {"path_parameters": {"achievement": achievement}}))
    return cases


def test_real_records_answer_as_the_document_says(app, records, backend):
    for path, method, arguments in _real_cases(records):
        case = schema[path][method].Case(**arguments)
        response = contextvars.Context().run(case.call_and_validate, app=app)
        REQUESTS[backend] += 1

        assert response.status_code == 200, (path, arguments, response.text[:500])
