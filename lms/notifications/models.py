"""Notifications a person receives, and how each person wants each kind delivered.

A notification is written in its recipient's language when it is created (the
subject and body are stored as they were rendered): the list shows what the
mail said, even after the person changes language, and nothing is translated
again per page.
"""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, orm_insert_sentinel

from lms.extensions import db
from lms.kernel import clock


class NotificationKind(enum.StrEnum):
    """What a notification is about; each person chooses a channel per kind."""

    ENROLMENT_ACCEPTED = "enrolment_accepted"
    WAITLIST_PROMOTED = "waitlist_promoted"
    NOMINATION_DECIDED = "nomination_decided"  # announced by nominations (to come)
    GRADE_RELEASED = "grade_released"
    WORK_RETURNED = "work_returned"
    CERTIFICATE_ISSUED = "certificate_issued"
    CERTIFICATE_REVOKED = "certificate_revoked"
    CERTIFICATE_EXPIRING = "certificate_expiring"
    HOURS_DECIDED = "hours_decided"
    ANNOUNCEMENT = "announcement"  # announced by announcements (to come)

    @property
    def title(self) -> str:
        return str(KIND_TITLES[self])

    @property
    def mandatory(self) -> bool:
        return self in MANDATORY_KINDS


KIND_TITLES = {
    NotificationKind.ENROLMENT_ACCEPTED: _l("Enrolment accepted"),
    NotificationKind.WAITLIST_PROMOTED: _l("Moved up from a waiting list"),
    NotificationKind.NOMINATION_DECIDED: _l("Nomination decided"),
    NotificationKind.GRADE_RELEASED: _l("Grade released"),
    NotificationKind.WORK_RETURNED: _l("Work returned to you"),
    NotificationKind.CERTIFICATE_ISSUED: _l("Certificate issued"),
    NotificationKind.CERTIFICATE_REVOKED: _l("Certificate revoked"),
    NotificationKind.CERTIFICATE_EXPIRING: _l("Certificate about to expire"),
    NotificationKind.HOURS_DECIDED: _l("Hours approved or rejected"),
    NotificationKind.ANNOUNCEMENT: _l("Announcements"),
}

# Notices the program must send, by mail and in the app, whatever the person chose.
# A revocation changes what the holder may claim (employers verify the certificate and
# see it revoked): the holder has to hear of it. An expiry reminder is a convenience
# (the expiry date is printed on the certificate), so it may be turned off.
MANDATORY_KINDS = frozenset({NotificationKind.CERTIFICATE_REVOKED})


class Channel(enum.StrEnum):
    """How a person wants one kind of notification."""

    MAIL = "mail"  # by mail and in the app (the default)
    APP = "app"  # in the app only
    OFF = "off"

    @property
    def title(self) -> str:
        return str(CHANNEL_TITLES[self])


CHANNEL_TITLES = {
    Channel.MAIL: _l("By mail and in the app"),
    Channel.APP: _l("In the app only"),
    Channel.OFF: _l("Off"),
}
DEFAULT_CHANNEL = Channel.MAIL


class Notification(db.Model):
    """One notice to one person, in their language, with the page it is about."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_created", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=clock.now, server_default=func.now())
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A path on this site (``/certificates``), never a full address: it opens here.
    link: Mapped[str] = mapped_column(String(500), default="")
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, default="")
    # Lets SQLite insert a batch (every holder of an issue-all) in one statement.
    _sentinel: Mapped[int | None] = orm_insert_sentinel()

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind} to {self.user_id}>"

    @property
    def kind_title(self) -> str:
        try:
            return NotificationKind(self.kind).title
        except ValueError:
            return self.kind

    def belongs_to(self, user) -> bool:
        return user.is_authenticated and user.id == self.user_id


class NotificationPreference(db.Model):
    """A person's choice for one kind; no row means the default (mail and in-app)."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10), default=DEFAULT_CHANNEL)

    def __repr__(self) -> str:
        return f"<NotificationPreference {self.user_id} {self.kind}={self.channel}>"
