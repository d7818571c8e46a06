"""Every write of nominations: nominate, decide, substitute, release (flush, never commit).

Seats are counted after locking the cohort's row (``services.lock_cohort``), as the
enrolment services do: two coordinators accepting the last seat of a country at
the same moment are served one after the other, and the second is refused.

A new nominee's account follows the CSV import's rules (``csv_import.validate``
checks the line a file would hold); it has no password until its owner chooses
one, from the import's welcome mail sent when the nomination is accepted: until
then the nominee is not enrolled, and may never be. Decisions announce
``events.nomination_decided``; the notifications floor tells the people concerned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.accounts.models import Institution, User
from lms.audit.services import record
from lms.cohorts import csv_import, services
from lms.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from lms.cohorts.nominations import (
    LIVE,
    REASON_MAX,
    SUBSTITUTABLE,
    Nomination,
    NominationStatus,
    may_nominate,
)
from lms.cohorts.queries import enrolment_of
from lms.errors import DomainError
from lms.extensions import db
from lms.i18n import country_codes, country_name
from lms.kernel import clock, events

# What a coordinator may decide, and whether it needs a reason.
DECISIONS = {NominationStatus.ACCEPTED: False, NominationStatus.WAITLISTED: True,
             NominationStatus.DECLINED: True}


@dataclass(frozen=True)
class NomineeData:
    """Who is nominated, as the form gives it: an email, and for a new account the rest."""

    email: str
    first_name: str = ""
    last_name: str = ""
    language: str = ""
    gender: str = ""
    institution_id: int | None = None


def _state(nomination: Nomination) -> dict:
    return {"cohort_id": nomination.cohort_id, "user_id": nomination.user_id,
            "country": nomination.country, "status": str(nomination.status),
            "reason": nomination.reason, "replaces_id": nomination.replaces_id}


def _sentence(message: str) -> str:
    # The import's messages follow "Line 3: ..."; alone, they begin a sentence.
    return message[:1].upper() + message[1:]


def _check_window(cohort: Cohort, today: date) -> None:
    if not cohort.by_nomination:
        raise DomainError(_("This cohort does not take nominations."))
    if cohort.nominations_open_on and today < cohort.nominations_open_on:
        raise DomainError(_("Nominations open on %(date)s.",
                            date=format_date(cohort.nominations_open_on)))
    if today > cohort.nominations_close:
        raise DomainError(_("Nominations for this cohort are closed."))


class _NewAccount:
    """A checked new account, created only once every other rule has passed."""

    def __init__(self, row: csv_import.ImportRow, institution: Institution | None) -> None:
        self.row = row
        self.institution = institution

    def create(self, actor: User) -> User:
        row = self.row
        user = User(email=row.email, full_name=row.full_name, password_hash="",
                    locale=row.language, country=row.country, institution=self.institution,
                    gender=row.gender)
        db.session.add(user)
        db.session.flush()
        record(actor, "user.nominated", user, None,
               {"email": user.email, "full_name": user.full_name, "country": user.country,
                "locale": user.locale})
        return user


def _nominee(cohort: Cohort, country: str, data: NomineeData) -> User | _NewAccount:
    """The existing account named by ``data.email`` (of ``country``), or a checked new one."""
    email = csv_import.normal_email(data.email or "")
    if email is None:
        raise DomainError(_("Enter a valid email address."), field="email")
    user = db.session.scalar(select(User).where(User.email == email))
    if user is not None:
        if user.country != country:
            raise DomainError(_("%(email)s is the account of someone of another country: "
                                "nominate officers of your own country.", email=email),
                              field="email")
        if not user.active:
            raise DomainError(_("The account %(email)s is deactivated.", email=email),
                              field="email")
        return user
    if not (data.first_name.strip() and data.last_name.strip()):
        raise DomainError(_("Nobody has an account with this email: give the first and "
                            "last name to create one."), field="first_name")
    institution = None
    if data.institution_id is not None:
        institution = db.session.get(Institution, data.institution_id)
        if institution is None or institution.country != country:
            raise DomainError(_("Choose an institution of your country from the list."),
                              field="institution_id")
    # The line a CSV file would hold for this person, checked by the import's rules.
    info = csv_import.CohortInfo(id=cohort.id, code=cohort.code, language=cohort.language,
                                 capacity=None, seats_taken=0, manageable=True)
    line = csv_import.Record(line=1, values={
        "email": email, "firstname": data.first_name.strip(),
        "lastname": data.last_name.strip(), "country": country, "lang": data.language,
        "gender": data.gender}, cohort_codes=(cohort.code,))
    checked = csv_import.validate([line], csv_import.ImportContext(
        cohorts={cohort.code: info}, existing_emails=set(), seated=set(),
        countries=country_codes()))
    if checked.problems:
        raise DomainError(" ".join(_sentence(problem.message) for problem in checked.problems))
    return _NewAccount(checked.rows[0], institution)


def _live_nomination(cohort_id: int, user_id: int) -> Nomination | None:
    return db.session.scalars(select(Nomination).where(
        Nomination.cohort_id == cohort_id, Nomination.user_id == user_id,
        Nomination.status.in_(LIVE))).first()


def _check_nominee_free(cohort: Cohort, user: User) -> None:
    if _live_nomination(cohort.id, user.id) is not None:
        raise DomainError(_("%(name)s is already nominated to this cohort.",
                            name=user.full_name), field="email")
    enrolment = enrolment_of(user, cohort.id)
    if enrolment is not None and enrolment.seated:
        raise DomainError(_("%(name)s is already enrolled in this cohort.",
                            name=user.full_name), field="email")


def nominate(actor: User, cohort: Cohort, country: str, data: NomineeData,
             today: date | None = None) -> Nomination:
    """A focal point of ``country`` nominates someone of that country, while nominations
    are open. Raises DomainError, writing nothing, when a rule refuses it."""
    today = today or clock.today(clock.UTC)
    if not may_nominate(actor, cohort, country):
        raise DomainError(_("You do not nominate for %(country)s in this program.",
                            country=country_name(country)), field="country")
    _check_window(cohort, today)
    cohort = services.lock_cohort(cohort.id) or cohort
    nominee = _nominee(cohort, country, data)
    if isinstance(nominee, User):
        _check_nominee_free(cohort, nominee)
    else:
        nominee = nominee.create(actor)
    nomination = Nomination(cohort_id=cohort.id, user_id=nominee.id, country=country,
                            nominated_by_id=actor.id, status=NominationStatus.PENDING)
    db.session.add(nomination)
    db.session.flush()
    record(actor, "nomination.created", nomination, None, _state(nomination))
    return nomination


def accepted_count(cohort_id: int, country: str) -> int:
    """Accepted nominations of ``country``; call with the cohort's row locked."""
    return db.session.scalar(select(func.count()).where(
        Nomination.cohort_id == cohort_id, Nomination.country == country,
        Nomination.status == NominationStatus.ACCEPTED)) or 0


