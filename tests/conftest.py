"""Fixtures shared by every test.

Each test runs against SQLite and against PostgreSQL (the ``app`` fixture is
parametrised); every test's writes are rolled back afterwards. Outside CI a
database or browser that is not there is skipped with the reason; in CI
(``CI=true``) it is a failure.
"""

from __future__ import annotations

import contextvars
import os
import re
from contextlib import contextmanager
from datetime import date, datetime, timedelta, tzinfo

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from lms import create_app
from lms.extensions import db, limiter
from lms.kernel import clock

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
POSTGRES_URL = os.environ.get(
    "LMS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def skip_or_fail(reason: str) -> None:
    """Skip with ``reason`` on a developer machine; fail in CI, where nothing may skip."""
    if IN_CI:
        pytest.fail(f"{reason} (CI requires it)")
    pytest.skip(reason)


def postgres_reachable(url: str = POSTGRES_URL) -> bool:
    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


def make_app(database_url: str, instance_path: str, **overrides):
    return create_app(LMS_ENV="testing", LMS_DATABASE_URL=database_url,
                      LMS_INSTANCE_PATH=instance_path, **overrides)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request) -> str:
    if request.param == "postgresql" and not postgres_reachable():
        skip_or_fail(f"PostgreSQL is not reachable at {POSTGRES_URL}")
    return request.param


@contextmanager
def scratch_postgres_database(name: str):
    """A PostgreSQL database of our own, dropped afterwards; yields its URL.

    Each test process gets its own, so that two runs on one machine never share tables.
    """
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def scratch_database_url(backend: str, folder, name: str):
    """A fresh, empty database of ``backend`` (a file in ``folder``, or a scratch
    PostgreSQL database named ``name``); yields its URL."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / (name + '.db')}"
        return
    with scratch_postgres_database(name) as url:
        yield url


@contextmanager
def app_with_tables(database_url: str, instance_path: str):
    """The app on ``database_url``, its tables created; its connections closed after."""
    application = make_app(database_url, instance_path)
    with application.app_context():
        db.create_all()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_url(backend, tmp_path_factory):
    with scratch_database_url(backend, tmp_path_factory.mktemp("sqlite"),
                              f"lms_test_{os.getpid()}") as url:
        yield url


@pytest.fixture(scope="session")
def app(backend, database_url, tmp_path_factory):
    instance = tmp_path_factory.mktemp(f"instance-{backend}")
    with app_with_tables(database_url, str(instance)) as application:
        yield application


@pytest.fixture
def database(app):
    """An app context whose every write, by the test or by requests, is rolled back."""
    with app.app_context():
        engines = db.engines
        originals = dict(engines)
        connection = originals[None].connect()
        outer = connection.begin()
        # Every session of this test, the test's own and each request's, shares this
        # connection; a request's commit only releases a savepoint.
        engines[None] = connection
        db.session.remove()
        db.session.configure(join_transaction_mode="create_savepoint")
        limiter.reset()
        outbox = os.path.join(app.config["INSTANCE_PATH"], "outbox.log")
        if os.path.exists(outbox):
            os.remove(outbox)
        try:
            yield db
        finally:
            db.session.remove()
            engines[None] = originals[None]
            outer.rollback()
            connection.close()


class BrowserClient(FlaskClient):
    """A test client whose requests run as a server's do: each in a fresh context.

    The test itself holds an app context (``database``); Flask would reuse it for
    the client's requests, sharing ``g`` (the signed-in user, the locale) and the
    database session between requests and with the test. Running each request in
    an empty ``contextvars.Context`` gives it its own app context, ``g`` and session.
    """

    def open(self, *args, **kwargs):
        # Buffered, as a server sends the whole body and then closes the response:
        # what runs on close (mail sent after the commit) is done when this returns.
        kwargs.setdefault("buffered", True)
        return contextvars.Context().run(super().open, *args, **kwargs)


def new_browser(app) -> BrowserClient:
    """Another browser, with cookies of its own."""
    return BrowserClient(app, app.response_class, use_cookies=True)


@pytest.fixture
def client(app, database):
    return new_browser(app)


# ---------------------------------------------------------------- forms and CSRF

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, url: str) -> str:
    """The CSRF token of the form on ``url``, fetched as a browser would."""
    response = client.get(url)
    match = _TOKEN.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {url} (status {response.status_code})"
    return match.group(1)


def submit(client, url: str, data: dict | None = None, *, form_url: str | None = None,
           **kwargs):
    """POST ``data`` to ``url`` with the CSRF token read from ``form_url`` (default ``url``)."""
    payload = dict(data or {})
    payload["csrf_token"] = csrf_token(client, form_url or url)
    return client.post(url, data=payload, **kwargs)


def login(client, user, password: str | None = None):
    from tests.factories import PASSWORD

    response = submit(client, "/login", {"email": user.email, "password": password or PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response


def sign_in_quickly(client, user) -> None:
    """Sign ``user`` in by writing the session Flask-Login writes, skipping the form.

    Checking a password hash costs a noticeable part of a second and tests/accounts
    covers the form itself. Like the login request it replaces, it commits what the
    test built so far (only to the test's savepoint: the ``database`` fixture still
    rolls everything back), so a refused request's rollback cannot take it away.
    """
    from flask_login.utils import _create_identifier

    from lms.accounts.services import start_session

    start_session(user, user_agent="test client", address="127.0.0.1")  # as /login does
    db.session.commit()
    with client.application.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()  # what "strong" session protection checks
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session["_id"] = identifier


def page_text(response) -> str:
    """The visible text of a page, roughly: tags dropped, whitespace collapsed."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


