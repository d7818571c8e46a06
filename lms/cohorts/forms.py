"""Forms of the cohort pages: cohort settings, enrolment by a coordinator, CSV import."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from lms.cohorts.models import ENROLMENT_STATUS_TITLES
from lms.cohorts.schedule_zones import MAX_ZONE_LENGTH, is_known_zone, zone_choices
from lms.i18n import LANGUAGES
from lms.web.fields import CountryField, DateField, IntegerField, LanguageField

CODE_PATTERN = r"^[A-Za-z0-9_-]+$"


def optional_int(value: object) -> int | None:
    """Coerce a select's value to an id, keeping "no choice" as None."""
    if value in (None, "", "None"):
        return None
    return int(value)  # type: ignore[arg-type]


def email_lines(text: str | None) -> list[str]:
    """The non-blank lines of a textarea, lower-cased: one email address per line.

    Commas and semicolons separate too, because people paste lists from mail clients.
    """
    return [part.strip().lower() for part in re.split(r"[\n,;]+", text or "") if part.strip()]


class LanguageCheckboxes(SelectMultipleField):
    """Languages as checkboxes, each named in itself like the language switcher.

    ``validate_choice`` is off: the service refuses unknown codes with its own
    message, next to the field, so that the form and the service say the same.
    """

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("choices", list(LANGUAGES.items()))
        kwargs.setdefault("validate_choice", False)
        super().__init__(label, validators, **kwargs)


class TimeZoneField(StringField):
    """An IANA zone name typed with suggestions (a datalist of ``zones``); blank is None."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"list": "time-zones", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist) -> None:
        super().process_formdata(valuelist)
        self.data = (self.data or "").strip() or None

    @property
    def zones(self) -> tuple[str, ...]:
        return zone_choices()


class CohortForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=60),
                    Regexp(CODE_PATTERN, message=_l(
                        "Use only letters, digits, hyphens and underscores."))],
        description=_l("Used in CSV imports (the cohort1 column), e.g. PICAP-HR-2025-ES."))
    language = LanguageField(_l("Language of instruction"))
    interpretation_languages = LanguageCheckboxes(
        _l("Interpretation"), validators=[Optional()],
        description=_l("Languages interpreted in the room, besides the language of "
                       "instruction."))
    host_institution_id = SelectField(_l("Host institution"), coerce=optional_int,
                                      validators=[Optional()])
    country = CountryField(_l("Country"), validators=[DataRequired()])
    time_zone = TimeZoneField(
        _l("Time zone"), validators=[Optional(), Length(max=MAX_ZONE_LENGTH)],
        description=_l("Where the sessions' times are read, e.g. America/Bogota. Leave empty "
                       "for the country's (its capital's when it has several)."))
    starts_on = DateField(_l("Starts on"), validators=[DataRequired()])
    ends_on = DateField(_l("Ends on"), validators=[DataRequired()])
    enrol_opens_on = DateField(_l("Enrolment opens on"), validators=[Optional()])
    enrol_closes_on = DateField(
        _l("Enrolment closes on"), validators=[Optional()],
        description=_l("Leave empty to accept enrolments until the cohort ends."))
    capacity = IntegerField(
        _l("Capacity"), validators=[Optional(), NumberRange(min=1)],
        description=_l("Number of seats; leave empty for no limit."))
    self_enrolment = BooleanField(_l("Trainees may enrol themselves"), default=True)
    by_nomination = BooleanField(
        _l("By nomination"), default=False,
        description=_l("National focal points nominate participants, the program's "
                       "coordinators decide. No self-enrolment."))
    seats_per_country = IntegerField(
        _l("Seats per country"), validators=[Optional(), NumberRange(min=1)],
        description=_l("For a cohort by nomination, e.g. 2."))
    nominations_open_on = DateField(_l("Nominations open on"), validators=[Optional()])
    nominations_close_on = DateField(
        _l("Nominations close on"), validators=[Optional()],
        description=_l("Leave empty to accept nominations until the day before the start."))
    instructors = TextAreaField(
        _l("Instructors"), validators=[Optional()],
        description=_l("Email addresses of existing users, one per line."))
    submit = SubmitField(_l("Save"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Cross-field rules: each message goes next to the later of the two dates.
        if self.starts_on.data and self.ends_on.data and self.ends_on.data < self.starts_on.data:
            self.ends_on.errors.append(_("The end date cannot be before the start date."))
            valid = False
        if (self.enrol_opens_on.data and self.enrol_closes_on.data
                and self.enrol_closes_on.data < self.enrol_opens_on.data):
            self.enrol_closes_on.errors.append(_("Enrolment cannot close before it opens."))
            valid = False
        if (self.nominations_open_on.data and self.nominations_close_on.data
                and self.nominations_close_on.data < self.nominations_open_on.data):
            self.nominations_close_on.errors.append(
                _("Nominations cannot close before they open."))
            valid = False
        if self.by_nomination.data and not self.seats_per_country.data \
                and not self.seats_per_country.errors:
            self.seats_per_country.errors.append(
                _("A cohort by nomination needs at least 1 seat per country."))
            valid = False
        if self.time_zone.data and not self.time_zone.errors \
                and not is_known_zone(self.time_zone.data):
            self.time_zone.errors.append(_(
                "Unknown time zone %(zone)s: choose one from the list, such as "
                "America/Bogota.", zone=self.time_zone.data))
            valid = False
        return valid


class EnrolUserForm(FlaskForm):
    """Enrol one existing user; build it with ``prefix="enrol"`` beside the cohort form."""

    email = EmailField(_l("Email address of the user to enrol"),
                       validators=[DataRequired(), Email(check_deliverability=False),
                                   Length(max=254)])
    submit = SubmitField(_l("Enrol"))


class StatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=[
        (status.value, title) for status, title in ENROLMENT_STATUS_TITLES.items()])


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired()],
                     description=_l("Moodle's user upload format: username, email, firstname, "
                                    "lastname, country, lang, institution, cohort1 ..."))
    default_cohort_id = SelectField(
        _l("Default cohort"), coerce=optional_int, validators=[Optional()],
        description=_l("For rows without a cohort1 column."))
    submit = SubmitField(_l("Import"))
