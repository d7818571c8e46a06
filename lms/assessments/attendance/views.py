"""Attendance for in-person courses (PICAP): sessions, registers, the trainee's view.

The instructors of a cohort (and its coordinators) add sessions and take the
register; each save brings the attendance grades up to date. A trainee sees
their own attendance against the required percentage.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.assessments.attendance import queries, services
from lms.assessments.attendance.forms import SessionForm, register_form, status_choices
from lms.assessments.attendance.models import AttendanceStatus
from lms.cohorts.queries import enrolment_of
from lms.cohorts.schedule_zones import wall_day, wall_time, zone_label
from lms.errors import DomainError
from lms.i18n import current_locale
from lms.web.pages import page_number, percent, show_refusal
from lms.web.permissions import require

bp = Blueprint("attendance", __name__)


def _cohort(cohort_id: int):
    return queries.cohort_with_course(cohort_id) or abort(404)


@bp.route("/cohorts/<int:cohort_id>/attendance", methods=["GET", "POST"])
def sessions(cohort_id: int):
    cohort = _cohort(cohort_id)
    require(cohort.can_teach(current_user))
    form = SessionForm()
    status = 200
    if form.validate_on_submit():
        try:
            session = services.add_session(current_user, cohort, day=form.day.data,
                                           at=form.time.data, title=form.title.data or "")
        except DomainError as error:
            show_refusal(form, error)
            status = 422
        else:
            flash(_("Session added. You can take the register now."), "success")
            return redirect(url_for(".take", cohort_id=cohort.id, session_id=session.id))
    elif form.is_submitted():
        status = 422
    pagination, counts = queries.sessions_page(cohort, page_number())
    return render_template(
        "assessments/attendance_sessions.html", cohort=cohort, course=cohort.course,
        form=form, pagination=pagination, counts=counts, statuses=AttendanceStatus,
        planned=queries.scheduled_sessions(cohort),
        zone=cohort.zone_name, zone_label=zone_label(cohort.zone_name, current_locale()),
        wall_day=wall_day, wall_time=wall_time, locale=current_locale(),
        assessments=queries.attendance_assessments(cohort.course_id), percent=percent,
    ), status


@bp.post("/cohorts/<int:cohort_id>/attendance/planned/<int:scheduled_id>")
def register_for_planned(cohort_id: int, scheduled_id: int):
    """Open the register of a planned session, creating it the first time."""
    cohort = _cohort(cohort_id)
    require(cohort.can_teach(current_user))
    planned = queries.planned_in_cohort(cohort, scheduled_id) or abort(404)
    session = services.register_for(current_user, cohort, planned)
    return redirect(url_for(".take", cohort_id=cohort.id, session_id=session.id))


@bp.post("/cohorts/<int:cohort_id>/attendance/<int:session_id>/delete")
def delete_session(cohort_id: int, session_id: int):
    cohort = _cohort(cohort_id)
    require(cohort.can_teach(current_user))
    session = queries.session_in_cohort(cohort, session_id) or abort(404)
    services.delete_session(current_user, cohort, session)
    flash(_("Session deleted."), "success")
    return redirect(url_for(".sessions", cohort_id=cohort.id))


@bp.route("/cohorts/<int:cohort_id>/attendance/<int:session_id>", methods=["GET", "POST"])
def take(cohort_id: int, session_id: int):
    cohort = _cohort(cohort_id)
    require(cohort.can_teach(current_user))
    session = queries.session_in_cohort(cohort, session_id) or abort(404)
    pagination = queries.roster_page(cohort, page_number())
    enrolments = list(pagination.items)
    if request.method == "POST":
        # Only the trainees whose choice came back: someone enrolled since the page
        # was shown is left for the next register rather than marked present unseen.
        enrolments = [e for e in enrolments if f"status_{e.id}" in request.form]
    existing = queries.records_for(session, [e.id for e in enrolments])
    form = register_form(enrolments, existing)
    status = 200
    if form.validate_on_submit():
        try:
            services.take_attendance(current_user, session, {
                e.id: form[f"status_{e.id}"].data for e in enrolments})
        except DomainError as error:
            show_refusal(None, error)
            status = 422
        else:
            flash(_("Register saved."), "success")
            return redirect(url_for(".take", cohort_id=cohort.id, session_id=session.id,
                                    page=pagination.page if pagination.page > 1 else None))
    elif form.is_submitted():
        status = 422
    return render_template(
        "assessments/attendance_take.html", cohort=cohort, session=session,
        pagination=pagination, enrolments=enrolments, existing=existing, form=form,
        choices=status_choices()), status


@bp.get("/cohorts/<int:cohort_id>/attendance/mine")
def mine(cohort_id: int):
    cohort = _cohort(cohort_id)
    enrolment = enrolment_of(current_user, cohort.id)
    # Only the trainee's own seated enrolment: nobody reads another trainee's register here.
    require(enrolment is not None and enrolment.seated)
    pagination, records = queries.my_sessions(enrolment, page_number())
    counts = queries.tallies(cohort.id, [enrolment.id])[enrolment.id]
    assessments = [a for a in queries.attendance_assessments(cohort.course_id) if a.published]
    return render_template(
        "assessments/attendance_mine.html", cohort=cohort, course=cohort.course,
        pagination=pagination, records=records, counts=counts,
        attendance=services.attendance_percent(counts), assessments=assessments,
        grades=queries.grades_of(enrolment, assessments), labels=dict(status_choices()),
        statuses=AttendanceStatus, percent=percent)
