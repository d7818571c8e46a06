"""The Alembic migrations build exactly the models' schema, on SQLite and PostgreSQL.

Each test builds its own app on an empty database (never the shared ``app``
fixture, whose tables come from ``create_all``). When this fails after a model
change, regenerate the initial revision: ``make migration-reset``.
"""

from __future__ import annotations

import os

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from lms.config import ROOT
from lms.extensions import db
from tests.conftest import POSTGRES_URL, make_app, postgres_reachable, skip_or_fail

# One per test process, so that two runs on one machine never meet.
CHECK_DATABASE = f"lms_migrations_check_{os.getpid()}"


def _drop_and_create(admin: sa.Engine, create: bool) -> None:
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{CHECK_DATABASE}" WITH (FORCE)'))
        if create:
            connection.execute(sa.text(f'CREATE DATABASE "{CHECK_DATABASE}"'))


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    if not postgres_reachable():
        skip_or_fail(f"PostgreSQL is not reachable at {POSTGRES_URL}")
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        _drop_and_create(admin, create=True)
        url = sa.make_url(POSTGRES_URL).set(database=CHECK_DATABASE)
        yield url.render_as_string(hide_password=False)
    finally:
        _drop_and_create(admin, create=False)
        admin.dispose()


@pytest.fixture
def migrated_app(empty_database_url, tmp_path):
    app = make_app(empty_database_url, str(tmp_path / "instance"))
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def schema_differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def table_names() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_there_is_a_single_head_revision():
    heads = ScriptDirectory(str(ROOT / "migrations")).get_heads()
    assert len(heads) == 1, f"several migration heads: {heads}"


def test_upgrade_builds_the_models_schema_and_downgrade_removes_it(migrated_app):
    assert table_names() == set()
    flask_migrate.upgrade()

    assert table_names() == set(db.metadata.tables)
    differences = schema_differences()
    assert differences == [], (
        "the migrations and the models differ (run `make migration-reset`):\n"
        + "\n".join(map(str, differences)))

    flask_migrate.downgrade(revision="base")
    assert table_names() == set()


def test_upgrade_twice_changes_nothing(migrated_app):
    flask_migrate.upgrade()
    flask_migrate.upgrade()
    assert schema_differences() == []


def test_upgrade_cleans_upload_names_stored_before_names_were_cleaned(migrated_app):
    from lms.assessments.assignments.models import Submission
    from lms.assessments.models import AssessmentKind
    from tests.factories import insert_old_user, make_course

    def make_cohort_at_0003() -> int:
        from datetime import date
        course = make_course()
        cohorts = sa.table("cohorts", *(sa.column(name) for name in (
            "course_id", "code", "language", "country", "starts_on", "ends_on",
            "self_enrolment")))
        db.session.execute(cohorts.insert().values(
            course_id=course.id, code="OLD-1", language="en", country="MX",
            starts_on=date(2026, 1, 1), ends_on=date(2026, 2, 1), self_enrolment=True))
        return db.session.scalar(sa.text("SELECT id FROM cohorts WHERE code = 'OLD-1'"))

    flask_migrate.upgrade(revision="0003")
    # The cohort row through Core: the model has columns added by later revisions.
    cohort_id = make_cohort_at_0003()
    # The enrolment too (0008 added enrolments.waitlisted_at), and its user (0020 added
    # users.time_zone).
    user_id = insert_old_user("old@example.org", "Old Trainee")
    enrolments = sa.table("enrolments", *(sa.column(name) for name in (
        "cohort_id", "user_id", "status")))
    # On the connection, past the session's hooks: the report's log of the changes to
    # enrolments (0025) does not exist yet at this revision.
    db.session.connection().execute(enrolments.insert().values(
        cohort_id=cohort_id, user_id=user_id, status="active"))
    enrolment_id = db.session.scalar(
        sa.text("SELECT id FROM enrolments WHERE cohort_id = :id"), {"id": cohort_id})
    # And the assignment (0012 added assessments.test_role).
    assessments = sa.table("assessments", *(sa.column(name) for name in (
        "course_id", "kind", "position", "title", "instructions", "pass_mark", "weight",
        "required", "attempts_allowed", "shuffle_questions", "review_allowed",
        "accepts_text", "accepts_file", "published")))
    db.session.execute(assessments.insert().values(
        course_id=make_course().id, kind=AssessmentKind.ASSIGNMENT.value, position=0,
        title="Old assignment", instructions="", pass_mark=70, weight=1, required=True,
        attempts_allowed=1, shuffle_questions=False, review_allowed=True, accepts_text=True,
        accepts_file=True, published=True))
    assignment_id = db.session.scalar(
        sa.text("SELECT id FROM assessments WHERE title = 'Old assignment'"))
    row = Submission(assessment_id=assignment_id, enrolment_id=enrolment_id,
                     file_name="report\u202efdp.exe", stored_name="a", text="")
    db.session.add(row)
    db.session.commit()
    row_id = row.id
    db.session.remove()

    flask_migrate.upgrade()

    assert db.session.get(Submission, row_id).file_name == "reportfdp.exe"
    # SQLite alters assessments (0012) and cohorts (0018) by copying them: with foreign
    # keys on, dropping the old copy would have deleted this submission and enrolment.
    assert db.session.scalar(sa.text("SELECT count(*) FROM enrolments")) == 1
