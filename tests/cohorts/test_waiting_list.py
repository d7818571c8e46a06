"""The waiting list of a full self-enrolment cohort: joining, leaving, moving up."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import force_locale, format_date

from lms.audit.models import AuditLog
from lms.cohorts.models import Enrolment, EnrolmentStatus
from lms.kernel import clock
from lms.kernel.mail import read_outbox
from tests.cohorts.conftest import days, delete_race_world, race_two
from tests.conftest import csrf_token, page_text, submit
from tests.conftest import sign_in_quickly as login
from tests.factories import enrol, make_cohort, make_coordinator, make_course, make_user


def post(client, url: str):
    return client.post(url, data={"csrf_token": csrf_token(client, "/dashboard")})


def wait(cohort, user=None, *, minutes: int = 0) -> Enrolment:
    """``user`` on the cohort's waiting list, having joined ``minutes`` after the first."""
    enrolment = enrol(cohort, user, status=EnrolmentStatus.WAITLISTED)
    enrolment.waitlisted_at = clock.now() - timedelta(hours=1) + timedelta(minutes=minutes)
    return enrolment


def status(database, enrolment) -> str:
    database.session.expire_all()
    return database.session.get(Enrolment, enrolment.id).status


def actions(database) -> list[str]:
    return database.session.scalars(database.select(AuditLog.action)
                                    .order_by(AuditLog.id)).all()


def flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [text for _category, text in session.get("_flashes", [])]


def seated(database, cohort) -> int:
    database.session.expire_all()
    return database.session.scalar(database.select(database.func.count()).where(
        Enrolment.cohort_id == cohort.id,
        Enrolment.status.in_([EnrolmentStatus.ACTIVE, EnrolmentStatus.INVITED])))


def test_a_full_cohort_puts_trainees_on_its_waiting_list_in_turn(client, other_client,
                                                                   database):
    course = make_course()
    cohort = make_cohort(course, capacity=1)
    enrol(cohort)
    first, second = make_user(), make_user()
    assert "Full: sign in to join the waiting list" in page_text(
        other_client.get(f"/courses/{course.code}"))
    login(client, first)
    login(other_client, second)

    page = page_text(client.get(f"/courses/{course.code}"))
    assert "Full: join the waiting list" in page
    response = post(client, f"/cohorts/{cohort.id}/enrol")
    post(other_client, f"/cohorts/{cohort.id}/enrol")

    # No seat: back to the course page, which gives the place and a way out.
    assert response.headers["Location"].endswith(f"/courses/{course.code}")
    assert flashes(client) == ["You are number 1 on the waiting list."]
    assert flashes(other_client) == ["You are number 2 on the waiting list."]
    mine = database.session.scalar(database.select(Enrolment).filter_by(user_id=first.id))
    assert mine.status == EnrolmentStatus.WAITLISTED and mine.waitlisted_at is not None
    assert seated(database, cohort) == 1
    assert actions(database).count("enrolment.waitlisted") == 2
    page = page_text(other_client.get(f"/courses/{course.code}"))
    assert "You are number 2 on the waiting list." in page
    assert "Leave the waiting list" in page
    # Asking again changes nothing.
    post(client, f"/cohorts/{cohort.id}/enrol")
    assert flashes(client) == ["You are number 1 on the waiting list."]
    assert actions(database).count("enrolment.waitlisted") == 2


def test_a_trainee_leaves_the_waiting_list_and_the_next_moves_up(client, database):
    course = make_course()
    cohort = make_cohort(course, capacity=1)
    enrol(cohort)
    leaving, staying = wait(cohort, minutes=0), wait(cohort, minutes=5)
    login(client, leaving.user)

    response = post(client, f"/cohorts/{cohort.id}/withdraw")

    assert response.headers["Location"].endswith(f"/courses/{course.code}")
    assert status(database, leaving) == EnrolmentStatus.WITHDRAWN
    assert status(database, staying) == EnrolmentStatus.WAITLISTED
    assert "enrolment.waitlist_left" in actions(database)
    assert seated(database, cohort) == 1  # leaving the list frees no seat
    page = page_text(client.get(f"/courses/{course.code}"))
    assert "You have left the waiting list of the cohort" in page
    assert "on the waiting list" not in page.replace("left the waiting list", "")
    login(client, staying.user)
    assert "You are number 1 on the waiting list." in page_text(
        client.get(f"/courses/{course.code}"))


