"""Work that leaves the request: a Huey job queue, the record of each long job, the consumer.

The queue (Huey 2.6) lives where ``LMS_JOBS_URL`` says: by default a SQLite file in
the instance folder (``make run`` needs nothing but Python), Redis in production
(``redis://...``, one queue for every server), or memory in the tests. Each app
gets its own ``Huey`` object (``queue(app)``), built from its settings; the tasks
are declared once, on ``tasks``, whose registry every app's queue shares. Enqueue
with ``enqueue(task, *args)``, never by calling a task.

Who consumes the queue:

- ``lms worker`` (production: a process of its own, ``-w`` threads);
- in development, a consumer thread inside the web process (``start_embedded``),
  unless ``LMS_JOBS_EMBEDDED=0``; never in production or in the tests;
- in the tests, nobody: ``LMS_JOBS_IMMEDIATE`` (on in testing) runs each task
  inline where it is enqueued. A test switches to a real queue with
  ``queue(app).immediate = False`` and runs what waits with ``run_pending``.

A task runs in an app context of its own (its own session and ``g``), as it would
in a worker thread, and commits its own work.

Long jobs a person waits for (issue-all, a large import) are ``JobRun`` rows: kind,
status, done of total, the result, who started it. ``start`` writes the row in
the caller's transaction; it is enqueued only after that commits (after the
response, in a request). The higher floors register what each kind does
(``handler``): a generator that does one batch per step, flushing only, and
yields its ``Progress``; the runner commits each batch together with the progress,
so a job that dies between batches is resumed where it stopped, by the next
delivery of the same task or by ``resume_stalled`` (every minute, and when a
worker starts). On PostgreSQL, while a job runs, a thread of its worker refreshes
its heartbeat every ``HEARTBEAT``; a job silent for ``STALL_WITH_HEARTBEAT`` lost its
worker (SIGKILL, a crash, a machine gone), since a live one, however slow its batch,
keeps beating (the machines' clocks must agree, as NTP keeps them, to well within
that). On SQLite (one machine) there is no heartbeat thread and the wait is
``STALL``. A job claims its row with a conditional UPDATE, as the mail outbox claims
a message, so two deliveries of one job never run it twice at once. An idempotency
key (unique) makes a double click start one job.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import wraps
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
from flask import Flask, current_app, g, has_app_context, has_request_context
from flask.cli import with_appcontext
from huey import Huey, crontab
from huey.storage import BaseStorage, MemoryStorage, RedisStorage, SqliteStorage
from sqlalchemy import JSON, DateTime, ForeignKey, String, event, func, inspect, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from lms.extensions import db
from lms.kernel import clock

log = logging.getLogger(__name__)

__all__ = ["DONE", "FAILED", "QUEUED", "RUNNING", "JobFailed", "JobRun", "Progress", "crontab",
           "enqueue", "handler", "periodic", "queue", "resume_stalled", "run_pending", "start",
           "task"]

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
STATUSES = (QUEUED, RUNNING, DONE, FAILED)
# A running job's worker refreshes its heartbeat this often (``_Heartbeat``), however
# long a batch takes; one silent for STALL_WITH_HEARTBEAT lost its worker and is run
# again from its last batch. Several missed beats, so that a busy database or machine
# is not taken for a dead worker (two workers would then run one job at once).
HEARTBEAT = timedelta(seconds=5)
STALL_WITH_HEARTBEAT = timedelta(seconds=30)
# SQLite has no heartbeat thread: a write from another connection between a batch's
# reads and its writes would fail the batch ("database is locked", WAL snapshots).
# There the job's own commits are its heartbeat, and a job is given up on only after
# far longer than a batch can take. SQLite means one machine, so this is rare.
STALL = timedelta(minutes=10)
KEY_LENGTH = 200
ERROR_LENGTH = 200
QUEUE_NAME = "lms"
SCHEMES = ("sqlite", "redis", "rediss", "unix", "memory")

# session.info: JobRun rows ``start`` added in the session's open transaction.
_WRITTEN = "lms_jobs_written"
# g: ids of the JobRuns this request committed, enqueued once its response has gone.
_COMMITTED = "lms_jobs_committed"
_EXTENSION = "lms_jobs"


class JobRun(db.Model):
    """One long job somebody started and watches: its progress, then its result."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10), default=QUEUED, server_default=QUEUED)
    done: Mapped[int] = mapped_column(default=0, server_default="0")
    total: Mapped[int] = mapped_column(default=0, server_default="0")
    # What the job works on (ids, a file's path), as its handler reads it.
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    # Counts so far, then the outcome; plain values, turned into words by the page.
    result: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(ERROR_LENGTH))
    started_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(KEY_LENGTH), unique=True)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=clock.now, server_default=func.now())
    # Last sign of life: enqueued, claimed, or a batch done.
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def finished(self) -> bool:
        return self.status in (DONE, FAILED)

    @property
    def percent(self) -> int:
        if self.status == DONE:
            return 100
        return min(100, self.done * 100 // self.total) if self.total else 0

    def can_view(self, user: Any) -> bool:
        """The person who started the job, or an administrator."""
        return bool(getattr(user, "is_authenticated", False)
                    and (user.id == self.started_by_id or user.is_admin))

    def __repr__(self) -> str:
        return f"<JobRun {self.id} {self.kind} {self.status} {self.done}/{self.total}>"


@dataclass(frozen=True)
class Progress:
    """What a handler yields after each batch: items done so far, and counts to keep."""

    done: int
    result: dict = field(default_factory=dict)


class JobFailed(Exception):
    """A handler's refusal (the file no longer passes its check ...): the job fails with
    ``result`` to show, and is not tried again."""

    def __init__(self, result: dict) -> None:
        super().__init__(str(result))
        self.result = result


Handler = Callable[[JobRun], Iterator[Progress]]
_handlers: dict[str, Handler] = {}
_cleanups: dict[str, Callable[[JobRun], None]] = {}


def handler(kind: str, *, cleanup: Callable[[JobRun], None] | None = None
            ) -> Callable[[Handler], Handler]:
    """Register what a job of ``kind`` does (at import time, by the floor that owns it).

    ``cleanup`` runs once the job has ended, done or failed (not when it died: it
    will be resumed), e.g. to delete the uploaded file it read.
    """
    def register(function: Handler) -> Handler:
        _handlers[kind] = function
        if cleanup is not None:
            _cleanups[kind] = cleanup
        return function
    return register


# ---------------------------------------------------------------- the queue

# Tasks are declared on this instance and enqueued on each app's own (``queue``),
# which shares its registry. Immediate, so that a task called by mistake instead
# of enqueued still runs rather than vanishing into a queue nobody reads.
tasks = Huey(QUEUE_NAME, immediate=True)


def storage_for(url: str, instance_path: str | Path) -> tuple[type[BaseStorage], dict]:
    """The Huey storage class and its arguments for an ``LMS_JOBS_URL``."""
    scheme = urlsplit(url).scheme
    if scheme == "memory":
        return MemoryStorage, {}
    if scheme in ("redis", "rediss", "unix"):
        return RedisStorage, {"url": url}
    if scheme == "sqlite":
        path = url.removeprefix("sqlite:///")
        if not path or path == url:
            raise ValueError(f"LMS_JOBS_URL: expected sqlite:///path, not {url!r}")
        # Relative paths are in the instance folder, as the SQLite database is.
        return SqliteStorage, {"filename": str(Path(instance_path) / path)}
    raise ValueError(f"LMS_JOBS_URL must start with one of {', '.join(SCHEMES)}: {url!r}")


def make_queue(url: str, instance_path: str | Path, *, immediate: bool = False) -> Huey:
    storage_class, kwargs = storage_for(url, instance_path)
    instance = Huey(QUEUE_NAME, immediate=immediate, storage_class=storage_class,
                    # Immediate mode keeps tasks in memory; a test turning it off gets
                    # the configured storage.
                    immediate_use_memory=True, **kwargs)
    instance._registry = tasks._registry  # every declared task, periodic ones included
    return instance


def queue(app: Flask | None = None) -> Huey:
    """The app's queue (of ``current_app`` by default)."""
    app = app or current_app
    return app.extensions[_EXTENSION]


def task(**options: Any) -> Callable:
    """Declare a task (``retries``, ``retry_delay``, ``name`` as Huey's): it runs in an
    app context of its own and commits its work (rolls back if it raises)."""
    def declare(function: Callable) -> Any:
        return tasks.task(**options)(_in_app(function))
    return declare


def periodic(schedule: Callable, *, name: str) -> Callable:
    """Declare a task the consumer enqueues on ``schedule`` (a ``crontab``, in UTC).

    Each run holds a lock in the queue's storage: with two workers (two schedulers)
    on one Redis, the second run of the same minute waits for nothing and is skipped.
    """
    def declare(function: Callable) -> Any:
        @wraps(function)
        def locked(*args: Any, **kwargs: Any) -> Any:
            with queue().lock_task(name):
                return function(*args, **kwargs)
        return tasks.periodic_task(schedule, name=name)(_in_app(locked))
    return declare


def enqueue(task_wrapper: Any, *args: Any, app: Flask | None = None) -> None:
    """Put a call of ``task_wrapper`` on the app's queue (in immediate mode: run it now)."""
    app = app or current_app._get_current_object()
    with app.app_context():
        queue(app).enqueue(task_wrapper.s(*args))


# The app a consumer thread runs tasks for: set by ``lms worker`` and the embedded consumer.
_worker_app: Flask | None = None


def _in_app(function: Callable) -> Callable:
    @wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        app = current_app._get_current_object() if has_app_context() else _worker_app
        if app is None:
            raise RuntimeError("a task ran with no app: start consumers with `lms worker`")
        # An empty context, as in a consumer thread: no request, a session of its own.
        return contextvars.Context().run(_run_in_app, app, function, args, kwargs)
    return run


def _run_in_app(app: Flask, function: Callable, args: tuple, kwargs: dict) -> Any:
    with app.app_context():
        try:
            value = function(*args, **kwargs)
            db.session.commit()
            return value
        except BaseException:
            db.session.rollback()
            raise


def run_pending(app: Flask | None = None, limit: int = 100) -> int:
    """Run what waits in the app's queue, here and now; returns how many ran (tests, tools)."""
    instance = queue(app)
    count = 0
    while count < limit:
        waiting = instance.dequeue()
        if waiting is None:
            break
        instance.execute(waiting)
        count += 1
    return count


# ---------------------------------------------------------------- starting a job


def start(kind: str, *, key: str, total: int, params: dict, started_by_id: int | None) -> JobRun:
    """Record a job to run once the caller's transaction commits; flushes.

    A job with the same ``key`` already recorded is returned instead: a double click,
    or the same work asked twice, makes one job. Unless that one failed: asking
    again then starts a new job.
    """
    key = key[:KEY_LENGTH]
    existing = db.session.scalar(select(JobRun).where(JobRun.idempotency_key == key))
    if existing is not None and existing.status != FAILED:
        return existing
    if existing is not None:
        # Asked again after it failed: a new job, and the failed one keeps its record.
        existing.idempotency_key = f"failed-{existing.id}:{key}"[:KEY_LENGTH]
        db.session.flush()
    job = JobRun(kind=kind, idempotency_key=key, total=total, params=params,
                 started_by_id=started_by_id, status=QUEUED, done=0, result={},
                 heartbeat_at=clock.now())
    try:
        with db.session.begin_nested():
            db.session.add(job)
    except IntegrityError:
        # Another request recorded the same key between our read and our insert.
        return db.session.scalars(select(JobRun).where(JobRun.idempotency_key == key)).one()
    db.session.info.setdefault(_WRITTEN, []).append(job)
    return job


@event.listens_for(db.session, "after_commit")
def _after_commit(session: Session) -> None:
    rows = session.info.pop(_WRITTEN, None)
    if not rows:
        return
    # As in lms.kernel.mail: the identity survives the commit's expiry.
    ids = [identity[0] for identity in (inspect(row).identity for row in rows) if identity]
    if not ids:
        return
    if has_request_context():
        # Enqueued after the response (``init_app``): in immediate mode the job runs
        # there, outside this commit and outside the request.
        g.setdefault(_COMMITTED, []).extend(ids)
        return
    _enqueue_jobs(current_app._get_current_object(), ids)


@event.listens_for(db.session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_WRITTEN, None)


def _enqueue_jobs(app: Flask, ids: list[int]) -> None:
    for job_id in ids:
        try:
            enqueue(run_job, job_id, app=app)
        except Exception:
            # The queue cannot be reached: the row stays queued, and resume_stalled
            # enqueues it again later.
            log.exception("Job %s could not be enqueued; it will be retried", job_id)


# ---------------------------------------------------------------- running a job


def _claim(job_id: int) -> bool:
    """Take the job for this worker: queued, or running but silent (its worker died)."""
    now = clock.now()
    claimed = db.session.execute(
        update(JobRun)
        .where(JobRun.id == job_id,
               or_(JobRun.status == QUEUED,
                   (JobRun.status == RUNNING) & (JobRun.heartbeat_at < now - stall())))
        .values(status=RUNNING, heartbeat_at=now, attempts=JobRun.attempts + 1))
    db.session.commit()
    return claimed.rowcount == 1


@task(name="run-job")
def run_job(job_id: int) -> None:
    """Run (or resume) one recorded job; a second delivery of a finished one does nothing."""
    if not _claim(job_id):
        return
    with _Heartbeat(current_app._get_current_object(), job_id):
        _run_claimed(job_id)


def stall() -> timedelta:
    """How long a running job may be silent before its worker is taken for dead."""
    return STALL if _on_sqlite() else STALL_WITH_HEARTBEAT


def _on_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def _run_claimed(job_id: int) -> None:
    job = db.session.get(JobRun, job_id)
    work = _handlers.get(job.kind)
    if work is None:
        _finish(job_id, FAILED, error=f"no handler for {job.kind!r}")
        return
    try:
        for step in work(job):
            job.done, job.result, job.heartbeat_at = step.done, dict(step.result), clock.now()
            db.session.commit()  # the batch and its progress, together
    except JobFailed as refused:
        db.session.rollback()
        _finish(job_id, FAILED, result=refused.result)
        return
    except Exception as error:
        db.session.rollback()
        log.exception("Job %s (%s) failed", job_id, job.kind)
        lines = str(error).strip().splitlines()
        _finish(job_id, FAILED,
                error=f"{type(error).__name__}: {lines[0] if lines else ''}"[:ERROR_LENGTH])
        return
    _finish(job_id, DONE)


class _Heartbeat:
    """While the block runs, refresh the job's ``heartbeat_at`` every ``HEARTBEAT`` from a
    thread with a session of its own, so that a long batch is not taken for a dead worker.

    The thread dies with its process: a killed worker's jobs fall silent and are resumed
    by ``resume_stalled`` once ``stall()`` has passed. None on SQLite (see ``STALL``).
    """

    def __init__(self, app: Flask, job_id: int) -> None:
        self.app, self.job_id = app, job_id
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"job-{job_id}-heartbeat",
                                       daemon=True)

    def __enter__(self) -> _Heartbeat:
        if not _on_sqlite():
            self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join(timeout=HEARTBEAT.total_seconds())

    def _beat(self) -> None:
        while not self.stop.wait(HEARTBEAT.total_seconds()):
            with self.app.app_context():
                session = db.session.session_factory()
                try:
                    session.execute(update(JobRun).where(JobRun.id == self.job_id,
                                                         JobRun.status == RUNNING)
                                    .values(heartbeat_at=clock.now()))
                    session.commit()
                except Exception:
                    # The database is away: the batches' own commits will fail too.
                    log.warning("Job %s: heartbeat not written", self.job_id, exc_info=True)
                    with suppress(Exception):
                        session.rollback()
                finally:
                    session.close()


