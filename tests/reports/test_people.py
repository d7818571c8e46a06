"""The people sets (``lms.reports.people``) held to the one statement they replaced
(``tests/reports/reach_oracle.py``): for many filters and scopes, in random worlds, after
every kind of change the sets must take in, and when two computations race to store.

Each change is committed before the report is computed, as a request's is: the sets
are brought up to date by the next report, in a transaction of its own."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import delete, func, insert, inspect, select, update

from lms.accounts.models import Institution, User
from lms.admin.services import merge_institutions
from lms.catalog.models import Course, Program
from lms.cohorts import services as cohort_services
from lms.cohorts.models import SEATED, Cohort, Enrolment, EnrolmentStatus, LessonCompletion
from lms.extensions import db
from lms.reports import people
from lms.reports.filters import UNSTATED, ReportFilter, Scope
from lms.reports.models import CohortPeople, GroupPeople, PeopleChange, PeopleState
from tests.factories import (
    enrol,
    make_cohort,
    make_course,
    make_institution,
    make_program,
    make_user,
)
from tests.reports.reach_oracle import normalised, oracle_parts

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
EVERYTHING = Scope(everything=True)
COUNTRIES = ("MX", "CO", "PE")
FIRST_DAY = date(2025, 1, 1)
S = EnrolmentStatus


# ---------------------------------------------------------------- a random world

@dataclass
class World:
    programs: list[Program]
    courses: list[Course]
    cohorts: list[Cohort]
    institutions: list[Institution]
    people: list[User]
    # One enrolment of each status, of people enrolled nowhere else, nothing started
    # (the completed and failed ones are started by their result); "completion only":
    # active, started by a lesson completion alone; all in cohorts[2].
    marked: dict[str, Enrolment] = field(default_factory=dict)
    waiting_only: Cohort | None = None  # nobody but a waiting list
    empty: Cohort | None = None  # nobody at all
    nobody: User | None = None  # enrolled nowhere
    # (name, filters, scope) of every comparison, fixed once built (whatever is deleted).
    cases: list[tuple[str, ReportFilter, Scope]] = field(default_factory=list)

    def lessons(self, cohort: Cohort) -> list[int]:
        return [lesson.id for module in cohort.course.modules for lesson in module.lessons]


def _moment(rng: random.Random) -> datetime:
    """A moment in 2025-2026, often at the very edge of a month (UTC), now and then
    written in another zone."""
    day = FIRST_DAY + timedelta(days=rng.randrange(730))
    kind = rng.random()
    if kind < 0.2:  # the last second of the month
        next_month = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        return datetime.combine(next_month, time.min, UTC) - timedelta(seconds=1)
    if kind < 0.35:  # its first second
        return datetime.combine(day.replace(day=1), time.min, UTC)
    if kind < 0.45:
        return datetime.combine(day, time(rng.randrange(24), rng.randrange(60)),
                                timezone(timedelta(hours=5)))
    return datetime.combine(day, time(rng.randrange(24), rng.randrange(60)), UTC)


def _evidence(rng: random.Random, world: World, enrolment: Enrolment) -> None:
    """Maybe a sign that the enrolment was started: opened, a lesson done, or both."""
    lessons = world.lessons(enrolment.cohort)
    kind = rng.random()
    if kind < 0.2:
        enrolment.last_seen_at = _moment(rng)
    elif kind < 0.3:
        enrolment.last_lesson_id = lessons[0]
    elif kind < 0.45:
        db.session.add(LessonCompletion(enrolment_id=enrolment.id, lesson_id=lessons[-1]))
    elif kind < 0.5:
        enrolment.last_seen_at = _moment(rng)
        db.session.add(LessonCompletion(enrolment_id=enrolment.id, lesson_id=lessons[0]))


def build_world(seed: int, size: int = 40) -> World:
    """Two programs, 4-6 courses of different hours, 6-10 cohorts in three countries and
    two languages starting over two years, ``size`` people of three sexes (or none) in
    three institutions (or none), enrolled in 0-3 cohorts in every status."""
    rng = random.Random(seed)
    programs = [make_program(), make_program()]
    hours = rng.sample([2, 5, 8, 12, 20, 30, 40], rng.randint(4, 6))
    courses = [make_course(programs[index % 2], hours=hour, lessons=2,
                           modality=rng.choice(("online", "face_to_face", "blended")))
               for index, hour in enumerate(hours)]
    cohorts = [make_cohort(courses[index % len(courses)], country=COUNTRIES[index % 3],
                           language=rng.choice(("en", "es")),
                           starts=FIRST_DAY + timedelta(days=rng.randrange(730)))
               for index in range(rng.randint(6, 10))]
    institutions = [make_institution() for _ in range(3)]
    genders = ("female", "male", None, "female", "male", None, "other")
    world = World(programs, courses, cohorts, institutions, [
        make_user(gender=rng.choice(genders),
                  institution_id=rng.choice([*[i.id for i in institutions], None]))
        for _ in range(size)])
    statuses = list(EnrolmentStatus)
    weights = [2 if status != S.COMPLETED and status != S.ACTIVE else 4 for status in statuses]

    def add(cohort: Cohort, user: User, status: str | None = None,
            evidence: bool = True) -> Enrolment:
        status = status or rng.choices(statuses, weights)[0]
        enrolment = enrol(cohort, user, status=status)
        if status == S.COMPLETED:
            enrolment.completed_at = _moment(rng) if rng.random() < 0.85 else None
        elif rng.random() < 0.15:
            enrolment.completed_at = _moment(rng)  # a result since taken back
        if evidence:
            _evidence(rng, world, enrolment)
        return enrolment

    taken: set[tuple[int, int]] = set()
    # Someone in two cohorts of one country (and two courses), someone in two countries.
    for user, picks in ((world.people[0], (0, 3)), (world.people[1], (0, 1))):
        for index in picks:
            add(cohorts[index], user, S.COMPLETED if index == 0 else None)
            taken.add((index, user.id))
    world.nobody = world.people[2]
    for user in world.people[3:]:
        for index in rng.sample(range(len(cohorts)), rng.choice((0, 1, 1, 2, 2, 3))):
            if (index, user.id) not in taken:
                add(cohorts[index], user)
                taken.add((index, user.id))
    for status in statuses:
        world.marked[status.value] = add(
            cohorts[2], make_user(gender=rng.choice(genders), institution_id=rng.choice(
                [*[i.id for i in institutions], None])), status, evidence=False)
        if status == S.COMPLETED:
            world.marked[status.value].completed_at = datetime(2025, 3, 31, 23, 59, tzinfo=UTC)
    only = world.marked["completion only"] = add(cohorts[2], make_user(gender="female"),
                                                 S.ACTIVE, evidence=False)
    db.session.add(LessonCompletion(enrolment_id=only.id, lesson_id=world.lessons(cohorts[2])[0]))
    world.waiting_only = make_cohort(courses[0], country="CO", starts=date(2026, 1, 15))
    for user in world.people[3:6]:
        add(world.waiting_only, user, S.WAITLISTED)
    world.empty = make_cohort(courses[1], country="PE", starts=date(2025, 7, 1))
    db.session.flush()
    world.cases = all_cases(world)
    return world


# ---------------------------------------------------------------- the comparison

def filter_cases(world: World) -> list[tuple[str, ReportFilter]]:
    program, course, cohort = world.programs[0].id, world.courses[1].id, world.cohorts[0].id
    institution = world.institutions[0].id
    year_2025 = dict(start=date(2025, 1, 1), end=date(2025, 12, 31))
    year_2026 = dict(start=date(2026, 1, 1), end=date(2026, 12, 31))
    return [
        ("no filter", ReportFilter()),
        ("program", ReportFilter(program_id=program)),
        ("course", ReportFilter(course_id=course)),
        ("cohort", ReportFilter(cohort_id=cohort)),
        ("country", ReportFilter(country="MX")),
        ("female", ReportFilter(gender="female")),
        ("unstated", ReportFilter(gender=UNSTATED)),
        ("institution", ReportFilter(institution_id=institution)),
        ("year", ReportFilter(**year_2025)),
        ("country and sex", ReportFilter(country="CO", gender="male")),
        ("institution and year", ReportFilter(institution_id=institution, **year_2026)),
        ("language and quarter", ReportFilter(language="es", start=date(2025, 4, 1),
                                              end=date(2025, 9, 30))),
        ("modality, unstated", ReportFilter(modality="online", gender=UNSTATED)),
        ("program, female, institution", ReportFilter(
            program_id=world.programs[1].id, gender="female",
            institution_id=world.institutions[1].id)),
    ]


# The filters counted in each narrower scope, and the few (filter / scope) checked
# where a test checks often.
NARROWER = {
    "a program": ("no filter", "course", "female", "unstated", "year",
                  "institution and year"),
    "two cohorts": ("no filter", "cohort", "country and sex", "institution"),
}
CORE = ("no filter / everything", "female / everything", "unstated / everything",
        "institution / everything", "country and sex / everything", "year / everything",
        "no filter / a program", "no filter / two cohorts")


def all_cases(world: World) -> list[tuple[str, ReportFilter, Scope]]:
    scopes = {
        "everything": EVERYTHING,
        "a program": Scope(program_ids=frozenset({world.programs[1].id})),
        "two cohorts": Scope(cohort_ids=frozenset({world.cohorts[0].id,
                                                   world.cohorts[2].id})),
    }
    return [(f"{name} / {scope_name}", filters, scope)
            for scope_name, scope in scopes.items()
            for name, filters in filter_cases(world)
            if scope_name == "everything" or name in NARROWER[scope_name]]


def oracle(world: World, core: tuple[str, ...] | None = None) -> dict[str, dict]:
    """The statement's counts, by case (those named in ``core``: only them)."""
    return {name: normalised(oracle_parts(filters, scope))
            for name, filters, scope in world.cases if core is None or name in core}


