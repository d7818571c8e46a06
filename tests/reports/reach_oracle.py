"""The reach section's counts as they were computed before the people sets
(``lms.reports.people``): one SQL statement over the filtered enrolments. The tests
hold the sets to it (tests/reports/test_people.py)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import (
    Integer,
    String,
    case,
    cast,
    distinct,
    extract,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)

from lms.accounts.models import Institution, User
from lms.catalog.models import Course
from lms.cohorts.models import Cohort, Enrolment, EnrolmentStatus, LessonCompletion
from lms.extensions import db
from lms.reports.figures import enrolment_conditions, enrolments_joined
from lms.reports.filters import ReportFilter, Scope

_STATUSES = [status for status in EnrolmentStatus if status != EnrolmentStatus.WAITLISTED]
COLUMNS_OF_REACH = ("enrolled", "started", "completed", "failed", "withdrawn",
                    "enrolments", "hours")
WIDTH = len(COLUMNS_OF_REACH)


def _started():
    opened = or_(Enrolment.last_lesson_id.is_not(None), Enrolment.last_seen_at.is_not(None))
    finished = Enrolment.status.in_([EnrolmentStatus.COMPLETED, EnrolmentStatus.FAILED])
    completed_lesson = Enrolment.id.in_(select(LessonCompletion.enrolment_id))
    return or_(opened, finished, completed_lesson)


def _reach_in_one_pass(where: list) -> dict[int, list[tuple]]:
    """Every grouping of the reach section from one statement: {part: rows}.

    Parts: 0 people by sex and institution, 1 by country (with the people in each
    status), 2 by course, 3 enrolments by the month their cohort starts, 4 completions
    by the month of completion."""
    completed = Enrolment.status == EnrolmentStatus.COMPLETED
    base = (enrolments_joined(
        Enrolment.user_id.label("user_id"),
        User.gender.label("gender"), User.institution_id.label("institution_id"),
        Cohort.country.label("country"), Course.id.label("course_id"),
        case({status.value: index for index, status in enumerate(EnrolmentStatus)},
             value=Enrolment.status).label("status"),
        case((_started(), 1), else_=0).label("started"),
        case((completed, Course.hours), else_=0).label("hours"),
        Cohort.starts_on.label("starts_on"),
        case((completed, Enrolment.completed_at)).label("completed_at"))
        .where(*where).cte("reach_base"))

    def has(status: EnrolmentStatus):
        return base.c.status == list(EnrolmentStatus).index(status)

    done = has(EnrolmentStatus.COMPLETED)

    def flag(condition):
        return func.max(case((condition, 1), else_=0))

    person = (select(
        base.c.user_id, base.c.gender, base.c.institution_id,
        func.max(base.c.started).label("started"), flag(done).label("completed"),
        flag(has(EnrolmentStatus.FAILED)).label("failed"),
        flag(has(EnrolmentStatus.WITHDRAWN)).label("withdrawn"),
        func.count().label("enrolments"), func.sum(base.c.hours).label("hours"))
        .group_by(base.c.user_id, base.c.gender, base.c.institution_id)
        .cte("reach_people"))
    person_counts = [func.count(), *(func.coalesce(func.sum(column), 0) for column in (
        person.c.started, person.c.completed, person.c.failed, person.c.withdrawn,
        person.c.enrolments, person.c.hours))]

    def people(condition=None):
        if condition is None:
            return func.count(distinct(base.c.user_id))
        return func.count(distinct(case((condition, base.c.user_id))))

    enrolment_counts = [
        people(), people(base.c.started == 1), people(done),
        people(has(EnrolmentStatus.FAILED)), people(has(EnrolmentStatus.WITHDRAWN)),
        func.count(), func.coalesce(func.sum(base.c.hours), 0)]
    no_text, no_number = cast(null(), String(200)), cast(null(), Integer)
    no_counts = [no_number] * len(person_counts)
    no_statuses = [no_number] * len(_STATUSES)

    def monthly(part: int, column):
        days = (select(column.label("day"), func.count().label("n"))
                .where(column.is_not(None)).group_by(column).subquery())
        year = cast(extract("year", days.c.day), Integer)
        month = cast(extract("month", days.c.day), Integer)
        return (select(literal(part), no_text, year, no_text, month, func.sum(days.c.n),
                       *no_counts[2:], *no_statuses).group_by(year, month))

    query = union_all(
        select(literal(0), person.c.gender, person.c.institution_id, Institution.name,
               *person_counts, *no_statuses)
        .select_from(person)
        .outerjoin(Institution, Institution.id == person.c.institution_id)
        .group_by(person.c.gender, person.c.institution_id, Institution.name),
        select(literal(1), base.c.country, no_number, no_text, *enrolment_counts,
               *[people(has(status)) for status in _STATUSES])
        .group_by(base.c.country),
        select(literal(2), no_text, base.c.course_id, no_text, *enrolment_counts,
               *no_statuses)
        .group_by(base.c.course_id),
        monthly(3, base.c.starts_on), monthly(4, func.date(base.c.completed_at)))
    parts: dict[int, list[tuple]] = defaultdict(list)
    for part, text, number, name, *rest in db.session.execute(query):
        parts[part].append((text, number, name, *rest))
    return parts


def oracle_parts(filters: ReportFilter, scope: Scope) -> dict[int, list[tuple]]:
    """The reach section's parts as the one statement counted them."""
    return _reach_in_one_pass(enrolment_conditions(filters, scope))


def _int(value):
    return None if value is None else int(value)


def _ints(values) -> tuple:
    # A count is never None: int(None) fails the comparison loudly.
    return tuple(int(value) for value in values)


def normalised(parts: dict[int, list[tuple]]) -> dict[int, list[tuple]]:
    """Both implementations' parts in one comparable form: each part's meaningful
    columns, every number an int, the rows sorted. Part 0 (gender, institution id,
    institution name, 7 counts); 1 (country, 7 counts, a count per status); 2 (course
    id, 7 counts); 3 and 4 (year, month, count). A missing part is empty."""
    shaped: dict[int, list[tuple]] = {}
    for part in range(5):
        rows = []
        for row in parts.get(part, []):
            if part == 0:
                gender, institution_id, name, *rest = row
                rows.append((gender, _int(institution_id), name, *_ints(rest[:WIDTH])))
            elif part == 1:
                country, _number, _name, *rest = row
                rows.append((country, *_ints(rest[:WIDTH + len(_STATUSES)])))
            elif part == 2:
                _text, course_id, _name, *rest = row
                rows.append((_int(course_id), *_ints(rest[:WIDTH])))
            else:
                _text, year, _name, month, count, *_rest = row
                rows.append((_int(year), _int(month), _int(count)))
        shaped[part] = sorted(rows, key=repr)
    return shaped
