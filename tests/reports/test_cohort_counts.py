"""The cohort counts (``lms.reports.facts``, added up by ``people.cohort_counts``) held to
the statements the learning and reaction sections counted with before
(``tests/reports/counts_oracle.py``): the weakest skills, the pre-test and post-test pairs,
the evaluations' response counts and the Likert answers, for every filter that is the
cohort's and for narrower scopes, in random worlds and after each change the counts must
take in; and the reach section's training hours, now kept in the tallies.

Each figure is counted twice: from the counts rebuilt in the same computation, then from
the rows stored. Each change is committed before the report is computed, as a request's
is; the change is first shown in the statements' figures, so counts that missed it would
differ."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, insert, select, update

from lms.accounts.models import User
from lms.assessments.models import Assessment, AssessmentKind, Grade, TestRole
from lms.assessments.observations.models import Observation, ObservationItem, ObservationResult
from lms.catalog.models import Course, Program
from lms.cohorts import services as cohort_services
from lms.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from lms.evaluations import services as evaluation_services
from lms.evaluations.models import (
    EvaluationAnswer,
    EvaluationFollowupMail,
    EvaluationItem,
    EvaluationKind,
    EvaluationReceipt,
    EvaluationResponse,
    EvaluationTemplate,
    ItemKind,
)
from lms.extensions import db
from lms.reports import facts, learning, people, reaction
from lms.reports.figures import reach
from lms.reports.filters import ReportFilter, Scope
from lms.reports.models import CohortCount
from tests.factories import (
    enrol,
    make_cohort,
    make_course,
    make_institution,
    make_program,
    make_user,
)
from tests.reports.counts_oracle import (
    oracle_counts,
    oracle_distribution,
    oracle_gains,
    oracle_hours,
    oracle_pairs,
    oracle_weakest,
)
from tests.reports.scores_oracle import oracle_scores
from tests.reports.test_people import assert_stored, stored_and_fresh

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
EVERYTHING = Scope(everything=True)
FIRST_DAY = date(2025, 1, 1)
S = EnrolmentStatus
R = ObservationResult
FINISHED = (S.COMPLETED, S.FAILED)


# ---------------------------------------------------------------- a random world

@dataclass
class World:
    programs: list[Program]
    courses: list[Course]
    cohorts: list[Cohort]
    # Per course: "pre", "post" (courses 0-3), "final" (a quiz with no role), "practice"
    # (an observation, courses 0-3).
    tests: dict[int, dict[str, Assessment]] = field(default_factory=dict)
    items: list[ObservationItem] = field(default_factory=list)
    templates: dict[tuple[int, str], EvaluationTemplate] = field(default_factory=dict)
    # (name, filters, scope) of every comparison, fixed once built.
    cases: list[tuple[str, ReportFilter, Scope]] = field(default_factory=list)


def _assessment(course: Course, kind: str, title: str, position: int,
                test_role: str | None = None) -> Assessment:
    made = Assessment(course=course, kind=kind, title=title, pass_mark=Decimal(60),
                      position=position, test_role=test_role)
    db.session.add(made)
    db.session.flush()
    return made


def _percent(rng: random.Random) -> Decimal:
    """A grade of two decimals, now and then a round one or an edge."""
    if rng.random() < 0.2:
        return Decimal(rng.choice([0, 50, 60, 100]))
    return Decimal(rng.randint(0, 10_000)) / 100


def answer(enrolment: Enrolment, template: EvaluationTemplate, values: list[int | None],
           *, anonymous: bool = True, text: str | None = None) -> EvaluationResponse:
    """The answers (one per Likert statement, None: left blank) submitted through the
    evaluations service, as the form does."""
    template.anonymous = anonymous
    items = template.current_items
    likert = [item for item in items if item.kind == ItemKind.LIKERT]
    answers: dict[int, int | str | None] = {
        item.id: value for item, value in zip(likert, values, strict=False)}
    if text:
        answers[next(item.id for item in items if item.kind == ItemKind.TEXT)] = text
    return evaluation_services.submit(enrolment, template, answers)


def build_world(seed: int, size: int = 30) -> World:
    """Two programs; five courses of different hours, modalities; nine cohorts in two
    countries and two languages starting over 2025-2026. Each course has a pre-test and
    another quiz; courses 0-3 a post-test and a checklist of 2-4 items. ``size`` people
    of three sexes (or none), enrolled in one or two cohorts in every status, with grades,
    observations, end-of-course answers (anonymous or named), follow-up mails and
    answers."""
    rng = random.Random(seed)
    programs = [make_program(), make_program()]
    hours = rng.sample([4, 6, 8, 12, 20, 30, 40], 5)
    courses = [make_course(programs[index % 2], hours=hour, lessons=0,
                           modality=rng.choice(("online", "face_to_face", "blended")))
               for index, hour in enumerate(hours)]
    cohorts = [make_cohort(courses[index % 5], country=("MX", "CO")[index % 2],
                           language=rng.choice(("en", "es")),
                           starts=FIRST_DAY + timedelta(days=rng.randrange(730)))
               for index in range(9)]
    world = World(programs, courses, cohorts)
    for index, course in enumerate(courses):
        tests = world.tests[course.id] = {
            "pre": _assessment(course, AssessmentKind.QUIZ, "Pre", 1, TestRole.PRE),
            "final": _assessment(course, AssessmentKind.QUIZ, "Final", 3)}
        if index < 4:
            tests["post"] = _assessment(course, AssessmentKind.QUIZ, "Post", 2, TestRole.POST)
            practice = tests["practice"] = _assessment(course, AssessmentKind.OBSERVATION,
                                                       "Practice", 4)
            for position in range(rng.randint(2, 4)):
                item = ObservationItem(assessment=practice, text=f"Skill {position}",
                                       position=position)
                db.session.add(item)
                world.items.append(item)
    db.session.flush()
    for program in programs:
        for kind in (EvaluationKind.END, EvaluationKind.FOLLOWUP):
            world.templates[program.id, kind] = evaluation_services.template_for(program, kind)
    institutions = [make_institution() for _ in range(2)]
    statuses = [S.ACTIVE, S.COMPLETED, S.FAILED, S.WITHDRAWN, S.WAITLISTED, S.INVITED]
    for _person in range(size):
        user = make_user(gender=rng.choice(("female", "male", None)),
                         institution_id=rng.choice([*[i.id for i in institutions], None]))
        for cohort in rng.sample(cohorts, rng.choice((1, 1, 2))):
            status = rng.choices(statuses, [3, 4, 2, 1, 1, 1])[0]
            enrolment = enrol(cohort, user, status=status)
            if status == S.COMPLETED:
                enrolment.completed_at = NOW - timedelta(days=rng.randrange(400))
            _record(rng, world, enrolment)
    db.session.flush()
    world.cases = all_cases(world)
    return world


def _record(rng: random.Random, world: World, enrolment: Enrolment) -> None:
    """Maybe grades, observations, answers and a follow-up mail for ``enrolment``."""
    course = enrolment.cohort.course
    tests = world.tests[course.id]
    for name in ("pre", "post", "final"):
        # A place on a waiting list takes no test (and the people sets, which count the
        # grades, place nobody by it).
        if name in tests and enrolment.status != S.WAITLISTED and rng.random() < 0.75:
            percent = _percent(rng)
            db.session.add(Grade(assessment_id=tests[name].id, enrolment_id=enrolment.id,
                                 percent=percent, passed=percent >= 60))
    if "practice" in tests:
        for item in tests["practice"].observation_items:
            if rng.random() < 0.7:
                db.session.add(Observation(
                    item_id=item.id, enrolment_id=enrolment.id,
                    result=rng.choices([R.MET, R.NOT_YET, R.NOT_OBSERVED], [3, 2, 1])[0]))
    program = course.program_id

    def values() -> list[int | None]:
        return [rng.choice((1, 2, 3, 4, 5, 5, 4, None)) for _item in range(5)]

    # An end-of-course evaluation: by most who finished, now and then by someone else.
    if rng.random() < (0.6 if enrolment.status in FINISHED else 0.08):
        answer(enrolment, world.templates[program, EvaluationKind.END], values(),
               anonymous=rng.random() < 0.5,
               text="Longer practice" if rng.random() < 0.3 else None)
    if enrolment.status == S.COMPLETED and rng.random() < 0.5:
        db.session.add(EvaluationFollowupMail(enrolment_id=enrolment.id))
        if rng.random() < 0.6:
            answer(enrolment, world.templates[program, EvaluationKind.FOLLOWUP], values(),
                   anonymous=rng.random() < 0.5)


# ---------------------------------------------------------------- the comparison

def all_cases(world: World) -> list[tuple[str, ReportFilter, Scope]]:
    first, second = world.programs
    p_courses = [course for course in world.courses if course.program_id == first.id]
    year_2025 = dict(start=date(2025, 1, 1), end=date(2025, 12, 31))
    year_2026 = dict(start=date(2026, 1, 1), end=date(2026, 12, 31))
    everything = [
        ("no filter", ReportFilter()),
        ("program", ReportFilter(program_id=first.id)),
        ("course", ReportFilter(course_id=world.courses[0].id)),
        ("cohort", ReportFilter(cohort_id=world.cohorts[1].id)),
        ("country", ReportFilter(country="MX")),
        ("year", ReportFilter(**year_2025)),
        ("modality", ReportFilter(modality=world.courses[1].modality)),
        ("language", ReportFilter(language="es")),
        ("program, country and year", ReportFilter(program_id=second.id, country="CO",
                                                   **year_2026)),
        # Filtered by sex, the sections still run their statements: the same figures.
        ("female", ReportFilter(gender="female")),
    ]
    coordinator = Scope(program_ids=frozenset({first.id}))
    instructor = Scope(cohort_ids=frozenset({world.cohorts[0].id, world.cohorts[3].id}))
    return ([(f"{name} / everything", filters, EVERYTHING) for name, filters in everything]
            + [(f"{name} / a coordinator", filters, coordinator) for name, filters in (
                ("no filter", ReportFilter()),
                ("course", ReportFilter(course_id=p_courses[1].id)),
                ("country", ReportFilter(country="CO")),
                ("year", ReportFilter(**year_2026)))]
            + [(f"{name} / an instructor", filters, instructor) for name, filters in (
                ("no filter", ReportFilter()), ("country", ReportFilter(country="MX")))])


# The cases whose reach section is computed too (for its training hours); those checked
# after each change, and those of them checked again from the stored counts.
HOURS = ("no filter / everything", "program / everything", "country / a coordinator",
         "no filter / an instructor")
STORED = ("no filter / everything", "cohort / everything", "country / a coordinator")
CORE = ("no filter / everything", "cohort / everything",
        "year / everything", "no filter / a coordinator", "country / a coordinator",
        "no filter / an instructor")


@dataclass
class Counted:
    """What ``_gains`` reads of each assessment's scores: the grades counted."""

    assessment_id: int
    grades: int


