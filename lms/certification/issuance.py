"""Issuing certificates: course completion, track certification, renewal, correction.

Every new certificate gets a code from its program's prefix, a snapshot of the
printed fields (``lms.certification.snapshot``) and a signed Open Badges credential
built only from that snapshot. Records are never deleted: a revoked one keeps its
reason, a corrected one points to its replacement, a renewal to what it renews.
Services flush and audit; the request (or the command) commits.
"""

from __future__ import annotations

import calendar
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import insert, select

from lms.accounts.models import User
from lms.accounts.services import validate_full_name
from lms.audit.models import AuditLog
from lms.audit.services import record
from lms.certification import snapshot as snapshots
from lms.certification import status_list
from lms.certification.credential import build_credential
from lms.certification.ids import new_code
from lms.certification.models import (
    OFFICER_REVOCATION_REASONS,
    Certificate,
    CertificateKind,
    RevocationReason,
    current_filter,
)
from lms.certification.signed_pdfs import signed_pdf
from lms.certification.signing import sign_credential
from lms.certification.tracks import progress as track_progress
from lms.certification.tracks.models import Track
from lms.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from lms.errors import DomainError
from lms.extensions import db
from lms.kernel import clock, events, jobs

# The code the system revokes with when a course result no longer earns the certificate.
COURSE_RESULT_CHANGED = RevocationReason.COURSE_RESULT_CHANGED
MAX_REVOCATION_NOTE = 1000
_UNSET: Any = object()


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _actor_id(actor) -> int | None:
    return getattr(actor, "id", None)


def _new_codes(prefix: str, count: int) -> list[str]:
    """``count`` fresh codes; a collision (1 in 10^12 per pair) is drawn again."""
    codes: list[str] = []
    while len(codes) < count:
        wanted = count - len(codes)
        batch = {new_code(prefix) for _ in range(wanted)} - set(codes)
        taken = set()
        for chunk in _chunks(sorted(batch), 500):
            taken |= set(db.session.scalars(select(Certificate.code)
                                            .where(Certificate.code.in_(chunk))))
        codes.extend(sorted(batch - taken))
    return codes


