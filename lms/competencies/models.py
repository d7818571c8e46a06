"""Competency frameworks and their competencies, tracks, sign-offs and logged hours.

A framework belongs to a program; a country adapts one by copying it
(``adapted_from``) and editing the copy. Assessments give evidence for
competencies with a minimum score, observation items point at the competency they
show, and an assessor may sign a competency off for a trainee. A track names what
certification needs; progress towards it is computed, never entered by hand.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import Institution, User, utcnow
from lms.catalog.models import Course, Program
from lms.extensions import db
from lms.i18n import Translatable


class Framework(Translatable, db.Model):
    __tablename__ = "competency_frameworks"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    language: Mapped[str] = mapped_column(String(5), default="en")
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # None: the program's own (regional) framework; else the adapting country.
    country: Mapped[str | None] = mapped_column(String(2))
    adapted_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("competency_frameworks.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now())

    program: Mapped[Program] = relationship()
    adapted_from: Mapped[Framework | None] = relationship(remote_side=[id])
    translations: Mapped[list[FrameworkTranslation]] = relationship(
        cascade="all, delete-orphan", lazy="selectin")
    competencies: Mapped[list[Competency]] = relationship(
        back_populates="framework", cascade="all, delete-orphan",
        order_by="Competency.position")

    def __repr__(self) -> str:
        return f"<Framework {self.code}>"

    def can_manage(self, user) -> bool:
        return user.is_authenticated and user.coordinates(self.program_id)


class FrameworkTranslation(db.Model):
    __tablename__ = "competency_framework_translations"
    __table_args__ = (UniqueConstraint("framework_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(
        ForeignKey("competency_frameworks.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(5))
    title: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")


class Competency(Translatable, db.Model):
    __tablename__ = "competencies"
    __table_args__ = (UniqueConstraint("framework_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(
        ForeignKey("competency_frameworks.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    # The competency of the original framework this adaptation copied.
    adapted_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("competencies.id", ondelete="SET NULL"))

    framework: Mapped[Framework] = relationship(back_populates="competencies")
    translations: Mapped[list[CompetencyTranslation]] = relationship(
        cascade="all, delete-orphan", lazy="selectin")

    def __repr__(self) -> str:
        return f"<Competency {self.code}>"

    @property
    def language(self) -> str:
        return self.framework.language

    def can_manage(self, user) -> bool:
        return self.framework.can_manage(user)


class CompetencyTranslation(db.Model):
    __tablename__ = "competency_translations"
    __table_args__ = (UniqueConstraint("competency_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competency_id: Mapped[int] = mapped_column(
        ForeignKey("competencies.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(5))
    title: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")


class Evidence(db.Model):
    """An assessment that shows a competency when its grade reaches ``min_score``."""

    __tablename__ = "competency_evidence"

    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), primary_key=True)
    competency_id: Mapped[int] = mapped_column(
        ForeignKey("competencies.id", ondelete="CASCADE"), primary_key=True, index=True)
    min_score: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("70"))

    competency: Mapped[Competency] = relationship()


class Signoff(db.Model):
    """An assessor's judgement that a trainee has a competency; withdrawn, never deleted."""

    __tablename__ = "competency_signoffs"
    __table_args__ = (Index("ix_competency_signoffs_user_competency", "user_id",
                            "competency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    competency_id: Mapped[int] = mapped_column(
        ForeignKey("competencies.id", ondelete="CASCADE"))
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    withdrawal_note: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    competency: Mapped[Competency] = relationship()
    assessor: Mapped[User | None] = relationship(foreign_keys=[assessor_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


track_courses = Table(
    "track_courses",
    db.metadata,
    Column("track_id", ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True),
    Column("course_id", ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)

track_competencies = Table(
    "track_competencies",
    db.metadata,
    Column("track_id", ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True),
    Column("competency_id", ForeignKey("competencies.id", ondelete="CASCADE"),
           primary_key=True, index=True),
)


class Track(Translatable, db.Model):
    """What a certifying body requires before it certifies, and for how long."""

    __tablename__ = "tracks"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    language: Mapped[str] = mapped_column(String(5), default="en")
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    country: Mapped[str | None] = mapped_column(String(2))
    framework_id: Mapped[int | None] = mapped_column(
        ForeignKey("competency_frameworks.id", ondelete="SET NULL"))
    certifying_body_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    # Course hours from the required courses (and any other completed course of the program).
    min_hours: Mapped[int] = mapped_column(Integer, default=0)
    # Approved supervised-practice hours.
    practice_hours: Mapped[int] = mapped_column(Integer, default=0)
    # None: the certificate does not expire.
    validity_months: Mapped[int | None] = mapped_column(Integer)
    # Continuing-education hours within the validity period needed to renew.
    renewal_hours: Mapped[int] = mapped_column(Integer, default=0)
    # Issue as soon as a trainee is eligible, without an officer's review.
    auto_issue: Mapped[bool] = mapped_column(Boolean, default=False)
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now())

    program: Mapped[Program] = relationship()
    framework: Mapped[Framework | None] = relationship()
    certifying_body: Mapped[Institution] = relationship()
    translations: Mapped[list[TrackTranslation]] = relationship(
        cascade="all, delete-orphan", lazy="selectin")
    courses: Mapped[list[Course]] = relationship(secondary=track_courses,
                                                 order_by=Course.code)
    competencies: Mapped[list[Competency]] = relationship(
        secondary=track_competencies, order_by=Competency.position)

    def __repr__(self) -> str:
        return f"<Track {self.code}>"

    def can_manage(self, user) -> bool:
        return user.is_authenticated and user.coordinates(self.program_id)

    def can_certify(self, user) -> bool:
        """Officers of the issuing body (and admins) decide certification."""
        if not user.is_authenticated:
            return False
        return user.is_admin or self.certifying_body_id in user.body_ids


class TrackTranslation(db.Model):
    __tablename__ = "track_translations"
    __table_args__ = (UniqueConstraint("track_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(5))
    title: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")


class HoursKind(enum.StrEnum):
    PRACTICE = "practice"
    CONTINUING = "continuing"

    @property
    def title(self) -> str:
        return str(HOURS_KIND_TITLES[self])


HOURS_KIND_TITLES = {
    HoursKind.PRACTICE: _l("Supervised practice"),
    HoursKind.CONTINUING: _l("Continuing education"),
}


class HoursStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def title(self) -> str:
        return str(HOURS_STATUS_TITLES[self])


HOURS_STATUS_TITLES = {
    HoursStatus.PENDING: _l("Waiting for approval"),
    HoursStatus.APPROVED: _l("Approved"),
    HoursStatus.REJECTED: _l("Rejected"),
}


class HoursLog(db.Model):
    """Hours a trainee logged towards a track; a supervisor approves or rejects them."""

    __tablename__ = "hours_logs"
    __table_args__ = (Index("ix_hours_logs_user_track", "user_id", "track_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20), default=HoursKind.PRACTICE)
    worked_on: Mapped[date] = mapped_column(Date)
    hours: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    place: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    supervisor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=HoursStatus.PENDING)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    track: Mapped[Track] = relationship()
    supervisor: Mapped[User | None] = relationship(foreign_keys=[supervisor_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def kind_title(self) -> str:
        return HoursKind(self.kind).title

    @property
    def status_title(self) -> str:
        return HoursStatus(self.status).title
