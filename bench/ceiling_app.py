"""The ceiling: the fastest this stack acknowledges one small write.

A minimal Flask + Flask-SQLAlchemy app with one POST endpoint that inserts one
row into a one-table database and commits. The exam rush divides its answers per
second by this app's rows per second, measured in the same run with the same
database kind, gunicorn workers and clients: the ratio says how much of the
machine the quiz's own work (sign-in check, permission, deadline, upsert) costs,
whatever the machine.

SQLite gets the same connection settings as the LMS (WAL, synchronous=NORMAL,
busy_timeout, BEGIN IMMEDIATE for writes) so the comparison is fair.

Served as ``gunicorn --pythonpath bench 'ceiling_app:create_app()'`` with the
database URL in ``BENCH_CEILING_DATABASE_URL``.
"""

from __future__ import annotations

import os

from flask import Flask, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import String, event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Row(db.Model):
    __tablename__ = "ceiling_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[str] = mapped_column(String(100))


def _tune_sqlite(engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_app(database_url: str | None = None) -> Flask:
    app = Flask(__name__)
    url = database_url or os.environ["BENCH_CEILING_DATABASE_URL"]
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    if not url.startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
    db.init_app(app)
    if url.startswith("sqlite"):
        with app.app_context():
            _tune_sqlite(db.engine)

    @app.post("/rows")
    def add_row():
        row = Row(value=request.form.get("value", "")[:100])
        db.session.add(row)
        db.session.commit()
        return {"saved": True, "id": row.id}

    @app.get("/healthz")
    def health():
        return {"status": "ok"}

    return app
