"""The mail outbox: written in the transaction, sent after its commit, retried when SMTP fails."""

from __future__ import annotations

import logging
import smtplib

import pytest
from sqlalchemy import func, select

from lms.kernel import clock, mail
from lms.kernel.mail import BACKOFF, MAX_ATTEMPTS, OutboxMessage, read_outbox
from tests.conftest import submit
from tests.factories import make_user


class FakeSMTP:
    """A mail server that keeps what it receives, or refuses every connection while down."""

    def __init__(self) -> None:
        self.received: list[str] = []
        self.down = False

    def connect(self, host, port, timeout=None):
        if self.down:
            raise smtplib.SMTPConnectError(421, "down for the test")
        return _Connection(self)


class _Connection:
    def __init__(self, server: FakeSMTP) -> None:
        self.server = server

    def __enter__(self):
        return self

    def __exit__(self, *_exc) -> None:
        return None

    def starttls(self) -> None:
        pass

    def login(self, _user, _password) -> None:
        pass

    def send_message(self, message) -> None:
        self.server.received.append(message["To"])


@pytest.fixture
def smtp(app, monkeypatch) -> FakeSMTP:
    server = FakeSMTP()
    monkeypatch.setitem(app.config, "LMS_SMTP_HOST", "smtp.example.org")
    monkeypatch.setattr(mail.smtplib, "SMTP", server.connect)
    return server


def outbox_rows(database) -> list:
    # Columns, not objects: the test's session would hand back the copies it loaded before.
    return database.session.execute(
        select(OutboxMessage.recipient, OutboxMessage.attempts, OutboxMessage.next_attempt_at,
               OutboxMessage.sent_at, OutboxMessage.failed_at, OutboxMessage.last_error)
        .order_by(OutboxMessage.id)).all()


def row_count(database) -> int:
    return database.session.scalar(select(func.count()).select_from(OutboxMessage))


