"""Reading certificates for the trainee's and the officers' pages (constant queries per page)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from sqlalchemy import Row, func, or_, select
from sqlalchemy.orm import joinedload

from lms.accounts.models import User
from lms.certification.ids import InvalidId, parse
from lms.certification.models import Certificate, CertificateKind, CertificateStatus, current_filter
from lms.certification.tracks.models import Track
from lms.certification.verification_counts import VerificationCount
from lms.extensions import db
from lms.kernel import clock

PAGE_SIZE = 50


def by_code(code: str) -> Certificate | None:
    """The certificate with this ID, typed loosely (case, spaces, I/L/O) or exactly."""
    try:
        canonical = parse(code)
    except InvalidId:
        canonical = code
    return db.session.scalar(
        select(Certificate).where(Certificate.code == canonical)
        .options(joinedload(Certificate.user), joinedload(Certificate.issuer),
                 joinedload(Certificate.program)))


def of_holder(user_id: int) -> list[Certificate]:
    """The user's certificates, newest first (one query)."""
    return list(db.session.scalars(
        select(Certificate).where(Certificate.user_id == user_id)
        .options(joinedload(Certificate.issuer), joinedload(Certificate.superseded_by))
        .order_by(Certificate.issued_on.desc(), Certificate.id.desc())))


def certifiable_tracks(user) -> list[Track]:
    """The tracks whose certification ``user`` decides: their bodies' tracks; admins all."""
    query = select(Track).options(joinedload(Track.certifying_body)).order_by(Track.code)
    if not user.is_admin:
        query = query.where(Track.certifying_body_id.in_(list(user.body_ids) or [-1]))
    return list(db.session.scalars(query))


def issued_counts(track_ids: list[int], today: date) -> dict[int, int]:
    """{track id: certificates valid today} (one query)."""
    if not track_ids:
        return {}
    rows = db.session.execute(
        select(Certificate.track_id, func.count(Certificate.id))
        .where(Certificate.track_id.in_(track_ids), current_filter(today))
        .group_by(Certificate.track_id))
    return {track_id: count for track_id, count in rows}


def _status_filter(status: str, today: date):
    if status == CertificateStatus.REVOKED:
        return Certificate.revoked_at.is_not(None)
    if status == CertificateStatus.SUPERSEDED:
        return Certificate.revoked_at.is_(None) & Certificate.superseded_by_id.is_not(None)
    if status == CertificateStatus.EXPIRED:
        return (Certificate.revoked_at.is_(None) & Certificate.superseded_by_id.is_(None)
                & Certificate.expires_on.is_not(None) & (Certificate.expires_on < today))
    return current_filter(today)


def managed(user, *, search: str = "", status: str = "", page: int = 1,
            today: date | None = None, per_page: int = PAGE_SIZE):
    """A page of the certificates ``user`` can manage, newest first.

    The same rule as ``Certificate.can_manage``: the bodies' certificates for their
    officers, the course certificates of coordinated programs, everything for admins.
    """
    today = today or clock.today(clock.UTC)
    query = (select(Certificate).join(User, User.id == Certificate.user_id)
             .options(joinedload(Certificate.user), joinedload(Certificate.issuer)))
    if not user.is_admin:
        conditions = []
        if user.body_ids:
            conditions.append(Certificate.issuer_id.in_(list(user.body_ids)))
        if user.coordinated_program_ids:
            conditions.append((Certificate.kind == CertificateKind.COURSE)
                              & Certificate.program_id.in_(list(user.coordinated_program_ids)))
        query = query.where(or_(*conditions) if conditions else Certificate.id.is_(None))
    search = " ".join((search or "").split())
    if search:
        try:
            code = parse(search)
        except InvalidId:
            code = None
        pattern = f"%{search.lower()}%"
        matches = [func.lower(User.full_name).like(pattern),
                   func.lower(Certificate.code).like(pattern)]
        if code:
            matches.append(Certificate.code == code)
        query = query.where(or_(*matches))
    if status in {s.value for s in CertificateStatus}:
        query = query.where(_status_filter(status, today))
    query = query.order_by(Certificate.issued_on.desc(), Certificate.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def related(certificate: Certificate) -> dict[str, Certificate | None]:
    """The records this one points to or that point to it (renewal, replacement)."""
    renewed_by = db.session.scalar(select(Certificate).where(
        Certificate.renews_id == certificate.id).order_by(Certificate.id.desc()).limit(1))
    return {"superseded_by": certificate.superseded_by, "replaces": certificate.replaces,
            "renews": certificate.renews, "renewed_by": renewed_by}


# ---------------------------------------------------------------- verification counts


def verification_totals(certificate_ids: Collection[int]) -> dict[int, int]:
    """{certificate id: times verified, every channel and day}; absent when never (one query)."""
    if not certificate_ids:
        return {}
    rows = db.session.execute(
        select(VerificationCount.certificate_id, func.sum(VerificationCount.count))
        .where(VerificationCount.certificate_id.in_(list(certificate_ids)))
        .group_by(VerificationCount.certificate_id))
    return {certificate_id: int(total) for certificate_id, total in rows}


def verification_counts_by(start: date | None = None, end: date | None = None, *,
                           body_ids: Collection[int] | None = None,
                           program_ids: Collection[int] | None = None) -> Sequence[Row]:
    """The stored counts of the days ``start`` to ``end`` (inclusive; None: open), one row
    per certificate, day and channel, for the reports to add up (one query).

    Each row has ``certificate_id``, ``code``, ``track_id`` (None for a course
    certificate), ``body_id`` (the issuer: the certifying body, or the cohort's host
    for a course certificate), ``program_id``, ``channel``, ``day`` and ``count``.
    ``body_ids`` and ``program_ids`` limit the rows to those certificates; given
    both, a row of either passes (a viewer's scope is the union of their roles),
    and an empty collection lets nothing of its kind through.
    """
    query = (select(VerificationCount.certificate_id, Certificate.code, Certificate.track_id,
                    Certificate.issuer_id.label("body_id"), Certificate.program_id,
                    VerificationCount.channel, VerificationCount.day, VerificationCount.count)
             .join(Certificate, Certificate.id == VerificationCount.certificate_id))
    if start is not None:
        query = query.where(VerificationCount.day >= start)
    if end is not None:
        query = query.where(VerificationCount.day <= end)
    limits = []
    if body_ids is not None:
        limits.append(Certificate.issuer_id.in_(list(body_ids)))
    if program_ids is not None:
        limits.append(Certificate.program_id.in_(list(program_ids)))
    if limits:
        query = query.where(or_(*limits))
    return db.session.execute(query.order_by(
        VerificationCount.day, VerificationCount.certificate_id, VerificationCount.channel)).all()
