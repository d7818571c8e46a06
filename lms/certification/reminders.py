"""Expiry notices: ``lms remind-expiring`` (run daily, e.g. from cron).

A valid certificate that expires within 90, 30 or 7 days gets one notice per
threshold; ``Reminder`` rows make each one happen once. When runs were missed
(the server was down for a month) only the most urgent threshold that is due is
announced, and the larger ones are marked as sent: one notice, not three at once.
Revoked, superseded and already renewed certificates get nothing.

This module keeps the schedule only: each notice due is announced as the
``certificate_expiring`` event, and lms.notifications writes it (in-app, and by mail
in the holder's language unless they chose otherwise).
"""

from __future__ import annotations

from datetime import date, timedelta

import click
from flask.cli import with_appcontext
from sqlalchemy import insert, select
from sqlalchemy.orm import joinedload

from lms.certification.models import Certificate, Reminder
from lms.certification.tracks.models import Track
from lms.extensions import db
from lms.kernel import clock, events, jobs

THRESHOLDS = (90, 30, 7)


def _due(days_left: int, sent: set[int]) -> list[int]:
    """The thresholds reached and not yet marked, most urgent first."""
    return sorted(t for t in THRESHOLDS if days_left <= t and t not in sent)


def send_reminders(today: date | None = None) -> int:
    """Announce the notices due on ``today``; returns how many (flushes)."""
    today = today or clock.today(clock.UTC)
    renewed = select(Certificate.renews_id).where(
        Certificate.renews_id.is_not(None), Certificate.revoked_at.is_(None))
    certificates = list(db.session.scalars(
        select(Certificate)
        .where(Certificate.revoked_at.is_(None), Certificate.superseded_by_id.is_(None),
               Certificate.expires_on.is_not(None), Certificate.expires_on >= today,
               Certificate.expires_on <= today + timedelta(days=max(THRESHOLDS)),
               Certificate.id.not_in(renewed))
        .options(joinedload(Certificate.user))
        .order_by(Certificate.expires_on, Certificate.id)))
    if not certificates:
        return 0
    ids = [c.id for c in certificates]
    sent: dict[int, set[int]] = {}
    for certificate_id, days in db.session.execute(
            select(Reminder.certificate_id, Reminder.days_before)
            .where(Reminder.certificate_id.in_(ids))):
        sent.setdefault(certificate_id, set()).add(days)
    track_ids = {c.track_id for c in certificates if c.track_id}
    tracks = ({t.id: t for t in db.session.scalars(select(Track).where(Track.id.in_(track_ids)))}
              if track_ids else {})
    rows, count = [], 0
    for certificate in certificates:
        due = _due((certificate.expires_on - today).days, sent.get(certificate.id, set()))
        if not due:
            continue
        events.certificate_expiring.send(
            certificate, days_left=(certificate.expires_on - today).days,
            track=tracks.get(certificate.track_id))
        count += 1
        now = clock.now()
        rows += [{"certificate_id": certificate.id, "days_before": days, "sent_at": now}
                 for days in due]
    if rows:
        db.session.execute(insert(Reminder), rows)
        db.session.flush()
    return count


@click.command("remind-expiring")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Pretend today is this date (YYYY-MM-DD).")
@with_appcontext
def remind_expiring(today=None) -> None:
    """Send expiry notices for certificates expiring within 90, 30 and 7 days."""
    count = send_reminders(today.date() if today else None)
    db.session.commit()
    click.echo(f"{count} expiry notices sent.")


@jobs.periodic(jobs.crontab(minute="0", hour="6"), name="remind-expiring")
def remind_expiring_daily() -> None:
    """The same run on the worker, every day at 06:00 UTC (the task commits)."""
    send_reminders()
