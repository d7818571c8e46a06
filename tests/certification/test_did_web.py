"""Keys any verifier can find: issuers are did:web DIDs whose did.json lists our keys,
and a credential's kid is the DID URL of the key that signed it."""

from __future__ import annotations

from urllib.parse import unquote

import jwt as pyjwt
from joserfc import jws

from lms.certification import signing
from tests.certification.factories import issue_certificate
from tests.conftest import page_text


def resolve_url(did: str) -> str:
    """The did:web method's rule, written from the spec: colons become slashes, the
    host's percent-encoded port is decoded, and /did.json is appended."""
    method, name, *rest = did.split(":")
    assert (method, name) == ("did", "web")
    host, *path = rest
    return "https://" + "/".join([unquote(host), *path]) + "/did.json"


def test_did_web_follows_the_method_rules():
    assert signing.did_web("https://lms.example.org", "issuers", "3") == \
        "did:web:lms.example.org:issuers:3"
    assert signing.did_web("http://localhost:5000", "issuers", "3") == \
        "did:web:localhost%3A5000:issuers:3"
    assert signing.did_web("https://example.org/lms/", "issuers", "3") == \
        "did:web:example.org:lms:issuers:3"
    assert resolve_url("did:web:localhost%3A5000:issuers:3") == \
        "https://localhost:5000/issuers/3/did.json"


def _resolve(client, did: str) -> dict:
    url = resolve_url(did)
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return response.json


def test_a_credential_is_verified_from_its_issuers_did_document_alone(client):
    certificate = issue_certificate()
    token = certificate.credential
    header = pyjwt.get_unverified_header(token)
    claims = pyjwt.decode(token, options={"verify_signature": False})
    did = claims["iss"]
    assert did == claims["issuer"]["id"]
    assert did.startswith("did:web:") and did.endswith(f":issuers:{certificate.issuer_id}")
    assert header["kid"] == f"{did}#{certificate.kid}"

    document = _resolve(client, did)
    assert document["id"] == did
    methods = {method["id"]: method for method in document["verificationMethod"]}
    assert header["kid"] in document["assertionMethod"]
    method = methods[header["kid"]]
    assert method["type"] == "JsonWebKey" and method["controller"] == did
    assert "d" not in method["publicKeyJwk"]  # public parts only
    # PyJWT, independent of our signing library, with nothing but the DID document's key.
    key = pyjwt.PyJWK(method["publicKeyJwk"]).key
    verified = pyjwt.decode(token, key, algorithms=["RS256"])
    assert verified["jti"] == claims["id"]


def test_every_published_key_is_in_the_did_document(client, app, monkeypatch, tmp_path):
    # A key folder of this test's own, so that the rotation does not outlive it.
    monkeypatch.setitem(app.config, "LMS_SIGNING_KEYS_PATH", str(tmp_path / "keys"))
    certificate = issue_certificate()
    signing.rotate()
    did = pyjwt.decode(certificate.credential, options={"verify_signature": False})["iss"]
    document = _resolve(client, did)
    thumbprints = [method["id"].split("#")[1] for method in document["verificationMethod"]]
    assert thumbprints == [jwk["kid"] for jwk in signing.jwks()["keys"]]
    assert certificate.kid in thumbprints  # signed before the rotation, still listed


def test_old_and_new_tokens_both_verify(client):
    certificate = issue_certificate()
    assert signing.verify_jwt(certificate.credential).ok
    assert signing.verify_jwt(certificate.credential).kid == certificate.kid
    # A token signed as before (bare thumbprint, https issuer) still verifies.
    old_style = {"@context": [], "id": "https://lms.example.org/verify/X",
                 "issuer": {"id": "https://lms.example.org/api/v1/issuers/1"},
                 "validFrom": "2026-01-01T00:00:00Z"}
    token, kid = signing.sign_credential(old_style)
    assert pyjwt.get_unverified_header(token)["kid"] == kid
    assert signing.verify_jwt(token).ok


def test_a_kid_naming_another_did_than_the_issuer_is_refused(client):
    certificate = issue_certificate()
    claims = pyjwt.decode(certificate.credential, options={"verify_signature": False})
    key = signing.active_key()
    forged = jws.serialize_compact(
        {"alg": "RS256", "kid": f"did:web:evil.example:issuers:1#{key.kid}", "typ": "JWT"},
        pyjwt.api_jws.json.dumps(claims).encode(), key.key,
        registry=jws.JWSRegistry(algorithms=["RS256"]))
    verified = signing.verify_jwt(forged)
    assert not verified.ok and verified.error == "unknown_key"


def test_only_issuers_that_issued_have_a_did_document(client):
    assert client.get("/issuers/987654/did.json").status_code == 404


def test_the_verify_page_links_the_did_document_and_the_status_list(client):
    certificate = issue_certificate()
    response = client.get(f"/verify/{certificate.code}")
    html = response.get_data(as_text=True)
    assert f'href="/issuers/{certificate.issuer_id}/did.json"' in html
    assert f'href="/issuers/{certificate.issuer_id}/status/revocation"' in html
    assert "did:web" in page_text(response)
