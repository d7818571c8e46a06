"""The site's entry: home page, language switch, health check.

On the top floor, above every domain: the home page sends each user where their
role works (issue 11 builds role home pages here). The blueprint keeps the name
"web", so the endpoints are ``web.home``, ``web.set_language`` and ``web.health``.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, session, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField

from lms.accounts import services as account_services
from lms.i18n import LANGUAGES
from lms.web import database
from lms.web.redirects import redirect_next

bp = Blueprint("web", __name__)


class LanguageForm(FlaskForm):
    lang = SelectField(choices=list(LANGUAGES.items()))
    next = HiddenField()


@bp.get("/")
def home():
    if current_user.is_authenticated:
        return redirect(url_for("cohorts.dashboard"))
    return render_template("home.html")


@bp.post("/language")
def set_language():
    """Switch the interface language; a signed-in user's preference changes too."""
    form = LanguageForm()
    if form.validate_on_submit():
        session["locale"] = form.lang.data
        if current_user.is_authenticated:
            account_services.set_locale(current_user, form.lang.data)
    return redirect_next()


@bp.get("/healthz")
def health():
    """For load balancers and monitors: 503 while the database cannot answer."""
    if not database.database_reachable():
        return ({"status": "unavailable", "database": "down"}, 503,
                {"Retry-After": str(database.RETRY_AFTER_SECONDS)})
    return {"status": "ok", "database": "up"}
