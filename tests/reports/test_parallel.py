"""A report's sections computed in two threads read what one thread reads, in the
viewer's language.

The other report tests run with one worker: a test's requests share one connection
inside a rolled-back transaction, which two threads may not use at once. Here the small
world of tests/reports/reach_world.py is committed to a database of its own, so each
thread reads it on a connection of its own, as on a server.
"""

from __future__ import annotations

import threading

import pytest
from flask_babel import force_locale

from lms.extensions import db
from lms.reports import figures, parallel
from lms.reports.filters import ReportFilter, Scope
from lms.reports.tables import Section
from tests.conftest import app_with_tables, scratch_database_url
from tests.reports.reach_world import build_world


@pytest.fixture(scope="module")
def committed_app(backend, tmp_path_factory):
    folder = tmp_path_factory.mktemp("parallel")
    with scratch_database_url(backend, folder, "lms_test_report_parallel") as url, \
            app_with_tables(url, str(folder / "instance")) as app:
        with app.app_context():
            build_world()
            db.session.commit()
        yield app


def _report(app, workers: int, locale: str) -> tuple[list[Section], set[str]]:
    """The whole report as the administrator sees it, and the threads that computed it."""
    threads: set[str] = set()
    functions = figures.section_functions()

    def watched(function):
        def run(*args):
            threads.add(threading.current_thread().name)
            return function(*args)
        return run

    app.config["LMS_REPORT_WORKERS"] = workers
    try:
        with app.test_request_context("/reports"), force_locale(locale):
            original = figures.section_functions
            figures.section_functions = lambda: {
                key: watched(function) for key, function in functions.items() if function}
            try:
                sections = figures.build_report(ReportFilter(), Scope(everything=True))
            finally:
                figures.section_functions = original
            # Read inside the request, as the page does: lazy titles in its language.
            return [_plain(section) for section in sections], threads
    finally:
        app.config["LMS_REPORT_WORKERS"] = 1


def _plain(section: Section) -> tuple:
    return (section.key, str(section.title),
            [(str(figure.label), figure.value) for figure in section.figures],
            [(table.key, str(table.title), [str(column.title) for column in table.columns],
              [tuple(str(value) for value in row) for row in table.rows])
             for table in section.tables],
            [(chart.key, str(chart.title), chart.categories, chart.series)
             for chart in section.charts])


@pytest.mark.parametrize("locale", ["en", "es"])
def test_two_threads_compute_the_same_report(committed_app, locale):
    alone, one_thread = _report(committed_app, 1, locale)
    together, threads = _report(committed_app, 2, locale)
    assert len(one_thread) == 1
    assert len(threads) == 2 and all(name.startswith("report") for name in threads)
    assert [section[0] for section in together] == list(figures.SECTION_KEYS)
    assert together == alone
    reach = together[0]
    # The small world's reach, worked out by hand in tests/reports/test_reach.py.
    figures_read = dict(reach[2])
    assert list(figures_read.values())[:3] == [6, 5, 3]
    if locale == "es":
        # Texts made in a worker thread are in the viewer's language, not English.
        assert reach[1] == "Alcance"
        assert "Personas inscritas" in figures_read
        # Made eagerly in the worker (gettext, not lazy): the quarters of the trend.
        trend = next(chart for chart in reach[4] if chart[0] == "reach_trend")
        assert trend[2] == ["T4 2025", "T1 2026", "T2 2026"]


def test_one_worker_runs_in_the_request_thread(committed_app):
    _sections, threads = _report(committed_app, 1, "en")
    assert threads == {threading.current_thread().name}
    with committed_app.app_context():
        committed_app.config["LMS_REPORT_WORKERS"] = 0
        try:
            assert parallel.workers() == 1
        finally:
            committed_app.config["LMS_REPORT_WORKERS"] = 1
