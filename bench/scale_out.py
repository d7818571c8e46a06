"""Scale-out: two app servers and one worker on PostgreSQL + Redis behave as one.

    .venv/bin/python bench/scale_out.py [--trainees 1000] [--import-rows 2000] [--worker-threads 2]
        [--clients 8] [--workers 2] [--deadline 280] [--keep]

One run, bounded by ``--deadline`` seconds of wall time (setup included):

1. **Setup.** A fresh PostgreSQL database (``BENCH_SCALE_DATABASE``, default
   ``scale_h4``, on the server of ``BENCH_POSTGRES_URL``) made with the models,
   seeded through the app's own code: a track with ``--trainees`` eligible trainees
   and its certifying officer (``bench/certificates.py``), and a coordinator with a
   cohort to import into. Redis db 4 holds the job queue and db 14 the rate-limit
   counters (both emptied first). An SMTP sink (aiosmtpd, in this process) counts
   what arrives by Message-ID: the app gives each outbox row one Message-ID, the
   same on every try. Two gunicorn servers (two ports, one instance folder: the
   shared uploads path) and one ``lms worker`` start, as in production.
2. **Shared rate limit.** One client address sends twice the verification budget
   plus ten, alternating between the two servers: exactly the budget must pass
   and the rest be answered 429.
3. **Mixed load.** ``--clients`` threads, each a browser behind a load balancer
   (round robin over the live servers; a server that refuses a connection is left
   out, as nginx's passive health check does, and the request is retried on the
   other): anonymous pages, verification pages and API look-ups, signed-in
   trainees' dashboards, the progress pages of the jobs. Meanwhile the officer
   starts the issue-all of the track and the coordinator uploads a
   ``--import-rows``-row CSV file (both become jobs; their mail goes through the
   outbox). When the issue-all has committed its first batch, the worker gets
   SIGKILL and is started again; a few seconds later server B (master and
   workers) gets SIGKILL and stays down.
4. **Checks, from the database and the SMTP sink.** Jobs not finished, certificates
   per (holder, track) above one, outbox rows received more than once at the sink,
   sent rows never received, 5xx answers and connection errors outside the kill
   of server B, and the rate-limit figures. Zeros are required where the table
   says so.

Nothing is asserted; the table says "ok" or "NOT ZERO". See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import http.client
import io
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Sequence
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

import sqlalchemy as sa  # noqa: E402

from bench import common  # noqa: E402
from bench.common import Browser, Response, markdown_table  # noqa: E402

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
QUEUE_DB, LIMIT_DB = 4, 14
DATABASE = os.environ.get("BENCH_SCALE_DATABASE", "scale_h4")
TAG = "sxo"          # the track's trainees and officer
IMPORT_TAG = "sxi"   # the accounts the CSV file creates
# The client address of the rate-limit check (TEST-NET-2): no other request uses it.
LIMIT_ADDRESS = "198.51.100.7"
# A request failing this long after server B's SIGKILL still counts as "in the kill".
KILL_GRACE_SECONDS = 2.0
# How long a live server is left out after a refused connection (nginx fail_timeout).
FAIL_TIMEOUT_SECONDS = 5.0


# ---------------------------------------------------------------- pure helpers (tested)


@dataclass(frozen=True)
class Try:
    """One try of one request against one server: status 0 when the connection failed."""

    server: str
    kind: str
    at: float        # time.monotonic() when the try started
    status: int
    error: str = ""  # the exception's name when the connection failed
    ended: float = 0.0  # when the answer or the failure came (0: not recorded)


def _in_kill(item: Try, killed_server: str | None, killed_at: float | None) -> bool:
    # On the killed server: whatever was still waiting for its answer when it died
    # (a slow page may have started long before), and everything sent after.
    return killed_at is not None and (
        (item.server == killed_server and max(item.at, item.ended) >= killed_at - 0.05)
        or abs(item.at - killed_at) <= KILL_GRACE_SECONDS)


def outside_failures(tries: Sequence[Try], killed_server: str | None,
                     killed_at: float | None) -> list[Try]:
    """The failed tries (5xx or no connection) the kill does not explain."""
    return [item for item in tries if not 0 < item.status < 500
            and not _in_kill(item, killed_server, killed_at)]


def classify_failures(tries: Sequence[Try], killed_server: str | None,
                      killed_at: float | None) -> dict[str, int]:
    """Split failed tries (5xx or no connection) into those the kill explains and the rest.

    A try counts as "in the kill" when it went to the killed server and was still
    waiting for its answer at the kill, or was sent after it (its connection broke or
    was refused), or failed on any server within ``KILL_GRACE_SECONDS`` of it.
    Everything else is "outside": it must be 0.
    """
    counts = {"in_kill": 0, "outside_5xx": 0, "outside_connection": 0}
    for item in tries:
        if 0 < item.status < 500:
            continue
        if _in_kill(item, killed_server, killed_at):
            counts["in_kill"] += 1
        elif item.status >= 500:
            counts["outside_5xx"] += 1
        else:
            counts["outside_connection"] += 1
    return counts


def mail_duplicates(received: Sequence[str | None], sent_ids: Sequence[int],
                    host: str) -> dict[str, int]:
    """Compare the Message-IDs the sink received with the outbox rows marked sent.

    ``duplicates``: outbox rows received more than once; ``lost``: rows marked sent
    that never arrived; ``foreign``: messages without an outbox Message-ID.
    """
    per_row: Counter[int] = Counter()
    foreign = 0
    prefix, suffix = "<outbox-", f"@{host}>"
    for message_id in received:
        if message_id and message_id.startswith(prefix) and message_id.endswith(suffix):
            # <outbox-<row id>.<created at>@host> (lms.kernel.mail.outbox_key)
            number = message_id[len(prefix):-len(suffix)].split(".", 1)[0]
            if number.isdigit():
                per_row[int(number)] += 1
                continue
        foreign += 1
    return {"received": len(received), "distinct": len(per_row),
            "duplicates": sum(1 for n in per_row.values() if n > 1),
            "lost": sum(1 for row in set(sent_ids) if row not in per_row),
            "foreign": foreign}


def import_csv(rows: int, cohort_code: str, tag: str) -> bytes:
    """A Moodle-style file of ``rows`` new trainees for ``cohort_code``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["username", "email", "firstname", "lastname", "country", "lang",
                     "cohort1"])
    languages = ("es", "en", "fr", "pt")
    for number in range(1, rows + 1):
        writer.writerow([f"{tag}{number:05d}", f"{tag}-import-{number:05d}@example.org",
                         "Agente", f"Importado {number:05d}", "CO",
                         languages[number % 4], cohort_code])
    return buffer.getvalue().encode("utf-8")


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]
              ) -> tuple[bytes, str]:
    """An encoded multipart/form-data body and its Content-Type."""
    boundary = f"----lms-bench-{uuid.uuid4().hex}"
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())
    for name, (filename, data, content_type) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                     f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
                     + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# ---------------------------------------------------------------- the SMTP sink


