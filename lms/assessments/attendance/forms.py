"""Forms for attendance (PICAP in-person courses): a session, and the register of one."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TimeField
from wtforms.validators import InputRequired, Length

from lms.assessments.attendance.models import AttendanceRecord, AttendanceStatus
from lms.cohorts.models import Enrolment
from lms.web.fields import DateField


def status_choices() -> list[tuple[str, str]]:
    """Choices built per request, so that the labels follow the interface language."""
    return [(AttendanceStatus.PRESENT.value, str(_l("Present"))),
            (AttendanceStatus.ABSENT.value, str(_l("Absent"))),
            (AttendanceStatus.EXCUSED.value, str(_l("Excused")))]


class SessionForm(FlaskForm):
    day = DateField(_l("Date"), validators=[InputRequired(message=_l("Enter the date."))])
    time = TimeField(_l("Time"), validators=[InputRequired(message=_l("Enter the time."))],
                     description=_l("24-hour clock, e.g. 09:30."))
    title = StringField(_l("Title"), validators=[Length(max=200)],
                        description=_l("Optional, e.g. Module 2: use of force."))


def register_form(enrolments: list[Enrolment],
                  existing: dict[int, AttendanceRecord]) -> FlaskForm:
    """A form with one ``status_<enrolment id>`` radio group per trainee on the page.

    Trainees without a record yet start as present: most people in a room are.
    """

    class RegisterForm(FlaskForm):
        pass

    choices = status_choices()
    for enrolment in enrolments:
        row = existing.get(enrolment.id)
        setattr(RegisterForm, f"status_{enrolment.id}", RadioField(
            _l("Attendance"), choices=choices,
            default=row.status if row is not None else AttendanceStatus.PRESENT.value,
            validators=[InputRequired(message=_l("Choose present, absent or excused."))]))
    return RegisterForm()
