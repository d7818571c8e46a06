"""Forms for evaluations: editing a template's items and settings, and answering one.

An item's translations are edited next to its text, one ``text_<locale>`` field per
locale other than the program's language (blank falls back to the text). The answer
form is built per questionnaire: ``item_<id>`` per current item.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional

from lms.evaluations.models import LIKERT_LABELS, EvaluationItem, ItemKind
from lms.evaluations.services import MAX_ANSWER_TEXT, MAX_ITEM_TEXT, MAX_MONTHS, MIN_MONTHS
from lms.i18n import LANGUAGES
from lms.web.fields import IntegerField

_STATEMENT = _l("Statement or question")


def item_kind_choices() -> list[tuple[str, str]]:
    return [(ItemKind.LIKERT.value, str(_l("Agreement from 1 to 5"))),
            (ItemKind.TEXT.value, str(_l("Free-text answer")))]


class ItemForm(FlaskForm):
    """Add an item (``item_id`` blank) or edit one (its kind then stays)."""

    item_id = HiddenField()
    kind = SelectField(_l("Kind of answer"), choices=item_kind_choices,
                       default=ItemKind.LIKERT.value,
                       validators=[AnyOf([k.value for k in ItemKind])])
    text = TextAreaField(_STATEMENT, validators=[DataRequired(), Length(max=MAX_ITEM_TEXT)])


for _locale, _language in LANGUAGES.items():
    setattr(ItemForm, f"text_{_locale}", TextAreaField(
        _l("%(field)s (%(language)s)", field=_STATEMENT, language=_language),
        validators=[Optional(), Length(max=MAX_ITEM_TEXT)], render_kw={"lang": _locale}))


class ItemActionForm(FlaskForm):
    """The small buttons beside each item: move up, move down, remove."""

    action = HiddenField(validators=[AnyOf(["up", "down", "remove"])])
    item_id = IntegerField(validators=[InputRequired()])


class SettingsForm(FlaskForm):
    anonymous = BooleanField(_l("Anonymous: answers are not linked to the person"))
    followup_months = IntegerField(
        _l("Months after completion to send the follow-up survey"),
        validators=[Optional(), NumberRange(min=MIN_MONTHS, max=MAX_MONTHS)])


def item_translations(form: ItemForm, locales: list[str]) -> dict[str, dict[str, str]]:
    return {locale: {"text": (form[f"text_{locale}"].data or "").strip()}
            for locale in locales}


def fill_item(form: ItemForm, item: EvaluationItem) -> None:
    form.item_id.data = str(item.id)
    form.kind.data = item.kind
    form.text.data = item.text
    for row in item.translations:
        if row.locale in LANGUAGES:
            form[f"text_{row.locale}"].data = row.text


def likert_choices() -> list[tuple[int, str]]:
    """Built per request, so that the labels follow the interface language."""
    return [(value, str(label)) for value, label in enumerate(LIKERT_LABELS, start=1)]


def answer_form(items: list[EvaluationItem]) -> FlaskForm:
    """One ``item_<id>`` field per item: five choices, or a text box (optional)."""

    class AnswerForm(FlaskForm):
        pass

    choices = likert_choices()
    for item in items:
        if item.kind == ItemKind.LIKERT:
            field = RadioField(item.in_locale("text"), choices=choices, coerce=int,
                               validators=[InputRequired(message=_l("Choose an answer."))])
        else:
            field = TextAreaField(item.in_locale("text"),
                                  validators=[Optional(), Length(max=MAX_ANSWER_TEXT)])
        setattr(AnswerForm, f"item_{item.id}", field)
    return AnswerForm()


def answers_of(form: FlaskForm, items: list[EvaluationItem]) -> dict[int, int | str | None]:
    return {item.id: form[f"item_{item.id}"].data for item in items}
