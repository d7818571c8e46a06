"""Managing the catalog: who may, what it writes, and what it refuses."""

from __future__ import annotations

import pytest

from lms.audit.models import AuditLog
from lms.catalog.models import Course, CourseTranslation, Lesson, Module, Program
from tests.conftest import csrf_token, login, page_text, submit
from tests.factories import make_cohort, make_coordinator, make_course, make_program, make_user


def count(database, model) -> int:
    database.session.expire_all()
    return database.session.scalar(database.select(database.func.count()).select_from(model))


def audit_actions(database) -> list[str]:
    return list(database.session.scalars(database.select(AuditLog.action).order_by(AuditLog.id)))


def course_data(program: Program, **overrides) -> dict:
    data = {"program_id": program.id, "code": "PRC-MI-1", "title": "Motivational interviewing",
            "summary": "Talking with people about change.", "hours": "24",
            "modality": "blended", "language": "en"}
    data.update(overrides)
    return data


# ---------------------------------------------------------------- the coordinator's work

def test_coordinator_builds_and_publishes_a_course(client, visitor, database):
    program = make_program(code="PROCCER", name="PROCCER")
    login(client, make_coordinator(program))

    response = submit(client, "/manage/courses/new", course_data(program))
    assert response.status_code == 302
    course = database.session.scalar(database.select(Course).where(Course.code == "PRC-MI-1"))
    assert course is not None and not course.published
    assert (course.hours, course.modality, course.program_id) == (24, "blended", program.id)
    edit_url = f"/manage/courses/{course.id}"
    assert response.headers["Location"] == edit_url

    # Translations, on the same page as the course's details.
    response = submit(client, edit_url, course_data(
        program, title_es="Entrevista motivacional", summary_es="Hablar del cambio.",
        title_pt="Entrevista motivacional (pt)"))
    assert response.status_code == 302
    database.session.expire_all()
    rows = {row.locale: (row.title, row.summary) for row in course.translations}
    assert rows == {"es": ("Entrevista motivacional", "Hablar del cambio."),
                    "pt": ("Entrevista motivacional (pt)", "")}

    # A module, then a lesson in it.
    response = submit(client, f"/manage/courses/{course.id}/modules/new",
                      {"title": "Foundations", "title_es": "Fundamentos"})
    assert response.status_code == 302
    module = database.session.scalar(database.select(Module).where(Module.course_id == course.id))
    assert (module.title, module.position) == ("Foundations", 1)
    response = submit(client, f"/manage/modules/{module.id}/lessons/new",
                      {"title": "What change talk sounds like", "body": "## Listen\n\n- reflect",
                       "title_es": "Cómo suena el discurso de cambio"})
    assert response.status_code == 302
    lesson = database.session.scalar(database.select(Lesson).where(Lesson.module_id == module.id))
    assert lesson.body == "## Listen\n\n- reflect"
    assert response.headers["Location"] == f"/manage/lessons/{lesson.id}"

    # Publish: it appears in the public catalog, in Spanish for a Spanish reader.
    assert "Motivational interviewing" not in page_text(visitor.get("/courses"))
    assert visitor.get("/courses/PRC-MI-1").status_code == 404
    response = submit(client, f"/manage/courses/{course.id}/publish", {"published": "1"},
                      form_url=edit_url)
    assert response.status_code == 302
    database.session.expire_all()
    assert course.published
    text = page_text(visitor.get("/courses/PRC-MI-1", headers={"Accept-Language": "es"}))
    assert "Entrevista motivacional" in text
    assert "Fundamentos" in text and "Cómo suena el discurso de cambio" in text
    assert "Motivational interviewing" in page_text(visitor.get("/courses"))

    assert audit_actions(database) == [
        "course.create", "course.update", "module.create", "lesson.create", "course.publish"]

    # Unpublish again.
    submit(client, f"/manage/courses/{course.id}/publish", {"published": "0"},
           form_url=edit_url)
    database.session.expire_all()
    assert not course.published
    assert visitor.get("/courses/PRC-MI-1").status_code == 404
    assert client.get("/courses/PRC-MI-1").status_code == 200  # the coordinator still sees it


