"""Certificate signing keys and the VC-JWT (compact JWS, RS256) that carries a credential.

Keys are RSA 2048 private keys, one PEM file each, in ``LMS_SIGNING_KEYS_PATH`` or
``<instance>/keys`` (folder mode 0700, files 0600; never in the repository). Files
are named ``key-NNNN.pem``; the highest number is the newest key and signs, every
key stays published in the JWKS so that certificates signed before a rotation keep
verifying. A key's ``kid`` is its RFC 7638 JWK thumbprint, so it is derived from the
key itself and needs no separate record.

The first key is made on first use by whichever process gets there first: each
writes a complete file under a temporary name and ``os.link``s it to
``key-0001.pem``; ``link`` refuses to replace an existing file, so exactly one wins
and the others load the winner's key (as ``lms.config._dev_secret_key`` does).

Loaded keys are cached per process and per folder, keyed on the folder listing
(names, sizes, modification times): a ``lms keys rotate`` run by another process is
picked up by the next signature, and signing 1,000 credentials parses each PEM once.

Verification needs only the public keys (the app's folder, or a JWKS given by the
caller) and never touches the database, so ``lms verify-pdf`` works offline.

Issuers are also ``did:web`` DIDs (``did_web``): a credential whose issuer is a DID
is signed with the DID URL ``<did>#<thumbprint>`` as its ``kid``, the key's
verification method in the issuer's ``did.json`` (lms.certification.did_views).
Tokens signed before carry the bare thumbprint; both verify. The ``kid`` returned
and stored with a certificate stays the bare thumbprint.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from lms import config as lms_config

ALGORITHM = "RS256"
KEY_SIZE = 2048
# The JWT's registered claims, added to the credential's own members when signing
# and taken off again when verifying (see lms.certification.credential).
REGISTERED_CLAIMS = ("iss", "sub", "jti", "nbf", "exp", "iat", "aud")
_KEY_FILE = re.compile(r"^key-(\d{4,})\.pem$")
_REGISTRY = jws.JWSRegistry(algorithms=[ALGORITHM])

# Why a token did not verify; ``Verified.error`` is one of these keys.
VERIFY_ERRORS = {
    "malformed": _l("This is not a signed credential."),
    "algorithm": _l("The credential is signed with an algorithm we do not accept."),
    "unknown_key": _l("The credential was signed with a key that is not ours."),
    "signature": _l("The signature does not match: the credential was altered."),
    "payload": _l("The signed credential is not readable."),
}


@dataclass(frozen=True)
class SigningKey:
    kid: str
    path: Path
    created: datetime
    key: RSAKey  # private

    @property
    def public_jwk(self) -> dict:
        jwk = self.key.as_dict(private=False)
        return {"kty": jwk["kty"], "n": jwk["n"], "e": jwk["e"], "kid": self.kid,
                "alg": ALGORITHM, "use": "sig"}


@dataclass(frozen=True)
class Verified:
    """The result of checking a VC-JWT. ``ok`` is the signature alone: an expired or
    revoked certificate still has a valid signature (its status says the rest)."""

    ok: bool
    kid: str | None
    credential: dict | None
    error: str | None

    @property
    def message(self) -> str:
        """The failure as a translated sentence ('' when ``ok``)."""
        return str(VERIFY_ERRORS[self.error]) if self.error else ""


class SigningKeyError(RuntimeError):
    """The key folder cannot be used (unreadable file, wrong permissions ...)."""


# ---------------------------------------------------------------- the key folder

def keys_folder() -> Path:
    """Where the private keys live, from the app's configuration."""
    if has_app_context():
        config = current_app.config
        configured = config.get("LMS_SIGNING_KEYS_PATH")
        instance = config.get("INSTANCE_PATH") or current_app.instance_path
    else:
        settings = lms_config.load()
        configured = settings["LMS_SIGNING_KEYS_PATH"]
        instance = settings["INSTANCE_PATH"]
    return Path(configured) if configured else Path(str(instance)) / "keys"


def _ensure_folder(folder: Path) -> None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)


