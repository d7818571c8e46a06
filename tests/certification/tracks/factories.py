"""Factories for tracks, logged hours and completed courses (used by several test folders)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from lms.accounts.models import Institution, User
from lms.catalog.models import Course, Program
from lms.certification.tracks.models import HoursKind, HoursLog, HoursStatus, Track
from lms.cohorts.models import Enrolment, EnrolmentStatus
from lms.competencies.models import Competency
from lms.extensions import db
from lms.kernel import clock
from tests.factories import enrol, make_cohort

_seq = itertools.count(1)


def make_track(program: Program, body: Institution, *, courses: Iterable[Course] = (),
               competencies: Iterable[Competency] = (), min_hours: int = 0,
               practice_hours: int = 0, validity_months: int | None = 36,
               renewal_hours: int = 0, auto_issue: bool = False, code: str | None = None,
               title: str | None = None, country: str | None = "MX",
               published: bool = True, framework=None) -> Track:
    n = next(_seq)
    competencies = list(competencies)
    if framework is None and competencies:
        framework = competencies[0].framework
    track = Track(program=program, certifying_body=body, code=code or f"TRK-{n}",
                  title=title or f"Track {n}", description=f"Description of track {n}",
                  country=country, framework=framework, min_hours=min_hours,
                  practice_hours=practice_hours, validity_months=validity_months,
                  renewal_hours=renewal_hours, auto_issue=auto_issue, published=published,
                  language="en")
    track.courses.extend(courses)
    track.competencies.extend(competencies)
    db.session.add(track)
    db.session.flush()
    return track


def log_hours(user: User, track: Track, hours, *, kind: str = HoursKind.PRACTICE,
              approved: bool = True, worked_on: date | None = None,
              supervisor: User | None = None, status: str | None = None,
              place: str = "Clinic", description: str = "Work") -> HoursLog:
    if status is None:
        status = HoursStatus.APPROVED if approved else HoursStatus.PENDING
    log = HoursLog(user_id=user.id, track_id=track.id, kind=str(kind),
                   worked_on=worked_on or clock.today(clock.UTC), hours=Decimal(str(hours)),
                   place=place, description=description,
                   supervisor_id=supervisor.id if supervisor else None, status=str(status),
                   decided_at=clock.now() if status != HoursStatus.PENDING else None)
    db.session.add(log)
    db.session.flush()
    return log


def complete_course(user: User, course: Course, *, completed_at: datetime | None = None,
                    country: str = "MX") -> Enrolment:
    """A completed enrolment of ``user`` in a new cohort of ``course``."""
    enrolment = enrol(make_cohort(course, country=country), user,
                      status=EnrolmentStatus.COMPLETED)
    enrolment.completed_at = completed_at or clock.now()
    db.session.flush()
    return enrolment
