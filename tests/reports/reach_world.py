"""A small world for the reach figures, its counts worked out by hand in the tests.

Program P (courses A: 20 h online, B: 10 h face-to-face) and program Q (course Z: 5 h).
Cohorts: a_mx (A, Mexico, starts 2026-02-01), a_co (A, Colombia, 2026-04-01, Spanish),
b_mx (B, Mexico, 2025-11-01), z_mx (Z, Mexico, 2026-03-01).

People: f1, f2 female; m1, m2 male; o1 another gender; u1 not stated.
Institutions: police (f1, m1, o1), university (f2, u1); m2 has none.

Enrolments (status, what shows a start):
  a_mx: f1 completed 2026-03-10, m1 failed, u1 withdrawn, o1 active with a lesson
        completed, m2 invited
  a_co: f2 completed 2026-05-20, f1 active (nothing opened)
  b_mx: f1 completed 2025-12-20, m1 active with a lesson opened
  z_mx: m2 completed 2026-04-05, u1 on the waiting list (not counted)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from lms.accounts.models import Institution, User
from lms.catalog.models import Course, Program
from lms.cohorts.models import Cohort, EnrolmentStatus, LessonCompletion
from lms.extensions import db
from tests.factories import (
    enrol,
    make_cohort,
    make_coordinator,
    make_course,
    make_institution,
    make_program,
    make_user,
)

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


@dataclass
class World:
    p: Program
    q: Program
    a: Course
    b: Course
    z: Course
    a_mx: Cohort
    a_co: Cohort
    b_mx: Cohort
    z_mx: Cohort
    police: Institution
    university: Institution
    people: dict[str, User]
    coordinator: User


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=10, tzinfo=UTC)


def build_world() -> World:
    p, q = make_program(), make_program()
    a = make_course(p, hours=20, modality="online", lessons=1)
    b = make_course(p, hours=10, modality="face_to_face", lessons=1)
    z = make_course(q, hours=5, lessons=0)
    a_mx = make_cohort(a, country="MX", starts=date(2026, 2, 1))
    a_co = make_cohort(a, country="CO", starts=date(2026, 4, 1), language="es")
    b_mx = make_cohort(b, country="MX", starts=date(2025, 11, 1))
    z_mx = make_cohort(z, country="MX", starts=date(2026, 3, 1))
    police = make_institution("Policía Federal", kind="police")
    university = make_institution("Universidad Nacional", kind="university", country="CO")
    people = {
        "f1": make_user(gender="female", institution_id=police.id),
        "f2": make_user(gender="female", institution_id=university.id, country="CO"),
        "m1": make_user(gender="male", institution_id=police.id),
        "m2": make_user(gender="male"),
        "o1": make_user(gender="other", institution_id=police.id),
        "u1": make_user(institution_id=university.id),
    }

    def add(cohort, who, status, completed=None):
        enrolment = enrol(cohort, people[who], status=status)
        if completed:
            enrolment.completed_at = at(completed)
        return enrolment

    add(a_mx, "f1", EnrolmentStatus.COMPLETED, "2026-03-10")
    add(a_mx, "m1", EnrolmentStatus.FAILED)
    add(a_mx, "u1", EnrolmentStatus.WITHDRAWN)
    o1 = add(a_mx, "o1", EnrolmentStatus.ACTIVE)
    db.session.add(LessonCompletion(enrolment_id=o1.id,
                                    lesson_id=a.modules[0].lessons[0].id))
    add(a_mx, "m2", EnrolmentStatus.INVITED)
    add(a_co, "f2", EnrolmentStatus.COMPLETED, "2026-05-20")
    add(a_co, "f1", EnrolmentStatus.ACTIVE)
    add(b_mx, "f1", EnrolmentStatus.COMPLETED, "2025-12-20")
    opened = add(b_mx, "m1", EnrolmentStatus.ACTIVE)
    opened.last_lesson_id = b.modules[0].lessons[0].id
    add(z_mx, "m2", EnrolmentStatus.COMPLETED, "2026-04-05")
    add(z_mx, "u1", EnrolmentStatus.WAITLISTED)  # counted nowhere
    db.session.flush()
    return World(p=p, q=q, a=a, b=b, z=z, a_mx=a_mx, a_co=a_co, b_mx=b_mx, z_mx=z_mx,
                 police=police, university=university, people=people,
                 coordinator=make_coordinator(p))
