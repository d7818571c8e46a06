"""Managing the catalog: programs, courses, modules and lessons.

Program coordinators manage the courses of their programs; admins manage all and
create programs. Each view checks one permission on the object it acts on.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.catalog import queries, services
from lms.catalog.forms import (
    COURSE_TRANSLATED,
    LESSON_TRANSLATED,
    MODULE_TRANSLATED,
    PROGRAM_TRANSLATED,
    CourseEditForm,
    CourseForm,
    LessonForm,
    ModuleForm,
    NewProgramForm,
    ProgramForm,
    fill_translations,
    other_locales,
    translation_data,
)
from lms.catalog.markdown import render as render_markdown
from lms.catalog.models import Course, Lesson, Module, Program
from lms.errors import DomainError
from lms.extensions import db
from lms.i18n import normalise_language
from lms.kernel import events
from lms.web.input import int_arg
from lms.web.pages import page_number, show_refusal
from lms.web.permissions import require

bp = Blueprint("catalog_manage", __name__, url_prefix="/manage")


def _is_coordinator() -> bool:
    return current_user.is_authenticated and current_user.is_coordinator


def _is_admin() -> bool:
    return current_user.is_authenticated and current_user.is_admin


def _get(model, object_id: int):
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


# ---------------------------------------------------------------- courses list

@bp.get("/courses")
def courses():
    require(_is_coordinator())
    return render_template("catalog/manage_courses.html",
                           page=queries.managed_courses(current_user, page_number()),
                           programs=queries.managed_programs(current_user))


# ---------------------------------------------------------------- programs

@bp.get("/programs")
def programs():
    require(_is_coordinator())
    return render_template("catalog/manage_programs.html",
                           programs=queries.managed_programs(current_user),
                           can_create=current_user.is_admin)


@bp.route("/programs/new", methods=["GET", "POST"])
def new_program():
    require(_is_admin())
    form = NewProgramForm()
    if form.validate_on_submit():
        try:
            # Translations come next, on the edit page, once the language is settled.
            program = services.create_program(
                current_user, code=form.code.data, name=form.name.data,
                description=form.description.data,
                certificate_prefix=form.certificate_prefix.data, language=form.language.data)
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(_("Program %(name)s created. You can add its translations now.",
                    name=program.name), "success")
            return redirect(url_for(".edit_program", program_id=program.id))
    status = 422 if form.is_submitted() else 200
    return render_template("catalog/program_form.html", form=form, program=None,
                           locales=[]), status


@bp.route("/programs/<int:program_id>", methods=["GET", "POST"])
def edit_program(program_id: int):
    program = _get(Program, program_id)
    require(program.can_manage(current_user))
    form = ProgramForm(obj=program)
    # Translations shown are those of the locales other than the language the page
    # was rendered with; only those are read back.
    locales = other_locales(program.language)
    if form.validate_on_submit():
        try:
            services.update_program(
                current_user, program, name=form.name.data,
                description=form.description.data,
                certificate_prefix=form.certificate_prefix.data, language=form.language.data,
                translations=translation_data(
                    form, PROGRAM_TRANSLATED,
                    [locale for locale in locales if locale != form.language.data]))
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(_("Program saved."), "success")
            return redirect(url_for(".edit_program", program_id=program.id))
    elif not form.is_submitted():
        fill_translations(form, program, PROGRAM_TRANSLATED)
    status = 422 if form.is_submitted() else 200
    return render_template("catalog/program_form.html", form=form, program=program,
                           locales=locales), status


# ---------------------------------------------------------------- courses

def _program_choice(form: CourseForm) -> Program:
    """The program picked in the form; the choices only list the user's programs."""
    program = db.session.get(Program, form.program_id.data)
    require(program is not None and program.can_manage(current_user))
    return program


