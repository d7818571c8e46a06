"""How certification reacts to what the floors below announce (lms.kernel.events).

Connected once by ``create_app``; each receiver runs in the announcer's
transaction, so a certificate issued because of a grade is committed (or rolled
back) with that grade.
"""

from __future__ import annotations

from sqlalchemy import exists, select

from lms.catalog.models import Course
from lms.certification import issuance
from lms.certification.tracks.models import track_competencies, track_courses
from lms.cohorts.models import Enrolment
from lms.competencies.models import Competency, Signoff
from lms.extensions import db
from lms.kernel import events


def _result_changed(enrolment: Enrolment, *, actor) -> None:
    # The course certificate follows the course result; tracks may now be complete.
    issuance.enrolment_result_changed(enrolment, actor)


def _signoff_changed(signoff: Signoff, *, actor) -> None:
    # A new sign-off may complete an auto-issue track. A withdrawn one revokes nothing:
    # a certificate, once issued, is an officer's to revoke.
    issuance.progress_changed(signoff.user_id, actor)


def _hours_decided(log, *, actor) -> None:
    # Approved practice hours may complete an auto-issue track.
    issuance.progress_changed(log.user_id, actor)


def _competency_referenced(competency: Competency) -> bool:
    return bool(db.session.scalar(select(
        exists().where(track_competencies.c.competency_id == competency.id))))


def _required_by_course(course: Course):
    # The competencies of every track that requires the course.
    return select(track_competencies.c.competency_id).join(
        track_courses, track_courses.c.track_id == track_competencies.c.track_id).where(
        track_courses.c.course_id == course.id)


def connect() -> None:
    """Subscribe certification to the events it reacts to (idempotent)."""
    # weak=False: the receivers are module functions, and a signal must never lose one.
    events.enrolment_result_changed.connect(_result_changed, weak=False)
    events.competency_signed_off.connect(_signoff_changed, weak=False)
    events.competency_withdrawn.connect(_signoff_changed, weak=False)
    events.hours_decided.connect(_hours_decided, weak=False)
    events.competency_referenced.connect(_competency_referenced, weak=False)
    events.competencies_required_by_course.connect(_required_by_course, weak=False)
