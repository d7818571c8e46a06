"""A small world for the evaluation tests: a program, a course, a cohort, its people."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from lms.catalog.models import Course, CourseTranslation, Program
from lms.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from lms.evaluations.models import (
    EvaluationAnswer,
    EvaluationReceipt,
    EvaluationResponse,
    EvaluationTemplate,
)
from lms.extensions import db
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
    coordinator: object
    other_coordinator: object
    trainee: object  # Spanish-speaking, course completed
    enrolment: Enrolment
    learner: object  # still active
    active_enrolment: Enrolment


def make_world() -> World:
    program = make_program()
    course = make_course(program, title="Fire safety basics", lessons=1)
    course.translations.append(CourseTranslation(locale="es", title="Seguridad contra incendios",
                                                 summary=""))
    cohort = make_cohort(course)
    trainee = make_user(full_name="Ana Trainee", locale="es", email="ana@example.org")
    learner = make_user(full_name="Leo Learner")
    world = World(program=program, course=course, cohort=cohort,
                  coordinator=make_coordinator(program),
                  other_coordinator=make_coordinator(make_program()),
                  trainee=trainee, enrolment=enrol(cohort, trainee, EnrolmentStatus.COMPLETED),
                  learner=learner, active_enrolment=enrol(cohort, learner))
    db.session.flush()
    return world


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def counts() -> tuple[int, int, int, int]:
    """Templates, responses, answers, receipts: what answering may change."""
    return (count(EvaluationTemplate), count(EvaluationResponse), count(EvaluationAnswer),
            count(EvaluationReceipt))