def assert_same(world: World, when: str, expected: dict[str, dict] | None = None,
                core: tuple[str, ...] | None = None) -> dict[str, dict]:
    """The sets' counts equal the statement's (``expected``, else counted now) for every
    case (those named in ``core``: only them); returns the statement's."""
    if expected is None:
        expected = oracle(world, core)
    for name, filters, scope in world.cases:
        if name in expected:
            got = normalised(people.reach_parts(filters, scope))
            assert got == expected[name], f"{when}: {name}\n{_difference(got, expected[name])}"
    return expected


def _difference(got: dict, expected: dict) -> str:
    lines = []
    for part in range(5):
        extra = [row for row in got[part] if row not in expected[part]]
        missing = [row for row in expected[part] if row not in got[part]]
        if extra or missing:
            lines.append(f"part {part}: the sets' {extra}, the statement's {missing}")
    return "\n".join(lines)


def assert_stored() -> None:
    """The sets are built and stored, the log of changes taken in."""
    assert db.session.scalar(select(func.count()).select_from(PeopleChange)) == 0
    assert db.session.scalar(select(func.count()).select_from(PeopleState)) == 1


def stored_and_fresh() -> None:
    db.session.commit()
    people.refresh()
    assert_stored()


@pytest.fixture
def at_now(database, frozen_clock):
    frozen_clock.set(NOW)
    return frozen_clock


