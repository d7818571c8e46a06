"""A course marks one quiz as its pre-test and one as its post-test (for the learning report)."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms.assessments import manage_services as services
from lms.assessments.models import Assessment, AssessmentKind
from lms.audit.models import AuditLog
from lms.errors import DomainError
from tests.assessments.factories import make_assessment
from tests.conftest import page_text as raw_page_text
from tests.conftest import sign_in_quickly as login
from tests.conftest import submit
from tests.factories import make_coordinator, make_course, make_program


@pytest.fixture
def world(database):
    program = make_program()
    course = make_course(program)
    return {"program": program, "course": course, "coordinator": make_coordinator(program),
            "other_course": make_course(program)}


def form(**overrides) -> dict:
    data = {"title": "Knowledge check", "instructions": "", "pass_mark": "70",
            "weight": "1", "required": "y", "published": "y", "position": "",
            "opens_at": "", "due_at": "", "attempts_allowed": "1", "time_limit_minutes": "",
            "review_allowed": "y", "title_fr": "", "instructions_fr": "", "title_es": "",
            "instructions_es": "", "title_pt": "", "instructions_pt": "", "test_role": ""}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def roles(database, course) -> dict[str, str | None]:
    database.session.expire_all()
    return dict(database.session.execute(
        select(Assessment.title, Assessment.test_role)
        .where(Assessment.course_id == course.id)).all())


def page_text(response) -> str:
    """The visible text, entities read as a browser does (the messages have apostrophes)."""
    return html.unescape(raw_page_text(response))


def audit_count(database) -> int:
    return database.session.scalar(select(func.count()).select_from(AuditLog))


def test_the_quiz_settings_offer_the_role_and_other_kinds_do_not(client, world):
    quiz = make_assessment(world["course"])
    essay = make_assessment(world["course"], AssessmentKind.ASSIGNMENT)
    login(client, world["coordinator"])
    quiz_page = client.get(f"/manage/assessments/{quiz.id}").get_data(as_text=True)
    assert 'name="test_role"' in quiz_page
    assert "<option value=\"pre\">The course's pre-test</option>" in quiz_page
    essay_page = client.get(f"/manage/assessments/{essay.id}").get_data(as_text=True)
    assert 'name="test_role"' not in essay_page


def test_a_new_quiz_can_be_the_pre_test(client, world, database):
    login(client, world["coordinator"])
    url = f"/manage/courses/{world['course'].id}/assessments/new?kind=quiz"
    assert submit(client, url, form(title="Before", test_role="pre")).status_code == 302
    assert roles(database, world["course"]) == {"Before": "pre"}
    log = database.session.scalars(select(AuditLog).where(
        AuditLog.action == "assessment.created")).one()
    assert log.after["test_role"] == "pre"


def test_one_pre_test_and_one_post_test_per_course(client, world, database):
    before = make_assessment(world["course"], title="Before", test_role="pre")
    after = make_assessment(world["course"], title="After")
    login(client, world["coordinator"])
    # A second pre-test in the same course is refused, naming the first; nothing changes.
    audits = audit_count(database)
    response = submit(client, f"/manage/assessments/{after.id}",
                      form(title="After", test_role="pre"))
    assert response.status_code == 422
    assert ("Before is already this course's pre-test; set it to neither first."
            in page_text(response))
    assert roles(database, world["course"]) == {"Before": "pre", "After": None}
    assert audit_count(database) == audits
    # The post-test is free, and another course may have its own pre-test.
    assert submit(client, f"/manage/assessments/{after.id}",
                  form(title="After", test_role="post")).status_code == 302
    assert roles(database, world["course"]) == {"Before": "pre", "After": "post"}
    url = f"/manage/courses/{world['other_course'].id}/assessments/new?kind=quiz"
    assert submit(client, url, form(title="Elsewhere", test_role="pre")).status_code == 302
    assert roles(database, world["other_course"]) == {"Elsewhere": "pre"}
    # A third quiz cannot be the post-test either, not even when created.
    url = f"/manage/courses/{world['course'].id}/assessments/new?kind=quiz"
    response = submit(client, url, form(title="Third", test_role="post"))
    assert response.status_code == 422
    assert "After is already this course's post-test" in page_text(response)
    assert roles(database, world["course"]) == {"Before": "pre", "After": "post"}
    # Cleared, the role moves to another quiz.
    assert submit(client, f"/manage/assessments/{before.id}",
                  form(title="Before", test_role="")).status_code == 302
    assert submit(client, f"/manage/assessments/{after.id}",
                  form(title="After", test_role="pre")).status_code == 302
    assert roles(database, world["course"]) == {"Before": None, "After": "pre"}


def test_saving_a_quiz_keeps_its_own_role(client, world, database):
    quiz = make_assessment(world["course"], title="Before", test_role="pre")
    login(client, world["coordinator"])
    page = client.get(f"/manage/assessments/{quiz.id}").get_data(as_text=True)
    assert '<option selected value="pre">' in page
    assert submit(client, f"/manage/assessments/{quiz.id}",
                  form(title="Renamed", test_role="pre")).status_code == 302
    assert roles(database, world["course"]) == {"Renamed": "pre"}


def test_a_bad_role_is_refused_and_nothing_changes(client, world, database):
    quiz = make_assessment(world["course"], title="Quiz", test_role="post")
    login(client, world["coordinator"])
    audits = audit_count(database)
    response = submit(client, f"/manage/assessments/{quiz.id}",
                      form(title="Changed", test_role="midterm"))
    assert response.status_code == 422
    assert "Choose pre-test, post-test or neither." in page_text(response)
    assert roles(database, world["course"]) == {"Quiz": "post"}
    assert audit_count(database) == audits


def test_only_a_quiz_can_have_the_role(client, world, database):
    essay = make_assessment(world["course"], AssessmentKind.ASSIGNMENT, title="Essay")
    login(client, world["coordinator"])
    response = submit(client, f"/manage/assessments/{essay.id}",
                      form(title="Essay changed", test_role="pre", accepts_text="y"))
    assert response.status_code == 422
    assert "Only a quiz can be a course's pre-test or post-test." in page_text(response)
    assert roles(database, world["course"]) == {"Essay": None}
    with pytest.raises(DomainError, match="Only a quiz"):
        services.create_assessment(world["coordinator"], world["course"], "observation",
                                   services.AssessmentData(title="Watch", pass_mark=80,
                                                           test_role="post"))
    assert roles(database, world["course"]) == {"Essay": None}


def test_the_database_holds_one_of_each_per_course(world, database):
    make_assessment(world["course"], title="Before", test_role="pre")
    with pytest.raises(IntegrityError), database.session.begin_nested():
        make_assessment(world["course"], title="Again", test_role="pre")
    # Any number of quizzes without a role.
    make_assessment(world["course"], title="One")
    make_assessment(world["course"], title="Two")
    assert roles(database, world["course"]) == {"Before": "pre", "One": None, "Two": None}
