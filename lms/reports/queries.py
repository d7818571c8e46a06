"""Reads for the report screens other than the figures: programs and targets to manage."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from lms.accounts.models import User
from lms.catalog.models import Program
from lms.extensions import db
from lms.reports.models import Target


def manageable_programs(user: User) -> Sequence[Program]:
    """The programs whose targets ``user`` may set: all for admins, else those coordinated."""
    query = select(Program).order_by(Program.code)
    if not user.is_admin:
        query = query.where(Program.id.in_(user.coordinated_program_ids))
    return db.session.scalars(query).all()


def targets_of(program_ids: Sequence[int]) -> Sequence[Target]:
    return db.session.scalars(
        select(Target).where(Target.program_id.in_(program_ids))
        .order_by(Target.program_id, Target.year.desc(), Target.country.is_not(None),
                  Target.country)).all()
