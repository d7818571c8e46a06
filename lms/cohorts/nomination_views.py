"""Nomination pages: focal points nominate and substitute; the host's coordinators decide."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.cohorts import nomination_queries as queries
from lms.cohorts import nomination_services as services
from lms.cohorts.models import Cohort
from lms.cohorts.nomination_forms import DecisionForm, NominateForm, ReleaseForm
from lms.cohorts.nominations import SUBSTITUTABLE, Nomination, NominationStatus
from lms.errors import DomainError
from lms.extensions import db
from lms.i18n import country_name
from lms.kernel import clock
from lms.web.pages import UNPROCESSABLE, show_refusal
from lms.web.permissions import require

bp = Blueprint("nominations", __name__)


def _today():
    return clock.today(clock.UTC)


def _nominee_data(form: NominateForm) -> services.NomineeData:
    return services.NomineeData(
        email=form.email.data or "", first_name=form.first_name.data or "",
        last_name=form.last_name.data or "", language=form.language.data or "",
        gender=form.gender.data or "", institution_id=form.institution_id.data)


def _nominate_form(countries: list[str], submitted: bool) -> NominateForm:
    # A new nominee's institution is one of the focal point's country (the first, when
    # they nominate for several: the service checks the one sent against the country).
    country = request.form.get("country") if submitted else None
    country = country if country in countries else countries[0]
    form = NominateForm(formdata=None if not submitted else request.form,
                        countries=[(code, country_name(code)) for code in countries],
                        institutions=queries.institutions_of(country))
    if not submitted:
        form.country.data = country
    return form


# ---------------------------------------------------------------- focal points

@bp.get("/nominations")
def index():
    require(current_user.is_authenticated and current_user.is_focal_point)
    return render_template("cohorts/nominations.html",
                           rows=queries.focal_cohorts(current_user, _today()))


def _focal_cohort(cohort_id: int) -> tuple[Cohort, list[str]]:
    cohort = db.get_or_404(Cohort, cohort_id)
    if not cohort.by_nomination:
        abort(404)
    countries = (current_user.focal_point_for(cohort.course.program_id)
                 if current_user.is_authenticated else [])
    require(bool(countries))
    return cohort, countries


def _render_cohort(cohort: Cohort, countries: list[str], form: NominateForm,
                   status: int = 200):
    counts = {row.country: row for row in queries.seat_table(cohort)}
    return render_template(
        "cohorts/nomination_cohort.html", cohort=cohort, form=form,
        open=cohort.nominations_open(_today()),
        seats=[counts.get(country) or queries.SeatRow(country, cohort.seats_per_country or 0)
               for country in countries],
        nominations=[n for n in queries.nominations(cohort) if n.country in countries],
        substitutable=SUBSTITUTABLE,
        can_substitute=_today() < cohort.starts_on), status


@bp.route("/nominations/cohorts/<int:cohort_id>", methods=["GET", "POST"])
def cohort(cohort_id: int):
    cohort, countries = _focal_cohort(cohort_id)
    submitted = request.method == "POST"
    form = _nominate_form(countries, submitted)
    if submitted and form.validate_on_submit():
        try:
            nomination = services.nominate(current_user, cohort, form.country.data,
                                           _nominee_data(form), _today())
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(_("%(name)s is nominated; the program's coordinators will decide.",
                    name=nomination.nominee.full_name), "success")
            return redirect(url_for(".cohort", cohort_id=cohort.id))
    return _render_cohort(cohort, countries, form, UNPROCESSABLE if submitted else 200)


@bp.route("/nominations/<int:nomination_id>/substitute", methods=["GET", "POST"])
def substitute(nomination_id: int):
    nomination = db.get_or_404(Nomination, nomination_id)
    require(nomination.can_substitute(current_user))
    submitted = request.method == "POST"
    form = _nominate_form([nomination.country], submitted)
    if submitted and form.validate_on_submit():
        try:
            replacement = services.substitute(current_user, nomination, _nominee_data(form),
                                              _today())
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(_("%(new)s replaces %(old)s.", new=replacement.nominee.full_name,
                    old=nomination.nominee.full_name), "success")
            return redirect(url_for(".cohort", cohort_id=nomination.cohort_id))
    return render_template("cohorts/nomination_substitute.html", nomination=nomination,
                           cohort=nomination.cohort, form=form), (
        UNPROCESSABLE if submitted else 200)


# ---------------------------------------------------------------- host coordinators

def _render_review(cohort: Cohort, failed: tuple[int, DecisionForm] | None = None,
                   status: int = 200, failed_release: tuple[int, ReleaseForm] | None = None):
    nominations = queries.nominations(cohort)
    forms = {n.id: DecisionForm(formdata=None, prefix=f"n{n.id}")
             for n in nominations if n.undecided}
    if failed is not None:
        forms[failed[0]] = failed[1]
    release_forms = {n.id: ReleaseForm(formdata=None, prefix=f"w{n.id}")
                     for n in nominations if n.status == NominationStatus.ACCEPTED}
    if failed_release is not None:
        release_forms[failed_release[0]] = failed_release[1]
    seats = queries.seat_table(cohort)
    return render_template("cohorts/nomination_review.html", cohort=cohort,
                           seats=seats, nominations=nominations, forms=forms,
                           release_forms=release_forms,
                           # A seat freed by a withdrawal stays the coordinators' call.
                           free_with_waiting=[row for row in seats
                                              if row.free and row.waitlisted],
                           open=cohort.nominations_open(_today())), status


@bp.get("/manage/cohorts/<int:cohort_id>/nominations")
def review(cohort_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    require(cohort.can_manage(current_user))
    if not cohort.by_nomination:
        abort(404)
    return _render_review(cohort)


@bp.post("/manage/nominations/<int:nomination_id>/decision")
def decide(nomination_id: int):
    nomination = db.get_or_404(Nomination, nomination_id)
    require(nomination.can_decide(current_user))
    form = DecisionForm(prefix=f"n{nomination.id}")
    if form.validate_on_submit():
        try:
            services.decide(current_user, nomination, form.decision.data, form.reason.data)
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(_("%(name)s: %(status)s.", name=nomination.nominee.full_name,
                    status=nomination.status_title), "success")
            return redirect(url_for(".review", cohort_id=nomination.cohort_id))
    return _render_review(nomination.cohort, (nomination.id, form), UNPROCESSABLE)


@bp.post("/manage/nominations/<int:nomination_id>/release")
def release(nomination_id: int):
    """A coordinator withdraws an accepted nominee; the country keeps the seat."""
    nomination = db.get_or_404(Nomination, nomination_id)
    require(nomination.can_decide(current_user))
    form = ReleaseForm(prefix=f"w{nomination.id}")
    if form.validate_on_submit():
        try:
            services.release(current_user, nomination, form.reason.data)
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(_("%(name)s is withdrawn from the cohort; %(country)s keeps the seat.",
                    name=nomination.nominee.full_name,
                    country=country_name(nomination.country)), "success")
            return redirect(url_for(".review", cohort_id=nomination.cohort_id))
    return _render_review(nomination.cohort, status=UNPROCESSABLE,
                          failed_release=(nomination.id, form))
