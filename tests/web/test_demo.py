"""The demonstration data set: idempotent, believable, and its printed logins work."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from lms import demo, demo_certificates
from lms.accounts.models import User
from lms.assessments.assignments.models import Submission, SubmissionStatus
from lms.assessments.attendance.models import AttendanceRecord, AttendanceSession
from lms.assessments.models import Assessment, AssessmentKind, Grade
from lms.assessments.observations.models import Observation
from lms.assessments.quizzes.models import Answer, Attempt, AttemptStatus, Question, QuestionKind
from lms.catalog.models import Course
from lms.cohorts.models import SEATED, Cohort, Enrolment, EnrolmentStatus
from lms.config import ROOT
from lms.extensions import limiter
from lms.kernel import clock
from tests.conftest import login, page_text


def row_counts(db) -> dict[str, int]:
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


def test_loading_twice_adds_nothing(database):
    assert not demo.has_courses()
    demo.load()
    first = row_counts(database)
    assert demo.has_courses()
    assert first["courses"] >= 10 and first["users"] >= 15 and first["enrolments"] >= 10
    assert first["lesson_completions"] > 0
    for table in ("assessments", "questions", "attempts", "answers", "submissions", "grades",
                  "observations", "attendance_sessions", "attendance_records",
                  "rubric_criteria", "rubric_levels", "rubric_scores", "observation_items"):
        assert first[table] > 0, table

    demo.load()
    assert row_counts(database) == first


def test_every_printed_login_signs_in(app, database):
    logins = demo.load()
    descriptions = " ".join(role for role, _email in logins).lower()
    for role in ("admin", "coordinator", "instructor", "officer", "trainee"):
        assert role in descriptions
    for _role, email in logins:
        limiter.reset()  # more sign-ins than the per-minute limit allows
        user = database.session.scalar(select(User).where(User.email == email))
        # A fresh app context per visitor: requests share the test's context, and
        # Flask-Login caches the signed-in user in its `g`.
        with app.app_context():
            client = app.test_client()
            login(client, user, demo.DEMO_PASSWORD)
        with app.app_context():
            profile = client.get("/profile")
        assert profile.status_code == 200, email
        assert email in page_text(profile)


def test_cli_prints_the_logins_and_skips_when_courses_exist(app, database):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert demo.DEMO_PASSWORD in result.output
    for _role, email in demo.LOGINS:
        assert email in result.output
    # ... and the IDs of the demo certificates, one per state, to try at /verify.
    printed = dict(demo_certificates.listed())
    assert {"valid", "revoked", "expired", "superseded"} <= set(printed)
    for code in printed.values():
        assert code in result.output
    courses = database.session.scalar(select(func.count(Course.id)))

    again = runner.invoke(args=["demo", "--if-empty"])
    assert again.exit_code == 0, again.output
    assert "not loaded again" in again.output
    # The logins are printed again, so a second `make run` still shows them.
    assert "admin@example.org" in again.output
    assert database.session.scalar(select(func.count(Course.id))) == courses


def test_a_spanish_trainee_reads_the_levelling_course_in_spanish(database):
    demo.load()
    course = database.session.scalar(select(Course).where(Course.code == "PCP-INTRO"))
    lesson = course.modules[0].lessons[0]
    assert course.in_locale("title", "es") == "PICAP: curso introductorio de nivelación"
    assert course.modules[0].in_locale("title", "es") == "El sistema interamericano"
    assert lesson.in_locale("title", "pt") == "A OEA e a segurança hemisférica"
    assert "## La seguridad como responsabilidad compartida" in lesson.in_locale("body", "es")


def test_cohorts_cover_open_full_and_past_runs(database):
    demo.load()
    today = clock.today(clock.UTC)
    cohorts = database.session.scalars(select(Cohort)).all()
    seated = dict(database.session.execute(
        select(Enrolment.cohort_id, func.count()).where(Enrolment.status.in_(SEATED))
        .group_by(Enrolment.cohort_id)).all())
    assert any(c.enrolment_open_on(today) for c in cohorts)
    assert any(c.ends_on < today and not c.enrolment_open_on(today) for c in cohorts)
    assert any(c.capacity is not None and seated.get(c.id, 0) >= c.capacity for c in cohorts)
    assert {c.language for c in cohorts} == {"en", "es", "fr", "pt"}


def test_readme_lists_the_demo_logins():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert demo.DEMO_PASSWORD in readme
    for _role, email in demo.LOGINS:
        assert email in readme


def _enrolment(database, cohort_code: str, email: str) -> Enrolment:
    return database.session.scalars(
        select(Enrolment).join(Cohort).join(User, User.id == Enrolment.user_id)
        .where(Cohort.code == cohort_code, User.email == email)).one()


def _assessment(database, course_code: str, kind: str) -> Assessment:
    """The course's one assessment of ``kind`` (a pre-test aside: it is the same quiz twice)."""
    return database.session.scalars(
        select(Assessment).join(Course).where(Course.code == course_code,
                                              Assessment.kind == kind,
                                              Assessment.test_role.is_distinct_from("pre"))
    ).one()


