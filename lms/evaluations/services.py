"""Every write of evaluations: templates and their items, answers and receipts.

Validate, change rows, audit (template edits only: logging who answered an anonymous
questionnaire would undo the anonymity), flush, never commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time

from flask_babel import gettext as _
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError

from lms.audit.services import record
from lms.catalog.models import Program
from lms.cohorts.models import Enrolment
from lms.errors import DomainError, clean_text
from lms.evaluations.defaults import DEFAULT_ITEMS
from lms.evaluations.models import (
    EvaluationAnswer,
    EvaluationItem,
    EvaluationItemTranslation,
    EvaluationKind,
    EvaluationReceipt,
    EvaluationResponse,
    EvaluationTemplate,
    ItemKind,
)
from lms.extensions import db
from lms.i18n import apply_translations, check_translations
from lms.kernel import clock

MAX_ITEM_TEXT = 1000
MAX_ANSWER_TEXT = 4000
MIN_MONTHS, MAX_MONTHS = 1, 36
_TRANSLATED = {"text": MAX_ITEM_TEXT}


class AlreadyAnswered(DomainError):
    """The enrolment has answered this kind of evaluation already; nothing was written."""


# ---------------------------------------------------------------- templates

def template_for(program: Program, kind: str) -> EvaluationTemplate:
    """The program's template of ``kind``, created from the built-in defaults when missing."""
    kind = EvaluationKind(kind)
    template = db.session.scalar(select(EvaluationTemplate).where(
        EvaluationTemplate.program_id == program.id, EvaluationTemplate.kind == kind))
    if template is not None:
        return template
    template = EvaluationTemplate(program=program, kind=kind, anonymous=True)
    for position, (item_kind, texts) in enumerate(DEFAULT_ITEMS[kind], start=1):
        # The item's own text is in the program's language; the others are translations.
        item = EvaluationItem(position=position, kind=item_kind,
                              text=texts.get(program.language) or texts["en"])
        for locale, text in texts.items():
            if locale != program.language:
                item.translations.append(EvaluationItemTranslation(locale=locale, text=text))
        template.items.append(item)
    db.session.add(template)
    db.session.flush()
    return template


def update_settings(actor, template: EvaluationTemplate, *, anonymous: bool,
                    followup_months: int | None = None) -> None:
    """Anonymity applies to answers given from now on; past answers keep theirs."""
    before = {"anonymous": template.anonymous, "followup_months": template.followup_months}
    if template.kind == EvaluationKind.FOLLOWUP:
        if followup_months is None or not MIN_MONTHS <= followup_months <= MAX_MONTHS:
            raise DomainError(_("Give a number of months from %(low)d to %(high)d.",
                                low=MIN_MONTHS, high=MAX_MONTHS), field="followup_months")
        template.followup_months = followup_months
    template.anonymous = bool(anonymous)
    after = {"anonymous": template.anonymous, "followup_months": template.followup_months}
    db.session.flush()
    if after != before:
        record(actor, "evaluation_template.updated", template, before, after)


def _item_state(item: EvaluationItem) -> dict:
    return {"template_id": item.template_id, "position": item.position, "kind": item.kind,
            "text": item.text, "retired": item.retired,
            "translations": {row.locale: row.text
                             for row in sorted(item.translations, key=lambda r: r.locale)}}


def add_item(actor, template: EvaluationTemplate, *, kind: str, text: str,
             translations: Mapping[str, Mapping[str, str]] | None = None) -> EvaluationItem:
    """Append an item (it goes last)."""
    if kind not in set(ItemKind):
        raise DomainError(_("Choose the kind of item."), field="kind")
    value = clean_text(text, "text", MAX_ITEM_TEXT)
    translations = translations or {}
    check_translations(translations, template.program.language, _TRANSLATED)
    highest = db.session.scalar(select(func.max(EvaluationItem.position)).where(
        EvaluationItem.template_id == template.id)) or 0
    item = EvaluationItem(template=template, position=highest + 1, kind=kind, text=value)
    apply_translations(item, EvaluationItemTranslation, translations, tuple(_TRANSLATED))
    db.session.add(item)
    db.session.flush()
    record(actor, "evaluation_item.created", item, None, _item_state(item))
    return item


def has_answers(item: EvaluationItem) -> bool:
    return bool(db.session.scalar(select(exists().where(EvaluationAnswer.item_id == item.id))))


