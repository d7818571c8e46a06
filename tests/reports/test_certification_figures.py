"""Certification: the funnel per track, certifications valid now by body and country,
those expiring within 90 days, revocations by reason; counts worked out by hand.

Track T (program P, body B) requires courses A and B, competency C1 and 10 practice
hours. Seven people enrolled in A or B (cohorts starting 2026-02-01), today 2026-06-15:

  p1  completed A and B                                        -> courses
  p2  + C1 signed off, 4 approved hours (20 pending)           -> competencies
  p3  + C1, 10 approved hours                                  -> hours
  p4  + C1, 10 hours, certificate 2023-07-15 .. 2026-07-15     -> certified, expiring
  p5  + C1, 10 hours, certificate 2023-03-01 .. 2026-03-01 (expired) renewed on
      2026-03-01 until 2029-03-01 (Colombia)                   -> certified, renewed
  p6  enrolled in A only (active)                              -> enrolled
  p7  enrolled in A; certificate issued 2026-02-01, revoked 2026-04-01 (misconduct)
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest

from lms.certification.models import Certificate
from lms.cohorts.models import EnrolmentStatus
from lms.extensions import db
from lms.reports import figures
from lms.reports.figures import certification
from lms.reports.filters import ReportFilter, Scope, filter_choices
from tests.certification.tracks.factories import log_hours, make_track
from tests.competencies.factories import make_framework, sign_off
from tests.factories import (
    enrol,
    make_cohort,
    make_course,
    make_institution,
    make_program,
    make_user,
)

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
EVERYTHING = Scope(everything=True)
_codes = itertools.count(1)


def certificate(track, user, issued: date, expires: date | None, *, renews=None,
                revoked_at: datetime | None = None, code: str | None = None) -> Certificate:
    row = Certificate(
        code=f"RPT-0000-{next(_codes):04d}-X", kind="track", user_id=user.id,
        program_id=track.program_id, track_id=track.id, issuer_id=track.certifying_body_id,
        issued_on=issued, valid_from=issued, expires_on=expires, hours=0, snapshot={},
        credential="x", kid="k", renews_id=renews.id if renews else None,
        revoked_at=revoked_at, revocation_code="misconduct" if revoked_at else None)
    db.session.add(row)
    db.session.flush()
    return row


@pytest.fixture
def world(database, frozen_clock):
    frozen_clock.set(NOW)
    program = make_program()
    body = make_institution("Certifying body B", kind="certifying_body")
    other_body = make_institution("Another body", kind="certifying_body")
    framework = make_framework(program, competencies=1)
    [c1] = framework.competencies
    a, b = make_course(program, lessons=0), make_course(program, lessons=0)
    track = make_track(program, body, courses=[a, b], competencies=[c1], practice_hours=10,
                       title="Track T")
    a_mx = make_cohort(a, starts=date(2026, 2, 1))
    b_mx = make_cohort(b, starts=date(2026, 2, 1))
    people = {name: make_user(country="CO" if name == "p5" else "MX")
              for name in ("p1", "p2", "p3", "p4", "p5", "p6", "p7")}
    for name in ("p1", "p2", "p3", "p4", "p5"):
        enrol(a_mx, people[name], status=EnrolmentStatus.COMPLETED)
        enrol(b_mx, people[name], status=EnrolmentStatus.COMPLETED)
    for name in ("p2", "p3", "p4", "p5"):
        sign_off(people[name], c1, None)
    log_hours(people["p2"], track, 4)
    log_hours(people["p2"], track, 20, approved=False)
    for name in ("p3", "p4", "p5"):
        log_hours(people[name], track, 10)
    enrol(a_mx, people["p6"])
    enrol(a_mx, people["p7"])
    certificate(track, people["p4"], date(2023, 7, 15), date(2026, 7, 15))
    old = certificate(track, people["p5"], date(2023, 3, 1), date(2026, 3, 1))
    certificate(track, people["p5"], date(2026, 3, 1), date(2029, 3, 1), renews=old)
    certificate(track, people["p7"], date(2026, 2, 1), date(2029, 2, 1),
                revoked_at=datetime(2026, 4, 1, 9, tzinfo=UTC))
    return dict(program=program, body=body, other_body=other_body, track=track,
                people=people, a=a)


def table(section, key):
    return next(t for t in section.all_tables() if t.key == key)


def test_funnel_per_track(world):
    section = certification(ReportFilter(), EVERYTHING)
    funnel = table(section, "certification_funnel")
    assert funnel.rows == [("Track T", 7, 5, 4, 3, 2, 1)]
    [chart] = section.charts
    assert chart.kind == "funnel"
    assert chart.series[0][1] == [7.0, 5.0, 4.0, 3.0, 2.0, 1.0]
    assert chart.table.values("people") == [7, 5, 4, 3, 2, 1]


def test_the_later_stages_count_the_same_whether_the_people_are_sent_or_not(
        world, monkeypatch):
    # A report of many people reads every hours log and certificate of the tracks; one of
    # few sends them (FUNNEL_PAIRS_SENT): the stages must not tell the two apart.
    views = [ReportFilter(), ReportFilter(country="CO"), ReportFilter(gender="female"),
             ReportFilter(start=date(2026, 1, 1), end=date(2026, 12, 31))]

    def funnels(sent: int) -> list:
        monkeypatch.setattr(figures, "FUNNEL_PAIRS_SENT", sent)
        return [table(certification(view, EVERYTHING), "certification_funnel").rows
                for view in views]

    sent, read = funnels(20_000), funnels(0)
    assert sent == read
    assert sent[0] == [("Track T", 7, 5, 4, 3, 2, 1)]
    assert any(rows != sent[0] for rows in sent[1:])  # a filter that keeps fewer people


def test_valid_now_expiring_and_revoked(world):
    section = certification(ReportFilter(start=date(2026, 1, 1), end=date(2026, 12, 31)),
                            EVERYTHING)
    assert table(section, "certificates_by_body").rows == [("Certifying body B", 2, 2)]
    assert table(section, "certificates_by_country").rows == [("Colombia", 1, 1),
                                                              ("Mexico", 1, 1)]
    assert table(section, "certificates_expiring").rows == [("Track T", 1, 1)]
    assert table(section, "revocations_by_reason").rows == [
        ("Misconduct, such as fraud in an assessment", "misconduct", 1)]
    figures = {figure.key: figure.value for figure in section.figures}
    # Issued in 2026 and not revoked: p5's renewal only.
    assert figures == {"certified_in_period": 1, "valid_now": 2, "expiring": 1, "revoked": 1}


def test_revocations_outside_the_period_are_left_out(world):
    section = certification(ReportFilter(start=date(2025, 1, 1), end=date(2025, 12, 31)),
                            EVERYTHING)
    assert table(section, "revocations_by_reason").rows == []
    # The funnel's first stage follows the cohorts' start: none started in 2025.
    assert table(section, "certification_funnel").rows == [("Track T", 0, 0, 0, 0, 0, 0)]


def test_filters_on_the_holder(world):
    section = certification(ReportFilter(country="CO"), EVERYTHING)
    assert table(section, "certificates_by_body").rows == [("Certifying body B", 1, 1)]
    assert table(section, "certificates_expiring").rows == []


def test_an_officer_of_another_body_sees_nothing(world):
    scope = Scope(body_ids=frozenset({world["other_body"].id}))
    section = certification(ReportFilter(), scope)
    assert table(section, "certification_funnel").rows == []
    assert table(section, "certificates_by_body").rows == []
    assert section.charts == []


def test_the_body_officer_sees_the_track(world):
    scope = Scope(body_ids=frozenset({world["body"].id}))
    section = certification(ReportFilter(), scope)
    assert table(section, "certification_funnel").rows == [("Track T", 7, 5, 4, 3, 2, 1)]
    assert table(section, "certificates_by_body").rows == [("Certifying body B", 2, 2)]


def test_query_count_does_not_grow_with_people(world, count_queries):
    certification(ReportFilter(), EVERYTHING)  # the people sets built
    track = world["track"]
    cohort = make_cohort(world["a"], starts=date(2026, 2, 1))

    def certified_people(count: int) -> None:
        for _n in range(count):
            person = make_user()
            enrol(cohort, person, status=EnrolmentStatus.COMPLETED)
            certificate(track, person, date(2026, 1, 5), date(2029, 1, 5))

    # Each measurement first takes in the new enrolments (lms.reports.people).
    certified_people(1)
    with count_queries() as small:
        certification(ReportFilter(), EVERYTHING)
    certified_people(19)
    with count_queries() as large:
        section = certification(ReportFilter(), EVERYTHING)
    assert table(section, "certification_funnel").rows[0][1] == 27
    assert large.count == small.count


def test_the_country_filter_offers_the_countries_of_holders_in_scope(world):
    # p5 holds the only certificate of someone in Colombia, where no cohort runs; people
    # in Argentina hold none. Countries are found a step at a time down the index.
    make_user(country="AR")
    make_user(country="UY")
    db.session.flush()
    assert [code for code, _name in filter_choices(EVERYTHING, "en").countries] == ["CO",
                                                                                      "MX"]
    body = Scope(body_ids=frozenset({world["body"].id}))
    assert [code for code, _name in filter_choices(body, "en").countries] == ["CO", "MX"]
    # Another body certified nobody and runs no cohort: no country to offer.
    other = Scope(body_ids=frozenset({world["other_body"].id}))
    assert filter_choices(other, "en").countries == []