def test_quizzes_are_imported_from_gift_and_attempted(database):
    demo.load()
    for course_code in ("PCP-INTRO", "PRC-TRT-MX"):
        quiz = _assessment(database, course_code, AssessmentKind.QUIZ)
        assert (quiz.time_limit_minutes, quiz.attempts_allowed) == (20, 2)
        assert quiz.review_allowed
        kinds = {row.question.kind for row in quiz.quiz_questions}
        assert kinds == set(QuestionKind), course_code
        assert len(quiz.quiz_questions) == 6
    intro = _assessment(database, "PCP-INTRO", AssessmentKind.QUIZ)
    # The GIFT range {#2..3} became 2.5 give or take 0.5.
    numeric = next(row.question for row in intro.quiz_questions
                   if row.question.kind == QuestionKind.NUMERIC)
    assert (numeric.numeric_answer, numeric.tolerance) == (2.5, 0.5)
    assert intro.in_locale("title", "es") == "Prueba de conocimientos del curso de nivelación"
    # The treatment course measures learning: the same six questions before and after.
    final = _assessment(database, "PRC-TRT-MX", AssessmentKind.QUIZ)
    pre = database.session.scalars(select(Assessment).where(
        Assessment.course_id == final.course_id, Assessment.test_role == "pre")).one()
    assert final.test_role == "post" and not pre.required
    assert ({row.question_id for row in pre.quiz_questions}
            == {row.question_id for row in final.quiz_questions})

    andres = _enrolment(database, "PCP-INTRO-ES-01", "andres.munoz@example.org")
    attempt = database.session.scalars(select(Attempt).where(
        Attempt.assessment_id == intro.id, Attempt.enrolment_id == andres.id)).one()
    assert attempt.status == AttemptStatus.SUBMITTED
    assert attempt.deadline_at is not None
    assert len(attempt.answers) == 6
    assert round(attempt.percent) == 83  # five of six right
    # Passing the only required assessment completed the course, by the rule.
    assert andres.status == EnrolmentStatus.COMPLETED
    valentina = _enrolment(database, "PCP-INTRO-ES-01", "valentina.soto@example.org")
    grade = database.session.scalars(select(Grade).where(
        Grade.assessment_id == intro.id, Grade.enrolment_id == valentina.id)).one()
    # Failed her first attempt, with one left: still in the course.
    assert (grade.percent, grade.passed) == (50, False)
    assert valentina.status == EnrolmentStatus.ACTIVE


def test_an_assignment_with_a_rubric_is_graded(database):
    demo.load()
    assignment = _assessment(database, "PRC-TRT-MX", AssessmentKind.ASSIGNMENT)
    assert assignment.accepts_text and assignment.accepts_file
    assert len(assignment.criteria) == 3
    assert all(3 <= len(criterion.levels) <= 4 for criterion in assignment.criteria)
    submissions = {s.enrolment.user.email: s for s in database.session.scalars(
        select(Submission).where(Submission.assessment_id == assignment.id))}
    graded = submissions["maria.nunez@example.org"]
    assert graded.status == SubmissionStatus.GRADED
    assert graded.text and graded.file_name is None
    grade = database.session.scalars(select(Grade).where(
        Grade.assessment_id == assignment.id,
        Grade.enrolment_id == graded.enrolment_id)).one()
    assert grade.percent == Decimal("88.89")  # 3 + 2 + 3 of 9 points
    assert grade.grader.email == "instructor.salinas@example.org"
    # A second one waits for its grader.
    assert submissions["jose.hernandez@example.org"].status == SubmissionStatus.SUBMITTED


