"""Notifications subscribe to the domain events (lms.kernel.events); ``connect`` at start-up.

Each receiver runs in the announcer's transaction: the notification and its mail are
committed with the change they tell of, or not at all. Who is told:

- ``user_enrolled``: the trainee, when someone else seated them (a coordinator) or the
  waiting list moved up; not when they enrolled themselves (they are looking at the page
  that says so).
- ``users_enrolled`` (an import's batch of seats): the same notice to each trainee, written
  for the whole batch at once (a constant number of queries per batch). It stays in the
  app: the new accounts' welcome mail already names their cohorts, and a 2,000-row file
  mails nobody twice.
- ``grade_changed``: the trainee, when a person graded their work (an assignment, an
  observation, an override); not for a quiz they just submitted, nor for attendance
  (recomputed at every register).
- ``work_returned``, ``hours_decided``: the trainee.
- ``certificate_issued``: each holder (not the officer who issued); one batch, a
  constant number of queries.
- ``certificate_revoked``: the holder, always (a mandatory notice).
- ``certificate_expiring``: the holder (lms.certification.reminders keeps the schedule).
- ``nomination_decided``: the nominee and the focal point who nominated them (an accepted
  nominee is told once, by this notice, not again as an enrolment).
- ``announcement_posted`` (only for announcements the author chose to mail): every
  reader, in their language when the author wrote it, else in the author's.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy import select

from lms.accounts.models import User
from lms.announcements.queries import recipients
from lms.assessments.models import Assessment, AssessmentKind, Grade, GradeSource
from lms.extensions import db
from lms.kernel import events
from lms.notifications import messages
from lms.notifications.models import NotificationKind
from lms.notifications.services import notify, notify_each

if TYPE_CHECKING:
    from lms.announcements.models import Announcement
    from lms.assessments.assignments.models import Submission
    from lms.certification.models import Certificate
    from lms.certification.tracks.models import HoursLog, Track
    from lms.cohorts.models import Enrolment
    from lms.cohorts.nominations import Nomination


def connect() -> None:
    """Subscribe notifications to the events they tell of (idempotent)."""
    # weak=False: the receivers are module functions, and a signal must never lose one.
    events.user_enrolled.connect(on_user_enrolled, weak=False)
    events.users_enrolled.connect(on_users_enrolled, weak=False)
    events.grade_changed.connect(on_grade_changed, weak=False)
    events.work_returned.connect(on_work_returned, weak=False)
    events.hours_decided.connect(on_hours_decided, weak=False)
    events.certificate_issued.connect(on_certificate_issued, weak=False)
    events.certificate_revoked.connect(on_certificate_revoked, weak=False)
    events.certificate_expiring.connect(on_certificate_expiring, weak=False)
    events.nomination_decided.connect(on_nomination_decided, weak=False)
    events.announcement_posted.connect(on_announcement_posted, weak=False)


def _by_someone_else(actor: User | None, user_id: int) -> bool:
    return actor is not None and getattr(actor, "id", None) not in (None, user_id)


def on_user_enrolled(enrolment: Enrolment, *, actor: User | None = None, via: str | None = None,
                     **_extra: object) -> None:
    if via == "waitlist_promoted":
        notify(enrolment.user, NotificationKind.WAITLIST_PROMOTED,
               partial(messages.waitlist_promoted, enrolment.user, enrolment))
        return
    # A nominee accepted is told by the nomination's own notice (on_nomination_decided).
    if via == "nominated" or not _by_someone_else(actor, enrolment.user_id):
        return
    notify(enrolment.user, NotificationKind.ENROLMENT_ACCEPTED,
           partial(messages.enrolment_accepted, enrolment.user, enrolment),
           mail_allowed=via != "imported")


def on_users_enrolled(_sender: None, *, enrolments: Iterable[Enrolment] = (),
                      actor: User | None = None, via: str | None = None,
                      **_extra: object) -> None:
    # Each enrolment's user and cohort are in the session already (the import loaded or
    # created them): building the messages reads nothing per person.
    told = [enrolment for enrolment in enrolments
            if _by_someone_else(actor, enrolment.user_id)]
    notify_each(NotificationKind.ENROLMENT_ACCEPTED,
                [(enrolment.user, partial(messages.enrolment_accepted, enrolment.user,
                                          enrolment)) for enrolment in told],
                mail_allowed=via != "imported")


def on_grade_changed(enrolment: Enrolment, *, assessment_id: int, actor: User | None = None,
                     **_extra: object) -> None:
    # A trainee's own quiz, or the system: nothing to tell (and no query spent).
    if not _by_someone_else(actor, enrolment.user_id):
        return
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None or assessment.kind == AssessmentKind.ATTENDANCE:
        return
    if assessment.kind == AssessmentKind.QUIZ:
        # Marked by the machine; only an instructor's override is news.
        source = db.session.scalar(select(Grade.source).where(
            Grade.assessment_id == assessment_id, Grade.enrolment_id == enrolment.id))
        if source != GradeSource.OVERRIDE:
            return
    notify(enrolment.user, NotificationKind.GRADE_RELEASED,
           partial(messages.grade_released, enrolment.user, enrolment, assessment))


def on_work_returned(submission: Submission, *, actor: User | None = None,
                     **_extra: object) -> None:
    user = submission.enrolment.user
    notify(user, NotificationKind.WORK_RETURNED, partial(messages.work_returned, user,
                                                         submission))


def on_hours_decided(log: HoursLog, *, actor: User | None = None, **_extra: object) -> None:
    notify(log.user, NotificationKind.HOURS_DECIDED, partial(messages.hours_decided, log.user,
                                                             log))


def on_certificate_issued(_sender: None, *, certificates: Iterable[Certificate] = (),
                          actor: User | None = None, **_extra: object) -> None:
    certificates = list(certificates)
    if not certificates:
        return
    ids = {c.user_id for c in certificates}
    holders = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
    notify_each(NotificationKind.CERTIFICATE_ISSUED, [
        (holders[c.user_id], partial(messages.certificate_issued, holders[c.user_id], c))
        for c in certificates if c.user_id in holders])


def on_certificate_revoked(certificate: Certificate, *, actor: User | None = None,
                           **_extra: object) -> None:
    notify(certificate.user, NotificationKind.CERTIFICATE_REVOKED,
           partial(messages.certificate_revoked, certificate.user, certificate))


def on_certificate_expiring(certificate: Certificate, *, days_left: int = 0,
                            track: Track | None = None, **_extra: object) -> None:
    notify(certificate.user, NotificationKind.CERTIFICATE_EXPIRING,
           partial(messages.certificate_expiring, certificate.user, certificate, track))


def on_nomination_decided(nomination: Nomination, *, actor: User | None = None,
                          **_extra: object) -> None:
    told = [nomination.nominee]
    if nomination.nominated_by is not None and nomination.nominated_by_id != nomination.user_id:
        told.append(nomination.nominated_by)
    notify_each(NotificationKind.NOMINATION_DECIDED,
                [(user, partial(messages.nomination_decided, user, nomination))
                 for user in told])


def on_announcement_posted(announcement: Announcement, *, actor: User | None = None,
                           **_extra: object) -> None:
    notify_each(NotificationKind.ANNOUNCEMENT,
                [(user, partial(messages.announcement, announcement))
                 for user in recipients(announcement)])
