"""Programs and their coordinators; the audit log viewer."""

from __future__ import annotations

import re

from lms.accounts.models import ProgramCoordinator
from lms.audit.models import AuditLog
from lms.audit.services import record
from tests.conftest import page_text, submit
from tests.factories import make_coordinator, make_institution, make_program, make_user


def _count(database, model) -> int:
    return database.session.scalar(database.select(database.func.count()).select_from(model))


def test_the_programs_page_lists_coordinators_and_adds_and_removes_them(admin_client,
                                                                         database):
    program = make_program(code="PICAP", name="Inter-American Police Training")
    existing = make_coordinator(program, full_name="Carla Coordinadora")
    make_user(email="nuevo@example.org", full_name="Nicolás Nuevo")

    page = page_text(admin_client.get("/admin/programs"))
    assert "PICAP: Inter-American Police Training" in page and "Carla Coordinadora" in page

    added = submit(admin_client, f"/admin/programs/{program.id}/coordinators",
                   {f"p{program.id}-email": "nuevo@example.org"},
                   form_url="/admin/programs", follow_redirects=True)
    assert "Nicolás Nuevo now coordinates PICAP." in page_text(added)

    removed = submit(admin_client,
                     f"/admin/programs/{program.id}/coordinators/{existing.id}/remove", {},
                     form_url="/admin/programs", follow_redirects=True)
    assert "Carla Coordinadora no longer coordinates PICAP." in page_text(removed)
    assert database.session.get(ProgramCoordinator, (program.id, existing.id)) is None


def test_an_unknown_coordinator_is_refused(admin_client, database):
    program = make_program()
    before = (_count(database, ProgramCoordinator), _count(database, AuditLog))
    response = submit(admin_client, f"/admin/programs/{program.id}/coordinators",
                      {f"p{program.id}-email": "nobody@example.org"},
                      form_url="/admin/programs")
    assert response.status_code == 422
    assert "There is no account with this email address." in page_text(response)
    assert (_count(database, ProgramCoordinator), _count(database, AuditLog)) == before


def _entries(response) -> str:
    """The text from the count of entries on: the filters' choices name actions too."""
    text = page_text(response)
    return text[re.search(r"\d+ changes? found\.", text).start():]


def test_the_audit_log_is_newest_first_and_filtered(admin_client, admin, database):
    other = make_user(email="otra@example.org")
    school = make_institution("Escuela")
    record(admin, "institution.create", school, None, {"name": "Escuela"})
    record(other, "user.update_profile", other, {"locale": "en"}, {"locale": "es"})
    record(admin, "user.deactivate", other, {"active": True}, {"active": False})
    record(None, "institution.import", school, None, ["a list", "of rows"])  # not a dict
    database.session.commit()

    everything = _entries(admin_client.get("/admin/audit"))
    by_actor = _entries(admin_client.get("/admin/audit?actor=OTRA@example.org"))
    by_object = _entries(admin_client.get(
        f"/admin/audit?object_type=users&object_id={other.id}"))
    by_action = _entries(admin_client.get("/admin/audit?action=institution.create"))

    assert everything.index("user.deactivate") < everything.index("user.update_profile") \
        < everything.index("institution.create")
    assert "user.update_profile" in by_actor and "user.deactivate" not in by_actor
    assert "user.deactivate" in by_object and "institution.create" not in by_object
    assert "institution.create" in by_action and "user.deactivate" not in by_action
    assert "After: a list, of rows" in everything
    assert by_action.startswith("1 change found.")


def test_bad_audit_filters_are_refused(admin_client, database):
    response = admin_client.get("/admin/audit?object_id=abc&action=nonsense")
    assert response.status_code == 422
    assert "Not a valid" in page_text(response)


def test_the_audit_log_takes_the_same_queries_for_5_and_120_rows(admin_client, admin,
                                                                  database, count_queries):
    def add(count: int) -> None:
        for n in range(count):
            user = make_user()
            record(admin if n % 2 else None, "user.create", user, None, {"n": n})
        database.session.commit()

    add(5)
    with count_queries("admin audit log", "5 rows") as few:
        assert admin_client.get("/admin/audit").status_code == 200
    add(115)
    with count_queries("admin audit log", "120 rows, page of 50") as many:
        page = admin_client.get("/admin/audit")
    assert page.status_code == 200 and "Page 1 of 3" in page_text(page)
    assert many.count == few.count