class Sink:
    """An SMTP server in this process that keeps the Message-ID of every message."""

    def __init__(self) -> None:
        self.message_ids: list[str | None] = []
        self.lock = threading.Lock()
        self.controller = None
        self.port = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        from email import message_from_bytes  # only the sink parses mail

        message = message_from_bytes(envelope.original_content or envelope.content)
        with self.lock:
            self.message_ids.append(message.get("Message-ID"))
        return "250 OK"

    def start(self) -> None:
        # Imported here: the tested helpers above load without the SMTP server.
        from aiosmtpd.controller import Controller

        self.port = common.free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()

    def received(self) -> list[str | None]:
        with self.lock:
            return list(self.message_ids)


# ---------------------------------------------------------------- the load balancer


@dataclass
class Node:
    name: str
    port: int
    down_until: float = 0.0


@dataclass
class Balancer:
    """Round robin over the servers still answering, as nginx with passive health checks."""

    nodes: list[Node]
    tries: list[Try] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    turn: int = 0
    gave_up: int = 0   # requests no server answered below 500
    reconnects: int = 0  # closed kept-alive connections, asked again and answered

    def order(self) -> list[Node]:
        now = time.monotonic()
        with self.lock:
            self.turn += 1
            start = self.turn
        ring = [self.nodes[(start + i) % len(self.nodes)] for i in range(len(self.nodes))]
        live = [node for node in ring if node.down_until <= now]
        return live + [node for node in ring if node not in live]

    def record(self, item: Try) -> None:
        with self.lock:
            self.tries.append(item)

    def mark_down(self, node: Node) -> None:
        node.down_until = time.monotonic() + FAIL_TIMEOUT_SECONDS


