"""The agenda of a cohort, and the calendar feeds people subscribe to.

The agenda page is for the cohort's members, instructors and coordinators. The
feeds need no sign-in, since calendar programs cannot sign in: the secret token in
the address is the key, and renewing it closes the old address.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from lms.assessments.agenda import feeds
from lms.assessments.agenda import queries as agenda_queries
from lms.cohorts import schedule_queries, schedule_services
from lms.cohorts.models import Cohort
from lms.cohorts.queries import enrolment_of
from lms.cohorts.schedule_zones import viewer_zone, wall_day, wall_time, zone_label
from lms.i18n import current_locale
from lms.web.pages import UNPROCESSABLE
from lms.web.permissions import require
from lms.web.urls import absolute_url

bp = Blueprint("agenda", __name__)

FEED_SCOPES = ("cohort", "person")


def _visible_cohort(cohort_id: int) -> Cohort:
    cohort = schedule_queries.cohort_for_schedule(cohort_id) or abort(404)
    require(cohort.can_view(current_user, enrolment_of(current_user, cohort.id)))
    return cohort


def _render(cohort: Cohort, new_feed: tuple[str, str] | None = None, status: int = 200):
    locale = current_locale()
    zone = cohort.zone_name
    own_zone = viewer_zone(current_user)
    # A second column only when it says something: not for the cohort's own zone.
    reader_zone = own_zone if own_zone != zone else None
    _sessions, _dues, items = agenda_queries.agenda([cohort])
    return render_template(
        "cohorts/schedule_agenda.html", cohort=cohort, course=cohort.course, items=items,
        zone=zone, zone_label=zone_label(zone, locale), viewer_zone=reader_zone,
        viewer_zone_label=zone_label(reader_zone, locale) if reader_zone else "",
        viewer_zone_chosen=bool(getattr(current_user, "time_zone", None)),
        wall_day=wall_day, wall_time=wall_time, locale=locale, new_feed=new_feed,
        has_cohort_feed=schedule_queries.has_feed(current_user, cohort),
        has_person_feed=schedule_queries.has_feed(current_user, None),
        can_plan=cohort.can_teach(current_user)), status


@bp.get("/cohorts/<int:cohort_id>/agenda")
def cohort(cohort_id: int):
    return _render(_visible_cohort(cohort_id))


@bp.post("/cohorts/<int:cohort_id>/agenda/feed")
def renew_feed(cohort_id: int):
    """A new secret address, shown on the page this once (only its digest is kept)."""
    cohort = _visible_cohort(cohort_id)
    scope = request.form.get("scope")
    if scope not in FEED_SCOPES:
        return _render(cohort, status=UNPROCESSABLE)
    token = schedule_services.renew_feed(current_user, cohort if scope == "cohort" else None)
    return _render(cohort, new_feed=(scope, absolute_url("agenda.feed", token=token)))


@bp.get("/calendar/<token>.ics")
def feed(token: str):
    subscription = schedule_queries.feed_by_token(token) or abort(404)
    user = subscription.user
    if not user.active:
        abort(404)
    if subscription.cohort is not None:
        cohorts = [subscription.cohort]
        # Someone who left the cohort keeps no window on it.
        if not subscription.cohort.can_view(user, enrolment_of(user, subscription.cohort.id)):
            abort(404)
    else:
        cohorts = schedule_queries.person_cohorts(user)
    sessions, dues, _items = agenda_queries.agenda(cohorts)
    with force_locale(user.locale):
        if subscription.cohort is not None:
            name = _("%(title)s: %(code)s", title=cohorts[0].course.in_locale("title"),
                     code=cohorts[0].code)
        else:
            name = _("My courses")
        body = feeds.calendar_bytes(name, sessions, dues, {c.id: c for c in cohorts})
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": 'inline; filename="agenda.ics"',
        # The address is the secret: keep the feed out of shared caches.
        "Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"})
