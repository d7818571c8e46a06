"""The follow-up survey: ``lms evaluations send-followups`` (run daily, e.g. from cron).

N months (the program's follow-up template, default 6) after a completed enrolment,
the trainee is mailed a signed link, in their language, that opens the survey
without signing in. ``EvaluationFollowupMail`` rows make each mail happen once. A
run that was missed catches up, but nobody is mailed about a course whose survey
fell due more than ``CATCH_UP_DAYS`` ago: such a mail would come out of nowhere.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.catalog.models import Course
from lms.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from lms.evaluations.models import (
    DEFAULT_FOLLOWUP_MONTHS,
    EvaluationFollowupMail,
    EvaluationKind,
    EvaluationTemplate,
)
from lms.extensions import db
from lms.i18n import DEFAULT_LOCALE, LANGUAGES
from lms.kernel import clock, mail
from lms.web.urls import absolute_url, addresses_context

SALT = "lms.evaluations.followup"
# How long a mailed link works.
LINK_MAX_AGE = timedelta(days=90)
CATCH_UP_DAYS = 60


class _Signer(TimestampSigner):
    """Dates and ages links by the app's clock (lms.kernel.clock), as everything else."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


class _Serializer(URLSafeTimedSerializer):
    default_signer = _Signer


def _serializer() -> URLSafeTimedSerializer:
    return _Serializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(enrolment: Enrolment) -> str:
    return _serializer().dumps({"e": enrolment.id})


class LinkProblem(Exception):
    """``expired`` or ``invalid``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def enrolment_for_token(token: str) -> Enrolment:
    """The completed enrolment a valid, unexpired link names; raises LinkProblem."""
    try:
        payload = _serializer().loads(token, max_age=int(LINK_MAX_AGE.total_seconds()))
    except SignatureExpired as error:
        raise LinkProblem("expired") from error
    except BadSignature as error:
        raise LinkProblem("invalid") from error
    if not isinstance(payload, dict) or not isinstance(payload.get("e"), int):
        raise LinkProblem("invalid")
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.id == payload["e"]).options(
        joinedload(Enrolment.cohort).joinedload(Cohort.course).joinedload(Course.program),
        joinedload(Enrolment.user)))
    if enrolment is None or enrolment.status != EnrolmentStatus.COMPLETED:
        raise LinkProblem("invalid")
    return enrolment


def add_months(day: date, months: int) -> date:
    """``day`` moved ``months`` later; the 31st becomes the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _message(enrolment: Enrolment, link: str) -> tuple[str, str]:
    course = enrolment.cohort.course.in_locale("title")
    subject = _("How are you using what you learned in %(course)s?", course=course)
    body = "\n".join([
        _("Dear %(name)s,", name=enrolment.user.full_name),
        "",
        _("Some months ago you completed the course “%(course)s”. Please tell us in a "
          "few minutes whether and how you apply it in your work:", course=course),
        "",
        link,
        "",
        _("The link works for %(days)d days and needs no password. Your answers help us "
          "improve the training.", days=LINK_MAX_AGE.days),
    ])
    return subject, body


def send_followups(now: datetime | None = None) -> int:
    """Mail the follow-up links due at ``now``; returns how many were sent (flushes)."""
    now = now or clock.now()
    # Nobody is due before the shortest delay a template may set (1 month).
    latest = now - timedelta(days=28)
    earliest = now - timedelta(days=31 * 36 + CATCH_UP_DAYS)
    mailed = select(EvaluationFollowupMail.id).where(
        EvaluationFollowupMail.enrolment_id == Enrolment.id).exists()
    candidates = list(db.session.scalars(
        select(Enrolment)
        .join(Enrolment.cohort).join(Cohort.course)
        .where(Enrolment.status == EnrolmentStatus.COMPLETED,
               Enrolment.completed_at.is_not(None),
               Enrolment.completed_at <= latest, Enrolment.completed_at >= earliest, ~mailed)
        .options(joinedload(Enrolment.cohort).joinedload(Cohort.course),
                 joinedload(Enrolment.user))
        .order_by(Enrolment.id)))
    if not candidates:
        return 0
    program_ids = {e.cohort.course.program_id for e in candidates}
    months = dict(db.session.execute(
        select(EvaluationTemplate.program_id, EvaluationTemplate.followup_months)
        .where(EvaluationTemplate.program_id.in_(program_ids),
               EvaluationTemplate.kind == EvaluationKind.FOLLOWUP)).all())
    count = 0
    # Commands have no request to build URLs in; a bare one serves (absolute_url puts the
    # configured public address in front).
    with addresses_context():
        for enrolment in candidates:
            count += _mail_if_due(enrolment, months, now)
    db.session.flush()
    return count


def _mail_if_due(enrolment: Enrolment, months: dict[int, int], now: datetime) -> int:
    completed = clock.as_utc(enrolment.completed_at).date()
    due = add_months(completed, months.get(enrolment.cohort.course.program_id,
                                           DEFAULT_FOLLOWUP_MONTHS))
    if not due <= now.date() < due + timedelta(days=CATCH_UP_DAYS):
        return 0
    person = enrolment.user
    if not person.active:
        return 0
    language = person.locale if person.locale in LANGUAGES else DEFAULT_LOCALE
    link = absolute_url("evaluations.followup", token=make_token(enrolment))
    with force_locale(language):
        subject, body = _message(enrolment, link)
    mail.send(person.email, subject, body)
    db.session.add(EvaluationFollowupMail(enrolment_id=enrolment.id, sent_at=now))
    return 1


@click.group("evaluations")
def evaluation_commands() -> None:
    """End-of-course evaluations and follow-up surveys."""


@evaluation_commands.command("send-followups")
@with_appcontext
def send_followups_command() -> None:
    """Mail the follow-up survey to everyone whose course ended N months ago (daily)."""
    count = send_followups()
    db.session.commit()
    click.echo(f"{count} follow-up surveys sent.")
