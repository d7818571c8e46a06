"""Writes of the reports package: targets. Each flushes; the request commits."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from lms.accounts.models import User
from lms.audit.services import record
from lms.catalog.models import Program
from lms.errors import DomainError
from lms.extensions import db
from lms.i18n import country_codes
from lms.reports.filters import FIRST_YEAR, LAST_YEAR
from lms.reports.models import Target

# No program trains a million people a year: a larger number is a typing slip.
MAX_TARGET = 1_000_000
_FIELDS = ("program_id", "year", "country", "trained", "certified")


def _state(target: Target) -> dict:
    return {name: getattr(target, name) for name in _FIELDS}


def find_target(program_id: int, year: int, country: str | None) -> Target | None:
    # The unique constraint lets two country-less rows through (NULLs never clash):
    # looking the row up first keeps one target per program, year and country.
    country_is = Target.country.is_(None) if country is None else Target.country == country
    return db.session.scalar(select(Target).where(
        Target.program_id == program_id, Target.year == year, country_is))


def set_target(actor: User, program: Program, year: int, country: str | None,
               trained: int, certified: int) -> Target:
    """Create or change the target of ``program`` for ``year`` (and ``country``)."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise DomainError(_("The year must be between %(first)d and %(last)d.",
                            first=FIRST_YEAR, last=LAST_YEAR), field="year")
    country = (country or "").strip().upper() or None
    if country is not None and country not in country_codes():
        raise DomainError(_("Unknown country."), field="country")
    for name, value in (("trained", trained), ("certified", certified)):
        if not 0 <= value <= MAX_TARGET:
            raise DomainError(_("Give a number between 0 and %(max)d.", max=MAX_TARGET),
                              field=name)
    target = find_target(program.id, year, country)
    before = _state(target) if target is not None else None
    if target is None:
        target = Target(program_id=program.id, year=year, country=country)
        db.session.add(target)
    target.trained, target.certified = trained, certified
    db.session.flush()
    record(actor, "report_target.set", target, before=before, after=_state(target))
    return target


def delete_target(actor: User, target: Target) -> None:
    record(actor, "report_target.delete", target, before=_state(target))
    db.session.delete(target)
    db.session.flush()
