"""Exam rush: a whole cohort sits the same timed quiz at the same moment.

    .venv/bin/python bench/exam_rush.py [--trainees 200] [--answers 20] [--workers 4]
                                        [--databases sqlite,postgresql] [--kill-worker]
                                        [--think SECONDS] [--repeat N]

For each database kind: a fresh database, the real app under gunicorn, N trainees
signed in beforehand (not timed); then, released together by a barrier, each
trainee starts the quiz, opens the attempt page, saves its answers one by one
(JSON) and submits (timed). Afterwards the database is checked: every answer the
server acknowledged is stored as sent (LOST otherwise), no (attempt, question) is
stored twice (DUPLICATED), every attempt is submitted. A minimal one-table app
(bench/ceiling_app.py) is then driven the same way, and the ratio of the two
rates is printed. Figures are printed as Markdown tables beside their targets;
nothing is asserted. See bench/README.md.

On two cores both rates wander from run to run (the ceiling by a fifth or more:
it waits on SQLite's lock or PostgreSQL's WAL flush as much as on the CPU), so
``--repeat N`` runs each database N times, each a fresh rush followed by its own
ceiling, and ends with every ratio and their median.

By default every trainee saves its next answer as soon as the last one is
acknowledged: the server is saturated, which measures throughput. ``--think S``
makes each trainee pause a random 0 to 2·S seconds (S on average) after each
answer, as people do while reading the next question: that measures the latency
a cohort sees at a realistic pace. The ceiling is paced the same way.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__" and Path(sys.prefix).resolve() != (ROOT / ".venv").resolve() \
        and (ROOT / ".venv" / "bin" / "python").exists():
    # Started with another Python: run again with the project's virtualenv.
    os.execv(str(ROOT / ".venv" / "bin" / "python"),  # noqa: S606
             [str(ROOT / ".venv" / "bin" / "python"), *sys.argv])
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from bench.common import (  # noqa: E402
    Browser,
    Recorder,
    Response,
    fmt_rate,
    markdown_table,
    send,
)

KINDS = ("start", "page", "save", "submit")
DEADLINE_SECONDS = 300.0
TARGET_P95 = 0.250
TARGET_RATIO = 0.5
OPTIONS_PER_QUESTION = 4
ATTEMPT_IN_LOCATION = re.compile(r"/attempts/(\d+)")
# The form field that carries a single-choice response (see lms/assessments/quizzes/views.py).
ANSWER_FIELD = "option"


# ---------------------------------------------------------------- seeding


@dataclass
class Exam:
    cohort_id: int
    assessment_id: int
    questions: list[tuple[int, list[int]]]  # (question id, option ids) in quiz order
    trainee_emails: list[str]


def seed_exam(app, trainees: int, answers: int) -> Exam:
    """A cohort of ``trainees`` and a 30-minute quiz of ``answers`` single-choice questions."""
    from decimal import Decimal

    from lms.assessments.models import Assessment, AssessmentKind
    from lms.assessments.quizzes.models import Question, QuestionKind, QuestionOption, QuizQuestion
    from lms.extensions import db

    seeded = common.seed_cohort(app, trainees)
    with app.app_context():
        quiz = Assessment(course_id=seeded.course_id, kind=AssessmentKind.QUIZ,
                          title="Final knowledge test", pass_mark=Decimal(70),
                          weight=Decimal(1), required=True, attempts_allowed=1,
                          time_limit_minutes=30, shuffle_questions=False, published=True)
        db.session.add(quiz)
        questions = []
        for number in range(1, answers + 1):
            question = Question(course_id=seeded.course_id, kind=QuestionKind.SINGLE,
                                text=f"Question {number}?", points=Decimal(1))
            for position in range(1, OPTIONS_PER_QUESTION + 1):
                question.options.append(QuestionOption(
                    position=position, text=f"Option {position}", correct=position == 1))
            questions.append(question)
        db.session.add_all(questions)
        db.session.flush()
        for position, question in enumerate(questions, start=1):
            db.session.add(QuizQuestion(assessment_id=quiz.id, question_id=question.id,
                                        position=position))
        exam = Exam(seeded.cohort_id, quiz.id,
                    [(q.id, [o.id for o in q.options]) for q in questions],
                    seeded.trainee_emails)
        db.session.commit()
        db.session.remove()
    return exam


# ---------------------------------------------------------------- one trainee


@dataclass
class Trainee:
    email: str
    browser: Browser
    plan: list[tuple[int, int]]  # (question id, option id) to save, in order
    token: str | None = None
    attempt_id: int | None = None
    started: float | None = None
    finished: float | None = None


@dataclass
class Rush:
    exam: Exam
    recorder: Recorder
    deadline: float
    kill_at: int | None  # acknowledged saves after which a worker is killed
    think: float = 0.0  # mean pause after each answer, seconds
    acknowledged: dict[tuple[int, int], int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    kill_now: threading.Event = field(default_factory=threading.Event)

    def acknowledge(self, attempt_id: int, question_id: int, option_id: int) -> None:
        with self.lock:
            self.acknowledged[(attempt_id, question_id)] = option_id
            if self.kill_at is not None and len(self.acknowledged) >= self.kill_at:
                self.kill_now.set()


def _started(response: Response) -> bool:
    return response.status in (302, 303) and bool(
        ATTEMPT_IN_LOCATION.search(response.headers.get("Location", "")))


def _saved(question_id: int):
    def accept(response: Response) -> bool:
        if response.status != 200:
            return False
        try:
            data = response.json()
        except ValueError:
            return False
        return (isinstance(data, dict) and data.get("saved") is True
                and str(data.get("question_id")) == str(question_id))
    return accept


def sit_exam(trainee: Trainee, rush: Rush, barrier: threading.Barrier) -> None:
    """Start, open the page, save every answer, submit: one trainee's timed run."""
    exam, recorder, deadline = rush.exam, rush.recorder, rush.deadline
    base = f"/cohorts/{exam.cohort_id}"
    browser = trainee.browser
    barrier.wait()
    trainee.started = time.perf_counter()
    try:
        response = send(browser, recorder, "start", "POST",
                        f"{base}/quizzes/{exam.assessment_id}/start",
                        form={"csrf_token": trainee.token or ""}, deadline=deadline,
                        accept=_started)
        if response is None:
            return
        attempt_id = int(ATTEMPT_IN_LOCATION.search(response.headers["Location"]).group(1))
        trainee.attempt_id = attempt_id
        page = send(browser, recorder, "page", "GET", f"{base}/attempts/{attempt_id}?q=1",
                    deadline=deadline,
                    accept=lambda r: r.status == 200 and r.csrf_token() is not None)
        token = page.csrf_token() if page is not None else trainee.token
        headers = {"Accept": "application/json", "X-CSRFToken": token or ""}
        pace = random.Random(trainee.email)
        for question_id, option_id in trainee.plan:
            think(pace, rush.think, deadline)
            saved = send(browser, recorder, "save", "POST", f"{base}/attempts/{attempt_id}/answers",
                         form={"question_id": question_id, ANSWER_FIELD: option_id,
                               "csrf_token": token or ""},
                         headers=headers, deadline=deadline, accept=_saved(question_id))
            if saved is not None:
                rush.acknowledge(attempt_id, question_id, option_id)
        # "confirm" is what the finish page's form sends: a submit without it is refused.
        send(browser, recorder, "submit", "POST", f"{base}/attempts/{attempt_id}/submit",
             form={"csrf_token": token or "", "confirm": "yes"}, deadline=deadline,
             accept=lambda r: r.status < 400)
    finally:
        trainee.finished = time.perf_counter()


