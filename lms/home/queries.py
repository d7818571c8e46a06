"""Reads for the home page: what each of the user's roles has waiting, in bulk.

The home page shows one section per role, so every read here takes the whole
user (all their cohorts, programs or bodies) at once: the page costs the same
number of queries with one cohort or track as with fifty. Where a domain already
has the read (progress on "My learning", the grading and hours queues, seats
taken) it is reused, so that the home page's counts are the pages' counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from lms.accounts.models import Institution, InstitutionKind, User
from lms.assessments.assignments.models import Submission, SubmissionStatus
from lms.assessments.attendance.models import AttendanceRecord, AttendanceSession
from lms.assessments.gradebook.queries import grading_queue, trainee_link
from lms.assessments.models import Assessment, AssessmentKind, AssessmentWindow, Grade
from lms.assessments.quizzes.models import Attempt, AttemptStatus
from lms.catalog.models import Course, Program
from lms.certification.models import Certificate, CertificateKind, current_filter
from lms.certification.tracks.models import (
    Track,
)
from lms.certification.tracks.progress import eligible_counts
from lms.certification.tracks.queries import supervision_queue, trainee_tracks
from lms.cohorts.models import SEATED, Cohort, Enrolment, EnrolmentStatus
from lms.cohorts.nomination_queries import FocalCohort, focal_cohorts
from lms.cohorts.queries import LearningRow, dashboard, seats_taken
from lms.extensions import db
from lms.kernel import clock

# "Due soon": the next two weeks, as the issue asks.
DUE_SOON = timedelta(days=14)
# Certificates expiring within this many days are listed for the officer.
EXPIRING_WITHIN = timedelta(days=90)
# Certificates issued this recently count as "recently issued".
RECENTLY = timedelta(days=30)
# Rows shown per list; the counts always cover everything.
SHOWN = 5


# ---------------------------------------------------------------- trainee

@dataclass(frozen=True)
class DueItem:
    assessment: Assessment
    cohort: Cohort
    due_at: datetime
    link: str


@dataclass
class TraineeHome:
    learning: list[LearningRow]
    due: list[DueItem]
    certificates: int
    tracks: list[Track]

    @property
    def urgent(self) -> int:
        return len(self.due)


def _due_soon(user_id: int, now: datetime) -> list[DueItem]:
    """Published assessments of the user's active cohorts due in the next two weeks
    that they have not handed in or been graded in: two queries.

    A cohort's own window replaces the course's (as ``grades.window_for`` says), so
    its due date wins even when it is empty. A returned assignment is due again.
    """
    window = AssessmentWindow
    due = case((window.assessment_id.is_not(None), window.due_at), else_=Assessment.due_at)
    graded = (select(Grade.id).where(Grade.assessment_id == Assessment.id,
                                     Grade.enrolment_id == Enrolment.id))
    handed_in = (select(Submission.id).where(
        Submission.assessment_id == Assessment.id, Submission.enrolment_id == Enrolment.id,
        Submission.status != SubmissionStatus.RETURNED))
    returned = (select(Submission.id).where(
        Submission.assessment_id == Assessment.id, Submission.enrolment_id == Enrolment.id,
        Submission.status == SubmissionStatus.RETURNED))
    attempted = (select(Attempt.id).where(
        Attempt.assessment_id == Assessment.id, Attempt.enrolment_id == Enrolment.id,
        Attempt.status == AttemptStatus.SUBMITTED))
    rows = db.session.execute(
        select(Assessment, Cohort, due.label("due"))
        .join(Course, Course.id == Assessment.course_id)
        .join(Cohort, Cohort.course_id == Course.id)
        .join(Enrolment, Enrolment.cohort_id == Cohort.id)
        .outerjoin(window, and_(window.assessment_id == Assessment.id,
                                window.cohort_id == Cohort.id))
        .where(Enrolment.user_id == user_id,
               Enrolment.status.in_([EnrolmentStatus.ACTIVE, EnrolmentStatus.INVITED]),
               Assessment.published.is_(True),
               due >= now, due <= now + DUE_SOON,
               returned.exists() | (~handed_in.exists() & ~graded.exists()
                                    & ~attempted.exists()))
        .options(contains_eager(Assessment.course).selectinload(Course.translations),
                 selectinload(Assessment.translations))
        .order_by(due, Assessment.id)).unique().all()
    return [DueItem(assessment, cohort, clock.as_utc(due_at),
                    trainee_link(assessment, cohort.id))
            for assessment, cohort, due_at in rows]


def _valid_certificates(user_id: int, today: date) -> int:
    return db.session.scalar(select(func.count(Certificate.id)).where(
        Certificate.user_id == user_id, current_filter(today))) or 0


def _tracks_in_progress(user: User, today: date) -> list[Track]:
    """The user's tracks without a certificate valid today: two queries."""
    tracks = trainee_tracks(user)
    if not tracks:
        return []
    certified = set(db.session.scalars(select(Certificate.track_id).where(
        Certificate.user_id == user.id, Certificate.kind == CertificateKind.TRACK,
        Certificate.track_id.in_([t.id for t in tracks]), current_filter(today))))
    return [t for t in tracks if t.id not in certified]


