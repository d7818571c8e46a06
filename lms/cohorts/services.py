"""Every write of the cohorts domain: validate, change rows, audit, flush (never commit).

Seats are counted after locking the cohort's row (``SELECT ... FOR UPDATE`` on
PostgreSQL; SQLite lets one writer in at a time anyway), so two trainees taking
the last seat at the same moment cannot both get it.

A full self-enrolment cohort keeps a waiting list (as Moodle's waitlist enrolment
does): every write that may free a seat (a withdrawal, a status set by hand, a
higher or removed capacity) ends with ``_promote_waiting``, which seats the first
in line under the same lock, so that two seats freed at once seat two different
people and never more than the capacity.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from lms.accounts.models import Institution, User
from lms.audit.models import AuditLog
from lms.audit.services import record
from lms.catalog.models import Course, Lesson
from lms.cohorts import csv_import
from lms.cohorts.models import SEATED, Cohort, Enrolment, EnrolmentStatus, LessonCompletion
from lms.cohorts.queries import enrolment_of, seats_taken
from lms.errors import DomainError
from lms.extensions import db
from lms.i18n import LANGUAGES, country_codes
from lms.kernel import clock, events, jobs, mail
from lms.web.urls import absolute_url, addresses_context


def lock_cohort(cohort_id: int) -> Cohort | None:
    """Re-read the cohort, locking its row until the request's transaction ends."""
    return db.session.scalars(
        select(Cohort).where(Cohort.id == cohort_id).with_for_update()
        .execution_options(populate_existing=True)).first()


def _free_seats(cohort: Cohort) -> int | None:
    """Seats left (None: no limit); call with the row locked."""
    if cohort.capacity is None:
        return None
    return max(cohort.capacity - seats_taken([cohort.id]).get(cohort.id, 0), 0)


def _require_room(cohort: Cohort, seats: int = 1) -> None:
    """Refuse when ``seats`` more would exceed the capacity; call with the row locked."""
    free = _free_seats(cohort)
    if free is not None and seats > free:
        raise DomainError(_("This cohort is full."))


def _enrolment_state(enrolment: Enrolment) -> dict:
    return {"cohort_id": enrolment.cohort_id, "user_id": enrolment.user_id,
            "status": str(enrolment.status)}


def _seat(actor, cohort: Cohort, user: User, existing: Enrolment | None,
          action: str) -> Enrolment:
    """Give ``user`` an active enrolment: a new row, or the withdrawn (or waiting) one
    re-activated."""
    if existing is not None:
        before = _enrolment_state(existing)
        existing.status = EnrolmentStatus.ACTIVE
        db.session.flush()
        record(actor, action, existing, before, _enrolment_state(existing))
        events.user_enrolled.send(existing, actor=actor, via=action.removeprefix("enrolment."))
        return existing
    enrolment = Enrolment(cohort_id=cohort.id, user_id=user.id, status=EnrolmentStatus.ACTIVE)
    db.session.add(enrolment)
    db.session.flush()
    record(actor, action, enrolment, None, _enrolment_state(enrolment))
    events.user_enrolled.send(enrolment, actor=actor, via=action.removeprefix("enrolment."))
    return enrolment


# ---------------------------------------------------------------- waiting list

def _promote_waiting(actor, cohort: Cohort, today: date) -> list[Enrolment]:
    """Seat the first trainees of the waiting list, in queue order, one per free seat.

    Call with the cohort's row locked (``lock_cohort``): the seats are counted and
    the queue read under that lock, so two seats freed at the same moment seat two
    different trainees. Nothing moves once enrolment has closed (or self-enrolment
    was switched off): then the list stays, and the coordinators enrol by hand.
    """
    if not cohort.enrolment_open_on(today):
        return []
    free = _free_seats(cohort)
    if free == 0:
        return []
    query = (select(Enrolment)
             .where(Enrolment.cohort_id == cohort.id,
                    Enrolment.status == EnrolmentStatus.WAITLISTED)
             .order_by(Enrolment.waitlisted_at, Enrolment.id)
             .options(joinedload(Enrolment.user))
             # Statuses seen earlier in this session may be stale: read them again.
             .execution_options(populate_existing=True))
    if free is not None:
        query = query.limit(free)
    promoted = []
    for enrolment in db.session.scalars(query).all():
        # user_enrolled (via "waitlist_promoted"): notifications tell the trainee.
        _seat(actor, cohort, enrolment.user, enrolment, "enrolment.waitlist_promoted")
        promoted.append(enrolment)
    return promoted


