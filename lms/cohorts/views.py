"""Pages of trainees and instructors: my learning, teaching, cohort, lessons, roster."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import format_percent
from flask_babel import gettext as _
from flask_login import current_user

from lms.catalog.markdown import render as render_markdown
from lms.cohorts import nomination_services, queries, services
from lms.cohorts.models import Cohort, EnrolmentStatus
from lms.errors import DomainError
from lms.extensions import db
from lms.i18n import current_locale
from lms.kernel import clock
from lms.web.pages import page_number
from lms.web.permissions import require

bp = Blueprint("cohorts", __name__)


def lesson_fallback(lesson, locale: str) -> str | None:
    """The language the lesson is shown in when ``locale`` lacks it, else None.

    ``Lesson.in_locale`` falls back field by field to the course's own language; a
    missing title or body (when the original has one) means the trainee reads that.
    """
    if locale == lesson.language:
        return None
    row = lesson.translation_for(locale)
    if row is None or not row.title or (lesson.body and not row.body):
        return lesson.language
    return None


@bp.get("/dashboard")
def dashboard():
    require(current_user.is_authenticated)
    return render_template(
        "cohorts/dashboard.html", rows=queries.dashboard(current_user.id),
        waiting=queries.my_waiting_lists(current_user.id),
        teaches=current_user.is_instructor or current_user.is_coordinator,
        format_percent=format_percent)


@bp.get("/teaching")
def teaching():
    require(current_user.is_authenticated
            and (current_user.is_instructor or current_user.is_coordinator))
    pagination = queries.teaching_cohorts(current_user, page_number())
    taken = queries.seats_taken([cohort.id for cohort in pagination.items])
    return render_template("cohorts/teaching.html", pagination=pagination, taken=taken)


@bp.get("/cohorts/<int:cohort_id>")
def cohort(cohort_id: int):
    cohort = queries.cohort_with_details(cohort_id) or abort(404)
    enrolment = queries.enrolment_of(current_user, cohort.id)
    require(cohort.can_view(current_user, enrolment))
    trainee = enrolment if enrolment is not None and enrolment.seated else None
    return render_template(
        "cohorts/cohort.html", cohort=cohort, course=cohort.course, enrolment=trainee,
        modules=queries.syllabus(cohort.course),
        completed=queries.completed_lesson_ids(trainee),
        can_teach=cohort.can_teach(current_user), can_manage=cohort.can_manage(current_user))


@bp.post("/cohorts/<int:cohort_id>/enrol")
def enrol(cohort_id: int):
    require(current_user.is_authenticated)
    cohort = db.get_or_404(Cohort, cohort_id)
    try:
        outcome = services.self_enrol(current_user, cohort, clock.today(clock.UTC))
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("catalog.course", code=cohort.course.code))
    if outcome in (services.EnrolOutcome.WAITLISTED, services.EnrolOutcome.ALREADY_WAITING):
        # No seat, so no cohort page: the course page shows the place and "Leave".
        position = queries.waitlist_positions(current_user.id, [cohort.id]).get(cohort.id)
        flash(_("You are number %(position)s on the waiting list.", position=position),
              "success" if outcome == services.EnrolOutcome.WAITLISTED else "info")
        return redirect(url_for("catalog.course", code=cohort.course.code))
    if outcome == services.EnrolOutcome.ENROLLED:
        flash(_("You are enrolled. Welcome!"), "success")
    else:
        flash(_("You are already enrolled in this cohort."), "info")
    return redirect(url_for(".cohort", cohort_id=cohort.id))


@bp.post("/cohorts/<int:cohort_id>/withdraw")
def withdraw(cohort_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    enrolment = queries.enrolment_of(current_user, cohort.id)
    require(enrolment is not None)
    waiting = enrolment.status == EnrolmentStatus.WAITLISTED
    try:
        # A nominee's leaving frees their country's seat too (nomination_services.leave).
        nomination_services.leave(current_user, enrolment, clock.today(clock.UTC))
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for(".cohort", cohort_id=cohort.id))
    if waiting:
        flash(_("You have left the waiting list of the cohort %(code)s.", code=cohort.code),
              "success")
        return redirect(url_for("catalog.course", code=cohort.course.code))
    flash(_("You have withdrawn from the cohort %(code)s.", code=cohort.code), "success")
    return redirect(url_for(".dashboard"))


@bp.get("/cohorts/<int:cohort_id>/lessons/<int:lesson_id>")
def lesson(cohort_id: int, lesson_id: int):
    cohort = queries.cohort_with_details(cohort_id) or abort(404)
    enrolment = queries.enrolment_of(current_user, cohort.id)
    require(cohort.can_view(current_user, enrolment))
    modules = queries.syllabus(cohort.course)
    sequence = queries.lesson_sequence(modules)
    index = next((i for i, item in enumerate(sequence) if item.id == lesson_id), None)
    if index is None:
        abort(404)  # not a lesson of this cohort's course
    lesson = sequence[index]
    trainee = enrolment if enrolment is not None and enrolment.seated else None
    if trainee is not None:
        services.record_visit(trainee, lesson)
    return render_template(
        "cohorts/lesson.html", cohort=cohort, course=cohort.course, lesson=lesson,
        module=lesson.module, body=render_markdown(lesson.in_locale("body")),
        previous=sequence[index - 1] if index > 0 else None,
        next=sequence[index + 1] if index + 1 < len(sequence) else None,
        enrolment=trainee, completed=lesson.id in queries.completed_lesson_ids(trainee),
        fallback=lesson_fallback(lesson, current_locale()))


@bp.post("/cohorts/<int:cohort_id>/lessons/<int:lesson_id>/complete")
def complete_lesson(cohort_id: int, lesson_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    enrolment = queries.enrolment_of(current_user, cohort.id)
    # Only a trainee holding a seat has lessons to complete.
    require(enrolment is not None and enrolment.seated)
    sequence = queries.lesson_sequence(queries.syllabus(cohort.course))
    index = next((i for i, item in enumerate(sequence) if item.id == lesson_id), None)
    if index is None:
        abort(404)
    services.complete_lesson(enrolment, sequence[index])
    flash(_("Lesson completed."), "success")
    if index + 1 < len(sequence):
        return redirect(url_for(".lesson", cohort_id=cohort.id, lesson_id=sequence[index + 1].id))
    return redirect(url_for(".cohort", cohort_id=cohort.id))


@bp.get("/cohorts/<int:cohort_id>/roster")
def roster(cohort_id: int):
    cohort = queries.cohort_with_details(cohort_id) or abort(404)
    require(cohort.can_teach(current_user))
    pagination, rows = queries.roster(cohort, page_number())
    return render_template("cohorts/roster.html", cohort=cohort, course=cohort.course,
                           pagination=pagination, rows=rows, format_percent=format_percent,
                           waiting=queries.waiting_list(cohort),
                           can_manage=cohort.can_manage(current_user))