def trainee_home(user: User, now: datetime, today: date) -> TraineeHome | None:
    """The trainee part, or None for someone never enrolled: at most thirteen queries."""
    learning = dashboard(user.id)
    if not learning:
        return None
    active = [row for row in learning
              if row.enrolment.status in (EnrolmentStatus.ACTIVE, EnrolmentStatus.INVITED)]
    return TraineeHome(learning=active, due=_due_soon(user.id, now),
                       certificates=_valid_certificates(user.id, today),
                       tracks=_tracks_in_progress(user, today))


# ---------------------------------------------------------------- instructor

@dataclass(frozen=True)
class ObservationDue:
    cohort: Cohort
    assessment: Assessment
    trainees: int


@dataclass
class TeachingHome:
    to_grade: int
    observations: list[ObservationDue]
    sessions_today: list[AttendanceSession]
    hours_to_approve: int
    is_instructor: bool

    @property
    def to_observe(self) -> int:
        return sum(row.trainees for row in self.observations)

    @property
    def urgent(self) -> int:
        return (self.to_grade + self.to_observe + len(self.sessions_today)
                + self.hours_to_approve)


def _observations_due(cohort_ids: list[int], today: date) -> list[ObservationDue]:
    """Per started cohort and observation checklist: seated trainees without a result
    yet. Three queries (rows, then the translations of courses and assessments)."""
    if not cohort_ids:
        return []
    waiting = func.count(Enrolment.id).label("waiting")
    rows = db.session.execute(
        select(Cohort, Assessment, waiting)
        .join(Course, Course.id == Cohort.course_id)
        .join(Assessment, Assessment.course_id == Course.id)
        .join(Enrolment, Enrolment.cohort_id == Cohort.id)
        .outerjoin(Grade, and_(Grade.assessment_id == Assessment.id,
                               Grade.enrolment_id == Enrolment.id))
        .where(Cohort.id.in_(cohort_ids), Cohort.starts_on <= today,
               Assessment.kind == AssessmentKind.OBSERVATION,
               Assessment.published.is_(True),
               Enrolment.status.in_(SEATED), Grade.id.is_(None))
        .group_by(Cohort.id, Assessment.id, Course.id)
        .options(contains_eager(Cohort.course).selectinload(Course.translations),
                 contains_eager(Assessment.course),
                 selectinload(Assessment.translations))
        .order_by(Cohort.starts_on, Cohort.id, Assessment.position, Assessment.id))
    return [ObservationDue(cohort, assessment, number)
            for cohort, assessment, number in rows.unique().all()]


def _sessions_today(cohort_ids: list[int], today: date) -> list[AttendanceSession]:
    """Today's attendance sessions (UTC day) of these cohorts with nobody marked yet."""
    if not cohort_ids:
        return []
    start = datetime.combine(today, time.min, tzinfo=clock.UTC)
    marked = select(AttendanceRecord.session_id).where(
        AttendanceRecord.session_id == AttendanceSession.id)
    return list(db.session.scalars(
        select(AttendanceSession)
        .where(AttendanceSession.cohort_id.in_(cohort_ids),
               AttendanceSession.starts_at >= start,
               AttendanceSession.starts_at < start + timedelta(days=1),
               ~marked.exists())
        .options(joinedload(AttendanceSession.cohort))
        .order_by(AttendanceSession.starts_at, AttendanceSession.id)))


def teaching_home(user: User, today: date) -> TeachingHome | None:
    """Work waiting for an instructor (or a coordinator): grading, observations,
    today's registers and hours to approve; eight queries at most."""
    if not (user.is_instructor or user.coordinated_program_ids):
        return None
    cohort_ids = sorted(user.taught_cohort_ids)
    # The queues' own reads, one row long: their totals are what the pages list.
    return TeachingHome(
        to_grade=grading_queue(user, 1, per_page=1).total or 0,
        observations=_observations_due(cohort_ids, today),
        sessions_today=_sessions_today(cohort_ids, today),
        hours_to_approve=supervision_queue(user, 1, per_page=1).total or 0,
        is_instructor=user.is_instructor)


# ---------------------------------------------------------------- coordinator

@dataclass(frozen=True)
class CohortLine:
    cohort: Cohort
    seats_taken: int
    running: bool
    open_today: bool


@dataclass
class CoordinatorHome:
    cohorts: list[CohortLine]

    @property
    def urgent(self) -> int:
        return 0  # nothing here waits on the coordinator; the section comes after


