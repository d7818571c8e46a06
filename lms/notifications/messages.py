"""What each notification says: subject, body and the page it opens.

Every function here runs inside ``force_locale(<the recipient's language>)`` and a
request context (``services.notify_each`` provides both), and returns a ``Message``.
The mails that moved here from the floors below (the waiting-list seat, hours decided,
the expiry reminder) keep their wording, so that their translations stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import current_app, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from markupsafe import Markup

from lms.accounts.models import User
from lms.announcements.queries import shown
from lms.announcements.services import message_for, page_url
from lms.certification.models import Certificate, RevocationReason
from lms.certification.tracks.models import HoursLog, HoursStatus, Track
from lms.cohorts.models import Enrolment
from lms.cohorts.nominations import Nomination, NominationStatus
from lms.i18n import language_name
from lms.web.urls import absolute_url

if TYPE_CHECKING:
    from lms.announcements.models import Announcement
    from lms.assessments.assignments.models import Submission
    from lms.assessments.models import Assessment


@dataclass(frozen=True)
class Message:
    """A notification's words, in the recipient's language, and its page on this site."""

    subject: str
    body: str
    link: str  # a path (``/certificates``)
    # The body as sanitised HTML when it has its own (an announcement's Markdown); the
    # mail's HTML shows it instead of paragraphs made from ``body``.
    html: Markup | None = None


def _page(endpoint: str, **values: Any) -> tuple[str, str]:
    """The path stored on the notification, and the full address the mail prints."""
    return url_for(endpoint, **values), absolute_url(endpoint, **values)


def enrolment_accepted(user: User, enrolment: Enrolment, locale: str) -> Message:
    cohort = enrolment.cohort
    course = cohort.course.in_locale("title", locale)
    path, url = _page("cohorts.cohort", cohort_id=cohort.id)
    subject = _("You are enrolled in %(course)s", course=course)
    body = _("Hello %(name)s,\n\n"
             "You are enrolled in the cohort %(code)s of %(course)s (%(start)s to %(end)s).\n\n"
             "The cohort's page:\n%(url)s\n",
             name=user.full_name, code=cohort.code, course=course,
             start=format_date(cohort.starts_on), end=format_date(cohort.ends_on), url=url)
    return Message(subject, body, path)


def waitlist_promoted(user: User, enrolment: Enrolment, locale: str) -> Message:
    # The wording of the mail lms.cohorts sent before notifications existed.
    cohort = enrolment.cohort
    course = cohort.course.in_locale("title", locale)
    path, url = _page("cohorts.cohort", cohort_id=cohort.id)
    subject = _("You have a seat in %(course)s", course=course)
    body = _("Hello %(name)s,\n\n"
             "A seat has become free in the cohort %(code)s of %(course)s "
             "(%(start)s to %(end)s). You were on its waiting list, and you are now "
             "enrolled.\n\n"
             "The cohort's page:\n%(url)s\n\n"
             "If you no longer wish to take part, please withdraw from that page so "
             "that the next person on the list can have your seat.\n",
             name=user.full_name, code=cohort.code, course=course,
             start=format_date(cohort.starts_on), end=format_date(cohort.ends_on), url=url)
    return Message(subject, body, path)


def grade_released(user: User, enrolment: Enrolment, assessment: Assessment,
                   locale: str) -> Message:
    # The grade itself is not in the mail: it is read, with its feedback, on the site.
    course = enrolment.cohort.course.in_locale("title", locale)
    title = assessment.in_locale("title", locale)
    path, url = _page("gradebook.mine", cohort_id=enrolment.cohort_id)
    subject = _("New grade: %(assessment)s", assessment=title)
    body = _("Hello %(name)s,\n\n"
             "%(assessment)s in %(course)s has a new grade. Read it, with any feedback, "
             "on your grades page:\n%(url)s\n",
             name=user.full_name, assessment=title, course=course, url=url)
    return Message(subject, body, path)


def work_returned(user: User, submission: Submission, locale: str) -> Message:
    enrolment = submission.enrolment
    course = enrolment.cohort.course.in_locale("title", locale)
    title = submission.assessment.in_locale("title", locale)
    path, url = _page("assignments.assignment", cohort_id=enrolment.cohort_id,
                      assessment_id=submission.assessment_id)
    subject = _("Your work was returned: %(assessment)s", assessment=title)
    body = _("Hello %(name)s,\n\n"
             "Your submission for %(assessment)s in %(course)s was returned to you, to be "
             "done again. The instructor's message:\n%(message)s\n\n"
             "Submit it again here:\n%(url)s\n",
             name=user.full_name, assessment=title, course=course,
             message=submission.return_message, url=url)
    return Message(subject, body, path)


def _certificate_title(certificate: Certificate, locale: str) -> str:
    text = certificate.snapshot["text"]
    return (text.get(locale) or text["en"])["title"]


def certificate_issued(user: User, certificate: Certificate, locale: str) -> Message:
    path, url = _page("certificates.mine")
    subject = _("Your certificate %(code)s was issued", code=certificate.code)
    body = _("Dear %(name)s,\n\n"
             "Your certificate “%(title)s” (ID %(code)s) was issued. Download it from "
             "your certificates:\n%(url)s\n\n"
             "Anyone may verify it at:\n%(verify)s\n",
             name=user.full_name, title=_certificate_title(certificate, locale),
             code=certificate.code, url=url,
             verify=certificate.snapshot.get("verify_url", ""))
    return Message(subject, body, path)


def certificate_revoked(user: User, certificate: Certificate, locale: str) -> Message:
    path, url = _page("certificates.mine")
    try:
        reason = RevocationReason(certificate.revocation_code).title
    except ValueError:
        reason = RevocationReason.OTHER.title
    subject = _("Your certificate %(code)s was revoked", code=certificate.code)
    lines = [_("Dear %(name)s,\n\n"
               "Your certificate “%(title)s” (ID %(code)s) was revoked: it is no longer "
               "valid. Reason: %(reason)s",
               name=user.full_name, title=_certificate_title(certificate, locale),
               code=certificate.code, reason=reason)]
    if certificate.revocation_reason:
        lines.append(_("The certifying body's note: %(note)s",
                       note=certificate.revocation_reason))
    lines += ["", _("Your certificates:"), url, ""]
    return Message(subject, "\n".join(lines), path)


def certificate_expiring(user: User, certificate: Certificate, track: Track | None,
                         locale: str) -> Message:
    # The wording of the reminder lms.certification.reminders mailed before.
    snapshot = certificate.snapshot
    expires = format_date(certificate.expires_on, format="long")
    subject = _("Your certificate %(code)s expires on %(date)s",
                code=certificate.code, date=expires)
    lines = [
        _("Dear %(name)s,", name=user.full_name),
        "",
        _("Your certificate “%(title)s” (ID %(code)s) expires on %(date)s.",
          title=_certificate_title(certificate, locale), code=certificate.code, date=expires),
    ]
    if track is not None and track.renewal_hours:
        lines.append(_("To renew it, you need %(hours)s approved hours of continuing "
                       "education between %(start)s and %(end)s; your certifying body then "
                       "renews it.", hours=track.renewal_hours,
                       start=format_date(certificate.valid_from, format="long"), end=expires))
    else:
        lines.append(_("Ask your certifying body how to renew it."))
    lines += ["", _("Verify this certificate at"), snapshot.get("verify_url", "")]
    return Message(subject, "\n".join(lines), url_for("certificates.mine"))


def hours_decided(user: User, log: HoursLog, locale: str) -> Message:
    # The wording of the mail lms.certification.tracks sent before.
    path, url = _page("tracks.track", track_id=log.track_id)
    values = dict(name=user.full_name, hours=str(log.hours), date=log.worked_on.isoformat(),
                  track=log.track.in_locale("title", locale), note=log.decision_note, url=url)
    if log.status == HoursStatus.APPROVED:
        subject = _("Your hours were approved")
        body = _("Hello %(name)s,\n\nYour %(hours)s hours of %(date)s for the track "
                 "%(track)s were approved.\n\nYour progress:\n%(url)s\n", **values)
    else:
        subject = _("Your hours were not approved")
        body = _("Hello %(name)s,\n\nYour %(hours)s hours of %(date)s for the track "
                 "%(track)s were not approved. The reason given:\n%(note)s\n\n"
                 "Your progress:\n%(url)s\n", **values)
    return Message(subject, body, path)


def nomination_decided(user: User, nomination: Nomination, locale: str) -> Message:
    """To the nominee, or to the focal point who nominated them."""
    cohort = nomination.cohort
    course = cohort.course.in_locale("title", locale)
    status = NominationStatus(nomination.status).title
    if user.id == nomination.user_id:
        path, url = _page("cohorts.cohort", cohort_id=cohort.id) \
            if nomination.status == NominationStatus.ACCEPTED else _page("web.home")
        subject = _("Your nomination to %(course)s: %(status)s",
                    course=course, status=status)
    else:
        path, url = _page("nominations.cohort", cohort_id=cohort.id)
        subject = _("%(name)s, nominated to %(course)s: %(status)s",
                    name=nomination.nominee.full_name, course=course, status=status)
    body = _("Hello %(name)s,\n\n"
             "The nomination of %(nominee)s to the cohort %(code)s of %(course)s "
             "(%(start)s to %(end)s) was decided: %(status)s.\n\n%(url)s\n",
             name=user.full_name, nominee=nomination.nominee.full_name, code=cohort.code,
             course=course, start=format_date(cohort.starts_on),
             end=format_date(cohort.ends_on), status=status, url=url)
    if nomination.reason:
        body += "\n" + _("The reason given: %(reason)s", reason=nomination.reason) + "\n"
    return Message(subject, body, path)


def announcement(announcement: Announcement, locale: str) -> Message:
    """The announcement itself, as lms.announcements words it for this reader."""
    subject, text, _html = message_for(announcement, locale)
    view = shown(announcement, locale)
    # Under the mail's <h1> (the subject): "# Title" in the body comes as an <h2>.
    html = Markup('<div lang="{}">{}</div>').format(view.locale, view.body)
    if view.fallback:
        html = Markup("<p><em>{}</em></p>").format(
            _("Not available in your language; shown in %(language)s.",
              language=language_name(view.locale))) + html
    return Message(subject, text, page_url(announcement).removeprefix(
        str(current_app.config["LMS_PUBLIC_URL"])), html)
