"""The met rule: a sign-off, or every piece of evidence; partial evidence is not enough."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lms.assessments.grades import set_grade
from lms.assessments.observations.models import Observation, ObservationItem, ObservationResult
from lms.competencies.queries import met_competencies
from lms.extensions import db
from lms.kernel import clock
from tests.assessments.factories import make_assessment
from tests.competencies.factories import add_evidence, make_framework, sign_off
from tests.factories import enrol, make_cohort, make_course, make_program, make_user


@pytest.fixture
def world(database):
    program = make_program()
    course = make_course(program)
    cohort = make_cohort(course)
    framework = make_framework(program, competencies=3)
    c1, c2, c3 = framework.competencies
    quiz = make_assessment(course, "quiz", title="Knowledge test")
    essay = make_assessment(course, "assignment", title="Case study")
    observation = make_assessment(course, "observation", title="Skills")
    item = ObservationItem(assessment=observation, position=1, text="Greets the client",
                           competency_id=c2.id)
    db.session.add(item)
    db.session.flush()
    add_evidence(quiz, c1, 70)
    add_evidence(essay, c1, 50)
    add_evidence(quiz, c2, 60)
    assessor = make_user()
    return {"course": course, "cohort": cohort, "c1": c1, "c2": c2, "c3": c3, "quiz": quiz,
            "essay": essay, "item": item, "assessor": assessor}


def _observe(item, enrolment, result, observed_on):
    db.session.add(Observation(item_id=item.id, enrolment_id=enrolment.id, result=result,
                               observed_on=observed_on))
    db.session.flush()


def _met(user, world):
    ids = [world["c1"].id, world["c2"].id, world["c3"].id]
    return met_competencies([user.id], ids)[user.id]


def test_nothing_met_without_grades(world):
    user = enrol(world["cohort"]).user
    assert _met(user, world) == set()


def test_all_evidence_meets_and_partial_evidence_does_not(world):
    enrolment = enrol(world["cohort"])
    set_grade(world["quiz"], enrolment, 80, actor=None)
    # C1 needs the essay too; C2 needs the observation item too.
    assert _met(enrolment.user, world) == set()
    set_grade(world["essay"], enrolment, 50, actor=None)
    assert _met(enrolment.user, world) == {world["c1"].id}
    _observe(world["item"], enrolment, ObservationResult.MET, clock.today(clock.UTC))
    assert _met(enrolment.user, world) == {world["c1"].id, world["c2"].id}


def test_a_grade_below_the_minimum_score_does_not_meet(world):
    enrolment = enrol(world["cohort"])
    set_grade(world["quiz"], enrolment, 69.99, actor=None)
    set_grade(world["essay"], enrolment, 100, actor=None)
    assert world["c1"].id not in _met(enrolment.user, world)


def test_a_grade_in_another_enrolment_counts(world):
    user = make_user()
    first = enrol(world["cohort"], user)
    second = enrol(make_cohort(world["course"]), user)
    set_grade(world["quiz"], first, 40, actor=None)
    set_grade(world["quiz"], second, 90, actor=None)
    set_grade(world["essay"], first, 60, actor=None)
    assert world["c1"].id in _met(user, world)


def test_the_latest_observation_decides(world):
    user = make_user()
    first = enrol(world["cohort"], user)
    second = enrol(make_cohort(world["course"]), user)
    set_grade(world["quiz"], first, 90, actor=None)
    today = clock.today(clock.UTC)
    _observe(world["item"], first, ObservationResult.MET, today - timedelta(days=30))
    _observe(world["item"], second, ObservationResult.NOT_YET, today)
    assert world["c2"].id not in _met(user, world)


def test_a_competency_without_evidence_is_met_only_by_a_sign_off(world):
    user = enrol(world["cohort"]).user
    assert world["c3"].id not in _met(user, world)
    signoff = sign_off(user, world["c3"], world["assessor"])
    assert _met(user, world) == {world["c3"].id}
    signoff.withdrawn_at = clock.now()
    db.session.flush()
    assert _met(user, world) == set()


def test_a_sign_off_meets_without_evidence_and_only_for_its_holder(world):
    ana, bruno = enrol(world["cohort"]).user, enrol(world["cohort"]).user
    sign_off(ana, world["c1"], world["assessor"])
    met = met_competencies([ana.id, bruno.id], [world["c1"].id])
    assert met == {ana.id: {world["c1"].id}, bruno.id: set()}


def test_constant_number_of_queries(world, count_queries):
    def run(count):
        users = [enrol(world["cohort"]) for _ in range(count)]
        for enrolment in users:
            set_grade(world["quiz"], enrolment, 90, actor=None)
            _observe(world["item"], enrolment, ObservationResult.MET, clock.today(clock.UTC))
        ids = [e.user_id for e in users]
        with count_queries() as counter:
            met = met_competencies(ids, [world["c1"].id, world["c2"].id, world["c3"].id])
        assert all(met[i] == {world["c2"].id} for i in ids)
        return counter.count

    assert run(2) == run(30)
