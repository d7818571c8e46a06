"""The benchmark's own checks, tested so that the figures it prints can be trusted.

The benchmarks themselves (bench/exam_rush.py, bench/gradebook.py) are not run
here: they are timed runs of real servers, not tests.
"""

from __future__ import annotations

import http.client

import pytest
from sqlalchemy import text

from bench import common
from bench.common import Recorder, Response, Sample
from lms.assessments.quizzes.models import Answer, Attempt, AttemptStatus
from lms.kernel import clock
from tests.assessments.factories import add_to_quiz, make_assessment, make_question
from tests.factories import enrol, make_cohort

# ---------------------------------------------------------------- numbers and tables


def test_percentile_interpolates_between_ranks_like_numpy():
    values = [4, 1, 3, 2]  # unsorted on purpose
    assert common.percentile(values, 0) == 1
    assert common.percentile(values, 50) == 2.5
    assert common.percentile(values, 100) == 4
    assert common.percentile(values, 95) == pytest.approx(3.85)
    assert common.percentile(list(range(1, 101)), 99) == pytest.approx(99.01)
    assert common.percentile([7.5], 99) == 7.5


def test_percentile_of_nothing_is_none_and_bad_rank_is_refused():
    assert common.percentile([], 50) is None
    with pytest.raises(ValueError):
        common.percentile([1, 2], 101)


def test_latencies_are_shown_in_milliseconds():
    assert common.fmt_ms(0.2504) == "250.4"
    assert common.fmt_ms(None) == "–"


def test_markdown_table_pads_columns_and_escapes_pipes():
    table = common.markdown_table(["request", "p95 ms"], [["save", 12.5], ["a|b", None]])
    lines = table.splitlines()
    assert lines[0] == "| request | p95 ms |"
    assert lines[1] == "| ------- | ------ |"
    assert lines[2] == "| save    | 12.5   |"
    assert lines[3] == "| a\\|b    | –      |"
    assert len({len(line) for line in lines}) == 1


def test_markdown_table_refuses_a_row_of_the_wrong_width():
    with pytest.raises(ValueError):
        common.markdown_table(["a", "b"], [["only one"]])


# ---------------------------------------------------------------- request records


def test_recorder_counts_server_errors_before_and_after_retries():
    recorder = Recorder()
    for sample in (Sample("save", 0.010, 200), Sample("save", 0.020, 503),
                   Sample("save", 0.030, 0), Sample("save", 0.040, 200),
                   Sample("start", 0.5, 302)):
        recorder.add(sample)
    recorder.give_up("submit", 0)
    recorder.give_up("save", 422)
    assert recorder.errors_before_retries() == (1, 1)
    assert recorder.errors_after_retries() == 1
    assert recorder.refused() == 1
    # Latencies are those of answered tries only: a failed try has no meaningful time.
    assert recorder.latencies("save") == [0.010, 0.040]
    rows = common.latency_rows(recorder, ["save", "start"], target_p95=0.25)
    assert rows[0] == ["save", "2", "25.0", "38.5", "39.7", "< 250"]
    assert rows[1][:2] == ["start", "1"]


