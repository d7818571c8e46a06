"""Which IANA time zone names the application accepts, and each country's default.

Cohorts (their sessions' wall-clock times) and people (the zone they read times in)
both name a zone; the list and the rules live on the ground floor so that accounts
and cohorts share them. Most countries have one zone; for those with several
(Brazil, Mexico, the United States...) the default is the capital's.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from zoneinfo import available_timezones

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
    """IANA names one may use: real places (Area/Location) and UTC."""
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
    """Every zone of every country, sorted: the ones offered in lists.

    Aliases ("US/Eastern", "Asia/Calcutta") are accepted but not offered: each
    place appears once, under the name the tz database keeps for it now.
    """
    return tuple(sorted({zone for names in country_zones().values() for zone in names}))


@cache
def grouped_zone_choices() -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """``zone_choices`` by area, for a <select> with <optgroup>s: ("America",
    (("America/Bogota", "Bogota"), ...)). A long list is easier to scan by continent,
    and typing the city's first letters jumps to it."""
    areas: dict[str, list[tuple[str, str]]] = {}
    for name in zone_choices():
        area, place = name.split("/", 1)
        areas.setdefault(area, []).append((name, place.replace("_", " ")))
    return tuple((area, tuple(places)) for area, places in sorted(areas.items()))


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
