"""Engine settings that make SQLite behave like a real database, and the per-request commit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, g, has_request_context, request
from sqlalchemy import Engine, event

from lms.extensions import db
from lms.web import mail


def configure_engine(app: Flask) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine = db.engine
    _configure_sqlite(engine)


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
    never half-succeeds.
    """

    @app.after_request
    def _finish_transaction(response):
        if response.status_code < 400:
            db.session.commit()
            mail.release(response)  # mail leaves after the commit and the response
        else:
            db.session.rollback()
            mail.discard()
        return response
