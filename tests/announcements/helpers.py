"""A small world for the announcement tests: one program, two running cohorts and one
that is over, their instructors and trainees, and people who must read nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from lms.accounts.models import User
from lms.announcements.models import Announcement, AnnouncementTranslation
from lms.audit.models import AuditLog
from lms.catalog.models import Course, CourseTranslation, Program
from lms.cohorts.models import Cohort, EnrolmentStatus
from lms.extensions import db
from lms.kernel import clock
from tests.factories import (
    enrol,
    make_cohort,
    make_coordinator,
    make_course,
    make_program,
    make_user,
)


@dataclass
class World:
    program: Program
    course: Course
    cohort: Cohort  # running or to come: ana (Spanish) and its instructor
    other_cohort: Cohort  # the same program: ben and his instructor
    past_cohort: Cohort  # over: olga
    coordinator: User
    stranger_coordinator: User  # coordinates another program
    instructor: User
    other_instructor: User
    ana: User  # Spanish-speaking trainee of ``cohort``
    ben: User  # English-speaking trainee of ``other_cohort``
    olga: User  # trainee of the past cohort
    waiting: User  # on ``cohort``'s waiting list: no seat
    outsider: User


def make_world() -> World:
    program = make_program(code="PICAP")
    course = make_course(program, title="Crime scene basics", lessons=1)
    course.translations.append(CourseTranslation(locale="es", title="Escena del crimen",
                                                 summary=""))
    instructor = make_user(full_name="Irene Instructor")
    other_instructor = make_user(full_name="Oscar Instructor")
    cohort = make_cohort(course, code="BOG-2027", instructors=[instructor])
    other_cohort = make_cohort(course, code="LIM-2027", instructors=[other_instructor])
    past_cohort = make_cohort(course, code="OLD-2025",
                              starts=clock.today(clock.UTC) - timedelta(days=200))
    ana = make_user(full_name="Ana Trainee", locale="es")
    ben = make_user(full_name="Ben Trainee")
    olga = make_user(full_name="Olga Former")
    waiting = make_user(full_name="Wanda Waiting")
    enrol(cohort, ana)
    enrol(other_cohort, ben)
    enrol(past_cohort, olga, EnrolmentStatus.COMPLETED)
    enrol(cohort, waiting, EnrolmentStatus.WAITLISTED)
    world = World(program=program, course=course, cohort=cohort, other_cohort=other_cohort,
                  past_cohort=past_cohort, coordinator=make_coordinator(program),
                  stranger_coordinator=make_coordinator(make_program()),
                  instructor=instructor, other_instructor=other_instructor, ana=ana, ben=ben,
                  olga=olga, waiting=waiting, outsider=make_user(full_name="Otto Outsider"))
    db.session.flush()
    return world


def counts() -> tuple[int, int, int]:
    """Announcements, their translations, audit entries: what a write may change."""
    db.session.expire_all()
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Announcement, AnnouncementTranslation, AuditLog))
