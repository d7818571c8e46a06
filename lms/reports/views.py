"""The report page (``/reports``) and the targets page (``/reports/targets``).

The filters live in the URL, so a report can be bookmarked and shared; everyone
sees it within their scope (``filters.scope_for``), and nobody with an empty scope.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape

from lms.errors import DomainError
from lms.extensions import db
from lms.i18n import country_name, current_locale
from lms.kernel import clock
from lms.reports import cache as report_cache
from lms.reports import exports, privacy, queries, rows, services
from lms.reports.charts import format_value, render_svg, value_writer
from lms.reports.figures import build_report
from lms.reports.filters import (
    FilterChoices,
    ReportFilter,
    filter_args,
    filter_choices,
    parse_filters,
    scope_for,
)
from lms.reports.forms import TargetForm
from lms.reports.models import Target
from lms.reports.tables import Chart, Kind, Section, Table
from lms.web.pages import UNPROCESSABLE, show_refusal
from lms.web.permissions import require

bp = Blueprint("reports", __name__, url_prefix="/reports")


class Cells:
    """Table values as the reader writes them: the charts' own writer, so the table beside
    a chart says exactly what its labels say. In ``locale``, or the request's."""

    def __init__(self, locale: str | None = None) -> None:
        self.locale = locale

    def __call__(self, value, kind: Kind) -> str:
        return format_value(value, kind, self.locale or current_locale())

    def rows(self, table: Table) -> list[list[str]]:
        """Every row of ``table`` written out, a writer looked up once per column: the
        page writes thousands of cells, one template call each cost more than the SVG."""
        locale = self.locale or current_locale()
        writers = [value_writer(column.kind, locale) for column in table.columns]
        return [[write(value) for write, value in zip(writers, row, strict=False)]
                for row in table.rows]

    def body(self, table: Table) -> Markup:
        """The rows of ``table`` as the body of its HTML table (empty without rows): built
        here, where a template loop over 3,000 cells cost a tenth of the page."""
        return Markup("".join(  # noqa: S704 - every value escaped
            f'<tr><th scope="row">{escape(row[0])}</th>'
            + "".join(f'<td class="number">{escape(text)}</td>' for text in row[1:]) + "</tr>"
            for row in self.rows(table)))


cell = Cells()


def chart_svg(chart: Chart, locale: str | None = None) -> Markup:
    return report_cache.cached_svg(chart, locale or current_locale(), render_svg)


def _report(shared: bool = False, then: Callable[[Section], None] | None = None):
    """(filters, choices, sections, errors, when the figures were computed) of the
    request's report, in the viewer's scope; from the report cache when fresh.

    Observers always get small cells hidden; anyone else asks for it with ``shared=1``,
    for a file that leaves the program. ``then`` is called with each section computed,
    in the section's thread, when the section is shown as computed (not suppressed)."""
    scope = scope_for(current_user)
    require(not scope.empty)
    locale = current_locale()
    choices = report_cache.cached_choices(locale, scope, lambda: filter_choices(scope))
    filters, errors = parse_filters(request.args, scope, choices)
    suppressed = scope.aggregated_only or shared
    sections, computed_at = report_cache.cached_report(
        locale, filters, scope,
        lambda: build_report(filters, scope, then=None if suppressed else then))
    if suppressed:
        # A cell of fewer than the threshold's people is shown as "< 5".
        sections = privacy.suppress_sections(sections, privacy.min_cell())
    return filters, choices, sections, errors, computed_at


@bp.get("")
def index():
    locale = current_locale()
    # Each computed section's charts are drawn in its own thread while the others wait
    # on the database, rather than all of them after the last (over HTTP at a
    # program's size: 5 ms less). Kept with the chart drawn, so that its id names it
    # until the page is written; a chart the page shows instead (small cells hidden) is
    # another object, drawn when shown.
    drawn: dict[int, tuple[Chart, Markup]] = {}

    def draw(section: Section) -> None:
        for chart in section.charts:
            drawn[id(chart)] = (chart, chart_svg(chart, locale))

    def svg(chart: Chart) -> Markup:
        found = drawn.get(id(chart))
        return found[1] if found is not None else chart_svg(chart)

    filters, choices, sections, errors, computed_at = _report(then=draw)
    for error in errors:
        flash(error, "error")
    return render_template("reports/index.html", sections=sections, filters=filters,
                           computed_at=computed_at,
                           args=filter_args(filters), choices=choices,
                           cell=Cells(locale),
                           chart_svg=svg,
                           can_set_targets=_may_set_targets(),
                           may_export_rows=not scope_for(current_user).aggregated_only,
                           min_cell=privacy.min_cell())


