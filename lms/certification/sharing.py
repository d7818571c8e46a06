"""What a holder shares of a certificate: a LinkedIn entry, the credential files, a QR code.

- LinkedIn's "Add to profile" form is prefilled through its public URL
  (``https://www.linkedin.com/profile/add`` with ``startTask=CERTIFICATION_NAME`` and
  the parameters ``name``, ``organizationName``, ``issueYear``, ``issueMonth``,
  ``expirationYear``, ``expirationMonth``, ``certUrl`` and ``certId``); nothing is
  sent to LinkedIn until the holder opens the link and saves the form there.
- The VC-JWT download is the stored token, byte for byte: it is the signed
  credential, and the signature is its proof (Open Badges 3.0, VC-JWT proof format).
- The JSON download is the credential exactly as signed: the JWT's payload without
  the registered claims the JWT adds (``iss``, ``jti``, ``nbf``, ``exp``), which is
  what ``signing.verify_jwt`` returns. It carries no ``proof`` member: our proof is
  the enveloping JWS, and an embedded proof we did not make would mislead a
  verifier. POST /api/v1/credentials/verify accepts this JSON and checks it against
  the signed credential on record.
- The QR code encodes the public verify URL, drawn as inline SVG by segno.
"""

from __future__ import annotations

import io
import json
from urllib.parse import urlencode

import segno
from markupsafe import Markup, escape

from lms.certification import signing
from lms.certification.models import Certificate

LINKEDIN_ADD = "https://www.linkedin.com/profile/add"


def verify_url(certificate: Certificate) -> str:
    """The public verify URL, as the certificate prints it."""
    return str(certificate.snapshot.get("verify_url") or "")


def linkedin_url(certificate: Certificate) -> str:
    """LinkedIn's prefilled "Add license or certification" form for this certificate."""
    english = (certificate.snapshot.get("text") or {}).get("en") or {}
    issuer = certificate.snapshot.get("issuer") or {}
    params = {
        "startTask": "CERTIFICATION_NAME",
        "name": english.get("title") or certificate.code,
        "organizationName": issuer.get("name") or certificate.issuer.name,
        "issueYear": certificate.issued_on.year,
        "issueMonth": certificate.issued_on.month,
    }
    if certificate.expires_on:
        params["expirationYear"] = certificate.expires_on.year
        params["expirationMonth"] = certificate.expires_on.month
    params["certUrl"] = verify_url(certificate)
    params["certId"] = certificate.code
    return f"{LINKEDIN_ADD}?{urlencode(params)}"


def credential_json(certificate: Certificate) -> bytes:
    """The credential as signed, pretty-printed JSON (see the module's docstring)."""
    verified = signing.verify_jwt(certificate.credential)
    claims = verified.credential if verified.ok else None
    if claims is None:
        # A record whose signature no longer checks offers no JSON: it proves nothing.
        raise ValueError(verified.message)
    return json.dumps(claims, ensure_ascii=False, indent=2, sort_keys=False).encode()


def qr_svg(url: str, label: str) -> Markup:
    """An inline SVG QR code of ``url``, with ``label`` as its accessible name."""
    out = io.BytesIO()
    # segno escapes the title; the SVG is made here, from our own URL, so it is safe
    # to put in the page as it is.
    segno.make(url, error="m").save(out, kind="svg", xmldecl=False, svgns=True,
                                    title=label, scale=4, border=2, svgclass="qr",
                                    lineclass=None)
    svg = out.getvalue().decode("utf-8")
    # role and name on the element itself: screen readers skip an unnamed inline SVG.
    labelled = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
    return Markup(labelled)  # noqa: S704 - segno's own markup, the label escaped
