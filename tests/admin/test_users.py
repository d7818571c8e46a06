"""Administrators find users, change their roles, deactivate them and end their sessions."""

from __future__ import annotations

from lms.accounts.models import BodyOfficer, ProgramCoordinator, User, UserSession
from lms.accounts.services import start_session
from lms.audit.models import AuditLog
from tests.conftest import page_text, submit
from tests.factories import (
    make_cohort,
    make_course,
    make_institution,
    make_officer,
    make_program,
    make_user,
)


def _count(database, model) -> int:
    return database.session.scalar(database.select(database.func.count()).select_from(model))


def _actions(database, user) -> list[str]:
    return list(database.session.scalars(
        database.select(AuditLog.action).where(AuditLog.object_type == "users",
                                               AuditLog.object_id == user.id)
        .order_by(AuditLog.id)))


def test_the_list_searches_by_name_and_email(admin_client, database):
    make_user(email="maria.perez@example.org", full_name="María Pérez")
    make_user(email="jean@example.org", full_name="Jean Dupont")

    by_name = page_text(admin_client.get("/admin/users?q=pérez"))
    by_email = page_text(admin_client.get("/admin/users?q=JEAN@"))

    assert "María Pérez" in by_name and "Jean Dupont" not in by_name
    assert "Jean Dupont" in by_email and "María Pérez" not in by_email
    assert "1 user found." in by_email


def test_the_list_filters_by_role_country_and_institution(admin_client, database):
    program = make_program(code="PROCCER")
    police = make_institution("Policía Nacional", kind="police", country="CO")
    body = make_institution("Junta de certificación", kind="certifying_body")
    coordinator = make_user(full_name="Carla Coordinadora", country="CL")
    database.session.add(ProgramCoordinator(program_id=program.id, user_id=coordinator.id))
    make_officer(body, full_name="Óscar Oficial", country="CO", institution_id=police.id)
    make_user(full_name="Tomás Trainee", country="CO")
    database.session.flush()

    coordinators = page_text(admin_client.get("/admin/users?role=coordinator"))
    in_colombia = page_text(admin_client.get("/admin/users?country=CO"))
    at_police = page_text(admin_client.get(f"/admin/users?institution={police.id}"))
    no_role = page_text(admin_client.get("/admin/users?role=none"))

    assert "Carla Coordinadora" in coordinators and "PROCCER" in coordinators
    assert "Óscar Oficial" not in coordinators
    assert "Óscar Oficial" in in_colombia and "Tomás Trainee" in in_colombia
    assert "Carla Coordinadora" not in in_colombia
    assert "Óscar Oficial" in at_police and "Tomás Trainee" not in at_police
    assert "Tomás Trainee" in no_role and "Óscar Oficial" not in no_role
    assert "Ana Administradora" not in no_role


def test_a_bad_filter_is_refused_with_a_message(admin_client, database):
    response = admin_client.get("/admin/users?role=emperor&country=ZZ")
    assert response.status_code == 422
    assert "Not a valid choice" in page_text(response)


def test_the_list_takes_the_same_queries_for_5_and_60_users(admin_client, database,
                                                             count_queries):
    program = make_program()
    body = make_institution(kind="certifying_body")
    cohort = make_cohort(make_course(program))

    def add(count: int) -> None:
        for _ in range(count):
            user = make_user(institution_id=body.id)
            database.session.add(ProgramCoordinator(program_id=program.id, user_id=user.id))
            database.session.add(BodyOfficer(institution_id=body.id, user_id=user.id))
            cohort.instructors.append(user)
        database.session.commit()

    add(5)
    with count_queries("admin users list", "5 users") as few:
        assert admin_client.get("/admin/users").status_code == 200
    add(55)
    with count_queries("admin users list", "60 users, page of 25") as many:
        page = admin_client.get("/admin/users")
    assert page.status_code == 200
    assert "Page 1 of 3" in page_text(page)
    assert many.count == few.count


def test_a_users_page_shows_their_account_and_roles(admin_client, database):
    institution = make_institution("Universidad de los Andes", kind="university")
    body = make_institution("Consejo certificador", kind="certifying_body")
    program = make_program(code="PICAP")
    user = make_officer(body, full_name="Beatriz Rojas", institution_id=institution.id,
                        locale="es", country="CO")
    database.session.add(ProgramCoordinator(program_id=program.id, user_id=user.id))
    start_session(user, user_agent="Firefox", address="10.0.0.1")
    database.session.commit()

    text = page_text(admin_client.get(f"/admin/users/{user.id}"))

    assert "Beatriz Rojas" in text and user.email in text
    assert "Universidad de los Andes" in text and "Colombia" in text and "Español" in text
    assert "Coordinator of PICAP" in text and "Officer of Consejo certificador" in text
    assert "Open sessions 1" in text