def oracle_of(filters: ReportFilter, scope: Scope, hours: bool) -> dict:
    """The statements' figures (SQL alone: nothing brings the counts up to date)."""
    scores = [Counted(assessment_id, found[3])
              for assessment_id, found in oracle_scores(filters, scope).items()]
    figures = {"weakest": oracle_weakest(filters, scope),
               "gains": oracle_gains(filters, scope, scores),
               "counts": oracle_counts(filters, scope),
               "distribution": oracle_distribution(filters, scope)}
    if hours:
        figures["hours"] = oracle_hours(filters, scope)
    return figures


def counted(app, filters: ReportFilter, scope: Scope, hours: bool) -> dict:
    """The sections' figures, as they count them now."""
    scores = learning._assessment_scores(filters, scope)
    figures = {
        "weakest": [(skill.item_id, skill.observed, skill.not_yet)
                    for skill in learning._weakest(filters, scope)],
        "gains": {gain.course_id: (gain.paired, gain.pre_mean, gain.post_mean, gain.gain,
                                   gain.pre_only, gain.post_only)
                  for gain in learning._gains(filters, scope, scores)},
        "counts": reaction._counts(filters, scope),
        "distribution": {item_id: dict(values) for item_id, values
                         in reaction._distribution(filters, scope).items()},
    }
    if hours:
        with app.test_request_context():
            section = reach(filters, scope)
        figures["hours"] = next(figure.value for figure in section.figures
                                if figure.key == "hours")
    return figures


