"""W3C Bitstring Status Lists: each issuer's revocation (and suspension) list.

Every certificate issued from snapshot version 2 on holds a position
(``Certificate.status_index``) in its issuer's lists, and its credential points to
the revocation list there (a ``BitstringStatusListEntry``). Revoking a certificate
sets that bit. A verifier fetches the whole list, the same for everybody, so it
tells us nothing about which certificate it checks.

Decisions:

- Positions are drawn at random, not in sequence: a sequential index would tell
  anyone holding two credentials which was issued first and roughly how many the
  issuer has issued (the spec's herd-privacy concern). They are drawn from a range
  at least twice the number of positions in use, so a draw rarely hits a taken one,
  and a list is never shorter than the spec's 131,072 bits (16 KB); an issuer with
  more than 65,536 certificates gets a longer list, in steps of doubling.
- Unique per issuer by a database constraint. Two transactions issuing for the same
  issuer at once (two issue-all jobs) cannot see each other's draws; the loser's
  INSERT fails on the constraint, its savepoint is rolled back and it draws again
  (``with_indexes``), now seeing the winner's committed positions.
- The list is built from the database when requested (one indexed query and a
  signature, a few milliseconds) and served with an ETag and ``Cache-Control:
  max-age=300`` (``TTL_SECONDS``, also the credential's ``ttl``): a revocation
  reaches verifiers within five minutes, and nothing has to be invalidated.
- Suspension: the app has no suspension (a certificate is valid, expired, revoked
  or superseded, and revoking is final), so the suspension list exists, is signed
  and is all zeros. Credentials reference only the revocation list, because Open
  Badges 3.0 allows one ``credentialStatus`` and its JSON schema, which the
  credential declares, wants a single object; a list that can never be set would
  tell a verifier nothing.
- A superseded certificate (name corrected) is not revoked: its bit stays 0, and the
  verification page says it was replaced.
- Certificates issued before (snapshot version 1) keep the 1EdTech revocation list
  their signed credential names; that list still lists every revocation.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import secrets
from collections.abc import Callable, Iterable
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms.certification.models import Certificate
from lms.certification.signing import did_web, sign_credential
from lms.extensions import db

T = TypeVar("T")

MIN_BITS = 131_072  # the spec's minimum, 16 KB
PURPOSES = ("revocation", "suspension")
TTL_SECONDS = 300
ATTEMPTS = 5
VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"


# ---------------------------------------------------------------- addresses

def issuer_did(base_url: str, issuer_id: int) -> str:
    """The issuer's did:web, whose did.json is served at <base>/issuers/<id>/did.json."""
    return did_web(base_url.rstrip("/"), "issuers", str(issuer_id))


def list_url(base_url: str, issuer_id: int, purpose: str = "revocation") -> str:
    return f"{base_url.rstrip('/')}/issuers/{issuer_id}/status/{purpose}"


def entry(base_url: str, issuer_id: int, index: int, purpose: str = "revocation") -> dict:
    """The ``credentialStatus`` of a credential at ``index`` in the issuer's list."""
    url = list_url(base_url, issuer_id, purpose)
    return {"id": f"{url}#{index}", "type": "BitstringStatusListEntry",
            "statusPurpose": purpose, "statusListIndex": str(index),
            "statusListCredential": url}


# ---------------------------------------------------------------- the bitstring

def list_bits(highest_index: int | None) -> int:
    """The list's length: 131,072 bits, doubled until it holds ``highest_index``."""
    bits = MIN_BITS
    while highest_index is not None and highest_index >= bits:
        bits *= 2
    return bits


def encode(indexes: Iterable[int], bits: int = MIN_BITS) -> str:
    """The ``encodedList``: multibase base64url (prefix ``u``, no padding) of the GZIP
    of the bitstring, index 0 being the first byte's most significant bit."""
    data = bytearray(bits // 8)
    for index in indexes:
        data[index // 8] |= 0x80 >> (index % 8)
    # mtime 0: the same bits always give the same bytes, hence the same signature.
    # Level 6: gzip's default 9 spends 15 times longer (about 30 ms against 2 for a
    # 16 KB list with 1,000 bits set) to save a sixth of a 2 KB answer.
    packed = gzip.compress(bytes(data), compresslevel=6, mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def decode(encoded: str) -> bytes:
    """The bitstring of an ``encodedList`` (what a verifier does)."""
    if not encoded.startswith("u"):
        raise ValueError("not a base64url multibase value")
    text = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


def bit(bitstring: bytes, index: int) -> bool:
    return bool(bitstring[index // 8] & (0x80 >> (index % 8)))


# ---------------------------------------------------------------- allocating positions

def _taken(issuer_id: int) -> set[int]:
    return set(db.session.scalars(select(Certificate.status_index).where(
        Certificate.issuer_id == issuer_id, Certificate.status_index.is_not(None))))


def draw(issuer_id: int, count: int) -> list[int]:
    """``count`` free positions in the issuer's list, at random."""
    taken = _taken(issuer_id)
    span = MIN_BITS
    while (len(taken) + count) * 2 > span:
        span *= 2
    chosen: set[int] = set()
    while len(chosen) < count:
        index = secrets.randbelow(span)
        if index not in taken:
            chosen.add(index)
    result = list(chosen)
    secrets.SystemRandom().shuffle(result)  # a set's order would follow the values
    return result


def with_indexes(issuer_id: int, count: int, make: Callable[[list[int]], T]) -> T:
    """``make(indexes)`` (which inserts the certificates) in a savepoint, with
    ``count`` fresh positions; drawn again if a concurrent transaction took one."""
    for attempt in range(ATTEMPTS):
        indexes = draw(issuer_id, count)
        try:
            with db.session.begin_nested():
                return make(indexes)
        except IntegrityError:
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


# ---------------------------------------------------------------- the list credential

def has_issued(issuer_id: int) -> bool:
    return db.session.scalar(select(Certificate.id).where(
        Certificate.issuer_id == issuer_id).limit(1)) is not None


def set_indexes(issuer_id: int, purpose: str) -> list[int]:
    """The positions whose bit is set: revoked certificates; nothing is ever suspended."""
    if purpose != "revocation":
        return []
    return list(db.session.scalars(select(Certificate.status_index).where(
        Certificate.issuer_id == issuer_id, Certificate.status_index.is_not(None),
        Certificate.revoked_at.is_not(None))))


def list_credential(base_url: str, issuer_id: int, purpose: str) -> dict:
    """The unsigned ``BitstringStatusListCredential`` as the database has it now."""
    highest = db.session.scalar(select(func.max(Certificate.status_index)).where(
        Certificate.issuer_id == issuer_id))
    url = list_url(base_url, issuer_id, purpose)
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_did(base_url, issuer_id),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encode(set_indexes(issuer_id, purpose), list_bits(highest)),
            "ttl": TTL_SECONDS * 1000,  # milliseconds, per the spec
        },
    }


def signed_list(base_url: str, issuer_id: int, purpose: str) -> tuple[str, str]:
    """(VC-JWT of the list, its ETag). The same bits and key give the same token."""
    token, _kid = sign_credential(list_credential(base_url, issuer_id, purpose))
    return token, hashlib.sha256(token.encode("ascii")).hexdigest()[:32]
