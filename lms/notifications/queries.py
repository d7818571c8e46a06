"""Reads of notifications: a person's list (one page, newest first) and the unread count."""

from __future__ import annotations

from flask import g
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select

from lms.extensions import db
from lms.notifications.models import Notification

PER_PAGE = 20
_UNREAD = "lms_notifications_unread"


def page_of(user_id: int, page: int, per_page: int = PER_PAGE) -> Pagination:
    """One page of a person's notifications, newest first (a count and a page: two queries)."""
    query = (select(Notification).where(Notification.user_id == user_id)
             .order_by(Notification.created_at.desc(), Notification.id.desc()))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def unread_count(user_id: int) -> int:
    """How many of a person's notifications are unread; one query, at most once a request."""
    cached = g.get(_UNREAD)
    if cached is not None and cached[0] == user_id:
        return cached[1]
    count = db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0
    setattr(g, _UNREAD, (user_id, count))
    return count


def forget_unread_count() -> None:
    """After a change in this request (marked read), let the header count again."""
    g.pop(_UNREAD, None)