def think(chooser: random.Random, mean: float, deadline: float) -> None:
    """Pause a random 0..2×``mean`` seconds, never past ``deadline``."""
    if mean > 0:
        time.sleep(max(0.0, min(chooser.uniform(0, 2 * mean), deadline - time.monotonic())))


# ---------------------------------------------------------------- phases


def sign_in_everyone(exam: Exam, port: int, answers: int, seed: int) -> list[Trainee]:
    """The untimed setup: each trainee signs in on a connection of its own."""
    chooser = random.Random(seed)
    trainees = [Trainee(email, Browser(port),
                        [(qid, chooser.choice(options)) for qid, options in exam.questions])
                for email in exam.trainee_emails]
    quiz_page = f"/cohorts/{exam.cohort_id}/quizzes/{exam.assessment_id}"

    def sign_in(trainee: Trainee) -> None:
        landing = common.login(trainee.browser, trainee.email, common.PASSWORD)
        if landing is None:
            raise RuntimeError(f"{trainee.email} could not sign in")
        # The quiz's own page gives the token for "start"; any page of the site would.
        for path in (quiz_page, landing):
            page = trainee.browser.request("GET", path)
            trainee.token = page.csrf_token()
            if page.status == 200 and trainee.token:
                return
        raise RuntimeError(f"{trainee.email}: no CSRF token after signing in")

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(sign_in, trainees))
    return trainees