def oracle(world: World, names: tuple[str, ...] | None = None) -> dict[str, dict]:
    return {name: oracle_of(filters, scope, name in HOURS)
            for name, filters, scope in world.cases if names is None or name in names}


def _close(got: tuple, want: tuple) -> bool:
    """Equal counts, and means equal to a billionth (SQL averages decimals; the counts
    divide sums kept in hundredths)."""
    return len(got) == len(want) and all(
        a == b if a is None or b is None or isinstance(b, int)
        else a == pytest.approx(b, rel=1e-9, abs=1e-9) for a, b in zip(got, want, strict=True))


def assert_same(app, world: World, when: str, expected: dict[str, dict]) -> None:
    """The sections' figures equal the statements' (``expected``) for every case named
    there."""
    for name, filters, scope in world.cases:
        if name not in expected:
            continue
        want = expected[name]
        got = counted(app, filters, scope, "hours" in want)
        where = f"{when}: {name}"
        assert got["weakest"] == want["weakest"], f"{where}: weakest skills"
        assert got["gains"].keys() == want["gains"].keys(), f"{where}: gains"
        for course_id, row in want["gains"].items():
            assert _close(got["gains"][course_id], row), \
                f"{where}: gain of course {course_id}: {got['gains'][course_id]} != {row}"
        assert got["counts"] == want["counts"], f"{where}: eligible, responses"
        assert got["distribution"] == want["distribution"], f"{where}: answers"
        if "hours" in want:
            assert got["hours"] == want["hours"], f"{where}: hours"