def _finish(job_id: int, status: str, *, result: dict | None = None,
            error: str | None = None) -> None:
    job = db.session.get(JobRun, job_id)
    job.status, job.finished_at, job.error = status, clock.now(), error
    if result is not None:
        job.result = {**(job.result or {}), **result}
    db.session.commit()
    cleanup = _cleanups.get(job.kind)
    if cleanup is not None:
        try:
            cleanup(job)
        except Exception:
            log.exception("Cleaning up after job %s failed", job_id)


def resume_stalled() -> int:
    """Enqueue again the jobs whose worker died or whose enqueueing was lost; returns how many."""
    now = clock.now()
    ids = list(db.session.scalars(
        select(JobRun.id).where(JobRun.status.in_((QUEUED, RUNNING)),
                                JobRun.heartbeat_at < now - stall())))
    if not ids:
        return 0
    # A queued one is not enqueued again for another STALL; a running one must stay
    # silent for its claim to succeed.
    db.session.execute(update(JobRun).where(JobRun.id.in_(ids), JobRun.status == QUEUED)
                       .values(heartbeat_at=now))
    db.session.commit()
    _enqueue_jobs(current_app._get_current_object(), ids)
    return len(ids)


@periodic(crontab(minute="*"), name="resume-stalled-jobs")
def resume_stalled_task() -> None:
    resume_stalled()


