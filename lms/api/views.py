"""The public JSON API for certifying bodies and employers, and the signing keys (JWKS).

No login, no session, no CSRF (nothing here changes anything: the bulk check is a
POST only because a thousand IDs do not fit in a URL). Every answer is JSON,
errors included (RFC 9457 problem details, from ``lms.web.errors``, which also
answers the API's 404, 405, 413, 429 and 500 that never reach a view), and
carries no private data: only what a certificate prints.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, request
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.routing import BaseConverter

from lms.accounts.models import Institution
from lms.api import openapi
from lms.certification import credential_check, ids, signing, verification
from lms.certification.models import Certificate, revocation_shown
from lms.certification.verification import verify_limit
from lms.certification.verification_counts import Channel, count_lookup
from lms.cohorts.models import Cohort
from lms.extensions import csrf, db
from lms.web import body
from lms.web.errors import problem
from lms.web.input import MAX_INT
from lms.web.urls import public_url


class _IdText(BaseConverter):
    """Any path segment but "verify": GET /api/v1/certificates/verify is not a lookup of
    the ID "verify" but a method the bulk check does not allow (405, Allow: POST)."""

    regex = "(?!verify$)[^/]+"


bp = Blueprint("api", __name__)
# Before the routes below: the converter must be known when they are added.
bp.record_once(lambda state: state.app.url_map.converters.setdefault("id_text", _IdText))
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
    return problem(status, message, code=code)


# An achievement is "track-7" or "course-7": ASCII digits only (str.isdigit also
# takes "²", which int() refuses), and no more than a database integer holds.
_ACHIEVEMENT = re.compile(r"(track|course)-([0-9]{1,10})")


# ---------------------------------------------------------------- keys


@bp.get("/.well-known/jwks.json")
@verification.rate_exempt
def jwks():
    response = body.response(signing.jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


# ---------------------------------------------------------------- certificates


@bp.get("/api/v1/certificates/<id_text:code>")
def certificate(code: str):
    try:
        canonical = ids.parse(code)
    except ids.InvalidId as error:
        return _error(400, verification.parse_error_code(error), error.message)
    # Counted before the read (see count_lookup); an ID nobody holds counts nothing.
    count_lookup(Channel.API, [canonical])
    record = verification.record_json(canonical)
    if record is None:
        return _error(404, "not_found", verification.not_found_message())
    return body.response(record)


@bp.post("/api/v1/certificates/verify")
def verify_many():
    try:
        sent = body.parse(request)
    except body.BadBody as error:
        return _error(400, "bad_json", error.message)
    # Nothing but "ids": a misspelt extra field must not pass unnoticed.
    given = sent.get("ids") if isinstance(sent, dict) and sent.keys() == {"ids"} else None
    if not isinstance(given, list):
        return _error(400, "bad_request", _(
            'Send a JSON object with a list of certificate IDs: {"ids": ["PRC-7K3M-Q9XD-K"]}.'))
    if not given:
        return _error(400, "no_ids", _("Send at least one certificate ID."))
    if len(given) > verification.MAX_BULK_IDS:
        return _error(413, "too_many_ids", _(
            "Send at most %(count)s certificate IDs at once.",
            count=format_decimal(verification.MAX_BULK_IDS)))
    if not all(isinstance(item, str) for item in given):
        return _error(400, "not_a_string", _(
            'Every certificate ID must be a string in quotes, such as "PRC-7K3M-Q9XD-K".'))
    results = verification.bulk_results(given)
    # A POST takes SQLite's write lock up front, so here the count may follow the read.
    count_lookup(Channel.API, {result["id"] for result in results
                               if result["status"] not in ("invalid", "not_found")})
    return body.response({"results": results})


# ---------------------------------------------------------------- credentials

_JWT_TYPES = ("text/plain", "application/vc+jwt", "application/jwt")


def _not_a_credential():
    return _error(400, "not_a_credential", _(
        "Send a credential: a VC-JWT as text, or JSON {\"credential\": ...} holding a "
        "VC-JWT or an Open Badges 3.0 credential."))


@bp.post("/api/v1/credentials/verify")
def verify_credential():
    """Check a credential sent to us: signature, issuer key, status and expiry."""
    if request.mimetype in _JWT_TYPES:
        try:
            token = request.get_data(cache=True).decode("utf-8").strip()
        except UnicodeDecodeError:
            return _error(400, "bad_request", _("The request body is not valid UTF-8."))
        sent: object = token
    else:
        try:
            parsed = body.parse(request)
        except body.BadBody as error:
            return _error(400, "bad_json", error.message)
        if not isinstance(parsed, dict) or parsed.keys() != {"credential"}:
            return _not_a_credential()
        sent = parsed["credential"]
    if isinstance(sent, str):
        if not credential_check.looks_like_jwt(sent):
            return _not_a_credential()
        report = credential_check.check_token(sent)
    elif isinstance(sent, dict):
        report = credential_check.check_json(sent)
    else:
        return _not_a_credential()
    if report["id"]:
        count_lookup(Channel.API, [report["id"]])
    return body.response(report)


# ---------------------------------------------------------------- Open Badges documents


@bp.get("/api/v1/issuers/<int:issuer_id>")
def issuer(issuer_id: int):
    """The issuer's Open Badges 3.0 Profile: public facts only (no officers, no email)."""
    row = db.session.execute(select(Institution.id, Institution.name, Institution.country)
                             .where(Institution.id == issuer_id)).first()
    if row is None or not _has_issued(issuer_id):
        abort(404)
    return body.response({
        "@context": ["https://www.w3.org/ns/credentials/v2",
                     "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": f"{public_url()}/api/v1/issuers/{row.id}",
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
        select(Certificate.code, Certificate.snapshot, Certificate.revocation_code,
               Certificate.revocation_reason)
        .where(Certificate.issuer_id == issuer_id, Certificate.revoked_at.is_not(None))
        .order_by(Certificate.revoked_at, Certificate.id)).all()
    base = public_url()
    return body.response({
        "id": f"{base}/api/v1/issuers/{issuer_id}/revocations",
        "issuer": f"{base}/api/v1/issuers/{issuer_id}",
        "revokedCredentials": [
            {"id": (row.snapshot or {}).get("verify_url") or f"{base}/verify/{row.code}",
             "revoked": True,
             "revocationReason": _revocation_line(row.revocation_code, row.revocation_reason)}
            for row in rows],
    })


def _revocation_line(code: str | None, note: str) -> str:
    """The list has one text per credential: the reason in the request's language, then
    the officer's note as written."""
    reason, note = revocation_shown(code, note)
    return _("%(reason)s: %(note)s", reason=reason, note=note) if note else reason


@bp.get("/api/v1/achievements/<achievement>")
def achievement(achievement: str):
    """The Achievement as the newest credential for it describes it."""
    match = _ACHIEVEMENT.fullmatch(achievement)
    if match is None or int(match.group(2)) > MAX_INT:
        abort(404)
    kind, number = match.groups()
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
    return body.response(found)


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
    document = openapi.document(public_url())
    response = body.response(document)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