@pytest.fixture
def at_now(database, frozen_clock):
    frozen_clock.set(NOW)
    return frozen_clock


# ---------------------------------------------------------------- random worlds

@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_worlds_count_as_the_statements_did(app, at_now, seed):
    world = build_world(seed)
    db.session.commit()
    expected = oracle(world)
    # Nothing built yet: every cohort's counts are built and counted from, then stored.
    with people.refreshed() as fresh:
        assert fresh.everything
        assert_same(app, world, "from the counts just built", expected)
    assert_stored()
    stored = dict(db.session.execute(select(CohortCount.kind, func.count())
                                     .group_by(CohortCount.kind)).all())
    assert set(stored) == set(facts.KINDS)
    assert_same(app, world, "from the stored counts", expected)
    # The worlds are not empty where it matters.
    everything = expected["no filter / everything"]
    assert len(everything["weakest"]) == learning.WEAKEST_SKILLS  # more items than shown
    assert sum(1 for row in everything["gains"].values() if row[0]) >= 3
    eligible, responses = everything["counts"]
    assert all(eligible.values()) and all(responses.values())
    assert len(everything["distribution"]) >= 7 and everything["hours"] > 0
    # Somebody took one of the two tests only.
    assert any(row[4] or row[5] for row in everything["gains"].values())


# ---------------------------------------------------------------- every kind of change

def _actor() -> User:
    return make_user(admin=True)


def _top_item() -> int:
    """The weakest skill, with no filter."""
    return oracle_weakest(ReportFilter(), EVERYTHING)[0][0]


def _observations(item_id: int, *results: str) -> list[Observation]:
    return list(db.session.scalars(select(Observation).where(
        Observation.item_id == item_id, Observation.result.in_(results))
        .order_by(Observation.id)))


def _unobserved(item_id: int) -> list[Enrolment]:
    """Enrolments in the item's course with no observation of it."""
    course = db.session.scalar(select(Assessment.course_id).join(
        ObservationItem, ObservationItem.assessment_id == Assessment.id)
        .where(ObservationItem.id == item_id))
    return list(db.session.scalars(
        select(Enrolment).join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(Cohort.course_id == course, Enrolment.id.not_in(
            select(Observation.enrolment_id).where(Observation.item_id == item_id)))
        .order_by(Enrolment.id)))


def _enrolments(*statuses: str) -> list[Enrolment]:
    return list(db.session.scalars(select(Enrolment).where(Enrolment.status.in_(statuses))
                                   .order_by(Enrolment.id)))


def _observation_added(world: World) -> None:
    item = _top_item()
    db.session.add(Observation(item_id=item, enrolment_id=_unobserved(item)[0].id,
                               result=R.NOT_YET))


def _observation_result_changed(world: World) -> None:
    observation = _observations(_top_item(), R.MET, R.NOT_YET)[0]
    observation.result = R.MET if observation.result == R.NOT_YET else R.NOT_YET


def _observation_not_observed(world: World) -> None:
    _observations(_top_item(), R.NOT_YET)[0].result = R.NOT_OBSERVED


def _observation_deleted(world: World) -> None:
    db.session.delete(_observations(_top_item(), R.NOT_YET)[0])


def _observations_updated_in_bulk(world: World) -> None:
    db.session.execute(update(Observation).where(Observation.item_id == _top_item(),
                                                 Observation.result == R.NOT_YET)
                       .values(result=R.MET))


def _observations_inserted_in_bulk(world: World) -> None:
    item = _top_item()
    enrolments = _unobserved(item)[:2]
    assert enrolments
    db.session.execute(insert(Observation), [
        {"item_id": item, "enrolment_id": enrolment.id, "result": R.NOT_YET}
        for enrolment in enrolments])


def _observations_deleted_in_bulk(world: World) -> None:
    db.session.execute(delete(Observation).where(Observation.item_id == _top_item()))


def _observation_item_deleted(world: World) -> None:
    # Its observations go with it, in the database.
    db.session.delete(db.session.get(ObservationItem, _top_item()))


def _unanswered(kind: str) -> list[Enrolment]:
    return list(db.session.scalars(
        select(Enrolment).where(Enrolment.status.in_(FINISHED), Enrolment.id.not_in(
            select(EvaluationReceipt.enrolment_id).where(EvaluationReceipt.kind == kind)))
        .order_by(Enrolment.id)))


