"""Notification pages: the list, the settings, and the one-click unsubscribe link.

Each view works on the signed-in person's own notifications (checked on the object
once); the unsubscribe link needs no sign-in: the signed token is the permission.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.errors import DomainError
from lms.extensions import csrf, db
from lms.notifications import queries, services
from lms.notifications.forms import optional_fields, preferences_form
from lms.notifications.models import MANDATORY_KINDS, Notification, NotificationKind
from lms.web.pages import UNPROCESSABLE, page_number, show_refusal
from lms.web.permissions import require
from lms.web.redirects import is_local

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_context_processor
def _unread() -> dict:
    # A function, not a number: the header asks only when a signed-in person's page
    # is drawn (one query), and mails rendered in a request never ask.
    def unread_notifications() -> int:
        if not current_user.is_authenticated:
            return 0
        return queries.unread_count(current_user.id)

    return {"unread_notifications": unread_notifications}


def _me():
    return current_user._get_current_object()


@bp.get("")
def index():
    require(current_user.is_authenticated)
    page = queries.page_of(current_user.id, page_number())
    return render_template("notifications/index.html", page=page,
                           unread=queries.unread_count(current_user.id))


@bp.post("/read")
def read_all():
    require(current_user.is_authenticated)
    count = services.mark_all_read(_me())
    queries.forget_unread_count()
    if count:
        flash(_("All notifications are marked as read."), "success")
    return redirect(url_for("notifications.index"))


@bp.post("/<int:notification_id>/open")
def open_one(notification_id: int):
    notification = db.session.get(Notification, notification_id)
    if notification is None:
        abort(404)
    require(notification.belongs_to(current_user))
    services.mark_read(_me(), notification)
    # Stored by the app itself as a path; checked again so that it can only stay here.
    target = notification.link if is_local(notification.link) else None
    return redirect(target or url_for("notifications.index"))


@bp.route("/preferences", methods=["GET", "POST"])
def preferences():
    require(current_user.is_authenticated)
    user = _me()
    form = preferences_form(services.preferences_of(user))
    if form.validate_on_submit():
        choices = {field.name: field.data for field in optional_fields(form)}
        # Mandatory kinds have no field; a value sent for one anyway is refused whole.
        choices.update({kind.value: request.form[kind.value] for kind in MANDATORY_KINDS
                        if kind.value in request.form})
        try:
            changed = services.set_preferences(user, choices)
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(_("Your notification settings were saved.") if changed else
                  _("Nothing was changed."), "success")
            return redirect(url_for("notifications.preferences"))
    status = UNPROCESSABLE if form.is_submitted() else 200
    return render_template("notifications/preferences.html", form=form,
                           fields=optional_fields(form),
                           mandatory=[k for k in NotificationKind if k.mandatory]), status


@bp.get("/unsubscribe/<token>")
def unsubscribe(token: str):
    try:
        _user, kind = services.read_unsubscribe_token(token)
    except DomainError as error:
        return render_template("notifications/unsubscribe.html", error=error.message), 400
    return render_template("notifications/unsubscribe.html", kind=kind, token=token,
                           done=False)


# Mail readers post here without a CSRF token (RFC 8058 one-click); the signed token,
# which only the recipient's mail holds, is what makes the request theirs.
@csrf.exempt
@bp.post("/unsubscribe/<token>")
def unsubscribe_now(token: str):
    try:
        _user, kind = services.unsubscribe(token)
    except DomainError as error:
        return render_template("notifications/unsubscribe.html", error=error.message), 400
    return render_template("notifications/unsubscribe.html", kind=kind, done=True)
