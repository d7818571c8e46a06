"""Announcement pages: the lists of a cohort, of a program and of the signed-in person;
posting, editing and deleting.

Each view checks one permission on the object it acts on: reading a cohort's
(``Cohort.can_view``) or a program's (``queries.reads_program``); posting
(``models.can_post_to_*``); editing and deleting (``Announcement.can_edit``).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.announcements import queries, services
from lms.announcements.forms import AnnouncementForm, PostForm, fill, shown_locales, texts_of
from lms.announcements.models import Announcement, can_post_to_cohort, can_post_to_program
from lms.catalog.models import Program
from lms.cohorts.models import Cohort
from lms.cohorts.queries import cohort_with_details, enrolment_of
from lms.errors import DomainError
from lms.i18n import current_locale
from lms.web.pages import UNPROCESSABLE, page_number, show_refusal
from lms.web.permissions import require

bp = Blueprint("announcements", __name__)


def _readable_cohort(cohort_id: int) -> Cohort:
    cohort = cohort_with_details(cohort_id) or abort(404)
    require(cohort.can_view(current_user, enrolment_of(current_user, cohort.id)))
    return cohort


def _program(code: str) -> Program:
    return queries.program_by_code(code) or abort(404)


def _list(page, *, heading: str, cohort: Cohort | None = None,
          program: Program | None = None, post_url: str | None = None,
          program_url: str | None = None):
    locale = current_locale()
    return render_template(
        "announcements/list.html", page=page, heading=heading, cohort=cohort, program=program,
        items=[queries.shown(item, locale) for item in page.items], post_url=post_url,
        program_url=program_url)


# ---------------------------------------------------------------- reading

@bp.get("/announcements")
def mine():
    require(current_user.is_authenticated)
    return _list(queries.page_for_user(current_user, page_number()),
                 heading=_("All announcements"))


@bp.get("/cohorts/<int:cohort_id>/announcements")
def cohort(cohort_id: int):
    cohort = _readable_cohort(cohort_id)
    program = cohort.course.program
    return _list(
        queries.cohort_page(cohort, page_number()),
        heading=_("Announcements: %(course)s, cohort %(code)s",
                  course=cohort.course.in_locale("title"), code=cohort.code),
        cohort=cohort,
        post_url=(url_for(".post_to_cohort", cohort_id=cohort.id)
                  if can_post_to_cohort(current_user, cohort) else None),
        program_url=(url_for(".program", code=program.code)
                     if program.can_manage(current_user) else None))


@bp.get("/programs/<code>/announcements")
def program(code: str):
    program = _program(code)
    require(queries.reads_program(current_user, program))
    return _list(
        queries.program_page(program, page_number()),
        heading=_("Announcements to the whole program %(program)s",
                  program=program.in_locale("name")),
        program=program,
        post_url=(url_for(".post_to_program", code=program.code)
                  if can_post_to_program(current_user, program) else None))


# ---------------------------------------------------------------- writing

def _form_page(form: AnnouncementForm, *, heading: str, back: str, status: int = 200):
    return render_template("announcements/form.html", form=form, heading=heading, back=back,
                           locales=shown_locales(form)), status


def _post(form: PostForm, *, heading: str, back: str, **audience):
    if request.method == "GET":
        form.language.data = current_locale()
        return _form_page(form, heading=heading, back=back)
    if form.validate_on_submit():
        try:
            announcement = services.post(
                current_user, language=form.language.data, title=form.title.data,
                body=form.body.data, translations=texts_of(form), mail=form.mail.data,
                **audience)
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(_("Announcement posted; it will be mailed to its readers.")
                  if announcement.mail else _("Announcement posted."), "success")
            return redirect(back)
    return _form_page(form, heading=heading, back=back, status=UNPROCESSABLE)


@bp.route("/cohorts/<int:cohort_id>/announcements/new", methods=["GET", "POST"])
def post_to_cohort(cohort_id: int):
    cohort = cohort_with_details(cohort_id) or abort(404)
    require(can_post_to_cohort(current_user, cohort))
    return _post(PostForm(), cohort=cohort,
                 heading=_("New announcement to the cohort %(code)s", code=cohort.code),
                 back=url_for(".cohort", cohort_id=cohort.id))


@bp.route("/programs/<code>/announcements/new", methods=["GET", "POST"])
def post_to_program(code: str):
    program = _program(code)
    require(can_post_to_program(current_user, program))
    return _post(PostForm(), program=program,
                 heading=_("New announcement to the whole program %(program)s",
                           program=program.in_locale("name")),
                 back=url_for(".program", code=program.code))


def _editable(announcement_id: int) -> Announcement:
    announcement = queries.announcement_with_audience(announcement_id) or abort(404)
    require(announcement.can_edit(current_user))
    return announcement


def _list_url(announcement: Announcement) -> str:
    if announcement.cohort_id is not None:
        return url_for(".cohort", cohort_id=announcement.cohort_id)
    return url_for(".program", code=announcement.program.code)


@bp.route("/announcements/<int:announcement_id>/edit", methods=["GET", "POST"])
def edit(announcement_id: int):
    announcement = _editable(announcement_id)
    form = AnnouncementForm()
    back = _list_url(announcement)
    heading = _("Edit the announcement “%(title)s”", title=announcement.title)
    if request.method == "GET":
        fill(form, announcement)
        return _form_page(form, heading=heading, back=back)
    if form.validate_on_submit():
        try:
            services.update(current_user, announcement, language=form.language.data,
                            title=form.title.data, body=form.body.data,
                            translations=texts_of(form))
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(_("Announcement saved."), "success")
            return redirect(back)
    return _form_page(form, heading=heading, back=back, status=UNPROCESSABLE)


@bp.post("/announcements/<int:announcement_id>/delete")
def delete(announcement_id: int):
    # The CSRF token of the button is checked by CSRFProtect, before this runs.
    announcement = _editable(announcement_id)
    back = _list_url(announcement)
    services.delete(current_user, announcement)
    flash(_("Announcement deleted."), "success")
    return redirect(back)
