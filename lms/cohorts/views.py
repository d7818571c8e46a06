"""STUB: replaced by the cohorts work."""

from flask import Blueprint

bp = Blueprint("cohorts", __name__)


@bp.get("/dashboard")
def dashboard():
    return "dashboard"


@bp.get("/teaching")
def teaching():
    return "teaching"


@bp.get("/cohorts/<int:cohort_id>")
def cohort(cohort_id):
    return "cohort"


@bp.post("/cohorts/<int:cohort_id>/enrol")
def enrol(cohort_id):
    return "enrol"


@bp.get("/cohorts/<int:cohort_id>/roster")
def roster(cohort_id):
    return "roster"


@bp.get("/cohorts/<int:cohort_id>/lessons/<int:lesson_id>")
def lesson(cohort_id, lesson_id):
    return "lesson"
