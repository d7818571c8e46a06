"""Who may post, edit and delete announcements, and what bad input leaves behind: nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.announcements import services
from lms.announcements.models import Announcement
from lms.audit.models import AuditLog
from lms.errors import DomainError
from lms.extensions import db
from tests.announcements.helpers import counts, make_world
from tests.conftest import page_text, submit
from tests.conftest import sign_in_quickly as login


def _post_cohort(client, world, **data):
    url = f"/cohorts/{world.cohort.id}/announcements/new"
    payload = {"language": "en", "title": "Room change", "body": "We meet in **room 4**."}
    payload.update(data)
    return submit(client, url, payload)


def _titles() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(Announcement.title).order_by(Announcement.id)))


@pytest.mark.parametrize("who", ["coordinator", "instructor"])
def test_the_coordinator_and_the_cohorts_instructor_post_to_the_cohort(client, database, who):
    world = make_world()
    login(client, getattr(world, who))
    response = _post_cohort(client, world, title=f"Note from the {who}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cohorts/{world.cohort.id}/announcements")
    announcement = db.session.scalar(select(Announcement))
    assert (announcement.title, announcement.cohort_id, announcement.program_id) == (
        f"Note from the {who}", world.cohort.id, None)
    assert announcement.author_id == getattr(world, who).id
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "announcement.posted"))
    assert entry.object_id == announcement.id and entry.actor_id == getattr(world, who).id
    page = page_text(client.get(f"/cohorts/{world.cohort.id}/announcements"))
    assert f"Note from the {who}" in page


@pytest.mark.parametrize("who", ["other_instructor", "ana", "stranger_coordinator",
                                 "outsider"])
def test_others_may_not_post_to_the_cohort(client, database, who):
    world = make_world()
    login(client, getattr(world, who))
    url = f"/cohorts/{world.cohort.id}/announcements/new"
    assert client.get(url).status_code == 403
    # The token of a form they may use; the post itself is refused.
    response = submit(client, url, {"language": "en", "title": "Sneaky", "body": "x"},
                      form_url="/profile")
    assert response.status_code == 403
    assert _titles() == []


def test_only_coordinators_post_to_the_whole_program(client, database):
    world = make_world()
    url = "/programs/PICAP/announcements/new"
    login(client, world.instructor)
    assert client.get(url).status_code == 403
    login(client, world.coordinator)
    response = submit(client, url, {"language": "en", "title": "Welcome, all", "body": "Hi"})
    assert response.status_code == 302
    announcement = db.session.scalar(select(Announcement))
    assert (announcement.program_id, announcement.cohort_id) == (world.program.id, None)


def test_an_administrator_may_post_anywhere(client, database):
    from tests.factories import make_user

    world = make_world()
    login(client, make_user(admin=True))
    assert _post_cohort(client, world).status_code == 302
    assert submit(client, "/programs/PICAP/announcements/new",
                  {"language": "en", "title": "From the admin", "body": "Hi"}).status_code == 302
    assert _titles() == ["Room change", "From the admin"]


@pytest.mark.parametrize(("data", "message"), [
    ({"title": "  "}, "This field is required."),
    ({"body": ""}, "This field is required."),
    ({"title": "T" * 201}, "200"),
    ({"language": "xx"}, "Not a valid choice"),
    ({"title_es": "Cambio de sala"}, "Give both a title and a text in Español"),
    ({"language": "es", "title_es": "Sala", "body_es": "Sala 4"},
     "Translations are for the other languages only."),
])
def test_bad_input_is_refused_with_a_message_and_changes_nothing(client, database, data,
                                                                  message):
    world = make_world()
    login(client, world.instructor)
    before = counts()
    response = _post_cohort(client, world, **data)
    assert response.status_code == 422
    assert message in page_text(response)
    assert counts() == before


def test_the_service_refuses_an_announcement_to_both_or_neither(database):
    world = make_world()
    before = counts()
    for audience in ({}, {"cohort": world.cohort, "program": world.program}):
        with pytest.raises(DomainError, match="one cohort or to one whole program"):
            services.post(world.coordinator, language="en", title="T", body="B", **audience)
    with pytest.raises(DomainError) as refused:
        services.post(world.coordinator, cohort=world.cohort, language=None, title="T",
                      body="B")
    assert refused.value.field == "language"
    assert counts() == before


def test_the_author_edits_and_readers_see_it_marked_as_edited(client, database, frozen_clock):
    world = make_world()
    announcement = services.post(world.instructor, cohort=world.cohort, language="en",
                                 title="Room change", body="Room 4",
                                 translations={"es": {"title": "Cambio", "body": "Sala 4"}})
    frozen_clock.advance(hours=2)
    login(client, world.instructor)
    url = f"/announcements/{announcement.id}/edit"
    form = client.get(url).get_data(as_text=True)
    # The Spanish text is there to edit.
    assert 'value="Cambio"' in form and "Sala 4</textarea>" in form
    response = submit(client, url, {"language": "en", "title": "Room change (again)",
                                    "body": "Room 5", "title_es": "", "body_es": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert (announcement.title, announcement.body) == ("Room change (again)", "Room 5")
    assert announcement.translations == []  # emptied: the Spanish version is gone
    assert announcement.edited_at is not None
    assert db.session.scalar(select(AuditLog.before).where(
        AuditLog.action == "announcement.edited"))["title"] == "Room change"
    assert "Edited" in page_text(client.get(f"/cohorts/{world.cohort.id}/announcements"))


def test_a_coordinator_deletes_an_instructors_post_another_instructor_may_not(client,
                                                                                database):
    world = make_world()
    world.other_cohort.instructors.append(world.instructor)
    announcement = services.post(world.instructor, cohort=world.cohort, language="en",
                                 title="Room change", body="Room 4")
    # A colleague teaching the same cohort did not write it.
    world.cohort.instructors.append(world.other_instructor)
    db.session.flush()
    login(client, world.other_instructor)
    list_url = f"/cohorts/{world.cohort.id}/announcements"
    assert "Delete “Room change”" not in page_text(client.get(list_url))
    assert client.get(f"/announcements/{announcement.id}/edit").status_code == 403
    assert submit(client, f"/announcements/{announcement.id}/delete",
                  form_url=list_url).status_code == 403
    assert _titles() == ["Room change"]

    login(client, world.coordinator)
    assert "Delete “Room change”" in page_text(client.get(list_url))
    response = submit(client, f"/announcements/{announcement.id}/delete", form_url=list_url)
    assert response.status_code == 302
    assert _titles() == []
    assert db.session.scalar(select(AuditLog.before).where(
        AuditLog.action == "announcement.deleted"))["title"] == "Room change"
