"""Posting with "mail" announces announcement_posted once; the mail's words are in each
reader's language (the notifications package sends them)."""

from __future__ import annotations

from contextlib import contextmanager

from lms.announcements import services
from lms.kernel import events
from tests.announcements.helpers import make_world
from tests.conftest import sign_in_quickly as login
from tests.conftest import submit


@contextmanager
def recording(signal):
    calls: list[tuple] = []

    def recorder(sender, **kwargs):
        # Plain values: the request's session is gone once it answers.
        calls.append(({"id": sender.id, "title": sender.title, "mail": sender.mail},
                      {"actor": kwargs["actor"].id}))

    with signal.connected_to(recorder):
        yield calls


def test_the_event_is_sent_once_when_the_author_mails_it(client, database):
    world = make_world()
    login(client, world.instructor)
    url = f"/cohorts/{world.cohort.id}/announcements/new"
    with recording(events.announcement_posted) as calls:
        response = submit(client, url, {"language": "en", "title": "Mailed", "body": "Hi",
                                        "mail": "y"})
        assert response.status_code == 302
        assert len(calls) == 1
        sender, kwargs = calls[0]
        assert sender["title"] == "Mailed" and sender["id"] and sender["mail"] is True
        assert kwargs["actor"] == world.instructor.id
        # Editing it does not mail it again.
        assert submit(client, f"/announcements/{sender['id']}/edit",
                      {"language": "en", "title": "Mailed, corrected", "body": "Hi"}
                      ).status_code == 302
        assert len(calls) == 1


def test_no_event_without_mail(client, database):
    world = make_world()
    login(client, world.instructor)
    with recording(events.announcement_posted) as calls:
        response = submit(client, f"/cohorts/{world.cohort.id}/announcements/new",
                          {"language": "en", "title": "Quiet", "body": "Hi"})
    assert response.status_code == 302
    assert calls == []


def test_the_mail_speaks_the_readers_language_or_says_it_does_not(app, database):
    world = make_world()
    announcement = services.post(
        world.coordinator, cohort=world.cohort, language="en", title="Room change",
        body="Meet in **room 4**.\n\n<script>alert(1)</script>",
        translations={"es": {"title": "Cambio de sala", "body": "Sala **4**."}}, mail=True)
    with app.test_request_context():
        subject, text, html = services.message_for(announcement, "es")
        assert "Cambio de sala" in subject
        assert "Sala **4**." in text and "Not available" not in text
        assert "<strong>4</strong>" in html and 'lang="es"' in html
        assert f"/cohorts/{world.cohort.id}/announcements" in text

        subject, text, html = services.message_for(announcement, "fr")
        assert "Room change" in subject
        assert "room 4" in text and "<strong>room 4</strong>" in html
        assert "<script>" not in html
        # The notice, in French when the catalogue has it; naming English either way.
        assert "anglais" in text or "English" in text
