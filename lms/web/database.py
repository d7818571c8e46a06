"""Engine settings that make SQLite behave like a real database, the per-request
commit, and what a request answers when the database cannot (503, not 500)."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from flask import Flask, Response, g, has_request_context, make_response, request
from sqlalchemy import Engine, event, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.selectable import Join

from lms.extensions import db, login_manager
from lms.kernel import mail
from lms.web.errors import render_error
from lms.web.layout import SECURITY_HEADERS

log = logging.getLogger(__name__)

# Seconds a client is asked to wait after a 503: a restart of PostgreSQL takes a few.
RETRY_AFTER_SECONDS = 5
# Seconds to wait for a new PostgreSQL connection: without a bound, a server that
# drops packets holds the worker for the kernel's TCP timeout (two minutes).
CONNECT_TIMEOUT_SECONDS = 5

# The errors that may mean "the database cannot answer now": the handler and the
# commit look closer (``unavailable``) and let anything else be a 500.
DATABASE_ERRORS: tuple[type[BaseException], ...] = (
    sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError,
    sa_exc.TimeoutError, psycopg.OperationalError, psycopg.InterfaceError,
    sqlite3.OperationalError,
)
# PostgreSQL's SQLSTATEs for "not now": connection exceptions (08), insufficient
# resources such as too many connections or a full disk (53), operator intervention
# such as a shutdown, a restart in progress or a cancelled statement (57), and a
# lock not obtained in time (55P03). Others in psycopg's OperationalError (54
# program limit exceeded, 28 bad credentials, ...) will not pass by waiting: 500.
_PG_NOT_NOW_CLASSES = ("08", "53", "57")
_PG_NOT_NOW_STATES = frozenset({"55P03"})
# SQLite's: busy or locked past busy_timeout (another writer held the lock for 10 s),
# and a file that cannot be opened, read or grown. sqlite3 also raises
# OperationalError for "no such table" and syntax errors (SQLITE_ERROR): bugs, 500.
_SQLITE_NOT_NOW = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN", "SQLITE_IOERR",
                   "SQLITE_FULL")


class InOrder(Join):
    """A join SQLite reads in the order written: its planner keeps the tables of a CROSS
    JOIN in place (PostgreSQL plans it as any join). For a join whose better order
    SQLite's statistics cannot see, such as the newest rows of a table read down an
    index on their date, with their children fetched for those rows alone."""

    inherit_cache = True


@compiles(InOrder, "sqlite")
def _cross_join(join: InOrder, compiler, **kw) -> str:
    kw["asfrom"] = True
    return (f"{compiler.process(join.left, **kw)} CROSS JOIN "
            f"{compiler.process(join.right, **kw)} ON {compiler.process(join.onclause, **kw)}")


def configure_engine(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "postgresql":
        _bound_connect_time(engine)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)


def _bound_connect_time(engine) -> None:
    @event.listens_for(engine, "do_connect")
    def _on_connect(_dialect, _record, _cargs, cparams):
        # A connect_timeout in LMS_DATABASE_URL wins.
        cparams.setdefault("connect_timeout", CONNECT_TIMEOUT_SECONDS)


def _configure_sqlite(engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin,
        # so that SAVEPOINTs work; then turn on what SQLite leaves off by default.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # SQLite has one writer at a time. A deferred transaction that reads and
        # then writes fails at once ("database is locked") when another writer got
        # there first; taking the write lock up front makes it wait (busy_timeout).
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _writing_request() else "BEGIN")


def _writing_request() -> bool:
    return (has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")
            and not g.get("lms_reading_first"))


@contextmanager
def reads_first() -> Iterator[None]:
    """Run the block's reads before the request takes SQLite's write lock.

    A writing request takes the lock with its first statement, and every writer in
    every worker waits behind it, polling with growing sleeps. A request that reads
    a good deal before it writes (starting, saving into or submitting a quiz
    attempt during an exam) reads in a deferred transaction here, which ends with
    the block; its writes then hold the lock only for themselves and the commit.
    What the block loaded stays loaded, as it was read: it may change before the
    write, so the write must check again under its lock what it depends on.
    PostgreSQL locks rows, not the database: there the block changes nothing.
    """
    session = db.session()
    if not _starts_transactions(session, "sqlite"):
        yield
        return
    g.lms_reading_first = True
    try:
        yield
    finally:
        g.lms_reading_first = False
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("reads_first() is for reads: the block changed objects")
    _end_without_expiring(session)


def _starts_transactions(session, dialect: str) -> bool:
    """True when ``session`` is on ``dialect`` and its next statement begins a transaction.

    Not when a transaction is already open, nor when the session is bound to a
    connection rather than the engine (the tests run every request inside one
    outer transaction, which no request may end).
    """
    bind = session.get_bind()
    return (isinstance(bind, Engine) and bind.dialect.name == dialect
            and not session.in_transaction())


def _end_without_expiring(session) -> None:
    # Ending a transaction that only read: commit and rollback do the same, but a
    # commit can be told not to expire what it loaded.
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


@contextmanager
def one_statement_writes() -> Iterator[None]:
    """On PostgreSQL, run the block's statements each in a transaction of its own.

    For a request that reads and then writes a single statement (an answer save
    during an exam): that statement is atomic by itself, and PostgreSQL is spared
    BEGIN and COMMIT, two of the request's five round trips. A write that takes
    more than one statement must not happen inside the block: the block ends the
    connection's autocommit, and what follows it runs in a transaction again.
    Enter it before the request's first query. SQLite is left as it is (its
    writes are ordered by ``reads_first``).
    """
    session = db.session()
    if not _starts_transactions(session, "postgresql"):
        yield
        return
    session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    try:
        yield
    except BaseException:
        session.rollback()  # gives the connection back; a failed one is not reused
        raise
    # Nothing is pending (each statement committed itself): this only gives the
    # connection back, and the pool restores its usual isolation level.
    _end_without_expiring(session)


def init_app(app: Flask) -> None:
    """One commit per request, here: services only flush.

    A response below 400 commits what the request changed; any error response
    (including 422 for a form with bad input) rolls everything back, so a request
    never half-succeeds. A request that meets a database which cannot answer (down,
    restarting, unreachable, busy), in the view or at the commit, answers 503 with
    ``Retry-After`` instead of 500.
    """
    for error_class in DATABASE_ERRORS:
        app.register_error_handler(error_class, answer_unavailable)

    @app.after_request
    def _finish_transaction(response):
        try:
            if response.status_code < 400:
                db.session.commit()
            else:
                db.session.rollback()
        except DATABASE_ERRORS as error:
            mail.discard()  # what it would announce was not written
            return answer_unavailable(error, replacing=response)
        if response.status_code < 400:
            mail.release(response)  # mail leaves after the commit and the response
        else:
            mail.discard()
        return response


# ---------------------------------------------------------------- the database cannot answer


def unavailable(error: BaseException) -> bool:
    """True when ``error`` says the database cannot answer now and a later try may work.

    The server is down, restarting or unreachable, the connection died, the pool
    or the server has no connection to spare, or a lock was not obtained in time
    (on SQLite: another writer held it past busy_timeout). Not a bug in a statement.
    """
    if isinstance(error, sa_exc.DisconnectionError | sa_exc.TimeoutError
                  | sa_exc.InterfaceError | psycopg.InterfaceError):
        return True
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated:  # SQLAlchemy saw the connection die
            return True
        error = error.orig
    if isinstance(error, psycopg.OperationalError):
        state = error.sqlstate
        # No SQLSTATE: the client failed to connect or lost the connection.
        return (state is None or state.startswith(_PG_NOT_NOW_CLASSES)
                or state in _PG_NOT_NOW_STATES)
    if isinstance(error, sqlite3.OperationalError):
        return (getattr(error, "sqlite_errorname", None) or "").startswith(_SQLITE_NOT_NOW)
    return False


def answer_unavailable(error: BaseException, replacing: Response | None = None) -> Response:
    """503 with ``Retry-After`` for a database that cannot answer; other errors go on.

    The request's work is dropped (a dead connection is thrown away, not handed
    back to the pool) and the page is drawn without another query. ``replacing``
    is the response whose commit failed: its security headers are kept.
    """
    if not unavailable(error):
        raise error
    log.warning("Database unavailable, answering 503: %s",
                _first_line(getattr(error, "orig", None) or error))
    _drop_session()
    # The page's menu and language would read the signed-in user, who was expired
    # by the rollback or never loaded: that is another query. It is drawn as for
    # a visitor instead.
    g._login_user = login_manager.anonymous_user()
    response = make_response(render_error(503))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    if replacing is not None:
        _keep_security_headers(replacing, response)
    return response


def _drop_session() -> None:
    session = db.session()
    bind = session.get_bind()
    if isinstance(bind, Engine) and bind.dialect.name != "sqlite":
        # Close the session and discard its connections: one that died would
        # otherwise go back to the pool. A SQLite connection is a file handle that
        # was busy, not dead: a rollback is enough.
        session.invalidate()
    else:
        # Also a session the tests bound to their own connection, which is not ours
        # to throw away.
        session.rollback()


_KEPT_HEADERS = {name.lower() for name, _value in SECURITY_HEADERS} | {
    "strict-transport-security", "access-control-allow-origin"}


def _keep_security_headers(source: Response, target: Response) -> None:
    # The response whose commit failed had its security headers added already
    # (after_request functions run before this one); its body and caching go.
    for name, value in source.headers:
        if name.lower() in _KEPT_HEADERS and name not in target.headers:
            target.headers.add(name, value)


def _first_line(error: BaseException) -> str:
    # Not str() of SQLAlchemy's error whole: it carries the statement's parameters.
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0] if lines else ''}"


def database_reachable() -> bool:
    """Whether the database answers a trivial query now (the health check)."""
    try:
        db.session.execute(select(1))
    except DATABASE_ERRORS as error:
        if not unavailable(error):
            raise
        _drop_session()
        return False
    return True
