"""My learning, teaching and roster pages: who sees them, and their query counts."""

from __future__ import annotations

from lms.cohorts.models import Enrolment, LessonCompletion
from tests.conftest import page_text
from tests.conftest import sign_in_quickly as login
from tests.factories import (
    enrol,
    enrol_many,
    make_cohort,
    make_coordinator,
    make_course,
    make_institution,
    make_user,
)


def queries_for(client, count_queries, url: str, page: str | None = None,
                size: str | None = None) -> int:
    client.get(url)  # warm: templates compiled, caches filled as in a running server
    with count_queries(page, size) as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


def test_dashboard_uses_the_same_queries_for_one_or_five_enrolments(client, other_client,
                                                                     database, count_queries):
    one, five = make_user(), make_user()
    for index in range(5):
        course = make_course(lessons=3)
        cohort = make_cohort(course)
        enrolment = enrol(cohort, five)
        lesson = course.modules[0].lessons[index % 3]
        if index % 2:
            enrolment.last_lesson_id = lesson.id
        database.session.add(LessonCompletion(enrolment_id=enrolment.id, lesson_id=lesson.id))
        if index == 0:
            enrol(cohort, one)
    database.session.flush()
    login(client, one)
    login(other_client, five)

    single = queries_for(client, count_queries, "/dashboard", "dashboard", "1 enrolment")
    several = queries_for(other_client, count_queries, "/dashboard", "dashboard",
                          "5 enrolments")

    assert single == several
    assert page_text(other_client.get("/dashboard")).count("Continue:") == 5


def test_the_dashboard_lists_withdrawn_enrolments_last(client, database):
    trainee = make_user()
    enrol(make_cohort(make_course(title="Alpha course")), trainee, status="withdrawn")
    enrol(make_cohort(make_course(title="Beta course")), trainee, status="completed")
    login(client, trainee)

    text = page_text(client.get("/dashboard"))

    assert text.index("Beta course") < text.index("Alpha course")
    assert "Withdrawn" in text and "Completed" in text
    assert "/teaching" not in client.get("/dashboard").get_data(as_text=True).split(
        "</header>")[1]


