"""The grading queue and the trainee's "My assessments" page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lms.assessments.grades import set_grade
from lms.assessments.models import AssessmentWindow, GradeSource
from lms.kernel import clock
from tests.assessments.factories import make_assessment
from tests.assessments.gradebook.helpers import attempts, submission
from tests.conftest import page_text
from tests.conftest import sign_in_quickly as login
from tests.factories import (
    enrol,
    make_cohort,
    make_coordinator,
    make_course,
    make_program,
    make_user,
)

NOW = clock.now()


@pytest.fixture
def world(database):
    program = make_program()
    course = make_course(program)
    instructor = make_user(full_name="Iris Instructor")
    cohort = make_cohort(course, instructors=[instructor])
    other_instructor = make_user()
    other_cohort = make_cohort(course, instructors=[other_instructor])
    essay = make_assessment(course, "assignment", title="Case study", position=1)
    return {"program": program, "course": course, "cohort": cohort, "instructor": instructor,
            "other_cohort": other_cohort, "other_instructor": other_instructor, "essay": essay}


# ---------------------------------------------------------------- grading queue

def test_queue_lists_oldest_first_in_the_instructors_cohorts(client, world):
    essay, cohort = world["essay"], world["cohort"]
    newer = submission(essay, enrol(cohort, make_user(full_name="Newer Trainee")),
                       submitted_at=NOW - timedelta(hours=1))
    older = submission(essay, enrol(cohort, make_user(full_name="Older Trainee")),
                       submitted_at=NOW - timedelta(days=2))
    submission(essay, enrol(cohort, make_user(full_name="Graded Trainee")), status="graded")
    submission(essay, enrol(world["other_cohort"], make_user(full_name="Elsewhere Trainee")))
    login(client, world["instructor"])
    response = client.get("/grading")
    assert response.status_code == 200
    text = page_text(response)
    assert text.index("Older Trainee") < text.index("Newer Trainee")
    assert "Graded Trainee" not in text and "Elsewhere Trainee" not in text
    html = response.get_data(as_text=True)
    assert f"/cohorts/{cohort.id}/submissions/{older.id}/grade" in html
    assert f"/cohorts/{cohort.id}/submissions/{newer.id}/grade" in html


def test_queue_for_coordinators_and_not_trainees(client, world):
    submission(world["essay"], enrol(world["other_cohort"],
                                     make_user(full_name="Elsewhere Trainee")))
    trainee = enrol(world["cohort"]).user
    login(client, trainee)
    assert client.get("/grading").status_code == 403
    login(client, make_coordinator(world["program"]))
    assert "Elsewhere Trainee" in page_text(client.get("/grading"))
    login(client, make_coordinator(make_program()))
    assert "Elsewhere Trainee" not in page_text(client.get("/grading"))


# ---------------------------------------------------------------- my assessments

@pytest.fixture
def trainee_world(world, database):
    course, cohort = world["course"], world["cohort"]
    quiz = make_assessment(course, "quiz", title="Knowledge test", position=2, weight=1,
                           pass_mark=60)
    observation = make_assessment(course, "observation", title="Skills check", position=3,
                                  due_at=NOW - timedelta(days=1))
    make_assessment(course, "attendance", title="Attendance", position=4,
                    due_at=NOW + timedelta(days=1))
    make_assessment(course, "quiz", title="Hidden draft", position=5, published=False)
    database.session.add(AssessmentWindow(assessment_id=observation.id, cohort_id=cohort.id,
                                          due_at=NOW + timedelta(days=3)))
    me = enrol(cohort, make_user(full_name="Ana Trainee"))
    neighbour = enrol(cohort, make_user(full_name="Bruno Trainee"))
    attempts(quiz, me, 1)
    set_grade(quiz, me, 80, actor=None, feedback="Good work on section 2")
    submission(world["essay"], me, status="returned")
    set_grade(world["essay"], neighbour, 41.17, actor=world["instructor"],
              source=GradeSource.GRADER, feedback="Neighbour feedback")
    return {**world, "quiz": quiz, "observation": observation, "me": me,
            "neighbour": neighbour}


def test_my_assessments_shows_own_states_and_grades(client, trainee_world):
    w = trainee_world
    login(client, w["me"].user)
    response = client.get(f"/cohorts/{w['cohort'].id}/assessments")
    assert response.status_code == 200
    text = page_text(response)
    assert "Returned for resubmission" in text
    quiz_row = text[text.index("Knowledge test"):text.index("Skills check")]
    assert "Graded" in quiz_row and "80% Passed" in quiz_row
    assert "Good work on section 2" in quiz_row
    # The cohort's own window (due in 3 days) replaces the course's (overdue).
    skills_row = text[text.index("Skills check"):text.index("Attendance", text.index(
        "Skills check"))]
    assert "Not started" in skills_row and "Overdue" not in skills_row
    assert "Hidden draft" not in text
    assert "Neighbour feedback" not in text and "41.17" not in text
    # Total: 80 * 1 / (1 + 1 + 1 + 1) = 20
    assert "20%" in text and "In progress" in text
    html = response.get_data(as_text=True)
    cid = w["cohort"].id
    assert f'href="/cohorts/{cid}/quizzes/{w["quiz"].id}"' in html
    assert f'href="/cohorts/{cid}/assignments/{w["essay"].id}"' in html
    assert f'href="/cohorts/{cid}/observations/{w["observation"].id}/mine"' in html
    assert f'href="/cohorts/{cid}/attendance/mine"' in html


def test_overdue_state(client, trainee_world, database):
    w = trainee_world
    late = make_assessment(w["course"], "assignment", title="Late essay",
                           due_at=NOW - timedelta(days=2), position=9)
    login(client, w["me"].user)
    text = page_text(client.get(f"/cohorts/{w['cohort'].id}/assessments"))
    assert "Overdue" in text[text.index(late.title):]


def test_my_assessments_is_only_for_the_trainee_of_the_cohort(client, trainee_world):
    w = trainee_world
    stranger = enrol(w["other_cohort"]).user
    login(client, stranger)
    assert client.get(f"/cohorts/{w['cohort'].id}/assessments").status_code == 403
    login(client, w["instructor"])
    assert client.get(f"/cohorts/{w['cohort'].id}/assessments").status_code == 403


def test_instructor_sees_a_trainees_assessments(client, trainee_world):
    w = trainee_world
    url = f"/cohorts/{w['cohort'].id}/gradebook/{w['neighbour'].id}"
    login(client, w["instructor"])
    response = client.get(url)
    assert response.status_code == 200
    text = page_text(response)
    assert "Assessments of Bruno Trainee" in text and "Neighbour feedback" in text
    assert "41.17% Failed" in text
    assert "Good work on section 2" not in text
    login(client, w["other_instructor"])
    assert client.get(url).status_code == 403
    login(client, w["me"].user)
    assert client.get(url).status_code == 403
    login(client, w["instructor"])
    stranger = enrol(w["other_cohort"])
    assert client.get(f"/cohorts/{w['cohort'].id}/gradebook/{stranger.id}").status_code == 404


def test_my_assessments_query_count_does_not_grow(client, world, count_queries):
    course, cohort = world["course"], world["cohort"]
    me = enrol(cohort)

    def measure() -> int:
        login(client, me.user)
        with count_queries() as counter:
            assert client.get(f"/cohorts/{cohort.id}/assessments").status_code == 200
        return counter.count

    few = measure()
    for position in range(10, 20):
        quiz = make_assessment(course, "quiz", position=position)
        attempts(quiz, me, 1)
        set_grade(quiz, me, 50, actor=None)
    assert measure() == few
