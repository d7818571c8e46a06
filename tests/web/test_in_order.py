"""``InOrder`` (lms.web.database): a join SQLite reads in the order written, any join to
PostgreSQL, with the same rows either way."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from lms.cohorts.models import Enrolment
from lms.extensions import db
from lms.web.database import InOrder
from tests.factories import enrol, make_cohort, make_user


def test_the_newest_rows_are_read_first_and_joined_as_written(database, backend):
    cohort = make_cohort()
    started = datetime(2026, 1, 1, tzinfo=UTC)
    people = [make_user() for _ in range(4)]
    for day, person in enumerate(people):
        enrol(cohort, person).last_seen_at = started + timedelta(days=day)
    db.session.flush()
    enrolments, users = Enrolment.__table__, people[0].__table__
    query = (select(users.c.email)
             .select_from(InOrder(enrolments, users, users.c.id == enrolments.c.user_id))
             .where(enrolments.c.cohort_id == cohort.id)
             .order_by(enrolments.c.last_seen_at.desc()).limit(3))
    assert list(db.session.scalars(query)) == [person.email for person in people[::-1][:3]]
    sql = str(query.compile(dialect=db.session.get_bind().dialect))
    if backend == "sqlite":
        assert "FROM enrolments CROSS JOIN users ON users.id = enrolments.user_id" in sql
        written = query.compile(dialect=db.session.get_bind().dialect,
                                compile_kwargs={"literal_binds": True})
        plan = db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {written}").all()
        steps = [row[-1] for row in plan if row[-1].startswith(("SCAN", "SEARCH"))]
        # Users would be the outer loop otherwise: one row per person, looked up by id.
        assert steps[0].split()[1] == "enrolments"
    else:
        assert "CROSS" not in sql
        assert "FROM enrolments JOIN users ON users.id = enrolments.user_id" in sql
