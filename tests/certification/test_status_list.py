"""W3C Bitstring Status Lists: what a standard verifier fetches to learn a credential
was revoked, signed, compressed, the same whole list for everybody."""

from __future__ import annotations

import gzip
import os
import threading
import time

import jwt as pyjwt
import pytest
from sqlalchemy import select

from lms import demo, demo_certificates
from lms.certification import issuance, signing, status_list
from lms.certification.models import Certificate
from lms.certification.tracks import progress
from lms.certification.tracks.models import Track
from lms.extensions import db
from lms.kernel import clock
from tests.certification.factories import eligible_track, issue_certificate, make_eligible
from tests.conftest import app_with_tables, scratch_database_url
from tests.factories import make_user

# ---------------------------------------------------------------- the encoding


def test_the_encoded_list_is_multibase_base64url_of_gzip_and_at_least_16_kb():
    encoded = status_list.encode([0, 9, 131_071])
    assert encoded.startswith("u") and "=" not in encoded
    assert set(encoded[1:]) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    bits = status_list.decode(encoded)
    assert len(bits) * 8 == 131_072
    # Index 0 is the first byte's most significant bit (the spec's left-most bit).
    assert bits[0] == 0b1000_0000 and bits[1] == 0b0100_0000 and bits[-1] == 0b0000_0001
    assert [i for i in range(131_072) if status_list.bit(bits, i)] == [0, 9, 131_071]
    # Reproducible bytes (no gzip timestamp), so the signed list is too.
    assert status_list.encode([5]) == status_list.encode([5])
    assert gzip.decompress(gzip.compress(bits)) == bits


def test_a_longer_list_only_for_an_issuer_with_more_positions():
    assert status_list.list_bits(None) == 131_072
    assert status_list.list_bits(131_071) == 131_072
    assert status_list.list_bits(131_072) == 262_144


# ---------------------------------------------------------------- allocation

def test_new_certificates_get_distinct_random_positions_of_their_issuer(database):
    track, course = eligible_track()
    users = [make_eligible(track, course) for _ in range(6)]
    today = clock.today(clock.UTC)
    states = [progress.track_progress(track, user, today) for user in users]
    certificates = issuance.issue_many(track, states, make_user(admin=True))
    indexes = [c.status_index for c in certificates]
    assert None not in indexes and len(set(indexes)) == 6
    assert all(0 <= i < 131_072 for i in indexes)
    # Not issue order: six sequential positions would be 0..5 (or consecutive).
    assert sorted(indexes) != list(range(min(indexes), min(indexes) + 6))
    for certificate in certificates:
        status = signing.verify_jwt(certificate.credential).credential["credentialStatus"]
        assert status["type"] == "BitstringStatusListEntry"
        assert status["statusPurpose"] == "revocation"
        assert status["statusListIndex"] == str(certificate.status_index)
        assert status["statusListCredential"].endswith(
            f"/issuers/{certificate.issuer_id}/status/revocation")
        assert status["id"] == f"{status['statusListCredential']}#{certificate.status_index}"
        assert certificate.snapshot["status_index"] == certificate.status_index


def test_a_position_taken_meanwhile_is_drawn_again(database, monkeypatch):
    """Another transaction's certificate took the drawn position before ours was
    inserted: the unique constraint refuses it, and issuing draws again."""
    first = issue_certificate()
    real_draw = status_list.draw
    calls = []

    def colliding_then_real(issuer_id, count):
        calls.append(count)
        return [first.status_index] if len(calls) == 1 else real_draw(issuer_id, count)

    monkeypatch.setattr(status_list, "draw", colliding_then_real)
    second = issue_certificate(track=db.session.get(Track, first.track_id))

    assert len(calls) == 2
    assert second.issuer_id == first.issuer_id
    assert second.status_index not in (None, first.status_index)
    assert signing.verify_jwt(second.credential).credential["credentialStatus"][
        "statusListIndex"] == str(second.status_index)


# ---------------------------------------------------------------- the served list

def _fetch_list(client, url: str, **headers):
    path = url.split("://", 1)[1].split("/", 1)[1]
    return client.get("/" + path, headers=headers)


