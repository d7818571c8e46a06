"""Reads for the track pages: which tracks a user manages or follows, hours queues."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from lms.accounts.models import Institution, InstitutionKind, User
from lms.catalog.models import Course, Program
from lms.certification.models import Certificate
from lms.certification.tracks.models import HoursLog, HoursStatus, Track
from lms.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from lms.competencies.models import Framework
from lms.extensions import db

QUEUE_PAGE_SIZE = 25


def track(track_id: int) -> Track | None:
    return db.session.scalar(
        select(Track).where(Track.id == track_id)
        .options(joinedload(Track.program), joinedload(Track.certifying_body)))


def managed_tracks(user) -> list[Track]:
    """Tracks of the programs the user coordinates (every track for admins)."""
    query = (select(Track).options(joinedload(Track.program),
                                   joinedload(Track.certifying_body))
             .order_by(Track.code))
    if not user.is_admin:
        query = query.where(Track.program_id.in_(user.coordinated_program_ids or {0}))
    return list(db.session.scalars(query))


def managed_programs(user) -> list[Program]:
    query = select(Program).order_by(Program.code)
    if not user.is_admin:
        query = query.where(Program.id.in_(user.coordinated_program_ids or {0}))
    return list(db.session.scalars(query))


def certifying_bodies() -> list[Institution]:
    return list(db.session.scalars(
        select(Institution).where(Institution.kind == InstitutionKind.CERTIFYING_BODY)
        .order_by(Institution.name)))


def program_courses(program_id: int) -> list[Course]:
    return list(db.session.scalars(
        select(Course).where(Course.program_id == program_id).order_by(Course.code)))


def program_frameworks(program_id: int) -> list[Framework]:
    """The program's frameworks with their competencies (two queries)."""
    return list(db.session.scalars(
        select(Framework).where(Framework.program_id == program_id)
        .options(selectinload(Framework.competencies)).order_by(Framework.code)))


def trainee_tracks(user: User) -> list[Track]:
    """Published tracks of programs the user is enrolled in, or where they logged
    hours or hold a certificate."""
    enrolled_programs = (select(Course.program_id)
                         .join(Cohort, Cohort.course_id == Course.id)
                         .join(Enrolment, Enrolment.cohort_id == Cohort.id)
                         .where(Enrolment.user_id == user.id,
                                # A place on a waiting list is not an enrolment.
                                Enrolment.status != EnrolmentStatus.WAITLISTED))
    logged = select(HoursLog.track_id).where(HoursLog.user_id == user.id)
    certified = select(Certificate.track_id).where(Certificate.user_id == user.id,
                                                   Certificate.track_id.is_not(None))
    return list(db.session.scalars(
        select(Track)
        .where(Track.published.is_(True),
               or_(Track.program_id.in_(enrolled_programs), Track.id.in_(logged),
                   Track.id.in_(certified)))
        .options(joinedload(Track.program), joinedload(Track.certifying_body))
        .order_by(Track.code)))


def my_logs(user: User, track: Track) -> list[HoursLog]:
    return list(db.session.scalars(
        select(HoursLog).where(HoursLog.user_id == user.id, HoursLog.track_id == track.id)
        .options(joinedload(HoursLog.supervisor))
        .order_by(HoursLog.worked_on.desc(), HoursLog.id.desc())))


def supervises_anything(user) -> bool:
    """May open the supervision queue: coordinators, admins, instructors (whom
    trainees may name as supervisors) and anyone already named as one."""
    if not user.is_authenticated:
        return False
    if user.is_coordinator or user.is_instructor:
        return True
    return db.session.scalar(
        select(HoursLog.id).where(HoursLog.supervisor_id == user.id).limit(1)) is not None


def supervision_queue(user, page: int, per_page: int = QUEUE_PAGE_SIZE):
    """Pending logs the user may decide, oldest first: two queries per page."""
    query = (select(HoursLog).join(Track, Track.id == HoursLog.track_id)
             .where(HoursLog.status == HoursStatus.PENDING)
             .options(joinedload(HoursLog.user), joinedload(HoursLog.track),
                      joinedload(HoursLog.supervisor))
             .order_by(HoursLog.created_at, HoursLog.id))
    if not user.is_admin:
        query = query.where(or_(
            HoursLog.supervisor_id == user.id,
            Track.program_id.in_(user.coordinated_program_ids or {0})))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def hours_log(log_id: int) -> HoursLog | None:
    return db.session.scalar(select(HoursLog).where(HoursLog.id == log_id)
                             .options(joinedload(HoursLog.track), joinedload(HoursLog.user)))
