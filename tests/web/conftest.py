"""A small world with one user of every role, shared by the cross-domain web tests."""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass

import pytest

from lms.assessments.assignments import uploads
from lms.assessments.assignments.models import Submission
from lms.assessments.attendance.models import AttendanceSession
from lms.assessments.models import AssessmentKind
from lms.assessments.observations.models import ObservationItem
from lms.assessments.quizzes.models import Attempt, AttemptStatus
from lms.extensions import db
from lms.kernel import clock
from tests.assessments.factories import add_to_quiz, make_assessment, make_question
from tests.certification.factories import issue_certificate
from tests.certification.tracks.factories import log_hours, make_track
from tests.competencies.factories import make_framework, sign_off
from tests.factories import (
    enrol,
    make_cohort,
    make_coordinator,
    make_course,
    make_institution,
    make_officer,
    make_program,
    make_user,
)

_HOSTILE = "tests.web.test_hostile_input"


# The hostile-input counts, printed after the run; under pytest-xdist (make test) each
# worker hands over its own and the controller adds them up.
def pytest_sessionfinish(session) -> None:
    handed = getattr(session.config, "workeroutput", None)
    hostile = sys.modules.get(_HOSTILE)
    if handed is not None and hostile is not None:
        handed["hostile_requests"] = dict(hostile.REQUESTS_TRIED)
        handed["hostile_targets"] = {key: dict(found) for key, found in hostile.TARGETS.items()}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    handed = getattr(node, "workeroutput", {})
    if "hostile_requests" not in handed:
        return
    from tests.web import test_hostile_input as hostile

    hostile.REQUESTS_TRIED.update(handed["hostile_requests"])
    for backend, found in handed["hostile_targets"].items():
        hostile.TARGETS.setdefault(backend, Counter()).update(found)


def pytest_terminal_summary(terminalreporter) -> None:
    hostile = sys.modules.get(_HOSTILE)
    line = hostile.summary() if hostile is not None else None
    if line:
        terminalreporter.section("hostile input")
        terminalreporter.write_line(line)


ROLES = ["anonymous", "trainee", "other_trainee", "instructor", "other_instructor",
         "coordinator", "other_coordinator", "officer", "other_officer", "admin"]


@dataclass
class World:
    ids: dict[str, object]
    users: dict[str, object]


@pytest.fixture
def world(database) -> World:
    program = make_program(code="PRM")
    other_program = make_program(code="OTH")
    course = make_course(program, code="PRM-101", lessons=2)
    module = course.modules[0]
    lesson = module.lessons[0]
    instructor = make_user(email="instructor@example.org")
    other_instructor = make_user(email="other.instructor@example.org")
    cohort_a = make_cohort(course, code="PRM-101-A", instructors=[instructor])
    cohort_b = make_cohort(course, code="PRM-101-B", instructors=[other_instructor])
    trainee = make_user(email="trainee@example.org")
    other_trainee = make_user(email="other.trainee@example.org")
    enrolment = enrol(cohort_a, trainee)
    enrol(cohort_b, other_trainee)
    users = {
        "trainee": trainee,
        "other_trainee": other_trainee,
        "instructor": instructor,
        "other_instructor": other_instructor,
        "coordinator": make_coordinator(program, email="coordinator@example.org"),
        "other_coordinator": make_coordinator(other_program, email="other.coord@example.org"),
        "admin": make_user(email="admin@example.org", admin=True),
    }
    ids = {"program": program.id, "course": course.id, "code": course.code,
           "module": module.id, "lesson": lesson.id, "cohort": cohort_a.id,
           "enrolment": enrolment.id}
    ids.update(_assessments(course, cohort_a, enrolment))
    ids.update(_certification(program, course, users))
    return World(ids, users)


def _certification(program, course, users) -> dict[str, object]:
    """A framework, a track certified by the officer's body, the trainee's pending
    hours (supervised by cohort A's instructor) and the trainee's certificate."""
    body = make_institution("Comisión Nacional de Certificación", kind="certifying_body")
    other_body = make_institution("Conselho Federal de Certificação", kind="certifying_body",
                                  country="BR")
    users["officer"] = make_officer(body, email="officer@example.org")
    users["other_officer"] = make_officer(other_body, email="other.officer@example.org")
    framework = make_framework(program, code="PRM-FW")
    competency = framework.competencies[0]
    track = make_track(program, body, courses=[course], competencies=[competency],
                       code="PRM-TRACK")
    trainee = users["trainee"]
    log = log_hours(trainee, track, 4, approved=False, supervisor=users["instructor"])
    signoff = sign_off(trainee, competency, users["instructor"])
    certificate = issue_certificate(trainee, track=track, actor=users["officer"])
    return {"framework": framework.id, "competency": competency.id, "track": track.id,
            "log": log.id, "certificate": certificate.code, "signoff": signoff.id,
            "body": body.id, "achievement": f"track-{track.id}", "institution": body.id,
            "user": trainee.id}


def _assessments(course, cohort, enrolment) -> dict[str, int]:
    """One assessment of each kind on the course, with work by cohort A's trainee."""
    quiz = make_assessment(course, AssessmentKind.QUIZ, attempts_allowed=None)
    question = make_question(course)
    add_to_quiz(quiz, question)
    done = Attempt(assessment=quiz, enrolment=enrolment, number=1,
                   status=AttemptStatus.SUBMITTED, submitted_at=clock.now(),
                   question_order=[question.id], score=1, max_score=1, percent=100)
    attempt = Attempt(assessment=quiz, enrolment=enrolment, number=2,
                      question_order=[question.id])
    assignment = make_assessment(course, AssessmentKind.ASSIGNMENT, accepts_file=True)
    stored = uploads.store(uploads.check_upload("essay.pdf", b"%PDF-1.4 essay", 10_000))
    submission = Submission(assessment=assignment, enrolment=enrolment, text="My essay",
                            file_name="essay.pdf", stored_name=stored, file_size=14,
                            content_type="application/pdf")
    observation = make_assessment(course, AssessmentKind.OBSERVATION)
    observation.observation_items.append(ObservationItem(position=1, text="Builds rapport"))
    make_assessment(course, AssessmentKind.ATTENDANCE)
    session = AttendanceSession(cohort=cohort, starts_at=clock.now(), title="Day 1")
    db.session.add_all([done, attempt, submission, session])
    db.session.flush()
    return {"quiz": quiz.id, "question": question.id, "attempt": attempt.id, "done": done.id,
            "assignment": assignment.id, "submission": submission.id,
            "observation": observation.id, "session": session.id}


