"""A program's questionnaires: the built-in defaults in four languages, and what its
coordinators may change (items, translations, order, anonymity, follow-up delay)."""

from __future__ import annotations

from sqlalchemy import select

from lms.audit.models import AuditLog
from lms.evaluations import services
from lms.evaluations.models import (
    EvaluationAnswer,
    EvaluationItem,
    EvaluationKind,
    EvaluationResponse,
    EvaluationTemplate,
)
from lms.extensions import db
from tests.conftest import page_text, submit
from tests.conftest import sign_in_quickly as login
from tests.evaluations.helpers import make_world


def _template(program, kind: str) -> EvaluationTemplate:
    db.session.expire_all()
    return db.session.scalar(select(EvaluationTemplate).where(
        EvaluationTemplate.program_id == program.id, EvaluationTemplate.kind == kind))


def _texts(template: EvaluationTemplate) -> list[tuple[str, str, bool]]:
    db.session.expire_all()
    return [(item.kind, item.text, item.retired) for item in template.items]


def test_the_default_questionnaires_speak_four_languages(database):
    world = make_world()
    end = services.template_for(world.program, EvaluationKind.END)
    assert end.anonymous is True
    assert [item.kind for item in end.items] == ["likert"] * 5 + ["text"]
    first = end.items[0]
    assert first.text == "The course met its stated objectives."
    assert {row.locale: row.text for row in first.translations} == {
        "es": "El curso cumplió sus objetivos declarados.",
        "fr": "Le cours a atteint les objectifs annoncés.",
        "pt": "O curso cumpriu os objetivos declarados.",
    }
    assert end.items[-1].in_locale("text", "fr") == "Que devrions-nous améliorer\u00a0?"
    followup = services.template_for(world.program, EvaluationKind.FOLLOWUP)
    assert followup.followup_months == 6
    assert [item.kind for item in followup.items] == ["likert", "likert", "text", "text"]
    assert followup.items[0].in_locale("text", "pt") == (
        "Apliquei no meu trabalho o que aprendi neste curso.")
    # Asked again, the same template comes back: one per program and kind.
    assert services.template_for(world.program, EvaluationKind.END).id == end.id


def test_a_program_in_spanish_gets_its_own_text_in_spanish(database):
    world = make_world()
    world.program.language = "es"
    template = services.template_for(world.program, EvaluationKind.END)
    item = template.items[1]
    assert item.text == "El contenido es pertinente para mi trabajo."
    assert item.in_locale("text", "en") == "The content is relevant to my work."


def test_only_the_programs_coordinators_edit(client, database):
    world = make_world()
    url = f"/manage/programs/{world.program.id}/evaluations/end"
    assert client.get(url).status_code == 302  # to the login page
    for user in (world.trainee, world.other_coordinator):
        login(client, user)
        assert client.get(url).status_code == 403
        response = submit(client, url, {"form": "item", "kind": "likert", "text": "Sneaky"},
                          form_url="/courses")
        assert response.status_code == 403
    login(client, world.coordinator)
    response = client.get(url)
    assert response.status_code == 200
    assert "The course met its stated objectives." in page_text(response)
    assert "Strongly" not in page_text(response)  # the editor, not the form


