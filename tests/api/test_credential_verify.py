"""POST /api/v1/credentials/verify: each check of a credential sent to us."""

from __future__ import annotations

import json

from joserfc import jws
from joserfc.jwk import RSAKey

from lms.certification import signing
from tests.certification.factories import issue_certificate, yesterday

URL = "/api/v1/credentials/verify"


def _checks(answer: dict) -> dict[str, bool]:
    return {check["check"]: check["ok"] for check in answer["checks"]}


def _post(client, credential):
    response = client.post(URL, json={"credential": credential})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_a_valid_vc_jwt_passes_every_check(client):
    certificate = issue_certificate()
    answer = _post(client, certificate.credential)
    assert answer["valid"] is True and answer["id"] == certificate.code
    assert _checks(answer) == {"signature": True, "issuer": True, "status": True,
                               "expiry": True}
    assert all(check["detail"] for check in answer["checks"])
    # The same token as text.
    for mimetype in ("text/plain", "application/vc+jwt"):
        response = client.post(URL, data=certificate.credential + "\n",
                               content_type=mimetype)
        assert response.status_code == 200 and response.get_json() == answer


def test_a_changed_token_fails_its_signature(client):
    certificate = issue_certificate()
    header, payload, signature = certificate.credential.split(".")
    claims = signing.verify_jwt(certificate.credential).credential
    claims["credentialSubject"]["identifier"][0]["identityHash"] = "Somebody Else"
    forged = jws.serialize_compact({"alg": "RS256"}, json.dumps(claims),
                                   RSAKey.generate_key(2048))
    tampered = ".".join([header, forged.split(".")[1], signature])
    answer = _post(client, tampered)
    assert answer["valid"] is False
    assert _checks(answer)["signature"] is False
    assert "altered" in answer["checks"][0]["detail"]


def test_a_token_signed_with_another_key_fails_the_issuer_check(client):
    certificate = issue_certificate()
    claims = signing.verify_jwt(certificate.credential).credential
    foreign = jws.serialize_compact({"alg": "RS256", "kid": "not-ours"}, json.dumps(claims),
                                    RSAKey.generate_key(2048))
    answer = _post(client, foreign)
    assert answer["valid"] is False
    checks = _checks(answer)
    assert checks["signature"] is False and checks["issuer"] is False
    assert checks["status"] is True  # it names a real certificate, which is not revoked


def test_revoked_and_expired_certificates(client):
    revoked = _post(client, issue_certificate(revoked=True).credential)
    assert revoked["valid"] is False
    assert _checks(revoked) == {"signature": True, "issuer": True, "status": False,
                                "expiry": True}
    assert "revoked" in revoked["checks"][2]["detail"]
    expired = _post(client, issue_certificate(expires_on=yesterday()).credential)
    assert expired["valid"] is False
    assert _checks(expired) == {"signature": True, "issuer": True, "status": True,
                                "expiry": False}


def test_the_downloaded_json_is_checked_against_the_signed_record(client):
    certificate = issue_certificate()
    credential = signing.verify_jwt(certificate.credential).credential
    answer = _post(client, credential)
    assert answer["valid"] is True and answer["id"] == certificate.code
    assert "exactly the credential signed" in answer["checks"][0]["detail"]

    credential["credentialSubject"]["identifier"][0]["identityHash"] = "Somebody Else"
    changed = _post(client, credential)
    assert changed["valid"] is False and _checks(changed)["signature"] is False

    proved = dict(signing.verify_jwt(certificate.credential).credential,
                  proof={"type": "DataIntegrityProof", "proofValue": "z123"})
    answer = _post(client, proved)
    assert answer["valid"] is False
    assert "DataIntegrityProof" in answer["checks"][0]["detail"]


def test_an_enveloped_credential_is_unwrapped(client):
    certificate = issue_certificate()
    envelope = {"@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": "EnvelopedVerifiableCredential",
                "id": f"data:application/vc+jwt,{certificate.credential}"}
    assert _post(client, envelope)["valid"] is True


def test_a_json_credential_of_nobody(client):
    answer = _post(client, {"type": ["VerifiableCredential"], "id": "urn:uuid:1"})
    assert answer["valid"] is False and answer["id"] is None
    assert _checks(answer)["signature"] is False and _checks(answer)["status"] is False


def test_bad_input_is_a_400_problem(client):
    for body in ({"credential": 5}, {"credential": "not a token"}, {"ids": []},
                 {"credential": "a.b.c", "extra": 1}, ["a.b.c"]):
        response = client.post(URL, json=body)
        assert response.status_code == 400, body
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["code"] == "not_a_credential"
        assert "VC-JWT" in response.get_json()["detail"]
    not_json = client.post(URL, data="{", content_type="application/json")
    assert not_json.status_code == 400 and not_json.get_json()["code"] == "bad_json"
    text = client.post(URL, data="hello there", content_type="text/plain")
    assert text.status_code == 400 and text.get_json()["code"] == "not_a_credential"


def test_shares_the_verification_budget(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "LMS_VERIFY_RATE_LIMIT", "2 per minute")
    for _attempt in range(2):
        assert client.post(URL, json={"credential": 5}).status_code == 400
    response = client.post(URL, json={"credential": 5})
    assert response.status_code == 429
    assert response.get_json()["code"] == "rate_limited"