# ---------------------------------------------------------------- random worlds

@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_worlds_count_as_the_statement_did(at_now, seed):
    world = build_world(seed)
    db.session.commit()
    # Not built yet: every cohort's sets are rebuilt and counted from, then stored.
    with people.refreshed() as fresh:
        assert fresh.everything
        expected = assert_same(world, "from the sets just built")
    assert_stored()
    assert_same(world, "from the stored sets")
    # The worlds are not empty where it matters: each part has rows with no filter.
    everything = expected["no filter / everything"]
    assert all(everything[part] for part in range(5))
    enrolled = sum(row[3] for row in everything[0])
    assert enrolled == db.session.scalar(select(func.count(func.distinct(Enrolment.user_id)))
                                         .where(Enrolment.status != S.WAITLISTED))


def test_waiting_lists_count_nowhere(at_now):
    world = build_world(4, size=12)
    db.session.commit()
    waiting = world.waiting_only
    parts = normalised(people.reach_parts(ReportFilter(cohort_id=waiting.id), EVERYTHING))
    assert parts == {part: [] for part in range(5)}
    assert parts == normalised(oracle_parts(ReportFilter(cohort_id=waiting.id), EVERYTHING))


# ---------------------------------------------------------------- every kind of change

def _actor() -> User:
    return make_user(admin=True)


