"""Reports at a program's real size: the report page and its exports over HTTP.

    .venv/bin/python bench/reports.py [--trainees 62000] [--runs 20]
                                      [--databases sqlite,postgresql]

For each database kind, a fresh database with the demo and, on top of it, history made
by ``lms.demo_history`` at the size the issue names: about 100,000 enrolments, 20,000
certificates, 50 countries and 500 cohorts over 5 years. Then, signed in as the
administrator (who sees everything, the largest report), over HTTP against the real
app under gunicorn (1 worker, so the figures are one request's own):

- the report page (all years, one year, one year and one country), computed each time
  (the report cache off: ``--cold-runs`` times) and as a program officer sees it again
  (the cache on, ``--runs`` times): median and p95, and beside the computed one the same
  figures' SQL run alone (the statements the page ran, captured in-process and executed
  again on a bare connection) and the ratio;
- the downloads: the tables as CSV and XLSX, the donor pack PDF, every enrolment as
  rows (XLSX);
- once after seeding, the time to build the report's people sets from every enrolment
  (``lms.reports.people``; the first report after the upgrade does it);
- in-process, the page's query count with the small history (about 1,000
  enrolments) and the large one, and each section's time computed alone;
- the memory the enrolment-rows XLSX takes (tracemalloc peak) for a tenth of the rows
  and for all of them.

Targets (issue 12): p95 of the main page at most 300 ms and at most 2x its SQL alone;
the query count the same at both sizes; every enrolment row as XLSX under 15 s, with
memory that does not grow with the row count. Nothing is asserted; see bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__" and Path(sys.prefix).resolve() != (ROOT / ".venv").resolve() \
        and (ROOT / ".venv" / "bin" / "python").exists():
    # Started with another Python: run again with the project's virtualenv.
    os.execv(str(ROOT / ".venv" / "bin" / "python"),  # noqa: S606
             [str(ROOT / ".venv" / "bin" / "python"), *sys.argv])
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from bench.common import Browser, fmt_ms, markdown_table  # noqa: E402

ADMIN = "admin@example.org"
PAGE_TARGET = 0.300
ROWS_TARGET = 15.0


def seed(app, trainees: int) -> dict[str, int]:
    """The demo, then ``trainees`` people of history (0: the demo's own 2,000)."""
    from sqlalchemy import func, select

    from lms import demo, demo_history
    from lms.certification.models import Certificate
    from lms.cohorts.models import Enrolment
    from lms.extensions import db

    size = (demo_history.Size(trainees=trainees, cohorts=500, countries=50, years=5,
                              path_share=0.8) if trainees else demo_history.Size(
        trainees=600, cohorts=40, years=3))
    with app.app_context():
        demo.load()
        db.session.commit()
        demo_history.load(size)
        db.session.commit()
        counts = {"enrolments": db.session.scalar(select(func.count(Enrolment.id))),
                  "certificates": db.session.scalar(select(func.count(Certificate.id)))}
        db.session.remove()
    return counts


def uncached_app(url: str, instance: str):
    """The app as the workers run it, with the report cache off: every view computes."""
    from lms import create_app

    environment = common.app_environment(url, instance, LMS_REPORT_CACHE_SECONDS="0")
    return create_app(**{k: v for k, v in environment.items() if k.startswith("LMS_")})


def signed_in_client(app):
    from lms import demo

    client = common.local_client(app)
    page = client.get("/login")
    token = common.CSRF_TOKEN.search(page.get_data(as_text=True)).group(1)
    response = client.post("/login", data={"csrf_token": token, "email": ADMIN,
                                           "password": demo.DEMO_PASSWORD})
    if response.status_code != 302:
        raise RuntimeError("the administrator could not sign in in-process")
    return client


def captured_statements(app, client, path: str) -> list[tuple[str, object]]:
    """The SQL statements (with their parameters) one GET of ``path`` runs."""
    import sqlalchemy as sa

    from lms.extensions import db

    seen: list[tuple[str, object]] = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", remember)
    try:
        response = client.get(path)
    finally:
        sa.event.remove(engine, "before_cursor_execute", remember)
    if response.status_code != 200:
        raise RuntimeError(f"{path}: {response.status_code}")
    return seen


def sql_alone(app, statements: list[tuple[str, object]], runs: int) -> float | None:
    """Median seconds to run ``statements`` again on a bare DB-API connection, fetching
    every row: what the page's figures cost with no Python around them. One after
    another, on one connection: the page runs its sections in ``LMS_REPORT_WORKERS``
    threads (2 with SQLite, 3 with PostgreSQL), so the page can take less time than its
    SQL alone."""
    from lms.extensions import db

    with app.app_context():
        raw = db.engine.raw_connection()
    try:
        times = []
        for _run in range(runs + 1):
            cursor = raw.cursor()
            started = time.perf_counter()
            for statement, parameters in statements:
                # Each of the page's threads opens its own transaction (SQLite's BEGIN
                # is a statement); here they all run in this connection's one.
                if statement.lstrip().upper().startswith("BEGIN"):
                    continue
                cursor.execute(statement, parameters)
                if cursor.description is not None:
                    cursor.fetchall()
            times.append(time.perf_counter() - started)
            cursor.close()
            raw.rollback()
        return common.median(times[1:])
    finally:
        raw.close()


def section_times(app, paths: list[str], runs: int = 3) -> list[list[str]]:
    """Per page, each section's median ms computed alone, in-process, one after another
    (the page runs them in two or three threads): where the page's time goes."""
    from urllib.parse import parse_qsl, urlsplit

    from lms.extensions import db
    from lms.reports import figures
    from lms.reports.filters import Scope, parse_filters

    table = []
    with app.test_request_context("/reports"):
        scope = Scope(everything=True)
        functions = figures.section_functions()
        for path in paths:
            filters, _errors = parse_filters(dict(parse_qsl(urlsplit(path).query)), scope)
            row = [path]
            for key in figures.SECTION_KEYS:
                times = []
                for _run in range(runs + 1):
                    started = time.perf_counter()
                    functions[key](filters, scope)
                    times.append(time.perf_counter() - started)
                row.append(fmt_ms(common.median(times[1:])))
            table.append(row)
        db.session.remove()
    return table


def query_count(app, client, path: str) -> int:
    return len(captured_statements(app, client, path))


def build_people_sets(app) -> float:
    """Seconds to build the report's people sets from every enrolment (lms.reports.people),
    as the first report after the upgrade does: once, before anything is counted."""
    from lms.extensions import db
    from lms.reports import people

    with app.app_context():
        started = time.perf_counter()
        people.refresh()
        elapsed = time.perf_counter() - started
        db.session.remove()
    return elapsed


def timed_get(browser: Browser, path: str, runs: int) -> tuple[list[float], object]:
    response = browser.request("GET", path)  # warm-up
    times = []
    for _run in range(runs):
        started = time.perf_counter()
        response = browser.request("GET", path)
        times.append(time.perf_counter() - started)
    return times, response


def rows_memory(app, fraction: float) -> tuple[int, float]:
    """(rows, tracemalloc peak MiB) of the enrolment-rows XLSX for a share of the years."""
    from lms.reports import exports, rows
    from lms.reports.filters import ReportFilter, Scope

    with app.app_context(), app.test_request_context():
        from sqlalchemy import func, select

        from lms.cohorts.models import Cohort
        from lms.extensions import db

        first, last = db.session.execute(select(func.min(Cohort.starts_on),
                                                func.max(Cohort.starts_on))).one()
        end = first + (last - first) * fraction
        filters = ReportFilter(start=first, end=end)
        tracemalloc.start()
        with tempfile.TemporaryFile() as stream:
            written = exports.rows_xlsx(rows.enrolment_row_header(),
                                        rows.enrolment_rows(filters, Scope(everything=True)),
                                        stream)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        db.session.remove()
    return written, peak / 2 ** 20


def run_database(kind: str, args: argparse.Namespace) -> str:
    lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix=f"lms-bench-reports-{kind}-") as folder_name:
        folder = Path(folder_name)
        # The small world first, for the query count at ~1,000 enrolments.
        with common.scratch_database(kind, f"lms_bench_{os.getpid()}_reports_small",
                                     folder) as url:
            app = uncached_app(url, str(folder / "small"))
            common.create_schema(app)
            small = seed(app, 0)
            build_people_sets(app)
            small_queries = {path: query_count(app, signed_in_client(app), path)
                             for path in args.paths}
            common.dispose(app)
        with common.scratch_database(kind, f"lms_bench_{os.getpid()}_reports", folder) as url:
            instance = folder / "instance"
            app = uncached_app(url, str(instance))
            common.create_schema(app)
            started = time.perf_counter()
            large = seed(app, args.trainees)
            if kind == "postgresql":
                _analyze(app)
            built = build_people_sets(app)
            if kind == "postgresql":
                _analyze(app)
            print(f"[{kind}] seeded {large['enrolments']} enrolments, "
                  f"{large['certificates']} certificates in "
                  f"{time.perf_counter() - started:.0f} s; people sets built in {built:.1f} s",
                  flush=True)
            client = signed_in_client(app)
            large_queries = {path: query_count(app, client, path) for path in args.paths}
            alone = {path: sql_alone(app, captured_statements(app, client, path), 5)
                     for path in args.paths}
            sections = section_times(app, args.paths)
            common.dispose(app)
            page_rows, download_rows = [], []
            for cached in (False, True):
                env = common.app_environment(url, str(instance), **(
                    {} if cached else {"LMS_REPORT_CACHE_SECONDS": "0"}))
                with common.gunicorn("wsgi:app", env, workers=1,
                                     log_path=folder / f"gunicorn-{kind}-{cached}.log") as server:
                    browser = Browser(server.port, timeout=300)
                    if common.login(browser, ADMIN, _demo_password()) is None:
                        raise RuntimeError("the administrator could not sign in")
                    for path in args.paths:
                        runs = args.runs if cached else args.cold_runs
                        times, response = timed_get(browser, path, runs)
                        p95 = common.percentile(times, 95)
                        ratio = p95 / alone[path] if alone[path] and not cached else None
                        page_rows.append([
                            path, "cached" if cached else "computed", str(runs),
                            str(response.status), fmt_ms(common.median(times)), fmt_ms(p95),
                            "–" if cached else fmt_ms(alone[path]),
                            f"{ratio:.2f}" if ratio else "–",
                            f"{small_queries[path]} / {large_queries[path]}"])
                    if not cached:
                        for label, path in (("tables CSV", "/reports/tables.csv"),
                                            ("tables XLSX", "/reports/tables.xlsx"),
                                            ("donor pack PDF", "/reports/pack.pdf"),
                                            ("every enrolment, XLSX",
                                             "/reports/enrolments.xlsx")):
                            times, response = timed_get(browser, path, 1)
                            download_rows.append([label, str(response.status),
                                                  f"{len(response.body) / 2 ** 20:.1f} MiB",
                                                  fmt_ms(common.median(times))])
                    browser.close()
            memory_rows = []
            for fraction in (0.1, 1.0):
                started = time.perf_counter()
                written, peak = rows_memory(app, fraction)
                memory_rows.append([f"{fraction:.0%} of the years", str(written),
                                    f"{peak:.1f}", f"{time.perf_counter() - started:.1f}"])
            common.dispose(app)
    lines += [
        f"### {kind}: {large['enrolments']:,} enrolments, {large['certificates']:,} "
        f"certificates (small world: {small['enrolments']:,} enrolments)",
        "",
        f"Report pages, as the administrator, {args.runs} runs each after a warm-up "
        f"(target: p95 ≤ {PAGE_TARGET * 1000:.0f} ms and ≤ 2× the SQL alone; queries the "
        "same at both sizes):",
        "",
        markdown_table(["page", "report", "runs", "status", "median ms", "p95 ms",
                        "SQL alone ms", "p95 / SQL", "queries small / large"], page_rows),
        "",
        "Each section computed alone, in-process, one after another (median ms of 3 "
        "after a warm-up; the page runs them in two threads with SQLite, three with "
        "PostgreSQL):",
        "",
        markdown_table(["page", *_section_keys()], sections),
        "",
        "Downloads, computed (one run after a warm-up):",
        "",
        markdown_table(["download", "status", "size", "median ms"], download_rows),
        "",
        "Every enrolment as XLSX, in-process, its memory (target: flat). tracemalloc traces "
        "every allocation, which makes the export several times slower: its time is the "
        f"download's above (target < {ROWS_TARGET:.0f} s).",
        "",
        markdown_table(["rows of", "rows", "tracemalloc peak MiB", "seconds, traced"],
                       memory_rows),
    ]
    return "\n".join(lines)


