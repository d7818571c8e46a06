"""The report cache: a repeated view costs the page's own few queries, an event or the age
limit ends an entry, and two scopes never share one."""

from __future__ import annotations

import pickle
import re

import pytest

from lms.cohorts.services import enrol_user
from lms.extensions import db
from lms.reports import cache, reactions
from lms.reports.figures import build_report
from lms.reports.filters import ReportFilter, Scope
from tests.conftest import page_text, sign_in_quickly
from tests.factories import enrol, make_user
from tests.reports.reach_world import NOW, build_world

YEAR = "/reports?year=2026"


@pytest.fixture
def world(database, frozen_clock):
    frozen_clock.set(NOW)
    return build_world()


@pytest.fixture
def cached(app, monkeypatch):
    """The cache on (testing turns it off), empty before and after the test."""
    monkeypatch.setitem(app.config, "LMS_REPORT_CACHE_SECONDS", 600)
    app.extensions.pop("report_cache", None)
    yield
    app.extensions.pop("report_cache", None)


def enrolled_text(text: str) -> int:
    return int(re.search(r"People enrolled (\d+)", text).group(1))


def completed(text: str) -> int:
    return int(re.search(r"People who completed a course (\d+)", text).group(1))


def enrolled(response) -> int:
    return enrolled_text(page_text(response))


def test_a_second_view_is_served_from_the_cache(client, world, cached, count_queries):
    sign_in_quickly(client, make_user(admin=True))
    with count_queries() as first:
        response = client.get(YEAR)
    assert enrolled(response) == 6
    assert "Figures as of 6/15/26, 12:00" in page_text(response)
    # A write that announces nothing (a factory) is not seen until the entry ends.
    enrol(world.a_mx)
    with count_queries() as second:
        response = client.get(YEAR)
    assert enrolled(response) == 6
    assert "Figures as of 6/15/26, 12:00" in page_text(response)
    # The figures cost dozens of queries; the page itself (session, filters) a dozen.
    assert second.count <= first.count - 20
    assert second.count <= 8


def test_the_cache_is_off_by_default_in_tests(client, world, app):
    assert app.config["LMS_REPORT_CACHE_SECONDS"] == 0
    sign_in_quickly(client, make_user(admin=True))
    assert enrolled(client.get(YEAR)) == 6
    enrol(world.a_mx)
    assert enrolled(client.get(YEAR)) == 7


def test_an_event_makes_the_next_view_compute_again(client, world, cached, frozen_clock):
    admin = make_user(admin=True)
    sign_in_quickly(client, admin)
    assert enrolled(client.get(YEAR)) == 6
    frozen_clock.advance(minutes=1)
    newcomer = make_user()
    # The coordinators' enrolment announces user_enrolled.
    assert enrol_user(admin, world.a_mx, newcomer.email)
    db.session.flush()
    response = client.get(YEAR)
    assert enrolled(response) == 7
    assert "Figures as of 6/15/26, 12:01" in page_text(response)


def test_an_entry_ends_at_the_age_limit(client, world, cached, frozen_clock):
    sign_in_quickly(client, make_user(admin=True))
    assert enrolled(client.get(YEAR)) == 6
    enrol(world.a_mx)
    frozen_clock.advance(seconds=599)
    assert enrolled(client.get(YEAR)) == 6
    frozen_clock.advance(seconds=2)
    response = client.get(YEAR)
    assert enrolled(response) == 7
    assert "Figures as of 6/15/26, 12:10" in page_text(response)


def test_two_scopes_never_share_an_entry(client, world, app, cached, monkeypatch):
    # What the coordinator sees with no cache at all...
    monkeypatch.setitem(app.config, "LMS_REPORT_CACHE_SECONDS", 0)
    sign_in_quickly(client, world.coordinator)
    own = page_text(client.get(YEAR))
    monkeypatch.setitem(app.config, "LMS_REPORT_CACHE_SECONDS", 600)
    # ...is what they see after an administrator filled the cache for the same URL
    # (the clock stands still: "Figures as of" reads the same).
    admin_client = app.test_client()
    sign_in_quickly(admin_client, make_user(admin=True))
    admin_text = page_text(admin_client.get(YEAR))
    assert page_text(client.get(YEAR)) == own
    # Program Q's completion counts for the administrator only.
    assert completed(admin_text) == 3 and completed(own) == 2
    # One report and one set of filter choices for each of the two scopes.
    assert len([key for key in cache.store() if not key.startswith("svg:")]) == 4
    assert len([key for key in cache.store() if key.startswith("choices:")]) == 2


