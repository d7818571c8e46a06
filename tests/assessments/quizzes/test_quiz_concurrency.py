"""Saves and submits of one attempt racing each other, on a database of their own.

These tests need real commits seen by other connections, which the rolled-back
``database`` fixture cannot give; each gets a fresh database (a SQLite file, or a
scratch PostgreSQL database) and real request contexts on threads.
"""

from __future__ import annotations

import os
import threading
import time

import pytest
import sqlalchemy as sa

from lms.assessments.quizzes import services
from lms.assessments.quizzes.models import Answer, Attempt, AttemptStatus
from lms.audit.models import AuditLog
from lms.extensions import db
from lms.kernel import clock
from tests.assessments.quizzes.helpers import build_world, right_option
from tests.conftest import (
    app_with_tables,
    csrf_token,
    new_browser,
    scratch_database_url,
)
from tests.factories import PASSWORD


@pytest.fixture
def fresh_app(backend, tmp_path):
    with scratch_database_url(backend, tmp_path, f"lms_test_{os.getpid()}_race") as url, \
            app_with_tables(url, str(tmp_path / "instance")) as application:
        yield application


def _started_attempt(app):
    """A committed quiz world and an attempt in progress: (ids, attempt id)."""
    with app.app_context():
        world = build_world(questions=3)
        db.session.flush()
        attempt, _resumed = services.start_attempt(world.trainee, world.quiz, world.enrolment)
        db.session.commit()
        ids = {"cohort": world.cohort.id, "trainee": world.trainee.id, "quiz": world.quiz.id,
               "email": world.trainee.email,
               "questions": [q.id for q in world.questions],
               "right": [right_option(q) for q in world.questions]}
        attempt_id = attempt.id
        db.session.remove()
    return ids, attempt_id


def _submit_and_hold(app, attempt_id: int, user_id: int, holding: threading.Event,
                     release: threading.Event, outcome: dict) -> None:
    """As inside POST .../submit: grade, then keep the transaction open until released."""
    from lms.accounts.models import User

    with app.test_request_context(f"/attempts/{attempt_id}/submit", method="POST"):
        try:
            outcome["first"] = services.submit_attempt(db.session.get(User, user_id),
                                                       db.session.get(Attempt, attempt_id))
            holding.set()
            release.wait(10)
            db.session.commit()
        finally:
            holding.set()
            db.session.remove()


def _race(app, attempt_id: int, user_id: int, second) -> dict:
    """Run ``second`` while a submit of the attempt holds its transaction open."""
    holding, release = threading.Event(), threading.Event()
    outcome: dict = {}
    holder = threading.Thread(target=_submit_and_hold,
                              args=(app, attempt_id, user_id, holding, release, outcome))
    holder.start()
    try:
        assert holding.wait(10)

        def run_second() -> None:
            with app.test_request_context(f"/attempts/{attempt_id}/answers", method="POST"):
                try:
                    outcome["second"] = second()
                    db.session.commit()
                finally:
                    db.session.remove()

        latecomer = threading.Thread(target=run_second)
        latecomer.start()
        time.sleep(0.5)  # the second request now waits for the submit's lock
        assert "second" not in outcome, "the second request did not wait for the submit"
    finally:
        release.set()
    holder.join(15)
    latecomer.join(15)
    return outcome


def test_an_answer_arriving_while_the_attempt_is_submitted_is_not_stored(fresh_app):
    ids, attempt_id = _started_attempt(fresh_app)
    question = ids["questions"][0]

    outcome = _race(fresh_app, attempt_id, ids["trainee"], lambda: services.store_answer(
        attempt_id, question, {"options": [ids["right"][0]]}, clock.now()))

    assert outcome == {"first": True, "second": False}
    with fresh_app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.status == AttemptStatus.SUBMITTED
        assert attempt.score == 0  # graded without the late answer...
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer).where(
            Answer.attempt_id == attempt_id)) == 0  # ...which was not kept either
        db.session.remove()


def test_two_submits_at_once_grade_the_attempt_once(fresh_app):
    from lms.accounts.models import User

    ids, attempt_id = _started_attempt(fresh_app)

    def submit_again() -> bool:
        return services.submit_attempt(db.session.get(User, ids["trainee"]),
                                       db.session.get(Attempt, attempt_id))

    outcome = _race(fresh_app, attempt_id, ids["trainee"], submit_again)

    assert outcome == {"first": True, "second": False}
    with fresh_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
            AuditLog.action == "attempt.submit")) == 1
        db.session.remove()


