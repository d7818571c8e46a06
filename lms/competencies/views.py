"""Competency frameworks (coordinators) and competency sign-offs (assessors).

Coordinators of a program manage its frameworks, their competencies, and which
assessments and checklist items give evidence for them. The teachers of a cohort
see which competencies each trainee has met and sign them off (or withdraw a
sign-off). Each view checks one permission on the object it acts on.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.assessments.models import AssessmentKind
from lms.catalog.forms import fill_translations, translation_data
from lms.competencies import queries, services
from lms.competencies.forms import (
    COMPETENCY_TRANSLATED,
    FRAMEWORK_TRANSLATED,
    AdaptForm,
    CompetencyForm,
    EvidenceForm,
    FrameworkForm,
    NewFrameworkForm,
    RemoveEvidenceForm,
    SignoffForm,
    WithdrawForm,
    competency_choices,
    item_mapping_form,
)
from lms.competencies.models import Evidence
from lms.errors import DomainError
from lms.extensions import db
from lms.i18n import LANGUAGES
from lms.web.pages import page_number, percent, show_refusal
from lms.web.permissions import require

bp = Blueprint("competencies", __name__)


def _others(language: str) -> list[str]:
    return [code for code in LANGUAGES if code != language]


# ---------------------------------------------------------------- frameworks

@bp.get("/manage/frameworks")
def frameworks():
    require(current_user.is_authenticated and current_user.is_coordinator)
    pagination = queries.frameworks_page(current_user, page_number())
    return render_template("competencies/frameworks.html", pagination=pagination)


@bp.route("/manage/frameworks/new", methods=["GET", "POST"])
def new_framework():
    require(current_user.is_authenticated and current_user.is_coordinator)
    programs = queries.managed_programs(current_user)
    form = NewFrameworkForm(programs=programs)
    status = 200
    if form.validate_on_submit():
        program = next((p for p in programs if p.id == form.program_id.data), None)
        require(program is not None and program.can_manage(current_user))
        locales = _others(form.language.data)
        try:
            framework = services.create_framework(
                current_user, program=program, code=form.code.data,
                language=form.language.data, title=form.title.data,
                description=form.description.data, country=form.country.data,
                translations=translation_data(form, FRAMEWORK_TRANSLATED, locales))
        except DomainError as error:
            show_refusal(form, error)
            status = 422
        else:
            flash(_("Framework created."), "success")
            return redirect(url_for(".framework", framework_id=framework.id))
    elif form.is_submitted():
        status = 422
    return render_template("competencies/framework_new.html", form=form), status


def _framework_page(framework, form, competency_form, adapt_form, status: int = 200):
    return render_template(
        "competencies/framework.html", framework=framework, form=form,
        competency_form=competency_form, adapt_form=adapt_form,
        locales=_others(framework.language), adaptations=queries.adaptations_of(framework),
        attributes=FRAMEWORK_TRANSLATED, competency_attributes=COMPETENCY_TRANSLATED,
    ), status


@bp.route("/manage/frameworks/<int:framework_id>", methods=["GET", "POST"])
def framework(framework_id: int):
    """Edit the framework (``form=framework``) or add a competency (``form=competency``)."""
    framework = queries.framework(framework_id) or abort(404)
    require(framework.can_manage(current_user))
    form = FrameworkForm(prefix="fw", obj=None if request.method == "POST" else framework)
    competency_form = CompetencyForm(prefix="new")
    adapt_form = AdaptForm(prefix="adapt", formdata=None)
    if request.method == "GET":
        fill_translations(form, framework, FRAMEWORK_TRANSLATED)
        form.country.data = framework.country or ""
        return _framework_page(framework, form, competency_form, adapt_form)
    which = request.form.get("form")
    if which == "competency":
        form = FrameworkForm(prefix="fw", formdata=None, obj=framework)
        fill_translations(form, framework, FRAMEWORK_TRANSLATED)
        if not competency_form.validate_on_submit():
            return _framework_page(framework, form, competency_form, adapt_form, 422)
        try:
            services.add_competency(
                current_user, framework, code=competency_form.code.data,
                title=competency_form.title.data,
                description=competency_form.description.data,
                position=competency_form.position.data,
                translations=translation_data(competency_form, COMPETENCY_TRANSLATED,
                                              _others(framework.language)))
        except DomainError as error:
            show_refusal(competency_form, error)
            return _framework_page(framework, form, competency_form, adapt_form, 422)
        flash(_("Competency added."), "success")
        return redirect(url_for(".framework", framework_id=framework.id))
    competency_form = CompetencyForm(prefix="new", formdata=None)
    if not form.validate_on_submit():
        return _framework_page(framework, form, competency_form, adapt_form, 422)
    try:
        services.update_framework(
            current_user, framework, code=form.code.data, language=form.language.data,
            title=form.title.data, description=form.description.data,
            country=form.country.data,
            translations=translation_data(form, FRAMEWORK_TRANSLATED,
                                          _others(form.language.data)))
    except DomainError as error:
        show_refusal(form, error)
        return _framework_page(framework, form, competency_form, adapt_form, 422)
    flash(_("Framework saved."), "success")
    return redirect(url_for(".framework", framework_id=framework.id))


@bp.post("/manage/frameworks/<int:framework_id>/adapt")
def adapt(framework_id: int):
    framework = queries.framework(framework_id) or abort(404)
    require(framework.can_manage(current_user))
    adapt_form = AdaptForm(prefix="adapt")
    if adapt_form.validate_on_submit():
        try:
            copy = services.adapt_framework(current_user, framework,
                                            country=adapt_form.country.data,
                                            code=adapt_form.code.data)
        except DomainError as error:
            show_refusal(adapt_form, error)
        else:
            flash(_("Adaptation created. Edit it to suit the country."), "success")
            return redirect(url_for(".framework", framework_id=copy.id))
    form = FrameworkForm(prefix="fw", formdata=None, obj=framework)
    fill_translations(form, framework, FRAMEWORK_TRANSLATED)
    return _framework_page(framework, form, CompetencyForm(prefix="new", formdata=None),
                           adapt_form, 422)


# ---------------------------------------------------------------- competencies

@bp.route("/manage/competencies/<int:competency_id>", methods=["GET", "POST"])
def competency(competency_id: int):
    competency = queries.competency(competency_id) or abort(404)
    require(competency.can_manage(current_user))
    locales = _others(competency.framework.language)
    form = CompetencyForm(obj=None if request.method == "POST" else competency)
    status = 200
    if request.method == "GET":
        fill_translations(form, competency, COMPETENCY_TRANSLATED)
    elif form.validate_on_submit():
        try:
            services.update_competency(
                current_user, competency, code=form.code.data, title=form.title.data,
                description=form.description.data, position=form.position.data,
                translations=translation_data(form, COMPETENCY_TRANSLATED, locales))
        except DomainError as error:
            show_refusal(form, error)
            status = 422
        else:
            flash(_("Competency saved."), "success")
            return redirect(url_for(".framework", framework_id=competency.framework_id))
    else:
        status = 422
    return render_template(
        "competencies/competency.html", competency=competency, form=form, locales=locales,
        attributes=COMPETENCY_TRANSLATED,
        in_use=services.competency_in_use(competency)), status


@bp.post("/manage/competencies/<int:competency_id>/delete")
def delete_competency(competency_id: int):
    competency = queries.competency(competency_id) or abort(404)
    require(competency.can_manage(current_user))
    framework_id = competency.framework_id
    # CSRFProtect has checked the token of this button's form.
    try:
        services.delete_competency(current_user, competency)
    except DomainError as error:
        flash(error.message, "error")
        return render_template(
            "competencies/competency.html", competency=competency,
            form=CompetencyForm(formdata=None, obj=competency),
            locales=_others(competency.framework.language),
            attributes=COMPETENCY_TRANSLATED, in_use=True), 422
    flash(_("Competency deleted."), "success")
    return redirect(url_for(".framework", framework_id=framework_id))


# ---------------------------------------------------------------- evidence mapping

@bp.route("/manage/assessments/<int:assessment_id>/competencies", methods=["GET", "POST"])
def evidence(assessment_id: int):
    assessment = queries.assessment(assessment_id) or abort(404)
    require(assessment.can_manage(current_user))
    competencies = queries.program_competencies(assessment.course.program_id)
    by_id = {c.id: c for c in competencies}
    choices = competency_choices(competencies)
    items = (queries.items_of(assessment)
             if assessment.kind == AssessmentKind.OBSERVATION else [])
    action = request.form.get("action") if request.method == "POST" else None
    evidence_form = EvidenceForm(formdata=request.form if action == "set" else None)
    evidence_form.competency_id.choices = choices
    items_form = item_mapping_form(
        items, choices, formdata=request.form if action == "items" else None)
    status = 200
    if action == "set":
        if evidence_form.validate_on_submit():
            try:
                services.set_evidence(current_user, assessment,
                                      by_id[evidence_form.competency_id.data],
                                      evidence_form.min_score.data)
            except DomainError as error:
                show_refusal(evidence_form, error)
                status = 422
            else:
                flash(_("Evidence saved."), "success")
                return redirect(request.path)
        else:
            status = 422
    elif action == "remove":
        remove_form = RemoveEvidenceForm()
        row = (db.session.get(Evidence, (assessment.id, remove_form.competency_id.data))
               if remove_form.validate_on_submit() else None)
        if row is None:
            flash(_("This mapping does not exist any more."), "error")
            status = 422
        else:
            services.remove_evidence(current_user, row)
            flash(_("Evidence removed."), "success")
            return redirect(request.path)
    elif action == "items":
        if items_form.validate_on_submit():
            try:
                for item in items:
                    chosen = items_form[f"item_{item.id}"].data
                    services.map_item(current_user, item, by_id.get(chosen) if chosen else None)
            except DomainError as error:
                flash(error.message, "error")
                status = 422
            else:
                flash(_("Checklist competencies saved."), "success")
                return redirect(request.path)
        else:
            status = 422
    elif request.method == "POST":
        abort(400)
    return render_template(
        "competencies/evidence.html", assessment=assessment, course=assessment.course,
        mappings=queries.evidence_of(assessment), evidence_form=evidence_form,
        items=items, items_form=items_form, has_competencies=bool(competencies),
        percent=percent), status


# ---------------------------------------------------------------- assessors

def _cohort(cohort_id: int):
    cohort = queries.cohort(cohort_id) or abort(404)
    require(cohort.can_teach(current_user))
    return cohort


@bp.get("/cohorts/<int:cohort_id>/competencies")
def cohort(cohort_id: int):
    cohort = _cohort(cohort_id)
    competencies = queries.relevant_competencies(cohort.course)
    pagination, rows = queries.cohort_matrix(cohort, competencies, page_number())
    return render_template("competencies/cohort.html", cohort=cohort,
                           competencies=competencies, pagination=pagination, rows=rows)


def _trainee_page(cohort, enrolment, signoff_form=None, withdraw_form=None,
                  status: int = 200):
    competencies = queries.relevant_competencies(cohort.course)
    records = queries.trainee_record(enrolment.user_id, competencies)
    if signoff_form is None:
        signoff_form = SignoffForm(formdata=None)
    signoff_form.competency_id.choices = competency_choices(
        [r.competency for r in records if r.active_signoff is None])
    return render_template(
        "competencies/trainee.html", cohort=cohort, enrolment=enrolment, records=records,
        signoff_form=signoff_form, withdraw_form=withdraw_form or WithdrawForm(formdata=None),
        percent=percent), status


@bp.get("/cohorts/<int:cohort_id>/competencies/<int:enrolment_id>")
def trainee(cohort_id: int, enrolment_id: int):
    cohort = _cohort(cohort_id)
    enrolment = queries.enrolment_in_cohort(cohort, enrolment_id) or abort(404)
    return _trainee_page(cohort, enrolment)


@bp.post("/cohorts/<int:cohort_id>/competencies/<int:enrolment_id>/signoff")
def signoff(cohort_id: int, enrolment_id: int):
    cohort = _cohort(cohort_id)
    enrolment = queries.enrolment_in_cohort(cohort, enrolment_id) or abort(404)
    relevant = {c.id: c for c in queries.relevant_competencies(cohort.course)}
    form = SignoffForm()
    form.competency_id.choices = [(c, "") for c in relevant]
    if form.validate_on_submit():
        try:
            services.sign_off(current_user, enrolment, relevant[form.competency_id.data],
                              form.note.data)
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(_("Competency signed off."), "success")
            return redirect(url_for(".trainee", cohort_id=cohort.id,
                                    enrolment_id=enrolment.id))
    return _trainee_page(cohort, enrolment, signoff_form=form, status=422)


@bp.post("/cohorts/<int:cohort_id>/competencies/<int:enrolment_id>/withdraw/"
         "<int:signoff_id>")
def withdraw(cohort_id: int, enrolment_id: int, signoff_id: int):
    cohort = _cohort(cohort_id)
    enrolment = queries.enrolment_in_cohort(cohort, enrolment_id) or abort(404)
    signoff = queries.signoff_of(enrolment.user_id, signoff_id) or abort(404)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            services.withdraw_signoff(current_user, signoff, form.note.data)
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(_("Sign-off withdrawn."), "success")
            return redirect(url_for(".trainee", cohort_id=cohort.id,
                                    enrolment_id=enrolment.id))
    if form.note.errors:
        flash(_("Say why the sign-off is withdrawn."), "error")
    return _trainee_page(cohort, enrolment, withdraw_form=form, status=422)
