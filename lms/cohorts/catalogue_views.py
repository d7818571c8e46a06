"""Public catalog: the list of published courses and each course's page.

They show open cohorts and the visitor's enrolments, so they live on the cohorts
floor; the blueprint keeps the name "catalog" (endpoints ``catalog.courses`` and
``catalog.course``).
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from lms.catalog import queries
from lms.cohorts.catalogue_forms import CatalogueSearchForm
from lms.cohorts.catalogue_queries import published_courses
from lms.cohorts.models import EnrolmentStatus
from lms.cohorts.queries import cohorts_for_course, enrolments_of, waitlist_positions
from lms.kernel import clock
from lms.web.pages import UNPROCESSABLE, page_number

bp = Blueprint("catalog", __name__)


@bp.get("/courses")
def courses():
    programs = queries.programs()
    form = CatalogueSearchForm(request.args, programs=programs)
    # A filter that is not one of the choices (an old link, a hand-typed URL) is refused
    # next to its field, with nothing listed: a silently ignored filter would list
    # courses the visitor did not ask for as if they matched.
    if request.args and not form.validate():
        return render_template("catalog/courses.html", form=form, listing=None,
                               programs=programs, filters={}), UNPROCESSABLE
    filters = form.filters
    listing = published_courses(filters.get("program"), page_number(),
                                clock.today(clock.UTC), text=filters.get("q"),
                                language=filters.get("language"),
                                modality=filters.get("modality"),
                                country=filters.get("country"))
    return render_template("catalog/courses.html", form=form, listing=listing,
                           programs=programs, filters=filters)


@bp.get("/courses/<code>")
def course(code: str):
    course = queries.course_by_code(code)
    if course is None:
        abort(404)
    # An unpublished course does not exist for the public (404, not 403: nothing leaks);
    # its program's coordinators see it to check it before publishing.
    if not course.published and not course.can_manage(current_user):
        abort(404)
    today = clock.today(clock.UTC)
    cohorts = cohorts_for_course(course.id, today)
    enrolments, positions = {}, {}
    if current_user.is_authenticated:
        cohort_ids = [summary.cohort.id for summary in cohorts]
        enrolments = enrolments_of(current_user.id, cohort_ids)
        if any(e.status == EnrolmentStatus.WAITLISTED for e in enrolments.values()):
            positions = waitlist_positions(current_user.id, cohort_ids)
    return render_template("catalog/course.html", course=course, cohorts=cohorts,
                           enrolments=enrolments, positions=positions, today=today,
                           can_manage=course.can_manage(current_user))
