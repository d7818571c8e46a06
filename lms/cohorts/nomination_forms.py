"""Forms of the nomination pages: nominate (or substitute) someone, decide a nomination,
withdraw an accepted nominee."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from lms.accounts.models import GENDER_TITLES
from lms.cohorts.forms import optional_int
from lms.cohorts.nominations import REASON_MAX, NominationStatus
from lms.i18n import LANGUAGES

DECISION_TITLES = {
    NominationStatus.ACCEPTED: _l("Accept"),
    NominationStatus.WAITLISTED: _l("Put on the waiting list"),
    NominationStatus.DECLINED: _l("Decline"),
}


class NominateForm(FlaskForm):
    """Someone to nominate: an existing account by email, or a new one (the rest)."""

    country = SelectField(_l("Country"), validators=[InputRequired()])
    email = EmailField(_l("Email address"), validators=[
        DataRequired(message=_l("Enter an email address.")), Length(max=254)],
        render_kw={"spellcheck": "false", "autocomplete": "off"})
    first_name = StringField(_l("First name"), validators=[Optional(), Length(max=60)])
    last_name = StringField(_l("Last name"), validators=[Optional(), Length(max=60)])
    language = SelectField(_l("Language"), validators=[Optional()])
    gender = SelectField(_l("Gender"), validators=[Optional()])
    institution_id = SelectField(_l("Institution"), coerce=optional_int,
                                 validators=[Optional()])
    submit = SubmitField(_l("Nominate"))

    def __init__(self, *args, countries=(), institutions=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = [(code, name) for code, name in countries]
        self.language.choices = [("", str(_l("The cohort's language")))] + list(
            LANGUAGES.items())
        self.gender.choices = [("", str(_l("Not stated")))] + [
            (gender.value, str(title)) for gender, title in GENDER_TITLES.items()]
        self.institution_id.choices = [("", str(_l("None")))] + [
            (institution.id, institution.name) for institution in institutions]


class DecisionForm(FlaskForm):
    decision = SelectField(_l("Decision"), validators=[InputRequired()], choices=[
        (status.value, title) for status, title in DECISION_TITLES.items()])
    reason = TextAreaField(
        _l("Reason"), validators=[Optional(), Length(max=REASON_MAX)],
        description=_l("Required to wait-list or decline; the focal point and the nominee "
                       "read it."))
    submit = SubmitField(_l("Decide"))


class ReleaseForm(FlaskForm):
    """A coordinator withdraws an accepted nominee from the cohort (the reason is required
    by the service, which says so in the page's language)."""

    reason = TextAreaField(
        _l("Reason for the withdrawal"), validators=[Optional(), Length(max=REASON_MAX)],
        description=_l("The focal point and the nominee read it. The country keeps the "
                       "seat: its focal point may name a substitute."))
    submit = SubmitField(_l("Withdraw from the cohort"))
