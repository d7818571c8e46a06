"""Content languages: interpretation, how much content exists in the cohort's language,
and notices where content falls back to the course's own language."""

from __future__ import annotations

import pytest

from lms.assessments.models import AssessmentKind, AssessmentTranslation
from lms.assessments.quizzes.models import QuestionTranslation
from lms.catalog.models import LessonTranslation
from lms.cohorts.models import Cohort
from lms.demo import COHORTS
from tests.assessments.factories import add_to_quiz, make_assessment, make_question
from tests.cohorts.conftest import counts
from tests.cohorts.test_manage import cohort_form
from tests.conftest import page_text, submit
from tests.conftest import sign_in_quickly as login
from tests.factories import enrol, make_cohort, make_coordinator, make_course, make_user


def translate_lesson(lesson, locale: str, *, body: bool = True) -> None:
    lesson.translations.append(LessonTranslation(
        locale=locale, title=f"{lesson.title} ({locale})",
        body=f"Texto {lesson.title}" if body else ""))


@pytest.fixture
def course(database):
    """An English course: 3 lessons (1 in Spanish, 1 with only a Spanish title), a quiz
    of 2 questions (1 in Spanish) and an assignment (not in Spanish)."""
    course = make_course(title="Human rights and use of force", lessons=3)
    first, second, _third = course.modules[0].lessons
    translate_lesson(first, "es")
    translate_lesson(second, "es", body=False)
    quiz = make_assessment(course, title="Knowledge test")
    quiz.translations.append(AssessmentTranslation(locale="es", title="Prueba"))
    questions = [make_question(course, text="Which treaty?"),
                 make_question(course, text="Who decides?")]
    questions[0].translations.append(QuestionTranslation(locale="es", text="¿Qué tratado?"))
    add_to_quiz(quiz, *questions)
    make_assessment(course, AssessmentKind.ASSIGNMENT, title="Essay")
    database.session.flush()
    return course


@pytest.fixture
def coordinator(client, course):
    user = make_coordinator(course.program)
    login(client, user)
    return user


# ---------------------------------------------------------------- interpretation

def test_a_cohort_records_its_interpretation_languages(client, database, course, coordinator):
    response = submit(client, f"/manage/courses/{course.id}/cohorts/new",
                      cohort_form(interpretation_languages=["pt", "en"]))

    assert response.status_code == 302
    cohort = database.session.scalar(database.select(Cohort))
    assert cohort.interpretation_languages == "en,pt"
    text = page_text(client.get(f"/cohorts/{cohort.id}"))
    assert "Language of instruction Spanish Interpretation English, Portuguese" in text
    form = client.get(f"/manage/cohorts/{cohort.id}").get_data(as_text=True)
    assert 'value="pt" checked' in form or 'checked id="interpretation_languages-3"' in form


def test_interpretation_languages_can_be_removed(client, database, course, coordinator):
    cohort = make_cohort(course, language="es")
    cohort.interpretation_languages = "en"
    database.session.flush()

    response = submit(client, f"/manage/cohorts/{cohort.id}",
                      cohort_form(code=cohort.code, capacity=""))

    assert response.status_code == 302
    database.session.expire_all()
    assert database.session.get(Cohort, cohort.id).interpretation_languages == ""
    assert "Interpretation" not in page_text(client.get(f"/cohorts/{cohort.id}"))


@pytest.mark.parametrize(("languages", "message"), [
    (["xx"], "Choose interpretation languages from the list."),
    (["en", "klingon"], "Choose interpretation languages from the list."),
    (["es", "en"], "The language of instruction cannot also be an interpretation language."),
])
def test_bad_interpretation_languages_are_refused_and_nothing_is_written(
        client, database, course, coordinator, languages, message):
    before = counts(database)

    response = submit(client, f"/manage/courses/{course.id}/cohorts/new",
                      cohort_form(interpretation_languages=languages))

    assert response.status_code == 422
    assert message in page_text(response)
    assert counts(database) == before


def test_a_bad_interpretation_language_leaves_an_existing_cohort_unchanged(
        client, database, course, coordinator):
    cohort = make_cohort(course, language="es")
    cohort.interpretation_languages = "pt"
    database.session.flush()

    response = submit(client, f"/manage/cohorts/{cohort.id}", cohort_form(
        code=cohort.code, capacity="", interpretation_languages=["en", "xx"]))

    assert response.status_code == 422
    assert "Choose interpretation languages from the list." in page_text(response)
    database.session.expire_all()
    assert database.session.get(Cohort, cohort.id).interpretation_languages == "pt"


def test_the_demo_picap_cohort_in_bogota_has_interpreters() -> None:
    spec = next(spec for spec in COHORTS if spec["code"] == "PCP-HR-FORCE-BOG-01")
    assert spec["interpretation"] == "en,pt"


# ---------------------------------------------------------------- coverage

def test_the_cohort_page_says_how_much_content_exists_in_its_language(
        client, database, course, coordinator):
    cohort = make_cohort(course, language="es")

    text = page_text(client.get(f"/manage/cohorts/{cohort.id}"))

    assert ("Available in Spanish: 1 of 3 lessons, 1 of 2 questions, 1 of 2 assessments. "
            "The rest shows in English.") in text


