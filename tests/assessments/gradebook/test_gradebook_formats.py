"""One way to write a percentage on every gradebook page (the grade history said "58.33"
beside "58,33 %"), no "0 %" before anything is graded, and session times to the minute."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from lms.assessments.attendance.models import AttendanceSession
from lms.assessments.grades import override_grade, set_grade
from tests.assessments.factories import make_assessment
from tests.conftest import new_browser, page_text
from tests.conftest import sign_in_quickly as login
from tests.factories import enrol, make_cohort, make_course, make_user


@pytest.fixture
def world(database):
    course = make_course()
    instructor = make_user(full_name="Iris Instructor", locale="es")
    cohort = make_cohort(course, instructors=[instructor])
    essay = make_assessment(course, "assignment", title="Case study", pass_mark=50, weight=1)
    trainee = make_user(full_name="Ana Núñez", locale="es")
    return {"course": course, "instructor": instructor, "cohort": cohort, "essay": essay,
            "trainee": trainee, "enrolment": enrol(cohort, trainee)}


def test_the_grade_history_writes_percentages_as_the_page_does(client, world):
    essay, enrolment = world["essay"], world["enrolment"]
    set_grade(essay, enrolment, "58.33", actor=world["instructor"])
    override_grade(essay, enrolment, "62.5", actor=world["instructor"], reason="Recount")
    login(client, world["instructor"])

    text = page_text(client.get(
        f"/cohorts/{world['cohort'].id}/grades/{enrolment.id}/{essay.id}"))

    history = text[text.index("Historial"):]
    assert "58,33 %" in history and "62,5 %" in history
    assert "58.33" not in history and "62.50" not in history
    facts = text[:text.index("Historial")]
    assert "50 %" in facts and "62,5 %" in facts  # pass mark and current grade alike


def test_nothing_graded_shows_no_grade_rather_than_zero(client, world):
    login(client, world["trainee"])
    mine = page_text(client.get(f"/cohorts/{world['cohort'].id}/assessments"))
    assert "0%" not in mine and "0 %" not in mine
    assert "Aún sin calificación" in mine  # "No grade yet"

    instructor = new_browser(client.application)
    login(instructor, world["instructor"])
    gradebook = page_text(instructor.get(f"/cohorts/{world['cohort'].id}/gradebook"))
    row = gradebook[gradebook.index("Ana Núñez"):]
    assert not re.search(r"(^|\s)0(\s|$)", row.split("En curso")[0])
    assert "—" in row


def test_a_graded_trainee_sees_the_total_in_the_same_format(client, world):
    set_grade(world["essay"], world["enrolment"], "58.33", actor=world["instructor"])
    login(client, world["trainee"])

    text = page_text(client.get(f"/cohorts/{world['cohort'].id}/assessments"))

    assert text.count("58,33 %") == 2  # the weighted total and the grade itself


def test_session_times_are_shown_to_the_minute(client, world, database):
    database.session.add(AttendanceSession(
        cohort_id=world["cohort"].id, title="Día 1",
        starts_at=datetime(2030, 3, 4, 9, 30, tzinfo=UTC)))
    database.session.flush()
    login(client, world["instructor"])

    text = page_text(client.get(f"/cohorts/{world['cohort'].id}/attendance"))

    assert "4 mar 2030 9:30" in text
    assert not re.search(r"\d:\d\d:\d\d", text)  # no seconds
