"""The deployment's certificate authority and each issuing body's document-signing certificate.

Every certificate PDF is signed (PAdES, see ``lms.certification.pades``) by the
issuing body's X.509 certificate, which chains to this deployment's own CA; the
CA certificate is published at ``/.well-known/lms-ca.pem`` so that anyone can check
a PDF offline (``lms verify-pdf``, or a PDF reader told to trust it).

The files live in the JWKS key folder (``lms.certification.signing.keys_folder``,
mode 0700), one PEM file each, mode 0600, private key first:

- ``ca.pem``: the CA's key and certificate;
- ``body-<issuer id>-NNNN.pem``: a body's key, its certificate and the chain up to
  (not including) a trust anchor, with a first line ``# signs-from: <ISO time>``.

The CA and a body's first certificate are made on first use, race-safe as the JWKS
keys are (a complete temporary file ``os.link``ed to its name: exactly one process
wins, the others load the winner's file), so ``make run`` needs no set-up step.
``lms keys rotate-body`` adds a newer certificate (rotation) and ``lms keys
import-p12`` a body's own; old files stay, so the PDFs they signed keep validating
and a certificate issued before a rotation is signed again with the same file
(same bytes): each file signs the certificates issued from its ``signs-from`` time
until the next file's.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from flask import current_app, has_app_context

from lms import config as lms_config
from lms.certification import signing
from lms.kernel import clock

CA_FILE = "ca.pem"
_BODY_FILE = re.compile(r"^body-(\d+)-(\d{4,})\.pem$")
_SIGNS_FROM = re.compile(rb"^# signs-from: (\S+)$", re.MULTILINE)
_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z ]+)-----\r?\n.+?-----END \1-----\r?\n?", re.DOTALL)
KEY_SIZE = 2048
# The signing time of a PDF is its certificate's issuance time, which can precede
# the signing certificate (certificates issued before signing existed, demo data):
# certificates made here are valid from this date on.
VALID_FROM = datetime(2020, 1, 1, tzinfo=UTC)
CA_YEARS, BODY_YEARS = 50, 30


class PkiError(RuntimeError):
    """A key file cannot be used, or an imported bundle is not usable."""


@dataclass(frozen=True)
class Credentials:
    """A private key with its certificate and the chain above it (not the anchor)."""

    key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    signs_from: datetime
    path: Path

    @property
    def subject(self) -> str:
        return common_name(self.certificate)


def common_name(certificate: x509.Certificate) -> str:
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else certificate.subject.rfc4514_string()


# ---------------------------------------------------------------- files


def _ensure_folder(folder: Path) -> None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)


def _pem(key: rsa.RSAPrivateKey, certificates: list[x509.Certificate],
         signs_from: datetime | None = None) -> bytes:
    head = b"" if signs_from is None else f"# signs-from: {signs_from.isoformat()}\n".encode()
    body = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
    return head + body + b"".join(c.public_bytes(serialization.Encoding.PEM)
                                  for c in certificates)


def _read(path: Path) -> Credentials:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PkiError(f"cannot read {path}: {exc}") from exc
    blocks = [match.group(0) for match in _PEM_BLOCK.finditer(data)]
    try:
        key = serialization.load_pem_private_key(blocks[0], password=None)
        certificates = [x509.load_pem_x509_certificate(block) for block in blocks[1:]]
    except (IndexError, ValueError, TypeError) as exc:
        raise PkiError(f"{path} is not a key followed by certificates: {exc}") from exc
    if not isinstance(key, rsa.RSAPrivateKey) or not certificates:
        raise PkiError(f"{path} must hold an RSA key and its certificate")
    found = _SIGNS_FROM.search(data)
    signs_from = datetime.fromisoformat(found.group(1).decode()) if found else VALID_FROM
    return Credentials(key, certificates[0], tuple(certificates[1:]), signs_from, path)


# Parsed files, per path and modification: a signature must not re-read its key.
_cache: dict[Path, tuple[tuple[int, int], Credentials]] = {}
_lock = threading.Lock()


def _load(path: Path) -> Credentials:
    stat = path.stat()
    stamp = (stat.st_size, stat.st_mtime_ns)
    cached = _cache.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    credentials = _read(path)
    with _lock:
        _cache[path] = (stamp, credentials)
    return credentials


# ---------------------------------------------------------------- the CA


def _cut(text: str, limit: int = 64) -> str:
    """``text`` within X.520's 64-byte limit (UTF-8), whole characters only."""
    return text.encode()[:limit].decode(errors="ignore").strip() or "?"


def _name(common: str, country: str | None = None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, _cut(common)),
                  x509.NameAttribute(NameOID.ORGANIZATION_NAME, _cut(common))]
    if country and len(country) == 2 and country.isalpha():
        attributes.append(x509.NameAttribute(NameOID.COUNTRY_NAME, country.upper()))
    return x509.Name(attributes)


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)


def _ca_name() -> str:
    settings = current_app.config if has_app_context() else lms_config.load()
    url = str(settings.get("LMS_PUBLIC_URL") or lms_config.DEV_PUBLIC_URL)
    host = url.split("://", 1)[-1].split("/", 1)[0]
    return f"{host} certificate authority"


def _new_ca() -> bytes:
    key = _new_key()
    name = _name(_ca_name())
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(VALID_FROM).not_valid_after(VALID_FROM + timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, key_cert_sign=True, crl_sign=True,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256()))
    return _pem(key, [certificate])


