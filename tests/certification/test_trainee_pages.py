"""The holder's certificates page and PDF downloads."""

from __future__ import annotations

from lms.certification import pdf as pdfs
from tests.certification.factories import issue_certificate
from tests.conftest import page_text, sign_in_quickly
from tests.factories import make_institution, make_officer, make_user


def test_my_certificates_lists_newest_first_with_status(client, database):
    user = make_user(locale="en")
    course_cert = issue_certificate(user, kind="course")
    revoked = issue_certificate(user, revoked=True)
    sign_in_quickly(client, user)
    response = client.get("/certificates")
    assert response.status_code == 200
    text = page_text(response)
    assert course_cert.code in text and revoked.code in text
    assert "Revoked" in text and "Valid" in text and "Does not expire" in text
    assert text.index(revoked.code) < text.index(course_cert.code) or (
        revoked.issued_on == course_cert.issued_on)
    assert 'name="lang"' in response.get_data(as_text=True)


def test_each_certificate_says_whether_it_is_a_course_or_a_certification(client, database):
    user = make_user(locale="en")
    course_cert = issue_certificate(user, kind="course")
    track_cert = issue_certificate(user)
    sign_in_quickly(client, user)
    text = page_text(client.get("/certificates"))
    # The course's label is shown (once: one course certificate), and the nearest kind
    # before each certificate's ID is its own ("Certification" also stands in titles).
    labels = ("Course completion", "Certification")
    assert text.count(labels[0]) == 1
    for certificate, kind in ((course_cert, labels[0]), (track_cert, labels[1])):
        before = text[:text.index(certificate.code)]
        assert max(labels, key=before.rfind) == kind


def test_my_certificates_in_spanish(client, database):
    user = make_user(locale="es")
    issue_certificate(user)
    sign_in_quickly(client, user)
    response = client.get("/certificates")
    assert response.status_code == 200
    assert 'value="es" lang="es" selected' in response.get_data(as_text=True)


def test_anonymous_is_sent_to_log_in(client, database):
    assert client.get("/certificates").status_code == 302


def test_holder_downloads_the_pdf_in_a_chosen_language(client, database):
    user = make_user()
    certificate = issue_certificate(user)
    sign_in_quickly(client, user)
    response = client.get(f"/certificates/{certificate.code}/pdf?lang=es")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{certificate.code}-es.pdf"')
    body = response.get_data()
    assert pdfs.extract_credential(body) == certificate.credential
    assert pdfs.pdf_language(body) == "es"
    # Lower case and spaces in the ID are fine; an unknown language is not.
    assert client.get(f"/certificates/{certificate.code.lower()}/pdf?lang=fr").status_code == 200
    assert client.get(f"/certificates/{certificate.code}/pdf?lang=xx").status_code == 404


def test_others_may_not_download(client, database):
    certificate = issue_certificate()
    sign_in_quickly(client, make_user())
    assert client.get(f"/certificates/{certificate.code}/pdf?lang=en").status_code == 403


def test_officer_of_the_issuer_may_download(client, database):
    certificate = issue_certificate()
    sign_in_quickly(client, make_officer(certificate.issuer))
    assert client.get(f"/certificates/{certificate.code}/pdf?lang=en").status_code == 200


def test_officer_of_another_body_may_not(client, database):
    certificate = issue_certificate()
    other = make_institution(kind="certifying_body")
    sign_in_quickly(client, make_officer(other))
    assert client.get(f"/certificates/{certificate.code}/pdf?lang=en").status_code == 403