def _bits_of(client, certificate: Certificate, purpose: str = "revocation") -> bytes:
    claims = signing.verify_jwt(certificate.credential).credential
    url = claims["credentialStatus"]["statusListCredential"]
    if purpose != "revocation":
        url = url.rsplit("/", 1)[0] + "/" + purpose
    response = _fetch_list(client, url)
    assert response.status_code == 200
    assert response.mimetype == "application/vc+jwt"
    token = response.get_data(as_text=True)
    verified = signing.verify_jwt(token)
    assert verified.ok
    listed = verified.credential
    assert listed["id"] == url
    assert listed["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert listed["issuer"] == claims["issuer"]["id"]  # the same did:web issuer
    assert listed["credentialSubject"]["statusPurpose"] == purpose
    assert listed["credentialSubject"]["type"] == "BitstringStatusList"
    return status_list.decode(listed["credentialSubject"]["encodedList"])


def test_revoking_flips_the_certificates_bit_and_only_that_one(client):
    certificate = issue_certificate()
    neighbour = issue_certificate(track=db.session.get(Track, certificate.track_id))
    assert not status_list.bit(_bits_of(client, certificate), certificate.status_index)

    issuance.revoke(certificate, None, "issued_in_error")
    db.session.flush()

    bits = _bits_of(client, certificate)
    assert status_list.bit(bits, certificate.status_index)
    assert not status_list.bit(bits, neighbour.status_index)
    assert sum(bin(byte).count("1") for byte in bits) == 1
    # No suspension in this app: that list exists, signed, and is all zeros.
    assert not any(_bits_of(client, certificate, "suspension"))


def test_a_superseded_certificate_is_not_revoked_in_the_list(client):
    old = issue_certificate(superseded=True)
    bits = _bits_of(client, old.superseded_by)
    assert not status_list.bit(bits, old.status_index)
    assert old.superseded_by.status_index != old.status_index


def test_the_list_is_cached_by_etag_and_is_the_same_for_every_verifier(client):
    certificate = issue_certificate()
    url = f"/issuers/{certificate.issuer_id}/status/revocation"
    first = client.get(url)
    assert first.headers["Cache-Control"] == "public, max-age=300"
    etag = first.headers["ETag"]
    assert client.get(url).get_data() == first.get_data()  # nothing names a certificate
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304

    issuance.revoke(certificate, None, "issued_in_error")
    db.session.flush()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_unknown_issuers_and_purposes_are_not_found(client):
    certificate = issue_certificate()
    assert client.get(f"/issuers/{certificate.issuer_id}/status/expiry").status_code == 404
    assert client.get("/issuers/999999/status/revocation").status_code == 404
    assert client.get("/issuers/99999999999/status/revocation").status_code == 404


def test_the_list_verifies_with_pyjwt_against_the_published_keys(client):
    certificate = issue_certificate()
    token = client.get(f"/issuers/{certificate.issuer_id}/status/revocation").get_data(
        as_text=True)
    header = pyjwt.get_unverified_header(token)
    did, thumbprint = header["kid"].split("#")
    assert did.startswith("did:web:") and did.endswith(f":issuers:{certificate.issuer_id}")
    published = {jwk["kid"]: jwk for jwk in client.get("/.well-known/jwks.json").json["keys"]}
    claims = pyjwt.decode(token, pyjwt.PyJWK(published[thumbprint]).key, algorithms=["RS256"])
    assert claims["iss"] == did


def test_revoking_a_demo_certificate_flips_its_status_list_bit(client):
    demo.load()
    codes = dict(reversed(demo_certificates.load()))
    valid = db.session.scalar(select(Certificate).where(Certificate.code == codes["valid"]))
    assert valid.status_index is not None
    assert not status_list.bit(_bits_of(client, valid), valid.status_index)

    issuance.revoke(valid, None, "holder_request")
    db.session.flush()

    assert status_list.bit(_bits_of(client, valid), valid.status_index)
    # The demo's already revoked certificate of the same issuer is set too.
    revoked = db.session.scalar(select(Certificate).where(Certificate.code == codes["revoked"]))
    if revoked.issuer_id == valid.issuer_id and revoked.status_index is not None:
        assert status_list.bit(_bits_of(client, valid), revoked.status_index)


# ---------------------------------------------------------------- a real race

@pytest.fixture
def fresh_app(backend, tmp_path):
    with scratch_database_url(backend, tmp_path, f"lms_test_{os.getpid()}_status") as url, \
            app_with_tables(url, str(tmp_path / "instance")) as application:
        yield application


def test_two_transactions_drawing_the_same_position_both_issue(fresh_app,
                                                               monkeypatch):
    """Two issues for one issuer at once, both drawing position 77 first (as two
    issue-all jobs might): one inserts it, the other waits for that commit (the
    unique index on PostgreSQL, the write lock on SQLite), is refused by the
    constraint, draws again and issues too."""
    with fresh_app.app_context():
        track, course = eligible_track()
        users = [make_eligible(track, course) for _ in range(2)]
        db.session.commit()
        track_id, user_ids = track.id, [user.id for user in users]
        db.session.remove()

    real_draw = status_list.draw
    drawn = threading.local()

    def same_first_draw(issuer_id, count):
        first = not getattr(drawn, "done", False)
        drawn.done = True
        return [77] if first else real_draw(issuer_id, count)

    monkeypatch.setattr(status_list, "draw", same_first_draw)
    inserted, release = threading.Event(), threading.Event()
    results: dict = {}

    def issue(name: str, user_id: int, hold: bool) -> None:
        from lms.accounts.models import User

        with fresh_app.test_request_context("/issue", method="POST"):
            try:
                track = db.session.get(Track, track_id)
                state = progress.track_progress(track, db.session.get(User, user_id),
                                                clock.today(clock.UTC))
                [certificate] = issuance.issue_many(track, [state], None)
                results[name] = certificate.status_index
                if hold:
                    inserted.set()
                    release.wait(10)
                db.session.commit()
            except Exception as exc:  # reported below, not lost in the thread
                results[name] = exc
            finally:
                inserted.set()
                db.session.remove()

    first = threading.Thread(target=issue, args=("first", user_ids[0], True))
    first.start()
    assert inserted.wait(10)
    second = threading.Thread(target=issue, args=("second", user_ids[1], False))
    second.start()
    time.sleep(0.5)
    assert "second" not in results, "the second issue did not wait for the first"
    release.set()
    first.join(15)
    second.join(15)

    assert results["first"] == 77
    assert isinstance(results["second"], int) and results["second"] != 77, results
    with fresh_app.app_context():
        stored = sorted(db.session.scalars(select(Certificate.status_index)))
        db.session.remove()
    assert stored == sorted([77, results["second"]])
