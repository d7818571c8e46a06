"""Flask-Login wiring."""

from __future__ import annotations

import hmac

from flask import request, session
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, user_loaded_from_cookie
from flask_login.utils import _create_identifier

from lms.accounts import queries, services
from lms.web.input import bounded_int


def init_login_manager(manager: LoginManager) -> None:
    manager.login_view = "accounts.login"
    manager.login_message = _l("Please sign in to see this page.")
    manager.login_message_category = "info"
    manager.session_protection = "strong"
    user_loaded_from_cookie.connect(_mark_restored_session)

    @manager.user_loader
    def _load(session_id: str):
        """The user named by ``User.get_id()``, while that id still holds.

        The id is "<user id>:<password fingerprint>:<browser session token>":
        once the password changes, the account is deactivated, or the browser
        session is ended (signing out, "sign out the other browsers", an
        administrator), sessions and remember cookies that carry it stop
        signing anyone in. Ids of the older two-part form are refused too.
        """
        user_id, fingerprint, token = (session_id.split(":", 2) + ["", ""])[:3]
        number = bounded_int(user_id, minimum=1)  # an id the users table can hold
        if number is None or not token:
            return None
        found = queries.signed_in(number, token)
        if found is None:
            return None
        user, browser = found
        if not user.active or not hmac.compare_digest(fingerprint,
                                                      user.password_fingerprint()):
            return None
        user.attach_browser_session(browser, token)
        # Page views only: a save during an exam (a POST) must not gain a write.
        if request.method == "GET":
            services.touch_session(browser)
        return user


def _mark_restored_session(_app, user) -> None:
    """Give a session restored from a remember-me cookie the browser's identifier.

    Flask-Login restores the session without it, so "strong" session protection
    took the next request for a stolen session and cleared both cookies: "Keep me
    signed in" lasted one page. Signing in writes the identifier; so does this.
    """
    session["_id"] = _create_identifier()
