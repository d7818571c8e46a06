"""The ceiling for verification: the fastest this stack answers one lookup by key.

A minimal Flask + Flask-SQLAlchemy app with one GET endpoint that selects one row
of a one-table database by its unique code and returns it as JSON. The
certificates benchmark divides the verification API's requests per second by
this app's, measured in the same run with the same database kind, gunicorn
workers and clients: the ratio says what the API's own work (ID parsing and
check character, status, the record's fields, rate limiting) costs.

The row carries what a certificate answer carries (a name, a title, dates, a
~2 KB signed credential), so both answers are about the same size.

Served as ``gunicorn --pythonpath bench 'lookup_app:create_app()'`` with the
database URL in ``BENCH_LOOKUP_DATABASE_URL``.
"""

from __future__ import annotations

import os

from flask import Flask, abort
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import String, Text, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Record(db.Model):
    __tablename__ = "lookup_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    holder_name: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(200))
    issued_on: Mapped[str] = mapped_column(String(10))
    expires_on: Mapped[str] = mapped_column(String(10))
    credential: Mapped[str] = mapped_column(Text)


def create_app(database_url: str | None = None) -> Flask:
    app = Flask(__name__)
    url = database_url or os.environ["BENCH_LOOKUP_DATABASE_URL"]
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    if not url.startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
    db.init_app(app)
    columns = (Record.code, Record.holder_name, Record.title, Record.issued_on,
               Record.expires_on, Record.credential)

    @app.get("/records/<code>")
    def lookup(code: str):
        row = db.session.execute(select(*columns).where(Record.code == code)).first()
        if row is None:
            abort(404)
        return dict(row._mapping)

    @app.get("/healthz")
    def health():
        return {"status": "ok"}

    return app