class FlakyBrowser:
    """Fails ``failures`` times (connection error, then 502), then answers 200."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    def request(self, method, path, *, form=None, headers=None):
        self.calls += 1
        if self.calls <= self.failures:
            if self.calls % 2:
                raise ConnectionResetError("worker killed")
            return Response(502, http.client.HTTPMessage(), b"")
        return Response(200, http.client.HTTPMessage(), b'{"saved": true}')


def test_send_retries_connection_errors_and_5xx_then_returns_the_answer():
    recorder = Recorder()
    browser = FlakyBrowser(failures=3)
    response = common.send(browser, recorder, "save", "POST", "/x", backoff=0)
    assert response is not None and response.status == 200
    assert browser.calls == 4
    assert recorder.errors_before_retries() == (1, 2)
    assert recorder.errors_after_retries() == 0


def test_send_gives_up_after_the_last_retry():
    recorder = Recorder()
    browser = FlakyBrowser(failures=100)
    assert common.send(browser, recorder, "save", "POST", "/x", retries=5, backoff=0) is None
    assert browser.calls == 6
    assert recorder.errors_after_retries() == 1


def test_send_does_not_retry_a_refusal():
    recorder = Recorder()
    browser = FlakyBrowser(failures=0)
    response = common.send(browser, recorder, "save", "POST", "/x", backoff=0,
                           accept=lambda r: b'"saved": false' in r.body)
    assert response is None
    assert browser.calls == 1
    assert recorder.refused() == 1
    assert recorder.errors_after_retries() == 0


def test_browser_keeps_and_forgets_cookies_as_set_by_the_server():
    browser = common.Browser(port=1)
    browser._keep_cookie("session=abc.def; HttpOnly; Path=/; SameSite=Lax")
    assert browser.cookies == {"session": "abc.def"}
    browser._keep_cookie("session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/")
    assert browser.cookies == {}


def test_csrf_token_is_read_from_the_page():
    page = Response(200, http.client.HTTPMessage(),
                    b'<input type="hidden" name="csrf_token" value="tok.en-1">')
    assert page.csrf_token() == "tok.en-1"
    assert Response(200, http.client.HTTPMessage(), b"<p>none</p>").csrf_token() is None


def test_child_pids_reads_parents_from_proc(tmp_path):
    for pid, stat in {"10": "10 (gunicorn: master) S 1 10", "11": "11 (gunicorn) S 10 10",
                      "12": "12 (a (weird) name) S 10 10", "13": "13 (bash) S 11 13"}.items():
        (tmp_path / pid).mkdir()
        (tmp_path / pid / "stat").write_text(stat)
    (tmp_path / "self").mkdir()
    assert common.child_pids(10, proc=tmp_path) == [11, 12]


# ---------------------------------------------------------------- the answer check


@pytest.mark.parametrize(("stored", "ids"), [
    ({"options": [5]}, {5}),
    ({"option_ids": [5, 7]}, {5, 7}),
    ({"option": 5}, {5}),
    ('{"options": [5]}', {5}),
    ([5], {5}),
    (5, {5}),
    ("5", {5}),
    ({"text": "hello"}, set()),
    (None, set()),
    (True, set()),
])
def test_option_ids_reads_every_shape_of_stored_response(stored, ids):
    assert common.option_ids(stored) == frozenset(ids)


@pytest.fixture
def two_attempts(database):
    """Two attempts at a two-question quiz: the first submitted with both answers
    (option "Right"), the second in progress with one answer (option "Wrong")."""
    cohort = make_cohort()
    quiz = make_assessment(cohort.course, time_limit_minutes=30)
    first, second = make_question(cohort.course), make_question(cohort.course)
    add_to_quiz(quiz, first, second)
    now = clock.now()
    attempts = []
    for status in (AttemptStatus.SUBMITTED, AttemptStatus.IN_PROGRESS):
        attempt = Attempt(assessment_id=quiz.id, enrolment_id=enrol(cohort).id, number=1,
                          status=status, question_order=[first.id, second.id])
        database.session.add(attempt)
        attempts.append(attempt)
    database.session.flush()
    right = {q.id: q.options[0].id for q in (first, second)}
    wrong = {q.id: q.options[1].id for q in (first, second)}
    database.session.add_all([
        Answer(attempt_id=attempts[0].id, question_id=first.id,
               response={"options": [right[first.id]]}, saved_at=now),
        Answer(attempt_id=attempts[0].id, question_id=second.id,
               response={"options": [right[second.id]]}, saved_at=now),
        Answer(attempt_id=attempts[1].id, question_id=first.id,
               response={"options": [wrong[first.id]]}, saved_at=now),
    ])
    database.session.flush()
    return attempts, (first.id, second.id), right, wrong


def test_check_answers_finds_nothing_wrong_when_all_is_stored(database, two_attempts):
    attempts, (q1, q2), right, _wrong = two_attempts
    acknowledged = {(attempts[0].id, q1): right[q1], (attempts[0].id, q2): right[q2]}
    check = common.check_answers(database.session, acknowledged, [attempts[0].id])
    assert (check.acknowledged, check.lost, check.duplicated, check.unsubmitted) == (2, 0, 0, 0)


def test_check_answers_counts_missing_and_different_answers_as_lost(database, two_attempts):
    attempts, (q1, q2), right, _wrong = two_attempts
    acknowledged = {
        (attempts[0].id, q1): right[q1],   # stored as sent
        (attempts[1].id, q1): right[q1],   # stored, but another option
        (attempts[1].id, q2): right[q2],   # acknowledged, never stored
    }
    check = common.check_answers(database.session, acknowledged,
                                 [a.id for a in attempts])
    assert check.lost == 2
    assert set(check.lost_examples) == {(attempts[1].id, q1), (attempts[1].id, q2)}
    assert check.unsubmitted == 1
    assert check.duplicated == 0


def test_check_answers_counts_an_attempt_that_does_not_exist_as_unsubmitted(database,
                                                                          two_attempts):
    attempts, _questions, _right, _wrong = two_attempts
    missing = max(a.id for a in attempts) + 1000
    check = common.check_answers(database.session, {}, [attempts[0].id, missing])
    assert check.unsubmitted == 1


def test_duplicate_pairs_counts_rows_stored_twice(database):
    # The answers table forbids duplicates; a copy without the constraint shows the
    # GROUP BY would catch them if the constraint were ever lost.
    database.session.execute(text(
        "CREATE TEMPORARY TABLE bench_answers (attempt_id INTEGER, question_id INTEGER)"))
    database.session.execute(text(
        "INSERT INTO bench_answers VALUES (1, 10), (1, 10), (1, 10), (1, 11), (2, 10), "
        "(3, 10), (3, 10)"))
    assert common.duplicate_pairs(database.session, [1, 2], table="bench_answers") == [
        (1, 10, 3)]
    assert common.duplicate_pairs(database.session, [1, 2, 3], table="bench_answers") == [
        (1, 10, 3), (3, 10, 2)]
    assert common.duplicate_pairs(database.session, [1, 2, 3]) == []
    with pytest.raises(ValueError):
        common.duplicate_pairs(database.session, [1], table="answers; DROP TABLE users")


# ---------------------------------------------------------------- the exam rush's pace


def test_pauses_average_the_asked_mean_and_never_pass_the_deadline(monkeypatch):
    import random
    import time

    from bench import exam_rush

    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    chooser = random.Random(3)
    far = time.monotonic() + 1000
    for _ in range(2000):
        exam_rush.think(chooser, 2.0, far)
    assert all(0 <= pause <= 4.0 for pause in slept)
    assert sum(slept) / len(slept) == pytest.approx(2.0, abs=0.1)

    slept.clear()
    exam_rush.think(chooser, 2.0, time.monotonic() + 0.05)
    assert slept and slept[0] <= 0.05
    slept.clear()
    exam_rush.think(chooser, 0.0, far)
    assert slept == []


def test_the_summary_gives_every_run_and_the_median_ratio():
    from bench.exam_rush import Run, summary_table

    runs = [Run("", 300.0, 500.0, 0, 0), Run("", 250.0, 500.0, 0, 0),
            Run("", 330.0, 600.0, 1, 0), Run("", None, 500.0, 0, 0)]
    table = summary_table("sqlite", runs)
    rows = [[cell.strip() for cell in line.strip("|").split("|")]
            for line in table.splitlines() if line.startswith("| ")]
    assert rows[2:] == [
        ["1", "300.0", "500.0", "0.60", "0", "0"],
        ["2", "250.0", "500.0", "0.50", "0", "0"],
        ["3", "330.0", "600.0", "0.55", "1", "0"],
        ["4", "–", "500.0", "–", "0", "0"],
        # The median of 0.60, 0.50 and 0.55: the run without a rate is left out.
        ["median", "", "", "**0.55**", "", ""],
    ]
