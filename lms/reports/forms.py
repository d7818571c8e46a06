"""The target form. The report's filters are read by ``filters.parse_filters``, not a
form class: they live in the URL and a bad value is reported and left out."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import InputRequired, NumberRange, Optional

from lms.reports.filters import FIRST_YEAR, LAST_YEAR
from lms.reports.services import MAX_TARGET
from lms.web.fields import CountryField, IntegerField


def _program_id(value: object) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(str(value))
    except ValueError:
        return -1  # not one of the choices: pre_validate refuses it


class TargetForm(FlaskForm):
    program_id = SelectField(_l("Program"), coerce=_program_id, validators=[InputRequired()])
    year = IntegerField(_l("Year"), validators=[
        InputRequired(), NumberRange(min=FIRST_YEAR, max=LAST_YEAR)])
    country = CountryField(_l("Country (leave empty for the whole program)"),
                           validators=[Optional()])
    trained = IntegerField(_l("People to train"), validators=[
        InputRequired(), NumberRange(min=0, max=MAX_TARGET)])
    certified = IntegerField(_l("People to certify"), validators=[
        InputRequired(), NumberRange(min=0, max=MAX_TARGET)])

    def __init__(self, *args, programs=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.program_id.choices = [(p.id, f"{p.code}: {p.in_locale('name')}") for p in programs]