def _enrol(actor: User, cohort: Cohort, user: User) -> Enrolment:
    """Seat the accepted nominee (the normal seat path: user_enrolled is announced)."""
    existing = enrolment_of(user, cohort.id)
    if existing is not None and existing.seated:
        return existing
    enrolment = services._seat(actor, cohort, user, existing, "enrolment.nominated")
    if not user.password_hash:
        # A nominee's new account: now that they are enrolled, the import's welcome mail
        # tells them so and where to choose a password.
        services.send_welcome(user, [cohort])
    return enrolment


def _withdraw_enrolment(actor: User, cohort: Cohort, user: User,
                        action: str = "enrolment.substituted") -> None:
    enrolment = enrolment_of(user, cohort.id)
    if enrolment is None or enrolment.status not in (EnrolmentStatus.ACTIVE,
                                                     EnrolmentStatus.INVITED):
        return
    before = {"cohort_id": enrolment.cohort_id, "user_id": enrolment.user_id,
              "status": str(enrolment.status)}
    enrolment.status = EnrolmentStatus.WITHDRAWN
    db.session.flush()
    record(actor, action, enrolment, before, {**before, "status": str(enrolment.status)})


def _set_decision(actor: User, nomination: Nomination, status: NominationStatus,
                  reason: str, action: str) -> None:
    before = _state(nomination)
    nomination.status = status
    nomination.reason = reason
    nomination.decided_by_id = actor.id
    nomination.decided_at = clock.now()
    db.session.flush()
    record(actor, action, nomination, before, _state(nomination))
    events.nomination_decided.send(nomination, actor=actor)


