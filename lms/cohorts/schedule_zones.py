"""Time zones of cohorts: the default from the country, and which names are accepted.

A cohort's sessions happen at wall-clock times in one place, so the cohort names an
IANA zone ("America/Bogota"). Most countries have one zone; for those with several
(Brazil, Mexico, the United States...) the default is the capital's, and the
coordinator may choose another.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.dates import format_date, format_time, get_timezone_location

from lms.kernel import clock

FALLBACK_ZONE = "UTC"
MAX_ZONE_LENGTH = 64

# Countries with several zones: the capital's (CLDR lists them in no useful order).
CAPITAL_ZONES: dict[str, str] = {
    "AR": "America/Argentina/Buenos_Aires",
    "AU": "Australia/Sydney",
    "BR": "America/Sao_Paulo",
    "CA": "America/Toronto",
    "CD": "Africa/Kinshasa",
    "CL": "America/Santiago",
    "CN": "Asia/Shanghai",
    "EC": "America/Guayaquil",
    "ES": "Europe/Madrid",
    "FM": "Pacific/Pohnpei",
    "GL": "America/Nuuk",
    "ID": "Asia/Jakarta",
    "KZ": "Asia/Almaty",
    "KI": "Pacific/Tarawa",
    "MN": "Asia/Ulaanbaatar",
    "MX": "America/Mexico_City",
    "MY": "Asia/Kuala_Lumpur",
    "NZ": "Pacific/Auckland",
    "PF": "Pacific/Tahiti",
    "PG": "Pacific/Port_Moresby",
    "PT": "Europe/Lisbon",
    "RU": "Europe/Moscow",
    "UA": "Europe/Kyiv",
    "UM": "Pacific/Midway",
    "US": "America/New_York",
    "UZ": "Asia/Tashkent",
}


@cache
def known_zones() -> frozenset[str]:
    """IANA names a cohort may use: real places (Area/Location) and UTC."""
    return frozenset(name for name in available_timezones()
                     if "/" in name and not name.startswith(("Etc/", "SystemV/", "posix")))\
        | {FALLBACK_ZONE}


@cache
def country_zones() -> dict[str, tuple[str, ...]]:
    """{country: its zones} from the tz database's zone.tab, the principal zone first."""
    zones: dict[str, list[str]] = {}
    text = resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        country, _coordinates, name, *_comment = line.split("\t")
        if name in known_zones():
            zones.setdefault(country, []).append(name)
    return {country: tuple(names) for country, names in zones.items()}


@cache
def zone_choices() -> tuple[str, ...]:
    """Every zone of every country, sorted: the suggestions next to the field."""
    return tuple(sorted({zone for names in country_zones().values() for zone in names}))


def is_known_zone(name: str | None) -> bool:
    return bool(name) and name in known_zones()


def default_zone(country: str | None) -> str:
    """The zone of ``country`` (ISO 3166 alpha-2): its capital's, else its principal one,
    else UTC."""
    code = (country or "").upper()
    if code in CAPITAL_ZONES:
        return CAPITAL_ZONES[code]
    zones = country_zones().get(code, ())
    return zones[0] if zones else FALLBACK_ZONE


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
