"""The OpenAPI 3.1 description of /api/v1 and the JWKS.

Written by hand, next to the views it describes; a test checks that every API
route of the app is in it and that every reference resolves, and a schemathesis
run (tests/api/test_schemathesis.py) checks the app against it.
"""

from __future__ import annotations

from typing import Any

from lms.certification.credential_check import JWT_PATTERN, MAX_JWT_LENGTH
from lms.certification.models import RevocationReason
from lms.certification.verification import MAX_BULK_IDS
from lms.i18n import LANGUAGES
from lms.web.input import MAX_INT

ID_EXAMPLE = "PRC-7K3M-Q9XD-K"
PROBLEM_JSON = "application/problem+json"
# What ``ids.parse`` reads as an ID, give or take its separators: a prefix, eight
# Crockford symbols (I, L and O read as digits) and a check symbol. Whether the
# check symbol matches is beyond a pattern: a mismatch is a 400 (check_character).
ID_PATTERN = (r"^[A-Za-z]{2,6}[-. ]?[0-9A-TV-Za-tv-z]{4}[-. ]?[0-9A-TV-Za-tv-z]{4}"
              r"[-. ]?[0-9A-Za-z*~$=]$")
# The site refuses control characters in any text (TAB, LF and CR aside).
NO_CONTROLS = "^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _problem(description: str, *, retry_after: bool = False) -> dict:
    """An error answer: RFC 9457 problem details, with Retry-After when it is worth retrying."""
    response = {"description": description,
                "content": {PROBLEM_JSON: {"schema": _ref("Problem")}}}
    if retry_after:
        response["headers"] = {"Retry-After": {
            "schema": {"type": "integer", "minimum": 0},
            "description": "Seconds to wait before trying again."}}
    return response


# Every operation may meet these: no view decides them.
COMMON_ERRORS = {
    "400": _problem("The address or the body holds control characters or text that is not "
                    "valid UTF-8, which the site never accepts (code bad_request)."),
    "500": _problem("An unexpected error; nothing was changed (code server_error)."),
    "503": _problem("The database is unavailable for a moment (code unavailable).",
                    retry_after=True),
}


def _errors(own: dict[str, dict] | None = None, *, limited: bool = True) -> dict:
    """The error answers of an operation: its own (by status), the rate limit, the common ones."""
    answers = {**COMMON_ERRORS, **(own or {})}
    if limited:
        answers["429"] = RATE_LIMITED
    return dict(sorted(answers.items()))


def _nullable(schema: dict) -> dict:
    return {"oneOf": [schema, {"type": "null"}]}


DATE = {"type": "string", "format": "date"}
NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
RATE_LIMITED = _problem("Too many requests from this address; retry after the given "
                        "seconds (code rate_limited).", retry_after=True)
CODE_PARAMETER = {
    "name": "code", "in": "path", "required": True,
    "description": "A certificate ID. Case, a space, dot or hyphen between the groups and "
                   "the letters I, L and O are forgiven; a wrong check character is "
                   "reported as such (400, code check_character).",
    "schema": {"type": "string", "pattern": ID_PATTERN,
               "examples": [ID_EXAMPLE, "prc7k3mq9xdk"]},
}
ISSUER_PARAMETER = {"name": "issuer_id", "in": "path", "required": True,
                    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_INT},
                    "description": "The issuer's number."}

