"""Flask-Login wiring."""

from __future__ import annotations

import hmac

from flask_babel import lazy_gettext as _l
from flask_login import LoginManager

from lms.extensions import db


def init_login_manager(manager: LoginManager) -> None:
    from lms.accounts.models import User

    manager.login_view = "accounts.login"
    manager.login_message = _l("Please sign in to see this page.")
    manager.login_message_category = "info"
    manager.session_protection = "strong"

    @manager.user_loader
    def _load(session_id: str):
        """The user named by ``User.get_id()``, while that id still holds.

        The id is "<user id>:<password fingerprint>": once the password changes,
        or the account is deactivated, sessions and remember cookies issued
        before stop signing anyone in.
        """
        user_id, _sep, fingerprint = session_id.partition(":")
        try:
            user = db.session.get(User, int(user_id))
        except ValueError:
            return None
        if user is None or not user.active:
            return None
        if not hmac.compare_digest(fingerprint, user.password_fingerprint()):
            return None
        return user
