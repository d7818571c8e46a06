"""The gradebook's one form: an instructor replacing a grade, with a reason."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from lms.web.fields import DecimalField


class OverrideForm(FlaskForm):
    percent = DecimalField(
        _l("Grade (%)"), places=2,
        validators=[InputRequired(message=_l("Enter a number between 0 and 100.")),
                    NumberRange(min=0, max=100,
                                message=_l("Enter a number between 0 and 100."))])
    reason = TextAreaField(
        _l("Reason for the change"),
        validators=[DataRequired(message=_l("Give a reason for changing this grade.")),
                    Length(max=2000)],
        description=_l("Kept in the grade's history and the audit log."))
    feedback = TextAreaField(_l("Feedback to the trainee (optional)"),
                             validators=[Length(max=10_000)])
