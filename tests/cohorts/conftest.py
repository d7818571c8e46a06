"""Fixtures and helpers for the cohorts tests."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy.exc import OperationalError

from lms.accounts.models import User
from lms.audit.models import AuditLog
from lms.cohorts.models import Cohort, Enrolment, LessonCompletion
from lms.errors import DomainError
from lms.extensions import db
from lms.kernel import clock, events
from tests.conftest import new_browser

TODAY = clock.today(clock.UTC)


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


def count(database, model) -> int:
    return database.session.scalar(database.select(database.func.count()).select_from(model))


def counts(database) -> dict[str, int]:
    """Rows a refused request must leave as they were."""
    return {model.__name__: count(database, model)
            for model in (User, Cohort, Enrolment, LessonCompletion, AuditLog)}


def upload(client, text: str | bytes, *, filename: str = "users.csv",
           default_cohort: int | None = None, encoding: str = "utf-8"):
    """Send a CSV file to the import page as a browser would (CSRF token included)."""
    from tests.conftest import csrf_token

    data = text if isinstance(text, bytes) else text.encode(encoding)
    form = {"csrf_token": csrf_token(client, "/manage/import"),
            "file": (io.BytesIO(data), filename, "text/csv")}
    if default_cohort is not None:
        form["default_cohort_id"] = str(default_cohort)
    return client.post("/manage/import", data=form, content_type="multipart/form-data")


@pytest.fixture
def other_client(app, database):
    """A second browser, for a second user in the same test."""
    return new_browser(app)


@pytest.fixture
def browser(app, database):
    """``browser()`` opens one more browser (a client with its own cookies)."""
    return lambda: new_browser(app)


@pytest.fixture
def decisions():
    """The nomination_decided events sent during the test: (nomination id, status, actor)."""
    sent: list[tuple[int, str, int | None]] = []

    def receiver(nomination, *, actor=None, **_extra) -> None:
        sent.append((nomination.id, str(nomination.status), getattr(actor, "id", None)))

    events.nomination_decided.connect(receiver)
    yield sent
    events.nomination_decided.disconnect(receiver)


# One request of a race: (outcome name, request path, work). The work runs inside
# that request and returns the outcome; a DomainError or OperationalError refusing it
# becomes the outcome instead.
RaceEntry = tuple[str, str, Callable[[], object]]


def race_two(app, first: RaceEntry, second: RaceEntry) -> dict[str, object]:
    """Two requests racing for one row lock, in real threads with their own sessions.

    The first does its work and keeps its transaction (and so its locks) open until
    the second has started and had half a second to reach the lock; then the first
    commits and the second goes on. Returns each request's outcome by name.
    """
    holding, release = threading.Event(), threading.Event()
    outcomes: dict[str, object] = {}

    def attempt(name: str, path: str, work: Callable[[], object], hold: bool) -> None:
        with app.test_request_context(path, method="POST"):
            try:
                outcomes[name] = work()
                if hold:
                    holding.set()
                    release.wait(10)
                db.session.commit()
            except (DomainError, OperationalError) as error:
                db.session.rollback()
                outcomes[name] = error
            finally:
                holding.set()
                db.session.remove()

    try:
        one = threading.Thread(target=attempt, args=(*first, True))
        one.start()
        holding.wait(10)
        two = threading.Thread(target=attempt, args=(*second, False))
        two.start()
        time.sleep(0.5)  # the second is now waiting for (or refused by) the lock
        release.set()
        one.join(15)
        two.join(15)
    finally:
        release.set()
    return outcomes


def delete_race_world(app, ids: dict) -> None:
    """Delete what a race test committed outside its rolled-back transaction: the
    cohort (its nominations and enrolments), course, program and people of ``ids``, and
    the audit rows and mails the racing requests wrote about them.

    ``ids`` holds "cohort", "course", "program" and "users"; the outbox rows are found
    by the people's addresses."""
    from lms.catalog.models import Course, Program
    from lms.cohorts.nominations import Nomination
    from lms.kernel.mail import OutboxMessage

    with app.app_context():
        session = db.session
        session.execute(db.delete(AuditLog).where(AuditLog.actor_id.in_(ids["users"])))
        emails = session.scalars(db.select(User.email).where(User.id.in_(ids["users"]))).all()
        session.execute(db.delete(OutboxMessage).where(OutboxMessage.recipient.in_(emails)))
        # A substitute's nomination names the one it replaces: unlink before deleting.
        session.execute(db.update(Nomination).where(Nomination.cohort_id == ids["cohort"])
                        .values(replaces_id=None))
        session.execute(db.delete(Nomination).where(Nomination.cohort_id == ids["cohort"]))
        session.execute(db.delete(Enrolment).where(Enrolment.cohort_id == ids["cohort"]))
        session.delete(session.get(Cohort, ids["cohort"]))
        session.delete(session.get(Course, ids["course"]))
        session.delete(session.get(Program, ids["program"]))
        session.execute(db.delete(User).where(User.id.in_(ids["users"])))
        session.commit()
        session.remove()
