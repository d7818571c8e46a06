"""The cohort gradebook, its CSV export, overrides and their history."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from lms.assessments.grades import set_grade
from lms.assessments.models import Grade, GradeSource
from lms.audit.models import AuditLog
from lms.cohorts.models import Enrolment, EnrolmentStatus
from tests.assessments.factories import make_assessment
from tests.assessments.gradebook.helpers import bulk_grades
from tests.conftest import page_text, submit
from tests.conftest import sign_in_quickly as login
from tests.factories import (
    enrol,
    enrol_many,
    make_cohort,
    make_coordinator,
    make_course,
    make_program,
    make_user,
)


@pytest.fixture
def world(database):
    program = make_program()
    course = make_course(program)
    instructor = make_user(full_name="Iris Instructor")
    cohort = make_cohort(course, instructors=[instructor])
    quiz = make_assessment(course, "quiz", title="Knowledge test", pass_mark=60, weight=1,
                           position=1)
    essay = make_assessment(course, "assignment", title="Case study", pass_mark=50, weight=3,
                            position=2)
    ana = enrol(cohort, make_user(full_name="Ana Núñez", email="ana@example.org",
                                  country="CO"))
    bruno = enrol(cohort, make_user(full_name="Bruno Lima", email="bruno@example.org",
                                    country="BR"))
    set_grade(quiz, ana, 90, actor=None)
    set_grade(essay, ana, 40, actor=instructor, source=GradeSource.GRADER)
    return {"program": program, "course": course, "cohort": cohort, "instructor": instructor,
            "quiz": quiz, "essay": essay, "ana": ana, "bruno": bruno}


def test_gradebook_shows_grades_totals_and_results(client, world):
    login(client, world["instructor"])
    response = client.get(f"/cohorts/{world['cohort'].id}/gradebook")
    assert response.status_code == 200
    text = page_text(response)
    assert text.index("Knowledge test") < text.index("Case study")  # position order
    assert "Quiz · weight 1" in text and "Assignment · weight 3" in text
    assert text.index("Ana Núñez") < text.index("Bruno Lima")  # by name
    # Ana: 90 passed, 40 failed; total (90 + 120) / 4 = 52.5; a final failure: failed.
    ana_row = text[text.index("Ana Núñez"):text.index("Bruno Lima")]
    assert "90 Passed" in ana_row and "40 Failed" in ana_row and "52.5" in ana_row
    assert ana_row.rstrip().endswith("Failed")
    bruno_row = text[text.index("Bruno Lima"):]
    assert "In progress" in bruno_row and "Passed" not in bruno_row.split("Previous")[0]


def test_gradebook_is_for_the_cohort_teachers(client, world, database):
    other_instructor = make_user()
    make_cohort(world["course"], instructors=[other_instructor])
    url = f"/cohorts/{world['cohort'].id}/gradebook"
    login(client, world["ana"].user)
    assert client.get(url).status_code == 403
    assert client.get(url + ".csv").status_code == 403
    login(client, other_instructor)
    assert client.get(url).status_code == 403
    login(client, make_coordinator(world["program"]))
    assert client.get(url).status_code == 200
    login(client, make_coordinator(make_program()))
    assert client.get(url).status_code == 403


def _gradebook_queries(client, count_queries, database, trainees: int) -> int:
    course = make_course()
    instructor = make_user()
    cohort = make_cohort(course, instructors=[instructor])
    assessments = [make_assessment(course, kind, position=i) for i, kind in enumerate(
        ["quiz", "assignment", "observation", "attendance", "quiz"], start=1)]
    enrol_many(cohort, trainees)
    ids = database.session.scalars(select(Enrolment.id).where(
        Enrolment.cohort_id == cohort.id)).all()
    bulk_grades(assessments[:3], ids, "75")
    login(client, instructor)
    with count_queries("gradebook", f"{trainees} trainees × 5 assessments") as counter:
        response = client.get(f"/cohorts/{cohort.id}/gradebook")
    assert response.status_code == 200
    text = page_text(response)
    assert "75 Passed" in text
    if trainees > 50:
        assert f"Page 1 of {trainees // 50}" in text
        assert text.count("Bulk Trainee") == 50
    return counter.count


def test_gradebook_runs_a_constant_number_of_queries(client, count_queries, database):
    small = _gradebook_queries(client, count_queries, database, 10)
    large = _gradebook_queries(client, count_queries, database, 500)
    assert small == large
    assert large <= 14


def test_export_has_every_trainee_and_a_bom(client, world, database):
    enrol_many(world["cohort"], 60)  # more than one page
    login(client, world["instructor"])
    response = client.get(f"/cohorts/{world['cohort'].id}/gradebook.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["Name", "Email", "Country", "Knowledge test", "Case study",
                       "Weighted total", "Result", "Sessions attended", "Sessions held",
                       "Excused", "Attendance (%)"]
    assert len(rows) == 1 + 62
    assert ["Ana Núñez", "ana@example.org", "CO", "90.00", "40.00", "52.50", "Failed",
            "", "", "", ""] in rows
    assert ["Bruno Lima", "bruno@example.org", "BR", "", "", "0.00", "In progress",
            "", "", "", ""] in rows


def test_export_says_withdrawn(client, world, database):
    world["bruno"].status = EnrolmentStatus.WITHDRAWN
    login(client, world["instructor"])
    body = client.get(f"/cohorts/{world['cohort'].id}/gradebook.csv").get_data()
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert ["Bruno Lima", "bruno@example.org", "BR", "", "", "0.00", "Withdrawn",
            "", "", "", ""] in rows


def test_export_neutralises_formulas(client, world):
    enrol(world["cohort"], make_user(full_name="=HYPERLINK(\"x\")"))
    login(client, world["instructor"])
    body = client.get(f"/cohorts/{world['cohort'].id}/gradebook.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in body


def test_override_needs_a_reason(client, world, database):
    login(client, world["instructor"])
    url = (f"/cohorts/{world['cohort'].id}/grades/{world['ana'].id}/{world['essay'].id}")
    logs = database.session.scalar(select(database.func.count()).select_from(AuditLog))
    response = submit(client, url, {"percent": "75", "reason": ""})
    assert response.status_code == 422
    assert "Give a reason for changing this grade." in page_text(response)
    database.session.expire_all()
    assert database.session.scalar(select(Grade.percent).where(
        Grade.enrolment_id == world["ana"].id, Grade.assessment_id == world["essay"].id)) == 40
    assert database.session.scalar(
        select(database.func.count()).select_from(AuditLog)) == logs
    response = submit(client, url, {"percent": "150", "reason": "x"})
    assert response.status_code == 422
    assert "Enter a number between 0 and 100." in page_text(response)


def test_override_sets_the_grade_and_shows_history(client, world, database):
    login(client, world["instructor"])
    url = (f"/cohorts/{world['cohort'].id}/grades/{world['ana'].id}/{world['essay'].id}")
    response = submit(client, url, {"percent": "75", "reason": "Second marker agreed",
                                    "feedback": "Well argued"})
    assert response.status_code == 302
    database.session.expire_all()
    grade = database.session.scalar(select(Grade).where(
        Grade.enrolment_id == world["ana"].id, Grade.assessment_id == world["essay"].id))
    assert grade.percent == 75 and grade.source == GradeSource.OVERRIDE
    assert grade.override_reason == "Second marker agreed"
    assert database.session.get(Enrolment, world["ana"].id).status == EnrolmentStatus.COMPLETED
    log = database.session.scalars(select(AuditLog).where(
        AuditLog.action == "grade.set", AuditLog.object_id == grade.id)
        .order_by(AuditLog.id.desc())).first()
    assert log.before["percent"] == "40.00" and log.after["percent"] == "75.00"
    assert log.actor_id == world["instructor"].id
    text = page_text(client.get(url))
    history = text[text.index("History"):]
    assert "Iris Instructor" in history and "40%" in history and "75%" in history
    assert "Second marker agreed" in history


def test_override_refuses_objects_of_another_cohort(client, world):
    other = make_cohort(make_course())
    stranger = enrol(other)
    login(client, world["instructor"])
    cohort_id = world["cohort"].id
    assert client.get(f"/cohorts/{cohort_id}/grades/{stranger.id}/{world['quiz'].id}"
                      ).status_code == 404
    foreign = make_assessment(other.course)
    assert client.get(f"/cohorts/{cohort_id}/grades/{world['ana'].id}/{foreign.id}"
                      ).status_code == 404
    login(client, world["bruno"].user)
    assert client.get(f"/cohorts/{cohort_id}/grades/{world['bruno'].id}/{world['quiz'].id}"
                      ).status_code == 403


def test_gradebook_in_spanish_formats_decimals(client, world, database):
    set_grade(world["quiz"], world["bruno"], "72.5", actor=None)
    world["instructor"].locale = "es"
    login(client, world["instructor"])
    text = page_text(client.get(f"/cohorts/{world['cohort'].id}/gradebook"))
    assert "72,5" in text