def test_an_administrator_makes_a_user_coordinator_and_removes_it(admin_client, admin,
                                                                   database):
    program = make_program(code="PICAP")
    user = make_user(full_name="Luis Gómez")
    url = f"/admin/users/{user.id}"

    granted = submit(admin_client, f"{url}/roles",
                     {"role": "coordinator", "program_id": str(program.id)},
                     form_url=url, follow_redirects=True)

    assert "Luis Gómez is now Program coordinator" in page_text(granted)
    assert "Coordinator of PICAP" in page_text(granted)
    assert database.session.get(ProgramCoordinator, (program.id, user.id)) is not None

    removed = submit(admin_client, f"{url}/roles/remove",
                     {"role": "coordinator", "object_id": str(program.id)},
                     form_url=url, follow_redirects=True)

    assert "The role was removed from Luis Gómez." in page_text(removed)
    assert database.session.get(ProgramCoordinator, (program.id, user.id)) is None
    assert _actions(database, user) == ["user.grant_role", "user.remove_role"]
    entry = database.session.scalar(database.select(AuditLog).where(
        AuditLog.action == "user.grant_role"))
    assert (entry.actor_id, entry.after) == (admin.id, {"role": "coordinator",
                                                        "program": "PICAP"})


def test_an_administrator_makes_a_user_officer_and_administrator(admin_client, database):
    body = make_institution("Consejo certificador", kind="certifying_body")
    user = make_user()
    url = f"/admin/users/{user.id}"

    submit(admin_client, f"{url}/roles", {"role": "officer", "body_id": str(body.id)},
           form_url=url)
    submit(admin_client, f"{url}/roles", {"role": "admin"}, form_url=url)

    database.session.expire_all()
    assert database.session.get(BodyOfficer, (body.id, user.id)) is not None
    assert database.session.get(User, user.id).is_admin


def test_a_role_without_its_program_or_a_non_body_is_refused(admin_client, database):
    school = make_institution("Escuela", kind="training_provider")
    user = make_user()
    url = f"/admin/users/{user.id}"
    before = (_count(database, ProgramCoordinator), _count(database, BodyOfficer),
              _count(database, AuditLog))

    no_program = submit(admin_client, f"{url}/roles", {"role": "coordinator"}, form_url=url)
    not_a_body = submit(admin_client, f"{url}/roles",
                        {"role": "officer", "body_id": str(school.id)}, form_url=url)
    unknown = submit(admin_client, f"{url}/roles", {"role": "emperor"}, form_url=url)

    assert no_program.status_code == 422
    assert "Choose the program to coordinate." in page_text(no_program)
    assert not_a_body.status_code == 422  # not one of the bodies offered
    assert "Not a valid choice" in page_text(not_a_body)
    assert unknown.status_code == 422
    assert (_count(database, ProgramCoordinator), _count(database, BodyOfficer),
            _count(database, AuditLog)) == before


def test_an_administrator_cannot_remove_their_own_administrator_role(admin_client, admin,
                                                                     database):
    url = f"/admin/users/{admin.id}"
    response = submit(admin_client, f"{url}/roles/remove", {"role": "admin"}, form_url=url)
    assert response.status_code == 422
    assert "You cannot remove your own administrator role" in page_text(response)
    database.session.expire_all()
    assert database.session.get(User, admin.id).is_admin


def test_deactivating_stops_sign_in_ends_sessions_and_keeps_the_person(admin_client,
                                                                       database):
    user = make_user(full_name="Pedro Páramo")
    start_session(user, user_agent="Firefox", address="10.0.0.1")
    database.session.commit()
    users = _count(database, User)
    url = f"/admin/users/{user.id}"

    off = submit(admin_client, f"{url}/active", {"active": "0"}, form_url=url,
                 follow_redirects=True)

    assert "Pedro Páramo can no longer sign in; their records are kept." in page_text(off)
    assert "Deactivated" in page_text(off)
    database.session.expire_all()
    assert database.session.get(User, user.id).active is False
    assert _count(database, User) == users
    assert database.session.scalar(database.select(database.func.count()).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None))) == 0

    on = submit(admin_client, f"{url}/active", {"active": "1"}, form_url=url,
                follow_redirects=True)
    assert "Pedro Páramo can sign in again." in page_text(on)
    assert _actions(database, user) == ["user.deactivate", "user.end_sessions",
                                        "user.reactivate"]


def test_an_administrator_cannot_deactivate_themself(admin_client, admin, database):
    url = f"/admin/users/{admin.id}"
    response = submit(admin_client, f"{url}/active", {"active": "0"}, form_url=url)
    assert response.status_code == 422
    assert "You cannot deactivate your own account." in page_text(response)
    database.session.expire_all()
    assert database.session.get(User, admin.id).active


def test_an_administrator_ends_a_users_sessions(admin_client, admin, database):
    user = make_user(email="ana@example.org")
    start_session(user, user_agent="Firefox", address="10.0.0.1")
    start_session(user, user_agent="Chrome", address="10.0.0.2")
    database.session.commit()
    url = f"/admin/users/{user.id}"

    response = submit(admin_client, f"{url}/end-sessions", {}, form_url=url,
                      follow_redirects=True)

    assert "2 sessions of ana@example.org have been ended." in page_text(response)
    assert "Open sessions 0" in page_text(response)
    assert _actions(database, user) == ["user.end_sessions"]


def test_a_post_without_its_csrf_token_changes_nothing(admin_client, database):
    user = make_user()
    response = admin_client.post(f"/admin/users/{user.id}/active", data={"active": "0"})
    assert response.status_code == 400
    database.session.expire_all()
    assert database.session.get(User, user.id).active


def test_an_unknown_user_is_not_found(admin_client, database):
    assert admin_client.get("/admin/users/987654").status_code == 404
