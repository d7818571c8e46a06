"""``lms create-user``: the way the first admin, coordinators and officers get in."""

from __future__ import annotations

import pytest

from lms.accounts.models import BodyOfficer, Institution, ProgramCoordinator
from lms.audit.models import AuditLog
from tests.accounts.helpers import count_rows, user_by_email
from tests.conftest import login
from tests.factories import PASSWORD, make_cohort, make_institution, make_program, make_user

NEW = "cli.user@example.org"


def create_user(app, *args: str):
    return app.test_cli_runner().invoke(args=[
        "create-user", "--name", "Carla  Méndez", "--password", "a good long password",
        *args])


def test_a_trainee_is_created_and_can_sign_in(app, client, database):
    result = create_user(app, "--email", "Cli.User@Example.org", "--locale", "pt",
                         "--country", "br")

    assert result.exit_code == 0, result.output
    assert "cli.user@example.org: trainee" in result.output
    user = user_by_email(database, NEW)
    assert (user.full_name, user.locale, user.country, user.is_admin) == (
        "Carla Méndez", "pt", "BR", False)
    login(client, user, password="a good long password")


def test_an_admin_is_created(app, database):
    result = create_user(app, "--email", NEW, "--role", "admin")

    assert result.exit_code == 0, result.output
    assert user_by_email(database, NEW).is_admin


def test_an_instructor_joins_the_cohort(app, database):
    cohort = make_cohort(code="PICAP-2025-01")

    result = create_user(app, "--email", NEW, "--role", "instructor",
                         "--cohort", "PICAP-2025-01")

    assert result.exit_code == 0, result.output
    database.session.expire_all()
    assert [u.email for u in cohort.instructors] == [NEW]


def test_a_coordinator_runs_the_program(app, database):
    program = make_program(code="PROCCER")

    result = create_user(app, "--email", NEW, "--role", "coordinator", "--program", "PROCCER")

    assert result.exit_code == 0, result.output
    user = user_by_email(database, NEW)
    assert user.coordinates(program.id)
    assert database.session.get(ProgramCoordinator, (program.id, user.id)) is not None


def test_an_officer_of_a_new_certifying_body(app, database):
    result = create_user(app, "--email", NEW, "--role", "officer", "--country", "CR",
                         "--body", "Instituto sobre Alcoholismo y Farmacodependencia")

    assert result.exit_code == 0, result.output
    user = user_by_email(database, NEW)
    body = database.session.scalar(database.select(Institution).where(
        Institution.name == "Instituto sobre Alcoholismo y Farmacodependencia"))
    assert (body.kind, body.country) == ("certifying_body", "CR")
    assert database.session.get(BodyOfficer, (body.id, user.id)) is not None


def test_an_officer_of_an_existing_certifying_body(app, database):
    body = make_institution("CONADIC", kind="certifying_body", country="MX")

    result = create_user(app, "--email", NEW, "--role", "officer", "--body", "CONADIC")

    assert result.exit_code == 0, result.output
    user = user_by_email(database, NEW)
    assert database.session.get(BodyOfficer, (body.id, user.id)) is not None
    assert count_rows(database, Institution) == 1


def test_an_existing_user_gets_the_role_and_keeps_their_password(app, client, database):
    user = make_user(email=NEW, full_name="Carla Original")
    program = make_program(code="PICAP")

    result = create_user(app, "--email", NEW.upper(), "--role", "coordinator",
                         "--program", "PICAP")

    assert result.exit_code == 0, result.output
    user = user_by_email(database, NEW)
    assert user.full_name == "Carla Original"
    assert user.coordinates(program.id)
    login(client, user, password=PASSWORD)
    # Granting the same role twice is harmless.
    assert create_user(app, "--email", NEW, "--role", "coordinator",
                       "--program", "PICAP").exit_code == 0


@pytest.mark.parametrize(("args", "message"), [
    (["--role", "instructor"], "An instructor needs a cohort code."),
    (["--role", "instructor", "--cohort", "NOPE"], "There is no cohort with the code NOPE."),
    (["--role", "coordinator"], "A coordinator needs a program code."),
    (["--role", "coordinator", "--program", "NOPE"], "There is no program with the code NOPE."),
    (["--role", "officer"], "An officer needs the name of a certifying body."),
    (["--role", "officer", "--body", "New Body"], "A new certifying body needs a country"),
    (["--role", "officer", "--body", "Police Academy", "--country", "MX"],
     "Police Academy is not a certifying body."),
    (["--country", "XX"], "Choose a country from the list."),
])
def test_missing_or_wrong_role_details_create_nothing(app, database, args, message):
    make_institution("Police Academy", kind="police")
    before = (count_rows(database), count_rows(database, AuditLog))

    result = create_user(app, "--email", NEW, *args)

    assert result.exit_code != 0
    assert message in result.output
    assert (count_rows(database), count_rows(database, AuditLog)) == before


@pytest.mark.parametrize(("args", "message"), [
    (["--email", "not an email"], "Enter a valid email address"),
    (["--email", NEW, "--password", "short"], "at least 10 characters"),
    (["--email", NEW, "--name", "{{ name }}"], "Your name cannot contain"),
])
def test_a_new_user_must_follow_the_account_rules(app, database, args, message):
    result = create_user(app, *args)

    assert result.exit_code != 0
    assert message in result.output
    assert count_rows(database) == 0
