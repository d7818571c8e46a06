"""People sets: the distinct people of the report, counted from bitmaps instead of rows.

Counting distinct people is what made the reach section slow at a program's size: each
count folded 100,000 enrolments into people again (half a second on two cores). Here
each cohort keeps its people of each kind (enrolled, started, each status, completed
in a month) as a roaring bitmap of user ids, and the people of one sex and institution
are one more bitmap. Every filter of the report but sex and institution is a property
of the cohort, so the people of any selection are the union of the selected cohorts'
bitmaps, intersected with the people of the selected sexes and institutions; someone
in two cohorts counts once. The enrolments and completions by sex and institution,
which add up, are kept as plain counts per cohort (``CohortTally``).

The same sets hold each cohort's people per assessment and band of their grade, and
those who passed (``g<id>:<band>``, ``g<id>:pass``): someone graded in two cohorts
counts once, in the band of their best grade, which is the highest band they are in.

Staying exact. Whatever changes a cohort's people (an enrolment added, removed or
changing status, cohort or completion date; a first lesson opened; a lesson completion;
a grade; an assessment's kind; a person's sex or institution) appends a row to
``report_people_changes`` in the same transaction, through the session hooks below; a
bulk statement on those tables that names no cohort logs "everything". Appending never
makes two writers wait on each other, as updating a per-cohort row would. Before
counting, ``refresh`` rebuilds the sets of the cohorts the log names (or all of them),
hands them to this computation, and writes them back with the log entries it took in; a
report never counts from a set older than the last committed change it could see.
"""

from __future__ import annotations

