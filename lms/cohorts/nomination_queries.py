"""Reads of nominations, shaped for their pages: a constant number of queries each."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from lms.accounts.models import FocalPoint, Institution, User
from lms.catalog.models import Course
from lms.cohorts.models import Cohort
from lms.cohorts.nominations import Nomination, NominationStatus
from lms.extensions import db


@dataclass(frozen=True)
class SeatRow:
    """One country's line of a cohort's seat table."""

    country: str
    seats: int
    accepted: int = 0
    pending: int = 0
    waitlisted: int = 0
    declined: int = 0

    @property
    def free(self) -> int:
        return max(self.seats - self.accepted, 0)


def _counts(cohort_ids: list[int]) -> dict[tuple[int, str], dict[str, int]]:
    """Nominations by (cohort id, country) and status: one query."""
    found: dict[tuple[int, str], dict[str, int]] = defaultdict(dict)
    if not cohort_ids:
        return found
    for cohort_id, country, status, number in db.session.execute(
            select(Nomination.cohort_id, Nomination.country, Nomination.status, func.count())
            .where(Nomination.cohort_id.in_(cohort_ids))
            .group_by(Nomination.cohort_id, Nomination.country, Nomination.status)):
        found[(cohort_id, country)][status] = number
    return found


def _row(cohort: Cohort, country: str, counts: dict[str, int]) -> SeatRow:
    return SeatRow(country=country, seats=cohort.seats_per_country or 0,
                   accepted=counts.get(NominationStatus.ACCEPTED, 0),
                   pending=counts.get(NominationStatus.PENDING, 0),
                   waitlisted=counts.get(NominationStatus.WAITLISTED, 0),
                   declined=counts.get(NominationStatus.DECLINED, 0))


def seat_table(cohort: Cohort) -> list[SeatRow]:
    """Every country with a focal point for the program or a nomination: two queries."""
    counts = _counts([cohort.id])
    countries = {country for _cohort_id, country in counts}
    countries.update(db.session.scalars(
        select(FocalPoint.country).where(FocalPoint.program_id == cohort.course.program_id)
        .distinct()))
    return [_row(cohort, country, counts.get((cohort.id, country), {}))
            for country in sorted(countries)]


def nominations(cohort: Cohort, country: str | None = None) -> list[Nomination]:
    """The cohort's nominations (of one country), undecided first, then by country and
    date; nominees and who nominated joined: one query."""
    query = (select(Nomination).where(Nomination.cohort_id == cohort.id)
             .options(joinedload(Nomination.nominee).joinedload(User.institution),
                      joinedload(Nomination.nominated_by),
                      joinedload(Nomination.replaces).joinedload(Nomination.nominee))
             .order_by(Nomination.status.notin_([NominationStatus.PENDING,
                                                 NominationStatus.WAITLISTED]),
                       Nomination.country, Nomination.nominated_at, Nomination.id))
    if country is not None:
        query = query.where(Nomination.country == country)
    return list(db.session.scalars(query).unique())


@dataclass(frozen=True)
class FocalCohort:
    """A cohort by nomination a focal point nominates to, for one of their countries."""

    cohort: Cohort
    country: str
    seats: SeatRow
    open: bool


def focal_cohorts(user: User, today: date) -> list[FocalCohort]:
    """The cohorts by nomination of the user's programs that have not ended, with their
    country's seats: three queries (cohorts with courses, translations, counts)."""
    countries: dict[int, list[str]] = defaultdict(list)
    for program_id, country in sorted(user.focal_point_countries):
        countries[program_id].append(country)
    if not countries:
        return []
    cohorts = list(db.session.scalars(
        select(Cohort).join(Cohort.course)
        .where(Cohort.by_nomination.is_(True), Course.program_id.in_(list(countries)),
               Cohort.ends_on >= today)
        .options(joinedload(Cohort.course).selectinload(Course.translations))
        .order_by(Cohort.starts_on, Cohort.code)))
    counts = _counts([cohort.id for cohort in cohorts])
    return [FocalCohort(cohort=cohort, country=country,
                        seats=_row(cohort, country, counts.get((cohort.id, country), {})),
                        open=cohort.nominations_open(today))
            for cohort in cohorts for country in countries[cohort.course.program_id]]


def institutions_of(country: str) -> list[Institution]:
    """The institutions a new nominee of ``country`` may belong to."""
    return list(db.session.scalars(
        select(Institution).where(Institution.country == country).order_by(Institution.name)))
