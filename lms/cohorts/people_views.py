"""People: coordinators and instructors find the trainees and instructors of their cohorts.

Administrators have /admin/users for everybody; this page stays within the cohorts
the viewer coordinates or teaches.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SearchField, SelectField
from wtforms.validators import Length, Optional

from lms.cohorts import people
from lms.cohorts.models import ENROLMENT_STATUS_TITLES
from lms.web.fields import CountryField
from lms.web.pages import UNPROCESSABLE, page_number
from lms.web.permissions import require

bp = Blueprint("people", __name__)


def _optional_int(value: object) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(str(value))
    except ValueError:
        return -1  # not one of the choices: pre_validate refuses it


class PeopleFilterForm(FlaskForm):
    """A GET form (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    q = SearchField(_l("Name or email"), validators=[Optional(), Length(max=254)])
    cohort = SelectField(_l("Cohort"), coerce=_optional_int, validators=[Optional()])
    country = CountryField(_l("Country"), validators=[Optional()])
    status = SelectField(_l("Enrolment status"), validators=[Optional()])

    def __init__(self, *args, cohorts=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only the viewer's cohorts can be chosen: another id is refused, not searched.
        self.cohort.choices = [("", _("Any cohort"))] + [
            (cohort.id, f"{cohort.code}: {cohort.course.in_locale('title')}")
            for cohort in cohorts]
        self.status.choices = [("", _("Any status"))] + [
            (status.value, str(title)) for status, title in ENROLMENT_STATUS_TITLES.items()]


@bp.get("/people")
def search():
    require(people.may_search(current_user))
    form = PeopleFilterForm(request.args, cohorts=people.visible_cohorts(current_user))
    if request.args and not form.validate():
        return render_template("cohorts/people.html", form=form, pagination=None,
                               results=[], filters={}), UNPROCESSABLE
    pagination, results = people.people_page(
        current_user, search=form.q.data, cohort_id=form.cohort.data,
        country=form.country.data or None, status=form.status.data or None,
        page=page_number())
    filters = {name: value for name, value in request.args.items()
               if name != "page" and name in form and value}
    return render_template("cohorts/people.html", form=form, pagination=pagination,
                           results=results, filters=filters)
