"""The public JSON API: one certificate, many at once, issuers, achievements, limits."""

from __future__ import annotations

from datetime import UTC, date, datetime

from lms.certification import ids
from lms.kernel import clock
from tests.certification.factories import issue_certificate, yesterday
from tests.certification.test_verify_pages import _mistype
from tests.factories import make_user


def _get(client, code: str):
    return client.get(f"/api/v1/certificates/{code}")


def test_a_valid_certificate_in_json(client):
    holder = make_user(full_name="João Silva", email="joao.private@example.org")
    certificate = issue_certificate(holder)
    snapshot = certificate.snapshot

    response = _get(client, certificate.code)

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.get_json()
    assert body["id"] == certificate.code
    assert body["status"] == "valid"
    assert body["holder_name"] == "João Silva"
    assert body["title"] == snapshot["text"]["en"]["title"]
    assert body["titles"] == {lang: snapshot["text"][lang]["title"]
                              for lang in ("en", "es", "fr", "pt")}
    assert body["program"]["code"] == snapshot["program"]["code"]
    assert body["issuer"] == {"name": certificate.issuer.name,
                              "country": certificate.issuer.country}
    assert body["issued_on"] == certificate.issued_on.isoformat()
    assert body["valid_from"] == certificate.valid_from.isoformat()
    assert body["expires_on"] == certificate.expires_on.isoformat()
    assert body["hours"] == certificate.hours
    assert [c["code"] for c in body["competencies"]] == \
        [c["code"] for c in snapshot["competencies"]]
    assert body["revocation"] is None
    assert body["superseded_by"] is None and body["replaces"] is None
    assert body["credential"] == certificate.credential
    assert body["verify_url"] == snapshot["verify_url"]
    assert "joao.private@example.org" not in response.get_data(as_text=True)


def test_an_expired_certificate_in_json(client):
    certificate = issue_certificate(expires_on=yesterday())

    body = _get(client, certificate.code).get_json()

    assert body["status"] == "expired"
    assert body["expires_on"] == yesterday().isoformat()


def test_a_certificate_is_valid_through_its_expiry_day(client, frozen_clock):
    frozen_clock.set(datetime(2027, 1, 15, 9, 30, tzinfo=UTC))
    certificate = issue_certificate()
    assert certificate.expires_on == date(2030, 1, 15)

    frozen_clock.set(datetime(2030, 1, 15, 23, 59, tzinfo=UTC))
    assert _get(client, certificate.code).get_json()["status"] == "valid"
    frozen_clock.advance(minutes=1)
    assert _get(client, certificate.code).get_json()["status"] == "expired"


def test_a_revoked_certificate_in_json(client):
    certificate = issue_certificate(revoked=True)

    body = _get(client, certificate.code).get_json()

    assert body["status"] == "revoked"
    assert body["revocation"] == {"revoked_on": clock.today(clock.UTC).isoformat(),
                                  "code": "issued_in_error", "reason": "Issued in error",
                                  "note": ""}


def test_a_superseded_certificate_points_to_its_replacement_and_back(client):
    certificate = issue_certificate(superseded=True)
    replacement = certificate.superseded_by

    old = _get(client, certificate.code).get_json()
    new = _get(client, replacement.code).get_json()

    assert old["status"] == "superseded"
    assert old["superseded_by"] == replacement.code
    assert new["status"] == "valid"
    assert new["replaces"] == certificate.code
    assert new["holder_name"].endswith("Corrected")


def test_any_spelling_of_an_id_finds_the_certificate(client):
    certificate = issue_certificate()

    body = _get(client, certificate.code.lower().replace("-", "")).get_json()

    assert body["id"] == certificate.code


def test_a_mistyped_id_is_a_check_character_error_not_not_found(client):
    certificate = issue_certificate()

    response = _get(client, _mistype(certificate.code))

    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.get_json() == {
        "type": "about:blank", "title": "Bad request", "status": 400,
        "detail": "The check character does not match: the ID was probably mistyped.",
        "instance": f"/api/v1/certificates/{_mistype(certificate.code)}",
        "code": "check_character"}


def test_text_that_is_no_id_is_a_format_error(client):
    response = _get(client, "hello")

    assert response.status_code == 400
    assert response.get_json()["code"] == "format"


def test_an_unknown_id_is_not_found(client):
    response = _get(client, ids.new_code("ZZZ"))

    assert response.status_code == 404
    problem = response.get_json()
    assert (problem["code"], problem["detail"]) == ("not_found", "No certificate has this ID.")


def test_error_messages_follow_the_request_language(client):
    response = client.get("/api/v1/certificates/hello", headers={"Accept-Language": "es"})

    assert response.get_json()["code"] == "format"


# ---------------------------------------------------------------- bulk


def test_bulk_verification_answers_every_id_in_input_order(client):
    valid = issue_certificate()
    expired = issue_certificate(expires_on=yesterday())
    revoked = issue_certificate(revoked=True)
    superseded = issue_certificate(superseded=True)
    unknown = ids.new_code("ZZZ")
    inputs = [revoked.code, "nonsense", valid.code.lower(), unknown, superseded.code,
              _mistype(valid.code), expired.code]

    response = client.post("/api/v1/certificates/verify", json={"ids": inputs})

    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [r["input"] for r in results] == inputs
    assert [r["status"] for r in results] == [
        "revoked", "invalid", "valid", "not_found", "superseded", "invalid", "expired"]
    assert [r["id"] for r in results] == [
        revoked.code, None, valid.code, unknown, superseded.code, None, expired.code]
    assert results[1]["error"]["code"] == "format"
    assert results[5]["error"]["code"] == "check_character"
    assert results[3]["error"]["code"] == "not_found"
    assert results[2]["error"] is None
    assert results[2]["holder_name"] == valid.snapshot["holder_name"]
    assert results[2]["title"] == valid.snapshot["text"]["en"]["title"]
    assert results[6]["expires_on"] == yesterday().isoformat()


