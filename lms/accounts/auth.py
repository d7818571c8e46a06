"""Flask-Login wiring."""

from __future__ import annotations

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
    def _load(user_id: str):
        try:
            return db.session.get(User, int(user_id))
        except ValueError:
            return None
