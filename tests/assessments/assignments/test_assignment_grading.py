"""Grading submissions with a rubric or a percent, regrading with a reason, returning."""

from __future__ import annotations

from decimal import Decimal

from lms.assessments.assignments.models import RubricScore, SubmissionStatus
from lms.assessments.models import Grade, GradeSource
from lms.audit.models import AuditLog
from tests.assessments.assignments.helpers import (
    PDF,
    add_rubric,
    send,
    setting,
    submission_of,
    upload_files,
)
from tests.conftest import new_browser, page_text, submit
from tests.conftest import sign_in_quickly as login


def grade_of(database, s) -> Grade | None:
    database.session.expire_all()
    return database.session.scalar(database.select(Grade).where(
        Grade.assessment_id == s.assignment.id, Grade.enrolment_id == s.enrolment.id))


def grade_log(database, grade: Grade) -> list[AuditLog]:
    return list(database.session.scalars(database.select(AuditLog).where(
        AuditLog.action == "grade.set", AuditLog.object_id == grade.id,
        AuditLog.object_type == "grades").order_by(AuditLog.id)))


def submitted(app, database, **options):
    """A setting whose trainee submitted a PDF; returns (setting, submission, grader browser)."""
    s = setting(**options)
    trainee = new_browser(app)
    login(trainee, s.trainee)
    assert send(trainee, s, text="My work", file=(PDF, "work.pdf")).status_code == 302
    grader = new_browser(app)
    login(grader, s.instructor)
    return s, submission_of(s), grader, trainee


def grade_url(s, submission) -> str:
    return f"/cohorts/{s.cohort.id}/submissions/{submission.id}/grade"


def test_rubric_grading_computes_the_percent_and_writes_the_grade(app, database):
    s, submission, grader, trainee = submitted(app, database)
    content, form = add_rubric(s.assignment, [
        ("Content", [("Weak", 0), ("Good", 2), ("Excellent", 4)]),
        ("Form", [("Poor", 1), ("Clear", 6)]),
    ])
    login(grader, s.instructor)

    page = grader.get(grade_url(s, submission))
    assert page.status_code == 200
    text = page_text(page)
    assert "Excellent (4 points)" in text and "Clear (6 points)" in text
    assert "work.pdf" in text and "My work" in text

    good = content.levels[1]
    poor = form.levels[0]
    response = submit(grader, grade_url(s, submission), {
        f"criterion-{content.id}": good.id, f"criterion-{form.id}": poor.id,
        "feedback": "Solid content, work on the form."})

    assert response.status_code == 302
    grade = grade_of(database, s)
    assert grade.percent == Decimal("30.00")  # (2 + 1) / (4 + 6)
    assert grade.passed is False and grade.source == GradeSource.GRADER
    assert grade.grader_id == s.instructor.id
    assert grade.feedback == "Solid content, work on the form."
    scores = {row.criterion_id: row.level_id for row in database.session.scalars(
        database.select(RubricScore).where(RubricScore.submission_id == submission.id))}
    assert scores == {content.id: good.id, form.id: poor.id}
    assert submission_of(s).status == SubmissionStatus.GRADED

    text = page_text(trainee.get(s.page_url))
    assert "30% Not passed" in text and "Solid content, work on the form." in text
    assert "Good" in text and "2 of 4" in text and "1 of 6" in text


def test_every_criterion_needs_a_level(app, database):
    s, submission, grader, _trainee = submitted(app, database)
    content, form = add_rubric(s.assignment, [("Content", [("Weak", 0), ("Good", 2)]),
                                              ("Form", [("Poor", 1), ("Clear", 6)])])
    login(grader, s.instructor)

    response = submit(grader, grade_url(s, submission),
                      {f"criterion-{content.id}": content.levels[0].id})

    assert response.status_code == 422
    assert "Choose a level for every criterion (missing: Form)." in page_text(response)
    assert grade_of(database, s) is None


def test_a_level_of_another_criterion_is_refused(app, database):
    s, submission, grader, _trainee = submitted(app, database)
    content, form = add_rubric(s.assignment, [("Content", [("Weak", 0), ("Good", 2)]),
                                              ("Form", [("Poor", 1), ("Clear", 6)])])
    login(grader, s.instructor)

    response = submit(grader, grade_url(s, submission), {
        f"criterion-{content.id}": form.levels[1].id, f"criterion-{form.id}": form.levels[1].id})

    assert response.status_code == 422
    assert grade_of(database, s) is None


def test_without_a_rubric_the_grader_enters_a_percent(app, database):
    s, submission, grader, _trainee = submitted(app, database)

    refused = submit(grader, grade_url(s, submission), {"percent": "120"})
    assert refused.status_code == 422
    assert grade_of(database, s) is None

    response = submit(grader, grade_url(s, submission), {"percent": "85.5", "feedback": "Good"})
    assert response.status_code == 302
    grade = grade_of(database, s)
    assert grade.percent == Decimal("85.50") and grade.passed is True


