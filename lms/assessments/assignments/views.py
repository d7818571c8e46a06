"""Assignments: the trainee's page and submission, the file download, grading, the rubric."""

from __future__ import annotations

from decimal import Decimal

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lms.assessments.assignments import queries, services, uploads
from lms.assessments.assignments.forms import (
    LEVELS_PER_CRITERION,
    NEW_CRITERIA_BLOCKS,
    GradeForm,
    ReturnForm,
    RubricForm,
    SubmitForm,
)
from lms.assessments.assignments.models import Submission, SubmissionStatus
from lms.assessments.grades import window_for
from lms.assessments.models import Assessment
from lms.catalog.markdown import render as render_markdown
from lms.cohorts.models import Cohort, Enrolment
from lms.errors import DomainError
from lms.web.errors import render_error
from lms.web.input import bounded_int
from lms.web.pages import UNPROCESSABLE, page_number, show_refusal
from lms.web.permissions import require

bp = Blueprint("assignments", __name__)


SUBMISSION_STATUS_TITLES = {
    SubmissionStatus.SUBMITTED: _l("Submitted"),
    SubmissionStatus.RETURNED: _l("Returned for resubmission"),
    SubmissionStatus.GRADED: _l("Graded"),
}


bp.add_app_template_global(uploads.human_size, "assignment_file_size")


@bp.app_template_global()
def assignment_status_title(status: str) -> str:
    return str(SUBMISSION_STATUS_TITLES.get(SubmissionStatus(status), status))


def _assignment_in_cohort(cohort_id: int, assessment_id: int) -> tuple[Cohort, Assessment]:
    cohort = queries.cohort(cohort_id) or abort(404)
    assessment = queries.assignment(assessment_id) or abort(404)
    if assessment.course_id != cohort.course_id:
        abort(404)  # not an assignment of this cohort's course
    return cohort, assessment


def _seated_trainee(cohort: Cohort) -> Enrolment | None:
    enrolment = queries.enrolment_of(current_user, cohort.id)
    return enrolment if enrolment is not None and enrolment.seated else None


def _render_assignment(cohort: Cohort, assessment: Assessment, trainee: Enrolment | None,
                       teaches: bool, form: SubmitForm | None = None, status: int = 200):
    opens_at, due_at = window_for(assessment, cohort)
    submission = grade = None
    chosen: dict[int, int] = {}
    if trainee is not None:
        submission = queries.submission_for(assessment.id, trainee.id)
        if submission is not None and submission.status == SubmissionStatus.GRADED:
            grade = queries.grade_for(assessment.id, trainee.id)
            chosen = queries.chosen_levels(submission.id)
    may_submit = trainee is not None and services.can_submit(submission)
    if may_submit and form is None:
        form = SubmitForm()
    pagination = queries.cohort_submissions(assessment.id, cohort.id, page_number()) \
        if teaches else None
    return render_template(
        "assessments/assignment_page.html", cohort=cohort, course=cohort.course,
        assessment=assessment, instructions=render_markdown(assessment.in_locale("instructions")),
        opens_at=opens_at, due_at=due_at, trainee=trainee, submission=submission, grade=grade,
        chosen=chosen, form=form if may_submit else None, teaches=teaches,
        can_manage=assessment.can_manage(current_user), pagination=pagination,
        max_size=uploads.human_size(current_app.config["LMS_MAX_UPLOAD_BYTES"]),
        format_decimal=format_decimal), status


@bp.get("/cohorts/<int:cohort_id>/assignments/<int:assessment_id>")
def assignment(cohort_id: int, assessment_id: int):
    cohort, assessment = _assignment_in_cohort(cohort_id, assessment_id)
    trainee = _seated_trainee(cohort)
    teaches = cohort.can_teach(current_user)
    require(teaches or (trainee is not None and assessment.published))
    return _render_assignment(cohort, assessment, trainee, teaches)


@bp.post("/cohorts/<int:cohort_id>/assignments/<int:assessment_id>/submit")
def submit(cohort_id: int, assessment_id: int):
    cohort, assessment = _assignment_in_cohort(cohort_id, assessment_id)
    trainee = _seated_trainee(cohort)
    require(trainee is not None and assessment.published)
    form = SubmitForm()
    if form.validate_on_submit():
        max_bytes = current_app.config["LMS_MAX_UPLOAD_BYTES"]
        sent = form.file.data
        upload = None
        if sent is not None and getattr(sent, "filename", ""):
            # One byte more than allowed is enough to know it is too large.
            upload = services.Upload(sent.filename, sent.read(max_bytes + 1))
        try:
            submission = services.submit(current_user, assessment, trainee,
                                         text=form.text.data or "", upload=upload,
                                         max_bytes=max_bytes)
        except DomainError as error:
            show_refusal(form, error)
        else:
            if submission.late:
                flash(_("Your work was submitted after the due date."), "warning")
            else:
                flash(_("Your work was submitted."), "success")
            return redirect(url_for(".assignment", cohort_id=cohort.id,
                                    assessment_id=assessment.id))
    return _render_assignment(cohort, assessment, trainee, cohort.can_teach(current_user),
                              form, UNPROCESSABLE)


