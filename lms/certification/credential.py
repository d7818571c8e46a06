"""The Open Badges 3.0 ``OpenBadgeCredential`` of a certificate (W3C VC 2.0 data model).

Built only from the certificate's snapshot (lms.certification.snapshot), so the same
record always gives the same credential, and therefore, signed with the same key,
the same VC-JWT and the same PDF bytes.

Decisions, following the VC-JWT section of Open Badges 3.0 (8.2, "JSON Web Token
Proof Format") on the VC 2.0 data model:

- The JWT payload is the credential itself, its members at the top level (no ``vc``
  wrapper, the VC 1.1 style), plus the registered claims OB 3.0 maps from it:
  ``iss`` = ``issuer.id``, ``jti`` = ``id``, ``nbf`` = ``validFrom``, ``exp`` =
  ``validUntil`` when the certificate expires. There is no ``sub``: the subject is
  identified by name (``identifier``), not by an ``id``. There is no ``iat``: the
  token must be reproducible. lms.certification.signing adds and strips them.
- JOSE header: ``alg`` RS256 (the algorithm OB 3.0 requires every verifier to
  support), ``kid`` the RFC 7638 thumbprint of a key published in our JWKS at
  ``/.well-known/jwks.json``, and ``typ`` "JWT" as OB 3.0 asks. The issuer's key is
  not embedded as ``jwk``: a key carried by the token proves nothing by itself.
- The holder is named, not emailed: ``credentialSubject.identifier`` is an
  ``IdentityObject`` of ``identityType`` "name", unhashed, because the name is
  what is printed and what a certifying body checks. No email appears anywhere.
- Dates: ``validFrom`` is the first day of validity at 00:00 UTC and
  ``validUntil`` the last day at 23:59:59 UTC, since "valid until 4 May 2029"
  includes that day (the certificate's status turns expired the day after).
- English is the credential's language (``inLanguage`` "en"): the certificate's
  printed texts in every language stay in the snapshot and the PDF.
- ``credentialStatus`` is a ``1EdTechRevocationList`` at the issuer's revocations
  endpoint, and ``credentialSchema`` names the OB 3.0 JSON schema.
"""

from __future__ import annotations

from datetime import date

CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
SCHEMA = ("https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
          "ob_v3p0_achievementcredential_schema.json")
ACHIEVEMENT_TYPES = {"track": "Certification", "course": "Certificate"}


def _start_of(day: str) -> str:
    return f"{date.fromisoformat(day).isoformat()}T00:00:00Z"


def _end_of(day: str) -> str:
    return f"{date.fromisoformat(day).isoformat()}T23:59:59Z"


def issuer_url(base_url: str, issuer_id: int) -> str:
    return f"{base_url}/api/v1/issuers/{issuer_id}"


def achievement_url(base_url: str, kind: str, achievement_id: int) -> str:
    return f"{base_url}/api/v1/achievements/{kind}-{achievement_id}"


def build_credential(snapshot: dict, base_url: str) -> dict:
    """The OpenBadgeCredential for ``snapshot``; ``base_url`` has no trailing slash."""
    base_url = base_url.rstrip("/")
    english = snapshot["text"]["en"]
    issuer = snapshot["issuer"]
    achievement = snapshot["achievement"]
    verify_url = snapshot["verify_url"]

    profile: dict = {
        "id": issuer_url(base_url, issuer["id"]),
        "type": ["Profile"],
        "name": issuer["name"],
    }
    if issuer.get("country"):
        profile["address"] = {"type": ["Address"], "addressCountry": issuer["country"]}

    competency_names = list(english.get("competencies") or [])
    alignment = []
    for position, competency in enumerate(snapshot.get("competencies") or []):
        code = competency["code"]
        name = competency_names[position] if position < len(competency_names) else code
        alignment.append({
            "type": ["Alignment"],
            "targetName": name,
            "targetCode": code,
            "targetUrl": f"{verify_url}#competency-{code}",
        })

    achievement_body: dict = {
        "id": achievement_url(base_url, achievement["type"], achievement["id"]),
        "type": ["Achievement"],
        "achievementType": ACHIEVEMENT_TYPES.get(snapshot["kind"], "Certificate"),
        "name": english["title"],
        "description": english["description"],
        "criteria": {"narrative": english["description"]},
        "humanCode": achievement["code"],
        "inLanguage": "en",
    }
    if alignment:
        achievement_body["alignment"] = alignment
    if snapshot.get("hours"):
        achievement_body["creditsAvailable"] = snapshot["hours"]

    subject: dict = {
        "type": ["AchievementSubject"],
        "identifier": [{
            "type": "IdentityObject",
            "identityType": "name",
            "hashed": False,
            "identityHash": snapshot["holder_name"],
        }],
        "achievement": achievement_body,
    }
    if snapshot.get("hours"):
        subject["creditsEarned"] = snapshot["hours"]

    credential: dict = {
        "@context": list(CONTEXT),
        "id": verify_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": profile,
        "validFrom": _start_of(snapshot["valid_from"]),
    }
    if snapshot.get("expires_on"):
        credential["validUntil"] = _end_of(snapshot["expires_on"])
    credential.update({
        "name": english["title"],
        "awardedDate": _start_of(snapshot["issued_on"]),
        "credentialSubject": subject,
        "credentialStatus": {
            "id": f"{issuer_url(base_url, issuer['id'])}/revocations",
            "type": "1EdTechRevocationList",
        },
        "credentialSchema": [{"id": SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    })
    return credential


def holder_name(credential: dict) -> str | None:
    """The holder's name from a credential (its ``name`` identifier), if any."""
    subject = credential.get("credentialSubject") or {}
    for identifier in subject.get("identifier") or []:
        if isinstance(identifier, dict) and identifier.get("identityType") == "name":
            return identifier.get("identityHash")
    return None


def certificate_code(credential: dict) -> str | None:
    """The certificate ID at the end of the credential's id (its verify URL)."""
    credential_id = credential.get("id")
    if not isinstance(credential_id, str) or "/verify/" not in credential_id:
        return None
    return credential_id.rsplit("/verify/", 1)[1] or None
