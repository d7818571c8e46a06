"""Submitting an assignment: text, files (type and size checks), late flag, download rights."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from lms.assessments.assignments.models import Submission
from lms.assessments.models import AssessmentWindow
from tests.assessments.assignments.helpers import (
    EXE,
    JPEG,
    PDF,
    PNG,
    docx_bytes,
    now,
    odt_bytes,
    send,
    setting,
    submission_of,
    upload_files,
)
from tests.conftest import new_browser, page_text
from tests.conftest import sign_in_quickly as login


def count_submissions(database) -> int:
    return database.session.scalar(database.select(database.func.count()).select_from(Submission))


def test_a_trainee_submits_text_and_sees_it(client, database):
    s = setting()
    login(client, s.trainee)

    page = page_text(client.get(s.page_url))
    assert "Case study" in page and "prevention programme" in page
    assert "You have not submitted this assignment yet." in page

    response = send(client, s, text="My answer about prevention.")
    assert response.status_code == 302

    submission = submission_of(s)
    assert submission.text == "My answer about prevention."
    assert submission.version == 1 and not submission.late and submission.stored_name is None
    page = page_text(client.get(s.page_url))
    assert "My answer about prevention." in page and "Submitted" in page
    assert "Submit your work" not in page  # no second submission until returned


def test_nothing_sent_is_refused(client, database):
    s = setting()
    login(client, s.trainee)

    response = send(client, s, text="   ")

    assert response.status_code == 422
    assert "Write your answer or choose a file." in page_text(response)
    assert submission_of(s) is None


def test_a_second_submission_is_refused_until_returned(client, database):
    s = setting()
    login(client, s.trainee)
    assert send(client, s, text="First").status_code == 302

    response = send(client, s, text="Second", url=s.submit_url)

    assert response.status_code == 422
    assert "already submitted" in page_text(response)
    assert submission_of(s).text == "First"


def test_a_pdf_is_stored_under_a_random_name_and_downloaded_by_those_allowed(
        app, client, database):
    s = setting()
    login(client, s.trainee)
    before = upload_files(app)

    response = send(client, s, text="", file=(PDF, "Evaluación final.pdf"))

    assert response.status_code == 302
    submission = submission_of(s)
    new = upload_files(app) - before
    assert new == {submission.stored_name}
    assert re.fullmatch(r"[0-9a-f]{32}", submission.stored_name)  # no extension, hex only
    assert submission.file_name == "Evaluación final.pdf"  # accents kept for display
    assert submission.content_type == "application/pdf" and submission.file_size == len(PDF)

    url = f"/cohorts/{s.cohort.id}/submissions/{submission.id}/file"
    assert "Evaluación final.pdf" in page_text(client.get(s.page_url))
    for user in (s.trainee, s.instructor, s.coordinator):
        other = new_browser(app)
        login(other, user)
        download = other.get(url)
        assert download.status_code == 200, user
        assert download.data == PDF
        assert download.mimetype == "application/pdf"
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        disposition = download.headers["Content-Disposition"]
        assert disposition.startswith("attachment")
        assert "filename*=UTF-8''Evaluaci%C3%B3n%20final.pdf" in disposition
    for user in (s.classmate, s.other_instructor, s.other_trainee):
        other = new_browser(app)
        login(other, user)
        assert other.get(url).status_code == 403, user
    # Through another cohort's address the submission does not exist.
    other = new_browser(app)
    login(other, s.other_instructor)
    assert other.get(f"/cohorts/{s.other_cohort.id}/submissions/{submission.id}/file"
                     ).status_code == 404
    assert new_browser(app).get(url).status_code == 302  # anonymous: to the login page


@pytest.mark.parametrize(("content", "name"), [
    (docx_bytes(), "report.docx"), (odt_bytes(), "report.odt"), (PNG, "photo.png"),
    (JPEG, "photo.jpg"), ("Texte accentué".encode(), "notes.txt"),
])
def test_every_accepted_kind_is_stored(client, database, content, name):
    s = setting()
    login(client, s.trainee)

    assert send(client, s, file=(content, name)).status_code == 302
    assert submission_of(s).file_name == name


@pytest.mark.parametrize(("content", "name", "message"), [
    (EXE, "setup.exe", "This kind of file is not accepted."),
    (EXE, "report.pdf", "The content of this file is not a PDF file"),
    (PDF, "report.docx", "The content of this file is not a DOCX file"),
    (PDF, "photo.png", "The content of this file is not a PNG file"),
    (b"PK\x03\x04not really a zip", "report.odt", "not a ODT file"),
    (docx_bytes(), "report.odt", "not a ODT file"),
    (b"\xff\xfe\x00bad utf-8", "notes.txt", "not a TXT file"),
    (PDF, "no-extension", "This kind of file is not accepted."),
    (b"", "empty.pdf", "The file is empty."),
])
def test_a_file_of_the_wrong_kind_is_refused_and_nothing_is_stored(
        app, client, database, content, name, message):
    s = setting()
    login(client, s.trainee)
    before_files, before_rows = upload_files(app), count_submissions(database)

    response = send(client, s, text="With a file", file=(content, name))

    assert response.status_code == 422
    assert message in page_text(response)
    assert count_submissions(database) == before_rows
    assert upload_files(app) == before_files


def test_a_too_large_request_gets_a_friendly_message(app, client, database):
    s = setting()
    login(client, s.trainee)
    before = upload_files(app)
    # Larger than the whole request may be: refused before the file is even read.
    big = PDF + b"0" * app.config["MAX_CONTENT_LENGTH"]

    response = send(client, s, file=(big, "big.pdf"))

    assert response.status_code == 413
    text = page_text(response)
    assert "The file is too large. The largest file accepted is 2 MB." in text
    assert "Case study" in text  # the assignment page, not a bare error
    assert submission_of(s) is None and upload_files(app) == before


def test_a_too_large_file_is_refused_by_the_size_check(app, client, database, monkeypatch):
    # With a larger request limit (e.g. a proxy's), the file's own limit still holds.
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 10 * 1024 * 1024)
    s = setting()
    login(client, s.trainee)
    before = upload_files(app)
    big = PDF + b"0" * app.config["LMS_MAX_UPLOAD_BYTES"]

    response = send(client, s, file=(big, "big.pdf"))

    assert response.status_code == 422
    assert "The file is too large." in page_text(response)
    assert submission_of(s) is None and upload_files(app) == before


def test_a_file_is_ignored_when_the_assignment_takes_text_only(app, client, database):
    s = setting(accepts_file=False)
    login(client, s.trainee)
    before = upload_files(app)

    response = send(client, s, text="Only text", file=(PDF, "report.pdf"))

    assert response.status_code == 302
    assert submission_of(s).stored_name is None and upload_files(app) == before


def test_work_submitted_after_the_due_date_is_flagged_late(client, database):
    s = setting(due_at=now() - timedelta(hours=1))
    login(client, s.trainee)

    response = send(client, s, text="Sorry, late")

    assert response.status_code == 302
    assert submission_of(s).late is True
    assert "Late" in page_text(client.get(s.page_url))


def test_the_cohort_window_decides_the_due_date(client, database):
    s = setting(due_at=now() - timedelta(days=1))
    database.session.add(AssessmentWindow(assessment_id=s.assignment.id, cohort_id=s.cohort.id,
                                          due_at=now() + timedelta(days=3)))
    login(client, s.trainee)

    assert send(client, s, text="On time for my cohort").status_code == 302
    assert submission_of(s).late is False


def test_an_assignment_that_has_not_opened_refuses_submissions(client, database):
    s = setting(opens_at=now() + timedelta(days=1))
    login(client, s.trainee)

    response = send(client, s, text="Too early")

    assert response.status_code == 422
    assert "not open yet" in page_text(response)
    assert submission_of(s) is None


def test_a_trainee_cannot_submit_to_a_cohort_they_are_not_in(client, database):
    s = setting()
    login(client, s.other_trainee)

    assert client.get(s.page_url).status_code == 403
    response = send(client, s, text="Not my cohort")
    assert response.status_code == 403
    assert count_submissions(database) == 0


def test_an_assignment_of_another_course_is_not_found(client, database):
    s = setting()
    other = setting()
    login(client, s.trainee)

    assert client.get(f"/cohorts/{s.cohort.id}/assignments/{other.assignment.id}"
                      ).status_code == 404


def test_instructors_see_the_page_with_links_to_grade(app, client, database):
    s = setting()
    login(client, s.trainee)
    send(client, s, text="Done")
    submission = submission_of(s)

    teacher = new_browser(app)
    login(teacher, s.instructor)
    response = teacher.get(s.page_url)

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f"/cohorts/{s.cohort.id}/submissions/{submission.id}/grade" in html
    assert s.trainee.full_name in page_text(response)
    assert "Submit your work" not in page_text(response)
    other = new_browser(app)
    login(other, s.other_instructor)
    assert other.get(s.page_url).status_code == 403


def test_the_submission_list_uses_the_same_queries_for_one_or_many(app, client, database,
                                                                   count_queries):
    from tests.factories import enrol

    s = setting()
    teacher = new_browser(app)
    login(teacher, s.instructor)
    counts = []
    for extra in (1, 4):
        for _ in range(extra):
            enrolment = enrol(s.cohort)
            database.session.add(Submission(assessment_id=s.assignment.id,
                                            enrolment_id=enrolment.id, text="x"))
        login(teacher, s.instructor)
        teacher.get(s.page_url)
        with count_queries() as counter:
            assert teacher.get(s.page_url).status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]


def test_a_file_written_before_a_refusal_is_removed_with_the_rollback(app, client, database,
                                                                      monkeypatch):
    from lms.assessments.assignments import services as assignment_services
    from lms.errors import DomainError

    def refuse(*_args, **_kwargs):
        raise DomainError("refused after the file was written")

    monkeypatch.setattr(assignment_services, "record", refuse)
    s = setting()
    login(client, s.trainee)
    before = upload_files(app)

    response = send(client, s, file=(PDF, "report.pdf"))

    assert response.status_code == 422
    assert submission_of(s) is None and upload_files(app) == before
