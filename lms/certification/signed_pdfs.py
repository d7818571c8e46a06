"""A certificate's signed PDF in one language: rendered, PAdES-signed, and stored when
it cannot be made again byte for byte.

Without a timestamp authority the signed PDF is reproducible (see
``lms.certification.pades``) and nothing is stored: every download and every
byte comparison on ``/verify`` signs a fresh rendering, with the same bytes. With
``LMS_TSA_URL`` set each signature carries a new RFC 3161 token, so the first
signed file of each language is stored (table ``signed_pdfs``, revision 0023) and
served as stored from then on; the byte comparison compares with that file.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from flask import current_app, has_app_context
from sqlalchemy import DateTime, ForeignKey, LargeBinary, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from lms.certification import pades, pki
from lms.certification.models import Certificate
from lms.certification.pdf import render_pdf
from lms.extensions import db
from lms.kernel import clock

_TSA_TIMEOUT = 10  # seconds


class SignedPdf(db.Model):
    """A timestamped signed PDF, kept because it cannot be made again identically."""

    __tablename__ = "signed_pdfs"

    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)


def signing_time(certificate: Certificate) -> datetime:
    """When the certificate was issued, to the second (UTC): the PDF's signing time."""
    created = certificate.created_at
    if created is None:
        created = datetime.combine(certificate.issued_on, time(0), UTC)
    if created.tzinfo is None:  # SQLite gives back naive UTC times
        created = created.replace(tzinfo=UTC)
    return created.astimezone(UTC).replace(microsecond=0)


def _issuer(certificate: Certificate) -> dict:
    issuer = dict((certificate.snapshot or {}).get("issuer") or {})
    issuer.setdefault("id", certificate.issuer_id)
    issuer["id"] = issuer["id"] or certificate.issuer_id
    return issuer


def sign_rendering(certificate: Certificate, unsigned: bytes, timestamper=None) -> bytes:
    """The rendering signed by the issuing body's certificate for its issuance time."""
    when = signing_time(certificate)
    credentials = pki.signer_for(_issuer(certificate), when)
    return pades.sign(unsigned, credentials, when, timestamper=timestamper)


# Set by tests (a local pyHanko DummyTimeStamper) instead of a network TSA.
test_timestamper = None


def timestamper():
    """The RFC 3161 timestamper from ``LMS_TSA_URL``, or None (no timestamp)."""
    if test_timestamper is not None:
        return test_timestamper
    url = current_app.config.get("LMS_TSA_URL") if has_app_context() else None
    if not url:
        return None
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(url, timeout=_TSA_TIMEOUT)


def issued_pdf(certificate: Certificate, language: str) -> bytes | None:
    """The signed PDF as it was handed out, for comparison; None if never made.

    With a TSA only stored files count: checking an upload must neither call the
    TSA nor store files for languages nobody downloaded.
    """
    if timestamper() is None:
        return signed_pdf(certificate, language)
    stored = db.session.scalar(select(SignedPdf.data).where(
        SignedPdf.certificate_id == certificate.id, SignedPdf.language == language))
    return None if stored is None else bytes(stored)


def signed_pdf(certificate: Certificate, language: str) -> bytes:
    """The certificate's signed PDF in ``language`` (stored when timestamped)."""
    stamper = timestamper()
    if stamper is None:
        return sign_rendering(certificate,
                              render_pdf(certificate.snapshot, certificate.credential, language))
    stored = db.session.scalar(select(SignedPdf.data).where(
        SignedPdf.certificate_id == certificate.id, SignedPdf.language == language))
    if stored is not None:
        return bytes(stored)
    data = sign_rendering(certificate,
                          render_pdf(certificate.snapshot, certificate.credential, language),
                          timestamper=stamper)
    # Two first downloads at once: the first stored file wins, the other is dropped.
    try:
        with db.session.begin_nested():
            db.session.add(SignedPdf(certificate_id=certificate.id, language=language,
                                     data=data))
        # Committed here: the downloads that first make it are reads that commit nothing.
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return bytes(db.session.scalar(select(SignedPdf.data).where(
            SignedPdf.certificate_id == certificate.id, SignedPdf.language == language)))
    return data
