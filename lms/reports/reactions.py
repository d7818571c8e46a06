"""How the report cache hears that its figures changed (lms.kernel.events).

Connected once by ``create_app``. Each event that moves a figure (an enrolment, a grade,
a course result, a competency, hours, a certificate) makes every cached report stale at
once, and once more when the announcing transaction commits: a report computed between
the event and the commit read the old data, and must not outlive the commit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from lms.extensions import db
from lms.kernel import events
from lms.reports import cache

# Every announcement after which some figure of the report may read differently.
SIGNALS = (
    events.user_enrolled, events.users_enrolled, events.grade_changed,
    events.enrolment_result_changed,
    events.competency_signed_off, events.competency_withdrawn, events.hours_decided,
    events.certificate_issued, events.certificate_revoked, events.certificate_superseded,
    events.certificate_renewed,
)
_PENDING = "report_cache_stale"


def _stale(_sender: Any = None, **_kwargs: Any) -> None:
    cache.invalidate()
    db.session.info[_PENDING] = True


def _after_commit(session: Session) -> None:
    if session.info.pop(_PENDING, False):
        cache.invalidate()


def _after_rollback(session: Session, _previous: Any = None) -> None:
    session.info.pop(_PENDING, None)


def connect() -> None:
    """Subscribe the report cache to the events that change figures (idempotent)."""
    # weak=False: the receivers are module functions, and a signal must never lose one.
    for signal in SIGNALS:
        signal.connect(_stale, weak=False)
    if not sa_event.contains(Session, "after_commit", _after_commit):
        sa_event.listen(Session, "after_commit", _after_commit)
        sa_event.listen(Session, "after_soft_rollback", _after_rollback)
