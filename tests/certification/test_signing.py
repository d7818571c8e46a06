"""Signing keys, the JWKS, and signing and verifying VC-JWTs (RS256)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import stat
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization

from lms.certification import signing
from lms.config import ROOT
from tests.conftest import make_app

CREDENTIAL = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "id": "https://lms.example.org/verify/PRC-7K3M-Q9XD-K",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": {"id": "https://lms.example.org/api/v1/issuers/3", "type": ["Profile"],
               "name": "Comisión Nacional contra las Adicciones"},
    "validFrom": "2026-05-04T00:00:00Z",
    "validUntil": "2029-05-04T23:59:59Z",
    "name": "PROCCER Tratamiento",
}


@pytest.fixture
def key_app(tmp_path):
    """An app of its own, whose key folder starts empty (no database is used)."""
    app = make_app(f"sqlite:///{tmp_path / 'unused.db'}", str(tmp_path / "instance"))
    with app.app_context():
        yield app


def folder_of(app) -> Path:
    return Path(app.config["INSTANCE_PATH"]) / "keys"


def b64url(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def rfc7638_thumbprint(pem: bytes) -> str:
    """Computed here from the RFC, independently of joserfc."""
    numbers = serialization.load_pem_private_key(pem, None).public_key().public_numbers()
    members = json.dumps({"e": b64url(numbers.e), "kty": "RSA", "n": b64url(numbers.n)},
                         separators=(",", ":"), sort_keys=True)
    digest = hashlib.sha256(members.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_first_use_creates_one_private_key_readable_by_the_owner_only(key_app):
    folder = folder_of(key_app)
    assert not folder.exists()
    key = signing.active_key()
    files = sorted(folder.glob("*.pem"))
    assert [path.name for path in files] == ["key-0001.pem"]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert key.kid == rfc7638_thumbprint(files[0].read_bytes())
    assert key.key.as_dict(private=True)["n"]  # an RSA key ...
    public = serialization.load_pem_private_key(files[0].read_bytes(), None).public_key()
    assert public.key_size == 2048  # ... of 2048 bits
    assert signing.active_key().kid == key.kid
    assert len(list(folder.iterdir())) == 1  # no temporary file left behind


def test_the_configured_folder_is_used(tmp_path):
    folder = tmp_path / "elsewhere"
    app = make_app(f"sqlite:///{tmp_path / 'unused.db'}", str(tmp_path / "instance"),
                   LMS_SIGNING_KEYS_PATH=str(folder))
    with app.app_context():
        kid = signing.active_key().kid
    assert rfc7638_thumbprint((folder / "key-0001.pem").read_bytes()) == kid
    assert not (tmp_path / "instance" / "keys").exists()


def _run(code: str, folder: Path, instance: Path, **kwargs) -> subprocess.Popen:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("LMS_")},
           "LMS_ENV": "testing", "LMS_SIGNING_KEYS_PATH": str(folder),
           "LMS_INSTANCE_PATH": str(instance)}
    return subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            **kwargs)


def test_processes_racing_for_the_first_key_end_up_with_the_same_one(tmp_path):
    folder = tmp_path / "keys"
    start = time.time() + 2.0  # every process imports first, then all start together
    code = ("import time\nfrom lms.certification import signing\n"
            f"time.sleep(max(0, {start} - time.time()))\n"
            "print(signing.active_key().kid)")
    processes = [_run(code, folder, tmp_path) for _ in range(6)]
    results = [process.communicate(timeout=60) for process in processes]
    assert all(process.returncode == 0 for process in processes), results
    kids = {out.strip() for out, _err in results}
    assert len(kids) == 1
    assert [path.name for path in folder.iterdir()] == ["key-0001.pem"]


def test_rotation_in_another_process_is_seen_and_old_tokens_still_verify(key_app, tmp_path):
    first = signing.active_key().kid
    old_token, old_kid = signing.sign_credential(CREDENTIAL)
    assert old_kid == first
    process = _run("from lms.certification import signing\nprint(signing.rotate())",
                   folder_of(key_app), tmp_path)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    second = out.strip()
    assert second != first
    # This process has the old listing cached; it must notice the new file.
    assert signing.active_key().kid == second
    new_token, new_kid = signing.sign_credential(CREDENTIAL)
    assert new_kid == second
    assert pyjwt.get_unverified_header(new_token)["kid"] == second
    assert [key["kid"] for key in signing.jwks()["keys"]] == [second, first]
    for token, kid in ((old_token, first), (new_token, second)):
        result = signing.verify_jwt(token)
        assert (result.ok, result.kid, result.error) == (True, kid, None)
        assert signing.verify_jwt(token, signing.jwks()).ok


def test_rotate_on_an_empty_folder_makes_the_first_key(key_app):
    kid = signing.rotate()
    assert signing.active_key().kid == kid
    assert [path.name for path in folder_of(key_app).iterdir()] == ["key-0001.pem"]


def test_rotate_returns_the_new_active_kid(key_app):
    first = signing.active_key().kid
    second = signing.rotate()
    third = signing.rotate()
    assert len({first, second, third}) == 3
    assert signing.active_key().kid == third
    assert sorted(path.name for path in folder_of(key_app).iterdir()) == [
        "key-0001.pem", "key-0002.pem", "key-0003.pem"]
    assert all(stat.S_IMODE(path.stat().st_mode) == 0o600
               for path in folder_of(key_app).iterdir())


def test_jwks_publishes_public_parts_only(key_app):
    signing.active_key()
    signing.rotate()
    published = signing.jwks()
    assert len(published["keys"]) == 2
    for jwk in published["keys"]:
        assert set(jwk) == {"kty", "n", "e", "kid", "alg", "use"}
        assert (jwk["kty"], jwk["alg"], jwk["use"]) == ("RSA", "RS256", "sig")
    text = json.dumps(published)
    for private_member in ('"d"', '"p"', '"q"', '"dp"', '"dq"', '"qi"'):
        assert private_member not in text


def test_signing_is_deterministic_and_fast(key_app):
    token, _kid = signing.sign_credential(CREDENTIAL)
    assert signing.sign_credential(dict(reversed(list(CREDENTIAL.items()))))[0] == token
    started = time.perf_counter()
    for number in range(1000):
        signing.sign_credential({**CREDENTIAL, "id": f"https://h/verify/{number}"})
    assert time.perf_counter() - started < 3.0


def test_the_token_carries_the_credential_and_registered_claims(key_app):
    token, kid = signing.sign_credential(CREDENTIAL)
    header = pyjwt.get_unverified_header(token)
    assert header == {"alg": "RS256", "kid": kid, "typ": "JWT"}
    key = pyjwt.PyJWK(signing.jwks()["keys"][0]).key
    claims = pyjwt.decode(token, key, algorithms=["RS256"],
                          options={"verify_exp": False, "verify_nbf": False})
    assert claims["iss"] == CREDENTIAL["issuer"]["id"]
    assert claims["jti"] == CREDENTIAL["id"]
    assert claims["nbf"] == datetime(2026, 5, 4, tzinfo=UTC).timestamp()
    assert claims["exp"] == datetime(2029, 5, 4, 23, 59, 59, tzinfo=UTC).timestamp()
    assert "vc" not in claims and "iat" not in claims
    result = signing.verify_jwt(token)
    assert result.credential == CREDENTIAL  # registered claims taken off again


def _segments(token: str) -> list[str]:
    return token.split(".")


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_an_altered_payload_fails_the_signature(key_app):
    token, kid = signing.sign_credential(CREDENTIAL)
    header, _payload, signature = _segments(token)
    forged = {**CREDENTIAL, "name": "Something else", "iss": CREDENTIAL["issuer"]["id"]}
    result = signing.verify_jwt(f"{header}.{_b64(forged)}.{signature}")
    assert (result.ok, result.kid, result.credential, result.error) == (
        False, kid, None, "signature")
    assert "altered" in result.message


def test_an_unknown_key_is_refused(key_app, tmp_path):
    token, kid = signing.sign_credential(CREDENTIAL)
    other = make_app(f"sqlite:///{tmp_path / 'other.db'}", str(tmp_path / "other"))
    with other.app_context():
        assert signing.verify_jwt(token).error == "unknown_key"  # no keys at all
        other_jwks = signing.jwks()
    result = signing.verify_jwt(token, other_jwks)
    assert (result.ok, result.kid, result.error) == (False, kid, "unknown_key")


def test_a_token_without_kid_is_refused(key_app):
    token, _kid = signing.sign_credential(CREDENTIAL)
    _header, payload, signature = _segments(token)
    result = signing.verify_jwt(f"{_b64({'alg': 'RS256', 'typ': 'JWT'})}.{payload}.{signature}")
    assert (result.ok, result.error) == (False, "unknown_key")


def test_other_algorithms_are_refused_including_hs256_with_the_public_key(key_app):
    key = signing.active_key()
    public_pem = key.key.as_pem(private=False)
    # The classic confusion attack: HMAC keyed with the published public key.
    header = _b64({"alg": "HS256", "kid": key.kid, "typ": "JWT"})
    payload = _b64(CREDENTIAL)
    mac = hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    forged = f"{header}.{payload}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    assert signing.verify_jwt(forged).error == "algorithm"
    unsigned = f"{_b64({'alg': 'none', 'kid': key.kid})}.{payload}."
    assert signing.verify_jwt(unsigned).error == "algorithm"


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "....", "é.é.é", b"\xff\xfe"])
def test_garbage_is_malformed(key_app, garbage):
    result = signing.verify_jwt(garbage)
    assert (result.ok, result.error, result.credential) == (False, "malformed", None)


def test_an_expired_credential_still_has_a_valid_signature(key_app):
    expired = {**CREDENTIAL, "validFrom": "2019-01-01T00:00:00Z",
               "validUntil": "2020-01-01T23:59:59Z"}
    token, kid = signing.sign_credential(expired)
    result = signing.verify_jwt(token)
    assert (result.ok, result.kid, result.error) == (True, kid, None)
    assert result.credential["validUntil"] == "2020-01-01T23:59:59Z"


def test_verification_with_a_jwks_needs_no_app(key_app):
    token, kid = signing.sign_credential(CREDENTIAL)
    published = signing.jwks()
    code = ("import json, sys\nfrom lms.certification import signing\n"
            "data = json.load(sys.stdin)\n"
            "result = signing.verify_jwt(data['token'], data['jwks'])\n"
            "print(result.ok, result.kid)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env["LMS_DATABASE_URL"] = "postgresql+psycopg://nobody@127.0.0.1:1/nowhere"
    process = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT,
                             input=json.dumps({"token": token, "jwks": published}),
                             capture_output=True, text=True, timeout=60, check=False)
    assert process.stdout.split() == ["True", kid], process.stderr
