"""A database that cannot answer gets 503 with Retry-After, never 500 (issue 9, finding 7).

The database is made to fail from inside: every query of the request (or only its
commit) raises the driver's own error, as a dead connection, a server that is
restarting or, on SQLite, a lock held past busy_timeout would. The real thing, a
PostgreSQL cluster stopped under load, is tests/web/test_database_restart.py.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager

import psycopg
import psycopg.errors
import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from lms.cohorts.models import LessonCompletion
from lms.extensions import db
from lms.kernel.mail import read_outbox
from lms.web.database import CONNECT_TIMEOUT_SECONDS, RETRY_AFTER_SECONDS, unavailable
from tests.conftest import (
    POSTGRES_URL,
    csrf_token,
    make_app,
    postgres_reachable,
    sign_in_quickly,
    skip_or_fail,
)
from tests.factories import enrol, make_cohort, make_course, make_user

QUERIES = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")


def _sqlite_error(message: str, name: str) -> sqlite3.OperationalError:
    error = sqlite3.OperationalError(message)
    error.sqlite_errorname = name
    return error


def _outage(backend: str) -> Exception:
    """The driver's error for a connection that died, or a database locked too long."""
    if backend == "sqlite":
        return _sqlite_error("database is locked", "SQLITE_BUSY")
    return psycopg.OperationalError("consuming input failed: server closed the connection "
                                    "unexpectedly")


def _bug(backend: str) -> Exception:
    """An OperationalError that waiting will not cure."""
    if backend == "sqlite":
        return _sqlite_error("no such table: nowhere", "SQLITE_ERROR")
    return psycopg.errors.ProgramLimitExceeded("index row size exceeds maximum")


@pytest.fixture
def failing(database, backend):
    """``with failing(): ...``: the statements the block's requests send raise.

    ``statements`` names which (by their first word); the default is every query,
    not the savepoint bookkeeping the test's own rollback needs.
    """

    @contextmanager
    def fail(error: Exception | None = None, statements: tuple[str, ...] = QUERIES):
        raised = error or _outage(backend)

        def before(_conn, _cursor, statement, _params, _context, _many):
            if statement.lstrip().split(None, 1)[0].upper() in statements:
                raise raised

        connection = db.engines[None]
        sa.event.listen(connection, "before_cursor_execute", before)
        try:
            yield
        finally:
            sa.event.remove(connection, "before_cursor_execute", before)

    return fail


def _spanish(message: str) -> str:
    with force_locale("es"):
        return _(message)


def test_page_is_503_with_retry_after_in_the_visitors_language(client, failing):
    with failing():
        response = client.get("/courses", headers={"Accept-Language": "es"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    html = response.get_data(as_text=True)
    assert '<html lang="es">' in html
    home = _spanish("Go to the home page")
    assert home != "Go to the home page" and home in html
    assert _spanish("Temporarily unavailable") in html
    assert response.headers["Content-Security-Policy"]


def test_signed_in_user_gets_the_page_without_another_query(client, failing):
    sign_in_quickly(client, make_user())
    with failing():  # loading the user for the menu fails too
        response = client.get("/dashboard")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)


def test_failed_commit_is_503_and_writes_nothing(client, failing):
    cohort = make_cohort(make_course(lessons=2))
    enrolment = enrol(cohort)
    lesson = cohort.course.modules[0].lessons[0]
    sign_in_quickly(client, enrolment.user)
    token = csrf_token(client, f"/cohorts/{cohort.id}/lessons/{lesson.id}")
    with failing(statements=("RELEASE",)):  # the request's commit, in the tests' savepoint
        response = client.post(f"/cohorts/{cohort.id}/lessons/{lesson.id}/complete",
                               data={"csrf_token": token})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LessonCompletion)
                             .where(LessonCompletion.enrolment_id == enrolment.id)) == 0


