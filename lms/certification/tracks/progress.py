"""Progress towards a track: computed from enrolments, competencies and logged hours.

Nothing here is stored: a requirement is met because the facts say so (a completed
enrolment, a met competency, approved hours). Every function that reads many
trainees loads their facts in bulk, so that a roster of 40 costs what one of 3 does.

Course hours count every completed course of the track's program, not only the
required ones: a trainee who took an optional course of the program has studied
those hours too. A course completed twice counts once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select, union

from lms.accounts.models import User
from lms.catalog.models import Course
from lms.certification.models import (
    Certificate,
    CertificateKind,
    CertificateStatus,
    current_filter,
)
from lms.certification.tracks.models import (
    HoursKind,
    HoursLog,
    HoursStatus,
    Track,
    track_competencies,
    track_courses,
)
from lms.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from lms.competencies.queries import met_competencies
from lms.extensions import db
from lms.kernel import clock

ROSTER_PAGE_SIZE = 50
# A certificate that expired less than this long ago may still be renewed.
RENEWAL_GRACE = timedelta(days=365)
# Renewal opens this long before expiry: the first expiry reminder goes out then too.
RENEWAL_OPENS = timedelta(days=90)


class RequirementKind:
    COURSE = "course"
    COMPETENCY = "competency"
    COURSE_HOURS = "course_hours"
    PRACTICE_HOURS = "practice_hours"


@dataclass
class Requirement:
    kind: str
    label: str
    met: bool
    have: int | Decimal
    need: int | Decimal
    # The course or competency the requirement names (None for hours).
    object_id: int | None = None


@dataclass
class TrackProgress:
    user: User
    track: Track
    requirements: list[Requirement]
    eligible: bool
    course_hours: int
    practice_hours: Decimal
    competency_ids_met: set[int]
    # The user's certificate for the track that is valid today, if any.
    certificate: Certificate | None = None

    @property
    def met_count(self) -> int:
        return sum(1 for requirement in self.requirements if requirement.met)

    @property
    def certified(self) -> bool:
        return self.certificate is not None


# ---------------------------------------------------------------- bulk facts

def _completed_courses(program_id: int, user_ids: Sequence[int]) -> dict[int, dict[int, int]]:
    """{user id: {course id: hours}} of the program's courses each user completed."""
    completed: dict[int, dict[int, int]] = defaultdict(dict)
    rows = db.session.execute(
        select(Enrolment.user_id, Course.id, Course.hours)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(Course, Course.id == Cohort.course_id)
        .where(Enrolment.user_id.in_(user_ids), Course.program_id == program_id,
               Enrolment.status == EnrolmentStatus.COMPLETED)
        .distinct())
    for user_id, course_id, hours in rows:
        completed[user_id][course_id] = hours or 0
    return completed


def _approved_hours(track_id: int, user_ids: Sequence[int], kind: str) -> dict[int, Decimal]:
    rows = db.session.execute(
        select(HoursLog.user_id, func.sum(HoursLog.hours))
        .where(HoursLog.track_id == track_id, HoursLog.user_id.in_(user_ids),
               HoursLog.kind == kind, HoursLog.status == HoursStatus.APPROVED)
        .group_by(HoursLog.user_id))
    return {user_id: Decimal(total or 0) for user_id, total in rows}


def current_certificates(track_id: int, user_ids: Sequence[int],
                         today: date | None = None) -> dict[int, Certificate]:
    """{user id: the newest certificate for the track that is valid on ``today``}."""
    today = today or clock.today(clock.UTC)
    rows = db.session.scalars(
        select(Certificate)
        .where(Certificate.track_id == track_id, Certificate.user_id.in_(user_ids),
               Certificate.kind == CertificateKind.TRACK, Certificate.revoked_at.is_(None),
               Certificate.superseded_by_id.is_(None))
        .order_by(Certificate.issued_on, Certificate.id))
    current: dict[int, Certificate] = {}
    for certificate in rows:
        if certificate.status_on(today) == CertificateStatus.VALID:
            current[certificate.user_id] = certificate
    return current


def _requirements_loaded(track: Track) -> tuple[list, list]:
    """The required courses and competencies (two queries the first time)."""
    return list(track.courses), list(track.competencies)


