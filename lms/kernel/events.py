"""What happened, announced by the floor where it happened; every event of the house is here.

A lower floor never calls up into a higher one (ARCHITECTURE.md). It announces an
event, and the floors above that care subscribe once at start-up
(``lms.certification.reactions.connect``, called by ``create_app``). Receivers
run synchronously, in the announcer's transaction: what they write is committed
or rolled back with it, under the request's one commit. So the list of reactions
to, say, a grade is one search away: ``grep -rn enrolment_result_changed lms``.

Each signal is sent with the object it is about as ``sender`` and keyword
arguments only; ``actor`` is the user who caused it (None for the system).

Two signals at the end are questions, not news: a lower floor asks the floors above
whether they refer to one of its rows, and receivers answer with their return value
(``answers`` collects them).
"""

from __future__ import annotations

from typing import Any

from blinker import Namespace, Signal

_events = Namespace()

# ---------------------------------------------------------------- cohorts

user_enrolled: Signal = _events.signal("user-enrolled", doc="""\
A user took a seat in a cohort (self-enrolment, a coordinator, the waiting list, a
nomination; a CSV import announces users_enrolled instead, once per batch).
sender: the Enrolment (flushed, with its id); actor; via: how, the audit action without
its "enrolment." prefix ("self_enrolled", "enrolled" by a coordinator, "nominated",
"waitlist_promoted", ...; None when not said). Notifications tell the trainee.""")

users_enrolled: Signal = _events.signal("users-enrolled", doc="""\
Many users took seats at once: a CSV import, one call per batch of its lines (instead of
user_enrolled per seat, so that a 2,000-line file costs a few statements per batch).
sender: None; enrolments: the flushed Enrolment rows; actor; via ("imported").
Notifications tell each trainee, in one batch.""")

nomination_decided: Signal = _events.signal("nomination-decided", doc="""\
A nomination to a cohort by nomination was decided: accepted, wait-listed or declined by
a coordinator (with a reason for the last two), or withdrawn because a focal point
replaced the nominee (a substitute that keeps an accepted seat is sent as accepted), or
released: an accepted nominee left the cohort or a coordinator withdrew them (with a reason).
sender: the Nomination, its new status, reason, decided_by and decided_at set and flushed;
actor. An accepted nominee is also enrolled, which sends user_enrolled (via "nominated").""")

# ---------------------------------------------------------------- assessments

grade_changed: Signal = _events.signal("grade-changed", doc="""\
A grade was set or changed (a quiz marked, an assignment graded, an override, attendance).
sender: the Enrolment; assessment_id; actor.
The course result is computed again (lms.assessments.completion), which may announce
enrolment_result_changed.""")

enrolment_result_changed: Signal = _events.signal("enrolment-result-changed", doc="""\
An enrolment's status moved because its course result changed (completed, failed, back
to active): a grade, a late answer, a changed rule or a withdrawn grade.
sender: the Enrolment, status already updated and flushed; actor.
Certification issues or revokes the course certificate and re-checks auto-issue tracks.""")

work_returned: Signal = _events.signal("work-returned", doc="""\
An instructor sent a submission back to its trainee to be done again.
sender: the Submission (status returned, return_message set, flushed); actor.
Notifications tell the trainee.""")

# ---------------------------------------------------------------- announcements

announcement_posted: Signal = _events.signal("announcement-posted", doc="""\
A coordinator or instructor published an announcement and chose to mail it (once, when
it is posted; never for an edit, never when ``mail`` is off).
sender: the Announcement (flushed, with its id and translations); actor.
lms.announcements.queries.recipients names its readers and
lms.announcements.services.message_for writes the mail in each one's language.""")

# ---------------------------------------------------------------- competencies

competency_signed_off: Signal = _events.signal("competency-signed-off", doc="""\
An assessor judged that a trainee has a competency.
sender: the Signoff (flushed); actor.""")

competency_withdrawn: Signal = _events.signal("competency-withdrawn", doc="""\
A sign-off was withdrawn.
sender: the Signoff, withdrawn_at set and flushed; actor.""")

# ---------------------------------------------------------------- certification

hours_decided: Signal = _events.signal("hours-decided", doc="""\
A supervisor approved or rejected logged hours.
sender: the HoursLog with its new status (flushed); actor.""")

certificate_issued: Signal = _events.signal("certificate-issued", doc="""\
Certificates were issued, one call per batch (a track's issue-all sends once).
sender: None; certificates: the flushed Certificate rows; actor; automatic: True when
no officer decided (auto-issue tracks, course completion).""")

certificate_revoked: Signal = _events.signal("certificate-revoked", doc="""\
A certificate was revoked, by an officer or because its course result changed.
sender: the Certificate (revoked_at set, flushed); actor.""")

certificate_superseded: Signal = _events.signal("certificate-superseded", doc="""\
A certificate was replaced by a corrected one (the holder's name, say).
sender: the old Certificate; replacement: the new one; actor.""")

certificate_renewed: Signal = _events.signal("certificate-renewed", doc="""\
A certificate got its next validity period.
sender: the new Certificate; renews: the one it renews; actor.""")

certificate_expiring: Signal = _events.signal("certificate-expiring", doc="""\
A valid certificate reached an expiry reminder threshold (``lms remind-expiring``, once
per threshold: lms.certification.reminders keeps the schedule).
sender: the Certificate (its user loaded); days_left; track: its Track or None.
Notifications turn it into the notice and the mail.""")

# ---------------------------------------------------------------- questions

competency_referenced: Signal = _events.signal("competency-referenced", doc="""\
Question before a competency is deleted: does a higher floor refer to it?
sender: the Competency. Receivers return True when something of theirs uses it.""")

competencies_required_by_course: Signal = _events.signal("competencies-required-by-course", doc="""\
Question: which competencies do higher floors require of a course's trainees?
sender: the Course. Receivers return a SELECT of competency ids (or None).""")

course_management_sections: Signal = _events.signal("course-management-sections", doc="""\
Question: what do higher floors show at the end of a course's management page?
sender: the Course. Receivers return a section of the page as Markup (cohorts list theirs).""")

content_coverage: Signal = _events.signal("content-coverage", doc="""\
Question: how much of a course's content (beyond its lessons) exists in a language?
sender: the Course; locale. Receivers return a list of lms.cohorts.queries.Coverage
(assessments count their quizzes' questions and their assessments), each one query.""")


def answers(signal: Signal, sender: Any, **kwargs: Any) -> list[Any]:
    """The non-None return values of every receiver of a question signal."""
    return [value for _receiver, value in signal.send(sender, **kwargs) if value is not None]