def _join_waiting_list(user: User, cohort: Cohort, existing: Enrolment | None) -> Enrolment:
    """Put ``user`` at the end of the cohort's waiting list (a new row, or their old one)."""
    before = _enrolment_state(existing) if existing is not None else None
    enrolment = existing or Enrolment(cohort_id=cohort.id, user_id=user.id)
    enrolment.status = EnrolmentStatus.WAITLISTED
    enrolment.waitlisted_at = clock.now()
    db.session.add(enrolment)
    db.session.flush()
    record(user, "enrolment.waitlisted", enrolment, before, _enrolment_state(enrolment))
    return enrolment


# ---------------------------------------------------------------- trainees

class EnrolOutcome(enum.StrEnum):
    """What a self-enrolment did, for the page to say it."""

    ENROLLED = "enrolled"
    ALREADY_SEATED = "already_seated"
    WAITLISTED = "waitlisted"
    ALREADY_WAITING = "already_waiting"


def self_enrol(user: User, cohort: Cohort, today: date) -> EnrolOutcome:
    """Enrol ``user`` in ``cohort``, or put them on its waiting list when it is full.

    Raises DomainError, writing nothing, when the course is not published, the
    cohort does not take self-enrolment or the window is not open.
    """
    cohort = lock_cohort(cohort.id) or cohort
    existing = enrolment_of(user, cohort.id)
    if existing is not None and existing.seated:
        return EnrolOutcome.ALREADY_SEATED
    if existing is not None and existing.status == EnrolmentStatus.WAITLISTED:
        return EnrolOutcome.ALREADY_WAITING
    if not cohort.course.published:
        raise DomainError(_("This course is not open for enrolment."))
    if not cohort.self_enrolment or cohort.by_nomination:
        raise DomainError(_("This cohort does not take enrolments online. "
                            "Please contact the program's coordinators."))
    if cohort.enrol_opens_on and today < cohort.enrol_opens_on:
        raise DomainError(_("Enrolment opens on %(date)s.",
                            date=format_date(cohort.enrol_opens_on)))
    if today > cohort.enrol_closes:
        raise DomainError(_("Enrolment for this cohort is closed."))
    # Those already waiting come first: a free seat (left by a change made while
    # enrolment was closed) goes to them before a newcomer.
    _promote_waiting(user, cohort, today)
    free = _free_seats(cohort)
    try:
        # A double click can race past the checks above; the unique constraint stops
        # the second row, and the savepoint keeps the first.
        with db.session.begin_nested():
            if free == 0:
                _join_waiting_list(user, cohort, existing)
                return EnrolOutcome.WAITLISTED
            action = ("enrolment.self_enrolled" if existing is None
                      else "enrolment.self_reenrolled")
            _seat(user, cohort, user, existing, action)
    except IntegrityError:
        # The other click's row won: say what it did.
        won = enrolment_of(user, cohort.id)
        if won is not None and won.status == EnrolmentStatus.WAITLISTED:
            return EnrolOutcome.ALREADY_WAITING
        return EnrolOutcome.ALREADY_SEATED
    return EnrolOutcome.ENROLLED


def withdraw(user: User, enrolment: Enrolment, today: date | None = None) -> None:
    """The trainee leaves the cohort (or its waiting list); their completions stay,
    should they come back. A seat left free goes to the first in line."""
    if enrolment.status == EnrolmentStatus.WITHDRAWN:
        return
    if enrolment.status not in (EnrolmentStatus.INVITED, EnrolmentStatus.ACTIVE,
                                EnrolmentStatus.WAITLISTED):
        raise DomainError(_("This enrolment is finished; it can no longer be withdrawn."))
    cohort = lock_cohort(enrolment.cohort_id) or enrolment.cohort
    # Read again: the status may have changed while we waited for the lock.
    db.session.refresh(enrolment)
    if enrolment.status == EnrolmentStatus.WITHDRAWN:
        return
    was_seated = enrolment.seated
    before = _enrolment_state(enrolment)
    enrolment.status = EnrolmentStatus.WITHDRAWN
    db.session.flush()
    action = "enrolment.withdrawn" if was_seated else "enrolment.waitlist_left"
    record(user, action, enrolment, before, _enrolment_state(enrolment))
    if was_seated:
        _promote_waiting(user, cohort, today or clock.today(clock.UTC))


