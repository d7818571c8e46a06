"""What other pages' templates ask of announcements: the cohort page and the home page
show the newest three, with a link to all. Cohorts and home cannot import this
package (floors), so the helpers are template globals registered at start-up."""

from __future__ import annotations

from flask import Flask, render_template
from flask_login import current_user
from markupsafe import Markup

from lms.announcements import queries
from lms.announcements.models import can_post_to_cohort
from lms.catalog.markdown import headings_from
from lms.i18n import current_locale


def cohort_announcements(cohort) -> Markup:
    """The cohort page's box: the newest of the cohort's and its program's; posters see
    it even when empty, to post the first."""
    items = queries.latest_for_cohort(cohort)
    can_post = can_post_to_cohort(current_user, cohort)
    if not items and not can_post:
        return Markup("")
    locale = current_locale()
    return Markup(render_template(  # noqa: S704 - a rendered, autoescaped template
        "announcements/_latest.html", items=[queries.shown(item, locale) for item in items],
        cohort=cohort, can_post=can_post, in_full=True))


def home_announcements(scope: str) -> Markup:
    """A home part's newest three: "trainee" (my cohorts and programs) or "teaching"
    (those I teach or coordinate). Nothing when there are none."""
    items = queries.latest_for_user(current_user, scope)
    if not items:
        return Markup("")
    locale = current_locale()
    return Markup(render_template(  # noqa: S704 - a rendered, autoescaped template
        "announcements/_latest.html", items=[queries.shown(item, locale) for item in items],
        cohort=None, can_post=False, in_full=False, scope=scope))


def headings_below(body: Markup, heading: str) -> Markup:
    """An announcement's body for under its title ``heading`` ("h2", "h3"): its own
    headings continue the page's outline one level down ("# Title" under an h2 title is
    an h3), so the page keeps its one h1 and skips no level."""
    return headings_from(body, int(heading.removeprefix("h")) + 1)


def init_app(app: Flask) -> None:
    app.add_template_filter(headings_below, "headings_below")
    app.add_template_global(cohort_announcements, "cohort_announcements")
    app.add_template_global(home_announcements, "home_announcements")
