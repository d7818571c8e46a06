"""STUB: replaced by the cohorts work."""

from flask import Blueprint

bp = Blueprint("cohorts", __name__)


@bp.get("/dashboard")
def dashboard():
    return "dashboard"


@bp.get("/teaching")
def teaching():
    return "teaching"
