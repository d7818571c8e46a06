"""Pieces shared by the benchmarks: numbers, tables, HTTP clients, servers, databases.

The pure helpers (``percentile``, ``markdown_table``, ``option_ids``,
``check_answers``) are tested in tests/assessments/test_bench_smoke.py so that the
figures a benchmark prints can be trusted; the rest drives real processes and is
exercised by running the benchmarks themselves.

Standard library only (plus what the app already depends on): the benchmark adds
no dependency to the project.
"""

from __future__ import annotations

import contextlib
import http.client
import http.cookies
import json
import math
import os
import re
import signal
import socket
import statistics
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
# Not an LMS_* name: the app refuses unknown LMS_* variables in its environment.
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
CSRF_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
USER_AGENT = "lms-bench/1"
THREADS_PER_WORKER = 4


# ---------------------------------------------------------------- the machine


def machine_size() -> str:
    """Cores and memory, printed first: figures mean little without them."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 0
    memory = "unknown memory"
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB memory"
                break
    return f"{cores} cores (nproc), {memory}"


# ---------------------------------------------------------------- numbers and tables


def percentile(values: Sequence[float], pct: float) -> float | None:
    """The ``pct``-th percentile, interpolated linearly between the closest ranks.

    The same definition as numpy's default (``linear``): p0 is the minimum, p100 the
    maximum, p50 the median. None for no values.
    """
    if not 0 <= pct <= 100:
        raise ValueError(f"percentile must be within 0..100, not {pct}")
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low = math.floor(rank)
    high = math.ceil(rank)
    if low == high:
        return float(ordered[low])
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def fmt_ms(seconds: float | None) -> str:
    """Seconds shown as milliseconds with one decimal; a dash for no value."""
    return "–" if seconds is None else f"{seconds * 1000:.1f}"


def fmt_rate(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A GitHub-flavoured Markdown table, columns padded so it also reads as plain text.

    Cells are turned into text; a "|" inside a cell is escaped so it cannot split it.
    """
    cells = [[str(h).replace("|", "\\|") for h in headers]]
    for row in rows:
        row = list(row)
        if len(row) != len(headers):
            raise ValueError(f"row has {len(row)} cells, expected {len(headers)}: {row!r}")
        cells.append(["–" if c is None else str(c).replace("|", "\\|") for c in row])
    widths = [max(3, *(len(r[i]) for r in cells)) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    separator = "| " + " | ".join("-" * w for w in widths) + " |"
    return "\n".join([line(cells[0]), separator, *(line(r) for r in cells[1:])])


# ---------------------------------------------------------------- request records


@dataclass(frozen=True)
class Sample:
    """One try of one request: ``status`` 0 means the connection failed."""

    kind: str
    seconds: float
    status: int

    @property
    def server_error(self) -> bool:
        return self.status == 0 or self.status >= 500


@dataclass
class Recorder:
    """Thread-safe collection of samples, and of requests that failed after every retry."""

    samples: list[Sample] = field(default_factory=list)
    failed: list[tuple[str, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)

    def give_up(self, kind: str, status: int) -> None:
        with self.lock:
            self.failed.append((kind, status))

    def latencies(self, kind: str) -> list[float]:
        return [s.seconds for s in self.samples if s.kind == kind and not s.server_error]

    def errors_before_retries(self) -> tuple[int, int]:
        """(responses with status >= 500, connection errors), counting every try."""
        statuses = [s.status for s in self.samples if s.server_error]
        return sum(1 for s in statuses if s), sum(1 for s in statuses if not s)

    def error_breakdown(self) -> str:
        """The failed tries by kind and status, e.g. "save 500 ×4, start conn ×1"."""
        counts: dict[tuple[str, int], int] = {}
        for sample in self.samples:
            if sample.server_error:
                key = (sample.kind, sample.status)
                counts[key] = counts.get(key, 0) + 1
        return ", ".join(f"{kind} {status or 'conn'} ×{n}"
                         for (kind, status), n in sorted(counts.items())) or "none"

    def errors_after_retries(self) -> int:
        """Requests still failing (5xx or no connection) after every retry."""
        return sum(1 for _kind, status in self.failed if status == 0 or status >= 500)

    def refused(self) -> int:
        """Requests answered below 500 but not as expected (a 4xx, a save not saved)."""
        return sum(1 for _kind, status in self.failed if 0 < status < 500)


def latency_rows(recorder: Recorder, kinds: Sequence[str],
                 target_p95: float | None = None) -> list[list[str]]:
    """One table row per request kind: count, p50/p95/p99 in ms, and the p95 target."""
    rows = []
    for kind in kinds:
        values = recorder.latencies(kind)
        rows.append([kind, str(len(values)), fmt_ms(percentile(values, 50)),
                     fmt_ms(percentile(values, 95)), fmt_ms(percentile(values, 99)),
                     "–" if target_p95 is None else f"< {target_p95 * 1000:.0f}"])
    return rows


# ---------------------------------------------------------------- HTTP


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> object:
        return json.loads(self.body)

    def csrf_token(self) -> str | None:
        match = CSRF_TOKEN.search(self.text)
        return match.group(1) if match else None


class Browser:
    """One simulated person: a connection of their own and their cookies, kept by hand.

    The connection is kept alive between requests (the servers run threaded gunicorn
    workers, see ``gunicorn``); when a server closes it anyway, ``http.client``
    reconnects by itself on the next request.
    """

    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = 30.0) -> None:
        self.connection = http.client.HTTPConnection(host, port, timeout=timeout)
        self.cookies: dict[str, str] = {}

    def close(self) -> None:
        self.connection.close()

    def request(self, method: str, path: str, *, form: Mapping[str, object] | None = None,
                headers: Mapping[str, str] | None = None) -> Response:
        """Send one request; raises OSError or HTTPException when the connection fails."""
        sent = {"User-Agent": USER_AGENT, "Connection": "keep-alive", **(headers or {})}
        body = None
        if form is not None:
            # Bytes, so that http.client sends headers and body in one packet: a
            # separate small body write waits for a delayed ACK (~40 ms, Nagle).
            body = urllib.parse.urlencode(form, doseq=True).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.connection.request(method, path, body=body, headers=sent)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()  # start afresh on the next try
            raise
        for header in response.headers.get_all("Set-Cookie") or ():
            self._keep_cookie(header)
        return Response(response.status, response.headers, data)

    def _keep_cookie(self, header: str) -> None:
        jar = http.cookies.SimpleCookie()
        jar.load(header)
        for name, morsel in jar.items():
            expired = morsel["max-age"] == "0" or "1970" in morsel["expires"]
            if expired:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value


def send(browser: Browser, recorder: Recorder, kind: str, method: str, path: str, *,
         form: Mapping[str, object] | None = None, headers: Mapping[str, str] | None = None,
         retries: int = 5, backoff: float = 0.05, deadline: float | None = None,
         accept: Callable[[Response], bool] | None = None) -> Response | None:
    """One logical request, retried on a connection error or a 5xx.

    Every try is recorded. Returns the response (status < 500), or None after the
    last try failed or the deadline (a ``time.monotonic()`` value) passed.
    """
    last_status = 0
    for attempt in range(retries + 1):
        if deadline is not None and time.monotonic() > deadline:
            break
        started = time.perf_counter()
        try:
            response = browser.request(method, path, form=form, headers=headers)
        except (OSError, http.client.HTTPException):
            recorder.add(Sample(kind, time.perf_counter() - started, 0))
            last_status = 0
        else:
            recorder.add(Sample(kind, time.perf_counter() - started, response.status))
            last_status = response.status
            if response.status < 500 and (accept is None or accept(response)):
                return response
            if response.status < 500:
                # An answer the client did not expect is not retried: it would not change.
                recorder.give_up(kind, response.status)
                return None
        if attempt < retries:
            time.sleep(backoff * 2 ** attempt)
    recorder.give_up(kind, last_status)
    return None


def login(browser: Browser, email: str, password: str) -> str | None:
    """Sign in as a browser does: the form page for the CSRF token, then the POST.

    Returns the path the app redirects to after signing in, or None if refused.
    """
    page = browser.request("GET", "/login")
    token = page.csrf_token()
    if token is None:
        return None
    response = browser.request("POST", "/login", form={
        "csrf_token": token, "email": email, "password": password})
    location = response.headers.get("Location", "")
    if response.status != 302 or "/login" in location:
        return None
    parts = urllib.parse.urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "") or "/"


