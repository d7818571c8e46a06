"""Forms for managing a course's assessments and a cohort's own windows.

Dates are entered with ``datetime-local`` inputs and read as UTC (the page says so).
Translations of the title and instructions follow the catalog's convention: one
``<attribute>_<locale>`` field per locale, shown for the locales other than the
course's language, blank meaning "show the original".
"""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional

from lms.assessments.models import TestRole
from lms.i18n import LANGUAGES
from lms.web.fields import DateTimeLocalField, DecimalField, IntegerField

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
TRANSLATED = ("title", "instructions")
MAX_INSTRUCTIONS = 20_000

_PERCENT = _l("Enter a number between 0 and 100.")


def _date_field(label, description=None) -> DateTimeLocalField:
    return DateTimeLocalField(label, format=DATETIME_FORMAT, validators=[Optional()],
                              description=description, render_kw={"step": 60})


class WindowForm(FlaskForm):
    opens_at = _date_field(_l("Opens (UTC)"), _l("Leave blank for no opening date."))
    due_at = _date_field(_l("Due (UTC)"), _l("Leave blank for no due date."))


class CohortWindowForm(WindowForm):
    opens_at = _date_field(_l("Opens (UTC)"),
                           _l("Leave both blank to use the course's dates."))
    due_at = _date_field(_l("Due (UTC)"), _l("Leave both blank to use the course's dates."))


class AssessmentForm(WindowForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    instructions = TextAreaField(_l("Instructions"),
                                 validators=[Length(max=MAX_INSTRUCTIONS)])
    pass_mark = DecimalField(
        _l("Pass mark (%)"), places=2, default=Decimal("70"),
        validators=[InputRequired(message=_PERCENT),
                    NumberRange(min=0, max=100, message=_PERCENT)])
    weight = DecimalField(
        _l("Weight"), places=2, default=Decimal("1"),
        validators=[InputRequired(message=_l("Enter a weight of 0 or more.")),
                    NumberRange(min=0, max=9999, message=_l("Enter a weight of 0 or more."))],
        description=_l("Its share in the course's weighted total; 0 counts for nothing."))
    required = BooleanField(_l("Required to complete the course"), default=True)
    published = BooleanField(_l("Visible to trainees"), default=True)
    position = IntegerField(
        _l("Position"), validators=[Optional(), NumberRange(min=1, max=10_000)],
        description=_l("Order within the course; leave blank to put it last."))
    # Quiz
    attempts_allowed = IntegerField(
        _l("Attempts allowed"), validators=[Optional(), NumberRange(min=1, max=100)],
        description=_l("Leave blank for unlimited attempts."))
    time_limit_minutes = IntegerField(
        _l("Time limit (minutes)"), validators=[Optional(), NumberRange(min=1, max=1440)],
        description=_l("Leave blank for no time limit."))
    shuffle_questions = BooleanField(_l("Shuffle the questions for each attempt"))
    review_allowed = BooleanField(_l("Trainees may review their answers after submitting"),
                                  default=True)
    # Only these three values; absent (the kinds without the field) reads as None.
    test_role = SelectField(
        _l("Measures learning as"), default="", validate_choice=False,
        choices=[("", _l("Neither")), (TestRole.PRE.value, _l("The course's pre-test")),
                 (TestRole.POST.value, _l("The course's post-test"))],
        validators=[AnyOf(("", TestRole.PRE.value, TestRole.POST.value, None),
                          message=_l("Choose pre-test, post-test or neither."))],
        description=_l("The learning report compares each trainee's pre-test and post-test "
                       "scores. A course has at most one of each."))
    # Assignment
    accepts_text = BooleanField(_l("Accepts a text answer"), default=True)
    accepts_file = BooleanField(_l("Accepts a file"))


def _translation_label(label, locale: str):
    return _l("%(field)s (%(language)s)", field=label, language=LANGUAGES[locale])


for _locale in LANGUAGES:
    setattr(AssessmentForm, f"title_{_locale}", StringField(
        _translation_label(_l("Title"), _locale),
        validators=[Optional(), Length(max=200)], render_kw={"lang": _locale}))
    setattr(AssessmentForm, f"instructions_{_locale}", TextAreaField(
        _translation_label(_l("Instructions"), _locale),
        validators=[Optional(), Length(max=MAX_INSTRUCTIONS)], render_kw={"lang": _locale}))

KIND_FIELDS = {
    "quiz": ("attempts_allowed", "time_limit_minutes", "shuffle_questions", "review_allowed",
             "test_role"),
    "assignment": ("accepts_text", "accepts_file"),
    "observation": (),
    "attendance": (),
}