def _status_by_hand(world: World) -> None:
    enrolment = world.marked["active"]
    enrolment.status = S.COMPLETED
    enrolment.completed_at = datetime(2026, 2, 28, 23, 59, 59, tzinfo=UTC)


def _withdrawn_with_a_seat_given_on(world: World) -> None:
    enrolment = world.marked["invited"]
    cohort = enrolment.cohort

    def count(*statuses) -> int:
        return db.session.scalar(select(func.count()).where(
            Enrolment.cohort_id == cohort.id, Enrolment.status.in_(statuses)))

    # Full: the seat the withdrawal frees goes to the waiting list's first.
    cohort.capacity = count(*SEATED)
    waiting = count(S.WAITLISTED)
    assert waiting
    db.session.commit()
    cohort_services.withdraw(enrolment.user, enrolment, NOW.date())
    assert count(S.WAITLISTED) == waiting - 1


def _status_set_by_a_coordinator(world: World) -> None:
    cohort_services.set_status(_actor(), world.marked["active"], S.FAILED)


def _opened(world: World) -> None:
    world.marked["active"].last_seen_at = NOW


def _opened_a_lesson(world: World) -> None:
    enrolment = world.marked["invited"]
    enrolment.last_lesson_id = world.lessons(enrolment.cohort)[1]


def _visited_through_the_service(world: World) -> None:
    enrolment = world.marked["active"]
    lesson = enrolment.cohort.course.modules[0].lessons[0]
    cohort_services.record_visit(enrolment, lesson)


def _lesson_completed(world: World) -> None:
    enrolment = world.marked["active"]
    db.session.add(LessonCompletion(enrolment_id=enrolment.id,
                                    lesson_id=world.lessons(enrolment.cohort)[0]))


def _lesson_completed_through_the_service(world: World) -> None:
    enrolment = world.marked["withdrawn"]
    lesson = enrolment.cohort.course.modules[0].lessons[1]
    assert cohort_services.complete_lesson(enrolment, lesson)


def _lesson_completion_removed(world: World) -> None:
    enrolment = world.marked["completion only"]
    for completion in db.session.scalars(select(LessonCompletion).where(
            LessonCompletion.enrolment_id == enrolment.id)):
        db.session.delete(completion)


def _enrolment_deleted(world: World) -> None:
    db.session.delete(world.marked["completed"])


def _enrolment_moved(world: World) -> None:
    # Read first, as a service would, then moved to another country, course and
    # program, starting in another year.
    enrolment = db.session.get(Enrolment, world.marked["completed"].id)
    assert enrolment.cohort_id != world.cohorts[1].id
    enrolment.cohort_id = world.cohorts[1].id


def _enrolment_moved_right_after_a_commit(world: World) -> None:
    # Set without being read again since the commit expired it: the flush knows the
    # cohort it goes to, not the one it leaves.
    enrolment, target = world.marked["completed"], world.cohorts[1].id
    assert "cohort_id" in inspect(enrolment).unloaded
    enrolment.cohort_id = target


def _enrolment_moved_by_relationship(world: World) -> None:
    enrolment = world.marked["failed"]
    assert enrolment.cohort is not None  # read first
    enrolment.cohort = world.cohorts[4]


def _enrolment_moved_by_relationship_right_after_a_commit(world: World) -> None:
    enrolment = world.marked["failed"]
    assert "cohort_id" in inspect(enrolment).unloaded
    enrolment.cohort = world.cohorts[4]


def _enrolment_given_to_someone_else(world: World) -> None:
    world.marked["completed"].user_id = world.nobody.id


def _completed_in_another_month(world: World) -> None:
    world.marked["completed"].completed_at = datetime(2026, 4, 1, 0, 0, tzinfo=UTC)


def _waiting_seated_by_hand(world: World) -> None:
    world.marked["waitlisted"].status = S.ACTIVE


