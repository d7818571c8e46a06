"""The one source of the current time.

Everything that needs "now" or "today" asks here, so that a test can fix the
time in one place (``freeze``) and so that "today" is always somebody's today:
a calendar date only exists in a time zone, and the server's own zone is not
one anybody chose. Records and expiry dates are UTC dates (``today(UTC)``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo

__all__ = ["UTC", "as_utc", "freeze", "frozen", "now", "thaw", "today"]

# Set by tests only; production code never freezes the clock.
_fixed: datetime | None = None


def now() -> datetime:
    """The current moment, timezone-aware, in UTC."""
    if _fixed is not None:
        return _fixed
    return datetime.now(UTC)


def today(zone: tzinfo | str) -> date:
    """The calendar date it is now in ``zone`` (a tzinfo or an IANA name such as "Europe/Paris")."""
    if isinstance(zone, str):
        zone = ZoneInfo(zone)
    return now().astimezone(zone).date()


def as_utc(moment: datetime | None) -> datetime | None:
    """A stored moment as an aware UTC datetime (SQLite hands back naive ones, which are UTC)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def freeze(at: datetime) -> None:
    """Make ``now()`` and ``today()`` answer ``at`` until ``thaw()`` (tests only).

    A naive ``at`` is read as UTC, as stored moments are.
    """
    global _fixed
    _fixed = as_utc(at)


def thaw() -> None:
    """Let the clock run again."""
    global _fixed
    _fixed = None


@contextmanager
def frozen(at: datetime) -> Iterator[None]:
    """``freeze(at)`` for the duration of a ``with`` block, restoring what was there before."""
    global _fixed
    before = _fixed
    freeze(at)
    try:
        yield
    finally:
        _fixed = before
