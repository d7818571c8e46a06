"""Recording observations: rows, audit, the grade once every item is observed, who sees what."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from lms.assessments.models import Grade
from lms.assessments.observations.models import Observation
from lms.kernel import clock
from tests.assessments.observations.helpers import audit_actions, make_checklist, make_world
from tests.conftest import page_text, submit
from tests.conftest import sign_in_quickly as login
from tests.factories import enrol_many

ITEMS = ["Greets the client", "Explains confidentiality", "Uses open questions",
         "Summarises the plan"]


@pytest.fixture
def world(database):
    return make_world()


@pytest.fixture
def checklist(world):
    return make_checklist(world.course, ITEMS, pass_mark=70)


def _record_url(world, checklist, enrolment=None) -> str:
    enrolment = enrolment or world.enrolment
    return (f"/cohorts/{world.cohort.id}/observations/{checklist.id}"
            f"/trainees/{enrolment.id}")


def _form(checklist, results: list[str], *, comments: dict[int, str] | None = None,
          day: date | None = None) -> dict:
    data = {}
    for index, (item, result) in enumerate(zip(checklist.observation_items, results,
                                               strict=True)):
        data[f"result_{item.id}"] = result
        data[f"comment_{item.id}"] = (comments or {}).get(index, "")
        data[f"observed_on_{item.id}"] = (day or clock.today(clock.UTC)).isoformat()
    return data


def _grade(database, checklist, enrolment) -> Grade | None:
    database.session.expire_all()
    return database.session.scalar(database.select(Grade).where(
        Grade.assessment_id == checklist.id, Grade.enrolment_id == enrolment.id))


def _observations(database, enrolment) -> dict[int, tuple[str, str, int | None]]:
    database.session.expire_all()
    rows = database.session.scalars(database.select(Observation).where(
        Observation.enrolment_id == enrolment.id))
    return {row.item_id: (row.result, row.comment, row.assessor_id) for row in rows}


def test_no_grade_while_an_item_is_not_observed(client, database, world, checklist):
    login(client, world.instructor)
    url = _record_url(world, checklist)
    response = submit(client, url, _form(checklist, ["met", "met", "not_yet", "not_observed"],
                                         comments={2: "Closed questions only"}))
    assert response.status_code == 302
    rows = _observations(database, world.enrolment)
    items = checklist.observation_items
    assert rows[items[0].id] == ("met", "", world.instructor.id)
    assert rows[items[2].id] == ("not_yet", "Closed questions only", world.instructor.id)
    assert items[3].id not in rows  # not observed, nothing said: no row needed
    assert _grade(database, checklist, world.enrolment) is None
    assert audit_actions("observation.") == ["observation.recorded"] * 3
    assert audit_actions("grade.") == []
    assert "The grade is given once every item is observed" in page_text(client.get(url))


def test_the_grade_appears_once_every_item_is_observed(client, database, world, checklist):
    login(client, world.instructor)
    url = _record_url(world, checklist)
    submit(client, url, _form(checklist, ["met", "met", "not_yet", "not_observed"]))
    response = submit(client, url, _form(checklist, ["met", "met", "not_yet", "met"]))
    assert response.status_code == 302
    grade = _grade(database, checklist, world.enrolment)
    assert grade.percent == Decimal("75.00")
    assert grade.passed is True  # 75 >= 70
    assert grade.source == "auto"
    # Only the changed row is audited again, with before and after.
    assert audit_actions("observation.") == ["observation.recorded"] * 4
    assert audit_actions("grade.") == ["grade.set"]
    page = page_text(client.get(url))
    assert "Grade: 75%" in page and "Passed" in page
    # A later comment changes no grade: no new grade entry in the audit log.
    submit(client, url, _form(checklist, ["met", "met", "not_yet", "met"],
                              comments={0: "Warm welcome"}))
    assert audit_actions("observation.") == ["observation.recorded"] * 5
    assert audit_actions("grade.") == ["grade.set"]


def test_below_the_pass_mark_fails(client, database, world, checklist):
    login(client, world.coordinator)  # coordinators observe too
    submit(client, _record_url(world, checklist),
           _form(checklist, ["met", "met", "not_yet", "not_yet"]))
    grade = _grade(database, checklist, world.enrolment)
    assert grade.percent == Decimal("50.00")
    assert grade.passed is False


def test_the_audit_keeps_before_and_after(client, database, world, checklist):
    from lms.audit.models import AuditLog

    login(client, world.instructor)
    url = _record_url(world, checklist)
    submit(client, url, _form(checklist, ["not_yet", "not_observed", "not_observed",
                                          "not_observed"]))
    submit(client, url, _form(checklist, ["met", "not_observed", "not_observed",
                                          "not_observed"]))
    entries = list(database.session.scalars(database.select(AuditLog).where(
        AuditLog.action == "observation.recorded").order_by(AuditLog.id)))
    assert entries[0].before is None and entries[0].after["result"] == "not_yet"
    assert entries[1].before["result"] == "not_yet" and entries[1].after["result"] == "met"


def test_a_future_date_or_bad_result_is_refused(client, database, world, checklist):
    login(client, world.instructor)
    url = _record_url(world, checklist)
    tomorrow = clock.today(clock.UTC) + timedelta(days=1)
    response = submit(client, url, _form(checklist, ["met"] * 4, day=tomorrow))
    assert response.status_code == 422
    assert "cannot be in the future" in page_text(response)
    response = submit(client, url, _form(checklist, ["perfect", "met", "met", "met"]))
    assert response.status_code == 422
    assert _observations(database, world.enrolment) == {}
    assert _grade(database, checklist, world.enrolment) is None


def test_the_trainee_sees_their_own_results(client, database, world, checklist):
    login(client, world.instructor)
    submit(client, _record_url(world, checklist),
           _form(checklist, ["met", "not_yet", "met", "met"], comments={1: "Practise more"}))
    login(client, world.trainee)
    response = client.get(f"/cohorts/{world.cohort.id}/observations/{checklist.id}/mine")
    assert response.status_code == 200
    text = page_text(response)
    assert "Explains confidentiality Not yet" in text
    assert "Practise more" in text and "Ines Instructor" in text
    assert "Grade: 75%" in text
    # Read-only: no form to change anything, and the record page is refused.
    assert "<form" not in response.get_data(as_text=True).split("<main", 1)[1]
    assert client.get(_record_url(world, checklist)).status_code == 403


def test_other_people_are_refused(client, database, world, checklist):
    mine = f"/cohorts/{world.cohort.id}/observations/{checklist.id}/mine"
    summary = f"/cohorts/{world.cohort.id}/observations/{checklist.id}"
    record = _record_url(world, checklist)
    login(client, world.other_trainee)  # a trainee of another cohort of the course
    assert client.get(mine).status_code == 403
    assert client.get(summary).status_code == 403
    assert client.get(record).status_code == 403
    login(client, world.other_instructor)  # another cohort's instructor
    assert client.get(summary).status_code == 403
    assert client.get(record).status_code == 403
    response = submit(client, record, _form(checklist, ["met"] * 4), form_url="/courses")
    assert response.status_code == 403
    assert _observations(database, world.enrolment) == {}
    login(client, world.instructor)
    # An enrolment of another cohort is not found through this cohort.
    assert client.get(_record_url(world, checklist, world.other_enrolment)).status_code == 404
    assert client.get(mine).status_code == 403  # instructors have no results of their own


def test_the_cohort_summary_lists_trainees_with_their_tally(client, database, world,
                                                            checklist):
    login(client, world.instructor)
    submit(client, _record_url(world, checklist), _form(checklist,
                                                        ["met", "not_yet", "met", "met"]))
    response = client.get(f"/cohorts/{world.cohort.id}/observations/{checklist.id}")
    assert response.status_code == 200
    text = page_text(response)
    assert "Ana Trainee 3 of 4 Complete 75% Passed" in text
    assert "Bruno Trainee" not in text  # another cohort's trainee
    assert _record_url(world, checklist) in response.get_data(as_text=True)


def test_the_cohort_summary_takes_constant_queries(client, database, world, checklist,
                                                   count_queries):
    url = f"/cohorts/{world.cohort.id}/observations/{checklist.id}"
    login(client, world.instructor)
    enrol_many(world.cohort, 4)
    client.get(url)  # warm up
    login(client, world.instructor)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    enrol_many(world.cohort, 55)
    login(client, world.instructor)
    with count_queries() as big:
        response = client.get(url)
    assert response.status_code == 200
    assert big.count == small.count, big.statements
    assert small.count <= 12
    assert "Page 1 of 2" in page_text(response)  # 60 trainees, 50 a page
