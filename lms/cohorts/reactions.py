"""How cohorts answer the floors below (lms.kernel.events).

Connected once by ``create_app``.
"""

from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from lms.catalog.models import Course
from lms.cohorts.queries import cohorts_for_course
from lms.kernel import clock, events


def _course_management_section(course: Course) -> Markup:
    # Past cohorts too: a coordinator reaches every roster from the course page.
    cohorts = cohorts_for_course(course.id, clock.today(clock.UTC), include_past=True)
    html = render_template("cohorts/course_cohorts.html", course=course, cohorts=cohorts)
    return Markup(html)  # noqa: S704 - a Jinja template's output, autoescaped


def connect() -> None:
    """Subscribe cohorts to the questions it answers (idempotent)."""
    # weak=False: the receivers are module functions, and a signal must never lose one.
    events.course_management_sections.connect(_course_management_section, weak=False)
