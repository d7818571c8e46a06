"""Every write about tracks: their requirements, and the hours trainees log towards them.

Validate, change rows, audit, flush (never commit). A supervisor's decision on
logged hours may make a trainee eligible, so it tells issuance afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.accounts.models import (
    Institution,
    InstitutionKind,
    ProgramCoordinator,
    User,
    cohort_instructors,
)
from lms.audit.services import record
from lms.audit.services import state as audit_state
from lms.catalog.models import Course, Program
from lms.certification.tracks.models import (
    HoursKind,
    HoursLog,
    HoursStatus,
    Track,
    TrackTranslation,
    track_courses,
)
from lms.cohorts.models import Cohort
from lms.competencies.models import Competency, Framework
from lms.competencies.services import clean_country
from lms.errors import DomainError, clean_text
from lms.extensions import db
from lms.i18n import LANGUAGES, apply_translations, check_translations
from lms.kernel import clock, events, mail
from lms.web.urls import absolute_url

CODE_PATTERN = re.compile(r"^[A-Za-z0-9-]+$")
TRANSLATED = ("title", "description")
MAX_TITLE = 200
MAX_DESCRIPTION = 10_000
MAX_PLACE = 200
MAX_HOURS_DESCRIPTION = 2000
MAX_NOTE = 2000
MAX_COUNT = 100_000
MIN_LOG_HOURS = Decimal("0.5")
MAX_DAY_HOURS = Decimal("24")


@dataclass
class TrackData:
    code: str
    title: str
    certifying_body_id: int | None
    description: str = ""
    language: str = "en"
    country: str | None = None
    framework_id: int | None = None
    course_ids: Sequence[int] = ()
    competency_ids: Sequence[int] = ()
    min_hours: int | None = 0
    practice_hours: int | None = 0
    validity_months: int | None = None
    renewal_hours: int | None = 0
    auto_issue: bool = False
    published: bool = True
    translations: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


# ---------------------------------------------------------------- tracks

TRACK_FIELDS = ("code", "title", "description", "language", "country", "framework_id",
                "certifying_body_id", "min_hours", "practice_hours", "validity_months",
                "renewal_hours", "auto_issue", "published")


def _state(track: Track) -> dict:
    data = audit_state(track, TRACK_FIELDS, ("title", "description"))
    data["course_ids"] = sorted(c.id for c in track.courses)
    data["competency_ids"] = sorted(c.id for c in track.competencies)
    return data


def _count(value: int | None, field_name: str, *, optional: bool = False) -> int | None:
    if value is None:
        if optional:
            return None
        return 0
    if not isinstance(value, int) or value < 0 or value > MAX_COUNT:
        raise DomainError(_("Enter a whole number, 0 or more."), field=field_name)
    return value


def _validated(program: Program, data: TrackData, track: Track | None) -> dict:
    code = clean_text(data.code, "code", 40)
    if not CODE_PATTERN.match(code):
        raise DomainError(_("Use only letters, digits and hyphens."), field="code")
    taken = db.session.scalar(select(Track.id).where(func.lower(Track.code) == code.lower()))
    if taken is not None and (track is None or taken != track.id):
        raise DomainError(_("Another track already has this code."), field="code")
    title = clean_text(data.title, "title", MAX_TITLE)
    description = clean_text(data.description, "description", MAX_DESCRIPTION, required=False)
    if data.language not in LANGUAGES:
        raise DomainError(_("Choose one of the languages offered."), field="language")
    country = clean_country(data.country)

    body = db.session.get(Institution, data.certifying_body_id) \
        if data.certifying_body_id else None
    if body is None or body.kind != InstitutionKind.CERTIFYING_BODY:
        raise DomainError(_("Choose a certifying body."), field="certifying_body_id")

    framework = None
    if data.framework_id:
        framework = db.session.get(Framework, data.framework_id)
        if framework is None or framework.program_id != program.id:
            raise DomainError(_("Choose a framework of the track's program."),
                              field="framework_id")

    course_ids = sorted(set(data.course_ids))
    courses = list(db.session.scalars(select(Course).where(
        Course.id.in_(course_ids), Course.program_id == program.id))) if course_ids else []
    if len(courses) != len(course_ids):
        raise DomainError(_("Required courses must be courses of the track's program."),
                          field="course_ids")

    competency_ids = sorted(set(data.competency_ids))
    competencies = []
    if competency_ids:
        if framework is None:
            raise DomainError(_("Choose the framework before its competencies."),
                              field="competency_ids")
        competencies = list(db.session.scalars(select(Competency).where(
            Competency.id.in_(competency_ids), Competency.framework_id == framework.id)))
        if len(competencies) != len(competency_ids):
            raise DomainError(
                _("Required competencies must belong to the track's framework."),
                field="competency_ids")

    counts = {name: _count(getattr(data, name), name)
              for name in ("min_hours", "practice_hours", "renewal_hours")}
    validity = _count(data.validity_months, "validity_months", optional=True)
    if validity == 0:
        raise DomainError(_("Enter a number of months, at least 1, or leave it blank."),
                          field="validity_months")
    check_translations(data.translations, data.language,
                       {"title": MAX_TITLE, "description": MAX_DESCRIPTION})
    return dict(code=code, title=title, description=description, language=data.language,
                country=country, framework=framework, certifying_body=body,
                courses=sorted(courses, key=lambda c: c.code),
                competencies=sorted(competencies, key=lambda c: c.position),
                validity_months=validity, auto_issue=bool(data.auto_issue),
                published=bool(data.published), **counts)


def _apply(track: Track, values: dict, translations: Mapping[str, Mapping[str, str]]) -> None:
    for name, value in values.items():
        setattr(track, name, value)
    apply_translations(track, TrackTranslation, translations, TRANSLATED)


def create_track(actor, program: Program, data: TrackData) -> Track:
    values = _validated(program, data, None)
    track = Track(program=program)
    _apply(track, values, data.translations)
    db.session.add(track)
    db.session.flush()
    record(actor, "track.created", track, None, _state(track))
    return track


def update_track(actor, track: Track, data: TrackData) -> Track:
    values = _validated(track.program, data, track)
    before = _state(track)
    _apply(track, values, data.translations)
    db.session.flush()
    after = _state(track)
    if after != before:
        record(actor, "track.updated", track, before, after)
    return track


# ---------------------------------------------------------------- supervisors

def _supervisors_by_email(track: Track, email: str) -> User | None:
    """The account with ``email`` if it may supervise hours on ``track``, else None:
    an instructor of a cohort of one of the track's courses, or a coordinator of
    the track's program."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))
    if user is None or not user.active:
        return None
    if user.is_admin:
        return user
    coordinates = db.session.scalar(select(ProgramCoordinator.user_id).where(
        ProgramCoordinator.user_id == user.id,
        ProgramCoordinator.program_id == track.program_id))
    if coordinates is not None:
        return user
    teaches = db.session.scalar(
        select(cohort_instructors.c.user_id)
        .join(Cohort, Cohort.id == cohort_instructors.c.cohort_id)
        .join(track_courses, track_courses.c.course_id == Cohort.course_id)
        .where(track_courses.c.track_id == track.id, cohort_instructors.c.user_id == user.id)
        .limit(1))
    return user if teaches is not None else None


