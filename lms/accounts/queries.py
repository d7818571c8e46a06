"""Reads for accounts: the signed-in user and their browsers."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from lms.accounts.models import User, UserSession
from lms.extensions import db
from lms.kernel import clock

# A browser not seen for this long is signed out, whatever its cookies say: a
# forgotten remember-me cookie (Flask-Login keeps it a year) or a session cookie of
# a browser that was never closed stops working after a month without use.
IDLE_LIMIT = timedelta(days=30)


def _recent():
    return UserSession.last_seen_at >= clock.now() - IDLE_LIMIT


def token_hash(token: str) -> str:
    """How a browser session's token is stored: its SHA-256, so a copy of the
    table opens no session (the token is random, so no salt or key is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def signed_in(user_id: int, token: str) -> tuple[User, UserSession] | None:
    """The user and their open browser session named by ``token``, in one query.

    One statement, as loading the user alone took before sessions were kept:
    every page's statement count stays as it was.
    """
    row = db.session.execute(
        db.select(User, UserSession)
        .join(UserSession, UserSession.user_id == User.id)
        .where(User.id == user_id, UserSession.token_hash == token_hash(token),
               UserSession.ended_at.is_(None), _recent())).first()
    return None if row is None else (row[0], row[1])


def open_sessions(user: User) -> list[UserSession]:
    """The user's signed-in browsers, the most recently seen first."""
    return list(db.session.scalars(
        db.select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None), _recent())
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())))


def user_by_id(user_id: int) -> User | None:
    return db.session.get(User, user_id)
