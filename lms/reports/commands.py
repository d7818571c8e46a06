"""``lms report``: a program's yearly report as PDF, XLSX or CSV, from the command line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from lms.catalog.models import Program
from lms.extensions import db
from lms.i18n import LANGUAGES
from lms.kernel import clock
from lms.reports import exports, figures, privacy
from lms.reports.filters import ReportFilter, Scope


def init_app(app: Flask) -> None:
    app.cli.add_command(report)


@click.command("report")
@click.option("--program", "program_code", required=True, help="Program code, e.g. PROCCER.")
@click.option("--year", type=click.IntRange(2000, 2100), required=True,
              help="Calendar year the report covers.")
@click.option("--format", "output_format", type=click.Choice(["pdf", "xlsx", "csv"]),
              default="pdf", show_default=True)
@click.option("--lang", default="en", type=click.Choice(list(LANGUAGES)), show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              required=True, help="File to write.")
@click.option("--shared", is_flag=True,
              help="For readers outside the program: hide small counts of people.")
@with_appcontext
def report(program_code: str, year: int, output_format: str, lang: str, output: Path,
           shared: bool) -> None:
    """Write a program's report for one year."""
    program = db.session.scalars(select(Program).where(Program.code == program_code)).first()
    if program is None:
        raise click.ClickException(f"no program with code {program_code!r}")
    filters = ReportFilter(program_id=program.id, start=date(year, 1, 1),
                           end=date(year, 12, 31))
    scope = Scope(everything=True, aggregated_only=shared)
    data_date = clock.today("UTC")
    with force_locale(lang):
        sections = figures.build_report(filters, scope)
        if shared:
            sections = privacy.suppress_sections(sections, privacy.min_cell())
        program_name = program.in_locale("name", lang)
        description = [(_("Program"), program_name), (_("Year"), str(year))]
        if shared:
            description.append((_("Shared outside the program"), _("Yes")))
        if output_format == "pdf":
            # reportlab's platypus loads only for a PDF.
            from lms.reports.pack import donor_pack

            title = _("%(program)s: report %(year)s", program=program_name, year=year)
            output.write_bytes(donor_pack(sections, title=title,
                                          filters_description=description,
                                          data_date=data_date, locale=lang))
        elif output_format == "xlsx":
            with output.open("wb") as stream:
                exports.to_xlsx(sections, description, stream, data_date=data_date)
        else:
            # The byte order mark lets Excel read the accents as UTF-8.
            output.write_text(exports.to_csv(sections, description), encoding="utf-8-sig")
    click.echo(str(output))
