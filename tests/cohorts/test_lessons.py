"""Reading lessons: who may, where they left off, completing them."""

from __future__ import annotations

from lms.catalog.models import LessonTranslation
from lms.cohorts.models import Enrolment, EnrolmentStatus, LessonCompletion
from tests.cohorts.conftest import count
from tests.conftest import csrf_token, page_text
from tests.conftest import sign_in_quickly as login
from tests.factories import enrol, make_cohort, make_coordinator, make_course, make_user


def lessons_of(course):
    return [lesson for module in course.modules for lesson in module.lessons]


def complete(client, cohort, lesson):
    url = f"/cohorts/{cohort.id}/lessons/{lesson.id}"
    return client.post(f"{url}/complete", data={"csrf_token": csrf_token(client, url)})


def test_an_enrolled_trainee_reads_a_lesson(client, database):
    course = make_course(lessons=3)
    cohort = make_cohort(course)
    trainee = make_user()
    enrol(cohort, trainee)
    first, second, third = lessons_of(course)
    second.body = "Read **carefully**.\n\n<script>alert(1)</script>"
    database.session.flush()
    login(client, trainee)

    response = client.get(f"/cohorts/{cohort.id}/lessons/{second.id}")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<strong>carefully</strong>" in html
    assert "<script>alert" not in html
    text = page_text(response)
    assert "Previous: Lesson 1" in text and "Next: Lesson 3" in text
    assert course.modules[0].title in text
    assert "Mark as complete" in text


def test_a_lesson_is_shown_in_the_visitors_language(client, database):
    course = make_course(lessons=1)
    cohort = make_cohort(course)
    trainee = make_user(locale="es")
    enrol(cohort, trainee)
    lesson = lessons_of(course)[0]
    lesson.translations.append(LessonTranslation(locale="es", title="Lección uno",
                                                 body="Texto en *español*."))
    database.session.flush()
    login(client, trainee)

    response = client.get(f"/cohorts/{cohort.id}/lessons/{lesson.id}")

    assert "Lección uno" in page_text(response)
    assert "<em>español</em>" in response.get_data(as_text=True)


def test_other_trainees_are_refused_and_foreign_lessons_not_found(client, browser, database):
    course = make_course()
    cohort = make_cohort(course)
    other_course = make_course()
    trainee, stranger, withdrawn = make_user(), make_user(), make_user()
    enrol(cohort, trainee)
    enrol(cohort, withdrawn, status=EnrolmentStatus.WITHDRAWN)
    lesson = lessons_of(course)[0]
    foreign = lessons_of(other_course)[0]

    login(client, trainee)
    assert client.get(f"/cohorts/{cohort.id}").status_code == 200
    assert client.get(f"/cohorts/{cohort.id}/lessons/{foreign.id}").status_code == 404

    for user in (stranger, withdrawn):
        other = browser()
        login(other, user)
        assert other.get(f"/cohorts/{cohort.id}").status_code == 403
        assert other.get(f"/cohorts/{cohort.id}/lessons/{lesson.id}").status_code == 403

    response = browser().get(f"/cohorts/{cohort.id}/lessons/{lesson.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_instructors_and_coordinators_read_without_being_enrolled(client, other_client,
                                                                   database):
    course = make_course()
    instructor = make_user()
    cohort = make_cohort(course, instructors=[instructor])
    coordinator = make_coordinator(course.program)
    lesson = lessons_of(course)[0]

    login(client, instructor)
    response = client.get(f"/cohorts/{cohort.id}/lessons/{lesson.id}")
    assert response.status_code == 200
    assert "Mark as complete" not in page_text(response)
    login(other_client, coordinator)
    assert other_client.get(f"/cohorts/{cohort.id}").status_code == 200
    assert count(database, Enrolment) == 0


def test_the_last_lesson_opened_is_offered_on_the_dashboard(client, database):
    course = make_course(title="Investigative techniques", lessons=3)
    cohort = make_cohort(course)
    trainee = make_user()
    enrol(cohort, trainee)
    first, second, _third = lessons_of(course)
    login(client, trainee)

    assert "Continue: Lesson 1" in page_text(client.get("/dashboard"))
    client.get(f"/cohorts/{cohort.id}/lessons/{second.id}")

    database.session.expire_all()
    enrolment = database.session.scalar(database.select(Enrolment))
    assert enrolment.last_lesson_id == second.id
    assert enrolment.last_seen_at is not None
    dashboard = client.get("/dashboard")
    assert "Continue: Lesson 2" in page_text(dashboard)
    assert f'href="/cohorts/{cohort.id}/lessons/{second.id}"' in dashboard.get_data(as_text=True)


def test_completing_a_lesson_is_idempotent_and_shows_progress(client, database):
    course = make_course(lessons=4)
    cohort = make_cohort(course)
    trainee = make_user()
    enrol(cohort, trainee)
    first, second, *_ = lessons_of(course)
    login(client, trainee)

    response = complete(client, cohort, first)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cohorts/{cohort.id}/lessons/{second.id}")
    complete(client, cohort, first)

    assert count(database, LessonCompletion) == 1
    lesson_page = page_text(client.get(f"/cohorts/{cohort.id}/lessons/{first.id}"))
    assert "Completed" in lesson_page and "Mark as complete" not in lesson_page
    dashboard = client.get("/dashboard")
    assert "Lessons read: 1 of 4" in page_text(dashboard)
    assert "complete (" not in page_text(dashboard)  # not to be read as the course result
    assert '<progress value="1" max="4"' in dashboard.get_data(as_text=True)
    cohort_page = page_text(client.get(f"/cohorts/{cohort.id}"))
    assert "Lesson 1 ✓ Completed" in cohort_page
    assert "Lesson 2 ✓" not in cohort_page


def test_completing_the_last_lesson_returns_to_the_cohort(client, database):
    course = make_course(lessons=1)
    cohort = make_cohort(course)
    trainee = make_user()
    enrol(cohort, trainee)
    login(client, trainee)

    response = complete(client, cohort, lessons_of(course)[0])

    assert response.headers["Location"].endswith(f"/cohorts/{cohort.id}")


def test_only_enrolled_trainees_complete_lessons(client, other_client, database):
    course = make_course()
    instructor = make_user()
    cohort = make_cohort(course, instructors=[instructor])
    foreign = lessons_of(make_course())[0]
    login(client, instructor)

    assert complete(client, cohort, lessons_of(course)[0]).status_code == 403
    assert count(database, LessonCompletion) == 0

    trainee = make_user()
    enrol(cohort, trainee)
    login(other_client, trainee)
    token = csrf_token(other_client, "/dashboard")
    response = other_client.post(f"/cohorts/{cohort.id}/lessons/{foreign.id}/complete",
                                   data={"csrf_token": token})
    assert response.status_code == 404
    assert count(database, LessonCompletion) == 0