def test_a_cohort_in_the_course_language_counts_as_complete(client, database, course,
                                                            coordinator):
    cohort = make_cohort(course, language="en")

    text = page_text(client.get(f"/manage/cohorts/{cohort.id}"))

    assert "Available in English: 3 of 3 lessons, 2 of 2 questions, 2 of 2 assessments." in text
    assert "The rest shows in" not in text


def test_creating_a_cohort_in_a_language_the_content_lacks_warns(client, database, course,
                                                                 coordinator):
    response = submit(client, f"/manage/courses/{course.id}/cohorts/new",
                      cohort_form(language="fr"), follow_redirects=True)

    assert response.status_code == 200
    assert ("Only 0 of 3 lessons, 0 of 2 questions, and 0 of 2 assessments exist in French; "
            "the rest will show in English.") in page_text(response)


def test_changing_a_cohort_to_a_language_the_content_lacks_warns(client, database, course,
                                                                 coordinator):
    cohort = make_cohort(course, language="en")

    response = submit(client, f"/manage/cohorts/{cohort.id}", cohort_form(
        code=cohort.code, language="es", capacity=""), follow_redirects=True)

    assert ("Only 1 of 3 lessons, 1 of 2 questions, and 1 of 2 assessments exist in Spanish; "
            "the rest will show in English.") in page_text(response)


def test_no_warning_when_the_cohort_is_in_the_course_language(client, database, course,
                                                              coordinator):
    response = submit(client, f"/manage/courses/{course.id}/cohorts/new",
                      cohort_form(language="en"), follow_redirects=True)

    assert "exist in English" not in page_text(response)
    assert "Cohort PICAP-HR-2030-ES created." in page_text(response)


def test_coverage_costs_the_same_queries_whatever_the_content(client, database, course,
                                                              coordinator, count_queries):
    small = make_cohort(make_course(course.program, lessons=1), language="es")
    large = make_cohort(course, language="es")
    for _ in range(5):
        quiz = make_assessment(course)
        add_to_quiz(quiz, make_question(course), make_question(course))

    def queries(cohort, size: str) -> int:
        client.get(f"/manage/cohorts/{cohort.id}")  # warm
        with count_queries("cohort settings with content coverage", size) as counter:
            assert client.get(f"/manage/cohorts/{cohort.id}").status_code == 200
        return counter.count

    assert queries(small, "1 lesson") == queries(large, "3 lessons, 6 quizzes, 12 questions")


# ---------------------------------------------------------------- fallback notices

def lesson_url(cohort, lesson) -> str:
    return f"/cohorts/{cohort.id}/lessons/{lesson.id}"


def test_a_lesson_shown_in_another_language_says_so(client, database):
    course = make_course(language="es", lessons=2)
    cohort = make_cohort(course, language="en")
    trainee = make_user(locale="en")
    enrol(cohort, trainee)
    untranslated, translated = course.modules[0].lessons
    translate_lesson(translated, "en")
    database.session.flush()
    login(client, trainee)

    notice = "This lesson is not available in English yet; it is shown in Spanish."
    assert notice in page_text(client.get(lesson_url(cohort, untranslated)))
    assert "content-fallback" not in client.get(
        lesson_url(cohort, translated)).get_data(as_text=True)


def test_a_lesson_with_only_its_title_translated_says_so(client, database):
    course = make_course(language="es", lessons=1)
    cohort = make_cohort(course, language="en")
    trainee = make_user(locale="en")
    enrol(cohort, trainee)
    lesson = course.modules[0].lessons[0]
    translate_lesson(lesson, "en", body=False)
    database.session.flush()
    login(client, trainee)

    text = page_text(client.get(lesson_url(cohort, lesson)))

    assert "This lesson is not available in English yet; it is shown in Spanish." in text


def test_a_lesson_in_the_readers_own_language_has_no_notice(client, database):
    course = make_course(language="en", lessons=1)
    cohort = make_cohort(course, language="en")
    trainee = make_user(locale="en")
    enrol(cohort, trainee)
    login(client, trainee)

    html = client.get(lesson_url(cohort, course.modules[0].lessons[0])).get_data(as_text=True)

    assert "content-fallback" not in html


def test_a_quiz_question_shown_in_another_language_says_so(client, database):
    course = make_course(language="es", lessons=0)
    cohort = make_cohort(course, language="en")
    quiz = make_assessment(course, title="Prueba", attempts_allowed=2)
    untranslated = make_question(course, text="¿Quién decide?")
    translated = make_question(course, text="¿Qué tratado?")
    translated.translations.append(QuestionTranslation(locale="en", text="Which treaty?"))
    add_to_quiz(quiz, untranslated, translated)
    trainee = make_user(locale="en")
    enrol(cohort, trainee)
    login(client, trainee)
    quiz_url = f"/cohorts/{cohort.id}/quizzes/{quiz.id}"

    started = submit(client, f"{quiz_url}/start", form_url=quiz_url)
    attempt_url = started.headers["Location"]
    first = client.get(attempt_url if "?" in attempt_url else f"{attempt_url}?q=1")
    second = client.get(attempt_url.split("?")[0] + "?q=2")

    notice = "This question is not available in English yet; it is shown in Spanish."
    texts = [page_text(first), page_text(second)]
    assert [notice in text for text in texts] == [
        "¿Quién decide?" in text for text in texts]
    assert any(notice in text for text in texts)
    assert not all(notice in text for text in texts)
