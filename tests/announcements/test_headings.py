"""A "# Title" in an announcement's body never becomes a second h1: the body's headings
continue the outline under the announcement's own title, on each page and in the mail."""

from __future__ import annotations

import re

from lms.announcements import services
from lms.catalog.markdown import headings_from, render
from tests.announcements.helpers import make_world
from tests.conftest import sign_in_quickly as login

BODY = "# Arrival\n\nBring your badge.\n\n## Day one\n\nWe start at 8:00."


def _headings(html: str, *texts: str) -> list[str]:
    """The tag of each heading whose text is one of ``texts``, in page order."""
    return [tag for tag, text in re.findall(r"<(h[1-6])[^>]*>([^<]*)</\1>", html)
            if text.strip() in texts]


def test_the_body_starts_one_level_below_the_title_on_each_page(client, database):
    world = make_world()
    services.post(world.instructor, cohort=world.cohort, language="en", title="Welcome",
                  body=BODY)
    login(client, world.ana)

    # The list of the cohort's announcements: its h1, each title an h2, the body h3, h4.
    html = client.get(f"/cohorts/{world.cohort.id}/announcements").get_data(as_text=True)
    assert html.count("<h1") == 1
    assert _headings(html, "Welcome", "Arrival", "Day one") == ["h2", "h3", "h4"]
    # The cohort page: the box "Announcements" is an h2, the title an h3, the body h4, h5.
    html = client.get(f"/cohorts/{world.cohort.id}").get_data(as_text=True)
    assert html.count("<h1") == 1
    assert _headings(html, "Welcome", "Arrival", "Day one") == ["h3", "h4", "h5"]
    # The reader's list of all their announcements, as the cohort's list.
    html = client.get("/announcements").get_data(as_text=True)
    assert html.count("<h1") == 1
    assert _headings(html, "Welcome", "Arrival", "Day one") == ["h2", "h3", "h4"]


def test_headings_move_as_a_block_and_stop_at_h6():
    html = render("## Two\n\n### Three\n\n###### Six")
    assert _headings(html, "Two", "Three", "Six") == ["h2", "h3", "h6"]  # "##" at the top
    deeper = headings_from(html, 4)
    assert _headings(deeper, "Two", "Three", "Six") == ["h4", "h5", "h6"]
    assert headings_from(render("No heading at all."), 3) == render("No heading at all.")