def test_bulk_needs_a_list_of_one_to_a_thousand_ids(client):
    url = "/api/v1/certificates/verify"
    empty = client.post(url, json={"ids": []})
    missing = client.post(url, json={"codes": ["PRC-7K3M-Q9XD-5"]})
    not_json = client.post(url, data="ids=PRC-7K3M-Q9XD-5")
    too_many = client.post(url, json={"ids": [ids.new_code("ZZZ") for _ in range(1001)]})
    most = client.post(url, json={"ids": [ids.new_code("ZZZ") for _ in range(1000)]})

    assert empty.status_code == 400 and empty.get_json()["code"] == "no_ids"
    assert missing.status_code == 400 and missing.get_json()["code"] == "bad_request"
    assert not_json.status_code == 400
    assert too_many.status_code == 413
    assert (too_many.get_json()["code"], too_many.get_json()["detail"]) == (
        "too_many_ids", "Send at most 1,000 certificate IDs at once.")
    assert most.status_code == 200 and len(most.get_json()["results"]) == 1000


def test_bulk_runs_the_same_queries_for_3_and_300_ids(client, count_queries):
    certificates = [issue_certificate() for _ in range(3)]
    few = [c.code for c in certificates]
    many = (few * 100)[:300]
    many = [code if i % 2 else code.lower() for i, code in enumerate(many)]
    many[7] = ids.new_code("ZZZ")
    client.post("/api/v1/certificates/verify", json={"ids": few})  # warm up

    with count_queries("bulk verify API", "3 ids") as small:
        assert client.post("/api/v1/certificates/verify", json={"ids": few}).status_code == 200
    with count_queries("bulk verify API", "300 ids") as large:
        response = client.post("/api/v1/certificates/verify", json={"ids": many})

    assert response.status_code == 200
    assert small.count == large.count
    assert small.count <= 2  # the lookup, and the verification count (one upsert)


def test_the_single_lookup_is_one_query_and_its_count(client, count_queries):
    certificate = issue_certificate(superseded=True)
    _get(client, certificate.code)

    with count_queries("certificate API", "1 id") as counter:
        assert _get(client, certificate.code).status_code == 200

    assert counter.count == 2  # the lookup, and the verification count (one upsert)


def test_the_api_needs_no_csrf_token_for_its_post(client):
    response = client.post("/api/v1/certificates/verify", json={"ids": ["PRC-7K3M-Q9XD-5"]})

    assert response.status_code == 200


# ---------------------------------------------------------------- issuers, achievements


def test_the_issuer_profile_and_revocation_list(client):
    revoked = issue_certificate(revoked=True)
    issuer_id = revoked.issuer_id

    profile = client.get(f"/api/v1/issuers/{issuer_id}").get_json()
    revocations = client.get(f"/api/v1/issuers/{issuer_id}/revocations").get_json()

    assert profile["type"] == ["Profile"]
    assert profile["name"] == revoked.issuer.name
    assert profile["address"]["addressCountry"] == revoked.issuer.country
    assert profile["id"].endswith(f"/api/v1/issuers/{issuer_id}")
    assert revocations["issuer"] == profile["id"]
    assert revocations["revokedCredentials"] == [{
        "id": revoked.snapshot["verify_url"], "revoked": True,
        "revocationReason": "Issued in error"}]


def test_an_institution_that_never_issued_is_not_an_issuer(client):
    from tests.factories import make_institution

    institution = make_institution()

    assert client.get(f"/api/v1/issuers/{institution.id}").status_code == 404
    assert client.get(f"/api/v1/issuers/{institution.id}/revocations").status_code == 404


def test_the_achievement_of_a_track(client):
    certificate = issue_certificate()

    response = client.get(f"/api/v1/achievements/track-{certificate.track_id}")

    assert response.status_code == 200
    achievement = response.get_json()
    assert "Achievement" in str(achievement["type"])
    assert client.get("/api/v1/achievements/track-999999").status_code == 404
    assert client.get("/api/v1/achievements/badge-1").status_code == 404


def test_the_achievement_of_a_course(client):
    certificate = issue_certificate(kind="course")

    response = client.get(
        f"/api/v1/achievements/course-{certificate.snapshot['achievement']['id']}")

    assert response.status_code == 200
    assert "Achievement" in str(response.get_json()["type"])


# ---------------------------------------------------------------- rate limit


def test_too_many_requests_get_a_json_429_with_retry_after(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "LMS_VERIFY_RATE_LIMIT", "3 per minute")
    for _attempt in range(2):
        assert _get(client, "hello").status_code == 400
    assert client.get("/verify").status_code == 200  # the pages share the budget

    response = _get(client, "hello")
    bulk = client.post("/api/v1/certificates/verify", json={"ids": ["x"]})

    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "rate_limited"
    assert "Please wait a minute" in response.get_json()["detail"]
    assert int(response.headers["Retry-After"]) > 0
    assert bulk.status_code == 429
