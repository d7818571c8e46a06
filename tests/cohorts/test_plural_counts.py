"""Counts take the plural form their number needs ("1 inscripción", not "Inscripciones: 1"
nor "los 1 participantes"): every count goes through ngettext."""

from __future__ import annotations

import pytest

from tests.assessments.factories import make_assessment
from tests.conftest import page_text
from tests.conftest import sign_in_quickly as login
from tests.factories import enrol, make_cohort, make_user

# (trainees, on the roster, on the gradebook), as a Spanish-speaking instructor reads them.
SPANISH = [(1, "1 inscripción", "1 participante"),
           (2, "2 inscripciones", "2 participantes")]


@pytest.mark.parametrize(("trainees", "roster", "gradebook"), SPANISH)
def test_roster_and_gradebook_counts_agree_with_their_number_in_spanish(
        client, database, trainees, roster, gradebook):
    instructor = make_user(locale="es")
    cohort = make_cohort(instructors=[instructor])
    for _ in range(trainees):
        enrol(cohort)
    login(client, instructor)

    roster_text = page_text(client.get(f"/cohorts/{cohort.id}/roster"))
    gradebook_text = page_text(client.get(f"/cohorts/{cohort.id}/gradebook"))

    assert roster in roster_text and "Inscripciones:" not in roster_text
    assert gradebook in gradebook_text
    if trainees == 1:
        assert "1 participantes" not in gradebook_text
        assert "1 inscripciones" not in roster_text


@pytest.mark.parametrize(("required", "expected"), [
    (1, "0 de 1 evaluación obligatoria calificada"),
    (2, "0 de 2 evaluaciones obligatorias calificadas")])
def test_the_trainees_graded_count_agrees_with_its_number_in_spanish(
        client, database, required, expected):
    cohort = make_cohort()
    for position in range(required):
        make_assessment(cohort.course, "assignment", title=f"Essay {position}",
                        position=position + 1)
    trainee = make_user(locale="es")
    enrol(cohort, trainee)
    login(client, trainee)

    assert expected in page_text(client.get(f"/cohorts/{cohort.id}/assessments"))
