"""Managing a course's question bank, GIFT import, and which questions make a quiz.

Everything here is for those who manage the course (``Course.can_manage``):
the program's coordinators and admins.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from lms.assessments.quizzes import queries, services
from lms.assessments.quizzes.forms import GiftImportForm, QuestionForm
from lms.assessments.quizzes.gift import GiftError
from lms.assessments.quizzes.models import QuestionKind
from lms.catalog.forms import other_locales
from lms.errors import DomainError
from lms.web.input import bounded_int, has_control_characters, refusal_message
from lms.web.pages import UNPROCESSABLE, page_number, show_refusal
from lms.web.permissions import require

bp = Blueprint("quizzes_manage", __name__)


def _course_or_404(course_id: int):
    return queries.course(course_id) or abort(404)


def _refused(form, error: DomainError) -> None:
    """Show a service's refusal next to its field, or as a message when it has none."""
    if error.field == "options":  # the options' errors show under the first option
        form.option_text_1.errors = [*form.option_text_1.errors, error.message]
    else:
        show_refusal(form, error)


# ---------------------------------------------------------------- the bank

@bp.get("/manage/courses/<int:course_id>/questions")
def questions(course_id: int):
    course = _course_or_404(course_id)
    require(course.can_manage(current_user))
    return render_template("assessments/quiz_bank.html", course=course,
                           page=queries.bank_page(course.id, page_number()),
                           quizzes=queries.course_quizzes(course.id),
                           kinds={kind.value: kind.title for kind in QuestionKind})


def _render_form(course, form, question=None, status: int = 200):
    return render_template("assessments/quiz_question_form.html", course=course, form=form,
                           question=question, locales=other_locales(course.language)), status


@bp.route("/manage/courses/<int:course_id>/questions/new", methods=["GET", "POST"])
def new_question(course_id: int):
    course = _course_or_404(course_id)
    require(course.can_manage(current_user))
    form = QuestionForm()
    if not form.is_submitted():
        form.points.data = 1
        form.tolerance.data = 0
    if form.validate_on_submit():
        try:
            services.create_question(current_user, course,
                                     form.data_for_service(other_locales(course.language)))
        except DomainError as error:
            _refused(form, error)
        else:
            flash(_("Question added to the bank."), "success")
            return redirect(url_for(".questions", course_id=course.id))
    return _render_form(course, form, status=UNPROCESSABLE if form.is_submitted() else 200)


@bp.route("/manage/questions/<int:question_id>", methods=["GET", "POST"])
def edit_question(question_id: int):
    question = queries.question(question_id) or abort(404)
    course = question.course
    require(course.can_manage(current_user))
    form = QuestionForm(obj=question)
    if not form.is_submitted():
        form.fill_from(question)
    if form.validate_on_submit():
        try:
            services.update_question(current_user, question,
                                     form.data_for_service(other_locales(course.language)))
        except DomainError as error:
            _refused(form, error)
        else:
            flash(_("Question saved."), "success")
            return redirect(url_for(".questions", course_id=course.id))
    return _render_form(course, form, question,
                        status=UNPROCESSABLE if form.is_submitted() else 200)


@bp.post("/manage/questions/<int:question_id>/delete")
def delete_question(question_id: int):
    question = queries.question(question_id) or abort(404)
    course = question.course
    require(course.can_manage(current_user))
    services.delete_question(current_user, question)
    flash(_("Question deleted."), "success")
    return redirect(url_for(".questions", course_id=course.id))


# ---------------------------------------------------------------- GIFT import

def _gift_text(form: GiftImportForm, max_bytes: int) -> str:
    """The text to import: the uploaded file, else the pasted text; refuses what is unusable."""
    upload = form.file.data
    if upload is not None and getattr(upload, "filename", ""):
        data = upload.read(max_bytes + 1)
    else:
        data = (form.text.data or "").encode("utf-8")
    if not data.strip():
        raise DomainError(_("Choose a file or paste the questions."), field="file")
    if len(data) > max_bytes:
        raise DomainError(_("The text is larger than %(size)s kB; split it into smaller files.",
                            size=max_bytes // 1024), field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(_("The file is not UTF-8 text."), field="file") from None
    if has_control_characters(text):  # a file's text is held to the forms' rule
        raise DomainError(refusal_message(), field="file")
    return text


@bp.route("/manage/courses/<int:course_id>/questions/import", methods=["GET", "POST"])
def import_gift(course_id: int):
    course = _course_or_404(course_id)
    require(course.can_manage(current_user))
    form = GiftImportForm()
    problems: list[GiftError] = []
    if form.validate_on_submit():
        try:
            text = _gift_text(form, current_app.config["LMS_MAX_UPLOAD_BYTES"])
            imported = services.import_gift(current_user, course, text)
        except services.GiftRejected as rejected:
            problems = rejected.errors
        except DomainError as error:
            form.file.errors = [*form.file.errors, error.message]
        else:
            flash(ngettext("%(num)d question imported.", "%(num)d questions imported.",
                           len(imported)), "success")
            return redirect(url_for(".questions", course_id=course.id))
    status = UNPROCESSABLE if form.is_submitted() else 200
    return render_template("assessments/quiz_import.html", course=course, form=form,
                           problems=problems), status


# ---------------------------------------------------------------- a quiz's questions

@bp.route("/manage/assessments/<int:assessment_id>/questions", methods=["GET", "POST"])
def quiz_questions(assessment_id: int):
    quiz = queries.quiz(assessment_id) or abort(404)
    require(quiz.can_manage(current_user))
    status = 200
    if request.method == "POST":
        # "include" lists the questions to keep or add; "position-<id>" orders them
        # (blank: after the numbered ones, in the order shown).
        chosen = []
        for index, raw in enumerate(request.form.getlist("include")):
            question_id = bounded_int(raw)
            if question_id is None:
                continue
            position = request.form.get(f"position-{question_id}", type=int)
            chosen.append((position if position is not None else 10**6, index, question_id))
        chosen.sort()
        try:
            services.set_quiz_questions(current_user, quiz, [row[2] for row in chosen])
        except DomainError as error:
            flash(error.message, "error")
            status = UNPROCESSABLE
        else:
            flash(_("The quiz's questions were saved."), "success")
            return redirect(url_for(".quiz_questions", assessment_id=quiz.id))
    return render_template(
        "assessments/quiz_quiz_questions.html", quiz=quiz, course=quiz.course,
        selected=queries.quiz_questions(quiz),
        page=queries.bank_page(quiz.course_id, page_number(), exclude_quiz=quiz.id),
        kinds={kind.value: kind.title for kind in QuestionKind}), status
