"""The site's entry: home page, language switch, health check.

On the top floor, above every domain: a visitor sees the public welcome; a
signed-in user sees, per role they hold, what waits for them (``queries``), the
parts with something waiting first. The blueprint keeps the name "web", so the
endpoints are ``web.home``, ``web.set_language`` and ``web.health``.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, session, url_for
from flask_babel import format_percent
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField

from lms.accounts import services as account_services
from lms.home import queries
from lms.i18n import LANGUAGES
from lms.kernel import clock
from lms.web import database
from lms.web.redirects import redirect_next

bp = Blueprint("web", __name__)


class LanguageForm(FlaskForm):
    lang = SelectField(choices=list(LANGUAGES.items()))
    next = HiddenField()


# The order of the parts when none has anything waiting, or several have.
SECTION_ORDER = ("teaching", "officer", "trainee", "coordinator", "focal_point", "observer",
                 "admin")


def _sections(user) -> list[tuple[str, object]]:
    """(name, part) for each role the user holds, those with something waiting first."""
    now = clock.now()
    today = clock.today(clock.UTC)
    parts = {
        "teaching": queries.teaching_home(user, today),
        "officer": queries.officer_home(user, today),
        "trainee": queries.trainee_home(user, now, today),
        "coordinator": queries.coordinator_home(user, today),
        "observer": queries.observer_home(user),
        "focal_point": queries.focal_point_home(user, today),
        "admin": queries.admin_home(user),
    }
    held = [(name, parts[name]) for name in SECTION_ORDER if parts[name] is not None]
    return sorted(held, key=lambda item: item[1].urgent == 0)  # stable: keeps the order


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return render_template("home.html")
    return render_template(
        "home/index.html", sections=_sections(current_user), format_percent=format_percent,
        # The administration screens are being built; link them once they exist.
        admin_screens="admin.index" in current_app.view_functions,
        # The reports are on the same floor as this page (lms.reports), which may not
        # import them: their endpoint is looked up by name.
        reports_url=(url_for("reports.index") if "reports.index" in current_app.view_functions
                     else "/reports"))


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
