"""Verifying certificates for the public: look an ID up, check the signature, check a PDF.

Everything here is public, so it reads only what a certificate prints (the
snapshot) and its status: never the holder's account (email, country, anything
else). The JSON lookups select plain columns in one statement and build their
answers directly, because certifying bodies call them in bulk and the benchmark
compares the single lookup with a bare Flask + SQLAlchemy endpoint.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from flask import Blueprint, abort, current_app, g, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many
from sqlalchemy import bindparam, func, select

from lms.certification import endorsement, ids, pades, pdf, signed_pdfs, signing
from lms.certification.models import Certificate, Endorsement, revocation_json, status_of
from lms.extensions import db, limiter
from lms.i18n import DEFAULT_LOCALE, LANGUAGES
from lms.kernel import clock

MAX_BULK_IDS = 1000


# One budget per client address for the verification pages and the whole API, so
# that switching between them does not multiply the guesses anyone can make.
RATE_SCOPE = "verify"


@cache
def _rate_items(text: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(text))


def check_rate() -> None:
    """Count this request against the client's verification budget; 429 when spent.

    Flask-Limiter's strategy and storage (``LMS_RATELIMIT_STORAGE_URI``) do the
    counting, as for sign-in, in one step per request (Flask-Limiter's own
    evaluation resolves every limit anew and cost more than the certificate lookup
    on the API's hot path). ``g.retry_after`` tells the 429 handlers when to retry.
    """
    if not limiter.enabled or getattr(
            current_app.view_functions.get(request.endpoint or ""), "rate_exempt", False):
        return
    strategy = limiter.limiter
    address = get_remote_address()
    for item in _rate_items(current_app.config["LMS_VERIFY_RATE_LIMIT"]):
        if not strategy.hit(item, RATE_SCOPE, address):
            reset_at = strategy.get_window_stats(item, RATE_SCOPE, address).reset_time
            # The limiter's windows run on the real epoch, not on lms.kernel.clock.
            g.retry_after = max(1, math.ceil(reset_at - time.time()))
            abort(429)


def rate_exempt(view):
    """Leave one view of a limited blueprint out of the budget (e.g. the public keys)."""
    view.rate_exempt = True
    return view


def verify_limit(blueprint: Blueprint) -> Blueprint:
    """Put every route of ``blueprint`` under the shared verification budget."""
    blueprint.before_request(check_rate)
    return blueprint


def retry_after() -> str:
    """Seconds until the spent budget refills, for a 429's Retry-After header."""
    return str(g.get("retry_after", 60))


def iso(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    return value.isoformat()


def snapshot_text(snapshot: dict, locale: str) -> dict:
    """The printed texts in ``locale``, else English (a snapshot holds all four)."""
    texts = snapshot.get("text") or {}
    return texts.get(locale) or texts.get(DEFAULT_LOCALE) or {}


def not_found_message() -> str:
    return _("No certificate has this ID.")


# ---------------------------------------------------------------- records for the pages


def find(code: str) -> Certificate | None:
    """The record with this canonical ID (the ORM object, for the HTML pages)."""
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


def exists(code: str) -> bool:
    return db.session.scalar(select(Certificate.id).where(Certificate.code == code)) is not None


@dataclass(frozen=True)
class SignatureCheck:
    ok: bool
    kid: str | None
    error: str | None  # a translated sentence


def check_signature(certificate: Certificate) -> SignatureCheck:
    """Verify the stored credential against our keys, and that it names this record."""
    verified = signing.verify_jwt(certificate.credential)
    if not verified.ok:
        return SignatureCheck(False, verified.kid, verified.message)
    if code_in_credential(verified.credential or {}) != certificate.code:
        return SignatureCheck(False, verified.kid,
                              _("The signed credential names another certificate."))
    return SignatureCheck(True, verified.kid, None)


def code_in_credential(claims: dict) -> str | None:
    """The certificate ID a credential refers to: its ``id`` (the verify URL) or ``jti``."""
    candidates = [claims.get("id"), claims.get("jti")]
    vc = claims.get("vc")
    if isinstance(vc, dict):
        candidates.append(vc.get("id"))
    for candidate in candidates:
        if not isinstance(candidate, str) or not candidate:
            continue
        tail = candidate.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
        try:
            return ids.parse(tail)
        except ids.InvalidId:
            continue
    return None


def unverified_claims(token: str) -> dict | None:
    """The payload of a compact JWS without trusting it: only to find which record it
    claims to be, so that a file with a bad signature can still be shown its true record."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        return None
    return claims if isinstance(claims, dict) else None


# ---------------------------------------------------------------- uploaded PDFs


@dataclass
class UploadCheck:
    """What an uploaded PDF turned out to be.

    ``problem`` is None when the file carries a credential with a good signature;
    otherwise a translated sentence saying what is wrong. ``exact`` is None when
    no record could be compared with the file.
    """

    certificate: Certificate | None
    problem: str | None
    exact: bool | None
    kid: str | None = None
    # The PDF's own (PAdES) signature, checked before anything else.
    pdf_signature: pades.PdfSignature | None = None

    @property
    def vouched(self) -> bool:
        """The file's PAdES signature is valid, by the record's issuer: the file is
        unchanged since it was issued even when a new printing differs (an older
        renderer), so a byte difference alone does not condemn it."""
        return bool(self.pdf_signature and self.pdf_signature.ok and self.problem is None)

    @property
    def verdict_exact(self) -> bool | None:
        """The byte comparison as the verdict should weigh it (see ``vouched``)."""
        return None if self.vouched and self.exact is False else self.exact


def check_upload(data: bytes) -> UploadCheck:
    """Check the PDF's own signature first, then extract the credential, verify it, find
    its record and compare the file byte for byte with the certificate as issued."""
    sealed = pades.validate(data)
    token = pdf.extract_credential(data)
    if not token:
        return UploadCheck(None, sealed.message if sealed.state in ("altered", "damaged")
                           else _("This PDF does not carry a signed credential, so it "
                                  "cannot be checked. It was not issued by this site, or "
                                  "it was altered."), None, pdf_signature=sealed)
    verified = signing.verify_jwt(token)
    claims = verified.credential if verified.ok else unverified_claims(token)
    code = code_in_credential(claims or {})
    certificate = find(code) if code else None
    problem = None
    if sealed.state not in ("valid", "unsigned"):
        problem = sealed.message
    elif sealed.ok and certificate is not None \
            and not pades.signed_by_issuer(sealed, certificate.issuer_id):
        problem = _("This PDF is signed by %(signer)s, not by the body that issued the "
                    "certificate it carries.", signer=sealed.signer)
    elif not verified.ok:
        problem = _("The signature of the credential in this PDF is not valid: the file "
                    "was altered or was not issued by this site.")
    elif certificate is None:
        problem = _("This PDF is signed, but no certificate has its ID.")
    exact = None
    if certificate is not None:
        digest = pdf.digest(data)
        language = pdf.pdf_language(data)
        # A file whose language cannot be read is compared with each printing.
        languages = [language] if language in LANGUAGES else list(LANGUAGES)
        exact = any(pdf.digest(signed_pdfs.issued_pdf(certificate, lang) or b"") == digest
                    for lang in languages)
    if verified.ok and certificate is not None and not exact:
        others = codes_shown(data) - {certificate.code}
        if others:
            swapped = swapped_check(certificate.code, min(others), verified.kid)
            swapped.pdf_signature = sealed
            return swapped
    return UploadCheck(certificate, problem, exact, verified.kid, sealed)


def swapped_check(credential_code: str, shown_code: str, kid: str | None) -> UploadCheck:
    """A file that shows one certificate and carries another's (genuine) credential.

    Neither record is the file's: the credential's record is valid, but not for
    this file, and nothing signed vouches for the certificate the file shows.
    """
    return UploadCheck(None, _("The signed credential in this file belongs to a different "
                               "certificate (%(credential)s) from the one the file shows "
                               "(%(shown)s). This file is not a valid certificate.",
                               credential=credential_code, shown=shown_code),
                       None, kid)


# An ID as printed (PREFIX-XXXX-XXXX-C), not inside a longer run of letters or digits.
_PRINTED_ID = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2,6}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z*~$=]"
                         r"(?![A-Za-z0-9])")
# Certificates are one page; a hostile file's further pages are not read.
_PAGES_READ = 2


def codes_shown(data: bytes) -> set[str]:
    """The valid certificate IDs a PDF shows a reader: on its pages and in its properties."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        texts = [str(value) for value in (reader.metadata or {}).values()]
        texts += [page.extract_text() or "" for page in reader.pages[:_PAGES_READ]]
    except Exception:  # a damaged upload may fail anywhere inside the parser
        return set()
    codes = set()
    for match in _PRINTED_ID.finditer("\n".join(texts)):
        try:
            codes.add(ids.parse(match.group()))
        except ids.InvalidId:
            continue  # ID-shaped text that is no ID names no certificate
    return codes


# ---------------------------------------------------------------- JSON answers


def _record_statement():
    """One Core statement (no ORM objects): the record and the IDs it links to."""
    table = Certificate.__table__
    new, old, renewed = table.alias("new"), table.alias("old"), table.alias("renewed")
    c = table.c
    endorsements = Endorsement.__table__.c
    # Whether the achievement is endorsed, in the same statement: the common answer
    # (no endorsement) then costs no second read on the API's hot path.
    endorsed = (select(func.count(endorsements.id))
                .where(endorsements.track_id == c.track_id, endorsements.withdrawn_at.is_(None))
                .scalar_subquery().label("endorsed"))
    return (select(c.code, c.snapshot, c.credential, c.issued_on, c.valid_from, c.expires_on,
                   c.hours, c.revoked_at, c.revocation_code, c.revocation_reason,
                   c.superseded_by_id, endorsed,
                   new.c.code.label("superseded_by"), old.c.code.label("replaces"),
                   renewed.c.code.label("renews"))
            .select_from(table.outerjoin(new, new.c.id == c.superseded_by_id)
                         .outerjoin(old, old.c.id == c.replaces_id)
                         .outerjoin(renewed, renewed.c.id == c.renews_id))
            .where(c.code == bindparam("code")))


# Built once: the lookup is the hottest path of the public API.
_RECORD = _record_statement()


def _competencies(snapshot: dict, english: dict) -> list[dict]:
    """Codes with their English titles; the printed lines read "T1 Screening ..."."""
    lines = english.get("competencies") or []
    result = []
    for index, item in enumerate(snapshot.get("competencies") or []):
        code = item.get("code", "")
        line = lines[index] if index < len(lines) else ""
        title = line[len(code):].strip() if code and line.startswith(code) else line
        result.append({"code": code, "title": title})
    return result


def record_json(code: str, today: date | None = None) -> dict | None:
    """The API answer for one canonical ID, in one statement; None when there is none."""
    # The session's connection: Core execution, without the ORM's per-statement work.
    row = db.session.connection().execute(_RECORD, {"code": code}).first()
    if row is None:
        return None
    snapshot = row.snapshot or {}
    texts = snapshot.get("text") or {}
    english = texts.get(DEFAULT_LOCALE) or {}
    issuer = snapshot.get("issuer") or {}
    program = snapshot.get("program") or {}
    status = status_of(row.revoked_at, row.superseded_by_id, row.expires_on,
                       today or clock.today(clock.UTC))
    revocation = None
    if row.revoked_at is not None:
        revocation = {"revoked_on": iso(row.revoked_at),
                      **revocation_json(row.revocation_code, row.revocation_reason)}
    return {
        "id": row.code,
        "status": status.value,
        "kind": snapshot.get("kind"),
        "holder_name": snapshot.get("holder_name"),
        "title": english.get("title"),
        "titles": {lang: (texts.get(lang) or {}).get("title") for lang in LANGUAGES},
        "program": {"code": program.get("code"), "name": english.get("program")},
        "issuer": {"name": issuer.get("name"), "country": issuer.get("country")},
        "issued_on": iso(row.issued_on),
        "valid_from": iso(row.valid_from),
        "expires_on": iso(row.expires_on),
        "hours": row.hours,
        "competencies": _competencies(snapshot, english),
        "revocation": revocation,
        "superseded_by": row.superseded_by,
        "replaces": row.replaces,
        "renews": row.renews,
        "credential": row.credential,
        "verify_url": snapshot.get("verify_url"),
        "endorsements": ([shown.as_json() for shown in endorsement.for_code(code)]
                         if row.endorsed else []),
    }


def parse_error_code(error: ids.InvalidId) -> str:
    return "check_character" if error.reason == "check" else "format"


def bulk_results(inputs: Sequence[str], today: date | None = None) -> list[dict]:
    """One result per input, in input order, from one statement for all the IDs.

    The inputs are strings: the API refuses a list holding anything else (400).
    """
    today = today or clock.today(clock.UTC)
    parsed: list[tuple[str, str | None, dict | None]] = []
    for item in inputs:
        try:
            parsed.append((item, ids.parse(item), None))
        except ids.InvalidId as error:
            parsed.append((item, None, {"code": parse_error_code(error),
                                        "message": error.message}))
    codes = sorted({code for _item, code, _error in parsed if code})
    rows = {}
    if codes:
        c = Certificate.__table__.c
        statement = select(c.code, c.snapshot, c.expires_on, c.revoked_at,
                           c.superseded_by_id).where(c.code.in_(codes))
        rows = {row.code: row for row in db.session.connection().execute(statement)}
    results = []
    for item, code, error in parsed:
        result = {"input": item, "id": code, "status": "invalid", "holder_name": None,
                  "title": None, "expires_on": None, "error": error}
        if code is not None:
            row = rows.get(code)
            if row is None:
                result["status"] = "not_found"
                result["error"] = {"code": "not_found", "message": not_found_message()}
            else:
                snapshot = row.snapshot or {}
                result.update(
                    status=status_of(row.revoked_at, row.superseded_by_id, row.expires_on,
                                     today).value,
                    holder_name=snapshot.get("holder_name"),
                    title=snapshot_text(snapshot, DEFAULT_LOCALE).get("title"),
                    expires_on=iso(row.expires_on))
        results.append(result)
    return results
