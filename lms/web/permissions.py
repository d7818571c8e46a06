"""The one way views refuse: ``require(obj.can_x(current_user))``."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from lms.extensions import login_manager


def require(allowed: bool) -> None:
    """Send anonymous visitors to log in and refuse everyone else with 403."""
    if allowed:
        return
    if not current_user.is_authenticated:
        # Flask-Login's unauthorized() redirects to the login page with a safe ``next``.
        raise _Unauthenticated()
    abort(403)


class _Unauthenticated(Exception):
    pass


def init_app(app) -> None:
    @app.errorhandler(_Unauthenticated)
    def _to_login(_exc):
        return login_manager.unauthorized()
