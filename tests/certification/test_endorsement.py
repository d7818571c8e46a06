"""The program owner endorses a track's achievement; the verify page and the API show it."""

from __future__ import annotations

from sqlalchemy import select

from lms.audit.models import AuditLog
from lms.certification import endorsement, signing
from lms.certification.credential import achievement_url
from lms.certification.models import Endorsement
from lms.certification.tracks.models import Track
from lms.extensions import db
from tests.certification.factories import issue_certificate
from tests.conftest import page_text, sign_in_quickly, submit
from tests.factories import make_coordinator, make_officer, make_user


def _endorse(client, track, comment="Meets the OAS standard for certifying bodies."):
    url = f"/manage/tracks/{track.id}/endorsements"
    return submit(client, url, {"comment": comment})


def test_coordinator_endorses_and_the_credential_is_signed(client, app, database):
    certificate = issue_certificate()
    track = db.session.get(Track, certificate.track_id)
    coordinator = make_coordinator(certificate.program)
    sign_in_quickly(client, coordinator)
    # Reachable from the track's page.
    assert f"/manage/tracks/{track.id}/endorsements" in client.get(
        f"/manage/tracks/{track.id}").get_data(as_text=True)
    response = _endorse(client, track)
    assert response.status_code == 302
    row = db.session.scalar(select(Endorsement).where(Endorsement.track_id == track.id))
    verified = signing.verify_jwt(row.credential)
    assert verified.ok
    claims = verified.credential
    assert claims["type"] == ["VerifiableCredential", "EndorsementCredential"]
    subject = claims["credentialSubject"]
    assert subject["type"] == ["EndorsementSubject"]
    assert subject["id"] == achievement_url(app.config["LMS_PUBLIC_URL"], "track", track.id)
    # The same achievement id the holders' credentials carry.
    held = signing.verify_jwt(certificate.credential).credential
    assert held["credentialSubject"]["achievement"]["id"] == subject["id"]
    assert subject["endorsementComment"] == "Meets the OAS standard for certifying bodies."
    assert claims["issuer"]["name"] == endorsement.OWNER_NAME
    assert db.session.scalar(select(AuditLog.id).where(
        AuditLog.action == "endorsement.created", AuditLog.object_id == row.id))


def test_verify_page_and_api_show_it_until_withdrawn(client, database):
    certificate = issue_certificate()
    other = issue_certificate()  # another track: not endorsed
    coordinator = make_coordinator(certificate.program)
    sign_in_quickly(client, coordinator)
    track_id = certificate.track_id
    _endorse(client, db.session.get(Track, track_id))

    text = page_text(client.get(f"/verify/{certificate.code}"))
    assert f"Endorsed by {endorsement.OWNER_NAME} on" in text
    assert "Meets the OAS standard" in text
    assert "Endorsed by" not in page_text(client.get(f"/verify/{other.code}"))
    record = client.get(f"/api/v1/certificates/{certificate.code}").get_json()
    [shown] = record["endorsements"]
    assert shown["endorser"] == endorsement.OWNER_NAME
    assert signing.verify_jwt(shown["credential"]).ok
    assert client.get(f"/api/v1/certificates/{other.code}").get_json()["endorsements"] == []

    row = db.session.scalar(select(Endorsement).where(Endorsement.track_id == track_id))
    url = f"/manage/tracks/{track_id}/endorsements/{row.id}/withdraw"
    response = submit(client, url, form_url=f"/manage/tracks/{track_id}/endorsements")
    assert response.status_code == 302
    db.session.refresh(row)
    assert row.withdrawn_at is not None and row.withdrawn_by_id == coordinator.id
    assert "Endorsed by" not in page_text(client.get(f"/verify/{certificate.code}"))
    assert client.get(f"/api/v1/certificates/{certificate.code}").get_json()[
        "endorsements"] == []
    assert db.session.scalar(select(AuditLog.id).where(
        AuditLog.action == "endorsement.withdrawn", AuditLog.object_id == row.id))
    # Withdrawn, it can be endorsed again.
    assert _endorse(client, db.session.get(Track, track_id)).status_code == 302


def test_bad_comment_and_second_endorsement_are_refused(client, database):
    certificate = issue_certificate()
    sign_in_quickly(client, make_coordinator(certificate.program))
    track = db.session.get(Track, certificate.track_id)
    blank = _endorse(client, track, "   ")
    assert blank.status_code == 422 and "This field is required." in page_text(blank)
    markup = _endorse(client, track, "<script>x</script>")
    assert markup.status_code == 422
    assert db.session.scalar(select(Endorsement.id)) is None
    assert _endorse(client, track).status_code == 302
    again = _endorse(client, track)
    assert again.status_code == 422 and "already endorsed" in page_text(again)


def test_only_the_program_owner_may_endorse(client, database):
    certificate = issue_certificate()
    url = f"/manage/tracks/{certificate.track_id}/endorsements"
    # The certifying body's officer certifies, but cannot endorse its own track.
    sign_in_quickly(client, make_officer(certificate.issuer))
    assert client.get(url).status_code == 403
    sign_in_quickly(client, make_user())
    assert client.get(url).status_code == 403
    assert client.get("/manage/tracks/999999/endorsements").status_code == 404
    admin = make_user(admin=True)
    sign_in_quickly(client, admin)
    assert client.get(url).status_code == 200
