"""Attendance in the cohort gradebook export: one sheet with grades and attendance per trainee."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from sqlalchemy import select

from lms.assessments.attendance.models import AttendanceRecord, AttendanceSession
from lms.cohorts.models import Enrolment
from tests.assessments.factories import make_assessment
from tests.conftest import sign_in_quickly as login
from tests.factories import enrol, enrol_many, make_cohort, make_course, make_user

ATTENDANCE_COLUMNS = ["Sessions attended", "Sessions held", "Excused", "Attendance (%)"]


def _sessions(database, cohort, count: int) -> list[AttendanceSession]:
    sessions = [AttendanceSession(cohort_id=cohort.id, title=f"Day {n}",
                                  starts_at=datetime(2030, 3, n, 9, 0, tzinfo=UTC))
                for n in range(1, count + 1)]
    database.session.add_all(sessions)
    database.session.flush()
    return sessions


def _register(database, sessions, enrolment_id: int, statuses: str) -> None:
    """``statuses``: one letter per session, P(resent), A(bsent), E(xcused), - (no record)."""
    names = {"P": "present", "A": "absent", "E": "excused"}
    database.session.add_all(
        AttendanceRecord(session_id=session.id, enrolment_id=enrolment_id, status=names[letter])
        for session, letter in zip(sessions, statuses, strict=True) if letter != "-")
    database.session.flush()


def _export(client, cohort) -> list[list[str]]:
    response = client.get(f"/cohorts/{cohort.id}/gradebook.csv")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_the_export_gives_each_trainee_attended_held_and_percentage(client, database):
    course = make_course()
    instructor = make_user()
    cohort = make_cohort(course, instructors=[instructor])
    make_assessment(course, "attendance", title="Attendance", pass_mark=80, position=1)
    ana = enrol(cohort, make_user(full_name="Ana Núñez", email="ana@example.org"))
    bruno = enrol(cohort, make_user(full_name="Bruno Lima", email="bruno@example.org"))
    carla = enrol(cohort, make_user(full_name="Carla Dias", email="carla@example.org"))
    sessions = _sessions(database, cohort, 5)
    _register(database, sessions, ana.id, "PPPAE")    # 3 of 4 counted: 75 %
    _register(database, sessions, bruno.id, "--PPP")  # joined late: 3 of 3
    login(client, instructor)

    rows = _export(client, cohort)

    header = rows[0]
    assert header[-4:] == ATTENDANCE_COLUMNS
    by_email = {row[1]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert [by_email["ana@example.org"][c] for c in ATTENDANCE_COLUMNS] == ["3", "5", "1",
                                                                            "75.00"]
    assert [by_email["bruno@example.org"][c] for c in ATTENDANCE_COLUMNS] == ["3", "3", "0",
                                                                              "100.00"]
    # Nothing recorded yet: blank, not a misleading 0 %.
    assert [by_email[carla.user.email][c] for c in ATTENDANCE_COLUMNS] == ["", "", "", ""]


def test_other_cohorts_sessions_do_not_count(client, database):
    course = make_course()
    instructor = make_user()
    cohort = make_cohort(course, instructors=[instructor])
    other = make_cohort(course)
    trainee = make_user(email="twice@example.org")
    here = enrol(cohort, trainee)
    there = enrol(other, trainee)
    _register(database, _sessions(database, cohort, 2), here.id, "PA")
    _register(database, _sessions(database, other, 3), there.id, "PPP")
    login(client, instructor)

    rows = _export(client, cohort)

    assert rows[1][-4:] == ["1", "2", "0", "50.00"]


def _export_queries(client, count_queries, database, trainees: int) -> int:
    course = make_course()
    instructor = make_user()
    cohort = make_cohort(course, instructors=[instructor])
    make_assessment(course, "attendance", position=1)
    make_assessment(course, "quiz", position=2)
    enrol_many(cohort, trainees)
    ids = database.session.scalars(select(Enrolment.id).where(
        Enrolment.cohort_id == cohort.id)).all()
    sessions = _sessions(database, cohort, 4)
    database.session.execute(database.insert(AttendanceRecord), [
        {"session_id": s.id, "enrolment_id": e, "status": "present"}
        for s in sessions for e in ids])
    database.session.flush()
    login(client, instructor)
    with count_queries("gradebook.csv", f"{trainees} trainees × 4 sessions") as counter:
        rows = _export(client, cohort)
    assert len(rows) == 1 + trainees
    assert all(row[-4:] == ["4", "4", "0", "100.00"] for row in rows[1:])
    return counter.count


def test_the_export_runs_a_constant_number_of_queries(client, count_queries, database):
    small = _export_queries(client, count_queries, database, 5)
    large = _export_queries(client, count_queries, database, 300)
    assert small == large
    assert large <= 12