def can_decide(log: HoursLog, user) -> bool:
    """The named supervisor, a coordinator of the track's program, or an admin."""
    if not user.is_authenticated:
        return False
    return log.supervisor_id == user.id or user.coordinates(log.track.program_id)


# ---------------------------------------------------------------- logging hours

@dataclass
class HoursEntry:
    kind: str
    worked_on: date | None
    hours: Decimal | str | None
    place: str
    description: str
    supervisor_email: str


def _hours(value) -> Decimal:
    try:
        hours = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        hours = None
    if hours is None or not hours.is_finite() or not MIN_LOG_HOURS <= hours <= MAX_DAY_HOURS:
        raise DomainError(_("Enter between 0.5 and 24 hours."), field="hours")
    if hours * 2 != (hours * 2).to_integral_value():
        raise DomainError(_("Enter hours in steps of half an hour."), field="hours")
    return hours


def log_hours(actor: User, track: Track, entry: HoursEntry, *,
              today: date | None = None) -> HoursLog:
    """Log the actor's own hours on ``track``; the named supervisor is told by mail."""
    today = today or clock.today(clock.UTC)
    if entry.kind not in {kind.value for kind in HoursKind}:
        raise DomainError(_("Choose the kind of hours."), field="kind")
    if entry.worked_on is None:
        raise DomainError(_("Enter the date you worked."), field="worked_on")
    if entry.worked_on > today:
        raise DomainError(_("The date cannot be in the future."), field="worked_on")
    hours = _hours(entry.hours)
    place = clean_text(entry.place, "place", MAX_PLACE)
    description = clean_text(entry.description, "description", MAX_HOURS_DESCRIPTION)
    already = db.session.scalar(
        select(func.coalesce(func.sum(HoursLog.hours), 0))
        .where(HoursLog.user_id == actor.id, HoursLog.worked_on == entry.worked_on,
               HoursLog.status != HoursStatus.REJECTED)) or 0
    if Decimal(already) + hours > MAX_DAY_HOURS:
        raise DomainError(_("You can log at most 24 hours for one day: you have already "
                            "logged %(hours)s hours for that day.", hours=str(already)),
                          field="hours")
    email = (entry.supervisor_email or "").strip()
    supervisor = _supervisors_by_email(track, email) if email else None
    if supervisor is None or supervisor.id == actor.id:
        # The same sentence whether or not the address has an account.
        raise DomainError(_("Name a supervisor by the email address of their account: an "
                            "instructor of one of this track's courses or a coordinator "
                            "of its program."), field="supervisor_email")
    log = HoursLog(user_id=actor.id, track_id=track.id, kind=entry.kind,
                   worked_on=entry.worked_on, hours=hours, place=place,
                   description=description, supervisor_id=supervisor.id,
                   status=HoursStatus.PENDING)
    db.session.add(log)
    db.session.flush()
    record(actor, "hours.logged", log, None, _log_state(log))
    _tell_supervisor(log, actor, supervisor, track)
    return log


