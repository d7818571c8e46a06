"""Forms of the assignment pages: submitting, grading, returning, editing the rubric."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, Form, HiddenField, StringField, SubmitField, TextAreaField
from wtforms.fields import FieldList, FormField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.web.fields import DecimalField

LEVELS_PER_CRITERION = 5
NEW_CRITERIA_BLOCKS = 1


class SubmitForm(FlaskForm):
    text = TextAreaField(_l("Your answer"), validators=[Optional(), Length(max=100_000)])
    file = FileField(_l("File"), description=_l(
        "PDF, Word (.docx), OpenDocument (.odt), text (.txt), JPEG or PNG."))
    submit = SubmitField(_l("Submit"))


class GradeForm(FlaskForm):
    """Feedback and reason; the rubric's radio buttons are read by the view
    (their names depend on the rubric), the percent only when there is no rubric."""

    percent = DecimalField(_l("Grade (percent, 0 to 100)"), places=2,
                           validators=[Optional(), NumberRange(min=0, max=100)])
    feedback = TextAreaField(_l("Feedback to the trainee"),
                             validators=[Optional(), Length(max=20_000)])
    reason = TextAreaField(
        _l("Reason for changing the grade"), validators=[Optional(), Length(max=2_000)],
        description=_l("Required when you change a grade already given; kept in the audit log."))
    save = SubmitField(_l("Save the grade"))


class ReturnForm(FlaskForm):
    message = TextAreaField(
        _l("Message to the trainee"), validators=[DataRequired(), Length(max=20_000)],
        description=_l("Say what to change; the trainee may then submit again."))
    send_back = SubmitField(_l("Return for resubmission"))


class LevelForm(Form):
    id = HiddenField()
    title = StringField(_l("Level"), validators=[Optional(), Length(max=200)])
    points = DecimalField(_l("Points"), places=2,
                          validators=[Optional(), NumberRange(min=0, max=9999)])


class CriterionForm(Form):
    id = HiddenField()
    title = StringField(_l("Criterion"), validators=[Optional(), Length(max=200)])
    delete = BooleanField(_l("Delete this criterion"))
    levels = FieldList(FormField(LevelForm), min_entries=LEVELS_PER_CRITERION,
                       max_entries=LEVELS_PER_CRITERION)


class RubricForm(FlaskForm):
    criteria = FieldList(FormField(CriterionForm), max_entries=200)
    submit = SubmitField(_l("Save the rubric"))
