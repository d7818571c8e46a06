"""What other pages' templates ask of evaluations: the cohort page and the trainee's home
show "Evaluate this course" until the person has answered."""

from __future__ import annotations

from flask import Flask
from flask_login import current_user

from lms.evaluations import queries
from lms.evaluations.models import EvaluationKind


def _kind_title(kind: str) -> str:
    return EvaluationKind(kind).title


def pending_evaluations() -> list:
    """The signed-in person's finished enrolments still to evaluate (one query)."""
    return queries.pending_end_evaluations(current_user)


def evaluation_pending(cohort_id: int) -> bool:
    return queries.evaluation_pending(current_user, cohort_id)


def init_app(app: Flask) -> None:
    app.add_template_filter(_kind_title, "evaluation_kind_title")
    app.add_template_global(pending_evaluations, "pending_evaluations")
    app.add_template_global(evaluation_pending, "evaluation_pending")
