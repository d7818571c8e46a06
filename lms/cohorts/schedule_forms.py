"""The form of a cohort's session; the service checks the rules that span fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TimeField
from wtforms.validators import Length, Optional

from lms.cohorts.forms import LanguageCheckboxes, optional_int
from lms.cohorts.models import Cohort
from lms.cohorts.schedule import MAX_LINK, MAX_PLACE, MAX_TOPIC, CohortSession
from lms.cohorts.schedule_services import SessionData
from lms.cohorts.schedule_zones import in_zone
from lms.web.fields import DateField


class SessionForm(FlaskForm):
    # Presence is the service's rule (one message for the form and the service).
    day = DateField(_l("Date"), validators=[Optional()])
    starts = TimeField(_l("Starts at"), validators=[Optional()],
                       description=_l("24-hour clock, e.g. 09:30."))
    ends = TimeField(_l("Ends at"), validators=[Optional()])
    topic = StringField(_l("Topic"), validators=[Length(max=MAX_TOPIC)])
    place = StringField(_l("Place"), validators=[Length(max=MAX_PLACE)],
                        description=_l("Room and building, for a session in person."))
    online_url = StringField(_l("Online link"), validators=[Length(max=MAX_LINK)],
                             description=_l("https:// address of the online session, if any."))
    instructor_id = SelectField(_l("Instructor"), coerce=optional_int,
                                validators=[Optional()], validate_choice=False)
    interpretation_languages = LanguageCheckboxes(_l("Interpretation"),
                                                  validators=[Optional()])
    submit = SubmitField(_l("Save the session"))

    def data_for_service(self) -> SessionData:
        return SessionData(
            day=self.day.data, starts=self.starts.data, ends=self.ends.data,
            topic=self.topic.data or "", place=self.place.data or "",
            online_url=self.online_url.data or "", instructor_id=self.instructor_id.data,
            interpretation_languages=list(self.interpretation_languages.data or []))


def session_form(cohort: Cohort, session: CohortSession | None = None,
                 submitted: bool = False) -> SessionForm:
    """The form read from the request when it was sent, else from ``session``.

    A new session starts with the cohort's interpretation languages ticked.
    """
    if submitted:
        form = SessionForm()
    elif session is not None:
        form = SessionForm(formdata=None, obj=session)
        starts = in_zone(session.starts_at, cohort.zone_name)
        ends = in_zone(session.ends_at, cohort.zone_name)
        form.day.data, form.starts.data, form.ends.data = starts.date(), starts.time(), ends.time()
        form.interpretation_languages.data = session.interpretation_codes
    else:
        form = SessionForm(formdata=None)
        form.interpretation_languages.data = cohort.interpretation_codes
    form.instructor_id.choices = [("", str(_l("None")))] + [
        (str(user.id), user.full_name) for user in cohort.instructors]
    # The language of instruction is never interpreted into itself.
    form.interpretation_languages.choices = [
        (code, name) for code, name in form.interpretation_languages.choices
        if code != cohort.language]
    return form