def test_a_withdrawal_seats_the_first_in_line_and_tells_them_in_their_language(
        client, other_client, database):
    course = make_course(translations={"es": ("Derechos humanos y uso de la fuerza", "")})
    cohort = make_cohort(course, capacity=1)
    holder = enrol(cohort).user
    second = wait(cohort, make_user(email="segundo@example.org", locale="en"), minutes=9)
    first = wait(cohort, make_user(email="primera@example.org", locale="es"), minutes=1)
    coordinator = make_coordinator(course.program)
    login(other_client, coordinator)
    roster = page_text(other_client.get(f"/cohorts/{cohort.id}/roster"))
    assert "2 waiting" in roster
    assert roster.index(first.user.full_name) < roster.index(second.user.full_name)
    login(client, holder)

    post(client, f"/cohorts/{cohort.id}/withdraw")

    assert status(database, first) == EnrolmentStatus.ACTIVE
    assert status(database, second) == EnrolmentStatus.WAITLISTED
    assert seated(database, cohort) == 1
    assert actions(database)[-2:] == ["enrolment.withdrawn", "enrolment.waitlist_promoted"]
    mails = read_outbox()
    assert [mail["to"] for mail in mails] == ["primera@example.org"]
    assert "Derechos humanos y uso de la fuerza" in mails[0]["body"]
    with force_locale("es"):
        assert format_date(cohort.starts_on) in mails[0]["body"]
    assert f"/cohorts/{cohort.id}" in mails[0]["body"]
    # The one promoted now reads the cohort; the roster moved the queue up.
    login(client, first.user)
    assert client.get(f"/cohorts/{cohort.id}").status_code == 200
    roster = page_text(other_client.get(f"/cohorts/{cohort.id}/roster"))
    assert "1 waiting" in roster


def test_raising_the_capacity_by_two_seats_the_next_two(client, database):
    course = make_course()
    cohort = make_cohort(course, capacity=1, closes=days(20))
    enrol(cohort)
    queue = [wait(cohort, minutes=n) for n in range(3)]
    login(client, make_coordinator(course.program))
    form = {"code": cohort.code, "language": "en", "host_institution_id": "",
            "country": "MX", "starts_on": cohort.starts_on.isoformat(),
            "ends_on": cohort.ends_on.isoformat(),
            "enrol_opens_on": cohort.enrol_opens_on.isoformat(),
            "enrol_closes_on": cohort.enrol_closes_on.isoformat(),
            "capacity": "3", "self_enrolment": "y", "instructors": ""}

    response = submit(client, f"/manage/cohorts/{cohort.id}", form)

    assert response.status_code == 302
    assert [status(database, e) for e in queue] == [
        EnrolmentStatus.ACTIVE, EnrolmentStatus.ACTIVE, EnrolmentStatus.WAITLISTED]
    assert seated(database, cohort) == 3
    assert len(read_outbox()) == 2
    page = page_text(client.get(f"/manage/cohorts/{cohort.id}"))
    assert "1 waiting" in page and queue[2].user.full_name in page

    # No limit at all: the rest of the list is seated.
    submit(client, f"/manage/cohorts/{cohort.id}", {**form, "capacity": ""})
    assert status(database, queue[2]) == EnrolmentStatus.ACTIVE


def test_after_enrolment_closes_the_list_stays_and_the_coordinator_seats_by_hand(
        client, other_client, database, frozen_clock):
    course = make_course()
    cohort = make_cohort(course, capacity=1, closes=days(2))
    holder = enrol(cohort).user
    waiting = wait(cohort)
    frozen_clock.advance(days=3)
    login(client, holder)

    post(client, f"/cohorts/{cohort.id}/withdraw")

    assert status(database, waiting) == EnrolmentStatus.WAITLISTED
    assert seated(database, cohort) == 0
    assert read_outbox() == []
    # The coordinator may seat them by hand, and only while a seat is free.
    login(other_client, make_coordinator(course.program))
    url = f"/manage/enrolments/{waiting.id}/status"
    form_url = f"/manage/cohorts/{cohort.id}"
    submit(other_client, url, {"status": "active"}, form_url=form_url)
    assert status(database, waiting) == EnrolmentStatus.ACTIVE
    late = wait(cohort, minutes=30)
    response = submit(other_client, f"/manage/enrolments/{late.id}/status",
                      {"status": "active"}, form_url=form_url)
    assert response.status_code == 422
    assert "This cohort is full." in page_text(response)
    assert status(database, late) == EnrolmentStatus.WAITLISTED
    # Nobody is put on the list by hand.
    response = submit(other_client, url, {"status": "waitlisted"}, form_url=form_url)
    assert "Trainees join the waiting list themselves" in page_text(response)
    assert status(database, waiting) == EnrolmentStatus.ACTIVE


