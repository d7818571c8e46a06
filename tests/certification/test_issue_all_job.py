"""Issue-all for a large cohort runs as a job: progress page, result, no second certificate."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.certification import issuance
from lms.certification.models import Certificate
from lms.certification.tracks import progress
from lms.extensions import db
from lms.kernel import clock, jobs, mail
from lms.kernel.jobs import JobRun
from tests.certification.factories import eligible_track, make_body, make_eligible
from tests.conftest import new_browser, page_text, sign_in_quickly, submit
from tests.factories import make_officer, make_user

CONFIRMED = {"confirm": "yes"}
TRAINEES = 7


class WorkerKilled(BaseException):
    """The worker process died (not an error the job could catch and record)."""


@pytest.fixture
def real_queue(app, database):
    """Jobs wait in the queue until the test runs them, as with a worker."""
    queue = jobs.queue(app)
    queue.immediate = False
    yield queue
    queue.flush()
    queue.immediate = True


@pytest.fixture
def small_jobs(app, monkeypatch):
    """Issue-all of more than 5 becomes a job, issuing 3 at a time."""
    monkeypatch.setitem(app.config, "LMS_JOBS_INLINE_LIMIT", 5)
    monkeypatch.setattr(issuance, "ISSUE_BATCH", 3)


@pytest.fixture
def track_of_seven(database):
    body = make_body()
    track, course = eligible_track(body=body, title="Large track")
    for number in range(TRAINEES):
        make_eligible(track, course, make_user(full_name=f"Trainee {number}"))
    return track, make_officer(body)


def _certificates(track) -> Counter:
    """Certificates of the track per holder."""
    return Counter(db.session.scalars(select(Certificate.user_id)
                                      .where(Certificate.track_id == track.id)))


def _job(job_id: int) -> JobRun:
    db.session.expire_all()
    return db.session.get(JobRun, job_id)


def _issue_all(client, track):
    url = f"/certify/tracks/{track.id}"
    return submit(client, f"{url}/issue-all", CONFIRMED, form_url=url)


def _job_id(response) -> int:
    assert response.status_code == 302, page_text(response)[:1000]
    match = re.fullmatch(r"/jobs/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def test_a_large_issue_all_shows_its_progress_then_the_result(
        app, client, real_queue, small_jobs, track_of_seven):
    track, officer = track_of_seven
    sign_in_quickly(client, officer)

    job_id = _job_id(_issue_all(client, track))

    assert _certificates(track) == Counter()  # waiting for the worker
    page = client.get(f"/jobs/{job_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-refresh="2"' in html  # jobs.js asks again
    assert re.search(r'<progress id="job-progress" max="7" value="0"', html)
    assert "Waiting to start" in page_text(page) and "0 of 7 done." in page_text(page)
    assert page.headers["Cache-Control"] == "no-store"

    jobs.run_pending(app)

    assert sorted(_certificates(track).values()) == [1] * TRAINEES
    page = client.get(f"/jobs/{job_id}")
    html, text = page.get_data(as_text=True), page_text(page)
    assert 'data-refresh' not in html  # finished: the page stops asking
    assert re.search(r'<progress id="job-progress" max="7" value="7"', html)
    assert "7 certificates issued." in text and "Finished" in text
    assert f'href="/certify/tracks/{track.id}"' in html
    job = _job(job_id)
    assert (job.status, job.done, job.total, job.result) == ("done", 7, 7, {"issued": 7})
    assert job.started_by_id == officer.id


def test_a_double_click_starts_one_job(app, client, real_queue, small_jobs, track_of_seven):
    track, officer = track_of_seven
    sign_in_quickly(client, officer)

    first, second = _job_id(_issue_all(client, track)), _job_id(_issue_all(client, track))

    assert first == second
    assert db.session.scalar(select(func.count(JobRun.id))) == 1
    jobs.run_pending(app)
    assert sorted(_certificates(track).values()) == [1] * TRAINEES


def test_a_small_issue_all_stays_in_the_request(app, client, small_jobs, database):
    body = make_body()
    track, course = eligible_track(body=body)
    for _ in range(5):
        make_eligible(track, course)
    sign_in_quickly(client, make_officer(body))

    response = _issue_all(client, track)

    assert response.headers["Location"] == f"/certify/tracks/{track.id}"
    assert "5 certificates issued." in page_text(client.get(response.headers["Location"]))
    assert db.session.scalar(select(func.count(JobRun.id))) == 0


def test_only_who_started_it_or_an_admin_sees_the_job(
        app, client, real_queue, small_jobs, track_of_seven):
    track, officer = track_of_seven
    sign_in_quickly(client, officer)
    job_id = _job_id(_issue_all(client, track))
    url = f"/jobs/{job_id}"

    colleague = new_browser(app)
    sign_in_quickly(colleague, make_officer(track.certifying_body))
    assert colleague.get(url).status_code == 403
    admin = new_browser(app)
    sign_in_quickly(admin, make_user(admin=True))
    assert admin.get(url).status_code == 200
    anonymous = new_browser(app).get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert client.get("/jobs/999999").status_code == 404


def test_a_job_whose_worker_died_resumes_and_issues_nobody_twice(
        app, database, real_queue, small_jobs, track_of_seven, frozen_clock, monkeypatch):
    track, officer = track_of_seven
    job = issuance.start_issue_all(track, officer,
                                   progress.eligible(track, clock.today(clock.UTC)))
    db.session.commit()  # enqueued
    job_id = job.id

    issue_many, calls = issuance.issue_many, []

    def dies_at_the_second_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise WorkerKilled
        return issue_many(*args, **kwargs)

    monkeypatch.setattr(issuance, "issue_many", dies_at_the_second_batch)
    with pytest.raises(WorkerKilled):
        jobs.run_pending(app)
    monkeypatch.setattr(issuance, "issue_many", issue_many)

    assert sum(_certificates(track).values()) == 3  # the first batch, committed
    assert (_job(job_id).status, _job(job_id).done) == ("running", 3)

    # The same task delivered again while the job looks alive does nothing.
    jobs.enqueue(jobs.run_job, job_id)
    jobs.run_pending(app)
    assert sum(_certificates(track).values()) == 3

    # Silent for longer than STALL: the job is resumed from its last batch.
    frozen_clock.advance(jobs.STALL + timedelta(minutes=1))
    assert jobs.resume_stalled() == 1
    jobs.run_pending(app)

    assert sorted(_certificates(track).values()) == [1] * TRAINEES
    job = _job(job_id)
    assert (job.status, job.done, job.result, job.attempts) == ("done", 7, {"issued": 7}, 2)

    # A finished job run once more issues and mails nothing.
    sent = len(mail.read_outbox())
    jobs.enqueue(jobs.run_job, job_id)
    jobs.run_pending(app)
    assert sorted(_certificates(track).values()) == [1] * TRAINEES
    assert len(mail.read_outbox()) == sent
    # Whatever the issuing mailed, nobody got the same message twice.
    messages = Counter((m["to"], m["subject"]) for m in mail.read_outbox())
    assert all(number == 1 for number in messages.values()), messages

