"""Who gets what on every attendance route (the rows for tests/web/test_permissions.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lms.assessments.attendance.models import AttendanceSession
from tests.assessments.observations.helpers import ROLES, TEACHERS_OF_A, check_matrix, make_world


@pytest.mark.parametrize("role", ROLES)
def test_attendance_routes_answer_each_role(client, database, role):
    world = make_world()
    session = AttendanceSession(cohort_id=world.cohort.id, title="Day 1",
                                starts_at=datetime(2030, 3, 1, 9, tzinfo=UTC))
    database.session.add(session)
    database.session.flush()
    base = f"/cohorts/{world.cohort.id}/attendance"
    take = f"{base}/{session.id}"
    check_matrix(client, world, role,
                 gets=[(base, TEACHERS_OF_A), (take, TEACHERS_OF_A),
                       (f"{base}/mine", {"trainee"})],
                 # Deleting last: afterwards the session is gone.
                 posts=[(base, TEACHERS_OF_A), (take, TEACHERS_OF_A),
                        (f"{take}/delete", TEACHERS_OF_A)])
