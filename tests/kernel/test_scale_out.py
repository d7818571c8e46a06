"""More than one machine: a job outlives its worker, mail keeps one identity, and the
scale-out benchmark counts what it claims to count (bench/scale_out.py)."""

from __future__ import annotations

import io
import os
import smtplib
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from werkzeug.formparser import parse_form_data

from bench import scale_out
from lms.extensions import db
from lms.kernel import clock, jobs, mail
from lms.kernel.jobs import JobRun, Progress
from lms.kernel.mail import BACKOFF, OutboxMessage
from tests.conftest import app_with_tables, scratch_database_url

# What the handler below saw while its one long batch ran.
_seen: dict[str, object] = {}


@jobs.handler("test-long-batch")
def _long_batch(job: JobRun):
    # One batch longer than the stall, as 200 certificates on a busy machine may take.
    time.sleep(jobs.stall().total_seconds() * 2.5)
    session = db.session.session_factory()  # what another worker would read now
    try:
        _seen["stalled"] = session.scalar(select(JobRun.id).where(
            JobRun.id == job.id, JobRun.heartbeat_at < clock.now() - jobs.stall()))
        _seen["beat"] = session.scalar(select(JobRun.heartbeat_at).where(JobRun.id == job.id))
    finally:
        session.close()
    yield Progress(1, {"batches": 1})


@pytest.fixture
def own_database(backend, tmp_path, monkeypatch):
    """A database of this test's own: the heartbeat writes from a thread, with a
    connection of its own, which the shared test transaction cannot give it."""
    monkeypatch.setattr(jobs, "HEARTBEAT", timedelta(seconds=0.05))
    monkeypatch.setattr(jobs, "STALL_WITH_HEARTBEAT", timedelta(seconds=0.3))
    monkeypatch.setattr(jobs, "STALL", timedelta(seconds=0.3))
    with scratch_database_url(backend, tmp_path, f"lms_test_beat_{os.getpid()}") as url, \
            app_with_tables(url, str(tmp_path / "instance")) as application, \
            application.app_context():
        yield application


def test_a_long_batch_keeps_its_job_alive_and_a_killed_workers_job_is_resumed(
        own_database, backend):
    _seen.clear()
    job = jobs.start("test-long-batch", key="test:long", total=1, params={},
                     started_by_id=None)
    claimed_at = clock.now()
    db.session.commit()  # runs inline (immediate mode): one batch of 2.5 stalls

    if backend == "postgresql":
        # Meanwhile its heartbeat went on, so nobody took it for a dead worker's job.
        assert _seen["stalled"] is None
        assert clock.as_utc(_seen["beat"]) > claimed_at + jobs.stall()
    else:
        # SQLite: no heartbeat thread (its write would break the batch's transaction);
        # the real STALL there is ten minutes, far beyond any batch.
        assert clock.as_utc(_seen["beat"]) < claimed_at + jobs.stall()
    finished = db.session.get(JobRun, job.id)
    assert (finished.status, finished.attempts) == (jobs.DONE, 1)

    # A worker SIGKILLed after claiming a job beats no more: after STALL it is resumed,
    # once, by the next worker.
    queue = jobs.queue(own_database)
    queue.immediate = False
    killed = jobs.start("test-long-batch", key="test:killed", total=1, params={},
                        started_by_id=None)
    db.session.commit()  # enqueued; the worker that takes it claims it, then dies
    killed_id = killed.id
    assert jobs._claim(killed_id)  # noqa: SLF001 (what the killed worker did)
    assert jobs.resume_stalled() == 0  # just claimed: alive as far as anyone knows
    time.sleep(jobs.stall().total_seconds() + 0.1)
    assert jobs.resume_stalled() == 1
    jobs.run_pending(own_database)  # the first delivery, then the resumed one
    db.session.expire_all()
    resumed = db.session.get(JobRun, killed_id)
    assert (resumed.status, resumed.done, resumed.attempts) == (jobs.DONE, 1, 2)


def test_stalled_jobs_are_looked_for_every_minute_and_after_a_worker_starts(app, monkeypatch):
    task = jobs.resume_stalled_task.task_class()
    assert all(task.validate_datetime(datetime(2027, 3, 1, 9, minute)) for minute in (0, 7, 59))

    queue = jobs.queue(app)
    queue.immediate = False
    started = []
    monkeypatch.setattr(type(queue), "create_consumer",
                        lambda _self, **_options: type("Consumer", (), {
                            "run": lambda _consumer: started.append(True)})())
    try:
        with app.app_context():
            result = app.test_cli_runner().invoke(args=["worker"])
            assert result.exit_code == 0, result.output
            waiting = [queue.deserialize_task(item) for item in queue.storage.enqueued_items()]
            expected = (jobs.stall() + jobs.HEARTBEAT).total_seconds()
        assert started == [True]
        again = [t for t in waiting if t.name.endswith("resume-stalled-jobs")]
        assert len(again) == 1
        # Huey keeps naive UTC times.
        delay = (again[0].eta - clock.now().replace(tzinfo=None)).total_seconds()
        assert expected - 5 < delay <= expected
    finally:
        queue.flush()
        queue.immediate = True


