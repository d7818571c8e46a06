"""Events: lower floors announce, certification reacts in the same transaction.

What a user notices: a grade that completes a course gives its certificate, and a
grade that is rolled back leaves none behind; every announcement carries what a
future subscriber (notifications, reports) needs.
"""

from __future__ import annotations

from contextlib import contextmanager
from decimal import Decimal

from blinker import Signal
from sqlalchemy import select

from lms.assessments.completion import COMPLETED, CourseResult, apply_result
from lms.certification import issuance
from lms.certification.models import Certificate
from lms.certification.tracks import services as track_services
from lms.cohorts import services as cohort_services
from lms.competencies import queries as competency_queries
from lms.competencies import services as competency_services
from lms.extensions import db
from lms.kernel import events
from tests.certification.factories import (
    eligible_track,
    issue_certificate,
    make_eligible,
    make_program_with_prefix,
)
from tests.certification.tracks.factories import log_hours
from tests.competencies.factories import make_framework
from tests.factories import enrol, make_cohort, make_course, make_institution, make_user

SIGNALS = [value for value in vars(events).values() if isinstance(value, Signal)]


@contextmanager
def recording(signal: Signal):
    calls: list[tuple] = []

    def recorder(sender, **kwargs):
        calls.append((sender, kwargs))

    with signal.connected_to(recorder):
        yield calls


def _completed_enrolment():
    course = make_course(make_program_with_prefix(), hours=45, lessons=0)
    cohort = make_cohort(course, host=make_institution("Host of events", country="MX"),
                         country="MX")
    return enrol(cohort, make_user())


def _course_certificates(enrolment_id: int) -> list[Certificate]:
    return list(db.session.scalars(select(Certificate).where(
        Certificate.enrolment_id == enrolment_id)))


def test_every_event_is_documented_with_its_arguments():
    assert len(SIGNALS) >= 11
    for signal in SIGNALS:
        assert signal.__doc__ and "sender" in signal.__doc__, signal.name


def test_certification_is_subscribed_once_at_start_up(app):
    from lms import create_app  # a second app must not subscribe a second time
    from lms.certification import reactions

    def certification_receivers() -> int:
        return sum(1 for receiver in events.enrolment_result_changed.receivers.values()
                   if receiver is reactions._result_changed)

    before = len(events.enrolment_result_changed.receivers)
    create_app(LMS_ENV="testing", LMS_DATABASE_URL="sqlite://")
    # Certification reacts once; the report cache (lms.reports.reactions) listens too.
    assert len(events.enrolment_result_changed.receivers) == before
    assert certification_receivers() == 1


def test_a_completed_course_announces_and_certification_issues_in_that_transaction(database):
    enrolment = _completed_enrolment()
    result = CourseResult(total=Decimal("90"), state=COMPLETED, required=1, graded=1)
    with recording(events.enrolment_result_changed) as changed, \
            recording(events.certificate_issued) as issued:
        nested = db.session.begin_nested()
        apply_result(enrolment, result, None)
        [certificate] = _course_certificates(enrolment.id)
        assert changed == [(enrolment, {"actor": None})]
        assert issued[0][1]["certificates"] == [certificate]
        assert issued[0][1]["automatic"] is True
        nested.rollback()  # the grade's transaction fails: the certificate goes with it
    assert _course_certificates(enrolment.id) == []


def test_enrolment_is_announced(database):
    course = make_course(make_program_with_prefix(), lessons=0)
    cohort = make_cohort(course)
    coordinator = make_user(admin=True)
    trainee = make_user()
    with recording(events.user_enrolled) as enrolled:
        assert cohort_services.enrol_user(coordinator, cohort, trainee.email)
    [(enrolment, kwargs)] = enrolled
    assert enrolment.user_id == trainee.id and enrolment.cohort_id == cohort.id
    assert kwargs == {"actor": coordinator, "via": "enrolled"}


def test_revocation_correction_and_renewal_are_announced(database):
    officer = make_user(admin=True)
    certificate = issue_certificate(actor=officer)
    with recording(events.certificate_superseded) as superseded:
        replacement = issuance.correct_name(certificate, officer, "Ana Corrected Name")
    assert superseded == [(certificate, {"replacement": replacement, "actor": officer})]
    with recording(events.certificate_revoked) as revoked:
        issuance.revoke(replacement, officer, "issued_in_error")
    assert revoked == [(replacement, {"actor": officer})]


def test_hours_decision_is_announced_and_completes_an_auto_issue_track(app, database):
    track, course = eligible_track(auto_issue=True, practice_hours=10)
    trainee = make_eligible(track, course)  # the course is done; the practice hours are not
    supervisor = make_user()
    log = log_hours(trainee, track, 10, approved=False, supervisor=supervisor)
    with recording(events.hours_decided) as decided, app.test_request_context():
        track_services.decide(supervisor, log, approve=True)
    assert decided == [(log, {"actor": supervisor})]
    held = db.session.scalars(select(Certificate).where(
        Certificate.user_id == trainee.id, Certificate.track_id == track.id)).all()
    assert len(held) == 1, "the auto-issue track reacted to the approved hours"


def test_a_competency_a_track_requires_is_in_use_and_relevant_to_the_course(database):
    program = make_program_with_prefix()
    framework = make_framework(program)
    competency = framework.competencies[0]
    assert not competency_services.competency_in_use(competency)
    track, course = eligible_track(program=program)
    track.competencies.append(competency)
    db.session.flush()
    assert competency_services.competency_in_use(competency)
    assert competency in competency_queries.relevant_competencies(course)
