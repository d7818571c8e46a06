"""Every write to frameworks, competencies, their evidence and sign-offs.

Validate first (raise :class:`lms.errors.DomainError` before changing anything),
change rows, audit, flush; the request commits. Permission checks stay in the
views: services trust their ``actor`` and only record who acted.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import exists, func, select

from lms.assessments.models import Assessment, AssessmentKind
from lms.assessments.observations.models import ObservationItem
from lms.audit.services import record
from lms.audit.services import state as audit_state
from lms.catalog.models import Program
from lms.cohorts.models import Enrolment
from lms.competencies.models import (
    Competency,
    CompetencyTranslation,
    Evidence,
    Framework,
    FrameworkTranslation,
    Signoff,
)
from lms.errors import DomainError, clean_text
from lms.extensions import db
from lms.i18n import LANGUAGES, Translations, apply_translations, check_translations, country_codes
from lms.kernel import clock, events

_FRAMEWORK_CODE = re.compile(r"^[A-Za-z0-9-]+$")
# Competency codes are often numbered like "T1.2".
_COMPETENCY_CODE = re.compile(r"^[A-Za-z0-9.-]+$")
MAX_TITLE = 200
MAX_COMPETENCY_TITLE = 300
MAX_DESCRIPTION = 10_000
MAX_NOTE = 4000

FRAMEWORK_FIELDS = ("program_id", "code", "language", "title", "description", "country",
                    "adapted_from_id")
FRAMEWORK_TRANSLATED = ("title", "description")
COMPETENCY_FIELDS = ("framework_id", "code", "position", "title", "description",
                     "adapted_from_id")
COMPETENCY_TRANSLATED = ("title", "description")


# ---------------------------------------------------------------- helpers

def clean_country(country: str | None) -> str | None:
    """An ISO country code, upper-cased; None for none; DomainError for an unknown one."""
    value = (country or "").strip().upper() or None
    if value is not None and value not in country_codes():
        raise DomainError(_("Choose a country from the list."), field="country")
    return value


def _clean_language(language: str | None) -> str:
    if language not in LANGUAGES:
        raise DomainError(_("Choose a language from the list."), field="language")
    return language


def _clean_framework_code(code: str | None, framework: Framework | None) -> str:
    value = clean_text(code, "code", 40)
    if not _FRAMEWORK_CODE.match(value):
        raise DomainError(_("Use only letters, digits and hyphens."), field="code")
    query = select(Framework.id).where(func.lower(Framework.code) == value.lower())
    if framework is not None:
        query = query.where(Framework.id != framework.id)
    if db.session.scalar(query) is not None:
        raise DomainError(_("Another framework already uses this code."), field="code")
    return value


_FRAMEWORK_LIMITS = {"title": MAX_TITLE, "description": MAX_DESCRIPTION}
_COMPETENCY_LIMITS = {"title": MAX_COMPETENCY_TITLE, "description": MAX_DESCRIPTION}


# ---------------------------------------------------------------- frameworks

def create_framework(actor, *, program: Program, code: str, language: str, title: str,
                     description: str = "", country: str | None = None,
                     translations: Translations | None = None) -> Framework:
    language = _clean_language(language)
    translations = translations or {}
    check_translations(translations, language, _FRAMEWORK_LIMITS)
    framework = Framework(
        program_id=program.id, code=_clean_framework_code(code, None), language=language,
        title=clean_text(title, "title", MAX_TITLE),
        description=clean_text(description, "description", MAX_DESCRIPTION, required=False),
        country=clean_country(country))
    apply_translations(framework, FrameworkTranslation, translations, FRAMEWORK_TRANSLATED)
    db.session.add(framework)
    db.session.flush()
    record(actor, "framework.created", framework, None,
           audit_state(framework, FRAMEWORK_FIELDS, FRAMEWORK_TRANSLATED))
    return framework


def update_framework(actor, framework: Framework, *, code: str, language: str, title: str,
                     description: str = "", country: str | None = None,
                     translations: Translations | None = None) -> Framework:
    language = _clean_language(language)
    translations = translations or {}
    check_translations(translations, language, _FRAMEWORK_LIMITS)
    values = {"code": _clean_framework_code(code, framework), "language": language,
              "title": clean_text(title, "title", MAX_TITLE),
              "description": clean_text(description, "description", MAX_DESCRIPTION,
                                        required=False),
              "country": clean_country(country)}
    before = audit_state(framework, FRAMEWORK_FIELDS, FRAMEWORK_TRANSLATED)
    for name, value in values.items():
        setattr(framework, name, value)
    apply_translations(framework, FrameworkTranslation, translations, FRAMEWORK_TRANSLATED)
    db.session.flush()
    after = audit_state(framework, FRAMEWORK_FIELDS, FRAMEWORK_TRANSLATED)
    if after != before:
        record(actor, "framework.updated", framework, before, after)
    return framework


def adapt_framework(actor, framework: Framework, *, country: str | None,
                    code: str) -> Framework:
    """A country's copy of ``framework``: its texts, translations and competencies.

    Both levels point back at what they copied (``adapted_from``); the copy is then
    edited on its own, and changes to it never reach the original.
    """
    country = clean_country(country)
    if country is None:
        raise DomainError(_("Choose the country of the adaptation."), field="country")
    copy = Framework(
        program_id=framework.program_id, code=_clean_framework_code(code, None),
        language=framework.language, title=framework.title,
        description=framework.description, country=country, adapted_from_id=framework.id)
    for row in framework.translations:
        copy.translations.append(FrameworkTranslation(
            locale=row.locale, title=row.title, description=row.description))
    for competency in framework.competencies:
        twin = Competency(code=competency.code, position=competency.position,
                          title=competency.title, description=competency.description,
                          adapted_from_id=competency.id)
        for row in competency.translations:
            twin.translations.append(CompetencyTranslation(
                locale=row.locale, title=row.title, description=row.description))
        copy.competencies.append(twin)
    db.session.add(copy)
    db.session.flush()
    after = audit_state(copy, FRAMEWORK_FIELDS, FRAMEWORK_TRANSLATED)
    after["competencies"] = [{"id": c.id, "code": c.code, "adapted_from_id": c.adapted_from_id}
                             for c in copy.competencies]
    record(actor, "framework.adapted", copy, None, after)
    return copy


# ---------------------------------------------------------------- competencies

def _clean_competency_code(framework: Framework, code: str | None,
                           competency: Competency | None) -> str:
    value = clean_text(code, "code", 20)
    if not _COMPETENCY_CODE.match(value):
        raise DomainError(_("Use only letters, digits, dots and hyphens."), field="code")
    clash = db.session.scalar(select(Competency.id).where(
        Competency.framework_id == framework.id,
        func.lower(Competency.code) == value.lower()))
    if clash is not None and (competency is None or clash != competency.id):
        raise DomainError(_("Another competency of this framework uses this code."),
                          field="code")
    return value


def _check_position(position: int | None) -> None:
    if position is not None and not 1 <= position <= 10_000:
        raise DomainError(_("Enter a position between 1 and 10000."), field="position")


def add_competency(actor, framework: Framework, *, code: str, title: str,
                   description: str = "", position: int | None = None,
                   translations: Translations | None = None) -> Competency:
    _check_position(position)
    translations = translations or {}
    check_translations(translations, framework.language, _COMPETENCY_LIMITS)
    if position is None:
        highest = db.session.scalar(select(func.max(Competency.position)).where(
            Competency.framework_id == framework.id))
        position = (highest or 0) + 1
    competency = Competency(
        framework_id=framework.id, code=_clean_competency_code(framework, code, None),
        position=position, title=clean_text(title, "title", MAX_COMPETENCY_TITLE),
        description=clean_text(description, "description", MAX_DESCRIPTION, required=False))
    apply_translations(competency, CompetencyTranslation, translations,
                        COMPETENCY_TRANSLATED)
    db.session.add(competency)
    db.session.flush()
    db.session.expire(framework, ["competencies"])
    record(actor, "competency.created", competency, None,
           audit_state(competency, COMPETENCY_FIELDS, COMPETENCY_TRANSLATED))
    return competency


def update_competency(actor, competency: Competency, *, code: str, title: str,
                      description: str = "", position: int | None = None,
                      translations: Translations | None = None) -> Competency:
    _check_position(position)
    framework = competency.framework
    translations = translations or {}
    check_translations(translations, framework.language, _COMPETENCY_LIMITS)
    values = {"code": _clean_competency_code(framework, code, competency),
              "title": clean_text(title, "title", MAX_COMPETENCY_TITLE),
              "description": clean_text(description, "description", MAX_DESCRIPTION,
                                        required=False)}
    if position is not None:
        values["position"] = position
    before = audit_state(competency, COMPETENCY_FIELDS, COMPETENCY_TRANSLATED)
    for name, value in values.items():
        setattr(competency, name, value)
    apply_translations(competency, CompetencyTranslation, translations,
                        COMPETENCY_TRANSLATED)
    db.session.flush()
    after = audit_state(competency, COMPETENCY_FIELDS, COMPETENCY_TRANSLATED)
    if after != before:
        record(actor, "competency.updated", competency, before, after)
    return competency


def competency_in_use(competency: Competency) -> bool:
    """Evidence, an observation item, a sign-off (even withdrawn) or a higher floor uses it
    (a certification track: it answers ``events.competency_referenced``)."""
    uses = (
        exists().where(Evidence.competency_id == competency.id),
        exists().where(ObservationItem.competency_id == competency.id),
        exists().where(Signoff.competency_id == competency.id),
    )
    return any(db.session.execute(select(*uses)).one()) or any(
        events.answers(events.competency_referenced, competency))


def delete_competency(actor, competency: Competency) -> None:
    """Delete a competency nothing refers to; a used one stays, so records keep their meaning."""
    if competency_in_use(competency):
        raise DomainError(_("This competency cannot be deleted: evidence, a sign-off or a "
                            "track refers to it. Remove those first."))
    before = audit_state(competency, COMPETENCY_FIELDS, COMPETENCY_TRANSLATED)
    framework = competency.framework
    db.session.delete(competency)
    db.session.flush()
    db.session.expire(framework, ["competencies"])
    record(actor, "competency.deleted", competency, before, None)


# ---------------------------------------------------------------- evidence

def _clean_min_score(value) -> Decimal:
    try:
        score = Decimal(str(value)) if value is not None and str(value).strip() else None
    except InvalidOperation:
        score = None
    if score is None or not score.is_finite() or not 0 <= score <= 100:
        raise DomainError(_("Enter a minimum score between 0 and 100."), field="min_score")
    return score.quantize(Decimal("0.01"))


def _check_same_program(assessment: Assessment, competency: Competency) -> None:
    if competency.framework.program_id != assessment.course.program_id:
        raise DomainError(_("Choose a competency of this program's frameworks."),
                          field="competency_id")


def _evidence_state(evidence: Evidence) -> dict:
    return {"assessment_id": evidence.assessment_id, "competency_id": evidence.competency_id,
            "min_score": str(evidence.min_score)}


def set_evidence(actor, assessment: Assessment, competency: Competency,
                 min_score) -> Evidence:
    """Map the assessment to the competency, or change the minimum score of the mapping."""
    _check_same_program(assessment, competency)
    score = _clean_min_score(min_score)
    evidence = db.session.get(Evidence, (assessment.id, competency.id))
    before = _evidence_state(evidence) if evidence is not None else None
    if evidence is None:
        evidence = Evidence(assessment_id=assessment.id, competency_id=competency.id)
        db.session.add(evidence)
    evidence.min_score = score
    db.session.flush()
    after = _evidence_state(evidence)
    if after != before:
        record(actor, "competency.evidence_set", assessment, before, after)
    return evidence


def remove_evidence(actor, evidence: Evidence) -> None:
    before = _evidence_state(evidence)
    assessment = db.session.get(Assessment, evidence.assessment_id)
    db.session.delete(evidence)
    db.session.flush()
    record(actor, "competency.evidence_removed", assessment, before, None)


def map_item(actor, item: ObservationItem, competency: Competency | None) -> None:
    """Say which competency a checklist item shows (None: no competency)."""
    assessment = item.assessment
    if assessment.kind != AssessmentKind.OBSERVATION:
        raise DomainError(_("Only a skills observation has a checklist."))
    if competency is not None:
        _check_same_program(assessment, competency)
    new_id = competency.id if competency is not None else None
    if item.competency_id == new_id:
        return
    before = {"competency_id": item.competency_id}
    item.competency_id = new_id
    db.session.flush()
    record(actor, "observation_item.competency_set", item, before, {"competency_id": new_id})


# ---------------------------------------------------------------- sign-offs

def _signoff_state(signoff: Signoff) -> dict:
    return {"user_id": signoff.user_id, "competency_id": signoff.competency_id,
            "assessor_id": signoff.assessor_id, "note": signoff.note,
            "withdrawn": signoff.withdrawn_at is not None,
            "withdrawn_by_id": signoff.withdrawn_by_id,
            "withdrawal_note": signoff.withdrawal_note}


def sign_off(actor, enrolment: Enrolment, competency: Competency, note: str = "") -> Signoff:
    """The assessor judges that the trainee of ``enrolment`` has ``competency``."""
    if competency.framework.program_id != enrolment.cohort.course.program_id:
        raise DomainError(_("Choose a competency of this program's frameworks."),
                          field="competency_id")
    note = clean_text(note, "note", MAX_NOTE, required=False)
    active = db.session.scalar(select(Signoff.id).where(
        Signoff.user_id == enrolment.user_id, Signoff.competency_id == competency.id,
        Signoff.withdrawn_at.is_(None)))
    if active is not None:
        raise DomainError(_("This competency is already signed off for this trainee."),
                          field="competency_id")
    signoff = Signoff(user_id=enrolment.user_id, competency_id=competency.id,
                      assessor_id=getattr(actor, "id", None), note=note)
    db.session.add(signoff)
    db.session.flush()
    record(actor, "competency.signed_off", signoff, None, _signoff_state(signoff))
    events.competency_signed_off.send(signoff, actor=actor)
    return signoff


def withdraw_signoff(actor, signoff: Signoff, note: str) -> Signoff:
    """Withdraw a sign-off (it stays on record); the assessor must say why."""
    if signoff.withdrawn_at is not None:
        raise DomainError(_("This sign-off was already withdrawn."))
    note = clean_text(note, "note", MAX_NOTE)
    before = _signoff_state(signoff)
    signoff.withdrawn_at = clock.now()
    signoff.withdrawn_by_id = getattr(actor, "id", None)
    signoff.withdrawal_note = note
    db.session.flush()
    record(actor, "competency.signoff_withdrawn", signoff, before, _signoff_state(signoff))
    events.competency_withdrawn.send(signoff, actor=actor)
    return signoff
