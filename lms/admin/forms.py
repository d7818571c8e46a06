"""The administration forms. Filters are GET forms (no CSRF: they change nothing)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, SearchField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.accounts.models import INSTITUTION_KIND_TITLES
from lms.admin.services import INSTITUTION_NAME_MAX
from lms.web.fields import CountryField, IntegerField

ROLE_TITLES = {
    "admin": _l("Administrator"),
    "coordinator": _l("Program coordinator"),
    "officer": _l("Certifying body officer"),
    "instructor": _l("Instructor"),
    "observer": _l("Program observer"),
    "focal_point": _l("National focal point"),
    "none": _l("No role (trainee)"),
}


def _kind_choices(blank) -> list[tuple[str, str]]:
    choices = [(kind.value, str(title)) for kind, title in INSTITUTION_KIND_TITLES.items()]
    return ([("", str(blank))] if blank else []) + sorted(choices, key=lambda c: c[1])


def _optional_int(value: object) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(str(value))
    except ValueError:
        return -1  # not one of the choices: pre_validate refuses it


class UserFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField(_l("Name or email"), validators=[Optional(), Length(max=254)])
    role = SelectField(_l("Role"), validators=[Optional()])
    country = CountryField(_l("Country"), validators=[Optional()])
    institution = SelectField(_l("Institution"), coerce=_optional_int,
                              validators=[Optional()])

    def __init__(self, *args, institutions=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = [("", str(_l("Any role")))] + [
            (key, str(title)) for key, title in ROLE_TITLES.items()]
        self.institution.choices = [("", str(_l("Any institution")))] + [
            (i.id, i.name) for i in institutions]


class RoleGrantForm(FlaskForm):
    """Give a user a role: a program to coordinate or observe, a body to certify for,
    or admin."""

    role = SelectField(_l("Role"), choices=[], validators=[InputRequired()])
    program_id = SelectField(_l("Program (for a coordinator, an observer or a focal point)"),
                             coerce=_optional_int, validators=[Optional()])
    country = CountryField(_l("Country (for a national focal point)"),
                           validators=[Optional()])
    body_id = SelectField(_l("Certifying body (for an officer)"), coerce=_optional_int,
                          validators=[Optional()])

    def __init__(self, *args, programs=(), bodies=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = [(key, str(ROLE_TITLES[key]))
                             for key in ("coordinator", "observer", "focal_point", "officer",
                                         "admin")]
        self.program_id.choices = [("", "")] + [
            (p.id, f"{p.code}: {p.in_locale('name')}") for p in programs]
        self.body_id.choices = [("", "")] + [(b.id, b.name) for b in bodies]


class RoleRemoveForm(FlaskForm):
    role = HiddenField(validators=[InputRequired()])
    object_id = IntegerField(validators=[Optional(), NumberRange(min=1)])
    # A focal point's role names a country besides the program.
    country = HiddenField(validators=[Optional(), Length(max=2)])


class ActiveForm(FlaskForm):
    active = HiddenField(validators=[InputRequired()])


class InstitutionForm(FlaskForm):
    name = StringField(_l("Name"), validators=[
        DataRequired(message=_l("Enter the institution's name.")),
        Length(max=INSTITUTION_NAME_MAX)])
    kind = SelectField(_l("Kind"), validators=[InputRequired()])
    country = CountryField(_l("Country"), validators=[
        DataRequired(message=_l("Choose a country from the list."))])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = _kind_choices(None)


class InstitutionFilterForm(FlaskForm):
    class Meta:
        csrf = False

    kind = SelectField(_l("Kind"), validators=[Optional()])
    country = CountryField(_l("Country"), validators=[Optional()])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = _kind_choices(_l("Any kind"))


class MergeForm(FlaskForm):
    target_id = SelectField(_l("Merge into"), coerce=_optional_int, validators=[
        DataRequired(message=_l("Choose the institution to keep."))])
    confirm = HiddenField()

    def __init__(self, *args, institutions=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.target_id.choices = [("", "")] + [
            (i.id, f"{i.name} ({i.country})") for i in institutions]


class EmailForm(FlaskForm):
    """Someone who has an account, named by their email."""

    email = EmailField(_l("Email of an existing user"), validators=[
        DataRequired(message=_l("Enter an email address.")), Length(max=254)],
        render_kw={"spellcheck": "false", "autocomplete": "off"})


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    actor = EmailField(_l("Actor's email"), validators=[Optional(), Length(max=254)],
                       render_kw={"spellcheck": "false"})
    object_type = SelectField(_l("Object type"), validators=[Optional()])
    object_id = IntegerField(_l("Object id"), validators=[Optional(), NumberRange(min=1)])
    action = SelectField(_l("Action"), validators=[Optional()])

    def __init__(self, *args, object_types=(), actions=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.object_type.choices = [("", str(_l("Any type")))] + [(t, t) for t in object_types]
        self.action.choices = [("", str(_l("Any action")))] + [(a, a) for a in actions]