import contextvars
import json
import logging
import secrets
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from pyroaring import BitMap, FrozenBitMap
from sqlalchemy import (
    BigInteger,
    Integer,
    Select,
    Text,
    bindparam,
    cast,
    delete,
    event,
    func,
    insert,
    inspect,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.orm.util import identity_key

from lms.accounts.models import Institution, User
from lms.assessments.models import Assessment, AssessmentKind, Grade
from lms.assessments.observations.models import Observation, ObservationItem
from lms.catalog.models import Course, Lesson, Module
from lms.cohorts.models import Cohort, Enrolment, EnrolmentStatus, LessonCompletion
from lms.evaluations.models import (
    EvaluationAnswer,
    EvaluationFollowupMail,
    EvaluationItem,
    EvaluationResponse,
    EvaluationTemplate,
)
from lms.extensions import db
from lms.kernel import clock, jobs
from lms.reports import facts
from lms.reports.filters import UNSTATED, ReportFilter, Scope, cohort_conditions
from lms.reports.models import (
    CohortCount,
    CohortPeople,
    CohortStamp,
    CohortTally,
    GroupPeople,
    PeopleChange,
    PeopleState,
)

log = logging.getLogger(__name__)

# Graded assessments (attendance is not a test of learning) and the score bands, 0-9 to
# 90-100: each cohort keeps its people per assessment and band (``g<id>:<band>``) and
# those who passed (``g<id>:pass``).
GRADED_KINDS = (AssessmentKind.QUIZ, AssessmentKind.ASSIGNMENT, AssessmentKind.OBSERVATION)
BANDS = [(low, low + 10) for low in range(0, 100, 10)]
GRADED = "g"
ENROLLED = "enrolled"
STARTED = "started"
DONE = "done:"  # + YYYY-MM: completed in that month (UTC)
# The statuses the report counts people in (a place on a waiting list is no enrolment).
STATUSES = [status for status in EnrolmentStatus if status != EnrolmentStatus.WAITLISTED]
# A PostgreSQL advisory lock: one writer of the sets at a time.
_LOCK = 0x6C6D7370  # "lmsp"
_CHUNK = 500


def group_key(gender: str | None, institution_id: int | None) -> str:
    return f"{gender or ''}|{institution_id or ''}"


def started_condition():
    """SQL: the enrolment was started (a lesson completed or opened, or a course result)."""
    opened = or_(Enrolment.last_lesson_id.is_not(None), Enrolment.last_seen_at.is_not(None))
    finished = Enrolment.status.in_([EnrolmentStatus.COMPLETED, EnrolmentStatus.FAILED])
    # IN (subquery), not a correlated EXISTS: PostgreSQL hashes it once, where a subplan
    # per enrolment made the estimate so costly that it compiled each query (JIT, 150 ms).
    completed_lesson = Enrolment.id.in_(select(LessonCompletion.enrolment_id))
    return or_(opened, finished, completed_lesson)


# ---------------------------------------------------------------- logging the changes

# Deleted in bulk, these take counted rows with them in the database (ON DELETE
# CASCADE): nothing left says where, so any statement on them but an INSERT logs
# everything, as deleting one through the session does (``_TAKE_ROWS_WITH_THEM``).
_OWNERS = {"lessons", "modules", "observation_items", "evaluation_items",
           "evaluation_templates"}
_WATCHED = {"enrolments", "lesson_completions", "grades", "users", "assessments", "courses",
            "observations", "evaluation_responses", "evaluation_answers",
            "evaluation_followup_mails", *_OWNERS}
_BY_ENROLMENT = {"lesson_completions", "grades", "observations", "evaluation_followup_mails"}
# Rows placed in a cohort through their enrolment, and what in them the facts count.
_ENROLMENT_ROWS = {LessonCompletion: (), Grade: ("percent", "passed", "assessment_id"),
                   Observation: ("result", "item_id"), EvaluationFollowupMail: ()}
# Enrolment columns whose change changes the sets (the started flag: only its first).
_ENROLMENT_COLUMNS = ("status", "cohort_id", "user_id", "completed_at")
_FIRST_SEEN = ("last_seen_at", "last_lesson_id")


def _changed(state, name: str) -> tuple[list, list]:
    history = state.attrs[name].history
    return list(history.deleted or ()), list(history.added or ())


# Deleting one of these deletes, in the database, rows the sets or facts were built from.
_TAKE_ROWS_WITH_THEM = (User, Assessment, Lesson, Module, ObservationItem, EvaluationItem,
                        EvaluationTemplate)
_MOVED_FROM = "lms_people_moved_from"


@event.listens_for(db.session, "before_flush")
def _note_moves(session: Session, _context, _instances) -> None:
    # An enrolment moved to another cohort after its attributes expired (a commit) does
    # not know the cohort it leaves: read it while the row still says so.
    # (Set through the relationship, the new cohort_id is not even written yet.)
    unknown = []
    for instance in session.dirty:
        if isinstance(instance, Enrolment) and instance.id is not None:
            state = inspect(instance)
            if any(any(_changed(state, name)) for name in ("cohort_id", "cohort")):
                unknown.append(instance.id)
    regraded = [instance.id for instance in session.dirty
                if isinstance(instance, Grade) and instance.id is not None
                and any(any(_changed(inspect(instance), name))
                        for name in ("enrolment_id", "enrolment"))]
    with session.no_autoflush:
        left = set()
        if unknown:
            left.update(session.scalars(select(Enrolment.cohort_id)
                                        .where(Enrolment.id.in_(unknown))))
        if regraded:
            left.update(session.scalars(select(Enrolment.cohort_id)
                                        .join(Grade, Grade.enrolment_id == Enrolment.id)
                                        .where(Grade.id.in_(regraded))))
    if left:
        session.info.setdefault(_MOVED_FROM, set()).update(left)


@event.listens_for(db.session, "after_flush")
def _log_flushed(session: Session, _context) -> None:
    cohorts: set[int] = set(session.info.pop(_MOVED_FROM, ()))
    users: set[int] = set()
    enrolments: set[int] = set()
    everything = False
    responses: set[int] = set()
    for instance in session.new | session.deleted:
        if isinstance(instance, (Enrolment, EvaluationResponse, EvaluationAnswer,
                                 *_ENROLMENT_ROWS)):
            # What the flush wrote (a deleted row's attributes cannot be loaded again).
            if isinstance(instance, Enrolment | EvaluationResponse):
                name, into = "cohort_id", cohorts
            elif isinstance(instance, EvaluationAnswer):
                name, into = "response_id", responses
            else:
                name, into = "enrolment_id", enrolments
            value = inspect(instance).dict.get(name)
            if value is None:
                everything = True
            else:
                into.add(value)
        elif isinstance(instance, _TAKE_ROWS_WITH_THEM) and instance in session.deleted:
            # Its enrolments, grades, observations or answers go with it, in the
            # database: nothing left says where.
            everything = True
    for instance in session.dirty:
        if isinstance(instance, Enrolment):
            state = inspect(instance)
            before, after = _changed(state, "cohort_id")
            if before or after:
                cohorts.update(before + after)
            if any(any(_changed(state, name)) for name in _ENROLMENT_COLUMNS) or any(
                    after and (not before or before == [None])
                    for before, after in (_changed(state, name) for name in _FIRST_SEEN)):
                cohorts.add(instance.cohort_id)
        elif isinstance(instance, User):
            state = inspect(instance)
            if any(any(_changed(state, name)) for name in ("gender", "institution_id")):
                users.add(instance.id)
        elif isinstance(instance, tuple(_ENROLMENT_ROWS)):
            state = inspect(instance)
            if any(any(_changed(state, name)) for name in (
                    *_ENROLMENT_ROWS[type(instance)], "enrolment_id")):
                before, after = _changed(state, "enrolment_id")
                enrolments.update(before + after + [instance.enrolment_id])
        elif isinstance(instance, EvaluationResponse):
            state = inspect(instance)
            if any(any(_changed(state, name)) for name in ("cohort_id", "kind")):
                before, after = _changed(state, "cohort_id")
                cohorts.update(before + after + [instance.cohort_id])
        elif isinstance(instance, EvaluationAnswer):
            state = inspect(instance)
            if any(any(_changed(state, name)) for name in ("value", "item_id", "response_id")):
                before, after = _changed(state, "response_id")
                responses.update(before + after + [instance.response_id])
        elif isinstance(instance, Assessment) and any(
                any(_changed(inspect(instance), name)) for name in ("kind", "test_role")):
            everything = True
        elif isinstance(instance, Course) and any(_changed(inspect(instance), "hours")):
            everything = True  # the hours delivered of every completion of the course
    _append(session, cohorts, users, enrolments, everything, responses)


@event.listens_for(db.session, "do_orm_execute")
def _log_bulk(execute_state: ORMExecuteState) -> None:
    if not (execute_state.is_insert or execute_state.is_update or execute_state.is_delete):
        return
    table = getattr(execute_state.statement, "table", None)
    name = getattr(table, "name", None)
    if name not in _WATCHED:
        return
    rows = execute_state.parameters
    rows = rows if isinstance(rows, list) else [rows] if rows else []
    session = execute_state.session
    if execute_state.is_insert and name in ("users", "courses", *_OWNERS):
        # Nobody new is in a cohort yet, no cohort of a new course yet, nothing counted
        # under a new lesson, item or template yet.
        return
    if execute_state.is_insert and rows and name == "enrolments" and all(
            row.get("cohort_id") is not None for row in rows):
        _append(session, {row["cohort_id"] for row in rows}, set(), set(), False)
    elif execute_state.is_insert and name == "assessments":
        return  # no grade yet
    elif execute_state.is_insert and rows and name in _BY_ENROLMENT and all(
            row.get("enrolment_id") is not None for row in rows):
        _append(session, set(), set(), {row["enrolment_id"] for row in rows}, False)
    elif execute_state.is_insert and rows and name == "evaluation_responses" and all(
            row.get("cohort_id") is not None for row in rows):
        _append(session, {row["cohort_id"] for row in rows}, set(), set(), False)
    elif execute_state.is_insert and rows and name == "evaluation_answers" and all(
            row.get("response_id") is not None for row in rows):
        _append(session, set(), set(), set(), False, {row["response_id"] for row in rows})
    else:
        _append(session, set(), set(), set(), True)


_LOGGED = "lms_people_logged"


@event.listens_for(db.session, "after_transaction_end")
def _forget_logged(session: Session, _transaction) -> None:
    # Any transaction or savepoint that ends may have taken rows with it: log again.
    session.info.pop(_LOGGED, None)


def _append(session: Session, cohorts: set[int], users: set[int], enrolments: set[int],
            everything: bool, responses: set[int] | frozenset[int] = frozenset()) -> None:
    """Log the changes, each once per transaction (a service flushes an enrolment
    several times)."""
    logged = session.info.setdefault(_LOGGED, set())
    # A row the session holds says its cohort without a statement (a quiz's submit
    # grades and completes the enrolment it loaded; an evaluation is submitted with its
    # answers); the others' cohorts are read in the statement that logs them.
    unplaced = {model: _placed(session, model, ids, cohorts)
                for model, ids in ((Enrolment, enrolments), (EvaluationResponse, responses))}
    cohorts.discard(None)  # type: ignore[arg-type]
    keys = ([(None, None)] if everything else []) + [(c, None) for c in sorted(cohorts)] \
        + [(None, u) for u in sorted(users)]
    rows = [{"cohort_id": c, "user_id": u} for c, u in keys if (c, u) not in logged]
    logged.update(keys)
    if rows:
        session.execute(PeopleChange.__table__.insert(), rows)
    for model, ids in unplaced.items():
        for chunk in _chunks(ids):
            session.execute(insert(PeopleChange).from_select(
                ["cohort_id"], select(model.cohort_id).distinct().where(model.id.in_(chunk))))


def _placed(session: Session, model, ids: Iterable[int], cohorts: set[int]) -> list[int]:
    """Add to ``cohorts`` the cohort of each row of ``model`` the session holds; the ids
    of those it does not hold, in order."""
    unplaced = []
    for row_id in sorted(ids):
        held = session.identity_map.get(identity_key(model, row_id))
        cohort_id = inspect(held).dict.get("cohort_id") if held is not None else None
        if cohort_id is None:
            unplaced.append(row_id)
        else:
            cohorts.add(cohort_id)
    return unplaced


def _chunks(values: Sequence, size: int = _CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


# ---------------------------------------------------------------- bringing them up to date

@dataclass
class Fresh:
    """Sets rebuilt just now, for the cohorts the log named (all of them: ``everything``),
    to count from instead of the stored ones."""

    everything: bool = False
    cohorts: dict[int, dict[str, BitMap]] = field(default_factory=dict)
    groups_stamp: int | None = None  # of the stored people of each sex and institution
    tallies: dict[int, dict[str, list]] = field(default_factory=dict)
    placed: dict[int, tuple[str, str | None, int | None]] = field(default_factory=dict)
    facts: dict[int, dict[str, list]] = field(default_factory=dict)


_fresh: contextvars.ContextVar[Fresh | None] = contextvars.ContextVar("people_fresh",
                                                                      default=None)


@contextmanager
def refreshed() -> Iterator[Fresh]:
    """Bring the sets up to date once for every section computed in the block (the
    report's threads run in copies of this context)."""
    fresh = refresh()
    token = _fresh.set(fresh)
    try:
        yield fresh
    finally:
        _fresh.reset(token)


def current() -> Fresh:
    """The sets' freshening of the report being computed, or a new one."""
    fresh = _fresh.get()
    return fresh if fresh is not None else refresh()


def refresh() -> Fresh:
    """Rebuild the sets of the cohorts changed since they were stored; store them again.

    Reads in the caller's session (so a computation sees its own snapshot); writes in a
    session of its own, committed at once. If that write fails (another writer holds
    the lock too long), the figures are still exact: they count from what this returns.
    """
    session = db.session
    state = session.execute(select(PeopleState.id, PeopleState.stamp).limit(1)).first()
    built = state is not None
    changes = session.execute(select(PeopleChange.id, PeopleChange.cohort_id,
                                     PeopleChange.user_id)).all()
    if built and not changes:
        return Fresh(groups_stamp=state.stamp)
    everything = not built or any(c is None and u is None for _i, c, u in changes)
    cohort_ids = {c for _i, c, _u in changes if c is not None}
    users = sorted({u for _i, _c, u in changes if u is not None})
    for chunk in _chunks(users):
        cohort_ids.update(session.scalars(select(Enrolment.cohort_id).distinct()
                                          .where(Enrolment.user_id.in_(chunk))))
    fresh = _rebuild(everything, sorted(cohort_ids))
    fresh.groups_stamp = state.stamp if built else None
    _store(fresh, built, [change_id for change_id, _c, _u in changes])
    return fresh


@jobs.periodic(jobs.crontab(minute="*/10"), name="refresh-report-people")
def refresh_task() -> None:
    """Every ten minutes, take in the logged changes, so that the log stays short and
    the first report after a quiet week does not rebuild what changed during it."""
    refresh()


def _rebuild(everything: bool, cohort_ids: list[int]) -> Fresh:
    fresh = Fresh(everything=everything, cohorts={c: {} for c in cohort_ids},
                  tallies={c: {} for c in cohort_ids})
    query = (select(Enrolment.cohort_id, Enrolment.user_id, Enrolment.status,
                    started_condition().label("started"), Enrolment.completed_at,
                    User.gender, User.institution_id, Course.hours)
             .join(User, User.id == Enrolment.user_id)
             .join(Cohort, Cohort.id == Enrolment.cohort_id)
             .join(Course, Course.id == Cohort.course_id)
             .where(Enrolment.status != EnrolmentStatus.WAITLISTED))
    for batch in _batches(query, everything, cohort_ids):
        for cohort_id, user_id, status, started, completed_at, gender, institution_id, \
                hours in db.session.execute(batch):
            kinds = fresh.cohorts.setdefault(cohort_id, {})
            status = str(status)
            names = [ENROLLED, status]
            if started:
                names.append(STARTED)
            if status == EnrolmentStatus.COMPLETED and completed_at is not None:
                names.append(f"{DONE}{clock.as_utc(completed_at):%Y-%m}")
            _add(kinds, names, user_id)
            key = group_key(gender, institution_id)
            tally = fresh.tallies.setdefault(cohort_id, {}).setdefault(
                key, [gender, institution_id, 0, 0, 0])
            tally[2] += 1
            if status == EnrolmentStatus.COMPLETED:
                tally[3] += 1
                tally[4] += hours or 0
            fresh.placed[user_id] = (key, gender, institution_id)
    grades = (select(Enrolment.cohort_id, Grade.assessment_id, Enrolment.user_id,
                     Grade.percent, Grade.passed)
              .join(Enrolment, Enrolment.id == Grade.enrolment_id)
              .join(Assessment, Assessment.id == Grade.assessment_id)
              .where(Assessment.kind.in_([kind.value for kind in GRADED_KINDS])))
    for batch in _batches(grades, everything, cohort_ids):
        for cohort_id, assessment_id, user_id, percent, passed in db.session.execute(batch):
            kinds = fresh.cohorts.setdefault(cohort_id, {})
            names = [f"{GRADED}{assessment_id}:{band_of(percent)}"]
            if passed:
                names.append(f"{GRADED}{assessment_id}:pass")
            _add(kinds, names, user_id)
    fresh.facts = {cohort_id: {} for cohort_id in cohort_ids}
    fresh.facts.update(facts.build(
        lambda query, column: [query] if everything else [
            query.where(column.in_(chunk)) for chunk in _chunks(cohort_ids)]))
    return fresh


def _batches(query, everything: bool, cohort_ids: list[int]) -> list:
    """``query`` for every cohort, or for ``cohort_ids`` a few hundred at a time."""
    return [query] if everything else [query.where(Enrolment.cohort_id.in_(chunk))
                                       for chunk in _chunks(cohort_ids)]


def _add(kinds: dict[str, BitMap], names: list[str], user_id: int) -> None:
    for name in names:
        people = kinds.get(name)
        if people is None:
            people = kinds[name] = BitMap()
        people.add(user_id)


def band_of(percent) -> int:
    """The score band of a grade (0 to 100): the highest whose low bound it reaches."""
    for index in range(len(BANDS) - 1, 0, -1):
        if percent >= BANDS[index][0]:
            return index
    return 0


def _store(fresh: Fresh, built: bool, change_ids: list[int]) -> None:
    session = db.session.session_factory()
    try:
        # Take the write lock first: on SQLite the first write does; on PostgreSQL a lock
        # of our own. Then check, under it, that nobody stored sets newer than ours.
        session.execute(delete(PeopleChange).where(PeopleChange.id < 0))
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
        still_built = session.scalar(select(PeopleState.id).limit(1)) is not None
        still_there = session.scalar(select(func.count()).select_from(PeopleChange)
                                     .where(_among(PeopleChange.id, change_ids, session)))
        if still_built != built or still_there != len(change_ids):
            session.rollback()  # someone stored sets since we read: theirs or the next
            return
        cohort_stamps, groups = _write(session, fresh)
        session.execute(delete(PeopleChange).where(
            _among(PeopleChange.id, change_ids, session)))
        groups_stamp = _new_stamp()
        if built:
            session.execute(update(PeopleState).values(stamp=groups_stamp))
        else:
            session.add(PeopleState(built_at=clock.now(), stamp=groups_stamp))
        session.commit()
        _hold_written(fresh, cohort_stamps, groups_stamp, groups)
    except Exception:
        session.rollback()
        log.warning("The report's people sets could not be stored; the next report "
                    "rebuilds them", exc_info=True)
    finally:
        session.close()


def _among(column, ids: list[int], session: Session):
    """SQL: ``column`` is one of ``ids``, in one statement with one parameter however
    many they are (an import logs thousands of changes)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == func.any(bindparam(None, ids, type_=ARRAY(Integer)))
    return column.in_(select(literal_column("value")).select_from(
        func.json_each(json.dumps(ids))))


def _write(session: Session, fresh: Fresh) -> tuple[dict[int, int], dict[str, tuple]]:
    """Store ``fresh``; ({cohort: its new stamp}, the people of each sex and institution
    as stored)."""
    rewritten = (CohortPeople, CohortTally, CohortCount, CohortStamp)
    if fresh.everything:
        for table in rewritten:
            session.execute(delete(table))
    else:
        for chunk in _chunks(sorted(fresh.cohorts)):
            for table in rewritten:
                session.execute(delete(table).where(table.cohort_id.in_(chunk)))
    existing = set(session.scalars(select(Cohort.id).where(Cohort.id.in_(sorted(fresh.cohorts)))
                                   )) if not fresh.everything else None
    people_rows, tally_rows, fact_rows = [], [], []
    stamps: dict[int, int] = {}
    for cohort_id, kinds in fresh.cohorts.items():
        if existing is not None and cohort_id not in existing:
            continue  # deleted meanwhile: nothing to keep
        if kinds:  # a cohort without a stamp has no sets
            stamps[cohort_id] = _new_stamp()
        people_rows += [{"cohort_id": cohort_id, "kind": kind, "people": people.serialize()}
                        for kind, people in kinds.items()]
        tally_rows += [{"cohort_id": cohort_id, "group_key": key, "gender": gender,
                        "institution_id": institution_id, "enrolments": enrolments,
                        "completions": completions, "hours": hours}
                       for key, (gender, institution_id, enrolments, completions, hours)
                       in fresh.tallies.get(cohort_id, {}).items()]
        fact_rows += [{"cohort_id": cohort_id, "kind": kind, "key1": key1, "key2": key2,
                       "n1": n1, "n2": n2, "n3": n3}
                      for kind, rows in fresh.facts.get(cohort_id, {}).items()
                      for key1, key2, n1, n2, n3 in rows]
    for chunk in _chunks(people_rows):
        session.execute(CohortPeople.__table__.insert(), list(chunk))
    for chunk in _chunks(tally_rows):
        session.execute(CohortTally.__table__.insert(), list(chunk))
    for chunk in _chunks(fact_rows):
        session.execute(CohortCount.__table__.insert(), list(chunk))
    for chunk in _chunks([{"cohort_id": cohort_id, "stamp": stamp}
                          for cohort_id, stamp in stamps.items()]):
        session.execute(CohortStamp.__table__.insert(), list(chunk))
    groups = _groups(session, fresh)
    session.execute(delete(GroupPeople))
    for chunk in _chunks([{"group_key": key, "gender": gender, "institution_id": institution,
                           "people": people.serialize()}
                          for key, (gender, institution, people) in groups.items() if people]):
        session.execute(GroupPeople.__table__.insert(), list(chunk))
    return stamps, {key: group for key, group in groups.items() if group[2]}


def _groups(session: Session, fresh: Fresh, held: bool = False) -> dict[str, tuple]:
    """{group key: (sex, institution, people)}: as stored (with ``held``, as this
    process holds them under the stamp ``fresh`` read), with the people the rebuild
    saw placed in their group now (and out of any other)."""
    groups: dict[str, tuple] = {}
    if not fresh.everything:
        stored = _held_groups(session, fresh.groups_stamp) if held else _stored_groups(session)
        groups = {key: (gender, institution_id, BitMap(people) if fresh.placed else people)
                  for key, (gender, institution_id, people) in stored.items()}
    if fresh.placed:
        moved = BitMap(fresh.placed)
        for _gender, _institution, people in groups.values():
            people.difference_update(moved)
        for user_id, (key, gender, institution_id) in fresh.placed.items():
            if key not in groups:
                groups[key] = (gender, institution_id, BitMap())
            groups[key][2].add(user_id)
    return groups


# ---------------------------------------------------------------- the stored sets, held

@dataclass(frozen=True)
class Held:
    """One cohort's stored sets: the graded ones (``g<id>:...``) and the others. Shared
    by every report of the process: read them, never change them."""

    plain: Mapping[str, FrozenBitMap]
    graded: Mapping[str, FrozenBitMap]


_NO_SETS = Held({}, {})
# {database: {cohort: (stamp, its sets)}} and {database: (stamp, groups)}: the stored
# sets as this process last read or wrote them. Sets are rebuilt a cohort at a time and
# each rebuild writes a new random stamp beside them, so a report reads again only the
# sets of the cohorts rebuilt since (at a program's size, reading and unpacking every
# cohort's sets cost a report about 20 ms of Python, for which its section threads
# take turns on one core). A cohort deleted is never asked for again; its few sets stay until the
# process ends.
_HELD: dict[str, dict[int, tuple[int, Held]]] = {}
_HELD_GROUPS: dict[str, tuple[int, dict[str, tuple]]] = {}


def _new_stamp() -> int:
    return secrets.randbits(63)


def _database() -> str:
    return str(db.session.get_bind().engine.url)


def _split(sets: Mapping[str, FrozenBitMap]) -> Held:
    return Held({kind: people for kind, people in sets.items() if not kind.startswith(GRADED)},
                {kind: people for kind, people in sets.items() if kind.startswith(GRADED)})


def stored_sets(stamps: Iterable[tuple[int, int | None]]) -> dict[int, Held]:
    """{cohort: its sets as stored} for each (cohort, stamp it has now): those this
    process holds under that stamp as they are, the others read in one statement (and
    held). A cohort without a stamp has no sets."""
    held = _HELD.setdefault(_database(), {})
    found: dict[int, Held] = {}
    stale: list[int] = []
    for cohort_id, stamp in stamps:
        if stamp is None:
            found[cohort_id] = _NO_SETS
            continue
        entry = held.get(cohort_id)
        if entry is not None and entry[0] == stamp:
            found[cohort_id] = entry[1]
        else:
            stale.append(cohort_id)
    if not stale:
        return found
    read: dict[int, dict[str, FrozenBitMap]] = {cohort_id: {} for cohort_id in stale}
    read_under: dict[int, int] = {}
    # The stamp read in the same statement as the sets: it names the sets it came with.
    for cohort_id, stamp, kind, blob in db.session.execute(
            select(CohortPeople.cohort_id, CohortStamp.stamp, CohortPeople.kind,
                   CohortPeople.people)
            .join(CohortStamp, CohortStamp.cohort_id == CohortPeople.cohort_id)
            .where(_among(CohortPeople.cohort_id, stale, db.session))):
        read[cohort_id][kind] = FrozenBitMap.deserialize(bytes(blob))
        read_under[cohort_id] = stamp
    for cohort_id, sets in read.items():
        found[cohort_id] = _split(sets)
        if cohort_id in read_under:
            held[cohort_id] = (read_under[cohort_id], found[cohort_id])
    return found


def _stored_groups(session: Session) -> dict[str, tuple]:
    return {key: (gender, institution_id, FrozenBitMap.deserialize(bytes(blob)))
            for key, gender, institution_id, blob in session.execute(
                select(GroupPeople.group_key, GroupPeople.gender, GroupPeople.institution_id,
                       GroupPeople.people))}


def _held_groups(session: Session, stamp: int | None) -> dict[str, tuple]:
    """The stored people of each sex and institution, held while their stamp is ``stamp``."""
    entry = _HELD_GROUPS.get(_database())
    if stamp is not None and entry is not None and entry[0] == stamp:
        return entry[1]
    groups = _stored_groups(session)
    if stamp is not None:
        _HELD_GROUPS[_database()] = (stamp, groups)
    return groups


def _hold_written(fresh: Fresh, stamps: dict[int, int], groups_stamp: int,
                  groups: dict[str, tuple]) -> None:
    """Hold what a rebuild just stored, under its stamps: the next report reads none of it."""
    held = _HELD.setdefault(_database(), {})
    for cohort_id, stamp in stamps.items():
        held[cohort_id] = (stamp, _split({kind: FrozenBitMap(people) for kind, people
                                          in fresh.cohorts[cohort_id].items()}))
    _HELD_GROUPS[_database()] = (groups_stamp, {
        key: (gender, institution_id, FrozenBitMap(people))
        for key, (gender, institution_id, people) in groups.items()})


def forget_held() -> None:
    """Drop every set this process holds: the next report reads them all again."""
    _HELD.clear()
    _HELD_GROUPS.clear()


# ---------------------------------------------------------------- reading them

@dataclass
class Selection:
    """The selected cohorts' sets and attributes, and the people filter (None: anyone)."""

    # (id, country, course, start, course hours) of each selected cohort
    cohorts: list[tuple[int, str | None, int, date | None, int]]
    kinds: dict[int, dict[str, FrozenBitMap]]
    groups: dict[str, tuple[str | None, int | None, FrozenBitMap]]
    people: FrozenBitMap | None
    tallies: list[tuple[str | None, int | None, int, int]]  # sex, institution, enrolments, hours


def _group_wanted(filters: ReportFilter, gender: str | None, institution_id: int | None) -> bool:
    if filters.gender is not None:
        if filters.gender == UNSTATED and gender is not None:
            return False
        if filters.gender != UNSTATED and gender != filters.gender:
            return False
    return filters.institution_id is None or institution_id == filters.institution_id


def select_cohorts(filters: ReportFilter, scope: Scope, *, tallies: bool = True,
                   kinds: Sequence[str] | None = None, graded: bool = False) -> Selection:
    """The cohorts the filters and scope select, with their people sets of ``kinds``
    (or, with ``graded``, those per assessment; else every other kind); the tallies by
    sex and institution only if asked for."""
    fresh = current()
    wanted_kinds = kinds
    where = cohort_conditions(filters, scope)
    rows = db.session.execute(
        select(Cohort.id, Cohort.country, Cohort.course_id, Cohort.starts_on, Course.hours,
               CohortStamp.stamp)
        .join(Course, Course.id == Cohort.course_id)
        .outerjoin(CohortStamp, CohortStamp.cohort_id == Cohort.id)
        .where(*where).order_by(Cohort.id)).all()
    cohorts = [tuple(row[:5]) for row in rows]
    kinds: dict[int, dict[str, FrozenBitMap]] = defaultdict(dict)
    if not fresh.everything:
        for cohort_id, held in stored_sets(
                (row[0], row[5]) for row in rows if row[0] not in fresh.cohorts).items():
            if wanted_kinds is not None:
                chosen = {kind: held.plain[kind] for kind in wanted_kinds if kind in held.plain}
            else:
                chosen = held.graded if graded else held.plain
            if chosen:
                kinds[cohort_id] = chosen
    wanted = {cohort_id for cohort_id, *_rest in cohorts}
    for cohort_id, sets in fresh.cohorts.items():
        if cohort_id in wanted:
            kinds[cohort_id] = {kind: FrozenBitMap(people) for kind, people in sets.items()}
    by_person = filters.gender is not None or filters.institution_id is not None
    groups = {key: (gender, institution_id, FrozenBitMap(people)) for key, (
        gender, institution_id, people) in _groups(db.session, fresh, held=True).items()} \
        if tallies or by_person else {}
    people = None
    if by_person:
        people = FrozenBitMap.union(FrozenBitMap(), *(
            members for gender, institution_id, members in groups.values()
            if _group_wanted(filters, gender, institution_id)))
    return Selection(cohorts, kinds, groups, people,
                     _tallies(filters, where, fresh, wanted) if tallies else [])


def cohort_counts(filters: ReportFilter, scope: Scope, kind: str) -> dict[tuple, list[int]]:
    """{(key 1, key 2): the three numbers added up} of the ``kind`` rows
    (``lms.reports.facts``) of the cohorts the filters and scope select (the sex and
    institution filters are not the cohort's: see there)."""
    fresh = current()
    where = cohort_conditions(filters, scope)
    selected = select(Cohort.id).join(Course, Course.id == Cohort.course_id).where(*where)
    totals: dict[tuple, list[int]] = {}
    if not fresh.everything:
        conditions = [CohortCount.kind == kind]
        if where:
            conditions.append(CohortCount.cohort_id.in_(selected))
        if fresh.cohorts:
            conditions.append(CohortCount.cohort_id.not_in(sorted(fresh.cohorts)))
        for key1, key2, *numbers in db.session.execute(
                select(CohortCount.key1, CohortCount.key2, func.sum(CohortCount.n1),
                       func.sum(CohortCount.n2), func.sum(CohortCount.n3))
                .where(*conditions).group_by(CohortCount.key1, CohortCount.key2)):
            totals[key1, key2] = [int(number or 0) for number in numbers]
    if fresh.facts:
        for cohort_id in db.session.scalars(selected):
            for key1, key2, *numbers in fresh.facts.get(cohort_id, {}).get(kind, ()):
                total = totals.setdefault((key1, key2), [0, 0, 0])
                for index, number in enumerate(numbers):
                    total[index] += number
    return totals


def _tallies(filters: ReportFilter, where: list, fresh: Fresh,
             wanted: set[int]) -> list[tuple]:
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    if not fresh.everything:
        # The tallies alone, their cohorts matched by id: an index holds the columns
        # summed in the order grouped, so no row is sorted nor joined.
        conditions = []
        if where:
            conditions.append(CohortTally.cohort_id.in_(
                select(Cohort.id).join(Course, Course.id == Cohort.course_id).where(*where)))
        if fresh.cohorts:
            conditions.append(CohortTally.cohort_id.not_in(sorted(fresh.cohorts)))
        if filters.gender is not None:
            conditions.append(CohortTally.gender.is_(None) if filters.gender == UNSTATED
                              else CohortTally.gender == filters.gender)
        if filters.institution_id is not None:
            conditions.append(CohortTally.institution_id == filters.institution_id)
        for gender, institution_id, enrolments, hours in db.session.execute(
                select(CohortTally.gender, CohortTally.institution_id,
                       func.sum(CohortTally.enrolments), func.sum(CohortTally.hours))
                .where(*conditions)
                .group_by(CohortTally.gender, CohortTally.institution_id)):
            total = totals[gender, institution_id]
            total[0] += int(enrolments or 0)
            total[1] += int(hours or 0)
    for cohort_id in wanted & set(fresh.cohorts):
        for gender, institution_id, enrolments, _completions, hours in \
                fresh.tallies.get(cohort_id, {}).values():
            if _group_wanted(filters, gender, institution_id):
                total = totals[gender, institution_id]
                total[0] += enrolments
                total[1] += hours
    return [(gender, institution_id, enrolments, hours)
            for (gender, institution_id), (enrolments, hours) in totals.items()]


def _count(people: FrozenBitMap, within: FrozenBitMap | None) -> int:
    return len(people) if within is None else people.intersection_cardinality(within)


def _union(sets: Iterable[FrozenBitMap]) -> FrozenBitMap:
    return FrozenBitMap.union(FrozenBitMap(), *sets)


_COUNTED = (ENROLLED, STARTED, EnrolmentStatus.COMPLETED.value,
            EnrolmentStatus.FAILED.value, EnrolmentStatus.WITHDRAWN.value)


def reach_parts(filters: ReportFilter, scope: Scope) -> dict[int, list[tuple]]:
    """The reach section's groupings, as ``figures`` reads them: 0 people by sex and
    institution, 1 by country (with the people in each status), 2 by course, 3 enrolments
    by the month their cohort starts, 4 completions by the month of completion."""
    chosen = select_cohorts(filters, scope)
    within = chosen.people
    by_country: dict[str | None, list[int]] = defaultdict(list)
    by_course: dict[int, list[int]] = defaultdict(list)
    starts: dict[tuple[int, int], int] = defaultdict(int)
    done: dict[tuple[int, int], int] = defaultdict(int)
    own: dict[int, tuple[int, int]] = {}  # cohort: (enrolments, hours)
    empty = FrozenBitMap()
    for cohort_id, country, course_id, starts_on, hours in chosen.cohorts:
        kinds = chosen.kinds.get(cohort_id, {})
        enrolments = _count(kinds.get(ENROLLED, empty), within)
        if not enrolments:
            continue
        own[cohort_id] = (enrolments, _count(kinds.get(EnrolmentStatus.COMPLETED.value, empty),
                                             within) * (hours or 0))
        by_country[country].append(cohort_id)
        by_course[course_id].append(cohort_id)
        if starts_on is not None:
            starts[starts_on.year, starts_on.month] += enrolments
        for kind, people in kinds.items():
            if kind.startswith(DONE):
                count = _count(people, within)
                if count:
                    done[int(kind[5:9]), int(kind[10:12])] += count

    def people_of(cohort_ids: list[int], kind: str) -> FrozenBitMap:
        return _union(chosen.kinds[c][kind] for c in cohort_ids if kind in chosen.kinds[c])

    def counts(cohort_ids: list[int], statuses: Sequence[str] = ()) -> tuple:
        people = [_count(people_of(cohort_ids, kind), within) for kind in _COUNTED]
        enrolments = sum(own[c][0] for c in cohort_ids)
        hours = sum(own[c][1] for c in cohort_ids)
        by_status = [_count(people_of(cohort_ids, status), within) for status in statuses]
        return (*people, enrolments, hours, *by_status)

    parts: dict[int, list[tuple]] = defaultdict(list)
    statuses = [status.value for status in STATUSES]
    parts[1] = [(country, None, None, *counts(ids, statuses))
                for country, ids in by_country.items()]
    parts[2] = [(None, course_id, None, *counts(ids)) for course_id, ids in by_course.items()]
    parts[3] = [(None, year, None, month, n) for (year, month), n in starts.items()]
    parts[4] = [(None, year, None, month, n) for (year, month), n in done.items()]
    everyone = {kind: people_of(list(own), kind) for kind in _COUNTED}
    if within is not None:
        everyone = {kind: people & within for kind, people in everyone.items()}
    tallies = {(gender, institution_id): (enrolments, hours)
               for gender, institution_id, enrolments, hours in chosen.tallies}
    names = dict(db.session.execute(select(Institution.id, Institution.name).where(
        Institution.id.in_(sorted({i for _g, i in tallies if i is not None})))).all()) \
        if tallies else {}
    for gender, institution_id, members in chosen.groups.values():
        if (gender, institution_id) not in tallies:
            continue
        people = [everyone[kind].intersection_cardinality(members) for kind in _COUNTED]
        if people[0]:
            parts[0].append((gender, institution_id, names.get(institution_id), *people,
                             *tallies[gender, institution_id]))
    return parts



def trained(program_ids: list[int], first: int, last: int,
            countries: list[str]) -> dict[tuple, int]:
    """{(program, year, country or None): distinct people who completed a course of the
    program in the year (UTC), in a cohort of that country (None: of any country, where
    someone counted in two countries is one person)}; per country for ``countries`` only."""
    fresh = current()
    cohorts = db.session.execute(
        select(Cohort.id, Course.program_id, Cohort.country, CohortStamp.stamp)
        .join(Course, Course.id == Cohort.course_id)
        .outerjoin(CohortStamp, CohortStamp.cohort_id == Cohort.id)
        .where(Course.program_id.in_(program_ids))).all()
    stored: dict[int, Mapping[str, FrozenBitMap]] = {}
    if not fresh.everything:
        stored = {cohort_id: held.plain for cohort_id, held in stored_sets(
            (row[0], row[3]) for row in cohorts if row[0] not in fresh.cohorts).items()}
    for cohort_id, sets in fresh.cohorts.items():
        stored[cohort_id] = {kind: FrozenBitMap(people) for kind, people in sets.items()
                             if kind.startswith(DONE)}
    named = set(countries)
    groups: dict[tuple, list[FrozenBitMap]] = defaultdict(list)
    for cohort_id, program_id, country, _stamp in cohorts:
        for kind, people in stored.get(cohort_id, {}).items():
            if not kind.startswith(DONE):
                continue
            year = int(kind[5:9])
            if not first <= year <= last:
                continue
            groups[program_id, year, None].append(people)
            if country in named:
                groups[program_id, year, country].append(people)
    return {key: len(_union(sets)) for key, sets in groups.items()}


def funnel_people(filters: ReportFilter, scope: Scope,
                  courses_of: dict[int, list[int]]) -> dict[int, tuple[BitMap, BitMap]]:
    """{track: (people enrolled in one of its required courses as filtered, those of them
    who completed every required course, in any cohort)}: the funnel's first two stages."""
    chosen = select_cohorts(filters, scope, tallies=False, kinds=[ENROLLED])
    course_ids = sorted({course_id for ids in courses_of.values() for course_id in ids})
    completed = EnrolmentStatus.COMPLETED.value
    enrolled_in: dict[int, list[FrozenBitMap]] = defaultdict(list)
    for cohort_id, _country, course_id, _starts, _hours in chosen.cohorts:
        people = chosen.kinds.get(cohort_id, {}).get(ENROLLED)
        if people is not None:
            enrolled_in[course_id].append(people)
    # A required course completed outside the filters counts too: every cohort's.
    fresh = current()
    completed_in: dict[int, list[FrozenBitMap]] = defaultdict(list)
    of_courses = db.session.execute(
        select(Cohort.id, Cohort.course_id, CohortStamp.stamp)
        .outerjoin(CohortStamp, CohortStamp.cohort_id == Cohort.id)
        .where(Cohort.course_id.in_(course_ids))).all()
    course_of = {cohort_id: course_id for cohort_id, course_id, _stamp in of_courses}
    if not fresh.everything:
        for cohort_id, held in stored_sets((cohort_id, stamp) for cohort_id, _c, stamp
                                           in of_courses if cohort_id not in fresh.cohorts).items():
            people = held.plain.get(completed)
            if people is not None:
                completed_in[course_of[cohort_id]].append(people)
    for cohort_id, sets in fresh.cohorts.items():
        people = sets.get(completed)
        if people is not None and cohort_id in course_of:
            completed_in[course_of[cohort_id]].append(FrozenBitMap(people))
    done = {course_id: _union(completed_in.get(course_id, ())) for course_id in course_ids}
    stages = {}
    for track_id, ids in courses_of.items():
        enrolled = BitMap(_union(p for course_id in ids for p in enrolled_in.get(course_id, ())))
        if chosen.people is not None:
            enrolled &= chosen.people
        finished = BitMap(enrolled)
        for course_id in ids:
            finished &= done[course_id]
        stages[track_id] = (enrolled, finished)
    return stages


def pairs(rows: dict[int, BitMap]):
    """SQL: a SELECT of (key, user_id) for each key's people, sent as one parameter.

    Each pair is one integer, the key in the high bits. SQLite's json_each reads a flat
    array of numbers several times faster than it takes pairs apart; PostgreSQL reads
    them from one string of digits three times faster than psycopg writes a list of
    numbers as an array (12,700 pairs: 4 ms, where two arrays took 23)."""
    packed = [key << _KEY_SHIFT | user for key, people in rows.items() for user in people]
    if db.engine.dialect.name == "postgresql":
        numbers = cast(func.string_to_array(",".join(map(str, packed)), ","), ARRAY(BigInteger))
        value = func.unnest(numbers).table_valued("value").render_derived().c.value
    else:
        value = func.json_each(json.dumps(packed)).table_valued("value").c.value
    return select(value.op(">>")(_KEY_SHIFT).label("key"),
                  value.op("&")(_USER_MASK).label("user_id"))


_KEY_SHIFT = 32
_USER_MASK = (1 << _KEY_SHIFT) - 1


def ids_of(text: str | None) -> BitMap:
    """The people of a ``grouped`` string of ids."""
    return BitMap(map(int, text.split(","))) if text else BitMap()


def grouped(query: Select) -> dict[tuple, BitMap]:
    """{group: its people} of ``query``, a SELECT of group columns and a user id last.

    Each group's ids come back as one string (``group_concat``, ``string_agg``): a row
    per person cost more to fetch and build than to count at a program's size."""
    *keys, user = query.selected_columns
    if db.engine.dialect.name == "postgresql":
        user = cast(user, Text)
    found: dict[tuple, BitMap] = {}
    for *key, ids in db.session.execute(
            query.with_only_columns(*keys, func.aggregate_strings(user, ","))
            .group_by(*keys)):
        found[tuple(key)] = ids_of(ids)
    return found


@dataclass
class Scores:
    """One assessment's people graded (each once, with their best grade), people who
    passed, people per band of their best grade, and grades (one per enrolment)."""

    assessment_id: int
    graded: int
    passed: int
    bands: list[int]
    grades: int


def assessment_scores(filters: ReportFilter, scope: Scope) -> list[Scores]:
    chosen = select_cohorts(filters, scope, tallies=False, graded=True)
    within = chosen.people
    per_band: dict[int, list[list[FrozenBitMap]]] = {}
    passed: dict[int, list[FrozenBitMap]] = defaultdict(list)
    grades: dict[int, int] = defaultdict(int)
    for cohort_id, *_rest in chosen.cohorts:
        for kind, people in chosen.kinds.get(cohort_id, {}).items():
            if not kind.startswith(GRADED):
                continue
            assessment, _colon, band = kind[len(GRADED):].partition(":")
            assessment_id = int(assessment)
            if band == "pass":
                passed[assessment_id].append(people)
                continue
            per_band.setdefault(assessment_id, [[] for _band in BANDS])[int(band)].append(people)
            grades[assessment_id] += _count(people, within)
    found = []
    for assessment_id, bands in per_band.items():
        if not grades[assessment_id]:
            continue
        counts = [0] * len(BANDS)
        higher = BitMap()
        for index in range(len(BANDS) - 1, -1, -1):
            people = BitMap(_union(bands[index]))
            if within is not None:
                people &= within
            people -= higher
            counts[index] = len(people)
            higher |= people
        found.append(Scores(assessment_id, len(higher),
                            _count(_union(passed.get(assessment_id, ())), within), counts,
                            grades[assessment_id]))
    return found