def _sex_changed(world: World) -> None:
    user = world.people[0]  # in two cohorts of one country
    user.gender = "male" if user.gender == "female" else "female"


def _sex_withdrawn(world: World) -> None:
    user = world.people[1]
    user.gender = None if user.gender else "other"


def _institution_changed(world: World) -> None:
    user = world.people[0]
    others = [i.id for i in world.institutions if i.id != user.institution_id]
    user.institution_id = others[0]


def _institution_left(world: World) -> None:
    marked = world.marked["completed"].user
    marked.institution_id = None if marked.institution_id else world.institutions[2].id


def _institutions_moved_in_bulk(world: World) -> None:
    first, second = world.institutions[0].id, world.institutions[1].id
    db.session.execute(update(User).where(User.institution_id == first)
                       .values(institution_id=second)
                       .execution_options(synchronize_session=False))


def _institutions_merged(world: World) -> None:
    merge_institutions(_actor(), world.institutions[0], world.institutions[2])


def _enrolments_inserted_in_bulk(world: World) -> None:
    newcomers = [make_user(gender=gender) for gender in ("female", None, "male")]
    db.session.commit()  # the people exist before (their insert logs nothing)
    rows = [
        {"cohort_id": world.cohorts[1].id, "user_id": newcomers[0].id, "status": S.COMPLETED,
         "completed_at": datetime(2026, 1, 31, 23, 30, tzinfo=UTC)},
        {"cohort_id": world.cohorts[1].id, "user_id": newcomers[1].id, "status": S.ACTIVE,
         "last_seen_at": NOW},
        {"cohort_id": world.cohorts[3].id, "user_id": newcomers[1].id, "status": S.FAILED},
        {"cohort_id": world.empty.id, "user_id": newcomers[2].id, "status": S.INVITED},
        {"cohort_id": world.empty.id, "user_id": world.nobody.id, "status": S.WAITLISTED},
        {"cohort_id": world.cohorts[2].id, "user_id": world.people[0].id,
         "status": S.WITHDRAWN},
    ]
    db.session.execute(insert(Enrolment), rows)


def _completions_inserted_in_bulk(world: World) -> None:
    enrolment = world.marked["active"]
    done = set(db.session.scalars(select(LessonCompletion.lesson_id).where(
        LessonCompletion.enrolment_id == enrolment.id)))
    db.session.execute(insert(LessonCompletion), [
        {"enrolment_id": enrolment.id, "lesson_id": lesson, "completed_at": NOW}
        for lesson in world.lessons(enrolment.cohort) if lesson not in done])


def _enrolments_updated_in_bulk(world: World) -> None:
    db.session.execute(update(Enrolment).where(Enrolment.cohort_id == world.cohorts[2].id,
                                               Enrolment.status != S.WAITLISTED)
                       .values(status=S.WITHDRAWN)
                       .execution_options(synchronize_session=False))


def _enrolments_deleted_in_bulk(world: World) -> None:
    db.session.execute(delete(Enrolment).where(Enrolment.cohort_id == world.cohorts[2].id)
                       .execution_options(synchronize_session=False))


def _cohort_deleted(world: World) -> None:
    db.session.delete(world.cohorts[2])


def _person_deleted(world: World) -> None:
    db.session.delete(world.people[0])


def _person_enrolled(world: World) -> None:
    enrol(world.cohorts[3], make_user(gender="other", institution_id=world.institutions[1].id),
          status=S.COMPLETED).completed_at = datetime(2026, 5, 5, tzinfo=UTC)


def _cohort_moved_in_time_and_place(world: World) -> None:
    cohort = world.cohorts[2]
    cohort.country = "MX" if cohort.country != "MX" else "CO"
    cohort.starts_on = date(2026, 1, 1) if cohort.starts_on.year == 2025 else date(2025, 9, 1)


def _course_hours_changed(world: World) -> None:
    world.marked["completed"].cohort.course.hours += 7


def _two_changes_to_one_cohort(world: World) -> None:
    """Two flushes of one transaction, each changing the same cohort (logged once)."""
    world.marked["active"].status = S.COMPLETED
    db.session.flush()
    world.marked["active"].completed_at = datetime(2025, 12, 1, tzinfo=UTC)
    world.marked["invited"].last_seen_at = NOW
    db.session.flush()


