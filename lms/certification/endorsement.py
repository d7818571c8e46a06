"""The program owner's endorsements of a track (Open Badges 3.0 EndorsementCredential).

The OAS owns the programs; an administrator or a coordinator of the track's program
(``track.can_manage``) acts for it and endorses the achievement a certifying body
awards (the track). The endorsement is its own signed credential, not a change to
the certificates: its ``credentialSubject`` is an ``EndorsementSubject`` whose ``id``
is the track's achievement id (the same URL the holders' credentials carry, see
``lms.certification.credential.achievement_url``), so a verifier joins the two on
that id. It is signed with the same keys as the certificates (``signing``), stored
(``Endorsement``), shown on ``/verify/<code>`` and in the API's certificate record,
and withdrawable: a withdrawn endorsement keeps its row and stops being shown.

Writes flush, never commit (the request commits), and are audited.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from lms.audit import services as audit
from lms.certification import credential as ob
from lms.certification import signing
from lms.certification.models import Certificate, Endorsement
from lms.certification.tracks.models import Track
from lms.errors import DomainError, clean_text, has_markup_or_hidden
from lms.extensions import db
from lms.kernel import clock
from lms.web.urls import public_url

# The endorser: the organisation that owns the programs, as it names itself.
OWNER_NAME = "Organization of American States (OAS)"
MAX_COMMENT = 1000
SCHEMA = ("https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
          "ob_v3p0_endorsementcredential_schema.json")


def _timestamp(moment: datetime) -> str:
    return clock.as_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def owner_profile(base_url: str) -> dict:
    """The endorser's Profile: the site itself speaks for the program owner."""
    return {"id": f"{base_url}/", "type": ["Profile"], "name": OWNER_NAME}


def build_credential(track: Track, comment: str, endorsed_at: datetime,
                     base_url: str) -> dict:
    """The unsigned EndorsementCredential of ``track``'s achievement."""
    return {
        "@context": list(ob.CONTEXT),
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "issuer": owner_profile(base_url),
        "validFrom": _timestamp(endorsed_at),
        "name": f"{OWNER_NAME} endorsement of {track.title}",
        "credentialSubject": {
            "id": ob.achievement_url(base_url, "track", track.id),
            "type": ["EndorsementSubject"],
            "endorsementComment": comment,
        },
        "credentialSchema": [{"id": SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }


def _clean_comment(comment: str | None) -> str:
    text = clean_text(comment, "comment", MAX_COMMENT)
    if has_markup_or_hidden(text.replace("\n", " ").replace("\r", " ").replace("\t", " ")):
        raise DomainError(_("The comment cannot contain the characters < > { } or "
                            "invisible control characters."), field="comment")
    return text


def endorse(track: Track, actor, comment: str | None) -> Endorsement:
    """Sign and store an endorsement of ``track`` by the program owner."""
    if not track.can_manage(actor):
        raise DomainError(_("Only the program owner can endorse this track."))
    text = _clean_comment(comment)
    if active_for_track(track.id):
        raise DomainError(_("This track is already endorsed. Withdraw the endorsement "
                            "first to endorse it again."))
    now = clock.now()
    token, kid = signing.sign_credential(build_credential(track, text, now, public_url()))
    row = Endorsement(track_id=track.id, comment=text, credential=token, kid=kid,
                      endorsed_by_id=actor.id, endorsed_at=now)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "endorsement.created", row,
                 after={"track_id": track.id, "comment": text, "kid": kid})
    return row


def withdraw(row: Endorsement, actor) -> None:
    """Stop showing an endorsement; the row and its credential stay on record."""
    track = db.session.get(Track, row.track_id)
    if track is None or not track.can_manage(actor):
        raise DomainError(_("Only the program owner can withdraw this endorsement."))
    if row.withdrawn_at is not None:
        raise DomainError(_("This endorsement was already withdrawn."))
    row.withdrawn_at = clock.now()
    row.withdrawn_by_id = actor.id
    db.session.flush()
    audit.record(actor, "endorsement.withdrawn", row, before={"withdrawn_at": None},
                 after={"withdrawn_at": row.withdrawn_at.isoformat()})


# ---------------------------------------------------------------- reads


def of_track(track_id: int) -> list[Endorsement]:
    """Every endorsement of a track, withdrawn ones included, newest first."""
    return list(db.session.scalars(
        select(Endorsement).where(Endorsement.track_id == track_id)
        .order_by(Endorsement.endorsed_at.desc(), Endorsement.id.desc())))


def active_for_track(track_id: int) -> list[Endorsement]:
    return list(db.session.scalars(
        select(Endorsement).where(Endorsement.track_id == track_id,
                                  Endorsement.withdrawn_at.is_(None))
        .order_by(Endorsement.endorsed_at, Endorsement.id)))


@dataclass(frozen=True)
class Shown:
    """An endorsement as the public sees it: who, when, what they said, the credential."""

    endorser: str
    endorsed_on: str  # ISO date
    endorsed_at: datetime
    comment: str
    credential: str

    def as_json(self) -> dict:
        return {"endorser": self.endorser, "endorsed_on": self.endorsed_on,
                "comment": self.comment, "credential": self.credential}


def _shown(rows) -> list[Shown]:
    return [Shown(OWNER_NAME, clock.as_utc(row.endorsed_at).date().isoformat(),
                  clock.as_utc(row.endorsed_at), row.comment, row.credential)
            for row in rows]


def for_certificate(certificate: Certificate) -> list[Shown]:
    """The active endorsements of the certificate's achievement (tracks only)."""
    if certificate.track_id is None:
        return []
    return _shown(active_for_track(certificate.track_id))


def for_code(code: str) -> list[Shown]:
    """The same for a canonical ID, in one statement (the API's record)."""
    rows = db.session.execute(
        select(Endorsement.endorsed_at, Endorsement.comment, Endorsement.credential)
        .join(Certificate, Certificate.track_id == Endorsement.track_id)
        .where(Certificate.code == code, Endorsement.withdrawn_at.is_(None))
        .order_by(Endorsement.endorsed_at, Endorsement.id)).all()
    return _shown(rows)
