"""Expiry notices at 90, 30 and 7 days: once each, the most urgent after missed runs."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from click.testing import CliRunner

from lms.certification.reminders import remind_expiring, send_reminders
from lms.extensions import db
from lms.kernel import mail
from lms.notifications.services import KIND_HEADER
from tests.certification.factories import issue_certificate
from tests.factories import make_user

EXPIRY = date(2030, 6, 30)


def read_outbox() -> list[dict]:
    """The expiry notices mailed, once the run's transaction commits (as the command does).

    Issuing the certificates mails their holders too (lms.notifications): left out here.
    """
    db.session.commit()
    return [m for m in mail.read_outbox()
            if m.get("headers", {}).get(KIND_HEADER) == "certificate_expiring"]


def _on(days_before: int) -> date:
    return EXPIRY - timedelta(days=days_before)


def _subjects(code: str) -> list[str]:
    return [m["subject"] for m in read_outbox() if code in m["subject"]]


def test_one_notice_per_threshold(database):
    user = make_user(email="holder@example.org")
    certificate = issue_certificate(user, expires_on=EXPIRY, today=date(2027, 6, 30))
    assert send_reminders(_on(91)) == 0
    assert send_reminders(_on(90)) == 1
    assert send_reminders(_on(89)) == 0  # already told at 90
    assert send_reminders(_on(30)) == 1
    assert send_reminders(_on(29)) == 0
    assert send_reminders(_on(7)) == 1
    assert send_reminders(_on(1)) == 0
    outbox = [m for m in read_outbox() if certificate.code in m["subject"]]
    assert len(outbox) == 3 and all(m["to"] == "holder@example.org" for m in outbox)
    body = outbox[0]["body"]
    assert certificate.code in body and "June 30, 2030" in body
    assert certificate.snapshot["text"]["en"]["title"] in body


def test_missed_runs_send_only_the_most_urgent(database):
    certificate = issue_certificate(expires_on=EXPIRY, today=date(2027, 6, 30))
    assert send_reminders(_on(5)) == 1  # the 90 and 30 day runs were missed
    assert send_reminders(_on(4)) == 0
    assert len(_subjects(certificate.code)) == 1


def test_notice_in_the_holders_language(database):
    user = make_user(locale="es")
    certificate = issue_certificate(user, expires_on=EXPIRY, today=date(2027, 6, 30))
    send_reminders(_on(30))
    [message] = [m for m in read_outbox() if certificate.code in m["subject"]]
    assert "junio" in message["subject"] + message["body"]


def test_revoked_superseded_and_unexpiring_get_nothing(database):
    revoked = issue_certificate(expires_on=EXPIRY, today=date(2027, 6, 30), revoked=True)
    superseded = issue_certificate(expires_on=EXPIRY, today=date(2027, 6, 30), superseded=True)
    forever = issue_certificate(expires_on=None)
    send_reminders(_on(7))
    assert _subjects(revoked.code) == [] and _subjects(superseded.code) == []
    assert _subjects(forever.code) == []
    # The replacement of the superseded one keeps the dates, so it is reminded.
    assert len(_subjects(superseded.superseded_by.code)) == 1


def test_command_prints_the_count(app, database):
    issue_certificate(expires_on=EXPIRY, today=date(2027, 6, 30))
    result = CliRunner().invoke(remind_expiring, ["--today", _on(30).isoformat()],
                                obj=None, standalone_mode=False,
                                catch_exceptions=False)
    assert "expiry notices sent" in result.output
    assert int(result.output.split()[0]) >= 1


def test_the_daily_run_reminds_on_the_days_it_falls(database, frozen_clock):
    issue_certificate(expires_on=EXPIRY, today=date(2027, 6, 30))
    frozen_clock.set(datetime.combine(_on(91), time(23, 59), tzinfo=UTC))
    assert send_reminders() == 0
    frozen_clock.advance(minutes=1)  # midnight UTC: ninety days before expiry
    assert send_reminders() == 1
    frozen_clock.advance(hours=23, minutes=59)  # the same day: already told
    assert send_reminders() == 0

