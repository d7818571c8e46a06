"""Every write of notifications: create them (and their mail), mark them read, choose channels.

``notify_each`` is what the reactions call: for each recipient it reads their
channel for the kind, writes the notification in their language and, when the
channel says so, puts the mail in the outbox (lms.kernel.mail: it leaves after the
commit, and not at all when the transaction rolls back). A batch of a thousand
recipients (a track's issue-all) costs the same few queries as a batch of three.

The mail is HTML with the plain text as its alternative. Optional kinds carry
``List-Unsubscribe`` and ``List-Unsubscribe-Post`` (RFC 8058): a signed address
that, posted to, sets that kind to "in the app only" for that person, without
signing in. Mandatory kinds (``MANDATORY_KINDS``) have no such link and ignore
the person's choice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update

from lms.accounts.models import User
from lms.audit.services import record
from lms.errors import DomainError
from lms.extensions import db
from lms.i18n import DEFAULT_LOCALE, LANGUAGES
from lms.kernel import clock, mail
from lms.notifications.messages import Message
from lms.notifications.models import (
    DEFAULT_CHANNEL,
    MANDATORY_KINDS,
    Channel,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from lms.web.urls import absolute_url, addresses_context

UNSUBSCRIBE_SALT = "lms.notifications.unsubscribe"
KIND_HEADER = "X-LMS-Notification"


def locale_of(user: User) -> str:
    return user.locale if user.locale in LANGUAGES else DEFAULT_LOCALE


# ---------------------------------------------------------------- channels


def channels_of(user_ids: Iterable[int], kind: NotificationKind) -> dict[int, Channel]:
    """Each user's channel for ``kind``, in one query (mandatory kinds: always mail)."""
    ids = list(dict.fromkeys(user_ids))
    if kind in MANDATORY_KINDS or not ids:
        return dict.fromkeys(ids, Channel.MAIL)
    chosen = dict(db.session.execute(
        select(NotificationPreference.user_id, NotificationPreference.channel)
        .where(NotificationPreference.kind == kind,
               NotificationPreference.user_id.in_(ids))).all())
    return {uid: _channel(chosen.get(uid)) for uid in ids}


def _channel(value: str | None) -> Channel:
    try:
        return Channel(value) if value else DEFAULT_CHANNEL
    except ValueError:
        return DEFAULT_CHANNEL


# ---------------------------------------------------------------- creating


def notify_each(kind: NotificationKind,
                recipients: Iterable[tuple[User, Callable[[str], Message]]], *,
                mail_allowed: bool = True) -> list[Notification]:
    """Notify each user with the message ``build(locale)`` makes, per their channel.

    ``mail_allowed=False`` keeps the notice in the app even for those who chose mail
    (a CSV import: the new accounts' welcome mail names their cohorts already).
    Writes the notifications and outbox rows; flushes.
    """
    pairs = list(recipients)
    if not pairs:
        return []
    channels = channels_of((user.id for user, _build in pairs), kind)
    written: list[Notification] = []
    # Commands and reactions outside a request still need one to build addresses.
    with addresses_context():
        for user, build in pairs:
            channel = channels[user.id]
            if channel == Channel.OFF:
                continue
            locale = locale_of(user)
            with force_locale(locale):
                message = build(locale)
                notification = Notification(user_id=user.id, kind=kind, link=message.link,
                                            subject=message.subject, body=message.body,
                                            created_at=clock.now())
                db.session.add(notification)
                written.append(notification)
                if channel == Channel.MAIL and mail_allowed and user.active:
                    _mail(user, kind, message, locale)
    db.session.flush()
    return written


def notify(user: User, kind: NotificationKind, build: Callable[[str], Message],
           **options: Any) -> Notification | None:
    """``notify_each`` for one person; the notification, or None when they turned it off."""
    written = notify_each(kind, [(user, build)], **options)
    return written[0] if written else None


