"""``lms keys rotate``, ``lms keys list``, ``lms keys pki``, ``lms keys rotate-body``,
``lms keys import-p12``, ``lms verify-pdf FILE`` and ``lms certificates check-urls``.

``verify-pdf`` checks a certificate PDF offline. First the PDF's own signature
(PAdES): intact, covering the whole file, by a certificate that chains to the CA
(``--ca``: a PEM file or URL such as ``https://host/.well-known/lms-ca.pem``; by
default this installation's). Then the signed credential attached to the PDF,
against a JWKS (a file, an http(s) URL such as ``https://host/.well-known/jwks.json``,
or by default this installation's key folder). It never opens the database, so a
certifying body can run it with only copies of the public keys. Exit codes: 0
signatures valid, 1 invalid or no credential, 2 the file (or the JWKS, or the CA)
cannot be read. A PDF without a signature of its own (issued before PDFs were
signed) is checked by its credential alone, with a note saying so.

``check-urls`` lists the issued certificates whose stored addresses (the printed
verify URL, the credential's id, jti, issuer and status URLs) do not start with
LMS_PUBLIC_URL, for instance ones issued while a request's Host header decided
them; exit code 1 when there is any.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import click
from cryptography import x509
from flask.cli import with_appcontext
from sqlalchemy import select

from lms.accounts.models import Institution
from lms.certification import credential as credentials
from lms.certification import pades, pki, signing
from lms.certification.models import Certificate
from lms.certification.pdf import extract_credential
from lms.certification.verification import unverified_claims
from lms.extensions import db
from lms.web.urls import public_url

EXIT_VALID, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2
_JWKS_TIMEOUT = 10  # seconds; an offline check should fail fast, not hang


@click.group("keys")
def keys() -> None:
    """Certificate signing keys."""


@keys.command("rotate")
def rotate() -> None:
    """Add a signing key; new certificates are signed with it, old ones still verify."""
    click.echo(signing.rotate())


@keys.command("list")
def list_keys() -> None:
    """Every signing key: kid, created, and which one signs; then the PDF certificates."""
    found = signing.all_keys()
    if not found:
        click.echo(f"No signing keys yet in {signing.keys_folder()}; "
                   "the first is created when a certificate is issued.")
    else:
        active = found[-1].kid
        for key in reversed(found):
            state = "active" if key.kid == active else "retired"
            click.echo(f"{key.kid}  {key.created.strftime('%Y-%m-%d %H:%M:%S')} UTC  {state}")
    bodies = pki.all_body_files()
    if bodies:
        click.echo("PDF signing certificates (issuer id, file, subject, signs from):")
    for issuer_id, found_certificate in bodies:
        click.echo(f"{issuer_id}  {found_certificate.path.name}  {found_certificate.subject}  "
                   f"{found_certificate.signs_from.isoformat()}")


def _institution(institution_id: int):
    institution = db.session.get(Institution, institution_id)
    if institution is None:
        raise click.ClickException(f"No institution has the id {institution_id}.")
    return institution


@keys.command("pki")
@with_appcontext
def create_pki() -> None:
    """Create the CA and a PDF signing certificate for every body that has none.

    Both are otherwise made on first use; this only does it ahead of time.
    """
    authority = pki.ca()
    click.echo(f"CA: {authority.subject} ({authority.path})")
    for institution in db.session.scalars(select(Institution).order_by(Institution.id)):
        if pki.body_files(institution.id):
            continue
        made = pki.signer_for({"id": institution.id, "name": institution.name,
                               "country": institution.country}, pki.VALID_FROM)
        click.echo(f"{institution.id}  {made.path.name}  {made.subject}")


@keys.command("rotate-body")
@click.argument("institution_id", type=int)
@with_appcontext
def rotate_body(institution_id: int) -> None:
    """Give a body a new PDF signing certificate; PDFs signed before keep validating."""
    institution = _institution(institution_id)
    made = pki.new_body_certificate(institution.id, institution.name, institution.country)
    click.echo(f"{made.path.name}  {made.subject}  signs from {made.signs_from.isoformat()}")


@keys.command("import-p12")
@click.argument("institution_id", type=int)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--password", prompt=True, hide_input=True, default="",
              envvar="LMS_P12_PASSWORD", show_default=False,
              help="The PKCS#12 password (asked when not given; also LMS_P12_PASSWORD).")
@with_appcontext
def import_p12(institution_id: int, file: Path, password: str) -> None:
    """Sign a body's PDFs from now on with its own certificate and key (PKCS#12)."""
    _institution(institution_id)
    try:
        made = pki.import_pkcs12(institution_id, file.read_bytes(),
                                 password.encode() if password else None)
    except pki.PkiError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{made.path.name}  {made.subject}  signs from {made.signs_from.isoformat()}")


