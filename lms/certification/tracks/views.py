"""Tracks: coordinators define them, trainees follow their progress and log hours,
supervisors approve the hours, coordinators and the body's officers read the roster.

Each view checks one permission on the object it acts on. A trainee's track page is
always about the signed-in user: there is no address for another trainee's progress.
"""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from lms.catalog.forms import other_locales, translation_data
from lms.certification.tracks import progress as progress_module
from lms.certification.tracks import queries, services
from lms.certification.tracks.forms import (
    TRACK_TRANSLATED,
    ChooseProgramForm,
    DecisionForm,
    HoursForm,
    TrackForm,
    fill_track_form,
)
from lms.certification.tracks.models import HoursStatus, Track
from lms.errors import DomainError
from lms.i18n import country_name
from lms.kernel import clock
from lms.web.input import int_arg
from lms.web.pages import page_number, show_refusal
from lms.web.permissions import require

bp = Blueprint("tracks", __name__)


def hours_text(value) -> str:
    """Hours in the reader's number format, without needless decimals."""
    return format_decimal(value, "#,##0.##")


def _track_or_404(track_id: int) -> Track:
    return queries.track(track_id) or abort(404)


# ---------------------------------------------------------------- coordinators

@bp.get("/manage/tracks")
def manage():
    require(current_user.is_authenticated and current_user.is_coordinator)
    return render_template("competencies/track_manage.html",
                           tracks=queries.managed_tracks(current_user),
                           programs=queries.managed_programs(current_user))


def _track_form(program_id: int, **kwargs) -> TrackForm:
    return TrackForm(bodies=queries.certifying_bodies(),
                     frameworks=queries.program_frameworks(program_id),
                     courses=queries.program_courses(program_id), **kwargs)


def _track_data(form: TrackForm) -> services.TrackData:
    return services.TrackData(
        code=form.code.data or "", title=form.title.data or "",
        description=form.description.data or "", language=form.language.data,
        country=form.country.data or None, certifying_body_id=form.certifying_body_id.data,
        framework_id=form.framework_id.data, course_ids=form.course_ids.data or [],
        competency_ids=form.competency_ids.data or [], min_hours=form.min_hours.data,
        practice_hours=form.practice_hours.data, validity_months=form.validity_months.data,
        renewal_hours=form.renewal_hours.data, auto_issue=form.auto_issue.data,
        published=form.published.data,
        translations=translation_data(form, TRACK_TRANSLATED,
                                      other_locales(form.language.data)))


@bp.route("/manage/tracks/new", methods=["GET", "POST"])
def new():
    require(current_user.is_authenticated and current_user.is_coordinator)
    programs = queries.managed_programs(current_user)
    program_id = int_arg("program_id")
    if program_id is None and len(programs) == 1:
        program_id = programs[0].id
    program = next((p for p in programs if p.id == program_id), None)
    if program is None:
        if program_id is not None:
            abort(403 if programs else 404)
        chooser = ChooseProgramForm(request.args)
        chooser.program_id.choices = [(p.id, f"{p.code} · {p.in_locale('name')}")
                                      for p in programs]
        return render_template("competencies/track_choose_program.html", form=chooser)
    form = _track_form(program.id)
    if not form.is_submitted():
        form.language.data = program.language
    status = 200
    if form.validate_on_submit():
        try:
            track = services.create_track(current_user, program, _track_data(form))
        except DomainError as error:
            show_refusal(form, error)
            status = 422
        else:
            flash(_("Track created."), "success")
            return redirect(url_for(".edit", track_id=track.id))
    elif form.is_submitted():
        status = 422
    return render_template("competencies/track_form.html", form=form, program=program,
                           track=None, locales=other_locales(form.language.data)), status


@bp.route("/manage/tracks/<int:track_id>", methods=["GET", "POST"])
def edit(track_id: int):
    track = _track_or_404(track_id)
    require(track.can_manage(current_user))
    form = _track_form(track.program_id)
    if not form.is_submitted():
        fill_track_form(form, track)
    status = 200
    if form.validate_on_submit():
        try:
            services.update_track(current_user, track, _track_data(form))
        except DomainError as error:
            show_refusal(form, error)
            status = 422
        else:
            flash(_("Track saved."), "success")
            return redirect(url_for(".edit", track_id=track.id))
    elif form.is_submitted():
        status = 422
    return render_template("competencies/track_form.html", form=form, program=track.program,
                           track=track, locales=other_locales(form.language.data)), status


def _may_read_roster(track: Track) -> bool:
    return track.can_manage(current_user) or track.can_certify(current_user)


