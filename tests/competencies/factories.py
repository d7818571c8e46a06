"""Factories for competencies: each builds one thing with sensible defaults and flushes."""

from __future__ import annotations

import itertools
from decimal import Decimal

from lms.accounts.models import User
from lms.assessments.models import Assessment
from lms.catalog.models import Program
from lms.competencies.models import Competency, Evidence, Framework, Signoff
from lms.extensions import db

_seq = itertools.count(1)


def make_framework(program: Program, code: str | None = None, competencies: int = 3,
                   country: str | None = None, *, title: str | None = None,
                   language: str = "en") -> Framework:
    """A framework of ``program`` with competencies C1..Cn (positions 1..n)."""
    n = next(_seq)
    framework = Framework(program_id=program.id, code=code or f"FW-{n}", language=language,
                          title=title or f"Framework {n}",
                          description=f"Description of framework {n}", country=country)
    for i in range(1, competencies + 1):
        framework.competencies.append(Competency(
            code=f"C{i}", position=i, title=f"Competency {i} of framework {n}",
            description=f"What competency {i} means"))
    db.session.add(framework)
    db.session.flush()
    return framework


def add_evidence(assessment: Assessment, competency: Competency,
                 min_score: int | Decimal = 70) -> Evidence:
    evidence = Evidence(assessment_id=assessment.id, competency_id=competency.id,
                        min_score=Decimal(min_score))
    db.session.add(evidence)
    db.session.flush()
    return evidence


def sign_off(user: User, competency: Competency, assessor: User | None,
             note: str = "") -> Signoff:
    signoff = Signoff(user_id=user.id, competency_id=competency.id,
                      assessor_id=assessor.id if assessor else None, note=note)
    db.session.add(signoff)
    db.session.flush()
    return signoff
