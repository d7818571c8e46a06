"""Evaluation pages: coordinators edit a program's questionnaires; trainees answer the
end-of-course one from the cohort page and the follow-up one from a mailed link.

Each view checks one permission on the object it acts on. The follow-up page needs
no sign-in: the signed link is the permission.
"""

from __future__ import annotations

from contextlib import nullcontext

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from lms.catalog.models import Program
from lms.cohorts.queries import enrolment_of
from lms.errors import DomainError
from lms.evaluations import queries, services
from lms.evaluations.followup import LINK_MAX_AGE, LinkProblem, enrolment_for_token
from lms.evaluations.forms import (
    ItemActionForm,
    ItemForm,
    SettingsForm,
    answer_form,
    answers_of,
    fill_item,
    item_translations,
    likert_choices,
)
from lms.evaluations.models import EvaluationKind, EvaluationTemplate
from lms.evaluations.queries import FINISHED
from lms.extensions import db
from lms.i18n import LANGUAGES
from lms.web.input import bounded_int, int_arg
from lms.web.pages import show_refusal
from lms.web.permissions import require

bp = Blueprint("evaluations", __name__)

KINDS = "any(end, followup)"


# ---------------------------------------------------------------- coordinators

def _template(program_id: int, kind: str) -> EvaluationTemplate:
    program = db.session.get(Program, program_id) or abort(404)
    require(program.can_manage(current_user))
    return queries.template_of(program.id, kind) or services.template_for(program, kind)


def _render_template_page(template: EvaluationTemplate, form: ItemForm,
                          settings: SettingsForm, editing=None, status: int = 200):
    program = template.program
    return render_template(
        "evaluations/template.html", template=template, program=program,
        kinds=list(EvaluationKind), form=form, settings=settings, editing=editing,
        items=template.current_items, retired=[i for i in template.items if i.retired],
        locales=[code for code in LANGUAGES if code != program.language],
        language=LANGUAGES.get(program.language, program.language)), status


@bp.route(f"/manage/programs/<int:program_id>/evaluations/<{KINDS}:kind>",
          methods=["GET", "POST"])
def edit_template(program_id: int, kind: str):
    template = _template(program_id, kind)
    by_id = {item.id: item for item in template.items}
    form = ItemForm()
    settings = SettingsForm(data={"anonymous": template.anonymous,
                                  "followup_months": template.followup_months})
    if request.method == "GET":
        editing = by_id.get(int_arg("edit", 0) or 0)
        if editing is not None and not editing.retired:
            fill_item(form, editing)
        return _render_template_page(template, form, settings, editing)
    back = redirect(url_for(".edit_template", program_id=program_id, kind=kind))
    action = request.form.get("form")
    if action == "settings":
        settings = SettingsForm()
        if settings.validate():
            try:
                services.update_settings(current_user, template,
                                         anonymous=settings.anonymous.data,
                                         followup_months=settings.followup_months.data)
            except DomainError as error:
                show_refusal(settings, error)
            else:
                flash(_("Settings saved."), "success")
                return back
        return _render_template_page(template, form, settings, status=422)
    if action == "item-action":
        action_form = ItemActionForm()
        item = by_id.get(action_form.item_id.data or 0) if action_form.validate() else None
        if item is None or item.retired:
            flash(_("This item is not on the questionnaire any more."), "error")
            return _render_template_page(template, form, settings, status=422)
        if action_form.action.data == "remove":
            if services.remove_item(current_user, item):
                flash(_("The item has answers, so it was retired: new forms leave it out "
                        "and its answers stay in the reports."), "success")
            else:
                flash(_("Item deleted."), "success")
        else:
            services.move_item(current_user, item, action_form.action.data)
            flash(_("Order saved."), "success")
        return back
    # Add or edit an item.
    item_id = form.item_id.data
    item = by_id.get(bounded_int(item_id)) if item_id else None
    if item_id and (item is None or item.retired):
        abort(404)  # not a current item of this questionnaire
    if form.validate():
        locales = [code for code in LANGUAGES if code != template.program.language]
        translations = item_translations(form, locales)
        try:
            if item is None:
                services.add_item(current_user, template, kind=form.kind.data,
                                  text=form.text.data, translations=translations)
                flash(_("Item added."), "success")
            else:
                services.update_item(current_user, item, text=form.text.data,
                                     translations=translations)
                flash(_("Item saved."), "success")
        except DomainError as error:
            show_refusal(form, error)
        else:
            return back
    return _render_template_page(template, form, settings, item, status=422)


# ---------------------------------------------------------------- answering

@bp.route("/cohorts/<int:cohort_id>/evaluation", methods=["GET", "POST"])
def evaluate(cohort_id: int):
    cohort = queries.cohort_with_course(cohort_id) or abort(404)
    enrolment = enrolment_of(current_user, cohort.id)
    # Only the person's own finished enrolment: nobody answers for another.
    require(enrolment is not None and enrolment.status in FINISHED)
    program = cohort.course.program
    template = (queries.template_of(program.id, EvaluationKind.END)
                or services.template_for(program, EvaluationKind.END))
    return _answer(template, enrolment, cohort,
                   url_for(".evaluate", cohort_id=cohort.id),
                   url_for("cohorts.cohort", cohort_id=cohort.id))


@bp.route("/evaluations/followup/<token>", methods=["GET", "POST"])
def followup(token: str):
    try:
        enrolment = enrolment_for_token(token)
    except LinkProblem as problem:
        if problem.reason == "expired":
            message = _("This survey link has expired. Thank you all the same: the survey "
                        "is open for %(days)d days after it is sent.", days=LINK_MAX_AGE.days)
        else:
            message = _("This survey link is not valid. Check that you copied the whole "
                        "link from the message.")
        return render_template("evaluations/link_problem.html", message=message), (
            410 if problem.reason == "expired" else 404)
    cohort = enrolment.cohort
    program = cohort.course.program
    template = (queries.template_of(program.id, EvaluationKind.FOLLOWUP)
                or services.template_for(program, EvaluationKind.FOLLOWUP))
    # The visitor is not signed in: the page speaks the language the mail was written in.
    language = enrolment.user.locale if enrolment.user.locale in LANGUAGES else None
    with force_locale(language) if language else nullcontext():
        return _answer(template, enrolment, cohort, url_for(".followup", token=token), None)


def _answer(template: EvaluationTemplate, enrolment, cohort, action: str, back: str | None):
    items = template.current_items
    already = services.answered(enrolment.id, template.kind)
    form = answer_form(items)
    page = {"template": template, "cohort": cohort, "items": items, "action": action,
            "back": back, "choices": likert_choices()}
    if request.method == "GET" or already:
        if already and request.method == "POST":
            flash(_("You have already answered this questionnaire; your answers were not "
                    "changed."), "error")
        return render_template("evaluations/answer.html", form=None if already else form,
                               done=already, **page), (409 if already and request.method
                                                       == "POST" else 200)
    if form.validate_on_submit():
        try:
            services.submit(enrolment, template, answers_of(form, items))
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(_("Thank you: your answers were recorded."), "success")
            return redirect(back or action)
    return render_template("evaluations/answer.html", form=form, done=False, **page), 422