def progress_of_users(track: Track, users: Sequence[User],
                      today: date | None = None) -> list[TrackProgress]:
    """Progress of each of ``users``, in their order: a constant number of queries."""
    users = list(users)
    if not users:
        return []
    user_ids = [user.id for user in users]
    courses, competencies = _requirements_loaded(track)
    completed = _completed_courses(track.program_id, user_ids)
    met = (met_competencies(user_ids, [c.id for c in competencies]) if competencies else {})
    practice = _approved_hours(track.id, user_ids, HoursKind.PRACTICE)
    certificates = current_certificates(track.id, user_ids, today)
    results = []
    for user in users:
        done = completed.get(user.id, {})
        met_ids = set(met.get(user.id, set()))
        course_hours = sum(done.values())
        practice_hours = practice.get(user.id, Decimal(0))
        requirements = [
            Requirement(RequirementKind.COURSE, course.in_locale("title"), course.id in done,
                        int(course.id in done), 1, course.id)
            for course in courses]
        requirements += [
            Requirement(RequirementKind.COMPETENCY,
                        f"{competency.code} {competency.in_locale('title')}",
                        competency.id in met_ids, int(competency.id in met_ids), 1,
                        competency.id)
            for competency in competencies]
        if track.min_hours:
            requirements.append(Requirement(
                RequirementKind.COURSE_HOURS, _("Course hours"),
                course_hours >= track.min_hours, course_hours, track.min_hours))
        if track.practice_hours:
            requirements.append(Requirement(
                RequirementKind.PRACTICE_HOURS, _("Supervised practice hours"),
                practice_hours >= track.practice_hours, practice_hours,
                track.practice_hours))
        results.append(TrackProgress(
            user=user, track=track, requirements=requirements,
            eligible=all(r.met for r in requirements), course_hours=course_hours,
            practice_hours=practice_hours,
            competency_ids_met=met_ids & {c.id for c in competencies},
            certificate=certificates.get(user.id)))
    return results


def track_progress(track: Track, user: User, today: date | None = None) -> TrackProgress:
    return progress_of_users(track, [user], today)[0]


# ---------------------------------------------------------------- rosters

def candidates_query(track: Track):
    """Users with an enrolment in a required course, hours on the track or a
    certificate for it, ordered by name."""
    sources = [
        select(HoursLog.user_id.label("user_id")).where(HoursLog.track_id == track.id),
        select(Certificate.user_id.label("user_id")).where(Certificate.track_id == track.id),
        select(Enrolment.user_id.label("user_id"))
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(track_courses, track_courses.c.course_id == Cohort.course_id)
        # A place on a waiting list is not an enrolment.
        .where(track_courses.c.track_id == track.id,
               Enrolment.status != EnrolmentStatus.WAITLISTED),
    ]
    ids = union(*sources).subquery()
    return (select(User).where(User.id.in_(select(ids.c.user_id)))
            .order_by(User.full_name, User.id))


def roster(track: Track, page: int = 1, per_page: int = ROSTER_PAGE_SIZE,
           today: date | None = None):
    """(pagination, [TrackProgress]) for one page of candidates: constant queries."""
    pagination = db.paginate(candidates_query(track), page=page, per_page=per_page,
                             error_out=False)
    return pagination, progress_of_users(track, list(pagination.items), today)


def roster_all(track: Track, today: date | None = None) -> list[TrackProgress]:
    """Every candidate's progress (the CSV export and ``eligible``): constant queries."""
    users = list(db.session.scalars(candidates_query(track)))
    return progress_of_users(track, users, today)


def eligible(track: Track, today: date | None = None) -> list[TrackProgress]:
    """Eligible users who hold no certificate for the track valid today."""
    return [row for row in roster_all(track, today) if row.eligible and not row.certified]


# ---------------------------------------------------------------- renewal

def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def continuing_hours(user_id: int, track: Track, start: date, end: date) -> Decimal:
    """Hours of the program's courses completed in [start, end) plus approved
    continuing-education logs dated in it."""
    course_rows = db.session.execute(
        select(Course.id, Course.hours)
        .join(Cohort, Cohort.course_id == Course.id)
        .join(Enrolment, Enrolment.cohort_id == Cohort.id)
        .where(Enrolment.user_id == user_id, Course.program_id == track.program_id,
               Enrolment.status == EnrolmentStatus.COMPLETED,
               Enrolment.completed_at >= _start_of(start),
               Enrolment.completed_at < _start_of(end))
        .distinct())
    courses = sum((Decimal(hours or 0) for _id, hours in course_rows), Decimal(0))
    logged = db.session.scalar(
        select(func.coalesce(func.sum(HoursLog.hours), 0))
        .where(HoursLog.user_id == user_id, HoursLog.track_id == track.id,
               HoursLog.kind == HoursKind.CONTINUING,
               HoursLog.status == HoursStatus.APPROVED,
               HoursLog.worked_on >= start, HoursLog.worked_on < end))
    return courses + Decimal(logged or 0)


def renewal_opens_on(certificate: Certificate) -> date | None:
    """The first day a certificate may be renewed (None: it does not expire)."""
    if certificate.expires_on is None:
        return None
    return certificate.expires_on - RENEWAL_OPENS


def renewal_window_open(certificate: Certificate, today: date | None = None) -> bool:
    """From 90 days before expiry until a year after it, while nothing replaced it."""
    today = today or clock.today(clock.UTC)
    opens = renewal_opens_on(certificate)
    if opens is None:
        return False
    status = certificate.status_on(today)
    if status == CertificateStatus.EXPIRED:
        return today - certificate.expires_on < RENEWAL_GRACE
    return status == CertificateStatus.VALID and today >= opens


