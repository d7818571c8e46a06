"""Targets: how many people a program means to train and certify in a year; the people
sets the report counts distinct people from (``lms.reports.people``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
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


# ---------------------------------------------------------------- people sets (lms.reports.people)

class CohortPeople(db.Model):
    """One cohort's people of one kind, as a serialized roaring bitmap of user ids.

    Kinds: ``enrolled`` (every place but the waiting list), ``started``, each status,
    and ``done:YYYY-MM`` (completed in that month, UTC). Rebuilt from the enrolments
    whenever a change to them is logged (``PeopleChange``); never edited in place."""

    __tablename__ = "report_cohort_people"

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"),
                                           primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    people: Mapped[bytes] = mapped_column(LargeBinary)


class CohortTally(db.Model):
    """One cohort's enrolments, completions and training hours delivered, of the people
    of one sex and institution: the additive counts the report sums by sex and
    institution."""

    __tablename__ = "report_cohort_tallies"
    # The sums by sex and institution, from the index alone and in its order.
    __table_args__ = (Index("ix_report_cohort_tallies_sums", "gender", "institution_id",
                            "cohort_id", "enrolments", "hours"),)

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"),
                                           primary_key=True)
    group_key: Mapped[str] = mapped_column(String(48), primary_key=True)
    gender: Mapped[str | None] = mapped_column(String(20))
    institution_id: Mapped[int | None] = mapped_column(Integer)
    enrolments: Mapped[int] = mapped_column(Integer)
    completions: Mapped[int] = mapped_column(Integer)
    # Training hours delivered: each completion's course hours.
    hours: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class CohortCount(db.Model):
    """One row of a cohort's additive counts for the learning and reaction sections
    (``lms.reports.facts``: what the keys and numbers of each kind are); rebuilt with the
    cohort's people sets."""

    __tablename__ = "report_cohort_counts"
    # The sums of a kind by its keys, from the index alone and in its order.
    __table_args__ = (Index("ix_report_cohort_counts_sums", "kind", "key1", "key2",
                            "cohort_id", "n1", "n2", "n3"),)

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"),
                                           primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    key1: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    key2: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n1: Mapped[int] = mapped_column(BigInteger)
    n2: Mapped[int] = mapped_column(BigInteger)
    n3: Mapped[int] = mapped_column(BigInteger)


class CohortStamp(db.Model):
    """A random number written with each rebuild of a cohort's people sets: a process
    that holds the sets read under the same stamp holds them as stored, and reads none
    again (``lms.reports.people``). A cohort without a stamp has no sets."""

    __tablename__ = "report_cohort_stamps"

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"),
                                           primary_key=True)
    stamp: Mapped[int] = mapped_column(BigInteger)


class GroupPeople(db.Model):
    """The enrolled people of one sex and institution (as their profile says now)."""

    __tablename__ = "report_group_people"

    group_key: Mapped[str] = mapped_column(String(48), primary_key=True)
    gender: Mapped[str | None] = mapped_column(String(20))
    institution_id: Mapped[int | None] = mapped_column(Integer)
    people: Mapped[bytes] = mapped_column(LargeBinary)


class PeopleChange(db.Model):
    """A change the people sets have not taken in yet: a cohort's enrolments, a person's
    sex or institution, or (both empty) anything, which rebuilds them all. Appended in
    the transaction that makes the change, so that writers never wait on each other."""

    __tablename__ = "report_people_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(Integer)


class PeopleState(db.Model):
    """One row once the people sets were built from every enrolment; its stamp changes
    whenever the people of each sex and institution (``GroupPeople``) are written."""

    __tablename__ = "report_people_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    built_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    stamp: Mapped[int | None] = mapped_column(BigInteger)
