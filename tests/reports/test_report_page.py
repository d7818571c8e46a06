"""The report page: who may open it, filters in the URL, no names for observers, and a
query count that does not depend on the size of the data."""

from __future__ import annotations

from datetime import date

import pytest

from lms.accounts.models import ProgramObserver
from lms.cohorts.models import EnrolmentStatus
from lms.extensions import db
from lms.reports.charts import render_svg
from lms.reports.figures import build_report
from lms.reports.filters import ReportFilter, scope_for
from lms.reports.privacy import min_cell, suppress_sections
from tests.conftest import page_text, sign_in_quickly
from tests.factories import enrol, make_cohort, make_user
from tests.reports.reach_world import NOW, build_world


@pytest.fixture
def world(database, frozen_clock):
    frozen_clock.set(NOW)
    return build_world()


def observer_of(program):
    user = make_user(full_name="Donor Person")
    db.session.add(ProgramObserver(program_id=program.id, user_id=user.id))
    db.session.flush()
    return user


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    response = client.get("/reports")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_trainees_are_refused(client, world):
    sign_in_quickly(client, world.people["f1"])
    assert client.get("/reports").status_code == 403


def test_admin_sees_every_section_with_figures(client, world):
    sign_in_quickly(client, make_user(admin=True))
    response = client.get("/reports?year=2026")
    assert response.status_code == 200
    text = page_text(response)
    for heading in ("Reach", "Certification", "Verification", "Targets"):
        assert f" {heading} " in f" {text} "
    # Year 2026, everything: 6 people enrolled, 45 hours delivered (test_reach).
    assert "People enrolled 6" in text
    assert "Training hours delivered 45" in text
    assert 'value="2026"' in response.get_data(as_text=True)


def test_coordinator_sees_their_program_and_the_nav_link(client, world):
    sign_in_quickly(client, world.coordinator)
    response = client.get("/reports?year=2026")
    text = page_text(response)
    assert "People who completed a course 2" in text
    assert 'href="/reports"' in response.get_data(as_text=True)


def test_a_program_outside_the_scope_is_refused_and_left_out(client, world):
    sign_in_quickly(client, world.coordinator)
    response = client.get(f"/reports?year=2026&program={world.q.id}&gender=nobody")
    assert response.status_code == 200
    text = page_text(response)
    assert "That program is not one you may report on." in text
    assert "Unknown gender." in text
    assert "People who completed a course 2" in text


@pytest.mark.parametrize(("query", "message"), [
    ("year=abc", "The year must be between 2000 and 2100."),
    ("quarter=2026-Q9", "Give the quarter as 2026-Q3, or a year and Q1 to Q4."),
    ("from=2026-13-01", "2026-13-01 is not a date: write it as YYYY-MM-DD."),
    ("cohort=99999999999", "That cohort is not one you may report on."),
    ("from=2026-05-01&to=2026-01-01", "The period ends before it starts; it was left out."),
    ("country=XX", "Unknown country."),
    ("modality=zoom", "Unknown modality."),
])
def test_bad_values_are_reported_and_ignored(client, world, query, message):
    sign_in_quickly(client, make_user(admin=True))
    response = client.get(f"/reports?{query}")
    assert response.status_code == 200
    text = page_text(response)
    assert message in text
    # Everything is counted, as without the bad value.
    assert "People enrolled 6" in text and "Training hours delivered 55" in text


def test_observers_see_figures_never_names(client, world):
    sign_in_quickly(client, observer_of(world.p))
    response = client.get("/reports")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "People enrolled" in html
    for person in world.people.values():
        assert person.full_name not in html
    assert "Most verified certificates" not in html
    # Small cells are hidden: 2 people completed a course of the program.
    assert "People who completed a course &lt; 5" in html.replace("</dt><dd>", " ")
    assert "People enrolled 6" in page_text(response)


def test_query_count_does_not_depend_on_data_size(client, world, count_queries):
    admin = make_user(admin=True)
    sign_in_quickly(client, admin)
    client.get("/reports")  # warm the caches every request fills
    # Each measured view first takes in the enrolments changed since the last one
    # (lms.reports.people): one more person, then a hundred more.
    cohort = make_cohort(world.a, country="PE", starts=date(2026, 5, 1))
    enrol(cohort, make_user(gender="female"), status=EnrolmentStatus.COMPLETED)
    with count_queries("reports", "small world + 1 enrolment") as small:
        assert client.get("/reports").status_code == 200
    for index in range(100):
        user = make_user(gender=("female", "male", None)[index % 3])
        enrol(cohort, user, status=(EnrolmentStatus.COMPLETED, EnrolmentStatus.ACTIVE)[index % 2])
    with count_queries("reports", "small world + 101 enrolments") as large:
        response = client.get("/reports")
    assert "Peru" in page_text(response)
    assert large.count == small.count


def test_charts_are_drawn_beside_their_tables_in_any_language(client, world):
    sign_in_quickly(client, make_user(admin=True, locale="es"))
    response = client.get("/reports?year=2026")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # The trend (12 months), the country by status and the verification charts.
    assert html.count("<figure") == html.count("<svg") >= 3
    assert 'id="table-reach_trend"' in html
    assert "México" in html


@pytest.mark.parametrize("viewer", ["administrator", "observer"])
def test_each_chart_is_drawn_from_the_figures_the_viewer_sees(app, client, world, viewer):
    # Charts are drawn in the sections' threads as they are computed; an observer's are
    # drawn only after small cells are hidden.
    user = make_user(admin=True) if viewer == "administrator" else observer_of(world.p)
    sign_in_quickly(client, user)
    html = client.get("/reports").get_data(as_text=True)
    with app.test_request_context("/reports"):
        scope = scope_for(user)
        computed = build_report(ReportFilter(), scope)
        shown = suppress_sections(computed, min_cell()) if scope.aggregated_only else computed
        charts = [chart for section in shown for chart in section.charts]
        assert len(charts) >= 3
        for chart in charts:
            assert str(render_svg(chart, "en")) in html, chart.key
        if scope.aggregated_only:
            plain = [chart for section in computed for chart in section.charts]
            hidden = [chart.key for chart, raw in zip(charts, plain, strict=True)
                      if render_svg(chart, "en") != render_svg(raw, "en")]
            assert hidden  # some chart had a cell under 5, drawn hidden
            for chart in plain:
                if chart.key in hidden:
                    assert str(render_svg(chart, "en")) not in html, chart.key
