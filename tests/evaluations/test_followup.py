"""The follow-up survey: mailed once, N months after completion, in the person's language,
through a signed link that works without signing in, once, for 90 days."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from lms.evaluations import services
from lms.evaluations.followup import send_followups
from lms.evaluations.models import (
    EvaluationFollowupMail,
    EvaluationKind,
    EvaluationReceipt,
    EvaluationResponse,
)
from lms.extensions import db
from lms.kernel import mail
from tests.conftest import page_text, submit
from tests.evaluations.helpers import counts, make_world

COMPLETED = datetime(2027, 1, 15, 9, 0, tzinfo=UTC)
LINK = re.compile(r"https?://\S+(/evaluations/followup/\S+)")


def _outbox() -> list[dict]:
    db.session.commit()  # as the command does: mail leaves after the commit
    return [m for m in mail.read_outbox() if "/evaluations/followup/" in m["body"]]


def _world(frozen_clock):
    frozen_clock.set(COMPLETED)
    world = make_world()
    world.enrolment.completed_at = COMPLETED
    db.session.flush()
    return world


def test_mailed_once_six_months_after_completion(database, frozen_clock):
    world = _world(frozen_clock)
    frozen_clock.set(datetime(2027, 7, 14, 23, 0))
    assert send_followups() == 0  # a day early
    frozen_clock.set(datetime(2027, 7, 15, 6, 0))
    assert send_followups() == 1
    assert send_followups() == 0
    frozen_clock.advance(days=1)
    assert send_followups() == 0
    [message] = _outbox()
    assert message["to"] == "ana@example.org"
    # In the trainee's language: the course's Spanish title.
    assert "Seguridad contra incendios" in message["subject"] + message["body"]
    assert LINK.search(message["body"])
    assert db.session.scalar(select(EvaluationFollowupMail.enrolment_id)) == world.enrolment.id


def test_the_programs_delay_and_the_catch_up_window(database, frozen_clock):
    world = _world(frozen_clock)
    template = services.template_for(world.program, EvaluationKind.FOLLOWUP)
    template.followup_months = 12
    db.session.flush()
    frozen_clock.set(datetime(2027, 7, 15, 12, 0))
    assert send_followups() == 0
    # A run missed for more than 60 days after the due date mails nobody.
    frozen_clock.set(datetime(2028, 3, 16, 12, 0))
    assert send_followups() == 0
    frozen_clock.set(datetime(2028, 1, 20, 12, 0))
    assert send_followups() == 1


def test_active_and_withdrawn_people_get_nothing(database, frozen_clock):
    world = _world(frozen_clock)
    world.enrolment.status = "withdrawn"
    db.session.flush()
    frozen_clock.set(datetime(2027, 7, 15, 12, 0))
    assert send_followups() == 0


def test_the_link_opens_the_survey_without_signing_in_once(client, database, frozen_clock):
    _world(frozen_clock)
    frozen_clock.set(datetime(2027, 7, 15, 6, 0))
    send_followups()
    [message] = _outbox()
    path = LINK.search(message["body"]).group(1)
    page = client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="es">' in html  # the mail's language, not the browser's
    assert "He aplicado en mi trabajo lo que aprendí en este curso." in page_text(page)
    before = counts()
    items = re.findall(r'name="(item_\d+)"', html)
    data = {name: "4" for name in dict.fromkeys(items)}
    textareas = re.findall(r'<textarea[^>]*name="(item_\d+)"', html)
    data.update({name: "I trained my team on evacuation drills." for name in textareas})
    assert submit(client, path, data).status_code == 302
    assert counts()[1:] == (before[1] + 1, before[2] + 4, before[3] + 1)
    assert db.session.scalar(select(EvaluationReceipt.kind)) == "followup"
    assert db.session.scalar(select(EvaluationResponse.user_id)) is None
    again = submit(client, path, data, form_url="/login")
    assert again.status_code == 409
    assert counts()[1:] == (before[1] + 1, before[2] + 4, before[3] + 1)


def test_an_expired_or_tampered_link_is_refused_clearly(client, database, frozen_clock):
    _world(frozen_clock)
    frozen_clock.set(datetime(2027, 7, 15, 6, 0))
    send_followups()
    path = LINK.search(_outbox()[0]["body"]).group(1)
    tampered = client.get(path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB"))
    assert tampered.status_code == 404
    assert "This survey link is not valid" in page_text(tampered)
    assert client.get("/evaluations/followup/not-a-token").status_code == 404
    frozen_clock.advance(timedelta(days=89))
    assert client.get(path).status_code == 200
    frozen_clock.advance(timedelta(days=2))
    expired = client.get(path)
    assert expired.status_code == 410
    assert "This survey link has expired" in page_text(expired)
    before = counts()
    assert submit(client, path, {}, form_url="/login").status_code == 410
    assert counts() == before


def test_the_daily_command(app, database, frozen_clock):
    _world(frozen_clock)
    frozen_clock.set(datetime(2027, 7, 16, 6, 0))
    result = app.test_cli_runner().invoke(args=["evaluations", "send-followups"])
    assert result.exit_code == 0, result.output
    assert "1 follow-up surveys sent." in result.output
    assert len(_outbox()) == 1
