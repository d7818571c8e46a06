"""A small world with one user of every role, shared by the cross-domain web tests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.factories import (
    enrol,
    make_cohort,
    make_coordinator,
    make_course,
    make_program,
    make_user,
)

ROLES = ["anonymous", "trainee", "other_trainee", "instructor", "other_instructor",
         "coordinator", "other_coordinator", "admin"]


@dataclass
class World:
    ids: dict[str, object]
    users: dict[str, object]


@pytest.fixture
def world(database) -> World:
    program = make_program(code="PRM")
    other_program = make_program(code="OTH")
    course = make_course(program, code="PRM-101", lessons=2)
    module = course.modules[0]
    lesson = module.lessons[0]
    instructor = make_user(email="instructor@example.org")
    other_instructor = make_user(email="other.instructor@example.org")
    cohort_a = make_cohort(course, code="PRM-101-A", instructors=[instructor])
    cohort_b = make_cohort(course, code="PRM-101-B", instructors=[other_instructor])
    trainee = make_user(email="trainee@example.org")
    other_trainee = make_user(email="other.trainee@example.org")
    enrolment = enrol(cohort_a, trainee)
    enrol(cohort_b, other_trainee)
    users = {
        "trainee": trainee,
        "other_trainee": other_trainee,
        "instructor": instructor,
        "other_instructor": other_instructor,
        "coordinator": make_coordinator(program, email="coordinator@example.org"),
        "other_coordinator": make_coordinator(other_program, email="other.coord@example.org"),
        "admin": make_user(email="admin@example.org", admin=True),
    }
    ids = {"program": program.id, "course": course.id, "code": course.code,
           "module": module.id, "lesson": lesson.id, "cohort": cohort_a.id,
           "enrolment": enrolment.id}
    return World(ids, users)


