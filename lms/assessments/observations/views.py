"""Direct observation of skills (PROCCER): the checklist, the assessors' records, results.

Coordinators edit an observation assessment's checklist; the instructors of a
cohort record, per trainee, whether each item was met; the trainee reads their
own results. Each view checks one permission on the object it acts on.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.assessments.observations import queries, services
from lms.assessments.observations.forms import (
    ItemActionForm,
    ObservationItemForm,
    fill_item,
    item_translations,
    record_form,
    result_choices,
)
from lms.assessments.observations.models import ObservationItem
from lms.catalog.forms import other_locales
from lms.cohorts.queries import enrolment_of
from lms.errors import DomainError
from lms.kernel import clock
from lms.web.input import bounded_int, int_arg
from lms.web.pages import page_number, percent, show_refusal
from lms.web.permissions import require

bp = Blueprint("observations", __name__)


def _cohort_and_assessment(cohort_id: int, assessment_id: int):
    found = queries.cohort_and_assessment(cohort_id, assessment_id)
    if found is None:
        abort(404)
    return found


# ---------------------------------------------------------------- checklist editing

@bp.route("/manage/assessments/<int:assessment_id>/items", methods=["GET", "POST"])
def items(assessment_id: int):
    assessment = queries.observation_assessment(assessment_id) or abort(404)
    require(assessment.can_manage(current_user))
    locales = other_locales(assessment.course.language)
    checklist = queries.items_of(assessment)
    by_id = {item.id: item for item in checklist}
    form = ObservationItemForm()
    action_form = ItemActionForm()
    status = 200
    if request.method == "POST" and "action" in request.form:
        item = by_id.get(action_form.item_id.data or 0) if action_form.validate() else None
        if item is None:
            flash(_("This item is not on the checklist any more."), "error")
            status = 422
        else:
            return _item_action(assessment, item, action_form.action.data)
    elif request.method == "POST":
        if form.validate():
            return _save_item(assessment, form, by_id, locales)
        status = 422
    else:
        editing = by_id.get(int_arg("edit", 0) or 0)
        if editing is not None:
            fill_item(form, editing)
    editing_id = form.item_id.data if form.item_id.data else None
    return render_template(
        "assessments/observation_items.html", assessment=assessment, course=assessment.course,
        items=checklist, form=form, locales=locales, percent=percent,
        editing=by_id.get(bounded_int(editing_id)) if editing_id else None,
    ), status


def _item_action(assessment, item: ObservationItem, action: str):
    if action == "delete":
        services.delete_item(current_user, item)
        flash(_("Item deleted."), "success")
    else:
        services.move_item(current_user, item, action)
        flash(_("Order saved."), "success")
    return redirect(url_for(".items", assessment_id=assessment.id))


def _save_item(assessment, form: ObservationItemForm, by_id: dict, locales: list[str]):
    item_id = form.item_id.data
    # bounded_int, not str.isdigit: "²" is a digit that int() refuses.
    item = by_id.get(bounded_int(item_id)) if item_id else None
    if item_id and item is None:
        abort(404)  # not an item of this checklist
    translations = item_translations(form, locales)
    try:
        if item is None:
            services.add_item(current_user, assessment, text=form.text.data,
                              translations=translations)
            flash(_("Item added."), "success")
        else:
            services.update_item(current_user, item, text=form.text.data,
                                 translations=translations)
            flash(_("Item saved."), "success")
    except DomainError as error:
        show_refusal(form, error)
        return render_template(
            "assessments/observation_items.html", assessment=assessment,
            course=assessment.course, items=list(by_id.values()), form=form,
            locales=locales, editing=item, percent=percent), 422
    return redirect(url_for(".items", assessment_id=assessment.id))


# ---------------------------------------------------------------- instructors

@bp.get("/cohorts/<int:cohort_id>/observations/<int:assessment_id>")
def cohort(cohort_id: int, assessment_id: int):
    cohort, assessment = _cohort_and_assessment(cohort_id, assessment_id)
    require(cohort.can_teach(current_user))
    pagination, rows, total = queries.cohort_summary(cohort, assessment, page_number())
    return render_template(
        "assessments/observation_cohort.html", cohort=cohort, assessment=assessment,
        pagination=pagination, rows=rows, total=total, percent=percent,
        can_manage=assessment.can_manage(current_user))


@bp.route("/cohorts/<int:cohort_id>/observations/<int:assessment_id>/trainees/"
          "<int:enrolment_id>", methods=["GET", "POST"])
def record(cohort_id: int, assessment_id: int, enrolment_id: int):
    cohort, assessment = _cohort_and_assessment(cohort_id, assessment_id)
    require(cohort.can_teach(current_user))
    enrolment = queries.enrolment_in_cohort(cohort, enrolment_id) or abort(404)
    checklist = queries.items_of(assessment)
    existing = queries.observations_of(enrolment, checklist)
    today = clock.today(clock.UTC)
    form = record_form(checklist, existing, today)
    status = 200
    if form.validate_on_submit():
        entries = {item.id: services.ObservationEntry(
            result=form[f"result_{item.id}"].data,
            comment=form[f"comment_{item.id}"].data or "",
            observed_on=form[f"observed_on_{item.id}"].data) for item in checklist}
        try:
            grade = services.record_observations(current_user, assessment, enrolment,
                                                 entries, today=today)
        except DomainError as error:
            show_refusal(form, error)
            status = 422
        else:
            if grade is None:
                flash(_("Observations saved. The grade is given once every item is "
                        "observed."), "success")
            else:
                flash(_("Observations saved. Grade: %(percent)s.",
                        percent=percent(grade.percent)), "success")
            return redirect(url_for(".record", cohort_id=cohort.id,
                                    assessment_id=assessment.id, enrolment_id=enrolment.id))
    elif form.is_submitted():
        status = 422
    return render_template(
        "assessments/observation_record.html", cohort=cohort, assessment=assessment,
        enrolment=enrolment, items=checklist, existing=existing, form=form,
        choices=result_choices(), grade=queries.grade_of(assessment, enrolment),
        percent=percent), status


# ---------------------------------------------------------------- trainees

@bp.get("/cohorts/<int:cohort_id>/observations/<int:assessment_id>/mine")
def mine(cohort_id: int, assessment_id: int):
    cohort, assessment = _cohort_and_assessment(cohort_id, assessment_id)
    enrolment = enrolment_of(current_user, cohort.id)
    # Only the trainee's own seated enrolment: nobody reads another trainee's results here.
    require(enrolment is not None and enrolment.seated)
    if not assessment.published:
        abort(404)
    checklist = queries.items_of(assessment)
    return render_template(
        "assessments/observation_mine.html", cohort=cohort, assessment=assessment,
        items=checklist, existing=queries.observations_of(enrolment, checklist),
        labels=dict(result_choices()), grade=queries.grade_of(assessment, enrolment),
        percent=percent)

