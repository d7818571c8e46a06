"""``/jobs/<id>``: a progress bar that keeps itself current (``static/jobs.js`` asks for the
page every two seconds while the job runs and brings the progress in place: a timed reload
would fail WCAG 2.2.1; without script, a link shows it), then the job's result."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from lms.certification.issuance import ISSUE_ALL_JOB
from lms.certification.tracks.models import Track
from lms.cohorts.services import IMPORT_JOB
from lms.extensions import db
from lms.kernel.jobs import DONE, FAILED, JobRun
from lms.web.permissions import require

bp = Blueprint("jobs", __name__)

# Seconds between two looks at a job still waiting or running.
REFRESH_SECONDS = 2


@dataclass(frozen=True)
class JobPage:
    """What the page says about a job of some kind, in the reader's language."""

    title: str
    back_url: str
    back_label: str
    outcome: str | None  # the result in a sentence, once done


def _issue_all(job: JobRun) -> JobPage:
    track = db.session.get(Track, job.params.get("track_id"))
    issued = int((job.result or {}).get("issued", 0))
    return JobPage(
        title=(_("Issuing certificates: %(track)s", track=track.in_locale("title"))
               if track is not None else _("Issuing certificates")),
        back_url=(url_for("certificates.track", track_id=track.id) if track is not None
                  else url_for("certificates.certify")),
        back_label=_("Back to the track"),
        outcome=(ngettext("%(num)d certificate issued.", "%(num)d certificates issued.", issued)
                 if issued else _("Nobody is waiting for a certificate on this track.")))


def _import(job: JobRun) -> JobPage:
    result = job.result or {}
    return JobPage(
        title=_("Importing trainees"),
        back_url=url_for("cohorts_manage.import_csv"),
        back_label=_("Back to the import page"),
        outcome=_("Import finished. Accounts created: %(created)s. Enrolments added: "
                  "%(enrolled)s. Already enrolled: %(already)s.",
                  created=result.get("created", 0), enrolled=result.get("enrolled", 0),
                  already=result.get("already", 0)))


PAGES = {ISSUE_ALL_JOB: _issue_all, IMPORT_JOB: _import}


@bp.get("/jobs/<int:job_id>")
def show(job_id: int):
    job = db.session.get(JobRun, job_id) or abort(404)
    require(job.can_view(current_user))
    describe = PAGES.get(job.kind) or abort(404)
    response = render_template(
        "jobs/job.html", job=job, page=describe(job), done=job.status == DONE,
        failed=job.status == FAILED, problems=(job.result or {}).get("problems") or [],
        refresh=None if job.finished else REFRESH_SECONDS)
    # Each reload must show the progress now, never a stored copy.
    return response, 200, {"Cache-Control": "no-store"}
