"""Helpers for the observation and attendance tests: a small world and fast sign-in."""

from __future__ import annotations

from dataclasses import dataclass

from lms.assessments.models import Assessment, AssessmentKind
from lms.assessments.observations.models import ObservationItem
from lms.audit.models import AuditLog
from lms.catalog.models import Course, Program
from lms.cohorts.models import Cohort, Enrolment
from lms.extensions import db
from tests.assessments.factories import make_assessment
from tests.conftest import sign_in_quickly as login
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
    cohort: Cohort
    other_cohort: Cohort
    instructor: object
    other_instructor: object
    coordinator: object
    other_coordinator: object
    trainee: object
    enrolment: Enrolment
    other_trainee: object
    other_enrolment: Enrolment  # in other_cohort


def make_world(*, modality: str = "face_to_face") -> World:
    program = make_program()
    course = make_course(program, lessons=1, modality=modality)
    instructor = make_user(full_name="Ines Instructor")
    other_instructor = make_user(full_name="Otto Instructor")
    cohort = make_cohort(course, instructors=[instructor])
    other_cohort = make_cohort(course, instructors=[other_instructor])
    trainee = make_user(full_name="Ana Trainee")
    other_trainee = make_user(full_name="Bruno Trainee")
    return World(program=program, course=course, cohort=cohort, other_cohort=other_cohort,
                 instructor=instructor, other_instructor=other_instructor,
                 coordinator=make_coordinator(program),
                 other_coordinator=make_coordinator(make_program()),
                 trainee=trainee, enrolment=enrol(cohort, trainee),
                 other_trainee=other_trainee, other_enrolment=enrol(other_cohort, other_trainee))


def make_checklist(course: Course, texts: list[str], *, pass_mark: int = 70) -> Assessment:
    assessment = make_assessment(course, AssessmentKind.OBSERVATION, title="Skills checklist",
                                 pass_mark=pass_mark)
    for position, text in enumerate(texts, start=1):
        db.session.add(ObservationItem(assessment=assessment, position=position, text=text))
    db.session.flush()
    return assessment


def audit_actions(prefix: str) -> list[str]:
    return list(db.session.scalars(
        db.select(AuditLog.action).where(AuditLog.action.like(f"{prefix}%"))
        .order_by(AuditLog.id)))


# ---------------------------------------------------------------- permission matrices

ROLES = ["anonymous", "trainee", "other_trainee", "instructor", "other_instructor",
         "coordinator", "other_coordinator", "admin"]
TEACHERS_OF_A = {"instructor", "coordinator", "admin"}
MANAGERS = {"coordinator", "admin"}


def user_for(world: World, role: str):
    if role == "admin":
        return make_user(admin=True)
    return getattr(world, role)


def check_matrix(client, world: World, role: str, gets: list[tuple[str, set[str]]],
                 posts: list[tuple[str, set[str]]]) -> None:
    """Each role gets 200 where listed, 403 elsewhere; anonymous is sent to log in.

    POSTs carry a valid CSRF token and empty data: allowed roles may be refused for
    their input (422) but never with 403.
    """
    from tests.conftest import submit

    if role != "anonymous":
        login(client, user_for(world, role))
    for url, allowed in gets:
        status = client.get(url).status_code
        expected = 200 if role in allowed else 302 if role == "anonymous" else 403
        assert status == expected, (role, "GET", url, status)
    for url, allowed in posts:
        status = submit(client, url, {}, form_url="/courses").status_code
        if role in allowed:
            assert status in (302, 422), (role, "POST", url, status)
        else:
            assert status == (302 if role == "anonymous" else 403), (role, "POST", url, status)
