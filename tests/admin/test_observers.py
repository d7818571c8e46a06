"""The observer role: OAS monitoring staff and donors follow a program's aggregated
figures. Administrators give and take it (audited); it opens nothing else."""

from __future__ import annotations

import re

import pytest

from lms.accounts.models import ProgramCoordinator, ProgramObserver, User
from lms.audit.models import AuditLog
from tests.certification.factories import eligible_track, issue_certificate
from tests.conftest import page_text, sign_in_quickly, submit
from tests.factories import enrol, make_cohort, make_program, make_user


def _count(database, model) -> int:
    return database.session.scalar(database.select(database.func.count()).select_from(model))


def _audit(database, user) -> list[tuple[str, dict | None, dict | None]]:
    return [(entry.action, entry.before, entry.after) for entry in database.session.scalars(
        database.select(AuditLog).where(AuditLog.object_type == "users",
                                        AuditLog.object_id == user.id)
        .order_by(AuditLog.id))]


def make_observer(*programs, **fields) -> User:
    from lms.extensions import db

    user = make_user(**fields)
    for program in programs:
        db.session.add(ProgramObserver(program_id=program.id, user_id=user.id))
    db.session.flush()
    return user


# ---------------------------------------------------------------- the role on the user

def test_an_observer_observes_only_their_programs_and_coordinates_nothing(database):
    watched, other = make_program(), make_program()
    user = make_observer(watched)

    assert user.observed_program_ids == frozenset({watched.id})
    assert user.is_observer
    assert user.coordinated_program_ids == frozenset()
    assert not (user.is_coordinator or user.is_officer or user.is_instructor)
    assert not user.coordinates(watched.id) and not user.coordinates(other.id)
    assert not make_user().is_observer
    assert not make_user(admin=True).is_observer  # administrators see all, as themselves


# ---------------------------------------------------------------- the user's page

def test_an_administrator_makes_a_user_observer_and_removes_it(admin_client, admin, database):
    program = make_program(code="PROCCER")
    user = make_user(full_name="Margaret Ellison")
    url = f"/admin/users/{user.id}"

    granted = submit(admin_client, f"{url}/roles",
                     {"role": "observer", "program_id": str(program.id)},
                     form_url=url, follow_redirects=True)

    text = page_text(granted)
    assert "Margaret Ellison is now Program observer" in text
    assert "Observer of PROCCER" in text
    assert database.session.get(ProgramObserver, (program.id, user.id)) is not None
    assert database.session.get(ProgramCoordinator, (program.id, user.id)) is None

    again = submit(admin_client, f"{url}/roles",
                   {"role": "observer", "program_id": str(program.id)},
                   form_url=url, follow_redirects=True)
    assert "Margaret Ellison already had this role." in page_text(again)

    removed = submit(admin_client, f"{url}/roles/remove",
                     {"role": "observer", "object_id": str(program.id)},
                     form_url=url, follow_redirects=True)

    assert "The role was removed from Margaret Ellison." in page_text(removed)
    assert "Observer of PROCCER" not in page_text(removed)
    assert database.session.get(ProgramObserver, (program.id, user.id)) is None
    assert _audit(database, user) == [
        ("user.grant_role", None, {"role": "observer", "program": "PROCCER"}),
        ("user.remove_role", {"role": "observer", "program": "PROCCER"}, None)]
    assert {entry.actor_id for entry in database.session.scalars(
        database.select(AuditLog).where(AuditLog.object_id == user.id))} == {admin.id}


def test_the_observer_role_needs_its_program(admin_client, database):
    user = make_user()
    url = f"/admin/users/{user.id}"
    before = (_count(database, ProgramObserver), _count(database, AuditLog))

    response = submit(admin_client, f"{url}/roles", {"role": "observer"}, form_url=url)

    assert response.status_code == 422
    assert "Choose the program to observe." in page_text(response)
    assert (_count(database, ProgramObserver), _count(database, AuditLog)) == before


def test_the_users_list_shows_and_filters_observers(admin_client, database):
    program = make_program(code="PICAP")
    make_observer(program, full_name="Margaret Ellison")
    make_user(full_name="Tomás Trainee")

    observers = page_text(admin_client.get("/admin/users?role=observer"))
    no_role = page_text(admin_client.get("/admin/users?role=none"))

    assert "Margaret Ellison" in observers and "Program observer: PICAP" in observers
    assert "Tomás Trainee" not in observers
    assert "Tomás Trainee" in no_role and "Margaret Ellison" not in no_role


# ---------------------------------------------------------------- the programs page