def test_keys_name_the_locale_the_filters_and_the_scope():
    everything = Scope(everything=True)
    program = Scope(program_ids=frozenset({1, 2}))
    key = cache.cache_key("en", ReportFilter(), everything, 0)
    assert key == cache.cache_key("en", ReportFilter(), Scope(everything=True), 0)
    assert cache.cache_key("en", ReportFilter(), program, 0) == cache.cache_key(
        "en", ReportFilter(), Scope(program_ids=frozenset({2, 1})), 0)
    others = {cache.cache_key("es", ReportFilter(), everything, 0),
              cache.cache_key("en", ReportFilter(country="MX"), everything, 0),
              cache.cache_key("en", ReportFilter(), program, 0),
              cache.cache_key("en", ReportFilter(), Scope(program_ids=frozenset({1, 2}),
                                                          aggregated_only=True), 0),
              cache.cache_key("en", ReportFilter(), everything, 1)}
    assert key not in others and len(others) == 5


def test_the_memory_store_is_bounded_and_drops_the_oldest(frozen_clock):
    frozen_clock.set(NOW)
    store = cache.MemoryStore(max_entries=2)
    for name in ("a", "b", "c"):
        store.set(name, name.upper(), 60)
    assert (store.get("a"), store.get("b"), store.get("c")) == (None, "B", "C")
    frozen_clock.advance(seconds=61)
    assert store.get("b") is None
    store.set("d", "D", 60)
    store.bump()
    assert store.get("d") is None and store.generation() == 1


def test_frozen_sections_pickle_for_a_shared_store(world):
    sections = build_report(ReportFilter(), Scope(everything=True))
    frozen = pickle.loads(pickle.dumps(cache.freeze(sections)))  # noqa: S301 - our own bytes
    assert [s.title for s in frozen] == [str(s.title) for s in sections]
    assert all(isinstance(s.title, str) for s in frozen)
    assert [[t.rows for t in s.all_tables()] for s in frozen] == \
        [[t.rows for t in s.all_tables()] for s in sections]
    # A table drawn by a chart and listed by its section stays one object, so the
    # privacy rules suppress it once.
    def shared(report):
        return [[any(t is chart.table for t in s.tables) for chart in s.charts]
                for s in report]
    assert shared(frozen) == shared(sections)


def test_a_time_limit_of_zero_computes_every_time(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "LMS_REPORT_CACHE_SECONDS", 0)
    calls = []

    def compute():
        calls.append(1)
        return []

    for _ in range(2):
        cache.cached_report("en", ReportFilter(), Scope(everything=True), compute)
    assert len(calls) == 2


def test_charts_are_drawn_once_per_cached_report(client, world, cached, monkeypatch):
    from lms.reports import views

    drawn = []

    def counting(chart, locale):
        drawn.append(chart.key)
        return original(chart, locale)

    original = views.render_svg
    monkeypatch.setattr(views, "render_svg", counting)
    sign_in_quickly(client, make_user(admin=True))
    first = svgs(client.get(YEAR))
    assert len(drawn) == len(first) >= 3
    drawn.clear()
    assert svgs(client.get(YEAR)) == first
    assert drawn == []


def svgs(response) -> list[str]:
    return re.findall(r"<svg.*?</svg>", response.get_data(as_text=True), flags=re.S)


def test_an_event_ends_entries_again_when_its_transaction_commits(app, database, cached):
    """A report computed between the event and the commit read the old data."""
    store = cache.store()
    before = store.generation()
    reactions._stale()
    assert store.generation() == before + 1
    store.set("computed meanwhile", "old figures", 600)
    db.session.commit()
    assert store.generation() == before + 2
    assert store.get("computed meanwhile") is None
    db.session.commit()  # nothing announced since: nothing ends
    assert store.generation() == before + 2