@bp.errorhandler(413)
def _too_large(_error):
    """A body over MAX_CONTENT_LENGTH: say so on the assignment page, not a bare 413."""
    args = request.view_args or {}
    if request.endpoint != "assignments.submit" or not current_user.is_authenticated:
        return render_error(413)
    cohort = queries.cohort(args.get("cohort_id", 0))
    assessment = queries.assignment(args.get("assessment_id", 0))
    trainee = _seated_trainee(cohort) if cohort is not None else None
    if assessment is None or trainee is None or assessment.course_id != cohort.course_id:
        return render_error(413)
    # The body was not read (it is too large), so the form starts empty.
    form = SubmitForm(formdata=None)
    form.file.errors = [_("The file is too large. The largest file accepted is %(size)s.",
                          size=uploads.human_size(current_app.config["LMS_MAX_UPLOAD_BYTES"]))]
    return _render_assignment(cohort, assessment, trainee, cohort.can_teach(current_user),
                              form, 413)


@bp.get("/cohorts/<int:cohort_id>/submissions/<int:submission_id>/file")
def download(cohort_id: int, submission_id: int):
    submission = queries.submission_in_cohort(submission_id, cohort_id) or abort(404)
    # The submitting trainee, the cohort's instructors and coordinators; nobody else.
    require(submission.enrolment.can_view(current_user))
    if not submission.stored_name:
        abort(404)
    try:
        path = uploads.path_of(submission.stored_name)
    except ValueError:
        abort(404)
    if not path.is_file():
        abort(404)
    # Names stored before bidi and format characters were stripped are cleaned here too.
    name = uploads.display_name(submission.file_name or "") or "file"
    if uploads.unsafe_to_serve(path, name):
        # The upload refusals speak to the trainee who sends the file; this reader
        # is usually a grader, who can only ask for it again.
        flash(_("This file is not offered for download: it is damaged, or it unpacks to "
                "far more than a document does. Ask the trainee to send it again."), "error")
        return redirect(url_for(".assignment", cohort_id=cohort_id,
                                assessment_id=submission.assessment_id), 303)
    response = send_file(path, mimetype=uploads.download_type(submission.content_type),
                         as_attachment=True, download_name=name, max_age=0)
    # Set again: send_file adds its own charset to text types.
    response.headers["Content-Type"] = uploads.download_type(submission.content_type)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------- grading

def _posted_choices(assessment: Assessment) -> dict[int, int]:
    choices: dict[int, int] = {}
    for criterion in assessment.criteria:
        # bounded_int, not str.isdigit: "²" is a digit that int() refuses.
        level_id = bounded_int(request.form.get(f"criterion-{criterion.id}"))
        if level_id is not None:
            choices[criterion.id] = level_id
    return choices


def _graded_submission(cohort_id: int, submission_id: int) -> tuple[Cohort, Submission]:
    cohort = queries.cohort(cohort_id) or abort(404)
    require(cohort.can_teach(current_user))
    submission = queries.submission_in_cohort(submission_id, cohort.id) or abort(404)
    return cohort, submission


def _render_grade(cohort: Cohort, submission: Submission, form: GradeForm,
                  return_form: ReturnForm, chosen: dict[int, int], rubric_errors: list[str],
                  status: int = 200):
    assessment = queries.assignment(submission.assessment_id) or abort(404)
    grade = queries.grade_for(assessment.id, submission.enrolment_id)
    opens_at, due_at = window_for(assessment, cohort)
    return render_template(
        "assessments/assignment_grade.html", cohort=cohort, course=cohort.course,
        assessment=assessment, submission=submission, trainee=submission.enrolment.user,
        grade=grade, due_at=due_at, criteria=services.graded_criteria(assessment),
        chosen=chosen, rubric_errors=rubric_errors, form=form, return_form=return_form,
        format_decimal=format_decimal), status


@bp.route("/cohorts/<int:cohort_id>/submissions/<int:submission_id>/grade",
          methods=["GET", "POST"])
