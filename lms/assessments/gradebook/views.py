"""The gradebook of a cohort, its export, grade overrides, the grading queue and
the trainee's "My assessments" page.

Instructors of a cohort and the coordinators of its program see every grade of
the cohort; a trainee sees only their own (one enrolment, checked on the object).
"""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape

from lms.assessments import completion
from lms.assessments.gradebook import queries
from lms.assessments.gradebook.forms import OverrideForm
from lms.assessments.grades import as_percent, override_grade
from lms.assessments.models import Assessment
from lms.cohorts.models import EnrolmentStatus
from lms.errors import DomainError
from lms.extensions import db
from lms.i18n import decimal_formatter
from lms.web.pages import page_number
from lms.web.permissions import require

bp = Blueprint("gradebook", __name__)


def _decimals():
    """``format_decimal`` for the many numbers of one page, remembering its answers."""
    fast = decimal_formatter()
    known: dict = {}

    def formatted(value) -> str:
        if value not in known:
            known[value] = fast(value)
        return known[value]

    return formatted


def _cohort(cohort_id: int):
    cohort = queries.cohort_with_course(cohort_id)
    if cohort is None:
        abort(404)
    return cohort


def _grading_link(cohort_id: int, submission_id: int) -> str:
    return url_for("assignments.grade", cohort_id=cohort_id, submission_id=submission_id)


# ---------------------------------------------------------------- gradebook

def _grade_cells(rows, formatted) -> list[Markup]:
    """Each row's grade cells as HTML, built here rather than in the template.

    A page of the gradebook has (trainees × assessments) cells: 15,000 for 500 × 30.
    A Jinja loop spends most of the page's time on them; one string per row does
    not. Only numbers and the two translated labels go in, escaped.
    """
    passed = f'<td>{{}} <span class="badge ok">{escape(_("Passed"))}</span></td>'
    failed = f'<td>{{}} <span class="badge bad">{escape(_("Failed"))}</span></td>'
    cells = []
    for row in rows:
        html = "".join(
            "<td></td>" if grade is None
            else (passed if grade.passed else failed).format(formatted(grade.percent))
            for grade in row.cells)
        cells.append(Markup(html))  # noqa: S704 - numbers and escaped labels only
    return cells