def describe(filters: ReportFilter, choices: FilterChoices, shared: bool) -> list[tuple]:
    """The filters as (label, value) lines for the first sheet or page of an export."""
    names = {
        "program": dict(choices.programs), "course": dict(choices.courses),
        "cohort": dict(choices.cohorts), "institution": dict(choices.institutions),
        "country": dict(choices.countries), "gender": dict(choices.genders),
        "modality": dict(choices.modalities), "language": dict(choices.languages)}
    labels = {"program": _("Program"), "course": _("Course"), "cohort": _("Cohort"),
              "country": _("Country"), "institution": _("Institution"), "gender": _("Sex"),
              "modality": _("Modality"), "language": _("Language")}
    lines: list[tuple] = [(_("Period"), _period(filters))]
    for key, label in labels.items():
        value = getattr(filters, f"{key}_id", None) if key in (
            "program", "course", "cohort", "institution") else getattr(filters, key)
        if value is not None:
            lines.append((label, names[key].get(value, value)))
    if shared:
        lines.append((_("Shared outside the program"), _("Yes")))
    return lines


def _period(filters: ReportFilter) -> str:
    if filters.start and filters.end:
        return f"{format_date(filters.start)} – {format_date(filters.end)}"
    if filters.start:
        return f"{format_date(filters.start)} –"
    if filters.end:
        return f"– {format_date(filters.end)}"
    return _("All")


def _shared() -> bool:
    return request.args.get("shared") == "1"


def _refused_if_invalid(errors: list[str]) -> None:
    # A file must say exactly what it counts: a filter that was dropped would not show.
    if errors:
        abort(Response("\n".join(errors), status=UNPROCESSABLE, mimetype="text/plain"))


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store"}


@bp.get("/tables.csv")
def export_csv():
    filters, choices, sections, errors, _computed_at = _report(_shared())
    _refused_if_invalid(errors)
    body = "\ufeff" + exports.to_csv(sections, describe(filters, choices, _shared()))
    return Response(body.encode("utf-8"), mimetype="text/csv",
                    headers=_attachment(f"report-{clock.today(clock.UTC).isoformat()}.csv"))


@bp.get("/tables.xlsx")
def export_xlsx():
    filters, choices, sections, errors, _computed_at = _report(_shared())
    _refused_if_invalid(errors)
    stream = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    exports.to_xlsx(sections, describe(filters, choices, _shared()), stream,
                    data_date=clock.today(clock.UTC))
    stream.seek(0)
    return send_file(stream, mimetype=XLSX, as_attachment=True,
                     download_name=f"report-{clock.today(clock.UTC).isoformat()}.xlsx",
                     max_age=0)


@bp.get("/pack.pdf")
def pack():
    """The donor pack: the same report as an A4 PDF, in the page's language."""
    from lms.reports.pack import donor_pack  # reportlab's platypus loads only for a PDF

    filters, choices, sections, errors, _computed_at = _report(_shared())
    _refused_if_invalid(errors)
    data_date = clock.today(clock.UTC)
    pdf = donor_pack(sections, title=_("Program report"),
                     filters_description=describe(filters, choices, _shared()),
                     data_date=data_date, locale=current_locale())
    return Response(pdf, mimetype="application/pdf",
                    headers=_attachment(f"report-{data_date.isoformat()}.pdf"))


@bp.get("/enrolments.xlsx")
def enrolment_rows():
    """Every enrolment the report counts, one row each, streamed from the database into
    the sheet: people's names, so never for observers."""
    scope = scope_for(current_user)
    require(not scope.empty and not scope.aggregated_only)
    filters, errors = parse_filters(request.args, scope, filter_choices(scope))
    _refused_if_invalid(errors)
    stream = tempfile.TemporaryFile()
    exports.rows_xlsx(rows.enrolment_row_header(), rows.enrolment_rows(filters, scope),
                      stream, sheet_title=_("Enrolments"))
    stream.seek(0)
    return send_file(stream, mimetype=XLSX, as_attachment=True,
                     download_name=f"enrolments-{clock.today(clock.UTC).isoformat()}.xlsx",
                     max_age=0)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _may_set_targets() -> bool:
    return current_user.is_authenticated and current_user.is_coordinator


@bp.route("/targets", methods=["GET", "POST"])
def targets():
    require(_may_set_targets())
    programs = queries.manageable_programs(current_user)
    form = TargetForm(programs=programs)
    if form.validate_on_submit():
        program = next(p for p in programs if p.id == form.program_id.data)
        try:
            services.set_target(current_user._get_current_object(), program, form.year.data,
                                form.country.data or None, form.trained.data,
                                form.certified.data)
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(_("The target was saved."), "success")
            return redirect(url_for("reports.targets"))
    status = UNPROCESSABLE if form.is_submitted() else 200
    rows = queries.targets_of([p.id for p in programs])
    names = {p.id: f"{p.code}: {p.in_locale('name')}" for p in programs}
    return render_template("reports/targets.html", form=form, targets=rows, names=names,
                           country_name=country_name), status


@bp.post("/targets/<int:target_id>/delete")
def delete_target(target_id: int):
    target = db.session.get(Target, target_id)
    if target is None:
        abort(404)
    require(target.can_manage(current_user))
    services.delete_target(current_user._get_current_object(), target)
    flash(_("The target was deleted."), "success")
    return redirect(url_for("reports.targets"))
