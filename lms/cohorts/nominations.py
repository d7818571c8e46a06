"""Nominations: how a PICAP cohort by nomination is filled.

A national focal point (lms.accounts.models.FocalPoint, per program and country)
nominates officers of their country; the coordinators of the course's program
decide: accept (the nominee is enrolled), wait-list or decline, with a reason. At
most ``Cohort.seats_per_country`` nominations of one country are accepted at a
time. A substitution replaces a nominee by another of the same country, keeping
the place: the replaced nomination is withdrawn (and its enrolment), the new one
takes its status. An accepted nominee who leaves (or whom a coordinator withdraws)
is "released": the seat is free again, and since seats are counted per country only
that country can fill it, by the focal point's substitute or by a coordinator
accepting someone of its waiting list. Writes are in nomination_services, reads in
nomination_queries.
"""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.cohorts.models import Cohort
from lms.extensions import db
from lms.kernel import clock

REASON_MAX = 500


class NominationStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    WAITLISTED = "waitlisted"
    DECLINED = "declined"
    # Replaced by a substitute (see Nomination.replaces_id).
    WITHDRAWN = "withdrawn"
    # Accepted, then left the cohort (or was withdrawn by a coordinator): the seat is
    # free for the country; a substitute replaces it (and it becomes WITHDRAWN).
    RELEASED = "released"

    @property
    def title(self) -> str:
        return str(NOMINATION_STATUS_TITLES[self])


NOMINATION_STATUS_TITLES = {
    NominationStatus.PENDING: _l("Awaiting decision"),
    NominationStatus.ACCEPTED: _l("Accepted"),
    NominationStatus.WAITLISTED: _l("Waiting list"),
    NominationStatus.DECLINED: _l("Declined"),
    NominationStatus.WITHDRAWN: _l("Replaced"),
    NominationStatus.RELEASED: _l("Withdrawn from the cohort"),
}

# A nomination still in the running: the nominee cannot be nominated again meanwhile.
LIVE = (NominationStatus.PENDING, NominationStatus.ACCEPTED, NominationStatus.WAITLISTED)
# The coordinators may still decide these.
UNDECIDED = (NominationStatus.PENDING, NominationStatus.WAITLISTED)
# The focal point may replace these by a substitute.
SUBSTITUTABLE = (NominationStatus.PENDING, NominationStatus.ACCEPTED, NominationStatus.RELEASED)


class Nomination(db.Model):
    __tablename__ = "nominations"
    __table_args__ = (
        # Seats are counted per cohort and country.
        Index("ix_nominations_cohort_id_country", "cohort_id", "country"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    # The seat's country: the focal point's, which is the nominee's too.
    country: Mapped[str] = mapped_column(String(2))
    nominated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    nominated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=clock.now, server_default=func.now())
    status: Mapped[str] = mapped_column(String(20), default=NominationStatus.PENDING)
    # Why it was declined or wait-listed (required then); "" otherwise.
    reason: Mapped[str] = mapped_column(String(REASON_MAX), default="", server_default="")
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A substitution: the nomination this one replaced.
    replaces_id: Mapped[int | None] = mapped_column(
        ForeignKey("nominations.id", ondelete="SET NULL"))

    cohort: Mapped[Cohort] = relationship()
    nominee: Mapped[User] = relationship(foreign_keys=[user_id])
    nominated_by: Mapped[User | None] = relationship(foreign_keys=[nominated_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    replaces: Mapped[Nomination | None] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<Nomination {self.id} {self.status}>"

    @property
    def status_title(self) -> str:
        return NominationStatus(self.status).title

    @property
    def undecided(self) -> bool:
        return self.status in UNDECIDED

    # Permissions: the host's coordinators decide; the country's focal points nominate.
    def can_decide(self, user) -> bool:
        return self.cohort.can_manage(user)

    def can_substitute(self, user) -> bool:
        return may_nominate(user, self.cohort, self.country)


def may_nominate(user, cohort: Cohort, country: str) -> bool:
    """Whether ``user`` is a focal point of ``country`` for the cohort's program."""
    return user.is_authenticated and (
        (cohort.course.program_id, country) in user.focal_point_countries)