def _change_rolled_back_then_made_again(world: World) -> None:
    """A change logged in a savepoint rolled back, then another to the same cohort."""
    savepoint = db.session.begin_nested()
    world.marked["active"].status = S.FAILED
    db.session.flush()
    savepoint.rollback()
    world.marked["invited"].status = S.COMPLETED


CHANGES: dict[str, Callable[[World], None]] = {
    "status by hand": _status_by_hand,
    "withdrawn, a waiting seat given": _withdrawn_with_a_seat_given_on,
    "status set by a coordinator": _status_set_by_a_coordinator,
    "opened": _opened,
    "opened a lesson": _opened_a_lesson,
    "visited (service)": _visited_through_the_service,
    "lesson completed": _lesson_completed,
    "lesson completed (service)": _lesson_completed_through_the_service,
    "lesson completion removed": _lesson_completion_removed,
    "enrolment deleted": _enrolment_deleted,
    "enrolment moved": _enrolment_moved,
    "enrolment moved right after a commit": _enrolment_moved_right_after_a_commit,
    "enrolment moved by relationship": _enrolment_moved_by_relationship,
    "enrolment moved by relationship right after a commit":
        _enrolment_moved_by_relationship_right_after_a_commit,
    "enrolment given to someone else": _enrolment_given_to_someone_else,
    "completed in another month": _completed_in_another_month,
    "waiting seated by hand": _waiting_seated_by_hand,
    "sex changed": _sex_changed,
    "sex withdrawn": _sex_withdrawn,
    "institution changed": _institution_changed,
    "institution left": _institution_left,
    "institutions moved in bulk": _institutions_moved_in_bulk,
    "institutions merged (service)": _institutions_merged,
    "enrolments inserted in bulk": _enrolments_inserted_in_bulk,
    "completions inserted in bulk": _completions_inserted_in_bulk,
    "enrolments updated in bulk": _enrolments_updated_in_bulk,
    "enrolments deleted in bulk": _enrolments_deleted_in_bulk,
    "cohort deleted": _cohort_deleted,
    "person deleted": _person_deleted,
    "person enrolled": _person_enrolled,
    "cohort moved in time and place": _cohort_moved_in_time_and_place,
    "course hours changed": _course_hours_changed,
    "two changes to one cohort": _two_changes_to_one_cohort,
    "change rolled back, then made again": _change_rolled_back_then_made_again,
}


def _holding() -> tuple[dict, dict]:
    """What this process holds of the stored sets now (``people._HELD``)."""
    return ({database: dict(cohorts) for database, cohorts in people._HELD.items()},
            dict(people._HELD_GROUPS))


def _hold(holding: tuple[dict, dict]) -> None:
    """Hold ``holding`` again: as a process that held them while another one rebuilt."""
    people.forget_held()
    people._HELD.update(holding[0])
    people._HELD_GROUPS.update(holding[1])


@pytest.mark.parametrize("change", list(CHANGES))
def test_the_sets_take_in_each_change(at_now, change):
    world = build_world(11, size=24)
    stored_and_fresh()
    before = oracle(world, CORE)
    held_before = _holding()
    assert held_before[0] and held_before[1]
    CHANGES[change](world)
    db.session.commit()
    expected = oracle(world)
    # The change shows in the statement's counts: sets that missed it would differ.
    assert {name: expected[name] for name in CORE} != before
    # Counted once from the sets rebuilt just now (beside the stored ones of the other
    # cohorts), then from what was stored.
    with people.refreshed():
        assert_same(world, f"{change}, rebuilt", expected)
    assert_stored()
    core = {name: expected[name] for name in CORE}
    assert_same(world, f"{change}, stored (held as written)", core)
    people.forget_held()
    assert_same(world, f"{change}, stored (read again)", core)
    # Another process stored the change: this one still holds the sets from before,
    # under the stamps they had; those of the cohorts rebuilt since must be read again.
    _hold(held_before)
    assert_same(world, f"{change}, stored (held from before)", core)