@dataclass
class RushResult:
    recorder: Recorder
    seconds: float
    acknowledged: dict[tuple[int, int], int]
    attempt_ids: list[int]
    trainees_finished: int
    killed_pid: int | None
    killed_after: float | None


def run_rush(server: common.Server, exam: Exam, trainees: list[Trainee],
             kill_worker: bool, think_seconds: float = 0.0) -> RushResult:
    planned = sum(len(t.plan) for t in trainees)
    rush = Rush(exam, Recorder(), time.monotonic() + DEADLINE_SECONDS,
                kill_at=max(1, planned // 2) if kill_worker else None, think=think_seconds)
    barrier = threading.Barrier(len(trainees) + 1)
    threads = [threading.Thread(target=sit_exam, args=(t, rush, barrier), daemon=True)
               for t in trainees]
    for thread in threads:
        thread.start()
    killed: dict[str, float | int | None] = {"pid": None, "after": None}

    def killer() -> None:
        if rush.kill_now.wait(timeout=DEADLINE_SECONDS):
            killed["pid"] = common.kill_one_worker(server)
            killed["after"] = time.perf_counter() - released

    killer_thread = threading.Thread(target=killer, daemon=True)
    if kill_worker:
        killer_thread.start()
    barrier.wait()
    released = time.perf_counter()
    for thread in threads:
        thread.join(timeout=max(0.0, rush.deadline - time.monotonic()) + 35)
    rush.kill_now.set()  # let the killer thread end if it never fired
    ended = max((t.finished for t in trainees if t.finished), default=released)
    return RushResult(
        recorder=rush.recorder, seconds=ended - released, acknowledged=dict(rush.acknowledged),
        attempt_ids=[t.attempt_id for t in trainees if t.attempt_id is not None],
        trainees_finished=sum(1 for t in trainees if t.finished is not None),
        killed_pid=killed["pid"], killed_after=killed["after"])


@dataclass
class CeilingResult:
    recorder: Recorder
    seconds: float
    acknowledged: int
    stored: int


def run_ceiling(kind: str, folder: Path, trainees: int, answers: int,
                workers: int, think_seconds: float = 0.0) -> CeilingResult:
    """The same threads x requests against the one-table app, on a scratch database."""
    import sqlalchemy as sa

    from bench import ceiling_app

    with common.scratch_database(kind, f"lms_bench_{os.getpid()}_ceiling", folder) as url:
        app = ceiling_app.create_app(url)
        with app.app_context():
            ceiling_app.db.create_all()
            ceiling_app.db.engine.dispose()
        env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
        env["BENCH_CEILING_DATABASE_URL"] = url
        recorder = Recorder()
        counter = {"acknowledged": 0}
        lock = threading.Lock()
        with common.gunicorn("ceiling_app:create_app()", env, workers=workers,
                             log_path=folder / f"ceiling-{kind}.log",
                             extra_args=["--pythonpath", str(common.ROOT / "bench")]) as server:
            barrier = threading.Barrier(trainees + 1)
            deadline = time.monotonic() + DEADLINE_SECONDS
            finished: list[float] = []

            def client(number: int) -> None:
                browser = Browser(server.port)
                pace = random.Random(number)
                barrier.wait()
                try:
                    for answer in range(answers):
                        # The first insert goes at the release, as every trainee's Start
                        # does: how long the minimal app makes a cohort wait that
                        # arrives at once. The pauses come between inserts.
                        if answer:
                            think(pace, think_seconds, deadline)
                        kind = "insert" if answer else "first insert"
                        response = send(browser, recorder, kind, "POST", "/rows",
                                        form={"value": f"{number}:{answer}"}, deadline=deadline,
                                        accept=lambda r: r.status == 200)
                        if response is not None:
                            with lock:
                                counter["acknowledged"] += 1
                finally:
                    browser.close()
                    with lock:
                        finished.append(time.perf_counter())

            threads = [threading.Thread(target=client, args=(n,), daemon=True)
                       for n in range(trainees)]
            for thread in threads:
                thread.start()
            barrier.wait()
            released = time.perf_counter()
            for thread in threads:
                thread.join(timeout=max(0.0, deadline - time.monotonic()) + 35)
            seconds = max(finished, default=released) - released
        engine = sa.create_engine(url)
        with engine.connect() as connection:
            stored = connection.execute(sa.text("SELECT COUNT(*) FROM ceiling_rows")).scalar_one()
        engine.dispose()
        with app.app_context():
            ceiling_app.db.engine.dispose()
    return CeilingResult(recorder, seconds, counter["acknowledged"], stored)


# ---------------------------------------------------------------- one database


@dataclass
class Run:
    """One rush and its ceiling, on a fresh database: the printed report and its key figures."""

    report: str
    answers_per_second: float | None
    ceiling_per_second: float | None
    lost: int
    duplicated: int

    @property
    def ratio(self) -> float | None:
        if not self.answers_per_second or not self.ceiling_per_second:
            return None
        return self.answers_per_second / self.ceiling_per_second


def run_database(kind: str, args: argparse.Namespace) -> Run:
    with tempfile.TemporaryDirectory(prefix=f"lms-bench-{kind}-") as folder_name:
        folder = Path(folder_name)
        instance = folder / "instance"
        with common.scratch_database(kind, f"lms_bench_{os.getpid()}", folder) as url:
            app = common.make_app(url, str(instance))
            common.create_schema(app, args.schema)
            exam = seed_exam(app, args.trainees, args.answers)
            common.dispose(app)
            env = common.app_environment(url, str(instance))
            with common.gunicorn("wsgi:app", env, workers=args.workers,
                                 log_path=folder / f"gunicorn-{kind}.log") as server:
                setup_started = time.perf_counter()
                trainees = sign_in_everyone(exam, server.port, args.answers, args.seed)
                setup_seconds = time.perf_counter() - setup_started
                print(f"[{kind}] {len(trainees)} trainees signed in in {setup_seconds:.1f} s "
                      "(setup, not timed)", flush=True)
                result = run_rush(server, exam, trainees, args.kill_worker, args.think)
                for trainee in trainees:
                    trainee.browser.close()
                log_tail = server.log_tail(40)
            with app.app_context():
                from lms.extensions import db

                check = common.check_answers(db.session, result.acknowledged,
                                             result.attempt_ids)
                db.session.remove()
            common.dispose(app)
        print(f"[{kind}] rush done in {result.seconds:.1f} s; running the ceiling", flush=True)
        ceiling = run_ceiling(kind, folder, args.trainees, args.answers, args.workers,
                              args.think)
        run = Run("", len(result.acknowledged) / result.seconds if result.seconds else None,
                  ceiling.acknowledged / ceiling.seconds if ceiling.seconds else None,
                  check.lost, check.duplicated)
        run.report = format_report(kind, args, exam, result, check, ceiling, run)
        if any(result.recorder.errors_before_retries()) or result.recorder.refused():
            run.report += f"\n\nLast lines of the gunicorn log:\n```\n{log_tail}\n```"
        return run


def summary_table(kind: str, runs: list[Run]) -> str:
    """Every run's throughput and ratio, and the median ratio, for one database."""
    rows = [[str(number), fmt_rate(run.answers_per_second), fmt_rate(run.ceiling_per_second),
             "–" if run.ratio is None else f"{run.ratio:.2f}", run.lost, run.duplicated]
            for number, run in enumerate(runs, start=1)]
    middle = common.median([run.ratio for run in runs if run.ratio is not None])
    rows.append(["median", "", "", "–" if middle is None else f"**{middle:.2f}**", "", ""])
    return "\n".join([
        f"### {kind}: {len(runs)} runs, each rush followed by its ceiling "
        f"(ratio target ≥ {TARGET_RATIO})", "",
        markdown_table(["run", "answers/s", "ceiling rows/s", "ratio", "lost", "duplicated"],
                       rows)])


def format_report(kind: str, args: argparse.Namespace, exam: Exam, result: RushResult,
                  check: common.AnswerCheck, ceiling: CeilingResult, run: Run) -> str:
    recorder = result.recorder
    answers_per_second, ceiling_rate, ratio = (run.answers_per_second,
                                               run.ceiling_per_second, run.ratio)
    requests_per_second = (len(recorder.samples) / result.seconds) if result.seconds else None
    status_5xx, connection_errors = recorder.errors_before_retries()
    c_5xx, c_connection = ceiling.recorder.errors_before_retries()
    planned = args.trainees * args.answers
    killed = (f"yes: pid {result.killed_pid} after {result.killed_after:.1f} s"
              if result.killed_pid else ("asked, but no worker found" if args.kill_worker
                                         else "no"))
    summary = [
        ["answers saved (acknowledged / planned)", f"{len(result.acknowledged)} / {planned}",
         f"{planned}"],
        ["rush wall time (s)", f"{result.seconds:.2f}", "–"],
        ["answers per second", fmt_rate(answers_per_second), "–"],
        ["requests per second (all kinds, every try)", fmt_rate(requests_per_second), "–"],
        ["ceiling rows per second (one-table app)", fmt_rate(ceiling_rate), "–"],
        ["ratio answers/s ÷ ceiling rows/s"
         + (" (paced: both follow the pace; only a run without pauses measures it)"
            if args.think else ""),
         "–" if ratio is None else f"{ratio:.2f}", f"≥ {TARGET_RATIO}"],
        ["lost (acknowledged, not stored as sent)", check.lost, "0"],
        ["duplicated (attempt, question) rows", check.duplicated, "0"],
        ["attempts not submitted", f"{check.unsubmitted} of {len(result.attempt_ids)}", "0"],
        ["trainees without an attempt", args.trainees - len(result.attempt_ids), "0"],
        ["server errors before retries (5xx / connection)",
         f"{status_5xx} / {connection_errors}", "0"],
        ["failed tries by kind and status", recorder.error_breakdown(), "none"],
        ["server errors after retries", recorder.errors_after_retries(), "0"],
        ["other refusals (4xx, unexpected reply)", recorder.refused(), "0"],
        ["ceiling: errors before retries (5xx / connection), rows stored / acknowledged",
         f"{c_5xx} / {c_connection}, {ceiling.stored} / {ceiling.acknowledged}", "–"],
        ["gunicorn worker killed mid-rush", killed, "–"],
    ]
    latency = common.latency_rows(recorder, KINDS, TARGET_P95)
    ceiling_rows = common.latency_rows(ceiling.recorder, ["first insert", "insert"], None)
    ceiling_rows[0][0] = "ceiling: first insert (all clients at once)"
    ceiling_rows[1][0] = "ceiling: other inserts"
    latency += ceiling_rows
    lines = [
        f"### {kind}: {args.trainees} trainees × {args.answers} answers, "
        f"{args.workers} gunicorn workers, "
        + (f"pause after each answer {args.think:g} s on average" if args.think
           else "no pause between answers (saturation)"),
        "",
        markdown_table(["measure", "value", "target"], summary),
        "",
        markdown_table(["request", "count", "p50 ms", "p95 ms", "p99 ms", "target p95 ms"],
                       latency),
    ]
    if check.lost_examples:
        lines += ["", f"First lost (attempt, question): {list(check.lost_examples)}"]
    return "\n".join(lines)


# ---------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trainees", type=int, default=200)
    parser.add_argument("--answers", type=int, default=20, help="questions per quiz")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--databases", default="sqlite,postgresql",
                        help="comma-separated: sqlite, postgresql")
    parser.add_argument("--kill-worker", action="store_true",
                        help="SIGKILL one gunicorn worker when half the saves are acknowledged")
    parser.add_argument("--schema", choices=["create_all", "upgrade"], default="create_all",
                        help="create the tables with db.create_all() or `lms db upgrade`")
    parser.add_argument("--seed", type=int, default=1, help="random seed for the answers")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per database, each a fresh rush and ceiling; with more "
                             "than one, a summary gives every ratio and their median")
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean pause in seconds after each answer (0: none, saturation)")
    args = parser.parse_args(argv)
    args.databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    unknown = set(args.databases) - {"sqlite", "postgresql"}
    if unknown or not args.databases:
        parser.error(f"unknown database kinds: {', '.join(sorted(unknown)) or '(none)'}")
    if not 1 <= args.trainees <= 2000 or not 1 <= args.answers <= 200:
        parser.error("--trainees must be 1..2000 and --answers 1..200")
    if not 1 <= args.repeat <= 9:
        parser.error("--repeat must be 1..9")
    if not 0 <= args.think <= 10:
        parser.error("--think must be 0..10 seconds")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(f"Machine: {common.machine_size()}")
    print(f"Exam rush: {args.trainees} trainees × {args.answers} answers, "
          f"{args.workers} gunicorn workers, databases: {', '.join(args.databases)}, "
          f"kill a worker: {'yes' if args.kill_worker else 'no'}, "
          f"mean pause after each answer: {args.think:g} s, runs per database: {args.repeat}",
          flush=True)
    sections = []
    for kind in args.databases:
        # Each repeat is a fresh database, rush then ceiling, so that a slow spell
        # of the machine weighs on both sides of a ratio rather than on one.
        runs = []
        for number in range(1, args.repeat + 1):
            if args.repeat > 1:
                print(f"[{kind}] run {number} of {args.repeat}", flush=True)
            runs.append(run_database(kind, args))
        sections += [run.report for run in runs]
        if args.repeat > 1:
            sections.append(summary_table(kind, runs))
    print()
    print("\n\n".join(sections))
    return 0


if __name__ == "__main__":
    sys.exit(main())
