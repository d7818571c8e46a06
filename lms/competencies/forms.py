"""Forms for frameworks, competencies, evidence mappings and sign-offs.

Translations are edited next to the original, one ``<attribute>_<locale>`` field per
locale other than the framework's own language (a blank field falls back).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from lms.catalog.forms import add_translation_fields
from lms.web.fields import CountryField, DecimalField, IntegerField, LanguageField

FRAMEWORK_TRANSLATED = ("title", "description")
COMPETENCY_TRANSLATED = ("title", "description")
_CODE_MESSAGE = _l("Use only letters, digits and hyphens.")


class FrameworkForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=40),
                    Regexp(r"^[A-Za-z0-9-]+$", message=_CODE_MESSAGE)],
        description=_l("Letters, digits and hyphens, e.g. PRC-TREAT-MX."))
    language = LanguageField(_l("Language of the title and description"))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=10_000)])
    country = CountryField(
        _l("Country"), validators=[Optional()],
        description=_l("Leave blank for the program's own framework; choose a country "
                       "for a national adaptation."))


add_translation_fields(FrameworkForm, {
    "title": (StringField, _l("Title"), 200),
    "description": (TextAreaField, _l("Description"), 10_000),
})


class NewFrameworkForm(FrameworkForm):
    program_id = SelectField(_l("Program"), coerce=int, validators=[InputRequired()])

    def __init__(self, *args, programs=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.program_id.choices = [(p.id, p.in_locale("name")) for p in programs]


class AdaptForm(FlaskForm):
    country = CountryField(_l("Country of the adaptation"), validators=[DataRequired()])
    code = StringField(
        _l("Code of the adaptation"),
        validators=[DataRequired(), Length(max=40),
                    Regexp(r"^[A-Za-z0-9-]+$", message=_CODE_MESSAGE)])


class CompetencyForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=20), Regexp(
            r"^[A-Za-z0-9.-]+$", message=_l("Use only letters, digits, dots and hyphens."))],
        description=_l("Short, e.g. T1 or 2.3."))
    position = IntegerField(
        _l("Position"), validators=[Optional(), NumberRange(min=1, max=10_000)],
        description=_l("Order within its list; leave blank to put it last."))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Length(max=10_000)])


add_translation_fields(CompetencyForm, {
    "title": (StringField, _l("Title"), 300),
    "description": (TextAreaField, _l("Description"), 10_000),
})


def competency_choices(competencies) -> list[tuple[int, str]]:
    """Choices built per request, labelled in the interface language."""
    return [(c.id, f"{c.framework.code} · {c.code} {c.in_locale('title')}")
            for c in competencies]


class EvidenceForm(FlaskForm):
    """Add a mapping, or change the minimum score of one."""

    action = HiddenField(default="set", validators=[AnyOf(["set"])])
    competency_id = SelectField(_l("Competency"), coerce=int, validators=[InputRequired()])
    min_score = DecimalField(
        _l("Minimum score (percent)"), places=2, default=70,
        validators=[InputRequired(message=_l("Enter a minimum score between 0 and 100.")),
                    NumberRange(min=0, max=100,
                                message=_l("Enter a minimum score between 0 and 100."))])


class RemoveEvidenceForm(FlaskForm):
    action = HiddenField(validators=[AnyOf(["remove"])])
    competency_id = IntegerField(validators=[InputRequired()])


def item_mapping_form(items, choices: list[tuple[int, str]], **kwargs) -> FlaskForm:
    """One select per checklist item (``item_<id>``); 0 means "no competency"."""

    class ItemMappingForm(FlaskForm):
        action = HiddenField(default="items", validators=[AnyOf(["items"])])

    options = [(0, str(_l("No competency"))), *choices]
    for item in items:
        setattr(ItemMappingForm, f"item_{item.id}", SelectField(
            item.in_locale("text"), coerce=int, choices=options,
            default=item.competency_id or 0))
    return ItemMappingForm(**kwargs)


class SignoffForm(FlaskForm):
    competency_id = SelectField(_l("Competency"), coerce=int, validators=[InputRequired()])
    note = TextAreaField(
        _l("Note"), validators=[Length(max=4000)],
        description=_l("Optional: what you saw, where and when."))


class WithdrawForm(FlaskForm):
    note = TextAreaField(
        _l("Why is the sign-off withdrawn?"),
        validators=[DataRequired(), Length(max=4000)])
