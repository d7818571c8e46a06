"""PostgreSQL restarted under load: what visitors see meanwhile, and what survives.

    .venv/bin/python bench/db_restart.py [--clients 4] [--workers 2] [--outage 2]
                                         [--mode fast|immediate] [--repeat 1]

A PostgreSQL cluster of its own (initdb into a temporary folder, a free loopback
port; the machine's cluster is never touched), the app under gunicorn (threaded
workers, production settings) on it, and a few signed-in trainees who each, in a
loop, complete the next lesson of a long course (a write) and open their
dashboard (a read). Meanwhile the cluster is stopped (``pg_ctl stop -m fast``,
or ``immediate``: a crash), left down for ``--outage`` seconds and started again;
the load goes on until the app has recovered and a little longer.

Printed: the requests by answer (2xx/3xx, 503, any other status, connection
errors and timeouts), the slowest answer, how long the database was down, how
long after it was back the first write succeeded, and whether every write the
app acknowledged (a 302) is in the database afterwards. What must hold (only
503s while the database is away, each with Retry-After, no request without an
answer within 10 s, nothing acknowledged lost) is asserted by
tests/web/test_database_restart.py, which runs this with a short outage.

As root, initdb and pg_ctl run as the ``postgres`` user (initdb refuses root).
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import http.client
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__" and Path(sys.prefix).resolve() != (ROOT / ".venv").resolve() \
        and (ROOT / ".venv" / "bin" / "python").exists():
    # Started with another Python: run again with the project's virtualenv.
    os.execv(str(ROOT / ".venv" / "bin" / "python"),  # noqa: S606
             [str(ROOT / ".venv" / "bin" / "python"), *sys.argv])
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench import common  # noqa: E402

# A request not answered within this many seconds counts as a hung worker.
ANSWER_WITHIN = 10.0
# Each client's pause between requests: a steady load that two shared cores can carry.
THINK = 0.01


class Unavailable(RuntimeError):
    """What the run needs (initdb, pg_ctl, gunicorn, the postgres user) is missing."""


# ---------------------------------------------------------------- a cluster of our own


def postgres_programs() -> tuple[Path, Path]:
    """(initdb, pg_ctl): the newest Debian-installed PostgreSQL's, else those on PATH."""
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                         key=lambda name: int(name.split("/")[-2]), reverse=True):
        initdb, pg_ctl = Path(folder, "initdb"), Path(folder, "pg_ctl")
        if initdb.exists() and pg_ctl.exists():
            return initdb, pg_ctl
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl:
        return Path(initdb), Path(pg_ctl)
    raise Unavailable("initdb and pg_ctl not found (PostgreSQL's server programs)")