def grade(cohort_id: int, submission_id: int):
    cohort, submission = _graded_submission(cohort_id, submission_id)
    assessment = queries.assignment(submission.assessment_id) or abort(404)
    return_form = ReturnForm(formdata=None)
    if request.method == "GET":
        existing = queries.grade_for(assessment.id, submission.enrolment_id)
        form = GradeForm(formdata=None)
        if existing is not None:
            form.percent.data = Decimal(existing.percent)
            form.feedback.data = existing.feedback
        return _render_grade(cohort, submission, form, return_form,
                             queries.chosen_levels(submission.id), [])
    form = GradeForm()
    chosen = _posted_choices(assessment)
    rubric_errors: list[str] = []
    if form.validate_on_submit():
        try:
            result = services.grade(current_user, submission, choices=chosen,
                                    percent=form.percent.data, feedback=form.feedback.data or "",
                                    reason=form.reason.data or "")
        except DomainError as error:
            if error.field == "rubric":
                rubric_errors.append(error.message)
            else:
                show_refusal(form, error)
        else:
            flash(_("Grade saved for %(name)s: %(percent)s%%.",
                    name=submission.enrolment.user.full_name,
                    percent=format_decimal(result.percent)), "success")
            return redirect(url_for(".assignment", cohort_id=cohort.id,
                                    assessment_id=assessment.id))
    return _render_grade(cohort, submission, form, return_form, chosen, rubric_errors,
                         UNPROCESSABLE)


@bp.post("/cohorts/<int:cohort_id>/submissions/<int:submission_id>/return")
def return_submission(cohort_id: int, submission_id: int):
    cohort, submission = _graded_submission(cohort_id, submission_id)
    return_form = ReturnForm()
    if return_form.validate_on_submit():
        try:
            services.return_submission(current_user, submission, return_form.message.data)
        except DomainError as error:
            show_refusal(return_form, error)
        else:
            flash(_("The submission of %(name)s was returned for resubmission.",
                    name=submission.enrolment.user.full_name), "success")
            return redirect(url_for(".assignment", cohort_id=cohort.id,
                                    assessment_id=submission.assessment_id))
    return _render_grade(cohort, submission, GradeForm(formdata=None), return_form,
                         queries.chosen_levels(submission.id), [], UNPROCESSABLE)


# ---------------------------------------------------------------- rubric

def _rubric_form_data(assessment: Assessment) -> dict:
    def levels(criterion=None) -> list[dict]:
        rows = [{"id": str(level.id), "title": level.title, "points": Decimal(level.points)}
                for level in (criterion.levels if criterion is not None else [])]
        rows = rows[:LEVELS_PER_CRITERION]
        return rows + [{"id": "", "title": "", "points": None}] * (
            LEVELS_PER_CRITERION - len(rows))

    criteria = [{"id": str(c.id), "title": c.title, "delete": False, "levels": levels(c)}
                for c in assessment.criteria]
    criteria += [{"id": "", "title": "", "delete": False, "levels": levels()}
                 for _n in range(NEW_CRITERIA_BLOCKS)]
    return {"criteria": criteria}


def _optional_id(value: str | None) -> int | None:
    return bounded_int(value) if value else None


def _rubric_data(form: RubricForm) -> list[services.CriterionData]:
    return [services.CriterionData(
        id=_optional_id(entry.form.id.data), title=(entry.form.title.data or "").strip(),
        delete=bool(entry.form.delete.data),
        levels=[services.LevelData(id=_optional_id(level.form.id.data),
                                   title=(level.form.title.data or "").strip(),
                                   points=level.form.points.data)
                for level in entry.form.levels])
        for entry in form.criteria]


@bp.route("/manage/assessments/<int:assessment_id>/rubric", methods=["GET", "POST"])
def rubric(assessment_id: int):
    assessment = queries.assignment(assessment_id) or abort(404)
    require(assessment.can_manage(current_user))
    if request.method == "GET":
        form = RubricForm(formdata=None, data=_rubric_form_data(assessment))
        return render_template("assessments/assignment_rubric.html", assessment=assessment,
                               form=form, levels_per_criterion=LEVELS_PER_CRITERION)
    form = RubricForm()
    if form.validate_on_submit():
        try:
            services.save_rubric(current_user, assessment, _rubric_data(form))
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("Rubric saved."), "success")
            return redirect(url_for(".rubric", assessment_id=assessment.id))
    return render_template("assessments/assignment_rubric.html", assessment=assessment,
                           form=form, levels_per_criterion=LEVELS_PER_CRITERION), UNPROCESSABLE
