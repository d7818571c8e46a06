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
- ``credentialSchema`` names the OB 3.0 JSON schema (1EdTechJsonSchemaValidator2019,
  a type defined by an inline context in version 2 credentials: ``EXTENSION_CONTEXT``).

Snapshot version 2 (lms.certification.snapshot) changed three things; a version 1
snapshot still builds the credential it was signed as:

- The issuer is ``did:web:<host>:issuers:<id>`` (lms.certification.status_list.
  issuer_did), whose did.json lists our signing keys; its https profile stays as
  the Profile's ``url``. The JWT's ``kid`` is then ``<did>#<thumbprint>``.
- ``credentialStatus`` is a W3C ``BitstringStatusListEntry`` at the certificate's
  position in the issuer's revocation list (lms.certification.status_list); a
  version 1 credential has the ``1EdTechRevocationList`` at the issuer's
  revocations endpoint, which still lists every revocation.
- The achievement's name, description and criteria come in English, Spanish,
  French and Portuguese in the one credential. English stays the plain string in
  ``name``, ``description`` and ``criteria.narrative`` (``inLanguage`` "en"):
  neither pinned context declares these terms as language maps (no ``@container:
  @language``), OB 3.0's JSON schema types them as strings, and that string is what
  OB 3.0 verifiers read and show. The other languages follow OB 3.0's own way of
  naming alternate-language editions: one ``related`` entry each (type ``Related``,
  ``inLanguage``, and ``name`` and ``description`` in that language; the criteria
  narrative of our achievements is their description). JSON-LD value objects with
  ``@language`` on ``name`` would be valid JSON-LD, but would turn the strings OB 3.0
  verifiers and its schema expect into arrays of objects.
"""

from __future__ import annotations

from datetime import date

from lms.certification import status_list

CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
SCHEMA = ("https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
          "ob_v3p0_achievementcredential_schema.json")
# Neither pinned context defines the schema validator's type, so a JSON-LD processor
# would leave it a relative IRI. Version 2 credentials define it inline, with the IRI
# 1EdTech's OB 3.0 extensions context gives it, rather than naming that context and
# making every verifier fetch one more document.
EXTENSION_CONTEXT = {"1EdTechJsonSchemaValidator2019":
                     "https://purl.imsglobal.org/spec/vccs/v1p0/context.json"
                     "#1EdTechJsonSchemaValidator2019"}
ACHIEVEMENT_TYPES = {"track": "Certification", "course": "Certificate"}
CREDENTIAL_LANGUAGE = "en"


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

    current = int(snapshot.get("v") or 1) >= 2
    profile: dict = {
        "id": (status_list.issuer_did(base_url, issuer["id"]) if current
               else issuer_url(base_url, issuer["id"])),
        "type": ["Profile"],
        "name": issuer["name"],
    }
    if current:
        profile["url"] = issuer_url(base_url, issuer["id"])
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
        "inLanguage": CREDENTIAL_LANGUAGE,
    }
    if current:
        achievement_body["related"] = _alternates(achievement_body["id"], snapshot["text"])
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
        "@context": list(CONTEXT) + ([dict(EXTENSION_CONTEXT)] if current else []),
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
        "credentialStatus": (
            status_list.entry(base_url, issuer["id"], snapshot["status_index"])
            if current and snapshot.get("status_index") is not None else {
                "id": f"{issuer_url(base_url, issuer['id'])}/revocations",
                "type": "1EdTechRevocationList",
            }),
        "credentialSchema": [{"id": SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    })
    return credential


def _alternates(achievement_id: str, texts: dict) -> list[dict]:
    """The achievement in each other language, as OB 3.0 ``Related`` editions."""
    return [{"id": f"{achievement_id}?lang={lang}", "type": ["Related"], "inLanguage": lang,
             "name": text["title"], "description": text["description"]}
            for lang, text in texts.items() if lang != CREDENTIAL_LANGUAGE]


def achievement_texts(credential: dict) -> dict[str, dict[str, str]]:
    """{language: {"name", "description"}} of the credential's achievement, English
    from its own fields, the others from its ``related`` editions."""
    achievement = (credential.get("credentialSubject") or {}).get("achievement") or {}
    found = {achievement.get("inLanguage") or CREDENTIAL_LANGUAGE: {
        "name": achievement.get("name"), "description": achievement.get("description")}}
    for related in achievement.get("related") or []:
        if isinstance(related, dict) and related.get("inLanguage") and related.get("name"):
            found[related["inLanguage"]] = {"name": related["name"],
                                            "description": related.get("description")}
    return found


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
