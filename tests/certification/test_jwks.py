"""The public signing keys at /.well-known/jwks.json."""

from __future__ import annotations

import jwt

from lms.certification import signing
from tests.certification.factories import issue_certificate


def test_the_jwks_is_the_signing_keys_public_parts(client, app):
    response = client.get("/.well-known/jwks.json")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.get_json()
    with app.app_context():
        assert body == signing.jwks()
    for key in body["keys"]:
        assert {"kty", "kid", "n", "e", "alg", "use"} <= set(key)
        assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)


def test_a_credential_verifies_with_the_published_keys_by_an_independent_library(client):
    certificate = issue_certificate()
    keys = jwt.PyJWKSet.from_dict(client.get("/.well-known/jwks.json").get_json())
    key = next(k for k in keys.keys if k.key_id == certificate.kid)

    claims = jwt.decode(certificate.credential, key.key, algorithms=["RS256"],
                        options={"verify_aud": False, "verify_exp": False,
                                 "verify_nbf": False})

    assert certificate.code in claims["jti"]


def test_after_a_rotation_old_and_new_keys_are_published(client, app, monkeypatch,
                                                        tmp_path):
    # A key folder of this test's own, so that the rotation does not outlive it.
    monkeypatch.setitem(app.config, "LMS_SIGNING_KEYS_PATH", str(tmp_path / "keys"))
    certificate = issue_certificate()
    with app.app_context():
        new_kid = signing.rotate()

    kids = [key["kid"] for key in client.get("/.well-known/jwks.json").get_json()["keys"]]

    assert new_kid in kids and certificate.kid in kids
    assert "Signature valid" in client.get(f"/verify/{certificate.code}").get_data(as_text=True)