def _listing(folder: Path) -> tuple:
    try:
        entries = [entry for entry in os.scandir(folder) if _KEY_FILE.match(entry.name)]
    except FileNotFoundError:
        return ()
    listing = []
    for entry in entries:
        stat = entry.stat()
        listing.append((entry.name, stat.st_size, stat.st_mtime_ns))
    return tuple(sorted(listing, key=lambda item: int(_KEY_FILE.match(item[0]).group(1))))


def _load(folder: Path, listing: tuple) -> list[SigningKey]:
    loaded = []
    for name, _size, mtime_ns in listing:
        path = folder / name
        try:
            private = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (OSError, ValueError, TypeError) as exc:
            raise SigningKeyError(f"cannot read signing key {path}: {exc}") from exc
        if not isinstance(private, rsa.RSAPrivateKey):
            raise SigningKeyError(f"signing key {path} is not an RSA key")
        key = RSAKey.import_key(private)
        loaded.append(SigningKey(kid=key.thumbprint(), path=path, key=key,
                                 created=datetime.fromtimestamp(mtime_ns / 1e9, UTC)))
    return loaded


_cache: dict[Path, tuple[tuple, list[SigningKey]]] = {}
_lock = threading.Lock()


def all_keys(folder: Path | None = None) -> list[SigningKey]:
    """Every key in the folder, oldest first (no key is created)."""
    folder = folder or keys_folder()
    listing = _listing(folder)
    cached = _cache.get(folder)
    if cached is not None and cached[0] == listing:
        return cached[1]
    with _lock:
        keys = _load(folder, listing)
        _cache[folder] = (listing, keys)
    return keys


def _new_pem() -> bytes:
    private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    return private.private_bytes(serialization.Encoding.PEM,
                                 serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())


def write_new_file(folder: Path, name: str, data: bytes) -> bool:
    """Write ``data`` as ``folder/name`` (0600) unless that name exists; True if written.

    Complete under a temporary name first, then ``os.link``: link refuses to replace, so
    of processes racing to make the same file exactly one wins (keys, the PDF CA).
    """
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".new-", suffix=".tmp")  # mode 0600
    try:
        os.write(fd, data)
        os.fsync(fd)
        os.close(fd)
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, folder / name)
        except FileExistsError:
            return False
        return True
    finally:
        os.unlink(tmp)


def active_key() -> SigningKey:
    """The newest key, which signs; the first one is created on first use."""
    folder = keys_folder()
    keys = all_keys(folder)
    if not keys:
        _ensure_folder(folder)
        # Another process may win this race; either way key-0001.pem now exists.
        write_new_file(folder, "key-0001.pem", _new_pem())
        keys = all_keys(folder)
    return keys[-1]


def rotate() -> str:
    """Add a new key, which signs from now on; returns its kid. Old keys stay."""
    folder = keys_folder()
    _ensure_folder(folder)
    pem = _new_pem()
    while True:
        keys = all_keys(folder)
        number = int(_KEY_FILE.match(keys[-1].path.name).group(1)) + 1 if keys else 1
        if write_new_file(folder, f"key-{number:04d}.pem", pem):
            break
    return all_keys(folder)[-1].kid


def jwks() -> dict:
    """The public keys as a JWK Set, newest first (creating the first key if none)."""
    active_key()
    return {"keys": [key.public_jwk for key in reversed(all_keys())]}


# ---------------------------------------------------------------- signing

# ---------------------------------------------------------------- did:web

def did_web(base_url: str, *path: str) -> str:
    """The did:web DID of ``path`` under ``base_url`` (the public address).

    did:web resolution fetches ``https://<host>/<path...>/did.json``: the host with a
    port has its colon percent-encoded, and each path segment (the public address's
    own path first) becomes one colon-separated part.
    """
    parts = urlsplit(base_url)
    segments = [s for s in parts.path.split("/") if s] + [str(p) for p in path]
    return ":".join(["did:web", quote(parts.netloc, safe="")]
                    + [quote(segment, safe="") for segment in segments])


def did_url(did: str, kid: str) -> str:
    """The verification method of key ``kid`` in the DID document of ``did``."""
    return f"{did}#{kid}"


def _issuer_id(credential: dict) -> str | None:
    issuer = credential.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


# ---------------------------------------------------------------- claims

