"""Certificate pages: the holder's list and PDFs, and the certifying officers' screens.

Holders read and download their own certificates. Officers of a certifying body
(``track.can_certify`` / ``certificate.can_manage``) issue certificates for their
tracks, and revoke, correct or renew the records they manage. Services do the
writing; a refusal is shown with 422 and changes nothing. Issuing and revoking act only
when the form carries ``confirm``: without it the same POST answers with a page that
says what would happen (who, which track, validity; or the reason the public page will
show) and asks again, so one click never issues or revokes.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from lms.accounts.models import User
from lms.audit.models import AuditLog
from lms.certification import endorsement, evidence, issuance, sharing
from lms.certification import queries as certificates
from lms.certification.forms import (
    CONFIRM,
    ActionForm,
    ConfirmForm,
    CorrectNameForm,
    EndorseForm,
    IssueForm,
    RevokeForm,
)
from lms.certification.models import CertificateKind, CertificateStatus, Endorsement
from lms.certification.tracks import progress
from lms.certification.tracks.models import Track
from lms.errors import DomainError
from lms.extensions import db
from lms.i18n import LANGUAGES, current_locale, normalise_language
from lms.kernel import clock
from lms.web.pages import page_number, show_refusal
from lms.web.permissions import require

bp = Blueprint("certificates", __name__)

ELIGIBLE_PAGE_SIZE = 50
ACTION_TITLES = {
    "certificate.issued": _l("Issued"),
    "certificate.revoked": _l("Revoked"),
    "certificate.superseded": _l("Superseded"),
    "certificate.renewed": _l("Renewed"),
}


@bp.context_processor
def _numbers() -> dict:
    return {"format_decimal": format_decimal}


class ListPage:
    """A page of an in-memory list, shaped like Flask-SQLAlchemy's pagination."""

    def __init__(self, items: list, page: int, per_page: int) -> None:
        self.total = len(items)
        self.per_page = per_page
        self.pages = max((self.total + per_page - 1) // per_page, 1)
        self.page = min(page, self.pages)
        start = (self.page - 1) * per_page
        self.items = items[start:start + per_page]
        self.has_prev = self.page > 1
        self.has_next = self.page < self.pages
        self.prev_num = self.page - 1
        self.next_num = self.page + 1


def _language_choices() -> list[tuple[str, str]]:
    return list(LANGUAGES.items())


# ---------------------------------------------------------------- holders

@bp.get("/certificates")
def mine():
    require(current_user.is_authenticated)
    held = certificates.of_holder(current_user.id)
    return render_template("certificates/mine.html", certificates=held,
                           checked=certificates.verification_totals([c.id for c in held]),
                           today=clock.today(clock.UTC), languages=_language_choices(),
                           chosen=current_locale())


@bp.get("/certificates/<code>/pdf")
def pdf(code: str):
    certificate = certificates.by_code(code) or abort(404)
    require(certificate.can_download(current_user))
    requested = request.args.get("lang")
    language = normalise_language(requested) if requested else current_locale()
    if language is None:
        abort(404)
    body = issuance.pdf_for(certificate, language)
    response = make_response(body)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{certificate.code}-{language}.pdf"')
    # The holder's document: keep it out of shared caches.
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


def _held(code: str):
    """A certificate its holder (or staff who may see the record) opens; 404 or 403 else."""
    certificate = certificates.by_code(code) or abort(404)
    require(certificate.can_download(current_user))
    return certificate


@bp.get("/certificates/<code>")
def held(code: str):
    certificate = _held(code)
    if code != certificate.code:
        return redirect(url_for(".held", code=certificate.code), 301)
    today = clock.today(clock.UTC)
    url = sharing.verify_url(certificate)
    text = (certificate.snapshot.get("text") or {}).get(current_locale()) \
        or (certificate.snapshot.get("text") or {}).get("en") or {}
    return render_template(
        "certificates/held.html", certificate=certificate, text=text,
        status=certificate.status_on(today), verify_url=url,
        linkedin_url=sharing.linkedin_url(certificate),
        qr=sharing.qr_svg(url, _("QR code of the verification address of certificate "
                                 "%(code)s", code=certificate.code)),
        endorsements=endorsement.for_certificate(certificate),
        languages=_language_choices(), chosen=current_locale())


def _download(certificate, body: bytes, mimetype: str, extension: str):
    response = make_response(body)
    response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{certificate.code}.{extension}"')
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.get("/certificates/<code>/credential.json")
def credential_json(code: str):
    certificate = _held(code)
    try:
        body = sharing.credential_json(certificate)
    except ValueError:
        abort(404)  # a record whose signature fails offers nothing to share
    return _download(certificate, body, "application/json", "json")


@bp.get("/certificates/<code>/credential.jwt")
def credential_jwt(code: str):
    certificate = _held(code)
    # application/vc+jwt is the VC-JOSE media type; browsers save it as a file.
    return _download(certificate, certificate.credential.encode("ascii"),
                     "application/vc+jwt", "jwt")


# ---------------------------------------------------------------- program owner: endorsements

def _endorsable(track_id: int) -> Track:
    track = db.session.get(Track, track_id) or abort(404)
    require(track.can_manage(current_user))
    return track


def _endorsements_page(track: Track, form: EndorseForm | None = None, status: int = 200):
    return render_template("certificates/endorsements.html", track=track,
                           form=form or EndorseForm(), action_form=ActionForm(),
                           rows=endorsement.of_track(track.id),
                           owner=endorsement.OWNER_NAME), status


@bp.route("/manage/tracks/<int:track_id>/endorsements", methods=["GET", "POST"])
def endorsements(track_id: int):
    track = _endorsable(track_id)
    if request.method == "GET":
        return _endorsements_page(track)
    form = EndorseForm()
    if not form.validate():
        return _endorsements_page(track, form, 422)
    try:
        endorsement.endorse(track, current_user, form.comment.data)
    except DomainError as error:
        show_refusal(form, error)
        return _endorsements_page(track, form, 422)
    flash(_("The track is endorsed. Its certificates now show the endorsement."), "success")
    return redirect(url_for(".endorsements", track_id=track.id))


@bp.post("/manage/tracks/<int:track_id>/endorsements/<int:endorsement_id>/withdraw")
def withdraw_endorsement(track_id: int, endorsement_id: int):
    track = _endorsable(track_id)
    row = db.session.get(Endorsement, endorsement_id)
    if row is None or row.track_id != track.id:
        abort(404)
    if not ActionForm().validate():
        abort(400)
    try:
        endorsement.withdraw(row, current_user)
    except DomainError as error:
        show_refusal(None, error)
        return _endorsements_page(track, status=422)
    flash(_("The endorsement was withdrawn."), "success")
    return redirect(url_for(".endorsements", track_id=track.id))


# ---------------------------------------------------------------- officers: tracks

@bp.get("/certify")
def certify():
    require(current_user.is_authenticated and current_user.is_officer)
    today = clock.today(clock.UTC)
    tracks = certificates.certifiable_tracks(current_user)
    issued = certificates.issued_counts([t.id for t in tracks], today)
    eligible = {track.id: len(progress.eligible(track, today)) for track in tracks}
    return render_template("certificates/certify.html", tracks=tracks, issued=issued,
                           eligible=eligible)


def _track(track_id: int) -> Track:
    track = db.session.get(Track, track_id) or abort(404)
    require(track.can_certify(current_user))
    return track


def _track_page(track: Track, status: int = 200):
    rows = progress.eligible(track, clock.today(clock.UTC))
    page = ListPage(rows, page_number(), ELIGIBLE_PAGE_SIZE)
    return render_template("certificates/track.html", track=track, page=page,
                           action_form=ConfirmForm(),
                           evidence=evidence.evidence_for(track, page.items),
                           issued=certificates.issued_counts([track.id], clock.today(clock.UTC))
                           .get(track.id, 0)), status


def _validity(track: Track) -> tuple:
    """(valid from, expires on or None) of a certificate issued today, as issuing sets them."""
    today = clock.today(clock.UTC)
    return today, (issuance.add_months(today, track.validity_months)
                   if track.validity_months else None)


def _confirm_issue(track: Track, trainees: list[User]):
    valid_from, expires_on = _validity(track)
    return render_template("certificates/confirm_issue.html", track=track, trainees=trainees,
                           valid_from=valid_from, expires_on=expires_on, confirm=CONFIRM)


@bp.get("/certify/tracks/<int:track_id>")
def track(track_id: int):
    return _track_page(_track(track_id))


@bp.post("/certify/tracks/<int:track_id>/issue")
def issue(track_id: int):
    track = _track(track_id)
    form = IssueForm()
    if not form.validate():
        flash(_("Choose a trainee to certify."), "error")
        return _track_page(track, 422)
    user = db.session.get(User, form.user_id.data) or abort(404)
    if not form.confirmed:
        # Say what will happen first; the same refusals as issuing, before asking.
        row = progress.track_progress(track, user, clock.today(clock.UTC))
        if row.certified:
            flash(_("%(name)s already holds a valid certificate for this track.",
                    name=user.full_name), "error")
            return _track_page(track, 422)
        if not row.eligible:
            flash(_("%(name)s does not meet every requirement of this track yet.",
                    name=user.full_name), "error")
            return _track_page(track, 422)
        return _confirm_issue(track, [user])
    try:
        certificate = issuance.issue_track_certificate(track, user, current_user)
    except DomainError as error:
        show_refusal(None, error)
        return _track_page(track, 422)
    flash(_("Certificate %(code)s issued to %(name)s.", code=certificate.code,
            name=user.full_name), "success")
    return redirect(url_for(".track", track_id=track.id))


@bp.post("/certify/tracks/<int:track_id>/issue-all")
def issue_all(track_id: int):
    track = _track(track_id)
    form = ConfirmForm()
    if not form.validate():
        abort(400)
    waiting = progress.eligible(track, clock.today(clock.UTC))
    if not form.confirmed:
        if not waiting:
            flash(_("Nobody is waiting for a certificate on this track."), "info")
            return redirect(url_for(".track", track_id=track.id))
        return _confirm_issue(track, [row.user for row in waiting])
    if len(waiting) > current_app.config["LMS_JOBS_INLINE_LIMIT"]:
        # Too many for one request: a job issues them in batches, and the officer
        # watches its progress page.
        job = issuance.start_issue_all(track, current_user, waiting)
        if job.started_by_id != current_user.id:
            flash(_("Another officer is already issuing these certificates."), "info")
            return redirect(url_for(".track", track_id=track.id))
        return redirect(url_for("jobs.show", job_id=job.id))
    issued = issuance.issue_many(track, waiting, current_user)
    if issued:
        flash(ngettext("%(num)d certificate issued.", "%(num)d certificates issued.",
                       len(issued)), "success")
    else:
        flash(_("Nobody is waiting for a certificate on this track."), "info")
    return redirect(url_for(".track", track_id=track.id))


# ---------------------------------------------------------------- officers: records

@bp.get("/certify/certificates")
def records():
    require(current_user.is_authenticated and (current_user.is_officer
                                               or current_user.is_coordinator))
    search = request.args.get("q", "")[:200]
    status = request.args.get("status", "")
    pagination = certificates.managed(current_user, search=search, status=status,
                                      page=page_number())
    return render_template("certificates/records.html", pagination=pagination, q=search,
                           status=status, statuses=list(CertificateStatus),
                           today=clock.today(clock.UTC))


def _record(code: str):
    certificate = certificates.by_code(code) or abort(404)
    require(certificate.can_manage(current_user))
    return certificate


def _record_page(certificate, *, revoke_form=None, correct_form=None, status: int = 200):
    today = clock.today(clock.UTC)
    # Renewal is offered only inside its window; before it, the page says when it opens.
    renewal = renewal_opens = None
    if certificate.track_id and certificate.expires_on and certificate.status_on(today) in (
            CertificateStatus.VALID, CertificateStatus.EXPIRED):
        if progress.renewal_window_open(certificate, today):
            renewal = progress.renewal_due(certificate, today)
        elif certificate.status_on(today) == CertificateStatus.VALID:
            renewal_opens = progress.renewal_opens_on(certificate)
    audit = _audit_of(certificate)
    return render_template(
        "certificates/record.html", certificate=certificate, today=today,
        status_now=certificate.status_on(today), related=certificates.related(certificate),
        revoke_form=revoke_form or RevokeForm(), correct_form=correct_form or CorrectNameForm(),
        action_form=ActionForm(), renewal=renewal, renewal_opens=renewal_opens, audit=audit,
        kind_title=CertificateKind(certificate.kind).title,
        action_titles={key: str(value) for key, value in ACTION_TITLES.items()},
        languages=_language_choices()), status


def _audit_of(certificate) -> list:
    return list(db.session.scalars(
        select(AuditLog).where(AuditLog.object_type == "certificates",
                               AuditLog.object_id == certificate.id)
        .order_by(AuditLog.id)))


@bp.get("/certify/certificates/<code>")
def record(code: str):
    return _record_page(_record(code))


@bp.post("/certify/certificates/<code>/revoke")
def revoke(code: str):
    certificate = _record(code)
    form = RevokeForm()
    if not form.validate():
        return _record_page(certificate, revoke_form=form, status=422)
    if not form.confirmed:
        return render_template("certificates/confirm_revoke.html", certificate=certificate,
                               form=form, confirm=CONFIRM,
                               kind_title=CertificateKind(certificate.kind).title)
    try:
        issuance.revoke(certificate, current_user, form.reason.data, form.note.data)
    except DomainError as error:
        show_refusal(form, error)
        return _record_page(certificate, revoke_form=form, status=422)
    flash(_("Certificate %(code)s revoked.", code=certificate.code), "success")
    return redirect(url_for(".record", code=certificate.code))


@bp.post("/certify/certificates/<code>/correct")
def correct(code: str):
    certificate = _record(code)
    form = CorrectNameForm()
    if not form.validate():
        return _record_page(certificate, correct_form=form, status=422)
    try:
        replacement = issuance.correct_name(certificate, current_user, form.full_name.data)
    except DomainError as error:
        show_refusal(form, error)
        return _record_page(certificate, correct_form=form, status=422)
    flash(_("Certificate %(new)s replaces %(old)s with the corrected name.",
            new=replacement.code, old=certificate.code), "success")
    return redirect(url_for(".record", code=replacement.code))


@bp.post("/certify/certificates/<code>/renew")
def renew(code: str):
    certificate = _record(code)
    if not ActionForm().validate():
        abort(400)
    try:
        renewal = issuance.renew(certificate, current_user)
    except DomainError as error:
        show_refusal(None, error)
        return _record_page(certificate, status=422)
    flash(_("Certificate %(new)s renews %(old)s.", new=renewal.code, old=certificate.code),
          "success")
    return redirect(url_for(".record", code=renewal.code))
