"""The issue's "done when": a certifying body verifies every demo certificate by ID,
by the QR code's URL, through the API and by uploading its PDF, and sees the right
status for each; an edited PDF differs; a revoked certificate says revoked
everywhere, in all four languages."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from pypdf import PdfReader, PdfWriter
from sqlalchemy import select

from lms import demo, demo_certificates
from lms.certification import issuance, pdf
from lms.certification.models import Certificate, CertificateStatus
from lms.extensions import db
from tests.conftest import page_text

LANGUAGES = ("en", "es", "fr", "pt")
EXPECTED = {"valid": "valid", "revoked": "revoked", "expired": "expired",
            "superseded": "superseded", "replacement": "valid", "course": "valid"}


@pytest.fixture
def demo_certificates_loaded(database, app, monkeypatch):
    # A certifying body checking the whole demo makes more requests than the public
    # limit allows a minute; the limit itself is tested in test_verify_pages.
    monkeypatch.setitem(app.config, "LMS_VERIFY_RATE_LIMIT", "100000 per minute")
    demo.load()
    db.session.flush()
    return demo_certificates.listed()


def _plain(text: str) -> str:
    """As ``page_text`` shows it: runs of white space (French no-break ones too) as one."""
    return " ".join(text.split())


def _upload(client, content: bytes, language: str):
    return client.post("/verify", data={
        "pdf": (io.BytesIO(content), "certificate.pdf"),
        "csrf_token": _token(client, language)},
        headers={"Accept-Language": language}, content_type="multipart/form-data")


def _token(client, language: str) -> str:
    import re

    page = client.get("/verify", headers={"Accept-Language": language})
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)


def test_every_demo_certificate_verifies_by_id_qr_api_and_pdf(client, demo_certificates_loaded):
    labels = demo_certificates_loaded
    assert {label for label, _code in labels} == set(EXPECTED)
    for label, code in labels:
        expected = EXPECTED[label]
        certificate = db.session.scalar(select(Certificate).where(Certificate.code == code))
        # The API
        answer = client.get(f"/api/v1/certificates/{code}").get_json()
        assert answer["status"] == expected, (label, code)
        # By ID, typed carelessly on the form: lower case, no hyphens.
        typed = client.post("/verify", data={"code": code.lower().replace("-", ""),
                                             "csrf_token": _token(client, "en")})
        assert typed.status_code == 303 and typed.headers["Location"].endswith(f"/verify/{code}")
        # The QR code's URL is the record's own verification page.
        qr_path = urlsplit(certificate.snapshot["verify_url"]).path
        assert qr_path == f"/verify/{code}"
        for language in LANGUAGES:
            page = client.get(qr_path, headers={"Accept-Language": language})
            assert page.status_code == 200
            with force_locale(language):
                word = str(CertificateStatus(expected).title)
            assert _plain(word) in page_text(page), (label, language)
            # The PDF as issued, in that language: exactly what was issued.
            content = issuance.pdf_for(certificate, language)
            assert pdf.extract_credential(content) == certificate.credential
            checked = _upload(client, content, language)
            text = page_text(checked)
            assert checked.status_code == 200, (label, language, text[:300])
            with force_locale(language):
                exact = _("This file is exactly the certificate that was issued.")
            assert _plain(exact) in text and _plain(word) in text and code in text


def test_an_edited_demo_pdf_is_reported_as_differing(client, demo_certificates_loaded):
    code = dict(demo_certificates_loaded)["valid"]
    certificate = db.session.scalar(select(Certificate).where(Certificate.code == code))
    content = issuance.pdf_for(certificate, "es")
    # Edited the way a PDF editor saves a file: read, change, write back. The
    # signed credential inside is untouched, but the file is not what was issued.
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(content)))
    writer.pages[0].merge_transformed_page(writer.pages[0], (1, 0, 0, 1, 0, 0))
    writer.add_metadata({"/Title": "Certificado (corregido)"})
    output = io.BytesIO()
    writer.write(output)
    edited = output.getvalue()
    assert pdf.extract_credential(edited) == certificate.credential
    for language in LANGUAGES:
        checked = _upload(client, edited, language)
        text = page_text(checked)
        with force_locale(language):
            differs = _("This file differs from the certificate that was issued: trust the "
                        "record below, not the file.")
        assert _plain(differs) in text, (language, text[:400])
        assert code in text


def test_the_revoked_demo_certificate_says_revoked_everywhere(client, demo_certificates_loaded):
    code = dict(demo_certificates_loaded)["revoked"]
    certificate = db.session.scalar(select(Certificate).where(Certificate.code == code))
    assert client.get(f"/api/v1/certificates/{code}").get_json()["revocation"]["reason"]
    bulk = client.post("/api/v1/certificates/verify", json={"ids": [code]}).get_json()
    assert bulk["results"][0]["status"] == "revoked"
    for language in LANGUAGES:
        with force_locale(language):
            revoked = str(CertificateStatus.REVOKED.title)
        page = client.get(f"/verify/{code}", headers={"Accept-Language": language})
        assert _plain(revoked) in page_text(page)
        uploaded = _upload(client, issuance.pdf_for(certificate, language), language)
        assert _plain(revoked) in page_text(uploaded)