class _DropsAfterData:
    """An SMTP server that accepts the first message, then drops the connection before
    the sender hears it (the sender must try again), and records every Message-ID."""

    def __init__(self) -> None:
        self.message_ids: list[str] = []

    def connect(self, host, port, timeout=None):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *_exc) -> None:
        return None

    def send_message(self, message) -> None:
        self.message_ids.append(message["Message-ID"])
        if len(self.message_ids) == 1:
            raise smtplib.SMTPServerDisconnected("connection lost after DATA")


def test_a_message_sent_again_keeps_its_message_id(app, database, monkeypatch, frozen_clock):
    server = _DropsAfterData()
    monkeypatch.setitem(app.config, "LMS_SMTP_HOST", "smtp.example.org")
    monkeypatch.setitem(app.config, "LMS_SMTP_STARTTLS", False)
    monkeypatch.setattr(mail.smtplib, "SMTP", server.connect)
    mail.send("holder@example.org", "Certificate issued", "Hello.")
    db.session.commit()  # delivered inline: received, but the sender heard nothing
    message_id = db.session.scalar(select(OutboxMessage.id).where(
        OutboxMessage.recipient == "holder@example.org"))
    frozen_clock.advance(BACKOFF[0])
    assert mail.retry_due()["sent"] == 1

    host = app.config["LMS_PUBLIC_URL"].split("://", 1)[1].split(":")[0]
    created = db.session.get(OutboxMessage, message_id).created_at
    assert server.message_ids == [f"<{mail.outbox_key(message_id, created)}@{host}>"] * 2
    # The row's creation moment is in it: a database restored from a backup numbers its
    # rows again, and a receiver drops a Message-ID it has seen before.
    assert mail.outbox_key(message_id, created) != mail.outbox_key(
        message_id, created + timedelta(seconds=1))


# ---------------------------------------------------------------- the benchmark's counting


def test_the_benchmark_counts_failures_outside_the_kill_only():
    kill = 100.0
    tries = [
        scale_out.Try("A", "page", 10.0, 200),
        scale_out.Try("A", "page", 20.0, 500),          # a 5xx long before: counted
        scale_out.Try("B", "page", 99.0, 0),            # B, within the grace: the kill
        scale_out.Try("B", "page", 90.0, 0, "RemoteDisconnected", 100.1),  # slow, cut off
        scale_out.Try("B", "page", 80.0, 0, "TimeoutError", 95.0),  # failed before: counted
        scale_out.Try("B", "verify", 100.2, 0),         # B after the kill: refused
        scale_out.Try("B", "verify", 150.0, 0),         # B much later: still the kill
        scale_out.Try("A", "api", 101.0, 502),          # A during the kill: explained
        scale_out.Try("A", "api", 130.0, 0),            # A long after: counted
        scale_out.Try("A", "rate", 131.0, 429),         # a refusal is not a failure
    ]
    assert scale_out.classify_failures(tries, "B", kill) == {
        "in_kill": 5, "outside_5xx": 1, "outside_connection": 2}
    assert [t.at for t in scale_out.outside_failures(tries, "B", kill)] == [20.0, 80.0, 130.0]
    assert scale_out.classify_failures(tries[:2], None, None) == {
        "in_kill": 0, "outside_5xx": 1, "outside_connection": 0}


def test_the_benchmark_finds_duplicate_and_lost_mail():
    received = ["<outbox-1.20261205101010000000@lms.example.org>",
                "<outbox-2.20261205101011000000@lms.example.org>",
                "<outbox-2.20261205101011000000@lms.example.org>", "<other@elsewhere>", None,
                "<outbox-x@lms.example.org>"]
    assert scale_out.mail_duplicates(received, [1, 2, 3], "lms.example.org") == {
        "received": 6, "distinct": 2, "duplicates": 1, "lost": 1, "foreign": 3}


def test_the_benchmark_uploads_a_file_a_flask_app_reads():
    data = scale_out.import_csv(3, "COH-1", "t")
    lines = data.decode().splitlines()
    assert lines[0].startswith("username,email,firstname,lastname,country,lang,cohort1")
    assert len(lines) == 4 and lines[3].endswith(",COH-1")
    body, content_type = scale_out.multipart({"csrf_token": "abc"},
                                             {"file": ("t.csv", data, "text/csv")})
    environ = {"wsgi.input": io.BytesIO(body), "REQUEST_METHOD": "POST",
               "CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(body))}
    _stream, form, files = parse_form_data(environ)
    assert form["csrf_token"] == "abc"
    assert files["file"].filename == "t.csv" and files["file"].read() == data
