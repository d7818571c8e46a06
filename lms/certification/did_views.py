"""What a standard verifier fetches: the issuers' did:web documents and status lists.

``did:web:<host>:issuers:<id>`` resolves to ``https://<host>/issuers/<id>/did.json``
(the did:web method's rule), so these live at the root of the public address, not
under /api/v1. Only institutions that issued a certificate answer, like the API's
issuer profiles. Nothing here reads a certificate by its ID: a status list is the
same whole list for every verifier.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, request

from lms.certification import signing, status_list
from lms.web.urls import public_url

bp = Blueprint("did", __name__)

DID_CONTEXT = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"]
VC_JWT_TYPE = "application/vc+jwt"


def did_document(base_url: str, issuer_id: int) -> dict:
    """The issuer's DID document: every published signing key (newest first, as in
    the JWKS) as a ``JsonWebKey`` verification method, each usable to assert
    credentials. The keys are the deployment's, shared by all its issuers."""
    did = status_list.issuer_did(base_url, issuer_id)
    methods = []
    for jwk in signing.jwks()["keys"]:
        public = {name: jwk[name] for name in ("kty", "n", "e", "alg", "kid")}
        methods.append({"id": signing.did_url(did, jwk["kid"]), "type": "JsonWebKey",
                        "controller": did, "publicKeyJwk": public})
    ids = [method["id"] for method in methods]
    return {"@context": DID_CONTEXT, "id": did, "verificationMethod": methods,
            "assertionMethod": ids, "authentication": ids}


def _issuer_or_404(issuer_id: int) -> None:
    if issuer_id > 2**31 - 1 or not status_list.has_issued(issuer_id):
        abort(404)


@bp.get("/issuers/<int:issuer_id>/did.json")
def did_json(issuer_id: int):
    _issuer_or_404(issuer_id)
    response = jsonify(did_document(public_url(), issuer_id))
    response.headers["Cache-Control"] = f"public, max-age={status_list.TTL_SECONDS}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/issuers/<int:issuer_id>/status/<purpose>")
def status(issuer_id: int, purpose: str):
    """The issuer's Bitstring Status List credential for ``purpose``, as a VC-JWT."""
    if purpose not in status_list.PURPOSES:
        abort(404)
    _issuer_or_404(issuer_id)
    token, etag = status_list.signed_list(public_url(), issuer_id, purpose)
    response = Response(token, mimetype=VC_JWT_TYPE)
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={status_list.TTL_SECONDS}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response.make_conditional(request)
