"""Outgoing mail through an outbox: written in the caller's transaction, sent after its commit.

``send`` only adds an ``OutboxMessage`` row to the session. Nothing leaves the
process until that transaction commits, so a request or command that rolls
back sends nothing and leaves no row. After the commit:

- in a request, the rows it wrote are handed to the job queue (``lms.kernel.jobs``)
  once the response has been handed over (``release``, called by
  ``lms.web.database``): the visitor never waits for SMTP, so the time an answer
  takes cannot tell whether an address has an account;
- outside a request (``lms remind-expiring``, jobs, other commands), they are
  handed to the queue right after the session commits.

A worker (``lms worker``, or in development a thread of the web process) sends them.

Each message is claimed, sent and marked in short transactions of its own. A
failure is kept on the row and retried later with growing waits by the worker's
``retry-mail`` task (every minute) or ``lms mail retry`` (from cron); after
``MAX_ATTEMPTS`` the row is marked as given up and an error is logged. Delivery
never raises into its caller.

Without ``LMS_SMTP_HOST`` messages are appended to ``outbox.log`` in the
instance folder instead (development and tests read it).
"""

from __future__ import annotations

import json
import logging
import smtplib
from collections import Counter
from collections.abc import Iterable
from contextlib import suppress
from datetime import datetime, timedelta
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import format_datetime
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import click
from flask import Flask, Response, current_app, g, has_request_context
from flask.cli import with_appcontext
from sqlalchemy import (
    JSON,
    DateTime,
    Row,
    String,
    Text,
    event,
    func,
    inspect,
    select,
    update,
)
from sqlalchemy.orm import (
    Mapped,
    Session,
    SessionTransaction,
    mapped_column,
    orm_insert_sentinel,
)

from lms.extensions import db
from lms.kernel import clock, jobs

log = logging.getLogger(__name__)

# Waits after the 1st, 2nd, ... failed attempt; the attempt after the last wait is the last.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
           timedelta(hours=2), timedelta(hours=12))
MAX_ATTEMPTS = len(BACKOFF) + 1
# How long a claimed message is left to its sender. Far longer than an SMTP
# exchange may take (SMTP_TIMEOUT_SECONDS per step), so that no other worker
# sends it meanwhile; a sender that died is relieved once it has passed.
CLAIM_LEASE = timedelta(minutes=5)
SMTP_TIMEOUT_SECONDS = 20
ERROR_LENGTH = 200

# session.info: the rows ``send`` added in the session's open transaction.
_WRITTEN = "lms_mail_written"
# g: ids of the rows this request has committed, sent after its response.
_COMMITTED = "lms_mail_committed"


class OutboxMessage(db.Model):
    """One message to send; kept after sending (when, how many tries) for support."""

    __tablename__ = "mail_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    # The HTML alternative of ``body`` and extra headers (List-Unsubscribe), when given.
    html: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[dict | None] = mapped_column(JSON)
    # Lets SQLite insert many messages in one statement (a track's issue-all notifies
    # every holder): without it the ORM inserts them one by one to learn their ids.
    _sentinel: Mapped[int | None] = orm_insert_sentinel()
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=clock.now, server_default=func.now())
    # Tries so far, counted when a sender claims the message.
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    # When it may be tried (again); None once sent or given up, so that the index
    # holds only what is still to do.
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                             index=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(ERROR_LENGTH))

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} to {self.recipient}>"


# ---------------------------------------------------------------- writing


def send(to: str, subject: str, body: str, *, html: str | None = None,
         headers: dict[str, str] | None = None) -> None:
    """Write a message to the outbox, in the current transaction; it leaves after the commit.

    ``body`` is the plain text; ``html``, when given, goes with it as the alternative
    a mail reader prefers (multipart/alternative). ``headers`` are added as they are
    (List-Unsubscribe, say); the transport sets From, To and Subject itself.
    """
    row = OutboxMessage(recipient=to, subject=subject, body=body, html=html,
                        headers=dict(headers) if headers else None,
                        next_attempt_at=clock.now())
    session = db.session()
    session.add(row)
    session.info.setdefault(_WRITTEN, []).append(row)