@bp.route("/courses/new", methods=["GET", "POST"])
def new_course():
    require(_is_coordinator())
    programs = queries.managed_programs(current_user)
    form = CourseForm(programs=programs)
    if not form.is_submitted():
        preselect = int_arg("program_id")
        if preselect in {p.id for p in programs}:
            form.program_id.data = preselect
    if form.validate_on_submit():
        try:
            course = services.create_course(
                current_user, program=_program_choice(form), code=form.code.data,
                title=form.title.data, summary=form.summary.data, hours=form.hours.data,
                modality=form.modality.data, language=form.language.data)
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(_("Course %(code)s created. Add modules and lessons, then publish it.",
                    code=course.code), "success")
            return redirect(url_for(".edit_course", course_id=course.id))
    status = 422 if form.is_submitted() else 200
    return render_template("catalog/course_new.html", form=form), status


def _render_edit_course(course: Course, form: CourseEditForm, status: int = 200):
    return render_template(
        "catalog/course_edit.html", course=course, form=form,
        locales=other_locales(course.language),
        # Higher floors add their sections (the course's cohorts) without being imported.
        sections=events.answers(events.course_management_sections, course)), status


@bp.route("/courses/<int:course_id>", methods=["GET", "POST"])
def edit_course(course_id: int):
    course = queries.course_by_id(course_id)
    if course is None:
        abort(404)
    require(course.can_manage(current_user))
    form = CourseEditForm(obj=course, programs=queries.managed_programs(current_user))
    locales = other_locales(course.language)
    if form.validate_on_submit():
        try:
            services.update_course(
                current_user, course, program=_program_choice(form), code=form.code.data,
                title=form.title.data, summary=form.summary.data, hours=form.hours.data,
                modality=form.modality.data, language=form.language.data,
                translations=translation_data(
                    form, COURSE_TRANSLATED,
                    [locale for locale in locales if locale != form.language.data]))
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(_("Course saved."), "success")
            return redirect(url_for(".edit_course", course_id=course.id))
    elif not form.is_submitted():
        fill_translations(form, course, COURSE_TRANSLATED)
    return _render_edit_course(course, form, 422 if form.is_submitted() else 200)


@bp.post("/courses/<int:course_id>/publish")
def publish_course(course_id: int):
    course = queries.course_by_id(course_id)
    if course is None:
        abort(404)
    require(course.can_manage(current_user))
    # CSRFProtect has already checked the token of this POST.
    published = request.form.get("published") == "1"
    try:
        services.set_published(current_user, course, published)
    except DomainError as error:
        show_refusal(None, error)
        edit_form = CourseEditForm(obj=course, formdata=None,
                                   programs=queries.managed_programs(current_user))
        fill_translations(edit_form, course, COURSE_TRANSLATED)
        return _render_edit_course(course, edit_form, 422)
    if published:
        flash(_("Course %(code)s is published.", code=course.code), "success")
    else:
        flash(_("Course %(code)s is no longer published.", code=course.code), "success")
    return redirect(url_for(".edit_course", course_id=course.id))


# ---------------------------------------------------------------- modules

@bp.route("/courses/<int:course_id>/modules/new", methods=["GET", "POST"])
def new_module(course_id: int):
    course = _get(Course, course_id)
    require(course.can_manage(current_user))
    form = ModuleForm()
    locales = other_locales(course.language)
    if form.validate_on_submit():
        try:
            services.create_module(
                current_user, course, title=form.title.data, position=form.position.data,
                translations=translation_data(form, MODULE_TRANSLATED, locales))
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(_("Module added."), "success")
            return redirect(url_for(".edit_course", course_id=course.id))
    status = 422 if form.is_submitted() else 200
    return render_template("catalog/module_form.html", form=form, course=course, module=None,
                           locales=locales), status


@bp.route("/modules/<int:module_id>", methods=["GET", "POST"])
def edit_module(module_id: int):
    module = queries.module_for_editing(module_id)
    if module is None:
        abort(404)
    require(module.can_manage(current_user))
    form = ModuleForm(obj=module)
    locales = other_locales(module.language)
    if form.validate_on_submit():
        try:
            services.update_module(
                current_user, module, title=form.title.data, position=form.position.data,
                translations=translation_data(form, MODULE_TRANSLATED, locales))
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(_("Module saved."), "success")
            return redirect(url_for(".edit_course", course_id=module.course_id))
    elif not form.is_submitted():
        fill_translations(form, module, MODULE_TRANSLATED)
    status = 422 if form.is_submitted() else 200
    return render_template("catalog/module_form.html", form=form, course=module.course,
                           module=module, locales=locales), status