def _evaluation_answered(world: World) -> None:
    enrolment = _unanswered(EvaluationKind.END)[0]
    template = world.templates[enrolment.cohort.course.program_id, EvaluationKind.END]
    answer(enrolment, template, [1, 2, None, 5, 1], anonymous=False, text="Fewer slides")


def _answer_changed(world: World) -> None:
    changed = db.session.scalar(select(EvaluationAnswer).where(
        EvaluationAnswer.value.is_not(None)).order_by(EvaluationAnswer.id))
    changed.value = changed.value % 5 + 1


def _answers_inserted_in_bulk(world: World) -> None:
    """Answers to statements some responses left blank, inserted in bulk."""
    rows = []
    for response in db.session.scalars(select(EvaluationResponse)
                                       .order_by(EvaluationResponse.id)):
        given = set(db.session.scalars(select(EvaluationAnswer.item_id).where(
            EvaluationAnswer.response_id == response.id)))
        rows += [{"response_id": response.id, "item_id": item.id, "value": 3}
                 for item in db.session.scalars(select(EvaluationItem).where(
                     EvaluationItem.template_id == response.template_id,
                     EvaluationItem.kind == ItemKind.LIKERT))
                 if item.id not in given]
        if len(rows) >= 2:
            break
    assert rows
    db.session.execute(insert(EvaluationAnswer), rows)


def _responses_inserted_in_bulk(world: World) -> None:
    template = world.templates[world.programs[0].id, EvaluationKind.FOLLOWUP]
    db.session.execute(insert(EvaluationResponse), [
        {"template_id": template.id, "cohort_id": world.cohorts[0].id,
         "kind": EvaluationKind.FOLLOWUP, "submitted_at": NOW},
        {"template_id": template.id, "cohort_id": world.cohorts[2].id,
         "kind": EvaluationKind.FOLLOWUP, "submitted_at": NOW}])


def _response_deleted(world: World) -> None:
    # Its answers go with it.
    db.session.delete(db.session.scalar(select(EvaluationResponse).where(
        EvaluationResponse.id.in_(select(EvaluationAnswer.response_id).where(
            EvaluationAnswer.value.is_not(None)))).order_by(EvaluationResponse.id)))


def _followup_mailed(world: World) -> None:
    enrolment = db.session.scalar(select(Enrolment).where(
        Enrolment.status == S.COMPLETED,
        Enrolment.id.not_in(select(EvaluationFollowupMail.enrolment_id)))
        .order_by(Enrolment.id))
    db.session.add(EvaluationFollowupMail(enrolment_id=enrolment.id))


def _evaluation_item_deleted(world: World) -> None:
    # Its answers go with it, in the database.
    db.session.delete(db.session.scalar(select(EvaluationItem).where(EvaluationItem.id.in_(
        select(EvaluationAnswer.item_id).where(EvaluationAnswer.value.is_not(None))))
        .order_by(EvaluationItem.id)))


def _enrolment_completed(world: World) -> None:
    enrolment = _enrolments(S.ACTIVE)[0]
    enrolment.status = S.COMPLETED
    enrolment.completed_at = NOW


def _enrolment_failed_by_a_coordinator(world: World) -> None:
    cohort_services.set_status(_actor(), _enrolments(S.ACTIVE, S.WITHDRAWN)[-1], S.FAILED)


def _result_taken_back_by_a_coordinator(world: World) -> None:
    cohort_services.set_status(_actor(), _enrolments(S.COMPLETED)[0], S.ACTIVE)


def _course_hours_changed(world: World) -> None:
    course = db.session.scalar(select(Course).join(Cohort, Cohort.course_id == Course.id)
                               .join(Enrolment, Enrolment.cohort_id == Cohort.id)
                               .where(Enrolment.status == S.COMPLETED).order_by(Course.id))
    course.hours += 7


def _enrolment_deleted(world: World) -> None:
    # One observed "not yet" in the weakest skill: its observations, grades and follow-up
    # mail go with it, in the database.
    db.session.delete(db.session.get(
        Enrolment, _observations(_top_item(), R.NOT_YET)[0].enrolment_id))


def _paired_grades(role: str) -> list[Grade]:
    """Grades of the ``role`` tests whose enrolment took the other test too."""
    other = TestRole.POST if role == TestRole.PRE else TestRole.PRE
    tests = select(Assessment.id).where(Assessment.test_role == role)
    others = (select(Grade.enrolment_id).join(Assessment, Assessment.id == Grade.assessment_id)
              .where(Assessment.test_role == other))
    return list(db.session.scalars(select(Grade).where(
        Grade.assessment_id.in_(tests), Grade.enrolment_id.in_(others)).order_by(Grade.id)))