class Client:
    """One person: a connection to each server, one cookie jar, one client address."""

    def __init__(self, balancer: Balancer, address: str) -> None:
        self.balancer = balancer
        self.address = address
        self.cookies: dict[str, str] = {}
        self.browsers: dict[str, Browser] = {}
        for node in balancer.nodes:
            browser = Browser(node.port, timeout=30)
            browser.cookies = self.cookies  # one jar: a session works on every server
            self.browsers[node.name] = browser

    def close(self) -> None:
        for browser in self.browsers.values():
            browser.close()

    def request(self, kind: str, method: str, path: str, *, node: str | None = None,
                address: str | None = None, **kwargs) -> Response | None:
        """Send to the next live server (or ``node``); a refused connection or 5xx moves
        on to the other server. None when every server failed."""
        headers = {"X-Forwarded-For": address or self.address, **kwargs.pop("headers", {})}
        nodes = ([n for n in self.balancer.nodes if n.name == node] if node
                 else self.balancer.order())
        for target in nodes:
            browser = self.browsers[target.name]
            started = time.monotonic()
            reused = browser.connection.sock is not None
            try:
                try:
                    response = browser.request(method, path, headers=headers, **kwargs)
                except (ConnectionResetError, BrokenPipeError,
                        http.client.RemoteDisconnected):
                    if not reused or method != "GET":
                        raise
                    # The server closed an idle kept-alive connection as we reused it:
                    # a browser (and nginx) asks again once, on a new connection. Only
                    # a failure of that new connection is the server's.
                    started = time.monotonic()
                    response = browser.request(method, path, headers=headers, **kwargs)
                    with self.balancer.lock:
                        self.balancer.reconnects += 1  # and the new connection answered
            except Exception as error:  # noqa: BLE001 (OSError, or http.client's own)
                self.balancer.record(Try(target.name, kind, started, 0, type(error).__name__,
                                         time.monotonic()))
                self.balancer.mark_down(target)
                continue
            self.balancer.record(Try(target.name, kind, started, response.status,
                                     ended=time.monotonic()))
            if response.status < 500:
                return response
        with self.balancer.lock:
            self.balancer.gave_up += 1
        return None

    def login(self, email: str) -> bool:
        page = self.request("login", "GET", "/login")
        token = page.csrf_token() if page else None
        if token is None:
            return False
        answer = self.request("login", "POST", "/login", form={
            "csrf_token": token, "email": email, "password": common.PASSWORD})
        return bool(answer and answer.status == 302
                    and "/login" not in answer.headers.get("Location", ""))

    def upload(self, path: str, fields: dict[str, str], files: dict) -> Response | None:
        """A multipart POST to server A (``Browser`` sends urlencoded forms only)."""
        body, content_type = multipart(fields, files)
        browser = self.browsers["A"]
        sent = {"User-Agent": common.USER_AGENT, "Content-Type": content_type,
                "X-Forwarded-For": self.address,
                "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        browser.connection.request("POST", path, body=body, headers=sent)
        reply = browser.connection.getresponse()
        data = reply.read()
        for header in reply.headers.get_all("Set-Cookie") or ():
            browser._keep_cookie(header)  # noqa: SLF001 (the same jar as every request)
        return Response(reply.status, reply.headers, data)


# ---------------------------------------------------------------- setup


@dataclass
class Seeded:
    track_id: int
    officer_email: str
    trainee_emails: list[str]
    import_cohort_id: int
    import_cohort_code: str
    coordinator_email: str


def seed(app, trainees: int) -> Seeded:
    """The track's eligible trainees and officer, and the coordinator's import cohort."""
    # The app's modules, loaded once the process has its settings (as bench/common.py).
    from werkzeug.security import generate_password_hash

    from bench import certificates
    from lms.accounts.models import User
    from lms.cohorts.models import Cohort
    from lms.extensions import db

    track = certificates.seed_track(app, trainees, TAG)
    with app.app_context():
        officer = db.session.get(User, track.officer_id)
        officer.password_hash = generate_password_hash(common.PASSWORD,
                                                       method=common.CHEAP_HASH_METHOD)
        officer_email = officer.email
        emails = list(db.session.scalars(sa.select(User.email).where(
            User.id.in_(track.user_ids[:50]))))
        # The import fills the track's own cohort (still open for enrolment), as its
        # coordinator: new accounts, not yet eligible for the track.
        cohort = db.session.scalars(sa.select(Cohort).where(
            Cohort.code == f"{TAG.upper()}-COH1")).one()
        seeded = Seeded(track.track_id, officer_email, emails, cohort.id, cohort.code,
                        f"{TAG}-coordinator@example.org")
        db.session.commit()
        db.session.remove()
    return seeded


def fresh_database() -> str:
    """Drop and create ``DATABASE`` on the benchmark's PostgreSQL server; its URL."""
    if not DATABASE.replace("_", "").isalnum():
        raise ValueError(f"unsafe database name {DATABASE!r}")
    admin = sa.create_engine(common.POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{DATABASE}"'))
    admin.dispose()
    return sa.make_url(common.POSTGRES_URL).set(database=DATABASE).render_as_string(
        hide_password=False)


def drop_database() -> None:
    admin = sa.create_engine(common.POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
    admin.dispose()


def empty_redis() -> None:
    import redis  # the app's dependency; only the run itself needs it

    for number in (QUEUE_DB, LIMIT_DB):
        redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=number).flushdb()


@dataclass
class Worker:
    """``lms worker`` as a child process, started again after a SIGKILL."""

    env: dict
    log_path: Path
    threads: int = 2
    process: subprocess.Popen | None = None
    starts: int = 0

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [str(common.VENV_BIN / "lms"), "worker", "-w", str(self.threads)], cwd=ROOT,
            env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.starts += 1

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


# ---------------------------------------------------------------- the run


@dataclass
class Run:
    args: argparse.Namespace
    started: float = field(default_factory=time.monotonic)
    events: list[tuple[float, str]] = field(default_factory=list)
    stop_load: threading.Event = field(default_factory=threading.Event)
    codes: list[str] = field(default_factory=list)
    job_ids: dict[str, int] = field(default_factory=dict)
    killed_at: float | None = None
    rate: dict[str, int] = field(default_factory=dict)

    def note(self, what: str) -> None:
        self.events.append((time.monotonic() - self.started, what))
        print(f"[{time.monotonic() - self.started:6.1f} s] {what}", file=sys.stderr,
              flush=True)

    def left(self) -> float:
        return self.args.deadline - (time.monotonic() - self.started)


def check_rate_limit(balancer: Balancer, run: Run, budget: int) -> None:
    """Twice the budget plus ten from one address, alternating servers: only the budget
    passes, whichever server answers."""
    client = Client(balancer, LIMIT_ADDRESS)
    statuses: Counter[int] = Counter()
    per_server: Counter[str] = Counter()
    try:
        for number in range(2 * budget + 10):
            node = "A" if number % 2 == 0 else "B"
            response = client.request("rate", "GET", "/verify", node=node)
            statuses[response.status if response else 0] += 1
            if response is not None and response.status == 200:
                per_server[node] += 1
    finally:
        client.close()
    run.rate = {"sent": 2 * budget + 10, "budget": budget, "ok": statuses[200],
                "limited": statuses[429], "other": sum(n for s, n in statuses.items()
                                                       if s not in (200, 429)),
                "ok_a": per_server["A"], "ok_b": per_server["B"]}


def load_client(balancer: Balancer, run: Run, number: int, email: str | None) -> None:
    """Browse until told to stop: what the public, trainees and job watchers ask."""
    rng = random.Random(number)
    client = Client(balancer, f"10.20.{number}.1")
    served = 0
    try:
        if email is not None and not client.login(email):
            run.note(f"client {number}: sign-in refused")
            email = None
        while not run.stop_load.is_set() and served < 20_000:
            served += 1
            pick = rng.random()
            code = rng.choice(run.codes) if run.codes else None
            # A fresh client address for each verification: the budget is per address,
            # and this load is many visitors, not one.
            visitor = f"10.{30 + number}.{served // 250 % 250}.{served % 250 + 1}"
            if pick < 0.25:
                client.request("page", "GET", rng.choice(["/", "/courses", "/login"]))
            elif pick < 0.5 and code:
                client.request("verify", "GET", f"/verify/{code}", address=visitor)
            elif pick < 0.65 and code:
                client.request("api", "GET", f"/api/v1/certificates/{code}", address=visitor)
            elif email is not None:
                client.request("signed-in", "GET", rng.choice(["/dashboard", "/certificates"]))
            else:
                client.request("page", "GET", "/courses")
            time.sleep(rng.uniform(0, 2 * run.args.think))
    finally:
        client.close()


def start_jobs(balancer: Balancer, run: Run, seeded: Seeded) -> None:
    """The officer's issue-all and the coordinator's import, each answered with its job."""
    officer = Client(balancer, "10.9.0.1")
    coordinator = Client(balancer, "10.9.0.2")
    try:
        if not officer.login(seeded.officer_email):
            raise RuntimeError("the officer could not sign in")
        page = officer.request("job", "GET", f"/certify/tracks/{seeded.track_id}", node="A")
        token = page.csrf_token() if page else None
        answer = officer.request("job", "POST", f"/certify/tracks/{seeded.track_id}/issue-all",
                                 node="A", form={"csrf_token": token, "confirm": "yes"})
        location = answer.headers.get("Location", "") if answer else ""
        if "/jobs/" not in location:
            raise RuntimeError(f"issue-all did not start a job: {answer and answer.status} "
                               f"{location}")
        run.job_ids["issue-all"] = int(location.rsplit("/", 1)[1])
        run.note(f"issue-all started: job {run.job_ids['issue-all']}")

        if not coordinator.login(seeded.coordinator_email):
            raise RuntimeError("the coordinator could not sign in")
        page = coordinator.request("job", "GET", "/manage/import", node="A")
        token = page.csrf_token() if page else None
        data = import_csv(run.args.import_rows, seeded.import_cohort_code, IMPORT_TAG)
        answer = coordinator.upload("/manage/import", {
            "csrf_token": token or "", "default_cohort_id": str(seeded.import_cohort_id)},
            {"file": ("trainees.csv", data, "text/csv")})
        location = answer.headers.get("Location", "") if answer else ""
        if "/jobs/" not in location:
            raise RuntimeError(f"the import did not start a job: {answer and answer.status}")
        run.job_ids["import"] = int(location.rsplit("/", 1)[1])
        run.note(f"import of {run.args.import_rows} rows started: job {run.job_ids['import']}")
        # Both watch their progress page, from either server, until the load stops.
        while not run.stop_load.is_set():
            officer.request("progress", "GET", f"/jobs/{run.job_ids['issue-all']}")
            coordinator.request("progress", "GET", f"/jobs/{run.job_ids['import']}")
            run.stop_load.wait(1.0)
    finally:
        officer.close()
        coordinator.close()


def job_states(engine) -> dict[int, tuple[str, int, int]]:
    with engine.connect() as connection:
        return {row.id: (row.status, row.done, row.total) for row in connection.execute(
            sa.text("SELECT id, status, done, total FROM job_runs"))}


def outbox_state(engine) -> dict[str, int]:
    with engine.connect() as connection:
        row = connection.execute(sa.text(
            "SELECT count(*), count(sent_at), count(failed_at), "
            "count(*) FILTER (WHERE sent_at IS NULL AND failed_at IS NULL) "
            "FROM mail_outbox")).one()
    return {"rows": row[0], "sent": row[1], "failed": row[2], "pending": row[3]}


def refresh_codes(engine, run: Run) -> None:
    with engine.connect() as connection:
        codes = list(connection.scalars(sa.text(
            "SELECT code FROM certificates ORDER BY random() LIMIT 200")))
    if codes:
        run.codes = codes


def orchestrate(run: Run, engine, worker: Worker, server_b: common.Server) -> None:
    """Kill the worker mid issue-all, then server B; wait for the jobs and the mail."""
    restarted_at: float | None = None
    ended: set[int] = set()
    while run.left() > 20:
        refresh_codes(engine, run)
        states = job_states(engine)
        for kind, job_id in sorted(run.job_ids.items()):
            status, done, total = states.get(job_id, ("", 0, 0))
            if status in ("done", "failed") and job_id not in ended:
                ended.add(job_id)
                run.note(f"{kind} {status}: {done}/{total}")
        # Mid-job: the issue-all (or, if it went by too fast, the import) has committed
        # a batch and has more to do.
        midway = [(kind, states[job_id]) for kind, job_id in sorted(run.job_ids.items())
                  if job_id in states and states[job_id][0] == "running"
                  and 0 < states[job_id][1] < states[job_id][2]]
        if restarted_at is None and midway:
            kind, (_status, done, total) = midway[0]
            worker.kill()
            run.note(f"worker SIGKILLed, {kind} at {done}/{total}")
            worker.start()
            restarted_at = time.monotonic()
            run.note("worker started again")
        if restarted_at is not None and run.killed_at is None \
                and time.monotonic() > restarted_at + 5:
            os.killpg(server_b.process.pid, signal.SIGKILL)
            run.killed_at = time.monotonic()
            run.note("server B SIGKILLed (master and workers)")
        if run.killed_at is not None and len(run.job_ids) == 2 and all(
                states.get(job_id, ("", 0, 0))[0] in ("done", "failed")
                for job_id in run.job_ids.values()):
            outbox = outbox_state(engine)
            if outbox["pending"] == 0:
                run.note("jobs finished and outbox empty")
                return
        time.sleep(1.0)
    run.note("deadline reached before the jobs and the outbox were done")


def final_counts(engine, sink: Sink, run: Run, balancer: Balancer) -> dict:
    with engine.connect() as connection:
        jobs = connection.execute(sa.text(
            "SELECT kind, status, done, total, attempts, result FROM job_runs ORDER BY id")).all()
        duplicate_certificates = connection.scalar(sa.text(
            "SELECT count(*) FROM (SELECT user_id, track_id FROM certificates "
            "WHERE track_id IS NOT NULL GROUP BY user_id, track_id HAVING count(*) > 1) d"))
        duplicate_course = connection.scalar(sa.text(
            "SELECT count(*) FROM (SELECT user_id, enrolment_id FROM certificates "
            "WHERE enrolment_id IS NOT NULL GROUP BY user_id, enrolment_id "
            "HAVING count(*) > 1) d"))
        track_certificates = connection.scalar(sa.text(
            "SELECT count(*) FROM certificates WHERE track_id IS NOT NULL"))
        imported = connection.scalar(sa.text(
            "SELECT count(*) FROM users WHERE email LIKE :pattern"),
            {"pattern": f"{IMPORT_TAG}-import-%"})
        sent_ids = list(connection.scalars(sa.text(
            "SELECT id FROM mail_outbox WHERE sent_at IS NOT NULL")))
        leased = connection.scalar(sa.text(
            "SELECT count(*) FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL "
            "AND attempts > 0"))
    mail = mail_duplicates(sink.received(), sent_ids, "127.0.0.1")
    failures = classify_failures(balancer.tries, "B", run.killed_at)
    return {"jobs": jobs, "duplicate_certificates": duplicate_certificates + duplicate_course,
            "track_certificates": track_certificates, "imported": imported, "mail": mail,
            "outbox": outbox_state(engine), "leased": leased, "failures": failures}


def report(run: Run, counts: dict, balancer: Balancer, seconds: float) -> str:
    def zero(value: int) -> str:
        return "ok" if value == 0 else "NOT ZERO"

    unfinished = sum(1 for job in counts["jobs"] if job.status != "done")
    tries = balancer.tries
    answered = sum(1 for t in tries if t.status)
    by_kind = Counter(t.kind for t in tries if 0 < t.status < 500)
    rate, mail, outbox, failures = run.rate, counts["mail"], counts["outbox"], counts["failures"]
    rows = [
        [f"jobs not finished (of {len(counts['jobs'])})", unfinished, "0", zero(unfinished)],
        ["duplicate certificates (holder, track or enrolment)",
         counts["duplicate_certificates"], "0", zero(counts["duplicate_certificates"])],
        ["duplicate mails (outbox rows received twice)", mail["duplicates"], "0",
         zero(mail["duplicates"])],
        ["mails marked sent, never received", mail["lost"], "0", zero(mail["lost"])],
        ["5xx answers outside the kill", failures["outside_5xx"], "0",
         zero(failures["outside_5xx"])],
        ["connection errors outside the kill", failures["outside_connection"], "0",
         zero(failures["outside_connection"])],
        ["requests no server answered (after failing over)", balancer.gave_up, "0",
         zero(balancer.gave_up)],
        ["shared rate limit: 200s for one address over both servers",
         f"{rate.get('ok')} (A {rate.get('ok_a')}, B {rate.get('ok_b')})",
         f"= {rate.get('budget')}", "ok" if rate.get("ok") == rate.get("budget") else "NOT MET"],
        ["shared rate limit: 429s", rate.get("limited"),
         f"= {rate.get('sent', 0) - rate.get('budget', 0)}",
         "ok" if rate.get("limited") == rate.get("sent", 0) - rate.get("budget", 0)
         else "NOT MET"],
    ]
    facts = [
        ["track certificates issued", counts["track_certificates"], run.args.trainees],
        ["accounts imported", counts["imported"], run.args.import_rows],
        ["mails received at the sink (distinct outbox rows)",
         f"{mail['received']} ({mail['distinct']})", outbox["rows"]],
        ["outbox rows: sent / pending / given up",
         f"{outbox['sent']} / {outbox['pending']} / {outbox['failed']}", "–"],
        ["outbox rows held by a dead sender's lease", counts["leased"], "–"],
        ["tries answered (by kind)", answered,
         ", ".join(f"{kind} {n}" for kind, n in sorted(by_kind.items()))],
        ["failed tries explained by server B's kill (retried on A)", failures["in_kill"], "–"],
        ["kept-alive connections a live server had closed (GET asked again, answered)",
         balancer.reconnects, "–"],
        ["jobs: kind, status, done/total, attempts",
         "; ".join(f"{j.kind} {j.status} {j.done}/{j.total} ×{j.attempts}"
                   for j in counts["jobs"]), "–"],
        ["wall time, setup included (s)", f"{seconds:.0f}", f"< {run.args.deadline}"],
    ]
    timeline = "\n".join(f"- {at:6.1f} s: {what}" for at, what in run.events)
    outside = outside_failures(tries, "B", run.killed_at)
    if outside:
        timeline += "\n\nFailed tries outside the kill:\n\n" + "\n".join(
            f"- {t.at - run.started:6.1f} s: server {t.server}, {t.kind}, "
            f"{t.status or 'no connection'} {t.error}" for t in outside[:20])
    return "\n\n".join([
        "# Scale-out: two servers and a worker on PostgreSQL + Redis",
        f"Machine: {common.machine_size()}; servers A and B: gunicorn -w {run.args.workers} "
        f"gthread × {common.THREADS_PER_WORKER} each; `lms worker -w {run.args.worker_threads}`; "
        f"{run.args.clients} load clients; figures are noisy on 2 cores.",
        markdown_table(["must be zero (or exact)", "measured", "required", ""], rows),
        markdown_table(["what happened", "count", "expected / detail"], facts),
        "Timeline:\n\n" + timeline])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trainees", type=int, default=1000)
    parser.add_argument("--import-rows", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--worker-threads", type=int, default=2,
                        help="threads of `lms worker` (-w)")
    parser.add_argument("--think", type=float, default=0.1,
                        help="mean pause of a load client between requests, seconds")
    parser.add_argument("--deadline", type=float, default=280.0,
                        help="seconds for the whole run, setup included")
    parser.add_argument("--keep", action="store_true",
                        help="keep the database and the logs afterwards")
    args = parser.parse_args(argv)
    run = Run(args)
    empty_redis()
    url = fresh_database()
    sink = Sink()
    sink.start()
    folder = Path(tempfile.mkdtemp(prefix="lms-scale-"))
    # One instance folder for both servers and the worker: the shared path (uploads
    # waiting for their import job, signing keys) an NFS mount would be across machines.
    instance = folder / "shared-instance"
    env = common.app_environment(
        url, str(instance),
        LMS_JOBS_URL=f"redis://{REDIS_HOST}:{REDIS_PORT}/{QUEUE_DB}",
        LMS_RATELIMIT_STORAGE_URI=f"redis://{REDIS_HOST}:{REDIS_PORT}/{LIMIT_DB}",
        LMS_SMTP_HOST="127.0.0.1", LMS_SMTP_PORT=str(sink.port), LMS_SMTP_STARTTLS="false",
        LMS_TRUSTED_PROXIES="1", LMS_VERIFY_RATE_LIMIT="60 per minute")
    budget = 60
    worker = Worker(env, folder / "worker.log", threads=args.worker_threads)
    engine = sa.create_engine(url)
    try:
        # The app is imported once its settings are known (the seeding process's own).
        from lms import create_app
        from lms.extensions import db

        app = create_app(**{k: v for k, v in env.items() if k.startswith("LMS_")})
        with app.app_context():
            db.create_all()
        seeded = seed(app, args.trainees)
        common.dispose(app)
        run.note(f"seeded {args.trainees} eligible trainees; database {DATABASE}")
        worker.start()
        with contextlib.ExitStack() as stack_a, contextlib.ExitStack() as stack_b, \
                ThreadPoolExecutor(max_workers=2) as starting:
            # Both servers start at once (each waits for its /healthz).
            pending = [starting.submit(stack.enter_context, common.gunicorn(
                "wsgi:app", env, workers=args.workers, log_path=folder / f"server-{name}.log"))
                for stack, name in ((stack_a, "a"), (stack_b, "b"))]
            server_a, server_b = (future.result() for future in pending)
            run.note(f"servers A :{server_a.port} and B :{server_b.port} up, worker started")
            balancer = Balancer([Node("A", server_a.port), Node("B", server_b.port)])
            check_rate_limit(balancer, run, budget)
            run.note(f"rate limit: {run.rate}")
            balancer.tries.clear()  # the 429s above are not load
            threads = [threading.Thread(
                target=load_client, daemon=True, args=(
                    balancer, run, number,
                    seeded.trainee_emails[number] if number % 2 else None))
                for number in range(args.clients)]
            threads.append(threading.Thread(target=start_jobs, args=(balancer, run, seeded),
                                            daemon=True))
            for thread in threads:
                thread.start()
            orchestrate(run, engine, worker, server_b)
            run.stop_load.set()
            for thread in threads:
                thread.join(timeout=35)
            counts = final_counts(engine, sink, run, balancer)
        print(report(run, counts, balancer, time.monotonic() - run.started))
        if counts["failures"]["outside_5xx"] or counts["failures"]["outside_connection"]:
            for name in ("server-a.log", "server-b.log", "worker.log"):
                tail = (folder / name).read_text(errors="replace").splitlines()[-30:]
                print(f"\n{name}, last lines:\n\n    " + "\n    ".join(tail))
    finally:
        run.stop_load.set()
        worker.stop()
        sink.stop()
        engine.dispose()
        if not args.keep:
            drop_database()
            shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"\nKept: database {DATABASE}, logs in {folder}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
