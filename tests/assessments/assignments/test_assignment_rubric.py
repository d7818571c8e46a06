"""Coordinators edit an assignment's rubric: criteria and levels with points."""

from __future__ import annotations

from decimal import Decimal

from lms.assessments.assignments.models import RubricCriterion, RubricScore, Submission
from lms.assessments.models import AssessmentKind
from lms.audit.models import AuditLog
from tests.assessments.assignments.helpers import add_rubric, setting
from tests.assessments.factories import make_assessment
from tests.conftest import new_browser, page_text, submit
from tests.conftest import sign_in_quickly as login


def rubric_url(s) -> str:
    return f"/manage/assessments/{s.assignment.id}/rubric"


def rubric(database, s) -> list[tuple[str, list[tuple[str, Decimal]]]]:
    database.session.expire_all()
    criteria = database.session.scalars(database.select(RubricCriterion).where(
        RubricCriterion.assessment_id == s.assignment.id).order_by(RubricCriterion.position))
    return [(c.title, [(lv.title, lv.points) for lv in c.levels]) for c in criteria]


def block(index: int, title: str = "", levels=(), *, id: int | None = None,
          level_ids=(), delete: bool = False) -> dict:
    data = {f"criteria-{index}-id": str(id or ""), f"criteria-{index}-title": title}
    if delete:
        data[f"criteria-{index}-delete"] = "y"
    padded = list(levels) + [("", "")] * (5 - len(levels))
    ids = list(level_ids) + [""] * (5 - len(level_ids))
    for n, ((level_title, points), level_id) in enumerate(zip(padded, ids, strict=True)):
        data[f"criteria-{index}-levels-{n}-id"] = str(level_id)
        data[f"criteria-{index}-levels-{n}-title"] = level_title
        data[f"criteria-{index}-levels-{n}-points"] = str(points)
    return data


def test_a_coordinator_adds_edits_and_deletes_criteria(client, database):
    s = setting()
    login(client, s.coordinator)
    assert "New criterion" in page_text(client.get(rubric_url(s)))

    response = submit(client, rubric_url(s), block(0, "Content", [("Weak", 0), ("Strong", 4)]))
    assert response.status_code == 302
    assert rubric(database, s) == [("Content", [("Weak", Decimal("0.00")),
                                                ("Strong", Decimal("4.00"))])]

    content = database.session.scalar(database.select(RubricCriterion).where(
        RubricCriterion.assessment_id == s.assignment.id))
    weak, strong = content.levels
    page = page_text(client.get(rubric_url(s)))
    assert "Criterion 1" in page and "New criterion" in page

    # Rename a level, remove one, add one, and add a second criterion.
    response = submit(client, rubric_url(s), {
        **block(0, "Content and depth", [("Weak", 0), ("", ""), ("Excellent", 5)],
                id=content.id, level_ids=[weak.id, strong.id]),
        **block(1, "Form", [("Clear", 2)])})
    assert response.status_code == 302
    assert rubric(database, s) == [
        ("Content and depth", [("Weak", Decimal("0.00")), ("Excellent", Decimal("5.00"))]),
        ("Form", [("Clear", Decimal("2.00"))])]

    database.session.expire_all()
    criteria = list(database.session.scalars(database.select(RubricCriterion).where(
        RubricCriterion.assessment_id == s.assignment.id).order_by(RubricCriterion.position)))
    first, second = criteria
    response = submit(client, rubric_url(s), {
        **block(0, first.title, [(lv.title, lv.points) for lv in first.levels], id=first.id,
                level_ids=[lv.id for lv in first.levels], delete=True),
        **block(1, second.title, [(lv.title, lv.points) for lv in second.levels],
                id=second.id, level_ids=[lv.id for lv in second.levels])})
    assert response.status_code == 302
    assert rubric(database, s) == [("Form", [("Clear", Decimal("2.00"))])]
    assert database.session.scalar(database.select(database.func.count()).select_from(
        AuditLog).where(AuditLog.action == "rubric.save")) == 3


