"""Score figures from the people sets, held to the statement they replaced
(``tests/reports/scores_oracle.py``), in random worlds and after each change to grades."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import delete, update

from lms.assessments.models import Assessment, AssessmentKind, Grade
from lms.cohorts.models import EnrolmentStatus
from lms.extensions import db
from lms.reports import people
from lms.reports.filters import UNSTATED, ReportFilter, Scope
from tests.factories import (
    enrol,
    make_cohort,
    make_course,
    make_institution,
    make_program,
    make_user,
)
from tests.reports.scores_oracle import oracle_scores, set_scores

EVERYTHING = Scope(everything=True)


def _assessment(course, kind: str, position: int) -> Assessment:
    made = Assessment(course=course, kind=kind, title=f"{kind} {position}",
                      pass_mark=Decimal(60), position=position)
    db.session.add(made)
    db.session.flush()
    return made


def build(seed: int) -> dict:
    rng = random.Random(seed)
    program, other = make_program(), make_program()
    courses = [make_course(program, hours=10), make_course(program, hours=20),
               make_course(other, hours=5)]
    cohorts = [make_cohort(course, country=rng.choice(["MX", "CO"]),
                           starts=date(2025 + n % 2, 1 + n, 1))
               for n, course in enumerate(courses * 2)]
    assessments = {course.id: [_assessment(course, kind, n) for n, kind in enumerate(
        (AssessmentKind.QUIZ, AssessmentKind.ASSIGNMENT, AssessmentKind.ATTENDANCE))]
        for course in courses}
    institutions = [make_institution(f"Institución {n}") for n in range(2)]
    persons = [make_user(gender=rng.choice(["female", "male", None]),
                         institution=rng.choice([*institutions, None])) for _n in range(24)]
    grades = []
    for person in persons:
        for cohort in rng.sample(cohorts, rng.randint(1, 3)):
            enrolment = enrol(cohort, person, status=rng.choice(
                [EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED, EnrolmentStatus.FAILED]))
            db.session.flush()
            for assessment in assessments[cohort.course_id]:
                if rng.random() < 0.8:
                    percent = Decimal(rng.choice([0, 9.99, 10, 55, 59.5, 60, 89.99, 90, 100]))
                    grade = Grade(assessment_id=assessment.id, enrolment_id=enrolment.id,
                                  percent=percent, passed=percent >= 60)
                    db.session.add(grade)
                    grades.append(grade)
    db.session.flush()
    return {"program": program, "courses": courses, "cohorts": cohorts,
            "institutions": institutions, "grades": grades}


def filters_of(world: dict) -> list[ReportFilter]:
    return [ReportFilter(), ReportFilter(program_id=world["program"].id),
            ReportFilter(course_id=world["courses"][1].id), ReportFilter(country="MX"),
            ReportFilter(gender="female"), ReportFilter(gender=UNSTATED),
            ReportFilter(institution_id=world["institutions"][0].id),
            ReportFilter(start=date(2025, 1, 1), end=date(2025, 12, 31), gender="male")]


def assert_same(world: dict, scope: Scope = EVERYTHING) -> None:
    for filters in filters_of(world):
        assert set_scores(filters, scope) == oracle_scores(filters, scope), filters


@pytest.fixture
def now(frozen_clock):
    frozen_clock.set(datetime(2026, 6, 15, 12, tzinfo=UTC))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_scores_match_the_statement(database, now, seed):
    world = build(seed)
    assert_same(world)
    assert_same(world, Scope(program_ids=frozenset({world["program"].id})))


def test_the_scores_take_in_each_change_to_grades(database, now):
    world = build(4)
    people.refresh()
    graded = [g for g in world["grades"]]
    graded[0].percent, graded[0].passed = Decimal(95), True
    db.session.commit()
    assert_same(world)
    db.session.delete(graded[1])
    db.session.commit()
    assert_same(world)
    # A bulk regrade, as a pass mark change might make.
    db.session.execute(update(Grade).where(Grade.percent < 60).values(percent=Decimal(61),
                                                                       passed=True))
    db.session.commit()
    assert_same(world)
    db.session.execute(delete(Grade).where(Grade.percent > 90))
    db.session.commit()
    assert_same(world)
    # A quiz turned into attendance leaves the figures; deleted, it takes its grades along.
    quiz = db.session.get(Assessment, graded[2].assessment_id)
    quiz.kind = AssessmentKind.ATTENDANCE
    db.session.commit()
    assert_same(world)
    db.session.delete(db.session.get(Assessment, graded[3].assessment_id))
    db.session.commit()
    assert_same(world)