def test_an_empty_dashboard_points_to_the_catalog(client, database):
    login(client, make_user())
    response = client.get("/dashboard")
    assert "You are not enrolled in any course yet." in page_text(response)
    assert 'href="/courses"' in response.get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_sign_in(client, database):
    for url in ("/dashboard", "/teaching"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_teaching_lists_taught_and_coordinated_cohorts(client, other_client, browser,
                                                       database):
    instructor = make_user()
    course = make_course(title="Document security")
    taught = make_cohort(course, code="TAUGHT-1", instructors=[instructor], capacity=20)
    enrol(taught)
    other = make_cohort(course, code="OTHER-1")
    foreign = make_cohort(code="FOREIGN-1")
    coordinator = make_coordinator(course.program)

    login(client, instructor)
    text = page_text(client.get("/teaching"))
    assert "TAUGHT-1" in text and "1 of 20" in text and "Document security" in text
    assert "OTHER-1" not in text and "FOREIGN-1" not in text
    assert f"/manage/cohorts/{taught.id}" not in client.get("/teaching").get_data(as_text=True)
    assert "/dashboard" in client.get("/dashboard").get_data(as_text=True)
    assert "Cohorts you teach or coordinate" in page_text(client.get("/dashboard"))

    login(other_client, coordinator)
    response = other_client.get("/teaching")
    text = page_text(response)
    assert "TAUGHT-1" in text and "OTHER-1" in text and "FOREIGN-1" not in text
    assert f"/manage/cohorts/{other.id}" in response.get_data(as_text=True)

    admin = browser()
    login(admin, make_user(admin=True))
    assert "FOREIGN-1" in page_text(admin.get("/teaching"))
    assert foreign.id


def test_plain_trainees_may_not_see_teaching(client, database):
    trainee = make_user()
    enrol(make_cohort(), trainee)
    login(client, trainee)
    assert client.get("/teaching").status_code == 403


def test_roster_shows_progress_to_the_cohorts_instructors_only(client, browser, database):
    course = make_course(lessons=4)
    instructor, other_instructor = make_user(), make_user()
    cohort = make_cohort(course, instructors=[instructor])
    make_cohort(course, instructors=[other_instructor])
    trainee = make_user(full_name="Ana Lucía Ferreira", country="BR",
                        institution=make_institution("Polícia Federal", country="BR"))
    enrolment = enrol(cohort, trainee)
    for lesson in course.modules[0].lessons[:2]:
        database.session.add(LessonCompletion(enrolment_id=enrolment.id, lesson_id=lesson.id))
    database.session.flush()

    login(client, instructor)
    text = page_text(client.get(f"/cohorts/{cohort.id}/roster"))
    assert "Ana Lucía Ferreira" in text and trainee.email in text
    assert "Brazil" in text and "Polícia Federal" in text
    assert "50%" in text and "Active" in text and "Never" in text

    someone_else = browser()
    login(someone_else, other_instructor)
    assert someone_else.get(f"/cohorts/{cohort.id}/roster").status_code == 403
    a_trainee = browser()
    login(a_trainee, trainee)
    assert a_trainee.get(f"/cohorts/{cohort.id}/roster").status_code == 403
    coordinator = browser()
    login(coordinator, make_coordinator(course.program))
    assert coordinator.get(f"/cohorts/{cohort.id}/roster").status_code == 200


def test_roster_queries_do_not_grow_with_the_cohort(client, database, count_queries):
    instructor = make_user()
    small = make_cohort(instructors=[instructor])
    large = make_cohort(instructors=[instructor])
    enrol_many(small, 10)
    enrol_many(large, 500)
    institution = make_institution()
    # Completions and institutions on some rows, so that their loading is counted too.
    for cohort in (small, large):
        enrolments = database.session.scalars(database.select(Enrolment).where(
            Enrolment.cohort_id == cohort.id).limit(5)).all()
        lesson = cohort.course.modules[0].lessons[0]
        for enrolment in enrolments:
            enrolment.user.institution = institution
            database.session.add(LessonCompletion(enrolment_id=enrolment.id,
                                                  lesson_id=lesson.id))
    database.session.flush()
    login(client, instructor)

    ten = queries_for(client, count_queries, f"/cohorts/{small.id}/roster", "cohort roster",
                      "10 enrolments")
    five_hundred = queries_for(client, count_queries, f"/cohorts/{large.id}/roster",
                               "cohort roster", "500 enrolments")

    assert ten == five_hundred, (ten, five_hundred)
    page = client.get(f"/cohorts/{large.id}/roster?page=2")
    assert page_text(page).count("Bulk Trainee") == 50
    assert "Page 2 of 10" in page_text(page)


def test_teaching_queries_do_not_grow_with_the_number_of_cohorts(client, other_client,
                                                                 database, count_queries):
    few, many = make_user(), make_user()
    make_cohort(instructors=[few])
    for _ in range(6):
        cohort = make_cohort(make_course(translations={"es": ("Curso", "")}),
                             instructors=[many], capacity=10)
        enrol(cohort)
    login(client, few)
    login(other_client, many)

    assert queries_for(client, count_queries, "/teaching") == queries_for(
        other_client, count_queries, "/teaching")


def test_the_cohort_page_queries_do_not_grow_with_the_syllabus(client, other_client,
                                                               database, count_queries):
    trainee = make_user()
    short, long = make_cohort(make_course(lessons=1)), make_cohort(make_course(lessons=30))
    enrol(short, trainee)
    enrolment = enrol(long, trainee)
    for lesson in long.course.modules[0].lessons[:10]:
        database.session.add(LessonCompletion(enrolment_id=enrolment.id, lesson_id=lesson.id))
    database.session.flush()
    login(client, trainee)

    assert queries_for(client, count_queries, f"/cohorts/{short.id}") == queries_for(
        client, count_queries, f"/cohorts/{long.id}")
    assert page_text(client.get(f"/cohorts/{long.id}")).count("✓ Completed") == 10
