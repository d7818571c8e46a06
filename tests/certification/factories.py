"""Factories for certificates: everything goes through the issuance service.

``issue_certificate()`` builds whatever it needs (a program with a prefix, a
certifying body, a track the user is eligible for) and issues a real, signed
certificate; ``revoked=True`` / ``superseded=True`` then revoke or correct it.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from lms.accounts.models import Institution, User
from lms.catalog.models import Course, Program
from lms.certification import issuance
from lms.certification.models import Certificate
from lms.certification.tracks.models import Track
from lms.cohorts.models import EnrolmentStatus
from lms.extensions import db
from lms.kernel import clock
from tests.certification.tracks.factories import complete_course, make_track
from tests.factories import enrol, make_cohort, make_course, make_institution, make_user

_seq = itertools.count(1)
_DEFAULT: Any = object()


def _letters(n: int) -> str:
    """A prefix of capital letters only (IDs refuse digits in the prefix): QB, QC, ..."""
    text = ""
    while True:
        n, digit = divmod(n, 26)
        text = chr(ord("A") + digit) + text
        if not n:
            return ("Q" + text)[:6]


def make_program_with_prefix(prefix: str | None = None) -> Program:
    n = next(_seq)
    prefix = prefix or _letters(n)
    program = Program(code=f"PRG-C{n}", certificate_prefix=prefix, language="en",
                      name=f"Certified program {n}")
    db.session.add(program)
    db.session.flush()
    return program


def make_body(name: str | None = None, country: str = "MX") -> Institution:
    return make_institution(name or f"Certifying body {next(_seq)}", kind="certifying_body",
                            country=country)


def eligible_track(*, program: Program | None = None, body: Institution | None = None,
                   validity_months: int | None = 36, renewal_hours: int = 0,
                   hours: int = 20, **fields) -> tuple[Track, Course]:
    """A track that needs one course (``hours`` long) and nothing else."""
    program = program or make_program_with_prefix()
    body = body or make_body()
    course = make_course(program, hours=hours, lessons=0)
    track = make_track(program, body, courses=[course], min_hours=hours,
                       validity_months=validity_months, renewal_hours=renewal_hours, **fields)
    return track, course


def make_eligible(track: Track, course: Course, user: User | None = None) -> User:
    user = user or make_user()
    complete_course(user, course)
    return user


def issue_certificate(user: User | None = None, *, kind: str = "track",
                      track: Track | None = None, expires_on: date | None = _DEFAULT,
                      revoked: bool = False, superseded: bool = False,
                      today: date | None = None, actor: User | None = None) -> Certificate:
    """A signed certificate of ``user`` (a new trainee by default).

    ``expires_on``: default three years from ``today``; None: does not expire; a
    date (also in the past): expires then. With ``superseded=True`` the returned
    record is the old, superseded one (``.superseded_by`` is its replacement).
    """
    user = user or make_user()
    actor = actor or make_user(admin=True)
    if today is None and expires_on not in (None, _DEFAULT) and expires_on < clock.today(clock.UTC):
        today = issuance.add_months(expires_on, -36)  # an old certificate, now expired
    today = today or clock.today(clock.UTC)
    if kind == "course":
        body = make_institution(f"Host {next(_seq)}", kind="training_provider")
        course = make_course(make_program_with_prefix(), hours=30, lessons=0)
        cohort = make_cohort(course, host=body)
        enrolment = enrol(cohort, user, status=EnrolmentStatus.COMPLETED)
        certificate = issuance.issue_course_certificate(enrolment, actor, today=today)
    else:
        if track is None:
            validity = None if expires_on is None else 36
            track, course = eligible_track(validity_months=validity)
            make_eligible(track, course, user)
        else:
            for course in track.courses:
                complete_course(user, course)
        from lms.certification.tracks import progress

        state = progress.track_progress(track, user, today)
        assert state.eligible, [r for r in state.requirements if not r.met]
        extra = {} if expires_on is _DEFAULT else {"expires_on": expires_on}
        [certificate] = issuance.issue_many(track, [state], actor, today=today, **extra)
    if revoked:
        issuance.revoke(certificate, actor, "issued_in_error")
    if superseded:
        issuance.correct_name(certificate, actor, f"{user.full_name} Corrected")
    db.session.flush()
    return certificate


def yesterday() -> date:
    return clock.today(clock.UTC) - timedelta(days=1)
