"""How often each certificate was verified, by channel and day: counts, nothing else.

A row per certificate, day (UTC) and channel holds a number. Who verified, from
which address or with which browser is never stored: a certifying body learns
that its certificates are checked and how, and a holder how often theirs was,
without the site keeping a trail of the people who checked.

Only lookups that found a certificate count. The increment is one statement
(INSERT ... ON CONFLICT DO UPDATE) that picks the certificate by its ID, so a
lookup of an ID nobody holds adds nothing, and simultaneous lookups never lose
a count on either database.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from datetime import date

from flask import has_request_context, request
from sqlalchemy import Date, ForeignKey, Index, Integer, String, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from lms.certification.models import Certificate
from lms.extensions import db
from lms.kernel import clock


class Channel(enum.StrEnum):
    # An ID typed or pasted into the /verify form, or a link followed inside the site.
    PAGE = "page"
    # The printed verify URL opened from outside the site: a QR scan, a link in a mail.
    QR = "qr"
    # The JSON API: one lookup or the bulk check.
    API = "api"
    # A PDF uploaded to the /verify form (not `lms verify-pdf`, which is the site's own).
    UPLOAD = "upload"


class VerificationCount(db.Model):
    __tablename__ = "verification_counts"
    # The reports read a period across every certificate, summed by day and channel: the
    # index holds all they read, in the order they sum it.
    __table_args__ = (Index("ix_verification_counts_day_channel_count", "day", "channel",
                            "count"),)

    certificate_id: Mapped[int] = mapped_column(
        ForeignKey("certificates.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    channel: Mapped[str] = mapped_column(String(10), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def count_lookup(channel: Channel, codes: Collection[str]) -> None:
    """Add one to today's ``channel`` count of each certificate whose ID is in ``codes``.

    ``codes`` are canonical IDs; those no certificate has count nothing, and each
    certificate counts once however often its ID appears. One statement that only
    writes; in a GET request on SQLite, call it before the request reads anything,
    since a GET's read transaction cannot become a writer once another request
    has written (SQLite answers "database is locked" at once, without waiting).
    A HEAD request (link checkers) is no verification and counts nothing.
    """
    if not codes or (has_request_context() and request.method == "HEAD"):
        return
    table = VerificationCount.__table__
    certificates = Certificate.__table__.c
    found = (select(certificates.id, literal(clock.today(clock.UTC), Date),
                    literal(str(channel), String), literal(1, Integer))
             .where(certificates.code.in_(sorted(set(codes))))
             # The same order everywhere: two bulk checks never wait for each other's rows.
             .order_by(certificates.id))
    statement = _INSERTS[db.engine.dialect.name](table).from_select(
        ["certificate_id", "day", "channel", "count"], found)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["certificate_id", "day", "channel"],
        set_={"count": table.c.count + statement.excluded.count}))
