"""Public verification pages: a form (an ID or a PDF) and one page per certificate.

No login. Only what the certificate prints and its status are shown; the holder's
account (email and everything else) never is.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import Length, Optional

from lms.assessments.assignments import uploads
from lms.certification import endorsement, ids, verification
from lms.certification.verification import verify_limit
from lms.certification.verification_counts import Channel, count_lookup
from lms.i18n import current_locale
from lms.web.errors import render_error
from lms.web.pages import UNPROCESSABLE

bp = Blueprint("verify", __name__)
# The same budget as the API (see lms.certification.verification.verify_limit).
verify_limit(bp)


class VerifyForm(FlaskForm):
    code = StringField(_l("Certificate ID"), validators=[Optional(), Length(max=60)],
                       description=_l("As printed on the certificate, for example "
                                      "PRC-7K3M-Q9XD-K."))
    pdf = FileField(_l("Or the PDF file of the certificate"),
                    description=_l("The file as it was downloaded or sent to you."))


def _max_bytes() -> int:
    return current_app.config["LMS_MAX_UPLOAD_BYTES"]


def _human_size(size: int) -> str:
    return uploads.human_size(size)


def _render_form(form: VerifyForm, http_status: int = 200, **context):
    return render_template("certificates/verify_form.html", form=form,
                           max_size=_human_size(_max_bytes()), **context), http_status


def _record_context(certificate) -> dict:
    """What the record block shows: the printed texts in the viewer's language."""
    text = verification.snapshot_text(certificate.snapshot, current_locale())
    return {
        "certificate": certificate,
        "snapshot": certificate.snapshot,
        "text": text,
        "record_status": certificate.status,
        "signature": verification.check_signature(certificate),
        "endorsements": endorsement.for_certificate(certificate),
    }


@bp.route("/verify", methods=["GET", "POST"])
def verify():
    form = VerifyForm()
    if not form.validate_on_submit():
        return _render_form(form, UNPROCESSABLE if form.is_submitted() else 200)
    sent = form.pdf.data
    if sent is not None and getattr(sent, "filename", ""):
        return _check_pdf(form, sent)
    typed = (form.code.data or "").strip()
    if not typed:
        form.code.errors = [_("Enter a certificate ID, or choose the PDF file of a certificate.")]
        return _render_form(form, UNPROCESSABLE)
    try:
        code = ids.parse(typed)
    except ids.InvalidId as error:
        form.code.errors = [error.message]
        return _render_form(form, UNPROCESSABLE)
    if not verification.exists(code):
        form.code.errors = [verification.not_found_message()]
        return _render_form(form, UNPROCESSABLE)
    return redirect(url_for(".certificate", code=code), 303)


def _check_pdf(form: VerifyForm, sent):
    max_bytes = _max_bytes()
    # One byte more than allowed is enough to know it is too large.
    data = sent.read(max_bytes + 1)
    if len(data) > max_bytes:
        form.pdf.errors = [_("The file is too large. The largest file accepted is %(size)s.",
                             size=_human_size(max_bytes))]
        return _render_form(form, UNPROCESSABLE)
    if not data.startswith(b"%PDF"):
        form.pdf.errors = [_("This file is not a PDF.")]
        return _render_form(form, UNPROCESSABLE)
    check = verification.check_upload(data)
    if check.certificate is not None:
        count_lookup(Channel.UPLOAD, [check.certificate.code])
    context = _record_context(check.certificate) if check.certificate is not None else {}
    return _render_form(form, UNPROCESSABLE if check.problem else 200, check=check,
                        **context)


@bp.errorhandler(413)
def _too_large(_error):
    """A body over MAX_CONTENT_LENGTH: say so on the form, not on a bare error page."""
    if request.endpoint != "verify.verify":
        return render_error(413)
    form = VerifyForm(formdata=None)
    form.pdf.errors = [_("The file is too large. The largest file accepted is %(size)s.",
                         size=_human_size(_max_bytes()))]
    return _render_form(form, 413)


@bp.errorhandler(429)
def _too_many(_error):
    page, status = render_error(429, _("There were too many verification requests from "
                                       "your address in a short while. Please wait a "
                                       "minute and try again."))
    return page, status, {"Retry-After": verification.retry_after()}


def _visit_channel() -> Channel:
    """PAGE when the visitor came from one of the site's pages (the form redirects here,
    or a link was followed), QR when not: the printed address opened by a QR scan or
    from a mail. The site sends its Referer only to itself (Referrer-Policy: same-origin)."""
    referrer = urlsplit(request.referrer or "").netloc.lower()
    own = {request.host.lower(), urlsplit(current_app.config["LMS_PUBLIC_URL"]).netloc.lower()}
    return Channel.PAGE if referrer in own else Channel.QR


@bp.get("/verify/<code>")
def certificate(code: str):
    try:
        canonical = ids.parse(code)
    except ids.InvalidId as error:
        return render_template("certificates/verify_missing.html", code=code,
                               message=error.message), 404
    if canonical != code:
        return redirect(url_for(".certificate", code=canonical), 301)
    # Counted before the read, see count_lookup; an ID nobody holds counts nothing.
    count_lookup(_visit_channel(), [canonical])
    record = verification.find(canonical)
    if record is None:
        return render_template("certificates/verify_missing.html", code=code,
                               message=verification.not_found_message()), 404
    return render_template("certificates/verify_record_page.html",
                           **_record_context(record))