def record_visit(enrolment: Enrolment, lesson: Lesson) -> None:
    """Remember the lesson opened last, for "Continue" on the dashboard (not audited)."""
    enrolment.last_lesson_id = lesson.id
    enrolment.last_seen_at = clock.now()
    db.session.flush()


def complete_lesson(enrolment: Enrolment, lesson: Lesson) -> bool:
    """Mark the lesson done; False when it was done already. Progress is not audited."""
    if db.session.get(LessonCompletion, (enrolment.id, lesson.id)) is not None:
        return False
    enrolment.last_seen_at = clock.now()
    try:
        with db.session.begin_nested():
            db.session.add(LessonCompletion(enrolment_id=enrolment.id, lesson_id=lesson.id))
    except IntegrityError:
        return False
    return True


# ---------------------------------------------------------------- coordinators

@dataclass
class CohortData:
    """A cohort's settings as the form gives them."""

    code: str
    language: str
    host_institution_id: int | None
    country: str
    starts_on: date
    ends_on: date
    enrol_opens_on: date | None
    enrol_closes_on: date | None
    capacity: int | None
    self_enrolment: bool
    instructor_emails: list[str]
    # Codes of lms.i18n.LANGUAGES interpreted besides the language of instruction.
    interpretation_languages: list[str] = field(default_factory=list)
    # By nomination (lms.cohorts.nominations): seats per country and the window.
    by_nomination: bool = False
    seats_per_country: int | None = None
    nominations_open_on: date | None = None
    nominations_close_on: date | None = None


_COHORT_FIELDS = ("code", "language", "host_institution_id", "country", "starts_on",
                  "ends_on", "enrol_opens_on", "enrol_closes_on", "capacity", "self_enrolment",
                  "interpretation_languages", "by_nomination", "seats_per_country",
                  "nominations_open_on", "nominations_close_on")


def _cohort_state(cohort: Cohort) -> dict:
    state = {}
    for name in _COHORT_FIELDS:
        value = getattr(cohort, name)
        state[name] = value.isoformat() if isinstance(value, date) else value
    state["instructors"] = sorted(user.email for user in cohort.instructors)
    return state


def _instructors(emails: list[str]) -> list[User]:
    wanted = list(dict.fromkeys(email.strip().lower() for email in emails if email.strip()))
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(wanted)))}
    unknown = [email for email in wanted if email not in users]
    if unknown:
        raise DomainError(_("No user has these email addresses: %(emails)s.",
                            emails=", ".join(unknown)), field="instructors")
    return [users[email] for email in wanted]


def interpretation_value(language: str, codes: Iterable[str]) -> str:
    """The column's text for ``codes``: known codes in LANGUAGES order, comma-separated.

    Raises DomainError for an unknown code or the language of instruction itself.
    """
    wanted = set(codes)
    if wanted - set(LANGUAGES):
        raise DomainError(_("Choose interpretation languages from the list."),
                          field="interpretation_languages")
    if language in wanted:
        raise DomainError(_("The language of instruction cannot also be an interpretation "
                            "language."), field="interpretation_languages")
    return ",".join(code for code in LANGUAGES if code in wanted)


