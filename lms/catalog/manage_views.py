"""STUB: replaced by the catalog work."""

from flask import Blueprint

bp = Blueprint("catalog_manage", __name__, url_prefix="/manage")


@bp.get("/courses")
def courses():
    return "manage courses"
