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
    UniqueConstraint,
    func,
    or_,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import Institution, User
from lms.catalog.models import Program
from lms.extensions import db
from lms.kernel import clock


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


class RevocationReason(enum.StrEnum):
    """Why a certificate was revoked, stored as a code and shown in the reader's language.

    Few and plain, after the reasons certifying bodies give (and the single status
    reason of the W3C / 1EdTech status lists): the code says why for every reader;
    the officer's optional note (``Certificate.revocation_reason``) adds the detail
    in the officer's own words and is shown as written. ``COURSE_RESULT_CHANGED``
    is set only by the system, when a course result no longer earns the certificate;
    officers choose among ``OFFICER_REVOCATION_REASONS``. ``OTHER`` needs the note.
    """

    COURSE_RESULT_CHANGED = "course_result_changed"
    ISSUED_IN_ERROR = "issued_in_error"
    MISCONDUCT = "misconduct"  # fraud in an assessment, an ethics violation
    REQUIREMENTS_NOT_MET = "requirements_not_met"  # found out after issuing
    HOLDER_REQUEST = "holder_request"
    OTHER = "other"

    @property
    def title(self) -> str:
        return str(REVOCATION_REASON_TITLES[self])


REVOCATION_REASON_TITLES = {
    RevocationReason.COURSE_RESULT_CHANGED: _l("The course result was changed"),
    RevocationReason.ISSUED_IN_ERROR: _l("Issued in error"),
    RevocationReason.MISCONDUCT: _l("Misconduct, such as fraud in an assessment"),
    RevocationReason.REQUIREMENTS_NOT_MET: _l("Requirements found not met after issuing"),
    RevocationReason.HOLDER_REQUEST: _l("At the holder's request"),
    RevocationReason.OTHER: _l("Other reason"),
}

OFFICER_REVOCATION_REASONS = tuple(
    reason for reason in RevocationReason if reason != RevocationReason.COURSE_RESULT_CHANGED)


def revocation_title(code: str | None) -> str | None:
    """The code's title in the reader's language; a code from a later version as is."""
    if code is None:
        return None
    try:
        return RevocationReason(code).title
    except ValueError:
        return code


def revocation_shown(code: str | None, note: str) -> tuple[str, str]:
    """(reason, note) as a reader sees them: the code's title in the reader's language
    and the officer's note as written. For ``other`` the note is the reason itself."""
    note = note or ""
    if code is None or (code == RevocationReason.OTHER and note):
        return note, ""
    return revocation_title(code) or "", note


def revocation_json(code: str | None, note: str) -> dict[str, str]:
    """The reason for machines: the code, its title in the request's language, the note."""
    # Revision 0006 gave every revoked row a code; a row without one says "other".
    code = code or RevocationReason.OTHER.value
    return {"code": code, "reason": revocation_title(code) or "", "note": note or ""}


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
        # A track's holders, and every column the report counts (its certification funnel
        # and figures read this index, never the wide rows: migration 0024).
        Index("ix_certificates_track_id_user_id_report", "track_id", "user_id", "kind",
              "revoked_at", "superseded_by_id", "expires_on", "issuer_id", "issued_on",
              "renews_id", "revocation_code", "program_id"),
        Index("ix_certificates_expires_on", "expires_on"),
        # One position per issuer in its Bitstring Status List (lms.certification.status_list).
        UniqueConstraint("issuer_id", "status_index", name="uq_certificates_status_index"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # PREFIX-XXXX-XXXX-C, see lms.certification.ids.
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
    # The printed fields, exactly as issued (see lms.certification.snapshot).
    snapshot: Mapped[dict] = mapped_column(JSON)
    # The Open Badges 3.0 credential as a compact VC-JWT, and the key that signed it.
    credential: Mapped[str] = mapped_column(Text)
    kid: Mapped[str] = mapped_column(String(64))
    # Position in the issuer's status lists; None for certificates issued before them.
    status_index: Mapped[int | None] = mapped_column(Integer)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A RevocationReason code; None while the certificate was never revoked.
    revocation_code: Mapped[str | None] = mapped_column(String(40))
    # The officer's optional note to the code, as written ("" when none). The name is
    # older than the codes: it held the whole free-text reason before revision 0006.
    revocation_reason: Mapped[str] = mapped_column(Text, default="")
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Re-issue after a name correction: the old record points to the new one.
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    # The record this one replaces (correction) or renews (next period).
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    renews_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=clock.now, server_default=func.now())

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

    @property
    def kind_title(self) -> str:
        """"Certification" or "Course completion", translated."""
        return CertificateKind(self.kind).title

    def status_on(self, today: date) -> CertificateStatus:
        return status_of(self.revoked_at, self.superseded_by_id, self.expires_on, today)

    @property
    def status(self) -> CertificateStatus:
        return self.status_on(clock.today(clock.UTC))

    @property
    def revocation_shown(self) -> tuple[str, str]:
        """(reason, note) for the pages, in the reader's language; see ``revocation_shown``."""
        return revocation_shown(self.revocation_code, self.revocation_reason)

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
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)


class Endorsement(db.Model):
    """The program owner's Open Badges 3.0 EndorsementCredential of a track (its
    achievement), signed as a VC-JWT (lms.certification.endorsement). Withdrawn, never
    deleted: the row keeps who endorsed, who withdrew and when."""

    __tablename__ = "endorsements"

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id"), index=True)
    comment: Mapped[str] = mapped_column(Text)
    credential: Mapped[str] = mapped_column(Text)
    kid: Mapped[str] = mapped_column(String(64))
    endorsed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    endorsed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    endorsed_by: Mapped[User | None] = relationship(foreign_keys=[endorsed_by_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])


def current_filter(today: date):
    """SQL condition: the certificate is valid on ``today`` (not revoked, superseded or expired)."""
    return (Certificate.revoked_at.is_(None) & Certificate.superseded_by_id.is_(None)
            & or_(Certificate.expires_on.is_(None), Certificate.expires_on >= today))