def _log_state(log: HoursLog) -> dict:
    return {"user_id": log.user_id, "track_id": log.track_id, "kind": log.kind,
            "worked_on": log.worked_on.isoformat(), "hours": str(log.hours),
            "place": log.place, "supervisor_id": log.supervisor_id, "status": log.status,
            "decision_note": log.decision_note}


def _locale_of(user: User) -> str:
    return user.locale if user.locale in LANGUAGES else "en"


def _tell_supervisor(log: HoursLog, trainee: User, supervisor: User, track: Track) -> None:
    locale = _locale_of(supervisor)
    with force_locale(locale):
        subject = _("Hours to approve for %(name)s", name=trainee.full_name)
        body = _("Hello %(supervisor)s,\n\n"
                 "%(name)s logged %(hours)s hours (%(kind)s) on %(date)s for the track "
                 "%(track)s and named you as their supervisor.\n\n"
                 "Approve or reject them here:\n%(url)s\n",
                 supervisor=supervisor.full_name, name=trainee.full_name,
                 hours=str(log.hours), kind=HoursKind(log.kind).title,
                 date=log.worked_on.isoformat(), track=track.in_locale("title", locale),
                 url=absolute_url("tracks.supervision"))
    mail.send(supervisor.email, subject, body)


# ---------------------------------------------------------------- decisions

def decide(actor: User, log: HoursLog, *, approve: bool, note: str = "") -> HoursLog:
    """Approve or reject pending hours; a rejection says why."""
    if log.status != HoursStatus.PENDING:
        raise DomainError(_("These hours were already decided."))
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise DomainError(_("Use at most %(max)d characters.", max=MAX_NOTE), field="note")
    if not approve and not note:
        raise DomainError(_("Say why you reject these hours."), field="note")
    before = _log_state(log)
    log.status = HoursStatus.APPROVED if approve else HoursStatus.REJECTED
    log.decided_at = clock.now()
    log.decided_by_id = actor.id
    log.decision_note = note
    db.session.flush()
    record(actor, "hours.approved" if approve else "hours.rejected", log, before,
           _log_state(log))
    # Approved practice hours may complete a track that issues by itself
    # (lms.certification.reactions); notifications tell the trainee the decision.
    events.hours_decided.send(log, actor=actor)
    return log
