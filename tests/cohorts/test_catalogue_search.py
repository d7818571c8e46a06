"""Searching the public catalogue: text, program, language, modality and country."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from lms.extensions import db
from lms.kernel import clock
from tests.conftest import page_text
from tests.factories import make_cohort, make_course, make_program

TODAY = clock.today(clock.UTC)
OVER = TODAY - timedelta(days=90)  # a cohort starting then ended 30 days ago
RUNNING = TODAY - timedelta(days=10)


def titles(response) -> list[str]:
    """The course titles listed, in order (each card's heading)."""
    html = response.get_data(as_text=True)
    return re.findall(r'<h2><a href="/courses/[^"]+">([^<]+)</a></h2>', html)


def test_text_finds_the_code_or_a_title_in_any_language(client):
    make_course(code="HR-101", title="Human rights",
                translations={"es": ("Derechos humanos", "")})
    make_course(code="INV-200", title="Investigation techniques")
    make_course(code="FOR-300", title="Forensic basics")

    assert titles(client.get("/courses?q=derechos")) == ["Human rights"]  # Spanish title
    assert titles(client.get("/courses?q=inv-2")) == ["Investigation techniques"]  # code
    assert titles(client.get("/courses?q=FORENSIC")) == ["Forensic basics"]  # any case
    assert titles(client.get("/courses?q=%20techniques%20")) == ["Investigation techniques"]


def test_text_wildcards_are_plain_characters(client):
    make_course(title="Online 100% course")
    make_course(title="Another course")

    assert titles(client.get("/courses?q=%25")) == ["Online 100% course"]
    assert titles(client.get("/courses?q=_")) == []
    assert "No course matches these filters." in page_text(client.get("/courses?q=_"))


def test_program_is_chosen_in_the_form(client):
    picap = make_program(code="PICAP", name="Police")
    make_course(picap, title="Police course")
    make_course(make_program(code="PROCCER"), title="Prevention course")

    response = client.get("/courses?program=PICAP")

    assert titles(response) == ["Police course"]
    html = response.get_data(as_text=True)
    assert re.search(r'<option selected value="PICAP">Police</option>', html)


def test_language_means_content_or_a_cohort_to_come_in_it(client):
    make_course(title="Written in Portuguese", language="pt")
    make_course(title="Translated to Portuguese", translations={"pt": ("Traduzido", "")})
    make_course(title="Empty translation", translations={"pt": ("", "Só resumo")})
    make_cohort(make_course(title="Taught in Portuguese"), language="pt")
    interpreted = make_cohort(make_course(title="Interpreted"), language="es")
    interpreted.interpretation_languages = "en,pt"
    make_cohort(make_course(title="Taught in Portuguese long ago"), language="pt",
                starts=OVER)
    make_cohort(make_course(title="Only English"))

    found = titles(client.get("/courses?language=pt"))

    # The visitor reads English: the translated course shows its English title.
    assert sorted(found) == ["Interpreted", "Taught in Portuguese",
                             "Translated to Portuguese", "Written in Portuguese"]


def test_language_codes_match_whole_codes_only(client):
    cohort = make_cohort(make_course(title="Interpreted to French"), language="es")
    cohort.interpretation_languages = "fr"
    db.session.flush()

    assert titles(client.get("/courses?language=fr")) == ["Interpreted to French"]
    assert titles(client.get("/courses?language=pt")) == []


def test_modality(client):
    make_course(title="In the classroom", modality="face_to_face")
    make_course(title="On the web", modality="online")
    make_course(title="Both", modality="blended")

    assert titles(client.get("/courses?modality=face_to_face")) == ["In the classroom"]
    assert titles(client.get("/courses?modality=online")) == ["On the web"]


def test_country_means_a_cohort_running_or_to_come_there(client):
    make_cohort(make_course(title="Upcoming in Colombia"), country="CO")
    make_cohort(make_course(title="Running in Colombia"), country="CO", starts=RUNNING)
    make_cohort(make_course(title="Over in Colombia"), country="CO", starts=OVER)
    make_cohort(make_course(title="Upcoming in Mexico"), country="MX")
    make_course(title="No cohort")

    found = titles(client.get("/courses?country=CO"))

    assert sorted(found) == ["Running in Colombia", "Upcoming in Colombia"]


def test_filters_combine(client):
    program = make_program(code="PICAP")
    make_cohort(make_course(program, title="Match", modality="face_to_face"),
                country="CO", language="es")
    make_cohort(make_course(program, title="Online", modality="online"),
                country="CO", language="es")
    make_cohort(make_course(program, title="Elsewhere", modality="face_to_face"),
                country="BR", language="es")
    make_cohort(make_course(title="Other program", modality="face_to_face"),
                country="CO", language="es")

    response = client.get("/courses?program=PICAP&language=es&modality=face_to_face"
                          "&country=CO&q=mat")

    assert titles(response) == ["Match"]
    assert "1 course" in page_text(response)


@pytest.mark.parametrize("query", [
    "modality=castle", "language=xx", "country=ZZ", "program=NOPE",
    "q=" + "x" * 101, "modality=online&country=Colombia",
])
def test_bad_filters_are_refused_with_a_message_and_list_nothing(client, query):
    make_course(title="Listed course", modality="online")

    response = client.get(f"/courses?{query}")

    assert response.status_code == 422
    assert titles(response) == []
    assert re.search(r"Not a valid choice|cannot be longer", page_text(response))


def test_refusals_are_translated(client):
    make_course(title="Listed course")

    response = client.get("/courses?modality=castle", headers={"Accept-Language": "es"})

    assert response.status_code == 422
    assert "Opción inválida." in page_text(response)
    assert "Not a valid choice" not in page_text(response)


def test_an_empty_form_lists_everything(client):
    make_course(title="First")
    make_course(title="Second")

    response = client.get("/courses?q=&program=&language=&modality=&country=")

    assert response.status_code == 200
    assert sorted(titles(response)) == ["First", "Second"]


def test_pagination_keeps_the_filters(client):
    program = make_program(code="AAA")
    for n in range(25):
        make_course(program, code=f"F-{n:02d}", title=f"Face course {n:02d}",
                    modality="face_to_face", lessons=0)
    for n in range(5):
        make_course(program, code=f"O-{n:02d}", title=f"Online course {n:02d}", lessons=0)

    first = client.get("/courses?q=course&modality=face_to_face")
    links = re.findall(r'href="(/courses\?[^"]*page=2[^"]*)"', first.get_data(as_text=True))

    assert len(links) == 1
    arguments = parse_qs(urlsplit(links[0].replace("&amp;", "&")).query)
    assert arguments == {"page": ["2"], "q": ["course"], "modality": ["face_to_face"]}
    second = client.get(links[0].replace("&amp;", "&"))
    assert titles(second) == [f"Face course {n:02d}" for n in range(20, 25)]
    assert "Page 2 of 2" in page_text(second)


def test_the_form_shows_what_was_asked_in_the_visitors_language(client):
    make_cohort(make_course(title="Human rights", translations={"es": ("Derechos humanos", "")}),
                country="CO")

    response = client.get("/courses?q=derechos&modality=online&country=CO",
                          headers={"Accept-Language": "es"})
    html = response.get_data(as_text=True)

    assert 'role="search"' in html
    assert re.search(r'<input[^>]*name="q"[^>]*value="derechos"', html)
    assert re.search(r'<option selected value="online">En línea</option>', html)
    assert re.search(r'<option selected value="CO">Colombia</option>', html)
    assert "Buscar" in page_text(response)
    assert titles(response) == ["Derechos humanos"]


def _search_queries(client, count_queries, database, courses: int) -> int:
    program = make_program(code=f"Q{courses}")
    for n in range(courses):
        course = make_course(program, title=f"Searchable {n}", modality="face_to_face",
                             translations={"es": ("Buscable", "Resumen")}, lessons=0)
        make_cohort(course, country="CO", language="es")
        make_cohort(course, country="CO", language="pt", capacity=5)
    database.session.expire_all()  # a missing eager load must show as a query
    url = (f"/courses?q=searchable&program={program.code}&language=es"
           "&modality=face_to_face&country=CO")
    client.get(url)  # warm: templates compiled
    database.session.expire_all()
    with count_queries("course search", f"{courses} courses") as counter:
        response = client.get(url)
    assert response.status_code == 200
    assert len(titles(response)) == courses
    return counter.count


def test_search_queries_do_not_grow_with_the_courses(client, database, count_queries):
    one = _search_queries(client, count_queries, database, 1)
    twenty = _search_queries(client, count_queries, database, 20)

    assert one == twenty
