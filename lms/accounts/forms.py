"""Sign-in, registration, profile and password forms.

Field validators reuse the rules in ``services`` so that a form shows every
problem at once; the services check the same rules again for other callers.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, ValidationError

from lms.accounts import services
from lms.accounts.models import GENDER_TITLES, Institution
from lms.errors import DomainError
from lms.extensions import db
from lms.i18n import current_locale
from lms.kernel.zones import grouped_zone_choices
from lms.web.fields import CountryField, IntegerField, LanguageField

NAME_HINT = _l("Exactly as it should be printed on your certificates.")


def _rule(check: Callable[[str], object]):
    """A WTForms validator from a service rule that raises DomainError."""

    def validator(_form, field) -> None:
        try:
            check(field.data)
        except DomainError as exc:
            raise ValidationError(exc.message) from exc

    return validator


def _optional_int(value: object) -> int | None:
    if value in (None, ""):
        return None
    return int(value)


def _optional_text(value: object) -> str | None:
    return None if value in (None, "") else str(value)


def _gender_field() -> SelectField:
    # Optional: "Prefer not to say" is the blank choice and is stored as NULL.
    return SelectField(_l("Gender"), coerce=_optional_text, description=_l(
        "Optional. Used only for anonymous statistics on who takes part in training."))


def _gender_choices() -> list[tuple[str, object]]:
    return [("", _l("Prefer not to say"))] + [
        (gender.value, title) for gender, title in GENDER_TITLES.items()]


def _time_zone_field() -> SelectField:
    # A plain <select>, grouped by continent: nothing to type wrong, and typing a
    # city's first letters jumps to it. Blank: the zone of the profile's country.
    return SelectField(_l("Time zone"), coerce=_optional_text, validate_choice=False,
                       validators=[_rule(services.check_time_zone)], description=_l(
                           "The agenda shows session times in this zone too, when it "
                           "differs from the cohort's."))


def _time_zone_choices() -> dict[str | None, list[tuple[str, object]]]:
    # The group None is rendered without an <optgroup>: the default stands first, alone.
    choices: dict[str | None, list[tuple[str, object]]] = {
        None: [("", _l("The zone of my country"))]}
    for area, places in grouped_zone_choices():
        choices[area] = list(places)
    return choices


def _email_field(autocomplete: str = "email") -> EmailField:
    return EmailField(_l("Email"), validators=[
        DataRequired(message=_l("Enter your email address.")), Length(max=254)],
        render_kw={"autocomplete": autocomplete, "spellcheck": "false"})


def _new_password_fields(name: str, label) -> tuple[PasswordField, PasswordField]:
    hint = _l("At least %(min)s characters.", min=services.PASSWORD_MIN)
    new = PasswordField(label, description=hint, validators=[
        DataRequired(message=_l("Choose a password.")),
        _rule(services.check_password_rules)],
        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the password"), validators=[
        DataRequired(message=_l("Repeat the password.")),
        EqualTo(name, message=_l("The two passwords do not match."))],
        render_kw={"autocomplete": "new-password"})
    return new, confirm


class LoginForm(FlaskForm):
    # No format check: an unusual stored address must still be able to sign in.
    email = EmailField(_l("Email"), validators=[
        DataRequired(message=_l("Enter your email address."))],
        render_kw={"autocomplete": "username", "spellcheck": "false"})
    password = PasswordField(_l("Password"), validators=[
        DataRequired(message=_l("Enter your password."))],
        render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me signed in on this device"))


class RegisterForm(FlaskForm):
    full_name = StringField(_l("Full name"), description=NAME_HINT, validators=[
        DataRequired(message=_l("Enter your full name.")),
        _rule(services.validate_full_name)],
        render_kw={"autocomplete": "name"})
    email = _email_field()
    password, confirm = _new_password_fields("password", _l("Password"))
    locale = LanguageField(_l("Preferred language"), default=current_locale)
    country = CountryField(_l("Country"), validators=[
        DataRequired(message=_l("Choose your country."))])
    gender = _gender_field()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.gender.choices = _gender_choices()

    def validate_email(self, field) -> None:
        try:
            services.normalise_email(field.data)
        except DomainError as exc:
            raise ValidationError(exc.message) from exc

    def validate_password(self, field) -> None:
        # Compared with the email only here, where both are known.
        if field.data and self.email.data and \
                field.data.strip().lower() == self.email.data.strip().lower():
            raise ValidationError(str(_l("Choose a password that is not your email address.")))


class ProfileForm(FlaskForm):
    full_name = StringField(_l("Full name"), description=NAME_HINT, validators=[
        DataRequired(message=_l("Enter your full name.")),
        _rule(services.validate_full_name)],
        render_kw={"autocomplete": "name"})
    locale = LanguageField(_l("Preferred language"))
    country = CountryField(_l("Country"), validators=[
        DataRequired(message=_l("Choose your country."))])
    institution_id = SelectField(_l("Institution"), coerce=_optional_int,
                                 description=_l("Optional."), validate_choice=True)
    gender = _gender_field()
    time_zone = _time_zone_field()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.institution_id.choices = [("", _l("No institution"))] + [
            (institution.id, institution.name) for institution in db.session.scalars(
                db.select(Institution).order_by(Institution.name))]
        self.gender.choices = _gender_choices()
        self.time_zone.choices = _time_zone_choices()


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[
        DataRequired(message=_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"})
    new_password, confirm_password = _new_password_fields("new_password", _l("New password"))


class ResetRequestForm(FlaskForm):
    email = _email_field()

    def validate_email(self, field) -> None:
        try:
            services.normalise_email(field.data)
        except DomainError as exc:
            raise ValidationError(exc.message) from exc


class ResetPasswordForm(FlaskForm):
    password, confirm = _new_password_fields("password", _l("New password"))


class SessionLookupForm(FlaskForm):
    """An administrator looks a user up by email (a GET form: no CSRF)."""

    email = EmailField(_l("Email"), validators=[
        DataRequired(message=_l("Enter an email address.")), Length(max=254)],
        render_kw={"spellcheck": "false"})


class EndSessionsForm(FlaskForm):
    # The app's integer field: bounded like every id the database can hold.
    user_id = IntegerField(validators=[DataRequired(), NumberRange(min=1)])