def test_observations_and_attendance_make_grades(database):
    demo.load()
    checklist = _assessment(database, "PRC-TRT-MX", AssessmentKind.OBSERVATION)
    assert len(checklist.observation_items) == 5
    first = checklist.observation_items[0]
    assert first.text == "Hace preguntas abiertas."
    assert first.in_locale("text", "en") == "Asks open questions."
    maria = _enrolment(database, "PRC-TRT-MX-CDMX-01", "maria.nunez@example.org")
    assert database.session.scalar(select(func.count(Observation.id)).where(
        Observation.enrolment_id == maria.id)) == 5
    # Quiz, assignment and checklist all passed: the Mexico course is completed (her
    # pre-test, which counts for nothing, is graded too).
    maria_grades = database.session.scalars(select(Grade).join(Assessment).where(
        Grade.enrolment_id == maria.id, Assessment.test_role.is_distinct_from("pre"))).all()
    assert len(maria_grades) == 3 and all(g.passed for g in maria_grades)
    assert maria.status == EnrolmentStatus.COMPLETED

    attendance = _assessment(database, "PCP-INVESTIGATION", AssessmentKind.ATTENDANCE)
    assert attendance.pass_mark == 80
    cohort = database.session.scalars(
        select(Cohort).where(Cohort.code == "PCP-INVESTIGATION-SCL-01")).one()
    sessions = database.session.scalars(
        select(AttendanceSession).where(AttendanceSession.cohort_id == cohort.id)).all()
    assert len(sessions) == 5
    assert database.session.scalar(select(func.count()).select_from(AttendanceRecord)
                                   .join(AttendanceSession)
                                   .where(AttendanceSession.cohort_id == cohort.id)) == 10
    percents = {g.enrolment.user.email: (g.percent, g.passed) for g in database.session.scalars(
        select(Grade).where(Grade.assessment_id == attendance.id))}
    assert percents == {"valentina.soto@example.org": (100, True),  # one excused absence
                        "andres.munoz@example.org": (60, False)}
    # The statuses the demo gave them agree with the attendance rule.
    assert _enrolment(database, "PCP-INVESTIGATION-SCL-01",
                      "valentina.soto@example.org").status == EnrolmentStatus.COMPLETED
    assert _enrolment(database, "PCP-INVESTIGATION-SCL-01",
                      "andres.munoz@example.org").status == EnrolmentStatus.FAILED


def test_the_gradebook_counts_real_answers(database):
    demo.load()
    # Six questions in each of two quizzes, and the pre-test reuses one quiz's six;
    # two trainees answered each of the three.
    assert database.session.scalar(select(func.count(Answer.id))) == 36
    assert database.session.scalar(select(func.count(Question.id))) == 12


def test_the_instructor_sees_real_numbers_in_the_gradebook(app, database):
    demo.load()
    cohort = database.session.scalars(
        select(Cohort).where(Cohort.code == "PRC-TRT-MX-CDMX-01")).one()
    instructor = database.session.scalars(
        select(User).where(User.email == "instructor.salinas@example.org")).one()
    limiter.reset()
    with app.app_context():
        client = app.test_client()
        login(client, instructor, demo.DEMO_PASSWORD)
    with app.app_context():
        page = client.get(f"/cohorts/{cohort.id}/gradebook")
    assert page.status_code == 200
    text = page_text(page)
    assert "María José Núñez" in text
    assert "88.89" in text or "88,89" in text  # the rubric-graded case study


def test_the_bogota_course_has_a_timetable_with_interpreters(database):
    from lms.cohorts.schedule import CohortSession

    demo.load()
    cohort = database.session.scalars(
        select(Cohort).where(Cohort.code == "PCP-HR-FORCE-BOG-01")).one()
    sessions = database.session.scalars(select(CohortSession).where(
        CohortSession.cohort_id == cohort.id)).all()
    assert len(sessions) == 8
    assert all(s.interpretation_languages == "en,pt" for s in sessions)
    # 08:30 in Bogotá (UTC-5, no daylight saving) is 13:30 UTC.
    assert {clock.as_utc(s.starts_at).strftime("%H:%M") for s in sessions} == {"13:30"}


def test_the_next_bogota_intake_runs_by_nomination_with_country_seats(database):
    from lms.accounts.models import FocalPoint
    from lms.cohorts.nominations import Nomination

    demo.load()
    cohort = database.session.scalars(
        select(Cohort).where(Cohort.code == demo.BOGOTA_NOMINATION_COHORT)).one()
    assert cohort.by_nomination and cohort.seats_per_country == 2
    assert not cohort.self_enrolment
    decided = {(n.country, n.status) for n in database.session.scalars(
        select(Nomination).where(Nomination.cohort_id == cohort.id))}
    assert decided == {("BR", "accepted"), ("BR", "pending"), ("TT", "waitlisted"),
                       ("CL", "pending")}
    countries = set(database.session.scalars(select(FocalPoint.country)))
    assert countries == {"BR", "TT", "CL"}
    # The accepted nominee holds a seat.
    joao = database.session.scalars(
        select(User).where(User.email == "joao.goncalves@example.org")).one()
    assert database.session.scalars(select(Enrolment).where(
        Enrolment.cohort_id == cohort.id, Enrolment.user_id == joao.id)).one().seated
    assert ("National focal point, PICAP (BR)", "focal.br@example.org") in demo.LOGINS


def test_the_bogota_course_has_announcements_in_three_languages(database):
    from lms.announcements.models import Announcement

    demo.load()
    announcements = database.session.scalars(select(Announcement)).all()
    assert len(announcements) == 2
    cohort_one = next(a for a in announcements if a.cohort_id is not None)
    assert cohort_one.language == "es"
    assert {t.locale for t in cohort_one.translations} == {"en", "pt"}