class _Unreadable(Exception):
    """The PDF or the JWKS could not be read; the message says which and why."""


def _load_jwks(source: str) -> dict:
    if source.startswith(("https://", "http://")):
        try:
            # Only http(s) reaches here, so no file: or other scheme is opened.
            with urllib.request.urlopen(source, timeout=_JWKS_TIMEOUT) as response:  # noqa: S310
                data = json.loads(response.read(1024 * 1024))
        except (OSError, ValueError) as exc:
            raise _Unreadable(f"Cannot read the JWKS at {source}: {exc}") from exc
    else:
        try:
            data = json.loads(Path(source).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise _Unreadable(f"Cannot read the JWKS file {source}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise _Unreadable(f"{source} is not a JWKS (a JSON object with a \"keys\" list).")
    return data


def _date(value: object) -> str:
    return str(value)[:10] if value else "does not expire"


def _read_source(source: str, what: str) -> bytes:
    if source.startswith(("https://", "http://")):
        try:
            # Only http(s) reaches here, so no file: or other scheme is opened.
            with urllib.request.urlopen(source, timeout=_JWKS_TIMEOUT) as response:  # noqa: S310
                return response.read(1024 * 1024)
        except OSError as exc:
            raise _Unreadable(f"Cannot read the {what} at {source}: {exc}") from exc
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        raise _Unreadable(f"Cannot read the {what} file {source}: {exc}") from exc


def _load_anchors(source: str) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(_read_source(source, "CA certificate"))
    except ValueError as exc:
        raise _Unreadable(f"{source} is not a PEM certificate: {exc}") from exc


_PDF_SIGNATURE_PROBLEMS = {
    "altered": "the PDF's digital signature does not match its content: "
               "the file was changed after it was signed",
    "damaged": "the PDF's digital signature cannot be read: the file is damaged or altered",
    "untrusted": "the PDF is signed by a certificate that does not chain to the trusted CA",
}


def _check_pdf_signature(data: bytes, anchors: list[x509.Certificate] | None) -> None:
    """The PDF's own signature, before the credential: exit 1 when it does not hold."""
    sealed = pades.validate(data, anchors)
    if sealed.state in _PDF_SIGNATURE_PROBLEMS:
        click.echo(f"INVALID: {_PDF_SIGNATURE_PROBLEMS[sealed.state]}.", err=True)
        raise SystemExit(EXIT_INVALID)
    if sealed.ok:
        stamp = ", timestamped" if sealed.timestamped else ""
        when = sealed.signed_at.strftime("%Y-%m-%d %H:%M:%S %Z") if sealed.signed_at else "?"
        click.echo(f"PDF signature valid: signed by {sealed.signer} on {when}{stamp}; "
                   "the file is unchanged since.")
    else:
        click.echo("The PDF itself is not signed: only its attached credential is checked, "
                   "not what the page shows.")


@click.command("verify-pdf")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--jwks", "jwks_source", metavar="PATH_OR_URL",
              help="Public keys (JWKS) to check against: a file or an http(s) URL. "
                   "Default: this installation's signing keys.")
@click.option("--ca", "ca_source", metavar="PATH_OR_URL",
              help="CA certificate(s), PEM, that the PDF's signature must chain to: a file "
                   "or an http(s) URL such as https://host/.well-known/lms-ca.pem. "
                   "Default: this installation's CA.")
def verify_pdf(file: Path, jwks_source: str | None, ca_source: str | None) -> None:
    """Check a certificate PDF's digital signature and signed credential, offline."""
    try:
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise _Unreadable(f"Cannot read {file}: {exc.strerror or exc}") from exc
        if not data.lstrip()[:5] == b"%PDF-":
            raise _Unreadable(f"{file} is not a PDF file.")
        jwks = _load_jwks(jwks_source) if jwks_source else None
        anchors = _load_anchors(ca_source) if ca_source else None
    except _Unreadable as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(EXIT_UNREADABLE) from None

    _check_pdf_signature(data, anchors)
    token = extract_credential(data)
    if not token:
        click.echo(f"{file}: no signed credential attached (credential.jwt); "
                   "this PDF cannot be verified offline.", err=True)
        raise SystemExit(EXIT_INVALID)
    if jwks is None:
        jwks = {"keys": [key.public_jwk for key in signing.all_keys()]}
    result = signing.verify_jwt(token, jwks)
    if not result.ok:
        reasons = {
            "malformed": "the attached credential is not a JWT",
            "algorithm": "the credential uses an algorithm other than RS256",
            "unknown_key": f"it was signed with a key (kid {result.kid}) "
                           "that is not in the JWKS",
            "signature": "the signature does not match: the credential was altered",
            "payload": "the signed content is not a JSON object",
        }
        click.echo(f"INVALID: {reasons.get(result.error, result.error)}.", err=True)
        raise SystemExit(EXIT_INVALID)

    credential = result.credential or {}
    issuer = credential.get("issuer")
    issuer_name = issuer.get("name") if isinstance(issuer, dict) else issuer
    lines = [
        ("Holder", credentials.holder_name(credential) or "?"),
        ("Title", credential.get("name") or "?"),
        ("Issuer", issuer_name or "?"),
        ("ID", credentials.certificate_code(credential) or credential.get("id") or "?"),
        ("Valid from", _date(credential.get("validFrom"))),
        ("Valid until", _date(credential.get("validUntil"))),
    ]
    for label, value in lines:
        click.echo(f"{label + ':':<13}{value}")
    click.echo(f"Signature valid (key {result.kid}).")
    click.echo("Revocation is not checked offline: see the verify page for the status.")


# ---------------------------------------------------------------- stored addresses

# Addresses of others that every credential names (JSON-LD contexts, the OB schema).
_EXTERNAL_URLS = frozenset([*credentials.CONTEXT, credentials.SCHEMA,
                            *credentials.EXTENSION_CONTEXT.values()])


@click.group("certificates")
def certificates() -> None:
    """Issued certificates."""


def _urls(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _urls(item)
    elif isinstance(value, list):
        for item in value:
            yield from _urls(item)
    elif isinstance(value, str) and value.startswith(("http://", "https://", "did:web:")):
        yield value


def foreign_urls(snapshot: object, token: str, public_url: str) -> list[str]:
    """The stored addresses of one certificate that are not on ``public_url``."""
    found = [*_urls(snapshot), *_urls(unverified_claims(token))]  # its addresses only
    did = signing.did_web(public_url)
    ours = (public_url + "/", public_url + "#", did + ":", did + "#")
    return sorted({url for url in found if url not in _EXTERNAL_URLS
                   and url != public_url and not url.startswith(ours)})


@certificates.command("check-urls")
@with_appcontext
def check_urls() -> None:
    """List certificates whose stored URLs are not on LMS_PUBLIC_URL (exit 1 if any)."""
    base = public_url()
    rows = db.session.execute(select(Certificate.code, Certificate.snapshot,
                                     Certificate.credential).order_by(Certificate.id))
    checked = wrong = 0
    for code, snapshot, token in rows.yield_per(500):
        checked += 1
        foreign = foreign_urls(snapshot, token or "", base)
        if foreign:
            wrong += 1
            click.echo(f"{code}  {', '.join(foreign)}")
    if wrong:
        click.echo(f"{wrong} of {checked} certificates carry addresses not on {base}.", err=True)
        raise SystemExit(1)
    click.echo(f"All {checked} certificates carry only addresses on {base}.")