def _as_postgres() -> list[str]:
    """The command prefix that runs the cluster's programs: as ``postgres`` when root."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    try:
        import pwd

        pwd.getpwnam("postgres")
    except KeyError as exc:
        raise Unavailable("running as root and there is no postgres user") from exc
    if runuser is None:
        raise Unavailable("running as root and runuser is missing")
    return [runuser, "-u", "postgres", "--"]


@dataclass
class Cluster:
    """A PostgreSQL cluster in a temporary folder, listening on 127.0.0.1:``port`` only."""

    pg_ctl: Path
    folder: Path
    port: int
    prefix: list[str]

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 60) -> None:
        subprocess.run([*self.prefix, str(self.pg_ctl), "-D", str(self.data), *args],
                       check=True, capture_output=True, timeout=timeout)

    def start(self) -> None:
        # The socket in our folder, not /var/run/postgresql; fsync off because only
        # the server process stops here, never the machine: the OS keeps what it wrote.
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c full_page_writes=off")
        self._run("-w", "-t", "30", "-l", str(self.folder / "server.log"), "-o", options,
                  "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("-w", "-t", "30", "-m", mode, "stop")


@contextlib.contextmanager
def cluster() -> Iterator[Cluster]:
    """A fresh cluster, started; stopped and deleted afterwards, whatever happened."""
    initdb, pg_ctl = postgres_programs()
    prefix = _as_postgres()
    # Short and under /tmp: a Unix socket's path may not exceed 107 bytes.
    folder = Path(tempfile.mkdtemp(prefix="lms-pg-", dir="/tmp"))
    try:
        if prefix:
            shutil.chown(folder, "postgres", "postgres")
        subprocess.run([*prefix, str(initdb), "-D", str(folder / "data"), "-U", "postgres",
                        "-A", "trust", "-E", "UTF8", "--no-sync"],
                       check=True, capture_output=True, timeout=120)
        server = Cluster(pg_ctl, folder, common.free_port(), prefix)
        server.start()
        try:
            yield server
        finally:
            with contextlib.suppress(subprocess.SubprocessError, OSError):
                server.stop("immediate")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# ---------------------------------------------------------------- the course


@dataclass
class Course:
    cohort_id: int
    lesson_ids: list[int]
    trainee_emails: list[str]
    enrolment_ids: dict[str, int]


def seed(app, trainees: int, lessons: int) -> Course:
    """The bench cohort (bench/common.py) and one module of ``lessons`` lessons."""
    from lms.catalog.models import Lesson, Module
    from lms.extensions import db

    seeded = common.seed_cohort(app, trainees, tag="restart")
    with app.app_context():
        module = Module(course_id=seeded.course_id, title="Restart module", position=1)
        module.lessons = [Lesson(title=f"Lesson {i}", position=i, body=f"Lesson {i}.")
                          for i in range(1, lessons + 1)]
        db.session.add(module)
        db.session.commit()
        lesson_ids = [lesson.id for lesson in module.lessons]
        db.session.remove()
    return Course(seeded.cohort_id, lesson_ids, seeded.trainee_emails,
                  dict(zip(seeded.trainee_emails, seeded.enrolment_ids, strict=True)))


# ---------------------------------------------------------------- the load


@dataclass(frozen=True)
class Answer:
    kind: str          # "write" or "read"
    started: float     # time.monotonic()
    seconds: float
    status: int        # 0: no answer (connection refused or reset, or a timeout)
    retry_after: str | None


@dataclass
class Load:
    answers: list[Answer] = field(default_factory=list)
    acknowledged: set[tuple[int, int]] = field(default_factory=set)  # (enrolment, lesson)
    problems: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)

    def add(self, answer: Answer) -> None:
        with self.lock:
            self.answers.append(answer)

    def first_write_after(self, moment: float) -> float | None:
        with self.lock:
            times = [a.started + a.seconds for a in self.answers
                     if a.kind == "write" and a.status == 302 and a.started >= moment]
        return min(times) if times else None


def _ask(browser: common.Browser, load: Load, kind: str, method: str, path: str,
         form: dict | None = None) -> common.Response | None:
    started = time.monotonic()
    try:
        response = browser.request(method, path, form=form)
    except (OSError, http.client.HTTPException):
        load.add(Answer(kind, started, time.monotonic() - started, 0, None))
        return None
    load.add(Answer(kind, started, time.monotonic() - started, response.status,
                    response.headers.get("Retry-After")))
    return response


def trainee(port: int, email: str, course: Course, load: Load, limit: int) -> None:
    """One client: sign in, then complete the next lesson and open the dashboard, in turn."""
    browser = common.Browser(port, timeout=ANSWER_WITHIN)
    try:
        if common.login(browser, email, common.PASSWORD) is None:
            load.problems.append(f"{email} could not sign in")
            return
        token = browser.request("GET", "/dashboard").csrf_token()
        enrolment = course.enrolment_ids[email]
        lessons = iter(course.lesson_ids)
        for _ in range(limit):
            if load.stop.is_set():
                return
            lesson = next(lessons, None)
            if lesson is not None:
                response = _ask(browser, load, "write", "POST",
                                f"/cohorts/{course.cohort_id}/lessons/{lesson}/complete",
                                form={"csrf_token": token})
                if response is not None and response.status == 302:
                    with load.lock:
                        load.acknowledged.add((enrolment, lesson))
            # The dashboard also shows (and so drops) the "Lesson completed" messages,
            # which would otherwise pile up in the session cookie.
            _ask(browser, load, "read", "GET", "/dashboard")
            time.sleep(THINK)
    finally:
        browser.close()


# ---------------------------------------------------------------- one run


@dataclass
class Figures:
    mode: str
    answers: list[Answer]
    acknowledged: int
    missing: int
    stopping: float        # pg_ctl stop called (monotonic)
    down: float            # pg_ctl stop returned: the server is gone
    restarting: float      # pg_ctl start called: until then the server is surely gone
    up: float              # pg_ctl start returned: the server accepts connections
    recovered: float | None  # the first write answered 302 after ``up``
    worker_timeouts: int   # gunicorn's "WORKER TIMEOUT" lines
    tracebacks: int        # errors logged with a traceback (a 500 is one)
    problems: list[str]

    def count(self, test) -> int:
        return sum(1 for answer in self.answers if test(answer))

    @property
    def ok(self) -> int:
        return self.count(lambda a: 200 <= a.status < 400)

    @property
    def unavailable(self) -> int:
        return self.count(lambda a: a.status == 503)

    @property
    def other(self) -> int:
        return self.count(lambda a: a.status >= 400 and a.status != 503)

    @property
    def unanswered(self) -> int:
        return self.count(lambda a: a.status == 0)

    @property
    def without_retry_after(self) -> int:
        return self.count(lambda a: a.status == 503 and not a.retry_after)

    @property
    def slowest(self) -> float:
        return max((a.seconds for a in self.answers), default=0.0)

    @property
    def recovery_seconds(self) -> float | None:
        return None if self.recovered is None else self.recovered - self.up

    def row(self) -> list[str]:
        recovery = self.recovery_seconds
        return [self.mode, str(len(self.answers)), str(self.ok), str(self.unavailable),
                str(self.other), str(self.unanswered), str(self.without_retry_after),
                f"{self.slowest * 1000:.0f}", f"{self.up - self.stopping:.1f}",
                "never" if recovery is None else f"{recovery:.2f}",
                f"{self.acknowledged - self.missing}/{self.acknowledged}",
                str(self.worker_timeouts), str(self.tracebacks)]


HEADERS = ["stop", "requests", "2xx/3xx", "503", "other 4xx/5xx", "no answer",
           "503 without Retry-After", "slowest ms", "db down s", "recovered after s",
           "acknowledged writes found", "worker timeouts", "tracebacks logged"]


def _environment(url: str, instance: Path) -> dict[str, str]:
    # Production settings, as deployed (no exceptions handed to the client as in
    # testing); the clients reach 127.0.0.1 over plain HTTP.
    return common.app_environment(
        url, str(instance), LMS_ENV="production",
        LMS_SECRET_KEY=f"db-restart-{os.getpid()}-not-a-secret-only-for-this-benchmark",
        LMS_PUBLIC_URL="https://127.0.0.1", LMS_SESSION_COOKIE_SECURE="false")


def _missing(url: str, acknowledged: set[tuple[int, int]]) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            stored = set(connection.execute(sa.text(
                "SELECT enrolment_id, lesson_id FROM lesson_completions")).all())
    finally:
        engine.dispose()
    return len(acknowledged - {tuple(row) for row in stored})


def run(*, clients: int = 4, workers: int = 2, warm: float = 1.5, outage: float = 2.0,
        after: float = 2.0, mode: str = "fast", lessons: int = 300,
        recover_within: float = 20.0) -> Figures:
    """One restart under load; every wait is bounded, everything is cleaned up."""
    if not (common.VENV_BIN / "gunicorn").exists():
        raise Unavailable(f"gunicorn not found in {common.VENV_BIN}")
    with cluster() as server, tempfile.TemporaryDirectory(prefix="lms-restart-") as tmp:
        instance = Path(tmp) / "instance"
        app = common.make_app(server.url, str(instance))
        common.create_schema(app)
        course = seed(app, clients, lessons)
        common.dispose(app)
        env = _environment(server.url, instance)
        log_path = Path(tmp) / "gunicorn.log"
        load = Load()
        with common.gunicorn("wsgi:app", env, workers=workers, log_path=log_path) as app_server:
            threads = [threading.Thread(target=trainee, daemon=True, args=(
                app_server.port, email, course, load, 2 * lessons))
                for email in course.trainee_emails]
            for thread in threads:
                thread.start()
            try:
                time.sleep(warm)
                stopping = time.monotonic()
                server.stop(mode)
                down = time.monotonic()
                time.sleep(outage)
                restarting = time.monotonic()
                server.start()
                up = time.monotonic()
                deadline = up + recover_within
                while load.first_write_after(up) is None and time.monotonic() < deadline:
                    time.sleep(0.05)
                time.sleep(after)
            finally:
                load.stop.set()
                for thread in threads:
                    thread.join(timeout=ANSWER_WITHIN + 5)
            log = log_path.read_text(errors="replace")
        with load.lock:
            answers = sorted(load.answers, key=lambda a: a.started)
            acknowledged = set(load.acknowledged)
        return Figures(mode, answers, len(acknowledged), _missing(server.url, acknowledged),
                       stopping, down, restarting, up, load.first_write_after(up),
                       log.count("WORKER TIMEOUT"), log.count("Traceback"),
                       list(load.problems))


def table(figures: list[Figures]) -> str:
    return common.markdown_table(HEADERS, [f.row() for f in figures])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=4, help="signed-in trainees")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--outage", type=float, default=2.0, help="seconds the cluster is down")
    parser.add_argument("--mode", choices=["fast", "immediate"], default="fast",
                        help="pg_ctl stop mode: fast (a clean shutdown) or immediate (a crash)")
    parser.add_argument("--repeat", type=int, default=1)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(f"Machine: {common.machine_size()}")
    print(f"PostgreSQL stopped ({args.mode}) for {args.outage:.1f} s under {args.clients} "
          f"clients, gunicorn {args.workers} workers × {common.THREADS_PER_WORKER} threads",
          flush=True)
    results = [run(clients=args.clients, workers=args.workers, outage=args.outage,
                   mode=args.mode) for _ in range(args.repeat)]
    print()
    print(table(results))
    for result in results:
        for problem in result.problems:
            print(f"problem: {problem}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
