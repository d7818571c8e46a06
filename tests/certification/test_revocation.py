"""Revocation reasons are codes, shown in each reader's language; the note as written."""

from __future__ import annotations

import importlib.util
from datetime import date, datetime
from decimal import Decimal

import flask_migrate
import pytest
import sqlalchemy as sa
from sqlalchemy import select

from lms.assessments.completion import COMPLETED, FAILED, CourseResult, apply_result
from lms.certification import issuance
from lms.certification.models import Certificate
from lms.config import ROOT
from lms.extensions import db
from tests.certification.factories import issue_certificate, make_body, make_program_with_prefix
from tests.conftest import page_text
from tests.factories import (
    enrol,
    insert_old_user,
    make_cohort,
    make_course,
    make_institution,
    make_user,
)
from tests.web.test_migrations import empty_database_url, migrated_app  # noqa: F401

AUTOMATIC = {
    "es": "Motivo: El resultado del curso cambió",
    "fr": "Motif : Le résultat du cours a été modifié",
    "pt": "Motivo: O resultado do curso foi alterado",
}


def _revoked_by_the_course_result() -> Certificate:
    course = make_course(make_program_with_prefix(), hours=45, lessons=0)
    cohort = make_cohort(course, host=make_institution("Centro de Integración Juvenil"))
    enrolment = enrol(cohort, make_user(full_name="Pedro Gómez"))
    for state in (COMPLETED, FAILED):
        apply_result(enrolment, CourseResult(total=Decimal("85"), state=state, required=1,
                                             graded=1), None)
    [certificate] = db.session.scalars(select(Certificate).where(
        Certificate.enrolment_id == enrolment.id))
    return certificate


@pytest.mark.parametrize("language", sorted(AUTOMATIC))
def test_the_automatic_reason_is_shown_in_the_readers_language(client, language):
    certificate = _revoked_by_the_course_result()

    text = page_text(client.get(f"/verify/{certificate.code}",
                                headers={"Accept-Language": language}))

    assert AUTOMATIC[language] in text
    assert "The course result was changed" not in text


def test_the_officers_note_is_shown_as_written_under_the_translated_reason(client):
    certificate = issue_certificate()
    issuance.revoke(certificate, None, "issued_in_error",
                    "Las horas de práctica supervisada no estaban aprobadas.")

    text = page_text(client.get(f"/verify/{certificate.code}", headers={"Accept-Language": "fr"}))

    assert "Motif : Délivré par erreur" in text
    assert "Las horas de práctica supervisada no estaban aprobadas." in text


def test_the_api_gives_the_code_the_translated_reason_and_the_note(client):
    certificate = issue_certificate()
    issuance.revoke(certificate, None, "other", "Identity fraud.")

    body = client.get(f"/api/v1/certificates/{certificate.code}",
                      headers={"Accept-Language": "es"}).get_json()
    listed = client.get(f"/api/v1/issuers/{certificate.issuer_id}/revocations").get_json()

    assert body["revocation"]["code"] == "other"
    assert body["revocation"]["reason"] == "Otro motivo"
    assert body["revocation"]["note"] == "Identity fraud."
    assert listed["revokedCredentials"][0]["revocationReason"] == "Identity fraud."


# ---------------------------------------------------------------- revision 0006


def _revision():
    path = ROOT / "migrations" / "versions" / "0006_revocation_codes.py"
    spec = importlib.util.spec_from_file_location("revision_0006", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("reason", "expected"), [
    ("The course result was changed.", ("course_result_changed", "")),
    ("Fraudulent documents.", ("other", "Fraudulent documents.")),
    ("", ("other", "")),
])
def test_the_revision_maps_free_text_reasons_to_codes(reason, expected):
    assert _revision().mapped(reason) == expected


def test_the_revision_maps_the_stored_rows_and_back(migrated_app):  # noqa: F811
    flask_migrate.upgrade(revision="0005")
    program, body = make_program_with_prefix(), make_body()
    user_id = insert_old_user("old@example.org", "Old Holder")
    db.session.commit()
    table = sa.Table("certificates", sa.MetaData(), autoload_with=db.engine)
    revoked_at = datetime(2026, 1, 5)
    rows = {"valid": (None, ""), "automatic": (revoked_at, "The course result was changed."),
            "by_hand": (revoked_at, "Fraudulent documents.")}
    for number, (name, (when, reason)) in enumerate(rows.items()):
        db.session.execute(sa.insert(table).values(
            id=number + 1, code=name, kind="track", user_id=user_id, program_id=program.id,
            issuer_id=body.id, issued_on=date(2026, 1, 1), valid_from=date(2026, 1, 1),
            hours=1, snapshot={}, credential="", kid="k",
            revoked_at=when, revocation_reason=reason))
    db.session.commit()

    flask_migrate.upgrade(revision="0006")
    stored = {row.code: (row.revocation_code, row.revocation_reason) for row in
              db.session.execute(sa.text("SELECT code, revocation_code, revocation_reason "
                                         "FROM certificates"))}
    assert stored == {"valid": (None, ""), "automatic": ("course_result_changed", ""),
                      "by_hand": ("other", "Fraudulent documents.")}

    db.session.commit()
    flask_migrate.downgrade(revision="0005")
    stored = {code: reason for code, reason in db.session.execute(
        sa.text("SELECT code, revocation_reason FROM certificates"))}
    assert stored == {"valid": "", "automatic": "The course result was changed.",
                      "by_hand": "Fraudulent documents."}
