"""The public catalog: course list and course page."""

from __future__ import annotations

import re
from datetime import date, timedelta

from lms.cohorts.models import EnrolmentStatus
from lms.kernel import clock
from tests.conftest import login, page_text, submit
from tests.factories import (
    enrol,
    enrol_many,
    make_cohort,
    make_coordinator,
    make_course,
    make_institution,
    make_program,
    make_user,
)

TODAY = clock.today(clock.UTC)


def test_list_shows_published_courses_only(client):
    program = make_program(name="Police Training")
    make_course(program, code="PUB-1", title="Human rights and use of force", hours=40,
                modality="face_to_face")
    make_course(program, code="DRAFT-1", title="Secret draft", published=False)

    response = client.get("/courses")

    text = page_text(response)
    assert response.status_code == 200
    assert "Human rights and use of force" in text
    assert "PUB-1" in text and "Police Training" in text
    assert "40" in text and "Face-to-face" in text
    assert "Secret draft" not in text


def test_list_counts_the_cohorts_open_for_enrolment(client):
    course = make_course(code="OPEN-1", title="Open course")
    make_cohort(course)
    make_cohort(course)
    make_cohort(course, opens=TODAY + timedelta(days=3))  # not open yet
    make_cohort(course, self_enrolment=False)  # by invitation
    full = make_cohort(course, capacity=1)
    enrol(full)
    make_course(code="SHUT-1", title="Nothing open")

    text = page_text(client.get("/courses"))

    assert "2 cohorts open for enrolment" in text
    assert "No cohort open for enrolment" in text


def test_titles_follow_the_browser_language_with_fallback(client):
    program = make_program(name="Prevention")
    program.translations.append(_program_translation("es", "Prevención"))
    make_course(program, code="A-1", title="Treatment basics",
                translations={"es": ("Fundamentos del tratamiento", "Resumen en español")})
    make_course(program, code="A-2", title="Only in English")
    make_course(program, code="A-3", title="Curso escrito en español", language="es")

    text = page_text(client.get("/courses", headers={"Accept-Language": "es"}))

    assert "Fundamentos del tratamiento" in text
    assert "Resumen en español" in text
    assert "Treatment basics" not in text
    assert "Only in English" in text  # no Spanish title: the course's own
    assert "Curso escrito en español" in text
    assert "Prevención" in text


def test_language_switcher_changes_the_titles(client):
    make_course(code="B-1", title="Investigation techniques",
                translations={"fr": ("Techniques policières", "")})

    response = submit(client, "/language", {"lang": "fr", "next": "/courses"},
                      form_url="/courses")
    assert response.status_code == 302

    text = page_text(client.get("/courses"))
    assert "Techniques policières" in text
    assert "Investigation techniques" not in text


def test_program_filter(client):
    proccer = make_program(code="PROCCER", name="PROCCER")
    picap = make_program(code="PICAP", name="PICAP")
    make_course(proccer, code="PRC-1", title="Prevention course")
    make_course(picap, code="PIC-1", title="Police course")

    text = page_text(client.get("/courses?program=PICAP"))

    assert "Police course" in text
    assert "Prevention course" not in text
    html = client.get("/courses").get_data(as_text=True)
    assert 'href="/courses?program=PROCCER"' in html


def test_pagination_twenty_per_page_ordered_by_program_then_code(client):
    first = make_program(code="AAA")
    second = make_program(code="BBB")
    for n in range(15):
        make_course(second, code=f"B-{n:02d}", title=f"Second program course {n:02d}",
                    lessons=0)
    for n in range(10):
        make_course(first, code=f"A-{n:02d}", title=f"First program course {n:02d}",
                    lessons=0)

    page_one = page_text(client.get("/courses"))
    page_two = page_text(client.get("/courses?page=2"))

    assert re.findall(r"First program course \d+", page_one) == [
        f"First program course {n:02d}" for n in range(10)]
    assert len(re.findall(r"Second program course \d+", page_one)) == 10
    assert "Second program course 09" in page_one
    assert "Second program course 10" not in page_one
    assert re.findall(r"Second program course \d+", page_two) == [
        f"Second program course {n:02d}" for n in range(10, 15)]
    assert "Page 2 of 2" in page_two