def test_a_waiting_trainee_has_no_access_and_no_course_to_continue(client, database):
    course = make_course(title="Use of force")
    cohort = make_cohort(course, capacity=1)
    enrol(cohort)
    waiting = wait(cohort)
    lesson = course.modules[0].lessons[0]
    login(client, waiting.user)

    assert client.get(f"/cohorts/{cohort.id}").status_code == 403
    assert client.get(f"/cohorts/{cohort.id}/lessons/{lesson.id}").status_code == 403
    response = post(client, f"/cohorts/{cohort.id}/lessons/{lesson.id}/complete")
    assert response.status_code == 403
    dashboard = client.get("/dashboard")
    assert f"/cohorts/{cohort.id}/lessons/" not in dashboard.get_data(as_text=True)
    assert "You are number 1 on the waiting list." in page_text(dashboard)
    home = client.get("/")
    assert f"/cohorts/{cohort.id}/lessons/" not in home.get_data(as_text=True)
    # Nor a line in the gradebook of those seated.
    login(client, make_coordinator(course.program))
    assert waiting.user.full_name not in page_text(client.get(f"/cohorts/{cohort.id}/gradebook"))


def test_a_result_never_moves_a_waiting_enrolment(database):
    from decimal import Decimal

    from lms.assessments.completion import COMPLETED, CourseResult, apply_result

    cohort = make_cohort(capacity=1)
    enrol(cohort)
    waiting = wait(cohort)

    changed = apply_result(waiting, CourseResult(total=Decimal("90"), state=COMPLETED,
                                                 required=1, graded=1), None)

    assert changed is False
    assert status(database, waiting) == EnrolmentStatus.WAITLISTED


def test_two_withdrawals_at_once_seat_two_people_and_never_more(app, backend):
    """Two requests, two connections, real commits: each withdrawal frees one seat.

    The first holds its transaction open after seating the first in line; the
    second waits for the cohort's row lock (SQLite: for the write lock) and then
    counts the seats and reads the queue again. Without the lock both would see one
    free seat and the same first in line: one person seated twice, one seat empty.
    """

    from lms.accounts.models import User
    from lms.cohorts import services
    from lms.extensions import db

    with app.app_context():
        course = make_course()
        cohort = make_cohort(course, capacity=2)
        leavers = [enrol(cohort).user for _ in range(2)]
        queue = [wait(cohort, minutes=n) for n in range(3)]
        db.session.commit()
        ids = {"cohort": cohort.id, "course": course.id, "program": course.program_id,
               "leavers": [u.id for u in leavers], "queue": [e.id for e in queue],
               "users": [u.id for u in leavers] + [e.user_id for e in queue]}

    def leave(user_id: int):
        # As inside the POST /cohorts/<id>/withdraw request.
        def work() -> str:
            enrolment = db.session.scalar(db.select(Enrolment).filter_by(
                cohort_id=ids["cohort"], user_id=user_id))
            services.withdraw(db.session.get(User, user_id), enrolment, days(0))
            return "withdrawn"
        return work

    path = f"/cohorts/{ids['cohort']}/withdraw"
    try:
        outcomes = race_two(app, ("first", path, leave(ids["leavers"][0])),
                            ("second", path, leave(ids["leavers"][1])))

        assert outcomes == {"first": "withdrawn", "second": "withdrawn"}
        with app.app_context():
            statuses = [db.session.get(Enrolment, i).status for i in ids["queue"]]
            assert statuses == [EnrolmentStatus.ACTIVE, EnrolmentStatus.ACTIVE,
                                EnrolmentStatus.WAITLISTED]
            assert db.session.scalar(db.select(db.func.count()).where(
                Enrolment.cohort_id == ids["cohort"],
                Enrolment.status == EnrolmentStatus.ACTIVE)) == 2
            promotions = db.session.scalar(db.select(db.func.count()).where(
                AuditLog.action == "enrolment.waitlist_promoted",
                AuditLog.actor_id.in_(ids["users"])))
            assert promotions == 2
    finally:
        delete_race_world(app, ids)