def test_the_sets_take_in_changes_one_after_another(at_now):
    """Every change in turn on one world, the sets refreshed between: the people placed
    in their groups and cohorts by one refresh stay right through the next."""
    world = build_world(12, size=24)
    # Fewer cases at each step: every cohort's sets and every group's people are read
    # by the first.
    checked = ("no filter / everything", "institution / everything",
               "unstated / everything", "no filter / a program")
    stored_and_fresh()
    order = [name for name in CHANGES if name not in {
        # Each of these takes away what later changes work on.
        "enrolment deleted", "enrolments deleted in bulk", "cohort deleted",
        "person deleted", "institutions merged (service)",
        # The same enrolments moved as in "enrolment moved" and "... by relationship"
        # (each checked on its own).
        "enrolment moved right after a commit",
        "enrolment moved by relationship right after a commit"}]
    for name in order:
        CHANGES[name](world)
        db.session.commit()
        assert_same(world, f"after {name}", core=checked)
        assert_stored()
    for name in ("institutions merged (service)", "enrolment deleted", "person deleted",
                 "cohort deleted"):
        CHANGES[name](world)
        db.session.commit()
        assert_same(world, f"after {name}", core=checked)
    assert_same(world, "at the end")


# ---------------------------------------------------------------- racing computations

def _taken() -> list[int]:
    return list(db.session.scalars(select(PeopleChange.id).order_by(PeopleChange.id)))


def _stored_blobs() -> dict:
    return {(cohort_id, kind): bytes(blob) for cohort_id, kind, blob in db.session.execute(
        select(CohortPeople.cohort_id, CohortPeople.kind, CohortPeople.people))} | {
        key: bytes(blob) for key, blob in db.session.execute(
            select(GroupPeople.group_key, GroupPeople.people))}


def test_an_older_computation_is_not_stored_over_a_newer_one(at_now):
    world = build_world(21, size=16)
    stored_and_fresh()
    cohort = world.cohorts[2]
    _status_by_hand(world)
    db.session.commit()
    taken = _taken()
    assert taken
    older = people._rebuild(False, [cohort.id])
    # Meanwhile another change, and another report stores sets that took both in.
    _sex_changed(world)
    world.marked["invited"].status = S.WITHDRAWN
    db.session.commit()
    people.refresh()
    assert_stored()
    newer = _stored_blobs()
    people._store(older, True, taken)  # its change ids are gone: refused
    assert _stored_blobs() == newer
    assert_same(world, "after the older computation was refused")


def test_a_newer_computation_is_not_stored_after_an_older_one(at_now):
    world = build_world(22, size=16)
    stored_and_fresh()
    _status_by_hand(world)
    db.session.commit()
    first = _taken()
    older = people._rebuild(False, [world.cohorts[2].id])
    world.marked["invited"].status = S.WITHDRAWN
    _sex_changed(world)
    db.session.commit()
    both = _taken()
    assert set(first) < set(both)
    # What refresh would compute now, stored after the older one.
    cohort_ids = {world.cohorts[2].id} | set(db.session.scalars(
        select(Enrolment.cohort_id).where(Enrolment.user_id == world.people[0].id)))
    newer = people._rebuild(False, sorted(cohort_ids))
    people._store(older, True, first)
    assert _taken() == [change for change in both if change not in first]
    blobs = _stored_blobs()
    people._store(newer, True, both)  # the first changes are gone: refused
    assert _stored_blobs() == blobs
    # The later changes are still logged: the next report takes them in.
    assert_same(world, "after the newer computation was refused")
    assert_stored()


def test_a_first_build_is_not_stored_over_a_newer_one(at_now):
    """Enrolments from before the sets (as after the migration that made them): nothing
    logged, nothing built. A first build computed early must not be stored after
    another report built and stored the sets and took in a later change."""
    world = build_world(23, size=16)
    db.session.execute(delete(PeopleChange))
    db.session.commit()
    older = people._rebuild(True, [])
    people.refresh()
    _status_by_hand(world)
    db.session.commit()
    people.refresh()
    assert_stored()
    blobs = _stored_blobs()
    people._store(older, False, [])  # built meanwhile: refused
    assert _stored_blobs() == blobs
    assert db.session.scalar(select(func.count()).select_from(PeopleState)) == 1
    assert_same(world, "after the first build was refused")


