"""Reading certificates for the trainee's and the officers' pages (constant queries per page)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from lms.accounts.models import User
from lms.certification.ids import InvalidId, parse
from lms.certification.models import Certificate, CertificateKind, CertificateStatus, current_filter
from lms.certification.tracks.models import Track
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
