"""Checking a credential someone sends us (POST /api/v1/credentials/verify).

A credential arrives as a VC-JWT (the proof format we sign with), as a VC 2.0
``EnvelopedVerifiableCredential`` holding one (``data:application/vc+jwt,<jwt>``),
or as Open Badges 3.0 JSON. Each check is answered on its own so that a verifier
sees which one failed:

- ``signature``: the JWS against our published keys. A JSON credential has no
  signature of its own; when it is exactly the credential we signed for the
  certificate it names (the JSON a holder downloads), the signed copy on record
  vouches for it. A JSON with an embedded ``proof`` of another kind (Data
  Integrity) is refused plainly: we do not check those.
- ``issuer``: the key is one of ours and the credential's issuer is this site.
- ``status``: the certificate's record (revoked or replaced), read from the
  database as the verification page does.
- ``expiry``: ``validFrom`` and ``validUntil`` against the current time.

The answer is valid only when every check is. Messages are translated sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote, urlsplit

from flask_babel import format_date
from flask_babel import gettext as _

from lms.certification import signing, verification
from lms.certification.models import Certificate, CertificateStatus
from lms.kernel import clock
from lms.web.urls import public_url

MAX_JWT_LENGTH = 100_000
# Three base64url parts: what a compact JWS looks like, before any decoding.
JWT_PATTERN = r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$"
_JWT = re.compile(JWT_PATTERN)
_ENVELOPE_PREFIX = "data:application/vc+jwt,"


@dataclass
class Report:
    checks: list[dict] = field(default_factory=list)
    code: str | None = None

    def add(self, check: str, ok: bool, detail: str) -> None:
        self.checks.append({"check": check, "ok": ok, "detail": detail})

    def as_json(self) -> dict:
        return {"valid": bool(self.checks) and all(c["ok"] for c in self.checks),
                "id": self.code, "checks": self.checks}


def looks_like_jwt(text: str) -> bool:
    return len(text) <= MAX_JWT_LENGTH and _JWT.match(text) is not None


def _is_ours(issuer_id: str | None) -> bool:
    """An issuer id on this site: an address under the public URL, or its did:web."""
    if not isinstance(issuer_id, str) or not issuer_id:
        return False
    base = public_url()
    if issuer_id == base or issuer_id.startswith(base + "/"):
        return True
    host = urlsplit(base).netloc
    did = "did:web:" + quote(host, safe="")
    return issuer_id == did or issuer_id.startswith(did + ":")


def _issuer_id(claims: dict) -> str | None:
    issuer = claims.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def _moment(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return clock.as_utc(moment)


def check_token(token: str) -> dict:
    """Every check of a compact VC-JWT."""
    report = Report()
    verified = signing.verify_jwt(token)
    claims = verified.credential if verified.ok else verification.unverified_claims(token)
    claims = claims if isinstance(claims, dict) else {}
    if verified.ok:
        report.add("signature", True, _("The signature is valid."))
    else:
        report.add("signature", False, verified.message)
    _issuer_check(report, claims, verified.kid, key_known=verified.error != "unknown_key"
                  and verified.kid is not None and verified.error != "malformed")
    _status_and_expiry(report, claims)
    return report.as_json()


def check_json(credential: dict) -> dict:
    """Every check of an Open Badges 3.0 JSON credential."""
    envelope = credential.get("id") if "EnvelopedVerifiableCredential" in _types(
        credential) else None
    if isinstance(envelope, str) and envelope.startswith(_ENVELOPE_PREFIX):
        token = envelope[len(_ENVELOPE_PREFIX):]
        if looks_like_jwt(token):
            return check_token(token)
    report = Report()
    record = _record_of(credential)
    proof = credential.get("proof")
    if proof is not None:
        kinds = ", ".join(sorted({str(item.get("type")) for item in
                                  (proof if isinstance(proof, list) else [proof])
                                  if isinstance(item, dict)})) or "?"
        report.add("signature", False, _(
            "This credential carries an embedded proof (%(kind)s), which this site does "
            "not check. Send the VC-JWT of the credential instead.", kind=kinds))
        kid = None
    elif record is None:
        report.add("signature", False, _(
            "This JSON credential carries no proof, and it names no certificate of this "
            "site to compare it with. Send the VC-JWT of the credential instead."))
        kid = None
    else:
        signed = signing.verify_jwt(record.credential)
        if signed.ok and signed.credential == credential:
            report.add("signature", True, _(
                "This JSON has no signature of its own, but it is exactly the credential "
                "signed for certificate %(code)s, whose signature is valid.",
                code=record.code))
        else:
            report.add("signature", False, _(
                "This JSON carries no proof, and it differs from the credential signed "
                "for certificate %(code)s: it was changed.", code=record.code))
        kid = signed.kid
    _issuer_check(report, credential, kid, key_known=kid is not None)
    _status_and_expiry(report, credential)
    return report.as_json()


def _types(claims: dict) -> list:
    kinds = claims.get("type")
    return kinds if isinstance(kinds, list) else [kinds]


def _record_of(claims: dict) -> Certificate | None:
    code = verification.code_in_credential(claims)
    return verification.find(code) if code else None


def _issuer_check(report: Report, claims: dict, kid: str | None, *, key_known: bool) -> None:
    issuer_id = _issuer_id(claims)
    if not key_known:
        report.add("issuer", False, _("The credential was not signed with one of this "
                                      "site's published keys."))
    elif not _is_ours(issuer_id):
        report.add("issuer", False, _("The credential names an issuer that is not this "
                                      "site."))
    else:
        report.add("issuer", True, _("Issued by %(issuer)s, signed with key %(kid)s "
                                     "published at /.well-known/jwks.json.",
                                     issuer=issuer_id, kid=kid))


def _status_and_expiry(report: Report, claims: dict) -> None:
    record = _record_of(claims)
    today = clock.today(clock.UTC)
    if record is None:
        report.add("status", False, _("No certificate of this site has this credential's "
                                      "ID, so its status cannot be known."))
    else:
        report.code = record.code
        status = record.status_on(today)
        if status == CertificateStatus.REVOKED:
            report.add("status", False, _("Certificate %(code)s was revoked on %(date)s.",
                                          code=record.code,
                                          date=format_date(record.revoked_at, "long")))
        elif status == CertificateStatus.SUPERSEDED:
            report.add("status", False, _("Certificate %(code)s was replaced by a corrected "
                                          "certificate.", code=record.code))
        else:
            report.add("status", True, _("Certificate %(code)s is not revoked or "
                                         "replaced.", code=record.code))
    now = clock.now()
    starts, ends = _moment(claims.get("validFrom")), _moment(claims.get("validUntil"))
    if claims.get("validUntil") is not None and ends is None:
        report.add("expiry", False, _("The credential's validUntil is not a date and time."))
    elif starts is not None and starts > now:
        report.add("expiry", False, _("The credential is not valid before %(date)s.",
                                      date=format_date(starts, "long")))
    elif ends is not None and ends < now:
        report.add("expiry", False, _("The credential expired on %(date)s.",
                                      date=format_date(ends, "long")))
    elif ends is not None:
        report.add("expiry", True, _("The credential is valid until %(date)s.",
                                     date=format_date(ends, "long")))
    else:
        report.add("expiry", True, _("The credential does not expire."))
