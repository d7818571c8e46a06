"""Every write of skills observation: the checklist's items and the assessors' records.

Validate, change rows, audit, flush (never commit). A trainee's grade is computed
from the checklist once every item has a verdict (met or not yet): the percentage
of items met, written through ``grades.set_grade`` as a computed grade.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from lms.assessments import grades
from lms.assessments.models import Assessment, AssessmentKind, Grade, GradeSource
from lms.assessments.observations.models import (
    Observation,
    ObservationItem,
    ObservationItemTranslation,
    ObservationResult,
)
from lms.audit.services import record
from lms.cohorts.models import Enrolment
from lms.errors import DomainError, clean_text
from lms.extensions import db
from lms.i18n import apply_translations, check_translations

MAX_ITEM_TEXT = 2000
# The translated field of an item and its longest text.
_TRANSLATED = {"text": MAX_ITEM_TEXT}
MAX_COMMENT = 4000
VERDICTS = (ObservationResult.MET, ObservationResult.NOT_YET)


# ---------------------------------------------------------------- checklist items

def _item_state(item: ObservationItem) -> dict:
    return {"assessment_id": item.assessment_id, "position": item.position, "text": item.text,
            "translations": {row.locale: row.text
                             for row in sorted(item.translations, key=lambda r: r.locale)}}


def _require_observation(assessment: Assessment) -> None:
    if assessment.kind != AssessmentKind.OBSERVATION:
        raise DomainError(_("Only a skills observation has a checklist."))


def _ordered_items(assessment: Assessment) -> list[ObservationItem]:
    return list(db.session.scalars(
        select(ObservationItem).where(ObservationItem.assessment_id == assessment.id)
        .order_by(ObservationItem.position, ObservationItem.id)))


def add_item(actor, assessment: Assessment, *, text: str,
             translations: Mapping[str, Mapping[str, str]] | None = None) -> ObservationItem:
    """Append an item to the checklist (it goes last)."""
    _require_observation(assessment)
    value = clean_text(text, "text", MAX_ITEM_TEXT)
    translations = translations or {}
    check_translations(translations, assessment.course.language, _TRANSLATED)
    highest = db.session.scalar(select(func.max(ObservationItem.position)).where(
        ObservationItem.assessment_id == assessment.id)) or 0
    item = ObservationItem(assessment=assessment, position=highest + 1, text=value)
    apply_translations(item, ObservationItemTranslation, translations, tuple(_TRANSLATED))
    db.session.add(item)
    db.session.flush()
    record(actor, "observation_item.created", item, None, _item_state(item))
    return item


def update_item(actor, item: ObservationItem, *, text: str,
                translations: Mapping[str, Mapping[str, str]] | None = None) -> ObservationItem:
    value = clean_text(text, "text", MAX_ITEM_TEXT)
    translations = translations or {}
    check_translations(translations, item.assessment.course.language, _TRANSLATED)
    before = _item_state(item)
    item.text = value
    apply_translations(item, ObservationItemTranslation, translations, tuple(_TRANSLATED))
    db.session.flush()
    after = _item_state(item)
    if after != before:
        record(actor, "observation_item.updated", item, before, after)
    return item


def move_item(actor, item: ObservationItem, direction: str) -> bool:
    """Swap the item with its neighbour ("up" or "down"); False at either end.

    Positions are renumbered 1..n on the way, so that gaps or ties left by earlier
    changes cannot make a move do nothing.
    """
    items = _ordered_items(item.assessment)
    index = items.index(item)
    target = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= target < len(items):
        return False
    before = [i.id for i in items]
    items[index], items[target] = items[target], items[index]
    for position, each in enumerate(items, start=1):
        each.position = position
    db.session.flush()
    record(actor, "observation_item.moved", item, {"order": before},
           {"order": [i.id for i in items]})
    return True


def delete_item(actor, item: ObservationItem) -> None:
    """Remove the item and its observations; regrade trainees whose checklist is now complete."""
    assessment = item.assessment
    before = _item_state(item)
    affected = list(db.session.scalars(
        select(Observation.enrolment_id).where(Observation.item_id == item.id)))
    db.session.delete(item)
    db.session.flush()
    record(actor, "observation_item.deleted", item, before, None)
    remaining = _ordered_items(assessment)
    for position, each in enumerate(remaining, start=1):
        each.position = position
    db.session.flush()
    grade_complete(actor, assessment, affected)


# ---------------------------------------------------------------- observations

@dataclass(frozen=True)
class ObservationEntry:
    """What the assessor chose for one item."""

    result: str
    comment: str = ""
    observed_on: date | None = None


def _observation_state(row: Observation) -> dict:
    return {"item_id": row.item_id, "enrolment_id": row.enrolment_id, "result": row.result,
            "comment": row.comment,
            "observed_on": row.observed_on.isoformat() if row.observed_on else None,
            "assessor_id": row.assessor_id}


def _clean_entry(item_id: int, entry: ObservationEntry, today: date) -> ObservationEntry:
    try:
        result = ObservationResult(entry.result)
    except ValueError as exc:
        raise DomainError(_("Choose a result."), field=f"result_{item_id}") from exc
    comment = (entry.comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise DomainError(_("Use at most %(max)d characters.", max=MAX_COMMENT),
                          field=f"comment_{item_id}")
    if result == ObservationResult.NOT_OBSERVED:
        return ObservationEntry(result, comment, None)
    observed_on = entry.observed_on or today
    if observed_on > today:
        raise DomainError(_("The date observed cannot be in the future."),
                          field=f"observed_on_{item_id}")
    return ObservationEntry(result, comment, observed_on)


def record_observations(actor, assessment: Assessment, enrolment: Enrolment,
                        entries: Mapping[int, ObservationEntry], *,
                        today: date) -> Grade | None:
    """Save the assessor's verdicts for one trainee, then grade when the checklist is complete.

    ``entries`` maps item ids of this assessment to what was chosen; items not in
    it keep their rows. Every row that changes is audited with before and after.
    Returns the grade written, or None while some item is still "not observed".
    """
    _require_observation(assessment)
    items = {item.id: item for item in _ordered_items(assessment)}
    unknown = set(entries) - set(items)
    if unknown:
        raise DomainError(_("This item is not on the checklist any more. "
                            "Reload the page and try again."))
    cleaned = {item_id: _clean_entry(item_id, entry, today)
               for item_id, entry in entries.items()}
    # Two assessors saving the same trainee at once: the second waits for the first
    # (PostgreSQL row lock; SQLite takes the write lock when the request begins).
    db.session.execute(select(Enrolment.id).where(Enrolment.id == enrolment.id)
                       .with_for_update())
    existing = {row.item_id: row for row in db.session.scalars(select(Observation).where(
        Observation.enrolment_id == enrolment.id, Observation.item_id.in_(list(items))))}
    for item_id, entry in cleaned.items():
        row = existing.get(item_id)
        before = _observation_state(row) if row is not None else None
        if row is None:
            if entry.result == ObservationResult.NOT_OBSERVED and not entry.comment:
                continue  # nothing to keep: no row means "not observed"
            row = Observation(item_id=item_id, enrolment_id=enrolment.id)
            db.session.add(row)
        unchanged = (row.result == entry.result and row.comment == entry.comment
                     and row.observed_on == entry.observed_on)
        if before is not None and unchanged:
            continue
        row.result = entry.result
        row.comment = entry.comment
        row.observed_on = entry.observed_on
        row.assessor_id = getattr(actor, "id", None)
        db.session.flush()
        record(actor, "observation.recorded", row, before, _observation_state(row))
    return grade_complete(actor, assessment, [enrolment.id]).get(enrolment.id)


def percent_met(met: int, items: int) -> Decimal:
    return Decimal(met) * 100 / Decimal(items)


def grade_complete(actor, assessment: Assessment,
                   enrolment_ids: Iterable[int]) -> dict[int, Grade]:
    """Write the grade of every listed enrolment whose checklist has a verdict on each item.

    Returns {enrolment id: grade} for those complete; an unchanged grade is not rewritten.
    """
    ids = sorted(set(enrolment_ids))
    total = db.session.scalar(select(func.count()).select_from(ObservationItem).where(
        ObservationItem.assessment_id == assessment.id)) or 0
    if not ids or not total:
        return {}
    met = func.sum(case((Observation.result == ObservationResult.MET, 1), else_=0))
    observed = func.sum(case((Observation.result.in_(list(VERDICTS)), 1), else_=0))
    tallies = db.session.execute(
        select(Observation.enrolment_id, met, observed)
        .join(ObservationItem, ObservationItem.id == Observation.item_id)
        .where(ObservationItem.assessment_id == assessment.id,
               Observation.enrolment_id.in_(ids))
        .group_by(Observation.enrolment_id)).all()
    complete = {row[0]: int(row[1] or 0) for row in tallies if int(row[2] or 0) >= total}
    if not complete:
        return {}
    enrolments = list(db.session.scalars(
        select(Enrolment).where(Enrolment.id.in_(list(complete)))))
    current = {g.enrolment_id: g for g in db.session.scalars(select(Grade).where(
        Grade.assessment_id == assessment.id, Grade.enrolment_id.in_(list(complete))))}
    written: dict[int, Grade] = {}
    for enrolment in enrolments:
        value = grades.as_percent(percent_met(complete[enrolment.id], total))
        grade = current.get(enrolment.id)
        # Saving a comment changes no grade: leave it (and the audit log) alone.
        if grade is not None and grade.source == GradeSource.AUTO and grade.percent == value \
                and grade.passed == (value >= Decimal(assessment.pass_mark)):
            written[enrolment.id] = grade
            continue
        written[enrolment.id] = grades.set_grade(assessment, enrolment, value, actor=actor,
                                                 source=GradeSource.AUTO)
    return written
