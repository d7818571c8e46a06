"""met_pairs and met_counts: the met rule in one SQL statement, for reports over
thousands of people, deciding exactly as met_details does."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import literal, select, union_all

from lms.accounts.models import User
from lms.assessments.grades import set_grade
from lms.assessments.observations.models import Observation, ObservationItem, ObservationResult
from lms.competencies.queries import met_counts, met_details, met_pairs
from lms.extensions import db
from lms.kernel import clock
from tests.assessments.factories import make_assessment
from tests.competencies.factories import add_evidence, make_framework, sign_off
from tests.factories import enrol, make_cohort, make_course, make_program, make_user


@pytest.fixture
def world(database):
    """C1: a quiz (70) and an essay (50); C2: the quiz (60) and an observation item;
    C3: no evidence (sign-off only); C4: two observation items."""
    program = make_program()
    course = make_course(program)
    cohort, second = make_cohort(course), make_cohort(course)
    c1, c2, c3, c4 = make_framework(program, competencies=4).competencies
    quiz = make_assessment(course, "quiz", title="Knowledge test")
    essay = make_assessment(course, "assignment", title="Case study")
    observation = make_assessment(course, "observation", title="Skills")
    items = [ObservationItem(assessment=observation, position=n, text=f"Item {n}",
                             competency_id=competency.id)
             for n, competency in enumerate((c2, c4, c4), start=1)]
    db.session.add_all(items)
    db.session.flush()
    add_evidence(quiz, c1, 70)
    add_evidence(essay, c1, 50)
    add_evidence(quiz, c2, 60)
    return {"cohort": cohort, "second": second, "competencies": [c1, c2, c3, c4],
            "quiz": quiz, "essay": essay, "items": items, "assessor": make_user()}


def observe(item, enrolment, result, days_ago: int | None):
    day = None if days_ago is None else clock.today(clock.UTC) - timedelta(days=days_ago)
    db.session.add(Observation(item_id=item.id, enrolment_id=enrolment.id, result=result,
                               observed_on=day))
    db.session.flush()


def people(world) -> dict[str, User]:
    """One trainee per case the rule distinguishes."""
    cohort, second = world["cohort"], world["second"]
    quiz, essay = world["quiz"], world["essay"]
    c2_item, c4_first, c4_second = world["items"]
    _c1, _c2, c3, c4 = world["competencies"]
    made = {}

    def person(name, *enrolments):
        user = make_user(full_name=name)
        made[name] = user
        return [enrol(cohort_, user) for cohort_ in enrolments]

    person("nothing", cohort)
    [e] = person("c1 exactly at the minimums", cohort)
    set_grade(quiz, e, 70, actor=None)
    set_grade(essay, e, 50, actor=None)
    [e] = person("c1 a hair below", cohort)
    set_grade(quiz, e, 69.99, actor=None)
    set_grade(essay, e, 100, actor=None)
    first, later = person("best grade in another enrolment", cohort, second)
    set_grade(quiz, first, 40, actor=None)
    set_grade(quiz, later, 90, actor=None)
    set_grade(essay, first, 60, actor=None)
    observe(c2_item, first, ObservationResult.MET, 10)
    first, later = person("latest observation says not yet", cohort, second)
    set_grade(quiz, first, 90, actor=None)
    observe(c2_item, first, ObservationResult.MET, 30)
    observe(c2_item, later, ObservationResult.NOT_YET, 1)
    first, later = person("undated record comes before a dated one", cohort, second)
    set_grade(quiz, first, 90, actor=None)
    observe(c2_item, first, ObservationResult.NOT_YET, None)
    observe(c2_item, later, ObservationResult.MET, 400)
    first, later = person("same day: the newer record", cohort, second)
    set_grade(quiz, first, 90, actor=None)
    observe(c2_item, first, ObservationResult.NOT_YET, 5)
    observe(c2_item, later, ObservationResult.MET, 5)
    [e] = person("c4 half its items", cohort)
    observe(c4_first, e, ObservationResult.MET, 3)
    observe(c4_second, e, ObservationResult.NOT_OBSERVED, 2)
    [e] = person("c4 both items", cohort)
    observe(c4_first, e, ObservationResult.MET, 3)
    observe(c4_second, e, ObservationResult.MET, 2)
    person("signed off c3 and c1", cohort)
    sign_off(made["signed off c3 and c1"], c3, world["assessor"])
    sign_off(made["signed off c3 and c1"], world["competencies"][0], world["assessor"])
    person("sign-off withdrawn", cohort)
    withdrawn = sign_off(made["sign-off withdrawn"], c3, world["assessor"])
    withdrawn.withdrawn_at = clock.now()
    db.session.flush()
    return made


def test_met_pairs_decide_as_met_details(world):
    made = people(world)
    ids = [c.id for c in world["competencies"]]
    user_ids = [u.id for u in made.values()]
    expected = {pair for pair, detail in met_details(user_ids, ids).items() if detail.met}
    found = set(map(tuple, db.session.execute(
        met_pairs(select(User.id).where(User.id.in_(user_ids)), ids)).all()))
    assert found == expected
    c1, c2, c3, c4 = ids
    by_name = {name: {c for u, c in found if u == user.id} for name, user in made.items()}
    assert by_name == {
        "nothing": set(),
        "c1 exactly at the minimums": {c1},
        "c1 a hair below": set(),
        "best grade in another enrolment": {c1, c2},
        "latest observation says not yet": set(),
        "undated record comes before a dated one": {c2},
        "same day: the newer record": {c2},
        "c4 half its items": set(),
        "c4 both items": {c4},
        "signed off c3 and c1": {c1, c3},
        "sign-off withdrawn": set(),
    }


def test_met_pairs_only_for_the_people_and_competencies_asked(world):
    made = people(world)
    c2 = world["competencies"][1].id
    one = made["best grade in another enrolment"]
    found = set(map(tuple, db.session.execute(
        met_pairs(select(User.id).where(User.id == one.id), select(literal(c2)))).all()))
    assert found == {(one.id, c2)}


def test_met_counts_per_key(world):
    """Keys stand for tracks: track 1 needs C1 and C2, track 2 needs C3 alone."""
    made = people(world)
    c1, c2, c3, _c4 = (c.id for c in world["competencies"])
    names = ["best grade in another enrolment", "signed off c3 and c1",
             "c1 exactly at the minimums", "nothing"]
    pairs = union_all(*[select(literal(key).label("key"), literal(made[name].id).label("user"))
                        for key in (1, 2) for name in names])
    required = union_all(*[select(literal(key).label("key"), literal(c).label("competency"))
                           for key, c in ((1, c1), (1, c2), (2, c3))])
    counts = {(key, user): met for key, user, met in db.session.execute(
        met_counts(select(pairs.subquery()), select(required.subquery()))).all()}
    ids = {name: made[name].id for name in names}
    assert counts == {
        (1, ids["best grade in another enrolment"]): 2,
        (1, ids["signed off c3 and c1"]): 1,
        (1, ids["c1 exactly at the minimums"]): 1,
        (2, ids["signed off c3 and c1"]): 1,
    }


def test_met_counts_every_keeps_only_the_complete(world):
    """Key 1 needs C1 and C2, key 2 C3 alone (sign-off only), key 3 C1 and C3: with
    ``every``, only the rows that met all of their key's competencies, whichever way."""
    made = people(world)
    c1, c2, c3, _c4 = (c.id for c in world["competencies"])
    names = ["best grade in another enrolment", "signed off c3 and c1",
             "c1 exactly at the minimums", "sign-off withdrawn", "nothing"]
    pairs = union_all(*[select(literal(key).label("key"), literal(made[name].id).label("user"))
                        for key in (1, 2, 3) for name in names])
    required = union_all(*[select(literal(key).label("key"), literal(c).label("competency"))
                           for key, c in ((1, c1), (1, c2), (2, c3), (3, c1), (3, c3))])
    counts = {(key, user): met for key, user, met in db.session.execute(
        met_counts(select(pairs.subquery()), select(required.subquery()), every=True)).all()}
    ids = {name: made[name].id for name in names}
    assert counts == {
        (1, ids["best grade in another enrolment"]): 2,
        (2, ids["signed off c3 and c1"]): 1,
        (3, ids["signed off c3 and c1"]): 2,
    }


def test_one_statement_whatever_the_number_of_people(world, count_queries):
    made = people(world)
    ids = [c.id for c in world["competencies"]]
    with count_queries() as counter:
        db.session.execute(met_pairs(select(User.id).where(
            User.id.in_([u.id for u in made.values()])), ids)).all()
    assert counter.count == 1
