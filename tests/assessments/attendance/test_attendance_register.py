"""Attendance: sessions, the register, percentages with excused absences left out, grades."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from lms.assessments.attendance import services as attendance_services
from lms.assessments.attendance.models import AttendanceRecord, AttendanceSession
from lms.assessments.models import AssessmentKind, Grade
from lms.audit.models import AuditLog
from tests.assessments.factories import make_assessment
from tests.assessments.observations.helpers import audit_actions, make_world
from tests.conftest import page_text, submit
from tests.conftest import sign_in_quickly as login
from tests.factories import enrol, enrol_many, make_user


@pytest.fixture
def world(database):
    return make_world()


def _add_sessions(database, cohort, count: int) -> list[AttendanceSession]:
    sessions = [AttendanceSession(cohort_id=cohort.id, title=f"Day {n}",
                                  starts_at=datetime(2030, 3, n, 9, 0, tzinfo=UTC))
                for n in range(1, count + 1)]
    database.session.add_all(sessions)
    database.session.flush()
    return sessions


def _records(database, session) -> dict[int, tuple[str, int | None]]:
    database.session.expire_all()
    rows = database.session.scalars(database.select(AttendanceRecord).where(
        AttendanceRecord.session_id == session.id))
    return {row.enrolment_id: (row.status, row.recorded_by_id) for row in rows}


def _grades(database, enrolment) -> dict[str, tuple[Decimal, bool]]:
    database.session.expire_all()
    rows = database.session.scalars(database.select(Grade).where(
        Grade.enrolment_id == enrolment.id))
    return {row.assessment.title: (row.percent, row.passed) for row in rows}


def _session_ids(database, cohort) -> list[int]:
    database.session.expire_all()
    return list(database.session.scalars(database.select(AttendanceSession.id).where(
        AttendanceSession.cohort_id == cohort.id)))


def _take_url(world, session) -> str:
    return f"/cohorts/{world.cohort.id}/attendance/{session.id}"


# ---------------------------------------------------------------- sessions

def test_an_instructor_adds_a_session(client, database, world):
    login(client, world.instructor)
    url = f"/cohorts/{world.cohort.id}/attendance"
    response = submit(client, url, {"day": "2030-03-04", "time": "09:30",
                                    "title": "Use of force"})
    assert response.status_code == 302
    session = database.session.scalar(database.select(AttendanceSession).where(
        AttendanceSession.cohort_id == world.cohort.id))
    assert response.headers["Location"].endswith(_take_url(world, session))
    assert session.title == "Use of force"
    assert session.starts_at.replace(tzinfo=None) == datetime(2030, 3, 4, 9, 30)
    assert audit_actions("attendance_session.") == ["attendance_session.created"]
    text = page_text(client.get(url))
    assert "Mar 4, 2030 9:30 AM" in text and "Use of force" in text

    # The same moment twice, or no date, is refused and adds nothing.
    response = submit(client, url, {"day": "2030-03-04", "time": "09:30"})
    assert response.status_code == 422
    assert "already has a session" in page_text(response)
    response = submit(client, url, {"day": "", "time": "09:30"})
    assert response.status_code == 422
    assert "Enter the date." in page_text(response)
    assert database.session.scalar(database.select(database.func.count()).select_from(
        AttendanceSession)) == 1


def test_deleting_a_session_removes_its_register_and_regrades(client, database, world):
    make_assessment(world.course, AssessmentKind.ATTENDANCE, title="Attendance", pass_mark=75)
    first, second = _add_sessions(database, world.cohort, 2)
    first_id, second_id = first.id, second.id
    login(client, world.instructor)
    submit(client, _take_url(world, first), {f"status_{world.enrolment.id}": "present"})
    submit(client, _take_url(world, second), {f"status_{world.enrolment.id}": "absent"})
    assert _grades(database, world.enrolment) == {"Attendance": (Decimal("50.00"), False)}
    response = submit(client, f"/cohorts/{world.cohort.id}/attendance/{second.id}/delete",
                      form_url=f"/cohorts/{world.cohort.id}/attendance")
    assert response.status_code == 302
    assert _session_ids(database, world.cohort) == [first_id]
    assert database.session.scalar(database.select(database.func.count()).select_from(
        AttendanceRecord).where(AttendanceRecord.session_id == second_id)) == 0
    assert _grades(database, world.enrolment) == {"Attendance": (Decimal("100.00"), True)}
    assert "attendance_session.deleted" in audit_actions("attendance_session.")


# ---------------------------------------------------------------- the register

def test_the_register_defaults_to_present_and_saves_each_choice(client, database, world):
    (session,) = _add_sessions(database, world.cohort, 1)
    late = enrol(world.cohort, make_user(full_name="Carla Trainee"))
    login(client, world.instructor)
    url = _take_url(world, session)
    html = client.get(url).get_data(as_text=True)
    assert f'value="present" aria-labelledby="status_{late.id}-name status_{late.id}-present' \
        in html
    assert html.count(" checked") == 2  # everyone starts as present
    assert "Bruno Trainee" not in html  # another cohort
    response = submit(client, url, {f"status_{world.enrolment.id}": "present",
                                    f"status_{late.id}": "excused"})
    assert response.status_code == 302
    assert _records(database, session) == {world.enrolment.id: ("present", world.instructor.id),
                                           late.id: ("excused", world.instructor.id)}
    assert audit_actions("attendance.") == ["attendance.taken"]
    # Saving again with one change updates that row only.
    submit(client, url, {f"status_{world.enrolment.id}": "absent", f"status_{late.id}": "excused"})
    assert _records(database, session)[world.enrolment.id] == ("absent", world.instructor.id)
    last = database.session.scalars(database.select(AuditLog).where(
        AuditLog.action == "attendance.taken").order_by(AuditLog.id.desc())).first()
    assert last.before == {str(world.enrolment.id): "present"}
    assert last.after == {str(world.enrolment.id): "absent"}
    text = page_text(client.get(f"/cohorts/{world.cohort.id}/attendance"))
    assert "Day 1 0 1 1" in text  # present, absent, excused


def test_an_attendance_assessment_added_later_is_graded_on_the_next_save(client, database,
                                                                          world):
    (session,) = _add_sessions(database, world.cohort, 1)
    login(client, world.instructor)
    url = _take_url(world, session)
    submit(client, url, {f"status_{world.enrolment.id}": "present"})
    assert _grades(database, world.enrolment) == {}  # nothing to grade yet
    make_assessment(world.course, AssessmentKind.ATTENDANCE, title="Attendance", pass_mark=80)
    login(client, world.instructor)
    submit(client, url, {f"status_{world.enrolment.id}": "present"})  # no change
    assert _grades(database, world.enrolment) == {"Attendance": (Decimal("100.00"), True)}


def test_a_bad_status_is_refused_and_nothing_is_saved(client, database, world):
    (session,) = _add_sessions(database, world.cohort, 1)
    login(client, world.instructor)
    response = submit(client, _take_url(world, session),
                      {f"status_{world.enrolment.id}": "asleep"})
    assert response.status_code == 422
    assert _records(database, session) == {}


def test_percentages_leave_excused_absences_out(client, database, world):
    make_assessment(world.course, AssessmentKind.ATTENDANCE, title="Strict", pass_mark=75)
    make_assessment(world.course, AssessmentKind.ATTENDANCE, title="Lenient", pass_mark=60)
    make_assessment(world.course, AssessmentKind.QUIZ, title="Quiz")
    sessions = _add_sessions(database, world.cohort, 4)
    login(client, world.instructor)
    for session, status in zip(sessions, ["present", "present", "absent", "excused"],
                               strict=True):
        submit(client, _take_url(world, session), {f"status_{world.enrolment.id}": status})
    # 2 present of 3 counted sessions (the excused one is left out): 66.67 %.
    assert _grades(database, world.enrolment) == {
        "Strict": (Decimal("66.67"), False), "Lenient": (Decimal("66.67"), True)}
    # The trainee sees it, against the required percentage.
    login(client, world.trainee)
    response = client.get(f"/cohorts/{world.cohort.id}/attendance/mine")
    assert response.status_code == 200
    text = page_text(response)
    assert "Your attendance 66.67%" in text
    assert "Strict Required: 75% Not passed" in text
    assert "Lenient Required: 60% Passed" in text
    assert "Day 4 Excused" in text and "Day 3 Absent" in text


def test_no_counted_session_gives_no_grade(database, world):
    make_assessment(world.course, AssessmentKind.ATTENDANCE, title="Attendance")
    (session,) = _add_sessions(database, world.cohort, 1)
    attendance_services.take_attendance(world.instructor, session,
                                        {world.enrolment.id: "excused"})
    assert _grades(database, world.enrolment) == {}
    attendance_services.update_attendance_grades(world.cohort, [world.enrolment.id],
                                                 world.instructor)
    assert _grades(database, world.enrolment) == {}


def test_update_attendance_grades_counts_only_this_cohort(database, world):
    make_assessment(world.course, AssessmentKind.ATTENDANCE, title="Attendance", pass_mark=50)
    mine = _add_sessions(database, world.cohort, 2)
    database.session.add_all([
        AttendanceRecord(session_id=mine[0].id, enrolment_id=world.enrolment.id,
                         status="present"),
        AttendanceRecord(session_id=mine[1].id, enrolment_id=world.enrolment.id,
                         status="absent")])
    database.session.flush()
    attendance_services.update_attendance_grades(world.cohort, [world.enrolment.id],
                                                 world.instructor)
    assert _grades(database, world.enrolment) == {"Attendance": (Decimal("50.00"), True)}
    # Unchanged: no second grade entry in the audit log.
    attendance_services.update_attendance_grades(world.cohort, [world.enrolment.id],
                                                 world.instructor)
    assert audit_actions("grade.") == ["grade.set"]


# ---------------------------------------------------------------- who may

def test_other_people_are_refused(client, database, world):
    (session,) = _add_sessions(database, world.cohort, 1)
    sessions_url = f"/cohorts/{world.cohort.id}/attendance"
    take_url = _take_url(world, session)
    delete_url = f"{take_url}/delete"
    mine_url = f"/cohorts/{world.cohort.id}/attendance/mine"
    assert client.get(sessions_url).status_code == 302  # anonymous: to login
    for user in (world.trainee, world.other_trainee, world.other_instructor,
                 world.other_coordinator):
        login(client, user)
        assert client.get(sessions_url).status_code == 403
        assert client.get(take_url).status_code == 403
        assert submit(client, take_url, {f"status_{world.enrolment.id}": "absent"},
                      form_url="/courses").status_code == 403
        assert submit(client, delete_url, form_url="/courses").status_code == 403
    assert _records(database, session) == {}
    assert _session_ids(database, world.cohort) == [session.id]
    login(client, world.other_trainee)
    assert client.get(mine_url).status_code == 403
    login(client, world.coordinator)
    assert client.get(take_url).status_code == 200
    assert client.get(mine_url).status_code == 403  # no enrolment of their own
    # A session of another cohort is not found through this one.
    (elsewhere,) = _add_sessions(database, world.other_cohort, 1)
    login(client, world.instructor)
    assert client.get(f"/cohorts/{world.cohort.id}/attendance/{elsewhere.id}"
                      ).status_code == 404


# ---------------------------------------------------------------- query counts

@pytest.mark.parametrize("path", ["take", "sessions"])
def test_the_pages_take_constant_queries(client, database, world, count_queries, path):
    sessions = _add_sessions(database, world.cohort, 3)
    url = _take_url(world, sessions[0]) if path == "take" \
        else f"/cohorts/{world.cohort.id}/attendance"
    enrol_many(world.cohort, 4)
    login(client, world.instructor)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    enrol_many(world.cohort, 55)
    login(client, world.instructor)
    with count_queries() as big:
        response = client.get(url)
    assert response.status_code == 200
    assert big.count == small.count, big.statements
    if path == "take":
        assert response.get_data(as_text=True).count('value="absent"') == 60
