"""Gradebook: how long a coordinator waits for a large cohort's grades.

    .venv/bin/python bench/gradebook.py [--trainees 500] [--assessments 30] [--runs 5]
                                        [--databases sqlite,postgresql]

For each database kind: a fresh database with one cohort of ``--trainees``
trainees and a course of ``--assessments`` assessments, every trainee graded in
every assessment (bulk insert). Then, signed in as the program's coordinator:

- over HTTP (the real app under gunicorn, 1 worker): the gradebook page (paginated,
  50 trainees a page) and the CSV export (every trainee);
- in-process: the gradebook page with every trainee on one page (the page size
  raised to the cohort's size), and its queries alone without the rendering.

Each is run ``--runs`` times after one warm-up; the median is printed beside the
target (< 500 ms). Nothing is asserted. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable
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

TARGET = 0.500
ROW_HEADER = re.compile(r'<th scope="row"')


def seed_gradebook(app, trainees: int, assessments: int) -> common.SeededCohort:
    """The cohort, its course's assessments (the four kinds in turn) and every grade."""
    from decimal import Decimal

    import sqlalchemy as sa

    from lms.assessments.models import Assessment, AssessmentKind, Grade, GradeSource
    from lms.extensions import db
    from lms.kernel import clock

    seeded = common.seed_cohort(app, trainees)
    kinds = list(AssessmentKind)
    chooser = random.Random(7)
    now = clock.now()
    with app.app_context():
        db.session.execute(sa.insert(Assessment), [
            {"course_id": seeded.course_id, "kind": kinds[i % len(kinds)], "position": i,
             "title": f"Assessment {i + 1}", "instructions": "", "pass_mark": Decimal(70),
             "weight": Decimal(1 + i % 3), "required": i % 5 != 4, "attempts_allowed": 1,
             "published": True} for i in range(assessments)])
        assessment_ids = list(db.session.scalars(
            sa.select(Assessment.id).where(Assessment.course_id == seeded.course_id)))
        rows = []
        for enrolment_id in seeded.enrolment_ids:
            for assessment_id in assessment_ids:
                percent = Decimal(chooser.randint(3000, 10000)) / 100
                rows.append({"assessment_id": assessment_id, "enrolment_id": enrolment_id,
                             "percent": percent, "passed": percent >= 70, "feedback": "",
                             "source": GradeSource.AUTO, "override_reason": "",
                             "graded_at": now})
        for start in range(0, len(rows), 5000):
            db.session.execute(sa.insert(Grade), rows[start:start + 5000])
        db.session.commit()
        db.session.remove()
    return seeded


def timed(action: Callable[[], object], runs: int) -> tuple[float | None, object]:
    """(median seconds of ``runs`` runs after one warm-up, the last result)."""
    result = action()
    times = []
    for _run in range(runs):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return common.median(times), result


def over_http(port: int, seeded: common.SeededCohort, runs: int) -> list[list[str]]:
    browser = Browser(port)
    try:
        if common.login(browser, seeded.coordinator_email, common.PASSWORD) is None:
            raise RuntimeError("the coordinator could not sign in")
        page_url = f"/cohorts/{seeded.cohort_id}/gradebook"
        page_time, page = timed(lambda: browser.request("GET", page_url), runs)
        csv_time, export = timed(lambda: browser.request("GET", f"{page_url}.csv"), runs)
    finally:
        browser.close()
    return [
        ["HTTP: gradebook page (50 trainees a page)", f"{page.status}",
         str(len(ROW_HEADER.findall(page.text))), fmt_ms(page_time), f"< {TARGET * 1000:.0f}"],
        ["HTTP: CSV export (every trainee)", f"{export.status}",
         str(max(0, export.text.count("\n") - 1)), fmt_ms(csv_time), f"< {TARGET * 1000:.0f}"],
    ]


