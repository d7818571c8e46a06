"""The job queue: where it lives, who consumes it, and a real queue end to end."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import redis
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from sqlalchemy import select

from lms import create_app
from lms.certification import reminders
from lms.certification.models import Reminder
from lms.config import ConfigError
from lms.extensions import db
from lms.kernel import clock, jobs, mail
from lms.kernel.jobs import JobRun, Progress
from tests.certification.factories import issue_certificate

PRODUCTION = {"LMS_ENV": "production", "LMS_SECRET_KEY": "k" * 40,
              "LMS_PUBLIC_URL": "https://lms.example.org"}
REDIS_URL = "redis://127.0.0.1:6379/15"


def _app(tmp_path: Path, **settings):
    settings.setdefault("LMS_ENV", "testing")
    settings.setdefault("LMS_DATABASE_URL", f"sqlite:///{tmp_path / 'lms.db'}")
    return create_app(LMS_INSTANCE_PATH=str(tmp_path / "instance"), **settings)


@jobs.handler("test-two-steps")
def _two_steps(job: JobRun):
    yield Progress(1, {"seen": 1})
    yield Progress(2, {"seen": 2, "params": job.params["word"]})


@jobs.handler("test-breaks")
def _breaks(job: JobRun):
    yield Progress(1, {"seen": 1})
    raise RuntimeError("the disk is full\nand more")


def test_a_failing_job_is_recorded_and_may_be_started_again(database):
    job = jobs.start("test-breaks", key="test:breaks", total=2, params={},
                     started_by_id=None)
    db.session.commit()  # runs inline (immediate mode) and fails after its first step
    db.session.expire_all()
    failed = db.session.get(JobRun, job.id)
    assert (failed.status, failed.done, failed.result) == (jobs.FAILED, 1, {"seen": 1})
    assert failed.error == "RuntimeError: the disk is full" and failed.finished_at
    again = jobs.start("test-breaks", key="test:breaks", total=2, params={},
                       started_by_id=None)
    assert again.id != failed.id and again.status == jobs.QUEUED
    assert failed.idempotency_key == f"failed-{failed.id}:test:breaks"


# ---------------------------------------------------------------- configuration


def test_development_keeps_the_queue_in_a_sqlite_file_in_the_instance_folder(tmp_path):
    app = _app(tmp_path, LMS_ENV="development")
    queue = jobs.queue(app)
    assert app.config["LMS_JOBS_URL"] == "sqlite:///jobs.sqlite3"
    assert isinstance(queue.storage, SqliteStorage) and not queue.immediate
    assert queue.storage.filename == str(tmp_path / "instance" / "jobs.sqlite3")
    assert (tmp_path / "instance" / "jobs.sqlite3").exists()


def test_an_absolute_sqlite_path_and_redis_are_used_as_given(tmp_path):
    app = _app(tmp_path, LMS_JOBS_URL=f"sqlite:///{tmp_path / 'elsewhere.db'}",
               LMS_JOBS_IMMEDIATE=False)
    assert jobs.queue(app).storage.filename == str(tmp_path / "elsewhere.db")
    queue = jobs.queue(_app(tmp_path, **PRODUCTION, LMS_JOBS_URL=REDIS_URL))
    assert isinstance(queue.storage, RedisStorage) and not queue.immediate
    pool = queue.storage.conn.connection_pool.connection_kwargs
    assert (pool["host"], pool["port"], pool["db"]) == ("127.0.0.1", 6379, 15)


def test_testing_runs_jobs_inline_in_memory(app):
    queue = jobs.queue(app)
    assert app.config["LMS_JOBS_URL"] == "memory://"
    assert queue.immediate and isinstance(queue.storage, MemoryStorage)


def test_an_unknown_queue_url_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="LMS_JOBS_URL"):
        _app(tmp_path, LMS_JOBS_URL="amqp://127.0.0.1")


def test_the_embedded_consumer_runs_in_development_only(tmp_path):
    assert jobs.embedded_wanted(_app(tmp_path, LMS_ENV="development"))
    assert not jobs.embedded_wanted(_app(tmp_path, LMS_ENV="development",
                                         LMS_JOBS_EMBEDDED=False))
    assert not jobs.embedded_wanted(_app(tmp_path, **PRODUCTION))
    testing = _app(tmp_path)
    assert not jobs.embedded_wanted(testing)
    production = _app(tmp_path, **PRODUCTION)
    for app in (testing, production):
        app.test_client().get("/healthz", base_url="https://lms.example.org")
        assert id(app) not in jobs._embedded


def test_the_embedded_consumer_starts_with_the_first_request_and_delivers(tmp_path):
    app = _app(tmp_path, LMS_ENV="development")
    with app.app_context():
        db.create_all()
    consumer = None
    try:
        app.test_client().get("/healthz")
        consumer = jobs._embedded[id(app)]
        with app.app_context():
            mail.send("someone@example.org", "Hello", "From the embedded consumer.")
            db.session.commit()  # queued; a thread of this process sends it
            assert _eventually(lambda: mail.read_outbox())
            assert mail.read_outbox()[0]["to"] == "someone@example.org"
    finally:
        if consumer is not None:
            consumer.stop(graceful=True)
        jobs._embedded.pop(id(app), None)
        jobs._worker_app = None


def _eventually(check, seconds: float = 15) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    return check()


# ---------------------------------------------------------------- the command


def test_lms_worker_help_and_refusal_in_immediate_mode(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["worker", "--help"])
    assert result.exit_code == 0, result.output
    assert "-w, --workers" in result.output and "--no-periodic" in result.output
    result = runner.invoke(args=["worker"])
    assert result.exit_code != 0 and "LMS_JOBS_IMMEDIATE" in result.output


def test_the_reminders_run_every_day_at_six_utc():
    task = reminders.remind_expiring_daily.task_class()
    assert task.validate_datetime(datetime(2027, 3, 1, 6, 0))
    assert not task.validate_datetime(datetime(2027, 3, 1, 7, 0))
    assert not task.validate_datetime(datetime(2027, 3, 1, 6, 1))
    names = {task.__name__ for task in jobs.tasks._registry._periodic_tasks}
    assert {"remind-expiring", "retry-mail", "resume-stalled-jobs"} <= names


def test_the_daily_reminder_task_records_its_notices(database):
    certificate = issue_certificate(expires_on=clock.today(clock.UTC) + timedelta(days=30))
    db.session.commit()

    jobs.enqueue(reminders.remind_expiring_daily)  # as the scheduler does at 06:00

    db.session.expire_all()
    assert db.session.scalars(select(Reminder.days_before)
                              .where(Reminder.certificate_id == certificate.id)).all()


# ---------------------------------------------------------------- a real queue


def test_a_job_waits_in_a_sqlite_queue_until_a_consumer_runs_it(tmp_path):
    app = _app(tmp_path, LMS_JOBS_URL=f"sqlite:///{tmp_path / 'queue.db'}",
               LMS_JOBS_IMMEDIATE=False)
    queue = jobs.queue(app)
    with app.app_context():
        db.create_all()
        job = jobs.start("test-two-steps", key="test:1", total=2, params={"word": "hola"},
                         started_by_id=None)
        db.session.commit()
        assert queue.pending_count() == 1
        assert db.session.get(JobRun, job.id).status == jobs.QUEUED
        db.session.rollback()  # end this read, as a web request would

        worker, _thread = queue.create_consumer(workers=1).worker_threads[0]
        worker.loop()  # one loop of the consumer: takes the task and runs it

        job = db.session.get(JobRun, job.id)
        assert (job.status, job.done, job.total) == (jobs.DONE, 2, 2)
        assert job.result == {"seen": 2, "params": "hola"} and job.finished_at is not None
        assert queue.pending_count() == 0
        # Started again with the same key: the same job, finished, nothing enqueued.
        assert jobs.start("test-two-steps", key="test:1", total=2, params={"word": "x"},
                          started_by_id=None).id == job.id
        db.session.commit()
        assert queue.pending_count() == 0


def test_a_redis_queue_keeps_the_task_for_the_worker(tmp_path):
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running at 127.0.0.1:6379")
    app = _app(tmp_path, LMS_JOBS_URL=REDIS_URL, LMS_JOBS_IMMEDIATE=False)
    queue = jobs.queue(app)
    queue.flush()
    try:
        with app.app_context():
            db.create_all()
            mail.send("someone@example.org", "Queued", "Through Redis.")
            db.session.commit()
            assert queue.pending_count() == 1 and mail.read_outbox() == []
            assert jobs.run_pending(app) == 1
            assert [m["subject"] for m in mail.read_outbox()] == ["Queued"]
    finally:
        queue.flush()
