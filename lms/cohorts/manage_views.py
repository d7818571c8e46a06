"""STUB: replaced by the cohorts work."""

from flask import Blueprint

bp = Blueprint("cohorts_manage", __name__, url_prefix="/manage")


@bp.route("/courses/<int:course_id>/cohorts/new", methods=["GET", "POST"])
def new_cohort(course_id):
    return "new cohort"


@bp.route("/cohorts/<int:cohort_id>", methods=["GET", "POST"])
def edit_cohort(cohort_id):
    return "edit cohort"


@bp.route("/import", methods=["GET", "POST"])
def import_csv():
    return "import"
