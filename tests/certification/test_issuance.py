"""Issuing, revoking, correcting and renewing certificates through the services."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lms.audit.models import AuditLog
from lms.certification import issuance, signing
from lms.certification.models import Certificate, CertificateStatus
from lms.certification.tracks.models import HoursKind
from lms.errors import DomainError
from lms.extensions import db
from lms.kernel import clock
from tests.certification.factories import (
    eligible_track,
    issue_certificate,
    make_eligible,
)
from tests.certification.tracks.factories import log_hours
from tests.factories import enrol_many, make_cohort, make_user


def _actions(certificate) -> list[str]:
    return list(db.session.scalars(select(AuditLog.action).where(
        AuditLog.object_type == "certificates", AuditLog.object_id == certificate.id)))


def test_issuing_writes_a_signed_credential_that_verifies(database):
    track, course = eligible_track(hours=40)
    officer = make_user(admin=True)
    user = make_eligible(track, course, make_user(full_name="Lucía Fernández"))
    certificate = issuance.issue_track_certificate(track, user, officer)
    assert certificate.code.startswith(track.program.certificate_prefix + "-")
    assert certificate.hours == 40 and certificate.issued_by_id == officer.id
    assert certificate.valid_from == clock.today(clock.UTC)
    assert certificate.expires_on == issuance.add_months(clock.today(clock.UTC), 36)
    verified = signing.verify_jwt(certificate.credential)
    assert verified.ok, verified.error
    assert verified.kid == certificate.kid
    assert "Lucía Fernández" in str(verified.credential)
    assert certificate.snapshot["holder_name"] == "Lucía Fernández"
    assert _actions(certificate) == ["certificate.issued"]


def test_not_eligible_is_refused_and_nothing_is_written(database):
    track, _course = eligible_track()
    user = make_user()
    with pytest.raises(DomainError, match="does not meet every requirement"):
        issuance.issue_track_certificate(track, user, make_user(admin=True))
    assert db.session.scalar(select(Certificate).where(Certificate.user_id == user.id)) is None


def test_a_second_certificate_while_one_is_valid_is_refused(database):
    track, course = eligible_track()
    user = make_eligible(track, course)
    issuance.issue_track_certificate(track, user, make_user(admin=True))
    with pytest.raises(DomainError, match="already holds a valid certificate"):
        issuance.issue_track_certificate(track, user, make_user(admin=True))


def test_track_without_validity_does_not_expire(database):
    certificate = issue_certificate(expires_on=None)
    assert certificate.expires_on is None
    assert certificate.snapshot["text"]["en"]["validity"] == "Does not expire"


def _cohort_of_eligible(track, course, count: int):
    cohort = make_cohort(course)
    enrol_many(cohort, count)
    from lms.cohorts.models import Enrolment, EnrolmentStatus

    db.session.execute(db.update(Enrolment).where(Enrolment.cohort_id == cohort.id)
                       .values(status=EnrolmentStatus.COMPLETED))
    db.session.flush()
    return cohort


def test_issue_all_certifies_everyone_eligible_with_constant_queries(database, count_queries):
    officer = make_user(admin=True)
    counts = {}
    for size in (3, 30):
        track, course = eligible_track()
        _cohort_of_eligible(track, course, size)
        with count_queries("issue all", f"{size} trainees") as counter:
            issued = issuance.issue_all(track, officer)
        assert len(issued) == size
        counts[size] = counter.count
        assert len({c.code for c in issued}) == size
        assert issuance.issue_all(track, officer) == []  # nobody left to certify
    assert counts[3] == counts[30], counts


@pytest.mark.parametrize(("code", "note", "field"), [
    ("", "", "reason"),
    ("fraud", "Copied the exam.", "reason"),  # not one of the codes
    ("course_result_changed", "", "reason"),  # only the system revokes for this one
    ("other", "   ", "note"),  # "other" says nothing without the note
    ("misconduct", "x" * 1001, "note"),
])
def test_revoke_refuses_an_unknown_reason_or_a_missing_note(database, code, note, field):
    certificate = issue_certificate()
    with pytest.raises(DomainError) as refused:
        issuance.revoke(certificate, make_user(admin=True), code, note)
    assert refused.value.field == field
    assert certificate.revoked_at is None and certificate.revocation_code is None
    assert _actions(certificate) == ["certificate.issued"]


def test_revoke_stores_the_code_and_note_and_happens_once(database):
    certificate = issue_certificate()
    officer = make_user(admin=True)
    issuance.revoke(certificate, officer, "misconduct", "  Copied   the exam. ")
    assert certificate.status == CertificateStatus.REVOKED
    assert certificate.revocation_code == "misconduct"
    assert certificate.revocation_reason == "Copied the exam."
    assert certificate.revoked_by_id == officer.id
    with pytest.raises(DomainError, match="was revoked"):
        issuance.revoke(certificate, officer, "issued_in_error")
    [after] = db.session.scalars(select(AuditLog.after).where(
        AuditLog.object_id == certificate.id, AuditLog.action == "certificate.revoked"))
    assert after == {"revoked": True, "code": "misconduct", "note": "Copied the exam."}


def test_other_is_revoked_with_its_note(database):
    certificate = issue_certificate()
    issuance.revoke(certificate, make_user(admin=True), "other", "Identity fraud.")
    assert (certificate.revocation_code, certificate.revocation_reason) == (
        "other", "Identity fraud.")


def test_correcting_the_name_supersedes_with_a_new_id(database):
    user = make_user(full_name="Jose Perez")
    certificate = issue_certificate(user)
    officer = make_user(admin=True)
    replacement = issuance.correct_name(certificate, officer, "  José   Pérez ")
    assert replacement.code != certificate.code
    assert replacement.snapshot["holder_name"] == "José Pérez"
    assert user.full_name == "José Pérez"
    assert certificate.superseded_by_id == replacement.id
    assert replacement.replaces_id == certificate.id
    assert certificate.status == CertificateStatus.SUPERSEDED
    assert (replacement.valid_from, replacement.expires_on) == (
        certificate.valid_from, certificate.expires_on)
    assert replacement.snapshot["text"] == certificate.snapshot["text"]
    assert signing.verify_jwt(replacement.credential).ok
    assert "certificate.superseded" in _actions(certificate)
    with pytest.raises(DomainError, match="replaced by"):
        issuance.correct_name(certificate, officer, "Another Name")


def test_correction_refuses_bad_or_identical_names(database):
    certificate = issue_certificate(make_user(full_name="Ana Ruiz"))
    officer = make_user(admin=True)
    with pytest.raises(DomainError):
        issuance.correct_name(certificate, officer, "<script>")
    with pytest.raises(DomainError, match="already the name"):
        issuance.correct_name(certificate, officer, "Ana Ruiz")
    assert certificate.superseded_by_id is None


def test_renewal_needs_continuing_hours(database):
    track, course = eligible_track(validity_months=12, renewal_hours=30)
    user = make_eligible(track, course)
    officer = make_user(admin=True)
    start = clock.today(clock.UTC) - timedelta(days=300)
    [certificate] = issuance.issue_many(
        track, [__import__("lms.certification.tracks.progress", fromlist=["x"]).track_progress(
            track, user, start)], officer, today=start)
    with pytest.raises(DomainError, match="continuing-education hours"):
        issuance.renew(certificate, officer)
    log_hours(user, track, 12, kind=HoursKind.CONTINUING, worked_on=start + timedelta(days=30))
    renewal = issuance.renew(certificate, officer)
    assert renewal.renews_id == certificate.id
    assert renewal.valid_from == certificate.expires_on
    assert renewal.expires_on == issuance.add_months(certificate.expires_on, 12)
    assert "certificate.renewed" in _actions(renewal)
    with pytest.raises(DomainError, match="already renewed"):
        issuance.renew(certificate, officer)


def test_renewal_is_refused_before_its_window_opens(database):
    track, course = eligible_track(validity_months=12, renewal_hours=0)
    user = make_eligible(track, course)
    officer = make_user(admin=True)
    certificate = issue_certificate(user, track=track, actor=officer)
    with pytest.raises(DomainError, match="can be renewed from"):
        issuance.renew(certificate, officer)
    assert issuance.renewal_of(certificate) is None


def test_course_certificates_are_not_renewed(database):
    certificate = issue_certificate(kind="course")
    with pytest.raises(DomainError, match="Only certifications"):
        issuance.renew(certificate, make_user(admin=True))


def test_auto_issue_track_certifies_when_progress_changes(database):
    track, course = eligible_track(auto_issue=True)
    user = make_eligible(track, course)
    issued = issuance.progress_changed(user.id, None)
    assert [c.track_id for c in issued] == [track.id]
    assert issued[0].issued_by_id is None
    assert issuance.progress_changed(user.id, None) == []


def test_add_months_clamps_to_the_end_of_the_month():
    assert issuance.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert issuance.add_months(date(2026, 5, 4), 36) == date(2029, 5, 4)
    assert issuance.add_months(date(2026, 3, 31), -13) == date(2025, 2, 28)
