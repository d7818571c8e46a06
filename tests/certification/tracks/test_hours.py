"""Logging hours (trainees) and approving or rejecting them (supervisors)."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.accounts.models import ProgramCoordinator
from lms.audit.models import AuditLog
from lms.certification.tracks.models import HoursLog, HoursStatus
from lms.extensions import db
from lms.kernel import clock
from lms.kernel.mail import read_outbox
from tests.certification.tracks.factories import log_hours, make_track
from tests.conftest import page_text, sign_in_quickly, submit
from tests.factories import (
    enrol,
    make_cohort,
    make_coordinator,
    make_course,
    make_institution,
    make_program,
    make_user,
)


@pytest.fixture
def world(database):
    program = make_program()
    course = make_course(program)
    instructor = make_user(full_name="Ines Instructor", locale="es")
    cohort = make_cohort(course, instructors=[instructor])
    trainee = make_user(full_name="Tomas Trainee")
    enrol(cohort, trainee)
    track = make_track(program, make_institution(kind="certifying_body"), courses=[course],
                       practice_hours=10)
    return dict(program=program, course=course, instructor=instructor, trainee=trainee,
                track=track, coordinator=make_coordinator(program))


def _entry(supervisor, **changes) -> dict:
    yesterday = clock.today(clock.UTC) - timedelta(days=1)
    data = {"kind": "practice", "worked_on": yesterday.isoformat(),
            "hours": "6.5", "place": "Clinic San Juan", "description": "Intake interviews",
            "supervisor_email": supervisor.email.upper()}
    data.update(changes)
    return data


def _log(client, world, **changes):
    url = f"/tracks/{world['track'].id}"
    return submit(client, f"{url}/hours", _entry(world["instructor"], **changes), form_url=url)


def _logs() -> int:
    return db.session.scalar(select(func.count(HoursLog.id)))


def test_trainee_logs_hours_and_the_supervisor_is_told_in_their_language(client, world):
    sign_in_quickly(client, world["trainee"])
    response = _log(client, world)
    assert response.status_code == 302
    log = db.session.scalars(select(HoursLog)).one()
    assert (log.user_id, log.supervisor_id, log.status) == (
        world["trainee"].id, world["instructor"].id, HoursStatus.PENDING)
    assert str(log.hours) == "6.50"
    mails = read_outbox()
    assert [m["to"] for m in mails] == [world["instructor"].email]
    assert "/supervision" in mails[0]["body"]
    assert "Tomas Trainee" in mails[0]["subject"]
    text = page_text(client.get(f"/tracks/{world['track'].id}"))
    assert "Clinic San Juan" in text and "Waiting for approval" in text
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "hours.logged"))


def test_a_coordinator_of_the_program_may_supervise(client, world):
    sign_in_quickly(client, world["trainee"])
    response = _log(client, world, supervisor_email=world["coordinator"].email)
    assert response.status_code == 302


@pytest.mark.parametrize("changes, message", [
    ({"worked_on": (clock.today(clock.UTC) + timedelta(days=1)).isoformat()},
     "The date cannot be in the future."),
    ({"hours": "0.25"}, "Enter between 0.5 and 24 hours."),
    ({"hours": "25"}, "Enter between 0.5 and 24 hours."),
    ({"hours": "1.3"}, "Enter hours in steps of half an hour."),
    ({"kind": "holiday"}, "Not a valid choice"),
    ({"place": ""}, "This field is required."),
    ({"worked_on": ""}, "Enter the date you worked."),
])
def test_bad_hours_are_refused_and_nothing_is_saved(client, world, changes, message):
    sign_in_quickly(client, world["trainee"])
    response = _log(client, world, **changes)
    assert response.status_code == 422
    assert message in page_text(response)
    assert _logs() == 0
    assert read_outbox() == []


def test_at_most_24_hours_a_day(client, world):
    day = clock.today(clock.UTC) - timedelta(days=2)
    log_hours(world["trainee"], world["track"], 20, worked_on=day)
    sign_in_quickly(client, world["trainee"])
    response = _log(client, world, worked_on=day.isoformat(), hours="5")
    assert response.status_code == 422
    assert "at most 24 hours for one day" in page_text(response)
    assert _logs() == 1


@pytest.mark.parametrize("who", ["nobody", "stranger", "other_instructor", "self"])
def test_supervisor_must_teach_the_track_or_coordinate_and_the_message_reveals_nothing(
        client, world, who):
    other_instructor = make_user()
    make_cohort(make_course(), instructors=[other_instructor])
    emails = {"nobody": "no-such-person@example.org", "stranger": make_user().email,
              "other_instructor": other_instructor.email, "self": world["trainee"].email}
    sign_in_quickly(client, world["trainee"])
    response = _log(client, world, supervisor_email=emails[who])
    assert response.status_code == 422
    assert ("Name a supervisor by the email address of their account: an instructor of one "
            "of this track's courses or a coordinator of its program."
            ) in html.unescape(page_text(response))
    assert _logs() == 0


def test_unpublished_track_is_not_found_for_trainees(client, world):
    world["track"].published = False
    sign_in_quickly(client, world["trainee"])
    assert client.get(f"/tracks/{world['track'].id}").status_code == 404


# ---------------------------------------------------------------- supervision

def test_supervision_queue_is_forbidden_to_trainees(client, world):
    sign_in_quickly(client, world["trainee"])
    assert client.get("/supervision").status_code == 403
    assert client.get("/supervision", follow_redirects=False).status_code == 403


def test_supervision_queue_sends_anonymous_visitors_to_sign_in(client, world):
    assert client.get("/supervision").status_code == 302


def test_supervisor_sees_pending_logs_oldest_first(client, world):
    first = log_hours(world["trainee"], world["track"], 3, approved=False,
                      supervisor=world["instructor"], place="First place")
    log_hours(world["trainee"], world["track"], 4, approved=False,
              supervisor=world["instructor"], place="Second place")
    log_hours(world["trainee"], world["track"], 5, supervisor=world["instructor"],
              place="Approved place")
    other = make_user()
    log_hours(other, make_track(make_program(), make_institution(kind="certifying_body")),
              2, approved=False, supervisor=make_user(), place="Someone else's")
    sign_in_quickly(client, world["instructor"])
    text = page_text(client.get("/supervision"))
    assert text.index("First place") < text.index("Second place")
    assert "Approved place" not in text and "Someone else's" not in text
    assert first.id


def test_approve_records_the_decision_and_tells_the_trainee(client, world):
    log = log_hours(world["trainee"], world["track"], 6, approved=False,
                    supervisor=world["instructor"])
    sign_in_quickly(client, world["instructor"])
    response = submit(client, f"/supervision/{log.id}", {"decision": "approve"},
                      form_url="/supervision")
    assert response.status_code == 302
    db.session.refresh(log)
    assert log.status == HoursStatus.APPROVED
    assert log.decided_by_id == world["instructor"].id
    assert [m["to"] for m in read_outbox()] == [world["trainee"].email]
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "hours.approved"))


def test_reject_needs_a_note(client, world):
    log = log_hours(world["trainee"], world["track"], 6, approved=False,
                    supervisor=world["instructor"])
    sign_in_quickly(client, world["instructor"])
    response = submit(client, f"/supervision/{log.id}", {"decision": "reject", "note": " "},
                      form_url="/supervision")
    assert response.status_code == 422
    # The instructor reads the site in Spanish.
    assert "Indique por qué rechaza estas horas." in page_text(response)
    db.session.refresh(log)
    assert log.status == HoursStatus.PENDING
    response = submit(client, f"/supervision/{log.id}",
                      {"decision": "reject", "note": "Not at that clinic"},
                      form_url="/supervision")
    assert response.status_code == 302
    db.session.refresh(log)
    assert (log.status, log.decision_note) == (HoursStatus.REJECTED, "Not at that clinic")
    mails = read_outbox()
    assert "Not at that clinic" in mails[-1]["body"]
    sign_in_quickly(client, world["trainee"])
    assert "Not at that clinic" in page_text(client.get(f"/tracks/{world['track'].id}"))


def test_only_pending_logs_can_be_decided(client, world):
    log = log_hours(world["trainee"], world["track"], 6, supervisor=world["instructor"])
    sign_in_quickly(client, world["instructor"])
    response = submit(client, f"/supervision/{log.id}", {"decision": "reject", "note": "x"},
                      form_url="/supervision")
    assert response.status_code == 422
    db.session.refresh(log)
    assert log.status == HoursStatus.APPROVED


def test_coordinator_may_decide_but_not_another_supervisor(client, world):
    log = log_hours(world["trainee"], world["track"], 6, approved=False,
                    supervisor=world["instructor"])
    other_supervisor = make_user()
    log_hours(make_user(), world["track"], 1, approved=False, supervisor=other_supervisor)
    sign_in_quickly(client, other_supervisor)
    response = submit(client, f"/supervision/{log.id}", {"decision": "approve"},
                      form_url="/supervision")
    assert response.status_code == 403
    sign_in_quickly(client, world["coordinator"])
    response = submit(client, f"/supervision/{log.id}", {"decision": "approve"},
                      form_url="/supervision")
    assert response.status_code == 302
    db.session.refresh(log)
    assert log.status == HoursStatus.APPROVED


def test_coordinator_of_another_program_cannot_decide(client, world):
    log = log_hours(world["trainee"], world["track"], 6, approved=False,
                    supervisor=world["instructor"])
    outsider = make_coordinator(make_program())
    sign_in_quickly(client, outsider)
    assert "Tomas Trainee" not in page_text(client.get("/supervision"))
    response = submit(client, f"/supervision/{log.id}", {"decision": "approve"},
                      form_url="/supervision")
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(ProgramCoordinator.user_id)))
