"""Coordinator pages: cohort settings, enrolments, CSV import."""

from __future__ import annotations

import csv
import io
from functools import partial
from pathlib import Path

from babel.lists import format_list
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from lms.catalog.models import Course
from lms.cohorts import queries, schedule_services, services
from lms.cohorts.forms import CohortForm, EnrolUserForm, ImportForm, StatusForm, email_lines
from lms.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from lms.errors import DomainError
from lms.extensions import db
from lms.i18n import current_locale, language_name
from lms.kernel import clock
from lms.kernel.jobs import JobRun
from lms.web.pages import UNPROCESSABLE, page_number, show_refusal
from lms.web.permissions import require

bp = Blueprint("cohorts_manage", __name__, url_prefix="/manage")


def _cohort_form(cohort: Cohort | None = None, submitted: bool = False) -> CohortForm:
    """The cohort form, read from the request when it was the form sent, else from ``cohort``."""
    if submitted:
        form = CohortForm()
    else:
        form = CohortForm(formdata=None, obj=cohort)
        if cohort is not None:
            form.instructors.data = "\n".join(user.email for user in cohort.instructors)
            form.interpretation_languages.data = cohort.interpretation_codes
            form.time_zone.data = cohort.time_zone
    form.host_institution_id.choices = [("", _("None"))] + [
        (str(institution.id), institution.name) for institution in queries.institutions()]
    return form


def _data(form: CohortForm) -> services.CohortData:
    return services.CohortData(
        code=form.code.data.strip(), language=form.language.data,
        host_institution_id=form.host_institution_id.data, country=form.country.data,
        starts_on=form.starts_on.data, ends_on=form.ends_on.data,
        enrol_opens_on=form.enrol_opens_on.data, enrol_closes_on=form.enrol_closes_on.data,
        capacity=form.capacity.data, self_enrolment=form.self_enrolment.data,
        instructor_emails=email_lines(form.instructors.data),
        interpretation_languages=list(form.interpretation_languages.data or []),
        by_nomination=form.by_nomination.data, seats_per_country=form.seats_per_country.data,
        nominations_open_on=form.nominations_open_on.data,
        nominations_close_on=form.nominations_close_on.data)


def _warn_missing_content(cohort: Cohort) -> None:
    """After a save: say what trainees will read in the course's language instead."""
    course = cohort.course
    if cohort.language == course.language:
        return
    missing = [item.text for item in queries.content_coverage(course, cohort.language)
               if not item.complete]
    if missing:
        flash(_("Only %(content)s exist in %(language)s; the rest will show in %(original)s.",
                content=format_list(missing, locale=current_locale()),
                language=language_name(cohort.language),
                original=language_name(course.language)), "warning")


@bp.route("/courses/<int:course_id>/cohorts/new", methods=["GET", "POST"])
def new_cohort(course_id: int):
    course = db.get_or_404(Course, course_id)
    require(course.can_manage(current_user))
    form = _cohort_form(submitted=request.method == "POST")
    if request.method == "GET":
        form.language.data = course.language
    status = 200
    if form.validate_on_submit():
        try:
            cohort = services.create_cohort(current_user, course, _data(form))
            schedule_services.set_time_zone(current_user, cohort, form.time_zone.data,
                                            previous=cohort.zone_name)
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(_("Cohort %(code)s created.", code=cohort.code), "success")
            _warn_missing_content(cohort)
            return redirect(url_for(".edit_cohort", cohort_id=cohort.id))
    if request.method == "POST":
        status = UNPROCESSABLE
    return render_template("cohorts/cohort_form.html", form=form, course=course,
                           cohort=None), status


def _render_edit(cohort: Cohort, form: CohortForm, enrol_form: EnrolUserForm,
                 status: int = 200):
    pagination, rows = queries.roster(cohort, page_number())
    return render_template(
        "cohorts/cohort_form.html", form=form, course=cohort.course, cohort=cohort,
        enrol_form=enrol_form, pagination=pagination, rows=rows,
        waiting=queries.waiting_list(cohort),
        # Nobody is put on the waiting list by hand (services.set_status refuses it).
        statuses=[(status.value, status.title) for status in EnrolmentStatus
                  if status != EnrolmentStatus.WAITLISTED],
        seats_taken=queries.seats_taken([cohort.id]).get(cohort.id, 0),
        coverage=queries.content_coverage(cohort.course, cohort.language)), status


def _managed_cohort(cohort_id: int) -> Cohort:
    cohort = queries.cohort_with_details(cohort_id) or abort(404)
    require(cohort.can_manage(current_user))
    return cohort


