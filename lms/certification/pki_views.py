"""The deployment CA certificate, published for anyone who checks a certificate PDF's
signature offline (a PDF reader told to trust it, ``lms verify-pdf --ca``)."""

from __future__ import annotations

from flask import Blueprint, Response

from lms.certification import pki, verification

bp = Blueprint("pki", __name__)

CA_PATH = "/.well-known/lms-ca.pem"


@bp.get(CA_PATH)
@verification.rate_exempt
def ca_certificate() -> Response:
    response = Response(pki.ca_pem(), mimetype="application/x-pem-file")
    response.headers["Content-Disposition"] = 'inline; filename="lms-ca.pem"'
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
