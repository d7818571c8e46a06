"""A large CSV import: checked in the request, imported by a job with a progress page."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from lms.accounts.models import User
from lms.cohorts import services
from lms.cohorts.models import Cohort, Enrolment
from lms.extensions import db
from lms.kernel import jobs
from lms.kernel.jobs import JobRun
from lms.kernel.mail import read_outbox
from tests.cohorts.conftest import count, upload
from tests.conftest import new_browser, page_text
from tests.conftest import sign_in_quickly as login
from tests.factories import make_cohort, make_coordinator, make_course, make_program

LINES = 8


class WorkerKilled(BaseException):
    """The worker process died in the middle of the job."""


def csv_file(lines: int = LINES, *, bad_line: int | None = None) -> str:
    rows = ["email,firstname,lastname,country,lang,cohort1"]
    for number in range(lines):
        country = "XX" if number == bad_line else "MX"
        rows.append(f"trainee{number}@example.org,Trainee,Number {number},{country},es,BIG-1")
    return "\n".join(rows) + "\n"


@pytest.fixture
def real_queue(app, database):
    queue = jobs.queue(app)
    queue.immediate = False
    yield queue
    queue.flush()
    queue.immediate = True


@pytest.fixture
def small_jobs(app, monkeypatch):
    """Files of more than 5 lines become a job, importing 3 lines at a time."""
    monkeypatch.setitem(app.config, "LMS_JOBS_INLINE_LIMIT", 5)
    monkeypatch.setattr(services, "IMPORT_BATCH", 3)


@pytest.fixture
def coordinator(client, database):
    program = make_program(code="BIG")
    make_cohort(make_course(program), code="BIG-1", language="es", capacity=100)
    user = make_coordinator(program)
    login(client, user)
    return user


def uploads(app) -> list[Path]:
    folder = Path(app.instance_path) / "uploads" / "imports"
    return sorted(folder.glob("*")) if folder.exists() else []


@pytest.fixture(autouse=True)
def no_uploads_left(app):
    """Files a test's unfinished jobs kept must not count in the next test."""
    yield
    for path in uploads(app):
        path.unlink()


def _job_id(response) -> int:
    assert response.status_code == 302, page_text(response)[:1500]
    match = re.fullmatch(r"/jobs/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def _job(job_id: int) -> JobRun:
    db.session.expire_all()
    return db.session.get(JobRun, job_id)


def _welcomes() -> Counter:
    return Counter(message["to"] for message in read_outbox())


def test_a_large_file_is_imported_by_a_job_with_progress(app, client, real_queue, small_jobs,
                                                         coordinator):
    job_id = _job_id(upload(client, csv_file()))

    assert count(db, Enrolment) == 0 and len(uploads(app)) == 1  # kept for the job
    page = client.get(f"/jobs/{job_id}")
    assert page.status_code == 200
    assert 'data-refresh="2"' in page.get_data(as_text=True)  # jobs.js asks again
    assert "Importing trainees" in page_text(page) and "0 of 8 done." in page_text(page)

    jobs.run_pending(app)

    assert count(db, Enrolment) == LINES
    assert _welcomes() == Counter({f"trainee{n}@example.org": 1 for n in range(LINES)})
    assert uploads(app) == []  # deleted once the job ended
    text = page_text(client.get(f"/jobs/{job_id}"))
    assert "Accounts created: 8. Enrolments added: 8. Already enrolled: 0." in text
    assert "8 of 8 done." in text
    assert 'href="/manage/import"' in client.get(f"/jobs/{job_id}").get_data(as_text=True)


def test_problems_are_shown_at_once_and_no_job_starts(app, client, real_queue, small_jobs,
                                                      coordinator):
    response = upload(client, csv_file(bad_line=4))

    assert response.status_code == 422
    assert "Line 6" in page_text(response)  # the header is line 1
    assert db.session.scalar(db.select(db.func.count(JobRun.id))) == 0
    assert uploads(app) == [] and count(db, User) == 1


def test_a_small_file_is_still_imported_in_the_request(app, client, small_jobs, coordinator):
    response = upload(client, csv_file(5))

    assert response.headers["Location"] == "/manage/import"
    assert count(db, Enrolment) == 5
    assert db.session.scalar(db.select(db.func.count(JobRun.id))) == 0


def test_another_coordinator_may_not_see_the_job(app, client, real_queue, small_jobs,
                                                 coordinator):
    job_id = _job_id(upload(client, csv_file()))
    other = new_browser(app)
    login(other, make_coordinator(make_program(code="OTHER")))
    assert other.get(f"/jobs/{job_id}").status_code == 403


def test_the_same_file_twice_is_one_job(app, client, real_queue, small_jobs, coordinator):
    first = _job_id(upload(client, csv_file()))
    second = _job_id(upload(client, csv_file()))

    assert first == second and len(uploads(app)) == 1
    jobs.run_pending(app)
    assert count(db, Enrolment) == LINES and max(_welcomes().values()) == 1


def test_a_job_whose_worker_died_resumes_and_welcomes_nobody_twice(
        app, client, real_queue, small_jobs, coordinator, frozen_clock, monkeypatch):
    job_id = _job_id(upload(client, csv_file()))
    import_rows, calls = services._import_rows, []

    def dies_at_the_third_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise WorkerKilled
        return import_rows(*args, **kwargs)

    monkeypatch.setattr(services, "_import_rows", dies_at_the_third_batch)
    with pytest.raises(WorkerKilled):
        jobs.run_pending(app)
    monkeypatch.setattr(services, "_import_rows", import_rows)
    jobs.run_pending(app)  # the mail of the batches committed

    assert (_job(job_id).status, _job(job_id).done) == ("running", 6)
    assert count(db, Enrolment) == 6 and sum(_welcomes().values()) == 6
    assert len(uploads(app)) == 1  # kept: the job is not over

    frozen_clock.advance(jobs.STALL + timedelta(minutes=1))
    assert jobs.resume_stalled() == 1
    jobs.run_pending(app)

    job = _job(job_id)
    assert (job.status, job.done) == ("done", LINES)
    assert job.result == {"created": LINES, "enrolled": LINES, "already": 0}
    assert count(db, Enrolment) == LINES
    assert _welcomes() == Counter({f"trainee{n}@example.org": 1 for n in range(LINES)})
    assert uploads(app) == []

    # Run once more: nothing is created, enrolled or mailed again.
    jobs.enqueue(jobs.run_job, job_id)
    jobs.run_pending(app)
    assert count(db, Enrolment) == LINES and sum(_welcomes().values()) == LINES


def test_a_file_that_no_longer_fits_when_the_job_runs_fails_and_says_why(
        app, client, real_queue, small_jobs, coordinator):
    job_id = _job_id(upload(client, csv_file()))
    cohort = db.session.scalar(db.select(Cohort).where(Cohort.code == "BIG-1"))
    cohort.capacity = 3  # filled up, or made smaller, before the worker got to the file
    db.session.commit()

    jobs.run_pending(app)

    page = client.get(f"/jobs/{job_id}")
    text = page_text(page)
    assert _job(job_id).status == jobs.FAILED
    assert "The file was not imported" in text and "Line 5" in text
    assert 'data-refresh' not in page.get_data(as_text=True)
    assert count(db, Enrolment) == 0 and uploads(app) == []
