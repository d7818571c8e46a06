"""Absolute URLs come from LMS_PUBLIC_URL, and requests for other hosts are refused.

The test client asks for ``localhost``, a loopback name the testing configuration
answers; the configured public URL is the default ``http://127.0.0.1:5000``. Before
this rule, a certificate issued, a reset link mailed or an API document served in
such a request named the request's host instead.
"""

from __future__ import annotations

import base64
import json

from sqlalchemy import func, select

from lms.certification import credential as credentials
from lms.certification import signing
from lms.certification.commands import foreign_urls
from lms.certification.models import Certificate
from lms.extensions import db
from lms.kernel.mail import read_outbox
from tests.certification.factories import (
    eligible_track,
    issue_certificate,
    make_body,
    make_eligible,
)
from tests.conftest import csrf_token, sign_in_quickly, submit
from tests.factories import make_officer, make_user

PUBLIC = "http://127.0.0.1:5000"
LOOK_ALIKE = {"Host": "look-alike.example"}


def _claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def _count() -> int:
    return db.session.scalar(select(func.count(Certificate.id)))


def test_a_request_for_another_host_is_refused_with_400(client, database):
    for path in ("/", "/login", "/verify", "/api/v1/openapi.json", "/.well-known/jwks.json"):
        response = client.get(path, headers=LOOK_ALIKE)
        assert response.status_code == 400, path
        assert b"look-alike" not in response.get_data(), path
    assert client.get("/", headers={"Host": "localhost"}).status_code == 200
    assert client.get("/", headers={"Host": "127.0.0.1:5000"}).status_code == 200


def test_a_certificate_issued_in_a_request_carries_only_the_public_url(client, database):
    body = make_body()
    track, course = eligible_track(body=body)
    holder = make_eligible(track, course, make_user(full_name="Ana Eligible"))
    sign_in_quickly(client, make_officer(body))
    url = f"/certify/tracks/{track.id}"
    token = csrf_token(client, url)

    refused = client.post(f"{url}/issue", data={"user_id": holder.id, "csrf_token": token},
                          headers=LOOK_ALIKE)
    assert refused.status_code == 400
    assert _count() == 0

    issued = client.post(f"{url}/issue", data={"user_id": holder.id, "csrf_token": token,
                                               "confirm": "yes"})
    assert issued.status_code == 302
    certificate = db.session.scalar(select(Certificate))
    # The QR code and the printed address are the snapshot's verify URL.
    assert certificate.snapshot["verify_url"] == f"{PUBLIC}/verify/{certificate.code}"
    assert signing.verify_jwt(certificate.credential).ok
    claims = _claims(certificate.credential)
    assert claims["id"] == claims["jti"] == f"{PUBLIC}/verify/{certificate.code}"
    # The issuer is a did:web DID on the public host, resolved at /issuers/<id>/did.json.
    assert claims["iss"] == claims["issuer"]["id"] == signing.did_web(PUBLIC, "issuers",
                                                                        str(body.id))
    assert foreign_urls(certificate.snapshot, certificate.credential, PUBLIC) == []


def test_a_mailed_reset_link_uses_the_public_url(client, database):
    make_user(email="rosa@example.org")
    response = submit(client, "/reset", {"email": "rosa@example.org"})
    assert response.status_code == 302
    [message] = read_outbox()
    assert f"{PUBLIC}/reset/" in message["body"]
    assert "localhost" not in message["body"]


def test_the_openapi_servers_and_issuer_profiles_use_the_public_url(client, database):
    certificate = issue_certificate()
    document = client.get("/api/v1/openapi.json")
    assert document.json["servers"] == [{"url": PUBLIC}]
    profile = client.get(f"/api/v1/issuers/{certificate.issuer_id}")
    assert profile.status_code == 200
    assert profile.json["id"] == f"{PUBLIC}/api/v1/issuers/{certificate.issuer_id}"


def _move_to(certificate: Certificate, base: str) -> None:
    """Re-sign ``certificate`` as if it had been issued under ``base``."""
    snapshot = {**certificate.snapshot, "verify_url": f"{base}/verify/{certificate.code}"}
    certificate.snapshot = snapshot
    certificate.credential, certificate.kid = signing.sign_credential(
        credentials.build_credential(snapshot, base))
    db.session.flush()


def test_check_urls_lists_certificates_issued_under_another_address(app, database):
    good = issue_certificate()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["certificates", "check-urls"])
    assert result.exit_code == 0, result.output
    assert "All 1 certificates" in result.output

    wrong = issue_certificate()
    _move_to(wrong, "http://127.0.0.1:5000.look-alike.example")
    result = runner.invoke(args=["certificates", "check-urls"])
    assert result.exit_code == 1
    assert wrong.code in result.output and good.code not in result.output
    assert "http://127.0.0.1:5000.look-alike.example/verify/" in result.output
    assert "1 of 2 certificates" in result.output


def test_commands_and_jobs_build_addresses_on_the_public_host_production_trusts(app,
                                                                              monkeypatch):
    # Production trusts only the public host; Flask's own test request (localhost) would
    # be refused there, and every notification or follow-up mail a job writes with it.
    from lms.web.urls import absolute_url, addresses_context

    monkeypatch.setitem(app.config, "LMS_PUBLIC_URL", "https://lms.example.org")
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", ["lms.example.org"])
    with app.app_context(), addresses_context():
        assert absolute_url("certificates.mine") == "https://lms.example.org/certificates"
