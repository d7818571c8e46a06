"""Course completion certificates follow the course result."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from lms.assessments.completion import COMPLETED, FAILED, IN_PROGRESS, CourseResult, apply_result
from lms.certification import signing
from lms.certification.models import Certificate, CertificateStatus
from lms.extensions import db
from tests.certification.factories import make_program_with_prefix
from tests.factories import enrol, make_cohort, make_course, make_institution, make_user


def _result(state: str) -> CourseResult:
    return CourseResult(total=Decimal("85"), state=state, required=1, graded=1)


def _certificates(enrolment) -> list[Certificate]:
    return list(db.session.scalars(select(Certificate).where(
        Certificate.enrolment_id == enrolment.id).order_by(Certificate.id)))


def _enrolment(host: bool = True):
    course = make_course(make_program_with_prefix(), hours=45, lessons=0)
    host_body = make_institution("Centro de Integración Juvenil", country="MX") if host else None
    cohort = make_cohort(course, host=host_body, country="MX")
    return enrol(cohort, make_user(full_name="Pedro Gómez"))


def test_completion_issues_a_course_certificate_from_the_host(database):
    enrolment = _enrolment()
    apply_result(enrolment, _result(COMPLETED), None)
    [certificate] = _certificates(enrolment)
    assert certificate.kind == "course"
    assert certificate.issuer_id == enrolment.cohort.host_institution_id
    assert certificate.hours == 45 and certificate.expires_on is None
    assert certificate.snapshot["holder_name"] == "Pedro Gómez"
    assert certificate.snapshot["achievement"]["code"] == enrolment.cohort.course.code
    assert signing.verify_jwt(certificate.credential).ok


def test_no_certificate_without_a_host_institution(database):
    enrolment = _enrolment(host=False)
    apply_result(enrolment, _result(COMPLETED), None)
    assert _certificates(enrolment) == []


def test_result_going_back_revokes_and_completing_again_issues_a_new_one(database):
    enrolment = _enrolment()
    apply_result(enrolment, _result(COMPLETED), None)
    [first] = _certificates(enrolment)
    apply_result(enrolment, _result(FAILED), None)
    assert first.status == CertificateStatus.REVOKED
    assert first.revocation_code == "course_result_changed" and first.revocation_reason == ""
    apply_result(enrolment, _result(IN_PROGRESS), None)  # no second revocation
    apply_result(enrolment, _result(COMPLETED), None)
    certificates = _certificates(enrolment)
    assert len(certificates) == 2
    assert certificates[1].status == CertificateStatus.VALID
    assert certificates[1].code != first.code


def test_completing_twice_does_not_issue_twice(database):
    from lms.certification.issuance import issue_course_certificate

    enrolment = _enrolment()
    apply_result(enrolment, _result(COMPLETED), None)
    assert issue_course_certificate(enrolment, None) is None
    assert len(_certificates(enrolment)) == 1
