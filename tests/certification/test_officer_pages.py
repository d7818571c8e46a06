"""The certifying officers' screens: tracks, issuing, the records and their changes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from lms.certification.models import Certificate, CertificateStatus
from lms.extensions import db
from lms.kernel import clock
from tests.certification.factories import (
    eligible_track,
    issue_certificate,
    make_body,
    make_eligible,
)
from tests.certification.tracks.factories import log_hours
from tests.conftest import page_text, sign_in_quickly, submit
from tests.factories import make_institution, make_officer, make_user

CONFIRMED = {"confirm": "yes"}  # what a confirmation page's form sends


def _count(track) -> int:
    return db.session.scalar(select(func.count(Certificate.id))
                             .where(Certificate.track_id == track.id))


def test_certify_lists_the_tracks_of_my_bodies_with_counts(client, database):
    body = make_body()
    mine, course = eligible_track(body=body, title="Treatment track")
    make_eligible(mine, course)
    make_eligible(mine, course)
    other, _ = eligible_track(title="Someone else's track")
    officer = make_officer(body)
    sign_in_quickly(client, officer)
    text = page_text(client.get("/certify"))
    assert "Treatment track" in text and "Someone else's track" not in text
    assert "2" in text


def test_trainee_may_not_certify(client, database):
    track, _ = eligible_track()
    sign_in_quickly(client, make_user())
    assert client.get("/certify").status_code == 403
    assert client.get(f"/certify/tracks/{track.id}").status_code == 403


def test_officer_issues_one_then_all(client, database):
    body = make_body()
    track, course = eligible_track(body=body)
    ana = make_eligible(track, course, make_user(full_name="Ana Eligible"))
    make_eligible(track, course, make_user(full_name="Beto Eligible"))
    make_eligible(track, course, make_user(full_name="Carla Eligible"))
    officer = make_officer(body)
    sign_in_quickly(client, officer)
    url = f"/certify/tracks/{track.id}"
    text = page_text(client.get(url))
    assert "Ana Eligible" in text and "Carla Eligible" in text
    response = submit(client, f"{url}/issue", {"user_id": ana.id, **CONFIRMED}, form_url=url)
    assert response.status_code == 302
    assert _count(track) == 1
    text = page_text(client.get(url))
    assert "issued to Ana Eligible" in text
    assert "Issue the certificate of Ana Eligible" not in text
    assert "Issue the certificate of Beto Eligible" in text
    # Issuing again to Ana is refused, and nothing changes.
    response = submit(client, f"{url}/issue", {"user_id": ana.id}, form_url=url)
    assert response.status_code == 422
    assert "already holds a valid certificate" in page_text(response)
    response = submit(client, f"{url}/issue-all", CONFIRMED, form_url=url)
    assert response.status_code == 302
    assert _count(track) == 3
    assert "Nobody is waiting" in page_text(client.get(url))


def test_issuing_to_someone_not_eligible_is_refused(client, database):
    body = make_body()
    track, course = eligible_track(body=body)
    make_eligible(track, course)  # so that the page has a form
    stranger = make_user(full_name="Not Yet Ready")
    sign_in_quickly(client, make_officer(body))
    url = f"/certify/tracks/{track.id}"
    response = submit(client, f"{url}/issue", {"user_id": stranger.id}, form_url=url)
    assert response.status_code == 422
    assert "does not meet every requirement" in page_text(response)
    assert _count(track) == 0


def test_other_body_officer_may_not_issue(client, database):
    track, course = eligible_track()
    user = make_eligible(track, course)
    sign_in_quickly(client, make_officer(make_body()))
    response = client.post(f"/certify/tracks/{track.id}/issue", data={"user_id": user.id})
    assert response.status_code in (400, 403)
    assert _count(track) == 0


def test_records_search_and_filter(client, database):
    body = make_body()
    track, course = eligible_track(body=body)
    valid = issue_certificate(make_eligible(track, course, make_user(full_name="Zoe Valid")),
                              track=track)
    revoked = issue_certificate(make_eligible(track, course, make_user(full_name="Yan Revoked")),
                                track=track, revoked=True)
    elsewhere = issue_certificate(make_user(full_name="Xavier Elsewhere"))
    sign_in_quickly(client, make_officer(body))
    text = page_text(client.get("/certify/certificates"))
    assert valid.code in text and revoked.code in text and elsewhere.code not in text
    text = page_text(client.get("/certify/certificates?status=revoked"))
    assert revoked.code in text and valid.code not in text
    text = page_text(client.get("/certify/certificates?q=zoe"))
    assert valid.code in text and revoked.code not in text
    # Typed loosely: lower case, no hyphens.
    loose = valid.code.lower().replace("-", "")
    text = page_text(client.get(f"/certify/certificates?q={loose}"))
    assert valid.code in text and revoked.code not in text


def test_records_page_queries_do_not_grow(client, database, count_queries):
    body = make_body()
    track, course = eligible_track(body=body)
    officer = make_officer(body)
    sign_in_quickly(client, officer)
    counts = []
    for extra in (2, 20):
        for _ in range(extra):
            issue_certificate(make_eligible(track, course), track=track)
        db.session.commit()
        with count_queries("certificate records", f"{extra} more certificates") as counter:
            assert client.get("/certify/certificates").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]


def test_revoke_needs_a_reason_and_a_note_for_other(client, database):
    certificate = issue_certificate()
    sign_in_quickly(client, make_officer(certificate.issuer))
    url = f"/certify/certificates/{certificate.code}"
    assert certificate.code in page_text(client.get(url))
    for data, message in (
            ({"reason": "", "note": "Identity fraud."}, "Choose the reason"),
            ({"reason": "fraud", "note": ""}, "Choose the reason"),
            ({"reason": "other", "note": "  "}, "Explain the reason")):
        response = submit(client, f"{url}/revoke", data, form_url=url)
        assert response.status_code == 422
        assert message in page_text(response)
        db.session.expire_all()
        assert certificate.revoked_at is None
    response = submit(client, f"{url}/revoke",
                      {"reason": "other", "note": "Identity fraud.", **CONFIRMED}, form_url=url)
    assert response.status_code == 302
    db.session.expire_all()
    assert certificate.status == CertificateStatus.REVOKED
    text = page_text(client.get(url))
    assert "Reason: Identity fraud." in text and "Revoke this certificate" not in text


def test_revoke_with_a_reason_and_a_note(client, database):
    certificate = issue_certificate()
    sign_in_quickly(client, make_officer(certificate.issuer))
    url = f"/certify/certificates/{certificate.code}"
    page = client.get(url).get_data(as_text=True)
    assert '<option value="holder_request">' in page
    assert 'value="course_result_changed"' not in page  # the system's reason only
    response = submit(client, f"{url}/revoke",
                      {"reason": "holder_request", "note": "Asked by letter.", **CONFIRMED},
                      form_url=url)
    assert response.status_code == 302
    text = page_text(client.get(url))
    assert "Reason: At the holder" in text and "Note: Asked by letter." in text


def test_correct_the_name(client, database):
    holder = make_user(full_name="Maria Perez")
    certificate = issue_certificate(holder)
    sign_in_quickly(client, make_officer(certificate.issuer))
    url = f"/certify/certificates/{certificate.code}"
    response = submit(client, f"{url}/correct", {"full_name": "María Pérez"}, form_url=url)
    assert response.status_code == 302
    db.session.expire_all()
    assert certificate.superseded_by is not None
    replacement = certificate.superseded_by
    assert replacement.snapshot["holder_name"] == "María Pérez"
    assert response.headers["Location"].endswith(replacement.code)
    text = page_text(client.get(url))
    assert "Superseded" in text and replacement.code in text
    # The superseded record cannot be corrected again.
    response = client.post(f"{url}/correct", data={
        "full_name": "Other", "csrf_token": _token(client, f"/certify/certificates/"
                                                   f"{replacement.code}")})
    assert response.status_code == 422
    assert "replaced by" in page_text(response)


def _token(client, url):
    from tests.conftest import csrf_token

    return csrf_token(client, url)


def test_correct_with_a_bad_name_is_refused(client, database):
    certificate = issue_certificate()
    sign_in_quickly(client, make_officer(certificate.issuer))
    url = f"/certify/certificates/{certificate.code}"
    response = submit(client, f"{url}/correct", {"full_name": "{x}"}, form_url=url)
    assert response.status_code == 422
    db.session.expire_all()
    assert certificate.superseded_by_id is None


def test_renew_refused_without_hours_then_done(client, database):
    body = make_body()
    track, course = eligible_track(body=body, validity_months=12, renewal_hours=100)
    user = make_eligible(track, course)
    # Renewal opens 90 days before expiry: a certificate issued 300 days ago is inside.
    certificate = issue_certificate(
        user, track=track, today=clock.today(clock.UTC) - timedelta(days=300))
    sign_in_quickly(client, make_officer(body))
    url = f"/certify/certificates/{certificate.code}"
    response = submit(client, f"{url}/renew", form_url=url)
    assert response.status_code == 422
    assert "continuing-education hours" in page_text(response)
    log_hours(user, track, 90, kind="continuing", worked_on=clock.today(clock.UTC))
    db.session.commit()
    response = submit(client, f"{url}/renew", form_url=url)
    assert response.status_code == 302
    db.session.expire_all()
    renewal = db.session.scalar(select(Certificate).where(
        Certificate.renews_id == certificate.id))
    assert renewal is not None and renewal.valid_from == certificate.expires_on


def test_coordinator_manages_course_certificates_not_tracks(client, database):
    from tests.factories import make_coordinator

    course_cert = issue_certificate(kind="course")
    track_cert = issue_certificate()
    coordinator = make_coordinator(course_cert.program)
    sign_in_quickly(client, coordinator)
    assert client.get(f"/certify/certificates/{course_cert.code}").status_code == 200
    assert client.get(f"/certify/certificates/{track_cert.code}").status_code == 403
    make_institution()  # unused body: nothing else leaks
    text = page_text(client.get("/certify/certificates"))
    assert course_cert.code in text and track_cert.code not in text


def test_a_certificate_issued_today_offers_no_renewal_but_says_when_it_opens(client, database):
    body = make_body()
    track, course = eligible_track(body=body, validity_months=12, renewal_hours=0)
    certificate = issue_certificate(make_eligible(track, course), track=track)
    sign_in_quickly(client, make_officer(body))

    text = page_text(client.get(f"/certify/certificates/{certificate.code}"))

    assert "Renew for a new validity period" not in text
    assert "of 0" not in text  # no "80 of 0 hours"
    assert "can be renewed from" in text