SCHEMAS: dict[str, Any] = {
    "Problem": {
        "type": "object", "required": ["type", "title", "status", "detail", "instance"],
        "description": "RFC 9457 problem details, as every error of the API is answered.",
        "properties": {
            "type": {"type": "string", "format": "uri-reference", "examples": ["about:blank"]},
            "title": {"type": "string",
                      "description": "The kind of error, in the request's language."},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string",
                       "description": "A sentence for people, in the request's language."},
            "instance": {"type": "string", "format": "uri-reference",
                         "description": "The path that was requested."},
            "code": {"type": "string", "description": "Which problem, for programs.",
                     "examples": ["check_character", "format", "not_found", "rate_limited",
                                  "too_many_ids", "no_ids", "not_a_string", "bad_json",
                                  "not_a_credential",
                                  "bad_request", "too_large", "method_not_allowed",
                                  "server_error", "unavailable"]},
        },
    },
    "ErrorDetail": {
        "type": "object", "required": ["code", "message"],
        "properties": {
            "code": {"type": "string", "examples": [
                "check_character", "format", "not_found", "rate_limited", "too_many_ids",
                "no_ids", "bad_request", "too_large"]},
            "message": {"type": "string",
                        "description": "A sentence for people, in the request's language."},
        },
    },
    "Status": {"type": "string", "enum": ["valid", "expired", "revoked", "superseded"]},
    "Certificate": {
        "type": "object",
        "required": ["id", "status", "holder_name", "title", "titles", "program", "issuer",
                     "issued_on", "valid_from", "expires_on", "hours", "competencies",
                     "revocation", "superseded_by", "replaces", "credential", "verify_url",
                     "endorsements"],
        "properties": {
            "id": {"type": "string", "examples": [ID_EXAMPLE]},
            "status": _ref("Status"),
            "kind": {"type": "string", "enum": ["track", "course"]},
            "holder_name": {"type": "string", "description": "As printed on the certificate."},
            "title": {"type": "string", "description": "The title in English."},
            "titles": {"type": "object", "description": "The title in each language.",
                       "properties": {lang: {"type": ["string", "null"]}
                                      for lang in LANGUAGES}},
            "program": {"type": "object", "properties": {
                "code": {"type": "string"}, "name": {"type": "string"}}},
            "issuer": {"type": "object", "properties": {
                "name": {"type": "string"},
                "country": {"type": ["string", "null"], "description": "ISO 3166 alpha-2"}}},
            "issued_on": DATE,
            "valid_from": DATE,
            "expires_on": NULLABLE_DATE,
            "hours": {"type": "integer"},
            "competencies": {"type": "array", "items": _ref("Competency")},
            "revocation": _nullable(_ref("Revocation")),
            "superseded_by": {"type": ["string", "null"],
                              "description": "The ID that replaces this one after a correction."},
            "replaces": {"type": ["string", "null"],
                         "description": "The ID this one replaces after a correction."},
            "renews": {"type": ["string", "null"],
                       "description": "The ID of the previous period this one renews."},
            "credential": {"type": "string", "description": "The Open Badges 3.0 credential "
                           "as a VC-JWT; verify it with the keys at /.well-known/jwks.json."},
            "verify_url": {"type": "string", "format": "uri"},
            "endorsements": {"type": "array", "items": _ref("Endorsement"),
                             "description": "The program owner's endorsements of the "
                             "achievement, oldest first; withdrawn ones are left out."},
        },
    },
    "Endorsement": {
        "type": "object", "required": ["endorser", "endorsed_on", "comment", "credential"],
        "description": "The program owner's endorsement of the certificate's achievement.",
        "properties": {
            "endorser": {"type": "string"},
            "endorsed_on": DATE,
            "comment": {"type": "string"},
            "credential": {"type": "string", "description": "The Open Badges 3.0 "
                           "EndorsementCredential as a VC-JWT, signed with the keys at "
                           "/.well-known/jwks.json."},
        },
    },
    "CredentialRequest": {
        "type": "object", "required": ["credential"], "additionalProperties": False,
        "properties": {"credential": {"oneOf": [
            {"type": "string", "pattern": JWT_PATTERN, "maxLength": MAX_JWT_LENGTH,
             "description": "A VC-JWT (compact JWS)."},
            {"type": "object", "propertyNames": {"pattern": NO_CONTROLS},
             "additionalProperties": _ref("JSONValue"),
             "description": "An Open Badges 3.0 credential as JSON, or a VC 2.0 "
             "EnvelopedVerifiableCredential holding a VC-JWT."},
        ]}},
    },
    "JSONValue": {
        "description": "Any JSON value whose texts hold no control characters.",
        "anyOf": [
            {"type": "string", "pattern": NO_CONTROLS},
            {"type": ["number", "boolean", "null"]},
            {"type": "array", "items": _ref("JSONValue")},
            {"type": "object", "propertyNames": {"pattern": NO_CONTROLS},
             "additionalProperties": _ref("JSONValue")},
        ],
    },
    "CredentialCheck": {
        "type": "object", "required": ["check", "ok", "detail"],
        "properties": {
            "check": {"type": "string", "enum": ["signature", "issuer", "status", "expiry"]},
            "ok": {"type": "boolean"},
            "detail": {"type": "string",
                       "description": "A sentence for people, in the request's language."},
        },
    },
    "CredentialReport": {
        "type": "object", "required": ["valid", "id", "checks"],
        "properties": {
            "valid": {"type": "boolean", "description": "True only when every check is."},
            "id": {"type": ["string", "null"],
                   "description": "The certificate the credential names, when it is ours."},
            "checks": {"type": "array", "items": _ref("CredentialCheck")},
        },
    },
    "Competency": {"type": "object", "required": ["code", "title"], "properties": {
        "code": {"type": "string"}, "title": {"type": "string"}}},
    "Revocation": {
        "type": "object", "required": ["revoked_on", "code", "reason", "note"],
        "properties": {
            "revoked_on": DATE,
            "code": {"type": "string", "enum": [reason.value for reason in RevocationReason],
                     "description": "Why it was revoked, as a code."},
            "reason": {"type": "string",
                       "description": "The code's title, in the request's language."},
            "note": {"type": "string", "description": "The certifying body's note, as "
                     "written (empty when none); it explains the code \"other\"."},
        },
    },
    "BulkRequest": {
        "type": "object", "required": ["ids"], "additionalProperties": False,
        "properties": {"ids": {"type": "array", "minItems": 1, "maxItems": MAX_BULK_IDS,
                               "items": {"type": "string", "pattern": NO_CONTROLS},
                               "examples": [[ID_EXAMPLE]]}},
    },
    "BulkResult": {
        "type": "object",
        "required": ["input", "id", "status", "holder_name", "title", "expires_on", "error"],
        "properties": {
            "input": {"description": "The ID as sent."},
            "id": {"type": ["string", "null"], "description": "The canonical ID, when the "
                   "input is a well-formed ID."},
            "status": {"type": "string", "enum": ["valid", "expired", "revoked", "superseded",
                                                  "not_found", "invalid"]},
            "holder_name": {"type": ["string", "null"]},
            "title": {"type": ["string", "null"]},
            "expires_on": NULLABLE_DATE,
            "error": _nullable(_ref("ErrorDetail")),
        },
    },
    "BulkResponse": {
        "type": "object", "required": ["results"],
        "properties": {"results": {"type": "array", "items": _ref("BulkResult"),
                                   "description": "One result per input, in input order."}},
    },
    "Profile": {
        "type": "object", "required": ["id", "type", "name"],
        "description": "An Open Badges 3.0 issuer Profile.",
        "properties": {
            "id": {"type": "string", "format": "uri"},
            "type": {"type": "array", "items": {"type": "string"}},
            "name": {"type": "string"},
            "address": {"type": "object", "properties": {
                "type": {"type": "array", "items": {"type": "string"}},
                "addressCountry": {"type": "string"}}},
        },
    },
    "RevocationList": {
        "type": "object", "required": ["id", "issuer", "revokedCredentials"],
        "description": "A 1EdTech revocation list.",
        "properties": {
            "id": {"type": "string", "format": "uri"},
            "issuer": {"type": "string", "format": "uri"},
            "revokedCredentials": {"type": "array", "items": {
                "type": "object", "required": ["id", "revoked"], "properties": {
                    "id": {"type": "string", "format": "uri"},
                    "revoked": {"type": "boolean"},
                    "revocationReason": {"type": "string", "description": "The reason in "
                                         "the request's language, then the certifying "
                                         "body's note as written."}}}},
        },
    },
    "Achievement": {
        "type": "object", "required": ["id", "type"],
        "description": "An Open Badges 3.0 Achievement, as the credentials carry it.",
        "properties": {
            "id": {"type": "string", "format": "uri"},
            "type": {"oneOf": [{"type": "string"},
                               {"type": "array", "items": {"type": "string"}}]},
            "name": {"type": "string"},
            "description": {"type": "string"},
            "criteria": {"type": "object"},
        },
    },
    "JWKS": {
        "type": "object", "required": ["keys"],
        "properties": {"keys": {"type": "array", "items": _ref("JWK")}},
    },
    "JWK": {
        "type": "object", "required": ["kty", "kid"],
        "properties": {"kty": {"type": "string"}, "kid": {"type": "string"},
                       "alg": {"type": "string"}, "use": {"type": "string"},
                       "n": {"type": "string"}, "e": {"type": "string"}},
    },
    "OpenAPI": {"type": "object", "description": "This document."},
}


