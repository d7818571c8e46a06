"""The snapshot: every printed field, worded in each language, frozen at issue."""

from __future__ import annotations

from datetime import date

from lms.catalog.models import ProgramTranslation
from lms.certification.snapshot import build_snapshot
from lms.certification.tracks.models import TrackTranslation
from lms.extensions import db
from tests.certification.factories import eligible_track, issue_certificate, make_eligible
from tests.factories import make_user


def _track_with_spanish():
    track, course = eligible_track(hours=120)
    track.program.translations.append(ProgramTranslation(
        locale="es", name="Programa certificado", description=""))
    track.translations.append(TrackTranslation(
        locale="es", title="Tratamiento, adaptación para México", description="Criterios."))
    db.session.flush()
    return track, course


def test_snapshot_has_every_printed_field_in_four_languages(database):
    track, _course = _track_with_spanish()
    snapshot = build_snapshot(
        code="PRC-7K3M-Q9XD-5", kind="track", holder_name="María José Pérez Núñez",
        hours=120, achievement=track, program=track.program, issuer=track.certifying_body,
        issued_on=date(2026, 5, 4), valid_from=date(2026, 5, 4),
        expires_on=date(2029, 5, 4), country="MX", base="https://lms.example.org")
    assert snapshot["v"] == 2
    assert snapshot["status_index"] is None  # issuance draws it (lms.certification.status_list)
    assert snapshot["code"] == "PRC-7K3M-Q9XD-5"
    assert snapshot["issued_on"] == "2026-05-04" and snapshot["expires_on"] == "2029-05-04"
    assert snapshot["verify_url"] == "https://lms.example.org/verify/PRC-7K3M-Q9XD-5"
    assert snapshot["achievement"] == {"type": "track", "id": track.id, "code": track.code}
    assert snapshot["program"]["prefix"] == track.program.certificate_prefix
    assert set(snapshot["text"]) == {"en", "es", "fr", "pt"}
    en, es = snapshot["text"]["en"], snapshot["text"]["es"]
    assert en["issued"] == "Issued on May 4, 2026"
    assert en["validity"] == "Valid until May 4, 2029"
    assert en["hours"] == "120 hours"
    assert "Mexico" in en["issuer"]
    assert es["title"] == "Tratamiento, adaptación para México"
    assert es["program"] == "Programa certificado"
    assert en["title"] == track.title
    # Dates, country names and sentences follow the language.
    assert "mayo" in es["issued"] and "México" in es["issuer"]
    assert es != en
    assert "mai" in snapshot["text"]["fr"]["issued"]


def test_course_snapshot_does_not_expire(database):
    certificate = issue_certificate(kind="course")
    snapshot = certificate.snapshot
    assert snapshot["kind"] == "course" and snapshot["expires_on"] is None
    assert snapshot["text"]["en"]["validity"] == "Does not expire"
    assert snapshot["hours"] == 30 and snapshot["text"]["en"]["hours"] == "30 hours"


def test_snapshot_keeps_what_was_printed_after_the_catalog_changes(database):
    track, course = eligible_track()
    user = make_eligible(track, course, make_user(full_name="Ana Ruiz"))
    certificate = issue_certificate(user, track=track)
    printed = certificate.snapshot["text"]["en"]["title"]
    track.title = "A new title"
    user.full_name = "Someone Else"
    db.session.flush()
    db.session.expire_all()
    assert certificate.snapshot["text"]["en"]["title"] == printed
    assert certificate.snapshot["holder_name"] == "Ana Ruiz"
