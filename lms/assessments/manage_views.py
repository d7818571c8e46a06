"""Managing a course's assessments: list, create, edit, and a cohort's own window.

The coordinators of the course's program (and admins) manage; each view checks
``can_manage`` once on the course the assessment belongs to.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from lms.assessments import manage_services as services
from lms.assessments.grades import window_for
from lms.assessments.manage_forms import KIND_FIELDS, TRANSLATED, AssessmentForm, CohortWindowForm
from lms.assessments.models import Assessment, AssessmentKind, AssessmentWindow
from lms.catalog.models import Course
from lms.cohorts.models import Cohort
from lms.cohorts.queries import cohorts_for_course
from lms.errors import DomainError
from lms.extensions import db
from lms.i18n import LANGUAGES
from lms.kernel import clock
from lms.web.pages import show_refusal
from lms.web.permissions import require

bp = Blueprint("assessments_manage", __name__, url_prefix="/manage")

# Where each kind's own content is edited (questions, rubric, checklist).
EDITORS = {
    AssessmentKind.QUIZ: "quizzes_manage.quiz_questions",
    AssessmentKind.ASSIGNMENT: "assignments.rubric",
    AssessmentKind.OBSERVATION: "observations.items",
}


def _editor(assessment: Assessment) -> str:
    if assessment.kind not in EDITORS:
        return ""
    return url_for(EDITORS[assessment.kind], assessment_id=assessment.id)


def _course(course_id: int) -> Course:
    course = db.session.scalars(select(Course).where(Course.id == course_id)
                                .options(selectinload(Course.translations))).first()
    if course is None:
        abort(404)
    return course


def _assessment(assessment_id: int) -> Assessment:
    assessment = db.session.scalars(
        select(Assessment).where(Assessment.id == assessment_id)
        .options(joinedload(Assessment.course), selectinload(Assessment.translations))).first()
    if assessment is None:
        abort(404)
    return assessment


def _locales(language: str) -> list[str]:
    return [code for code in LANGUAGES if code != language]


def _data(form: AssessmentForm, locales: list[str]) -> services.AssessmentData:
    return services.AssessmentData(
        title=form.title.data or "", instructions=form.instructions.data or "",
        pass_mark=form.pass_mark.data, weight=form.weight.data,
        required=form.required.data, published=form.published.data,
        position=form.position.data, opens_at=form.opens_at.data, due_at=form.due_at.data,
        attempts_allowed=form.attempts_allowed.data,
        time_limit_minutes=form.time_limit_minutes.data,
        shuffle_questions=form.shuffle_questions.data,
        review_allowed=form.review_allowed.data,
        accepts_text=form.accepts_text.data, accepts_file=form.accepts_file.data,
        test_role=form.test_role.data or None,
        translations={locale: {name: (form[f"{name}_{locale}"].data or "").strip()
                               for name in TRANSLATED} for locale in locales})


def _render_form(form: AssessmentForm, course: Course, kind: str, assessment, status: int):
    return render_template(
        "assessments/manage_form.html", form=form, course=course, kind=kind,
        kind_title=AssessmentKind(kind).title, assessment=assessment,
        kind_fields=KIND_FIELDS[kind], locales=_locales(course.language),
        editor=_editor(assessment) if assessment else "",
        cohorts=cohorts_for_course(course.id, clock.today(clock.UTC), include_past=True)
        if assessment else [],
        windows=_windows(assessment) if assessment else {}), status


def _windows(assessment: Assessment) -> dict[int, AssessmentWindow]:
    rows = db.session.scalars(select(AssessmentWindow)
                              .where(AssessmentWindow.assessment_id == assessment.id))
    return {row.cohort_id: row for row in rows}


@bp.get("/courses/<int:course_id>/assessments", endpoint="list")
def list_assessments(course_id: int):
    course = _course(course_id)
    require(course.can_manage(current_user))
    assessments = db.session.scalars(
        select(Assessment).where(Assessment.course_id == course.id)
        .options(selectinload(Assessment.translations))
        .order_by(Assessment.position, Assessment.id)).all()
    return render_template("assessments/manage_list.html", course=course,
                           assessments=assessments, kinds=list(AssessmentKind),
                           format_decimal=format_decimal, as_utc=clock.as_utc)


@bp.route("/courses/<int:course_id>/assessments/new", methods=["GET", "POST"])
def new(course_id: int):
    course = _course(course_id)
    require(course.can_manage(current_user))
    kind = request.args.get("kind", "")
    if not kind and request.method == "GET":
        return render_template("assessments/manage_choose_kind.html", course=course,
                               kinds=list(AssessmentKind))
    if kind not in KIND_FIELDS:
        abort(404)
    form = AssessmentForm()
    locales = _locales(course.language)
    if not form.is_submitted() and kind != AssessmentKind.QUIZ:
        form.attempts_allowed.data = None
    elif not form.is_submitted():
        form.attempts_allowed.data = 1
    if form.validate_on_submit():
        try:
            assessment = services.create_assessment(current_user, course, kind,
                                                    _data(form, locales))
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(_("Assessment %(title)s created.", title=assessment.title), "success")
            return redirect(url_for(".edit", assessment_id=assessment.id))
    return _render_form(form, course, kind, None, 422 if form.is_submitted() else 200)


@bp.route("/assessments/<int:assessment_id>", methods=["GET", "POST"])
def edit(assessment_id: int):
    assessment = _assessment(assessment_id)
    course = assessment.course
    require(course.can_manage(current_user))
    locales = _locales(course.language)
    form = AssessmentForm(obj=assessment)
    if not form.is_submitted():
        form.opens_at.data = _naive(assessment.opens_at)
        form.due_at.data = _naive(assessment.due_at)
        for row in assessment.translations:
            if row.locale in LANGUAGES:
                for name in TRANSLATED:
                    form[f"{name}_{row.locale}"].data = getattr(row, name) or ""
    if form.validate_on_submit():
        try:
            services.update_assessment(current_user, assessment, _data(form, locales))
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(_("Assessment saved."), "success")
            return redirect(url_for(".edit", assessment_id=assessment.id))
    return _render_form(form, course, assessment.kind, assessment,
                        422 if form.is_submitted() else 200)


def _naive(moment):
    """A stored UTC moment as the datetime-local input shows it."""
    moment = clock.as_utc(moment)
    return None if moment is None else moment.replace(tzinfo=None)


@bp.route("/assessments/<int:assessment_id>/cohorts/<int:cohort_id>", methods=["GET", "POST"])
def window(assessment_id: int, cohort_id: int):
    assessment = _assessment(assessment_id)
    require(assessment.course.can_manage(current_user))
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or cohort.course_id != assessment.course_id:
        abort(404)
    form = CohortWindowForm()
    if not form.is_submitted():
        current = db.session.get(AssessmentWindow, (assessment.id, cohort.id))
        if current is not None:
            form.opens_at.data = _naive(current.opens_at)
            form.due_at.data = _naive(current.due_at)
    if form.validate_on_submit():
        try:
            services.set_window(current_user, assessment, cohort, form.opens_at.data,
                                form.due_at.data)
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(_("Dates of %(code)s saved.", code=cohort.code), "success")
            return redirect(url_for(".edit", assessment_id=assessment.id))
    opens_at, due_at = window_for(assessment, cohort)
    page = render_template(
        "assessments/manage_window.html", form=form, assessment=assessment, cohort=cohort,
        course_opens=clock.as_utc(assessment.opens_at), course_due=clock.as_utc(assessment.due_at),
        opens_at=clock.as_utc(opens_at), due_at=clock.as_utc(due_at))
    return page, 422 if form.is_submitted() else 200