def _paths() -> dict[str, Any]:
    return {
        "/api/v1/certificates/{code}": {"get": {
            "operationId": "getCertificate",
            "summary": "One certificate: its printed fields, status and signed credential.",
            "parameters": [CODE_PARAMETER],
            "responses": {
                "200": _json(_ref("Certificate"), "The certificate."),
                **_errors({
                    "400": _problem("Not a certificate ID (code format), a mistyped one "
                                    "(code check_character), or control characters "
                                    "(code bad_request)."),
                    "404": _problem("A well-formed ID that no certificate has "
                                    "(code not_found)."),
                }),
            },
        }},
        "/api/v1/certificates/verify": {"post": {
            "operationId": "verifyCertificates",
            "summary": f"Check 1 to {MAX_BULK_IDS} IDs at once.",
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": _ref("BulkRequest")}}},
            "responses": {
                "200": _json(_ref("BulkResponse"), "One result per ID, in input order."),
                **_errors({
                    "400": _problem("The body is not JSON (code bad_json: malformed, nested "
                                    "too deep, or holding NaN, Infinity or a number too "
                                    "large), not {\"ids\": [...]} (code bad_request), an "
                                    "empty list (code no_ids), a list holding something "
                                    "else than strings (code not_a_string), or control "
                                    "characters (code bad_request)."),
                    "413": _problem(f"More than {MAX_BULK_IDS} IDs (code too_many_ids), or "
                                    "a body larger than the site accepts (code too_large)."),
                }),
            },
        }},
        "/api/v1/credentials/verify": {"post": {
            "operationId": "verifyCredential",
            "summary": "Check a credential: its signature, issuer key, status and expiry.",
            "description": "Send a VC-JWT as text (text/plain or application/vc+jwt), or "
                           "JSON {\"credential\": ...} holding a VC-JWT or an Open "
                           "Badges 3.0 JSON credential. A JSON credential without a proof "
                           "passes the signature check only when it is exactly the "
                           "credential signed for the certificate it names; an embedded "
                           "Data Integrity proof is not checked (the answer says so).",
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": _ref("CredentialRequest")},
                "text/plain": {"schema": {"type": "string", "pattern": JWT_PATTERN,
                                          "maxLength": MAX_JWT_LENGTH}},
            }},
            "responses": {
                "200": _json(_ref("CredentialReport"), "Each check and the verdict."),
                **_errors({
                    "400": _problem("The body is not JSON (code bad_json), not "
                                    "{\"credential\": ...} or not a VC-JWT "
                                    "(code not_a_credential), or holds control characters "
                                    "(code bad_request)."),
                    "413": _problem("A body larger than the site accepts (code too_large)."),
                }),
            },
        }},
        "/api/v1/issuers/{issuer_id}": {"get": {
            "operationId": "getIssuer",
            "summary": "An issuer's Open Badges Profile.",
            "parameters": [ISSUER_PARAMETER],
            "responses": {
                "200": _json(_ref("Profile"), "The issuer."),
                **_errors({"404": _problem("No issuer of certificates has this number.")}),
            },
        }},
        "/api/v1/issuers/{issuer_id}/revocations": {"get": {
            "operationId": "getRevocations",
            "summary": "The credentials this issuer revoked.",
            "parameters": [ISSUER_PARAMETER],
            "responses": {
                "200": _json(_ref("RevocationList"), "The revocation list."),
                **_errors({"404": _problem("No issuer of certificates has this number.")}),
            },
        }},
        "/api/v1/achievements/{achievement}": {"get": {
            "operationId": "getAchievement",
            "summary": "The achievement a credential certifies (a track or a course).",
            "parameters": [{
                "name": "achievement", "in": "path", "required": True,
                "description": "track-<number> or course-<number>",
                "schema": {"type": "string", "pattern": "^(track|course)-[0-9]{1,10}$",
                           "examples": ["track-7"]},
            }],
            "responses": {
                "200": _json(_ref("Achievement"), "The achievement."),
                **_errors({"404": _problem(
                    "No certificate was issued for this achievement.")}),
            },
        }},
        "/api/v1/openapi.json": {"get": {
            "operationId": "getOpenAPI",
            "summary": "This document.",
            "responses": {"200": _json(_ref("OpenAPI"), "The OpenAPI document."),
                          **_errors()},
        }},
        "/.well-known/jwks.json": {"get": {
            "operationId": "getJWKS",
            "summary": "The public keys that sign the credentials (old keys stay listed).",
            "responses": {"200": _json(_ref("JWKS"), "The key set."),
                          **_errors(limited=False)},
        }},
    }


def document(base_url: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document, with this site as its server."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "OAS Training and Certification: certificate verification",
            "version": "1.0.0",
            "description": "Public, read-only lookups of certificates issued for the "
                           "PROCCER and PICAP programs. No sign-in. Requests are "
                           "rate-limited per client address. Every error is answered "
                           "as RFC 9457 problem details (application/problem+json) "
                           "whose code member says which problem it is.",
        },
        "servers": [{"url": base_url}],
        "paths": _paths(),
        "components": {"schemas": SCHEMAS},
    }
