"""Every write of a cohort's schedule: its time zone, its sessions, the feeds' secret tokens.

Validate everything first, then change rows, audit, flush (never commit): a refused
change writes nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import delete, select

from lms.accounts.models import User
from lms.audit.services import record
from lms.cohorts.models import Cohort
from lms.cohorts.schedule import (
    MAX_LINK,
    MAX_PLACE,
    MAX_TOPIC,
    CalendarFeed,
    CohortSession,
    token_digest,
)
from lms.cohorts.schedule_zones import MAX_ZONE_LENGTH, is_known_zone, zone_info
from lms.cohorts.services import interpretation_value
from lms.errors import DomainError, clean_text
from lms.extensions import db
from lms.kernel import clock

# 32 random bytes, URL-safe: as hard to guess as a signing key.
TOKEN_BYTES = 32


# ---------------------------------------------------------------- time zone

def check_zone(name: str | None) -> str | None:
    """``name`` stripped, or None for "the country's zone"; refused when unknown."""
    text = (name or "").strip()
    if not text:
        return None
    if len(text) > MAX_ZONE_LENGTH or not is_known_zone(text):
        raise DomainError(_("Unknown time zone %(zone)s: choose one from the list, such as "
                            "America/Bogota.", zone=text[:MAX_ZONE_LENGTH]),
                          field="time_zone")
    return text


def set_time_zone(actor: User, cohort: Cohort, name: str | None, *, previous: str) -> None:
    """Give the cohort its own zone (None: the country's), its sessions kept at their
    wall-clock times.

    ``previous`` is the zone the sessions were entered in (read it before changing
    the country): a coordinator correcting the zone means "09:00 there", not "the
    same instant", so each session moves to 09:00 in the new zone.
    """
    chosen = check_zone(name)
    before = {"time_zone": cohort.time_zone, "zone": previous}
    cohort.time_zone = chosen
    if cohort.zone_name == previous and before["time_zone"] == chosen:
        return
    old, new = zone_info(previous), zone_info(cohort.zone_name)
    if old.key != new.key:
        for session in _sessions_of(cohort):
            session.starts_at = _moved(session.starts_at, old, new)
            session.ends_at = _moved(session.ends_at, old, new)
            _touch(session)
    db.session.flush()
    record(actor, "cohort.time_zone_changed", cohort, before,
           {"time_zone": chosen, "zone": cohort.zone_name})


def _moved(moment: datetime, old, new) -> datetime:
    wall = clock.as_utc(moment).astimezone(old).replace(tzinfo=None)
    return wall.replace(tzinfo=new).astimezone(clock.UTC)


def _sessions_of(cohort: Cohort) -> list[CohortSession]:
    return list(db.session.scalars(select(CohortSession)
                                   .where(CohortSession.cohort_id == cohort.id)))


# ---------------------------------------------------------------- sessions

@dataclass
class SessionData:
    """A session as the form gives it: a day and wall-clock times in the cohort's zone."""

    day: date | None
    starts: time | None
    ends: time | None
    topic: str
    place: str = ""
    online_url: str = ""
    instructor_id: int | None = None
    interpretation_languages: list[str] = field(default_factory=list)


def local_moment(day: date, at: time, zone_name: str, field_name: str) -> datetime:
    """``day`` at ``at`` in the zone, as UTC; refused for a time the clocks skip."""
    zone = zone_info(zone_name)
    local = datetime.combine(day, at.replace(tzinfo=None), tzinfo=zone)
    # A time in the spring-forward gap does not survive the round trip through UTC.
    if local.astimezone(clock.UTC).astimezone(zone).replace(tzinfo=None) != \
            local.replace(tzinfo=None):
        raise DomainError(_("%(time)s does not exist on that day in %(zone)s: the clocks "
                            "change. Choose another time.", time=at.strftime("%H:%M"),
                            zone=zone_name), field=field_name)
    return local.astimezone(clock.UTC)


def _check_link(url: str) -> str:
    url = clean_text(url, "online_url", MAX_LINK, required=False)
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme.lower() != "https" or not parts.hostname or any(c.isspace() for c in url):
        raise DomainError(_("Enter the full address of the online session, starting with "
                            "https://."), field="online_url")
    return url


def _checked(cohort: Cohort, data: SessionData) -> dict:
    """Every rule of a session; returns the column values to write."""
    if data.day is None:
        raise DomainError(_("Enter the date."), field="day")
    if data.starts is None:
        raise DomainError(_("Enter the start time."), field="starts")
    if data.ends is None:
        raise DomainError(_("Enter the end time."), field="ends")
    topic = clean_text(data.topic, "topic", MAX_TOPIC)
    place = clean_text(data.place, "place", MAX_PLACE, required=False)
    link = _check_link(data.online_url)
    if not place and not link:
        raise DomainError(_("Give the place, the online link, or both."), field="place")
    starts_at = local_moment(data.day, data.starts, cohort.zone_name, "starts")
    ends_at = local_moment(data.day, data.ends, cohort.zone_name, "ends")
    if ends_at <= starts_at:
        raise DomainError(_("The session must end after it starts."), field="ends")
    if data.instructor_id is not None and \
            data.instructor_id not in {user.id for user in cohort.instructors}:
        raise DomainError(_("Choose one of the cohort's instructors."), field="instructor_id")
    languages = interpretation_value(cohort.language, data.interpretation_languages)
    return {"starts_at": starts_at, "ends_at": ends_at, "topic": topic, "place": place,
            "online_url": link, "instructor_id": data.instructor_id,
            "interpretation_languages": languages}


def _state(session: CohortSession) -> dict:
    return {"cohort_id": session.cohort_id,
            "starts_at": clock.as_utc(session.starts_at).isoformat(),
            "ends_at": clock.as_utc(session.ends_at).isoformat(),
            "topic": session.topic, "place": session.place, "online_url": session.online_url,
            "instructor_id": session.instructor_id,
            "interpretation_languages": session.interpretation_languages,
            "sequence": session.sequence}


def _touch(session: CohortSession) -> None:
    """A change calendars must pick up: a higher SEQUENCE and a new LAST-MODIFIED."""
    session.sequence = (session.sequence or 0) + 1
    session.updated_at = clock.now()


def add_session(actor: User, cohort: Cohort, data: SessionData) -> CohortSession:
    values = _checked(cohort, data)
    now = clock.now()
    session = CohortSession(cohort_id=cohort.id, sequence=0, created_at=now, updated_at=now,
                            **values)
    db.session.add(session)
    db.session.flush()
    record(actor, "cohort_session.created", session, None, _state(session))
    return session


def update_session(actor: User, session: CohortSession, data: SessionData) -> bool:
    """Save the session; False when nothing changed (no new SEQUENCE for calendars)."""
    values = _checked(session.cohort, data)
    before = _state(session)
    changed = False
    for name, value in values.items():
        current = getattr(session, name)
        if isinstance(current, datetime):
            current = clock.as_utc(current)
        if current != value:
            setattr(session, name, value)
            changed = True
    if not changed:
        return False
    _touch(session)
    db.session.flush()
    record(actor, "cohort_session.updated", session, before, _state(session))
    return True


def delete_session(actor: User, session: CohortSession) -> None:
    """Remove the session; a register already taken for it stays (attendance keeps it)."""
    before = _state(session)
    db.session.delete(session)
    db.session.flush()
    record(actor, "cohort_session.deleted", session, before, None)


# ---------------------------------------------------------------- calendar feeds

def renew_feed(actor: User, cohort: Cohort | None = None) -> str:
    """A new secret token for the actor's feed (of ``cohort``, or of all their cohorts).

    The previous token of the same feed stops working. The token itself is returned
    once, to be shown; only its digest is kept.
    """
    db.session.execute(delete(CalendarFeed).where(
        CalendarFeed.user_id == actor.id,
        CalendarFeed.cohort_id == cohort.id if cohort is not None
        else CalendarFeed.cohort_id.is_(None)))
    token = secrets.token_urlsafe(TOKEN_BYTES)
    feed = CalendarFeed(user_id=actor.id, cohort_id=cohort.id if cohort is not None else None,
                        token_hash=token_digest(token), created_at=clock.now())
    db.session.add(feed)
    db.session.flush()
    # The digest is not logged either: the log says that a feed was renewed, and whose.
    record(actor, "calendar_feed.renewed", feed, None,
           {"user_id": actor.id, "cohort_id": feed.cohort_id})
    return token

