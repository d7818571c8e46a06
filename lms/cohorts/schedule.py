"""A cohort's schedule: its sessions, and the secret addresses of calendar feeds.

A session happens at a wall-clock time in the cohort's zone (``Cohort.zone_name``);
it is stored as aware UTC moments, so that sorting and comparing need no zone, and
shown (and sent to calendars) in the cohort's zone again. ``sequence`` and
``updated_at`` follow every change, so that calendar programs replace their copy
(RFC 5545 SEQUENCE and LAST-MODIFIED).
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.cohorts.models import Cohort
from lms.extensions import db
from lms.kernel import clock

MAX_TOPIC = 200
MAX_PLACE = 200
MAX_LINK = 500


class CohortSession(db.Model):
    """One meeting of a cohort: a class in a room or online."""

    __tablename__ = "cohort_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    topic: Mapped[str] = mapped_column(String(MAX_TOPIC))
    place: Mapped[str] = mapped_column(String(MAX_PLACE), default="", server_default="")
    # An https address of the online meeting; "" for a session in a room only.
    online_url: Mapped[str] = mapped_column(String(MAX_LINK), default="", server_default="")
    instructor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    # Codes of lms.i18n.LANGUAGES, comma-separated in LANGUAGES order, as on the cohort.
    interpretation_languages: Mapped[str] = mapped_column(
        String(40), default="", server_default="")
    # Bumped on every change: calendar programs keep the copy with the highest one.
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=clock.now, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=clock.now, server_default=func.now())

    cohort: Mapped[Cohort] = relationship()
    instructor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<CohortSession {self.id} of cohort {self.cohort_id}>"

    @property
    def interpretation_codes(self) -> list[str]:
        return [code for code in (self.interpretation_languages or "").split(",") if code]


class CalendarFeed(db.Model):
    """A secret address of one person's calendar feed.

    With a cohort: that cohort's sessions and due dates; without: every cohort of
    the person. Only a digest of the token is kept, so a copy of the database opens
    no calendar; renewing replaces the digest, and the old address stops working.
    """

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int | None] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the token, hex.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=clock.now, server_default=func.now())

    user: Mapped[User] = relationship()
    cohort: Mapped[Cohort | None] = relationship()


def token_digest(token: str) -> str:
    """What is stored of a feed's secret token: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()
