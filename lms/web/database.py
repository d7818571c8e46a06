"""Engine settings that make SQLite behave like a real database, and the per-request commit."""

from __future__ import annotations

from flask import Flask, has_request_context, request
from sqlalchemy import event

from lms.extensions import db


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
    return has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")


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
        else:
            db.session.rollback()
        return response
