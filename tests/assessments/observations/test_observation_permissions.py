"""Who gets what on every observation route (the rows for tests/web/test_permissions.py)."""

from __future__ import annotations

import pytest

from tests.assessments.observations.helpers import (
    MANAGERS,
    ROLES,
    TEACHERS_OF_A,
    check_matrix,
    make_checklist,
    make_world,
)


@pytest.mark.parametrize("role", ROLES)
def test_observation_routes_answer_each_role(client, database, role):
    world = make_world()
    checklist = make_checklist(world.course, ["Greets the client"])
    base = f"/cohorts/{world.cohort.id}/observations/{checklist.id}"
    record = f"{base}/trainees/{world.enrolment.id}"
    items = f"/manage/assessments/{checklist.id}/items"
    check_matrix(client, world, role,
                 gets=[(items, MANAGERS), (base, TEACHERS_OF_A), (record, TEACHERS_OF_A),
                       (f"{base}/mine", {"trainee"})],
                 posts=[(items, MANAGERS), (record, TEACHERS_OF_A)])