# ---------------------------------------------------------------- time

class FrozenClock:
    """The controller ``frozen_clock`` yields: the time stands still until moved."""

    def now(self) -> datetime:
        return clock.now()

    def today(self, zone: tzinfo | str = clock.UTC) -> date:
        return clock.today(zone)

    def set(self, at: datetime) -> datetime:
        """Jump to ``at`` (a naive ``at`` is UTC); returns the new now."""
        clock.freeze(at)
        return clock.now()

    def advance(self, delta: timedelta | None = None, **parts: float) -> datetime:
        """Move forward by ``delta`` or by ``timedelta(**parts)``; returns the new now."""
        return self.set(clock.now() + (delta or timedelta(**parts)))


@pytest.fixture
def frozen_clock():
    """The one place tests fix the time: stopped at the current second, then moved at will.

    Stopping at the real moment keeps module-level "today" constants of other
    tests true; ``set`` jumps to any date. The clock runs again afterwards.
    """
    with clock.frozen(clock.now().replace(microsecond=0)):
        yield FrozenClock()


# ---------------------------------------------------------------- query counting

class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def __call__(self, _conn, _cursor, statement, _params, _context, _many) -> None:
        head = statement.lstrip().split(None, 1)[0].upper()
        if head in {"SELECT", "INSERT", "UPDATE", "DELETE", "WITH"}:
            self.statements.append(statement)


# (database, page, size, statements) of every labelled count: printed after the run.
MEASURED_QUERY_COUNTS: list[tuple[str, str, str, int]] = []


@pytest.fixture
def count_queries(database, backend):
    """``with count_queries() as counter: ...``; ``counter.count`` statements ran.

    ``count_queries("roster", "500 trainees")`` also reports the figure in the
    table printed at the end of the run.
    """

    @contextmanager
    def counting(page: str | None = None, size: str | None = None):
        counter = QueryCounter()
        engine = db.engines[None].engine
        sa.event.listen(engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            sa.event.remove(engine, "before_cursor_execute", counter)
        if page is not None:
            MEASURED_QUERY_COUNTS.append((backend, page, size or "", counter.count))

    return counting


# ``make test`` runs the suite in pytest-xdist workers: each measures its share, hands it
# over when it finishes, and the controller prints them all.
# (title, text) of figures a test measured, printed after the run (``report_figures``).
REPORTED_FIGURES: list[tuple[str, str]] = []


def report_figures(title: str, text: str) -> None:
    """Print ``text`` under ``title`` in the run's summary, wherever the test ran."""
    REPORTED_FIGURES.append((title, text))


def pytest_sessionfinish(session) -> None:
    handed = getattr(session.config, "workeroutput", None)
    if handed is not None:
        handed["measured_query_counts"] = MEASURED_QUERY_COUNTS
        handed["reported_figures"] = REPORTED_FIGURES


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    handed = getattr(node, "workeroutput", {})
    MEASURED_QUERY_COUNTS.extend(tuple(row) for row in handed.get("measured_query_counts", ()))
    REPORTED_FIGURES.extend(tuple(row) for row in handed.get("reported_figures", ()))


def pytest_terminal_summary(terminalreporter) -> None:
    for title, text in REPORTED_FIGURES:
        terminalreporter.section(title)
        terminalreporter.write_line(text)
    if not MEASURED_QUERY_COUNTS:
        return
    terminalreporter.section("queries per page, measured")
    terminalreporter.write_line(f"| {'database':<10} | {'page':<28} | {'size':<34} | queries |")
    terminalreporter.write_line(f"|{'-' * 12}|{'-' * 30}|{'-' * 36}|---------|")
    for backend, page, size, count in sorted(MEASURED_QUERY_COUNTS):
        terminalreporter.write_line(f"| {backend:<10} | {page:<28} | {size:<34} | {count:>7} |")