def _role(course_id: int, role: str | None) -> Assessment:
    return db.session.scalar(select(Assessment).where(Assessment.course_id == course_id,
                                                      Assessment.test_role == role))


def _most_paired() -> int:
    """The course whose pre-test and post-test most enrolments took."""
    pairs = oracle_pairs(ReportFilter(), EVERYTHING)
    pre_id, _post_id = max(pairs, key=lambda key: (pairs[key][0], key))
    return db.session.get(Assessment, pre_id).course_id


def _pre_test_grade_changed(world: World) -> None:
    grade = _paired_grades(TestRole.PRE)[0]
    # Two decimals, as every grade the application writes (lms.assessments.grades).
    grade.percent = (Decimal("100") - grade.percent / 3).quantize(Decimal("0.01"))
    grade.passed = grade.percent >= 60


def _post_test_grade_deleted(world: World) -> None:
    db.session.delete(_paired_grades(TestRole.POST)[0])


def _pre_test_grades_changed_in_bulk(world: World) -> None:
    db.session.execute(update(Grade).where(Grade.assessment_id.in_(
        select(Assessment.id).where(Assessment.test_role == TestRole.PRE)))
        .where(Grade.percent < 80).values(percent=Grade.percent + Decimal("20.25")))


def _post_test_cleared(world: World) -> None:
    _role(_most_paired(), TestRole.POST).test_role = None


def _another_quiz_made_the_post_test(world: World) -> None:
    course_id = _most_paired()
    post = _role(course_id, TestRole.POST)
    post.test_role = None
    db.session.flush()  # one post-test per course, at every moment
    db.session.scalar(select(Assessment).where(
        Assessment.course_id == course_id, Assessment.kind == AssessmentKind.QUIZ,
        Assessment.test_role.is_(None), Assessment.id != post.id)).test_role = TestRole.POST


def _roles_swapped(world: World) -> None:
    course_id = _most_paired()
    pre, post = _role(course_id, TestRole.PRE), _role(course_id, TestRole.POST)
    pre.test_role = None
    db.session.flush()
    post.test_role = TestRole.PRE
    db.session.flush()
    pre.test_role = TestRole.POST


def _pre_test_made_an_assignment(world: World) -> None:
    _role(_most_paired(), TestRole.PRE).kind = AssessmentKind.ASSIGNMENT


# ---- the same, on rows read before a commit (their attributes expired), moved or deleted

def _observation_changed_right_after_a_commit(world: World) -> None:
    observation = _observations(_top_item(), R.NOT_YET)[0]
    db.session.commit()
    observation.result = R.MET


def _observation_moved(world: World) -> None:
    """A "not yet" of one of the weakest skills, to an enrolment of another cohort of the
    course."""
    for item_id, _observed, _not_yet in oracle_weakest(ReportFilter(), EVERYTHING):
        for observation in _observations(item_id, R.NOT_YET):
            cohort_id = db.session.get(Enrolment, observation.enrolment_id).cohort_id
            target = next((enrolment.id for enrolment in _unobserved(item_id)
                           if enrolment.cohort_id != cohort_id), None)
            if target is not None:
                observation.enrolment_id = target
                return
    raise AssertionError("no observation to move")


def _enrolment_moved(world: World) -> None:
    """With its observations, grades and follow-up mail (its answers stay), to another
    cohort of the course, right after a commit."""
    enrolment = db.session.get(Enrolment, _observations(_top_item(), R.NOT_YET)[0]
                               .enrolment_id)
    target = db.session.scalar(select(Cohort.id).where(
        Cohort.course_id == enrolment.cohort.course_id, Cohort.id != enrolment.cohort_id))
    db.session.commit()
    enrolment.cohort_id = target


def _grade_moved(world: World) -> None:
    """A paired pre-test grade, to an enrolment of another cohort without one."""
    for grade in _paired_grades(TestRole.PRE):
        cohort = db.session.get(Enrolment, grade.enrolment_id).cohort
        target = db.session.scalar(select(Enrolment.id).join(
            Cohort, Cohort.id == Enrolment.cohort_id).where(
            Cohort.course_id == cohort.course_id, Cohort.id != cohort.id,
            Enrolment.id.not_in(select(Grade.enrolment_id).where(
                Grade.assessment_id == grade.assessment_id))).order_by(Enrolment.id))
        if target is not None:
            grade.enrolment_id = target
            return
    raise AssertionError("no grade to move")


