"""What an officer reads before certifying: the facts behind each requirement of a track.

``progress`` says whether a requirement is met; this module loads why, for a page of
trainees at once (a constant number of queries whatever their number): each required
course's completion with its assessment scores and observation results, the approved
hours, and the sign-offs with their assessor and date.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from lms.accounts.models import User
from lms.assessments.models import Assessment, Grade
from lms.assessments.observations.models import Observation, ObservationItem
from lms.certification.tracks.models import HoursKind, HoursLog, HoursStatus, Track
from lms.certification.tracks.progress import RequirementKind, TrackProgress
from lms.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from lms.competencies.models import Signoff
from lms.extensions import db


@dataclass
class CourseCompletion:
    """One completed enrolment in a required course, with its grades and observations."""

    enrolment_id: int
    cohort_code: str
    completed_at: datetime | None
    grades: list[Grade] = field(default_factory=list)
    # (checklist item, its observation), in the checklist's order
    observations: list[tuple[ObservationItem, Observation]] = field(default_factory=list)


@dataclass
class Evidence:
    """Everything behind one trainee's requirements, keyed as the template needs it."""

    # {course id: completions of that course, newest first}
    completions: dict[int, list[CourseCompletion]] = field(default_factory=dict)
    # {competency id: active sign-offs, newest first}
    signoffs: dict[int, list[Signoff]] = field(default_factory=dict)
    practice_logs: list[HoursLog] = field(default_factory=list)

    @property
    def practice_total(self) -> Decimal:
        return sum((log.hours for log in self.practice_logs), Decimal(0))


def _completions(course_ids: Sequence[int], user_ids: Sequence[int]
                 ) -> dict[tuple[int, int], list[CourseCompletion]]:
    """{(user id, course id): completions}: three queries (enrolments, grades, observations)."""
    if not course_ids:
        return {}
    rows = db.session.execute(
        select(Enrolment.id, Enrolment.user_id, Cohort.course_id, Cohort.code,
               Enrolment.completed_at)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(Enrolment.user_id.in_(user_ids), Cohort.course_id.in_(course_ids),
               Enrolment.status == EnrolmentStatus.COMPLETED)).all()
    found: dict[tuple[int, int], list[CourseCompletion]] = defaultdict(list)
    by_enrolment: dict[int, CourseCompletion] = {}
    for enrolment_id, user_id, course_id, code, completed_at in rows:
        completion = CourseCompletion(enrolment_id, code, completed_at)
        found[(user_id, course_id)].append(completion)
        by_enrolment[enrolment_id] = completion
    if not by_enrolment:
        return {}
    grades = db.session.scalars(
        select(Grade).where(Grade.enrolment_id.in_(list(by_enrolment)))
        .join(Assessment, Assessment.id == Grade.assessment_id)
        .order_by(Assessment.position, Assessment.id)
        .options(joinedload(Grade.assessment).selectinload(Assessment.translations)))
    for grade in grades:
        by_enrolment[grade.enrolment_id].grades.append(grade)
    observed = db.session.execute(
        select(Observation, ObservationItem)
        .join(ObservationItem, ObservationItem.id == Observation.item_id)
        .where(Observation.enrolment_id.in_(list(by_enrolment)))
        .order_by(ObservationItem.assessment_id, ObservationItem.position, ObservationItem.id)
        .options(joinedload(Observation.assessor),
                 selectinload(ObservationItem.translations)))
    for observation, item in observed:
        by_enrolment[observation.enrolment_id].observations.append((item, observation))
    for completions in found.values():
        completions.sort(key=lambda c: (c.completed_at is not None, c.completed_at),
                         reverse=True)
    return found


def _signoffs(competency_ids: Sequence[int], user_ids: Sequence[int]
              ) -> dict[tuple[int, int], list[Signoff]]:
    if not competency_ids:
        return {}
    found: dict[tuple[int, int], list[Signoff]] = defaultdict(list)
    for signoff in db.session.scalars(
            select(Signoff).where(Signoff.user_id.in_(user_ids),
                                  Signoff.competency_id.in_(competency_ids),
                                  Signoff.withdrawn_at.is_(None))
            .order_by(Signoff.signed_at.desc(), Signoff.id.desc())
            .options(joinedload(Signoff.assessor))):
        found[(signoff.user_id, signoff.competency_id)].append(signoff)
    return found


def _practice_logs(track: Track, user_ids: Sequence[int]) -> dict[int, list[HoursLog]]:
    found: dict[int, list[HoursLog]] = defaultdict(list)
    if not track.practice_hours:
        return found
    for log in db.session.scalars(
            select(HoursLog).where(HoursLog.track_id == track.id,
                                   HoursLog.user_id.in_(user_ids),
                                   HoursLog.kind == HoursKind.PRACTICE,
                                   HoursLog.status == HoursStatus.APPROVED)
            .order_by(HoursLog.worked_on, HoursLog.id)
            .options(joinedload(HoursLog.supervisor), joinedload(HoursLog.decided_by))):
        found[log.user_id].append(log)
    return found


def evidence_for(track: Track, rows: Sequence[TrackProgress]) -> dict[int, Evidence]:
    """{user id: Evidence} for the trainees of ``rows`` (a page of ``progress`` results)."""
    users: list[User] = [row.user for row in rows]
    if not users:
        return {}
    user_ids = [user.id for user in users]
    requirements = rows[0].requirements
    course_ids = [r.object_id for r in requirements
                  if r.kind == RequirementKind.COURSE and r.object_id is not None]
    competency_ids = [r.object_id for r in requirements
                      if r.kind == RequirementKind.COMPETENCY and r.object_id is not None]
    completions = _completions(course_ids, user_ids)
    signoffs = _signoffs(competency_ids, user_ids)
    logs = _practice_logs(track, user_ids)
    return {user_id: Evidence(
        completions={c: completions.get((user_id, c), []) for c in course_ids},
        signoffs={c: signoffs.get((user_id, c), []) for c in competency_ids},
        practice_logs=logs.get(user_id, [])) for user_id in user_ids}