# ---------------------------------------------------------------- the app and the consumers


def init_app(app: Flask) -> None:
    """Build the app's queue from its settings; enqueue committed jobs after each response."""
    app.extensions[_EXTENSION] = make_queue(
        str(app.config["LMS_JOBS_URL"]), app.config["INSTANCE_PATH"],
        immediate=bool(app.config["LMS_JOBS_IMMEDIATE"]))

    @app.before_request
    def _collect_jobs() -> None:
        g.setdefault(_COMMITTED, [])

    @app.after_request
    def _enqueue_after_response(response):
        # The list is filled by the commit, which may run after this function; it is
        # read when the response has gone.
        committed = g.setdefault(_COMMITTED, [])

        def enqueue_committed() -> None:
            if committed:
                _enqueue_jobs(app, list(committed))

        response.call_on_close(enqueue_committed)
        return response

    if embedded_wanted(app):
        @app.before_request
        def _start_consumer() -> None:
            start_embedded(app)


def embedded_wanted(app: Flask) -> bool:
    """A consumer thread in the web process: in development only, unless turned off."""
    return (app.config["ENV_NAME"] == "development" and bool(app.config["LMS_JOBS_EMBEDDED"])
            and not app.config["LMS_JOBS_IMMEDIATE"])


_embedded_lock = threading.Lock()
_embedded: dict[int, Any] = {}


