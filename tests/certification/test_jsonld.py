"""Every credential we issue is JSON-LD that the standard contexts fully define.

Expanded with pyld against the W3C VC 2.0 and Open Badges 3.0.3 contexts pinned in
``tests/certification/contexts`` (a document loader that serves only those files:
no network). Expansion silently drops a property its contexts do not define and
leaves an undefined type as a relative IRI; the test fails on either.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from pyld import jsonld

from lms.certification import issuance, signing, status_list
from lms.certification.credential import achievement_texts
from lms.certification.tracks import progress
from lms.kernel import clock
from tests.certification.factories import eligible_track, issue_certificate, make_eligible
from tests.factories import make_user

CONTEXTS = Path(__file__).parent / "contexts"
PINNED = {
    "https://www.w3.org/ns/credentials/v2": CONTEXTS / "credentials-v2.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json":
        CONTEXTS / "ob-context-3.0.3.json",
}


def local_loader(url: str, options=None) -> dict:
    if url not in PINNED:
        raise jsonld.JsonLdError(f"not a pinned context: {url}", "jsonld.LoadDocumentError",
                                 code="loading document failed")
    return {"contextUrl": None, "documentUrl": url,
            "document": json.loads(PINNED[url].read_text(encoding="utf-8"))}


# Relative IRIs resolve against this base: a type starting with it was not a term.
UNDEFINED = "https://undefined-term.invalid/"


def _relative_types(node) -> list[str]:
    """Every @type that did not expand to an IRI of its own (an undefined type term)."""
    found = []
    if isinstance(node, list):
        for item in node:
            found += _relative_types(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "@type" and "@value" not in node:
                found += [t for t in ([value] if isinstance(value, str) else value)
                          if t.startswith(UNDEFINED) or ":" not in t]
            else:
                found += _relative_types(value)
    return found


def expand_strictly(credential: dict) -> list:
    dropped: list[str] = []

    def on_dropped(key, *_args, **_kwargs):
        dropped.append(key)

    expanded = jsonld.expand(credential, {"documentLoader": local_loader, "base": UNDEFINED},
                             on_property_dropped=on_dropped)
    assert dropped == [], f"terms the contexts do not define: {dropped}"
    assert _relative_types(expanded) == []
    return expanded


def test_the_check_catches_an_undefined_term():
    with pytest.raises(AssertionError, match="favouriteColour"):
        expand_strictly({"@context": list(PINNED), "type": ["VerifiableCredential"],
                         "favouriteColour": "blue"})
    with pytest.raises(AssertionError):
        expand_strictly({"@context": list(PINNED),
                         "type": ["VerifiableCredential", "MadeUpCredential"]})


def _claims(token: str) -> dict:
    verified = signing.verify_jwt(token)
    assert verified.ok
    return verified.credential


def _issued_credentials() -> dict[str, dict]:
    officer = make_user(admin=True)
    track_certificate = issue_certificate()
    course_certificate = issue_certificate(kind="course")
    corrected = issue_certificate(superseded=True).superseded_by
    track, course = eligible_track(validity_months=12, renewal_hours=0)
    start = clock.today(clock.UTC) - timedelta(days=300)
    [renewable] = issuance.issue_many(
        track, [progress.track_progress(track, make_eligible(track, course), start)],
        officer, today=start)
    renewal = issuance.renew(renewable, officer)
    found = {"track": track_certificate, "course": course_certificate,
             "name corrected": corrected, "renewed": renewal}
    credentials = {label: _claims(certificate.credential)
                   for label, certificate in found.items()}
    for purpose in status_list.PURPOSES:
        token, _etag = status_list.signed_list("http://localhost",
                                               track_certificate.issuer_id, purpose)
        credentials[f"{purpose} list"] = _claims(token)
    return credentials


def test_every_issued_credential_expands_with_nothing_dropped(database):
    credentials = _issued_credentials()
    assert len(credentials) == 6
    for label, credential in credentials.items():
        expanded = expand_strictly(credential)
        assert len(expanded) == 1, label
        types = expanded[0]["@type"]
        assert "https://www.w3.org/2018/credentials#VerifiableCredential" in types, label


def test_the_achievement_reads_in_four_languages(database):
    credential = _issued_credentials()["track"]
    texts = achievement_texts(credential)
    assert set(texts) == {"en", "es", "fr", "pt"}
    achievement = credential["credentialSubject"]["achievement"]
    # What every OB 3.0 verifier reads: plain English strings.
    assert isinstance(achievement["name"], str) and achievement["inLanguage"] == "en"
    assert achievement["criteria"]["narrative"] == achievement["description"]

    expanded = expand_strictly(credential)
    related = expanded[0]["https://www.w3.org/2018/credentials#credentialSubject"][0][
        "https://purl.imsglobal.org/spec/vc/ob/vocab.html#achievement"][0][
        "https://purl.imsglobal.org/spec/vc/ob/vocab.html#related"]
    languages = sorted(item["https://schema.org/inLanguage"][0]["@value"] for item in related)
    assert languages == ["es", "fr", "pt"]
    for item in related:
        assert item["@type"] == ["https://purl.imsglobal.org/spec/vc/ob/vocab.html#Related"]
        assert item["https://schema.org/name"][0]["@value"]
        assert item["https://schema.org/description"][0]["@value"]
