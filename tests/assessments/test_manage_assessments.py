"""Managing a course's assessments: permissions, creation, editing, cohort windows."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from lms.assessments.grades import set_grade
from lms.assessments.models import Assessment, AssessmentWindow, Grade
from lms.audit.models import AuditLog
from lms.cohorts.models import Enrolment, EnrolmentStatus
from tests.assessments.factories import make_assessment
from tests.conftest import page_text, submit
from tests.conftest import sign_in_quickly as login
from tests.factories import (
    enrol,
    make_cohort,
    make_coordinator,
    make_course,
    make_program,
    make_user,
)


@pytest.fixture
def world(database):
    program = make_program()
    course = make_course(program, language="es")
    instructor = make_user()
    cohort = make_cohort(course, instructors=[instructor])
    return {"program": program, "course": course, "cohort": cohort, "instructor": instructor,
            "coordinator": make_coordinator(program),
            "trainee": enrol(cohort).user}


def count(database, model) -> int:
    return database.session.scalar(select(func.count()).select_from(model))


def form(**overrides) -> dict:
    data = {"title": "Final exam", "instructions": "Answer everything.", "pass_mark": "65",
            "weight": "2", "required": "y", "published": "y", "position": "",
            "opens_at": "2026-03-01T09:00", "due_at": "2026-03-08T17:30",
            "attempts_allowed": "3", "time_limit_minutes": "45", "shuffle_questions": "y",
            "review_allowed": "y", "title_en": "Final exam (EN)", "instructions_en": "",
            "title_fr": "", "instructions_fr": "", "title_pt": "", "instructions_pt": ""}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_pages_are_for_the_course_coordinators(client, world):
    course = world["course"]
    assessment = make_assessment(course)
    urls = [f"/manage/courses/{course.id}/assessments",
            f"/manage/courses/{course.id}/assessments/new?kind=quiz",
            f"/manage/assessments/{assessment.id}",
            f"/manage/assessments/{assessment.id}/cohorts/{world['cohort'].id}"]
    for user in (world["trainee"], world["instructor"], make_coordinator(make_program())):
        login(client, user)
        for url in urls:
            assert client.get(url).status_code == 403, (user, url)
    for user in (world["coordinator"], make_user(admin=True)):
        login(client, user)
        for url in urls:
            assert client.get(url).status_code == 200, url


def test_unknown_kind_is_not_found(client, world):
    login(client, world["coordinator"])
    url = f"/manage/courses/{world['course'].id}/assessments/new"
    assert client.get(url + "?kind=essay").status_code == 404
    chooser = client.get(url)
    assert chooser.status_code == 200
    assert f'{url}?kind=observation"' in chooser.get_data(as_text=True)


def test_create_a_quiz(client, world, database):
    login(client, world["coordinator"])
    course = world["course"]
    make_assessment(course, position=4)
    url = f"/manage/courses/{course.id}/assessments/new?kind=quiz"
    response = submit(client, url, form())
    assert response.status_code == 302
    database.session.expire_all()
    quiz = database.session.scalars(select(Assessment).where(
        Assessment.title == "Final exam")).one()
    assert quiz.kind == "quiz" and quiz.course_id == course.id
    assert quiz.pass_mark == Decimal("65") and quiz.weight == Decimal("2")
    assert quiz.position == 5 and quiz.attempts_allowed == 3
    assert quiz.time_limit_minutes == 45 and quiz.shuffle_questions
    assert quiz.opens_at.replace(tzinfo=UTC) == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    assert quiz.in_locale("title", "en") == "Final exam (EN)"
    assert quiz.in_locale("title", "fr") == "Final exam"
    log = database.session.scalars(select(AuditLog).where(
        AuditLog.action == "assessment.created", AuditLog.object_id == quiz.id)).one()
    assert log.actor_id == world["coordinator"].id and log.after["weight"] == "2.00"
    page = client.get(response.headers["Location"])
    assert f"/manage/assessments/{quiz.id}/questions" in page.get_data(as_text=True)


def test_blank_attempts_means_unlimited(client, world, database):
    login(client, world["coordinator"])
    url = f"/manage/courses/{world['course'].id}/assessments/new?kind=quiz"
    assert submit(client, url, form(attempts_allowed="", time_limit_minutes="")
                  ).status_code == 302
    database.session.expire_all()
    quiz = database.session.scalars(select(Assessment).where(
        Assessment.title == "Final exam")).one()
    assert quiz.attempts_allowed is None and quiz.time_limit_minutes is None


@pytest.mark.parametrize(("overrides", "message"), [
    ({"pass_mark": "150"}, "Enter a number between 0 and 100."),
    ({"pass_mark": ""}, "Enter a number between 0 and 100."),
    ({"weight": "-1"}, "Enter a weight of 0 or more."),
    ({"title": ""}, "This field is required."),
    ({"due_at": "2026-02-01T00:00"}, "The due date must come after the opening date."),
    ({"attempts_allowed": "0"}, "Number must be between 1 and 100."),
    ({"attempts_allowed": "99999999999999999999"}, "This number is too large."),
    ({"weight": "NaN"}, "Not a valid decimal value."),
    ({"weight": "1e999999999"}, "This number is too large."),
    ({"pass_mark": "Infinity"}, "Not a valid decimal value."),
    ({"due_at": "0001-01-01T00:00"}, "Enter a date between"),
    ({"opens_at": "9999-12-31T23:59"}, "Enter a date between"),
    ({"opens_at": "2026-02-30T09:00"}, "Not a valid datetime value."),
    ({"title_en": "x" * 201}, "Field cannot be longer than 200 characters."),
])
def test_bad_input_is_refused_and_nothing_written(client, world, database, overrides,
                                                   message):
    login(client, world["coordinator"])
    before = (count(database, Assessment), count(database, AuditLog))
    url = f"/manage/courses/{world['course'].id}/assessments/new?kind=quiz"
    response = submit(client, url, form(**overrides))
    assert response.status_code == 422
    assert message in page_text(response)
    assert (count(database, Assessment), count(database, AuditLog)) == before


def test_assignment_must_accept_something(client, world, database):
    login(client, world["coordinator"])
    url = f"/manage/courses/{world['course'].id}/assessments/new?kind=assignment"
    response = submit(client, url, form(accepts_text=None, accepts_file=None))
    assert response.status_code == 422
    assert "An assignment must accept a text, a file or both." in page_text(response)
    assert count(database, Assessment) == 0
    assert submit(client, url, form(accepts_file="y")).status_code == 302
    database.session.expire_all()
    essay = database.session.scalars(select(Assessment)).one()
    assert essay.accepts_file and not essay.accepts_text and essay.attempts_allowed is None


def test_edit_changes_fields_and_translations(client, world, database):
    quiz = make_assessment(world["course"], title="Old title")
    login(client, world["coordinator"])
    url = f"/manage/assessments/{quiz.id}"
    page = page_text(client.get(url))
    assert "Old title" in page and "Title (Français)" in page
    assert "Title (Español)" not in page  # the course is written in Spanish
    response = submit(client, url, form(title="New title", title_pt="Novo título",
                                        required=None))
    assert response.status_code == 302
    database.session.expire_all()
    quiz = database.session.get(Assessment, quiz.id)
    assert quiz.title == "New title" and not quiz.required
    assert quiz.in_locale("title", "pt") == "Novo título"
    log = database.session.scalars(select(AuditLog).where(
        AuditLog.action == "assessment.updated", AuditLog.object_id == quiz.id)).one()
    assert log.before["title"] == "Old title" and log.after["title"] == "New title"


def test_edit_refused_leaves_it_unchanged(client, world, database):
    quiz = make_assessment(world["course"], title="Old title")
    login(client, world["coordinator"])
    response = submit(client, f"/manage/assessments/{quiz.id}",
                      form(title="New", due_at="2026-01-01T00:00"))
    assert response.status_code == 422
    database.session.expire_all()
    assert database.session.get(Assessment, quiz.id).title == "Old title"


def test_raising_the_pass_mark_updates_grades_and_results(client, world, database):
    quiz = make_assessment(world["course"], pass_mark=50)
    enrolment = enrol(world["cohort"])
    set_grade(quiz, enrolment, 60, actor=None)
    assert enrolment.status == EnrolmentStatus.COMPLETED
    login(client, world["coordinator"])
    assert submit(client, f"/manage/assessments/{quiz.id}",
                  form(pass_mark="70", attempts_allowed="")).status_code == 302
    database.session.expire_all()
    assert database.session.scalar(select(Grade.passed)) is False
    # Unlimited attempts: the failed grade is not final, the trainee is active again.
    assert database.session.get(Enrolment, enrolment.id).status == EnrolmentStatus.ACTIVE


def test_cohort_window_set_and_cleared(client, world, database):
    quiz = make_assessment(world["course"])
    login(client, world["coordinator"])
    url = f"/manage/assessments/{quiz.id}/cohorts/{world['cohort'].id}"
    response = submit(client, url, {"opens_at": "2026-04-01T08:00",
                                    "due_at": "2026-04-02T08:00"})
    assert response.status_code == 302
    database.session.expire_all()
    window = database.session.get(AssessmentWindow, (quiz.id, world["cohort"].id))
    assert window.due_at.replace(tzinfo=UTC) == datetime(2026, 4, 2, 8, 0, tzinfo=UTC)
    assert "2026-04-02 08:00" in page_text(client.get(f"/manage/assessments/{quiz.id}"))
    response = submit(client, url, {"opens_at": "2026-04-03T08:00",
                                    "due_at": "2026-04-02T08:00"})
    assert response.status_code == 422
    response = submit(client, url, {"opens_at": "", "due_at": ""})
    assert response.status_code == 302
    database.session.expire_all()
    assert database.session.get(AssessmentWindow, (quiz.id, world["cohort"].id)) is None
    actions = database.session.scalars(select(AuditLog.action).where(
        AuditLog.object_id == quiz.id, AuditLog.action == "assessment.window_set")).all()
    assert len(actions) == 2


def test_window_of_a_cohort_of_another_course_is_not_found(client, world):
    quiz = make_assessment(world["course"])
    other = make_cohort(make_course(world["program"]))
    login(client, world["coordinator"])
    assert client.get(f"/manage/assessments/{quiz.id}/cohorts/{other.id}").status_code == 404


def test_list_shows_assessments_in_order(client, world):
    make_assessment(world["course"], title="Second", position=2)
    make_assessment(world["course"], "observation", title="First", position=1,
                    due_at=datetime(2026, 6, 30, 17, 0, tzinfo=UTC))
    login(client, world["coordinator"])
    text = page_text(client.get(f"/manage/courses/{world['course'].id}/assessments"))
    assert text.index("First") < text.index("Second")
    assert "6/30/26, 5:00" in text
    assert "Skills observation" in text