def in_process(app, seeded: common.SeededCohort, runs: int) -> list[list[str]]:
    """Every trainee on one page: the view with its page size raised, and its queries."""
    from lms.assessments.gradebook import queries
    from lms.extensions import db

    client = common.local_client(app)
    page = client.get("/login")
    token = common.CSRF_TOKEN.search(page.get_data(as_text=True)).group(1)
    signed_in = client.post("/login", data={"csrf_token": token, "email":
                                             seeded.coordinator_email,
                                             "password": common.PASSWORD})
    if signed_in.status_code != 302:
        raise RuntimeError("the coordinator could not sign in in-process")
    url = f"/cohorts/{seeded.cohort_id}/gradebook"
    everyone = len(seeded.enrolment_ids)
    original = queries.PER_PAGE
    queries.PER_PAGE = everyone  # the view reads it at each call
    try:
        view_time, response = timed(lambda: client.get(url), runs)
    finally:
        queries.PER_PAGE = original

    def queries_only() -> int:
        with app.app_context():
            cohort = queries.cohort_with_course(seeded.cohort_id)
            assessments = queries.assessments_of(cohort.course_id)
            _pagination, rows = queries.gradebook(cohort, assessments, 1)
            db.session.remove()
            return len(rows)

    queries.PER_PAGE = everyone
    try:
        query_time, query_rows = timed(queries_only, runs)
    finally:
        queries.PER_PAGE = original
    html = response.get_data(as_text=True)
    return [
        [f"in-process: gradebook view, {everyone} trainees on one page",
         str(response.status_code), str(len(ROW_HEADER.findall(html))), fmt_ms(view_time),
         f"< {TARGET * 1000:.0f}"],
        [f"in-process: its queries alone ({everyone} rows)", "–", str(query_rows),
         fmt_ms(query_time), "–"],
    ]


def run_database(kind: str, args: argparse.Namespace) -> str:
    with tempfile.TemporaryDirectory(prefix=f"lms-bench-gradebook-{kind}-") as folder_name:
        folder = Path(folder_name)
        instance = folder / "instance"
        with common.scratch_database(kind, f"lms_bench_{os.getpid()}_gradebook",
                                     folder) as url:
            app = common.make_app(url, str(instance))
            common.create_schema(app, args.schema)
            started = time.perf_counter()
            seeded = seed_gradebook(app, args.trainees, args.assessments)
            print(f"[{kind}] seeded {args.trainees} trainees × {args.assessments} assessments "
                  f"({args.trainees * args.assessments} grades) in "
                  f"{time.perf_counter() - started:.1f} s", flush=True)
            common.dispose(app)
            env = common.app_environment(url, str(instance))
            with common.gunicorn("wsgi:app", env, workers=1,
                                 log_path=folder / f"gunicorn-{kind}.log") as server:
                rows = over_http(server.port, seeded, args.runs)
            rows += in_process(app, seeded, args.runs)
            common.dispose(app)
    return "\n".join([
        f"### {kind}: gradebook of {args.trainees} trainees × {args.assessments} assessments, "
        f"median of {args.runs} runs",
        "",
        markdown_table(["request", "status", "rows", "median ms", "target ms"], rows),
    ])


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trainees", type=int, default=500)
    parser.add_argument("--assessments", type=int, default=30)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--databases", default="sqlite,postgresql",
                        help="comma-separated: sqlite, postgresql")
    parser.add_argument("--schema", choices=["create_all", "upgrade"], default="create_all",
                        help="create the tables with db.create_all() or `lms db upgrade`")
    args = parser.parse_args(argv)
    args.databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    unknown = set(args.databases) - {"sqlite", "postgresql"}
    if unknown or not args.databases:
        parser.error(f"unknown database kinds: {', '.join(sorted(unknown)) or '(none)'}")
    if not 1 <= args.trainees <= 20000 or not 1 <= args.assessments <= 200 or args.runs < 1:
        parser.error("--trainees 1..20000, --assessments 1..200, --runs >= 1")
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