@bp.get("/cohorts/<int:cohort_id>/gradebook")
def cohort(cohort_id: int):
    cohort = _cohort(cohort_id)
    require(cohort.can_teach(current_user))
    assessments = queries.assessments_of(cohort.course_id)
    pagination, rows = queries.gradebook(cohort, assessments, page_number())
    formatted = _decimals()
    rows_and_cells = list(zip(rows, _grade_cells(rows, formatted), strict=True))
    return render_template("assessments/gradebook_cohort.html", cohort=cohort,
                           course=cohort.course, assessments=assessments,
                           pagination=pagination, rows=rows_and_cells,
                           format_decimal=formatted)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    """Text as a spreadsheet shows it, never as a formula (CSV injection)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _attendance_cells(summary: queries.AttendanceSummary | None) -> list[str]:
    """Attended, held, excused, percentage; blank when no register lists the trainee."""
    if summary is None:
        return ["", "", "", ""]
    percent = "" if summary.percent is None else str(as_percent(summary.percent))
    return [str(summary.attended), str(summary.held), str(summary.excused), percent]


@bp.get("/cohorts/<int:cohort_id>/gradebook.csv")
def export(cohort_id: int):
    cohort = _cohort(cohort_id)
    require(cohort.can_teach(current_user))
    assessments = queries.assessments_of(cohort.course_id)
    rows = queries.gradebook_all(cohort, assessments)
    # Attendance sits beside the grades: a coordinator checks both per trainee in one sheet.
    attendance = queries.attendance_of_cohort(cohort.id)
    buffer = io.StringIO()
    # The byte-order mark makes Excel read the file as UTF-8 (accents intact).
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([_("Name"), _("Email"), _("Country")]
                    + [_cell(a.in_locale("title")) for a in assessments]
                    + [_("Weighted total"), _("Result"), _("Sessions attended"),
                       _("Sessions held"), _("Excused"), _("Attendance (%)")])
    titles = {state: completion.CourseResult(None, state, 0, 0).title
              for state in (completion.COMPLETED, completion.FAILED, completion.IN_PROGRESS)}
    withdrawn = EnrolmentStatus.WITHDRAWN.title
    for row in rows:
        user = row.enrolment.user
        result = (withdrawn if row.enrolment.status == EnrolmentStatus.WITHDRAWN
                  else titles[row.result.state])
        writer.writerow(
            [_cell(user.full_name), _cell(user.email), user.country or ""]
            + ["" if grade is None else str(grade.percent) for grade in row.cells]
            + ["" if row.result.total is None else str(row.result.total),
               result]
            + _attendance_cells(attendance.get(row.enrolment.id)))
    filename = f"gradebook-{cohort.code}.csv"
    return Response(buffer.getvalue().encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# ---------------------------------------------------------------- override

@bp.route("/cohorts/<int:cohort_id>/grades/<int:enrolment_id>/<int:assessment_id>",
          methods=["GET", "POST"])
def override(cohort_id: int, enrolment_id: int, assessment_id: int):
    cohort = _cohort(cohort_id)
    require(cohort.can_teach(current_user))
    enrolment = queries.enrolment_in(cohort.id, enrolment_id)
    assessment = db.session.get(Assessment, assessment_id)
    if enrolment is None or assessment is None or assessment.course_id != cohort.course_id:
        abort(404)
    grade = queries.grade_of(assessment.id, enrolment.id)
    form = OverrideForm()
    if not form.is_submitted() and grade is not None:
        form.percent.data = grade.percent
    if form.validate_on_submit():
        try:
            override_grade(assessment, enrolment, form.percent.data, actor=current_user,
                           reason=form.reason.data, feedback=(form.feedback.data or "").strip())
        except DomainError as error:
            if error.field in ("percent", "reason"):
                form[error.field].errors = [*form[error.field].errors, error.message]
            else:
                flash(error.message, "error")
        else:
            flash(_("Grade saved."), "success")
            return redirect(url_for(".override", cohort_id=cohort.id,
                                    enrolment_id=enrolment.id, assessment_id=assessment.id))
    status = 422 if form.is_submitted() else 200
    return render_template("assessments/gradebook_override.html", cohort=cohort,
                           enrolment=enrolment, assessment=assessment, grade=grade, form=form,
                           history=queries.grade_history(grade),
                           format_decimal=format_decimal), status


# ---------------------------------------------------------------- grading queue

@bp.get("/grading")
def queue():
    require(current_user.is_authenticated
            and (current_user.is_instructor or current_user.is_coordinator))
    pagination = queries.grading_queue(current_user, page_number())
    links = {s.id: _grading_link(s.enrolment.cohort_id, s.id) for s in pagination.items}
    return render_template("assessments/gradebook_queue.html", pagination=pagination,
                           links=links)


# ---------------------------------------------------------------- my assessments

def _render_assessments(cohort, enrolment, *, own: bool):
    lines, result = queries.my_assessments(enrolment, cohort)
    return render_template("assessments/gradebook_mine.html", cohort=cohort,
                           course=cohort.course, enrolment=enrolment, lines=lines,
                           result=result, own=own, format_decimal=format_decimal,
                           states=_state_titles())


def _state_titles() -> dict[str, str]:
    return {
        queries.NOT_STARTED: _("Not started"),
        queries.STARTED: _("In progress"),
        queries.SUBMITTED: _("Submitted"),
        queries.GRADED: _("Graded"),
        queries.RETURNED: _("Returned for resubmission"),
        queries.OVERDUE: _("Overdue"),
    }


@bp.get("/cohorts/<int:cohort_id>/assessments")
def mine(cohort_id: int):
    cohort = _cohort(cohort_id)
    enrolment = queries.own_enrolment(current_user, cohort.id)
    require(enrolment is not None and enrolment.seated)
    return _render_assessments(cohort, enrolment, own=True)


@bp.get("/cohorts/<int:cohort_id>/gradebook/<int:enrolment_id>")
def trainee(cohort_id: int, enrolment_id: int):
    cohort = _cohort(cohort_id)
    require(cohort.can_teach(current_user))
    enrolment = queries.enrolment_in(cohort.id, enrolment_id)
    if enrolment is None:
        abort(404)
    return _render_assessments(cohort, enrolment, own=False)
