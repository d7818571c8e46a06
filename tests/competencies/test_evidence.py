"""Coordinators map assessments and checklist items to competencies."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from lms.assessments.observations.models import ObservationItem
from lms.audit.models import AuditLog
from lms.competencies.models import Evidence
from lms.extensions import db
from tests.assessments.factories import make_assessment
from tests.competencies.factories import add_evidence, make_framework
from tests.conftest import page_text, submit
from tests.conftest import sign_in_quickly as login
from tests.factories import make_coordinator, make_course, make_program, make_user


@pytest.fixture
def world(database):
    program = make_program()
    course = make_course(program)
    framework = make_framework(program, code="FW-A")
    quiz = make_assessment(course, "quiz", title="Knowledge test")
    observation = make_assessment(course, "observation", title="Skills")
    items = [ObservationItem(assessment=observation, position=i, text=f"Item {i}")
             for i in (1, 2)]
    db.session.add_all(items)
    db.session.flush()
    foreign = make_framework(make_program(), code="FW-OTHER")
    return {"program": program, "framework": framework, "quiz": quiz,
            "observation": observation, "items": items, "foreign": foreign,
            "coordinator": make_coordinator(program)}


def _url(assessment):
    return f"/manage/assessments/{assessment.id}/competencies"


def test_permissions(client, world):
    url = _url(world["quiz"])
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.location
    for user in (make_user(), make_coordinator(make_program())):
        login(client, user)
        assert client.get(url).status_code == 403
        c1 = world["framework"].competencies[0]
        response = submit(client, url, {"action": "set", "competency_id": c1.id,
                                        "min_score": "50"}, form_url="/courses")
        assert response.status_code == 403
    assert db.session.scalars(select(Evidence)).all() == []


def test_add_change_and_remove_a_mapping(client, world):
    quiz, c1 = world["quiz"], world["framework"].competencies[0]
    url = _url(quiz)
    login(client, world["coordinator"])
    page = page_text(client.get(url))
    assert "FW-A · C1" in page and "FW-OTHER" not in page
    assert submit(client, url, {"action": "set", "competency_id": c1.id,
                                "min_score": "75.5"}).status_code == 302
    assert db.session.get(Evidence, (quiz.id, c1.id)).min_score == Decimal("75.50")
    assert submit(client, url, {"action": "set", "competency_id": c1.id,
                                "min_score": "60"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Evidence, (quiz.id, c1.id)).min_score == Decimal("60.00")
    assert "FW-A · C1" in page_text(client.get(url))
    assert submit(client, url, {"action": "remove",
                                "competency_id": c1.id}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Evidence, (quiz.id, c1.id)) is None
    actions = db.session.scalars(select(AuditLog.action).where(
        AuditLog.action.like("competency.evidence%"))).all()
    assert sorted(actions) == ["competency.evidence_removed", "competency.evidence_set",
                               "competency.evidence_set"]


@pytest.mark.parametrize("score", ["101", "-1", "abc", ""])
def test_a_bad_minimum_score_is_refused(client, world, score):
    quiz, c1 = world["quiz"], world["framework"].competencies[0]
    add_evidence(quiz, c1, 70)
    login(client, world["coordinator"])
    response = submit(client, _url(quiz), {"action": "set", "competency_id": c1.id,
                                           "min_score": score})
    assert response.status_code == 422
    assert "Enter a minimum score between 0 and 100." in page_text(response) or \
        "Not a valid decimal value." in page_text(response)
    db.session.expire_all()
    assert db.session.get(Evidence, (quiz.id, c1.id)).min_score == Decimal("70")


def test_a_competency_of_another_program_is_refused(client, world):
    quiz, foreign = world["quiz"], world["foreign"].competencies[0]
    login(client, world["coordinator"])
    response = submit(client, _url(quiz), {"action": "set", "competency_id": foreign.id,
                                           "min_score": "50"})
    assert response.status_code == 422
    assert db.session.scalars(select(Evidence)).all() == []


def test_map_checklist_items(client, world):
    observation, (first, second) = world["observation"], world["items"]
    c2 = world["framework"].competencies[1]
    url = _url(observation)
    login(client, world["coordinator"])
    page = page_text(client.get(url))
    assert "Item 1" in page and "No competency" in page
    response = submit(client, url, {"action": "items", f"item_{first.id}": c2.id,
                                    f"item_{second.id}": 0})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ObservationItem, first.id).competency_id == c2.id
    assert db.session.get(ObservationItem, second.id).competency_id is None
    # Back to none; an unknown competency is refused and changes nothing.
    response = submit(client, url, {"action": "items",
                                    f"item_{first.id}": world["foreign"].competencies[0].id,
                                    f"item_{second.id}": 0})
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(ObservationItem, first.id).competency_id == c2.id
    assert submit(client, url, {"action": "items", f"item_{first.id}": 0,
                                f"item_{second.id}": 0}).status_code == 302
    db.session.expire_all()
    assert db.session.get(ObservationItem, first.id).competency_id is None


def test_a_quiz_has_no_checklist_section(client, world):
    login(client, world["coordinator"])
    assert "Checklist items" not in page_text(client.get(_url(world["quiz"])))
