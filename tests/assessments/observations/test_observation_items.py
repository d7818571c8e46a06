"""Editing an observation checklist: who may, and what adding, editing, moving, deleting do."""

from __future__ import annotations

from lms.assessments.models import AssessmentKind
from lms.assessments.observations.models import ObservationItem
from tests.assessments.factories import make_assessment
from tests.assessments.observations.helpers import audit_actions, make_checklist, make_world
from tests.conftest import page_text, submit
from tests.conftest import sign_in_quickly as login


def _items(database, assessment) -> list[tuple[int, str]]:
    database.session.expire_all()
    rows = database.session.scalars(
        database.select(ObservationItem).where(ObservationItem.assessment_id == assessment.id)
        .order_by(ObservationItem.position))
    return [(row.position, row.text) for row in rows]


def test_only_the_programs_coordinators_edit_the_checklist(client, database):
    world = make_world()
    assessment = make_checklist(world.course, ["Greets the client"])
    url = f"/manage/assessments/{assessment.id}/items"
    assert client.get(url).status_code == 302  # anonymous: to the login page
    for user in (world.trainee, world.instructor, world.other_coordinator):
        login(client, user)
        assert client.get(url).status_code == 403, user
        # A valid CSRF token (any page has one), so that only the permission refuses.
        assert submit(client, url, {"text": "Sneaky"}, form_url="/courses").status_code == 403
    login(client, world.coordinator)
    response = client.get(url)
    assert response.status_code == 200
    assert "Greets the client" in page_text(response)
    assert _items(database, assessment) == [(1, "Greets the client")]
    assert audit_actions("observation_item.") == []


def test_a_quiz_has_no_checklist(client, database):
    world = make_world()
    quiz = make_assessment(world.course, AssessmentKind.QUIZ)
    login(client, world.coordinator)
    assert client.get(f"/manage/assessments/{quiz.id}/items").status_code == 404


def test_add_edit_translate_move_and_delete_items(client, database):
    world = make_world()
    assessment = make_checklist(world.course, ["Greets the client"])
    url = f"/manage/assessments/{assessment.id}/items"
    login(client, world.coordinator)

    response = submit(client, url, {"text": "Explains confidentiality",
                                    "text_es": "Explica la confidencialidad"})
    assert response.status_code == 302
    assert _items(database, assessment) == [(1, "Greets the client"),
                                            (2, "Explains confidentiality")]
    second = database.session.scalar(database.select(ObservationItem).where(
        ObservationItem.text == "Explains confidentiality"))
    assert second.translation_for("es").text == "Explica la confidencialidad"

    # Edit: the form is filled from the item, then saved.
    page = client.get(f"{url}?edit={second.id}")
    assert "Explica la confidencialidad" in page.get_data(as_text=True)
    response = submit(client, url, {"item_id": str(second.id), "text": "Explains privacy",
                                    "text_es": ""})
    assert response.status_code == 302
    database.session.expire_all()
    assert second.text == "Explains privacy"
    assert second.translation_for("es") is None  # blank: falls back to the original

    response = submit(client, url, {"action": "up", "item_id": str(second.id)})
    assert response.status_code == 302
    assert _items(database, assessment) == [(1, "Explains privacy"), (2, "Greets the client")]

    response = submit(client, url, {"action": "delete", "item_id": str(second.id)})
    assert response.status_code == 302
    assert _items(database, assessment) == [(1, "Greets the client")]
    assert audit_actions("observation_item.") == [
        "observation_item.created", "observation_item.updated", "observation_item.moved",
        "observation_item.deleted"]


def test_an_empty_item_is_refused_with_422(client, database):
    world = make_world()
    assessment = make_checklist(world.course, [])
    login(client, world.coordinator)
    response = submit(client, f"/manage/assessments/{assessment.id}/items", {"text": "  "})
    assert response.status_code == 422
    assert "This field is required." in page_text(response)
    assert _items(database, assessment) == []


def test_an_item_of_another_checklist_cannot_be_touched(client, database):
    world = make_world()
    mine = make_checklist(world.course, ["Mine"])
    theirs = make_checklist(world.course, ["Theirs"])
    other_item = theirs.observation_items[0]
    login(client, world.coordinator)
    url = f"/manage/assessments/{mine.id}/items"
    assert submit(client, url, {"action": "delete", "item_id": str(other_item.id)}
                  ).status_code == 422
    assert submit(client, url, {"item_id": str(other_item.id), "text": "Hijacked"}
                  ).status_code == 404
    assert _items(database, theirs) == [(1, "Theirs")]


def test_an_item_id_that_is_not_a_plain_number_names_no_item(client, database):
    world = make_world()
    mine = make_checklist(world.course, ["Mine"])
    login(client, world.coordinator)
    url = f"/manage/assessments/{mine.id}/items"
    # "²" passes str.isdigit(), which int() refuses.
    assert submit(client, url, {"item_id": "²", "text": "Changed"}).status_code == 404
    assert _items(database, mine) == [(1, "Mine")]