def test_blank_translation_falls_back_and_removes_the_row(client, visitor, database):
    program = make_program()
    course = make_course(program, code="TR-1", title="Original",
                         translations={"fr": ("Titre", "Résumé")})
    login(client, make_coordinator(program))

    edit = client.get(f"/manage/courses/{course.id}").get_data(as_text=True)
    assert 'value="Titre"' in edit  # the existing translation is in the form
    assert 'name="title_en"' not in edit  # no translation into the course's own language
    submit(client, f"/manage/courses/{course.id}", course_data(program, code="TR-1",
                                                               title="Original"))

    assert count(database, CourseTranslation) == 0
    text = page_text(visitor.get("/courses/TR-1", headers={"Accept-Language": "fr"}))
    assert "Original" in text and "Titre" not in text


def test_edit_page_lists_modules_lessons_and_cohorts(client):
    program = make_program()
    course = make_course(program, code="LIST-1", lessons=2)
    cohort = make_cohort(course, code="LIST-1-2030")
    login(client, make_coordinator(program))

    response = client.get(f"/manage/courses/{course.id}")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    module = course.modules[0]
    assert f'href="/manage/modules/{module.id}"' in html
    assert f'href="/manage/lessons/{module.lessons[0].id}"' in html
    assert f'href="/manage/cohorts/{cohort.id}"' in html
    assert f'href="/cohorts/{cohort.id}/roster"' in html
    assert f'href="/manage/courses/{course.id}/cohorts/new"' in html
    assert "LIST-1-2030" in html


def test_courses_list_shows_the_users_programs_only(client):
    mine = make_program(name="Mine")
    other = make_program(name="Other")
    make_course(mine, code="MINE-PUB", title="Published of mine")
    make_course(mine, code="MINE-DRAFT", title="Draft of mine", published=False)
    make_course(other, code="OTHER-1", title="Not mine")
    login(client, make_coordinator(mine))

    response = client.get("/manage/courses")

    text = page_text(response)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Published of mine" in text and "Draft of mine" in text
    assert "Not mine" not in text
    assert 'href="/manage/import"' in html
    assert f'href="/manage/programs/{mine.id}"' in html
    assert f'href="/manage/programs/{other.id}"' not in html


def test_admin_sees_every_course_and_creates_programs(client, database):
    make_course(make_program(), code="ANY-1", title="Anyone's course", published=False)
    login(client, make_user(admin=True))

    assert "Anyone&#39;s course" in client.get("/manage/courses").get_data(as_text=True)
    response = submit(client, "/manage/programs/new", {
        "code": "CICAD-X", "name": "Programa nuevo", "certificate_prefix": "NPX",
        "language": "es", "description": "",
    })

    assert response.status_code == 302
    program = database.session.scalar(database.select(Program).where(Program.code == "CICAD-X"))
    assert (program.name, program.certificate_prefix, program.language) == (
        "Programa nuevo", "NPX", "es")
    assert response.headers["Location"] == f"/manage/programs/{program.id}"
    # The edit page offers translations into the three other languages.
    edit = client.get(f"/manage/programs/{program.id}").get_data(as_text=True)
    assert 'name="name_en"' in edit and 'name="name_es"' not in edit
    assert audit_actions(database) == ["program.create"]


def test_coordinator_edits_program_and_its_translations(client, database):
    program = make_program(code="PICAP", name="PICAP")
    login(client, make_coordinator(program, locale="es"))

    response = submit(client, f"/manage/programs/{program.id}", {
        "name": "Police capacity", "description": "Police training", "certificate_prefix": "PIC",
        "language": "en", "name_es": "Capacitación policial", "description_es": "",
    })

    assert response.status_code == 302
    database.session.expire_all()
    assert (program.name, program.certificate_prefix) == ("Police capacity", "PIC")
    assert program.translation_for("es").name == "Capacitación policial"
    # The coordinator reads Spanish: the list shows the translated name.
    assert "Capacitación policial" in page_text(client.get("/manage/programs"))


def test_edit_and_delete_module_and_lesson(client, database):
    program = make_program()
    course = make_course(program, lessons=2, published=False)
    module = course.modules[0]
    first, second = module.lessons
    login(client, make_coordinator(program))

    response = submit(client, f"/manage/lessons/{first.id}", {
        "title": "Renamed", "position": "3", "body": "Text", "body_fr": "Texte"})
    assert response.status_code == 302
    response = submit(client, f"/manage/modules/{module.id}", {"title": "Module renamed",
                                                               "position": "2"})
    assert response.status_code == 302
    database.session.expire_all()
    assert (first.title, first.position, first.body) == ("Renamed", 3, "Text")
    assert first.translation_for("fr").body == "Texte"
    assert (module.title, module.position) == ("Module renamed", 2)

    response = submit(client, f"/manage/lessons/{second.id}/delete", {},
                      form_url=f"/manage/lessons/{second.id}")
    assert response.status_code == 302
    assert count(database, Lesson) == 1
    response = submit(client, f"/manage/modules/{module.id}/delete", {},
                      form_url=f"/manage/modules/{module.id}")
    assert response.status_code == 302
    assert count(database, Module) == 0 and count(database, Lesson) == 0
    assert audit_actions(database)[-2:] == ["lesson.delete", "module.delete"]


