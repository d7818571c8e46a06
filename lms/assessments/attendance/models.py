"""Attendance: a cohort's sessions and who was present at each."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    DateTime,
    ForeignKey,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.cohorts.models import Cohort
from lms.cohorts.schedule import CohortSession
from lms.extensions import db
from lms.kernel import clock


class AttendanceStatus(enum.StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    EXCUSED = "excused"


class AttendanceSession(db.Model):
    __tablename__ = "attendance_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    title: Mapped[str] = mapped_column(String(200), default="")
    # The planned session this register is of (lms.cohorts.schedule); None for a register
    # added by hand. Deleting the planned session keeps the register and its records.
    scheduled_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("cohort_sessions.id", ondelete="SET NULL"), unique=True)

    cohort: Mapped[Cohort] = relationship()
    scheduled_session: Mapped[CohortSession | None] = relationship()


class AttendanceRecord(db.Model):
    __tablename__ = "attendance_records"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("attendance_sessions.id", ondelete="CASCADE"), primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"), primary_key=True, index=True)
    status: Mapped[str] = mapped_column(String(20))
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