@event.listens_for(db.session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        # A savepoint was released (SQLAlchemy calls this hook for those too): nothing is
        # committed yet, and a sender on another connection would wait for the lock.
        return
    rows = session.info.pop(_WRITTEN, None)
    if not rows:
        return
    # The identity survives the commit's expiry (reading ``row.id`` would query);
    # a row added in a savepoint that was rolled back has none.
    ids = [identity[0] for identity in (inspect(row).identity for row in rows) if identity]
    if not ids:
        return
    if has_request_context():
        g.setdefault(_COMMITTED, []).extend(ids)  # sent by ``release``, after the response
        return
    # A command or a job: the queue's worker delivers (with sessions of its own).
    _hand_over(current_app._get_current_object(), ids)


@event.listens_for(db.session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    # A whole transaction ended without a commit (which took its rows above):
    # what it wrote was rolled back, so there is nothing to send.
    if transaction.parent is None:
        session.info.pop(_WRITTEN, None)


def release(response: Response) -> None:
    """Send what the request committed once the response has gone (call after the commit)."""
    ids = g.pop(_COMMITTED, None)
    if ids:
        response.call_on_close(partial(_deliver_in_context, current_app._get_current_object(),
                                       ids))


def discard() -> None:
    """Forget what the request wrote: it is being rolled back.

    Rows committed earlier in the same request, if any, stay in the outbox and go
    out with the next ``lms mail retry``.
    """
    g.pop(_COMMITTED, None)
    db.session().info.pop(_WRITTEN, None)


def _deliver_in_context(app: Flask, ids: list[int]) -> None:
    # Called once the response has closed, when the request's contexts are gone.
    _hand_over(app, ids)


def _hand_over(app: Flask, ids: list[int]) -> None:
    """Give committed messages to the job queue (lms.kernel.jobs): a worker sends them,
    never the web process. In the tests (immediate mode) they are sent here and now."""
    try:
        jobs.enqueue(deliver_task, ids, app=app)
    except Exception:
        # The queue cannot be reached: the rows wait in the outbox for the retry task.
        log.exception("Mail %s could not be queued; the next retry sends it", ids)


@jobs.task(name="deliver-mail")
def deliver_task(ids: list[int]) -> None:
    """Send messages just committed. A second delivery of the task sends nothing again:
    each message is claimed by a conditional UPDATE first (``claim``)."""
    deliver(ids)


@jobs.periodic(jobs.crontab(minute="*"), name="retry-mail")
def retry_task() -> None:
    """Every minute, the failed messages whose next try is due (as ``lms mail retry``)."""
    retry_due()


# ---------------------------------------------------------------- delivering


def deliver(ids: Iterable[int]) -> Counter[str]:
    """Try to send each message now (those another sender holds are skipped).

    Counts the outcomes: "sent", "retry" (failed, will be tried again), "failed"
    (given up) and "skipped". Never raises.
    """
    outcomes: Counter[str] = Counter()
    for message_id in ids:
        outcomes[deliver_one(message_id)] += 1
    return outcomes


def deliver_one(message_id: int) -> str:
    """Claim, send and mark one message, each step committed on its own; never raises."""
    session = _own_session()
    try:
        message = claim(session, message_id)
        if message is None:
            return "skipped"
        try:
            _send_now(message.recipient, message.subject, message.body, html=message.html,
                      headers=message.headers,
                      outbox_key=outbox_key(message_id, message.created_at))
        except Exception as error:  # any failure of the transport is retried later
            return _record_failure(session, message, error)
        session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                        .values(sent_at=clock.now(), next_attempt_at=None))
        session.commit()
        return "sent"
    except Exception:
        # The outbox itself failed (database down): the claim lapses and a later
        # ``lms mail retry`` picks the message up.
        log.exception("Mail %s: the outbox could not be updated", message_id)
        with suppress(Exception):  # a dead connection cannot roll back either
            session.rollback()
        return "skipped"
    finally:
        session.close()


def claim(session: Session, message_id: int) -> Row | None:
    """Take a due message for this sender, counting the attempt; None if it is not ours.

    The UPDATE matches only while the message is unsent and due. Two senders may
    try at once (a request's release and the cron job): the database lets one
    UPDATE through, and the other then sees the lease and changes no row.
    """
    now = clock.now()
    claimed = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None),
               OutboxMessage.failed_at.is_(None), OutboxMessage.next_attempt_at <= now)
        .values(attempts=OutboxMessage.attempts + 1, next_attempt_at=now + CLAIM_LEASE))
    if claimed.rowcount != 1:
        session.rollback()
        return None
    message = session.execute(
        select(OutboxMessage.id, OutboxMessage.recipient, OutboxMessage.subject,
               OutboxMessage.body, OutboxMessage.html, OutboxMessage.headers,
               OutboxMessage.attempts, OutboxMessage.created_at)
        .where(OutboxMessage.id == message_id)).one()
    session.commit()
    return message


