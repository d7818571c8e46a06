"""Time zones of cohorts: the default from the country, and which names are accepted.

A cohort's sessions happen at wall-clock times in one place, so the cohort names an
IANA zone ("America/Bogota"): by default its country's (lms.kernel.zones), or another
the coordinator chooses. People may name their own zone too (``User.time_zone``);
``viewer_zone`` says which zone a person reads times in.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_time, get_timezone_location

from lms.kernel import clock

# The names and defaults are shared with people's own zones (lms.accounts), one floor
# down; re-exported here for the cohort code that has always read them from this module.
from lms.kernel.zones import (  # noqa: F401
    CAPITAL_ZONES,
    FALLBACK_ZONE,
    MAX_ZONE_LENGTH,
    country_zones,
    default_zone,
    is_known_zone,
    known_zones,
    zone_choices,
)


def zone_info(name: str | None) -> ZoneInfo:
    """The tzinfo of ``name``; UTC for a name this machine does not know."""
    try:
        return ZoneInfo(name if is_known_zone(name) else FALLBACK_ZONE)
    except ZoneInfoNotFoundError:  # pragma: no cover - tzdata is a dependency
        return ZoneInfo(FALLBACK_ZONE)


def in_zone(moment: datetime, name: str | None) -> datetime:
    """A stored moment (aware, or naive UTC from SQLite) as wall-clock time in ``name``."""
    return clock.as_utc(moment).astimezone(zone_info(name))


def zone_label(name: str, locale: str) -> str:
    """The zone as people name it, in ``locale``: "hora de Colombia", "UTC"."""
    if name == FALLBACK_ZONE:
        return FALLBACK_ZONE
    return get_timezone_location(zone_info(name), locale=locale)


def wall_day(moment: datetime, name: str, locale: str) -> str:
    """The date of ``moment`` in the zone, written out: "Thursday, October 29, 2026"."""
    return format_date(in_zone(moment, name).date(), "full", locale=locale)


def wall_time(moment: datetime, name: str, locale: str) -> str:
    """The clock time of ``moment`` in the zone, in the reader's format: "9:00 AM", "09:00"."""
    return format_time(in_zone(moment, name).replace(tzinfo=None), "short", locale=locale)


def viewer_zone(user) -> str | None:
    """The zone ``user`` reads times in: the one chosen on their profile, else their
    country's; None for someone who said neither (or an anonymous visitor)."""
    own = getattr(user, "time_zone", None)
    if is_known_zone(own):
        return own
    country = getattr(user, "country", None)
    return default_zone(country) if country else None
