"""iCalendar (RFC 5545) feeds of agendas, built with the ``icalendar`` library.

Sessions are written in their cohort's zone (DTSTART;TZID=America/Bogota) with the
zone's VTIMEZONE, so that a calendar shows 09:00 on both sides of a daylight-saving
change. Each event keeps its UID for life; SEQUENCE and LAST-MODIFIED come from the
session, so that a changed session replaces the copy in people's calendars. Text is
in the feed owner's language: call ``calendar_bytes`` inside ``force_locale``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from flask_babel import gettext as _
from icalendar import Calendar, Event

from lms.assessments.agenda.queries import DueDate
from lms.cohorts.schedule import CohortSession
from lms.cohorts.schedule_zones import in_zone
from lms.i18n import language_name
from lms.kernel import clock
from lms.web.urls import absolute_url, public_url

PRODUCT_ID = "-//OAS PROCCER LMS//Cohort agenda//EN"
# A due date is a moment; calendars show it as a short event ending then.
DUE_EVENT_LENGTH = timedelta(minutes=0)


def _uid_domain() -> str:
    # The site's public host makes UIDs unique worldwide and the same on every server.
    return urlsplit(public_url()).hostname or "lms.invalid"


def session_uid(session: CohortSession) -> str:
    return f"cohort-session-{session.id}@{_uid_domain()}"


def due_uid(due: DueDate) -> str:
    return f"assessment-{due.assessment.id}-cohort-{due.cohort.id}-due@{_uid_domain()}"


def _session_event(session: CohortSession, cohort, course_title: str) -> Event:
    zone = cohort.zone_name
    event = Event()
    event.add("uid", session_uid(session))
    # For a published feed DTSTAMP is when the event was last revised (RFC 5545 3.8.7.2).
    event.add("dtstamp", clock.as_utc(session.updated_at))
    event.add("created", clock.as_utc(session.created_at))
    event.add("last-modified", clock.as_utc(session.updated_at))
    event.add("sequence", session.sequence or 0)
    event.add("dtstart", in_zone(session.starts_at, zone))
    event.add("dtend", in_zone(session.ends_at, zone))
    event.add("summary", _("%(topic)s (%(code)s)", topic=session.topic, code=cohort.code))
    event.add("location", session.place or session.online_url)
    event.add("url", session.online_url or absolute_url("agenda.cohort", cohort_id=cohort.id))
    lines = [course_title, _("Topic: %(topic)s", topic=session.topic)]
    if session.place:
        lines.append(_("Place: %(place)s", place=session.place))
    if session.online_url:
        lines.append(_("Online: %(link)s", link=session.online_url))
    if session.instructor is not None:
        lines.append(_("Instructor: %(name)s", name=session.instructor.full_name))
    languages = [language_name(code) for code in session.interpretation_codes]
    if languages:
        lines.append(_("Interpretation: %(languages)s", languages=", ".join(languages)))
    event.add("description", "\n".join(lines))
    return event


def _due_event(due: DueDate, generated: datetime) -> Event:
    event = Event()
    event.add("uid", due_uid(due))
    # Assessments keep no revision time: the feed's own moment stands in, as RFC 5545
    # allows for a calendar published without METHOD:REQUEST.
    event.add("dtstamp", generated)
    moment = in_zone(due.due_at, due.cohort.zone_name)
    event.add("dtstart", moment)
    event.add("dtend", moment + DUE_EVENT_LENGTH)
    title = due.assessment.in_locale("title")
    event.add("summary", _("Due: %(title)s (%(code)s)", title=title, code=due.cohort.code))
    event.add("url", absolute_url("agenda.cohort", cohort_id=due.cohort.id))
    event.add("description", _("%(title)s is due.", title=title))
    event.add("transp", "TRANSPARENT")
    return event


def calendar_bytes(name: str, sessions: list[CohortSession], dues: list[DueDate],
                   cohorts: dict) -> bytes:
    """The feed: ``cohorts`` maps cohort ids to cohorts (with courses loaded)."""
    generated = clock.now().replace(microsecond=0)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    titles = {cohort_id: cohort.course.in_locale("title") for cohort_id, cohort in cohorts.items()}
    days: list[date] = []
    for session in sessions:
        cohort = cohorts[session.cohort_id]
        calendar.add_component(_session_event(session, cohort, titles[cohort.id]))
        days.append(clock.as_utc(session.starts_at).date())
    for due in dues:
        calendar.add_component(_due_event(due, generated))
        days.append(due.due_at.date())
    if days:
        # VTIMEZONE rules covering the events (a year either side), not 1970 to 2038.
        calendar.add_missing_timezones(first_date=min(days) - timedelta(days=366),
                                       last_date=max(days) + timedelta(days=366))
    return calendar.to_ical()