def test_the_programs_page_lists_observers_and_adds_and_removes_them(admin_client, admin,
                                                                     database):
    program = make_program(code="PICAP", name="Inter-American Police Training")
    existing = make_observer(program, full_name="Olga Observadora")
    newcomer = make_user(email="donor@example.org", full_name="Dana Donor")

    page = page_text(admin_client.get("/admin/programs"))
    assert "Observers" in page and "Olga Observadora" in page
    assert "never a name" in page

    added = submit(admin_client, f"/admin/programs/{program.id}/observers",
                   {f"o{program.id}-email": "Donor@Example.org"},
                   form_url="/admin/programs", follow_redirects=True)
    assert "Dana Donor now observes PICAP." in page_text(added)
    assert database.session.get(ProgramObserver, (program.id, newcomer.id)) is not None
    # An observer is not a coordinator: the coordinators' list stays as it was.
    assert database.session.get(ProgramCoordinator, (program.id, newcomer.id)) is None

    removed = submit(admin_client,
                     f"/admin/programs/{program.id}/observers/{existing.id}/remove", {},
                     form_url="/admin/programs", follow_redirects=True)
    assert "Olga Observadora no longer observes PICAP." in page_text(removed)
    assert database.session.get(ProgramObserver, (program.id, existing.id)) is None
    assert [action for action, _b, _a in _audit(database, newcomer)] == ["user.grant_role"]
    assert [action for action, _b, _a in _audit(database, existing)] == ["user.remove_role"]


def test_an_unknown_or_blank_observer_email_is_refused_and_changes_nothing(admin_client,
                                                                            database):
    program = make_program()
    before = (_count(database, ProgramObserver), _count(database, AuditLog))

    unknown = submit(admin_client, f"/admin/programs/{program.id}/observers",
                     {f"o{program.id}-email": "nobody@example.org"},
                     form_url="/admin/programs")
    blank = submit(admin_client, f"/admin/programs/{program.id}/observers",
                   {f"o{program.id}-email": ""}, form_url="/admin/programs")

    assert unknown.status_code == blank.status_code == 422
    assert "There is no account with this email address." in page_text(unknown)
    assert "Enter an email address." in page_text(blank)
    assert (_count(database, ProgramObserver), _count(database, AuditLog)) == before


def test_an_observer_is_refused_every_admin_url(app, client, database):
    user = make_observer(make_program())
    sign_in_quickly(client, user)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                      client.get("/profile").get_data(as_text=True)).group(1)
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin"):
            continue
        url = re.sub(r"<[^>]+>", "1", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={"csrf_token": token})
            assert response.status_code == 403, (method, url, response.status_code)


# ---------------------------------------------------------------- nothing else

def test_an_observer_reaches_no_cohort_roster_gradebook_certificate_or_person(
        client, database):
    track, course = eligible_track()
    program = course.program
    cohort = make_cohort(course)
    trainee = make_user(full_name="Rosa Quispe Mamani")
    enrolment = enrol(cohort, trainee)
    certificate = issue_certificate(make_user(full_name="Hugo Certificado"), track=track)
    observer = make_observer(program)
    sign_in_quickly(client, observer)

    refused = [
        f"/cohorts/{cohort.id}", f"/cohorts/{cohort.id}/roster",
        f"/cohorts/{cohort.id}/gradebook", f"/cohorts/{cohort.id}/gradebook.csv",
        f"/cohorts/{cohort.id}/gradebook/{enrolment.id}",
        f"/cohorts/{cohort.id}/assessments", f"/cohorts/{cohort.id}/attendance",
        f"/manage/cohorts/{cohort.id}", "/manage/courses", f"/manage/courses/{course.id}",
        "/manage/programs", f"/manage/programs/{program.id}", "/manage/tracks",
        f"/manage/tracks/{track.id}/roster", f"/manage/tracks/{track.id}/roster.csv",
        "/manage/import", "/teaching", "/grading", "/supervision", "/certify",
        "/certify/certificates", f"/certify/certificates/{certificate.code}",
        f"/certificates/{certificate.code}/pdf", f"/admin/users/{trainee.id}",
    ]
    for url in refused:
        response = client.get(url)
        assert response.status_code in (403, 404), (url, response.status_code)
        assert "Rosa Quispe Mamani" not in response.get_data(as_text=True), url
        assert "Hugo Certificado" not in response.get_data(as_text=True), url


# ---------------------------------------------------------------- lms create-user

def _create_user(app, *args: str):
    return app.test_cli_runner().invoke(args=[
        "create-user", "--name", "Margaret Ellison", "--password", "a good long password",
        "--email", "monitoring@example.org", "--role", "observer", *args])


def test_create_user_makes_an_observer_of_a_program(app, database):
    program = make_program(code="PROCCER")

    result = _create_user(app, "--program", "PROCCER")

    assert result.exit_code == 0, result.output
    assert "monitoring@example.org: observer" in result.output
    database.session.expire_all()
    user = database.session.scalar(database.select(User).where(
        User.email == "monitoring@example.org"))
    assert user.observed_program_ids == frozenset({program.id})
    assert user.coordinated_program_ids == frozenset()
    entry = database.session.scalar(database.select(AuditLog).where(
        AuditLog.action == "user.grant_role", AuditLog.object_id == user.id))
    assert entry.after == {"role": "observer", "program": "PROCCER"}


@pytest.mark.parametrize(("args", "message"), [
    ((), "An observer needs a program code."),
    (("--program", "NOPE"), "There is no program with the code NOPE."),
])
def test_create_user_refuses_an_observer_without_a_known_program(app, database, args,
                                                                  message):
    users = _count(database, User)

    result = _create_user(app, *args)

    assert result.exit_code != 0
    assert message in result.output
    assert _count(database, User) == users