def renewal_due(certificate: Certificate,
                today: date | None = None) -> tuple[bool, Decimal, int]:
    """(can renew, continuing hours in the validity period, hours needed).

    A certificate can be renewed when its track has a validity, its renewal window
    is open (``renewal_window_open``), it is the newest for its holder and track,
    and enough continuing hours were earned between its start and its expiry.
    """
    today = today or clock.today(clock.UTC)
    track = db.session.get(Track, certificate.track_id) if certificate.track_id else None
    if track is None:
        return False, Decimal(0), 0
    need = track.renewal_hours or 0
    if track.validity_months is None or certificate.expires_on is None:
        return False, Decimal(0), need
    # The expiry day is still a day of validity.
    have = continuing_hours(certificate.user_id, track, certificate.valid_from,
                            certificate.expires_on + timedelta(days=1))
    in_time = renewal_window_open(certificate, today)
    newer = db.session.scalar(
        select(func.count(Certificate.id))
        .where(Certificate.user_id == certificate.user_id,
               Certificate.track_id == certificate.track_id,
               Certificate.id != certificate.id, Certificate.revoked_at.is_(None),
               Certificate.issued_on >= certificate.issued_on,
               Certificate.id > certificate.id))
    return bool(in_time and not newer and have >= need), have, need


def eligible_counts(tracks: list[Track], today: date) -> dict[int, int]:
    """{track id: eligible candidates without a certificate valid today}, for many
    tracks at once: seven queries whatever the number of tracks and candidates.

    The same rules as ``eligible``, which reads one track at a time (for the home
    page's officer part, which counts every track): every required course
    completed, every required competency met, the course hours of the track's
    program and the approved practice hours reached. tests/home checks both agree.
    """
    if not tracks:
        return {}
    track_ids = [t.id for t in tracks]
    courses: dict[int, set[int]] = defaultdict(set)
    for track_id, course_id in db.session.execute(
            select(track_courses.c.track_id, track_courses.c.course_id)
            .where(track_courses.c.track_id.in_(track_ids))):
        courses[track_id].add(course_id)
    competencies: dict[int, set[int]] = defaultdict(set)
    for track_id, competency_id in db.session.execute(
            select(track_competencies.c.track_id, track_competencies.c.competency_id)
            .where(track_competencies.c.track_id.in_(track_ids))):
        competencies[track_id].add(competency_id)
    # Candidates as in progress.candidates_query: hours logged, a certificate, or an
    # enrolment in a required course.
    pairs = union(
        select(HoursLog.track_id.label("track_id"), HoursLog.user_id.label("user_id"))
        .where(HoursLog.track_id.in_(track_ids)),
        select(Certificate.track_id, Certificate.user_id)
        .where(Certificate.track_id.in_(track_ids)),
        select(track_courses.c.track_id, Enrolment.user_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(track_courses, track_courses.c.course_id == Cohort.course_id)
        .where(track_courses.c.track_id.in_(track_ids)))
    candidates: dict[int, set[int]] = defaultdict(set)
    for track_id, user_id in db.session.execute(select(pairs.subquery())):
        candidates[track_id].add(user_id)
    user_ids = sorted({u for users in candidates.values() for u in users})
    if not user_ids:
        return {t.id: 0 for t in tracks}
    program_ids = sorted({t.program_id for t in tracks})
    completed: dict[tuple[int, int], dict[int, int]] = defaultdict(dict)
    for user_id, program_id, course_id, hours in db.session.execute(
            select(Enrolment.user_id, Course.program_id, Course.id, Course.hours)
            .join(Cohort, Cohort.id == Enrolment.cohort_id)
            .join(Course, Course.id == Cohort.course_id)
            .where(Enrolment.user_id.in_(user_ids), Course.program_id.in_(program_ids),
                   Enrolment.status == EnrolmentStatus.COMPLETED)
            .distinct()):
        completed[(user_id, program_id)][course_id] = hours or 0
    all_competencies = sorted({c for ids in competencies.values() for c in ids})
    met = met_competencies(user_ids, all_competencies) if all_competencies else {}
    practice: dict[tuple[int, int], Decimal] = {
        (track_id, user_id): Decimal(total or 0)
        for track_id, user_id, total in db.session.execute(
            select(HoursLog.track_id, HoursLog.user_id, func.sum(HoursLog.hours))
            .where(HoursLog.track_id.in_(track_ids), HoursLog.user_id.in_(user_ids),
                   HoursLog.kind == HoursKind.PRACTICE,
                   HoursLog.status == HoursStatus.APPROVED)
            .group_by(HoursLog.track_id, HoursLog.user_id))}
    certified = set(db.session.execute(
        select(Certificate.track_id, Certificate.user_id)
        .where(Certificate.track_id.in_(track_ids), Certificate.user_id.in_(user_ids),
               Certificate.kind == CertificateKind.TRACK, current_filter(today))).all())
    counts = {}
    for track in tracks:
        number = 0
        for user_id in candidates.get(track.id, ()):
            if (track.id, user_id) in certified:
                continue
            done = completed.get((user_id, track.program_id), {})
            if not courses[track.id] <= done.keys():
                continue
            if not competencies[track.id] <= met.get(user_id, set()):
                continue
            if track.min_hours and sum(done.values()) < track.min_hours:
                continue
            if track.practice_hours and \
                    practice.get((track.id, user_id), Decimal(0)) < track.practice_hours:
                continue
            number += 1
        counts[track.id] = number
    return counts