def test_a_mail_whose_request_fails_to_commit_is_not_sent(client, failing):
    """Mail leaves after the commit: a reset request whose commit fails mails nothing."""
    make_user(email="rosa@example.org")
    token = csrf_token(client, "/reset")
    with failing(statements=("RELEASE",)):  # the request's commit, in the tests' savepoint
        response = client.post("/reset", data={"csrf_token": token,
                                               "email": "rosa@example.org"})
    assert response.status_code == 503
    assert read_outbox() == []
    # The same request that commits does mail: the refusal above was the commit's.
    assert client.post("/reset", data={"csrf_token": token,
                                       "email": "rosa@example.org"}).status_code == 302
    assert [m["to"] for m in read_outbox()] == ["rosa@example.org"]


def test_api_answers_503_in_problem_json(client, failing):
    with failing():
        response = client.get("/api/v1/issuers/1")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 503


def test_health_check_reports_the_database(client, failing):
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "up"}
    with failing():
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.get_json() == {"status": "unavailable", "database": "down"}


def test_other_database_errors_are_still_bugs(client, failing, backend):
    # With TESTING on, Flask hands an unhandled error to the test instead of a 500.
    with failing(_bug(backend)), pytest.raises(sa.exc.OperationalError):
        client.get("/courses")


def _wrapped(orig: Exception, **kwargs) -> sa.exc.DBAPIError:
    # As SQLAlchemy wraps a driver's error: sa.exc.OperationalError for an OperationalError.
    base = sqlite3.Error if isinstance(orig, sqlite3.Error) else psycopg.Error
    return sa.exc.DBAPIError.instance("SELECT 1", {}, orig, base, **kwargs)


@pytest.mark.parametrize(("error", "expected"), [
    (psycopg.OperationalError("connection failed: Connection refused"), True),
    (psycopg.errors.AdminShutdown("terminating connection due to administrator command"),
     True),
    (psycopg.errors.CannotConnectNow("the database system is starting up"), True),
    (psycopg.errors.TooManyConnections("too many clients already"), True),
    (psycopg.errors.LockNotAvailable("could not obtain lock"), True),
    (psycopg.InterfaceError("the connection is closed"), True),
    (psycopg.errors.ProgramLimitExceeded("index row size exceeds maximum"), False),
    (psycopg.errors.InvalidPassword("password authentication failed"), False),
    (psycopg.errors.UndefinedTable("relation does not exist"), False),
    (_sqlite_error("database is locked", "SQLITE_BUSY"), True),
    (_sqlite_error("unable to open database file", "SQLITE_CANTOPEN"), True),
    (_sqlite_error("no such table: users", "SQLITE_ERROR"), False),
    (sqlite3.OperationalError("no error name"), False),
    (sa.exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached"), True),
    (sa.exc.DisconnectionError("connection gone"), True),
    (ValueError("not a database error"), False),
], ids=repr)
def test_unavailable_tells_a_database_that_cannot_answer_from_a_bug(error, expected):
    assert unavailable(error) is expected
    if isinstance(error, psycopg.Error | sqlite3.Error):
        assert unavailable(_wrapped(error)) is expected


def test_a_connection_sqlalchemy_saw_die_is_unavailable_whatever_the_error():
    error = _wrapped(psycopg.errors.UndefinedTable("relation does not exist"),
                     connection_invalidated=True)
    assert unavailable(error)


def test_postgresql_connections_give_up_after_a_few_seconds(tmp_path):
    # Without a bound, connecting to a server that drops packets holds the worker
    # for the kernel's TCP timeout. A connect_timeout in the URL wins.
    if not postgres_reachable():
        skip_or_fail(f"PostgreSQL is not reachable at {POSTGRES_URL}")
    with_timeout = sa.make_url(POSTGRES_URL).update_query_dict({"connect_timeout": "9"})
    for url, expected in [(POSTGRES_URL, str(CONNECT_TIMEOUT_SECONDS)),
                          (with_timeout.render_as_string(hide_password=False), "9")]:
        application = make_app(url, str(tmp_path))
        with application.app_context():
            raw = db.engine.raw_connection()
            try:
                parameters = raw.dbapi_connection.info.get_parameters()
            finally:
                raw.close()
                db.engine.dispose()
        assert parameters["connect_timeout"] == expected
