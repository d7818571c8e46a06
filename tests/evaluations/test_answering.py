"""A trainee evaluates their course once, after it ends, in their language; anonymous
answers name nobody and the receipt does not point at them."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import inspect, select

from lms.cohorts.models import EnrolmentStatus
from lms.evaluations import services
from lms.evaluations.models import (
    EvaluationAnswer,
    EvaluationKind,
    EvaluationReceipt,
    EvaluationResponse,
)
from lms.extensions import db
from lms.kernel import clock
from tests.conftest import page_text, submit
from tests.conftest import sign_in_quickly as login
from tests.evaluations.helpers import counts, make_world


def _answers(template, *, improve: str = "More practice") -> dict:
    items = template.current_items
    data = {f"item_{item.id}": str(value) for item, value in zip(items[:5], (5, 4, 4, 3, 5),
                                                                  strict=True)}
    data[f"item_{items[5].id}"] = improve
    return data


def test_no_evaluation_before_the_course_ends(client, database):
    world = make_world()
    login(client, world.learner)
    html = client.get(f"/cohorts/{world.cohort.id}").get_data(as_text=True)
    assert f"/cohorts/{world.cohort.id}/evaluation" not in html  # in any language
    assert client.get(f"/cohorts/{world.cohort.id}/evaluation").status_code == 403
    assert "to evaluate" not in page_text(client.get("/"))


def test_the_trainee_answers_once_in_their_language(client, database, frozen_clock):
    frozen_clock.set(datetime(2027, 3, 4, 15, 30))
    world = make_world()
    template = services.template_for(world.program, EvaluationKind.END)
    url = f"/cohorts/{world.cohort.id}/evaluation"
    login(client, world.trainee)  # speaks Spanish
    assert "Evaluar este curso" in page_text(client.get(f"/cohorts/{world.cohort.id}"))
    assert url in client.get("/").get_data(as_text=True)
    form = page_text(client.get(url))
    assert "El curso cumplió sus objetivos declarados." in form
    assert "The course met its stated objectives." not in form
    before = counts()

    response = submit(client, url, _answers(template))
    assert response.status_code == 302
    assert counts() == (before[0], before[1] + 1, before[2] + 6, before[3] + 1)
    response_row = db.session.scalar(select(EvaluationResponse))
    assert response_row.user_id is None  # anonymous by default
    # Only the day is kept, so the receipt's moment does not point at the response.
    assert clock.as_utc(response_row.submitted_at) == datetime(2027, 3, 4, tzinfo=clock.UTC)
    values = db.session.scalars(select(EvaluationAnswer.value).where(
        EvaluationAnswer.response_id == response_row.id).order_by(EvaluationAnswer.item_id))
    assert list(values) == [5, 4, 4, 3, 5, None]
    assert db.session.scalar(select(EvaluationAnswer.text).where(
        EvaluationAnswer.text.is_not(None))) == "More practice"
    receipt = db.session.scalar(select(EvaluationReceipt))
    assert (receipt.enrolment_id, receipt.kind, receipt.anonymous) == (
        world.enrolment.id, "end", True)

    # Asked again, nothing changes and the page says so.
    again = submit(client, url, _answers(template, improve="Changed my mind"),
                   form_url=f"/cohorts/{world.cohort.id}")
    assert again.status_code == 409
    assert counts() == (before[0], before[1] + 1, before[2] + 6, before[3] + 1)
    assert 'name="item_' not in again.get_data(as_text=True)  # the thank-you note, no form
    assert "Evaluar este curso" not in page_text(client.get(f"/cohorts/{world.cohort.id}"))
    assert url not in client.get("/").get_data(as_text=True)


def test_the_receipt_cannot_lead_to_the_answers(database):
    """The receipt table has no column that names a response, a template or a cohort."""
    columns = {column.key for column in inspect(EvaluationReceipt).columns}
    assert columns == {"id", "enrolment_id", "kind", "at", "anonymous"}
    response_columns = {column.key for column in inspect(EvaluationResponse).columns}
    assert "enrolment_id" not in response_columns


def test_a_named_questionnaire_keeps_the_person(client, database):
    world = make_world()
    template = services.template_for(world.program, EvaluationKind.END)
    template.anonymous = False
    world.trainee.locale = "en"
    db.session.flush()
    login(client, world.trainee)
    page = page_text(client.get(f"/cohorts/{world.cohort.id}/evaluation"))
    assert "This questionnaire is not anonymous" in page
    assert submit(client, f"/cohorts/{world.cohort.id}/evaluation",
                  _answers(template)).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(EvaluationResponse.user_id)) == world.trainee.id
    assert db.session.scalar(select(EvaluationReceipt.anonymous)) is False


def test_failed_trainees_evaluate_too_and_others_cannot(client, database):
    world = make_world()
    world.active_enrolment.status = EnrolmentStatus.FAILED
    db.session.flush()
    login(client, world.learner)
    assert client.get(f"/cohorts/{world.cohort.id}/evaluation").status_code == 200
    login(client, world.coordinator)  # not enrolled: nobody answers for another
    assert client.get(f"/cohorts/{world.cohort.id}/evaluation").status_code == 403


def test_bad_answers_change_nothing(client, database):
    world = make_world()
    template = services.template_for(world.program, EvaluationKind.END)
    url = f"/cohorts/{world.cohort.id}/evaluation"
    login(client, world.trainee)
    client.get(url)
    before = counts()
    first = template.current_items[0]
    retired = template.current_items[1]
    for change in ({f"item_{first.id}": "9"}, {f"item_{first.id}": "abc"},
                   {f"item_{first.id}": ""},
                   {f"item_{template.current_items[5].id}": "x" * 4001}):
        data = _answers(template) | change
        response = submit(client, url, data)
        assert response.status_code == 422, change
        assert counts() == before
    # A statement retired after the page was shown is not answered either.
    data = _answers(template)
    retired.retired = True
    db.session.flush()
    assert services.answered(world.enrolment.id, "end") is False
    response = submit(client, url, data)
    assert response.status_code == 302  # unknown fields are ignored, the rest recorded
    assert db.session.scalar(select(EvaluationAnswer.id).where(
        EvaluationAnswer.item_id == retired.id)) is None


def test_two_submissions_at_once_record_one(database, monkeypatch):
    """The second of two simultaneous submissions passes the check before the first is
    written; the receipt's unique key still refuses it, and nothing of it is kept."""
    world = make_world()
    template = services.template_for(world.program, EvaluationKind.END)
    first = template.current_items[0]
    services.submit(world.enrolment, template, {first.id: 4})
    before = counts()
    monkeypatch.setattr(services, "answered", lambda *_args: False)
    with pytest.raises(services.AlreadyAnswered):
        services.submit(world.enrolment, template, {first.id: 1})
    assert counts() == before
