"""The home page: each role sees what waits for it, with counts and links; a visitor
sees the public welcome; the page costs the same queries with 1 item or 20."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from lms.accounts.models import BodyOfficer, ProgramCoordinator
from lms.assessments.assignments.models import Submission, SubmissionStatus
from lms.assessments.attendance.models import AttendanceRecord, AttendanceSession
from lms.assessments.models import AssessmentKind, AssessmentWindow, Grade
from lms.assessments.quizzes.models import Attempt, AttemptStatus
from lms.certification.tracks import progress
from lms.cohorts.models import EnrolmentStatus
from lms.extensions import db
from lms.home import queries
from lms.kernel import clock
from tests.assessments.factories import make_assessment
from tests.certification.factories import (
    eligible_track,
    issue_certificate,
    make_body,
    make_eligible,
    make_program_with_prefix,
)
from tests.certification.tracks.factories import complete_course, log_hours, make_track
from tests.competencies.factories import make_framework, sign_off
from tests.conftest import page_text
from tests.conftest import sign_in_quickly as login
from tests.factories import (
    enrol,
    make_cohort,
    make_coordinator,
    make_course,
    make_institution,
    make_officer,
    make_user,
)

NOON = datetime(2026, 3, 10, 12, 0)


@pytest.fixture
def noon(frozen_clock):
    """Midday UTC: "today" is the same day in every test of this file."""
    frozen_clock.set(NOON)
    return frozen_clock


def home(client) -> tuple[str, str]:
    """(visible text, html) of the home page."""
    response = client.get("/")
    assert response.status_code == 200
    return page_text(response), response.get_data(as_text=True)


def links(html: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', html))


def parts(html: str) -> list[str]:
    """The role parts of the page, in the order shown."""
    return re.findall(r'<h2 id="home-(\w+)"', html)


# ---------------------------------------------------------------- visitors, nobodies

def test_a_visitor_sees_the_public_welcome(client, database):
    text, html = home(client)
    assert "Training and certification for the Americas" in text
    assert {"/courses", "/login"} <= links(html)
    assert "My learning" not in text.split("Sign in", 1)[1]  # no role sections


def test_someone_without_a_role_or_course_is_invited_to_the_catalogue(client, database):
    login(client, make_user())
    text, html = home(client)
    assert "Start learning" in text
    assert "/courses" in links(html)
    for heading in ("Teaching", "Programs you coordinate", "Administration"):
        assert heading not in text


# ---------------------------------------------------------------- trainee

def test_a_trainee_sees_courses_to_continue_due_work_certificates_and_tracks(
        client, database, noon):
    trainee = make_user()
    course = make_course(lessons=2)
    cohort = make_cohort(course, starts=clock.today(clock.UTC) - timedelta(days=3))
    enrolment = enrol(cohort, trainee)
    finished = enrol(make_cohort(make_course(title="Finished course")), trainee,
                     status=EnrolmentStatus.COMPLETED)
    now = clock.now()

    def assessment(title, kind=AssessmentKind.QUIZ, due_in=None, **fields):
        return make_assessment(course, kind, title=title,
                               due_at=now + due_in if due_in is not None else None, **fields)

    assessment("Quiz due in three days", due_in=timedelta(days=3))
    assessment("Quiz due in three weeks", due_in=timedelta(days=21))
    assessment("Quiz due yesterday", due_in=timedelta(days=-1))
    assessment("Unpublished quiz", due_in=timedelta(days=2), published=False)
    taken = assessment("Quiz already taken", due_in=timedelta(days=2))
    handed_in = assessment("Essay handed in", AssessmentKind.ASSIGNMENT, timedelta(days=5))
    returned = assessment("Essay sent back", AssessmentKind.ASSIGNMENT, timedelta(days=4))
    moved = assessment("Essay moved earlier", AssessmentKind.ASSIGNMENT, timedelta(days=30))
    database.session.add_all([
        Attempt(assessment=taken, enrolment=enrolment, number=1,
                status=AttemptStatus.SUBMITTED, submitted_at=now, question_order=[]),
        Submission(assessment=handed_in, enrolment=enrolment, text="Done"),
        Submission(assessment=returned, enrolment=enrolment, text="Try again",
                   status=SubmissionStatus.RETURNED),
        # The cohort's own window brings the due date into the next two weeks.
        AssessmentWindow(assessment_id=moved.id, cohort_id=cohort.id,
                         due_at=now + timedelta(days=2))])
    issue_certificate(trainee)
    issue_certificate(trainee, revoked=True)
    track, _course = eligible_track(program=course.program)
    database.session.flush()
    login(client, trainee)

    text, html = home(client)

    assert "1 course in progress" in text
    assert "0 of 2 lessons" in text
    # Completed: nothing to continue, only the course to evaluate (lms.evaluations).
    assert "Finished course" not in text.split("1 course in progress", 1)[1] and finished
    assert "Evaluate Finished course" in text
    lesson = course.modules[0].lessons[0]
    assert f"/cohorts/{cohort.id}/lessons/{lesson.id}" in links(html)
    assert "3 assessments due in the next 14 days" in text
    due = text.split("due in the next 14 days", 1)[1]
    # Soonest first: the cohort's window (2 days), the quiz (3), the returned essay (4).
    assert due.index("Essay moved earlier") < due.index("Quiz due in three days") \
        < due.index("Essay sent back")
    for absent in ("three weeks", "due yesterday", "Unpublished", "already taken",
                   "handed in"):
        assert absent not in text
    assert f"/cohorts/{cohort.id}/quizzes/" in html
    assert f"/cohorts/{cohort.id}/assignments/{moved.id}" in links(html)
    assert "1 valid certificate" in text
    # The track of the revoked certificate is in progress again, beside the new one.
    assert "2 certification tracks in progress" in text and track
    assert {"/certificates", "/tracks", "/dashboard"} <= links(html)


def test_a_certified_track_is_no_longer_in_progress(client, database, noon):
    trainee = make_user()
    track, course = eligible_track()
    enrol(make_cohort(course), trainee)
    issue_certificate(trainee, track=track)
    login(client, trainee)
    text, _html = home(client)
    assert "0 certification tracks in progress" in text


# ---------------------------------------------------------------- instructor

def test_an_instructor_sees_grading_observations_attendance_and_hours(client, database, noon):
    instructor = make_user()
    course = make_course()
    cohort = make_cohort(course, instructors=[instructor],
                         starts=clock.today(clock.UTC) - timedelta(days=3))
    other = make_cohort(course, starts=clock.today(clock.UTC) - timedelta(days=3))  # not theirs
    first, second = enrol(cohort, make_user()), enrol(cohort, make_user())
    enrol(cohort, make_user(), status=EnrolmentStatus.WITHDRAWN)
    enrol(other, make_user())
    observation = make_assessment(course, AssessmentKind.OBSERVATION, title="Rapport")
    assignment = make_assessment(course, AssessmentKind.ASSIGNMENT)
    now = clock.now()
    today_session = AttendanceSession(cohort=cohort, starts_at=now + timedelta(hours=2),
                                      title="Afternoon session")
    taken = AttendanceSession(cohort=cohort, starts_at=now - timedelta(hours=2),
                              title="Morning session")
    database.session.add_all([
        Grade(assessment_id=observation.id, enrolment_id=first.id, percent=Decimal(100),
              passed=True),
        Submission(assessment=assignment, enrolment=second, text="Essay"),
        today_session, taken,
        AttendanceSession(cohort=cohort, starts_at=now - timedelta(days=1), title="Yesterday"),
        AttendanceSession(cohort=other, starts_at=now, title="Someone else's")])
    database.session.flush()
    database.session.add(AttendanceRecord(session_id=taken.id, enrolment_id=first.id,
                                          status="present"))
    track, _course = eligible_track(program=course.program)
    log_hours(second.user, track, 5, approved=False, supervisor=instructor)
    log_hours(second.user, track, 3, approved=True, supervisor=instructor)
    login(client, instructor)

    text, html = home(client)

    assert "1 submission to grade" in text
    assert "1 observation to record" in text
    assert f"/cohorts/{cohort.id}/observations/{observation.id}" in links(html)
    assert "1 attendance session to take today" in text
    assert "Afternoon session" in text
    assert f"/cohorts/{cohort.id}/attendance/{today_session.id}" in links(html)
    for absent in ("Morning session", "Yesterday", "Someone else's"):
        assert absent not in text
    assert "1 hours log to approve" in text
    assert {"/grading", "/supervision", "/teaching"} <= links(html)


def test_observations_of_cohorts_not_started_wait(client, database, noon):
    instructor = make_user()
    course = make_course()
    cohort = make_cohort(course, instructors=[instructor])  # starts next week
    enrol(cohort, make_user())
    make_assessment(course, AssessmentKind.OBSERVATION)
    login(client, instructor)
    text, _html = home(client)
    assert "0 observations to record" in text


# ---------------------------------------------------------------- coordinator

def test_a_coordinator_sees_running_and_open_cohorts_with_seats(client, database, noon):
    program = make_program_with_prefix()
    coordinator = make_coordinator(program)
    course = make_course(program, title="Prevention basics")
    today = clock.today(clock.UTC)
    running = make_cohort(course, code="RUNNING", capacity=25,
                          starts=today - timedelta(days=10), closes=today - timedelta(days=1))
    upcoming = make_cohort(course, code="UPCOMING")  # starts next week, enrolment open
    make_cohort(course, code="ENDED", starts=today - timedelta(days=90),
                closes=today - timedelta(days=80))
    make_cohort(make_course(), code="OTHER-PROGRAM", starts=today - timedelta(days=1))
    enrol(running, make_user())
    enrol(running, make_user())
    enrol(running, make_user(), status=EnrolmentStatus.WITHDRAWN)
    login(client, coordinator)

    text, html = home(client)

    assert "2 cohorts running or open for enrolment" in text
    assert "RUNNING" in text and "UPCOMING" in text
    assert "ENDED" not in text and "OTHER-PROGRAM" not in text
    assert "2 of 25 seats taken" in text
    assert "0 seats taken" in text
    assert {f"/cohorts/{running.id}/roster", f"/cohorts/{upcoming.id}/roster",
            "/manage/courses", "/manage/tracks", "/manage/import", "/grading",
            "/supervision"} <= links(html)
    assert "observations to record" not in text  # they teach no cohort


# ---------------------------------------------------------------- officer

def test_an_officer_sees_eligible_trainees_recent_and_expiring_certificates(
        client, database, noon):
    body = make_body()
    officer = make_officer(body)
    track, course = eligible_track(body=body, title="Treatment track")
    waiting = [make_eligible(track, course) for _ in range(2)]
    certified = make_eligible(track, course, make_user(full_name="Already Certified"))
    issue_certificate(certified, track=track)
    today = clock.today(clock.UTC)
    soon = issue_certificate(make_user(full_name="Expiring Soon"), track=track,
                             today=today - timedelta(days=400),
                             expires_on=today + timedelta(days=60))
    issue_certificate(make_user(full_name="Expiring Later"), track=track,
                      today=today - timedelta(days=400),
                      expires_on=today + timedelta(days=120))
    other_track, _course = eligible_track()  # another body's
    issue_certificate(make_user(full_name="Other Body Holder"), track=other_track)
    login(client, officer)

    text, html = home(client)

    assert len(progress.eligible(track, today)) == 2 == len(waiting)
    assert "2 eligible trainees waiting for a certificate" in text
    assert f"/certify/tracks/{track.id}" in links(html)
    assert "1 certificate expiring in the next 90 days" in text
    assert "Expiring Soon" in text and "Expiring Later" not in text.split("issued in")[0]
    assert f"/certify/certificates/{soon.code}" in links(html)
    assert "1 certificate issued in the last 30 days" in text
    assert "Already Certified" in text
    assert "Other Body Holder" not in text
    assert {"/certify", "/certify/certificates"} <= links(html)


def test_eligible_counts_agree_with_the_track_pages(database, noon):
    """The home page counts many tracks at once; the certify pages one at a time."""
    body = make_body()
    program = make_program_with_prefix()
    framework = make_framework(program)
    competency = framework.competencies[0]
    course, extra = make_course(program, hours=10), make_course(program, hours=15)
    tracks = [
        make_track(program, body, courses=[course]),
        make_track(program, body, courses=[course], min_hours=20),
        make_track(program, body, courses=[course], competencies=[competency]),
        make_track(program, body, courses=[course], practice_hours=10),
        make_track(program, body),
    ]
    assessor = make_user()
    for index in range(6):
        user = make_user()
        complete_course(user, course)
        if index % 2:
            complete_course(user, extra)
        if index % 3 == 0:
            sign_off(user, competency, assessor)
        log_hours(user, tracks[3], 4 + index * 2, approved=index != 5)
    issue_certificate(user, track=tracks[0])
    today = clock.today(clock.UTC)
    assert progress.eligible_counts(tracks, today) == {
        track.id: len(progress.eligible(track, today)) for track in tracks}
    assert sorted(progress.eligible_counts(tracks, today).values()) != [0] * 5


# ---------------------------------------------------------------- administrator

def test_an_administrator_sees_accounts_institutions_and_bodies(client, app, database, noon):
    admin = make_user(admin=True)
    before = queries.admin_home(admin)
    make_user(active=False)
    make_institution()
    make_body()
    login(client, admin)

    text, html = home(client)

    assert f"{before.accounts + 1} accounts" in text
    assert f"{before.active_accounts} active" in text
    assert f"{before.institutions + 2} institutions" in text
    assert f"{before.bodies + 1} certifying bod" in text
    assert {"/admin/sessions", "/manage/programs"} <= links(html)
    with app.test_request_context():
        from flask import url_for

        if "admin.index" in app.view_functions:
            assert url_for("admin.index") in links(html)
    # An administrator who teaches, coordinates and certifies nothing sees no such part.
    for heading in ("Teaching", "Programs you coordinate", "My learning"):
        assert heading not in text.split("Administration", 1)[1]


# ---------------------------------------------------------------- several roles

def everything(count: int):
    """A user holding every role, with ``count`` items of each kind waiting."""
    user = make_user(admin=True)
    program = make_program_with_prefix()
    db.session.add(ProgramCoordinator(program_id=program.id, user_id=user.id))
    body = make_body()
    db.session.add(BodyOfficer(institution_id=body.id, user_id=user.id))
    now = clock.now()
    for index in range(count):
        course = make_course(program, hours=10)
        taught = make_cohort(course, instructors=[user], capacity=30,
                             starts=clock.today(clock.UTC) - timedelta(days=2))
        learning = make_cohort(course)
        enrol(learning, user)
        trainee = make_user()
        enrolment = enrol(taught, trainee)
        quiz = make_assessment(course, AssessmentKind.QUIZ, due_at=now + timedelta(days=3))
        assignment = make_assessment(course, AssessmentKind.ASSIGNMENT)
        make_assessment(course, AssessmentKind.OBSERVATION)
        db.session.add_all([
            Submission(assessment=assignment, enrolment=enrolment, text="Essay"),
            AttendanceSession(cohort=taught, starts_at=now + timedelta(hours=1),
                              title=f"Session {index}")])
        assert quiz
        track = make_track(program, body, courses=[course], min_hours=10)
        complete_course(trainee, course)
        log_hours(trainee, track, 2, approved=False, supervisor=user)
        today = clock.today(clock.UTC)
        issue_certificate(make_user(), track=track, today=today - timedelta(days=400),
                          expires_on=today + timedelta(days=30))
    db.session.flush()
    return user


def test_someone_with_every_role_sees_every_part_waiting_work_first(client, database, noon):
    login(client, everything(1))
    text, html = home(client)
    # Work waiting first (teaching, certifying, learning), then the rest.
    assert parts(html) == ["teaching", "officer", "trainee", "coordinator", "admin"]
    assert "1 submission to grade" in text
    assert "1 eligible trainee waiting for a certificate" in text
    assert "1 assessment due in the next 14 days" in text
    assert "cohorts running or open for enrolment" in text
    assert "accounts" in text


def test_a_part_with_nothing_waiting_comes_after_one_with_work(client, database, noon):
    body = make_body()
    user = make_officer(body)  # nothing to certify
    course = make_course()
    enrol(make_cohort(course), user)
    make_assessment(course, AssessmentKind.QUIZ, due_at=clock.now() + timedelta(days=1))
    login(client, user)
    _text, html = home(client)
    assert parts(html) == ["trainee", "officer"]


def _queries(client, count_queries, size: str) -> int:
    client.get("/")  # warm: templates compiled, caches filled as in a running server
    with count_queries("home, every role", size) as counter:
        response = client.get("/")
    assert response.status_code == 200
    return counter.count


def test_the_home_page_costs_the_same_queries_with_1_or_20_of_everything(
        client, app, database, count_queries, noon):
    from tests.conftest import new_browser

    other = new_browser(app)
    login(other, everything(20))
    # Read before the other user exists: an administrator's queues span every cohort.
    text, _html = home(other)
    assert "20 submissions to grade" in text
    assert "20 eligible trainees waiting for a certificate" in text
    assert "20 assessments due in the next 14 days" in text
    assert "20 attendance sessions to take today" in text
    assert "20 certificates expiring in the next 90 days" in text
    login(client, everything(1))
    one = _queries(client, count_queries, "1 of each")
    twenty = _queries(other, count_queries, "20 of each")
    assert one == twenty
    assert twenty <= 45  # 41 when written