def start_embedded(app: Flask, workers: int = 1) -> Any:
    """Start (once per app) a consumer in background threads of this process.

    Started by the first request rather than by ``create_app``, so that commands
    (``lms db upgrade``) start none. Without signal handlers: the threads are
    daemons and end with the process.
    """
    with _embedded_lock:
        if id(app) in _embedded:
            return _embedded[id(app)]
        bind(app)
        consumer = queue(app).create_consumer(workers=workers, worker_type="thread",
                                              periodic=True, check_worker_health=False)
        consumer.scheduler.start()
        for _worker, thread in consumer.worker_threads:
            thread.start()
        _embedded[id(app)] = consumer
        log.info("Job consumer started in the web process (%d thread(s))", workers)
        return consumer


def bind(app: Flask) -> None:
    """Make consumer threads of this process run their tasks for ``app``."""
    global _worker_app
    _worker_app = app


# ---------------------------------------------------------------- ``lms worker``

# The locks periodic tasks take (``periodic``): a worker killed while holding one
# leaves it behind, so a worker starting clears them.
_PERIODIC_LOCKS = ("remind-expiring", "retry-mail", "resume-stalled-jobs")


@click.command("worker")
@click.option("-w", "--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Threads running jobs at the same time.")
@click.option("--periodic/--no-periodic", default=True, show_default=True,
              help="Also start the periodic tasks (expiry reminders at 06:00 UTC, mail "
                   "retries, stalled jobs).")
@with_appcontext
def worker_command(workers: int, periodic: bool) -> None:
    """Run the job queue's consumer: mail, large issue-alls and imports, daily reminders.

    In production run it as a service of its own, next to the web servers and on the
    same LMS_JOBS_URL. Stop it with SIGINT (finishes running jobs) or SIGTERM.
    """
    app = current_app._get_current_object()
    instance = queue(app)
    if instance.immediate:
        raise click.ClickException("LMS_JOBS_IMMEDIATE is on: jobs run where they are "
                                   "started, and there is no queue to consume.")
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: "
                            "%(message)s")
    bind(app)
    resumed = resume_stalled()
    if resumed:
        log.info("%d stalled job(s) enqueued again", resumed)
    # A worker killed just now (this one's predecessor) left its jobs looking alive for
    # up to stall(): look again as soon as they cannot, not at the next periodic run.
    instance.enqueue(resume_stalled_task.s(delay=stall() + HEARTBEAT))
    consumer = instance.create_consumer(workers=workers, worker_type="thread",
                                        periodic=periodic,
                                        extra_locks=",".join(_PERIODIC_LOCKS))
    consumer.run()
