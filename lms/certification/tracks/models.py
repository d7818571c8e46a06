"""Tracks (what a certifying body requires, and for how long) and the hours logged towards them.

A track names required courses, competencies and hours; progress towards it is
computed (``progress``), never entered by hand.
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

from lms.accounts.models import Institution, User
from lms.catalog.models import Course, Program
from lms.competencies.models import Competency, Framework
from lms.extensions import db
from lms.i18n import Translatable
from lms.kernel import clock

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
        DateTime(timezone=True), default=clock.now, server_default=func.now())

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
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)

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
