"""Cohorts (one run of a course), enrolments and lesson progress."""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import Institution, User, cohort_instructors
from lms.catalog.models import Course, Lesson
from lms.cohorts.schedule_zones import default_zone
from lms.extensions import db
from lms.kernel import clock


class EnrolmentStatus(enum.StrEnum):
    INVITED = "invited"
    ACTIVE = "active"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"
    FAILED = "failed"
    # Asked for a seat in a full cohort: no seat, no lessons; seated in turn when one frees.
    WAITLISTED = "waitlisted"

    @property
    def title(self) -> str:
        return str(ENROLMENT_STATUS_TITLES[self])


ENROLMENT_STATUS_TITLES = {
    EnrolmentStatus.INVITED: _l("Invited"),
    EnrolmentStatus.ACTIVE: _l("Active"),
    EnrolmentStatus.COMPLETED: _l("Completed"),
    EnrolmentStatus.WITHDRAWN: _l("Withdrawn"),
    EnrolmentStatus.FAILED: _l("Failed"),
    EnrolmentStatus.WAITLISTED: _l("Waiting list"),
}

# Statuses that take a seat and give access to the lessons.
SEATED = (EnrolmentStatus.INVITED, EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED,
          EnrolmentStatus.FAILED)


class Cohort(db.Model):
    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    # Short identifier used in CSV imports (Moodle's "cohort1" column).
    code: Mapped[str] = mapped_column(String(60), unique=True)
    language: Mapped[str] = mapped_column(String(5))
    # Languages interpreted in the room, besides the language of instruction: codes of
    # lms.i18n.LANGUAGES, comma-separated in LANGUAGES order ("en,pt"); "" for none. A
    # string rather than a table: four languages at most, always read with the cohort.
    interpretation_languages: Mapped[str] = mapped_column(
        String(40), default="", server_default="")
    host_institution_id: Mapped[int | None] = mapped_column(
        ForeignKey("institutions.id", ondelete="SET NULL"))
    country: Mapped[str] = mapped_column(String(2))
    # IANA zone of the sessions' wall-clock times; None: the country's (schedule_zones).
    time_zone: Mapped[str | None] = mapped_column(String(64))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    enrol_opens_on: Mapped[date | None] = mapped_column(Date)
    enrol_closes_on: Mapped[date | None] = mapped_column(Date)
    # None: no limit.
    capacity: Mapped[int | None] = mapped_column(Integer)
    self_enrolment: Mapped[bool] = mapped_column(default=True)
    # By nomination (PICAP): national focal points nominate, the host's coordinators
    # decide; at most ``seats_per_country`` accepted per country (lms.cohorts.nominations).
    # Such a cohort takes no self-enrolment.
    by_nomination: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    seats_per_country: Mapped[int | None] = mapped_column(Integer)
    nominations_open_on: Mapped[date | None] = mapped_column(Date)
    nominations_close_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=clock.now, server_default=func.now())

    course: Mapped[Course] = relationship()
    host_institution: Mapped[Institution | None] = relationship()
    instructors: Mapped[list[User]] = relationship(
        secondary=cohort_instructors, order_by=User.full_name)

    def __repr__(self) -> str:
        return f"<Cohort {self.code}>"

    # Permissions: coordinators of the course's program manage; instructors teach.
    def can_manage(self, user) -> bool:
        return user.is_authenticated and user.coordinates(self.course.program_id)

    def can_teach(self, user) -> bool:
        return user.is_authenticated and (
            self.id in user.taught_cohort_ids or self.can_manage(user))

    def can_view(self, user, enrolment: Enrolment | None) -> bool:
        """Who may read the cohort and its lessons: ``enrolment`` is the user's own, if any."""
        if not user.is_authenticated:
            return False
        if enrolment is not None and enrolment.user_id == user.id and enrolment.seated:
            return True
        return self.can_teach(user)

    @property
    def interpretation_codes(self) -> list[str]:
        """The interpretation languages' codes, never the language of instruction."""
        return [code for code in (self.interpretation_languages or "").split(",")
                if code and code != self.language]

    @property
    def zone_name(self) -> str:
        """The zone the cohort's sessions are in: its own, else its country's."""
        return self.time_zone or default_zone(self.country)

    @property
    def enrol_closes(self) -> date:
        """The last day of self-enrolment: the closing date, else the cohort's last day."""
        return self.enrol_closes_on or self.ends_on

    @property
    def nominations_close(self) -> date:
        """The last day to nominate: the closing date, else the day before the cohort starts."""
        return self.nominations_close_on or (self.starts_on - timedelta(days=1))

    def nominations_open(self, today: date) -> bool:
        if not self.by_nomination:
            return False
        if self.nominations_open_on and today < self.nominations_open_on:
            return False
        return today <= self.nominations_close

    def enrolment_open_on(self, today: date) -> bool:
        if not self.self_enrolment or self.by_nomination:
            return False
        if self.enrol_opens_on and today < self.enrol_opens_on:
            return False
        return today <= self.enrol_closes


class Enrolment(db.Model):
    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),
                      # Reports and targets: completions by day (migration 0019), with the
                      # cohort and person so that targets read no row (migration 0024).
                      Index("ix_enrolments_status_completed_at_cohort_id_user_id", "status",
                            "completed_at", "cohort_id", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=EnrolmentStatus.ACTIVE)
    enrolled_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=clock.now, server_default=func.now())
    # The lesson the trainee last opened: "continue where you left off".
    last_lesson_id: Mapped[int | None] = mapped_column(
        ForeignKey("lessons.id", ondelete="SET NULL"))
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the enrolment last became completed: dates continuing-education hours.
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the trainee joined the waiting list: the queue is ordered by it, then by id.
    waitlisted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    cohort: Mapped[Cohort] = relationship()
    user: Mapped[User] = relationship()
    last_lesson: Mapped[Lesson | None] = relationship()

    @property
    def status_title(self) -> str:
        return EnrolmentStatus(self.status).title

    @property
    def seated(self) -> bool:
        """The enrolment takes a seat and opens the lessons."""
        return self.status in SEATED

    def can_view(self, user) -> bool:
        return user.is_authenticated and (user.id == self.user_id or self.cohort.can_teach(user))


class LessonCompletion(db.Model):
    """A trainee marked a lesson done within one enrolment."""

    __tablename__ = "lesson_completions"

    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"), primary_key=True)
    lesson_id: Mapped[int] = mapped_column(
        ForeignKey("lessons.id", ondelete="CASCADE"), primary_key=True, index=True)
    completed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