def update_item(actor, item: EvaluationItem, *, text: str,
                translations: Mapping[str, Mapping[str, str]] | None = None) -> EvaluationItem:
    """Reword an item or its translations. Its kind never changes: answers given as a
    number stay numbers."""
    value = clean_text(text, "text", MAX_ITEM_TEXT)
    translations = translations or {}
    check_translations(translations, item.template.program.language, _TRANSLATED)
    before = _item_state(item)
    item.text = value
    apply_translations(item, EvaluationItemTranslation, translations, tuple(_TRANSLATED))
    db.session.flush()
    after = _item_state(item)
    if after != before:
        record(actor, "evaluation_item.updated", item, before, after)
    return item


def move_item(actor, item: EvaluationItem, direction: str) -> bool:
    """Swap the item with its current neighbour ("up" or "down"); False at either end.

    Retired items keep their place at the end; positions are renumbered 1..n."""
    template = item.template
    items = template.current_items
    if item not in items or direction not in ("up", "down"):
        return False
    index = items.index(item)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(items):
        return False
    before = [i.id for i in items]
    items[index], items[target] = items[target], items[index]
    retired = [i for i in template.items if i.retired]
    for position, each in enumerate(items + retired, start=1):
        each.position = position
    db.session.flush()
    record(actor, "evaluation_item.moved", item, {"order": before},
           {"order": [i.id for i in items]})
    return True


def remove_item(actor, item: EvaluationItem) -> bool:
    """Delete an item nobody answered; retire one with answers (hidden from new forms,
    kept with its answers). Returns True when the item was retired."""
    before = _item_state(item)
    if has_answers(item):
        item.retired = True
        db.session.flush()
        record(actor, "evaluation_item.retired", item, before, _item_state(item))
        return True
    template = item.template
    template.items.remove(item)
    db.session.flush()
    record(actor, "evaluation_item.deleted", item, before, None)
    return False


# ---------------------------------------------------------------- answers

def answered(enrolment_id: int, kind: str) -> bool:
    return bool(db.session.scalar(select(exists().where(
        EvaluationReceipt.enrolment_id == enrolment_id, EvaluationReceipt.kind == kind))))


def submit(enrolment: Enrolment, template: EvaluationTemplate,
           answers: Mapping[int, int | str | None]) -> EvaluationResponse:
    """Record one person's answers (``{item id: 1..5 or text}``) and their receipt.

    Refused, with nothing written, when the enrolment answered already, when an answer
    names an item not on the form, or a Likert value is outside 1..5. An anonymous
    response has no user and only the day it was given.
    """
    kind = EvaluationKind(template.kind)
    if answered(enrolment.id, kind):
        raise AlreadyAnswered(_("You have already answered this questionnaire; your "
                                "answers were not changed."))
    items = {item.id: item for item in template.current_items}
    if set(answers) - set(items):
        raise DomainError(_("The questionnaire has changed; please answer it again."))
    now = clock.now()
    response = EvaluationResponse(
        template_id=template.id, cohort_id=enrolment.cohort_id, kind=kind,
        user_id=None if template.anonymous else enrolment.user_id,
        submitted_at=datetime.combine(now.date(), time(), tzinfo=now.tzinfo)
        if template.anonymous else now)
    for item_id, item in items.items():
        given = answers.get(item_id)
        if item.kind == ItemKind.LIKERT:
            if given in (None, ""):
                continue
            if not isinstance(given, int) or not 1 <= given <= 5:
                raise DomainError(_("Choose one of the five answers."), field=f"item_{item_id}")
            response.answers.append(EvaluationAnswer(item_id=item_id, value=given))
        else:
            text = clean_text(given if isinstance(given, str) else "", f"item_{item_id}",
                              MAX_ANSWER_TEXT, required=False)
            if text:
                response.answers.append(EvaluationAnswer(item_id=item_id, text=text))
    try:
        # Two submissions at once (a double click): the receipt's unique key lets one in.
        with db.session.begin_nested():
            db.session.add(response)
            db.session.add(EvaluationReceipt(enrolment_id=enrolment.id, kind=kind, at=now,
                                             anonymous=template.anonymous))
    except IntegrityError as error:
        raise AlreadyAnswered(_("You have already answered this questionnaire; your "
                                "answers were not changed.")) from error
    return response