@bp.get("/manage/tracks/<int:track_id>/roster")
def roster(track_id: int):
    track = _track_or_404(track_id)
    require(_may_read_roster(track))
    pagination, rows = progress_module.roster(track, page_number())
    return render_template("competencies/track_roster.html", track=track,
                           pagination=pagination, rows=rows,
                           headings=_requirement_headings(rows), hours_text=hours_text,
                           can_manage=track.can_manage(current_user))


def _requirement_headings(rows) -> list[str]:
    # Every row of a track has the same requirements in the same order.
    return [requirement.label for requirement in rows[0].requirements] if rows else []


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    """Text as a spreadsheet shows it, never as a formula (CSV injection)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _status_title(row) -> str:
    if row.certified:
        return _("Certified")
    return _("Eligible") if row.eligible else _("In progress")


@bp.get("/manage/tracks/<int:track_id>/roster.csv")
def roster_csv(track_id: int):
    track = _track_or_404(track_id)
    require(_may_read_roster(track))
    rows = progress_module.roster_all(track)
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so that Excel reads UTF-8 (accents intact)
    writer = csv.writer(buffer)
    writer.writerow([_("Name"), _("Email"), _("Country")]
                    + [_cell(label) for label in _requirement_headings(rows)]
                    + [_("Status"), _("Certificate ID")])
    for row in rows:
        user = row.user
        cells = []
        for requirement in row.requirements:
            if requirement.kind in (progress_module.RequirementKind.COURSE_HOURS,
                                    progress_module.RequirementKind.PRACTICE_HOURS):
                cells.append(f"{requirement.have}/{requirement.need}")
            else:
                cells.append(_("Met") if requirement.met else _("Not yet"))
        writer.writerow([_cell(user.full_name), _cell(user.email), user.country or ""]
                        + cells + [_status_title(row),
                                   row.certificate.code if row.certificate else ""])
    filename = f"roster-{track.code}.csv"
    return Response(buffer.getvalue().encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# ---------------------------------------------------------------- trainees

@bp.get("/tracks")
def mine():
    require(current_user.is_authenticated)
    tracks = queries.trainee_tracks(current_user)
    rows = [progress_module.track_progress(track, current_user) for track in tracks]
    return render_template("competencies/track_list.html", rows=rows)


def _visible_track(track_id: int) -> Track:
    require(current_user.is_authenticated)
    track = _track_or_404(track_id)
    if not track.published and not track.can_manage(current_user):
        abort(404)
    return track


def _render_track(track: Track, form: HoursForm, status: int = 200):
    return render_template(
        "competencies/track_detail.html", track=track,
        progress=progress_module.track_progress(track, current_user),
        logs=queries.my_logs(current_user, track), form=form, hours_text=hours_text,
        kinds=progress_module.RequirementKind, HoursStatus=HoursStatus,
        country_name=country_name), status


@bp.get("/tracks/<int:track_id>")
def track(track_id: int):
    return _render_track(_visible_track(track_id), HoursForm())


@bp.post("/tracks/<int:track_id>/hours")
def log_hours(track_id: int):
    track = _visible_track(track_id)
    form = HoursForm()
    if not form.validate_on_submit():
        return _render_track(track, form, 422)
    entry = services.HoursEntry(
        kind=form.kind.data, worked_on=form.worked_on.data, hours=form.hours.data,
        place=form.place.data or "", description=form.description.data or "",
        supervisor_email=form.supervisor_email.data or "")
    try:
        services.log_hours(current_user, track, entry, today=clock.today(clock.UTC))
    except DomainError as error:
        show_refusal(form, error)
        return _render_track(track, form, 422)
    flash(_("Hours logged. Your supervisor has been asked to approve them."), "success")
    return redirect(url_for(".track", track_id=track.id))


# ---------------------------------------------------------------- supervisors

def _render_queue(status: int = 200, forms: dict | None = None):
    pagination = queries.supervision_queue(current_user, page_number())
    forms = forms or {}
    return render_template(
        "competencies/hours_queue.html", pagination=pagination,
        forms={log.id: forms.get(log.id) or DecisionForm(formdata=None)
               for log in pagination.items},
        hours_text=hours_text), status


@bp.get("/supervision")
def supervision():
    require(queries.supervises_anything(current_user))
    return _render_queue()


@bp.post("/supervision/<int:log_id>")
def decide(log_id: int):
    require(current_user.is_authenticated)
    log = queries.hours_log(log_id) or abort(404)
    require(services.can_decide(log, current_user))
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(_("Choose whether to approve or reject these hours."), "error")
        return _render_queue(422, {log.id: form})
    try:
        services.decide(current_user, log, approve=form.decision.data == "approve",
                        note=form.note.data or "")
    except DomainError as error:
        show_refusal(form, error)
        return _render_queue(422, {log.id: form})
    if form.decision.data == "approve":
        flash(_("Hours approved."), "success")
    else:
        flash(_("Hours rejected."), "success")
    return redirect(url_for(".supervision"))
