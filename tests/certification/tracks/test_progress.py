"""Progress towards a track: each requirement, eligibility, renewal, constant queries."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from lms.certification.models import Certificate
from lms.certification.tracks import progress
from lms.certification.tracks.models import HoursKind, HoursStatus
from lms.cohorts.models import EnrolmentStatus
from lms.extensions import db
from lms.kernel import clock
from tests.certification.tracks.factories import complete_course, log_hours, make_track
from tests.competencies.factories import make_framework, sign_off
from tests.factories import (
    enrol,
    make_cohort,
    make_course,
    make_institution,
    make_program,
    make_user,
)

_codes = itertools.count(1)


def make_certificate(track, user, *, issued_on: date | None = None,
                     expires_on: date | None = None, revoked: bool = False) -> Certificate:
    issued_on = issued_on or clock.today(clock.UTC)
    certificate = Certificate(
        code=f"TST-0000-{next(_codes):04d}-X", kind="track", user_id=user.id,
        program_id=track.program_id, track_id=track.id, issuer_id=track.certifying_body_id,
        issued_on=issued_on, valid_from=issued_on, expires_on=expires_on, hours=0,
        snapshot={}, credential="x", kid="k",
        revoked_at=clock.now() if revoked else None)
    db.session.add(certificate)
    db.session.flush()
    return certificate


@pytest.fixture
def world(database):
    program = make_program()
    body = make_institution(kind="certifying_body")
    framework = make_framework(program, competencies=2)
    first, second = make_course(program, hours=40), make_course(program, hours=30)
    optional = make_course(program, hours=50)
    track = make_track(program, body, courses=[first, second],
                       competencies=framework.competencies, min_hours=100,
                       practice_hours=10)
    return dict(program=program, body=body, framework=framework, first=first,
                second=second, optional=optional, track=track)


def _complete_everything(world, user):
    for course in (world["first"], world["second"], world["optional"]):
        complete_course(user, course)
    for competency in world["framework"].competencies:
        sign_off(user, competency, None)
    log_hours(user, world["track"], 10)


def test_requirements_in_order_and_nothing_met_at_first(world):
    user = make_user()
    result = progress.track_progress(world["track"], user)
    kinds = [r.kind for r in result.requirements]
    assert kinds == ["course", "course", "competency", "competency", "course_hours",
                     "practice_hours"]
    assert not any(r.met for r in result.requirements)
    assert not result.eligible
    assert result.course_hours == 0 and result.practice_hours == 0


def test_everything_met_makes_eligible(world):
    user = make_user()
    _complete_everything(world, user)
    result = progress.track_progress(world["track"], user)
    assert all(r.met for r in result.requirements)
    assert result.eligible
    # Every completed course of the program counts towards the hours, optional too.
    assert result.course_hours == 120
    assert result.practice_hours == Decimal(10)
    assert result.competency_ids_met == {c.id for c in world["framework"].competencies}


def test_course_needs_a_completed_enrolment(world):
    user = make_user()
    enrol(make_cohort(world["first"]), user, status=EnrolmentStatus.ACTIVE)
    enrol(make_cohort(world["second"]), user, status=EnrolmentStatus.FAILED)
    result = progress.track_progress(world["track"], user)
    assert [r.met for r in result.requirements[:2]] == [False, False]
    complete_course(user, world["second"])
    result = progress.track_progress(world["track"], user)
    assert [r.met for r in result.requirements[:2]] == [False, True]


def test_course_hours_count_a_course_once_and_not_other_programs(world):
    user = make_user()
    complete_course(user, world["first"])
    complete_course(user, world["first"])  # took it twice
    complete_course(user, make_course(make_program(), hours=500))  # another program
    result = progress.track_progress(world["track"], user)
    assert result.course_hours == 40
    hours = result.requirements[4]
    assert (hours.met, hours.have, hours.need) == (False, 40, 100)


def test_withdrawn_signoff_does_not_count(world):
    user = make_user()
    first, second = world["framework"].competencies
    signoff = sign_off(user, first, None)
    signoff.withdrawn_at = clock.now()
    sign_off(user, second, None)
    result = progress.track_progress(world["track"], user)
    assert [r.met for r in result.requirements[2:4]] == [False, True]


def test_only_approved_practice_hours_count(world):
    user = make_user()
    track = world["track"]
    log_hours(user, track, 6)
    log_hours(user, track, 8, approved=False)
    log_hours(user, track, 8, status=HoursStatus.REJECTED)
    log_hours(user, track, 8, kind=HoursKind.CONTINUING)
    result = progress.track_progress(track, user)
    assert result.practice_hours == Decimal(6)
    assert not result.requirements[-1].met
    log_hours(user, track, 4)
    assert progress.track_progress(track, user).requirements[-1].met


def test_track_without_hours_has_no_hours_requirements(world):
    track = make_track(world["program"], world["body"], courses=[world["first"]])
    user = make_user()
    complete_course(user, world["first"])
    result = progress.track_progress(track, user)
    assert [r.kind for r in result.requirements] == ["course"]
    assert result.eligible


def test_eligible_lists_candidates_without_a_current_certificate(world):
    track = world["track"]
    ready, certified, expired, revoked = (make_user(full_name=f"{n} Person") for n in
                                          ("Ana", "Bea", "Cy", "Dee"))
    half = make_user(full_name="Eve Person")
    for user in (ready, certified, expired, revoked):
        _complete_everything(world, user)
    complete_course(half, world["first"])
    make_certificate(track, certified, expires_on=clock.today(clock.UTC) + timedelta(days=30))
    make_certificate(track, expired, issued_on=clock.today(clock.UTC) - timedelta(days=800),
                     expires_on=clock.today(clock.UTC) - timedelta(days=1))
    make_certificate(track, revoked, revoked=True)
    names = [row.user.full_name for row in progress.eligible(track)]
    assert names == ["Ana Person", "Cy Person", "Dee Person"]
    roster = {row.user.full_name: row for row in progress.roster_all(track)}
    assert set(roster) == {"Ana Person", "Bea Person", "Cy Person", "Dee Person",
                           "Eve Person"}
    assert roster["Bea Person"].certified and roster["Bea Person"].eligible
    assert not roster["Eve Person"].eligible


def test_people_with_nothing_to_do_with_the_track_are_not_candidates(world):
    bystander = make_user()
    complete_course(bystander, world["optional"])  # not a required course
    assert progress.roster_all(world["track"]) == []


def _new_world() -> dict:
    program = make_program()
    framework = make_framework(program, competencies=2)
    first, second = make_course(program, hours=40), make_course(program, hours=30)
    track = make_track(program, make_institution(kind="certifying_body"),
                       courses=[first, second], competencies=framework.competencies,
                       min_hours=60, practice_hours=10)
    return dict(framework=framework, first=first, second=second,
                optional=make_course(program), track=track)


def _roster_queries(count_queries, users: int) -> int:
    world = _new_world()
    track = world["track"]
    for _ in range(users):
        _complete_everything(world, make_user())
    make_certificate(track, make_user(), expires_on=clock.today(clock.UTC) + timedelta(days=9))
    db.session.expire_all()
    with count_queries("track roster + eligible", f"{users} trainees") as counter:
        _pagination, rows = progress.roster(track, 1)
        eligible = progress.eligible(track)
    assert len(rows) == users + 1 and len(eligible) == users
    return counter.count


def test_roster_and_eligible_run_a_constant_number_of_queries(database, count_queries):
    assert _roster_queries(count_queries, 3) == _roster_queries(count_queries, 40)


# ---------------------------------------------------------------- renewal

def test_continuing_hours_count_completions_and_logs_in_the_period(world):
    user = make_user()
    track = world["track"]
    start, end = date(2025, 1, 1), date(2026, 1, 1)
    complete_course(user, world["first"], completed_at=datetime(2025, 3, 1, tzinfo=UTC))
    complete_course(user, world["second"], completed_at=datetime(2026, 1, 1, tzinfo=UTC))
    log_hours(user, track, 5, kind=HoursKind.CONTINUING, worked_on=date(2025, 12, 31))
    log_hours(user, track, 7, kind=HoursKind.CONTINUING, worked_on=date(2024, 12, 31))
    log_hours(user, track, 3, kind=HoursKind.CONTINUING, worked_on=date(2025, 6, 1),
              approved=False)
    log_hours(user, track, 9, worked_on=date(2025, 6, 1))  # practice, not continuing
    assert progress.continuing_hours(user.id, track, start, end) == Decimal(45)


def test_renewal_due_when_enough_continuing_hours(world):
    program, body = world["program"], world["body"]
    track = make_track(program, body, validity_months=12, renewal_hours=20)
    user = make_user()
    today = clock.today(clock.UTC)
    certificate = make_certificate(track, user, issued_on=today - timedelta(days=300),
                                   expires_on=today + timedelta(days=65))
    log_hours(user, track, 10, kind=HoursKind.CONTINUING, worked_on=today - timedelta(days=5))
    assert progress.renewal_due(certificate) == (False, Decimal(10), 20)
    log_hours(user, track, 10, kind=HoursKind.CONTINUING, worked_on=today - timedelta(days=4))
    assert progress.renewal_due(certificate) == (True, Decimal(20), 20)


def test_renewal_window_and_newest_only(world):
    track = make_track(world["program"], world["body"], validity_months=12, renewal_hours=0)
    user = make_user()
    today = clock.today(clock.UTC)
    lately = make_certificate(track, user, issued_on=today - timedelta(days=500),
                              expires_on=today - timedelta(days=100))
    assert progress.renewal_due(lately)[0]
    long_ago = make_certificate(make_track(world["program"], world["body"]), user,
                                issued_on=today - timedelta(days=1000),
                                expires_on=today - timedelta(days=400))
    assert not progress.renewal_due(long_ago)[0]
    make_certificate(track, user, issued_on=today, expires_on=today + timedelta(days=365))
    assert not progress.renewal_due(lately)[0]  # a newer one exists
    revoked = make_certificate(make_track(world["program"], world["body"]), user,
                               expires_on=today + timedelta(days=10), revoked=True)
    assert not progress.renewal_due(revoked)[0]


def test_renewal_opens_ninety_days_before_expiry(world):
    """A certificate issued today offers no renewal, whatever hours its holder has."""
    track = make_track(world["program"], world["body"], validity_months=12, renewal_hours=0)
    today = clock.today(clock.UTC)
    fresh = make_certificate(track, make_user(), issued_on=today,
                             expires_on=today + timedelta(days=365))
    assert progress.renewal_due(fresh) == (False, Decimal(0), 0)
    assert progress.renewal_opens_on(fresh) == today + timedelta(days=275)
    assert not progress.renewal_window_open(fresh, today + timedelta(days=274))
    assert progress.renewal_window_open(fresh, today + timedelta(days=275))
    assert progress.renewal_due(fresh, today + timedelta(days=275))[0]


def test_tracks_without_validity_never_renew(world):
    track = make_track(world["program"], world["body"], validity_months=None)
    certificate = make_certificate(track, make_user(), expires_on=None)
    assert progress.renewal_due(certificate)[0] is False