def test_lesson_preview_in_each_locale(client):
    program = make_program()
    course = make_course(program, lessons=1)
    lesson = course.modules[0].lessons[0]
    lesson.body = "# Goals\n\n<script>alert(1)</script>\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    from lms.catalog.models import LessonTranslation

    lesson.translations.append(LessonTranslation(locale="es", title="Lección", body="# Metas"))
    login(client, make_coordinator(program))

    spanish = client.get(f"/manage/lessons/{lesson.id}/preview?locale=es")
    french = client.get(f"/manage/lessons/{lesson.id}/preview?locale=fr")

    assert spanish.status_code == 200
    assert "<h2>Metas</h2>" in spanish.get_data(as_text=True)
    assert "Lección" in page_text(spanish)
    html = french.get_data(as_text=True)
    assert "<h2>Goals</h2>" in html and "<table>" in html
    assert "alert(1)" not in html
    assert "No translation of the text in this language" in html


# ---------------------------------------------------------------- refusals

def test_duplicate_course_code_is_refused_and_nothing_written(client, database):
    program = make_program()
    make_course(program, code="DUP-1")
    login(client, make_coordinator(program))
    courses, audits = count(database, Course), count(database, AuditLog)

    response = submit(client, "/manage/courses/new", course_data(program, code="dup-1"))

    assert response.status_code == 422
    assert "Another course already uses the code dup-1." in page_text(response)
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert (count(database, Course), count(database, AuditLog)) == (courses, audits)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("code", "has space", "Use only letters, digits and hyphens."),
    ("hours", "0", "Enter a whole number of hours, at least 1."),
    ("title", "", "This field is required."),
    ("modality", "by_pigeon", "Not a valid choice"),
])
def test_invalid_course_input_is_refused(client, database, field, value, message):
    program = make_program()
    login(client, make_coordinator(program))

    response = submit(client, "/manage/courses/new", course_data(program, **{field: value}))

    assert response.status_code == 422
    assert message in page_text(response)
    assert count(database, Course) == 0


def test_duplicate_code_on_edit_keeps_the_course_unchanged(client, database):
    program = make_program()
    make_course(program, code="TAKEN")
    course = make_course(program, code="MINE", title="Mine")
    login(client, make_coordinator(program))

    response = submit(client, f"/manage/courses/{course.id}",
                      course_data(program, code="TAKEN", title="Changed", title_es="Cambiado"))

    assert response.status_code == 422
    assert "Another course already uses the code TAKEN." in page_text(response)
    database.session.expire_all()
    assert (course.code, course.title, course.translations) == ("MINE", "Mine", [])


def test_publishing_a_course_without_lessons_is_refused(client, database):
    program = make_program()
    course = make_course(program, lessons=0, published=False)
    login(client, make_coordinator(program))

    response = submit(client, f"/manage/courses/{course.id}/publish", {"published": "1"},
                      form_url=f"/manage/courses/{course.id}")

    assert response.status_code == 422
    assert "needs at least one lesson before it can be published" in page_text(response)
    database.session.expire_all()
    assert not course.published
    assert count(database, AuditLog) == 0


def test_deleting_the_last_lesson_of_a_published_course_is_refused(client, database):
    program = make_program()
    course = make_course(program, lessons=1, published=True)
    lesson = course.modules[0].lessons[0]
    login(client, make_coordinator(program))

    response = submit(client, f"/manage/lessons/{lesson.id}/delete", {},
                      form_url=f"/manage/lessons/{lesson.id}")

    assert response.status_code == 422
    assert "must keep at least one lesson" in page_text(response)
    assert count(database, Lesson) == 1


def test_program_prefix_must_be_capitals_and_unique(client, database):
    program = make_program(code="ONE")
    make_program(code="TWO")  # its certificate prefix is "TWO"
    login(client, make_coordinator(program))
    data = {"name": "One", "description": "", "language": "en"}

    lower = submit(client, f"/manage/programs/{program.id}", {**data, "certificate_prefix": "ab"})
    taken = submit(client, f"/manage/programs/{program.id}",
                   {**data, "certificate_prefix": "TWO"})

    assert lower.status_code == 422
    assert "Use 2 to 6 capital letters" in page_text(lower)
    assert taken.status_code == 422
    assert "Another program already uses this certificate prefix." in page_text(taken)
    database.session.expire_all()
    assert program.certificate_prefix == "ONE"