def _chunks(items: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _sign(snapshot: dict) -> tuple[str, str]:
    base = snapshot["verify_url"].rsplit("/verify/", 1)[0]
    return sign_credential(build_credential(snapshot, base))


def _row(template: snapshots.SnapshotTemplate, *, code: str, user_id: int, holder_name: str,
         hours: int, status_index: int, fields: dict[str, Any]) -> dict[str, Any]:
    snap = template.build(code=code, holder_name=holder_name, hours=hours,
                          status_index=status_index)
    token, kid = _sign(snap)
    return {"code": code, "user_id": user_id, "hours": hours, "snapshot": snap,
            "credential": token, "kid": kid, "status_index": status_index,
            "revocation_reason": "", "created_at": clock.now(), **fields}


def _add(template: snapshots.SnapshotTemplate, issuer_id: int, **values: Any) -> Certificate:
    """Build, sign and insert one certificate at a free position of the issuer's status
    list (drawn again if a concurrent issue takes it first)."""
    def insert_one(indexes: list[int]) -> Certificate:
        certificate = Certificate(**_row(template, status_index=indexes[0], **values))
        db.session.add(certificate)
        db.session.flush()
        return certificate
    return status_list.with_indexes(issuer_id, 1, insert_one)


def _audit_issued(actor, certificates: Sequence[Certificate]) -> None:
    """One "certificate.issued" audit row each, written in one multi-row INSERT."""
    if not certificates:
        return
    now = clock.now()
    db.session.execute(insert(AuditLog), [
        {"at": now, "actor_id": _actor_id(actor), "action": "certificate.issued",
         "object_type": Certificate.__tablename__, "object_id": certificate.id, "before": None,
         "after": {"code": certificate.code, "user_id": certificate.user_id,
                   "kind": certificate.kind, "track_id": certificate.track_id,
                   "enrolment_id": certificate.enrolment_id,
                   "expires_on": certificate.expires_on.isoformat()
                   if certificate.expires_on else None}}
        for certificate in certificates])


# ---------------------------------------------------------------- tracks

def _track_template(track: Track, issued_on: date, valid_from: date,
                    expires_on: date | None) -> snapshots.SnapshotTemplate:
    return snapshots.SnapshotTemplate(
        kind=CertificateKind.TRACK.value, achievement=track, program=track.program,
        issuer=track.certifying_body, issued_on=issued_on, valid_from=valid_from,
        expires_on=expires_on, country=track.country, competencies=track.competencies)


def _track_fields(track: Track, issued_by, issued_on: date, valid_from: date,
                  expires_on: date | None) -> dict[str, Any]:
    """The columns every certificate of ``track`` issued on ``issued_on`` shares."""
    return {"kind": CertificateKind.TRACK.value, "program_id": track.program_id,
            "track_id": track.id, "issuer_id": track.certifying_body_id,
            "issued_by_id": _actor_id(issued_by), "issued_on": issued_on,
            "valid_from": valid_from, "expires_on": expires_on}


def _holders(user_ids: Sequence[int]) -> dict[int, str]:
    names: dict[int, str] = {}
    for chunk in _chunks(list(user_ids), 500):
        names.update((uid, name) for uid, name in db.session.execute(
            select(User.id, User.full_name).where(User.id.in_(chunk))))
    return names


def _current_holders(track_id: int, user_ids: Sequence[int], today: date) -> set[int]:
    held: set[int] = set()
    for chunk in _chunks(list(user_ids), 500):
        held |= set(db.session.scalars(select(Certificate.user_id).where(
            Certificate.track_id == track_id, Certificate.user_id.in_(chunk),
            current_filter(today))))
    return held


def issue_many(track: Track, progresses: Sequence[Any], actor, *, today: date | None = None,
               expires_on: date | None = _UNSET, automatic: bool = False) -> list[Certificate]:
    """Certify everyone in ``progresses`` (TrackProgress of eligible users) in one batch.

    A constant number of queries whatever the number of trainees: names, current
    holders and code collisions are each read in one query per 500; the inserts go
    in batches. Users who already hold a valid certificate are skipped.
    """
    today = today or clock.today(clock.UTC)
    if not progresses:
        return []
    user_ids = [p.user.id if hasattr(p, "user") else p.user_id for p in progresses]
    held = _current_holders(track.id, user_ids, today)
    wanted = [(uid, p) for uid, p in zip(user_ids, progresses, strict=True) if uid not in held]
    if not wanted:
        return []
    names = _holders([uid for uid, _p in wanted])
    valid_from = today
    if expires_on is _UNSET:
        expires_on = (add_months(valid_from, track.validity_months)
                      if track.validity_months else None)
    template = _track_template(track, today, valid_from, expires_on)
    codes = _new_codes(track.program.certificate_prefix, len(wanted))
    fields = _track_fields(track, None if automatic else actor, today, valid_from, expires_on)

    def insert_batch(indexes: list[int]) -> list[Certificate]:
        rows = [
            _row(template, code=code, user_id=uid, holder_name=names[uid],
                 hours=int(getattr(progress, "course_hours", 0) or 0), status_index=index,
                 fields=fields)
            for index, code, (uid, progress) in zip(indexes, codes, wanted, strict=True)]
        # One multi-row INSERT ... RETURNING instead of the unit of work's row-by-row
        # inserts (the table refers to itself, which makes the ORM insert one at a time).
        # Without a sentinel column, asking for the rows back in order would make SQLite
        # insert one at a time again; the codes are unique, so sort by them instead.
        by_code = {c.code: c for c in db.session.scalars(
            insert(Certificate).returning(Certificate), rows)}
        return [by_code[row["code"]] for row in rows]

    certificates = status_list.with_indexes(track.certifying_body_id, len(wanted),
                                            insert_batch)
    _audit_issued(actor, certificates)
    events.certificate_issued.send(None, certificates=certificates, actor=actor,
                                   automatic=automatic)
    return certificates


def issue_track_certificate(track: Track, user: User, actor, *,
                            today: date | None = None) -> Certificate:
    """Certify one trainee; DomainError when they are not eligible or already certified."""
    today = today or clock.today(clock.UTC)
    if _current_holders(track.id, [user.id], today):
        raise DomainError(_("%(name)s already holds a valid certificate for this track.",
                            name=user.full_name))
    progress = track_progress.track_progress(track, user, today)
    if not progress.eligible:
        raise DomainError(_("%(name)s does not meet every requirement of this track yet.",
                            name=user.full_name))
    return issue_many(track, [progress], actor, today=today)[0]


def issue_all(track: Track, actor, *, today: date | None = None) -> list[Certificate]:
    """Certify every eligible trainee of the track who has no valid certificate yet."""
    return issue_many(track, track_progress.eligible(track, today), actor, today=today)


# ---------------------------------------------------------------- issue-all as a job

ISSUE_ALL_JOB = "issue-all"
# Certificates issued (and committed, with the job's progress) at a time.
ISSUE_BATCH = 200


@dataclass(frozen=True)
class _Waiting:
    """What ``issue_many`` reads of a trainee, kept as plain values across the job's
    commits (which expire the ORM objects)."""

    user_id: int
    course_hours: int


def start_issue_all(track: Track, actor, waiting: Sequence[Any]) -> jobs.JobRun:
    """Record a job that certifies ``waiting`` (the track's eligible trainees) in batches.

    The key names the track, the day and exactly who is waiting: a double click gives
    the same job, while new trainees becoming eligible later make a new one.
    """
    user_ids = sorted(row.user.id for row in waiting)
    digest = hashlib.sha256(",".join(map(str, user_ids)).encode()).hexdigest()[:24]
    key = f"{ISSUE_ALL_JOB}:{track.id}:{clock.today(clock.UTC).isoformat()}:{digest}"
    return jobs.start(ISSUE_ALL_JOB, key=key, total=len(user_ids),
                      params={"track_id": track.id}, started_by_id=_actor_id(actor))


@jobs.handler(ISSUE_ALL_JOB)
def issue_all_job(job: jobs.JobRun) -> Iterator[jobs.Progress]:
    """Certify the track's eligible trainees, ``ISSUE_BATCH`` at a time.

    Resumed after its worker died, it reads who is eligible again: those certified
    by the batches already committed hold a valid certificate now and are skipped,
    so nobody gets a second one.
    """
    track = db.session.get(Track, job.params["track_id"])
    if track is None:
        raise jobs.JobFailed({"missing": True})
    actor = db.session.get(User, job.started_by_id) if job.started_by_id else None
    today = clock.today(clock.UTC)
    issued, done = int((job.result or {}).get("issued", 0)), job.done
    waiting = [_Waiting(row.user.id, int(row.course_hours or 0))
               for row in track_progress.eligible(track, today)]
    for batch in _chunks(waiting, ISSUE_BATCH):
        issued += len(issue_many(track, batch, actor, today=today))
        done = min(done + len(batch), job.total)
        yield jobs.Progress(done, {"issued": issued})
    yield jobs.Progress(job.total, {"issued": issued})


def progress_changed(user_id: int, actor, *, today: date | None = None) -> list[Certificate]:
    """Issue the auto-issue tracks the user has just become eligible for."""
    today = today or clock.today(clock.UTC)
    tracks = list(db.session.scalars(select(Track).where(
        Track.auto_issue.is_(True), Track.published.is_(True)).order_by(Track.id)))
    if not tracks:
        return []
    user = db.session.get(User, user_id)
    held = set(db.session.scalars(select(Certificate.track_id).where(
        Certificate.user_id == user_id, Certificate.track_id.in_([t.id for t in tracks]),
        current_filter(today))))
    issued: list[Certificate] = []
    for track in tracks:
        if track.id in held:
            continue
        progress = track_progress.track_progress(track, user, today)
        if progress.eligible:
            issued += issue_many(track, [progress], actor, today=today, automatic=True)
    return issued


# ---------------------------------------------------------------- courses

def issue_course_certificate(enrolment: Enrolment, actor, *,
                             today: date | None = None) -> Certificate | None:
    """A completion certificate from the cohort's host institution.

    None when the cohort has no host (nobody to issue it) or the enrolment already
    has a certificate that was not revoked.
    """
    cohort = enrolment.cohort or db.session.get(Cohort, enrolment.cohort_id)
    if cohort.host_institution_id is None:
        return None
    existing = db.session.scalar(select(Certificate.id).where(
        Certificate.enrolment_id == enrolment.id, Certificate.revoked_at.is_(None)).limit(1))
    if existing is not None:
        return None
    today = today or clock.today(clock.UTC)
    course = cohort.course
    template = snapshots.SnapshotTemplate(
        kind=CertificateKind.COURSE.value, achievement=course, program=course.program,
        issuer=cohort.host_institution, issued_on=today, valid_from=today, expires_on=None,
        country=cohort.country)
    user = enrolment.user or db.session.get(User, enrolment.user_id)
    [code] = _new_codes(course.program.certificate_prefix, 1)
    certificate = _add(template, cohort.host_institution_id, code=code, user_id=user.id,
                       holder_name=user.full_name, hours=course.hours, fields={
                           "kind": CertificateKind.COURSE.value,
                           "program_id": course.program_id, "cohort_id": cohort.id,
                           "enrolment_id": enrolment.id,
                           "issuer_id": cohort.host_institution_id, "issued_by_id": None,
                           "issued_on": today, "valid_from": today, "expires_on": None})
    _audit_issued(actor, [certificate])
    events.certificate_issued.send(None, certificates=[certificate], actor=actor,
                                   automatic=True)
    return certificate


def enrolment_result_changed(enrolment, actor) -> None:
    """Called after an enrolment's status changed because of its course result."""
    if enrolment.status == EnrolmentStatus.COMPLETED:
        issue_course_certificate(enrolment, actor)
    else:
        standing = db.session.scalars(select(Certificate).where(
            Certificate.enrolment_id == enrolment.id, Certificate.revoked_at.is_(None),
            Certificate.superseded_by_id.is_(None)))
        for certificate in list(standing):
            _revoke(certificate, actor, COURSE_RESULT_CHANGED)
    progress_changed(enrolment.user_id, actor)


# ---------------------------------------------------------------- revoke, correct, renew

def _refuse_unless_current(certificate: Certificate) -> None:
    if certificate.revoked_at is not None:
        raise DomainError(_("This certificate was revoked; it cannot be changed any more."))
    if certificate.superseded_by_id is not None:
        raise DomainError(_("This certificate was replaced by %(code)s; change that one instead.",
                            code=certificate.superseded_by.code))


def _revoke(certificate: Certificate, actor, code: RevocationReason, note: str = "") -> None:
    # revoked_at is also what sets the certificate's bit in its issuer's Bitstring
    # Status List (lms.certification.status_list builds the list from it).
    certificate.revoked_at = clock.now()
    certificate.revocation_code = code.value
    certificate.revocation_reason = note
    certificate.revoked_by_id = _actor_id(actor)
    db.session.flush()
    record(actor, "certificate.revoked", certificate, {"revoked": False},
           {"revoked": True, "code": code.value, "note": note})
    events.certificate_revoked.send(certificate, actor=actor)


def revoke(certificate: Certificate, actor, code: str, note: str = "") -> None:
    """Revoke a certificate for good, for one of the officers' reasons (a
    ``RevocationReason`` code) with an optional note; ``other`` needs the note.
    The verification page shows the reason in the reader's language, the note as written.
    """
    try:
        reason: RevocationReason | None = RevocationReason(code)
    except ValueError:
        reason = None
    if reason is None or reason not in OFFICER_REVOCATION_REASONS:
        raise DomainError(_("Choose the reason for revoking this certificate."), field="reason")
    note = " ".join((note or "").split())
    if reason == RevocationReason.OTHER and not note:
        raise DomainError(_("Explain the reason for revoking this certificate in the note."),
                          field="note")
    if len(note) > MAX_REVOCATION_NOTE:
        raise DomainError(_("The note can have at most %(max)s characters.",
                            max=MAX_REVOCATION_NOTE), field="note")
    _refuse_unless_current(certificate)
    _revoke(certificate, actor, reason, note)


def correct_name(certificate: Certificate, actor, new_name: str) -> Certificate:
    """Re-issue with a corrected name: same wording and dates, new ID; the old one is superseded.

    The holder's account name is corrected too, so later certificates print it.
    """
    _refuse_unless_current(certificate)
    name = validate_full_name(new_name)
    if name == certificate.snapshot.get("holder_name"):
        raise DomainError(_("This is already the name printed on the certificate."),
                          field="full_name")
    holder = certificate.user
    if holder.full_name != name:
        record(actor, "user.full_name", holder, {"full_name": holder.full_name},
               {"full_name": name})
        holder.full_name = name
    [code] = _new_codes(certificate.program.certificate_prefix, 1)

    def insert_replacement(indexes: list[int]) -> Certificate:
        snap = snapshots.renamed(certificate.snapshot, code=code, holder_name=name,
                                 status_index=indexes[0])
        token, kid = _sign(snap)
        row = Certificate(
            code=code, kind=certificate.kind, user_id=certificate.user_id,
            program_id=certificate.program_id, track_id=certificate.track_id,
            cohort_id=certificate.cohort_id, enrolment_id=certificate.enrolment_id,
            issuer_id=certificate.issuer_id, issued_by_id=_actor_id(actor),
            issued_on=certificate.issued_on, valid_from=certificate.valid_from,
            expires_on=certificate.expires_on, hours=certificate.hours, snapshot=snap,
            credential=token, kid=kid, status_index=indexes[0],
            replaces_id=certificate.id, renews_id=certificate.renews_id)
        db.session.add(row)
        db.session.flush()
        return row

    replacement = status_list.with_indexes(certificate.issuer_id, 1, insert_replacement)
    certificate.superseded_by_id = replacement.id
    db.session.flush()
    record(actor, "certificate.superseded", certificate,
           {"holder_name": certificate.snapshot.get("holder_name")},
           {"holder_name": name, "superseded_by": code})
    _audit_issued(actor, [replacement])
    events.certificate_superseded.send(certificate, replacement=replacement, actor=actor)
    return replacement


def renewal_of(certificate: Certificate) -> Certificate | None:
    """The standing (not revoked) renewal of ``certificate``, if there is one."""
    return db.session.scalar(select(Certificate).where(
        Certificate.renews_id == certificate.id, Certificate.revoked_at.is_(None),
        Certificate.superseded_by_id.is_(None)).limit(1))


def renew(certificate: Certificate, actor, *, today: date | None = None) -> Certificate:
    """The next validity period, once the continuing-education hours are approved."""
    today = today or clock.today(clock.UTC)
    if certificate.kind != CertificateKind.TRACK or certificate.track_id is None:
        raise DomainError(_("Only certifications are renewed; course certificates do not "
                            "expire."))
    _refuse_unless_current(certificate)
    if certificate.expires_on is None:
        raise DomainError(_("This certificate does not expire, so it needs no renewal."))
    following = renewal_of(certificate)
    if following is not None:
        raise DomainError(_("This certificate was already renewed by %(code)s.",
                            code=following.code))
    if not track_progress.renewal_window_open(certificate, today):
        raise DomainError(_("This certificate can be renewed from %(date)s, 90 days before "
                            "it expires.", date=format_date(
                                track_progress.renewal_opens_on(certificate), "long")))
    can, have, need = track_progress.renewal_due(certificate, today)
    if not can:
        raise DomainError(_("Renewal needs %(need)s approved continuing-education hours in "
                            "the validity period; %(have)s are approved.",
                            need=need, have=have))
    track = db.session.get(Track, certificate.track_id)
    valid_from = max(certificate.expires_on, today)
    expires_on = add_months(valid_from, track.validity_months) if track.validity_months else None
    template = _track_template(track, today, valid_from, expires_on)
    [code] = _new_codes(track.program.certificate_prefix, 1)
    renewal = _add(template, track.certifying_body_id, code=code,
                   user_id=certificate.user_id, holder_name=certificate.user.full_name,
                   hours=certificate.hours,
                   fields={**_track_fields(track, actor, today, valid_from, expires_on),
                           "renews_id": certificate.id})
    record(actor, "certificate.renewed", renewal, {"renews": certificate.code},
           {"code": renewal.code, "valid_from": valid_from.isoformat(),
            "expires_on": expires_on.isoformat() if expires_on else None})
    events.certificate_renewed.send(renewal, renews=certificate, actor=actor)
    return renewal


def pdf_for(certificate: Certificate, language: str) -> bytes:
    """The certificate's PDF in ``language``, rendered from its snapshot and credential
    and signed by its issuer (see lms.certification.signed_pdfs)."""
    return signed_pdf(certificate, language)