def _record_failure(session: Session, message: Row, error: Exception) -> str:
    now = clock.now()
    reason = _describe(error)
    if message.attempts >= MAX_ATTEMPTS:
        values = {"failed_at": now, "next_attempt_at": None, "last_error": reason}
        log.error("Mail %s to %s (%s) could not be sent after %d attempts; given up: %s",
                  message.id, message.recipient, message.subject, message.attempts, reason)
        outcome = "failed"
    else:
        retry_at = now + BACKOFF[message.attempts - 1]
        values = {"next_attempt_at": retry_at, "last_error": reason}
        log.warning("Mail %s to %s (%s) could not be sent (attempt %d of %d), "
                    "next try at %s: %s", message.id, message.recipient, message.subject,
                    message.attempts, MAX_ATTEMPTS, retry_at.isoformat(timespec="seconds"),
                    reason)
        outcome = "retry"
    session.execute(update(OutboxMessage).where(OutboxMessage.id == message.id).values(**values))
    session.commit()
    return outcome


def _describe(error: Exception) -> str:
    lines = str(error).strip().splitlines()
    text = f"{type(error).__name__}: {lines[0] if lines else ''}"
    return text[:ERROR_LENGTH]


def _own_session() -> Session:
    # A session apart from the caller's: delivery runs after the caller's commit
    # (when its session may not run statements) and must not commit its work.
    return db.session.session_factory()


def retry_due(limit: int = 500) -> Counter[str]:
    """Send the messages whose time has come, oldest first (``lms mail retry``)."""
    session = _own_session()
    try:
        ids = list(session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.next_attempt_at <= clock.now(),
                   OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)))
    finally:
        session.close()
    return deliver(ids)


def outbox_counts() -> dict[str, int]:
    """How many messages are pending (of which due now), sent and given up."""
    now = clock.now()
    unsent = OutboxMessage.sent_at.is_(None) & OutboxMessage.failed_at.is_(None)
    row = db.session.execute(select(
        func.count().filter(unsent),
        func.count().filter(unsent & (OutboxMessage.next_attempt_at <= now)),
        func.count(OutboxMessage.sent_at),
        func.count(OutboxMessage.failed_at),
    ).select_from(OutboxMessage)).one()
    return {"pending": row[0], "due": row[1], "sent": row[2], "failed": row[3]}


# ---------------------------------------------------------------- transports


# Bodies in quoted-printable or base64, never raw 8-bit bytes: smtplib does not declare
# BODY=8BITMIME, and a strict server refuses (or mangles) undeclared 8-bit text, which
# short accented lines would otherwise be sent as.
_SEVEN_BIT = email_policy.default.clone(cte_type="7bit")

