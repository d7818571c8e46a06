"""Verification figures: by channel, by day, the most verified certificates, tracks and
bodies, from the stored counts (tests by hand)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest

from lms.certification.models import Certificate
from lms.certification.verification_counts import VerificationCount
from lms.extensions import db
from lms.reports.filters import ReportFilter, Scope
from lms.reports.verification import verification
from tests.certification.tracks.factories import make_track
from tests.factories import make_institution, make_program, make_user

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
_codes = itertools.count(1)


def certificate(track, user) -> Certificate:
    row = Certificate(code=f"VER-0000-{next(_codes):04d}-X", kind="track", user_id=user.id,
                      program_id=track.program_id, track_id=track.id,
                      issuer_id=track.certifying_body_id, issued_on=date(2026, 1, 1),
                      valid_from=date(2026, 1, 1), expires_on=None, hours=0, snapshot={},
                      credential="x", kid="k")
    db.session.add(row)
    db.session.flush()
    return row


def counted(cert, day: str, channel: str, count: int) -> None:
    db.session.add(VerificationCount(certificate_id=cert.id, day=date.fromisoformat(day),
                                     channel=channel, count=count))


@pytest.fixture
def world(database, frozen_clock):
    """Body A's track TA: certificates one (Mexico, female) and two (Colombia);
    body B's track TB: certificate three.

    one:   2026-06-01 page 3, qr 2; 2026-06-02 api 1
    two:   2026-06-02 page 1; 2026-05-20 upload 4
    three: 2026-06-02 qr 5
    """
    frozen_clock.set(NOW)
    program = make_program()
    body_a = make_institution("Body A", kind="certifying_body")
    body_b = make_institution("Body B", kind="certifying_body")
    ta = make_track(program, body_a, title="Track A")
    tb = make_track(program, body_b, title="Track B")
    one = certificate(ta, make_user(gender="female"))
    two = certificate(ta, make_user(country="CO"))
    three = certificate(tb, make_user())
    counted(one, "2026-06-01", "page", 3)
    counted(one, "2026-06-01", "qr", 2)
    counted(one, "2026-06-02", "api", 1)
    counted(two, "2026-06-02", "page", 1)
    counted(two, "2026-05-20", "upload", 4)
    counted(three, "2026-06-02", "qr", 5)
    db.session.flush()
    return dict(body_a=body_a, body_b=body_b, one=one, two=two, three=three)


def table(section, key):
    return next(t for t in section.all_tables() if t.key == key)


def test_by_channel_and_tops(world):
    section = verification(ReportFilter(), Scope(everything=True))
    assert table(section, "verification_by_channel").rows == [
        ("Verification page", 4), ("QR code or printed link", 7), ("API", 1),
        ("PDF upload", 4)]
    assert section.figures[0].value == 16
    assert table(section, "verification_top_certificates").rows == [
        (world["one"].code, 6), (world["two"].code, 5), (world["three"].code, 5)]  # ties by ID
    assert table(section, "verification_top_tracks").rows == [("Track A", 11),
                                                              ("Track B", 5)]
    assert table(section, "verification_top_bodies").rows == [("Body A", 11), ("Body B", 5)]


def test_by_day_within_a_period(world):
    section = verification(ReportFilter(start=date(2026, 6, 1), end=date(2026, 6, 3)),
                           Scope(everything=True))
    chart = next(c for c in section.charts if c.key == "verification_over_time")
    assert chart.kind == "line"
    # page, qr, api, upload per day; the upload of May 20 is outside the period.
    assert [row[1:] for row in chart.table.rows] == [(3, 2, 0, 0), (1, 5, 1, 0),
                                                     (0, 0, 0, 0)]
    assert section.figures[0].value == 12


def test_by_month_over_more_than_a_year(world):
    # No period: the days are added up by month (page, qr, api, upload), months in order.
    section = verification(ReportFilter(), Scope(everything=True))
    chart = next(c for c in section.charts if c.key == "verification_over_time")
    assert [row[1:] for row in chart.table.rows] == [(0, 0, 0, 4), (4, 7, 1, 0)]
    assert len(chart.categories) == 2 and chart.table.title == "Verifications per month"
    # A period of more than a year that leaves one month with verifications.
    section = verification(ReportFilter(start=date(2025, 1, 1), end=date(2026, 5, 31)),
                           Scope(everything=True))
    chart = next(c for c in section.charts if c.key == "verification_over_time")
    assert [row[1:] for row in chart.table.rows] == [(0, 0, 0, 4)]


def test_scope_filters_and_no_certificate_ids_for_observers(world):
    scope = Scope(body_ids=frozenset({world["body_b"].id}))
    section = verification(ReportFilter(), scope)
    assert section.figures[0].value == 5
    assert verification(ReportFilter(country="CO"), Scope(everything=True)).figures[0].value == 5
    assert verification(ReportFilter(gender="female"),
                        Scope(everything=True)).figures[0].value == 6
    observed = verification(ReportFilter(), Scope(program_ids=frozenset(
        {world["one"].program_id}), aggregated_only=True))
    assert "verification_top_certificates" not in [t.key for t in observed.all_tables()]
    assert observed.figures[0].value == 16