def ca(folder: Path | None = None) -> Credentials:
    """The deployment CA, created on first use."""
    folder = folder or signing.keys_folder()
    path = folder / CA_FILE
    if not path.exists():
        _ensure_folder(folder)
        # Another process may win the race: either CA is fine, the loser reads the winner's.
        signing.write_new_file(folder, CA_FILE, _new_ca())
    return _load(path)


def ca_pem(folder: Path | None = None) -> bytes:
    """The CA certificate, PEM: what verifiers trust."""
    return ca(folder).certificate.public_bytes(serialization.Encoding.PEM)


# ---------------------------------------------------------------- issuing bodies


def body_files(issuer_id: int, folder: Path | None = None) -> list[Credentials]:
    """The body's signing certificates, oldest first (none is created)."""
    folder = folder or signing.keys_folder()
    try:
        names = [entry.name for entry in os.scandir(folder)]
    except FileNotFoundError:
        return []
    numbered = []
    for name in names:
        match = _BODY_FILE.match(name)
        if match and int(match.group(1)) == issuer_id:
            numbered.append((int(match.group(2)), name))
    return [_load(folder / name) for _number, name in sorted(numbered)]


def all_body_files(folder: Path | None = None) -> list[tuple[int, Credentials]]:
    """Every body's certificates: (issuer id, credentials), by body then age."""
    folder = folder or signing.keys_folder()
    try:
        ids = sorted({int(m.group(1)) for entry in os.scandir(folder)
                      if (m := _BODY_FILE.match(entry.name))})
    except FileNotFoundError:
        return []
    return [(issuer_id, found) for issuer_id in ids for found in body_files(issuer_id, folder)]


def _add_body_file(issuer_id: int, pem: bytes, folder: Path) -> Path:
    _ensure_folder(folder)
    while True:
        existing = body_files(issuer_id, folder)
        number = int(_BODY_FILE.match(existing[-1].path.name).group(2)) + 1 if existing else 1
        name = f"body-{issuer_id}-{number:04d}.pem"
        if signing.write_new_file(folder, name, pem):
            return folder / name


def _body_pem(name: str, country: str | None, signs_from: datetime, folder: Path) -> bytes:
    authority = ca(folder)
    key = _new_key()
    certificate = (
        x509.CertificateBuilder().subject_name(_name(name, country))
        .issuer_name(authority.certificate.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(VALID_FROM)
        .not_valid_after(clock.now() + timedelta(days=365 * BODY_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True,
                                     key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, key_cert_sign=False, crl_sign=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            authority.key.public_key()), critical=False)
        .sign(authority.key, hashes.SHA256()))
    return _pem(key, [certificate], signs_from)


def new_body_certificate(issuer_id: int, name: str, country: str | None = None,
                         signs_from: datetime | None = None,
                         folder: Path | None = None) -> Credentials:
    """A new signing certificate for the body (rotation): it signs what is issued from now."""
    folder = folder or signing.keys_folder()
    since = signs_from or clock.now().replace(microsecond=0)
    return _load(_add_body_file(issuer_id, _body_pem(name, country, since, folder), folder))


def import_pkcs12(issuer_id: int, data: bytes, password: bytes | None,
                  folder: Path | None = None) -> Credentials:
    """Add a body's own certificate and key (PKCS#12); it signs what is issued from now."""
    try:
        key, certificate, extra = pkcs12.load_key_and_certificates(data, password)
    except (ValueError, TypeError) as exc:
        raise PkiError(f"cannot read the PKCS#12 file (wrong password?): {exc}") from exc
    if not isinstance(key, rsa.RSAPrivateKey) or certificate is None:
        raise PkiError("the PKCS#12 file must hold an RSA private key and its certificate")
    folder = folder or signing.keys_folder()
    since = clock.now().replace(microsecond=0)
    pem = _pem(key, [certificate, *(extra or [])], since)
    return _load(_add_body_file(issuer_id, pem, folder))


def signer_for(issuer: dict, signing_time: datetime,
               folder: Path | None = None) -> Credentials:
    """The body's certificate for a PDF issued at ``signing_time``: the newest whose
    ``signs-from`` is not after it (else the oldest); the first is created on first use."""
    folder = folder or signing.keys_folder()
    issuer_id = int(issuer.get("id") or 0)
    found = body_files(issuer_id, folder)
    if not found:
        pem = _body_pem(str(issuer.get("name") or f"Issuer {issuer_id}"), issuer.get("country"),
                        VALID_FROM, folder)
        _ensure_folder(folder)
        # A race: the winner's file serves.
        signing.write_new_file(folder, f"body-{issuer_id}-0001.pem", pem)
        found = body_files(issuer_id, folder)
    chosen = found[0]
    for candidate in found[1:]:
        if candidate.signs_from <= signing_time:
            chosen = candidate
    return chosen


def trust_anchors(folder: Path | None = None) -> list[x509.Certificate]:
    """What a PDF's signature must chain to: the CA, and the top of each imported chain."""
    folder = folder or signing.keys_folder()
    anchors = [ca(folder).certificate]
    ca_subject = anchors[0].subject
    for _issuer_id, found in all_body_files(folder):
        top = found.chain[-1] if found.chain else found.certificate
        if top.issuer != ca_subject and top not in anchors:
            anchors.append(top)
    return anchors
