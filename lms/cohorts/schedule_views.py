"""Planning a cohort's sessions: its coordinators and instructors add, change and delete them.

Everyone in the cohort reads them on the agenda (lms.assessments.agenda), which
also shows the due dates of the assessments, a floor above this one.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.cohorts import schedule_queries as queries
from lms.cohorts import schedule_services as services
from lms.cohorts.models import Cohort
from lms.cohorts.schedule import CohortSession
from lms.cohorts.schedule_forms import SessionForm, session_form
from lms.cohorts.schedule_zones import wall_day, wall_time, zone_label
from lms.errors import DomainError
from lms.i18n import current_locale
from lms.web.pages import UNPROCESSABLE, show_refusal
from lms.web.permissions import require

bp = Blueprint("schedule", __name__)


def _taught_cohort(cohort_id: int) -> Cohort:
    cohort = queries.cohort_for_schedule(cohort_id) or abort(404)
    require(cohort.can_teach(current_user))
    return cohort


def _formatters(cohort: Cohort) -> dict:
    locale = current_locale()
    zone = cohort.zone_name
    return {"day": lambda moment: wall_day(moment, zone, locale),
            "clock": lambda moment: wall_time(moment, zone, locale),
            "zone_label": zone_label(zone, locale)}


def _render(cohort: Cohort, form: SessionForm, session: CohortSession | None, status: int):
    template = "cohorts/schedule_session.html" if session else "cohorts/schedule.html"
    return render_template(template, cohort=cohort, course=cohort.course, form=form,
                           session=session, sessions=queries.sessions_of([cohort.id]),
                           **_formatters(cohort)), status


@bp.route("/cohorts/<int:cohort_id>/schedule", methods=["GET", "POST"])
def schedule(cohort_id: int):
    cohort = _taught_cohort(cohort_id)
    form = session_form(cohort, submitted=request.method == "POST")
    if form.validate_on_submit():
        try:
            services.add_session(current_user, cohort, form.data_for_service())
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(_("Session added to the schedule."), "success")
            return redirect(url_for(".schedule", cohort_id=cohort.id))
    return _render(cohort, form, None, UNPROCESSABLE if request.method == "POST" else 200)


@bp.route("/cohorts/<int:cohort_id>/schedule/<int:session_id>", methods=["GET", "POST"])
def edit_session(cohort_id: int, session_id: int):
    cohort = _taught_cohort(cohort_id)
    session = queries.session_in_cohort(cohort, session_id) or abort(404)
    form = session_form(cohort, session, submitted=request.method == "POST")
    if form.validate_on_submit():
        try:
            changed = services.update_session(current_user, session, form.data_for_service())
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(_("Session saved.") if changed else _("Nothing to save: the session is "
                                                           "unchanged."),
                  "success" if changed else "info")
            return redirect(url_for(".schedule", cohort_id=cohort.id))
    return _render(cohort, form, session, UNPROCESSABLE if request.method == "POST" else 200)


@bp.post("/cohorts/<int:cohort_id>/schedule/<int:session_id>/delete")
def delete_session(cohort_id: int, session_id: int):
    cohort = _taught_cohort(cohort_id)
    session = queries.session_in_cohort(cohort, session_id) or abort(404)
    services.delete_session(current_user, session)
    flash(_("Session deleted from the schedule."), "success")
    return redirect(url_for(".schedule", cohort_id=cohort.id))