def _claims(credential: dict) -> dict:
    """The JWT payload: the credential's members plus the registered claims that
    Open Badges 3.0 maps from them (see lms.certification.credential)."""
    claims = dict(credential)
    claims["iss"] = _issuer_id(credential)
    claims["jti"] = credential["id"]
    # A status list credential has no validFrom: it is current whenever fetched.
    if credential.get("validFrom"):
        claims["nbf"] = _timestamp(credential["validFrom"])
    if credential.get("validUntil"):
        claims["exp"] = _timestamp(credential["validUntil"])
    subject_id = (credential.get("credentialSubject") or {}).get("id")
    if subject_id:
        claims["sub"] = subject_id
    return claims


def _timestamp(rfc3339: str) -> int:
    return int(datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp())


def sign_credential(credential: dict) -> tuple[str, str]:
    """Sign ``credential`` with the active key: (compact JWT, kid).

    Deterministic: the payload is canonical JSON (sorted keys, no spaces) and RS256
    (PKCS#1 v1.5) has no randomness, so the same credential and key give the same
    token, and the PDF that embeds it the same bytes.
    """
    key = active_key()
    payload = json.dumps(_claims(credential), ensure_ascii=False, sort_keys=True,
                         separators=(",", ":")).encode()
    issuer = _issuer_id(credential)
    kid = did_url(issuer, key.kid) if isinstance(issuer, str) and issuer.startswith(
        "did:") else key.kid
    header = {"alg": ALGORITHM, "kid": kid, "typ": "JWT"}
    token = jws.serialize_compact(header, payload, key.key, registry=_REGISTRY)
    return token, key.kid


# ---------------------------------------------------------------- verifying

def _public_keys(jwks_: dict) -> dict[str, RSAKey]:
    keys = {}
    for jwk in jwks_.get("keys", []) if isinstance(jwks_, dict) else []:
        if not isinstance(jwk, dict) or jwk.get("kty") != "RSA" or not jwk.get("kid"):
            continue
        if jwk.get("alg", ALGORITHM) != ALGORITHM or jwk.get("use", "sig") != "sig":
            continue
        try:
            keys[jwk["kid"]] = RSAKey.import_key(
                {"kty": "RSA", "n": jwk["n"], "e": jwk["e"], "kid": jwk["kid"]})
        except (JoseError, KeyError, TypeError, ValueError):
            continue
    return keys


def _app_public_keys() -> dict[str, RSAKey]:
    return {key.kid: key.key for key in all_keys()}


def verify_jwt(token: str, jwks: dict | None = None) -> Verified:
    """Check a VC-JWT's algorithm (RS256 only), key (its kid must be in the JWKS) and
    signature. ``jwks`` defaults to this app's keys. Expiry is not checked here: the
    certificate's status reports it, and the signature of an expired credential is
    still good. ``credential`` is the payload without the JWT's registered claims,
    given only when the signature is valid."""
    try:
        if isinstance(token, bytes):
            token = token.decode("ascii")
        token = token.strip()
        obj = jws.extract_compact(token.encode("ascii"))
        header = obj.headers()
    except (JoseError, ValueError, TypeError, AttributeError, UnicodeError):
        return Verified(False, None, None, "malformed")
    kid = header.get("kid") if isinstance(header.get("kid"), str) else None
    # A DID URL names the key by its fragment; the DID must be the token's issuer,
    # checked once the payload is known to be ours.
    did = None
    if kid is not None and "#" in kid:
        did, kid = kid.rsplit("#", 1)
    if header.get("alg") != ALGORITHM:
        return Verified(False, kid, None, "algorithm")
    keys = _public_keys(jwks) if jwks is not None else _app_public_keys()
    if kid is None or kid not in keys:
        return Verified(False, kid, None, "unknown_key")
    try:
        valid = jws.validate_compact(obj, keys[kid], registry=_REGISTRY)
    except (JoseError, ValueError, TypeError):
        valid = False
    if not valid:
        return Verified(False, kid, None, "signature")
    try:
        claims = json.loads(obj.payload)
    except ValueError:
        return Verified(False, kid, None, "payload")
    if not isinstance(claims, dict):
        return Verified(False, kid, None, "payload")
    if did is not None and claims.get("iss") != did:
        return Verified(False, kid, None, "unknown_key")
    credential = {name: value for name, value in claims.items()
                  if name not in REGISTERED_CLAIMS}
    return Verified(True, kid, credential, None)