def _listing_queries(client, count_queries, database, courses: int, enrolments: int) -> int:
    program = make_program()
    cohorts = []
    for _ in range(courses):
        course = make_course(program, translations={"es": ("Título", "Resumen")})
        cohorts += [make_cohort(course), make_cohort(course, capacity=5)]
    enrol_many(cohorts[0], enrolments // 2)
    enrol_many(cohorts[1], enrolments - enrolments // 2)
    # Requests share the test's session: forget what the factories left in memory, or
    # a missing eager load would go unnoticed.
    database.session.expire_all()
    size = f"{courses} courses, {enrolments} enrolments"
    with count_queries("course list", size) as counter:
        response = client.get("/courses", headers={"Accept-Language": "es"})
    assert response.status_code == 200
    assert "Título" in page_text(response)
    return counter.count


def test_list_runs_the_same_queries_whatever_the_size(client, count_queries, database):
    small = _listing_queries(client, count_queries, database, courses=3, enrolments=10)
    # A second, larger catalog on top of the first: the page is full (20 courses).
    large = _listing_queries(client, count_queries, database, courses=30, enrolments=500)
    assert small == large
    assert small <= 8


# ---------------------------------------------------------------- course page

def test_course_page_shows_details_syllabus_and_cohorts(client):
    program = make_program(name="Police Training")
    course = make_course(program, code="PIC-HR", title="Human rights", hours=32,
                         modality="blended", language="en")
    host = make_institution(name="Policía Nacional de Colombia", country="CO")
    make_cohort(course, capacity=20, language="pt", country="BR", host=host,
                starts=date(TODAY.year + 1, 3, 2))

    response = client.get("/courses/PIC-HR")

    text = page_text(response)
    assert response.status_code == 200
    assert "Human rights" in text and "Police Training" in text
    assert "32" in text and "Blended" in text and "English" in text
    assert "Module" in text and "Lesson 1" in text and "Lesson 2" in text
    assert "Portuguese" in text and "Brazil" in text
    assert "Policía Nacional de Colombia" in text
    assert f"Mar 2, {TODAY.year + 1}" in text
    assert "20 seats left" in text
    assert "Sign in to enrol" in text
    assert 'href="/login?next=/courses/PIC-HR"' in response.get_data(as_text=True)


def test_course_page_shows_full_closed_and_not_yet_open_cohorts(client):
    course = make_course(code="STATES")
    full = make_cohort(course, capacity=2)
    enrol(full)
    enrol(full)
    nearly = make_cohort(course, capacity=3)
    enrol(nearly)
    enrol(nearly, status=EnrolmentStatus.WITHDRAWN)  # withdrawn: the seat is free again
    opening = TODAY + timedelta(days=10)
    make_cohort(course, opens=opening)
    make_cohort(course, closes=TODAY - timedelta(days=1))

    text = page_text(client.get("/courses/STATES"))

    assert "Full" in text
    assert "2 seats left" in text
    assert "Closed: opens on" in text
    assert "Closed for enrolment" in text


def test_signed_in_trainee_sees_enrol_button_or_enrolment(client):
    course = make_course(code="ENROL")
    enrolled_in = make_cohort(course)
    other = make_cohort(course)
    trainee = make_user()
    enrol(enrolled_in, trainee)
    login(client, trainee)

    html = client.get("/courses/ENROL").get_data(as_text=True)

    assert "You are enrolled" in html
    assert f'href="/cohorts/{enrolled_in.id}"' in html
    assert f'action="/cohorts/{other.id}/enrol"' in html
    assert f'action="/cohorts/{enrolled_in.id}/enrol"' not in html
    assert "Sign in to enrol" not in html


def test_unpublished_course_is_hidden_from_trainees_and_visitors(client):
    program = make_program()
    make_course(program, code="HIDDEN", title="Draft course", published=False)

    assert client.get("/courses/HIDDEN").status_code == 404
    login(client, make_user())
    assert client.get("/courses/HIDDEN").status_code == 404


def test_unpublished_course_is_shown_to_its_coordinator(client):
    program = make_program()
    make_course(program, code="HIDDEN", title="Draft course", published=False)
    login(client, make_coordinator(program))

    response = client.get("/courses/HIDDEN")

    assert response.status_code == 200
    assert "Draft course" in page_text(response)
    assert "Unpublished" in page_text(response)


def test_unknown_course_is_not_found(client):
    assert client.get("/courses/NOPE").status_code == 404


def _program_translation(locale: str, name: str):
    from lms.catalog.models import ProgramTranslation

    return ProgramTranslation(locale=locale, name=name, description="")


def _course_page_queries(client, count_queries, database, code: str, modules: int,
                         cohorts: int, enrolments: int) -> int:
    from lms.catalog.models import Lesson, Module, ModuleTranslation

    course = make_course(code=code, lessons=0, translations={"es": ("Curso", "Resumen")})
    for m in range(modules):
        module = Module(title=f"Module {m}", position=m,
                        translations=[ModuleTranslation(locale="es", title=f"Módulo {m}")])
        module.lessons = [Lesson(title=f"Lesson {m}.{n}", position=n) for n in range(3)]
        course.modules.append(module)
    made = [make_cohort(course, capacity=1000, host=make_institution()) for _ in range(cohorts)]
    enrol_many(made[0], enrolments)
    database.session.expire_all()
    with count_queries() as counter:
        response = client.get(f"/courses/{code}", headers={"Accept-Language": "es"})
    assert response.status_code == 200
    assert "Módulo 0" in page_text(response)
    return counter.count


def test_course_page_runs_the_same_queries_whatever_the_size(client, count_queries, database):
    login(client, make_user(locale="es"))
    small = _course_page_queries(client, count_queries, database, "SMALL", 1, 1, 5)
    large = _course_page_queries(client, count_queries, database, "LARGE", 8, 6, 300)
    assert small == large
