"""Competency frameworks and their competencies, evidence and sign-offs.

A framework belongs to a program; a country adapts one by copying it
(``adapted_from``) and editing the copy. Assessments give evidence for
competencies with a minimum score, observation items point at the competency they
show, and an assessor may sign a competency off for a trainee. Tracks, which require
competencies, belong to certification (``lms.certification.tracks``), a floor above.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.catalog.models import Program
from lms.extensions import db
from lms.i18n import Translatable
from lms.kernel import clock


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
        DateTime(timezone=True), default=clock.now, server_default=func.now())

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
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
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
