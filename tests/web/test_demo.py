"""The demonstration data set: idempotent, believable, and its printed logins work."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from lms import demo
from lms.accounts.models import User
from lms.catalog.models import Course
from lms.cohorts.models import SEATED, Cohort, Enrolment
from lms.config import ROOT
from lms.extensions import limiter
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
    today = date.today()
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