def _has_seat(cohort: Cohort, country: str) -> bool:
    """Whether ``country`` has a seat left and the cohort room; row locked."""
    if accepted_count(cohort.id, country) >= (cohort.seats_per_country or 0):
        return False
    free = services._free_seats(cohort)
    return free is None or free > 0


def _require_seat(cohort: Cohort, country: str) -> None:
    """Refuse when ``country`` has no seat left, or the cohort none; row locked."""
    seats = cohort.seats_per_country or 0
    if accepted_count(cohort.id, country) >= seats:
        raise DomainError(_("No seat of %(country)s is left. Wait-list or decline this "
                            "nomination, or free a seat first.",
                            country=country_name(country)), field="decision")
    services._require_room(cohort)


def _checked_reason(status: NominationStatus, reason: str | None) -> str:
    reason = " ".join((reason or "").split())
    if DECISIONS[status] and not reason:
        raise DomainError(_("Give the reason: the focal point and the nominee will read it."),
                          field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(_("The reason is longer than %(max)s characters.", max=REASON_MAX),
                          field="reason")
    return reason


def decide(actor: User, nomination: Nomination, decision: str,
           reason: str | None = None) -> Nomination:
    """A coordinator accepts (enrolling the nominee), wait-lists or declines a nomination.

    Raises DomainError, writing nothing, for an unknown decision, a missing reason, a
    nomination decided already or (accepting) a country or cohort without a free seat.
    """
    try:
        status = NominationStatus(decision)
    except ValueError:
        status = None
    if status not in DECISIONS:
        raise DomainError(_("Choose a decision from the list."), field="decision")
    reason = _checked_reason(status, reason)
    cohort = services.lock_cohort(nomination.cohort_id) or nomination.cohort
    # Read again under the lock: another coordinator may have decided meanwhile.
    db.session.refresh(nomination)
    if not nomination.undecided:
        raise DomainError(_("This nomination was decided already: %(status)s.",
                            status=nomination.status_title), field="decision")
    if status == nomination.status:
        return nomination
    if status == NominationStatus.ACCEPTED:
        _require_seat(cohort, nomination.country)
        _set_decision(actor, nomination, status, reason, "nomination.accepted")
        _enrol(actor, cohort, nomination.nominee)
    else:
        _set_decision(actor, nomination, status, reason, f"nomination.{status.value}")
    return nomination


def substitute(actor: User, nomination: Nomination, data: NomineeData,
               today: date | None = None) -> Nomination:
    """The focal point replaces a pending, accepted or released nominee by another of
    the country.

    The country keeps its place: the old nomination is withdrawn (its enrolment too)
    and the new one takes its status; an accepted substitute is enrolled at once, in
    the seat the other leaves. The substitute of a released nominee (who left the
    cohort) is accepted at once too when the country's seat is still free, else it
    awaits the coordinators' decision (they may have given the seat to someone of the
    country's waiting list meanwhile).

    Allowed until the cohort starts, even after the nomination window closed: a
    withdrawal can come at any time, and the window is for the countries to name their
    candidates, not a reason for a country to lose its seat. Once the cohort has
    started, a newcomer would have missed sessions: then the seat stays empty.
    """
    today = today or clock.today(clock.UTC)
    cohort = nomination.cohort
    if not may_nominate(actor, cohort, nomination.country):
        raise DomainError(_("You do not nominate for %(country)s in this program.",
                            country=country_name(nomination.country)))
    if today >= cohort.starts_on:
        raise DomainError(_("The cohort has started: nominees can no longer be replaced."))
    cohort = services.lock_cohort(cohort.id) or cohort
    db.session.refresh(nomination)
    if nomination.status not in SUBSTITUTABLE:
        raise DomainError(_("Only a nominee awaiting a decision, accepted or withdrawn from "
                            "the cohort can be replaced."))
    nominee = _nominee(cohort, nomination.country, data)
    if isinstance(nominee, User):
        if nominee.id == nomination.user_id:
            raise DomainError(_("Name someone else to replace %(name)s.",
                                name=nomination.nominee.full_name), field="email")
        _check_nominee_free(cohort, nominee)
    else:
        nominee = nominee.create(actor)
    kept = NominationStatus(nomination.status)
    if kept == NominationStatus.RELEASED:
        # Told already when released: now only marked as replaced, keeping its reason.
        _mark_replaced(actor, nomination)
    else:
        # No reason stored: the replacement names this nomination (replaces_id).
        _set_decision(actor, nomination, NominationStatus.WITHDRAWN, "",
                      "nomination.withdrawn")
    if kept == NominationStatus.ACCEPTED:
        _withdraw_enrolment(actor, cohort, nomination.nominee)
    replacement = Nomination(cohort_id=cohort.id, user_id=nominee.id,
                             country=nomination.country, nominated_by_id=actor.id,
                             status=NominationStatus.PENDING, replaces_id=nomination.id)
    db.session.add(replacement)
    db.session.flush()
    record(actor, "nomination.substituted", replacement, None, _state(replacement))
    # The seat the replaced nominee held: no count, the country's total is unchanged. The
    # seat a released one left: counted again, under the lock taken above.
    if kept == NominationStatus.ACCEPTED or (
            kept == NominationStatus.RELEASED and _has_seat(cohort, nomination.country)):
        _set_decision(actor, replacement, NominationStatus.ACCEPTED, "", "nomination.accepted")
        _enrol(actor, cohort, nominee)
    return replacement


def _mark_replaced(actor: User, nomination: Nomination) -> None:
    before = _state(nomination)
    nomination.status = NominationStatus.WITHDRAWN
    db.session.flush()
    record(actor, "nomination.withdrawn", nomination, before, _state(nomination))


def release(actor: User, nomination: Nomination, reason: str | None = None,
            *, by_nominee: bool = False) -> Nomination:
    """An accepted nominee leaves the cohort: withdrawn by a coordinator (with a reason
    the nominee and the focal point read), or of their own will (``by_nominee``).

    The nomination becomes released and the enrolment withdrawn; the country's seat is
    free again for the country alone (seats are counted per country): the focal point
    may name a substitute, or a coordinator accept someone of its waiting list. Nobody
    moves up by themselves: whom the country sends is the country's and the host's
    choice, not the order of a queue. Raises DomainError, writing nothing, for a
    nomination that is not accepted (any more) or a missing reason.
    """
    reason = " ".join((reason or "").split())
    if not by_nominee and not reason:
        raise DomainError(_("Give the reason: the focal point and the nominee will read it."),
                          field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(_("The reason is longer than %(max)s characters.", max=REASON_MAX),
                          field="reason")
    cohort = services.lock_cohort(nomination.cohort_id) or nomination.cohort
    # Read again under the lock: a second click, or another coordinator, came first.
    db.session.refresh(nomination)
    if nomination.status != NominationStatus.ACCEPTED:
        raise DomainError(_("Only an accepted nominee can be withdrawn from the cohort; "
                            "this nomination is: %(status)s.", status=nomination.status_title))
    _set_decision(actor, nomination, NominationStatus.RELEASED, reason, "nomination.released")
    _withdraw_enrolment(actor, cohort, nomination.nominee, "enrolment.withdrawn")
    return nomination


def accepted_nomination(cohort_id: int, user_id: int) -> Nomination | None:
    return db.session.scalars(select(Nomination).where(
        Nomination.cohort_id == cohort_id, Nomination.user_id == user_id,
        Nomination.status == NominationStatus.ACCEPTED)).first()


def leave(user: User, enrolment: Enrolment, today: date | None = None) -> None:
    """A trainee leaves a cohort: an accepted nominee releases their country's seat,
    anyone else withdraws as in any cohort (``services.withdraw``)."""
    # A finished enrolment (completed, failed) is refused by services.withdraw.
    leaving = enrolment.status in (EnrolmentStatus.ACTIVE, EnrolmentStatus.INVITED)
    nomination = accepted_nomination(enrolment.cohort_id, user.id) \
        if enrolment.cohort.by_nomination and leaving else None
    if nomination is None:
        services.withdraw(user, enrolment, today)
        return
    release(user, nomination, by_nominee=True)
