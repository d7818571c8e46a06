"""STUB: replaced by the catalog work."""

from flask import Blueprint

bp = Blueprint("catalog", __name__)


@bp.get("/courses")
def courses():
    return "courses"


@bp.get("/courses/<code>")
def course(code):
    return "course"