def test_a_quick_save_reads_before_it_takes_the_write_lock(fresh_app, backend):
    """On SQLite a save holds the database's one write lock for its upsert only; on
    PostgreSQL it runs without a transaction of its own, and the next request has one."""
    ids, attempt_id = _started_attempt(fresh_app)
    browser = new_browser(fresh_app)
    token = csrf_token(browser, "/login")
    assert browser.post("/login", data={"csrf_token": token, "email": ids["email"],
                                        "password": PASSWORD}).status_code == 302
    url = f"/cohorts/{ids['cohort']}/attempts/{attempt_id}"
    token = csrf_token(browser, f"{url}?q=1")
    statements: list[str] = []
    autocommit: dict[str, set] = {"save": set(), "submit": set()}
    request = ["save"]

    def note(conn, _cursor, statement, *_args) -> None:
        statements.append(" ".join(statement.split())[:40])
        if backend == "postgresql":
            autocommit[request[0]].add(conn.connection.driver_connection.autocommit)

    with fresh_app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        response = browser.post(f"{url}/answers", data={
            "question_id": ids["questions"][0], "option": ids["right"][0], "csrf_token": token},
            headers={"Accept": "application/json"})
        saved_statements = list(statements)
        request[0] = "submit"
        submitted = browser.post(f"{url}/submit", data={"csrf_token": token, "confirm": "yes"})
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)

    assert response.status_code == 200 and response.get_json()["saved"] is True
    assert submitted.status_code == 302
    if backend == "postgresql":
        # The save is one statement, committed by itself without BEGIN and COMMIT; the
        # connection then goes back to transactions, which a submit's writes need.
        assert autocommit == {"save": {True}, "submit": {False}}
    statements = saved_statements
    writes = [i for i, s in enumerate(statements) if s.startswith("INSERT INTO answers")]
    assert len(writes) == 1
    reads = [i for i, s in enumerate(statements) if s.startswith("SELECT")]
    assert reads and max(reads) < writes[0]  # every check comes before the write
    if backend == "sqlite":
        assert statements[writes[0] - 1] == "BEGIN IMMEDIATE"
        assert statements[0] == "BEGIN"  # the reads took no write lock
    with fresh_app.app_context():
        stored = db.session.scalars(sa.select(Answer).where(
            Answer.attempt_id == attempt_id)).all()
        assert [(a.question_id, a.response) for a in stored] == [
            (ids["questions"][0], {"options": [ids["right"][0]]})]
        db.session.remove()


def test_a_refused_quick_save_changes_nothing_and_leaves_transactions_on(fresh_app, backend):
    """A classmate's JSON save into someone else's attempt is refused inside the quick
    path's blocks; nothing is stored, and the next request still runs in a transaction."""
    ids, attempt_id = _started_attempt(fresh_app)
    with fresh_app.app_context():
        from lms.cohorts.models import Enrolment

        classmate = db.session.scalar(sa.select(Enrolment).where(
            Enrolment.cohort_id == ids["cohort"], Enrolment.user_id != ids["trainee"])).user
        classmate_email = classmate.email
        db.session.remove()
    browser = new_browser(fresh_app)
    assert browser.post("/login", data={"csrf_token": csrf_token(browser, "/login"),
                                        "email": classmate_email,
                                        "password": PASSWORD}).status_code == 302
    quiz_page = f"/cohorts/{ids['cohort']}/quizzes/{ids['quiz']}"
    token = csrf_token(browser, quiz_page)
    autocommit: list[bool] = []

    def note(conn, *_args) -> None:
        if backend == "postgresql":
            autocommit.append(conn.connection.driver_connection.autocommit)

    with fresh_app.app_context():
        engine = db.engine
    url = f"/cohorts/{ids['cohort']}/attempts/{attempt_id}"
    refused = browser.post(f"{url}/answers", data={
        "question_id": ids["questions"][0], "option": ids["right"][0], "csrf_token": token},
        headers={"Accept": "application/json"})
    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        assert browser.get(quiz_page).status_code == 200  # the next request, same pool
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)

    assert refused.status_code == 403
    assert not any(autocommit)
    with fresh_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 0
        db.session.remove()
