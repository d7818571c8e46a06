"""Forms for tracks (coordinators), logging hours (trainees) and deciding them (supervisors).

Choices that depend on the program (courses, frameworks and their competencies,
certifying bodies) are given per request. The services check them again: a form
is only a convenience, never the rule.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms.catalog.forms import add_translation_fields
from lms.certification.tracks.models import HoursKind
from lms.kernel import clock
from lms.web.fields import CountryField, DateField, DecimalField, IntegerField, LanguageField

TRACK_TRANSLATED = ("title", "description")


def _int_or_none(value) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes, so that the page works without JavaScript."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


_COUNT = dict(validators=[InputRequired(message=_l("Enter a whole number, 0 or more.")),
                          NumberRange(min=0, max=100_000,
                                      message=_l("Enter a whole number, 0 or more."))])


class TrackForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)],
                       description=_l("Letters, digits and hyphens, e.g. PRC-TREAT-MX."))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=10_000)])
    language = LanguageField(_l("Language of the title and description"))
    country = CountryField(_l("Country"), validators=[Optional()])
    certifying_body_id = SelectField(_l("Certifying body"), coerce=_int_or_none,
                                     validators=[InputRequired()])
    framework_id = SelectField(_l("Competency framework"), coerce=_int_or_none)
    course_ids = CheckboxesField(_l("Required courses"), coerce=int)
    competency_ids = CheckboxesField(
        _l("Required competencies"), coerce=int,
        description=_l("Only competencies of the chosen framework can be required."))
    min_hours = IntegerField(
        _l("Minimum course hours"), default=0,
        description=_l("Hours of every completed course of the program count, not only "
                       "the required ones."), **_COUNT)
    practice_hours = IntegerField(_l("Supervised practice hours"), default=0, **_COUNT)
    validity_months = IntegerField(
        _l("Validity in months"), default=36,
        validators=[Optional(), NumberRange(min=1, max=1200, message=_l(
            "Enter a number of months, at least 1, or leave it blank."))],
        description=_l("Leave blank for certificates that do not expire."))
    renewal_hours = IntegerField(
        _l("Continuing-education hours to renew"), default=0,
        description=_l("Earned within the validity period."), **_COUNT)
    auto_issue = BooleanField(_l("Issue certificates as soon as a trainee is eligible"))
    published = BooleanField(_l("Published"), default=True)

    def __init__(self, *args, bodies=(), frameworks=(), courses=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.certifying_body_id.choices = [("", str(_l("Choose a certifying body")))] + [
            (body.id, body.name) for body in bodies]
        self.framework_id.choices = [("", str(_l("No framework")))] + [
            (f.id, f"{f.code} · {f.in_locale('title')}") for f in frameworks]
        self.course_ids.choices = [(c.id, f"{c.code} · {c.in_locale('title')}")
                                   for c in courses]
        self.competency_ids.choices = [
            (c.id, f"{f.code} · {c.code} {c.in_locale('title')}")
            for f in frameworks for c in f.competencies]


add_translation_fields(TrackForm, {
    "title": (StringField, _l("Title"), 200),
    "description": (TextAreaField, _l("Description"), 10_000),
})


def fill_track_form(form: TrackForm, track) -> None:
    for name in ("code", "title", "description", "language", "min_hours", "practice_hours",
                 "validity_months", "renewal_hours", "auto_issue", "published"):
        form[name].data = getattr(track, name)
    form.country.data = track.country or ""
    form.certifying_body_id.data = track.certifying_body_id
    form.framework_id.data = track.framework_id
    form.course_ids.data = [c.id for c in track.courses]
    form.competency_ids.data = [c.id for c in track.competencies]
    for row in track.translations:
        if f"title_{row.locale}" in form:
            form[f"title_{row.locale}"].data = row.title
            form[f"description_{row.locale}"].data = row.description


class ChooseProgramForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that only chooses what to show

    program_id = SelectField(_l("Program"), coerce=int)


class HoursForm(FlaskForm):
    kind = RadioField(_l("Kind of hours"), default=HoursKind.PRACTICE.value,
                      validators=[InputRequired(message=_l("Choose the kind of hours."))])
    worked_on = DateField(_l("Date"), validators=[InputRequired(
        message=_l("Enter the date you worked."))])
    hours = DecimalField(_l("Hours"), places=1, validators=[InputRequired(
        message=_l("Enter between 0.5 and 24 hours."))],
        description=_l("Between 0.5 and 24, in steps of half an hour."))
    place = StringField(_l("Place"), validators=[DataRequired(), Length(max=200)],
                        description=_l("Where you worked, e.g. the clinic's name."))
    description = TextAreaField(_l("What you did"),
                                validators=[DataRequired(), Length(max=2000)])
    supervisor_email = EmailField(
        _l("Supervisor's email address"), validators=[DataRequired(), Length(max=320)],
        description=_l("An instructor of one of the track's courses or a coordinator of "
                       "its program. They receive an email asking them to approve."))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [(kind.value, kind.title) for kind in HoursKind]
        if self.worked_on.data is None and not self.is_submitted():
            self.worked_on.data = clock.today(clock.UTC)


class DecisionForm(FlaskForm):
    decision = SelectField(choices=[("approve", "approve"), ("reject", "reject")],
                           validators=[InputRequired()])
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])