# ---------------------------------------------------------------- statements

def test_held_sets_are_not_read_again(at_now, count_queries):
    world = build_world(33, size=16)
    stored_and_fresh()
    people.forget_held()

    def sets_read() -> list[str]:
        with count_queries() as counter:
            people.reach_parts(ReportFilter(), EVERYTHING)
        return [statement for statement in counter.statements
                if "report_cohort_people" in statement or "report_group_people" in statement]

    assert len(sets_read()) == 2  # every cohort's sets, then the groups
    assert sets_read() == []
    # One cohort changed and rebuilt by another process: its sets alone are read.
    held = _holding()
    world.marked["active"].status = S.COMPLETED
    db.session.commit()
    people.refresh()
    _hold(held)
    with count_queries() as counter:
        assert_same(world, "one cohort read again", core=("no filter / everything",))
    read = [statement for statement in counter.statements
            if "report_cohort_people" in statement]
    assert len(read) == 1
    assert sets_read() == []


def test_fresh_sets_cost_two_statements(at_now, count_queries):
    build_world(31, size=12)
    db.session.commit()
    people.refresh()
    with count_queries() as counter:
        fresh = people.refresh()
    assert counter.count == 2
    assert not fresh.everything and not fresh.cohorts


def _grow(rng: random.Random, world: World, size: int) -> None:
    """More programs, courses, cohorts, institutions and people, in every status."""
    program = make_program()
    courses = [make_course(program, hours=3 + index) for index in range(3)]
    institutions = [make_institution() for _ in range(4)]
    cohorts = [make_cohort(courses[index % 3], country=("PE", "AR", "BR", "MX")[index % 4],
                           starts=date(2024, 6, 1) + timedelta(days=61 * index))
               for index in range(12)]
    world.cohorts += cohorts
    world.institutions += institutions
    for index in range(size):
        user = make_user(gender=rng.choice(("female", "male", None, "other")),
                         institution_id=rng.choice([*[i.id for i in institutions], None]))
        for cohort in rng.sample(world.cohorts, 2):
            enrolment = enrol(cohort, user, status=list(EnrolmentStatus)[index % 6])
            if enrolment.status == S.COMPLETED:
                enrolment.completed_at = _moment(rng)
            if index % 3 == 0:
                enrolment.last_seen_at = NOW
    db.session.flush()


def test_counting_costs_the_same_statements_at_any_size(at_now, count_queries):
    world = build_world(32, size=8)
    stored_and_fresh()
    measured = [("no filter", ReportFilter()), ("female", ReportFilter(gender="female")),
                ("institution and year", ReportFilter(
                    institution_id=world.institutions[0].id, start=date(2025, 1, 1),
                    end=date(2025, 12, 31)))]

    def statements() -> dict[str, int]:
        counts = {}
        for name, filters in measured:
            with count_queries() as counter:
                people.reach_parts(filters, EVERYTHING)
            counts[name] = counter.count
        return counts

    small = statements()
    # After a change to one cohort: taking it in costs the same at any size too.
    world.marked["active"].status = S.COMPLETED
    db.session.commit()
    with count_queries() as small_change:
        people.reach_parts(ReportFilter(), EVERYTHING)
    _grow(random.Random(32), world, 150)
    stored_and_fresh()
    assert statements() == small
    db.session.execute(update(Enrolment).where(Enrolment.status == S.ACTIVE)
                       .values(last_seen_at=NOW)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    assert_same(world, "grown")
    for cohort in world.cohorts[:12]:  # a change in twelve cohorts at once
        enrolment = db.session.scalar(select(Enrolment).where(
            Enrolment.cohort_id == cohort.id, Enrolment.status == S.ACTIVE).limit(1))
        if enrolment is not None:
            enrolment.status = S.FAILED
    db.session.commit()
    with count_queries() as large_change:
        people.reach_parts(ReportFilter(), EVERYTHING)
    assert large_change.count == small_change.count