def _section_keys() -> tuple[str, ...]:
    from lms.reports.figures import SECTION_KEYS

    return SECTION_KEYS


def _analyze(app) -> None:
    """VACUUM ANALYZE after the bulk seed, as autovacuum does after any large import:
    statistics for the planner, and the visibility map that lets the report read its
    covering indexes alone (without it PostgreSQL reads the wide certificate rows). Left
    to autovacuum, it would start at some point during the measurements instead."""
    import sqlalchemy as sa

    from lms.extensions import db

    with app.app_context():
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                sa.text("VACUUM ANALYZE"))
        db.session.remove()


def _demo_password() -> str:
    from lms import demo

    return demo.DEMO_PASSWORD


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trainees", type=int, default=62000,
                        help="history trainees (62,000 give about 100,000 enrolments)")
    parser.add_argument("--runs", type=int, default=20, help="views of the cached report")
    # As many as the cached views: a p95 of 5 views is their slowest one.
    parser.add_argument("--cold-runs", type=int, default=20,
                        help="views of the report computed each time")
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    args.databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    if set(args.databases) - {"sqlite", "postgresql"} or not args.databases:
        parser.error("--databases: sqlite, postgresql")
    if not 100 <= args.trainees <= 200_000 or not 1 <= args.runs <= 200 \
            or not 1 <= args.cold_runs <= 200:
        parser.error("--trainees 100..200000, --runs and --cold-runs 1..200")
    year = time.gmtime().tm_year - 1
    args.paths = ["/reports", f"/reports?year={year}", f"/reports?year={year}&country=MX"]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(f"Machine: {common.machine_size()}")
    reports = [run_database(kind, args) for kind in args.databases]
    print()
    print("\n\n".join(reports))
    return 0


if __name__ == "__main__":
    sys.exit(main())
