"""Coordinators manage frameworks and competencies; a country adapts a copy."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.audit.models import AuditLog
from lms.competencies.models import (
    Competency,
    CompetencyTranslation,
    Framework,
    FrameworkTranslation,
    Signoff,
)
from lms.extensions import db
from tests.assessments.factories import make_assessment
from tests.competencies.factories import add_evidence, make_framework, sign_off
from tests.conftest import page_text, submit
from tests.conftest import sign_in_quickly as login
from tests.factories import make_coordinator, make_course, make_program, make_user


@pytest.fixture
def world(database):
    program = make_program(code="PROCCER", name="PROCCER")
    framework = make_framework(program, code="PRC-TREAT", title="Treatment competencies")
    framework.translations.append(FrameworkTranslation(
        locale="es", title="Competencias de tratamiento", description="Descripción"))
    framework.competencies[0].translations.append(CompetencyTranslation(
        locale="es", title="Tamizaje", description=""))
    db.session.flush()
    coordinator = make_coordinator(program)
    return {"program": program, "framework": framework, "coordinator": coordinator}


def _urls(world):
    framework = world["framework"]
    competency = framework.competencies[0]
    return [
        ("get", "/manage/frameworks"),
        ("get", "/manage/frameworks/new"),
        ("get", f"/manage/frameworks/{framework.id}"),
        ("post", f"/manage/frameworks/{framework.id}"),
        ("post", f"/manage/frameworks/{framework.id}/adapt"),
        ("get", f"/manage/competencies/{competency.id}"),
        ("post", f"/manage/competencies/{competency.id}"),
        ("post", f"/manage/competencies/{competency.id}/delete"),
    ]


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    for method, url in _urls(world):
        response = getattr(client, method)(url)
        if method == "get":
            assert response.status_code == 302 and "/login" in response.location, url


def test_trainees_and_other_coordinators_are_refused(client, world):
    framework = world["framework"]
    for user in (make_user(), make_coordinator(make_program())):
        login(client, user)
        for method, url in _urls(world):
            if method == "get":
                status = client.get(url).status_code
                # The list and the new form are for coordinators of any program.
                if user.is_coordinator and url in ("/manage/frameworks",
                                                   "/manage/frameworks/new"):
                    assert status == 200
                else:
                    assert status == 403, (user, url)
            else:
                response = submit(client, url, {"fw-title": "Hacked"},
                                  form_url="/courses")
                assert response.status_code == 403, (user, url)
    assert db.session.get(Framework, framework.id).title == "Treatment competencies"


def test_the_list_shows_only_the_coordinators_programs(client, world):
    make_framework(make_program(), code="OTHER-FW")
    login(client, world["coordinator"])
    text = page_text(client.get("/manage/frameworks"))
    assert "PRC-TREAT" in text and "OTHER-FW" not in text
    login(client, make_user(admin=True))
    text = page_text(client.get("/manage/frameworks"))
    assert "PRC-TREAT" in text and "OTHER-FW" in text


def test_create_a_framework(client, world):
    login(client, world["coordinator"])
    response = submit(client, "/manage/frameworks/new", {
        "program_id": world["program"].id, "code": "PRC-PREV", "language": "en",
        "title": "Prevention", "description": "What preventers do", "country": "",
        "title_es": "Prevención", "title_en": "Ignored: the framework's own language"})
    assert response.status_code == 302
    framework = db.session.scalar(select(Framework).where(Framework.code == "PRC-PREV"))
    assert framework.title == "Prevention" and framework.country is None
    assert {row.locale: row.title for row in framework.translations} == {"es": "Prevención"}
    assert db.session.scalar(select(AuditLog).where(
        AuditLog.action == "framework.created", AuditLog.object_id == framework.id))


def test_a_taken_code_is_refused_with_422(client, world):
    login(client, world["coordinator"])
    before = db.session.scalar(select(func.count()).select_from(Framework))
    response = submit(client, "/manage/frameworks/new", {
        "program_id": world["program"].id, "code": "prc-treat", "language": "en",
        "title": "Again", "country": ""})
    assert response.status_code == 422
    assert "Another framework already uses this code." in page_text(response)
    assert db.session.scalar(select(func.count()).select_from(Framework)) == before


def test_a_coordinator_cannot_create_in_another_program(client, world):
    other = make_program()
    login(client, world["coordinator"])
    response = submit(client, "/manage/frameworks/new", {
        "program_id": other.id, "code": "X-1", "language": "en", "title": "X"})
    assert response.status_code == 422  # not a choice they are offered
    assert db.session.scalar(select(Framework).where(Framework.code == "X-1")) is None


def test_edit_the_framework_and_its_translations(client, world):
    framework = world["framework"]
    url = f"/manage/frameworks/{framework.id}"
    login(client, world["coordinator"])
    page = client.get(url).get_data(as_text=True)
    assert 'value="Competencias de tratamiento"' in page and "C1" in page_text(
        client.get(url))
    response = submit(client, url, {
        "form": "framework", "fw-code": "PRC-TREAT", "fw-language": "en",
        "fw-title": "Treatment", "fw-description": "New", "fw-country": "",
        "fw-title_es": "Tratamiento", "fw-description_es": "", "fw-title_fr": "Traitement"})
    assert response.status_code == 302
    db.session.expire_all()
    framework = db.session.get(Framework, framework.id)
    assert framework.title == "Treatment"
    assert {r.locale: r.title for r in framework.translations} == {
        "es": "Tratamiento", "fr": "Traitement"}


def test_a_blank_title_is_refused_and_nothing_changes(client, world):
    framework = world["framework"]
    url = f"/manage/frameworks/{framework.id}"
    login(client, world["coordinator"])
    response = submit(client, url, {"form": "framework", "fw-code": "NEW-CODE",
                                    "fw-language": "en", "fw-title": " "})
    assert response.status_code == 422
    assert "This field is required." in page_text(response)
    db.session.expire_all()
    assert db.session.get(Framework, framework.id).code == "PRC-TREAT"


def test_add_a_competency_inline(client, world):
    framework = world["framework"]
    url = f"/manage/frameworks/{framework.id}"
    login(client, world["coordinator"])
    response = submit(client, url, {"form": "competency", "new-code": "T4",
                                    "new-title": "Relapse prevention",
                                    "new-title_es": "Prevención de recaídas"})
    assert response.status_code == 302
    competency = db.session.scalar(select(Competency).where(
        Competency.framework_id == framework.id, Competency.code == "T4"))
    assert competency.position == 4
    assert competency.translation_for("es").title == "Prevención de recaídas"
    # The same code twice in a framework: refused, explained.
    response = submit(client, url, {"form": "competency", "new-code": "c1", "new-title": "X"})
    assert response.status_code == 422
    assert "Another competency of this framework uses this code." in page_text(response)


def test_edit_a_competency(client, world):
    competency = world["framework"].competencies[0]
    url = f"/manage/competencies/{competency.id}"
    login(client, world["coordinator"])
    assert "Tamizaje" in client.get(url).get_data(as_text=True)
    response = submit(client, url, {"code": "T1", "position": 9, "title": "Screening",
                                    "description": "", "title_es": "Cribado"})
    assert response.status_code == 302
    db.session.expire_all()
    competency = db.session.get(Competency, competency.id)
    assert (competency.code, competency.position, competency.title) == ("T1", 9, "Screening")
    assert competency.translation_for("es").title == "Cribado"
    response = submit(client, url, {"code": "bad code!", "title": "Screening"})
    assert response.status_code == 422
    assert "Use only letters, digits, dots and hyphens." in page_text(response)
    db.session.expire_all()
    assert db.session.get(Competency, competency.id).code == "T1"


def test_delete_an_unused_competency(client, world):
    competency_id = world["framework"].competencies[2].id
    login(client, world["coordinator"])
    response = submit(client, f"/manage/competencies/{competency_id}/delete",
                      form_url=f"/manage/competencies/{competency_id}")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Competency, competency_id) is None
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "competency.deleted"))


@pytest.mark.parametrize("use", ["evidence", "signoff"])
def test_a_used_competency_is_not_deleted(client, world, use):
    competency = world["framework"].competencies[0]
    if use == "evidence":
        add_evidence(make_assessment(make_course(world["program"])), competency)
    else:
        sign_off(make_user(), competency, world["coordinator"])
    login(client, world["coordinator"])
    url = f"/manage/competencies/{competency.id}"
    assert "cannot be deleted" in page_text(client.get(url))
    response = submit(client, url + "/delete", form_url=url)
    assert response.status_code == 422
    assert "This competency cannot be deleted" in page_text(response)
    db.session.expire_all()
    assert db.session.get(Competency, competency.id) is not None
    assert db.session.scalar(select(func.count()).select_from(Signoff)) == (
        1 if use == "signoff" else 0)


def test_adaptation_copies_everything_and_the_copy_is_independent(client, world):
    original = world["framework"]
    login(client, world["coordinator"])
    response = submit(client, f"/manage/frameworks/{original.id}/adapt",
                      {"adapt-country": "MX", "adapt-code": "PRC-TREAT-MX"},
                      form_url=f"/manage/frameworks/{original.id}")
    assert response.status_code == 302
    copy = db.session.scalar(select(Framework).where(Framework.code == "PRC-TREAT-MX"))
    assert response.location.endswith(f"/manage/frameworks/{copy.id}")
    assert (copy.country, copy.adapted_from_id, copy.program_id) == (
        "MX", original.id, original.program_id)
    assert (copy.title, copy.description) == (original.title, original.description)
    assert copy.translation_for("es").title == "Competencias de tratamiento"
    assert [(c.code, c.title, c.adapted_from_id) for c in copy.competencies] == [
        (c.code, c.title, c.id) for c in original.competencies]
    assert copy.competencies[0].translation_for("es").title == "Tamizaje"
    assert db.session.scalar(select(AuditLog).where(
        AuditLog.action == "framework.adapted", AuditLog.object_id == copy.id))

    # Edit the copy: the original keeps its texts.
    first = copy.competencies[0]
    assert submit(client, f"/manage/competencies/{first.id}", {
        "code": "T1-MX", "title": "Tamizaje (México)", "title_es": "Tamizaje MX"},
    ).status_code == 302
    assert submit(client, f"/manage/frameworks/{copy.id}", {
        "form": "framework", "fw-code": "PRC-TREAT-MX", "fw-language": "en",
        "fw-title": "Treatment, Mexico", "fw-country": "MX", "fw-title_es": "Tratamiento MX",
    }).status_code == 302
    db.session.expire_all()
    original = db.session.get(Framework, original.id)
    assert original.title == "Treatment competencies" and original.country is None
    assert original.translation_for("es").title == "Competencias de tratamiento"
    assert original.competencies[0].code == "C1"
    assert original.competencies[0].translation_for("es").title == "Tamizaje"


def test_adaptation_needs_a_country_and_a_free_code(client, world):
    original = world["framework"]
    url = f"/manage/frameworks/{original.id}"
    login(client, world["coordinator"])
    count = db.session.scalar(select(func.count()).select_from(Framework))
    response = submit(client, url + "/adapt", {"adapt-country": "", "adapt-code": "NEW"},
                      form_url=url)
    assert response.status_code == 422
    response = submit(client, url + "/adapt", {"adapt-country": "MX",
                                               "adapt-code": "PRC-TREAT"}, form_url=url)
    assert response.status_code == 422
    assert "Another framework already uses this code." in page_text(response)
    assert db.session.scalar(select(func.count()).select_from(Framework)) == count
