"""Reading what notifications wrote: the rows, and the mails once delivered."""

from __future__ import annotations

from sqlalchemy import select

from lms.extensions import db
from lms.kernel import mail
from lms.notifications.models import Notification, NotificationPreference
from lms.notifications.services import KIND_HEADER


def notifications_of(user, kind: str | None = None) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == user.id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query.order_by(Notification.id)))


def mails(to: str | None = None, kind: str | None = None) -> list[dict]:
    """The mails that left, once what the test wrote is committed (as a request or a
    command commits); filtered by recipient and notification kind."""
    db.session.commit()
    return [m for m in mail.read_outbox()
            if (to is None or m["to"] == to)
            and (kind is None or m.get("headers", {}).get(KIND_HEADER) == kind)]


def choose(user, kind: str, channel: str) -> None:
    db.session.add(NotificationPreference(user_id=user.id, kind=kind, channel=channel))
    db.session.flush()