@bp.route("/cohorts/<int:cohort_id>", methods=["GET", "POST"])
def edit_cohort(cohort_id: int):
    cohort = _managed_cohort(cohort_id)
    form = _cohort_form(cohort, submitted=request.method == "POST")
    if form.validate_on_submit():
        # The zone the sessions were entered in, before a new country changes the default.
        previous_zone = cohort.zone_name
        try:
            services.update_cohort(current_user, cohort, _data(form))
            schedule_services.set_time_zone(current_user, cohort, form.time_zone.data,
                                            previous=previous_zone)
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(_("Cohort %(code)s saved.", code=cohort.code), "success")
            _warn_missing_content(cohort)
            return redirect(url_for(".edit_cohort", cohort_id=cohort.id))
    status = UNPROCESSABLE if request.method == "POST" else 200
    return _render_edit(cohort, form, EnrolUserForm(prefix="enrol"), status)


@bp.post("/cohorts/<int:cohort_id>/enrolments")
def enrol_user(cohort_id: int):
    cohort = _managed_cohort(cohort_id)
    enrol_form = EnrolUserForm(prefix="enrol")
    if enrol_form.validate_on_submit():
        email = enrol_form.email.data.strip().lower()
        try:
            enrolled = services.enrol_user(current_user, cohort, email)
        except DomainError as error:
            show_refusal(enrol_form, error)
        else:
            if enrolled:
                flash(_("%(email)s is enrolled.", email=email), "success")
            else:
                flash(_("%(email)s is already enrolled.", email=email), "info")
            return redirect(url_for(".edit_cohort", cohort_id=cohort.id))
    return _render_edit(cohort, _cohort_form(cohort), enrol_form, UNPROCESSABLE)


@bp.post("/enrolments/<int:enrolment_id>/status")
def set_status(enrolment_id: int):
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    cohort = _managed_cohort(enrolment.cohort_id)
    form = StatusForm()
    if form.validate_on_submit():
        try:
            services.set_status(current_user, enrolment, form.status.data)
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("Status of %(name)s: %(status)s.", name=enrolment.user.full_name,
                    status=enrolment.status_title), "success")
            return redirect(url_for(".edit_cohort", cohort_id=cohort.id))
    else:
        flash(_("Choose a status from the list."), "error")
    return _render_edit(cohort, _cohort_form(cohort), EnrolUserForm(prefix="enrol"),
                        UNPROCESSABLE)


# Where large imports wait for their job, inside the instance folder.
IMPORT_UPLOADS = Path("uploads", "imports")


@bp.route("/import", methods=["GET", "POST"])
def import_csv():
    require(current_user.is_authenticated and current_user.is_coordinator)
    form = ImportForm()
    form.default_cohort_id.choices = [("", _("None: each row names its cohort"))] + [
        (str(cohort.id), f"{cohort.code} · {cohort.course.in_locale('title')}")
        for cohort in queries.manageable_cohorts(current_user, clock.today(clock.UTC))]
    problems = []
    # "Check only" sends the same form with its own button: validate, show, write nothing.
    check_only = "check" in request.form
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        max_bytes = current_app.config["LMS_MAX_UPLOAD_BYTES"]
        data = upload.read(max_bytes + 1)
        action = services.check_import if check_only else services.import_users
        if not check_only and (services.count_import_rows(data, upload.filename, max_bytes)
                               > current_app.config["LMS_JOBS_INLINE_LIMIT"]):
            # A large file: checked here, imported by a job whose progress page follows.
            action = partial(services.start_import,
                             folder=Path(current_app.instance_path) / IMPORT_UPLOADS)
        try:
            result = action(current_user, data, upload.filename, form.default_cohort_id.data,
                            max_bytes)
        except services.ImportRejected as rejected:
            problems = rejected.problems
        else:
            if isinstance(result, JobRun):
                return redirect(url_for("jobs.show", job_id=result.id))
            if check_only:
                return render_template("cohorts/import.html", form=form, problems=[],
                                       plan=result, check_only=True)
            flash(_("Import finished. Accounts created: %(created)s. Enrolments added: "
                    "%(enrolled)s. Already enrolled: %(already)s.", created=result.created,
                    enrolled=result.enrolled, already=result.already), "success")
            return redirect(url_for(".import_csv"))
    if request.method == "POST":
        status = UNPROCESSABLE
    return render_template("cohorts/import.html", form=form, problems=problems, plan=None,
                           check_only=check_only), status


# What a spreadsheet user fills in: Moodle's column names (the parser reads them), one
# example line to copy. The cohort code is a real one the coordinator may enrol in.
TEMPLATE_COLUMNS = ("username", "email", "firstname", "lastname", "country", "lang",
                    "institution", "gender", "cohort1")


@bp.get("/import/template.csv")
def import_template():
    require(current_user.is_authenticated and current_user.is_coordinator)
    cohorts = queries.manageable_cohorts(current_user, clock.today(clock.UTC))
    example = ("mgarcia", "maria.garcia@example.org", "María", "García", "MX", "es",
               "Secretaría de Seguridad", "female", cohorts[0].code if cohorts else "COHORT-CODE")
    buffer = io.StringIO()
    # The byte-order mark makes spreadsheet programs read the file as UTF-8 (accents intact).
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(TEMPLATE_COLUMNS)
    writer.writerow(example)
    return Response(buffer.getvalue().encode("utf-8"), mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="import-trainees-template.csv"'})