def _check_cohort(data: CohortData, cohort: Cohort | None) -> list[User]:
    """Every rule a cohort's settings must follow; returns the instructors."""
    if data.language not in LANGUAGES:
        raise DomainError(_("Choose a language from the list."), field="language")
    interpretation_value(data.language, data.interpretation_languages)
    if data.ends_on < data.starts_on:
        raise DomainError(_("The end date cannot be before the start date."), field="ends_on")
    if data.enrol_opens_on and data.enrol_closes_on and data.enrol_closes_on < data.enrol_opens_on:
        raise DomainError(_("Enrolment cannot close before it opens."), field="enrol_closes_on")
    if data.capacity is not None and data.capacity < 1:
        raise DomainError(_("The capacity must be at least 1."), field="capacity")
    if data.by_nomination and (data.seats_per_country is None or data.seats_per_country < 1):
        raise DomainError(_("A cohort by nomination needs at least 1 seat per country."),
                          field="seats_per_country")
    if (data.nominations_open_on and data.nominations_close_on
            and data.nominations_close_on < data.nominations_open_on):
        raise DomainError(_("Nominations cannot close before they open."),
                          field="nominations_close_on")
    clash = db.session.scalar(select(Cohort.id).where(
        func.lower(Cohort.code) == data.code.lower(),
        Cohort.id != (cohort.id if cohort is not None else -1)))
    if clash is not None:
        raise DomainError(_("Another cohort already has the code %(code)s.", code=data.code),
                          field="code")
    if (data.host_institution_id is not None
            and db.session.get(Institution, data.host_institution_id) is None):
        raise DomainError(_("Choose a host institution from the list."),
                          field="host_institution_id")
    if cohort is not None and data.capacity is not None:
        taken = seats_taken([cohort.id]).get(cohort.id, 0)
        if data.capacity < taken:
            raise DomainError(_("Seats taken already: %(taken)s. The capacity cannot be lower.",
                                taken=taken), field="capacity")
    return _instructors(data.instructor_emails)


def _apply(cohort: Cohort, data: CohortData, instructors: list[User]) -> None:
    for name in _COHORT_FIELDS:
        setattr(cohort, name, getattr(data, name))
    cohort.interpretation_languages = interpretation_value(
        data.language, data.interpretation_languages)
    cohort.instructors = instructors
    # Nominated participants are not self-enrolled: the one path in is a decision.
    if cohort.by_nomination:
        cohort.self_enrolment = False


def create_cohort(actor: User, course: Course, data: CohortData) -> Cohort:
    instructors = _check_cohort(data, None)
    cohort = Cohort(course=course)
    _apply(cohort, data, instructors)
    db.session.add(cohort)
    db.session.flush()
    record(actor, "cohort.created", cohort, None, _cohort_state(cohort))
    return cohort


def update_cohort(actor: User, cohort: Cohort, data: CohortData) -> Cohort:
    # Locked so that the capacity cannot drop below seats taken by a concurrent enrolment.
    cohort = lock_cohort(cohort.id) or cohort
    instructors = _check_cohort(data, cohort)
    before = _cohort_state(cohort)
    _apply(cohort, data, instructors)
    db.session.flush()
    record(actor, "cohort.updated", cohort, before, _cohort_state(cohort))
    # A higher (or no) capacity, or a later closing date, may free seats for those waiting.
    _promote_waiting(actor, cohort, clock.today(clock.UTC))
    return cohort


