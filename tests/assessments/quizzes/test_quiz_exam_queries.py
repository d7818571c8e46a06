"""The statements each request of an exam sends, on a database of its own.

An exam rush multiplies every statement of the quiz path by a whole cohort, so
the counts are pinned here: a change that adds one shows up as a failure to
look at. Measured with the benchmark's own in-process run (bench/exam_costs.py)
on a fresh database, where the app begins and ends its transactions as it does
in production. On SQLite the counts include the app's own BEGIN statements (a
save and a start read first, then take the write lock); on PostgreSQL the
driver's BEGIN and COMMIT are not counted, and an answer save has none.
"""

from __future__ import annotations

import pytest

from bench import common, exam_costs
from tests.conftest import POSTGRES_URL

# A page and a submit each read the browser's session row (a signed-out
# browser's cookies must stop working): the view has loaded the user already by
# then, so that check is the one statement those two requests gained. A page
# also counts the trainee's unread notifications for the header (one statement).
# A submit logs its grade for the report's people sets, and a submit that completes the
# course logs that too (lms.reports.people: an INSERT each, in the same transaction).
EXPECTED = {
    "sqlite": {"start": 12, "page": 8, "save": 5, "submit": 23},
    "postgresql": {"start": 10, "page": 7, "save": 3, "submit": 21},
}


@pytest.mark.parametrize("questions", [3, 12])
def test_every_exam_request_sends_a_fixed_number_of_statements(backend, questions,
                                                              monkeypatch):
    # On the tests' PostgreSQL server (LMS_TEST_POSTGRES_URL), not the benchmarks'.
    monkeypatch.setattr(common, "POSTGRES_URL", POSTGRES_URL)
    rows = exam_costs.measure(backend, trainees=2, answers=questions)
    counts = {row[0]: float(row[4]) for row in rows}
    assert counts == EXPECTED[backend]
    # Every trainee made each request: one start, page and submit, a save per question.
    assert {row[0]: int(row[1]) for row in rows} == {
        "start": 2, "page": 2, "save": 2 * questions, "submit": 2}