def retry(app) -> str:
    result = app.test_cli_runner().invoke(args=["mail", "retry"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


# ---------------------------------------------------------------- in a request


def test_a_request_that_commits_sends_once_after_its_response(app, client, database, smtp):
    make_user(email="rosa@example.org")

    # Not buffered: the client returns when the response is handed over, before it closes.
    response = submit(client, "/reset", {"email": "rosa@example.org"}, buffered=False)

    assert response.status_code == 302
    assert smtp.received == []  # the visitor did not wait for SMTP
    [row] = outbox_rows(database)
    assert row.recipient == "rosa@example.org" and row.sent_at is None  # but it is committed

    response.close()

    assert smtp.received == ["rosa@example.org"]
    [row] = outbox_rows(database)
    assert row.sent_at is not None and row.attempts == 1 and row.next_attempt_at is None
    assert "0 sent" in retry(app)  # nothing is left to send twice
    assert smtp.received == ["rosa@example.org"]


def test_a_request_that_answers_an_error_sends_nothing_and_leaves_no_row(client, database,
                                                                         monkeypatch):
    make_user(email="rosa@example.org")
    # The reset link is written, then the request fails: everything rolls back.
    monkeypatch.setattr("lms.accounts.views.redirect", lambda *_a, **_k: ("broken", 500))

    response = submit(client, "/reset", {"email": "rosa@example.org"})

    assert response.status_code == 500
    assert read_outbox() == []
    assert row_count(database) == 0


def test_a_request_that_raises_sends_nothing_and_leaves_no_row(client, database, monkeypatch):
    make_user(email="rosa@example.org")

    def broken(*_args, **_kwargs):
        raise RuntimeError("broken after the mail was written")

    monkeypatch.setattr("lms.accounts.views.redirect", broken)

    with pytest.raises(RuntimeError):
        submit(client, "/reset", {"email": "rosa@example.org"})

    assert read_outbox() == []
    assert row_count(database) == 0


# ---------------------------------------------------------------- outside a request


def test_a_command_sends_after_its_commit(database):
    mail.send("ana@example.org", "Your certificate expires", "Body")

    assert read_outbox() == []  # written, not sent
    database.session.commit()

    [message] = read_outbox()
    assert message["to"] == "ana@example.org" and message["subject"] == "Your certificate expires"
    [row] = outbox_rows(database)
    assert row.sent_at is not None
    database.session.commit()  # a later commit sends nothing again
    assert len(read_outbox()) == 1


def test_a_savepoint_released_in_a_command_sends_nothing_until_the_commit(database):
    # SQLAlchemy calls the after-commit hook for a released savepoint too: sending then
    # would claim a row no other connection can see yet (or wait on SQLite's lock).
    mail.send("ana@example.org", "Before the savepoint", "Body")
    with database.session.begin_nested():
        mail.send("ana@example.org", "In the savepoint", "Body")

    assert read_outbox() == []
    database.session.commit()

    assert sorted(m["subject"] for m in read_outbox()) == ["Before the savepoint",
                                                         "In the savepoint"]


def test_a_command_that_rolls_back_sends_nothing(database):
    mail.send("ana@example.org", "Subject", "Body")
    database.session.rollback()
    database.session.commit()

    assert read_outbox() == []
    assert row_count(database) == 0


def test_mail_written_in_a_savepoint_that_rolls_back_is_not_sent(database):
    mail.send("kept@example.org", "Subject", "Body")
    with pytest.raises(RuntimeError), database.session.begin_nested():
        mail.send("dropped@example.org", "Subject", "Body")
        raise RuntimeError("this part fails")
    database.session.commit()

    assert [m["to"] for m in read_outbox()] == ["kept@example.org"]


# ---------------------------------------------------------------- failures and retries


def test_a_failure_keeps_the_message_and_retry_sends_it_when_due(app, database, smtp,
                                                                  frozen_clock):
    smtp.down = True
    mail.send("ana@example.org", "Subject", "Body")
    database.session.commit()  # the first try fails: nothing is raised

    [row] = outbox_rows(database)
    assert row.sent_at is None and row.failed_at is None and row.attempts == 1
    assert clock.as_utc(row.next_attempt_at) == frozen_clock.now() + BACKOFF[0]
    assert "SMTPConnectError" in row.last_error and "down for the test" in row.last_error

    smtp.down = False
    frozen_clock.advance(seconds=30)
    assert retry(app).startswith("0 sent")  # not due yet
    assert smtp.received == []

    frozen_clock.advance(seconds=31)
    assert retry(app).startswith("1 sent")
    assert smtp.received == ["ana@example.org"]
    [row] = outbox_rows(database)
    assert row.sent_at is not None and row.attempts == 2
    status = app.test_cli_runner().invoke(args=["mail", "status"]).output
    assert status.startswith("0 pending") and "1 sent" in status


def test_the_outbox_gives_up_after_the_last_attempt(app, database, smtp, frozen_clock,
                                                    caplog):
    caplog.set_level(logging.WARNING, logger="lms.kernel.mail")
    smtp.down = True
    mail.send("ana@example.org", "Subject", "Body")
    database.session.commit()

    for wait in BACKOFF:
        frozen_clock.advance(wait)
        retry(app)
    [row] = outbox_rows(database)
    assert row.attempts == MAX_ATTEMPTS
    assert row.failed_at is not None and row.next_attempt_at is None and row.sent_at is None
    assert [r.levelname for r in caplog.records] == ["WARNING"] * len(BACKOFF) + ["ERROR"]
    assert "given up" in caplog.records[-1].getMessage()

    smtp.down = False
    frozen_clock.advance(days=2)
    assert retry(app).startswith("0 sent")
    assert smtp.received == []
    status = app.test_cli_runner().invoke(args=["mail", "status"]).output
    assert status.startswith("0 pending") and "1 given up" in status


def test_two_senders_never_send_the_same_message_twice(app, database, smtp, frozen_clock):
    smtp.down = True
    mail.send("ana@example.org", "Subject", "Body")
    database.session.commit()
    smtp.down = False
    frozen_clock.advance(BACKOFF[0])
    message_id = database.session.scalar(select(OutboxMessage.id))

    # Two workers (two cron runs, or a release and a cron run) reach it at once.
    first, second = mail._own_session(), mail._own_session()
    try:
        assert mail.claim(first, message_id) is not None
        assert mail.claim(second, message_id) is None
    finally:
        first.close()
        second.close()
    assert mail.deliver_one(message_id) == "skipped"  # the first one holds it
    assert retry(app).startswith("0 sent")
    assert smtp.received == []

    # A sender that died with its claim is relieved once the claim has lapsed.
    frozen_clock.advance(mail.CLAIM_LEASE)
    assert retry(app).startswith("1 sent")
    assert mail.deliver_one(message_id) == "skipped"
    assert smtp.received == ["ana@example.org"]
