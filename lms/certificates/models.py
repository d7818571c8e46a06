"""Certificate records: never deleted; revoked or superseded ones keep their row.

The record keeps the printed fields as a snapshot (``snapshot``), so the PDF and
the verification page show exactly what was issued even after a course is renamed
or a holder corrects their name. The signed credential (a VC-JWT) is stored with
the record; the PDF is rendered from the snapshot and the credential on demand,
byte for byte the same every time.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import Institution, User, utcnow
from lms.catalog.models import Program
from lms.extensions import db


class CertificateKind(enum.StrEnum):
    TRACK = "track"  # certification by a certifying body
    COURSE = "course"  # completion of one course, issued by the cohort's host

    @property
    def title(self) -> str:
        return str(CERTIFICATE_KIND_TITLES[self])


CERTIFICATE_KIND_TITLES = {
    CertificateKind.TRACK: _l("Certification"),
    CertificateKind.COURSE: _l("Course completion"),
}


class CertificateStatus(enum.StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"

    @property
    def title(self) -> str:
        return str(CERTIFICATE_STATUS_TITLES[self])


CERTIFICATE_STATUS_TITLES = {
    CertificateStatus.VALID: _l("Valid"),
    CertificateStatus.EXPIRED: _l("Expired"),
    CertificateStatus.REVOKED: _l("Revoked"),
    CertificateStatus.SUPERSEDED: _l("Superseded"),
}


def status_of(revoked_at: datetime | None, superseded_by_id: int | None,
              expires_on: date | None, today: date) -> CertificateStatus:
    """A certificate's status from its columns (also for rows read without the ORM)."""
    if revoked_at is not None:
        return CertificateStatus.REVOKED
    if superseded_by_id is not None:
        return CertificateStatus.SUPERSEDED
    if expires_on is not None and expires_on < today:
        return CertificateStatus.EXPIRED
    return CertificateStatus.VALID


class Certificate(db.Model):
    __tablename__ = "certificates"
    __table_args__ = (
        Index("ix_certificates_user", "user_id"),
        Index("ix_certificates_track_user", "track_id", "user_id"),
        Index("ix_certificates_expires_on", "expires_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # PREFIX-XXXX-XXXX-C, see lms.certificates.ids.
    code: Mapped[str] = mapped_column(String(24), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"))
    track_id: Mapped[int | None] = mapped_column(ForeignKey("tracks.id"))
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id"))
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("enrolments.id"), index=True)
    # The certifying body (track) or the cohort's host institution (course).
    issuer_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    # The officer who issued it; None when issued automatically.
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_on: Mapped[date] = mapped_column(Date)
    valid_from: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    hours: Mapped[int] = mapped_column(Integer, default=0)
    # The printed fields, exactly as issued (see lms.certificates.snapshot).
    snapshot: Mapped[dict] = mapped_column(JSON)
    # The Open Badges 3.0 credential as a compact VC-JWT, and the key that signed it.
    credential: Mapped[str] = mapped_column(Text)
    kid: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revocation_reason: Mapped[str] = mapped_column(Text, default="")
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Re-issue after a name correction: the old record points to the new one.
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    # The record this one replaces (correction) or renews (next period).
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    renews_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now())

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    program: Mapped[Program] = relationship()
    issuer: Mapped[Institution] = relationship()
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])
    superseded_by: Mapped[Certificate | None] = relationship(
        foreign_keys=[superseded_by_id], remote_side=[id])
    replaces: Mapped[Certificate | None] = relationship(
        foreign_keys=[replaces_id], remote_side=[id])
    renews: Mapped[Certificate | None] = relationship(
        foreign_keys=[renews_id], remote_side=[id])

    def __repr__(self) -> str:
        return f"<Certificate {self.code}>"

    def status_on(self, today: date) -> CertificateStatus:
        return status_of(self.revoked_at, self.superseded_by_id, self.expires_on, today)

    @property
    def status(self) -> CertificateStatus:
        return self.status_on(date.today())

    def can_manage(self, user) -> bool:
        """Revoke or correct: the issuer's officers, the program's coordinators for
        course certificates, and admins."""
        if not user.is_authenticated:
            return False
        if user.is_admin or self.issuer_id in user.body_ids:
            return True
        return self.kind == CertificateKind.COURSE and user.coordinates(self.program_id)

    def can_download(self, user) -> bool:
        return user.is_authenticated and (user.id == self.user_id or self.can_manage(user))


class Reminder(db.Model):
    """An expiry notice sent for a certificate, once per threshold (90, 30, 7 days)."""

    __tablename__ = "certificate_reminders"

    certificate_id: Mapped[int] = mapped_column(
        ForeignKey("certificates.id"), primary_key=True)
    days_before: Mapped[int] = mapped_column(Integer, primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
