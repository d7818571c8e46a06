"""The Open Badges 3.0 credential, signed, checked with PyJWT (independent of joserfc)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import jwt as pyjwt
import pytest

from lms.certification import credential as credentials
from lms.certification import signing
from tests.certification.snapshots import sample_snapshot
from tests.conftest import make_app

BASE = "https://lms.example.org"


@pytest.fixture
def key_app(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'unused.db'}", str(tmp_path / "instance"))
    with app.app_context():
        yield app


def decode_with_pyjwt(token: str) -> tuple[dict, dict]:
    """Header and claims, the signature checked by PyJWT against our published JWKS."""
    header = pyjwt.get_unverified_header(token)
    published = {jwk["kid"]: jwk for jwk in signing.jwks()["keys"]}
    # A did:web issuer's kid is the DID URL <did>#<thumbprint> (see test_did_web.py).
    key = pyjwt.PyJWK(published[header["kid"].rsplit("#", 1)[-1]])
    claims = pyjwt.decode(token, key.key, algorithms=["RS256"],
                          options={"require": ["iss", "jti", "nbf"]})
    return header, claims


def test_signed_credential_verifies_with_pyjwt_and_has_every_required_ob3_field(key_app):
    snapshot = sample_snapshot(issued_on="2026-01-15")
    credential = credentials.build_credential(snapshot, BASE)
    token, kid = signing.sign_credential(credential)
    header, claims = decode_with_pyjwt(token)

    assert header["alg"] == "RS256" and header["kid"] == kid and header["typ"] == "JWT"
    assert "jwk" not in header
    # Registered claims, as OB 3.0 maps them.
    assert claims["iss"] == f"{BASE}/api/v1/issuers/3"
    assert claims["jti"] == f"{BASE}/verify/PRC-7K3M-Q9XD-K"
    assert claims["nbf"] == datetime(2026, 1, 15, tzinfo=UTC).timestamp()
    assert claims["exp"] == datetime(2029, 1, 15, 23, 59, 59, tzinfo=UTC).timestamp()
    assert "vc" not in claims  # the VC 2.0 way: members at the top level

    assert claims["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["id"] == snapshot["verify_url"]
    assert claims["issuer"] == {
        "id": f"{BASE}/api/v1/issuers/3",
        "type": ["Profile"],
        "name": "Comisión Nacional contra las Adicciones",
        "address": {"type": ["Address"], "addressCountry": "MX"},
    }
    assert claims["validFrom"] == "2026-01-15T00:00:00Z"
    assert claims["validUntil"] == "2029-01-15T23:59:59Z"
    assert claims["name"] == "PROCCER Treatment, Mexico adaptation"

    subject = claims["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["identifier"] == [{
        "type": "IdentityObject", "identityType": "name", "hashed": False,
        "identityHash": "María José Pérez Núñez"}]
    assert subject["creditsEarned"] == 120
    achievement = subject["achievement"]
    assert achievement["id"] == f"{BASE}/api/v1/achievements/track-7"
    assert achievement["type"] == ["Achievement"]
    assert achievement["achievementType"] == "Certification"
    assert achievement["name"] == "PROCCER Treatment, Mexico adaptation"
    assert achievement["description"].startswith("Completed the required courses")
    assert achievement["criteria"]["narrative"] == achievement["description"]
    assert achievement["alignment"] == [
        {"type": ["Alignment"], "targetName": "T1 Screening and brief intervention",
         "targetCode": "T1", "targetUrl": f"{snapshot['verify_url']}#competency-T1"},
        {"type": ["Alignment"], "targetName": "T2 Treatment planning",
         "targetCode": "T2", "targetUrl": f"{snapshot['verify_url']}#competency-T2"},
        {"type": ["Alignment"], "targetName": "T3 Relapse prevention",
         "targetCode": "T3", "targetUrl": f"{snapshot['verify_url']}#competency-T3"},
    ]
    assert claims["credentialStatus"] == {
        "id": f"{BASE}/api/v1/issuers/3/revocations", "type": "1EdTechRevocationList"}

    # Our own verifier gives back exactly the credential that was signed.
    assert signing.verify_jwt(token).credential == credential


def test_no_email_anywhere(key_app):
    snapshot = sample_snapshot()
    credential = credentials.build_credential(snapshot, BASE)
    token, _kid = signing.sign_credential(credential)
    _header, claims = decode_with_pyjwt(token)
    text = json.dumps(claims, ensure_ascii=False).lower()
    assert "@" not in text.replace('"@context"', "")
    assert "email" not in text and "mailto" not in text


def test_a_certificate_that_does_not_expire_has_no_valid_until_nor_exp(key_app):
    credential = credentials.build_credential(sample_snapshot(expires_on=None), BASE)
    assert "validUntil" not in credential
    token, _kid = signing.sign_credential(credential)
    _header, claims = decode_with_pyjwt(token)
    assert "exp" not in claims and "validUntil" not in claims


def test_course_certificates_are_certificates_of_a_course():
    snapshot = sample_snapshot(kind="course", achievement_id=12)
    credential = credentials.build_credential(snapshot, BASE)
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["achievementType"] == "Certificate"
    assert achievement["id"] == f"{BASE}/api/v1/achievements/course-12"


def test_built_only_from_the_snapshot_so_it_is_reproducible(key_app):
    snapshot = sample_snapshot()
    first = credentials.build_credential(snapshot, BASE)
    # A snapshot read back from the database's JSON column: a fresh, equal copy.
    again = credentials.build_credential(json.loads(json.dumps(snapshot)), BASE + "/")
    assert first == again
    assert signing.sign_credential(first) == signing.sign_credential(again)
    assert json.loads(json.dumps(snapshot)) == snapshot  # the snapshot was not changed


def test_the_holder_name_and_code_can_be_read_back():
    credential = credentials.build_credential(
        sample_snapshot(code="PRC-1J0T-ZNYT-6", holder_name="Zoë Ødegård"), BASE)
    assert credentials.holder_name(credential) == "Zoë Ødegård"
    assert credentials.certificate_code(credential) == "PRC-1J0T-ZNYT-6"
    assert credentials.holder_name({}) is None
    assert credentials.certificate_code({"id": "urn:uuid:1"}) is None


# ---------------------------------------------------------------- snapshot version 2

def current_snapshot(**fields) -> dict:
    """A snapshot as issued today: version 2, with its status list position."""
    return {**sample_snapshot(**fields), "v": 2, "status_index": 40_321}


def test_a_current_credential_names_a_did_web_issuer_and_its_status_list(key_app):
    snapshot = current_snapshot(issued_on="2026-01-15")
    credential = credentials.build_credential(snapshot, BASE)
    token, kid = signing.sign_credential(credential)
    header, claims = decode_with_pyjwt(token)

    did = "did:web:lms.example.org:issuers:3"
    assert header["kid"] == f"{did}#{kid}"
    assert claims["iss"] == did
    assert claims["issuer"] == {
        "id": did, "type": ["Profile"], "name": "Comisión Nacional contra las Adicciones",
        "url": f"{BASE}/api/v1/issuers/3",
        "address": {"type": ["Address"], "addressCountry": "MX"},
    }
    assert claims["credentialStatus"] == {
        "id": f"{BASE}/issuers/3/status/revocation#40321",
        "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
        "statusListIndex": "40321",
        "statusListCredential": f"{BASE}/issuers/3/status/revocation"}
    assert claims["credentialSchema"] == [{"id": credentials.SCHEMA,
                                           "type": "1EdTechJsonSchemaValidator2019"}]
    assert claims["@context"][2] == credentials.EXTENSION_CONTEXT
    assert signing.verify_jwt(token).credential == credential
    assert signing.verify_jwt(token).kid == kid


def test_the_achievement_carries_every_language_of_the_snapshot():
    snapshot = current_snapshot()
    achievement = credentials.build_credential(snapshot, BASE)["credentialSubject"][
        "achievement"]
    assert achievement["name"] == snapshot["text"]["en"]["title"]
    assert achievement["inLanguage"] == "en"
    related = {item["inLanguage"]: item for item in achievement["related"]}
    assert set(related) == {"es", "fr", "pt"}
    for language, item in related.items():
        assert item["type"] == ["Related"]
        assert item["id"] == f"{achievement['id']}?lang={language}"
        assert item["name"] == snapshot["text"][language]["title"]
        assert item["description"] == snapshot["text"][language]["description"]
    texts = credentials.achievement_texts(credentials.build_credential(snapshot, BASE))
    assert texts["es"]["name"] == snapshot["text"]["es"]["title"]
    assert set(texts) == {"en", "es", "fr", "pt"}


def test_a_version_1_snapshot_still_builds_the_credential_it_was_signed_as():
    credential = credentials.build_credential(sample_snapshot(), BASE)
    assert credential["issuer"]["id"] == f"{BASE}/api/v1/issuers/3"
    assert credential["credentialStatus"]["type"] == "1EdTechRevocationList"
    assert "related" not in credential["credentialSubject"]["achievement"]
    assert len(credential["@context"]) == 2