def test_post_without_csrf_token_is_refused(client, database):
    program = make_program()
    login(client, make_coordinator(program))

    response = client.post("/manage/courses/new", data=course_data(program))

    assert response.status_code == 400
    assert count(database, Course) == 0


# ---------------------------------------------------------------- permissions

def _course_pages(course: Course) -> tuple[list[str], list[tuple[str, dict]]]:
    module = course.modules[0]
    lesson = module.lessons[0]
    pages = [f"/manage/courses/{course.id}", f"/manage/courses/{course.id}/modules/new",
             f"/manage/modules/{module.id}", f"/manage/modules/{module.id}/lessons/new",
             f"/manage/lessons/{lesson.id}", f"/manage/lessons/{lesson.id}/preview?locale=es",
             f"/manage/programs/{course.program_id}"]
    posts = [(f"/manage/courses/{course.id}", {"title": "Hijacked", "code": course.code}),
             (f"/manage/courses/{course.id}/publish", {"published": "0"}),
             (f"/manage/courses/{course.id}/modules/new", {"title": "Hijacked"}),
             (f"/manage/modules/{module.id}", {"title": "Hijacked"}),
             (f"/manage/modules/{module.id}/delete", {}),
             (f"/manage/modules/{module.id}/lessons/new", {"title": "Hijacked"}),
             (f"/manage/lessons/{lesson.id}", {"title": "Hijacked"}),
             (f"/manage/lessons/{lesson.id}/delete", {}),
             (f"/manage/programs/{course.program_id}",
              {"name": "Hijacked", "certificate_prefix": "HJ", "language": "en"})]
    return pages, posts


def test_coordinator_of_another_program_is_refused_everywhere(client, database):
    course = make_course(make_program(), published=True)
    login(client, make_coordinator(make_program()))
    pages, posts = _course_pages(course)
    audits = count(database, AuditLog)

    for url in pages:
        assert client.get(url).status_code == 403, url
    token = csrf_token(client, "/manage/courses")
    for url, data in posts:
        assert client.post(url, data={**data, "csrf_token": token}).status_code == 403, url
    assert count(database, AuditLog) == audits
    assert count(database, Lesson) == 2


def test_trainee_is_refused(client):
    course = make_course(make_program())
    login(client, make_user())
    pages, posts = _course_pages(course)
    pages += ["/manage/courses", "/manage/courses/new", "/manage/programs",
              "/manage/programs/new"]

    for url in pages:
        assert client.get(url).status_code == 403, url
    token = csrf_token(client, "/courses")
    for url, data in posts:
        assert client.post(url, data={**data, "csrf_token": token}).status_code == 403, url


def test_coordinator_cannot_create_programs(client):
    login(client, make_coordinator(make_program()))
    assert client.get("/manage/programs/new").status_code == 403
    assert client.get("/manage/programs").status_code == 200


def test_anonymous_visitors_are_sent_to_login(client):
    course = make_course(make_program())
    pages, _posts = _course_pages(course)
    pages += ["/manage/courses", "/manage/courses/new", "/manage/programs",
              "/manage/programs/new"]

    for url in pages:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login"), url


def test_program_code_must_be_unique(client, database):
    make_program(code="PICAP")
    login(client, make_user(admin=True))

    response = submit(client, "/manage/programs/new", {
        "code": "picap", "name": "Again", "certificate_prefix": "AGN", "language": "en"})

    assert response.status_code == 422
    assert "Another program already uses this code." in page_text(response)
    assert count(database, Program) == 1


def _managed_list_queries(client, count_queries, database, program, courses: int) -> int:
    for _ in range(courses):
        course = make_course(program, translations={"fr": ("Titre", "")}, published=False)
        make_cohort(course)
    database.session.expire_all()
    with count_queries() as counter:
        response = client.get("/manage/courses")
    assert response.status_code == 200
    assert "Titre" in page_text(response)
    return counter.count


def test_managed_courses_list_runs_the_same_queries_whatever_the_size(
        client, count_queries, database):
    program = make_program()
    login(client, make_coordinator(program, locale="fr"))  # titles come from translations
    small = _managed_list_queries(client, count_queries, database, program, 2)
    large = _managed_list_queries(client, count_queries, database, program, 30)
    assert small == large