def test_deleting_a_criterion_removes_its_scores(client, database):
    s = setting()
    content, form = add_rubric(s.assignment, [("Content", [("Weak", 0), ("Good", 2)]),
                                              ("Form", [("Clear", 1)])])
    submission = Submission(assessment_id=s.assignment.id, enrolment_id=s.enrolment.id, text="x")
    database.session.add(submission)
    database.session.flush()
    database.session.add_all([
        RubricScore(submission_id=submission.id, criterion_id=content.id,
                    level_id=content.levels[1].id),
        RubricScore(submission_id=submission.id, criterion_id=form.id, level_id=form.levels[0].id)])
    login(client, s.coordinator)

    response = submit(client, rubric_url(s), {
        **block(0, "Content", [("Weak", 0), ("Good", 2)], id=content.id,
                level_ids=[lv.id for lv in content.levels], delete=True),
        **block(1, "Form", [("Clear", 1)], id=form.id, level_ids=[form.levels[0].id])})

    assert response.status_code == 302
    database.session.expire_all()
    remaining = database.session.scalars(database.select(RubricScore.criterion_id).where(
        RubricScore.submission_id == submission.id)).all()
    assert remaining == [form.id]


def test_incomplete_criteria_are_refused_and_nothing_changes(client, database):
    s = setting()
    login(client, s.coordinator)

    no_levels = submit(client, rubric_url(s), block(0, "Content", []))
    no_title = submit(client, rubric_url(s), block(0, "", [("Weak", 1)]))
    no_points = submit(client, rubric_url(s), block(0, "Content", [("Weak", "")]))
    bad_points = submit(client, rubric_url(s), block(0, "Content", [("Weak", "lots")]))

    assert no_levels.status_code == 422
    assert "Criterion 1: give it at least one level." in page_text(no_levels)
    assert no_title.status_code == 422
    assert "Criterion 1: give it a title." in page_text(no_title)
    assert no_points.status_code == 422
    assert "Criterion 1: give every level its points." in page_text(no_points)
    assert bad_points.status_code == 422
    assert rubric(database, s) == []


def test_ids_of_another_assessments_rubric_are_refused(client, database):
    s = setting()
    other = make_assessment(s.assignment.course, AssessmentKind.ASSIGNMENT)
    (foreign,) = add_rubric(other, [("Theirs", [("Level", 1)])])
    login(client, s.coordinator)

    response = submit(client, rubric_url(s), block(0, "Mine", [("Level", 1)], id=foreign.id,
                                                   level_ids=[foreign.levels[0].id]))

    assert response.status_code == 422
    database.session.expire_all()
    assert database.session.get(RubricCriterion, foreign.id).title == "Theirs"
    assert rubric(database, s) == []


def test_only_the_programs_coordinators_edit_the_rubric(app, database):
    s = setting()
    for user in (s.instructor, s.trainee, s.other_instructor):
        browser = new_browser(app)
        login(browser, user)
        assert browser.get(rubric_url(s)).status_code == 403, user
        assert submit(browser, rubric_url(s), block(0, "Content", [("Weak", 1)]),
                      form_url="/dashboard").status_code == 403, user
    assert rubric(database, s) == []
    assert new_browser(app).get(rubric_url(s)).status_code == 302  # anonymous: log in


def test_a_quiz_has_no_rubric_page(client, database):
    s = setting()
    quiz = make_assessment(s.assignment.course, AssessmentKind.QUIZ)
    login(client, s.coordinator)

    assert client.get(f"/manage/assessments/{quiz.id}/rubric").status_code == 404


def test_an_id_that_is_not_a_plain_number_is_no_id(client, database):
    s = setting()
    login(client, s.coordinator)
    data = block(0, "Mine", [("Level", 1)])
    data["criteria-0-id"] = data["criteria-0-levels-0-id"] = "²"  # str.isdigit() says yes

    response = submit(client, rubric_url(s), data)

    assert response.status_code == 302  # a new criterion, as for any id that is not one
    assert rubric(database, s) == [("Mine", [("Level", Decimal(1))])]