def _answer_added_to_a_response(world: World) -> None:
    for response in db.session.scalars(select(EvaluationResponse)
                                       .order_by(EvaluationResponse.id)):
        item = db.session.scalar(select(EvaluationItem.id).where(
            EvaluationItem.template_id == response.template_id,
            EvaluationItem.kind == ItemKind.LIKERT,
            EvaluationItem.id.not_in([given.item_id for given in response.answers])))
        if item is not None:
            response.answers.append(EvaluationAnswer(item_id=item, value=1))
            return
    raise AssertionError("no statement left blank")


def _answer_deleted_right_after_a_commit(world: World) -> None:
    deleted = db.session.scalar(select(EvaluationAnswer).where(
        EvaluationAnswer.value.is_not(None)).order_by(EvaluationAnswer.id.desc()))
    db.session.commit()
    db.session.delete(deleted)


def _response_moved(world: World) -> None:
    response = db.session.scalar(select(EvaluationResponse).where(
        EvaluationResponse.id.in_(select(EvaluationAnswer.response_id)))
        .order_by(EvaluationResponse.id))
    response.cohort_id = db.session.scalar(select(Cohort.id).where(
        Cohort.id != response.cohort_id).order_by(Cohort.id.desc()))


def _response_deleted_right_after_a_commit(world: World) -> None:
    deleted = db.session.scalar(select(EvaluationResponse).where(
        EvaluationResponse.id.in_(select(EvaluationAnswer.response_id)))
        .order_by(EvaluationResponse.id.desc()))
    db.session.commit()
    db.session.delete(deleted)


def _change_rolled_back_then_another(world: World) -> None:
    """A change logged in a savepoint rolled back, then another."""
    savepoint = db.session.begin_nested()
    _observations(_top_item(), R.NOT_YET)[0].result = R.MET
    db.session.flush()
    savepoint.rollback()
    _answer_changed(world)


def _template_deleted(world: World) -> None:
    # Its responses and their answers go with it, in the database.
    db.session.delete(db.session.scalar(select(EvaluationTemplate).where(
        EvaluationTemplate.id.in_(select(EvaluationResponse.template_id)))
        .order_by(EvaluationTemplate.id)))


def _pre_test_deleted(world: World) -> None:
    # Its grades go with it, in the database.
    db.session.delete(_role(_most_paired(), TestRole.PRE))


def _post_tests_cleared_in_bulk(world: World) -> None:
    db.session.execute(update(Assessment).where(Assessment.course_id == _most_paired(),
                                                Assessment.test_role == TestRole.POST)
                       .values(test_role=None))


def _hours_changed_in_bulk(world: World) -> None:
    db.session.execute(update(Course).values(hours=Course.hours + 3))


def _cohort_deleted(world: World) -> None:
    db.session.delete(db.session.get(Enrolment, _observations(_top_item(), R.NOT_YET)[0]
                                     .enrolment_id).cohort)


def _person_deleted(world: World) -> None:
    # Their enrolments go with them; their named answers stay, nameless.
    db.session.delete(db.session.get(Enrolment, _observations(_top_item(), R.NOT_YET)[0]
                                     .enrolment_id).user)