# Headers the transport writes itself: a caller's ``headers`` never replace them.
_OWN_HEADERS = frozenset({"from", "to", "subject", "date", "content-type", "mime-version",
                          "content-transfer-encoding"})


def outbox_key(outbox_id: int, created_at: datetime) -> str:
    """The left part of an outbox row's Message-ID: the row's id and its creation moment.

    The same on every try of the row. The moment keeps ids unique across databases: a
    database rebuilt or restored from a backup numbers its rows again, and receivers
    (Gmail among them) silently drop a message whose Message-ID they have seen before.
    """
    return f"outbox-{outbox_id}.{clock.as_utc(created_at):%Y%m%d%H%M%S%f}"


def _send_now(to: str, subject: str, body: str, html: str | None = None,
              headers: dict[str, str] | None = None, outbox_key: str | None = None) -> None:
    config = current_app.config
    extra = {name: value for name, value in (headers or {}).items()
             if name.lower() not in _OWN_HEADERS}
    if config.get("LMS_SMTP_HOST"):
        message = EmailMessage(policy=_SEVEN_BIT)
        message["From"] = config["LMS_MAIL_FROM"]
        message["To"] = to
        message["Subject"] = subject
        # smtplib adds no Date (RFC 5322 requires one; servers and spam filters mind).
        message["Date"] = format_datetime(clock.now())
        for name, value in extra.items():
            message[name] = value
        if outbox_key is not None and "message-id" not in {n.lower() for n in extra}:
            # One Message-ID per outbox row, the same on every try: a message sent again
            # after its sender died before recording it (at-least-once) is recognisable
            # as the same one by the receiving servers and by the scale-out benchmark.
            host = urlsplit(config["LMS_PUBLIC_URL"]).hostname or "lms.invalid"
            message["Message-ID"] = f"<{outbox_key}@{host}>"
        message.set_content(body)
        if html is not None:
            message.add_alternative(html, subtype="html")
        with smtplib.SMTP(config["LMS_SMTP_HOST"], config["LMS_SMTP_PORT"],
                          timeout=SMTP_TIMEOUT_SECONDS) as smtp:
            if config["LMS_SMTP_STARTTLS"]:
                smtp.starttls()
            if config.get("LMS_SMTP_USER"):
                smtp.login(config["LMS_SMTP_USER"], config["LMS_SMTP_PASSWORD"] or "")
            smtp.send_message(message)
        return
    path = outbox_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"at": clock.now().isoformat(), "to": to, "subject": subject, "body": body}
    if html is not None:
        record["html"] = html
    if extra:
        record["headers"] = extra
    with path.open("a", encoding="utf-8") as outbox:
        outbox.write(json.dumps(record, ensure_ascii=False) + "\n")


def outbox_path() -> Path:
    return Path(current_app.config["INSTANCE_PATH"]) / "outbox.log"


def read_outbox() -> list[dict]:
    path = outbox_path()
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


# ---------------------------------------------------------------- commands


@click.group("mail")
def mail_commands() -> None:
    """The mail outbox: retry what could not be sent, count what is there."""


@mail_commands.command("retry")
@click.option("--limit", default=500, show_default=True,
              help="At most this many messages in one run.")
@with_appcontext
def retry_command(limit: int) -> None:
    """Send the messages whose next try is due (run every few minutes from cron)."""
    outcomes = retry_due(limit)
    click.echo(f"{outcomes['sent']} sent, {outcomes['retry']} to try again later, "
               f"{outcomes['failed']} given up, {outcomes['skipped']} taken by another sender.")


@mail_commands.command("status")
@with_appcontext
def status_command() -> None:
    """Count the messages pending (and due now), sent and given up."""
    counts = outbox_counts()
    click.echo(f"{counts['pending']} pending ({counts['due']} due now), "
               f"{counts['sent']} sent, {counts['failed']} given up.")