# ---------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_environment(database_url: str, instance_path: str, **extra: str) -> dict[str, str]:
    """The environment of a production-like LMS process; the caller's LMS_* are dropped."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update({
        "LMS_ENV": "production",
        # Production wants 32+ bytes; the same key in every process of one run.
        "LMS_SECRET_KEY": f"bench-{os.getpid()}-not-a-secret-only-for-benchmarks",
        # The clients ask for 127.0.0.1:<port>: the one host production answers.
        "LMS_PUBLIC_URL": "https://127.0.0.1",
        "LMS_DATABASE_URL": database_url,
        "LMS_INSTANCE_PATH": instance_path,
        "LMS_LOGIN_RATE_LIMIT": "100000 per minute",
        "LMS_SESSION_COOKIE_SECURE": "false",
        **extra,
    })
    return env


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def child_pids(parent: int, proc: Path = Path("/proc")) -> list[int]:
    """The processes whose parent is ``parent``, read from /proc (Linux)."""
    children = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # the process ended meanwhile
        # Fields after the command name, which is in parentheses and may hold spaces.
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 1 and int(fields[1]) == parent:
            children.append(int(entry.name))
    return sorted(children)


def kill_one_worker(server: Server) -> int | None:
    """SIGKILL one gunicorn worker (the master replaces it); its pid, or None."""
    workers = child_pids(server.process.pid)
    if not workers:
        return None
    victim = workers[len(workers) // 2]
    with contextlib.suppress(ProcessLookupError):
        os.kill(victim, signal.SIGKILL)
    return victim


@contextlib.contextmanager
def gunicorn(app_spec: str, env: Mapping[str, str], *, workers: int, log_path: Path,
             extra_args: Sequence[str] = (), ready_timeout: float = 60.0) -> Iterator[Server]:
    """Serve ``app_spec`` with gunicorn on a free loopback port until the block ends."""
    port = free_port()
    # gunicorn >= 24 opens a control socket at one fixed path per user; two servers
    # (ours, or a developer's) would fight over it.
    control = ["--no-control-socket"] if _has_control_socket() else []
    # Threaded workers keep connections alive between requests, as the clients
    # expect; sync workers would close every connection after one response.
    command = [str(VENV_BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
               "--worker-class", "gthread", "--threads", str(THREADS_PER_WORKER),
               "--keep-alive", "30", "--graceful-timeout", "5", *control, *extra_args,
               app_spec]
    log = log_path.open("ab")
    process = subprocess.Popen(command, cwd=ROOT, env=dict(env), stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(process, port, log_path)
    try:
        _wait_healthy(server, ready_timeout)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        log.close()


def _has_control_socket() -> bool:
    try:
        helptext = subprocess.run([str(VENV_BIN / "gunicorn"), "--help"], capture_output=True,
                                  text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "--no-control-socket" in helptext


def _wait_healthy(server: Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({server.process.returncode}):\n"
                               f"{server.log_tail()}")
        probe = Browser(server.port, timeout=2)
        try:
            if probe.request("GET", "/healthz").status == 200:
                return
        except (OSError, http.client.HTTPException):
            pass
        finally:
            probe.close()
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn not healthy after {timeout:.0f} s:\n{server.log_tail()}")


# ---------------------------------------------------------------- databases


@contextlib.contextmanager
def scratch_database(kind: str, name: str, folder: Path) -> Iterator[str]:
    """A fresh database of ``kind`` ("sqlite" or "postgresql"); yields its URL, drops it after."""
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise ValueError(f"unsafe database name {name!r}")
    if kind == "sqlite":
        yield f"sqlite:///{folder / (name + '.db')}"
        return
    if kind != "postgresql":
        raise ValueError(f"unknown database kind {kind!r}")
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(POSTGRES_URL).set(database=name).render_as_string(
            hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# ---------------------------------------------------------------- the answer check


def option_ids(response: object) -> frozenset[int]:
    """The option ids a stored ``Answer.response`` names, whatever its exact shape.

    Accepts a JSON text, a dict (``{"options": [3]}``, ``{"option": 3}``, ...), a
    list or a bare id, so the check does not depend on the quiz's storage details.
    """
    if isinstance(response, bytes | bytearray):
        response = response.decode()
    if isinstance(response, str):
        stripped = response.strip()
        if stripped.startswith(("{", "[")):
            return option_ids(json.loads(stripped))
        return frozenset({int(stripped)}) if stripped.isdigit() else frozenset()
    if isinstance(response, bool):
        return frozenset()
    if isinstance(response, int):
        return frozenset({response})
    if isinstance(response, list | tuple | set | frozenset):
        found: set[int] = set()
        for item in response:
            found |= option_ids(item)
        return frozenset(found)
    if isinstance(response, dict):
        for key in ("options", "option_ids", "option", "selected", "choice", "choices"):
            if key in response:
                return option_ids(response[key])
    return frozenset()


@dataclass(frozen=True)
class AnswerCheck:
    acknowledged: int
    lost: int            # acknowledged {saved: true} but missing, or stored differently
    duplicated: int      # (attempt, question) pairs with more than one row
    unsubmitted: int     # attempts of the run not in status "submitted"
    lost_examples: tuple[tuple[int, int], ...] = ()


def _chunks(values: Sequence[int], size: int = 500) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def duplicate_pairs(connection, attempt_ids: Sequence[int],
                    table: str = "answers") -> list[tuple[int, int, int]]:
    """(attempt, question, rows) for every pair stored more than once.

    The unique constraint should make this empty; it is counted anyway, with a
    plain GROUP BY, so that a dropped constraint would show here.
    """
    if not re.fullmatch(r"[a-z_]+", table):
        raise ValueError(f"unsafe table name {table!r}")
    found = []
    for chunk in _chunks(sorted(set(attempt_ids))):
        statement = sa.text(
            f"SELECT attempt_id, question_id, COUNT(*) FROM {table} "
            "WHERE attempt_id IN :ids GROUP BY attempt_id, question_id HAVING COUNT(*) > 1"
        ).bindparams(sa.bindparam("ids", expanding=True))
        found.extend(tuple(row) for row in connection.execute(statement, {"ids": list(chunk)}))
    return sorted(found)


def check_answers(connection, acknowledged: Mapping[tuple[int, int], int],
                  attempt_ids: Sequence[int]) -> AnswerCheck:
    """Compare what the server acknowledged with what the database holds.

    ``acknowledged`` maps (attempt id, question id) to the option id of the last
    save the server answered ``{saved: true}`` for. ``connection`` is a SQLAlchemy
    Connection or Session.
    """
    stored: dict[tuple[int, int], frozenset[int]] = {}
    statuses: dict[int, str] = {}
    ids = sorted(set(attempt_ids) | {attempt for attempt, _q in acknowledged})
    for chunk in _chunks(ids):
        rows = connection.execute(sa.text(
            "SELECT attempt_id, question_id, response FROM answers WHERE attempt_id IN :ids"
        ).bindparams(sa.bindparam("ids", expanding=True)), {"ids": list(chunk)})
        for attempt_id, question_id, response in rows:
            stored[(attempt_id, question_id)] = option_ids(response)
        rows = connection.execute(sa.text(
            "SELECT id, status FROM attempts WHERE id IN :ids"
        ).bindparams(sa.bindparam("ids", expanding=True)), {"ids": list(chunk)})
        statuses.update({attempt_id: status for attempt_id, status in rows})
    lost = [key for key, option in sorted(acknowledged.items())
            if stored.get(key) != frozenset({option})]
    duplicated = duplicate_pairs(connection, ids)
    unsubmitted = sum(1 for attempt_id in set(attempt_ids)
                      if statuses.get(attempt_id) != "submitted")
    return AnswerCheck(acknowledged=len(acknowledged), lost=len(lost),
                       duplicated=len(duplicated), unsubmitted=unsubmitted,
                       lost_examples=tuple(lost[:5]))


# ---------------------------------------------------------------- the app and its data

# A bench-only password, hashed with ONE pbkdf2 round (werkzeug still checks it):
# the real scrypt hash costs ~50 ms per login, which would only slow the setup.
PASSWORD = "bench password, not a secret"  # noqa: S105
CHEAP_HASH_METHOD = "pbkdf2:sha256:1"


def make_app(database_url: str, instance_path: str):
    """The real LMS app, configured as the gunicorn workers are, for seeding and checks."""
    from lms import create_app

    environment = app_environment(database_url, instance_path)
    return create_app(**{k: v for k, v in environment.items() if k.startswith("LMS_")})


def local_client(app):
    """A test client of ``app`` that asks for 127.0.0.1, the host the benchmarks'
    production settings trust (Flask's test client asks for localhost otherwise)."""
    from flask.testing import FlaskClient

    class LocalClient(FlaskClient):
        def open(self, *args, **kwargs):
            kwargs.setdefault("base_url", "http://127.0.0.1/")
            return super().open(*args, **kwargs)

    return LocalClient(app, app.response_class, use_cookies=True)


def create_schema(app, how: str = "create_all") -> None:
    """Create the tables: ``db.create_all()``, or ``lms db upgrade`` in a subprocess."""
    from lms.extensions import db

    if how == "upgrade":
        env = app_environment(app.config["LMS_DATABASE_URL"], app.config["INSTANCE_PATH"])
        subprocess.run([str(VENV_BIN / "lms"), "db", "upgrade"], cwd=ROOT, env=env,
                       check=True, capture_output=True)
        return
    with app.app_context():
        db.create_all()


@dataclass
class SeededCohort:
    program_id: int
    course_id: int
    cohort_id: int
    trainee_emails: list[str]
    enrolment_ids: list[int]
    coordinator_email: str


def seed_cohort(app, trainees: int, *, tag: str = "bench") -> SeededCohort:
    """A program, a published course, a running cohort, a coordinator and ``trainees``
    active trainees, inserted in bulk and committed."""
    from datetime import timedelta

    from werkzeug.security import generate_password_hash

    from lms.accounts.models import ProgramCoordinator, User
    from lms.catalog.models import Course, Program
    from lms.cohorts.models import Cohort, Enrolment, EnrolmentStatus
    from lms.extensions import db
    from lms.kernel import clock

    password_hash = generate_password_hash(PASSWORD, method=CHEAP_HASH_METHOD)
    today = clock.today(clock.UTC)
    with app.app_context():
        program = Program(code=f"{tag.upper()}P", certificate_prefix="BEN", name="Bench program",
                          language="en")
        course = Course(program=program, code=f"{tag.upper()}-C1", title="Bench course",
                        hours=20, language="en", published=True)
        cohort = Cohort(course=course, code=f"{tag.upper()}-COH1", language="en", country="MX",
                        starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=60),
                        enrol_opens_on=today - timedelta(days=30),
                        enrol_closes_on=today + timedelta(days=30))
        coordinator = User(email=f"{tag}-coordinator@example.org", full_name="Bench Coordinator",
                           password_hash=password_hash, locale="en", country="MX")
        db.session.add_all([program, course, cohort, coordinator])
        db.session.flush()
        db.session.add(ProgramCoordinator(program_id=program.id, user_id=coordinator.id))
        emails = [f"{tag}-trainee-{i:05d}@example.org" for i in range(1, trainees + 1)]
        db.session.execute(sa.insert(User), [
            {"email": email, "full_name": f"Trainee {i:05d}", "password_hash": password_hash,
             "locale": "en", "country": "MX", "is_admin": False, "active": True}
            for i, email in enumerate(emails, start=1)])
        user_ids = dict(db.session.execute(
            sa.select(User.email, User.id).where(User.email.like(f"{tag}-trainee-%"))).all())
        db.session.execute(sa.insert(Enrolment), [
            {"cohort_id": cohort.id, "user_id": user_ids[email],
             "status": EnrolmentStatus.ACTIVE} for email in emails])
        enrolment_ids = list(db.session.scalars(
            sa.select(Enrolment.id).where(Enrolment.cohort_id == cohort.id)
            .order_by(Enrolment.id)))
        seeded = SeededCohort(program.id, course.id, cohort.id, emails, enrolment_ids,
                              coordinator.email)
        db.session.commit()
        db.session.remove()
    return seeded


def dispose(app) -> None:
    """Close the seeding process's connections (a scratch PostgreSQL database is dropped)."""
    from lms.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()