def test_add_edit_move_and_delete_an_item(client, database):
    world = make_world()
    url = f"/manage/programs/{world.program.id}/evaluations/followup"
    login(client, world.coordinator)
    template = _template(world.program, "followup") or services.template_for(
        world.program, EvaluationKind.FOLLOWUP)
    response = submit(client, url, {"form": "item", "kind": "likert",
                                     "text": "My supervisor supports what I learned.",
                                     "text_es": "Mi supervisor apoya lo que aprendí."})
    assert response.status_code == 302
    added = _template(world.program, "followup").items[-1]
    assert (added.position, added.kind, added.text) == (
        5, "likert", "My supervisor supports what I learned.")
    assert added.in_locale("text", "es") == "Mi supervisor apoya lo que aprendí."
    assert added.in_locale("text", "fr") == "My supervisor supports what I learned."
    added_id = added.id

    response = submit(client, url, {"form": "item", "item_id": added.id, "kind": "text",
                                    "text": "My manager supports what I learned.",
                                    "text_fr": "Mon responsable soutient ce que j’ai appris."})
    assert response.status_code == 302
    db.session.expire_all()
    edited = db.session.get(EvaluationItem, added.id)
    assert edited.kind == "likert"  # the kind of an item never changes
    assert edited.in_locale("text", "fr") == "Mon responsable soutient ce que j’ai appris."
    assert edited.in_locale("text", "es") == "My manager supports what I learned."  # cleared

    response = submit(client, url, {"form": "item-action", "action": "up", "item_id": added.id})
    assert response.status_code == 302
    assert [text for _k, text, _r in _texts(template)][3:5] == [
        "My manager supports what I learned.", "What made applying it difficult?"]

    response = submit(client, url, {"form": "item-action", "action": "remove",
                                    "item_id": added_id})
    assert response.status_code == 302
    assert db.session.scalar(select(EvaluationItem).where(
        EvaluationItem.id == added_id)) is None  # no answers: deleted
    actions = db.session.scalars(select(AuditLog.action).where(
        AuditLog.action.like("evaluation_item.%")).order_by(AuditLog.id)).all()
    assert actions == ["evaluation_item.created", "evaluation_item.updated",
                       "evaluation_item.moved", "evaluation_item.deleted"]


def test_an_item_with_answers_is_retired_not_deleted(client, database):
    world = make_world()
    template = services.template_for(world.program, EvaluationKind.END)
    answered = template.items[0]
    response = EvaluationResponse(template_id=template.id, cohort_id=world.cohort.id,
                                  kind="end")
    response.answers.append(EvaluationAnswer(item_id=answered.id, value=4))
    db.session.add(response)
    db.session.flush()
    url = f"/manage/programs/{world.program.id}/evaluations/end"
    login(client, world.coordinator)
    result = submit(client, url, {"form": "item-action", "action": "remove",
                                  "item_id": answered.id})
    assert result.status_code == 302
    db.session.expire_all()
    item = db.session.get(EvaluationItem, answered.id)
    assert item is not None and item.retired
    assert db.session.scalar(select(EvaluationAnswer.value).where(
        EvaluationAnswer.item_id == item.id)) == 4
    assert item not in _template(world.program, "end").current_items
    page = page_text(client.get(url))
    assert "Retired items" in page and "The item has answers, so it was retired" in page
    # A retired item cannot be edited any more.
    refused = submit(client, url, {"form": "item", "item_id": item.id, "kind": "likert",
                                   "text": "Changed"})
    assert refused.status_code == 404
    db.session.expire_all()
    assert db.session.get(EvaluationItem, answered.id).text == (
        "The course met its stated objectives.")


def test_settings_anonymity_and_follow_up_months(client, database):
    world = make_world()
    login(client, world.coordinator)
    url = f"/manage/programs/{world.program.id}/evaluations/followup"
    response = submit(client, url, {"form": "settings", "followup_months": "12"})
    assert response.status_code == 302
    template = _template(world.program, "followup")
    assert (template.anonymous, template.followup_months) == (False, 12)
    for bad in ("0", "37", "six", ""):
        response = submit(client, url, {"form": "settings", "anonymous": "y",
                                        "followup_months": bad})
        assert response.status_code == 422, bad
        template = _template(world.program, "followup")
        assert (template.anonymous, template.followup_months) == (False, 12)
    assert "from 1 to 36" in page_text(response)


def test_bad_item_input_changes_nothing(client, database):
    world = make_world()
    login(client, world.coordinator)
    url = f"/manage/programs/{world.program.id}/evaluations/end"
    client.get(url)
    before = _texts(_template(world.program, "end"))
    for data in ({"form": "item", "kind": "likert", "text": "  "},
                 {"form": "item", "kind": "stars", "text": "A statement"},
                 {"form": "item", "kind": "likert", "text": "x" * 1001},
                 {"form": "item-action", "action": "explode", "item_id": "1"},
                 {"form": "item-action", "action": "up", "item_id": "999999"}):
        response = submit(client, url, data)
        assert response.status_code == 422, data
        assert _texts(_template(world.program, "end")) == before
