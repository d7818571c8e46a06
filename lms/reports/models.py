"""Targets: how many people a program means to train and certify in a year."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.catalog.models import Program
from lms.extensions import db
from lms.kernel import clock


class Target(db.Model):
    """A program's target for one year, for all countries (``country`` None) or one.

    Trained: distinct people who complete a course of the program in the year;
    certified: distinct people issued a certification of the program in the year."""

    __tablename__ = "report_targets"
    # A country-less target is one row too: the unique constraint treats NULLs as
    # distinct, so the service looks the row up before adding one.
    __table_args__ = (
        UniqueConstraint("program_id", "year", "country"),
        CheckConstraint("trained >= 0 AND certified >= 0", name="counts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"),
                                            index=True)
    year: Mapped[int] = mapped_column(Integer)
    country: Mapped[str | None] = mapped_column(String(2))
    trained: Mapped[int] = mapped_column(Integer, default=0)
    certified: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=clock.now, onupdate=clock.now,
        server_default=func.now())

    program: Mapped[Program] = relationship()

    def __repr__(self) -> str:
        return f"<Target {self.program_id} {self.year} {self.country or '*'}>"

    def can_manage(self, user) -> bool:
        return user.is_authenticated and user.coordinates(self.program_id)