def coordinator_home(user: User, today: date) -> CoordinatorHome | None:
    """Cohorts of the coordinated programs that are running or open for enrolment,
    with seats taken: three queries."""
    program_ids = sorted(user.coordinated_program_ids)
    if not program_ids:
        return None
    running = and_(Cohort.starts_on <= today, Cohort.ends_on >= today)
    open_now = and_(Cohort.self_enrolment.is_(True),
                    or_(Cohort.enrol_opens_on.is_(None), Cohort.enrol_opens_on <= today),
                    func.coalesce(Cohort.enrol_closes_on, Cohort.ends_on) >= today)
    cohorts = list(db.session.scalars(
        select(Cohort).join(Cohort.course)
        .where(Course.program_id.in_(program_ids), or_(running, open_now))
        .options(contains_eager(Cohort.course).selectinload(Course.translations))
        .order_by(Cohort.starts_on, Cohort.code)))
    taken = seats_taken([c.id for c in cohorts])
    return CoordinatorHome([
        CohortLine(c, taken.get(c.id, 0), c.starts_on <= today <= c.ends_on,
                   c.enrolment_open_on(today)) for c in cohorts])


# ---------------------------------------------------------------- officer

@dataclass
class OfficerHome:
    tracks: list[Track]
    eligible: dict[int, int]
    recent: list[Certificate]
    recent_count: int
    expiring: list[Certificate]
    expiring_count: int

    @property
    def eligible_total(self) -> int:
        return sum(self.eligible.values())

    @property
    def urgent(self) -> int:
        return self.eligible_total + self.expiring_count


def officer_home(user: User, today: date) -> OfficerHome | None:
    """Per track of the user's bodies, the eligible trainees waiting; the bodies'
    recent certificates and those expiring soon: fourteen queries at most."""
    body_ids = sorted(user.body_ids)
    if not body_ids:
        return None
    tracks = list(db.session.scalars(
        select(Track).where(Track.certifying_body_id.in_(body_ids))
        .options(joinedload(Track.certifying_body)).order_by(Track.code)))
    issued_by_body = Certificate.issuer_id.in_(body_ids)
    recent_filter = and_(issued_by_body, Certificate.issued_on >= today - RECENTLY)
    expiring_filter = and_(issued_by_body, current_filter(today),
                           Certificate.expires_on.is_not(None),
                           Certificate.expires_on <= today + EXPIRING_WITHIN)
    counts = db.session.execute(select(
        select(func.count(Certificate.id)).where(recent_filter).scalar_subquery(),
        select(func.count(Certificate.id)).where(expiring_filter).scalar_subquery())).one()
    recent = list(db.session.scalars(
        select(Certificate).where(recent_filter).options(joinedload(Certificate.user))
        .order_by(Certificate.issued_on.desc(), Certificate.id.desc()).limit(SHOWN)))
    expiring = list(db.session.scalars(
        select(Certificate).where(expiring_filter).options(joinedload(Certificate.user))
        .order_by(Certificate.expires_on, Certificate.id).limit(SHOWN)))
    return OfficerHome(tracks=tracks, eligible=eligible_counts(tracks, today), recent=recent,
                       recent_count=counts[0] or 0, expiring=expiring,
                       expiring_count=counts[1] or 0)


# ---------------------------------------------------------------- national focal point

@dataclass(frozen=True)
class FocalPointHome:
    cohorts: list[FocalCohort]

    @property
    def urgent(self) -> int:
        """Open cohorts where the country has seats nobody is nominated for yet."""
        return sum(1 for row in self.cohorts
                   if row.open and row.seats.accepted + row.seats.pending < row.seats.seats)


def focal_point_home(user: User, today: date) -> FocalPointHome | None:
    """The cohorts by nomination the user nominates to (nomination_queries); none
    at all for someone who is no focal point."""
    if not user.is_focal_point:
        return None
    return FocalPointHome(focal_cohorts(user, today))


# ---------------------------------------------------------------- observer

@dataclass(frozen=True)
class ObserverHome:
    programs: list[Program]
    urgent: int = field(default=0)  # figures to read, nothing waiting on them


def observer_home(user: User) -> ObserverHome | None:
    """The programs whose figures the user observes: two queries (the programs, their
    translations), none at all for someone who observes nothing."""
    program_ids = sorted(user.observed_program_ids)
    if not program_ids:
        return None
    return ObserverHome(list(db.session.scalars(
        select(Program).where(Program.id.in_(program_ids)).order_by(Program.code))))


# ---------------------------------------------------------------- administrator

@dataclass(frozen=True)
class AdminHome:
    accounts: int
    active_accounts: int
    institutions: int
    bodies: int
    urgent: int = field(default=0)


def admin_home(user: User) -> AdminHome | None:
    """Counts of accounts, institutions and certifying bodies: one query."""
    if not user.is_admin:
        return None
    row = db.session.execute(select(
        select(func.count(User.id)).scalar_subquery(),
        select(func.count(User.id)).where(User.active.is_(True)).scalar_subquery(),
        select(func.count(Institution.id)).scalar_subquery(),
        select(func.count(Institution.id))
        .where(Institution.kind == InstitutionKind.CERTIFYING_BODY).scalar_subquery())).one()
    return AdminHome(*(number or 0 for number in row))
