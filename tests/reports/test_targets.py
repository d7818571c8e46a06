"""Targets: the page to set them (admins and the program's coordinators), the audit
records, and target against actual in the report."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from lms.audit.models import AuditLog
from lms.certification.models import Certificate
from lms.extensions import db
from lms.reports import services
from lms.reports.figures import targets
from lms.reports.filters import ReportFilter, Scope
from lms.reports.models import Target
from tests.certification.tracks.factories import make_track
from tests.conftest import page_text, sign_in_quickly, submit
from tests.factories import make_institution, make_user
from tests.reports.reach_world import NOW, build_world


@pytest.fixture
def world(database, frozen_clock):
    frozen_clock.set(NOW)
    return build_world()


def certify(world, user, issued: date, revoked: bool = False) -> Certificate:
    track = getattr(world, "_track", None)
    if track is None:
        track = make_track(world.p, make_institution(kind="certifying_body"))
        world._track = track
    row = Certificate(code=f"TGT-{user.id:04d}-{issued:%m%d}-X", kind="track", user_id=user.id,
                      program_id=world.p.id, track_id=track.id,
                      issuer_id=track.certifying_body_id, issued_on=issued, valid_from=issued,
                      expires_on=None, hours=0, snapshot={}, credential="x", kid="k",
                      revoked_at=datetime(2026, 5, 1, tzinfo=UTC) if revoked else None)
    db.session.add(row)
    db.session.flush()
    return row


def test_target_against_actual(world):
    admin = make_user(admin=True)
    services.set_target(admin, world.p, 2026, None, trained=4, certified=2)
    services.set_target(admin, world.p, 2026, "CO", trained=2, certified=0)
    services.set_target(admin, world.p, 2025, None, trained=10, certified=5)
    # Certified in 2026: f1 (Mexico) and f2 (Colombia); m1's was revoked; u1's was in 2025.
    certify(world, world.people["f1"], date(2026, 2, 1))
    certify(world, world.people["f1"], date(2026, 4, 1))  # certified twice: one person
    certify(world, world.people["f2"], date(2026, 3, 1))
    certify(world, world.people["m1"], date(2026, 3, 1), revoked=True)
    certify(world, world.people["u1"], date(2025, 6, 1))
    section = targets(ReportFilter(), Scope(everything=True))
    program = f"{world.p.code}: {world.p.name}"
    # Trained in 2026 (completed that year, program P): f1 (a_mx, March) and f2 (a_co,
    # May) = 2; in Colombia f2 = 1. In 2025: f1 (b_mx, December) = 1.
    # A target of 0 has no share to reach (None).
    assert section.tables[0].rows == [
        (program, "2025", "All countries", 10, 1, 0.1, 5, 1, 0.2),
        (program, "2026", "All countries", 4, 2, 0.5, 2, 2, 1.0),
        (program, "2026", "Colombia", 2, 1, 0.5, 0, 1, None),
    ]
    # Over the country-wide targets: (1 + 2) / (10 + 4) and (1 + 2) / (5 + 2).
    figures = {figure.key: figure.value for figure in section.figures}
    assert figures == {"trained_share": 3 / 14, "certified_share": 3 / 7}


def test_period_and_scope(world):
    admin = make_user(admin=True)
    services.set_target(admin, world.p, 2026, None, trained=4, certified=2)
    services.set_target(admin, world.q, 2026, None, trained=1, certified=0)
    section = targets(ReportFilter(start=date(2026, 1, 1), end=date(2026, 12, 31)),
                      Scope(program_ids=frozenset({world.q.id})))
    # Program Q: m2 completed Z in April 2026.
    assert section.tables[0].rows == [
        (f"{world.q.code}: {world.q.name}", "2026", "All countries", 1, 1, 1.0, 0, 0, None)]
    assert targets(ReportFilter(), Scope(body_ids=frozenset({1}))).tables[0].rows == []


def test_setting_again_replaces_and_is_audited(world):
    admin = make_user(admin=True)
    first = services.set_target(admin, world.p, 2026, None, trained=4, certified=2)
    again = services.set_target(admin, world.p, 2026, None, trained=8, certified=3)
    assert first is again
    assert db.session.scalar(select(db.func.count(Target.id))) == 1
    logs = db.session.scalars(select(AuditLog).where(AuditLog.action == "report_target.set")
                              .order_by(AuditLog.id)).all()
    assert [log.after["trained"] for log in logs] == [4, 8]
    assert logs[1].before["trained"] == 4


def test_coordinator_sets_a_target_on_the_page(client, world):
    sign_in_quickly(client, world.coordinator)
    response = submit(client, "/reports/targets", {
        "program_id": str(world.p.id), "year": "2027", "country": "MX", "trained": "120",
        "certified": "40"})
    assert response.status_code == 302
    target = db.session.scalar(select(Target))
    assert (target.program_id, target.year, target.country, target.trained,
            target.certified) == (world.p.id, 2027, "MX", 120, 40)
    text = page_text(client.get("/reports/targets"))
    assert "2027 Mexico 120 40" in text


def test_a_coordinator_cannot_set_another_programs_target(client, world):
    sign_in_quickly(client, world.coordinator)
    response = submit(client, "/reports/targets", {
        "program_id": str(world.q.id), "year": "2027", "trained": "1", "certified": "1"})
    assert response.status_code == 422
    assert "Not a valid choice" in page_text(response)
    assert db.session.scalar(select(Target)) is None


def test_bad_numbers_are_refused(client, world):
    sign_in_quickly(client, world.coordinator)
    response = submit(client, "/reports/targets", {
        "program_id": str(world.p.id), "year": "1066", "trained": "-3", "certified": "x"})
    assert response.status_code == 422
    assert db.session.scalar(select(Target)) is None


def test_delete_and_who_may(client, world):
    admin = make_user(admin=True)
    target = services.set_target(admin, world.q, 2026, None, trained=1, certified=1)
    sign_in_quickly(client, world.coordinator)
    response = submit(client, f"/reports/targets/{target.id}/delete",
                      form_url="/reports/targets")
    assert response.status_code == 403
    other = services.set_target(admin, world.p, 2026, None, trained=1, certified=1)
    response = submit(client, f"/reports/targets/{other.id}/delete",
                      form_url="/reports/targets")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalars(select(Target.id)).all() == [target.id]


def test_trainees_and_instructors_may_not_set_targets(client, world):
    sign_in_quickly(client, world.people["f1"])
    assert client.get("/reports/targets").status_code == 403