@bp.post("/modules/<int:module_id>/delete")
def delete_module(module_id: int):
    module = _get(Module, module_id)
    require(module.can_manage(current_user))
    course_id = module.course_id
    try:
        services.delete_module(current_user, module)
    except DomainError as error:
        show_refusal(None, error)
        form = ModuleForm(obj=module, formdata=None)
        fill_translations(form, module, MODULE_TRANSLATED)
        return render_template("catalog/module_form.html", form=form, course=module.course,
                               module=module, locales=other_locales(module.language)), 422
    flash(_("Module deleted."), "success")
    return redirect(url_for(".edit_course", course_id=course_id))


# ---------------------------------------------------------------- lessons

@bp.route("/modules/<int:module_id>/lessons/new", methods=["GET", "POST"])
def new_lesson(module_id: int):
    module = queries.module_for_editing(module_id)
    if module is None:
        abort(404)
    require(module.can_manage(current_user))
    form = LessonForm()
    locales = other_locales(module.language)
    if form.validate_on_submit():
        try:
            lesson = services.create_lesson(
                current_user, module, title=form.title.data, body=form.body.data,
                position=form.position.data,
                translations=translation_data(form, LESSON_TRANSLATED, locales))
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(_("Lesson added."), "success")
            return redirect(url_for(".edit_lesson", lesson_id=lesson.id))
    status = 422 if form.is_submitted() else 200
    return render_template("catalog/lesson_form.html", form=form, module=module,
                           course=module.course, lesson=None, locales=locales), status


@bp.route("/lessons/<int:lesson_id>", methods=["GET", "POST"])
def edit_lesson(lesson_id: int):
    lesson = queries.lesson_for_editing(lesson_id)
    if lesson is None:
        abort(404)
    require(lesson.can_manage(current_user))
    form = LessonForm(obj=lesson)
    locales = other_locales(lesson.language)
    if form.validate_on_submit():
        try:
            services.update_lesson(
                current_user, lesson, title=form.title.data, body=form.body.data,
                position=form.position.data,
                translations=translation_data(form, LESSON_TRANSLATED, locales))
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(_("Lesson saved."), "success")
            return redirect(url_for(".edit_lesson", lesson_id=lesson.id))
    elif not form.is_submitted():
        fill_translations(form, lesson, LESSON_TRANSLATED)
    status = 422 if form.is_submitted() else 200
    return render_template("catalog/lesson_form.html", form=form, module=lesson.module,
                           course=lesson.module.course, lesson=lesson,
                           locales=locales), status


@bp.post("/lessons/<int:lesson_id>/delete")
def delete_lesson(lesson_id: int):
    lesson = _get(Lesson, lesson_id)
    require(lesson.can_manage(current_user))
    course_id = lesson.module.course_id
    try:
        services.delete_lesson(current_user, lesson)
    except DomainError as error:
        show_refusal(None, error)
        form = LessonForm(obj=lesson, formdata=None)
        fill_translations(form, lesson, LESSON_TRANSLATED)
        return render_template("catalog/lesson_form.html", form=form, module=lesson.module,
                               course=lesson.module.course, lesson=lesson,
                               locales=other_locales(lesson.language)), 422
    flash(_("Lesson deleted."), "success")
    return redirect(url_for(".edit_course", course_id=course_id))


@bp.get("/lessons/<int:lesson_id>/preview")
def preview_lesson(lesson_id: int):
    lesson = queries.lesson_for_editing(lesson_id)
    if lesson is None:
        abort(404)
    require(lesson.can_manage(current_user))
    locale = normalise_language(request.args.get("locale")) or lesson.language
    translation = lesson.translation_for(locale) if locale != lesson.language else None
    # The language the text is actually in, for the page's lang attributes.
    title_language = locale if translation is not None and translation.title else lesson.language
    body_language = locale if translation is not None and translation.body else lesson.language
    return render_template(
        "catalog/lesson_preview.html", lesson=lesson, course=lesson.module.course,
        locale=locale, title=lesson.in_locale("title", locale),
        title_language=title_language, body_language=body_language,
        body=render_markdown(lesson.in_locale("body", locale)))