# Each change (made in turn on one world per group), and the figures it changes.
CHANGES: dict[str, dict[str, tuple[Callable[[World], None], tuple[str, ...]]]] = {
    "observations": {
        "observation added": (_observation_added, ("weakest",)),
        "observation moved": (_observation_moved, ("weakest",)),
        "observation's result changed": (_observation_result_changed, ("weakest",)),
        "observation marked not observed": (_observation_not_observed, ("weakest",)),
        "observation deleted": (_observation_deleted, ("weakest",)),
        "observations updated in bulk": (_observations_updated_in_bulk, ("weakest",)),
        "observations inserted in bulk": (_observations_inserted_in_bulk, ("weakest",)),
        "observations deleted in bulk": (_observations_deleted_in_bulk, ("weakest",)),
        "observation changed right after a commit": (
            _observation_changed_right_after_a_commit, ("weakest",)),
        "observation item deleted": (_observation_item_deleted, ("weakest",)),
    },
    "evaluations": {
        "evaluation answered (service)": (_evaluation_answered, ("counts", "distribution")),
        "answer changed": (_answer_changed, ("distribution",)),
        "answers inserted in bulk": (_answers_inserted_in_bulk, ("distribution",)),
        "responses inserted in bulk": (_responses_inserted_in_bulk, ("counts",)),
        "response deleted": (_response_deleted, ("counts", "distribution")),
        "follow-up mailed": (_followup_mailed, ("counts",)),
        "answer added to a response": (_answer_added_to_a_response, ("distribution",)),
        "answer deleted right after a commit": (_answer_deleted_right_after_a_commit,
                                                ("distribution",)),
        "response moved to another cohort": (_response_moved, ("counts", "distribution")),
        "response deleted right after a commit": (_response_deleted_right_after_a_commit,
                                                  ("counts", "distribution")),
        "a change rolled back, then another": (_change_rolled_back_then_another,
                                               ("distribution",)),
        "evaluation item deleted": (_evaluation_item_deleted, ("distribution",)),
        "template deleted": (_template_deleted, ("counts", "distribution")),
    },
    "enrolments": {
        "enrolment completed": (_enrolment_completed, ("counts", "hours")),
        "enrolment failed (service)": (_enrolment_failed_by_a_coordinator, ("counts",)),
        "result taken back (service)": (_result_taken_back_by_a_coordinator,
                                        ("counts", "hours")),
        "course hours changed": (_course_hours_changed, ("hours",)),
        "hours changed in bulk": (_hours_changed_in_bulk, ("hours",)),
        "enrolment moved right after a commit": (_enrolment_moved, ("weakest",)),
        "enrolment deleted": (_enrolment_deleted, ("weakest", "counts")),
        "person deleted": (_person_deleted, ("weakest",)),
        "cohort deleted": (_cohort_deleted, ("weakest", "counts", "distribution")),
    },
    "tests": {
        "pre-test grade changed": (_pre_test_grade_changed, ("gains",)),
        "post-test grade deleted": (_post_test_grade_deleted, ("gains",)),
        "pre-test grades changed in bulk": (_pre_test_grades_changed_in_bulk, ("gains",)),
        "grade moved to another cohort": (_grade_moved, ("gains",)),
        "post-test cleared": (_post_test_cleared, ("gains",)),
        "another quiz made the post-test": (_another_quiz_made_the_post_test, ("gains",)),
        "pre-test and post-test swapped": (_roles_swapped, ("gains",)),
        "pre-test made an assignment": (_pre_test_made_an_assignment, ("gains",)),
        "post-test cleared in bulk": (_post_tests_cleared_in_bulk, ("gains",)),
        "pre-test deleted": (_pre_test_deleted, ("gains",)),
    },
}


def _figure(expected: dict[str, dict], figure: str) -> dict:
    return {name: found[figure] for name, found in expected.items() if figure in found}


@pytest.mark.parametrize("group", list(CHANGES))
def test_the_counts_take_in_each_change(app, at_now, group):
    """Each change in turn, committed, then the figures counted twice: from the counts of
    the cohorts it changed rebuilt just now (beside the stored ones of the others), then
    from what was stored."""
    world = build_world(11, size=24)
    stored_and_fresh()
    before = oracle(world, CORE)
    for change, (make, changes) in CHANGES[group].items():
        make(world)
        db.session.commit()
        expected = oracle(world, CORE)
        # The change shows in the statements' figures: counts that missed it would differ.
        for figure in changes:
            assert _figure(expected, figure) != _figure(before, figure), \
                f"{change} changes no {figure}"
        with people.refreshed():
            assert_same(app, world, f"{change}, rebuilt", expected)
        assert_stored()
        assert_same(app, world, f"{change}, stored",
                    {name: expected[name] for name in STORED})
        before = expected


# ---------------------------------------------------------------- bulk deletes of owners

def _items_deleted_in_bulk(world: World) -> None:
    db.session.execute(delete(ObservationItem).where(ObservationItem.id == _top_item()))


def _statements_deleted_in_bulk(world: World) -> None:
    db.session.execute(delete(EvaluationItem).where(EvaluationItem.id.in_(
        select(EvaluationAnswer.item_id).where(EvaluationAnswer.value.is_not(None)))))


def _templates_deleted_in_bulk(world: World) -> None:
    db.session.execute(delete(EvaluationTemplate).where(
        EvaluationTemplate.kind == EvaluationKind.END))


BULK_DELETES: dict[str, tuple[Callable[[World], None], tuple[str, ...]]] = {
    "checklist items deleted in bulk": (_items_deleted_in_bulk, ("weakest",)),
    "statements deleted in bulk": (_statements_deleted_in_bulk, ("distribution",)),
    "templates deleted in bulk": (_templates_deleted_in_bulk, ("counts", "distribution")),
}


@pytest.mark.parametrize("change", list(BULK_DELETES))
def test_bulk_deletes_of_what_counted_rows_belong_to(app, at_now, change):
    world = build_world(13, size=16)
    stored_and_fresh()
    before = oracle(world, CORE)
    make, changes = BULK_DELETES[change]
    make(world)
    db.session.commit()
    expected = oracle(world, CORE)
    for figure in changes:
        assert _figure(expected, figure) != _figure(before, figure), \
            f"{change} changes no {figure}"
    assert_same(app, world, f"{change}, stored", expected)