def _mail(user: User, kind: NotificationKind, message: Message, locale: str) -> None:
    """Put the notification's mail in the outbox: HTML, text, and for optional kinds the
    one-click unsubscribe headers."""
    mandatory = kind in MANDATORY_KINDS
    preferences = absolute_url("notifications.preferences")
    unsubscribe = None if mandatory else absolute_url(
        "notifications.unsubscribe", token=unsubscribe_token(user, kind))
    link = absolute_url("notifications.index") if not message.link else \
        _public(message.link)
    footer = [_("This notice is always sent: it cannot be turned off.") if mandatory else
              _("You receive this mail because of your notification settings:"),
              preferences]
    if unsubscribe:
        footer += [_("To stop mails about “%(kind)s” (you still see them on the site):",
                     kind=kind.title), unsubscribe]
    text = message.body.rstrip("\n") + "\n\n-- \n" + "\n".join(footer) + "\n"
    html = render_template("notifications/mail.html", message=message, link=link,
                           kind=kind, mandatory=mandatory, preferences=preferences,
                           unsubscribe=unsubscribe, locale=locale)
    # The kind, for mail filters and support (and tests): which notice is this?
    headers = {KIND_HEADER: str(kind)}
    if unsubscribe:
        headers.update({"List-Unsubscribe": f"<{unsubscribe}>",
                        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
    mail.send(user.email, message.subject, text, html=html, headers=headers)


def _public(path: str) -> str:
    return str(current_app.config["LMS_PUBLIC_URL"]) + path


# ---------------------------------------------------------------- reading


def mark_read(user: User, notification: Notification) -> None:
    """The person opened it (the caller checked it is theirs)."""
    if notification.read_at is None:
        notification.read_at = clock.now()
        db.session.flush()


def mark_all_read(user: User) -> int:
    """Mark every unread notification of ``user`` read; returns how many there were."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=clock.now())
        .execution_options(synchronize_session=False))
    return result.rowcount or 0


# ---------------------------------------------------------------- choosing


def preferences_of(user: User) -> dict[NotificationKind, Channel]:
    """The channel of every kind for ``user`` (mandatory kinds: mail)."""
    chosen = dict(db.session.execute(
        select(NotificationPreference.kind, NotificationPreference.channel)
        .where(NotificationPreference.user_id == user.id)).all())
    return {kind: Channel.MAIL if kind in MANDATORY_KINDS else _channel(chosen.get(kind))
            for kind in NotificationKind}


def set_preferences(user: User, choices: Mapping[str, str]) -> bool:
    """Set ``user``'s channel per kind; True when something changed.

    Refuses, changing nothing, an unknown kind or channel, and any channel but mail
    for a mandatory kind.
    """
    wanted: dict[NotificationKind, Channel] = {}
    for name, value in choices.items():
        try:
            kind, channel = NotificationKind(name), Channel(value)
        except ValueError:
            raise DomainError(_("Choose one of the options for each kind of notification."),
                              field=name) from None
        if kind in MANDATORY_KINDS and channel != Channel.MAIL:
            raise DomainError(_("“%(kind)s” cannot be turned off: the program must send it.",
                                kind=kind.title), field=name)
        wanted[kind] = channel
    before = preferences_of(user)
    changes = {kind: channel for kind, channel in wanted.items()
               if kind not in MANDATORY_KINDS and before[kind] != channel}
    if not changes:
        return False
    rows = {row.kind: row for row in db.session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id,
                                             NotificationPreference.kind.in_(list(changes))))}
    for kind, channel in changes.items():
        row = rows.get(kind)
        if row is None:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind, channel=channel))
        else:
            row.channel = channel
    db.session.flush()
    record(user, "user.notification_preferences", user,
           {str(kind): str(before[kind]) for kind in changes},
           {str(kind): str(channel) for kind, channel in changes.items()})
    return True


# ---------------------------------------------------------------- unsubscribing


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user: User, kind: NotificationKind) -> str:
    """A signed token naming the person and the kind. It does not expire: mail readers
    keep old mails, and the link must still work (RFC 8058)."""
    return _serializer().dumps({"u": user.id, "k": str(kind)})


def read_unsubscribe_token(token: str) -> tuple[User, NotificationKind]:
    """The person and the optional kind a valid token names; DomainError otherwise."""
    refused = DomainError(_("This unsubscribe link is not valid. Choose which mails you "
                            "receive on your notification settings page instead."))
    try:
        payload = _serializer().loads(token)
    except BadSignature:
        raise refused from None
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), int):
        raise refused
    try:
        kind = NotificationKind(payload.get("k"))
    except ValueError:
        raise refused from None
    user = db.session.get(User, payload["u"])
    if user is None or kind in MANDATORY_KINDS:
        raise refused
    return user, kind


def unsubscribe(token: str) -> tuple[User, NotificationKind]:
    """One click: the kind the token names goes to "in the app only" for its person."""
    user, kind = read_unsubscribe_token(token)
    if preferences_of(user)[kind] == Channel.MAIL:
        set_preferences(user, {kind: Channel.APP})
    return user, kind
