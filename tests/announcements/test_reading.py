"""Who reads an announcement, in which language, on which pages; safe Markdown; lists
that cost the same for 2 announcements as for 20."""

from __future__ import annotations

import pytest

from lms.announcements import queries, services
from lms.extensions import db
from tests.announcements.helpers import make_world
from tests.conftest import page_text
from tests.conftest import sign_in_quickly as login


def _to_cohort(world, **fields):
    values = {"language": "en", "title": "Room change", "body": "We meet in room 4."}
    values.update(fields)
    return services.post(world.instructor, cohort=world.cohort, **values)


def _to_program(world, **fields):
    values = {"language": "en", "title": "Welcome to PICAP", "body": "Read the guide."}
    values.update(fields)
    return services.post(world.coordinator, program=world.program, **values)


def test_a_cohort_announcement_reaches_its_members_only(client, database):
    world = make_world()
    announcement = _to_cohort(world)
    names = {user.full_name for user in queries.recipients(announcement)}
    # Its trainee; not the author, not the waiting list, not the other cohort.
    assert names == {"Ana Trainee"}

    login(client, world.ana)
    assert "Room change" in page_text(client.get("/announcements"))
    login(client, world.ben)
    assert "Room change" not in page_text(client.get("/announcements"))
    assert client.get(f"/cohorts/{world.cohort.id}/announcements").status_code == 403
    login(client, world.waiting)
    assert "Room change" not in page_text(client.get("/announcements"))


def test_a_program_announcement_reaches_every_running_cohort_and_its_instructors(
        client, database):
    world = make_world()
    announcement = _to_program(world)
    names = {user.full_name for user in queries.recipients(announcement)}
    assert names == {"Ana Trainee", "Ben Trainee", "Irene Instructor", "Oscar Instructor"}

    for reader in (world.ana, world.ben, world.instructor, world.other_instructor,
                   world.coordinator):
        login(client, reader)
        assert "Welcome to PICAP" in page_text(client.get("/announcements")), reader.full_name
        assert client.get("/programs/PICAP/announcements").status_code == 200
    # A finished cohort's trainee, the waiting list, strangers: not its readers.
    for outsider in (world.olga, world.waiting, world.outsider, world.stranger_coordinator):
        login(client, outsider)
        assert "Welcome to PICAP" not in page_text(client.get("/announcements"))
        assert client.get("/programs/PICAP/announcements").status_code == 403


def test_each_reader_sees_their_language_or_the_authors_with_a_notice(client, database):
    world = make_world()
    _to_cohort(world, language="es", title="Cambio de sala", body="Nos vemos en la sala 4.",
               translations={"pt": {"title": "Mudança de sala", "body": "Sala 4."}})
    world.cohort.instructors.append(world.other_instructor)
    login(client, world.ana)  # Spanish: the original, no notice
    page = page_text(client.get(f"/cohorts/{world.cohort.id}/announcements"))
    assert "Cambio de sala" in page and "Nos vemos en la sala 4." in page
    assert "Not available in your language" not in page

    login(client, world.other_instructor)  # English: not written in it
    response = client.get(f"/cohorts/{world.cohort.id}/announcements")
    page = page_text(response)
    assert "Cambio de sala" in page
    assert "Not available in your language; shown in Spanish." in page
    assert 'lang="es"' in response.get_data(as_text=True)

    world.other_instructor.locale = "pt"  # Portuguese: the author added it
    db.session.commit()  # to the test's savepoint, as a request's commit would
    page = page_text(client.get(f"/cohorts/{world.cohort.id}/announcements"))
    assert "Mudança de sala" in page and "Cambio de sala" not in page


def test_markdown_is_shown_sanitised(client, database):
    world = make_world()
    _to_cohort(world, body="**Bring** your badge.\n\n<script>alert('x')</script>\n\n"
                           "[click](javascript:alert(1)) <img src=x onerror=alert(2)>")
    login(client, world.ana)
    for url in (f"/cohorts/{world.cohort.id}", f"/cohorts/{world.cohort.id}/announcements",
                "/announcements"):
        html = client.get(url).get_data(as_text=True)
        assert "<strong>Bring</strong>" in html, url
        assert "alert('x')" not in html and "javascript:" not in html, url
        assert "onerror" not in html, url


def test_the_cohort_page_shows_the_newest_three_and_links_to_all(client, database,
                                                                   frozen_clock):
    world = make_world()
    for number in range(1, 5):
        _to_cohort(world, title=f"Note {number}")
        frozen_clock.advance(minutes=1)
    _to_program(world, title="To everyone")
    login(client, world.ana)
    page = page_text(client.get(f"/cohorts/{world.cohort.id}"))
    assert "To everyone" in page and "Note 4" in page and "Note 3" in page
    assert "Note 2" not in page and "Note 1" not in page
    assert page.index("To everyone") < page.index("Note 4") < page.index("Note 3")
    assert "All announcements" in page or "Todos los anuncios" in page  # her language
    assert "Post an announcement" not in page
    login(client, world.instructor)
    assert "Post an announcement" in page_text(client.get(f"/cohorts/{world.cohort.id}"))


def test_the_home_page_shows_them_to_trainees_and_teachers(client, database):
    world = make_world()
    _to_cohort(world, title="Room change")
    _to_program(world, title="Welcome to PICAP")
    login(client, world.ana)
    html = client.get("/").get_data(as_text=True)
    assert "Room change" in html and "Welcome to PICAP" in html
    assert "/announcements\">" in html  # "All announcements"
    login(client, world.other_instructor)  # teaches the other cohort: the program's only
    page = page_text(client.get("/"))
    assert "Welcome to PICAP" in page and "Room change" not in page
    login(client, world.outsider)
    assert "Announcements" not in page_text(client.get("/"))


@pytest.mark.parametrize(("page", "url"), [
    ("announcements of a cohort", "/cohorts/{cohort}/announcements"),
    ("announcements, mine", "/announcements"),
    ("announcements of a program", "/programs/PICAP/announcements"),
])
def test_the_lists_cost_the_same_for_2_or_20_announcements(client, database, count_queries,
                                                             page, url):
    world = make_world()
    url = url.format(cohort=world.cohort.id)
    login(client, world.ana)

    def measured(size: int) -> int:
        while len(queries.page_for_user(world.ana, 1, 100).items) < size:
            if len(queries.page_for_user(world.ana, 1, 100).items) % 2:
                _to_cohort(world, translations={"es": {"title": "Sala", "body": "Sala 4"}})
            else:
                _to_program(world)
        client.get(url)  # warm
        with count_queries(page, f"{size} announcements") as counter:
            response = client.get(url)
        assert response.status_code == 200
        return counter.count

    assert measured(2) == measured(20)
