"""The certificates part of the demo: every state present, signed, and idempotent."""

from __future__ import annotations

from sqlalchemy import func, select

from lms import demo, demo_certificates
from lms.certification import signing
from lms.certification.models import Certificate, CertificateStatus
from lms.certification.tracks.models import Track
from lms.competencies.models import Framework
from lms.extensions import db
from lms.kernel import clock


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_certificates_cover_every_state_and_load_twice(database):
    demo.load()
    labels = demo_certificates.load()
    by_label = {}
    for label, code in labels:
        by_label.setdefault(label, code)
    assert {"valid", "revoked", "expired", "superseded", "replacement", "course"} <= set(by_label)
    today = clock.today(clock.UTC)
    for label in ("valid", "revoked", "expired", "superseded"):
        certificate = db.session.scalar(select(Certificate).where(
            Certificate.code == by_label[label]))
        assert certificate.status_on(today) == CertificateStatus(label)
        assert signing.verify_jwt(certificate.credential).ok
    mexico = db.session.scalar(select(Framework).where(Framework.code == "PROCCER-TREAT-MX"))
    assert mexico.adapted_from is not None and 8 <= len(mexico.competencies) <= 10
    assert all(c.translation_for("es") for c in mexico.competencies)
    track = db.session.scalar(select(Track).where(Track.code == "PRC-TREAT-MX"))
    assert track.validity_months == 36 and track.renewal_hours == 20
    before = (_count(Certificate), _count(Track), _count(Framework))
    assert demo_certificates.load() == labels
    assert (_count(Certificate), _count(Track), _count(Framework)) == before
