"""STUB: replaced by the cohorts work."""

from flask import Blueprint

bp = Blueprint("cohorts_manage", __name__, url_prefix="/manage")
