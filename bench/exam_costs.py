"""Exam costs: what each request of the exam rush costs the app, one at a time.

    .venv/bin/python bench/exam_costs.py [--trainees 60] [--answers 20]
                                         [--databases sqlite,postgresql]

In-process, through Flask's test client (no HTTP, no gunicorn, no concurrency):
for each database kind, a fresh database holding the exam rush's quiz
(bench/exam_rush.py); each trainee signs in (not timed), then starts the quiz,
opens its first question, saves every answer as JSON and submits, one trainee
after another. Printed per request kind: the median and mean time in ms and the
SQL statements sent per request. On SQLite these include the BEGIN statements
the app sends itself; PostgreSQL's BEGIN and COMMIT, which the driver sends on
its own, are not counted.

These are the costs that 200 trainees add up at once in the exam rush: what a
change to the quiz pages is measured with before it is measured under load.
Nothing is asserted. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__" and Path(sys.prefix).resolve() != (ROOT / ".venv").resolve() \
        and (ROOT / ".venv" / "bin" / "python").exists():
    # Started with another Python: run again with the project's virtualenv.
    os.execv(str(ROOT / ".venv" / "bin" / "python"),  # noqa: S606
             [str(ROOT / ".venv" / "bin" / "python"), *sys.argv])
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench import common, exam_rush  # noqa: E402

ATTEMPT = re.compile(r"/attempts/(\d+)")


def _token(response) -> str:
    match = common.CSRF_TOKEN.search(response.get_data(as_text=True))
    if match is None:
        raise RuntimeError(f"no CSRF token (status {response.status_code})")
    return match.group(1)


def measure(kind: str, trainees: int, answers: int) -> list[list[str]]:
    """One row per request kind: requests, median ms, mean ms, statements per request."""
    with tempfile.TemporaryDirectory(prefix=f"lms-costs-{kind}-") as folder_name:
        folder = Path(folder_name)
        with common.scratch_database(kind, f"lms_costs_{os.getpid()}", folder) as url:
            app = common.make_app(url, str(folder / "instance"))
            common.create_schema(app)
            exam = exam_rush.seed_exam(app, trainees, answers)
            with app.app_context():
                from lms.extensions import db

                engine = db.engine
            current = {"kind": ""}
            statements = dict.fromkeys(exam_rush.KINDS, 0)
            times: dict[str, list[float]] = {k: [] for k in exam_rush.KINDS}

            def count(*_args) -> None:
                if current["kind"]:
                    statements[current["kind"]] += 1

            def timed(request_kind: str, client, method: str, path: str, **kwargs):
                current["kind"] = request_kind
                started = time.perf_counter()
                response = client.open(path, method=method, **kwargs)
                times[request_kind].append(time.perf_counter() - started)
                current["kind"] = ""
                return response

            sa.event.listen(engine, "before_cursor_execute", count)
            try:
                for email in exam.trainee_emails:
                    sit(app, exam, email, timed)
            finally:
                sa.event.remove(engine, "before_cursor_execute", count)
            common.dispose(app)
    return [[request_kind, str(len(times[request_kind])),
             common.fmt_ms(common.median(times[request_kind])),
             common.fmt_ms(sum(times[request_kind]) / len(times[request_kind])),
             f"{statements[request_kind] / len(times[request_kind]):.1f}"]
            for request_kind in exam_rush.KINDS]


def sit(app, exam: exam_rush.Exam, email: str, timed) -> None:
    """One trainee: sign in (not timed), then start, page, saves and submit (timed)."""
    client = common.local_client(app)
    signed_in = client.post("/login", data={
        "csrf_token": _token(client.get("/login")), "email": email,
        "password": common.PASSWORD})
    if signed_in.status_code != 302:
        raise RuntimeError(f"{email} could not sign in")
    base = f"/cohorts/{exam.cohort_id}"
    token = _token(client.get(f"{base}/quizzes/{exam.assessment_id}"))
    started = timed("start", client, "POST", f"{base}/quizzes/{exam.assessment_id}/start",
                    data={"csrf_token": token})
    attempt = int(ATTEMPT.search(started.headers["Location"]).group(1))
    token = _token(timed("page", client, "GET", f"{base}/attempts/{attempt}?q=1"))
    for question_id, options in exam.questions:
        saved = timed("save", client, "POST", f"{base}/attempts/{attempt}/answers",
                      data={"question_id": question_id, exam_rush.ANSWER_FIELD: options[0],
                            "csrf_token": token},
                      headers={"Accept": "application/json"})
        if saved.status_code != 200 or not saved.get_json().get("saved"):
            raise RuntimeError(f"save refused: {saved.status_code}")
    submitted = timed("submit", client, "POST", f"{base}/attempts/{attempt}/submit",
                      data={"csrf_token": token, "confirm": "yes"})
    if submitted.status_code != 302:
        raise RuntimeError(f"submit refused: {submitted.status_code}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trainees", type=int, default=60)
    parser.add_argument("--answers", type=int, default=20, help="questions per quiz")
    parser.add_argument("--databases", default="sqlite,postgresql",
                        help="comma-separated: sqlite, postgresql")
    args = parser.parse_args(argv)
    args.databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    if set(args.databases) - {"sqlite", "postgresql"} or not args.databases:
        parser.error("--databases takes sqlite and/or postgresql")
    if not 1 <= args.trainees <= 1000 or not 1 <= args.answers <= 200:
        parser.error("--trainees must be 1..1000 and --answers 1..200")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(f"Machine: {common.machine_size()}")
    print(f"Exam costs: {args.trainees} trainees one after another, {args.answers} answers "
          "each, in-process", flush=True)
    for kind in args.databases:
        rows = measure(kind, args.trainees, args.answers)
        print()
        print(f"### {kind}")
        print()
        print(common.markdown_table(
            ["request", "count", "median ms", "mean ms", "SQL statements each"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
