"""A report's sections computed side by side.

Each section reads its own tables and spends most of its time waiting on the database,
which works on another core meanwhile; run one after another, a report at a program's
size keeps a viewer waiting for the sum of them. ``LMS_REPORT_WORKERS`` threads (default
2 with SQLite, one per core of the smallest server we run on; 3 with PostgreSQL, whose
own processes work while this one counts) each take the next section.

A thread has an application context of its own, hence a database session and connection
of its own (Flask-SQLAlchemy scopes sessions by application context): a connection is
never shared between threads. It reads in the viewer's language, time zone and
translations, copied from the request's context: Flask-Babel keeps them there, and a
thread has no request to choose them from. The sections see the same committed data,
each in its own transaction: a write committed between two sections' reads can show in
one and not the other, as it can between two statements of one transaction on
PostgreSQL's READ COMMITTED.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import TypeVar

from flask import current_app, g
from flask_babel import get_domain, get_locale, get_timezone

T = TypeVar("T")


def workers() -> int:
    return max(1, int(current_app.config.get("LMS_REPORT_WORKERS", 1) or 1))


def run_all(calls: Sequence[Callable[[], T]]) -> list[T]:
    """Each of ``calls`` run, their results in the same order: in ``workers()`` threads
    when more than one is configured, else here, one after another."""
    count = min(workers(), len(calls))
    if count <= 1:
        return [call() for call in calls]
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    # Computed once here, so that every thread reads them from the copy.
    get_locale(), get_timezone(), get_domain().get_translations()
    babel = dict(vars(g._flask_babel)) if "_flask_babel" in g else {}

    def run(call: Callable[[], T]) -> T:
        with app.app_context():
            g._flask_babel = SimpleNamespace(**babel)
            return call()

    # Each call in a copy of this thread's context variables (the report's freshened
    # people sets, ``lms.reports.people``): a thread starts with none of them.
    contexts = [contextvars.copy_context() for _call in calls]
    with ThreadPoolExecutor(max_workers=count, thread_name_prefix="report") as pool:
        return list(pool.map(lambda context, call: context.run(run, call), contexts, calls))
