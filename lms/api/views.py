"""The public JSON API for certifying bodies and employers, and the signing keys (JWKS).

No login, no session, no CSRF (nothing here changes anything: the bulk check is a
POST only because a thousand IDs do not fit in a URL). Every answer is JSON,
errors included, and carries no private data: only what a certificate prints.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from lms.accounts.models import Institution
from lms.api import openapi
from lms.certificates import ids, verification
from lms.certificates.models import Certificate
from lms.certificates.verification import error_json, verify_limit
from lms.cohorts.models import Cohort
from lms.extensions import csrf, db

bp = Blueprint("api", __name__)
csrf.exempt(bp)
# Applied to the blueprint, the limit is checked once, before the view: the lookup
# is the hot path of the API, and a decorated view would check it twice.
verify_limit(bp)


@bp.after_request
def _open_to_other_sites(response):
    # Public, read-only data: any site (a certifying body's portal) may fetch it.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _error(status: int, code: str, message: str):
    return jsonify(error_json(code, message)), status


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    """API errors in JSON, as the rest of the API, not the site's HTML error pages."""
    status = error.code or 500
    if status == 429:
        response = jsonify(error_json("rate_limited", _(
            "Too many requests from your address. Please wait a minute and try again.")))
        response.status_code = 429
        response.headers["Retry-After"] = verification.retry_after()
        return response
    if status == 413:
        return _error(413, "too_large", _("The request is larger than this site accepts."))
    if status == 404:
        return _error(404, "not_found", _("There is nothing at this address."))
    if status == 405:
        return _error(405, "method_not_allowed",
                      _("This address does not accept that kind of request."))
    return _error(status, "bad_request", _("The request could not be understood."))


# ---------------------------------------------------------------- keys


@bp.get("/.well-known/jwks.json")
@verification.rate_exempt
def jwks():
    from lms.certificates import signing

    response = jsonify(signing.jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


# ---------------------------------------------------------------- certificates


@bp.get("/api/v1/certificates/<code>")
def certificate(code: str):
    try:
        canonical = ids.parse(code)
    except ids.InvalidId as error:
        return _error(400, verification.parse_error_code(error), error.message)
    record = verification.record_json(canonical)
    if record is None:
        return _error(404, "not_found", verification.not_found_message())
    return jsonify(record)


@bp.post("/api/v1/certificates/verify")
def verify_many():
    body = request.get_json(silent=True)
    given = body.get("ids") if isinstance(body, dict) else None
    if not isinstance(given, list):
        return _error(400, "bad_request", _(
            'Send a JSON object with a list of certificate IDs: {"ids": ["PRC-7K3M-Q9XD-K"]}.'))
    if not given:
        return _error(400, "no_ids", _("Send at least one certificate ID."))
    if len(given) > verification.MAX_BULK_IDS:
        return _error(413, "too_many_ids", _(
            "Send at most %(count)s certificate IDs at once.",
            count=format_decimal(verification.MAX_BULK_IDS)))
    return jsonify({"results": verification.bulk_results(given)})


# ---------------------------------------------------------------- Open Badges documents


def _base() -> str:
    return verification.public_base_url()


@bp.get("/api/v1/issuers/<int:issuer_id>")
def issuer(issuer_id: int):
    """The issuer's Open Badges 3.0 Profile: public facts only (no officers, no email)."""
    row = db.session.execute(select(Institution.id, Institution.name, Institution.country)
                             .where(Institution.id == issuer_id)).first()
    if row is None or not _has_issued(issuer_id):
        abort(404)
    return jsonify({
        "@context": ["https://www.w3.org/ns/credentials/v2",
                     "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": f"{_base()}/api/v1/issuers/{row.id}",
        "type": ["Profile"],
        "name": row.name,
        "address": {"type": ["Address"], "addressCountry": row.country},
    })


def _has_issued(issuer_id: int) -> bool:
    """Only institutions that issued a certificate are issuers the public may look up."""
    return db.session.scalar(select(Certificate.id).where(Certificate.issuer_id == issuer_id)
                             .limit(1)) is not None


@bp.get("/api/v1/issuers/<int:issuer_id>/revocations")
def revocations(issuer_id: int):
    """The 1EdTech revocation list of everything this issuer revoked."""
    if not _has_issued(issuer_id):
        abort(404)
    rows = db.session.execute(
        select(Certificate.code, Certificate.snapshot, Certificate.revocation_reason)
        .where(Certificate.issuer_id == issuer_id, Certificate.revoked_at.is_not(None))
        .order_by(Certificate.revoked_at, Certificate.id)).all()
    base = _base()
    return jsonify({
        "id": f"{base}/api/v1/issuers/{issuer_id}/revocations",
        "issuer": f"{base}/api/v1/issuers/{issuer_id}",
        "revokedCredentials": [
            {"id": (row.snapshot or {}).get("verify_url") or f"{base}/verify/{row.code}",
             "revoked": True, "revocationReason": row.revocation_reason}
            for row in rows],
    })


@bp.get("/api/v1/achievements/<achievement>")
def achievement(achievement: str):
    """The Achievement as the newest credential for it describes it."""
    kind, _sep, number = achievement.partition("-")
    if kind not in ("track", "course") or not number.isdigit():
        abort(404)
    statement = select(Certificate.credential)
    if kind == "track":
        statement = statement.where(Certificate.kind == "track",
                                    Certificate.track_id == int(number))
    else:
        statement = statement.join(Cohort, Cohort.id == Certificate.cohort_id).where(
            Certificate.kind == "course", Cohort.course_id == int(number))
    token = db.session.scalar(statement.order_by(Certificate.id.desc()).limit(1))
    claims = verification.unverified_claims(token) if token else None
    found = _achievement_in(claims or {})
    if found is None:
        abort(404)
    return jsonify(found)


def _achievement_in(claims: dict) -> dict | None:
    credential = claims.get("vc") if isinstance(claims.get("vc"), dict) else claims
    subject = credential.get("credentialSubject")
    if isinstance(subject, list):
        subject = subject[0] if subject else None
    if not isinstance(subject, dict):
        return None
    found = subject.get("achievement")
    return found if isinstance(found, dict) else None


# ---------------------------------------------------------------- the description


@bp.get("/api/v1/openapi.json")
def openapi_document():
    document = openapi.document(_base())
    response = jsonify(document)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
