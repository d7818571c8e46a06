"""Forms of the officers' certificate pages (all POST forms carry a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Length
from wtforms.widgets import HiddenInput

from lms.web.fields import IntegerField

MAX_REASON = 1000


class ActionForm(FlaskForm):
    """A button with nothing to fill in (issue all, renew): only the CSRF token."""


class IssueForm(FlaskForm):
    user_id = IntegerField(validators=[InputRequired()], widget=HiddenInput())


class RevokeForm(FlaskForm):
    # The service explains a blank reason, so the field has no validator of its own.
    reason = TextAreaField(_l("Reason for revoking"), validators=[Length(max=MAX_REASON)],
                           description=_l("Shown on the public verification page."))


class CorrectNameForm(FlaskForm):
    full_name = StringField(_l("Corrected full name"), validators=[Length(max=200)],
                            description=_l("A new certificate with a new ID replaces this "
                                           "one; the old ID then shows as superseded."))