def enrol_user(actor: User, cohort: Cohort, email: str) -> bool:
    """A coordinator enrols an existing user; False when they hold a seat already."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise DomainError(_("No user has the email address %(email)s.", email=email),
                          field="email")
    cohort = lock_cohort(cohort.id) or cohort
    existing = enrolment_of(user, cohort.id)
    if existing is not None and existing.seated:
        return False
    _require_room(cohort)
    _seat(actor, cohort, user, existing, "enrolment.enrolled")
    return True


def set_status(actor: User, enrolment: Enrolment, status: str) -> None:
    try:
        new = EnrolmentStatus(status)
    except ValueError:
        raise DomainError(_("Choose a status from the list."), field="status") from None
    if new == enrolment.status:
        return
    if new == EnrolmentStatus.WAITLISTED:
        # The queue is ordered by when trainees asked; a place in it is not given by hand.
        raise DomainError(_("Trainees join the waiting list themselves, from the course "
                            "page."), field="status")
    cohort = lock_cohort(enrolment.cohort_id) or enrolment.cohort
    if new in SEATED and not enrolment.seated:
        _require_room(cohort)
    was_seated = enrolment.seated
    before = _enrolment_state(enrolment)
    enrolment.status = new
    db.session.flush()
    record(actor, "enrolment.status_changed", enrolment, before, _enrolment_state(enrolment))
    if was_seated and not enrolment.seated:
        _promote_waiting(actor, cohort, clock.today(clock.UTC))


# ---------------------------------------------------------------- CSV import

class ImportRejected(DomainError):
    """The file was refused whole; ``problems`` lists every reason, by line."""

    def __init__(self, problems: list[csv_import.Problem]) -> None:
        super().__init__(_("The file was not imported: nothing was changed."))
        self.problems = problems


@dataclass(frozen=True)
class ImportResult:
    created: int
    enrolled: int
    already: int


def _chunks(values: Iterable, size: int = 500) -> Iterator[list]:
    """Keep IN lists short: SQLite and PostgreSQL both limit bound parameters."""
    items = list(values)
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _cohorts_named(codes: set[str], default_cohort_id: int | None) -> list[Cohort]:
    lowered = sorted({code.lower() for code in codes})
    found: dict[int, Cohort] = {}
    for chunk in _chunks(lowered):
        for cohort in db.session.scalars(
                select(Cohort).where(func.lower(Cohort.code).in_(chunk))
                .order_by(Cohort.id).with_for_update()):
            found[cohort.id] = cohort
    if default_cohort_id is not None:
        cohort = lock_cohort(default_cohort_id)
        if cohort is not None:
            found[cohort.id] = cohort
    # The course (and its titles, for the welcome mail) of each cohort, in one query.
    course_ids = {cohort.course_id for cohort in found.values()}
    if course_ids:
        list(db.session.scalars(select(Course).where(Course.id.in_(course_ids))
                                .options(selectinload(Course.translations))))
    return list(found.values())


def _import_context(actor: User, records: list[csv_import.Record],
                    default_cohort_id: int | None) -> tuple[csv_import.ImportContext,
                                                            dict[str, User]]:
    emails, codes = csv_import.emails_and_codes(records)
    cohorts = _cohorts_named(codes, default_cohort_id)
    taken = seats_taken([c.id for c in cohorts])
    infos = {c.id: csv_import.CohortInfo(
        id=c.id, code=c.code, language=c.language, capacity=c.capacity,
        seats_taken=taken.get(c.id, 0), manageable=c.can_manage(actor)) for c in cohorts}
    by_code: dict[str, csv_import.CohortInfo] = {}
    lower_counts: dict[str, int] = {}
    for info in infos.values():
        by_code[info.code] = info
        lower_counts[info.code.lower()] = lower_counts.get(info.code.lower(), 0) + 1
    for info in infos.values():
        # A case-insensitive match only when it is not ambiguous.
        if lower_counts[info.code.lower()] == 1:
            by_code.setdefault(info.code.lower(), info)

    users: dict[str, User] = {}
    for chunk in _chunks(sorted(emails)):
        users.update((u.email, u) for u in db.session.scalars(
            select(User).where(User.email.in_(chunk))))
    seated: set[tuple[int, str]] = set()
    if infos and users:
        for chunk in _chunks(sorted(u.id for u in users.values())):
            seated.update(tuple(row) for row in db.session.execute(
                select(Enrolment.cohort_id, User.email).join(Enrolment.user)
                .where(Enrolment.cohort_id.in_(list(infos)), Enrolment.user_id.in_(chunk),
                       Enrolment.status.in_(SEATED))))

    default = None
    if default_cohort_id is not None:
        default = infos.get(default_cohort_id)
        if default is None or not default.manageable:
            raise ImportRejected([csv_import.Problem(None, _(
                "You may not enrol trainees in the chosen default cohort."))])
    context = csv_import.ImportContext(
        cohorts=by_code, existing_emails=set(users), seated=seated,
        countries=country_codes(), default_cohort=default)
    return context, users


def _institutions_for(rows: list[csv_import.ImportRow]) -> dict[str, Institution]:
    """Institutions named by new accounts, by case-folded name: found, or created.

    Names are compared in Python: SQLite's lower() leaves accented capitals alone,
    and the table is small (one row per institution, not per person).
    """
    wanted: dict[str, csv_import.ImportRow] = {}
    for row in rows:
        if row.institution and not row.existing_user:
            wanted.setdefault(row.institution.casefold(), row)
    if not wanted:
        return {}
    found: dict[str, Institution] = {}
    for institution in db.session.scalars(select(Institution).order_by(Institution.id)):
        found.setdefault(institution.name.casefold(), institution)
    for key, row in wanted.items():
        if key not in found:
            institution = Institution(name=row.institution, country=row.country or "")
            db.session.add(institution)
            found[key] = institution
    db.session.flush()
    return found


@dataclass(frozen=True)
class PlannedRow:
    """What importing one line of the file would do."""

    line: int
    email: str
    full_name: str
    new_account: bool
    enrol_in: tuple[str, ...]  # cohort codes that would gain this trainee
    already_in: tuple[str, ...]  # cohort codes where the trainee holds a seat already


@dataclass(frozen=True)
class ImportPlan:
    rows: list[PlannedRow]

    @property
    def created(self) -> int:
        return sum(row.new_account for row in self.rows)

    @property
    def enrolled(self) -> int:
        return sum(len(row.enrol_in) for row in self.rows)

    @property
    def already(self) -> int:
        return sum(len(row.already_in) for row in self.rows)


def _checked_file(actor: User, data: bytes, filename: str | None, default_cohort_id: int | None,
                  max_bytes: int) -> tuple[csv_import.Checked, csv_import.ImportContext,
                                           dict[str, User]]:
    """Read and validate the file against the database; raise ImportRejected on any problem.

    The one path for both "Import" and "Check only", so a check can never pass a
    file that the import would refuse (or the other way round).
    """
    try:
        records = csv_import.read_upload(data, filename, max_bytes)
    except csv_import.FileRejected as exc:
        raise ImportRejected(exc.problems) from None
    context, users = _import_context(actor, records, default_cohort_id)
    checked = csv_import.validate(records, context)
    if checked.problems:
        raise ImportRejected(checked.problems)
    return checked, context, users


def check_import(actor: User, data: bytes, filename: str | None,
                 default_cohort_id: int | None, max_bytes: int) -> ImportPlan:
    """What ``import_users`` would do with this file, writing nothing.

    Raises ImportRejected with every problem of the file, exactly as the import would.
    """
    checked, context, users = _checked_file(actor, data, filename, default_cohort_id,
                                            max_bytes)
    plan = []
    for row in checked.rows:
        existing = users.get(row.email)
        seated = [(info, (info.id, row.email) in context.seated) for info in row.cohorts]
        plan.append(PlannedRow(
            line=row.line, email=row.email,
            # An existing account keeps its name: show the one it will keep.
            full_name=existing.full_name if existing is not None else row.full_name,
            new_account=existing is None,
            enrol_in=tuple(info.code for info, taken in seated if not taken),
            already_in=tuple(info.code for info, taken in seated if taken)))
    return ImportPlan(plan)


def import_users(actor: User, data: bytes, filename: str | None,
                 default_cohort_id: int | None, max_bytes: int) -> ImportResult:
    """Create the accounts and enrolments a Moodle-style CSV file lists, all or nothing.

    Raises ImportRejected, before writing anything, with every problem of the file.
    """
    checked, _context, users = _checked_file(actor, data, filename, default_cohort_id, max_bytes)
    return _import_rows(actor, checked.rows, users)


def _import_rows(actor: User, rows: list[csv_import.ImportRow],
                 users: dict[str, User]) -> ImportResult:
    """Create and enrol what checked ``rows`` list (all of a file, or a job's batch).

    Written in bulk, so that a file's cost grows by batches and not by lines: accounts,
    enrolments and their audit rows in multi-row INSERTs, and one ``users_enrolled``
    event for all the seats (notifications write every notice at once), instead of a
    flush, an audit row and an event per line.
    """
    created = _create_accounts(actor, rows, users)
    cohort_ids = sorted({info.id for row in rows for info in row.cohorts})
    user_ids = sorted({users[row.email].id for row in rows})
    existing: dict[tuple[int, int], Enrolment] = {}
    for chunk in _chunks(user_ids):
        existing.update(((e.cohort_id, e.user_id), e) for e in db.session.scalars(
            select(Enrolment).where(Enrolment.cohort_id.in_(cohort_ids),
                                    Enrolment.user_id.in_(chunk))))
    cohorts = {c.id: c for c in db.session.scalars(
        select(Cohort).where(Cohort.id.in_(cohort_ids)))}
    already = 0
    wanted: dict[tuple[int, int], None] = {}  # new seats, in file order, each once
    again: list[tuple[Enrolment, dict]] = []  # withdrawn or waiting rows seated again
    for row in rows:
        user = users[row.email]
        for info in row.cohorts:
            key = (info.id, user.id)
            enrolment = existing.get(key)
            if key in wanted or (enrolment is not None and enrolment.seated):
                already += 1
                continue
            if enrolment is None:
                wanted[key] = None
            else:
                again.append((enrolment, _enrolment_state(enrolment)))
                enrolment.status = EnrolmentStatus.ACTIVE
                existing[key] = enrolment
    seated = [enrolment for enrolment, _before in again]
    new_rows = [{"cohort_id": cohort_id, "user_id": user_id, "status": EnrolmentStatus.ACTIVE}
                for cohort_id, user_id in wanted]
    for chunk in _chunks(new_rows):
        # Multi-row INSERT ... RETURNING: the rows come back unordered, in the session.
        seated += db.session.scalars(insert(Enrolment).returning(Enrolment), chunk).all()
    db.session.flush()
    _audit_many(actor, "enrolment.imported",
                [(e, None, _enrolment_state(e)) for e in seated[len(again):]]
                + [(e, before, _enrolment_state(e)) for e, before in again])
    if seated:
        events.users_enrolled.send(None, enrolments=seated, actor=actor, via="imported")

    cohorts_of = {row.email: [cohorts[info.id] for info in row.cohorts] for row in rows}
    for user in created:
        _welcome(user, cohorts_of[user.email])
    return ImportResult(created=len(created), enrolled=len(seated), already=already)


def _create_accounts(actor: User, rows: list[csv_import.ImportRow],
                     users: dict[str, User]) -> list[User]:
    """The accounts of the lines whose address has none yet, in multi-row INSERTs;
    added to ``users`` and returned in file order."""
    institutions = _institutions_for(rows)
    values: dict[str, dict] = {}
    for row in rows:
        if row.email in users or row.email in values:
            continue
        institution = institutions.get(row.institution.casefold()) if row.institution else None
        values[row.email] = {"email": row.email, "full_name": row.full_name,
                             "password_hash": "", "locale": row.language,
                             "country": row.country, "gender": row.gender,
                             "institution_id": institution.id if institution else None}
    made: dict[str, User] = {}
    for chunk in _chunks(list(values.values())):
        made.update((user.email, user) for user in
                    db.session.scalars(insert(User).returning(User), chunk))
    users.update(made)
    created = [made[email] for email in values]
    _audit_many(actor, "user.imported", [
        (user, None, {"email": user.email, "full_name": user.full_name,
                      "country": user.country, "locale": user.locale})
        for user in created])
    return created


def _audit_many(actor: User, action: str,
                entries: list[tuple[User | Enrolment, dict | None, dict]]) -> None:
    """One audit row per (object, before, after), as ``record`` writes it, in one INSERT."""
    if not entries:
        return
    now = clock.now()
    db.session.execute(insert(AuditLog), [
        {"at": now, "actor_id": getattr(actor, "id", None), "action": action,
         "object_type": type(obj).__tablename__, "object_id": obj.id,
         "before": before, "after": after}
        for obj, before, after in entries])


def send_welcome(user: User, cohorts: list[Cohort]) -> None:
    """The import's welcome mail, for an account created another way (a nomination)."""
    _welcome(user, cohorts)


def _welcome(user: User, cohorts: list[Cohort]) -> None:
    """Tell a new account where to choose a password, in the account's language."""
    with force_locale(user.locale):
        courses = "\n".join(f"- {cohort.course.in_locale('title', user.locale)} ({cohort.code})"
                            for cohort in cohorts)
        subject = _("Your account on the OAS training platform")
        body = _("Hello %(name)s,\n\n"
                 "An account was created for you on the OAS training platform, and you "
                 "are enrolled in:\n%(courses)s\n\n"
                 "To choose your password, open this page and enter your email address "
                 "(%(email)s):\n%(url)s\n",
                 name=user.full_name, courses=courses, email=user.email,
                 url=absolute_url("accounts.reset_request"))
    mail.send(user.email, subject, body)


# ---------------------------------------------------------------- large imports, as a job

IMPORT_JOB = "import-users"
# Lines imported (and committed, with the job's progress) at a time.
IMPORT_BATCH = 200


def count_import_rows(data: bytes, filename: str | None, max_bytes: int) -> int:
    """How many lines the file lists (0 when it cannot be read: the import says why)."""
    try:
        return len(csv_import.read_upload(data, filename, max_bytes))
    except csv_import.FileRejected:
        return 0


def start_import(actor: User, data: bytes, filename: str | None, default_cohort_id: int | None,
                 max_bytes: int, folder: Path) -> jobs.JobRun:
    """Check the file now, then record a job that imports it in batches.

    The check runs here, in the request, so that the coordinator sees every problem
    at once (ImportRejected, nothing kept). The file waits in ``folder`` until the
    job has ended. The same file sent twice the same day (a double click) is one job.
    """
    plan = check_import(actor, data, filename, default_cohort_id, max_bytes)
    digest = hashlib.sha256(data).hexdigest()[:24]
    key = (f"{IMPORT_JOB}:{actor.id}:{default_cohort_id or ''}:"
           f"{clock.today(clock.UTC).isoformat()}:{digest}")
    path = folder / f"{actor.id}-{hashlib.sha256(key.encode()).hexdigest()[:32]}.csv"
    job = jobs.start(IMPORT_JOB, key=key, total=len(plan.rows), started_by_id=actor.id,
                     params={"path": str(path), "filename": filename,
                             "default_cohort_id": default_cohort_id, "max_bytes": max_bytes})
    if not job.finished and not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(path)  # whole or absent, for a worker that looks at once
    return job


def _remove_import_file(job: jobs.JobRun) -> None:
    Path(job.params["path"]).unlink(missing_ok=True)


@jobs.handler(IMPORT_JOB, cleanup=_remove_import_file)
def import_job(job: jobs.JobRun) -> Iterator[jobs.Progress]:
    """Import a checked file ``IMPORT_BATCH`` lines at a time.

    The file is checked again first (cohorts may have filled up since). Resumed
    after its worker died, it starts after the lines already committed; accounts
    created by those exist now, so nobody is created or welcomed twice.
    """
    actor = db.session.get(User, job.started_by_id) if job.started_by_id else None
    path = Path(job.params["path"])
    if actor is None or not path.exists():
        raise jobs.JobFailed({"missing": True})
    with force_locale(actor.locale):  # the problems, in the coordinator's language
        try:
            checked, _context, users = _checked_file(
                actor, path.read_bytes(), job.params["filename"],
                job.params["default_cohort_id"], job.params["max_bytes"])
        except ImportRejected as rejected:
            raise jobs.JobFailed({"problems": [[problem.line, str(problem.message)]
                                               for problem in rejected.problems]}) from None
    counts = {name: int((job.result or {}).get(name, 0))
              for name in ("created", "enrolled", "already")}
    rows = checked.rows
    for start in range(job.done, len(rows), IMPORT_BATCH):
        # Welcome mails name the reset page's address: a request context builds it.
        with addresses_context():
            result = _import_rows(actor, rows[start:start + IMPORT_BATCH], users)
        counts = {"created": counts["created"] + result.created,
                  "enrolled": counts["enrolled"] + result.enrolled,
                  "already": counts["already"] + result.already}
        yield jobs.Progress(min(start + IMPORT_BATCH, len(rows)), counts)
    yield jobs.Progress(len(rows), counts)
