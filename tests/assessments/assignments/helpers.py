"""Helpers for the assignment tests: a cohort with people in every role, fast sign-in, uploads."""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from lms.accounts.models import User
from lms.assessments.assignments.models import RubricCriterion, RubricLevel, Submission
from lms.assessments.models import Assessment, AssessmentKind
from lms.cohorts.models import Cohort, Enrolment
from lms.extensions import db
from lms.kernel import clock
from tests.assessments.factories import make_assessment
from tests.conftest import csrf_token
from tests.factories import (
    enrol,
    make_cohort,
    make_coordinator,
    make_course,
    make_program,
    make_user,
)

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def odt_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def now() -> datetime:
    return clock.now()


@dataclass
class Setting:
    """One course with an assignment, a cohort, its people, and a second cohort."""

    coordinator: User
    instructor: User
    trainee: User
    classmate: User
    cohort: Cohort
    enrolment: Enrolment
    assignment: Assessment
    other_cohort: Cohort
    other_instructor: User
    other_trainee: User

    @property
    def page_url(self) -> str:
        return f"/cohorts/{self.cohort.id}/assignments/{self.assignment.id}"

    @property
    def submit_url(self) -> str:
        return f"{self.page_url}/submit"


def setting(*, accepts_text: bool = True, accepts_file: bool = True,
            due_at: datetime | None = None, **fields) -> Setting:
    program = make_program()
    coordinator = make_coordinator(program)
    course = make_course(program)
    instructor, other_instructor = make_user(), make_user()
    cohort = make_cohort(course, instructors=[instructor])
    other_cohort = make_cohort(course, instructors=[other_instructor])
    trainee, classmate, other_trainee = make_user(), make_user(), make_user()
    enrolment = enrol(cohort, trainee)
    enrol(cohort, classmate)
    enrol(other_cohort, other_trainee)
    assignment = make_assessment(
        course, AssessmentKind.ASSIGNMENT, title="Case study", accepts_text=accepts_text,
        accepts_file=accepts_file, instructions="Describe **one** prevention programme.",
        due_at=due_at if due_at is not None else now() + timedelta(days=7), **fields)
    return Setting(coordinator, instructor, trainee, classmate, cohort, enrolment, assignment,
                   other_cohort, other_instructor, other_trainee)


def add_rubric(assessment: Assessment,
               criteria: list[tuple[str, list[tuple[str, int]]]]) -> list[RubricCriterion]:
    for position, (title, levels) in enumerate(criteria, start=1):
        criterion = RubricCriterion(title=title, position=position)
        for level_position, (level_title, points) in enumerate(levels, start=1):
            criterion.levels.append(RubricLevel(title=level_title, position=level_position,
                                                points=Decimal(points)))
        assessment.criteria.append(criterion)
    db.session.flush()
    return list(assessment.criteria)


def send(client, s: Setting, *, text: str = "", file: tuple[bytes, str] | None = None,
         url: str | None = None):
    """Submit as a browser would: multipart form with the page's CSRF token."""
    form: dict = {"csrf_token": csrf_token(client, s.page_url), "text": text}
    if file is not None:
        data, name = file
        form["file"] = (io.BytesIO(data), name)
    return client.post(url or s.submit_url, data=form, content_type="multipart/form-data")


def submission_of(s: Setting, enrolment: Enrolment | None = None) -> Submission | None:
    db.session.expire_all()
    return db.session.scalar(db.select(Submission).where(
        Submission.assessment_id == s.assignment.id,
        Submission.enrolment_id == (enrolment or s.enrolment).id))


def upload_files(app) -> set[str]:
    folder = os.path.join(app.instance_path, "uploads")
    return set(os.listdir(folder)) if os.path.isdir(folder) else set()