def test_regrading_needs_a_reason_and_both_changes_are_audited(app, database):
    s, submission, grader, trainee = submitted(app, database)
    url = grade_url(s, submission)
    assert submit(grader, url, {"percent": "60", "feedback": "First"}).status_code == 302

    refused = submit(grader, url, {"percent": "75", "feedback": "Second"})
    assert refused.status_code == 422
    assert "Give a reason for changing this grade." in page_text(refused)
    assert grade_of(database, s).percent == Decimal("60.00")

    accepted = submit(grader, url, {"percent": "75", "feedback": "Second",
                                    "reason": "Missed the annex on first reading"})
    assert accepted.status_code == 302
    grade = grade_of(database, s)
    assert grade.percent == Decimal("75.00")
    assert grade.override_reason == "Missed the annex on first reading"

    log = grade_log(database, grade)
    assert len(log) == 2  # the refused change left nothing
    assert log[0].before is None and log[0].after["percent"] == "60.00"
    assert log[1].before["percent"] == "60.00" and log[1].after["percent"] == "75.00"
    assert log[1].after["override_reason"] == "Missed the annex on first reading"
    assert log[1].actor_id == s.instructor.id


def test_a_coordinator_grades_and_others_may_not(app, database):
    s, submission, _grader, trainee = submitted(app, database)
    url = grade_url(s, submission)
    for user in (s.trainee, s.classmate, s.other_instructor, s.other_trainee):
        other = new_browser(app)
        login(other, user)
        assert other.get(url).status_code == 403, user
        # A valid token (the session's, read from the dashboard) but no right.
        refused = submit(other, url, {"percent": "100"}, form_url="/dashboard")
        assert refused.status_code == 403, user
    assert grade_of(database, s) is None
    coordinator = new_browser(app)
    login(coordinator, s.coordinator)
    assert submit(coordinator, url, {"percent": "90"}).status_code == 302
    assert grade_of(database, s).grader_id == s.coordinator.id


def test_return_then_resubmit_makes_version_two(app, database):
    s, submission, grader, trainee = submitted(app, database)
    first_file = submission.stored_name
    return_url = f"/cohorts/{s.cohort.id}/submissions/{submission.id}/return"

    empty = submit(grader, return_url, {"message": ""}, form_url=grade_url(s, submission))
    assert empty.status_code == 422
    assert submission_of(s).status == SubmissionStatus.SUBMITTED

    response = submit(grader, return_url, {"message": "Add your references."},
                      form_url=grade_url(s, submission))
    assert response.status_code == 302
    assert submission_of(s).status == SubmissionStatus.RETURNED
    returned = database.session.scalar(database.select(AuditLog).where(
        AuditLog.action == "submission.return", AuditLog.object_id == submission.id))
    assert returned.actor_id == s.instructor.id
    assert returned.after["return_message"] == "Add your references."

    page = page_text(trainee.get(s.page_url))
    assert "Returned for resubmission" in page and "Add your references." in page
    assert "Submit again" in page

    resubmitted = send(trainee, s, text="My work, with references",
                       file=(PDF + b"% v2\n", "work v2.pdf"))
    assert resubmitted.status_code == 302
    submission = submission_of(s)
    assert submission.version == 2 and submission.status == SubmissionStatus.SUBMITTED
    assert submission.file_name == "work v2.pdf"
    assert submission.stored_name != first_file
    # The replaced file is removed once the new row is committed.
    files = upload_files(app)
    assert submission.stored_name in files and first_file not in files

    again = send(trainee, s, text="A third time")
    assert again.status_code == 422
    assert submission_of(s).version == 2


def test_a_graded_submission_returned_and_regraded_needs_a_reason(app, database):
    s, submission, grader, trainee = submitted(app, database)
    assert submit(grader, grade_url(s, submission), {"percent": "50"}).status_code == 302
    submit(grader, f"/cohorts/{s.cohort.id}/submissions/{submission.id}/return",
           {"message": "Try again"}, form_url=grade_url(s, submission))
    assert send(trainee, s, text="Better").status_code == 302

    assert submit(grader, grade_url(s, submission), {"percent": "80"}).status_code == 422
    assert submit(grader, grade_url(s, submission),
                  {"percent": "80", "reason": "Resubmission"}).status_code == 302
    assert grade_of(database, s).percent == Decimal("80.00")
    assert submission_of(s).version == 2 and submission_of(s).status == SubmissionStatus.GRADED


def test_a_trainee_never_sees_another_trainees_work(app, database):
    s, submission, _grader, _trainee = submitted(app, database)
    classmate = new_browser(app)
    login(classmate, s.classmate)

    page = page_text(classmate.get(s.page_url))

    assert "My work" not in page and "work.pdf" not in page
    assert "You have not submitted this assignment yet." in page


def test_a_level_that_is_not_a_plain_number_is_refused_not_a_500(app, database):
    s, submission, grader, _trainee = submitted(app, database)
    content, form = add_rubric(s.assignment, [("Content", [("Weak", 0), ("Good", 2)]),
                                              ("Form", [("Poor", 1), ("Clear", 6)])])
    login(grader, s.instructor)

    response = submit(grader, grade_url(s, submission), {  # "²" passes str.isdigit()
        f"criterion-{content.id}": "²", f"criterion-{form.id}": form.levels[1].id})

    assert response.status_code == 422
    assert grade_of(database, s) is None
