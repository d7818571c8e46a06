"""Forms for skills observation: the checklist's items and an assessor's record.

An item's translations are edited next to its text, one ``text_<locale>`` field per
locale other than the course's own language (a blank field falls back to the text).
The record form is built per trainee page: one result, comment and date per item.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional

from lms.assessments.observations.models import ObservationItem, ObservationResult
from lms.i18n import LANGUAGES
from lms.web.fields import DateField, IntegerField

MAX_ITEM_TEXT = 2000
MAX_COMMENT = 4000
ITEM_TRANSLATED = ("text",)


def result_choices() -> list[tuple[str, str]]:
    """Choices built per request, so that the labels follow the interface language."""
    return [(ObservationResult.MET.value, str(_l("Met"))),
            (ObservationResult.NOT_YET.value, str(_l("Not yet"))),
            (ObservationResult.NOT_OBSERVED.value, str(_l("Not observed")))]


class ObservationItemForm(FlaskForm):
    """Add an item (``item_id`` blank) or edit one."""

    item_id = HiddenField()
    text = TextAreaField(_l("What the trainee must show"),
                         validators=[DataRequired(), Length(max=MAX_ITEM_TEXT)])


for _locale, _language in LANGUAGES.items():
    setattr(ObservationItemForm, f"text_{_locale}", TextAreaField(
        _l("%(field)s (%(language)s)", field=_l("What the trainee must show"),
           language=_language),
        validators=[Optional(), Length(max=MAX_ITEM_TEXT)], render_kw={"lang": _locale}))


class ItemActionForm(FlaskForm):
    """The small buttons beside each item: move up, move down, delete."""

    action = HiddenField(validators=[AnyOf(["up", "down", "delete"])])
    item_id = IntegerField(validators=[InputRequired()])


def item_translations(form: ObservationItemForm, locales: list[str]) -> dict[str, dict[str, str]]:
    """``{locale: {"text": ...}}`` from the form, stripped."""
    return {locale: {"text": (form[f"text_{locale}"].data or "").strip()}
            for locale in locales}


def fill_item(form: ObservationItemForm, item: ObservationItem) -> None:
    form.item_id.data = str(item.id)
    form.text.data = item.text
    for row in item.translations:
        if row.locale in LANGUAGES:
            form[f"text_{row.locale}"].data = row.text


def record_form(items: list[ObservationItem], existing: dict, today: date) -> FlaskForm:
    """A form with ``result_<id>``, ``comment_<id>`` and ``observed_on_<id>`` per item.

    ``existing`` maps item ids to the trainee's Observation rows; their values fill
    the form on GET. The date defaults to today.
    """

    class RecordForm(FlaskForm):
        pass

    choices = result_choices()
    for item in items:
        setattr(RecordForm, f"result_{item.id}", RadioField(
            _l("Result"), choices=choices, default=ObservationResult.NOT_OBSERVED.value,
            validators=[InputRequired(message=_l("Choose a result."))]))
        setattr(RecordForm, f"comment_{item.id}", TextAreaField(
            _l("Comment"), validators=[Length(max=MAX_COMMENT)]))
        setattr(RecordForm, f"observed_on_{item.id}", DateField(
            _l("Date observed"), validators=[Optional()], default=today))
    data = {}
    for item in items:
        row = existing.get(item.id)
        if row is not None:
            data[f"result_{item.id}"] = row.result
            data[f"comment_{item.id}"] = row.comment
            data[f"observed_on_{item.id}"] = row.observed_on or today
    # On POST the submitted values take precedence over ``data``.
    return RecordForm(data=data)
