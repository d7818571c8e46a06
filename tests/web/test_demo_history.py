"""The demo's history: years of made-up records that give every report something to show."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import func, select

from lms import demo, demo_history
from lms.accounts.models import User
from lms.assessments.models import Grade
from lms.certification import verification
from lms.certification.models import Certificate
from lms.cohorts.models import Cohort, Enrolment

SMALL = demo_history.Size(trainees=150, cohorts=16, years=3)
TODAY = date(2026, 11, 30)


def test_history_spans_the_years_statuses_and_people_a_report_needs(database):
    demo.load()
    summary = demo_history.load(SMALL, today=TODAY)
    assert summary.trainees == 150 and summary.cohorts == 16
    starts = set(database.session.scalars(
        select(func.min(Cohort.starts_on)).where(Cohort.code.like("HIST-%")))) | set(
        database.session.scalars(select(func.max(Cohort.starts_on))
                                 .where(Cohort.code.like("HIST-%"))))
    assert min(starts).year == 2024 and max(starts).year == 2026
    statuses = Counter(database.session.scalars(
        select(Enrolment.status).join(Cohort).where(Cohort.code.like("HIST-%"))))
    assert {"active", "completed", "failed", "withdrawn"} <= set(statuses)
    assert statuses["completed"] > statuses["failed"]
    genders = set(database.session.scalars(
        select(User.gender).where(User.email.like("history.%"))))
    assert {"female", "male", None} <= genders
    assert summary.grades == database.session.scalar(
        select(func.count()).select_from(Grade).join(Enrolment).join(Cohort)
        .where(Cohort.code.like("HIST-%")))
    assert summary.certificates > 0


def test_history_certificates_verify_like_any_other(database):
    demo.load()
    demo_history.load(SMALL, today=TODAY)
    certificate = database.session.scalars(
        select(Certificate).join(User, User.id == Certificate.user_id)
        .where(User.email.like("history.%"), Certificate.revoked_at.is_(None))
        .order_by(Certificate.id)).first()
    assert certificate is not None and certificate.issued_on <= TODAY
    assert verification.check_signature(certificate).ok


def test_history_is_loaded_once(database):
    demo.load()
    first = demo_history.load(SMALL, today=TODAY)
    again = demo_history.load(SMALL, today=TODAY)
    assert first.enrolments > 0 and again.enrolments == 0


def test_the_printed_demo_certificates_are_the_demos_own_not_the_historys(database):
    from lms import demo_certificates

    demo.load()
    before = demo_certificates.listed()
    demo_history.load(SMALL, today=TODAY)
    assert demo_certificates.listed() == before  # 335 made-up holders print nothing
