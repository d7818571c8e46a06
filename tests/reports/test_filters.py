"""Report filters: who sees what (scope_for), reading the URL (parse_filters), writing it
back (filter_args), and the form's choices limited to the scope."""

from __future__ import annotations

from datetime import date

import pytest
from werkzeug.datastructures import MultiDict

from lms.accounts.models import BodyOfficer, ProgramObserver
from lms.extensions import db
from lms.reports.filters import (
    UNSTATED,
    ReportFilter,
    Scope,
    filter_args,
    filter_choices,
    parse_filters,
    scope_for,
)
from tests.factories import make_institution, make_user
from tests.reports.reach_world import NOW, build_world

EVERYTHING = Scope(everything=True)


@pytest.fixture
def world(database, frozen_clock):
    frozen_clock.set(NOW)
    return build_world()


def parse(scope=EVERYTHING, **args):
    return parse_filters(MultiDict(args), scope)


def test_scope_of_each_role(world):
    assert scope_for(make_user(admin=True)) == Scope(everything=True)
    assert scope_for(world.coordinator) == Scope(program_ids=frozenset({world.p.id}))
    assert scope_for(world.people["f1"]).empty
    teacher = make_user()
    world.a_mx.instructors.append(teacher)
    body = make_institution(kind="certifying_body")
    db.session.add(BodyOfficer(institution_id=body.id, user_id=teacher.id))
    db.session.flush()
    assert scope_for(teacher) == Scope(cohort_ids=frozenset({world.a_mx.id}),
                                       body_ids=frozenset({body.id}))
    observer = make_user()
    db.session.add(ProgramObserver(program_id=world.q.id, user_id=observer.id))
    db.session.flush()
    assert scope_for(observer) == Scope(program_ids=frozenset({world.q.id}),
                                        aggregated_only=True)


@pytest.mark.parametrize(("args", "start", "end"), [
    ({"year": "2026"}, date(2026, 1, 1), date(2026, 12, 31)),
    ({"quarter": "2026-Q3"}, date(2026, 7, 1), date(2026, 9, 30)),
    ({"year": "2025", "quarter": "Q4"}, date(2025, 10, 1), date(2025, 12, 31)),
    ({"quarter": "2026-q1"}, date(2026, 1, 1), date(2026, 3, 31)),
    ({"from": "2026-02-03", "to": "2026-02-20"}, date(2026, 2, 3), date(2026, 2, 20)),
    ({"year": "2026", "to": "2026-06-30"}, date(2026, 1, 1), date(2026, 6, 30)),
    ({"from": "2026-02-03"}, date(2026, 2, 3), None),
])
def test_periods(world, args, start, end):
    filters, errors = parse(**args)
    assert errors == []
    assert (filters.start, filters.end) == (start, end)


@pytest.mark.parametrize(("args", "message"), [
    ({"year": "26"}, "The year must be between 2000 and 2100."),
    ({"year": "1999"}, "The year must be between 2000 and 2100."),
    ({"quarter": "Q2"}, "Give the quarter as 2026-Q3, or a year and Q1 to Q4."),
    ({"quarter": "2026-Q5"}, "Give the quarter as 2026-Q3, or a year and Q1 to Q4."),
    ({"to": "2026-02-30"}, "2026-02-30 is not a date: write it as YYYY-MM-DD."),
    ({"from": "2026-03-01", "to": "2026-02-01"},
     "The period ends before it starts; it was left out."),
    ({"gender": "none"}, "Unknown gender."),
    ({"language": "de"}, "Unknown language."),
    ({"country": "ZZ"}, "Unknown country."),
    ({"program": "abc"}, "That program is not one you may report on."),
    ({"course": "0"}, "That course is not one you may report on."),
    ({"institution": "99999999"}, "That institution is not one you may report on."),
])
def test_bad_values_are_refused_with_a_message(world, args, message):
    filters, errors = parse(**args)
    assert errors == [message]
    assert filters == ReportFilter()


def test_every_filter_read(world):
    filters, errors = parse(
        year="2026", program=str(world.p.id), course=str(world.a.id),
        cohort=str(world.a_co.id), country="co", institution=str(world.university.id),
        gender=UNSTATED, modality="online", language="es")
    assert errors == []
    assert filters == ReportFilter(
        program_id=world.p.id, course_id=world.a.id, cohort_id=world.a_co.id, country="CO",
        institution_id=world.university.id, gender=UNSTATED, modality="online",
        language="es", start=date(2026, 1, 1), end=date(2026, 12, 31))


def test_ids_outside_the_scope_are_refused(world):
    scope = Scope(program_ids=frozenset({world.p.id}))
    filters, errors = parse(scope, program=str(world.q.id), course=str(world.z.id),
                            cohort=str(world.z_mx.id), year="2026")
    assert errors == ["That program is not one you may report on.",
                      "That course is not one you may report on.",
                      "That cohort is not one you may report on."]
    assert filters == ReportFilter(start=date(2026, 1, 1), end=date(2026, 12, 31))
    instructor = Scope(cohort_ids=frozenset({world.a_co.id}))
    _filters, errors = parse(instructor, cohort=str(world.a_mx.id), country="MX")
    assert errors == ["That cohort is not one you may report on.",
                      "There is nothing to report in that country for you."]


@pytest.mark.parametrize("args", [
    {"year": "2026"}, {"quarter": "2026-Q2"}, {"from": "2026-02-03", "to": "2026-05-01"},
    {"from": "2026-01-01"}, {"gender": "female", "modality": "blended", "language": "fr"},
])
def test_filter_args_round_trip(world, args):
    filters, _errors = parse(**args)
    assert filter_args(filters) == args
    assert parse(**filter_args(filters))[0] == filters


def test_choices_are_limited_to_the_scope(world):
    scope = Scope(program_ids=frozenset({world.p.id}))
    choices = filter_choices(scope, "en")
    assert [key for key, _label in choices.programs] == [world.p.id]
    assert {key for key, _label in choices.courses} == {world.a.id, world.b.id}
    assert {key for key, _label in choices.cohorts} == {world.a_mx.id, world.a_co.id,
                                                        world.b_mx.id}
    assert choices.countries == [("CO", "Colombia"), ("MX", "Mexico")]
    assert [name for _id, name in choices.institutions] == ["Policía Federal",
                                                            "Universidad Nacional"]
    # Countries in the viewer's language, sorted in it.
    assert filter_choices(scope, "es").countries == [("CO", "Colombia"), ("MX", "México")]
    assert [key for key, _label in choices.genders] == ["female", "male", "other", UNSTATED]
